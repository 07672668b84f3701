#!/usr/bin/env bash
# t_oncall.sh - on-call teams and schedules (api.md section 6; docs/api.md
# section 2.10): CRUD of teams and schedules; every refusal answers 400
# InvalidParameter naming the field and stores nothing (the tables are
# compared row by row); who is on call at chosen instants of a schedule with
# a weekly rotation and a handoff, a restriction window, a later layer that
# wins, a night window across midnight and overrides (the later one wins);
# the shifts agree with /oncall at sampled instants; the 90-day limit of
# /shifts; a New York schedule keeps its 09:00 handoff across both
# daylight-saving changes of 2027 (14:00Z, then 13:00Z, then 14:00Z); the
# iCalendar feed, parsed by a small Python reader, lists exactly the shifts
# the API answers for its window; a member in a team, a layer or an override
# cannot be deleted (409 ReferenceExist) until removed; a team or schedule
# named by escalation_refs cannot be deleted.
# shellcheck disable=SC2119 # stop_server and restart_server without arguments
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 BIN}

# ---- helpers -----------------------------------------------------------------

is() { assert_eq "$3" "$2" "$1"; }
has() { assert_contains "$3" "$2" "$1"; }

H=3600
DAY=86400
D0=1799971200 # 2027-01-15 00:00:00 UTC, a Friday (the test clock's T0 is D0 + 8 h)
d() { echo $((D0 + $1 * DAY + ${2:-0} * H)); } # d DAYS [HOURS]: D0 + DAYS days + HOURS hours

# snapshot: every stored row of the on-call tables, to prove a refusal
# stored nothing.
snapshot()
{
    db "SELECT 't', id, name, member_ids, updated_at FROM teams ORDER BY id;
        SELECT 's', id, name, timezone, layers, updated_at FROM schedules ORDER BY id;
        SELECT 'o', id, schedule_id, member_id, start, \"end\" FROM schedule_overrides ORDER BY id;
        SELECT 'r', kind, owner_id, member_id FROM member_refs ORDER BY kind, owner_id, member_id;
        SELECT 'm', count(*) FROM members;"
}

# refuse METHOD PATH BODY FIELD: 400 InvalidParameter whose message names
# FIELD, and nothing stored.
refuse()
{
    local before
    before=$(snapshot)
    api "$1" "$2" "$3"
    assert_code 400 InvalidParameter
    has "$(jb .error.message)" "$4" "the message of $1 $2 names $4"
    is "$(snapshot)" "$before" "nothing stored after the refused $1 $2 ($4)"
}

# refuse_get PATH WORD: a GET answered 400 InvalidParameter naming WORD.
refuse_get()
{
    api GET "$1"
    assert_code 400 InvalidParameter
    has "$(jb .error.message)" "$2" "the message of GET $1 names $2"
}

count() { db "SELECT count(*) FROM $1;"; }
# refs KIND OWNER: the member ids member_refs lists for a team or schedule.
refs() { db "SELECT group_concat(member_id, ',') FROM (SELECT member_id FROM member_refs WHERE kind = '$1' AND owner_id = $2 ORDER BY member_id) AS r;"; }
# long N [CHAR]: a string of N characters.
long() { printf "%${1}s" '' | sed "s/ /${2:-x}/g"; }

# member NAME: POST a member; expects 201; sets MID.
member()
{
    api POST /members "$(jq -nc --arg n "$1" '{name: $n}')"
    assert_status 201 "create member $1"
    MID=$(jb .data.id)
}

# oncall_is AT EXPECTED: GET .../oncall?at=AT answers "member/layer" (or
# "none/null").
oncall_is()
{
    api GET "/schedules/$SCHED/oncall?at=$1"
    assert_status 200 "oncall at $1"
    is "$(jb '(.data.member_ids[0] // "none") + "/" + (.data.layer // "null")')" "$2" \
        "on call at $1 ($(date -u -d "@$1" '+%a %F %T'))"
    is "$(jb .data.at)" "$1" "the answer names the instant"
}

# shifts_of SCHEDULE SINCE UNTIL: sets SHIFTS to the items of the answer.
shifts_of()
{
    api GET "/schedules/$1/shifts?since=$2&until=$3"
    assert_status 200 "shifts of $1 from $2 to $3"
    SHIFTS=$(jb '.data.items')
}

# compact shifts: "member/layer/start/end" per line.
compact() { jq -r '.[] | "\(.member_id)/\(.layer)/\(.start)/\(.end)"' <<<"$1"; }

start_server "$BIN" --test-clock on
at "$(d 0 8)"

section members
member Alice
A=$MID
member Bob
B=$MID
member Carol
C=$MID
# A name with every character iCalendar escapes, non-ASCII letters and
# enough bytes to be folded.
DAVE_NAME='Dave; Zoë, Ångström-Øster \ the night-shift on-call engineer with a long name'
member "$DAVE_NAME"
D=$MID
member Erin
E=$MID
member Frank
F=$MID
member Grace
G=$MID
FILLER=()
for i in $(seq 1 97); do
    member "filler $i"
    FILLER+=("$MID")
done

# ---- teams --------------------------------------------------------------------------
section "team create"
api POST /teams "{\"name\": \"ops\", \"member_ids\": [\"$A\", $B, \"$F\"]}"
assert_status 201 "create a team"
TEAM=$(jb .data.id)
assert_match "the id is a string of digits" '^[1-9][0-9]*$' "$TEAM"
is "$(jb '.data | keys | join(",")')" created_at,id,member_ids,name,updated_at "the team's fields"
is "$(jb '.data.member_ids | tojson')" "[\"$A\",\"$B\",\"$F\"]" "member ids as strings, in order"
is "$(jb '.data.created_at') $(jb '.data.updated_at')" "$(d 0 8) $(d 0 8)" "times from the server clock"
is "$(refs team "$TEAM")" "$A,$B,$F" "member_refs lists the team's members"
api POST /teams '{"name": "empty"}'
assert_status 201 "a team without member_ids"
EMPTY=$(jb .data.id)
is "$(jb '.data.member_ids | tojson')" '[]' "member_ids defaults to []"
api POST /teams '{"name": "nulls", "member_ids": null}'
assert_status 201 "member_ids null"
is "$(jb '.data.member_ids | tojson')" '[]' "null member_ids is []"
NULLS=$(jb .data.id)
all=$(printf '"%s",' "$A" "$B" "$C" "${FILLER[@]}")
api POST /teams "{\"name\": \"$(long 100 é)\", \"member_ids\": [${all%,}]}"
assert_status 201 "100 members and a name of 100 characters"
BIG=$(jb .data.id)
is "$(jb '.data.member_ids | length')" 100 "all 100 members"
is "$(count "member_refs WHERE kind = 'team' AND owner_id = $BIG")" 100 "100 member_refs rows"

