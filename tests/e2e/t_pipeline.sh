#!/usr/bin/env bash
# t_pipeline.sh - the alert processing pipeline of integrations (spec 7.2;
# docs/integration-layer.md section 3): GET/PUT /integrations/{id}/pipeline
# and its refusals (nothing saved, nothing installed); the seed's
# severity_reset; title and description templates and rules chaining; alert_drop
# (answered 200, nothing stored, counted as dropped, later rules irrelevant);
# Ok events skipping the pipeline; alert_inhibit (equal values, missing
# values, the 600 s window, refresh by identical and merged events, recovered
# and closed sources, acknowledged sources, no self-inhibition, sources of
# the same integration only, source before target within one request);
# status "disabled"; the order enrichment -> pipeline -> routing on a shared
# integration; pipelines and their inhibit sources surviving a clean restart
# and kill -9.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 BIN}

EMPTY_PIPE='{"rules":[],"status":"enabled"}'
# High rate limits: the limiter runs on the real clock, and some sections
# push many events to one integration within a second.
FAST='{"rate_limit_per_sec":100000,"rate_limit_per_min":1000000}'

# ---- rule bodies -------------------------------------------------------------

# f_in KEY VALUE...: a filter (one AND group) of one IN condition.
f_in()
{
    local k=$1
    shift
    jq -nc --arg k "$k" '[[{key: $k, oper: "IN", vals: $ARGS.positional}]]' --args "$@"
}

# f_and FILTER...: one AND group of the first group of every FILTER.
f_and() { jq -nc '[[$ARGS.positional[] | fromjson | .[0][]]]' --args "$@"; }

# f_or FILTER...: the OR of the groups of every FILTER.
f_or() { jq -nc '[$ARGS.positional[] | fromjson | .[]]' --args "$@"; }

# rule KIND SETTINGS_JSON [IF_FILTER]: one pipeline rule ("-" or "" SETTINGS:
# none; no IF: every event).
rule()
{
    jq -nc --arg k "$1" --arg s "${2:--}" --arg f "${3-}" \
        '{kind: $k}
         + (if $f == "" then {} else {"if": ($f | fromjson)} end)
         + (if $s == "-" then {} else {settings: ($s | fromjson)} end)'
}

r_sev() { rule severity_reset "$(jq -nc --arg v "$1" '{severity: $v}')" "${2-}"; }
r_title() { rule title_reset "$(jq -nc --arg v "$1" '{title: $v}')" "${2-}"; }
r_desc() { rule description_reset "$(jq -nc --arg v "$1" '{description: $v}')" "${2-}"; }
r_drop() { rule alert_drop - "${1-}"; }

# r_inhibit IF SOURCE_FILTERS EQUALS_KEY...
r_inhibit()
{
    local f=$1 src=$2
    shift 2
    rule alert_inhibit "$(jq -nc --argjson s "$src" '{source_filters: $s, equals: $ARGS.positional}' \
        --args "$@")" "$f"
}

# pipe STATUS RULE_JSON...: a pipeline body; STATUS - leaves status out.
pipe()
{
    local st=$1
    shift
    jq -nc --arg st "$st" '(if $st == "-" then {} else {status: $st} end)
        + {rules: [$ARGS.positional[] | fromjson]}' --args "$@"
}

# canon JSON: what the server answers for a saved body (status defaults to
# enabled), sorted for comparison.
canon() { jq -cS '{status: (.status // "enabled")} + {rules: .rules}' <<<"$1"; }

# jbs FILTER: FILTER of the last body, compact with sorted keys.
jbs() { printf '%s' "$H_BODY" | jq -cS "$1" 2>/dev/null; }

# put_pipe INTEGRATION_ID JSON: saves a pipeline; the answer, a following GET
# and the stored column are that pipeline. Sets PIPE_C (its canonical form).
put_pipe()
{
    PIPE_C=$(canon "$2")
    api PUT "/integrations/$1/pipeline" "$2"
    assert_status 200
    assert_request_id
    assert_eq "PUT answers the pipeline saved" "$PIPE_C" "$(jbs .data)"
    pipe_is "$1" "$PIPE_C"
    assert_eq "integrations.pipeline holds it" "$PIPE_C" \
        "$(db "SELECT pipeline FROM integrations WHERE id = $1;" | jq -cS .)"
}

# pipe_is INTEGRATION_ID CANONICAL_JSON: GET answers exactly that pipeline.
pipe_is()
{
    api GET "/integrations/$1/pipeline"
    assert_status 200
    assert_eq "GET /integrations/$1/pipeline" "$2" "$(jbs .data)"
}

# refused DESC NEEDLE JSON: PUT on PIPE_ID answers 400 InvalidParameter whose
# message contains NEEDLE, and the saved pipeline is still SEED_C.
refused()
{
    api PUT "/integrations/$PIPE_ID/pipeline" "$3"
    assert_code 400 InvalidParameter
    assert_contains "$1: message" "$2" "$(jb .error.message)"
    pipe_is "$PIPE_ID" "$SEED_C"
}

# ---- integrations, pushes and what they stored ------------------------------

# pipe_channel NAME: a channel with a private standard integration; sets CH,
# IID and IKEY.
pipe_channel()
{
    new_channel "$1"
    CH=$CH_ID
    new_integration "$1-std" standard "$CH" "$FAST"
    IID=$INT_ID IKEY=$INT_KEY
}

# istat INTEGRATION_ID NAME: a counter of the integration card.
istat()
{
    api GET "/integrations/$1"
    jb ".data.stats.$2"
}

