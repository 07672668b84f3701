#!/usr/bin/env bash
# t_enrichment.sh - label enrichment of integrations and mapping tables
# (spec 7.1; docs/integration-layer.md sections 1, 2 and 4):
# GET/PUT /integrations/{id}/enrichment (the answer and a following GET are
# the saved rules; 404, 405) and its refusals (nothing saved); extraction
# (named group "result", whole match, title / description / label sources,
# no match, an empty match, a missing source, a runaway regex), composition
# (lower- and upper-case fields, a missing label, an empty result), override
# false and true, `if` as an AND list that sees labels made before it; the
# label limits (50 labels, values cut to 2,048 characters); mapping tables
# (create, schema refusals, PATCH, CSV upload with BOM / CRLF / quoting /
# line breaks / empty lines, the CSV answered byte for byte, lookups on one
# and two source columns, result subsets, empty cells, override, re-upload
# replacing rows, upload refusals keeping the rows, the 100,000-row and body
# limits, delete refused while in use and allowed once unused or once the
# integration is gone), drop; rules chained in order; Ok events enriched
# too; a shared integration routing on an enriched label; uploads and rule
# changes racing pushes; rules and rows surviving a clean restart and kill -9.
# shellcheck disable=SC2119 # stop_server and restart_server without arguments
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 BIN}

# ---- helpers -----------------------------------------------------------------

# is ACTUAL EXPECTED DESC / has TEXT PART DESC: assert_eq and assert_contains
# with the value first, so that each check reads as a sentence.
is() { assert_eq "$3" "$2" "$1"; }
has() { assert_contains "$3" "$2" "$1"; }

# norm JSON: compact, keys sorted (labels are compared with it).
norm() { jq -cS . <<<"$1"; }

# rules RULE_JSON...: an enrichment body.
rules() { jq -nc '{rules: [$ARGS.positional[] | fromjson]}' --args "$@"; }

# put_enrich RULE_JSON...: saves these rules on integration $INT_ID; expects
# 200, the saved rules as the answer and as a following GET.
put_enrich()
{
    local body
    body=$(rules "$@")
    api PUT "/integrations/$INT_ID/enrichment" "$body"
    assert_status 200 "save enrichment"
    is "$(jb '.data | tojson')" "$body" "the PUT answers the saved rules"
    api GET "/integrations/$INT_ID/enrichment"
    is "$(jb '.data | tojson')" "$body" "a GET answers the saved rules"
}

# refuse_enrich WANT_IN_MESSAGE BODY: a PUT that must be refused with 400
# InvalidParameter, a message saying why, and nothing saved.
refuse_enrich()
{
    local before
    api GET "/integrations/$INT_ID/enrichment"
    before=$(jb '.data | tojson')
    api PUT "/integrations/$INT_ID/enrichment" "$2"
    assert_code 400 InvalidParameter
    has "$(jb '.error.message')" "$1" "the message says why"
    api GET "/integrations/$INT_ID/enrichment"
    is "$(jb '.data | tojson')" "$before" "nothing saved after: $1"
}

extract() { jq -nc --arg f "$1" --arg p "$2" --arg r "$3" --argjson o "${4:-false}" \
    '{kind: "extraction", settings: {source_field: $f, pattern: $p, result_label: $r, override: $o}}'; }
compose() { jq -nc --arg t "$1" --arg r "$2" --argjson o "${3:-false}" \
    '{kind: "composition", settings: {template: $t, result_label: $r, override: $o}}'; }
# mapping SCHEMA_ID [RESULT_LABELS_JSON|null] [OVERRIDE]
mapping() { jq -nc --arg s "$1" --argjson l "${2:-null}" --arg o "${3-}" \
    '{kind: "mapping", settings: ({schema_id: $s}
        + (if $l == null then {} else {result_labels: $l} end)
        + (if $o == "" then {} else {override: ($o == "true")} end))}'; }
drop() { jq -nc '{kind: "drop", settings: {drop_labels: $ARGS.positional}}' --args "$@"; }
# when RULE COND_JSON: the rule with an `if` (an AND list).
when() { jq -c --argjson c "$2" '. + {"if": $c}' <<<"$1"; }
# cond KEY OPER VAL...: one condition, as an AND list of one.
cond() { jq -nc --arg k "$1" --arg o "$2" '[{key: $k, oper: $o, vals: $ARGS.positional}]' --args "${@:3}"; }

# labels_of KEY: the stored labels (keys sorted) of the newest alert with that key.
labels_of() { db "SELECT labels FROM alerts WHERE alert_key = $(sql_str "$1") ORDER BY id DESC LIMIT 1;" | jq -cS .; }
label_of() { labels_of "$1" | jq -r --arg l "$2" '.[$l] // "<none>"'; }
# event_labels KEY: the labels (keys sorted) of the newest stored event with that key.
event_labels() { db "SELECT labels FROM events WHERE alert_key = $(sql_str "$1") ORDER BY id DESC LIMIT 1;" | jq -cS .; }

