#!/usr/bin/env bash
# t_escalation.sh - who is paged and when (api.md section 6): escalation
# levels and their timeout, ack stopping and unack resuming, the delay
# window, first-match rules (filters, disabled rules, time windows), merged
# alerts paging once, repeats, storm warnings to the levels paged, reopen
# starting over, snooze and wake, auto-resolve in both modes,
# disable_auto_close, timers surviving kill -9, and refused rules. Time comes
# from the test clock; what was sent is read from the delivery log.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/receiver.sh
. "$(dirname "$0")/receiver.sh"
BIN=${1:?usage: $0 BIN}

start_receiver
start_server "$BIN" --test-clock on
at "$T0"
NOW=$T0

# tick SECONDS: advances the test clock (firing what became due).
tick()
{
    NOW=$((NOW + $1))
    at "$NOW"
}

member()
{
    api POST /members "$(jq -nc --arg n "$1" --arg u "$RCV_URL/$1" \
        '{name: $n, contacts: [{kind: "webhook", address: $u}]}')"
    assert_status 201 "create member $1"
    jb '.data.id'
}
ALICE=$(member alice)
BOB=$(member bob)
CAROL=$(member carol)

# rules CHANNEL JSON: PUT the channel's escalation rules, expecting 200.
rules()
{
    api PUT "/channels/$1/escalations" "$2"
    assert_status 200 "PUT escalations of channel $1"
}

# two_levels: alice, then bob after 5 minutes.
TWO_LEVELS=$(jq -nc --arg a "$ALICE" --arg b "$BOB" \
    '{rules: [{name: "primary", levels: [{member_ids: [$a], escalate_after_minutes: 5},
                                          {member_ids: [$b]}]}]}')

# paged INC MEMBER [TYPE]: deliveries to MEMBER that were sent or are
# pending (not suppressed), of TYPE when given.
paged()
{
    api GET "/incidents/$1/notifications"
    jb "[.data.items[] | select(.member_id == \"$2\" and .status != \"suppressed\"
        and (\"${3-}\" == \"\" or .event_type == \"${3-}\"))] | length"
}

# suppressed INC REASON: suppressed entries with that reason.
suppressed()
{
    api GET "/incidents/$1/notifications"
    jb "[.data.items[] | select(.status == \"suppressed\" and .reason == \"$2\")] | length"
}

feed_types()
{
    api GET "/incidents/$1/timeline"
    jb '[.data.items[].type] | join(",")'
}

progress() { db "SELECT progress FROM incidents WHERE id = $1;"; }

# ---------------------------------------------------------------------------
section "levels: level 1 at once, level 2 when its time is up"
std_channel esc
rules "$CH" "$TWO_LEVELS"
send Critical "db down" k1
assert_eq "alice paged at once" 1 "$(paged "$INC" "$ALICE" i_assign)"
assert_eq "bob not yet" 0 "$(paged "$INC" "$BOB")"
assert_contains "timeline has i_assign" "i_assign" "$(feed_types "$INC")"
assert_contains "timeline has i_notify" "i_notify" "$(feed_types "$INC")"
tick 299
assert_eq "bob not paged before 5 minutes" 0 "$(paged "$INC" "$BOB")"
tick 1
assert_eq "bob paged at 5 minutes (i_esc)" 1 "$(paged "$INC" "$BOB" i_esc)"
api GET "/incidents/$INC/timeline"
assert_eq "i_esc names level 2" 2 "$(jb '[.data.items[] | select(.type == "i_esc")][0].detail.level')"
tick 3600
assert_eq "after the last level nothing more" 1 "$(paged "$INC" "$BOB")"
assert_eq "alice paged once in all" 1 "$(paged "$INC" "$ALICE")"
assert_wait "the member's webhook received the page" \
    "rcv_count /alice" 1

section "ack stops escalation; unack resumes it at the level reached"
send Critical "cache down" k2
INC2=$INC
tick 60
api POST "/incidents/$INC2/ack" "{\"member_id\": \"$ALICE\"}"
assert_status 200 "ack with a member"
api GET "/incidents/$INC2/timeline"
assert_eq "i_ack names the member" alice "$(jb '[.data.items[] | select(.type == "i_ack")][0].detail.name')"
tick 600
assert_eq "acked: bob never paged" 0 "$(paged "$INC2" "$BOB")"
api POST "/incidents/$INC2/unack"
assert_status 200 "unack"
tick 299
assert_eq "unack: level 1 gets its full time again" 0 "$(paged "$INC2" "$BOB")"
tick 1
assert_eq "unack: bob paged after 5 more minutes" 1 "$(paged "$INC2" "$BOB" i_esc)"
api POST "/incidents/$INC2/ack" '{"member_id": "999999"}'
assert_code 400 InvalidParameter
assert_contains "unknown member named" "member_id" "$(jb '.error.message')"

section "escalate_unless closed: an ack does not stop it"
std_channel unless
rules "$CH" "$(jq -nc --arg a "$ALICE" --arg b "$BOB" \
    '{rules: [{name: "until-closed", levels: [{member_ids: [$a], escalate_after_minutes: 2,
               escalate_unless: "closed"}, {member_ids: [$b]}]}]}')"