# stats3 INTEGRATION_ID: "accepted dropped inhibited".
stats3()
{
    api GET "/integrations/$1"
    jb '.data.stats | "\(.events_accepted) \(.events_dropped) \(.events_inhibited)"'
}

# alert_row KEY: the newest alert with that key (what a held-back event must
# not change).
alert_row()
{
    db "SELECT id, title, description, severity, status, event_count, last_time, end_time
        FROM alerts WHERE alert_key = $(sql_str "$1") ORDER BY id DESC LIMIT 1;"
}

# col KEY COLUMN: a column of the newest alert with that key.
col() { db "SELECT $2 FROM alerts WHERE alert_key = $(sql_str "$1") ORDER BY id DESC LIMIT 1;"; }

# inc_col KEY COLUMN: a column of the incident of the newest alert with that key.
inc_col()
{
    db "SELECT i.$2 FROM incidents i JOIN alerts a ON a.incident_id = i.id
        WHERE a.alert_key = $(sql_str "$1") ORDER BY a.id DESC LIMIT 1;"
}

# last_event KEY COLUMNS: columns of the newest event with that key.
last_event() { db "SELECT $2 FROM events WHERE alert_key = $(sql_str "$1") ORDER BY id DESC LIMIT 1;"; }

# held_back DESC HOW STATUS TITLE KEY [DESCRIPTION] [LABELS]: the push (with
# IKEY, counted on IID) is answered 200 with its key, stores nothing (no
# event, alert or incident; an open alert with the key is unchanged), and is
# counted once under HOW (dropped or inhibited), not as accepted.
held_back()
{
    local desc=$1 how=$2 before row s0 a d i
    shift 2
    before=$(db_counts)
    row=$(alert_row "$3")
    s0=$(stats3 "$IID")
    push_std "$IKEY" "$(ev "$@")"
    assert_status 200 "$desc: push"
    assert_json "$desc: the answer names the key" .data.alert_key "$3"
    assert_unchanged_counts "$before"
    assert_eq "$desc: alert $3 unchanged" "$row" "$(alert_row "$3")"
    read -r a d i <<<"$s0"
    case $how in
    dropped) d=$((d + 1)) ;;
    inhibited) i=$((i + 1)) ;;
    *) fail "held_back: bad HOW $how" ;;
    esac
    assert_eq "$desc: counted as $how (accepted dropped inhibited)" "$a $d $i" "$(stats3 "$IID")"
}

# kept DESC STATUS TITLE KEY [DESCRIPTION] [LABELS]: the push (IKEY) stores
# exactly one event, its alert is open, and the card counts it as accepted.
kept()
{
    local desc=$1 n0 s0 a d i
    shift
    n0=$(events_for "$3")
    s0=$(stats3 "$IID")
    send "$@"
    assert_eq "$desc: one event stored for $3" $((n0 + 1)) "$(events_for "$3")"
    assert_eq "$desc: alert $3 is open" "0 0" "$(col "$3" "end_time || ' ' || close_time")"
    read -r a d i <<<"$s0"
    assert_eq "$desc: counted as accepted" "$((a + 1)) $d $i" "$(stats3 "$IID")"
}

# ---- 1 and 9: the endpoint ---------------------------------------------------

SEED=''