# fire KEY TITLE [DESCRIPTION] [LABELS_JSON]: a firing push that must be stored.
fire()
{
    push_std "$INT_KEY" "$(ev Critical "$2" "$1" "${3-}" "${4:-null}")"
    assert_status 200 "push $1"
}

# upload SCHEMA_ID CSV: PUT the rows (kept in $AH_TMP/upload.csv); sets H_*.
upload()
{
    printf '%s' "$2" >"$AH_TMP/upload.csv"
    upload_file "$1" "$AH_TMP/upload.csv"
}

# upload_file SCHEMA_ID FILE
upload_file()
{
    http PUT "$AH_URL/api/v1/mapping-schemas/$1/data" -H "Authorization: Bearer $AH_TOKEN" \
        -H 'Content-Type: text/csv' --data-binary "@$2"
}

# get_csv SCHEMA_ID: GET the CSV; the body is in $AH_TMP/h.body, byte for byte.
get_csv() { http GET "$AH_URL/api/v1/mapping-schemas/$1/data" -H "Authorization: Bearer $AH_TOKEN"; }

# csv_is FILE DESC: the last GET .../data answered FILE's bytes exactly.
csv_is() { assert_true "$2" cmp -s "$1" "$AH_TMP/h.body"; }

# refuse_upload CSV WANT_IN_MESSAGE: an upload to $SID refused with 400.
refuse_upload()
{
    upload "$SID" "$1"
    assert_code 400 InvalidParameter
    has "$(jb .error.message)" "$2" "the message says why"
}

# row_count SCHEMA_ID
row_count() { api GET "/mapping-schemas/$1" && jb .data.row_count; }

start_server "$BIN"
new_channel enrich
CH=$CH_ID
new_integration enrich-std standard "$CH"
STD_ID=$INT_ID
STD_KEY=$INT_KEY

# ---- the endpoint --------------------------------------------------------------
section endpoint
api GET "/integrations/$INT_ID/enrichment"
assert_status 200 "GET before any PUT"
is "$(jb '.data | tojson')" '{"rules":[]}' "no rules yet"
put_enrich "$(drop a)"
put_enrich
is "$(jb '.data | tojson')" '{"rules":[]}' "rules can be emptied again"
api GET /integrations/999999/enrichment
assert_code 404 ResourceNotFound
api PUT /integrations/999999/enrichment '{"rules":[]}'
assert_code 404 ResourceNotFound
for m in POST DELETE PATCH; do
    api "$m" "/integrations/$INT_ID/enrichment" '{"rules":[]}'
    assert_code 405 MethodNotAllowed
done
http GET "$AH_URL/api/v1/integrations/$INT_ID/enrichment"
assert_code 401 Unauthorized

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
fire x2b "code=9" "" '{}'
is "$(labels_of x2b)" '{"code":"9"}' "no description and no url label: those rules set nothing"
put_enrich "$(extract title 'code=(?P<result>\d+)' code)" "$(extract title 'code=(?P<result>\d+)' prior true)"
fire x3 "code=7" "" '{"code":"kept","prior":"old"}'
is "$(label_of x3 code)" kept "override false keeps an existing label"
is "$(label_of x3 prior)" 7 "override true replaces it"
put_enrich "$(extract title 'z*' ez true)" "$(extract labels.nope '.*' nl)"
fire x6 "abc" "" '{"ez":"old"}'
is "$(labels_of x6)" '{"ez":"old"}' "an empty match sets nothing, even with override true"
put_enrich "$(extract title '^(a+)+$' runaway)" \
    "$(when "$(compose after later)" "$(cond labels.runaway NOTIN '*')")"
t0=$SECONDS
fire x7 "$(printf 'a%.0s' {1..40})b" ""
assert_true "a runaway regex does not stall the push (took $((SECONDS - t0)) s)" [ $((SECONDS - t0)) -le 5 ]
is "$(labels_of x7)" '{"later":"after"}' "a runaway regex does not match; later rules still run"

section conditions
put_enrich "$(when "$(extract title 'code=(?P<result>\d+)' code)" "$(cond labels.env IN prod)")"
fire x4 "code=1" "" '{"env":"prod"}'
fire x5 "code=2" "" '{"env":"dev"}'
is "$(label_of x4 code)" 1 "the condition holds: the rule runs"
is "$(label_of x5 code)" "<none>" "the condition fails: the rule is skipped"
put_enrich "$(extract title 'env=(?P<result>\w+)' env)" \
    "$(when "$(compose page action)" '[{"key":"labels.env","oper":"IN","vals":["prod"]},{"key":"severity","oper":"IN","vals":["Critical"]}]')"