section "team get, list, patch"
api GET "/teams/$TEAM"
assert_status 200
is "$(jb '.data.name') $(jb '.data.member_ids | join(",")')" "ops $A,$B,$F" "GET answers the team"
api GET /teams
assert_status 200
is "$(jb '[.data.items[].id] | join(" ")')" "$BIG $NULLS $EMPTY $TEAM" "the list, newest first"
is "$(jb .data.next_cursor)" null "one page"
api GET "/teams?limit=2"
is "$(jb '[.data.items[].id] | join(" ")') $(jb .data.next_cursor)" "$BIG $NULLS $NULLS" \
    "a page of 2 and its cursor"
api GET "/teams?limit=2&cursor=$NULLS"
is "$(jb '[.data.items[].id] | join(" ")') $(jb .data.next_cursor)" "$EMPTY $TEAM null" \
    "the next page"
at "$(d 0 9)"
api PATCH "/teams/$TEAM" '{"name": "ops-primary"}'
assert_status 200 "rename a team"
is "$(jb '.data.name') $(jb '.data.member_ids | join(",")')" "ops-primary $A,$B,$F" \
    "the members are kept"
is "$(jb .data.created_at) $(jb .data.updated_at)" "$(d 0 8) $(d 0 9)" "created_at kept, updated_at set"
api PATCH "/teams/$TEAM" "{\"member_ids\": [$C, \"$A\", \"$F\"]}"
assert_status 200 "new members"
is "$(jb '.data.member_ids | join(",")')" "$C,$A,$F" "member_ids replaced, in the order given"
is "$(refs team "$TEAM")" "$(printf '%s\n' "$A" "$C" "$F" | sort -n | paste -sd,)" \
    "member_refs follow"
api PATCH "/teams/$EMPTY" '{}'
assert_status 200 "an empty PATCH"

section "team refusals"
refuse POST /teams '{"member_ids": []}' name
refuse POST /teams '{"name": ""}' name
refuse POST /teams '{"name": null}' name
refuse POST /teams '{"name": 7}' name
refuse POST /teams "{\"name\": \"$(long 101)\"}" name
refuse POST /teams '{"name": "x", "member_ids": "1"}' member_ids
refuse POST /teams '{"name": "x", "member_ids": {"id": "1"}}' member_ids
refuse POST /teams "{\"name\": \"x\", \"member_ids\": [${all%,}, \"$D\"]}" member_ids
refuse POST /teams '{"name": "x", "member_ids": [0]}' 'member_ids[0]'
refuse POST /teams '{"name": "x", "member_ids": ["abc"]}' 'member_ids[0]'
refuse POST /teams "{\"name\": \"x\", \"member_ids\": [\"$A\", -1]}" 'member_ids[1]'
refuse POST /teams "{\"name\": \"x\", \"member_ids\": [\"$A\", 1.5]}" 'member_ids[1]'
refuse POST /teams "{\"name\": \"x\", \"member_ids\": [\"$A\", \"$A\"]}" 'member_ids[1]'
refuse POST /teams "{\"name\": \"x\", \"member_ids\": [\"$A\", $A]}" 'member_ids[1]'
refuse POST /teams "{\"name\": \"x\", \"member_ids\": [\"$A\", \"999999\"]}" 'member_ids[1]'
has "$(jb .error.message)" 'no member "999999"' "the unknown member is named"
refuse POST /teams '{"name": "x", "members": []}' members
refuse POST /teams '{"name": "x", "id": "3"}' '"id"'
refuse POST /teams '[]' 'JSON object'
refuse POST /teams '{"name": "x"' 'not valid JSON'
refuse PATCH "/teams/$TEAM" '{"name": ""}' name
refuse PATCH "/teams/$TEAM" '{"member_ids": [999999]}' 'member_ids[0]'
refuse PATCH "/teams/$TEAM" '{"created_at": 5}' created_at
before=$(snapshot)
api POST /teams '{"name": "empty"}'
assert_code 409 Conflict
has "$(jb .error.message)" '"empty"' "the conflict names the name"
api PATCH "/teams/$NULLS" '{"name": "empty"}'
assert_code 409 Conflict
for m in GET PATCH DELETE; do
    api "$m" /teams/999999 '{"name": "nobody"}'
    assert_code 404 ResourceNotFound
done
api GET /teams/abc
assert_code 404 ResourceNotFound
api GET "/teams/$TEAM/members"
assert_code 404 RouteNotFound
api PUT "/teams/$TEAM" '{"name": "x"}'
assert_code 405 MethodNotAllowed
api POST "/teams/$TEAM" '{"name": "x"}'
assert_code 405 MethodNotAllowed
api DELETE /teams
assert_code 405 MethodNotAllowed
api PATCH /teams '{"name": "x"}'
assert_code 405 MethodNotAllowed
http GET "$AH_URL/api/v1/teams"
assert_code 401 Unauthorized
is "$(snapshot)" "$before" "conflicts, 404s and 405s store nothing"

section "team delete"
api DELETE "/teams/$BIG"
assert_status 200 "delete a team"
is "$(jb '.data | tojson')" "{\"id\":\"$BIG\"}" "the answer names the id"
is "$(count "teams WHERE id = $BIG") $(count "member_refs WHERE kind = 'team' AND owner_id = $BIG")" \
    "0 0" "the team and its member_refs are gone"
api GET "/teams/$BIG"
assert_code 404 ResourceNotFound
api DELETE "/teams/$NULLS"
assert_status 200

# ---- schedules ----------------------------------------------------------------------
# The main schedule (UTC): a weekly rotation A, B, C handing off at 08:00
# (its first shift starts at 02:00 on Friday D0); weekdays 09:00-18:00 the
# "business" layer (D) wins; Saturday 22:00 to Sunday 02:00 the "night"
# layer (C) wins.
section "schedule create"
L_PRIMARY="{\"name\": \"primary\", \"start\": $(d 0 2), \"rotation\": {\"unit\": \"week\", \"length\": 1},
            \"handoff\": \"08:00\", \"member_ids\": [\"$A\", $B, \"$C\"]}"
