#!/usr/bin/env bash
# t_enrichment.sh - label enrichment of integrations and mapping tables
# (spec 7.1; docs/integration-layer.md sections 1 and 2):
# GET/PUT /integrations/{id}/enrichment and its refusals (nothing saved);
# extraction (named group "result", whole match, title / description /
# label sources, no match), composition (lower- and upper-case fields, a
# missing label), mapping tables (create, CSV upload with quoting, lookup,
# subsets of result columns, empty cells, re-upload replacing rows, upload
# refusals leaving rows as they were, schema refusals, delete refused while
# in use), drop; conditions and override; rules chained in order; Ok events
# enriched too; a shared integration routing on an enriched label; rules and
# rows surviving a clean restart and kill -9.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 BIN}

# ---- helpers -----------------------------------------------------------------

# is ACTUAL EXPECTED DESC / has TEXT PART DESC: assert_eq and assert_contains
# with the value first, so that each check reads as a sentence.
is() { assert_eq "$3" "$2" "$1"; }
has() { assert_contains "$3" "$2" "$1"; }

# put_enrich RULE_JSON...: saves these rules on integration $INT_ID; expects 200.
put_enrich()
{
    local body
    body=$(jq -nc '{rules: [$ARGS.positional[] | fromjson]}' --args "$@")
    api PUT "/integrations/$INT_ID/enrichment" "$body"
    assert_status 200 "save enrichment"
    is "$(jb '.data | tojson')" "$(jq -c . <<<"$body")" "the answer is the saved rules"
}

# refuse_enrich WANT_IN_MESSAGE BODY: a PUT that must be refused, changing nothing.
refuse_enrich()
{
    local before
    api GET "/integrations/$INT_ID/enrichment"
    before=$(jb '.data | tojson')
    api PUT "/integrations/$INT_ID/enrichment" "$2"
    assert_code 400 InvalidParameter "refuse: $1"
    has "$(jb '.error.message')" "$1" "the message says why"
    api GET "/integrations/$INT_ID/enrichment"
    is "$(jb '.data | tojson')" "$before" "nothing saved after: $1"
}

extract() { jq -nc --arg f "$1" --arg p "$2" --arg r "$3" --argjson o "${4:-false}" \
    '{kind: "extraction", settings: {source_field: $f, pattern: $p, result_label: $r, override: $o}}'; }
compose() { jq -nc --arg t "$1" --arg r "$2" --argjson o "${3:-false}" \
    '{kind: "composition", settings: {template: $t, result_label: $r, override: $o}}'; }
mapping() { jq -nc --arg s "$1" --argjson l "${2:-null}" \
    '{kind: "mapping", settings: ({schema_id: $s} + (if $l == null then {} else {result_labels: $l} end))}'; }
drop() { jq -nc '{kind: "drop", settings: {drop_labels: $ARGS.positional}}' --args "$@"; }
# when RULE COND_JSON: the rule with an `if` (an AND list).
when() { jq -c --argjson c "$2" '. + {"if": $c}' <<<"$1"; }
cond() { jq -nc --arg k "$1" --arg o "$2" '[{key: $k, oper: $o, vals: $ARGS.positional}]' --args "${@:3}"; }

# labels_of KEY: the stored labels of the newest alert with that key.
labels_of() { db "SELECT labels FROM alerts WHERE alert_key = $(sql_str "$1") ORDER BY id DESC LIMIT 1;"; }
label_of() { labels_of "$1" | jq -r --arg l "$2" '.[$l] // "<none>"'; }

# fire KEY TITLE [DESCRIPTION] [LABELS_JSON]: a firing push that must be stored.
fire()
{
    push_std "$INT_KEY" "$(ev Critical "$2" "$1" "${3-}" "${4:-null}")"
    assert_status 200 "push $1"
}

# upload SCHEMA_ID CSV: PUT the rows; sets H_*.
upload()
{
    printf '%s' "$2" >"$AH_TMP/upload.csv"
    http PUT "$AH_URL/api/v1/mapping-schemas/$1/data" -H "Authorization: Bearer $AH_TOKEN" \
        -H 'Content-Type: text/csv' --data-binary "@$AH_TMP/upload.csv"
}

start_server "$BIN"
new_channel enrich
CH=$CH_ID
new_integration enrich-std standard "$CH"