fire if1 "x env=prod" ""
push_std "$INT_KEY" "$(ev Warning "x env=prod" if2)"
assert_status 200 "push if2"
fire if3 "x env=dev" ""
is "$(labels_of if1)" '{"action":"page","env":"prod"}' "both conditions hold, on a label made by the rule before"
is "$(labels_of if2)" '{"env":"prod"}' "AND: the severity condition fails"
is "$(labels_of if3)" '{"env":"dev"}' "AND: the label condition fails"
put_enrich "$(when "$(compose y mine)" "$(cond integration_id IN "$INT_ID")")" \
    "$(when "$(compose n other)" "$(cond integration_id IN 999999)")" \
    "$(when "$(compose z tt)" "$(cond title IN '/^t.x$/')")"
fire if4 "tax" ""
is "$(labels_of if4)" '{"mine":"y","tt":"z"}' "conditions on integration_id and on the title (a regex)"
api GET "/alerts/$(alert_id_for if1)"
assert_status 200 "GET the enriched alert"
is "$(jb '.data.labels | tojson' | jq -cS .)" '{"action":"page","env":"prod"}' "the alert API shows the enriched labels"

# ---- composition -------------------------------------------------------------------
section composition
put_enrich "$(compose '{{.labels.host}}/{{.labels.check}}' target)" \
    "$(compose '{{.Title}} on {{.Labels.host}}' summary)" \
    "$(compose '[{{.description}}] {{.labels.missing}}.' note)" \
    "$(compose '{{.title}}|{{.Description}}' td)" \
    "$(compose new keep)" \
    "$(compose '{{.labels.missing}}' blank true)" \
    "$(compose '{{.labels.nothing}}{{.labels.missing}}' empty)" \
    "$(compose fixed host true)"
fire c1 "disk full" "sda1" '{"host":"db-1","check":"disk","keep":"orig","blank":"b"}'
is "$(label_of c1 target)" db-1/disk "lower-case labels"
is "$(label_of c1 summary)" "disk full on db-1" "upper-case Title and Labels"
is "$(label_of c1 note)" "[sda1] ." "description; a missing label renders empty"
is "$(label_of c1 td)" "disk full|sda1" "lower-case title, upper-case Description"
is "$(label_of c1 keep)" orig "override false keeps an existing label"
is "$(label_of c1 blank)" b "an empty result sets nothing, even with override true"
is "$(label_of c1 empty)" "<none>" "an empty result makes no label"
is "$(label_of c1 host)" fixed "override true replaces"

section label-limits
put_enrich "$(compose '{{.labels.a}}{{.labels.a}}' big)"
fire lim1 t "" "$(jq -nc --arg v "$(printf 'é%.0s' {1..1500})" '{a: $v}')"
is "$(labels_of lim1 | jq -c '[(.big | length), (.big | utf8bytelength), (.big | test("^é+$"))]')" \
    '[2048,4096,true]' "a made value is cut to 2,048 characters"
put_enrich "$(compose x made)" "$(drop l0)" "$(compose y made2)"
fire lim2 t "" "$(jq -nc '[range(50) | {key: "l\(.)", value: "v"}] | from_entries')"
is "$(labels_of lim2 | jq -c '[length, .made, .l0, .made2]')" '[50,null,null,"y"]' \
    "no label is made on an event with 50; one is once a drop made room"

# ---- mapping tables --------------------------------------------------------------
section mapping-schema
api POST /mapping-schemas '{"name":"hosts","description":"owners","source_labels":["host","dc"],"result_labels":["owner","team"]}'
assert_status 201 "create a mapping schema"
SID=$(jb .data.id)
is "$(jb '[.data.name, .data.row_count, .data.uploaded_at, .data.source_labels, .data.result_labels] | tojson')" \
    '["hosts",0,null,["host","dc"],["owner","team"]]' "a new table has no rows"
get_csv "$SID"
assert_status 200 "GET the CSV of a new table"
is "$H_BODY" "" "no CSV yet"
api POST /mapping-schemas '{"name":"hosts","source_labels":["a"],"result_labels":["b"]}'
assert_code 409 Conflict
for bad in '{"name":"u","source_labels":["host"],"result_labels":["Owner"]}|result_labels[0]' \
    '{"name":"u","source_labels":["host"],"result_labels":["host"]}|both a source and a result' \
    '{"name":"u","source_labels":[],"result_labels":["o"]}|source_labels' \
    '{"name":"u","source_labels":["a","a"],"result_labels":["o"]}|twice' \
    '{"name":"u","source_labels":["a","b","c","d","e","f"],"result_labels":["o"]}|1 to 5' \
    '{"name":"u","source_labels":["a"]}|result_labels' \
    '{"source_labels":["a"],"result_labels":["o"]}|name' \
    "$(jq -nc --arg n "$(printf 'n%.0s' {1..101})" '{name: $n, source_labels: ["a"], result_labels: ["o"]}')|1 to 100"; do
    api POST /mapping-schemas "${bad%|*}"
    assert_code 400 InvalidParameter
    has "$(jb .error.message)" "${bad#*|}" "the message says why (${bad#*|})"