L_BUSINESS="{\"name\": \"business\", \"start\": $(d 0 2), \"rotation\": {\"unit\": \"day\", \"length\": 1},
             \"handoff\": \"08:00\", \"member_ids\": [\"$D\"],
             \"restrictions\": [{\"days\": [5, 1, 2, 3, 4], \"start\": \"09:00\", \"end\": \"18:00\"}]}"
L_NIGHT="{\"name\": \"night\", \"start\": $(d 0 2), \"rotation\": {\"unit\": \"day\", \"length\": 1},
          \"handoff\": \"08:00\", \"member_ids\": [\"$C\"],
          \"restrictions\": [{\"days\": [6], \"start\": \"22:00\", \"end\": \"02:00\"}]}"
api POST /schedules "{\"name\": \"main, UTC\", \"timezone\": \"UTC\", \"layers\": [$L_PRIMARY, $L_BUSINESS, $L_NIGHT]}"
assert_status 201 "create a schedule"
SCHED=$(jb .data.id)
assert_match "the id is a string of digits" '^[1-9][0-9]*$' "$SCHED"
is "$(jb '.data | keys | join(",")')" created_at,id,layers,name,timezone,updated_at \
    "the schedule's fields"
is "$(jb '.data.name') $(jb '.data.timezone')" "main, UTC UTC" "name and zone"
is "$(jb '.data.layers | length')" 3 "three layers"
is "$(jb '.data.layers[0] | tojson')" \
    "{\"name\":\"primary\",\"start\":$(d 0 2),\"rotation\":{\"unit\":\"week\",\"length\":1},\"handoff\":\"08:00\",\"member_ids\":[\"$A\",\"$B\",\"$C\"],\"restrictions\":[]}" \
    "the layer is normalized: ids as strings, restrictions []"
is "$(jb '.data.layers[1].restrictions | tojson')" \
    '[{"days":[1,2,3,4,5],"start":"09:00","end":"18:00"}]' "days sorted"
is "$(db "SELECT layers FROM schedules WHERE id = $SCHED;" | jq -c .)" "$(jb '.data.layers | tojson')" \
    "the normalized layers are stored"
is "$(refs schedule "$SCHED")" "$(printf '%s\n' "$A" "$B" "$C" "$D" | sort -n | paste -sd,)" \
    "member_refs lists the layers' members"
api POST /schedules "{\"name\": \"spare\", \"timezone\": \"Asia/Shanghai\",
    \"layers\": [{\"start\": 0, \"rotation\": {\"unit\": \"hour\", \"length\": 12}, \"member_ids\": [\"$G\", \"$E\"]}]}"
assert_status 201 "an hourly layer without name or handoff"
SPARE=$(jb .data.id)
is "$(jb '.data.layers[0].name')" "Layer 1" "a layer without a name is named after its place"
api GET "/schedules/$SPARE/oncall?at=$((12 * H))"
is "$(jb '.data.member_ids | join(",")') $(jb .data.layer)" "$E Layer 1" \
    "an hourly rotation hands over every 12 hours"

section "schedule get, list, patch"
api GET "/schedules/$SCHED"
assert_status 200
is "$(jb '.data.layers | map(.name) | join(",")')" primary,business,night "GET answers the schedule"
api GET /schedules
is "$(jb '[.data.items[].id] | join(" ")')" "$SPARE $SCHED" "the list, newest first"
api GET "/schedules?limit=1"
is "$(jb '[.data.items[].id] | join(" ")') $(jb .data.next_cursor)" "$SPARE $SPARE" "a page of 1"
at "$(d 0 10)"
api PATCH "/schedules/$SPARE" '{"name": "spare hourly"}'
assert_status 200 "rename a schedule"
is "$(jb .data.name) $(jb .data.timezone) $(jb '.data.layers[0].member_ids | join(",")')" \
    "spare hourly Asia/Shanghai $G,$E" "the zone and layers are kept"
is "$(jb .data.updated_at)" "$(d 0 10)" "updated_at"
api PATCH "/schedules/$SPARE" '{"timezone": "Europe/Berlin"}'
assert_status 200 "a new zone"
is "$(jb .data.timezone)" Europe/Berlin "the zone is replaced"
api PATCH "/schedules/$SPARE" "{\"layers\": [{\"start\": 0, \"rotation\": {\"unit\": \"hour\", \"length\": 6}, \"member_ids\": [$G]}]}"
assert_status 200 "new layers"
is "$(jb '.data.layers[0].rotation.length') $(jb '.data.layers[0].member_ids | join(",")')" \
    "6 $G" "the layers are replaced and normalized"
is "$(refs schedule "$SPARE")" "$G" "member_refs follow the layers"

section "schedule refusals"
S="\"name\": \"bad\", \"timezone\": \"UTC\""
# lay JQ_UPDATE: the primary layer changed by a jq expression, as JSON.
lay() { jq -c "$1" <<<"$L_PRIMARY"; }
refuse POST /schedules "{\"name\": \"bad\", \"layers\": [$L_PRIMARY]}" timezone
refuse POST /schedules "{\"name\": \"bad\", \"timezone\": \"Mars/Olympus\", \"layers\": [$L_PRIMARY]}" timezone
refuse POST /schedules "{\"name\": \"bad\", \"timezone\": 8, \"layers\": [$L_PRIMARY]}" timezone
refuse POST /schedules "{$S}" layers
refuse POST /schedules "{$S, \"layers\": []}" layers
refuse POST /schedules "{$S, \"layers\": {}}" layers
refuse POST /schedules "{$S, \"layers\": $(jq -c '[range(11) | .] | map($l)' --argjson l "$L_PRIMARY" <<<null)}" layers
refuse POST /schedules "{$S, \"layers\": [\"primary\"]}" 'layers[0]'
refuse POST /schedules "{$S, \"layers\": [$L_PRIMARY, $(lay '.member_ids = []')]}" 'layers[1].member_ids'
refuse POST /schedules "{$S, \"layers\": [$(lay 'del(.member_ids)')]}" 'layers[0].member_ids'
refuse POST /schedules "{$S, \"layers\": [$(lay '.member_ids = [range(51) | 1]')]}" 'layers[0].member_ids'
refuse POST /schedules "{$S, \"layers\": [$(lay '.member_ids = ["abc"]')]}" 'layers[0].member_ids[0]'
refuse POST /schedules "{$S, \"layers\": [$(lay '.member_ids = [.member_ids[0], "999999"]')]}" \
    'layers[0].member_ids[1]'
