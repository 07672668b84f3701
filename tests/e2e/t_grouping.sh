#!/usr/bin/env bash
# t_grouping.sh - alert -> incident grouping (spec section 6): the worked
# example (one incident for several hosts of one check), tumbling and sliding
# windows on the test clock, strict mode, "any set equal", cases, the
# per-incident cap, storm thresholds, the reasons stored on alerts, invalid
# configurations, and the preview (which stores nothing).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 BIN}

# chan NAME [GROUPING_JSON]: a new channel with a standard integration and,
# when given, that grouping; sets CH and IKEY.
chan()
{
    std_channel "$1"
    if [ -n "${2-}" ]; then
        api PUT "/channels/$CH/grouping" "$2"
        assert_status 200 "PUT grouping of channel $1"
    fi
}

# timeline_types INCIDENT: the types of its timeline entries, comma-separated.
timeline_types()
{
    api GET "/incidents/$1"
    jb '[.data.timeline[].type] | join(",")'
}

# incidents_in CHANNEL: the number of incidents stored for the channel.
incidents_in() { db "SELECT count(*) FROM incidents WHERE channel_id = $1;"; }

check() { jq -nc --arg c "$1" --arg h "$2" '{check: $c, host: $h}'; }

test_default_off()
{
    section "grouping is off by default"
    chan g-off
    api GET "/channels/$CH/grouping"
    assert_status 200
    assert_json "default method" .data.method none
    at "$T0"
    send Critical "disk full" off-1 "" "$(check disk h1)"
    local i1=$INC a1=$ALERT
    send Critical "disk full" off-2 "" "$(check disk h2)"
    assert_ne "grouping off: each alert opens its own incident" "$i1" "$INC"
    assert_eq "two incidents in the channel" 2 "$(incidents_in "$CH")"
    api GET "/alerts/$a1"
    assert_json "reason.method without grouping" .data.reason.method none
    assert_match "reason.decision without grouping" '.' "$(jb '.data.reason.decision // empty')"
}