test_api()
{
    local pay warn m many inh long drop='{"kind":"alert_drop"}'
    section "GET before any PUT"
    pipe_channel p-api
    PIPE_ID=$IID
    pipe_is "$IID" "$EMPTY_PIPE"
    assert_request_id
    assert_eq "nothing stored yet" "" "$(db "SELECT pipeline FROM integrations WHERE id = $IID;")"

    section "PUT saves, GET answers it"
    pay=$(f_in labels.service payment)
    warn=$(f_in severity Warning)
    SEED=$(pipe enabled "$(r_sev Critical "$(f_and "$pay" "$warn")")")
    put_pipe "$IID" "$SEED"
    put_pipe "$IID" "$(pipe - "$(r_title "[TPL]{{.Labels.service}}: {{.Title}}")")"
    assert_json "status left out: saved as enabled" .data.status enabled
    put_pipe "$IID" "$(pipe disabled "$(r_drop)")"
    put_pipe "$IID" "$(pipe enabled)"
    pipe_is "$IID" "$EMPTY_PIPE"
    put_pipe "$IID" "$SEED"
    SEED_C=$PIPE_C

    section "PUT refusals"
    long=$(printf 'x%.0s' {1..4097})
    refused "unknown kind" "rules[1].kind" "{\"rules\":[$drop,{\"kind\":\"severity_rest\"}]}"
    refused "kind missing" "rules[0]" '{"rules":[{"settings":{}}]}'
    refused "rule not an object" "rules[0]" '{"rules":["alert_drop"]}'
    refused "settings not an object" "rules[0]" '{"rules":[{"kind":"alert_drop","settings":"x"}]}'
    refused "severity in lower case" "rules[0].severity" \
        '{"rules":[{"kind":"severity_reset","settings":{"severity":"critical"}}]}'
    refused "severity Ok" "rules[0].severity" \
        '{"rules":[{"kind":"severity_reset","settings":{"severity":"Ok"}}]}'
    refused "severity missing" "rules[0].severity" '{"rules":[{"kind":"severity_reset","settings":{}}]}'
    refused "empty title template" "rules[0].title" \
        '{"rules":[{"kind":"title_reset","settings":{"title":""}}]}'
    refused "title missing" "rules[0].title" '{"rules":[{"kind":"title_reset","settings":{}}]}'
    refused "title not a string" "rules[0].title" '{"rules":[{"kind":"title_reset","settings":{"title":5}}]}'
    refused "title over 4096 bytes" "rules[0].title" \
        "{\"rules\":[{\"kind\":\"title_reset\",\"settings\":{\"title\":\"$long\"}}]}"
    refused "empty description template" "rules[0].description" \
        '{"rules":[{"kind":"description_reset","settings":{"description":""}}]}'
    refused "unknown key in if" "rules[0].if" \
        '{"rules":[{"kind":"alert_drop","if":[[{"key":"bogus","oper":"IN","vals":["x"]}]]}]}'
    refused "unknown operator in if" "LIKE" \
        '{"rules":[{"kind":"alert_drop","if":[[{"key":"title","oper":"LIKE","vals":["x"]}]]}]}'
    refused "if not OR-of-AND" "group" \
        '{"rules":[{"kind":"alert_drop","if":[{"key":"title","oper":"IN","vals":["x"]}]}]}'
    refused "bad regex in if" "regex" \
        '{"rules":[{"kind":"alert_drop","if":[[{"key":"title","oper":"IN","vals":["/(/"]}]]}]}'
    refused "a bad filter names its rule" 'rules[1].if: filter group 1 condition 1: unrecognized key "nope"' \
        "{\"rules\":[$drop,{\"kind\":\"alert_drop\",\"if\":[[{\"key\":\"nope\",\"oper\":\"IN\",\"vals\":[\"x\"]}]]}]}"
    refused "alert_inhibit without settings" "rules[0]" '{"rules":[{"kind":"alert_inhibit"}]}'
    refused "alert_inhibit without source_filters" "rules[0].source_filters" \
        '{"rules":[{"kind":"alert_inhibit","settings":{"equals":["labels.host"]}}]}'
    refused "alert_inhibit without equals" "rules[0].equals" \
        '{"rules":[{"kind":"alert_inhibit","settings":{"source_filters":[]}}]}'
    refused "alert_inhibit with empty equals" "rules[0].equals" \
        '{"rules":[{"kind":"alert_inhibit","settings":{"source_filters":[],"equals":[]}}]}'
    refused "alert_inhibit with a bad equals key" "rules[0].equals[0]" \
        '{"rules":[{"kind":"alert_inhibit","settings":{"source_filters":[],"equals":["hostname"]}}]}'
    refused "alert_inhibit with bad source_filters" "rules[0].source_filters" \
        '{"rules":[{"kind":"alert_inhibit","settings":{"source_filters":[[{"key":"bogus","oper":"IN","vals":["x"]}]],"equals":["labels.host"]}}]}'
    many=$(jq -nc '{status: "enabled", rules: [range(51) | {kind: "severity_reset",
        "if": [[{key: "title", oper: "IN", vals: ["t\(.)"]}]], settings: {severity: "Info"}}]}')
    refused "51 rules" "at most 50" "$many"
    inh=$(jq -nc '{rules: [range(11) | {kind: "alert_inhibit",
        settings: {source_filters: [[{key: "labels.n", oper: "IN", vals: ["n\(.)"]}]], equals: ["labels.host"]}}]}')
    refused "11 alert_inhibit rules" "at most 10" "$inh"
    refused "status maybe" "status" "{\"status\":\"maybe\",\"rules\":[$drop]}"
    refused "status not a string" "status" '{"status":true,"rules":[]}'
    refused "rules missing" "rules" '{"status":"enabled"}'
    refused "rules not an array" "rules" '{"rules":{}}'
    refused "body an array" "object" '[]'
    refused "body not JSON" "JSON" '{"rules":['

    section "refused PUTs installed nothing"
    # A refused pipeline that would drop everything must not drop anything.
    refused "drop-all then a bad rule" "rules[1].kind" "{\"rules\":[$drop,{\"kind\":\"x\"}]}"
    kept "after the refusals" Warning "api check" api-1 "" '{"service":"payment"}'
    assert_eq "the seed pipeline still applies" Critical "$(col api-1 severity)"

    section "50 rules and 10 alert_inhibit rules are accepted"
    put_pipe "$IID" "$(jq -nc --argjson m "$many" --argjson i "$inh" \
        '{status: "enabled", rules: ($m.rules[:40] + $i.rules[:10])}')"
    assert_json "50 rules saved" '.data.rules | length' 50
    put_pipe "$IID" "$SEED"

    section "404, 405, 401"
    for m in GET PUT; do
        api "$m" /integrations/999999/pipeline "$SEED"
        assert_code 404 ResourceNotFound
        api "$m" /integrations/abc/pipeline "$SEED"
        assert_code 404 ResourceNotFound
    done
    for m in POST DELETE PATCH; do
        api "$m" "/integrations/$IID/pipeline" "{\"rules\":[$drop]}"
        assert_code 405 MethodNotAllowed
    done
    http PUT "$AH_URL/api/v1/integrations/$IID/pipeline" -H 'Content-Type: application/json' \
        --data-binary "{\"rules\":[$drop]}"
    assert_code 401 Unauthorized
    http GET "$AH_URL/api/v1/integrations/$IID/pipeline"
    assert_code 401 Unauthorized
    pipe_is "$IID" "$SEED_C"

    section "the pipeline follows its integration"
    api PATCH "/integrations/$IID" '{"name":"p-api-renamed"}'
    assert_status 200 "rename the integration"
    pipe_is "$IID" "$SEED_C"
    kept "after a rename" Warning "api check" api-2 "" '{"service":"payment"}'
    assert_eq "the pipeline still applies after a PATCH" Critical "$(col api-2 severity)"
    new_integration p-api-gone standard "$CH" "$FAST"
    put_pipe "$INT_ID" "$SEED"
    api DELETE "/integrations/$INT_ID"
    assert_status 200 "delete the integration"
    for m in GET PUT; do
        api "$m" "/integrations/$INT_ID/pipeline" "$SEED"
        assert_code 404 ResourceNotFound
    done
}

