#!/usr/bin/env bash
# t_silence_inhibit.sh - channel silences and inhibits (spec section 9):
# one-time silences in mark and drop mode, a weekly silence across midnight
# in Asia/Shanghai, disabled rules, quick silence from an incident (create,
# edit on repeat, deleted after expiry), inhibits with equal values (live
# sources only: open, not acknowledged, active within 600 s), and the CRUD of
# both rule kinds with their 404s and 400s.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 BIN}

# chan NAME: a new channel with a standard integration; sets CH and IKEY.
chan()
{
    std_channel "$1"
}

# lbl KEY VALUE: a filter of one condition, labels.KEY IN [VALUE].
lbl() { jq -nc --arg k "labels.$1" --arg v "$2" '[[{key: $k, oper: "IN", vals: [$v]}]]'; }
sev() { jq -nc --arg v "$1" '[[{key: "severity", oper: "IN", vals: [$v]}]]'; }

# silence NAME FILTERS TIME_OR_WEEKLY_JSON MODE [ENABLED]: a silence body;
# the third argument is a JSON object holding "time" or "weekly".
silence()
{
    jq -nc --arg n "$1" --argjson f "$2" --argjson w "$3" --arg m "$4" --argjson e "${5:-true}" \
        '{name: $n, filters: $f, mode: $m, enabled: $e} + $w'
}

# new_silence BODY: POST it to the current channel, expect 201; sets SID.
new_silence()
{
    api POST "/channels/$CH/silences" "$1"
    assert_status 201 "create silence"
    SID=$(jb .data.id)
}

hits() # KIND ID
{
    api GET "/channels/$CH/$1/$2"
    jb .data.hits
}

# assert_held DESC ALERT_ID KIND: GET /alerts shows a held alert of KIND
# (silenced or inhibited) outside every incident.
assert_held()
{
    api GET "/alerts/$2"
    assert_status 200 "$1: GET alert"
    assert_json "$1: held" .data.held "$3"
    assert_json "$1: incident_id is none" '(.data.incident_id // "0") | tostring' 0
    assert_eq "$1: in no incident (db)" 0 "$(db "SELECT incident_id FROM alerts WHERE id = $2;")"
}

# assert_not_held DESC ALERT_ID: an ordinary alert in an incident.
assert_not_held()
{
    api GET "/alerts/$2"
    assert_status 200 "$1: GET alert"
    assert_json "$1: not held" '.data.held // "" | length' 0
    assert_json "$1: has an incident" '(.data.incident_id // "0") | tostring | . != "0" and . != ""' true
}

test_silence_mark()
{
    local before sid
    section "one-time silence, mark"
    chan s-once
    at "$T0"
    new_silence "$(silence "maint pay" "$(lbl svc pay)" \
        "{\"time\":{\"start\":$((T0 - 60)),\"end\":$((T0 + 3600))}}" mark)"
    sid=$SID
    assert_match "id" '^[0-9]+$' "$sid"
    assert_json "channel_id" .data.channel_id "$CH"
    assert_json "hits start at 0" .data.hits 0
    assert_json "name" .data.name "maint pay"
    assert_json "mode" .data.mode mark
    assert_json "enabled" .data.enabled true
    assert_json "time.end" .data.time.end $((T0 + 3600))

    before=$(db_counts)
    send Critical "pay down" so-1 "" '{"svc":"pay"}'
    assert_ne "mark: the alert is stored" "" "$ALERT"
    assert_eq "mark: one event and one alert, no incident" \
        "$(awk '{print $1 + 1, $2 + 1, $3}' <<<"$before")" "$(db_counts)"
    assert_held "silenced alert" "$ALERT" silenced
    assert_json "reason.silenced_by.id" .data.reason.silenced_by.id "$sid"
    assert_json "reason.silenced_by.name" .data.reason.silenced_by.name "maint pay"
    assert_json "reason.silenced_by.mode" .data.reason.silenced_by.mode mark
    assert_eq "hits" 1 "$(hits silences "$sid")"
    local held=$ALERT

    section "one-time silence: later events merge into the held alert"
    send Critical "pay down" so-1 "worse" '{"svc":"pay"}'
    assert_eq "same alert" "$held" "$ALERT"
    assert_held "merged held alert" "$held" silenced
    assert_json "event_count" .data.event_count 2

    section "one-time silence: other labels, outside the window"
    send Critical "web down" so-2 "" '{"svc":"web"}'
    assert_not_held "other labels" "$ALERT"
    at $((T0 - 120))
    send Critical "pay down early" so-3 "" '{"svc":"pay"}'
    assert_not_held "before the window" "$ALERT"
    at $((T0 + 3700))
    send Critical "pay down late" so-4 "" '{"svc":"pay"}'
    assert_not_held "after the window" "$ALERT"
    assert_eq "hits unchanged outside the window" 1 "$(hits silences "$sid")"
}