test_worked_example()
{
    local inc a1 a2 a3 gk
    section "worked example: one incident per check"
    chan g-example '{"method":"rules","equals":[["labels.check"]]}'
    api GET "/channels/$CH/grouping"
    assert_json "saved method" .data.method rules
    assert_json "saved equals" '.data.equals | tojson' '[["labels.check"]]'

    at "$T0"
    send Critical "cpu idle low on host1" ex-host1 "idle 2%" "$(check "cpu idle" host1)"
    inc=$INC a1=$ALERT
    at $((T0 + 60))
    send Critical "cpu idle low on host2" ex-host2 "idle 3%" "$(check "cpu idle" host2)"
    assert_eq "host2 joins the incident of host1" "$inc" "$INC"
    a2=$ALERT
    at $((T0 + 120))
    send Warning "cpu idle low on host3" ex-host3 "idle 9%" "$(check "cpu idle" host3)"
    assert_eq "host3 joins the incident of host1" "$inc" "$INC"
    a3=$ALERT
    at $((T0 + 180))
    send Critical "cpu idle low on host1" ex-host1 "idle 1%" "$(check "cpu idle" host1)"
    assert_eq "changed description merges into host1's alert" "$a1" "$ALERT"
    at $((T0 + 240))
    send Ok "cpu idle low on host1" ex-host1 "" "$(check "cpu idle" host1)"
    assert_eq "recovery merges into host1's alert" "$a1" "$ALERT"

    section "worked example: the incident"
    assert_eq "one incident in the channel" 1 "$(incidents_in "$CH")"
    api GET "/incidents/$inc"
    assert_status 200
    assert_json "alert_count" .data.alert_count 3
    assert_json "active_alert_count" .data.active_alert_count 2
    assert_json "event_count" .data.event_count 5
    assert_json "not closed" .data.progress Triggered
    assert_json "title of the first alert" .data.title "cpu idle low on host1"
    assert_json "severity" .data.severity Critical
    assert_json "alerts listed" '.data.alerts | length' 3
    assert_json "event counts by key" \
        '[.data.alerts[] | "\(.alert_key)=\(.event_count)"] | sort | join(",")' \
        "ex-host1=3,ex-host2=1,ex-host3=1"
    assert_json "host1 recovered" '.data.alerts[] | select(.alert_key == "ex-host1") | .status' Ok
    assert_json "host2 firing" '.data.alerts[] | select(.alert_key == "ex-host2") | .status' Critical
    assert_json "timeline" '[.data.timeline[].type] | join(",")' "i_new,a_merge,a_merge"
    assert_json "a_merge entries name the alerts" \
        '[.data.timeline[] | select(.type == "a_merge") | .detail.alert_id | tostring] | join(",")' \
        "$a2,$a3"
    assert_json "a_merge entry titles" \
        '[.data.timeline[] | select(.type == "a_merge") | .detail.title] | join(",")' \
        "cpu idle low on host2,cpu idle low on host3"
    assert_json "a_merge times are the merge times" \
        '[.data.timeline[] | select(.type == "a_merge") | .time] | join(",")' \
        "$((T0 + 60)),$((T0 + 120))"
    local tl
    tl=$(jb '.data.timeline | tojson')
    api GET "/incidents/$inc/timeline"
    assert_status 200
    assert_json "GET .../timeline lists the same entries" '.data.items | tojson' "$tl"

    section "worked example: reasons on the alerts"
    api GET "/alerts/$a1"
    assert_json "first alert: method" .data.reason.method rules
    assert_json "first alert: dimensions" '.data.reason.dimensions | tojson' '["labels.check"]'
    assert_json "first alert: no case" .data.reason.case null
    assert_match "first alert: decision says a new incident" 'new incident' "$(jb .data.reason.decision)"
    gk=$(jb .data.reason.group_key)
    assert_match "first alert: reason.group_key" '^[^[:space:]]+$' "$gk"
    assert_eq "first alert: group_key field equals reason.group_key" "$gk" "$(jb .data.group_key)"
    api GET "/alerts/$a2"
    assert_json "merged alert: method" .data.reason.method rules
    assert_json "merged alert: dimensions" '.data.reason.dimensions | tojson' '["labels.check"]'
    assert_match "merged alert: decision says merged" 'merged' "$(jb .data.reason.decision)"
    assert_json "merged alert: same reason.group_key" .data.reason.group_key "$gk"
    assert_json "merged alert: same group_key field" .data.group_key "$gk"
    assert_json "merged alert: incident_id" .data.incident_id "$inc"

    section "worked example: closes when every alert recovered"
    at $((T0 + 300))
    send Ok "cpu idle low on host2" ex-host2 "" "$(check "cpu idle" host2)"
    api GET "/incidents/$inc"
    assert_json "still open with one active alert" .data.progress Triggered
    send Ok "cpu idle low on host3" ex-host3 "" "$(check "cpu idle" host3)"
    api GET "/incidents/$inc"
    assert_json "closed once all alerts recovered" .data.progress Closed
    assert_json "active_alert_count" .data.active_alert_count 0
    assert_json "i_auto_close on the timeline" '[.data.timeline[].type] | last' i_auto_close
    at $((T0 + 360))
    send Critical "cpu idle low on host4" ex-host4 "idle 0%" "$(check "cpu idle" host4)"
    assert_ne "a closed incident takes no new alert" "$inc" "$INC"
}