done
api POST /mapping-schemas "$(jq -nc '{name: "u", source_labels: ["a"], result_labels: [range(21) | "r\(.)"]}')"
assert_code 400 InvalidParameter
has "$(jb .error.message)" "1 to 20" "21 result labels are too many"
api GET /mapping-schemas
is "$(jb '[.data.items[].name] | tojson')" '["hosts"]' "refused schemas are not stored"
api PATCH "/mapping-schemas/$SID" '{"result_labels":["x"]}'
assert_code 400 InvalidParameter
api PATCH "/mapping-schemas/$SID" '{"name":"renamed","source_labels":["host","dc"]}'
assert_code 400 InvalidParameter
api GET "/mapping-schemas/$SID"
is "$(jb '[.data.name, .data.source_labels, .data.result_labels] | tojson')" \
    '["hosts",["host","dc"],["owner","team"]]' "a refused PATCH changes nothing"
api PATCH "/mapping-schemas/$SID" '{"description":"who owns what"}'
assert_status 200 "change the description"
is "$(jb '[.data.name, .data.description] | tojson')" '["hosts","who owns what"]' "the new description"
api POST /mapping-schemas '{"name":"other","source_labels":["Host.Name"],"result_labels":["o"]}'
assert_status 201 "a source label need not be a made-label name"
OID=$(jb .data.id)
api PATCH "/mapping-schemas/$OID" '{"name":"hosts"}'
assert_code 409 Conflict
api GET "/mapping-schemas/$OID"
is "$(jb .data.name)" other "a refused rename changes nothing"
api PATCH /mapping-schemas/999999 '{"name":"zz"}'
assert_code 404 ResourceNotFound
api GET /mapping-schemas/999999
assert_code 404 ResourceNotFound
get_csv 999999
assert_code 404 ResourceNotFound
http POST "$AH_URL/api/v1/mapping-schemas/$SID/data" -H "Authorization: Bearer $AH_TOKEN" --data-binary 'a,b'
assert_code 405 MethodNotAllowed

section mapping-upload
upload "$SID" $'\xef\xbb\xbfteam,host,owner,dc\r\nstorage,db-1,alice,east\r\n,"web,2",bob,west\r\n\r\n"a ""q""",db-1,carol,west\r\ncore,"multi\nline",mia,east\r\nz,,zed,east\r\n'
assert_status 200 "upload CSV (BOM, CRLF, columns in another order, quoting, an empty line)"
is "$(jb .data.row_count)" 5 "five rows (the empty line is skipped; a row with an empty source cell counts)"
assert_match "uploaded_at is set" '^[0-9]+$' "$(jb .data.uploaded_at)"
cp "$AH_TMP/upload.csv" "$AH_TMP/good1.csv"
get_csv "$SID"
assert_status 200 "GET the CSV"
has "$(header Content-Type)" text/csv "the CSV is text/csv"
csv_is "$AH_TMP/good1.csv" "the CSV is answered byte for byte as uploaded"
put_enrich "$(mapping "$SID")"
fire m1 t "" '{"host":"db-1","dc":"east"}'
is "$(labels_of m1)" "$(norm '{"host":"db-1","dc":"east","owner":"alice","team":"storage"}')" "both result labels"
fire m2 t "" '{"host":"web,2","dc":"west"}'
is "$(labels_of m2)" "$(norm '{"host":"web,2","dc":"west","owner":"bob"}')" "a quoted comma; an empty cell sets nothing"
fire m3 t "" '{"host":"db-1","dc":"west"}'
is "$(label_of m3 team)" 'a "q"' "two source columns select the row; doubled quotes"
fire m3b t "" '{"host":"multi\nline","dc":"east"}'
is "$(label_of m3b owner)" mia "a quoted line break"
fire m4 t "" '{"host":"db-1"}'
is "$(labels_of m4)" '{"host":"db-1"}' "a missing source label selects nothing"
fire m4b t "" '{"dc":"east","host":""}'
is "$(label_of m4b owner)" "<none>" "an empty source value never matches the row with an empty cell"
fire m5 t "" '{"host":"db-9","dc":"east"}'
is "$(labels_of m5)" "$(norm '{"host":"db-9","dc":"east"}')" "no row: nothing"
fire m5b t "" '{"host":"web","dc":"2,west"}'
is "$(label_of m5b owner)" "<none>" "source values cannot fake a boundary (web + 2,west is not web,2 + west)"
put_enrich "$(mapping "$SID" '["owner"]')"
fire m6 t "" '{"host":"db-1","dc":"east","owner":"kept"}'
is "$(labels_of m6)" "$(norm '{"host":"db-1","dc":"east","owner":"kept"}')" "a subset of columns; override false keeps"
put_enrich "$(mapping "$SID" null true)"
fire m6b t "" '{"host":"web,2","dc":"west","owner":"old","team":"old"}'
is "$(labels_of m6b)" "$(norm '{"host":"web,2","dc":"west","owner":"bob","team":"old"}')" \
    "override true replaces; an empty cell still sets nothing"
