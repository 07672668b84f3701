#!/usr/bin/env bash
# t_flapping.sh - flapping detection (spec section 6.6): the defaults and
# their ranges, mark mode (the new alert and its incident flagged, one
# i_m_flapping entry per incident), mute mode (muted_until), off mode,
# changes spread beyond in_mins, and histories kept across kill -9. Time
# comes from the test clock.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 BIN}

# send STATUS KEY [LABELS_JSON]: pushes to the current channel's integration
# and expects 200; sets ALERT and INC. (Replaces lib.sh's send: flapping tests
# need only a status and a key.)
send()
{
    local labels=${3-}
    [ -n "$labels" ] || labels='{}'
    push_std "$IKEY" "$(jq -nc --arg s "$1" --arg k "$2" --argjson l "$labels" \
        '{event_status: $s, title_rule: "flappy \($k)", alert_key: $k, labels: $l}')"
    assert_status 200 "push $2 ($1)"
    ALERT=$(alert_id_for "$2")
    INC=$(incident_id_for "$2")
}

# chan NAME [FLAPPING_JSON] [GROUPING_JSON]: a new channel with a standard
# integration; sets CH and IKEY.
chan()
{
    std_channel "$1"
    if [ -n "${2-}" ]; then
        api PUT "/channels/$CH/flapping" "$2"
        assert_status 200 "PUT flapping of channel $1"
    fi
    if [ -n "${3-}" ]; then
        api PUT "/channels/$CH/grouping" "$3"
        assert_status 200 "PUT grouping of channel $1"
    fi
}

# alert_flapping ID / incident_field ID FIELD
alert_flapping()
{
    api GET "/alerts/$1"
    jb .data.flapping
}

incident_field()
{
    api GET "/incidents/$1"
    jb ".data.$2"
}

# flap_count INCIDENT: the number of i_m_flapping entries on its timeline.
flap_count()
{
    api GET "/incidents/$1"
    jb '[.data.timeline[] | select(.type == "i_m_flapping")] | length'
}

# cycle KEY START STEP N: N changes of KEY starting at START, STEP seconds
# apart: trigger, recover, trigger, ... (odd changes are triggers). Sets
# TRIG_ALERTS and TRIG_INCS (one entry per trigger, in order) and LAST_T.
cycle()
{
    local key=$1 t=$2 step=$3 n=$4 i
    TRIG_ALERTS=() TRIG_INCS=()
    for ((i = 1; i <= n; i++)); do
        at "$t"
        if ((i % 2)); then
            send Critical "$key"
            TRIG_ALERTS+=("$ALERT")
            TRIG_INCS+=("$INC")
        else
            send Ok "$key"
        fi
        LAST_T=$t
        t=$((t + step))
    done
}

test_defaults()
{
    section "flapping defaults"
    chan f-defaults
    api GET "/channels/$CH/flapping"
    assert_status 200
    assert_request_id
    assert_json "defaults" '"\(.data.mode) \(.data.max_changes) \(.data.in_mins) \(.data.mute_mins)"' \
        "mark 4 60 120"

    section "flapping PUT answers the config"
    api PUT "/channels/$CH/flapping" '{"mode":"mute","max_changes":6,"in_mins":30,"mute_mins":0}'
    assert_status 200
    assert_json "PUT answer" '"\(.data.mode) \(.data.max_changes) \(.data.in_mins) \(.data.mute_mins)"' \
        "mute 6 30 0"
    api GET "/channels/$CH/flapping"
    local saved
    saved=$(jb '.data | tojson')
    assert_json "GET after PUT" '"\(.data.mode) \(.data.max_changes) \(.data.in_mins) \(.data.mute_mins)"' \
        "mute 6 30 0"

    local name body needle
    while IFS='|' read -r name body needle; do
        section "invalid flapping: $name"
        api PUT "/channels/$CH/flapping" "$body"
        assert_code 400 InvalidParameter
        assert_contains "message names the field" "$needle" "$(jb .error.message)"
        api GET "/channels/$CH/flapping"
        assert_eq "unchanged after: $name" "$saved" "$(jb '.data | tojson')"
    done <<'EOF'
unknown mode|{"mode":"sometimes"}|mode
max_changes 1|{"mode":"mark","max_changes":1}|max_changes
max_changes 101|{"mode":"mark","max_changes":101}|max_changes
in_mins 0|{"mode":"mark","in_mins":0}|in_mins
in_mins 1441|{"mode":"mark","in_mins":1441}|in_mins
mute_mins -1|{"mode":"mute","mute_mins":-1}|mute_mins
mute_mins 1441|{"mode":"mute","mute_mins":1441}|mute_mins
max_changes not a number|{"mode":"mark","max_changes":"4"}|max_changes
EOF
    section "flapping of an unknown channel"
    api GET /channels/999999/flapping
    assert_code 404 ResourceNotFound
    api PUT /channels/999999/flapping '{"mode":"off"}'
    assert_code 404 ResourceNotFound
}