# window TYPE: alerts at t0, +6m, +10m, +12m, +13m with window_minutes 10.
test_window_tumbling()
{
    local i1 i2 t=$((T0 + 10000))
    section "tumbling window"
    chan g-tumble '{"method":"rules","equals":[["labels.check"]],"window_minutes":10,"window_type":"tumbling"}'
    at "$t"
    send Critical "load high" tu-1 "" "$(check load h1)"
    i1=$INC
    at $((t + 360))
    send Critical "load high" tu-2 "" "$(check load h2)"
    assert_eq "t0+6m joins" "$i1" "$INC"
    at $((t + 600))
    send Critical "load high" tu-3 "" "$(check load h3)"
    assert_eq "t0+10m (exactly the window) joins" "$i1" "$INC"
    at $((t + 720))
    send Critical "load high" tu-4 "" "$(check load h4)"
    assert_ne "t0+12m: beyond the incident's start + 10m, a new incident" "$i1" "$INC"
    i2=$INC
    api GET "/alerts/$ALERT"
    assert_match "reason names the window" 'window' "$(jb .data.reason.decision)"
    at $((t + 780))
    send Critical "load high" tu-5 "" "$(check load h5)"
    assert_eq "t0+13m joins the newer incident" "$i2" "$INC"
    api GET "/incidents/$i1"
    assert_json "first incident holds 3 alerts" .data.alert_count 3
    api GET "/incidents/$i2"
    assert_json "second incident holds 2 alerts" .data.alert_count 2
}

test_window_sliding()
{
    local i1 t=$((T0 + 20000))
    section "sliding window"
    chan g-slide '{"method":"rules","equals":[["labels.check"]],"window_minutes":10,"window_type":"sliding"}'
    at "$t"
    send Critical "load high" sl-1 "" "$(check load h1)"
    i1=$INC
    at $((t + 360))
    send Critical "load high" sl-2 "" "$(check load h2)"
    assert_eq "t0+6m joins" "$i1" "$INC"
    at $((t + 720))
    send Critical "load high" sl-3 "" "$(check load h3)"
    assert_eq "t0+12m joins (6m after the last merge)" "$i1" "$INC"
    at $((t + 1320))
    send Critical "load high" sl-4 "" "$(check load h4)"
    assert_eq "t0+22m joins (exactly 10m after the last merge)" "$i1" "$INC"
    at $((t + 1921))
    send Critical "load high" sl-5 "" "$(check load h5)"
    assert_ne "10m01s after the last merge: a new incident" "$i1" "$INC"
    api GET "/alerts/$ALERT"
    assert_match "reason names the window" 'window' "$(jb .data.reason.decision)"
    api GET "/incidents/$i1"
    assert_json "first incident holds 4 alerts" .data.alert_count 4
}

test_sliding_restart()
{
    local i1 t=$((T0 + 30000))
    section "sliding window across kill -9: it counts from the last merge, not the last event"
    chan g-slide-restart '{"method":"rules","equals":[["labels.check"]],"window_minutes":10,"window_type":"sliding"}'
    at "$t"
    send Critical "disk full" sr-1 "" "$(check disk h1)"
    i1=$INC
    at $((t + 300))
    send Critical "disk full" sr-2 "" "$(check disk h2)"
    assert_eq "t0+5m joins" "$i1" "$INC"
    # An event of a joined alert moves the incident's last_time, not its
    # last merge.
    at $((t + 540))
    send Critical "disk full, still" sr-2 "" "$(check disk h2)"
    api GET "/incidents/$i1"
    assert_json "the incident's last_time moved" .data.last_time $((t + 540))
    kill9_server
    restart_server
    at $((t + 960))
    send Critical "disk full" sr-3 "" "$(check disk h3)"
    assert_ne "11m after the last merge (7m after the last event): a new incident" "$i1" "$INC"
}