# ---- 2: the seed's severity_reset --------------------------------------------

test_seed()
{
    section "seed: Warning payment becomes Critical"
    pipe_channel p-seed
    SEED_ID=$IID SEED_KEY=$IKEY
    put_pipe "$IID" "$SEED"
    kept "Warning payment" Warning "pay slow" s-1 "" '{"service":"payment"}'
    assert_eq "alert severity" Critical "$(col s-1 severity)"
    assert_eq "incident severity" Critical "$(inc_col s-1 severity)"
    assert_eq "stored event" "Critical|Critical" "$(last_event s-1 "event_status || '|' || severity")"
    api GET "/alerts/$ALERT"
    assert_json "GET /alerts severity" .data.severity Critical

    section "seed: the rule's conditions"
    kept "Warning of another service" Warning "search slow" s-2 "" '{"service":"search"}'
    assert_eq "other service stays Warning" Warning "$(col s-2 severity)"
    assert_eq "... and its incident" Warning "$(inc_col s-2 severity)"
    kept "Warning without a service" Warning "no service" s-3
    assert_eq "no service label stays Warning" Warning "$(col s-3 severity)"
    kept "Critical payment" Critical "pay down" s-4 "" '{"service":"payment"}'
    assert_eq "Critical payment stays Critical" Critical "$(col s-4 severity)"
    kept "Info payment" Info "pay note" s-5 "" '{"service":"payment"}'
    assert_eq "Info payment stays Info (severity IN Warning)" Info "$(col s-5 severity)"
    kept "Warning payment merged into s-1" Warning "pay slower" s-1 "" '{"service":"payment"}'
    assert_eq "merged event raised too" Critical "$(last_event s-1 severity)"
    assert_eq "s-1 has two events" 2 "$(col s-1 event_count)"
}

# ---- 3: templates and chaining -----------------------------------------------

test_templates()
{
    local gold crit dbt long
    section "title and description templates"
    pipe_channel p-tpl
    put_pipe "$IID" "$(pipe - "$(r_title "maintenance: db")" \
        "$(r_desc "[TPL]\${host} is {{.Labels.state}} ({{.Description}})")")"
    kept "literal title, [TPL] description" Warning "orig" t-1 "was slow" '{"host":"h1","state":"down"}'
    assert_eq "literal title" "maintenance: db" "$(col t-1 title)"
    assert_eq "\${x} and {{.Labels.x}} {{.Description}}" "h1 is down (was slow)" "$(col t-1 description)"
    assert_eq "the stored event carries them" "maintenance: db|h1 is down (was slow)" \
        "$(last_event t-1 "title || '|' || description")"

    put_pipe "$IID" "$(pipe - "$(r_title "\$service::\$check")" \
        "$(r_desc "[TPL]\${nope}|{{.Labels.nope}}|{{index .Labels \"service\"}}")")"
    kept "simplified title" Warning "orig" t-2 "d" '{"service":"db","check":"disk"}'
    assert_eq "simplified \$a::\$b" "db / disk" "$(col t-2 title)"
    assert_eq "missing labels: <no value> and empty" "<no value>||db" "$(col t-2 description)"

    put_pipe "$IID" "$(pipe - "$(r_title "[TPL]{{.Labels.nope}}")" "$(r_desc "[TPL]{{.Labels.nope}}")")"
    kept "templates rendering to nothing" Warning "keep me" t-3 "old description"
    assert_eq "an empty title result keeps the old title" "keep me" "$(col t-3 title)"
    assert_eq "an empty description result empties it" "" "$(col t-3 description)"

    put_pipe "$IID" "$(pipe - "$(r_title "[TPL]{{.EventSeverity}}/{{.EventStatus}}/{{.AlertKey}}/{{.TitleRule}}/{{.Title}}")")"
    kept "event fields" Warning "the rule" t-4
    assert_eq "event fields" "Warning/Warning/t-4/the rule/the rule" "$(col t-4 title)"

    # api.md 1.2 (which integration-layer.md points to for the syntax) and
    # rules/template.h: .IntegrationType and .IntegrationName are known.
    put_pipe "$IID" "$(pipe - "$(r_title "[TPL]{{.IntegrationType}}/{{.IntegrationName}}")")"
    kept "integration fields" Warning "intg" t-5
    assert_eq ".IntegrationType/.IntegrationName" "standard/p-tpl-std" "$(col t-5 title)"

    long=$(printf 'x%.0s' {1..600})
    put_pipe "$IID" "$(pipe - "$(r_title "$long")" "$(r_desc "$(printf 'y%.0s' {1..3000})")")"
    kept "long rewrites" Warning "short" t-6
    assert_eq "title cut to 512" 512 "$(col t-6 'length(title)')"
    assert_eq "description cut to 2048" 2048 "$(col t-6 'length(description)')"

    section "chaining: each rule sees what the rules before made"
    gold=$(f_in labels.tier gold)
    crit=$(f_in severity Critical)
    dbt=$(f_in title '/^\[db\] /')
    put_pipe "$IID" "$(pipe enabled \
        "$(r_sev Critical "$gold")" \
        "$(r_title "[TPL][{{.Labels.service}}] {{.Title}} {{.EventSeverity}}" "$crit")" \
        "$(r_desc "[TPL]{{.AlertKey}} via {{.Title}}" "$dbt")" \
        "$(r_sev Info "$(f_in title slow)")")"
    kept "gold db Warning" Warning slow c-1 "orig" '{"tier":"gold","service":"db"}'
    assert_eq "c-1 severity raised by rule 0" Critical "$(col c-1 severity)"
    assert_eq "c-1 title by rule 1 (saw rule 0's Critical)" "[db] slow Critical" "$(col c-1 title)"
    assert_eq "c-1 description by rule 2 (saw rule 1's title)" "c-1 via [db] slow Critical" \
        "$(col c-1 description)"
    kept "silver db Warning" Warning slow c-2 "orig" '{"tier":"silver","service":"db"}'
    assert_eq "c-2 title untouched" slow "$(col c-2 title)"
    assert_eq "c-2 description untouched" orig "$(col c-2 description)"
    assert_eq "c-2 lowered by rule 3 (title still slow)" Info "$(col c-2 severity)"
    kept "silver web Critical" Critical slow c-3 "orig" '{"tier":"silver","service":"web"}'
    assert_eq "c-3 title by rule 1" "[web] slow Critical" "$(col c-3 title)"
    assert_eq "c-3 description: rule 2 wants [db]" orig "$(col c-3 description)"
    assert_eq "c-3 stays Critical: rule 3 sees the new title" Critical "$(col c-3 severity)"
    assert_eq "c-3 incident title follows the alert" "[web] slow Critical" "$(inc_col c-3 title)"
}