send Critical "payments slow" k3
api POST "/incidents/$INC/ack"
tick 120
assert_eq "acked but not closed: bob paged" 1 "$(paged "$INC" "$BOB" i_esc)"

section "delay: an incident closed within the delay pages nobody"
std_channel delayed
rules "$CH" "$(jq -nc --arg a "$ALICE" \
    '{rules: [{name: "delayed", delay_seconds: 120, levels: [{member_ids: [$a]}]}]}')"
send Critical "blip" k4
assert_eq "nobody paged during the delay" 0 "$(paged "$INC" "$ALICE")"
tick 60
send Ok "blip" k4
assert_eq "closed by recovery" Closed "$(progress "$INC")"
assert_eq "logged: closed_within_delay" 1 "$(suppressed "$INC" closed_within_delay)"
tick 120
assert_eq "still nobody paged after the delay" 0 "$(paged "$INC" "$ALICE")"
send Critical "real outage" k5
tick 119
assert_eq "not before the delay ends" 0 "$(paged "$INC" "$ALICE")"
tick 1
assert_eq "paged when the delay ends" 1 "$(paged "$INC" "$ALICE" i_assign)"

section "first match wins; disabled rules and time windows"
std_channel firstmatch
rules "$CH" "$(jq -nc --arg a "$ALICE" --arg b "$BOB" --arg c "$CAROL" '{rules: [
    {name: "off", enabled: false, levels: [{member_ids: [$c]}]},
    {name: "weekend", time_window: [{days: [0, 6], start: "00:00", end: "23:59", tz: "UTC"}],
     levels: [{member_ids: [$c]}]},
    {name: "payments", if: [[{key: "labels.service", oper: "IN", vals: ["payment"]}]],
     levels: [{member_ids: [$a]}]},
    {name: "rest", levels: [{member_ids: [$b]}]}]}')"
send Critical "pay error" k6 "" '{"service":"payment"}'
assert_eq "payment: alice (rule 3)" 1 "$(paged "$INC" "$ALICE")"
assert_eq "payment: not bob" 0 "$(paged "$INC" "$BOB")"
assert_eq "disabled and out-of-window rules skipped" 0 "$(paged "$INC" "$CAROL")"
send Critical "web error" k7 "" '{"service":"web"}'
assert_eq "web: bob (rule 4)" 1 "$(paged "$INC" "$BOB")"
assert_eq "web: not alice" 0 "$(paged "$INC" "$ALICE")"
std_channel norule
send Critical "nobody" k8
assert_eq "no rule: no_rule_matched logged" 1 "$(suppressed "$INC" no_rule_matched)"

section "merged alerts page once; a storm notifies the levels paged"
std_channel grouped
api PUT "/channels/$CH/grouping" \
    '{"method":"rules","equals":[["labels.check"]],"window_minutes":60,"storm_thresholds":[3]}'
assert_status 200 "grouping on"
rules "$CH" "$(jq -nc --arg a "$ALICE" '{rules: [{name: "g", levels: [{member_ids: [$a]}]}]}')"
send Critical "disk a" m1 "" '{"check":"disk"}'
FIRST=$INC
send Critical "disk b" m2 "" '{"check":"disk"}'
assert_eq "second alert merged" "$FIRST" "$INC"
assert_eq "merged: paged once" 1 "$(paged "$FIRST" "$ALICE" i_assign)"
send Critical "disk c" m3 "" '{"check":"disk"}'
assert_eq "storm warning at 3 alerts reaches alice" 1 "$(paged "$FIRST" "$ALICE" i_storm)"