test_silence_drop()
{
    local before sid
    section "one-time silence, drop"
    chan s-drop
    at "$T0"
    new_silence "$(silence "drop pay" "$(lbl svc pay)" \
        "{\"time\":{\"start\":$((T0 - 60)),\"end\":$((T0 + 3600))}}" drop)"
    sid=$SID
    before=$(db_counts)
    send Critical "pay down" sd-1 "" '{"svc":"pay"}'
    assert_eq "drop: nothing stored" "$before" "$(db_counts)"
    assert_eq "drop: no alert for the key" "" "$ALERT"
    assert_eq "hits" 1 "$(hits silences "$sid")"
    send Warning "pay slow" sd-2 "" '{"svc":"pay"}'
    assert_eq "drop: still nothing stored" "$before" "$(db_counts)"
    assert_eq "hits count every dropped alert" 2 "$(hits silences "$sid")"
    api GET "/channels/$CH/silences"
    assert_json "list shows the hits" "[.data.items[] | select(.id == \"$sid\") | .hits] | join(\",\")" 2
    send Critical "web down" sd-3 "" '{"svc":"web"}'
    assert_not_held "not matching" "$ALERT"
}

test_silence_disabled()
{
    local sid
    section "disabled silence"
    chan s-disabled
    at "$T0"
    new_silence "$(silence "off" "$(lbl svc pay)" \
        "{\"time\":{\"start\":$((T0 - 60)),\"end\":$((T0 + 3600))}}" mark false)"
    sid=$SID
    assert_json "enabled false" .data.enabled false
    send Critical "pay down" sdis-1 "" '{"svc":"pay"}'
    assert_not_held "disabled: no effect" "$ALERT"
    assert_eq "disabled: no hits" 0 "$(hits silences "$sid")"

    section "silence enabled by PUT"
    api PUT "/channels/$CH/silences/$sid" "$(silence "on" "$(lbl svc pay)" \
        "{\"time\":{\"start\":$((T0 - 60)),\"end\":$((T0 + 3600))}}" mark true)"
    assert_status 200
    assert_json "PUT answers the rule" .data.enabled true
    assert_json "PUT keeps the id" .data.id "$sid"
    send Critical "pay down" sdis-2 "" '{"svc":"pay"}'
    assert_held "enabled: silenced" "$ALERT" silenced
    assert_json "reason names the new name" .data.reason.silenced_by.name on
}