# ---- 4: alert_drop -----------------------------------------------------------

test_drop()
{
    local host
    section "alert_drop"
    pipe_channel p-drop
    kept "open before the pipeline" Warning first d-open "" '{"env":"prod"}'
    host=$(f_in labels.kind host)
    put_pipe "$IID" "$(pipe enabled \
        "$(r_sev Info "$(f_in labels.noise yes)")" \
        "$(r_drop "$(f_or "$(f_in labels.env dev)" "$(f_in severity Info)")")" \
        "$(r_inhibit "$(f_in labels.kind app)" "$host" labels.host)" \
        "$(r_sev Critical)" \
        "$(r_title "[TPL]kept {{.Title}}")")"
    kept "a source for the inhibit rule" Warning "host h down" d-src "" '{"kind":"host","host":"h"}'
    assert_eq "rules after the drop rule ran on it" "Critical|kept host h down" \
        "$(col d-src "severity || '|' || title")"
    held_back "env=dev" dropped Critical "dev thing" d-1 "" '{"env":"dev"}'
    assert_eq "no alert d-1" "" "$(alert_id_for d-1)"
    held_back "Info (second OR group)" dropped Info "info thing" d-2
    held_back "made Info by rule 0, then dropped" dropped Warning "noisy" d-3 "" '{"noise":"yes"}'
    held_back "dropped before its inhibit rule" dropped Warning "app h" d-4 "" \
        '{"kind":"app","host":"h","env":"dev"}'
    held_back "the inhibit rule itself (control)" inhibited Warning "app h" d-5 "" \
        '{"kind":"app","host":"h"}'
    held_back "a dropped event for an open alert" dropped Critical "second" d-open "" '{"env":"dev"}'
    assert_eq "d-open untouched" "first|Warning|1" "$(col d-open "title || '|' || severity || '|' || event_count")"
    kept "env=prod" Warning "prod thing" d-6 "" '{"env":"prod"}'
    assert_eq "kept events run the later rules" "Critical|kept prod thing" \
        "$(col d-6 "severity || '|' || title")"
    assert_eq "events_dropped in total" 5 "$(istat "$IID" events_dropped)"
}

# ---- 5: Ok events skip the pipeline ------------------------------------------

test_ok()
{
    local inc d0
    section "Ok passes a drop-everything pipeline"
    pipe_channel p-ok
    kept "open before the pipeline" Warning disk ok-1
    inc=$INC
    put_pipe "$IID" "$(pipe enabled "$(r_drop)")"
    held_back "firing event dropped" dropped Critical "disk worse" ok-1
    d0=$(istat "$IID" events_dropped)
    send Ok "disk fine" ok-1
    assert_eq "Ok stored" 2 "$(events_for ok-1)"
    assert_eq "the alert recovered" Ok "$(col ok-1 status)"
    assert_ne "end_time set" 0 "$(col ok-1 end_time)"
    assert_eq "its incident closed" Closed "$(db "SELECT progress FROM incidents WHERE id = $inc;")"
    assert_eq "the Ok was not counted as dropped" "$d0" "$(istat "$IID" events_dropped)"

    section "Ok is not rewritten"
    put_pipe "$IID" "$(pipe enabled "$(r_sev Critical)" "$(r_title rewritten)" "$(r_desc rewritten)")"
    kept "firing" Warning cpu ok-2 "busy"
    assert_eq "firing rewritten" "Critical|rewritten|rewritten" \
        "$(col ok-2 "severity || '|' || title || '|' || description")"
    send Ok "cpu fine" ok-2 "calm"
    assert_eq "ok-2 recovered" Ok "$(col ok-2 status)"
    assert_eq "the Ok event kept its title and description" "Ok|cpu fine|calm" \
        "$(last_event ok-2 "event_status || '|' || title || '|' || description")"
    assert_ne "the Ok event's severity was not reset" Critical "$(last_event ok-2 severity)"
}

# ---- 6: alert_inhibit --------------------------------------------------------

