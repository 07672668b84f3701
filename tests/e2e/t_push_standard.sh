#!/usr/bin/env bash
# t_push_standard.sh - the standard push: limits and truncation, query
# overrides and title templates, derived alert keys, and dedup of events into
# alerts (identical repeats, changes, recovery, late recoveries, labels).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 BIN}

rep()
{
    local s
    printf -v s '%*s' "$2" ''
    printf '%s' "${s// /$1}"
}

# pushed_ok BODY [QUERY]: push to the main integration, expect 200; sets KEY.
pushed_ok()
{
    push_std "$STD_KEY" "$@"
    assert_status 200
    assert_request_id
    KEY=$(jb '.data.alert_key')
}

# get_alert KEY: GET /alerts/{id} of the newest alert with that key.
get_alert()
{
    ALERT_ID=$(alert_id_for "$1")
    api GET "/alerts/$ALERT_ID"
    assert_status 200 "GET alert of key $1"
}

setup()
{
    section setup
    new_channel standard
    CH=$CH_ID
    new_integration std standard "$CH"
    STD_KEY=$INT_KEY
    new_integration std-2 standard "$CH"
    STD2_KEY=$INT_KEY
}

test_derived_key()
{
    local body k1
    section "derived alert_key"
    body=$(ev Warning "disk full" "" "" '{"host":"a","mount":"/"}')
    pushed_ok "$body"
    k1=$KEY
    assert_match "derived key is 32 hex digits" '^[0-9a-f]{32}$' "$k1"
    pushed_ok "$body"
    assert_eq "identical push derives the same key" "$k1" "$KEY"
    pushed_ok "$(ev Warning "disk full" "" "" '{"mount":"/","host":"a"}')"
    assert_eq "label order does not change the key" "$k1" "$KEY"
    pushed_ok "$(ev Warning "disk full" "" "another description" '{"host":"a","mount":"/"}')"
    assert_eq "the description is not part of the derived key" "$k1" "$KEY"
    pushed_ok "$(ev Warning "disk full!" "" "" '{"host":"a","mount":"/"}')"
    assert_ne "another title derives another key" "$k1" "$KEY"
    pushed_ok "$(ev Warning "disk full" "" "" '{"host":"b","mount":"/"}')"
    assert_ne "other labels derive another key" "$k1" "$KEY"
    push_std "$STD2_KEY" "$body"
    assert_status 200
    assert_ne "another integration derives another key" "$k1" "$(jb '.data.alert_key')"
    assert_eq "one alert for the derived key" 1 "$(db "SELECT count(*) FROM alerts WHERE alert_key = '$k1';")"
}

test_trigger_repeat_recover()
{
    local t0 trig alert incident
    section "trigger, identical repeat, recovery"
    t0=$(date +%s)
    trig=$(ev Critical "disk full" life-1 "sda1 at 95%" '{"host":"db1"}')
    pushed_ok "$trig"
    assert_eq "explicit alert_key returned" life-1 "$KEY"
    get_alert life-1
    alert=$ALERT_ID
    incident=$(incident_id_for life-1)
    assert_json "new alert event_count" .data.event_count 1
    assert_json "new alert status" .data.status Critical
    assert_json "new alert end_time" .data.end_time 0
    assert_json "new alert start_time" "(.data.start_time >= $t0)" true

    pushed_ok "$trig"
    get_alert life-1
    assert_eq "identical repeat merges into the same alert" "$alert" "$ALERT_ID"
    assert_json "identical repeat is not counted" .data.event_count 1
    assert_eq "identical repeat is not stored" 1 "$(events_for life-1)"

    pushed_ok "$(ev Ok "disk full" life-1)"
    get_alert life-1
    assert_eq "recovery goes to the same alert" "$alert" "$ALERT_ID"
    assert_json "recovered alert event_count" .data.event_count 2
    assert_json "recovered alert status" .data.status Ok
    assert_json "recovered alert keeps its severity" .data.severity Critical
    assert_json "recovered alert end_time set" "(.data.end_time >= $t0)" true
    assert_json "alert events, newest first" '[.data.events[].event_status] | join(",")' Ok,Critical
    assert_eq "one alert for the key" 1 "$(db "SELECT count(*) FROM alerts WHERE alert_key = 'life-1';")"

    api GET "/incidents/$incident"
    assert_status 200
    assert_json "incident closed by the recovery" .data.progress Closed
    assert_json "incident status" .data.status Ok
    assert_json "incident close_time set" "(.data.close_time >= $t0)" true
    assert_json "incident active_alert_count" .data.active_alert_count 0
    assert_json "incident alert_count" .data.alert_count 1
    assert_json "incident event_count" .data.event_count 2
    assert_json "incident alerts" '[.data.alerts[].id] | join(",")' "$alert"
}