test_silence_weekly()
{
    local when utc expect n=0
    section "weekly silence across midnight, Asia/Shanghai (UTC+8, no DST)"
    chan s-weekly
    # Mondays 22:00 to Tuesdays 06:00 Shanghai time.
    new_silence "$(silence "monday night" "$(lbl svc night)" \
        '{"weekly":[{"days":[1],"start":"22:00","end":"06:00","tz":"Asia/Shanghai"}]}' mark)"
    assert_json "weekly saved" '.data.weekly[0].tz' Asia/Shanghai
    # Shanghai wall time = UTC + 8 h. 2027-01-04 is a Monday.
    #   Mon 2027-01-04 23:30 CST = Mon 15:30 UTC -> silenced (inside, before midnight)
    #   Tue 2027-01-05 05:30 CST = Mon 21:30 UTC -> silenced (inside, after midnight)
    #   Tue 2027-01-05 06:30 CST = Mon 22:30 UTC -> not (after the end)
    #   Sun 2027-01-03 23:30 CST = Sun 15:30 UTC -> not (Sunday not listed)
    #   Mon 2027-01-04 05:30 CST = Sun 21:30 UTC -> not (Sunday's night, not Monday's)
    #   Mon 2027-01-04 21:30 CST = Mon 13:30 UTC -> not (before the start)
    #   Tue 2027-01-05 07:30 CST = Mon 23:30 UTC -> not (would be inside if read as UTC)
    #   Mon 2027-01-11 22:00 CST = Mon 14:00 UTC -> silenced (start is inclusive, a week later)
    while read -r utc expect; do
        when=$(date -u -d "$utc UTC" +%s)
        n=$((n + 1))
        section "weekly silence at $utc UTC ($(TZ=Asia/Shanghai date -d "@$when" '+%a %H:%M') Shanghai)"
        at "$when"
        send Warning "night job" "sw-$n" "" '{"svc":"night"}'
        if [ "$expect" = silenced ]; then
            assert_held "at $utc UTC" "$ALERT" silenced
        else
            assert_not_held "at $utc UTC" "$ALERT"
        fi
    done <<'EOF'
2027-01-04 15:30 silenced
2027-01-04 21:30 silenced
2027-01-04 22:30 not
2027-01-03 15:30 not
2027-01-03 21:30 not
2027-01-04 13:30 not
2027-01-04 23:30 not
2027-01-11 14:00 silenced
EOF
}

test_quick_silence()
{
    local inc qid t=$((T0 + 100000)) end
    section "quick silence: create"
    chan s-quick
    at "$t"
    send Critical "pay api 500s" sq-1 "" '{"svc":"pay","region":"eu"}'
    inc=$INC
    api POST "/incidents/$inc/silence" '{"duration":"1h"}'
    assert_status 201
    assert_request_id
    qid=$(jb .data.id)
    assert_match "id" '^[0-9]+$' "$qid"
    assert_json "name" .data.name "Quick Silence - #$inc"
    assert_json "channel_id" .data.channel_id "$CH"
    assert_json "from_incident_id" '.data.from_incident_id | tostring' "$inc"
    assert_json "time.start is now" .data.time.start "$t"
    assert_json "time.end is now + 1h" .data.time.end $((t + 3600))
    assert_json "default mode" .data.mode mark
    assert_json "filter: severity" \
        '[.data.filters[0][] | select(.key == "severity") | .vals | tojson] | join(",")' '["Critical"]'
    assert_json "filter: labels as exact matches" \
        '[.data.filters[0][] | select(.key | startswith("labels.")) | "\(.key)=\(.vals | join("|"))"] | sort | join(",")' \
        "labels.region=eu,labels.svc=pay"

    section "quick silence: silences alike alerts"
    at $((t + 60))
    send Critical "pay api 500s again" sq-2 "" '{"svc":"pay","region":"eu"}'
    assert_held "alike alert" "$ALERT" silenced
    assert_json "silenced by the quick silence" .data.reason.silenced_by.id "$qid"
    send Critical "pay api in us" sq-3 "" '{"svc":"pay","region":"us"}'
    assert_not_held "other region" "$ALERT"
    send Warning "pay api slow" sq-4 "" '{"svc":"pay","region":"eu"}'
    assert_not_held "other severity" "$ALERT"

    section "quick silence: again edits the same rule"
    at $((t + 120))
    api POST "/incidents/$inc/silence" '{"duration":"30m"}'
    assert_match "status of the repeat" '^20[01]$' "$H_STATUS"
    assert_json "same id" .data.id "$qid"
    assert_json "new end" .data.time.end $((t + 120 + 1800))
    end=$((t + 120 + 1800))
    api GET "/channels/$CH/silences"
    assert_json "one quick silence for the incident" \
        "[.data.items[] | select((.from_incident_id | tostring) == \"$inc\")] | length" 1

    section "quick silence: errors"
    api POST /incidents/999999/silence '{"duration":"1h"}'
    assert_code 404 ResourceNotFound
    api POST "/incidents/$inc/silence" '{"duration":"5x"}'
    assert_code 400 InvalidParameter
    api POST "/incidents/$inc/silence" '{"duration":"1h","mode":"hide"}'
    assert_code 400 InvalidParameter
    api GET "/channels/$CH/silences/$qid"
    assert_json "refused requests left the rule" .data.time.end "$end"

    section "quick silence: deleted after it expires"
    at $((end + 10))
    local deadline=$((SECONDS + 15))
    while [ "$SECONDS" -le "$deadline" ]; do
        api GET "/channels/$CH/silences/$qid"
        [ "$H_STATUS" = 404 ] && break
        sleep 0.5 # poll interval while waiting for the housekeeping
    done
    assert_code 404 ResourceNotFound
    api GET "/channels/$CH/silences"
    assert_json "gone from the list" "[.data.items[] | select(.id == \"$qid\")] | length" 0
    send Critical "pay api 500s later" sq-5 "" '{"svc":"pay","region":"eu"}'
    assert_not_held "after expiry" "$ALERT"
}