test_strict()
{
    local i1 i3 nolab empty eu
    nolab='{"check":"disk"}'
    empty='{"check":"disk","region":""}'
    eu='{"check":"disk","region":"eu"}'
    section "non-strict: missing == empty"
    chan g-lax '{"method":"rules","equals":[["labels.check","labels.region"]],"strict":false}'
    at $((T0 + 30000))
    send Warning "disk slow" lax-1 "" "$nolab"
    i1=$INC
    send Warning "disk slow" lax-2 "" "$nolab"
    assert_eq "both missing region: merged" "$i1" "$INC"
    send Warning "disk slow" lax-3 "" "$empty"
    assert_eq "missing vs empty region: merged" "$i1" "$INC"
    send Warning "disk slow" lax-4 "" "$eu"
    assert_ne "region eu vs missing: a new incident" "$i1" "$INC"

    section "strict: a missing or empty value never matches"
    chan g-strict '{"method":"rules","equals":[["labels.check","labels.region"]],"strict":true}'
    send Warning "disk slow" st-1 "" "$nolab"
    i1=$INC
    send Warning "disk slow" st-2 "" "$nolab"
    assert_ne "both missing region: separate incidents" "$i1" "$INC"
    send Warning "disk slow" st-3 "" "$empty"
    i3=$INC
    assert_ne "empty region: separate incident (vs first)" "$i1" "$i3"
    send Warning "disk slow" st-4 "" "$empty"
    assert_ne "both empty region: separate incidents" "$i3" "$INC"
    send Warning "disk slow" st-5 "" "$eu"
    i3=$INC
    send Warning "disk slow" st-6 "" "$eu"
    assert_eq "values present and equal: merged" "$i3" "$INC"
    assert_eq "strict channel: 5 incidents for 6 alerts" 5 "$(incidents_in "$CH")"
    api GET "/alerts/$(alert_id_for st-2)"
    assert_match "strict refusal has a decision" 'new incident' "$(jb .data.reason.decision)"
}

test_any_set()
{
    local i1
    section "default sets: any set equal"
    chan g-any '{"method":"rules","equals":[["labels.check"],["title"]]}'
    at $((T0 + 40000))
    send Critical "db down" any-1 "" '{"check":"X"}'
    i1=$INC
    send Critical "db down" any-2 "" '{"check":"Y"}'
    assert_eq "equal title (second set): merged" "$i1" "$INC"
    api GET "/alerts/$ALERT"
    assert_json "dimensions of the set that matched" '.data.reason.dimensions | tojson' '["title"]'
    send Critical "web down" any-3 "" '{"check":"X"}'
    assert_eq "equal check (first set): merged" "$i1" "$INC"
    api GET "/alerts/$ALERT"
    assert_json "dimensions of the set that matched" '.data.reason.dimensions | tojson' '["labels.check"]'
    send Critical "api down" any-4 "" '{"check":"Z"}'
    assert_ne "no set equal: a new incident" "$i1" "$INC"
}

test_cases()
{
    local i1 i2 i3 cfg
    section "cases: the first matching case decides"
    cfg='{"method":"rules","equals":[["title"]],"cases":[
        {"if":[{"key":"labels.service","oper":"IN","vals":["db"]}],"equals":["labels.cluster"]},
        {"if":[{"key":"labels.service","oper":"IN","vals":["db","web"]}],"equals":["labels.check"]}]}'
    chan g-cases "$cfg"
    at $((T0 + 50000))
    send Critical "T" case-1 "" '{"service":"db","cluster":"c1","check":"X"}'
    i1=$INC
    send Critical "T2" case-2 "" '{"service":"db","cluster":"c1","check":"Y"}'
    assert_eq "case 0: equal cluster merges" "$i1" "$INC"
    api GET "/alerts/$ALERT"
    assert_json "reason.case" .data.reason.case 0
    assert_json "reason.dimensions of case 0" '.data.reason.dimensions | tojson' '["labels.cluster"]'
    send Critical "T" case-3 "" '{"service":"db","cluster":"c2","check":"X"}'
    assert_ne "case 0 wins over case 1 and the defaults (equal check and title)" "$i1" "$INC"
    i2=$INC
    send Critical "T4" case-4 "" '{"service":"web","cluster":"c9","check":"X"}'
    i3=$INC
    assert_ne "case 1: its own incident" "$i1" "$i3"
    assert_ne "case 1: not the case-0 incident" "$i2" "$i3"
    send Critical "T5" case-5 "" '{"service":"web","cluster":"c8","check":"X"}'
    assert_eq "case 1: equal check merges" "$i3" "$INC"
    api GET "/alerts/$ALERT"
    assert_json "reason.case" .data.reason.case 1
    assert_json "reason.dimensions of case 1" '.data.reason.dimensions | tojson' '["labels.check"]'
    send Critical "T6" case-6 "" '{"service":"api","check":"X"}'
    i1=$INC
    send Critical "T6" case-7 "" '{"service":"api","check":"Q"}'
    assert_eq "no case matches: the default set (title) merges" "$i1" "$INC"
    api GET "/alerts/$ALERT"
    assert_json "reason.case of a default set" .data.reason.case null
    assert_json "reason.dimensions of the default set" '.data.reason.dimensions | tojson' '["title"]'
}