inh_pipe()
{
    pipe enabled \
        "$(r_inhibit "$(f_in labels.kind app)" "$(f_in labels.kind host)" labels.host)" \
        "$(r_inhibit "$(f_in labels.kind both)" "$(f_in labels.kind both)" labels.host)"
}

# am_alert FINGERPRINT STATUS LABELS_JSON: one Alertmanager alert.
am_alert()
{
    jq -nc --arg f "$1" --arg s "$2" --argjson l "$3" \
        '{status: $s, labels: ({alertname: ("am " + $f)} + $l), annotations: {},
          startsAt: "2027-01-15T08:00:00Z", endsAt: "0001-01-01T00:00:00Z", fingerprint: $f}'
}

# am_body ALERT_JSON...: an Alertmanager notification.
am_body() { jq -nc '{version: "4", status: "firing", receiver: "alerthub", alerts: [$ARGS.positional[] | fromjson]}' --args "$@"; }

test_inhibit()
{
    local ih_id ih_key ih2_id ih2_key am_id am_key s0 a d i
    section "inhibit: setup"
    at "$T0"
    pipe_channel p-inh
    ih_id=$IID ih_key=$IKEY
    put_pipe "$IID" "$(inh_pipe)"
    new_integration p-inh-2 standard "$CH" "$FAST"
    ih2_id=$INT_ID ih2_key=$INT_KEY
    put_pipe "$ih2_id" "$(inh_pipe)"
    new_integration p-inh-am alertmanager "$CH" "$FAST"
    am_id=$INT_ID am_key=$INT_KEY
    put_pipe "$am_id" "$(inh_pipe)"

    section "inhibit: equal values"
    kept "source host=a" Critical "host a down" i-src-a "" '{"kind":"host","host":"a"}'
    held_back "target host=a" inhibited Warning "app on a" i-app-a1 "" '{"kind":"app","host":"a"}'
    assert_eq "no alert i-app-a1" "" "$(alert_id_for i-app-a1)"
    kept "target host=b: other value" Warning "app on b" i-app-b "" '{"kind":"app","host":"b"}'
    kept "target without host: empty is not a" Warning "app nowhere" i-app-none "" '{"kind":"app"}'
    kept "not matching if" Warning "db on a" i-db-a "" '{"kind":"db","host":"a"}'
    kept "another source host=a is no target" Critical "host a2 down" i-src-a2 "" '{"kind":"host","host":"a"}'

    section "inhibit: Ok of a target passes"
    kept "source host=b" Critical "host b down" i-src-b "" '{"kind":"host","host":"b"}'
    held_back "new event of open target i-app-b" inhibited Critical "app on b worse" i-app-b "" \
        '{"kind":"app","host":"b"}'
    send Ok "app on b fine" i-app-b "" '{"kind":"app","host":"b"}'
    assert_eq "i-app-b recovered despite its live source" Ok "$(col i-app-b status)"

    section "inhibit: an acknowledged source still inhibits"
    api POST "/incidents/$(incident_id_for i-src-a)/ack"
    assert_status 200
    api POST "/incidents/$(incident_id_for i-src-a2)/ack"
    assert_status 200
    held_back "acked source" inhibited Warning "app on a" i-app-a1b "" '{"kind":"app","host":"a"}'

    section "inhibit: the 600 s window"
    at $((T0 + 590))
    held_back "590 s after the source" inhibited Warning "app on a" i-app-a2 "" '{"kind":"app","host":"a"}'
    at $((T0 + 601))
    kept "601 s after the source" Warning "app on a" i-app-a3 "" '{"kind":"app","host":"a"}'
    assert_eq "the source is still open" "0 0" "$(col i-src-a "end_time || ' ' || close_time")"

    section "inhibit: an identical repeat refreshes the source"
    at $((T0 + 610))
    send Critical "host a down" i-src-a "" '{"kind":"host","host":"a"}'
    assert_eq "identical repeat not stored" 1 "$(events_for i-src-a)"
    assert_eq "... but last_time refreshed" $((T0 + 610)) "$(col i-src-a last_time)"
    at $((T0 + 1200))
    held_back "590 s after the refresh" inhibited Warning "app on a" i-app-a4 "" '{"kind":"app","host":"a"}'
    at $((T0 + 1212))
    kept "602 s after the refresh" Warning "app on a" i-app-a5 "" '{"kind":"app","host":"a"}'

    section "inhibit: a merged event refreshes the source"
    at $((T0 + 1220))
    kept "source merged" Critical "host a still down" i-src-a "" '{"kind":"host","host":"a"}'
    at $((T0 + 1800))
    held_back "580 s after the merge" inhibited Warning "app on a" i-app-a6 "" '{"kind":"app","host":"a"}'

    section "inhibit: a recovered source no longer inhibits"
    send Ok "host a up" i-src-a "" '{"kind":"host","host":"a"}'
    assert_eq "source recovered" Ok "$(col i-src-a status)"
    kept "after the recovery" Warning "app on a" i-app-a7 "" '{"kind":"app","host":"a"}'

    section "inhibit: a closed source no longer inhibits"
    kept "source host=c" Critical "host c down" i-src-c "" '{"kind":"host","host":"c"}'
    held_back "target host=c" inhibited Warning "app on c" i-app-c1 "" '{"kind":"app","host":"c"}'
    api POST "/incidents/$(incident_id_for i-src-c)/resolve"
    assert_status 200
    kept "after the source's incident was resolved" Warning "app on c" i-app-c2 "" \
        '{"kind":"app","host":"c"}'

    section "inhibit: an alert does not inhibit itself"
    kept "first event" Warning "self one" i-self-1 "" '{"kind":"both","host":"s"}'
    kept "its second event" Warning "self two" i-self-1 "" '{"kind":"both","host":"s"}'
    assert_eq "i-self-1 merged both" 2 "$(col i-self-1 event_count)"
    assert_eq "i-self-1 title" "self two" "$(col i-self-1 title)"
    held_back "another alert with the same values" inhibited Warning "self other" i-self-2 "" \
        '{"kind":"both","host":"s"}'

    section "inhibit: sources of the same integration only"
    IID=$ih2_id IKEY=$ih2_key
    kept "source x of integration 2" Critical "host x down" i2-src-x "" '{"kind":"host","host":"x"}'
    held_back "target x of integration 2 (control)" inhibited Warning "app on x" i2-app-x "" \
        '{"kind":"app","host":"x"}'
    IID=$ih_id IKEY=$ih_key
    kept "target x of integration 1" Warning "app on x" i-app-x "" '{"kind":"app","host":"x"}'
    assert_eq "same channel" "$(col i2-src-x channel_id)" "$(col i-app-x channel_id)"

    section "inhibit: source then target in one request"
    s0=$(stats3 "$am_id")
    push alertmanager "$am_key" "$(am_body "$(am_alert am-src-m firing '{"kind":"host","host":"m"}')" \
        "$(am_alert am-app-m firing '{"kind":"app","host":"m"}')")"
    assert_status 200 "Alertmanager push, source first"
    assert_json "both keys answered" '.data.alert_keys | join(",")' "am-src-m,am-app-m"
    assert_ne "source stored" "" "$(alert_id_for am-src-m)"
    assert_eq "target not stored" "" "$(alert_id_for am-app-m)"
    assert_eq "no event for the target" 0 "$(events_for am-app-m)"
    read -r a d i <<<"$s0"
    assert_eq "counted (accepted dropped inhibited)" "$((a + 1)) $d $((i + 1))" "$(stats3 "$am_id")"

    section "inhibit: target then source in one request"
    push alertmanager "$am_key" "$(am_body "$(am_alert am-app-n firing '{"kind":"app","host":"n"}')" \
        "$(am_alert am-src-n firing '{"kind":"host","host":"n"}')")"
    assert_status 200 "Alertmanager push, target first"
    assert_ne "target stored" "" "$(alert_id_for am-app-n)"
    assert_ne "source stored" "" "$(alert_id_for am-src-n)"
    held_back_am "a later target host=n" "$am_id" "$am_key" am-app-n2 '{"kind":"app","host":"n"}'
    IH_ID=$ih_id IH_KEY=$ih_key
}