# inhibit NAME SOURCE TARGET EQUALS MODE [ENABLED]
inhibit()
{
    jq -nc --arg n "$1" --argjson s "$2" --argjson t "$3" --argjson q "$4" --arg m "$5" \
        --argjson e "${6:-true}" \
        '{name: $n, source_filters: $s, target_filters: $t, equals: $q, mode: $m, enabled: $e}'
}

test_inhibit_mark()
{
    local iid src t=$((T0 + 200000)) before other_ch
    section "inhibit, mark: setup"
    chan i-mark
    api POST "/channels/$CH/inhibits" \
        "$(inhibit "crit over warn" "$(sev Critical)" "$(sev Warning)" '["labels.check"]' mark)"
    assert_status 201
    iid=$(jb .data.id)
    assert_json "channel_id" .data.channel_id "$CH"
    assert_json "hits" .data.hits 0
    assert_json "equals" '.data.equals | tojson' '["labels.check"]'

    section "inhibit: the source and an equal target"
    at "$t"
    send Critical "db X down" ih-src-x "" '{"check":"X"}'
    src=$ALERT
    local src_inc=$INC
    assert_not_held "the source" "$src"
    at $((t + 10))
    before=$(db_counts)
    send Warning "db X slow" ih-t1 "" '{"check":"X"}'
    assert_eq "mark: event and alert stored, no incident" \
        "$(awk '{print $1 + 1, $2 + 1, $3}' <<<"$before")" "$(db_counts)"
    assert_held "equal target" "$ALERT" inhibited
    assert_json "reason.inhibited_by.id" .data.reason.inhibited_by.id "$iid"
    assert_json "reason.inhibited_by.name" .data.reason.inhibited_by.name "crit over warn"
    assert_json "reason.inhibited_by.mode" .data.reason.inhibited_by.mode mark
    assert_json "reason.inhibited_by.source_alert_id" \
        '.data.reason.inhibited_by.source_alert_id | tostring' "$src"
    assert_eq "hits" 1 "$(hits inhibits "$iid")"

    section "inhibit: a source noted before kill -9 still inhibits after it"
    kill9_server
    restart_server
    at $((t + 20))
    send Warning "db X slow again" ih-t1-restart "" '{"check":"X"}'
    assert_held "equal target after the restart" "$ALERT" inhibited
    assert_json "the same source" '.data.reason.inhibited_by.source_alert_id | tostring' "$src"

    section "inhibit: targets that are not inhibited"
    send Warning "db Y slow" ih-t2 "" '{"check":"Y"}'
    assert_not_held "different check" "$ALERT"
    send Warning "db slow" ih-t2b "" '{}'
    assert_not_held "no check label" "$ALERT"
    send Info "db X info" ih-t3 "" '{"check":"X"}'
    assert_not_held "not matching target_filters" "$ALERT"
    new_channel i-other
    other_ch=$CH_ID
    new_integration i-other-std standard "$other_ch"
    api POST "/channels/$other_ch/inhibits" \
        "$(inhibit "crit over warn" "$(sev Critical)" "$(sev Warning)" '["labels.check"]' mark)"
    assert_status 201
    push_std "$INT_KEY" "$(ev Warning "db X slow" ih-other '' '{"check":"X"}')"
    assert_status 200
    assert_not_held "the source is in another channel" "$(alert_id_for ih-other)"

    section "inhibit: not while the source's incident is acknowledged"
    api POST "/incidents/$src_inc/ack"
    assert_status 200
    at $((t + 20))
    send Warning "db X slow" ih-t4 "" '{"check":"X"}'
    assert_not_held "source acknowledged" "$ALERT"
    api POST "/incidents/$src_inc/unack"
    assert_status 200
    send Warning "db X slow" ih-t5 "" '{"check":"X"}'
    assert_held "source unacknowledged again" "$ALERT" inhibited
    send Critical "db X down too" ih-t3b "" '{"check":"X"}'
    assert_not_held "a second source is not a target" "$ALERT"

    section "inhibit: not after the source recovered"
    send Critical "db Z down" ih-src-z "" '{"check":"Z"}'
    send Warning "db Z slow" ih-t6 "" '{"check":"Z"}'
    assert_held "source Z open" "$ALERT" inhibited
    send Ok "db Z down" ih-src-z "" '{"check":"Z"}'
    send Warning "db Z slow" ih-t7 "" '{"check":"Z"}'
    assert_not_held "source Z recovered" "$ALERT"

    section "inhibit: another open source still counts"
    send Critical "db W down a" ih-src-wa "" '{"check":"W"}'
    local src_wa=$ALERT
    send Critical "db W down b" ih-src-wb "" '{"check":"W"}'
    send Ok "db W down b" ih-src-wb "" '{"check":"W"}'
    send Warning "db W slow" ih-t8 "" '{"check":"W"}'
    assert_held "one of two sources recovered, the other is live" "$ALERT" inhibited
    assert_json "inhibited by the live source" '.data.reason.inhibited_by.source_alert_id | tostring' "$src_wa"

    section "inhibit: only sources active within 600 s"
    local t1=$((t + 1000))
    at "$t1"
    send Critical "db V down" ih-src-v "" '{"check":"V"}'
    at $((t1 + 300))
    send Warning "db V slow" ih-t9 "" '{"check":"V"}'
    assert_held "source active 300 s ago" "$ALERT" inhibited
    at $((t1 + 700))
    send Warning "db V slow" ih-t10 "" '{"check":"V"}'
    assert_not_held "source last active 700 s ago" "$ALERT"
    at $((t1 + 710))
    send Critical "db V down" ih-src-v "worse" '{"check":"V"}'
    at $((t1 + 720))
    send Warning "db V slow" ih-t11 "" '{"check":"V"}'
    assert_held "source active again 10 s ago" "$ALERT" inhibited
}

