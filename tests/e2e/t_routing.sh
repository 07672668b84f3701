#!/usr/bin/env bash
# t_routing.sh - routing of shared integrations (spec 12, api.md 3 "Routes"):
# GET/PUT /integrations/{id}/routes and its refusals (nothing saved), stop
# versus continue, several channels from one case, one alert per channel
# however many cases name it, the default route only when nothing matched,
# name mapping (existing, missing, renamed, deleted and new channels), the
# refusal of an event that reaches no channel (nothing stored, a batch
# included), channels protected from deletion while routes name them, routes
# removed with their integration, and routes surviving a clean restart and
# kill -9.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 BIN}

EMPTY_ROUTES='{"cases":[],"default":{"channel_ids":[]}}'
declare -A CH # channel name -> id

# ---- route bodies ----------------------------------------------------------

# f_in KEY VALUE...: a filter (one AND group) of one IN condition.
f_in()
{
    local k=$1
    shift
    jq -nc --arg k "$k" '[[{key: $k, oper: "IN", vals: $ARGS.positional}]]' --args "$@"
}

# rcase FILTER FALLTHROUGH CHANNEL_ID...: a standard case. FALLTHROUGH is
# true, false, or - to leave the field out (continue).
rcase()
{
    local f=$1 ft=$2
    shift 2
    jq -nc --argjson f "$f" --arg ft "$ft" '{"if": $f, channel_ids: $ARGS.positional}
        + (if $ft == "-" then {} else {fallthrough: ($ft == "true")} end)' --args "$@"
}

# nmcase FILTER FALLTHROUGH LABEL: a name-mapping case.
nmcase()
{
    jq -nc --argjson f "$1" --arg ft "$2" --arg l "$3" \
        '{"if": $f, routing_mode: "name_mapping", name_mapping_label: $l}
         + (if $ft == "-" then {} else {fallthrough: ($ft == "true")} end)'
}

# routes DEFAULT CASE_JSON...: a routes body. DEFAULT is a comma-separated
# list of channel ids ("" for an empty list, - for no default at all).
routes()
{
    local d=$1
    shift
    jq -nc --arg d "$d" '{cases: [$ARGS.positional[] | fromjson]}
        + (if $d == "-" then {} else {default: {channel_ids: ($d | split(",") | map(select(. != "")))}} end)' \
        --args "$@"
}

# put_routes INTEGRATION_ID JSON: saves routes; the answer is what was saved,
# and so is a following GET.
put_routes()
{
    local want
    want=$(jq -cS . <<<"$2")
    api PUT "/integrations/$1/routes" "$2"
    assert_status 200
    assert_request_id
    assert_eq "PUT answers the routes" "$want" "$(jb .data | jq -cS .)"
    api GET "/integrations/$1/routes"
    assert_status 200
    assert_eq "GET answers the routes saved" "$want" "$(jb .data | jq -cS .)"
}

# routes_are INTEGRATION_ID JSON: GET answers exactly those routes.
routes_are()
{
    api GET "/integrations/$1/routes"
    assert_status 200
    assert_eq "GET /integrations/$1/routes" "$(jq -cS . <<<"$2")" "$(jb .data | jq -cS .)"
}

# ---- pushes and what they stored ------------------------------------------

# event KEY SEVERITY [LABELS_JSON]: a standard event pushed with PUSH_KEY.
event()
{
    local labels=${3:-'{}'}
    push_std "$PUSH_KEY" "$(jq -nc --arg k "$1" --arg s "$2" --argjson l "$labels" \
        '{event_status: $s, title_rule: ("routing " + $k), alert_key: $k, labels: $l}')"
}

# sorted ID...: the ids sorted numerically, comma-separated.
sorted() { printf '%s\n' "$@" | sort -n | paste -sd, -; }

# reached KEY: the channel of every alert with that alert_key, sorted (a
# channel listed twice would be two alerts there).
reached() { db "SELECT channel_id FROM alerts WHERE alert_key = $(sql_str "$1");" | sort -n | paste -sd, -; }

# routes_to DESC KEY SEVERITY LABELS CHANNEL_ID...: the event is accepted and
# makes exactly one alert in each of those channels, none elsewhere, each in
# an incident of its own channel.
routes_to()
{
    local desc=$1 key=$2 sev=$3 labels=$4
    shift 4
    section "$desc"
    event "$key" "$sev" "$labels"
    assert_status 200 "push $key $labels"
    assert_json "$key answer" .data.alert_key "$key"
    assert_eq "$desc: one alert per channel" "$(sorted "$@")" "$(reached "$key")"
    assert_eq "$desc: each alert's incident is in the alert's channel" "$#" \
        "$(db "SELECT count(DISTINCT i.id) FROM alerts a JOIN incidents i ON i.id = a.incident_id
               WHERE a.alert_key = $(sql_str "$key") AND i.channel_id = a.channel_id;")"
}