test_mark()
{
    local t=$T0 inc3
    section "mark (defaults: 4 changes in 60 min): five changes a minute apart"
    chan f-mark
    # changes: 1 trigger, 2 Ok, 3 trigger, 4 Ok, 5 trigger
    cycle fm-1 "$t" 60 5
    assert_eq "first alert not flapping" 0 "$(alert_flapping "${TRIG_ALERTS[0]}")"
    assert_eq "first incident not flapping" 0 "$(incident_field "${TRIG_INCS[0]}" flapping)"
    assert_eq "second alert (3 changes) not flapping" 0 "$(alert_flapping "${TRIG_ALERTS[1]}")"
    assert_eq "second incident not flapping" 0 "$(incident_field "${TRIG_INCS[1]}" flapping)"
    assert_eq "no i_m_flapping on the second incident" 0 "$(flap_count "${TRIG_INCS[1]}")"
    assert_eq "third alert (after 4 changes) flapping" 1 "$(alert_flapping "${TRIG_ALERTS[2]}")"
    inc3=${TRIG_INCS[2]}
    assert_eq "its incident flapping" 1 "$(incident_field "$inc3" flapping)"
    assert_eq "its incident: one i_m_flapping" 1 "$(flap_count "$inc3")"
    api GET "/incidents/$inc3"
    assert_json "i_m_flapping at the change's time" \
        '[.data.timeline[] | select(.type == "i_m_flapping") | .time] | join(",")' "$LAST_T"
    assert_json "mark mode: not muted" '.data.muted_until // 0' 0
    api GET "/alerts/${TRIG_ALERTS[2]}"
    assert_json "the flapping alert is still in its incident" .data.incident_id "$inc3"

    section "mark: flapping goes on"
    at $((LAST_T + 60))
    send Ok fm-1
    at $((LAST_T + 120))
    send Critical fm-1
    assert_eq "next alert flapping" 1 "$(alert_flapping "$ALERT")"
    assert_eq "next incident flapping" 1 "$(incident_field "$INC" flapping)"
    assert_eq "next incident: one i_m_flapping" 1 "$(flap_count "$INC")"

    section "mark: another key is not flapping"
    send Critical fm-other
    assert_eq "other key" 0 "$(alert_flapping "$ALERT")"
    assert_eq "other key's incident" 0 "$(incident_field "$INC" flapping)"
}

test_mark_grouped()
{
    local inc t=$((T0 + 10000)) i
    section "mark, grouped: one i_m_flapping per incident"
    chan f-grouped '{"mode":"mark","max_changes":4,"in_mins":60}' \
        '{"method":"rules","equals":[["labels.check"]]}'
    at "$t"
    send Critical fg-anchor '{"check":"F"}'
    inc=$INC
    # fg-1: trigger, Ok, trigger, Ok, trigger (flapping), Ok, trigger (flapping)
    for i in 1 2 3 4 5 6 7; do
        at $((t + 60 * i))
        if ((i % 2)); then
            send Critical fg-1 '{"check":"F"}'
            assert_eq "trigger $i joins the anchor's incident" "$inc" "$INC"
        else
            send Ok fg-1 '{"check":"F"}'
        fi
    done
    assert_eq "the last alert is flapping" 1 "$(alert_flapping "$ALERT")"
    assert_eq "the incident is flapping" 1 "$(incident_field "$inc" flapping)"
    assert_eq "one i_m_flapping although two flapping alerts joined" 1 "$(flap_count "$inc")"
    assert_eq "the anchor alert is not flapping" 0 "$(alert_flapping "$(alert_id_for fg-anchor)")"
}