# held_back_am DESC INTEGRATION_ID KEY FINGERPRINT LABELS: an Alertmanager
# target alone in its push is answered 200, stored nowhere, counted inhibited.
held_back_am()
{
    local before s0 a d i
    before=$(db_counts)
    s0=$(stats3 "$2")
    push alertmanager "$3" "$(am_body "$(am_alert "$4" firing "$5")")"
    assert_status 200 "$1: push"
    assert_json "$1: the answer names the key" '.data.alert_keys | join(",")' "$4"
    assert_unchanged_counts "$before"
    read -r a d i <<<"$s0"
    assert_eq "$1: counted as inhibited" "$a $d $((i + 1))" "$(stats3 "$2")"
}

# ---- 7: disabled --------------------------------------------------------------

test_disabled()
{
    local rules
    section "status disabled: no rule runs"
    pipe_channel p-dis
    rules=("$(r_sev Critical)" "$(r_drop "$(f_in labels.env dev)")")
    put_pipe "$IID" "$(pipe disabled "${rules[@]}")"
    kept "Warning while disabled" Warning "w" dis-1
    assert_eq "not raised" Warning "$(col dis-1 severity)"
    kept "env=dev while disabled" Warning "dev" dis-2 "" '{"env":"dev"}'

    section "enabled again: the rules run"
    put_pipe "$IID" "$(pipe enabled "${rules[@]}")"
    kept "Warning while enabled" Warning "w" dis-3
    assert_eq "raised" Critical "$(col dis-3 severity)"
    held_back "env=dev while enabled" dropped Warning "dev" dis-4 "" '{"env":"dev"}'

    section "disabled inhibit rules inhibit nothing"
    put_pipe "$IID" "$(pipe disabled "$(r_inhibit "$(f_in labels.kind app)" "$(f_in labels.kind host)" labels.host)")"
    kept "source while disabled" Critical "host d down" dis-src "" '{"kind":"host","host":"d"}'
    kept "target while disabled" Warning "app on d" dis-app-1 "" '{"kind":"app","host":"d"}'

    section "a disabled pipeline before the restart"
    put_pipe "$IID" "$(pipe disabled "${rules[@]}")"
    DIS_ID=$IID DIS_KEY=$IKEY DIS_C=$PIPE_C
}

# ---- 8: enrichment -> pipeline -> routing --------------------------------------