section "repeat: after the last level, the rule repeats"
std_channel repeat
rules "$CH" "$(jq -nc --arg a "$ALICE" '{rules: [{name: "loop",
    levels: [{member_ids: [$a], escalate_after_minutes: 1}],
    repeat: {times: 2, interval_minutes: 2}}]}')"
send Critical "loop" r1
tick 119
assert_eq "no repeat before the interval" 1 "$(paged "$INC" "$ALICE")"
tick 1
assert_eq "first repeat" 2 "$(paged "$INC" "$ALICE")"
tick 120
assert_eq "second repeat" 3 "$(paged "$INC" "$ALICE")"
tick 600
assert_eq "no third repeat" 3 "$(paged "$INC" "$ALICE")"

section "reopen starts over"
api POST "/incidents/$INC/resolve"
assert_status 200 "resolve"
api POST "/incidents/$INC/reopen"
assert_status 200 "reopen"
assert_eq "reopen: paged again (i_assign)" 2 "$(paged "$INC" "$ALICE" i_assign)"

section "snooze pauses escalation and wakes it"
std_channel snooze
rules "$CH" "$TWO_LEVELS"
send Critical "snoozy" s1
api POST "/incidents/$INC/snooze" '{"minutes": 30}'
assert_code 409 Conflict
api POST "/incidents/$INC/ack"
api POST "/incidents/$INC/snooze" '{"minutes": 0}'
assert_code 400 InvalidParameter
api POST "/incidents/$INC/snooze" '{"minutes": 1441}'
assert_code 400 InvalidParameter
api POST "/incidents/$INC/snooze" "{\"minutes\": 30, \"member_id\": \"$BOB\"}"
assert_status 200 "snooze 30 minutes"
assert_eq "snoozed: still Processing" Processing "$(progress "$INC")"
assert_eq "snooze_until set" $((NOW + 1800)) "$(db "SELECT snooze_until FROM incidents WHERE id = $INC;")"
tick 1799
assert_eq "not awake before the end" Processing "$(progress "$INC")"
tick 1
assert_eq "woken: back to Triggered" Triggered "$(progress "$INC")"
assert_contains "timeline: i_snooze then i_wake" "i_snooze,i_wake" "$(feed_types "$INC")"
assert_eq "woken: alice paged again" 1 "$(paged "$INC" "$ALICE" i_wake)"
tick 300
assert_eq "after waking, escalation goes on to bob" 1 "$(paged "$INC" "$BOB" i_esc)"

section "auto-resolve: trigger mode counts from the start"
std_channel ar-trigger
api PATCH "/channels/$CH" '{"auto_resolve_timeout": 600, "auto_resolve_mode": "trigger"}'
assert_status 200 "PATCH auto-resolve"
assert_json "timeout answered" '.data.auto_resolve_timeout' 600
send Critical "stuck" a1
tick 300
send Critical "stuck again" a1
tick 299
assert_eq "open before 600 s" Triggered "$(progress "$INC")"
tick 1
assert_eq "closed at 600 s from the start" Closed "$(progress "$INC")"
api GET "/incidents/$INC/timeline"
assert_eq "i_rslv by auto_resolve" auto_resolve "$(jb '[.data.items[] | select(.type == "i_rslv")][0].detail.by')"

section "auto-resolve: update mode counts from the last alert event"
std_channel ar-update
api PATCH "/channels/$CH" '{"auto_resolve_timeout": 600, "auto_resolve_mode": "update"}'
send Critical "noisy" a2
tick 300
send Warning "noisy, less" a2
tick 300
assert_eq "600 s after the start but 300 s after the last event: open" Triggered "$(progress "$INC")"
tick 300
assert_eq "closed 600 s after the last event" Closed "$(progress "$INC")"
api PATCH "/channels/$CH" '{"auto_resolve_mode": "sometimes"}'
assert_code 400 InvalidParameter
api PATCH "/channels/$CH" '{"auto_resolve_timeout": 2592001}'
assert_code 400 InvalidParameter

section "disable_auto_close: recovery does not close"
std_channel keep-open
api PATCH "/channels/$CH" '{"disable_auto_close": true}'
assert_status 200 "PATCH disable_auto_close"
send Critical "flaky" d1
send Ok "flaky" d1
assert_eq "recovered but still open" Triggered "$(progress "$INC")"
assert_eq "status Ok" Ok "$(db "SELECT status FROM incidents WHERE id = $INC;")"

