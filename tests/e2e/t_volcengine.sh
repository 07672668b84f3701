#!/usr/bin/env bash
# t_volcengine.sh - the Volcengine RTC push: every fixture of
# tests/fixtures/ingest/volcengine-rtc/ over HTTP (stored events checked against
# NAME.expected.json), trigger and recovery, several resources, and retries
# recognised by EventId or the x-volc-trace-id header.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 BIN}
FIXTURES=$(cd "$(dirname "$0")/../fixtures/ingest/volcengine-rtc" && pwd)
declare -A FIXTURE_KEY

volc() { push volcengine/rtc "$@"; }

# mismatches EXPECTED_ENTRY: reads an event (API shape) from stdin and prints
# one line per field that does not match the expected entry.
mismatches()
{
    jq -r --argjson ex "$1" '
        . as $ev
        | (["event_status", "severity", "event_time"][] as $f
            | select(($ex | has($f)) and $ev[$f] != $ex[$f])
            | "\($f): \($ev[$f]) != \($ex[$f])"),
          (($ex.title_contains // [])[] | select(. as $t | ($ev.title // "") | contains($t) | not)
            | "title \($ev.title | tojson) lacks \(tojson)"),
          (($ex.labels_include // {}) | to_entries[] | select($ev.labels[.key] != .value)
            | "label \(.key): \($ev.labels[.key] | tojson) != \(.value | tojson)")'
}

# check_entry NAME I EXPECTED_ENTRY KEY LAST_EVENT_ID (OPEN_KEYS: the keys of
# the alerts that were open before the push)
check_entry()
{
    local name=$1 i=$2 ex=$3 key=$4 last_ev=$5 new_ids same
    same=$(jq -r '.alert_key_same_as // empty' <<<"$ex")
    if [ -n "$same" ]; then
        assert_eq "${name}[$i] alert_key same as $same" "${FIXTURE_KEY[$same]}" "$key"
    fi
    new_ids=$(db "SELECT group_concat(id) FROM events WHERE alert_key = $(sql_str "$key") AND id > $last_ev;")
    if [ "$(jq -r .event_status <<<"$ex")" = Ok ] && [[ $OPEN_KEYS != *" $key "* ]]; then
        assert_eq "${name}[$i] Ok without an open alert stores nothing" "" "$new_ids"
        return
    fi
    assert_match "${name}[$i] stored exactly one event" '^[0-9]+$' "$new_ids"
    api GET "/alerts/$(db "SELECT alert_id FROM events WHERE id = ${new_ids:-0};")"
    assert_status 200
    assert_json "${name}[$i] newest event of its alert" '.data.events[0].id' "$new_ids"
    assert_eq "${name}[$i] matches $name.expected.json" "" \
        "$(jq -c '.data.events[0]' <<<"$H_BODY" | mismatches "$ex")"
}

# push_fixture NAME: push NAME.json; compare with NAME.expected.json.
push_fixture()
{
    local name=$1 ex n i last_ev keys
    ex=$(cat "$FIXTURES/$name.expected.json")
    n=$(jq length <<<"$ex")
    section "fixture $name"
    last_ev=$(db "SELECT coalesce(max(id), 0) FROM events;")
    OPEN_KEYS=" $(db "SELECT group_concat(alert_key, ' ') FROM alerts WHERE end_time = 0 AND close_time = 0;") "
    volc "$VOLC_KEY" "@$FIXTURES/$name.json"
    assert_status 200
    assert_request_id
    assert_json "alert_keys lists one key per event" '.data.alert_keys | length' "$n"
    # Go on with alert_key alone when alert_keys is missing (one failure above).
    keys=$(jb '.data.alert_keys // [.data.alert_key] | join(" ")')
    assert_json "distinct alert_keys" '.data.alert_keys // [.data.alert_key] | unique | length' "$n"
    assert_json "alert_key is the first of alert_keys" '(.data.alert_keys // [.data.alert_key])[0] == .data.alert_key' true
    FIXTURE_KEY[$name]=$(jb '.data.alert_key')
    read -r -a keys <<<"$keys"
    for ((i = 0; i < n; i++)); do
        check_entry "$name" "$i" "$(jq -c ".[$i]" <<<"$ex")" "${keys[$i]-}" "$last_ev"
    done
}

test_fixtures()
{
    run_fixtures "$FIXTURES" volc "$VOLC_KEY"
}

test_trigger_recovery()
{
    local key=${FIXTURE_KEY[cm-trigger]}
    section "cm-trigger then cm-recovery"
    assert_eq "one alert for the resource" 1 "$(db "SELECT count(*) FROM alerts WHERE alert_key = '$key';")"
    get_alert_of "$key"
    assert_json "alert recovered" .data.status Ok
    assert_json "alert end_time" '(.data.end_time > 0)' true
    assert_json "alert event_count" .data.event_count 2
    assert_json "alert title" .data.title "rtc-join-room-failure-rate / live-classroom"
    api GET "/incidents/$(incident_id_for "$key")"
    assert_json "incident closed" .data.progress Closed
    assert_json "incident status" .data.status Ok
}

get_alert_of()
{
    api GET "/alerts/$(alert_id_for "$1")"
    assert_status 200
}

# retried NAME BODY [CURL_ARGS...]: a push that must answer the first answer's
# key and store nothing.
retried()
{
    local name=$1 body=$2 before
    shift 2
    section "$name"
    before=$(db_counts)
    volc "$VOLC_KEY" "$body" "" "$@"
    assert_status 200
    assert_request_id
    assert_eq "retry answers the first alert_key" "$FIRST_KEY" "$(jb '.data.alert_key')"
    assert_unchanged_counts "$before"
}

# stored NAME BODY [CURL_ARGS...]: a push that stores one event.
stored()
{
    local name=$1 body=$2 before
    shift 2
    section "$name"
    before=$(db "SELECT count(*) FROM events;")
    volc "$VOLC_KEY" "$body" "" "$@"
    assert_status 200
    assert_eq "one event stored" $((before + 1)) "$(db "SELECT count(*) FROM events;")"
}

test_retries()
{
    local env env2 flat
    env=$(cat "$FIXTURES/envelope-notice.json")
    FIRST_KEY=${FIXTURE_KEY[envelope-notice]}
    retried "retry: same EventId" "$env"
    # The EventId identifies the delivery, whatever the body says now.
    env2=$(jq -c '.EventData |= (fromjson | .Level = "Critical" | tojson)' <<<"$env")
    retried "retry: same EventId, changed body" "$env2"
    stored "new EventId is a new delivery" "$(jq -c '.EventId = "e2e-other-event-id"' <<<"$env2")"

    flat='{"rule_name":"trace-rule","level":"warning","app_id":"app-trace","description":"first"}'
    stored "first delivery with x-volc-trace-id" "$flat" -H 'x-volc-trace-id: trace-e2e-1'
    FIRST_KEY=$(jb '.data.alert_key')
    retried "retry: same x-volc-trace-id" "$flat" -H 'x-volc-trace-id: trace-e2e-1'
    retried "retry: same x-volc-trace-id, changed body" \
        "$(jq -c '.description = "second"' <<<"$flat")" -H 'x-volc-trace-id: trace-e2e-1'
    stored "new x-volc-trace-id is a new delivery" \
        "$(jq -c '.description = "second"' <<<"$flat")" -H 'x-volc-trace-id: trace-e2e-2'
    assert_eq "new delivery merges into the same alert" "$FIRST_KEY" "$(jb '.data.alert_key')"

    section "retry ids are per integration"
    new_channel volc-other
    new_integration volc-other volcengine_rtc "$CH_ID"
    push volcengine/rtc "$INT_KEY" "$env"
    assert_status 200
    assert_eq "same EventId on another integration is stored" 1 \
        "$(db "SELECT count(*) FROM events WHERE integration_id = $INT_ID;")"
}

start_server "$BIN"
section setup
new_channel volcengine
new_integration volc volcengine_rtc "$CH_ID"
VOLC_KEY=$INT_KEY
test_fixtures
test_trigger_recovery
test_retries
stop_server
finish