test_order()
{
    local a b sh_id sh_key reached
    section "order: enrichment, pipeline, routing"
    new_channel o-a
    a=$CH_ID
    new_channel o-b
    b=$CH_ID
    new_integration o-shared standard "" "$FAST"
    sh_id=$INT_ID sh_key=$INT_KEY
    api PUT "/integrations/$sh_id/enrichment" \
        '{"rules":[{"kind":"composition","settings":{"template":"{{.labels.svc}}-{{.labels.env}}","result_label":"svc_env"}}]}'
    assert_status 200 "PUT enrichment"
    put_pipe "$sh_id" "$(pipe enabled "$(r_sev Critical "$(f_in labels.svc_env pay-prod)")" \
        "$(r_drop "$(f_in labels.svc_env pay-test)")")"
    api PUT "/integrations/$sh_id/routes" "$(jq -nc --argjson f "$(f_in severity Critical)" \
        --arg a "$a" --arg b "$b" \
        '{cases: [{"if": $f, channel_ids: [$a], fallthrough: false}], default: {channel_ids: [$b]}}')"
    assert_status 200 "PUT routes"
    IID=$sh_id IKEY=$sh_key
    kept "pay-prod" Warning "pay" o-1 "" '{"svc":"pay","env":"prod"}'
    reached=$(db "SELECT group_concat(channel_id) FROM alerts WHERE alert_key = 'o-1';")
    assert_eq "enriched, raised, routed to A only" "$a" "$reached"
    assert_eq "o-1 Critical" Critical "$(col o-1 severity)"
    assert_eq "o-1 has the enriched label" pay-prod "$(col o-1 "json_extract(labels, '\$.svc_env')")"
    kept "pay-dev" Warning "pay" o-2 "" '{"svc":"pay","env":"dev"}'
    reached=$(db "SELECT group_concat(channel_id) FROM alerts WHERE alert_key = 'o-2';")
    assert_eq "not raised: the default channel B" "$b" "$reached"
    assert_eq "o-2 Warning" Warning "$(col o-2 severity)"
    held_back "pay-test dropped on an enriched label" dropped Warning "pay" o-3 "" \
        '{"svc":"pay","env":"test"}'

    section "order: a dropped event needs no route"
    new_integration o-shared-2 standard "" "$FAST"
    IID=$INT_ID IKEY=$INT_KEY
    put_pipe "$IID" "$(pipe enabled "$(r_drop "$(f_in severity Info)")")"
    api PUT "/integrations/$IID/routes" "$(jq -nc --argjson f "$(f_in severity Critical)" --arg a "$a" \
        '{cases: [{"if": $f, channel_ids: [$a]}], default: {channel_ids: []}}')"
    assert_status 200 "PUT routes without a default"
    held_back "Info: dropped, not refused" dropped Info "info" o-4
    push_std "$IKEY" "$(ev Warning "warn" o-5)"
    assert_code 400 InvalidParameter
    assert_contains "Warning reaches no channel (control)" "no route matched" "$(jb .error.message)"
    kept "Critical routed" Critical "crit" o-6
}

# ---- 10: restarts ----------------------------------------------------------------

test_restart()
{
    local lower
    section "pipelines after a clean restart"
    at $((T0 + 2990))
    IID=$IH_ID IKEY=$IH_KEY
    kept "a source just before the restart" Critical "host p down" rs-pre "" '{"kind":"host","host":"p"}'
    stop_server
    restart_server
    at $((T0 + 3000))
    held_back "its target after the restart: sources are rebuilt from open alerts" inhibited \
        Warning "app on p" rs-app-p "" '{"kind":"app","host":"p"}'
    pipe_is "$SEED_ID" "$SEED_C"
    IID=$SEED_ID IKEY=$SEED_KEY
    kept "seed after restart" Warning "pay slow" rs-1 "" '{"service":"payment"}'
    assert_eq "still raised after restart" Critical "$(col rs-1 severity)"
    IID=$IH_ID IKEY=$IH_KEY
    kept "a new source after restart" Critical "host r down" rs-src "" '{"kind":"host","host":"r"}'
    assert_eq "rs-src in the inhibit channel" "$(col i-src-a channel_id)" "$(col rs-src channel_id)"
    held_back "its target after restart" inhibited Warning "app on r" rs-app "" '{"kind":"app","host":"r"}'
    pipe_is "$DIS_ID" "$DIS_C"
    IID=$DIS_ID IKEY=$DIS_KEY
    kept "disabled after restart" Warning "w" rs-dis "" '{"env":"dev"}'
    assert_eq "a disabled pipeline stays disabled" Warning "$(col rs-dis severity)"

    section "the pipeline saved just before kill -9"
    lower=$(pipe enabled "$(r_sev Info "$(f_in labels.service payment)")" "$(r_title "[TPL]low {{.Title}}")")
    put_pipe "$SEED_ID" "$lower"
    lower=$PIPE_C
    kill9_server
    restart_server
    at $((T0 + 3100))
    pipe_is "$SEED_ID" "$lower"
    IID=$SEED_ID IKEY=$SEED_KEY
    kept "after kill -9" Warning "pay slow" rs-2 "" '{"service":"payment"}'
    assert_eq "the last saved pipeline applies" "Info|low pay slow" "$(col rs-2 "severity || '|' || title")"
    IID=$IH_ID IKEY=$IH_KEY
    kept "a new source after kill -9" Critical "host k down" rs-src-k "" '{"kind":"host","host":"k"}'
    held_back "its target after kill -9" inhibited Warning "app on k" rs-app-k "" \
        '{"kind":"app","host":"k"}'
    held_back "a source from before kill -9 still inhibits" inhibited Warning "app on r again" \
        rs-app-r2 "" '{"kind":"app","host":"r"}'
    at $((T0 + 3601))
    kept "until 600 s after its last event" Warning "app on r late" rs-app-r3 "" \
        '{"kind":"app","host":"r"}'
}

start_server "$BIN" --test-clock on
at "$T0"
test_api
test_seed
test_templates
test_drop
test_ok
test_inhibit
test_disabled
test_order
test_restart
stop_server
finish