test_cap()
{
    local i1 i2
    section "max_alerts_per_incident"
    chan g-cap '{"method":"rules","equals":[["labels.check"]],"max_alerts_per_incident":2}'
    at $((T0 + 60000))
    send Critical "mem" cap-1 "" '{"check":"mem"}'
    i1=$INC
    send Critical "mem" cap-2 "" '{"check":"mem"}'
    assert_eq "second alert joins" "$i1" "$INC"
    send Critical "mem" cap-3 "" '{"check":"mem"}'
    assert_ne "third alert: the incident is full, a new one" "$i1" "$INC"
    i2=$INC
    api GET "/alerts/$ALERT"
    assert_match "reason names the cap" 'max_alerts|cap|full' "$(jb .data.reason.decision)"
    send Critical "mem" cap-4 "" '{"check":"mem"}'
    assert_eq "fourth alert joins the new incident" "$i2" "$INC"
    send Critical "mem" cap-5 "" '{"check":"mem"}'
    assert_ne "fifth alert: a third incident" "$i2" "$INC"
    api GET "/incidents/$i1"
    assert_json "first incident holds 2" .data.alert_count 2
    api GET "/incidents/$i2"
    assert_json "second incident holds 2" .data.alert_count 2
}

test_storm()
{
    local i1 n
    section "storm thresholds"
    chan g-storm '{"method":"rules","equals":[["labels.check"]],"storm_thresholds":[2,3]}'
    at $((T0 + 70000))
    send Critical "storm" storm-1 "" '{"check":"st"}'
    i1=$INC
    assert_eq "one alert: no storm" "i_new" "$(timeline_types "$i1")"
    at $((T0 + 70010))
    send Critical "storm" storm-2 "" '{"check":"st"}'
    assert_eq "two alerts: storm 2" "i_new,a_merge,i_storm" "$(timeline_types "$i1")"
    api GET "/incidents/$i1"
    assert_json "storm detail" '[.data.timeline[] | select(.type == "i_storm") | .detail.alert_count] | join(",")' 2
    assert_json "storm time" '[.data.timeline[] | select(.type == "i_storm") | .time] | join(",")' $((T0 + 70010))
    for n in 3 4 5; do
        send Critical "storm" "storm-$n" "" '{"check":"st"}'
    done
    # A changed repeat of a grouped alert is no new alert: no new storm either.
    send Critical "storm" storm-5 "changed" '{"check":"st"}'
    api GET "/incidents/$i1"
    assert_json "alert_count" .data.alert_count 5
    assert_json "one i_storm per threshold, in order" \
        '[.data.timeline[] | select(.type == "i_storm") | .detail.alert_count] | map(tostring) | join(",")' "2,3"
    assert_json "timeline" '[.data.timeline[].type] | join(",")' \
        "i_new,a_merge,i_storm,a_merge,i_storm,a_merge,a_merge"
}

# bad_put DESC BODY NEEDLE: the PUT is refused with a message containing
# NEEDLE and the saved configuration is unchanged.
bad_put()
{
    section "invalid grouping: $1"
    api PUT "/channels/$CH/grouping" "$2"
    assert_code 400 InvalidParameter
    assert_contains "message names the problem" "$3" "$(jb .error.message)"
    api GET "/channels/$CH/grouping"
    assert_eq "saved config unchanged after: $1" "$SAVED" "$(jb '.data | tojson')"
}