has "$(jb .error.message)" 'no member "999999"' "the unknown member is named"
refuse POST /schedules "{$S, \"layers\": [$L_PRIMARY, $(lay '.member_ids = ["999998"]')]}" \
    'layers[1].member_ids[0]'
for v in 0 366 '"1"' 1.5 null; do
    refuse POST /schedules "{$S, \"layers\": [$(lay ".rotation.length = $v")]}" 'layers[0].rotation.length'
done
refuse POST /schedules "{$S, \"layers\": [$(lay '.rotation.unit = "month"')]}" 'layers[0].rotation.unit'
refuse POST /schedules "{$S, \"layers\": [$(lay 'del(.rotation)')]}" 'layers[0].rotation'
refuse POST /schedules "{$S, \"layers\": [$(lay '.rotation.every = 2')]}" every
for v in '"9:00"' '"25:00"' '"0900"' '"08:60"' '""' 8 null; do
    refuse POST /schedules "{$S, \"layers\": [$(lay ".handoff = $v")]}" 'layers[0].handoff'
done
for v in -1 '"1800000000"' 1.5 null 253402300800; do
    refuse POST /schedules "{$S, \"layers\": [$(lay ".start = $v")]}" 'layers[0].start'
done
refuse POST /schedules "{$S, \"layers\": [$(lay '.name = ""')]}" 'layers[0].name'
refuse POST /schedules "{$S, \"layers\": [$(lay ".name = \"$(long 101)\"")]}" 'layers[0].name'
refuse POST /schedules "{$S, \"layers\": [$(lay '.color = "red"')]}" color
for r in '{"days": [0], "start": "09:00", "end": "18:00"}' '{"days": [8], "start": "09:00", "end": "18:00"}' \
    '{"days": "mon", "start": "09:00", "end": "18:00"}'; do
    refuse POST /schedules "{$S, \"layers\": [$(lay ".restrictions = [$r]")]}" 'layers[0].restrictions[0].days'
done
refuse POST /schedules "{$S, \"layers\": [$(lay '.restrictions = [{"start": "9", "end": "18:00"}]')]}" \
    'layers[0].restrictions[0].start'
refuse POST /schedules "{$S, \"layers\": [$(lay '.restrictions = [{"start": "09:00", "end": "24:00"}]')]}" \
    'layers[0].restrictions[0].end'
refuse POST /schedules "{$S, \"layers\": [$(lay '.restrictions = [{"start": "09:00", "end": "18:00", "tz": "UTC"}]')]}" \
    tz
refuse POST /schedules "{$S, \"layers\": [$(lay '.restrictions = [range(15) | {start: "09:00", end: "10:00"}]')]}" \
    'layers[0].restrictions'
refuse POST /schedules "{$S, \"layers\": [$(lay '.restrictions = {}')]}" 'layers[0].restrictions'
refuse POST /schedules "{$S, \"layers\": [$L_PRIMARY], \"owner\": \"x\"}" owner
refuse POST /schedules "{\"timezone\": \"UTC\", \"layers\": [$L_PRIMARY]}" name
refuse POST /schedules "{\"name\": \"\", \"timezone\": \"UTC\", \"layers\": [$L_PRIMARY]}" name
refuse POST /schedules "{\"name\": \"$(long 101)\", \"timezone\": \"UTC\", \"layers\": [$L_PRIMARY]}" name
refuse PATCH "/schedules/$SCHED" '{"timezone": "Nowhere/City"}' timezone
refuse PATCH "/schedules/$SCHED" '{"timezone": null}' timezone
refuse PATCH "/schedules/$SCHED" '{"layers": []}' layers
refuse PATCH "/schedules/$SCHED" "{\"layers\": [$(lay '.handoff = "8"')]}" 'layers[0].handoff'
refuse PATCH "/schedules/$SCHED" "{\"layers\": [$(lay '.member_ids = ["999999"]')]}" 'layers[0].member_ids[0]'
refuse PATCH "/schedules/$SCHED" '{"name": ""}' name
refuse PATCH "/schedules/$SCHED" '{"id": "9"}' '"id"'
before=$(snapshot)
api POST /schedules "{\"name\": \"spare hourly\", \"timezone\": \"UTC\", \"layers\": [$L_PRIMARY]}"
assert_code 409 Conflict
has "$(jb .error.message)" '"spare hourly"' "the conflict names the name"
api PATCH "/schedules/$SPARE" '{"name": "main, UTC"}'
assert_code 409 Conflict
for m in GET PATCH DELETE; do
    api "$m" /schedules/999999 '{"name": "nobody"}'
    assert_code 404 ResourceNotFound
done
for p in oncall shifts ical overrides; do
    api GET "/schedules/999999/$p?since=1&until=2"
    assert_code 404 ResourceNotFound
done
api GET "/schedules/$SCHED/nope"
assert_code 404 RouteNotFound
api GET "/schedules/$SCHED/overrides/1/x"
assert_code 404 RouteNotFound
api GET "/schedules/$SCHED/overrides/abc"
assert_code 404 ResourceNotFound
api PUT "/schedules/$SCHED" '{"name": "x"}'
assert_code 405 MethodNotAllowed
api DELETE /schedules
assert_code 405 MethodNotAllowed
api POST "/schedules/$SCHED/oncall" '{}'
assert_code 405 MethodNotAllowed
api DELETE "/schedules/$SCHED/shifts"
assert_code 405 MethodNotAllowed
api PUT "/schedules/$SCHED/ical" '{}'
assert_code 405 MethodNotAllowed
api PUT "/schedules/$SCHED/overrides" '{}'
assert_code 405 MethodNotAllowed
api DELETE "/schedules/$SCHED/overrides"
assert_code 405 MethodNotAllowed
is "$(snapshot)" "$before" "conflicts, 404s and 405s store nothing"

# ---- overrides ----------------------------------------------------------------------
# Monday D3: B from 10:00 to 14:00, then C (a later override, wins) from
# 13:00 to 15:00; one far away (D20) is created first, to show the order.
section overrides
api POST "/schedules/$SCHED/overrides" "{\"member_id\": \"$D\", \"start\": $(d 20), \"end\": $(d 20 6)}"
assert_status 201 "an override"
O_LATE=$(jb .data.id)
is "$(jb '.data | keys | join(",")')" created_at,end,id,member_id,schedule_id,start "the override's fields"
is "$(jb '[.data.schedule_id, .data.member_id, .data.start, .data.end, .data.created_at] | map(tostring) | join(" ")')" \
    "$SCHED $D $(d 20) $(d 20 6) $(d 0 10)" "the override as given"