# ---- the endpoint --------------------------------------------------------------
section endpoint
api GET "/integrations/$INT_ID/enrichment"
assert_status 200 "GET before any PUT"
is "$(jb '.data | tojson')" '{"rules":[]}' "no rules yet"
api GET /integrations/999999/enrichment
assert_code 404 ResourceNotFound "unknown integration"
api POST "/integrations/$INT_ID/enrichment" '{"rules":[]}'
assert_code 405 MethodNotAllowed "POST is not allowed"

# ---- extraction --------------------------------------------------------------------
section extraction
put_enrich "$(extract title 'code=(?P<result>\d+)' code)" \
    "$(extract description 'dc-[a-z]+' dc)" \
    "$(extract labels.url '^https?://(?<result>[^/:]+)' url_host)"
fire x1 "error code=503 in api" "seen in dc-east today" '{"url":"https://api.example.com:8443/v1"}'
is "$(label_of x1 code)" 503 "named group result from the title"
is "$(label_of x1 dc)" dc-east "the whole match from the description"
is "$(label_of x1 url_host)" api.example.com "from a label, with (?<result>)"
fire x2 "no code here" "nothing" '{"url":"ftp://x"}'
is "$(labels_of x2)" '{"url":"ftp://x"}' "no match sets nothing"
put_enrich "$(extract title 'code=(?P<result>\d+)' code)" "$(extract title 'code=(?P<result>\d+)' prior true)"
fire x3 "code=7" "" '{"code":"kept","prior":"old"}'
is "$(label_of x3 code)" kept "override false keeps an existing label"
is "$(label_of x3 prior)" 7 "override true replaces it"
put_enrich "$(when "$(extract title 'code=(?P<result>\d+)' code)" "$(cond labels.env IN prod)")"
fire x4 "code=1" "" '{"env":"prod"}'
fire x5 "code=2" "" '{"env":"dev"}'
is "$(label_of x4 code)" 1 "the condition holds: the rule runs"
is "$(label_of x5 code)" "<none>" "the condition fails: the rule is skipped"

# ---- composition -------------------------------------------------------------------
section composition
put_enrich "$(compose '{{.labels.host}}/{{.labels.check}}' target)" \
    "$(compose '{{.Title}} on {{.Labels.host}}' summary)" \
    "$(compose '[{{.description}}] {{.labels.missing}}.' note)" \
    "$(compose 'fixed' host true)"
fire c1 "disk full" "sda1" '{"host":"db-1","check":"disk"}'
is "$(label_of c1 target)" db-1/disk "lower-case labels"
is "$(label_of c1 summary)" "disk full on db-1" "upper-case Title and Labels"
is "$(label_of c1 note)" "[sda1] ." "description; a missing label renders empty"
is "$(label_of c1 host)" fixed "override true replaces"

# ---- mapping tables --------------------------------------------------------------
section mapping-schema
api POST /mapping-schemas '{"name":"hosts","description":"owners","source_labels":["host","dc"],"result_labels":["owner","team"]}'
assert_status 201 "create a mapping schema"
SID=$(jb .data.id)
is "$(jb '[.data.row_count, .data.uploaded_at, .data.source_labels, .data.result_labels] | tojson')" \
    '[0,null,["host","dc"],["owner","team"]]' "a new table has no rows"
api POST /mapping-schemas '{"name":"hosts","source_labels":["a"],"result_labels":["b"]}'
assert_code 409 Conflict "a second table named hosts"
for bad in '{"name":"u","source_labels":["host"],"result_labels":["Owner"]}|result_labels[0]' \
    '{"name":"u","source_labels":["host"],"result_labels":["host"]}|both a source and a result' \
    '{"name":"u","source_labels":[],"result_labels":["o"]}|source_labels' \
    '{"name":"u","source_labels":["a","a"],"result_labels":["o"]}|twice' \
    '{"source_labels":["a"],"result_labels":["o"]}|name'; do
    api POST /mapping-schemas "${bad%|*}"
    assert_code 400 InvalidParameter "refuse schema ${bad%|*}"
    has "$(jb .error.message)" "${bad#*|}" "the message says why"
done
api GET /mapping-schemas
is "$(jb '[.data.items[].name] | tojson')" '["hosts"]' "refused schemas are not stored"
api PATCH "/mapping-schemas/$SID" '{"result_labels":["x"]}'
assert_code 400 InvalidParameter "the columns cannot change"
api PATCH "/mapping-schemas/$SID" '{"description":"who owns what"}'
assert_status 200 "rename the description"
is "$(jb .data.description)" "who owns what" "the new description"