test_mute()
{
    local inc
    section "mute: muted_until = now + mute_mins"
    chan f-mute '{"mode":"mute","max_changes":4,"in_mins":60,"mute_mins":30}'
    cycle fmu-1 $((T0 + 20000)) 120 5
    inc=${TRIG_INCS[2]}
    assert_eq "first incident not muted" 0 "$(incident_field "${TRIG_INCS[0]}" muted_until)"
    assert_eq "second incident not muted" 0 "$(incident_field "${TRIG_INCS[1]}" muted_until)"
    assert_eq "third alert flapping" 1 "$(alert_flapping "${TRIG_ALERTS[2]}")"
    assert_eq "third incident flapping" 1 "$(incident_field "$inc" flapping)"
    assert_eq "third incident muted_until" $((LAST_T + 1800)) "$(incident_field "$inc" muted_until)"
    assert_eq "one i_m_flapping" 1 "$(flap_count "$inc")"

    section "mute: default mute_mins (120)"
    chan f-mute-default '{"mode":"mute"}'
    cycle fmu-2 $((T0 + 30000)) 60 5
    assert_eq "muted_until = now + 120 min" $((LAST_T + 7200)) \
        "$(incident_field "${TRIG_INCS[2]}" muted_until)"
}

test_off()
{
    local i
    section "off: never marks"
    chan f-off '{"mode":"off"}'
    cycle fo-1 $((T0 + 40000)) 30 9
    for i in 0 1 2 3 4; do
        assert_eq "alert $((i + 1)) not flapping" 0 "$(alert_flapping "${TRIG_ALERTS[$i]}")"
        assert_eq "incident $((i + 1)) not flapping" 0 "$(incident_field "${TRIG_INCS[$i]}" flapping)"
        assert_eq "incident $((i + 1)): no i_m_flapping" 0 "$(flap_count "${TRIG_INCS[$i]}")"
    done
    assert_eq "not muted" 0 "$(incident_field "${TRIG_INCS[4]}" muted_until)"
}

test_spread()
{
    local i
    section "changes spread beyond in_mins do not mark"
    chan f-spread
    # 25 minutes apart: any 60 minutes hold at most 3 of the changes.
    cycle fs-1 $((T0 + 50000)) 1500 9
    for i in 0 1 2 3 4; do
        assert_eq "alert $((i + 1)) not flapping" 0 "$(alert_flapping "${TRIG_ALERTS[$i]}")"
        assert_eq "incident $((i + 1)) not flapping" 0 "$(incident_field "${TRIG_INCS[$i]}" flapping)"
    done

    section "a custom window: 2 changes in 5 minutes"
    chan f-custom '{"mode":"mark","max_changes":2,"in_mins":5}'
    cycle fc-1 $((T0 + 70000)) 400 3
    assert_eq "changes 400 s apart: not flapping" 0 "$(alert_flapping "${TRIG_ALERTS[1]}")"
    cycle fc-2 $((T0 + 80000)) 100 3
    assert_eq "first alert not flapping" 0 "$(alert_flapping "${TRIG_ALERTS[0]}")"
    assert_eq "changes 100 s apart: the second alert flaps" 1 "$(alert_flapping "${TRIG_ALERTS[1]}")"
    assert_eq "its incident flaps" 1 "$(incident_field "${TRIG_INCS[1]}" flapping)"
}

test_restart()
{
    local t5
    section "kill -9 keeps the flapping history: 4 changes, kill -9, the 5th flaps"
    chan f-restart '{"mode":"mute","max_changes":4,"in_mins":60,"mute_mins":120}'
    cycle fr-1 $((T0 + 90000)) 60 4
    assert_eq "the second trigger did not flap" 0 "$(alert_flapping "${TRIG_ALERTS[1]}")"
    kill9_server
    restart_server
    t5=$((LAST_T + 60))
    at "$t5"
    send Critical fr-1
    assert_eq "after the restart, the fifth change flaps" 1 "$(alert_flapping "$ALERT")"
    assert_eq "and mutes its incident for 120 min" $((t5 + 7200)) \
        "$(incident_field "$INC" muted_until)"

    section "kill -9 keeps the mute: a trigger after the window, inside the mute, flaps"
    at $((t5 + 60))
    send Ok fr-1
    kill9_server
    restart_server
    # 3,700 s later no other change is within in_mins: only the mute counts.
    at $((t5 + 3700))
    send Critical fr-1
    assert_eq "still muted after the restart: flapping" 1 "$(alert_flapping "$ALERT")"
}

start_server "$BIN" --test-clock on
test_defaults
test_mark
test_mark_grouped
test_mute
test_off
test_spread
test_restart
stop_server
finish