api POST "/schedules/$SCHED/overrides" "{\"member_id\": $B, \"start\": $(d 3 10), \"end\": $(d 3 14)}"
assert_status 201
O_B=$(jb .data.id)
is "$(jb .data.member_id)" "$B" "member_id as a string"
api POST "/schedules/$SCHED/overrides" "{\"member_id\": \"$C\", \"start\": $(d 3 13), \"end\": $(d 3 15)}"
assert_status 201
O_C=$(jb .data.id)
api GET "/schedules/$SCHED/overrides"
assert_status 200
is "$(jb '[.data.items[].id] | join(" ")')" "$O_B $O_C $O_LATE" "the list, by start"
api GET "/schedules/$SCHED/overrides/$O_B"
assert_status 200
is "$(jb '.data.id') $(jb .data.start)" "$O_B $(d 3 10)" "one override"
api GET "/schedules/$SPARE/overrides"
is "$(jb '.data.items | tojson')" '[]' "a schedule without overrides"
api GET "/schedules/$SPARE/overrides/$O_B"
assert_code 404 ResourceNotFound

section "override refusals"
OV="/schedules/$SCHED/overrides"
refuse POST "$OV" "{\"start\": $(d 3), \"end\": $(d 4)}" member_id
refuse POST "$OV" "{\"member_id\": 0, \"start\": $(d 3), \"end\": $(d 4)}" member_id
refuse POST "$OV" "{\"member_id\": \"x\", \"start\": $(d 3), \"end\": $(d 4)}" member_id
refuse POST "$OV" "{\"member_id\": \"999999\", \"start\": $(d 3), \"end\": $(d 4)}" member_id
has "$(jb .error.message)" 'no member "999999"' "the unknown member is named"
for v in null -1 '"1800000000"' 1.5 253402300800; do
    refuse POST "$OV" "{\"member_id\": \"$A\", \"start\": $v, \"end\": $(d 4)}" start
done
refuse POST "$OV" "{\"member_id\": \"$A\", \"start\": $(d 3)}" end
refuse POST "$OV" "{\"member_id\": \"$A\", \"start\": $(d 3), \"end\": $(d 3)}" end
refuse POST "$OV" "{\"member_id\": \"$A\", \"start\": $(d 3), \"end\": $(d 2)}" end
refuse POST "$OV" "{\"member_id\": \"$A\", \"start\": $(d 3), \"end\": $(($(d 3) + 366 * DAY + 1))}" end
refuse POST "$OV" "{\"member_id\": \"$A\", \"start\": $(d 3), \"end\": $(d 4), \"note\": \"x\"}" note
refuse POST "$OV" '[]' 'JSON object'
before=$(snapshot)
api POST "/schedules/999999/overrides" "{\"member_id\": \"$A\", \"start\": $(d 3), \"end\": $(d 4)}"
assert_code 404 ResourceNotFound
api DELETE "/schedules/$SCHED/overrides/999999"
assert_code 404 ResourceNotFound
api DELETE "/schedules/$SPARE/overrides/$O_B"
assert_code 404 ResourceNotFound
has "$(jb .error.message)" "has no override" "an override of another schedule is not found"
api PATCH "/schedules/$SCHED/overrides/$O_B" '{}'
assert_code 405 MethodNotAllowed
api POST "/schedules/$SCHED/overrides/$O_B" '{}'
assert_code 405 MethodNotAllowed
is "$(snapshot)" "$before" "nothing stored"
api POST "$OV" "{\"member_id\": \"$A\", \"start\": $(d 300), \"end\": $(($(d 300) + 366 * DAY))}"
assert_status 201 "an override of exactly 366 days"
api DELETE "$OV/$(jb .data.id)"
assert_status 200 "delete an override"
is "$(count "schedule_overrides WHERE start = $(d 300)")" 0 "the row is gone"

# ---- who is on call -----------------------------------------------------------------
section "oncall: weekly rotation and handoff"
oncall_is $(($(d 0 2) - 1)) none/null
api GET "/schedules/$SCHED/oncall?at=$(($(d 0 2) - 1))"
is "$(jb '.data.member_ids | tojson')" '[]' "nobody before the start: member_ids []"
oncall_is "$(d 0 2)" "$A/primary"
oncall_is "$(d 0 8)" "$A/primary"
oncall_is "$(d 1 12)" "$A/primary"
oncall_is $(($(d 7 8) - 1)) "$A/primary"
oncall_is "$(d 7 8)" "$B/primary"
oncall_is "$(d 14 8)" "$C/primary"
oncall_is $(($(d 21 8) - 1)) "$C/primary"
oncall_is "$(d 21 8)" "$A/primary"

section "oncall: restriction window, later layers"
oncall_is "$(d 0 9)" "$D/business"
oncall_is $(($(d 0 18) - 1)) "$D/business"
oncall_is "$(d 0 18)" "$A/primary"
oncall_is "$(d 7 9)" "$D/business"
oncall_is "$(d 7 18)" "$B/primary"
oncall_is "$(d 1 12)" "$A/primary"  # Saturday: no business hours
oncall_is "$(d 1 22)" "$C/night"    # Saturday 22:00: the night layer wins
oncall_is $(($(d 2 2) - 1)) "$C/night"
oncall_is "$(d 2 2)" "$A/primary"   # its window ends Sunday 02:00
oncall_is "$(d 2 22)" "$A/primary"  # not on Sunday night

section "oncall: overrides"
oncall_is "$(d 3 9)" "$D/business"
oncall_is "$(d 3 10)" "$B/override"
oncall_is $(($(d 3 13) - 1)) "$B/override"
oncall_is "$(d 3 13)" "$C/override" # the later override wins
oncall_is $(($(d 3 15) - 1)) "$C/override"
oncall_is "$(d 3 15)" "$D/business"
oncall_is "$(d 20 3)" "$D/override"
at "$(d 3 12)"
api GET "/schedules/$SCHED/oncall"
assert_status 200 "oncall without at"
is "$(jb '.data.member_ids | join(",")') $(jb .data.layer) $(jb .data.at)" \
    "$B override $(d 3 12)" "at defaults to the server clock"