section mapping-upload
upload "$SID" $'\xef\xbb\xbfteam,host,owner,dc\r\nstorage,db-1,alice,east\r\n,"web,2",bob,west\r\n"a ""q""",db-1,carol,west\r\n'
assert_status 200 "upload CSV (BOM, CRLF, columns in another order, quoting)"
is "$(jb .data.row_count)" 3 "three rows"
http GET "$AH_URL/api/v1/mapping-schemas/$SID/data" -H "Authorization: Bearer $AH_TOKEN"
assert_status 200 "GET the CSV"
has "$H_BODY" '"web,2",bob,west' "the CSV as uploaded"
put_enrich "$(mapping "$SID")"
fire m1 t "" '{"host":"db-1","dc":"east"}'
is "$(labels_of m1)" '{"host":"db-1","dc":"east","owner":"alice","team":"storage"}' "both result labels"
fire m2 t "" '{"host":"web,2","dc":"west"}'
is "$(labels_of m2)" '{"host":"web,2","dc":"west","owner":"bob"}' "an empty cell sets nothing"
fire m3 t "" '{"host":"db-1","dc":"west"}'
is "$(label_of m3 team)" 'a "q"' "two source columns select the row"
fire m4 t "" '{"host":"db-1"}'
is "$(labels_of m4)" '{"host":"db-1"}' "a missing source label selects nothing"
fire m5 t "" '{"host":"db-9","dc":"east"}'
is "$(labels_of m5)" '{"host":"db-9","dc":"east"}' "no row: nothing"
put_enrich "$(mapping "$SID" '["owner"]')"
fire m6 t "" '{"host":"db-1","dc":"east","owner":"kept"}'
is "$(labels_of m6)" '{"host":"db-1","dc":"east","owner":"kept"}' "a subset of columns; override false keeps"

section mapping-refusals
for bad in $'host,dc,owner\ndb-1,east,x\n|team' \
    $'host,dc,owner,team,extra\n|5 columns' \
    $'host,dc,owner,team\ndb-1,east,x\n|line 2: 3 fields' \
    $'host,dc,owner,team\ndb-1,east,x,y\ndb-1,east,z,w\n|line 3' \
    $'host,dc,owner,team\n"db-1,east,x,y\n|unterminated' \
    '|empty'; do
    upload "$SID" "${bad%|*}"
    assert_code 400 InvalidParameter "refuse upload (${bad#*|})"
    has "$(jb .error.message)" "${bad#*|}" "the message says why"
done
api GET "/mapping-schemas/$SID"
is "$(jb .data.row_count)" 3 "refused uploads keep the rows"
fire m7 t "" '{"host":"db-1","dc":"east"}'
is "$(label_of m7 owner)" alice "lookups still use the old rows"
upload "$SID" $'host,dc,owner,team\ndb-1,east,dave,core\n'
assert_status 200 "re-upload"
is "$(jb .data.row_count)" 1 "one row now"
fire m8 t "" '{"host":"db-1","dc":"east"}'
fire m9 t "" '{"host":"web,2","dc":"west"}'
is "$(label_of m8 owner)" dave "the new row"
is "$(labels_of m9)" '{"host":"web,2","dc":"west"}' "the old rows are gone"
api DELETE "/mapping-schemas/$SID"
assert_code 409 ReferenceExist "delete while an enrichment uses it"
api PUT "/integrations/$INT_ID/enrichment" "{\"rules\":[$(mapping 999999)]}"
assert_code 400 InvalidParameter "an unknown schema_id"
http PUT "$AH_URL/api/v1/mapping-schemas/999999/data" -H "Authorization: Bearer $AH_TOKEN" --data-binary 'a,b'
assert_code 404 ResourceNotFound "upload to an unknown table"

# ---- drop, chaining, Ok ----------------------------------------------------------
section drop-and-chain
put_enrich "$(extract title 'host=(?P<result>\S+)' host)" \
    "$(compose '{{.labels.host}}-{{.labels.dc}}' key2)" \
    "$(mapping "$SID")" \
    "$(drop dc nothing_here)"