test_invalid()
{
    local six_sets six_keys
    section "invalid grouping: setup"
    chan g-invalid '{"method":"rules","equals":[["labels.check"]],"window_minutes":5}'
    api GET "/channels/$CH/grouping"
    SAVED=$(jb '.data | tojson')
    assert_json "saved window" .data.window_minutes 5
    six_sets='[["title"],["severity"],["labels.a"],["labels.b"],["labels.c"],["labels.d"]]'
    six_keys='[["title","severity","labels.a","labels.b","labels.c","labels.d"]]'
    bad_put "unknown key" '{"method":"rules","equals":[["lables.x"]]}' "lables.x"
    bad_put "unknown key in a case" \
        '{"method":"rules","equals":[["title"]],"cases":[{"if":[{"key":"title","oper":"IN","vals":["a"]}],"equals":["lables.y"]}]}' \
        "lables.y"
    bad_put "bad regex in a case" \
        '{"method":"rules","equals":[["title"]],"cases":[{"if":[{"key":"title","oper":"IN","vals":["/(/"]}],"equals":["title"]}]}' \
        "invalid regex"
    bad_put "unknown method" '{"method":"smart","equals":[["title"]]}' "method"
    bad_put "unknown window_type" \
        '{"method":"rules","equals":[["title"]],"window_minutes":5,"window_type":"hopping"}' "window_type"
    bad_put "negative window" '{"method":"rules","equals":[["title"]],"window_minutes":-1}' "window_minutes"
    bad_put "storm threshold 1" '{"method":"rules","equals":[["title"]],"storm_thresholds":[1]}' "storm_thresholds"
    bad_put "storm threshold 10001" '{"method":"rules","equals":[["title"]],"storm_thresholds":[10001]}' "storm_thresholds"
    bad_put "six storm thresholds" \
        '{"method":"rules","equals":[["title"]],"storm_thresholds":[2,3,4,5,6,7]}' "storm_thresholds"
    bad_put "six dimension sets" "{\"method\":\"rules\",\"equals\":$six_sets}" "equals"
    bad_put "six keys in a set" "{\"method\":\"rules\",\"equals\":$six_keys}" "equals"
    bad_put "rules without equals" '{"method":"rules"}' "equals"
    bad_put "empty set" '{"method":"rules","equals":[[]]}' "equals"
    bad_put "cap 0" '{"method":"rules","equals":[["title"]],"max_alerts_per_incident":0}' "max_alerts_per_incident"
    bad_put "strict not a boolean" '{"method":"rules","equals":[["title"]],"strict":"yes"}' "strict"
    section "invalid grouping: not an object"
    api PUT "/channels/$CH/grouping" '[1]'
    assert_code 400 InvalidParameter
    api GET "/channels/$CH/grouping"
    assert_eq "saved config unchanged" "$SAVED" "$(jb '.data | tojson')"

    section "invalid grouping: the old config still applies"
    at $((T0 + 80000))
    send Critical "inv" inv-1 "" '{"check":"k"}'
    local i1=$INC
    send Critical "inv other title" inv-2 "" '{"check":"k"}'
    assert_eq "grouped by labels.check as saved" "$i1" "$INC"

    section "grouping of an unknown channel"
    api GET /channels/999999/grouping
    assert_code 404 ResourceNotFound
    api PUT /channels/999999/grouping '{"method":"none"}'
    assert_code 404 ResourceNotFound
}

# preview_summary: "alert_count:key,key;..." for each previewed incident.
preview_summary()
{
    jb '[.data.incidents[] | "\(.alert_count):" + ([.alerts[].alert_key] | sort | join(","))] | sort | join(";")'
}