api PUT "/integrations/$INT_ID/enrichment" "{\"rules\":[{\"kind\":\"mapping\",\"settings\":{\"schema_id\":$OID}}]}"
assert_status 200 "schema_id as a number"
is "$(jb '.data.rules[0].settings.schema_id | [type, tostring] | tojson')" "[\"number\",\"$OID\"]" "saved as sent"
upload "$OID" $'Host.Name,o\nh1,one\n'
assert_status 200 "upload to the second table"
fire m7 t "" '{"Host.Name":"h1"}'
is "$(labels_of m7)" '{"Host.Name":"h1","o":"one"}' "a source label with a dot and capitals"

section mapping-refusals
put_enrich "$(mapping "$SID")"
printf 'host,dc,owner,team\nh,d,o\0x,t\n' >"$AH_TMP/nul.csv"
upload_file "$SID" "$AH_TMP/nul.csv"
assert_code 400 InvalidParameter
has "$(jb .error.message)" "line 2: NUL byte" "the message says why (NUL)"
refuse_upload $'host,dc,owner\ndb-1,east,x\n' 'line 1: the header must name result label "team" once'
refuse_upload $'host,dc,owner,team,extra\n' 'line 1: the header has 5 columns; the schema has 4 labels'
refuse_upload $'host,dc,owner,owner,team\n' 'line 1: the header must name result label "owner" once'
refuse_upload $'host,dc,owner,team\ndb-1,east,x\n' 'line 2: 3 fields where the header has 4'
refuse_upload $'host,dc,owner,team\ndb-1,east,x,y,z\n' 'line 2: 5 fields where the header has 4'
refuse_upload $'host,dc,owner,team\ndb-1,east,x,y\ndb-1,east,z,w\n' 'line 3: these source values appear twice'
refuse_upload $'host,dc,owner,team\ndb-2,east,x,y\n"db-1,east,x,y\n' 'line 3: unterminated quoted field'
refuse_upload $'host,dc,owner,team\ndb-1,east,a"b,y\n' 'line 2: quote inside an unquoted field'
refuse_upload $'host,dc,owner,team\ndb-1,east,"ab"c,y\n' 'line 2: text after a closing quote'
refuse_upload $'host,dc,owner,team\ndb-1,east,\xff,y\n' 'line 2: field 3 is not UTF-8'
refuse_upload '' 'the CSV is empty'
head -c 1100000 /dev/zero | tr '\0' a >"$AH_TMP/huge.csv"
upload_file "$SID" "$AH_TMP/huge.csv"
assert_code 413 EntityTooLarge
is "$(row_count "$SID")" 5 "refused uploads keep the rows"
get_csv "$SID"
csv_is "$AH_TMP/good1.csv" "refused uploads keep the CSV"
fire m8 t "" '{"host":"db-1","dc":"east"}'
is "$(label_of m8 owner)" alice "lookups still use the old rows"

section mapping-reupload
upload "$SID" $'host,dc,owner,team\ndb-1,east,dave,core\n'
assert_status 200 "re-upload"
is "$(jb .data.row_count)" 1 "one row now"
cp "$AH_TMP/upload.csv" "$AH_TMP/good2.csv"
get_csv "$SID"
csv_is "$AH_TMP/good2.csv" "the CSV is the new one"
fire m9 t "" '{"host":"db-1","dc":"east"}'
fire m10 t "" '{"host":"web,2","dc":"west"}'
is "$(label_of m9 owner)" dave "the new row"
is "$(labels_of m10)" "$(norm '{"host":"web,2","dc":"west"}')" "the old rows are gone"
upload "$SID" $'host,dc,owner,team\n'
assert_status 200 "a header alone"
is "$(jb .data.row_count)" 0 "no rows"
fire m11 t "" '{"host":"db-1","dc":"east"}'
is "$(label_of m11 owner)" "<none>" "no rows: nothing"
upload "$SID" $'host,dc,owner,team\ndb-1,east,dave,core\n'
assert_status 200 "the row back"