fire d1 "down host=db-1" "" '{"dc":"east","secret":"s"}'
is "$(labels_of d1)" '{"secret":"s","host":"db-1","key2":"db-1-east","owner":"dave","team":"core"}' \
    "each rule sees the labels made before it; drop deletes (a missing label is a no-op)"
push_std "$INT_KEY" "$(ev Ok "down host=db-1" d1 "" '{"dc":"east","extra":"x"}')"
assert_status 200 "Ok"
is "$(db "SELECT status FROM alerts WHERE alert_key = 'd1';")" Ok "the Ok recovers the alert"
is "$(db "SELECT labels FROM events WHERE alert_key = 'd1' ORDER BY id DESC LIMIT 1;" | jq -c '[.host, .owner, .dc]')" \
    '["db-1","dave",null]' "the Ok event is enriched too"

section refusals
refuse_enrich "rules[0].kind" '{"rules":[{"kind":"nope","settings":{}}]}'
refuse_enrich "not a valid regex" "{\"rules\":[$(extract title '(' x)]}"
refuse_enrich "result_label" "{\"rules\":[$(extract title 'x' 'Bad-Name')]}"
refuse_enrich "source_field" "{\"rules\":[$(extract body 'x' x)]}"
refuse_enrich "template" "{\"rules\":[$(compose "$(printf 'x%.0s' {1..501})" x)]}"
refuse_enrich "g_json" '{"rules":[{"kind":"extraction","settings":{"source_field":"title","g_json":"a.b","result_label":"x"}}]}'
refuse_enrich "rules[1].if" "{\"rules\":[$(drop a),$(when "$(drop b)" '[{"key":"nope","oper":"IN","vals":["x"]}]')]}"
refuse_enrich "not supported" '{"rules":[{"kind":"mapping","settings":{"mapping_type":"api","schema_id":"1"}}]}'
refuse_enrich "drop_labels" '{"rules":[{"kind":"drop","settings":{"drop_labels":[]}}]}'
refuse_enrich "rules must be an array" '{"rules":{}}'

# ---- routing on an enriched label ------------------------------------------------
section routing
new_channel enrich-a
CHA=$CH_ID
new_channel enrich-b
CHB=$CH_ID
new_integration enrich-shared standard
put_enrich "$(extract title '^\[(?P<result>[a-z]+)\]' team)"
api PUT "/integrations/$INT_ID/routes" "$(jq -nc --arg a "$CHA" --arg b "$CHB" \
    '{cases: [{"if": [[{key: "labels.team", oper: "IN", vals: ["pay"]}]], channel_ids: [$a]}],
      default: {channel_ids: [$b]}}')"
assert_status 200 "routes on the enriched label"
fire r1 "[pay] latency" ""
fire r2 "[web] latency" ""
is "$(db "SELECT channel_id FROM alerts WHERE alert_key = 'r1';")" "$CHA" "the enriched label routes"
is "$(db "SELECT channel_id FROM alerts WHERE alert_key = 'r2';")" "$CHB" "others take the default"
push_std "$INT_KEY" "$(ev Ok "[pay] latency" r1)"
is "$(db "SELECT status FROM alerts WHERE alert_key = 'r1';")" Ok "the Ok routes the same way and recovers"

# ---- restarts ------------------------------------------------------------------------
section restart
SHARED=$INT_ID
restart_server
fire r3 "[pay] again" ""
is "$(db "SELECT channel_id FROM alerts WHERE alert_key = 'r3';")" "$CHA" "enrichment after a restart"
INT_ID=$(db "SELECT id FROM integrations WHERE name = 'enrich-std';")
INT_KEY=$(db "SELECT integration_key FROM integrations WHERE id = $INT_ID;")
upload "$SID" $'host,dc,owner,team\ndb-2,east,erin,edge\n'
assert_status 200 "upload just before kill -9"
kill9_server
restart_server
fire k1 "down host=db-2" "" '{"dc":"east"}'
is "$(label_of k1 owner)" erin "rows uploaded before kill -9 are used after it"
api PUT "/integrations/$INT_ID/enrichment" '{"rules":[]}'
assert_status 200 "stop using the table"
api DELETE "/mapping-schemas/$SID"
assert_status 200 "delete once unused"
api GET "/mapping-schemas/$SID"
assert_code 404 ResourceNotFound "gone"
INT_ID=$SHARED
finish