# refused DESC KEY SEVERITY LABELS: the event reaches no channel: 400
# InvalidParameter "no route matched", and nothing at all is stored.
refused()
{
    local before
    section "$1"
    before=$(db_counts)
    event "$2" "$3" "$4"
    assert_code 400 InvalidParameter
    assert_request_id
    assert_contains "$1: message" "no route matched" "$(jb .error.message)"
    assert_unchanged_counts "$before"
    assert_eq "$1: no alert for $2" "" "$(reached "$2")"
}

# ---- tests -----------------------------------------------------------------

setup()
{
    local n
    section setup
    for n in rt-a rt-b rt-c rt-default payment search; do
        new_channel "$n"
        CH[$n]=$CH_ID
    done
    A=${CH[rt-a]} B=${CH[rt-b]} C=${CH[rt-c]} D=${CH[rt-default]}
    new_integration shared standard
    assert_json "a shared integration has no channel" .data.channel_id null
    SH_ID=$INT_ID SH_KEY=$INT_KEY
    new_integration private standard "$A"
    PR_ID=$INT_ID PR_KEY=$INT_KEY
    new_integration never-routed standard
    NR_ID=$INT_ID NR_KEY=$INT_KEY
    PUSH_KEY=$SH_KEY
}

test_no_routes()
{
    section "a new shared integration has no routes"
    routes_are "$SH_ID" "$EMPTY_ROUTES"
    assert_request_id
    refused "no routes at all: refused" nr-1 Critical '{"svc":"pay"}'
    api GET "/integrations/$SH_ID"
    assert_json "the card counts the refusal" .data.stats.refused_no_route 1
    assert_json "... and no accepted event" .data.stats.events_accepted 0

    section "routes are for shared integrations only"
    api PUT "/integrations/$PR_ID/routes" "$(routes "$B" "$(rcase '[]' - "$C")")"
    assert_code 400 InvalidParameter
    assert_contains "PUT on a private integration: message" shared "$(jb .error.message)"
    routes_are "$PR_ID" "$EMPTY_ROUTES"
    PUSH_KEY=$PR_KEY
    routes_to "a private integration still delivers to its channel" pr-1 Warning '{}' "$A"
    PUSH_KEY=$SH_KEY

    section "a private integration made shared has no routes"
    new_integration turned-shared standard "$A"
    api PATCH "/integrations/$INT_ID" '{"channel_id":null}'
    assert_status 200
    assert_json "channel_id cleared" .data.channel_id null
    PUSH_KEY=$INT_KEY
    refused "made shared, no routes: refused" ts-1 Warning '{}'
    PUSH_KEY=$SH_KEY
}