section mapping-row-limit
api POST /mapping-schemas '{"name":"big","source_labels":["h"],"result_labels":["o"]}'
assert_status 201 "a table for the row limit"
BID=$(jb .data.id)
# (about 0.9 MB: under the default 1 MiB body limit)
awk 'BEGIN { print "h,o"; for (i = 1; i < 100000; i++) printf "h%d,x\n", i; print "h100000,last" }' \
    >"$AH_TMP/rows100k.csv"
{ cat "$AH_TMP/rows100k.csv"; echo h100001,y; } >"$AH_TMP/rows100k1.csv"
upload_file "$BID" "$AH_TMP/rows100k.csv"
assert_status 200 "100,000 rows"
is "$(jb .data.row_count)" 100000 "all of them"
upload_file "$BID" "$AH_TMP/rows100k1.csv"
assert_code 400 InvalidParameter
has "$(jb .error.message)" "line 100002: more than 100000 rows" "the message names the line"
is "$(row_count "$BID")" 100000 "the rows stay"
put_enrich "$(mapping "$BID")"
fire big1 t "" '{"h":"h100000"}'
is "$(label_of big1 o)" last "the last row is looked up"

section mapping-delete
new_integration enrich-j1 standard "$CH"
J1=$INT_ID
put_enrich "$(mapping "$BID")"
new_integration enrich-j2 standard "$CH"
J2=$INT_ID
put_enrich "$(drop a)" "$(mapping "$BID" '["o"]')" "$(mapping "$BID")"
api DELETE "/mapping-schemas/$BID"
assert_code 409 ReferenceExist
has "$(jb .error.message)" "3 integration(s)" "three integrations use it"
INT_ID=$STD_ID
put_enrich "$(mapping "$SID")"
INT_ID=$J1
put_enrich
api DELETE "/mapping-schemas/$BID"
assert_code 409 ReferenceExist
has "$(jb .error.message)" "1 integration(s)" "one still does"
api DELETE "/integrations/$J2"
assert_status 200 "delete the integration that uses it"
api DELETE "/mapping-schemas/$BID"
assert_status 200 "delete once no integration uses it"
api GET "/mapping-schemas/$BID"
assert_code 404 ResourceNotFound
get_csv "$BID"
assert_code 404 ResourceNotFound
upload "$BID" $'h,o\na,b\n'
assert_code 404 ResourceNotFound
api DELETE "/mapping-schemas/$BID"
assert_code 404 ResourceNotFound
refuse_enrich "schema_id must name an existing mapping schema" "$(rules "$(mapping "$BID")")"
INT_ID=$STD_ID
INT_KEY=$STD_KEY
api DELETE "/mapping-schemas/$SID"
assert_code 409 ReferenceExist

# ---- drop, chaining, Ok ----------------------------------------------------------
section drop-and-chain
put_enrich "$(extract title 'host=(?P<result>\S+)' host)" \
    "$(compose '{{.labels.host}}-{{.labels.dc}}' key2)" \
    "$(mapping "$SID")" \
    "$(drop dc nothing_here)"
fire d1 "down host=db-1" "" '{"dc":"east","secret":"s"}'
is "$(labels_of d1)" "$(norm '{"secret":"s","host":"db-1","key2":"db-1-east","owner":"dave","team":"core"}')" \
    "each rule sees the labels made before it; drop deletes (a missing label is a no-op)"
put_enrich "$(drop owner)" "$(mapping "$SID")"
fire d2 t "" '{"host":"db-1","dc":"east","owner":"x"}'
is "$(label_of d2 owner)" dave "a label dropped first is made again by a later rule"
put_enrich "$(extract title 'host=(?P<result>\S+)' host)" \
    "$(compose '{{.labels.host}}-{{.labels.dc}}' key2)" \
    "$(mapping "$SID")" \
    "$(drop dc)"
push_std "$INT_KEY" "$(ev Ok "down host=db-1" d1 "" '{"dc":"east","extra":"x"}')"
assert_status 200 "Ok"
is "$(db "SELECT status FROM alerts WHERE alert_key = 'd1';")" Ok "the Ok recovers the alert"
is "$(event_labels d1)" "$(norm '{"extra":"x","host":"db-1","key2":"db-1-east","owner":"dave","team":"core"}')" \
    "the Ok event is enriched too"