test_inhibit_drop()
{
    local iid before t=$((T0 + 300000))
    section "inhibit, drop"
    chan i-drop
    api POST "/channels/$CH/inhibits" \
        "$(inhibit "drop warn" "$(sev Critical)" "$(sev Warning)" '["labels.check"]' drop)"
    assert_status 201
    iid=$(jb .data.id)
    at "$t"
    send Critical "db X down" id-src "" '{"check":"X"}'
    before=$(db_counts)
    send Warning "db X slow" id-t1 "" '{"check":"X"}'
    assert_eq "drop: nothing stored" "$before" "$(db_counts)"
    assert_eq "drop: no alert" "" "$ALERT"
    assert_eq "hits" 1 "$(hits inhibits "$iid")"
    send Warning "db Y slow" id-t2 "" '{"check":"Y"}'
    assert_not_held "different check" "$ALERT"

    section "inhibit, disabled"
    api PUT "/channels/$CH/inhibits/$iid" \
        "$(inhibit "drop warn" "$(sev Critical)" "$(sev Warning)" '["labels.check"]' drop false)"
    assert_status 200
    assert_json "disabled" .data.enabled false
    send Warning "db X slow" id-t3 "" '{"check":"X"}'
    assert_not_held "disabled inhibit: no effect" "$ALERT"
}