test_changed_repeats()
{
    local alert step status title desc count
    section "changed repeats are stored"
    pushed_ok "$(ev Warning queue-lag chg-1 lag-10s)"
    alert=$(alert_id_for chg-1)
    # status title description -> expected event_count, alert status, severity
    while read -r status title desc count astatus severity; do
        step="$status/$title/$desc"
        pushed_ok "$(ev "$status" "$title" chg-1 "$desc")"
        get_alert chg-1
        assert_eq "$step: same alert" "$alert" "$ALERT_ID"
        assert_json "$step: event_count" .data.event_count "$count"
        assert_json "$step: status" .data.status "$astatus"
        assert_json "$step: severity (highest seen)" .data.severity "$severity"
        assert_eq "$step: events stored" "$count" "$(events_for chg-1)"
    done <<'EOF'
Warning  queue-lag lag-20s 2 Warning  Warning
Warning  queue-lag lag-20s 2 Warning  Warning
Critical queue-lag lag-20s 3 Critical Critical
Warning  queue-lag lag-20s 4 Warning  Critical
Warning  queue-LAG lag-20s 5 Warning  Critical
Info     queue-LAG lag-20s 6 Info     Critical
EOF
    api GET "/incidents/$(incident_id_for chg-1)"
    assert_json "incident severity is its alerts' highest" .data.severity Critical
    assert_json "incident event_count" .data.event_count 6
    assert_json "incident still open" .data.progress Triggered
}

test_late_recoveries()
{
    local before
    section "Ok without an active alert"
    before=$(db_counts)
    pushed_ok "$(ev Ok "never fired" never-1)"
    assert_eq "late Ok echoes the key" never-1 "$KEY"
    assert_unchanged_counts "$before"
    pushed_ok "$(ev Ok "disk full" life-1)"
    assert_eq "Ok for an already recovered alert" life-1 "$KEY"
    assert_unchanged_counts "$before"
}

test_labels()
{
    section "labels on repeats and recovery"
    pushed_ok "$(ev Critical "labels" lbl-1 "" '{"a":"1","b":"2"}')"
    pushed_ok "$(ev Critical "labels" lbl-1 "" '{"a":"1","z":"9"}')"
    get_alert lbl-1
    assert_json "identical repeat not counted" .data.event_count 1
    assert_json "identical repeat refreshes labels" '.data.labels | tojson' '{"a":"1","z":"9"}'
    pushed_ok "$(ev Ok "labels" lbl-1 "" '{"a":"changed","c":"3"}')"
    get_alert lbl-1
    assert_json "Ok keeps existing labels and adds missing ones" \
        '.data.labels | to_entries | sort_by(.key) | from_entries | tojson' '{"a":"1","c":"3","z":"9"}'
    assert_json "Ok event keeps its own labels" '.data.events[0].labels.a' changed
}

test_truncation()
{
    local long_value
    section "truncation"
    pushed_ok "$(ev Critical "$(rep a 600)" trunc-ascii "$(rep d 3000)")"
    get_alert trunc-ascii
    assert_json "600-char title stored as its first 512" .data.title "$(rep a 512)"
    assert_json "3000-char description stored as 2048" .data.description "$(rep d 2048)"
    assert_json "event title truncated too" '.data.events[0].title | length' 512
    assert_json "event description truncated too" '.data.events[0].description | length' 2048

    pushed_ok "$(ev Critical "$(rep é 600)" trunc-utf8 "$(rep 警 2100)")"
    get_alert trunc-utf8
    assert_json "multi-byte title: 512 characters, none split" .data.title "$(rep é 512)"
    assert_json "multi-byte description: 2048 characters" .data.description "$(rep 警 2048)"

    long_value=$(jq -nc --arg v "$(rep v 3000)" '{big: $v}')
    pushed_ok "$(ev Critical "long label" trunc-label "" "$long_value")"
    get_alert trunc-label
    assert_json "3000-char label value stored as 2048" .data.labels.big "$(rep v 2048)"
}