test_preview()
{
    local before t=$((T0 + 90000)) one two
    section "preview: setup (grouping off, 5 events)"
    chan g-preview
    at "$t"
    send Critical "check A on h1" pv-1 "" '{"check":"A","dc":"d1"}'
    at $((t + 120))
    send Warning "check A on h2" pv-2 "" '{"check":"A","dc":"d1"}'
    at $((t + 240))
    send Critical "check B on h3" pv-3 "" '{"check":"B","dc":"d1"}'
    at $((t + 360))
    send Info "check B on h4" pv-4 "" '{"check":"B","dc":"d1"}'
    at $((t + 480))
    send Ok "check A on h1" pv-1 "" '{"check":"A","dc":"d1"}'
    assert_eq "stored: one incident per alert" 4 "$(incidents_in "$CH")"
    before=$(db_counts)

    section "preview: by labels.check"
    api POST "/channels/$CH/grouping/preview" '{"method":"rules","equals":[["labels.check"]]}'
    assert_status 200
    assert_request_id
    assert_json "events_replayed" .data.events_replayed 5
    one=$(preview_summary)
    assert_eq "two incidents of two alerts" "2:pv-1,pv-2;2:pv-3,pv-4" "$one"
    assert_json "incident A: events" '.data.incidents[] | select(.alerts[0].alert_key == "pv-1") | .event_count' 3
    assert_json "incident A: title of its first alert" \
        '.data.incidents[] | select(.alerts[0].alert_key == "pv-1") | .title' "check A on h1"
    assert_json "incident A: start_time" \
        '.data.incidents[] | select(.alerts[0].alert_key == "pv-1") | .start_time' "$t"
    assert_json "incident A: severity" \
        '.data.incidents[] | select(.alerts[0].alert_key == "pv-1") | .severity' Critical
    assert_json "incident A: group_key" \
        '.data.incidents[] | select(.alerts[0].alert_key == "pv-1") | .group_key | length > 0' true
    assert_json "pv-1 recovered with 2 events" \
        '.data.incidents[].alerts[] | select(.alert_key == "pv-1") | "\(.status) \(.event_count)"' "Ok 2"
    assert_json "pv-2 title" '.data.incidents[].alerts[] | select(.alert_key == "pv-2") | .title' "check A on h2"
    assert_eq "preview stored nothing" "$before" "$(db_counts)"
    api GET "/channels/$CH/grouping"
    assert_json "saved grouping unchanged by the preview" .data.method none

    section "preview: by labels.dc"
    api POST "/channels/$CH/grouping/preview" '{"method":"rules","equals":[["labels.dc"]]}'
    assert_status 200
    two=$(preview_summary)
    assert_eq "one incident of four alerts" "4:pv-1,pv-2,pv-3,pv-4" "$two"
    assert_ne "two candidates give different groupings" "$one" "$two"
    assert_json "event_count" '.data.incidents[0].event_count' 5

    section "preview: by labels.dc with a 3-minute tumbling window"
    api POST "/channels/$CH/grouping/preview" \
        '{"method":"rules","equals":[["labels.dc"]],"window_minutes":3,"window_type":"tumbling"}'
    assert_status 200
    assert_eq "events 2 minutes apart: windows of two alerts" "2:pv-1,pv-2;2:pv-3,pv-4" "$(preview_summary)"

    section "preview: method none"
    api POST "/channels/$CH/grouping/preview" '{"method":"none"}'
    assert_status 200
    assert_eq "one incident per alert" "1:pv-1;1:pv-2;1:pv-3;1:pv-4" "$(preview_summary)"

    section "preview: invalid candidate"
    api POST "/channels/$CH/grouping/preview" '{"method":"rules","equals":[["lables.x"]]}'
    assert_code 400 InvalidParameter
    assert_contains "message names the key" "lables.x" "$(jb .error.message)"
    assert_eq "nothing stored" "$before" "$(db_counts)"
    api GET "/channels/$CH/grouping"
    assert_json "saved grouping still none" .data.method none
}

start_server "$BIN" --test-clock on
test_default_off
test_worked_example
test_window_tumbling
test_window_sliding
test_sliding_restart
test_strict
test_any_set
test_cases
test_cap
test_storm
test_invalid
test_preview
stop_server
finish