# bad_rule KIND DESC BODY NEEDLE: POST and PUT (to RULE_ID) of BODY are
# refused with InvalidParameter naming NEEDLE; nothing stored or changed.
bad_rule()
{
    local kind=$1 before saved
    section "invalid $kind: $2"
    before=$(db "SELECT count(*) || ' ' || total(length(rule)) FROM $kind;")
    api GET "/channels/$CH/$kind/$RULE_ID"
    saved=$(jb '.data | tojson')
    api POST "/channels/$CH/$kind" "$3"
    assert_code 400 InvalidParameter
    [ -n "$4" ] && assert_contains "POST message names the problem" "$4" "$(jb .error.message)"
    api PUT "/channels/$CH/$kind/$RULE_ID" "$3"
    assert_code 400 InvalidParameter
    [ -n "$4" ] && assert_contains "PUT message names the problem" "$4" "$(jb .error.message)"
    assert_eq "nothing stored" "$before" "$(db "SELECT count(*) || ' ' || total(length(rule)) FROM $kind;")"
    api GET "/channels/$CH/$kind/$RULE_ID"
    assert_eq "the rule is unchanged" "$saved" "$(jb '.data | tojson')"
}

cond() { jq -nc --arg k "$1" --arg o "$2" --arg v "$3" '[[{key: $k, oper: $o, vals: [$v]}]]'; }