api GET "/schedules/$SCHED/oncall?at="
is "$(jb .data.at)" "$(d 3 12)" "an empty at is now"
refuse_get "/schedules/$SCHED/oncall?at=abc" at
refuse_get "/schedules/$SCHED/oncall?at=-5" at
refuse_get "/schedules/$SCHED/oncall?at=253402300800" at

# ---- shifts -------------------------------------------------------------------------
section "shifts"
shifts_of "$SCHED" "$D0" "$(d 4)"
is "$(compact "$SHIFTS")" "$(printf '%s\n' \
    "$A/primary/$(d 0 2)/$(d 0 9)" \
    "$D/business/$(d 0 9)/$(d 0 18)" \
    "$A/primary/$(d 0 18)/$(d 1 22)" \
    "$C/night/$(d 1 22)/$(d 2 2)" \
    "$A/primary/$(d 2 2)/$(d 3 9)" \
    "$D/business/$(d 3 9)/$(d 3 10)" \
    "$B/override/$(d 3 10)/$(d 3 13)" \
    "$C/override/$(d 3 13)/$(d 3 15)" \
    "$D/business/$(d 3 15)/$(d 3 18)" \
    "$A/primary/$(d 3 18)/$(d 4)")" "the final shifts of the first four days"
is "$(jb '.data.items[0] | keys | join(",")')" end,layer,member_id,start "a shift's fields"
is "$(jb '.data.items[0].member_id | type')" string "member ids are strings"
shifts_of "$SCHED" "$(d 0 12)" "$(d 0 13)"
is "$(compact "$SHIFTS")" "$D/business/$(d 0 12)/$(d 0 13)" "shifts are cut to the span"
shifts_of "$SCHED" "$(d -10)" "$(d 0 2)"
is "$SHIFTS" "[]" "no shifts before the start"

section "shifts agree with oncall"
shifts_of "$SCHED" "$D0" "$(d 14)"
# expect T: "member/layer" of the shift holding T, or none/null.
expect()
{
    jq -r --argjson t "$1" '[.[] | select(.start <= $t and $t < .end)]
        | if length == 0 then "none/null" else "\(.[0].member_id)/\(.[0].layer)" end' <<<"$SHIFTS"
}
samples=$(
    seq "$D0" 7200 $(($(d 14) - 1))
    jq -r '.[] | .start, .end - 1' <<<"$SHIFTS"
)
n=0
for t in $samples; do
    api GET "/schedules/$SCHED/oncall?at=$t"
    is "$(jb '(.data.member_ids[0] // "none") + "/" + (.data.layer // "null")')" "$(expect "$t")" \
        "oncall at $t agrees with the shifts"
    n=$((n + 1))
done
assert_true "sampled at least 200 instants (got $n)" [ "$n" -ge 200 ]
is "$(jq '[range(1; length) as $i | select(.[$i].start < .[$i - 1].end)] | length' <<<"$SHIFTS")" 0 \
    "shifts are in time order and do not overlap"

section "shifts: the 90-day limit"
api GET "/schedules/$SCHED/shifts?since=$D0&until=$((D0 + 90 * DAY))"
assert_status 200 "exactly 90 days"
refuse_get "/schedules/$SCHED/shifts?since=$D0&until=$((D0 + 90 * DAY + 1))" "90 days"
refuse_get "/schedules/$SCHED/shifts?since=$D0&until=$D0" until
refuse_get "/schedules/$SCHED/shifts?since=$D0&until=$((D0 - 1))" until
refuse_get "/schedules/$SCHED/shifts?until=$D0" since
refuse_get "/schedules/$SCHED/shifts?since=$D0" until
refuse_get "/schedules/$SCHED/shifts" since
refuse_get "/schedules/$SCHED/shifts?since=abc&until=$D0" since
refuse_get "/schedules/$SCHED/shifts?since=-1&until=$D0" since
refuse_get "/schedules/$SCHED/shifts?since=$D0&until=1e9" until

# ---- daylight saving ------------------------------------------------------------------
# New York, a daily handoff at 09:00 local: 14:00Z in winter (EST), 13:00Z
# after 2027-03-14 (EDT), 14:00Z again after 2027-11-07.
section "daylight saving"
M10=1804687200 # 2027-03-10 14:00:00 UTC = 09:00 EST
api POST /schedules "{\"name\": \"ny\", \"timezone\": \"America/New_York\",
    \"layers\": [{\"name\": \"daily\", \"start\": $M10, \"rotation\": {\"unit\": \"day\", \"length\": 1},
                  \"handoff\": \"09:00\", \"member_ids\": [\"$A\", \"$B\"]}]}"
assert_status 201 "a New York schedule"
NY=$(jb .data.id)
M12=1804809600 # 2027-03-12 00:00:00 UTC
shifts_of "$NY" "$M12" $((M12 + 5 * DAY))
is "$(compact "$SHIFTS")" "$(printf '%s\n' \
    "$B/daily/$M12/$((M12 + 14 * H))" \
    "$A/daily/$((M12 + 14 * H))/$((M12 + DAY + 14 * H))" \
    "$B/daily/$((M12 + DAY + 14 * H))/$((M12 + 2 * DAY + 13 * H))" \
    "$A/daily/$((M12 + 2 * DAY + 13 * H))/$((M12 + 3 * DAY + 13 * H))" \
    "$B/daily/$((M12 + 3 * DAY + 13 * H))/$((M12 + 4 * DAY + 13 * H))" \
    "$A/daily/$((M12 + 4 * DAY + 13 * H))/$((M12 + 5 * DAY))")" "the shifts across 2027-03-14"
is "$(jq -r '.[1:][] | .start' <<<"$SHIFTS" | while read -r t; do date -u -d "@$t" +%FT%H:%MZ; done | paste -sd' ')" \
    "2027-03-12T14:00Z 2027-03-13T14:00Z 2027-03-14T13:00Z 2027-03-15T13:00Z 2027-03-16T13:00Z" \
    "the UTC handoff moves from 14:00Z to 13:00Z"