section "timers survive kill -9"
std_channel durable
rules "$CH" "$TWO_LEVELS"
send Critical "crashy" c1
kill9_server
restart_server
tick 300
assert_eq "after a restart bob is paged on time" 1 "$(paged "$INC" "$BOB" i_esc)"

section "on call: a schedule pages whoever is on call, a team pages everyone"
# A daily rotation in UTC handing over at 08:00: alice on T0's day (T0 is
# 08:00 UTC), bob the next day. A second schedule has nobody on call now.
api POST /schedules "$(jq -nc --arg a "$ALICE" --arg b "$BOB" --argjson t "$((T0 - 86400))" \
    '{name: "primary", timezone: "UTC", layers: [{name: "daily", start: $t,
      rotation: {unit: "day", length: 1}, handoff: "08:00", member_ids: [$b, $a]}]}')"
assert_status 201 "create a schedule"
SCHED=$(jb '.data.id')
api POST /schedules "$(jq -nc --arg a "$ALICE" --argjson t "$T0" \
    '{name: "nights", timezone: "UTC", layers: [{name: "night", start: $t,
      rotation: {unit: "day", length: 1}, handoff: "08:00", member_ids: [$a],
      restrictions: [{days: [], start: "22:00", end: "06:00"}]}]}')"
assert_status 201 "create a night-only schedule"
NIGHTS=$(jb '.data.id')
api POST /teams "$(jq -nc --arg b "$BOB" --arg c "$CAROL" '{name: "dba", member_ids: [$b, $c]}')"
assert_status 201 "create a team"
TEAM=$(jb '.data.id')
std_channel oncall
rules "$CH" "$(jq -nc --arg s "$SCHED" '{rules: [{name: "rota", levels: [{schedule_ids: [$s]}]}]}')"
send Critical "rota now" o1
api GET "/schedules/$SCHED/oncall?at=$NOW"
ONCALL=$(jb '.data.member_ids[0]')
assert_eq "the API says who is on call" "$ONCALL" "$(jb '.data.member_ids[0]')"
OTHER=$ALICE
[ "$ONCALL" = "$ALICE" ] && OTHER=$BOB
assert_eq "the member on call is paged" 1 "$(paged "$INC" "$ONCALL" i_assign)"
assert_eq "the member off call is not" 0 "$(paged "$INC" "$OTHER")"
api GET "/incidents/$INC/notifications"
assert_eq "the log names the schedule" primary "$(jb "[.data.items[] | select(.member_id == \"$ONCALL\")][0].detail.schedule.name")"
api GET "/incidents/$INC/timeline"
assert_eq "the timeline names who was paged" "$ONCALL" "$(jb '[.data.items[] | select(.type == "i_assign")][0].detail.paged[0].id')"
tick 86400
send Critical "rota tomorrow" o2
assert_eq "a day later the other member is on call and paged" 1 "$(paged "$INC" "$OTHER" i_assign)"
assert_eq "and not the first" 0 "$(paged "$INC" "$ONCALL")"
api POST "/schedules/$SCHED/overrides" "$(jq -nc --arg c "$CAROL" --argjson s "$NOW" --argjson e "$((NOW + 3600))" \
    '{member_id: $c, start: $s, end: $e}')"
assert_status 201 "override: carol for an hour"
send Critical "rota override" o3
assert_eq "the override member is paged" 1 "$(paged "$INC" "$CAROL" i_assign)"
assert_eq "not the layer's member" 0 "$(paged "$INC" "$OTHER")"
std_channel oncall-gap
rules "$CH" "$(jq -nc --arg n "$NIGHTS" --arg t "$TEAM" \
    '{rules: [{name: "gap", levels: [{schedule_ids: [$n], escalate_after_minutes: 30}, {team_ids: [$t]}]}]}')"
send Critical "daytime" o4
assert_eq "nobody on call is logged" 1 "$(suppressed "$INC" nobody_on_call)"
assert_eq "the level escalates on at once: the team's bob" 1 "$(paged "$INC" "$BOB" i_esc)"
assert_eq "and the team's carol" 1 "$(paged "$INC" "$CAROL" i_esc)"
api DELETE "/schedules/$NIGHTS"
assert_code 409 ReferenceExist
api DELETE "/teams/$TEAM"
assert_code 409 ReferenceExist

section "subscribers hear escalation steps only when they ask"
std_channel subs-steps
rules "$CH" "$(jq -nc --arg a "$ALICE" '{rules: [{name: "s", levels: [{member_ids: [$a]}]}]}')"
api POST /notify-targets "$(jq -nc --arg u "$RCV_URL/sub-default" --arg c "$CH" \
    '{name: "sub-default", kind: "webhook", settings: {url: $u}, channel_ids: [$c]}')"
assert_status 201 "a subscriber with every default event"
api POST /notify-targets "$(jq -nc --arg u "$RCV_URL/sub-steps" --arg c "$CH" \
    '{name: "sub-steps", kind: "webhook", settings: {url: $u}, channel_ids: [$c],
      event_types: ["i_assign"]}')"