test_silence_crud()
{
    local sid other once weekly long
    once="{\"time\":{\"start\":$T0,\"end\":$((T0 + 60))}}"
    weekly='{"weekly":[{"days":[1,2],"start":"09:00","end":"17:00","tz":"Asia/Shanghai"}]}'
    section "silence CRUD"
    chan s-crud
    new_silence "$(silence "crud one" "$(lbl svc a)" "$once" mark)"
    sid=$SID
    assert_request_id
    api GET "/channels/$CH/silences/$sid"
    assert_status 200
    assert_json "GET id" .data.id "$sid"
    assert_json "GET filters" '.data.filters | tojson' "$(lbl svc a)"
    assert_json "GET channel_id" .data.channel_id "$CH"
    assert_json "GET hits" .data.hits 0
    new_silence "$(silence "crud two" "$(lbl svc b)" "$weekly" drop)"
    other=$SID
    api GET "/channels/$CH/silences"
    assert_status 200
    assert_json "list ids" '[.data.items[].id] | sort | join(",")' "$(printf '%s\n' "$sid" "$other" | sort | paste -sd,)"
    assert_json "list items have the fields" \
        '[.data.items[] | has("id") and has("channel_id") and has("hits") and has("name") and has("filters") and has("mode")] | all' true
    assert_json "list weekly days" "[.data.items[] | select(.id == \"$other\") | .weekly[0].days | tojson] | join(\",\")" '[1,2]'
    api PUT "/channels/$CH/silences/$sid" "$(silence "crud renamed" "$(lbl svc c)" "$weekly" drop)"
    assert_status 200
    assert_json "PUT name" .data.name "crud renamed"
    assert_json "PUT swapped time for weekly" '(.data | has("time") | not) and (.data.weekly | length == 1)' true
    api GET "/channels/$CH/silences/$sid"
    assert_json "GET after PUT" .data.name "crud renamed"
    assert_json "GET after PUT: filters" '.data.filters | tojson' "$(lbl svc c)"

    section "silence in another channel's path"
    local here=$CH
    new_channel s-crud-other
    api GET "/channels/$CH_ID/silences/$sid"
    assert_code 404 ResourceNotFound
    api DELETE "/channels/$CH_ID/silences/$sid"
    assert_code 404 ResourceNotFound
    api GET "/channels/$CH_ID/silences"
    assert_json "other channel lists none" '.data.items | length' 0
    CH=$here
    api GET "/channels/$CH/silences/$sid"
    assert_status 200 "still there after a refused DELETE elsewhere"

    section "silence 404s"
    api GET "/channels/$CH/silences/999999"
    assert_code 404 ResourceNotFound
    api PUT "/channels/$CH/silences/999999" "$(silence "x" "$(lbl svc a)" "$once" mark)"
    assert_code 404 ResourceNotFound
    api DELETE "/channels/$CH/silences/999999"
    assert_code 404 ResourceNotFound
    local n
    n=$(db "SELECT count(*) FROM silences;")
    api POST /channels/999999/silences "$(silence "x" "$(lbl svc a)" "$once" mark)"
    assert_code 404 ResourceNotFound
    assert_eq "no rule for an unknown channel" "$n" "$(db "SELECT count(*) FROM silences;")"
    api GET /channels/999999/silences
    assert_code 404 ResourceNotFound

    RULE_ID=$other
    long=$(printf 'n%.0s' $(seq 40))
    bad_rule silences "bad regex" "$(silence x "$(cond title IN '/(/')" "$once" mark)" "invalid regex"
    bad_rule silences "bad cidr" "$(silence x "$(cond labels.ip IN 'cidr:999.1.1.1/8')" "$once" mark)" "999.1.1.1"
    bad_rule silences "unknown key" "$(silence x "$(cond lables.x IN a)" "$once" mark)" "lables.x"
    bad_rule silences "unknown operator" "$(silence x "$(cond title EQ a)" "$once" mark)" "EQ"
    bad_rule silences "bad tz" "$(silence x "$(lbl svc a)" \
        '{"weekly":[{"days":[1],"start":"22:00","end":"06:00","tz":"Mars/Olympus"}]}' mark)" "Mars/Olympus"
    bad_rule silences "bad time of day" "$(silence x "$(lbl svc a)" \
        '{"weekly":[{"days":[1],"start":"25:00","end":"06:00","tz":"UTC"}]}' mark)" "25:00"
    bad_rule silences "day 7" "$(silence x "$(lbl svc a)" \
        '{"weekly":[{"days":[7],"start":"22:00","end":"06:00","tz":"UTC"}]}' mark)" ""
    bad_rule silences "time and weekly" "$(silence x "$(lbl svc a)" \
        "{\"time\":{\"start\":$T0,\"end\":$((T0 + 60))},\"weekly\":[{\"days\":[1],\"start\":\"22:00\",\"end\":\"06:00\",\"tz\":\"UTC\"}]}" mark)" ""
    bad_rule silences "neither time nor weekly" "$(silence x "$(lbl svc a)" '{}' mark)" ""
    bad_rule silences "start after end" "$(silence x "$(lbl svc a)" \
        "{\"time\":{\"start\":$((T0 + 60)),\"end\":$T0}}" mark)" ""
    bad_rule silences "empty name" "$(silence "" "$(lbl svc a)" "$once" mark)" "name"
    bad_rule silences "40-char name" "$(silence "$long" "$(lbl svc a)" "$once" mark)" "name"
    bad_rule silences "unknown mode" "$(silence x "$(lbl svc a)" "$once" hide)" "mode"
    bad_rule silences "empty filters" "$(silence x '[]' "$once" mark)" ""
    bad_rule silences "enabled not a boolean" "$(silence x "$(lbl svc a)" "$once" mark '"yes"')" "enabled"

    section "silence 39-char name"
    api POST "/channels/$CH/silences" "$(silence "${long:1}" "$(lbl svc a)" "$once" mark)"
    assert_status 201

    section "silence DELETE"
    api DELETE "/channels/$CH/silences/$sid"
    assert_status 200
    api GET "/channels/$CH/silences/$sid"
    assert_code 404 ResourceNotFound
    api DELETE "/channels/$CH/silences/$sid"
    assert_code 404 ResourceNotFound
    api GET "/channels/$CH/silences"
    assert_json "gone from the list" "[.data.items[] | select(.id == \"$sid\")] | length" 0
}