is "$(jq '.[2].end - .[2].start' <<<"$SHIFTS")" $((23 * H)) "the shift over the change lasts 23 hours"
api GET "/schedules/$NY/oncall?at=$((M12 + 2 * DAY + 13 * H - 1))"
is "$(jb '.data.member_ids[0]')" "$B" "B until 08:59:59 EDT"
api GET "/schedules/$NY/oncall?at=$((M12 + 2 * DAY + 13 * H))"
is "$(jb '.data.member_ids[0]')" "$A" "A from 09:00 EDT (13:00Z)"
N6=1825459200 # 2027-11-06 00:00:00 UTC
shifts_of "$NY" "$N6" $((N6 + 3 * DAY))
is "$(jq -r '.[1:][] | .start' <<<"$SHIFTS" | while read -r t; do date -u -d "@$t" +%FT%H:%MZ; done | paste -sd' ')" \
    "2027-11-06T13:00Z 2027-11-07T14:00Z 2027-11-08T14:00Z" \
    "back to 14:00Z after 2027-11-07"
is "$(jq '.[1].end - .[1].start' <<<"$SHIFTS")" $((25 * H)) "the shift over the change lasts 25 hours"
is "$(jq -r '[.[].member_id] | join(",")' <<<"$SHIFTS")" "$A,$B,$A,$B" "the members alternate"

# ---- the iCalendar feed -----------------------------------------------------------------
# The feed covers now - 7 days to now + 60 days; parsed here with Python's
# standard library only, it must list exactly the API's shifts.
section ical
NOW=$(d 3 12)
at "$NOW"
http GET "$AH_URL/api/v1/schedules/$SCHED/ical"
assert_code 401 Unauthorized
http GET "$AH_URL/api/v1/schedules/$SCHED/ical" -H "Authorization: Bearer $AH_TOKEN"
assert_status 200 "the feed"
is "$(header Content-Type)" "text/calendar; charset=utf-8" "its content type"
cp "$AH_TMP/h.body" "$AH_TMP/feed.ics"
shifts_of "$SCHED" $((NOW - 7 * DAY)) $((NOW + 60 * DAY))
api GET "/members?limit=500"
NAMES=$(jb '[.data.items[] | {(.id): .name}] | add')
EXPECTED=$(jq -c --argjson names "$NAMES" \
    '[.[] | {start: .start, end: .end, summary: "On call: \($names[.member_id]) (\(.layer))"}]' <<<"$SHIFTS")
REPORT=$(python3 - "$AH_TMP/feed.ics" "$EXPECTED" <<'PY'
import calendar, json, sys, time

raw = open(sys.argv[1], "rb").read()
expected = json.loads(sys.argv[2])
physical = raw.split(b"\r\n")
print("ends_crlf=%d" % raw.endswith(b"\r\n"))
print("bare_lf=%d" % (raw.replace(b"\r\n", b"").count(b"\n") + raw.replace(b"\r\n", b"").count(b"\r")))
print("max_octets=%d" % max(len(l) for l in physical))
print("folded=%d" % sum(1 for l in physical if l[:1] in (b" ", b"\t")))
# Unfold (RFC 5545 3.1): a CRLF followed by one space or tab is removed.
text = raw.decode("utf-8")
lines = [l for l in text.replace("\r\n ", "").replace("\r\n\t", "").split("\r\n") if l]

def unescape(v):
    out, i = [], 0
    while i < len(v):
        if v[i] == "\\" and i + 1 < len(v):
            out.append({"n": "\n", "N": "\n"}.get(v[i + 1], v[i + 1]))
            i += 2
        else:
            out.append(v[i])
            i += 1
    return "".join(out)

def utc(v):
    return calendar.timegm(time.strptime(v, "%Y%m%dT%H%M%SZ"))

cal, events, ev, stack = {}, [], None, []
for l in lines:
    name, _, value = l.partition(":")
    if name == "BEGIN":
        stack.append(value)
        if value == "VEVENT":
            ev = {}
    elif name == "END":
        if stack.pop() == "VEVENT":
            events.append(ev)
            ev = None
    elif ev is not None:
        ev[name] = value
    else:
        cal[name] = value
print("balanced=%d" % (not stack))
print("first=%s last=%s" % (lines[0], lines[-1]))
print("version=%s" % cal.get("VERSION"))
print("calscale=%s" % cal.get("CALSCALE"))
print("prodid=%d" % bool(cal.get("PRODID")))
print("calname=%s" % unescape(cal.get("X-WR-CALNAME", "")))
print("events=%d" % len(events))
got = [{"start": utc(e["DTSTART"]), "end": utc(e["DTEND"]), "summary": unescape(e["SUMMARY"])}
       for e in events]
print("same=%d" % (got == expected))
if got != expected:
    for g, x in zip(got, expected):
        if g != x:
            print("first difference: feed %r, API %r" % (g, x))
            break
uids = [e.get("UID", "") for e in events]
print("uids_unique=%d" % (len(set(uids)) == len(uids)))
print("uids_ok=%d" % all(u.endswith("@alerthub") for u in uids))
print("dtstamps=%s" % ",".join(sorted(set(e.get("DTSTAMP", "") for e in events))))
print("utc_only=%d" % all(e["DTSTART"].endswith("Z") and e["DTEND"].endswith("Z") for e in events))
PY
)
rep() { sed -n "s/^$1=//p" <<<"$REPORT"; }
is "$(rep ends_crlf)" 1 "the feed ends with CRLF"
is "$(rep bare_lf)" 0 "every line ends with CRLF"
assert_true "no line is over 75 octets (longest: $(rep max_octets))" [ "$(rep max_octets)" -le 75 ]
assert_true "long lines are folded (got $(rep folded))" [ "$(rep folded)" -ge 1 ]
is "$(rep balanced)" 1 "BEGIN and END balance"
is "$(sed -n 's/^first=//p' <<<"$REPORT")" "BEGIN:VCALENDAR last=END:VCALENDAR" "one VCALENDAR"
is "$(rep version) $(rep calscale) $(rep prodid)" "2.0 GREGORIAN 1" "VERSION, CALSCALE, PRODID"
is "$(rep calname)" "main, UTC" "X-WR-CALNAME is the schedule's name (escaped, then read back)"
is "$(rep events)" "$(jq length <<<"$SHIFTS")" "one event per shift"
assert_true "the window holds many shifts ($(rep events))" [ "$(rep events)" -ge 20 ]
is "$(rep same)" 1 "the events are the API's shifts: start, end, member name and layer"
grep '^first difference' <<<"$REPORT"
is "$(rep uids_unique) $(rep uids_ok)" "1 1" "UIDs are unique and end in @alerthub"
is "$(rep dtstamps)" "$(date -u -d "@$NOW" +%Y%m%dT%H%M%SZ)" "DTSTAMP is the server clock"
is "$(rep utc_only)" 1 "times are UTC"
assert_true "the override's UID is schedule-start-member@alerthub" \
    grep -q "^UID:$SCHED-$(d 3 10)-$B@alerthub" "$AH_TMP/feed.ics"