assert_status 201 "a subscriber to i_assign only"
send Critical "steps" st1
assert_wait "the default subscriber hears i_new" \
    "rcv_requests /sub-default | jq -r '[.[].headers[\"x-alerthub-event\"]] | join(\",\")'" i_new
assert_wait "the i_assign subscriber hears the page" \
    "rcv_requests /sub-steps | jq -r '[.[].headers[\"x-alerthub-event\"]] | join(\",\")'" i_assign
api POST "/incidents/$INC/ack"
assert_wait "the default subscriber hears the ack" \
    "rcv_requests /sub-default | jq -r '[.[].headers[\"x-alerthub-event\"]] | join(\",\")'" i_new,i_ack
assert_eq "the i_assign subscriber hears nothing else" 1 "$(rcv_count /sub-steps)"

section "bad rules are refused and nothing is saved"
std_channel refused
rules "$CH" "$TWO_LEVELS"
BEFORE=$(db "SELECT escalations FROM channels WHERE id = $CH;")
bad()
{
    api PUT "/channels/$CH/escalations" "$2"
    assert_code 400 InvalidParameter
    assert_contains "$1: message names the field" "$3" "$(jb '.error.message')"
    assert_eq "$1: nothing saved" "$BEFORE" "$(db "SELECT escalations FROM channels WHERE id = $CH;")"
}
bad "unknown member" '{"rules":[{"name":"x","levels":[{"member_ids":["424242"]}]}]}' "member_ids[0]"
bad "unknown target" '{"rules":[{"name":"x","levels":[{"target_ids":["424242"]}]}]}' "target_ids[0]"
bad "unknown team" '{"rules":[{"name":"x","levels":[{"team_ids":["4242"]}]}]}' "team_ids[0]"
bad "unknown schedule" '{"rules":[{"name":"x","levels":[{"schedule_ids":["4242"]}]}]}' "schedule_ids[0]"
bad "bad filter" "{\"rules\":[{\"name\":\"x\",\"if\":[[{\"key\":\"title\",\"oper\":\"IN\",\"vals\":[\"/(/\"]}]],\"levels\":[{\"member_ids\":[\"$ALICE\"]}]}]}" "if"
bad "empty level" '{"rules":[{"name":"x","levels":[{}]}]}' "levels[0]"
bad "no levels" '{"rules":[{"name":"x","levels":[]}]}' "levels"
bad "delay too long" "{\"rules\":[{\"name\":\"x\",\"delay_seconds\":3601,\"levels\":[{\"member_ids\":[\"$ALICE\"]}]}]}" "delay_seconds"
bad "bad unless" "{\"rules\":[{\"name\":\"x\",\"levels\":[{\"member_ids\":[\"$ALICE\"],\"escalate_unless\":\"never\"}]}]}" "escalate_unless"
bad "no name" "{\"rules\":[{\"levels\":[{\"member_ids\":[\"$ALICE\"]}]}]}" "name"
bad "11 levels" "$(jq -nc --arg a "$ALICE" '{rules: [{name: "x", levels: [range(11) | {member_ids: [$a]}]}]}')" "levels"
bad "51 rules" "$(jq -nc --arg a "$ALICE" '{rules: [range(51) | {name: "r\(.)", levels: [{member_ids: [$a]}]}]}')" "50"
api GET "/channels/$CH/escalations"
assert_json "GET answers the saved rules" '.data.rules[0].name' primary
assert_json "normalized: ids as strings" '.data.rules[0].levels[0].member_ids[0]' "$ALICE"
api DELETE "/members/$ALICE"
assert_code 409 ReferenceExist
assert_eq "member in use not deleted" 1 "$(db "SELECT count(*) FROM members WHERE id = $ALICE;")"

stop_server
stop_receiver
finish