test_severity_override()
{
    section "?severity= override"
    pushed_ok "$(ev Critical "sev override" sev-1)" "&severity=Info"
    get_alert sev-1
    assert_json "alert severity from ?severity" .data.severity Info
    assert_json "alert status from ?severity" .data.status Info
    assert_json "event severity from ?severity" '.data.events[0].severity' Info
    pushed_ok "$(ev Ok "sev override" sev-1)" "&severity=Warning"
    get_alert sev-1
    assert_json "?severity on Ok still recovers" .data.status Ok
    assert_json "?severity on Ok: end_time set" '(.data.end_time > 0)' true
}

test_title_templates()
{
    local n=0 tpl expected labels
    labels='{"resource":"127.0.0.1","check":"cpu idle low"}'
    while IFS='|' read -r tpl expected; do
        n=$((n + 1))
        section "title_rule '$tpl'"
        pushed_ok "$(ev Critical "ignored title" "tpl-q-$n" "" "$labels")" "&title_rule=$(urlenc "$tpl")"
        get_alert "tpl-q-$n"
        assert_json "?title_rule=$tpl" .data.title "$expected"
        pushed_ok "$(ev Critical "$tpl" "tpl-b-$n" "" "$labels")"
        get_alert "tpl-b-$n"
        assert_json "body title_rule $tpl" .data.title "$expected"
    done <<'EOF'
$resource::$check|127.0.0.1 / cpu idle low
[TPL]${resource} / ${check}|127.0.0.1 / cpu idle low
[TPL]{{.Labels.resource}} / {{.Labels.check}}|127.0.0.1 / cpu idle low
$resource::$missing|127.0.0.1 / $missing
[TPL]${check}-${missing}|cpu idle low-<no value>
[TPL]{{.Labels.missing}}x|x
a & b = c?|a & b = c?
磁盘已满 / 主机|磁盘已满 / 主机
EOF
}

test_event_time()
{
    local key secs expected
    while read -r key secs expected; do
        section "event_time $secs"
        pushed_ok "$(ev Warning "event time $key" "$key" | jq -c --argjson t "$secs" '. + {event_time: $t}')"
        get_alert "$key"
        assert_json "event_time $secs stored" '.data.events[0].event_time' "$expected"
    done <<'EOF'
time-s  1700000000    1700000000
time-ms 1700000000123 1700000000
EOF
}

test_last_event_at_and_content_type()
{
    local t0
    section "integration last_event_at"
    new_integration idle standard "$CH"
    api GET "/integrations/$INT_ID"
    assert_json "last_event_at before any push" .data.last_event_at null
    t0=$(date +%s)
    http POST "$AH_URL/event/push/alert/standard?integration_key=$INT_KEY" \
        -H 'Content-Type: application/json; charset=utf-8' \
        --data-binary "$(ev Info "charset" lea-1)"
    assert_status 200 "Content-Type with charset"
    api GET "/integrations/$INT_ID"
    assert_json "last_event_at after a push" "(.data.last_event_at >= $t0)" true

    section "images accepted"
    pushed_ok "$(ev Info "with images" img-1 | jq -c '. + {images: [{src: "https://x.test/a.png", alt: "a", href: "https://x.test"}]}')"
    assert_eq "event with images stored" 1 "$(events_for img-1)"
}

start_server "$BIN"
setup
test_derived_key
test_trigger_repeat_recover
test_changed_repeats
test_late_recoveries
test_labels
test_truncation
test_severity_override
test_title_templates
test_event_time
test_last_event_at_and_content_type
stop_server
finish