test_routes_api()
{
    local good desc body needle many wide m
    section "routes endpoint: 404, 405, 401"
    for m in GET PUT; do
        api "$m" /integrations/999999/routes "$EMPTY_ROUTES"
        assert_code 404 ResourceNotFound
    done
    for m in POST DELETE PATCH; do
        api "$m" "/integrations/$SH_ID/routes" "$EMPTY_ROUTES"
        assert_code 405 MethodNotAllowed
    done
    http PUT "$AH_URL/api/v1/integrations/$SH_ID/routes" -H 'Content-Type: application/json' \
        --data-binary "$(routes "$D")"
    assert_code 401 Unauthorized
    routes_are "$SH_ID" "$EMPTY_ROUTES"

    section "routes saved"
    new_channel rt-tmp
    TMP=$CH_ID
    good=$(routes "$D" "$(rcase "$(f_in labels.svc v)" - "$A")")
    put_routes "$SH_ID" "$good"

    many=$(jq -nc --arg a "$TMP" '{cases: [range(201) | {channel_ids: [$a]}]}')
    wide=$(jq -nc --arg a "$TMP" '{cases: [{channel_ids: [range(51) | $a]}]}')
    # desc | body | a word the error message must hold
    while IFS='|' read -r desc body needle; do
        section "routes refused: $desc"
        api PUT "/integrations/$SH_ID/routes" "$body"
        assert_code 400 InvalidParameter
        assert_request_id
        assert_contains "$desc: message names the fault" "$needle" "$(jb .error.message)"
        routes_are "$SH_ID" "$good"
        # A wrongly accepted body is replaced, so that the next cases stand alone.
        [ "$H_STATUS" = 200 ] && api PUT "/integrations/$SH_ID/routes" "$good"
    done <<EOF
unknown channel in a case|{"cases":[{"channel_ids":["$TMP","999999"]}],"default":{"channel_ids":["$TMP"]}}|999999
unknown channel in the default|{"cases":[{"channel_ids":["$TMP"]}],"default":{"channel_ids":["999998"]}}|999998
invalid regex|{"cases":[{"if":[[{"key":"title","oper":"IN","vals":["/(/"]}]],"channel_ids":["$TMP"]}]}|/(/
unknown operator|{"cases":[{"if":[[{"key":"title","oper":"EQ","vals":["x"]}]],"channel_ids":["$TMP"]}]}|EQ
unknown key|{"cases":[{"if":[[{"key":"nosuchkey","oper":"IN","vals":["x"]}]],"channel_ids":["$TMP"]}]}|nosuchkey
AND list instead of OR of AND groups|{"cases":[{"if":[{"key":"title","oper":"IN","vals":["x"]}],"channel_ids":["$TMP"]}]}|filter
fallthrough not a boolean|{"cases":[{"channel_ids":["$TMP"],"fallthrough":"no"}]}|fallthrough
unknown routing_mode|{"cases":[{"channel_ids":["$TMP"],"routing_mode":"broadcast"}]}|routing_mode
routing_mode not a string|{"cases":[{"channel_ids":["$TMP"],"routing_mode":5}]}|routing_mode
name_mapping without a label|{"cases":[{"routing_mode":"name_mapping"}]}|name_mapping_label
name_mapping with an empty label|{"cases":[{"routing_mode":"name_mapping","name_mapping_label":""}]}|name_mapping_label
standard case without channels|{"cases":[{"if":[]}]}|channel_ids
standard case with no channel|{"cases":[{"channel_ids":[]}]}|channel_ids
channel_ids not an array|{"cases":[{"channel_ids":"$TMP"}]}|channel_ids
channel id not a number|{"cases":[{"channel_ids":["abc"]}]}|channel_ids
channel id 0|{"cases":[{"channel_ids":["0"]}]}|channel_ids
51 channels in one case|$wide|50
201 cases|$many|200
cases not an array|{"cases":{"channel_ids":["$TMP"]}}|cases
case not an object|{"cases":["$TMP"]}|cases[0]
default not an object|{"cases":[],"default":5}|default
default.channel_ids not an array|{"cases":[],"default":{"channel_ids":"$TMP"}}|default
body an array|[]|object
malformed JSON|{"cases":[|JSON
EOF

    section "refused routes saved nothing"
    routes_to "the routes before the refusals still apply" val-1 Info '{"svc":"v"}' "$A"
    routes_to "... and their default" val-2 Info '{"svc":"w"}' "$D"
    api DELETE "/channels/$TMP"
    assert_status 200 "a channel named only by refused routes can be deleted"
}

test_stop_continue()
{
    local pay web
    pay=$(f_in labels.svc pay)
    put_routes "$SH_ID" "$(routes "$D" \
        "$(rcase "$pay" - "$A")" \
        "$(rcase "$(f_in severity Critical)" false "$B")" \
        "$(rcase "$pay" true "$C")")"
    routes_to "continue (the default): cases 1 and 3 match" sc-1 Warning '{"svc":"pay"}' "$A" "$C"
    routes_to "stop after case 2: case 3 not evaluated" sc-2 Critical '{"svc":"pay"}' "$A" "$B"
    routes_to "nothing matched: the default" sc-3 Info '{"svc":"web"}' "$D"
    routes_to "no labels, nothing matched: the default" sc-4 Warning '{}' "$D"

    section "the default is not used when a case matched"
    # Older Flashduty docs: the default always matches; we follow the newer
    # ones (spec 14): only when no case matched, stop or continue.
    routes_to "default not added to a stopping match" sc-5 Critical '{"svc":"web"}' "$B"
    routes_to "default not added to a continuing match" sc-6 Warning '{"svc":"pay"}' "$A" "$C"

    put_routes "$SH_ID" "$(routes "$D" \
        "$(rcase "$pay" false "$A")" \
        "$(rcase "$(f_in severity Critical)" false "$B")")"
    routes_to "stop on the first case" sc-7 Critical '{"svc":"pay"}' "$A"
    routes_to "first case skipped, stop on the second" sc-8 Critical '{"svc":"web"}' "$B"
    web=$(jq -nc '[[{key: "labels.svc", oper: "IN", vals: ["web"]}], [{key: "severity", oper: "IN", vals: ["Info"]}]]')
    put_routes "$SH_ID" "$(routes "$D" "$(rcase "$web" - "$C")")"
    routes_to "OR of AND groups: first group" sc-9 Warning '{"svc":"web"}' "$C"
    routes_to "OR of AND groups: second group" sc-10 Info '{"svc":"pay"}' "$C"
    routes_to "OR of AND groups: neither" sc-11 Warning '{"svc":"pay"}' "$D"
}

test_several_channels()
{
    local multi
    put_routes "$SH_ID" "$(routes "$D" \
        "$(rcase "$(f_in labels.svc multi)" - "$A" "$B")" \
        "$(rcase "$(f_in labels.svc multi dup)" - "$B" "$C")" \
        "$(rcase "$(f_in labels.svc dup)" - "$C" "$C")")"
    routes_to "one case, two channels; a channel named by two cases gets one alert" \
        md-1 Warning '{"svc":"multi"}' "$A" "$B" "$C"
    routes_to "a channel named twice, in one case and across cases: one alert" \
        md-2 Warning '{"svc":"dup"}' "$B" "$C"

    section "a second event merges into the alert of each channel"
    multi='{"svc":"multi"}'
    event md-1 Critical "$multi"
    assert_status 200
    assert_eq "still one alert per channel" "$(sorted "$A" "$B" "$C")" "$(reached md-1)"
    assert_eq "each alert has both events" "2 2 2" \
        "$(db "SELECT event_count FROM alerts WHERE alert_key = 'md-1';" | paste -sd' ' -)"

    section "Ok recovers the alert in every channel"
    event md-1 Ok "$multi"
    assert_status 200
    assert_eq "every alert of md-1 recovered" 3 \
        "$(db "SELECT count(*) FROM alerts WHERE alert_key = 'md-1' AND end_time > 0;")"
}

test_name_mapping()
{
    local team any
    team=$(f_in labels.team '*')
    put_routes "$SH_ID" "$(routes "$D" "$(nmcase "$team" false team)")"
    routes_to "name mapping: team=payment" nm-1 Warning '{"team":"payment"}' "${CH[payment]}"
    routes_to "name mapping: team=search" nm-2 Warning '{"team":"search"}' "${CH[search]}"
    routes_to "name mapping: team=rt-b" nm-3 Warning '{"team":"rt-b"}' "$B"
    routes_to "name mapping to a missing name: the default" nm-4 Warning '{"team":"nosuch"}' "$D"
    routes_to "name mapping is case-sensitive" nm-5 Warning '{"team":"Payment"}' "$D"
    routes_to "no team label: case not matched, the default" nm-6 Warning '{"svc":"x"}' "$D"

    section "name mapping beside a standard case"
    put_routes "$SH_ID" "$(routes "$D" "$(nmcase "$team" - team)" \
        "$(rcase "$(f_in labels.svc also)" - "$A")")"
    routes_to "both cases deliver" nm-7 Warning '{"team":"payment","svc":"also"}' \
        "${CH[payment]}" "$A"
    routes_to "missing name, standard case delivers: no default" nm-8 Warning \
        '{"team":"nosuch","svc":"also"}' "$A"
    routes_to "matched but no channel: the default" nm-9 Warning '{"team":"nosuch"}' "$D"
    routes_to "mapped name equal to the standard case's channel: one alert" nm-10 Warning \
        '{"team":"rt-a","svc":"also"}' "$A"

    section "name mapping follows renames, deletes and new channels"
    api PATCH "/channels/${CH[search]}" '{"name":"search-2"}'
    assert_status 200
    routes_to "renamed channel under its new name" nm-11 Warning '{"team":"search-2"}' "${CH[search]}"
    routes_to "renamed channel's old name: the default" nm-12 Warning '{"team":"search"}' "$D"
    api DELETE "/channels/${CH[payment]}"
    assert_status 200 "a channel reached only by name mapping can be deleted"
    routes_to "deleted channel's name: the default" nm-13 Warning '{"team":"payment"}' "$D"
    api PATCH "/channels/$C" '{"name":"rt-b"}'
    assert_code 409 Conflict
    api POST /channels '{"name":"rt-b"}'
    assert_code 409 Conflict
    routes_to "refused rename and create leave rt-b mapped" nm-13a Warning '{"team":"rt-b"}' "$B"
    routes_to "refused rename leaves rt-c mapped" nm-13b Warning '{"team":"rt-c"}' "$C"
    new_channel late
    CH[late]=$CH_ID
    routes_to "channel created after the routes" nm-14 Warning '{"team":"late"}' "${CH[late]}"

    section "name mapping without a default"
    any=$(nmcase '[]' - team)
    put_routes "$SH_ID" "$(routes - "$any")"
    routes_to "no filter matches all: mapped" nm-15 Info '{"team":"late"}' "${CH[late]}"
    refused "missing name and no default: refused" nm-16 Info '{"team":"nosuch"}'
    refused "no label and no default: refused" nm-17 Info '{}'
}

test_no_route()
{
    local before
    put_routes "$SH_ID" "$(routes - "$(rcase "$(f_in labels.svc x)" - "$A")")"
    refused "routes without a default, nothing matched: refused" nd-1 Critical '{"svc":"y"}'
    routes_to "routes without a default, a case matched" nd-2 Critical '{"svc":"x"}' "$A"
    put_routes "$SH_ID" "$(routes "" "$(rcase "$(f_in labels.svc x)" - "$A")")"
    refused "an empty default, nothing matched: refused" nd-3 Critical '{"svc":"y"}'
    put_routes "$SH_ID" "$EMPTY_ROUTES"
    refused "routes reset to empty: refused" nd-4 Critical '{"svc":"x"}'

    section "a batch with one unrouted event is refused whole"
    new_integration am-shared alertmanager
    AM_ID=$INT_ID AM_KEY=$INT_KEY
    put_routes "$AM_ID" "$(routes - "$(rcase "$(f_in labels.service api)" - "$B")")"
    # alerts_body SERVICE1 SERVICE2: an Alertmanager notification of two alerts.
    alerts_body()
    {
        jq -nc --arg s1 "$1" --arg s2 "$2" '{version: "4", status: "firing", receiver: "r",
            groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: "http://am",
            alerts: [[$s1, "f1"], [$s2, "f2"]] | map({status: "firing",
                labels: {alertname: "Batch", service: .[0], instance: .[1]},
                annotations: {summary: "batch"}, startsAt: "2026-01-01T00:00:00Z",
                endsAt: "0001-01-01T00:00:00Z", fingerprint: ("00000000000000" + .[1])})}'
    }
    before=$(db_counts)
    push alertmanager "$AM_KEY" "$(alerts_body api db)"
    assert_code 400 InvalidParameter
    assert_contains "batch refusal message" "no route matched" "$(jb .error.message)"
    assert_unchanged_counts "$before"
    push alertmanager "$AM_KEY" "$(alerts_body api api)"
    assert_status 200 "batch of two routed alerts"
    assert_eq "both alerts in rt-b" "2 $B" \
        "$(db "SELECT count(*) || ' ' || group_concat(DISTINCT channel_id) FROM alerts
               WHERE integration_id = $AM_ID;")"
}

test_delete_protection()
{
    local n sh2 sh3 sh3_key
    section "delete protection: setup"
    for n in del-1 del-2 del-3 del-4; do
        new_channel "$n"
        CH[$n]=$CH_ID
    done
    new_integration shared-2 standard
    sh2=$INT_ID
    new_integration shared-3 standard
    sh3=$INT_ID sh3_key=$INT_KEY
    put_routes "$sh2" "$(routes "${CH[del-2]}" "$(rcase "$(f_in labels.svc x)" - "${CH[del-1]}")")"

    section "a channel named by a case or a default cannot be deleted"
    for n in del-1 del-2; do
        api DELETE "/channels/${CH[$n]}"
        assert_code 409 ReferenceExist
        assert_request_id
        api GET "/channels/${CH[$n]}"
        assert_status 200 "$n kept after the refused delete"
    done

    section "a refused PUT keeps the references"
    api PUT "/integrations/$sh2/routes" "$(routes "${CH[del-3]}" "$(rcase '[]' - 999999)")"
    assert_code 400 InvalidParameter
    api DELETE "/channels/${CH[del-1]}"
    assert_code 409 ReferenceExist

    section "routes changed to not name a channel: it can be deleted"
    put_routes "$sh2" "$(routes "${CH[del-2]}" "$(rcase '[]' - "${CH[del-3]}")")"
    api DELETE "/channels/${CH[del-1]}"
    assert_status 200 "delete del-1 after the routes dropped it"
    api DELETE "/channels/${CH[del-2]}"
    assert_code 409 ReferenceExist
    PUSH_KEY=$sh3_key
    put_routes "$sh3" "$(routes "${CH[del-3]}")"
    routes_to "a default-only route" del-ev-1 Info '{}' "${CH[del-3]}"
    PUSH_KEY=$SH_KEY

    section "a channel named by two integrations' routes"
    put_routes "$sh2" "$(routes "${CH[del-4]}")"
    api DELETE "/channels/${CH[del-2]}"
    assert_status 200 "del-2 no longer named"
    api DELETE "/channels/${CH[del-3]}"
    assert_code 409 ReferenceExist

    section "deleting an integration removes its routes"
    api DELETE "/integrations/$sh3"
    assert_status 200
    api GET "/integrations/$sh3/routes"
    assert_code 404 ResourceNotFound
    api DELETE "/channels/${CH[del-3]}"
    assert_status 200 "del-3 free once shared-3 is deleted"
    api DELETE "/channels/${CH[del-4]}"
    assert_code 409 ReferenceExist
    api DELETE "/integrations/$sh2"
    assert_status 200
    api DELETE "/channels/${CH[del-4]}"
    assert_status 200 "del-4 free once shared-2 is deleted"
}

# One event reaching more channels than one case may name (50): every
# channel gets its alert, or the routes are refused when saved; never a 200
# that silently leaves a channel out.
test_many_channels()
{
    local ids=() i first before
    section "an event reaching 51 channels"
    for i in $(seq 51); do
        new_channel "wide-$i"
        ids+=("$CH_ID")
    done
    new_integration wide standard
    PUSH_KEY=$INT_KEY
    first=$(rcase '[]' - "${ids[@]:0:50}")
    api PUT "/integrations/$INT_ID/routes" "$(routes - "$first" "$(rcase '[]' - "${ids[50]}")")"
    if [ "$H_STATUS" = 400 ]; then
        assert_code 400 InvalidParameter
    else
        assert_status 200
        before=$(db_counts)
        event wide-1 Warning '{}'
        if [ "$H_STATUS" = 400 ]; then
            assert_code 400 InvalidParameter
            assert_unchanged_counts "$before"
        else
            assert_status 200
            assert_eq "51 channels reached: one alert in each" "$(sorted "${ids[@]}")" \
                "$(reached wide-1)"
        fi
    fi
    PUSH_KEY=$SH_KEY
}

test_restart()
{
    local r1 r2 pay
    section "routes before a restart"
    pay=$(f_in labels.svc pay)
    r1=$(routes "$D" "$(rcase "$pay" - "$A")" "$(rcase "$(f_in severity Critical)" false "$B")" \
        "$(nmcase "$(f_in labels.team '*')" - team)")
    put_routes "$SH_ID" "$r1"
    routes_to "before restart: continue then stop" rs-1 Critical '{"svc":"pay"}' "$A" "$B"

    stop_server
    restart_server
    section "after a clean restart"
    routes_are "$SH_ID" "$r1"
    routes_to "after restart: continue then stop" rs-2 Critical '{"svc":"pay"}' "$A" "$B"
    routes_to "after restart: continue into name mapping" rs-3 Warning \
        '{"svc":"pay","team":"search-2"}' "$A" "${CH[search]}"
    routes_to "after restart: name mapping of a channel made later" rs-4 Info \
        '{"team":"late"}' "${CH[late]}"
    routes_to "after restart: renamed channel's old name" rs-5 Info '{"team":"search"}' "$D"
    routes_to "after restart: the default" rs-6 Info '{}' "$D"
    api DELETE "/channels/$D"
    assert_code 409 ReferenceExist
    PUSH_KEY=$NR_KEY
    refused "after restart: never-routed integration still refused" rs-7 Info '{}'
    PUSH_KEY=$SH_KEY
    routes_are "$NR_ID" "$EMPTY_ROUTES"

    section "routes saved just before kill -9"
    r2=$(routes "$C")
    put_routes "$SH_ID" "$r2"
    kill9_server
    restart_server
    routes_are "$SH_ID" "$r2"
    routes_to "after kill -9: the routes last saved" rs-8 Critical '{"svc":"pay"}' "$C"
    api DELETE "/channels/$D"
    assert_status 200 "rt-default no longer named after kill -9 and restart"
}

start_server "$BIN"
setup
test_no_routes
test_routes_api
test_stop_continue
test_several_channels
test_name_mapping
test_no_route
test_delete_protection
test_many_channels
test_restart
stop_server
finish