# ---- refusals --------------------------------------------------------------------
section refusals
put_enrich "$(compose ok label)"
refuse_enrich "rules[0].kind" '{"rules":[{"kind":"nope","settings":{}}]}'
refuse_enrich "rules[1].kind" "$(rules "$(drop a)" '{"kind":"enrich","settings":{}}')"
refuse_enrich "rules[0].pattern is not a valid regex" "$(rules "$(extract title '(' x)")"
refuse_enrich "result_label" "$(rules "$(extract title 'x' 'Bad-Name')")"
refuse_enrich "result_label" "$(rules "$(compose x Owner)")"
refuse_enrich "result_label" "$(rules "$(compose x "a$(printf 'b%.0s' {1..63})")")"
refuse_enrich "source_field" "$(rules "$(extract body 'x' x)")"
refuse_enrich "source_field" "$(rules "$(extract labels. 'x' x)")"
refuse_enrich "pattern" "$(rules "$(extract title '' x)")"
refuse_enrich "rules[0].template must be 1 to 500 bytes" "$(rules "$(compose "$(printf 'x%.0s' {1..501})" x)")"
refuse_enrich "template" "$(rules "$(compose "$(printf 'é%.0s' {1..251})" x)")"
refuse_enrich "template" "$(rules "$(compose '' x)")"
refuse_enrich "g_json is not supported" '{"rules":[{"kind":"extraction","settings":{"source_field":"title","g_json":"a.b","result_label":"x"}}]}'
refuse_enrich "rules[1].if" "$(rules "$(drop a)" "$(when "$(drop b)" '[{"key":"nope","oper":"IN","vals":["x"]}]')")"
refuse_enrich "rules[0].if" "$(rules "$(when "$(drop b)" '[[{"key":"labels.a","oper":"IN","vals":["x"]}]]')")"
refuse_enrich "not supported" '{"rules":[{"kind":"mapping","settings":{"mapping_type":"api","schema_id":"1"}}]}'
refuse_enrich "schema_id must name an existing mapping schema" "$(rules "$(mapping 999999)")"
refuse_enrich "is not a column of the table" "$(rules "$(mapping "$SID" '["owner","nope"]')")"
refuse_enrich "result_labels" "$(rules "$(mapping "$SID" '[]')")"
refuse_enrich "override must be true or false" '{"rules":[{"kind":"drop","settings":{"drop_labels":["a"],"override":"yes"}}]}'
refuse_enrich "drop_labels" '{"rules":[{"kind":"drop","settings":{"drop_labels":[]}}]}'
refuse_enrich "drop_labels" '{"rules":[{"kind":"drop","settings":{"drop_labels":"a"}}]}'
refuse_enrich "rules[0] must be an object" '{"rules":[{"kind":"drop"}]}'
refuse_enrich "at most 50 rules" "$(jq -nc '{rules: [range(51) | {kind: "drop", settings: {drop_labels: ["a"]}}]}')"
refuse_enrich "rules must be an array" '{"rules":{}}'
refuse_enrich "JSON object" '[]'
refuse_enrich "not valid JSON" '{"rules":['
put_enrich "$(compose "$(printf 'x%.0s' {1..500})" x500)" "$(compose "$(printf 'é%.0s' {1..250})" e250)"
mapfile -t fifty < <(jq -nc 'range(50) | {kind: "drop", settings: {drop_labels: ["a"]}}')
put_enrich "${fifty[@]}"
api GET "/integrations/$INT_ID/enrichment"
is "$(jb '.data.rules | length')" 50 "50 rules are allowed"

# ---- routing on an enriched label ------------------------------------------------
section routing
new_channel enrich-a
CHA=$CH_ID
new_channel enrich-b
CHB=$CH_ID
new_integration enrich-shared standard
SHARED=$INT_ID
SHARED_KEY=$INT_KEY
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
assert_status 200 "Ok r1"
is "$(db "SELECT status FROM alerts WHERE alert_key = 'r1';")" Ok "the Ok routes the same way and recovers"
is "$(db "SELECT count(*) FROM alerts WHERE alert_key = 'r1';")" 1 "the Ok made no alert elsewhere"

# ---- uploads and rule changes racing pushes ----------------------------------------
# Pushes (4 workers) while the table is re-uploaded and the rules swapped 15
# times: every push is stored, and each event carries one table version and
# one rule set (owner = team, r1 = r2), never a mix.
section concurrency
api POST /mapping-schemas '{"name":"race","source_labels":["h"],"result_labels":["owner","team"]}'
assert_status 201 "a table for the race"
RID=$(jb .data.id)
printf 'h,owner,team\nx,v1,v1\n' >"$AH_TMP/v1.csv"
printf 'h,owner,team\nx,v2,v2\n' >"$AH_TMP/v2.csv"
upload_file "$RID" "$AH_TMP/v1.csv"
assert_status 200 "version 1"
new_integration enrich-race standard "$CH"
RA=$(rules "$(mapping "$RID")" "$(compose A r1)" "$(compose A r2)")
RB=$(rules "$(mapping "$RID")" "$(compose B r1)" "$(compose B r2)")
api PUT "/integrations/$INT_ID/enrichment" "$RA"
assert_status 200 "rule set A"
(
    for i in $(seq 1 15); do
        curl -s -o /dev/null -w '%{http_code}\n' -X PUT -H "Authorization: Bearer $AH_TOKEN" \
            -H 'Content-Type: text/csv' --data-binary "@$AH_TMP/v$((i % 2 + 1)).csv" \
            "$AH_URL/api/v1/mapping-schemas/$RID/data"
        if [ $((i % 2)) = 0 ]; then r=$RA; else r=$RB; fi
        curl -s -o /dev/null -w '%{http_code}\n' -X PUT -H "Authorization: Bearer $AH_TOKEN" \
            -H 'Content-Type: application/json' --data-binary "$r" \
            "$AH_URL/api/v1/integrations/$INT_ID/enrichment"
    done >"$AH_TMP/race.admin"
) &
race_pids=($!)
for w in 1 2 3 4; do
    (
        for i in $(seq 1 15); do
            curl -s -o /dev/null -w '%{http_code}\n' -X POST -H 'Content-Type: application/json' \
                --data-binary "$(ev Warning t "race-$w-$i" "" '{"h":"x"}')" \
                "$AH_URL/event/push/alert/standard?integration_key=$INT_KEY"
        done >"$AH_TMP/race.push.$w"
    ) &
    race_pids+=($!)