test_inhibit_crud()
{
    local iid good
    section "inhibit CRUD"
    chan i-crud
    good=$(inhibit "crud" "$(sev Critical)" "$(sev Warning)" '["labels.check"]' mark)
    api POST "/channels/$CH/inhibits" "$good"
    assert_status 201
    iid=$(jb .data.id)
    api GET "/channels/$CH/inhibits/$iid"
    assert_status 200
    assert_json "GET source_filters" '.data.source_filters | tojson' "$(sev Critical)"
    assert_json "GET target_filters" '.data.target_filters | tojson' "$(sev Warning)"
    assert_json "GET hits" .data.hits 0
    api GET "/channels/$CH/inhibits"
    assert_json "listed" '[.data.items[].id] | join(",")' "$iid"
    api PUT "/channels/$CH/inhibits/$iid" \
        "$(inhibit "crud renamed" "$(sev Critical)" "$(sev Info)" '["labels.check","labels.host"]' drop)"
    assert_status 200
    assert_json "PUT name" .data.name "crud renamed"
    assert_json "PUT equals" '.data.equals | tojson' '["labels.check","labels.host"]'
    assert_json "PUT mode" .data.mode drop

    section "inhibit 404s"
    api GET "/channels/$CH/inhibits/999999"
    assert_code 404 ResourceNotFound
    api PUT "/channels/$CH/inhibits/999999" "$good"
    assert_code 404 ResourceNotFound
    api DELETE "/channels/$CH/inhibits/999999"
    assert_code 404 ResourceNotFound
    api POST /channels/999999/inhibits "$good"
    assert_code 404 ResourceNotFound

    RULE_ID=$iid
    bad_rule inhibits "bad regex in source" \
        "$(inhibit x "$(cond title IN '/(/')" "$(sev Warning)" '["labels.check"]' mark)" "invalid regex"
    bad_rule inhibits "bad cidr in target" \
        "$(inhibit x "$(sev Critical)" "$(cond labels.ip IN 'cidr:999.1.1.1/8')" '["labels.check"]' mark)" "999.1.1.1"
    bad_rule inhibits "unknown key in equals" \
        "$(inhibit x "$(sev Critical)" "$(sev Warning)" '["lables.x"]' mark)" "lables.x"
    bad_rule inhibits "unknown key in a filter" \
        "$(inhibit x "$(cond lables.y IN a)" "$(sev Warning)" '["labels.check"]' mark)" "lables.y"
    bad_rule inhibits "empty equals" "$(inhibit x "$(sev Critical)" "$(sev Warning)" '[]' mark)" "equals"
    bad_rule inhibits "missing target_filters" \
        "$(jq -nc --argjson s "$(sev Critical)" '{name: "x", source_filters: $s, equals: ["labels.check"], mode: "mark"}')" ""
    bad_rule inhibits "unknown mode" "$(inhibit x "$(sev Critical)" "$(sev Warning)" '["labels.check"]' hide)" "mode"
    bad_rule inhibits "empty name" "$(inhibit "" "$(sev Critical)" "$(sev Warning)" '["labels.check"]' mark)" "name"

    section "inhibit DELETE"
    api DELETE "/channels/$CH/inhibits/$iid"
    assert_status 200
    api GET "/channels/$CH/inhibits/$iid"
    assert_code 404 ResourceNotFound
    api GET "/channels/$CH/inhibits"
    assert_json "gone from the list" "[.data.items[] | select(.id == \"$iid\")] | length" 0
}

# A channel holds at most 100 silences: the 101st is refused, nothing stored.
test_silence_limit()
{
    local i body
    chan limit
    section "silence limit"
    body=$(silence cap "$(lbl svc cap)" '{"time": {"start": 1800000000, "end": 1800003600}}' mark)
    for i in $(seq 1 100); do
        api POST "/channels/$CH/silences" "$body"
        [ "$H_STATUS" = 201 ] || break
    done
    assert_status 201 "the 100th silence is accepted"
    api POST "/channels/$CH/silences" "$body"
    assert_code 400 InvalidParameter
    assert_match "the message names the limit" "at most 100" "$(jb .error.message)"
    api GET "/channels/$CH/silences"
    assert_json "still 100 silences" ".data.items | length" 100
}

start_server "$BIN" --test-clock on
test_silence_limit
test_silence_mark
test_silence_drop
test_silence_disabled
test_silence_weekly
test_quick_silence
test_inhibit_mark
test_inhibit_drop
test_silence_crud
test_inhibit_crud
stop_server
finish
