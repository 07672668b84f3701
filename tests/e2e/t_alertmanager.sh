#!/usr/bin/env bash
# t_alertmanager.sh - the Prometheus Alertmanager push: every fixture of
# tests/fixtures/ingest/alertmanager/ over HTTP (stored events checked against
# NAME.expected.json), then a real Alertmanager (Debian package
# prometheus-alertmanager, run on loopback with its own config and storage)
# whose webhook receiver is alerthub: an alert posted to Alertmanager must
# arrive as a Critical alert, and its resolution must recover the alert and
# close the incident. A missing or broken Alertmanager fails the suite.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 BIN}
FIXTURES=$(cd "$(dirname "$0")/../fixtures/ingest/alertmanager" && pwd)
AM_BIN=${AM_BIN:-/usr/bin/prometheus-alertmanager}
AM_START_TIMEOUT=${AM_START_TIMEOUT:-30}
AM_DELIVERY_TIMEOUT=${AM_DELIVERY_TIMEOUT:-30}
AM_PID='' AM_URL='' AM_LOG=''
declare -A FIXTURE_KEY

am_push() { push alertmanager "$@"; }

# ---- fixtures --------------------------------------------------------------

# mismatches EXPECTED_ENTRY: reads an event (API shape) from stdin and prints
# one line per field that does not match the expected entry.
mismatches()
{
    jq -r --argjson ex "$1" '
        . as $ev
        | (["event_status", "severity", "title", "description", "alert_key", "event_time"][] as $f
            | select(($ex | has($f)) and $ev[$f] != ($ex[$f] // ""))
            | select($f != "event_time" or $ex[$f] != 0) # 0: the receive time, unknown here
            | "\($f): \($ev[$f] | tojson) != \($ex[$f] | tojson)"),
          (($ex.labels_include // {}) | to_entries[] | select($ev.labels[.key] != .value)
            | "label \(.key): \($ev.labels[.key] | tojson) != \(.value | tojson)"),
          (($ex.labels_absent // [])[] | . as $k | select($ev.labels | has($k))
            | "label \(.) should be absent")'
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
    new_ids=$(db "SELECT group_concat(id) FROM events WHERE alert_key = $(sql_str "$key")
                  AND channel_id = $FIX_CH AND id > $last_ev;")
    if [ "$(jq -r .event_status <<<"$ex")" = Ok ] && [[ $OPEN_KEYS != *" $key "* ]]; then
        assert_eq "${name}[$i] Ok without an open alert stores nothing" "" "$new_ids"
        return
    fi
    if [ -z "$new_ids" ] && [[ $OPEN_KEYS == *" $key "* ]]; then
        # An identical repeat of an open alert is not stored (api.md 1.6):
        # Alertmanager repeats the still-firing alerts of a group.
        api GET "/alerts/$(db "SELECT id FROM alerts WHERE channel_id = $FIX_CH
                               AND alert_key = $(sql_str "$key") ORDER BY id DESC LIMIT 1;")"
        assert_status 200
    else
        assert_match "${name}[$i] stored exactly one event" '^[0-9]+$' "$new_ids"
        api GET "/alerts/$(db "SELECT alert_id FROM events WHERE id = ${new_ids:-0};")"
        assert_status 200
        assert_json "${name}[$i] newest event of its alert" '.data.events[0].id' "$new_ids"
    fi
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
    OPEN_KEYS=" $(db "SELECT group_concat(alert_key, ' ') FROM alerts
                      WHERE channel_id = $FIX_CH AND end_time = 0 AND close_time = 0;") "
    am_push "$FIX_KEY" "@$FIXTURES/$name.json"
    assert_status 200
    assert_request_id
    assert_json "alert_keys lists one key per alert" '.data.alert_keys | length' "$n"
    keys=$(jb '.data.alert_keys // [.data.alert_key] | join(" ")')
    FIXTURE_KEY[$name]=$(jb '.data.alert_key')
    read -r -a keys <<<"$keys"
    for ((i = 0; i < n; i++)); do
        check_entry "$name" "$i" "$(jq -c ".[$i]" <<<"$ex")" "${keys[$i]-}" "$last_ev"
    done
}

test_fixtures()
{
    run_fixtures "$FIXTURES" am_push "$FIX_KEY"
    section "firing-group then resolved-one"
    api GET "/alerts/$(db "SELECT id FROM alerts WHERE channel_id = $FIX_CH
                           AND alert_key = '51ad6da7369deb4c' ORDER BY id DESC LIMIT 1;")"
    assert_json "resolved alert status" .data.status Ok
    api GET "/alerts/$(db "SELECT id FROM alerts WHERE channel_id = $FIX_CH
                           AND alert_key = '33c701e5537d0c21' ORDER BY id DESC LIMIT 1;")"
    assert_json "other alert of the group still firing" .data.status Critical
}

# ---- the real Alertmanager -------------------------------------------------

# am_fatal REASON: the suite cannot go on without Alertmanager.
am_fatal()
{
    fail "$1"
    if [ -n "$AM_LOG" ] && [ -s "$AM_LOG" ]; then
        tail -n 20 "$AM_LOG" | sed 's/^/     | /'
    fi
    finish
}

# am_config WEBHOOK_URL: a route that sends every alert to alerthub at once.
am_config()
{
    cat >"$AH_TMP/am.yml" <<EOF
route:
  receiver: alerthub
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: alerthub
    webhook_configs:
      - url: '$1'
        send_resolved: true
        max_alerts: 100
EOF
}

# am_ready: polls /-/ready until it answers 200, Alertmanager exits, or
# AM_START_TIMEOUT seconds pass.
am_ready()
{
    local deadline=$((SECONDS + AM_START_TIMEOUT))
    while [ "$SECONDS" -le "$deadline" ]; do
        kill -0 "$AM_PID" 2>/dev/null || return 1
        if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$AM_URL/-/ready")" = 200 ]; then
            return 0
        fi
        sleep 0.1 # poll interval, not a wait for an assumed state
    done
    return 1
}

# am_start WEBHOOK_URL: Alertmanager on a free loopback port, clustering off.
# A start that loses a race for its port is retried on another port.
am_start()
{
    local port try
    [ -x "$AM_BIN" ] || am_fatal "Alertmanager not found at $AM_BIN: install the Debian package prometheus-alertmanager (scripts/deps.sh)"
    "$AM_BIN" --version >/dev/null 2>&1 || am_fatal "$AM_BIN --version failed: Alertmanager cannot run here"
    am_config "$1"
    for try in 1 2 3; do
        port=$(pick_port)
        AM_URL=http://127.0.0.1:$port
        AM_LOG=$AH_TMP/alertmanager.$try.log
        "$AM_BIN" --config.file="$AH_TMP/am.yml" --storage.path="$AH_TMP/am" \
            --web.listen-address="127.0.0.1:$port" --cluster.listen-address= \
            --log.level=debug >"$AM_LOG" 2>&1 &
        AM_PID=$!
        AH_BG_PIDS+=("$AM_PID") # killed by the harness's exit trap
        am_ready && return 0
        kill -KILL "$AM_PID" 2>/dev/null
        wait "$AM_PID" 2>/dev/null
        AM_PID=
        grep -qi 'address already in use' "$AM_LOG" || break
    done
    am_fatal "Alertmanager ($AM_BIN) did not become ready within ${AM_START_TIMEOUT}s; log:"
}

am_stop()
{
    [ -n "$AM_PID" ] || return 0
    kill -TERM "$AM_PID" 2>/dev/null
    wait "$AM_PID" 2>/dev/null
    AM_PID=
}

# am_post_alert JSON_ARRAY: POST /api/v2/alerts, which must answer 200.
am_post_alert()
{
    http POST "$AM_URL/api/v2/alerts" -H 'Content-Type: application/json' --data-binary "$1"
    assert_status 200 "Alertmanager accepts the alert"
}

# wait_until DESC COMMAND...: polls COMMAND until it succeeds; fails after
# AM_DELIVERY_TIMEOUT seconds with Alertmanager's log.
wait_until()
{
    local desc=$1 deadline=$((SECONDS + AM_DELIVERY_TIMEOUT))
    shift
    while [ "$SECONDS" -le "$deadline" ]; do
        if "$@"; then
            pass
            return 0
        fi
        sleep 0.2 # poll interval, not a wait for an assumed state
    done
    fail "$desc: not within ${AM_DELIVERY_TIMEOUT}s; Alertmanager log:"
    grep -iE 'notif|webhook|err' "$AM_LOG" | tail -n 10 | sed 's/^/     | /'
    return 1
}

# The live channel has an incident: sets INC_ID and ALERT_ID.
# shellcheck disable=SC2317 # called through wait_until
live_incident()
{
    api GET "/incidents?channel_id=$LIVE_CH"
    INC_ID=$(jb '.data.items[0].id // empty')
    [ -n "$INC_ID" ] || return 1
    api GET "/incidents/$INC_ID"
    ALERT_ID=$(jb '.data.alerts[0].id // empty')
    [ -n "$ALERT_ID" ]
}

# The live alert recovered and its incident closed.
# shellcheck disable=SC2317 # called through wait_until
live_closed()
{
    api GET "/alerts/$ALERT_ID"
    [ "$(jb .data.status)" = Ok ] || return 1
    api GET "/incidents/$INC_ID"
    [ "$(jb .data.progress)" = Closed ]
}

# The fingerprint Alertmanager gives the alert named NAME.
am_fingerprint()
{
    http GET "$AM_URL/api/v2/alerts?filter=alertname%3D%22$1%22"
    jb '.[0].fingerprint // empty'
}

test_live()
{
    local push_url starts ends alert fp
    section "integration type alertmanager"
    new_channel am-live
    LIVE_CH=$CH_ID
    new_integration am-live alertmanager "$LIVE_CH"
    push_url=$(jb .data.push_url)
    assert_eq "push_url" "$AH_PUBLIC_URL/event/push/alert/alertmanager?integration_key=$INT_KEY" \
        "$push_url"

    section "Alertmanager starts"
    am_start "$AH_URL/event/push/alert/alertmanager?integration_key=$INT_KEY"
    pass

    section "firing alert through Alertmanager"
    starts=$(date -u -d '-60 sec' +%Y-%m-%dT%H:%M:%SZ)
    alert=$(jq -nc --arg s "$starts" '{labels: {alertname: "HighLatency", severity: "critical",
        service: "api"}, annotations: {summary: "p99 over 2s", description: "p99 of api over 2s"},
        generatorURL: "http://prometheus.test:9090/graph", startsAt: $s}')
    am_post_alert "[$alert]"
    fp=$(am_fingerprint HighLatency)
    assert_match "Alertmanager fingerprint" '^[0-9a-f]{16}$' "$fp"
    wait_until "alert arrives in alerthub" live_incident || finish
    api GET "/alerts/$ALERT_ID"
    assert_json "alert severity" .data.severity Critical
    assert_json "alert status" .data.status Critical
    assert_json "alert title" .data.title "HighLatency: p99 over 2s"
    assert_json "alert description" .data.description "p99 of api over 2s"
    assert_json "alert_key is the fingerprint" .data.alert_key "$fp"
    assert_json "label alertname" .data.labels.alertname HighLatency
    assert_json "label severity" .data.labels.severity critical
    assert_json "label service" .data.labels.service api
    assert_json "label annotation_summary" .data.labels.annotation_summary "p99 over 2s"
    assert_json "label generator_url" .data.labels.generator_url "http://prometheus.test:9090/graph"
    assert_json "event_time is startsAt" .data.events[0].event_time "$(date -u -d "$starts" +%s)"
    api GET "/incidents/$INC_ID"
    assert_json "incident severity" .data.severity Critical
    assert_json "incident progress" .data.progress Triggered
    assert_json "incident title" .data.title "HighLatency: p99 over 2s"

    section "resolution through Alertmanager"
    ends=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    am_post_alert "[$(jq -c --arg e "$ends" '.endsAt = $e' <<<"$alert")]"
    wait_until "alert recovers in alerthub" live_closed || finish
    api GET "/alerts/$ALERT_ID"
    assert_json "alert status" .data.status Ok
    assert_json "alert end_time set" '.data.end_time > 0' true
    assert_json "alert events: firing, then Ok" '[.data.events[].event_status] | reverse | join(",")' \
        "Critical,Ok"
    assert_json "Ok event_time is endsAt" .data.events[0].event_time "$(date -u -d "$ends" +%s)"
    api GET "/incidents/$INC_ID"
    assert_json "incident status" .data.status Ok
    assert_json "incident progress" .data.progress Closed
    assert_eq "one incident in the channel" 1 \
        "$(db "SELECT count(*) FROM incidents WHERE channel_id = $LIVE_CH;")"
    am_stop
}

start_server "$BIN"
section setup
new_channel am-fixtures
FIX_CH=$CH_ID
new_integration am-fixtures alertmanager "$FIX_CH"
FIX_KEY=$INT_KEY
test_fixtures
test_live
stop_server
finish