done
AH_BG_PIDS+=("${race_pids[@]}")
wait "${race_pids[@]}"
AH_BG_PIDS=()
is "$(sort "$AH_TMP/race.admin" | uniq -c | tr -s ' ')" " 30 200" "every upload and rule change answered 200"
is "$(cat "$AH_TMP"/race.push.* | sort | uniq -c | tr -s ' ')" " 60 200" "every push answered 200"
is "$(db "SELECT count(*) FROM events WHERE alert_key LIKE 'race-%';")" 60 "every event stored"
is "$(db "SELECT labels FROM events WHERE alert_key LIKE 'race-%';" |
    jq -c 'select(.owner != .team or .r1 != .r2 or (.owner | IN("v1", "v2") | not) or (.r1 | IN("A", "B") | not))' | wc -l)" \
    0 "each event saw one table version and one rule set"
api GET "/integrations/$INT_ID/enrichment"
is "$(jb '.data | tojson')" "$RB" "the last rule change wins"
api GET "/mapping-schemas/$RID"
is "$(jb .data.row_count)" 1 "the table holds one row"
fire race-after t "" '{"h":"x"}'
is "$(labels_of race-after | jq -c '[.owner, .r1]')" '["v2","B"]' "the last upload and rule set apply"

# ---- restarts ------------------------------------------------------------------------
section restart
INT_ID=$STD_ID
INT_KEY=$STD_KEY
put_enrich "$(extract title 'host=(?P<result>\S+)' host)" "$(mapping "$SID")"
SAVED_STD=$(rules "$(extract title 'host=(?P<result>\S+)' host)" "$(mapping "$SID")")
upload "$SID" $'host,dc,owner,team\n"db,1",east,"o, ""q""","multi\nline"\n'
assert_status 200 "an upload with quoting before the restart"
cp "$AH_TMP/upload.csv" "$AH_TMP/good3.csv"
refuse_enrich "rules[0].kind" '{"rules":[{"kind":"nope","settings":{}}]}'
stop_server
restart_server
api GET "/integrations/$STD_ID/enrichment"
is "$(jb '.data | tojson')" "$SAVED_STD" "the rules after a clean restart"
is "$(row_count "$SID")" 1 "the row count after a clean restart"
get_csv "$SID"
csv_is "$AH_TMP/good3.csv" "the CSV after a clean restart"
fire s1 'down host=db,1' "" '{"dc":"east"}'
is "$(labels_of s1)" "$(norm '{"dc":"east","host":"db,1","owner":"o, \"q\"","team":"multi\nline"}')" \
    "extraction and the quoted row apply after a clean restart"
INT_ID=$SHARED
INT_KEY=$SHARED_KEY
fire r3 "[pay] again" ""
is "$(db "SELECT channel_id FROM alerts WHERE alert_key = 'r3';")" "$CHA" "routing on an enriched label after a restart"

section kill-9
INT_ID=$STD_ID
INT_KEY=$STD_KEY
upload "$SID" $'host,dc,owner,team\ndb-2,east,erin,edge\n'
assert_status 200 "upload just before kill -9"
put_enrich "$(extract title 'host=(?P<result>\S+)' host)" "$(mapping "$SID" '["owner"]')" "$(compose '{{.labels.owner}}@{{.labels.host}}' who)"
SAVED_STD=$(jb '.data | tojson')
kill9_server
restart_server
api GET "/integrations/$STD_ID/enrichment"
is "$(jb '.data | tojson')" "$SAVED_STD" "rules saved just before kill -9"
is "$(row_count "$SID")" 1 "rows uploaded just before kill -9"
fire k1 "down host=db-2" "" '{"dc":"east"}'
is "$(labels_of k1)" "$(norm '{"dc":"east","host":"db-2","owner":"erin","who":"erin@db-2"}')" \
    "rules and rows saved before kill -9 apply after it"
fire k2 "down host=db,1" "" '{"dc":"east"}'
is "$(label_of k2 owner)" "<none>" "the rows replaced before kill -9 stay replaced"
put_enrich
api DELETE "/mapping-schemas/$SID"
assert_status 200 "delete once unused"
api GET "/mapping-schemas/$SID"
assert_code 404 ResourceNotFound
stop_server
finish