has "$(tr -d '\r' <"$AH_TMP/feed.ics")" 'SUMMARY:On call: Dave\; Zoë\, Ångström-Øster \\ the' \
    "TEXT values are escaped"
http GET "$AH_URL/api/v1/schedules/$SCHED/ical" -H "Authorization: Bearer $AH_TOKEN"
is "$H_BODY" "$(cat "$AH_TMP/feed.ics")" "the same feed twice at the same time"

# ---- deleting a member in use ------------------------------------------------------------
section "member delete while in use"
api POST "/schedules/$SCHED/overrides" "{\"member_id\": \"$E\", \"start\": $(d 30), \"end\": $(d 31)}"
assert_status 201 "an override for Erin"
O_E=$(jb .data.id)
has "$(refs schedule "$SCHED")" "$E" "the override's member is in member_refs"
api POST /schedules "{\"name\": \"grace\", \"timezone\": \"UTC\",
    \"layers\": [{\"start\": 0, \"rotation\": {\"unit\": \"week\", \"length\": 2}, \"handoff\": \"10:00\", \"member_ids\": [\"$G\"]}]}"
assert_status 201
GRACE_S=$(jb .data.id)
api PATCH "/schedules/$SPARE" "{\"layers\": [{\"start\": 0, \"rotation\": {\"unit\": \"hour\", \"length\": 6}, \"member_ids\": [$A]}]}"
assert_status 200 "the spare schedule leaves Grace"
before=$(snapshot)
api DELETE "/members/$E"
assert_code 409 ReferenceExist
has "$(jb .error.message)" "in an override of schedule \"$SCHED\" (main, UTC)" \
    "the message names the schedule of the override"
api DELETE "/members/$F"
assert_code 409 ReferenceExist
has "$(jb .error.message)" "in team \"$TEAM\" (ops-primary)" "the message names the team"
api DELETE "/members/$G"
assert_code 409 ReferenceExist
has "$(jb .error.message)" "in a layer of schedule \"$GRACE_S\" (grace)" \
    "the message names the schedule of the layer"
api DELETE "/members/$A"
assert_code 409 ReferenceExist
has "$(jb .error.message)" "other team(s) or schedule(s)" "and how many more use the member"
is "$(snapshot)" "$before" "a refused delete deletes nothing"
api DELETE "$OV/$O_E"
assert_status 200 "the override goes"
is "$(refs schedule "$SCHED")" "$(printf '%s\n' "$A" "$B" "$C" "$D" | sort -n | paste -sd,)" \
    "member_refs drop the override's member, keep the layers' and other overrides'"
api DELETE "/members/$E"
assert_status 200 "then the member is deleted"
api PATCH "/teams/$TEAM" "{\"member_ids\": [\"$A\", \"$C\"]}"
assert_status 200
api DELETE "/members/$F"
assert_status 200 "a member removed from the team is deleted"
api PATCH "/schedules/$GRACE_S" "{\"layers\": [{\"start\": 0, \"rotation\": {\"unit\": \"week\", \"length\": 2}, \"handoff\": \"10:00\", \"member_ids\": [\"$A\"]}]}"
assert_status 200
api DELETE "/members/$G"
assert_status 200 "a member removed from the layers is deleted"
is "$(count "member_refs WHERE member_id IN ($E, $F, $G)")" 0 "no member_refs row names them"
api DELETE "/members/${FILLER[0]}"
assert_status 200 "a member in no team (the team was deleted) is deleted"

# ---- deleting a team or schedule that escalation rules name -------------------------------
section "team and schedule delete while escalation rules name them"
new_channel oncall-esc
ESC_CH=$CH_ID
stop_server
db_write \
    "INSERT INTO escalation_refs(kind, ref_id, channel_id) VALUES ('team', $TEAM, $ESC_CH),
         ('schedule', $SCHED, $ESC_CH), ('member', $EMPTY, $ESC_CH);" ||
    fail "could not insert escalation_refs"
restart_server
at "$NOW"
before=$(snapshot)
api DELETE "/teams/$TEAM"
assert_code 409 ReferenceExist
has "$(jb .error.message)" "team \"$TEAM\" is used by the escalation rules of channel \"$ESC_CH\" (oncall-esc)" \
    "the message names the channel"
api DELETE "/schedules/$SCHED"
assert_code 409 ReferenceExist
has "$(jb .error.message)" "schedule \"$SCHED\" is used by the escalation rules of channel \"$ESC_CH\"" \
    "the message names the channel"
is "$(snapshot)" "$before" "a refused delete deletes nothing"
api GET "/schedules/$SCHED/oncall?at=$(d 3 10)"
is "$(jb '.data.member_ids | join(",")')" "$B" "the schedule still answers"
api DELETE "/teams/$EMPTY"
assert_status 200 "refs of other kinds with the same id do not hold a team"
api DELETE "/schedules/$SPARE"
assert_status 200 "an unreferenced schedule is deleted"
stop_server
db_write \
    "DELETE FROM escalation_refs WHERE kind IN ('team', 'schedule');" ||
    fail "could not delete escalation_refs"
restart_server
api DELETE "/teams/$TEAM"
assert_status 200 "once no rule names it, the team is deleted"
api DELETE "/schedules/$SCHED"
assert_status 200 "and the schedule"
is "$(count "teams WHERE id = $TEAM") $(count "schedules WHERE id = $SCHED")" "0 0" "the rows are gone"
is "$(count "schedule_overrides WHERE schedule_id = $SCHED")" 0 "the overrides went with it"
is "$(count "member_refs WHERE (kind = 'team' AND owner_id = $TEAM) OR (kind = 'schedule' AND owner_id = $SCHED)")" \
    0 "and the member_refs rows"
api GET "/schedules/$SCHED/overrides"
assert_code 404 ResourceNotFound

# ---- after a restart ----------------------------------------------------------------------
section restart
stop_server
restart_server
api GET "/schedules/$NY"
assert_status 200
is "$(jb .data.timezone) $(jb '.data.layers[0].handoff')" "America/New_York 09:00" "schedules survive a restart"
api GET "/schedules/$NY/oncall?at=$((M12 + 2 * DAY + 13 * H))"
is "$(jb '.data.member_ids[0]')" "$A" "and compute as before"
stop_server
finish
