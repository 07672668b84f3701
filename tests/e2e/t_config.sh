#!/usr/bin/env bash
# t_config.sh - configuration as code (docs/config.md): --config FILE at
# start-up (two channels, a member, integrations with fixed keys, a routed
# shared integration, a silence, an escalation rule naming the member); a
# push to a fixed key; a restart duplicates nothing; SIGHUP applies an
# edited file and leaves objects outside it alone; prune deletes them; a bad
# file on SIGHUP is refused and the running configuration kept; a bad file
# at start-up exits 2 naming where the error is; check-config exits 0 or 1
# listing every error. YAML: a file equivalent to the JSON one gives the
# same objects; syntax and semantic errors name their line; notify targets,
# teams and schedules (named by escalation levels) are created, updated on
# SIGHUP and pruned, prune refusing what is still named.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 BIN}

KEY1=0123456789abcdef0123456789abcdef
KEY2=fedcba9876543210fedcba9876543210
CFG=$AH_TMP/alerthub.json

# write_config PAY_DESC [PRUNE] [EXTRA_CHANNEL_JSON]: the test's file.
write_config()
{
    jq -n --arg d "$1" --argjson prune "${2:-false}" --argjson extra "${3:-[]}" --arg k1 "$KEY1" \
        --arg k2 "$KEY2" '{
      prune: $prune,
      channels: ([
        {name: "payments", description: $d,
         grouping: {method: "rules", equals: [["labels.check"]], window_minutes: 10},
         silences: [{name: "dev-quiet", filters: [[{key: "labels.env", oper: "IN", vals: ["dev"]}]],
                     time: {start: 1, end: 4102444800}, mode: "drop", enabled: true}],
         escalations: {rules: [{name: "page alice",
                                levels: [{members: ["alice"], escalate_after_minutes: 10}]}]}},
        {name: "infra", auto_resolve_timeout: 3600}
      ] + $extra),
      members: [{name: "alice", email: "alice@example.com"}],
      integrations: [
        {name: "prom", type: "standard", channel: "infra", key: $k1},
        {name: "shared", type: "standard", key: $k2,
         routes: {cases: [{"if": [[{key: "labels.team", oper: "IN", vals: ["pay"]}]],
                           channels: ["payments"]}],
                  default: {channels: ["infra"]}}}
      ]}' >"$CFG"
}

# hup PATTERN: SIGHUP, then wait until the server logs PATTERN once more.
hup()
{
    local before deadline=$((SECONDS + 15))
    before=$(grep -c "$1" "$AH_LOG")
    kill -HUP "$AH_PID"
    while [ "$(grep -c "$1" "$AH_LOG")" -le "$before" ] && [ "$SECONDS" -le "$deadline" ]; do
        sleep 0.05 # poll interval, not a wait for an assumed state
    done
    assert_true "SIGHUP logged \"$1\"" [ "$(grep -c "$1" "$AH_LOG")" -gt "$before" ]
}

count() { db "SELECT count(*) FROM $1;"; }

# config_rows: every row the file declares, all columns, in a stable order.
config_rows()
{
    db "SELECT * FROM channels ORDER BY id; SELECT * FROM integrations ORDER BY id;
        SELECT * FROM members ORDER BY id; SELECT * FROM silences ORDER BY id;
        SELECT * FROM inhibits ORDER BY id; SELECT * FROM escalation_refs ORDER BY 1, 2, 3;"
}

section "check-config"
write_config "the payments team"
out=$("$BIN" check-config "$CFG" 2>&1)
assert_eq "check-config on a good file exits 0" 0 $?
assert_contains "check-config says ok" "ok" "$out"
cat >"$AH_TMP/bad.json" <<'JSON'
{
  "channels": [
    {"name": "payments", "grouping": {"method": "bogus"},
     "silences": [{"name": "s", "filters": [[{"key": "labels.env", "oper": "XX", "vals": ["dev"]}]]}]},
    {"name": "payments"}
  ],
  "integrations": [{"name": "x", "type": "nope", "key": "short",
                    "routes": {"cases": [], "default": {"channel_ids": "x"}}}],
  "colour": 1
}
JSON
out=$("$BIN" check-config "$AH_TMP/bad.json" 2>&1)
assert_eq "check-config on a bad file exits 1" 1 $?
assert_contains "unknown top-level field" '(top): unknown field "colour"' "$out"
assert_contains "repeated name" 'channels[1]: repeats the name "payments"' "$out"
assert_contains "grouping error with its path" "channels[0].grouping: method must be" "$out"
assert_contains "silence error with its path" "channels[0].silences[0]: " "$out"
assert_contains "integration type" "integrations[0]: type must be" "$out"
assert_contains "integration key" "integrations[0]: key must be" "$out"
assert_contains "routes error with its path" "integrations[0].routes" "$out"
assert_contains "the count" "7 error(s)" "$out"
printf '{"channels": [\n  {"name": "a",}\n]}\n' >"$AH_TMP/syntax.json"
out=$("$BIN" check-config "$AH_TMP/syntax.json" 2>&1)
assert_eq "check-config on a syntax error exits 1" 1 $?
assert_contains "syntax error with line and column" "syntax.json:2:16:" "$out"

section "a bad file at start-up: exit 2 and where"
data=$(mktemp -d "$AH_TMP/bad.XXXXXX")
"$BIN" serve --listen 127.0.0.1:1 --data "$data" --admin-token x --config "$AH_TMP/bad.json" \
    >"$AH_TMP/bad.log" 2>&1
assert_eq "exit status" 2 $?
assert_contains "the log names the error" "channels[0].grouping" "$(cat "$AH_TMP/bad.log")"

section "start-up applies the file"
start_server "$BIN" --config "$CFG"
api GET /channels
assert_eq "two channels" "infra payments" "$(jb '[.data.items[].name] | sort | join(" ")')"
PAY=$(jb '.data.items[] | select(.name == "payments") | .id')
INFRA=$(jb '.data.items[] | select(.name == "infra") | .id')
api GET "/channels/$PAY/silences"
assert_eq "the silence" "dev-quiet" "$(jb '[.data.items[].name] | join(" ")')"
api GET /members
ALICE=$(jb '.data.items[] | select(.name == "alice") | .id')
api GET "/channels/$PAY/escalations"
assert_eq "the escalation names alice by id" "$ALICE" "$(jb '.data.rules[0].levels[0].member_ids[0]')"
api GET /integrations
assert_eq "fixed key of prom" "$KEY1" "$(jb '.data.items[] | select(.name == "prom") | .integration_key')"
assert_eq "prom is private to infra" "$INFRA" "$(jb '.data.items[] | select(.name == "prom") | .channel_id')"
push_std "$KEY1" '{"event_status":"Critical","title_rule":"disk full","alert_key":"cfg-1"}'
assert_status 200
push_std "$KEY2" '{"event_status":"Critical","title_rule":"pay down","alert_key":"cfg-2","labels":{"team":"pay"}}'
assert_status 200
assert_eq "the shared key routes to payments" "$PAY" "$(db "SELECT channel_id FROM alerts WHERE alert_key = 'cfg-2';")"
push_std "$KEY2" '{"event_status":"Critical","title_rule":"quiet","alert_key":"cfg-3","labels":{"team":"pay","env":"dev"}}'
assert_status 200
assert_eq "the silence drops" 0 "$(db "SELECT count(*) FROM alerts WHERE alert_key = 'cfg-3';")"

section "restart: the file applied a second time changes nothing"
counts="$(count channels) $(count integrations) $(count members) $(count silences)"
rows_before=$(config_rows)
stop_server
sleep 1.1 # a rewritten row would now carry a later updated_at
restart_server
assert_eq "same rows after a restart" "$counts" \
    "$(count channels) $(count integrations) $(count members) $(count silences)"
assert_eq "every declared row unchanged, timestamps included" "$rows_before" "$(config_rows)"
push_std "$KEY1" '{"event_status":"Critical","title_rule":"disk full","alert_key":"cfg-1"}'
assert_status 200

section "SIGHUP applies an edit; objects outside the file untouched"
api POST /channels '{"name":"by-hand"}'
assert_status 201
HAND=$(jb .data.id)
api POST /members '{"name":"bob"}'
assert_status 201
BOB=$(jb .data.id)
api POST "/channels/$PAY/silences" '{"name":"by-hand","filters":[[{"key":"labels.env","oper":"IN","vals":["qa"]}]],"time":{"start":1,"end":4102444800}}'
assert_status 201
pay_at=$(db "SELECT updated_at FROM channels WHERE id = $PAY;")
infra_at=$(db "SELECT updated_at FROM channels WHERE id = $INFRA;")
write_config "edited"
sleep 1.1
hup "configuration .* applied"
api GET "/channels/$PAY"
assert_eq "description updated" "edited" "$(jb .data.description)"
assert_eq "the edited channel's updated_at moves" 1 \
    "$(db "SELECT CASE WHEN updated_at > $pay_at THEN 1 ELSE 0 END FROM channels WHERE id = $PAY;")"
assert_eq "an unedited channel's updated_at stays" "$infra_at" \
    "$(db "SELECT updated_at FROM channels WHERE id = $INFRA;")"
api GET "/channels/$HAND"
assert_status 200
api GET "/members/$BOB"
assert_status 200
api GET "/channels/$PAY/silences"
assert_eq "silences: the file's and the hand-made one" "by-hand dev-quiet" \
    "$(jb '[.data.items[].name] | sort | join(" ")')"
assert_eq "same channel ids" "$PAY" "$(db "SELECT id FROM channels WHERE name = 'payments';")"

section "a bad file on SIGHUP is refused; the running config kept"
cp "$AH_TMP/bad.json" "$CFG"
hup "SIGHUP refused"
api GET "/channels/$PAY"
assert_eq "description kept" "edited" "$(jb .data.description)"
api GET "/channels/$PAY/grouping"
assert_eq "grouping kept" "rules" "$(jb .data.method)"
push_std "$KEY1" '{"event_status":"Critical","title_rule":"disk full","alert_key":"cfg-1"}'
assert_status 200

section "prune: true deletes what the file does not declare"
write_config "edited" true
hup "configuration .* applied"
api GET "/channels/$HAND"
assert_status 404
api GET /channels
assert_eq "declared channels stay" "infra payments" "$(jb '[.data.items[].name] | sort | join(" ")')"
api GET "/members/$BOB"
assert_status 404
api GET "/channels/$PAY/silences"
assert_eq "only the file's silence" "dev-quiet" "$(jb '[.data.items[].name] | join(" ")')"
push_std "$KEY2" '{"event_status":"Critical","title_rule":"quiet","alert_key":"cfg-4","labels":{"team":"pay","env":"dev"}}'
assert_status 200
assert_eq "the silence still drops" 0 "$(db "SELECT count(*) FROM alerts WHERE alert_key = 'cfg-4';")"

section "prune refuses what is still referenced (nothing changes)"
# The file no longer declares integrations (so none is pruned) nor infra,
# which prom still belongs to.
jq '{prune: true, members, channels: (.channels | map(select(.name != "infra")))}' "$CFG" \
    >"$AH_TMP/p.json"
cp "$AH_TMP/p.json" "$CFG"
hup "SIGHUP refused"
assert_contains "the refusal says why" "cannot delete" "$(cat "$AH_LOG")"
api GET "/channels/$INFRA"
assert_status 200
api GET /integrations
assert_eq "prom still private to infra" "$INFRA" "$(jb '.data.items[] | select(.name == "prom") | .channel_id')"

# fingerprint: what the file declares, as the API answers it (no ids).
fingerprint()
{
    local out pay
    api GET /channels
    out=$(jb '[.data.items[] | {name, description}] | sort_by(.name)')
    pay=$(jb '.data.items[] | select(.name == "payments") | .id')
    api GET "/channels/$pay/grouping"
    out="$out $(jb '.data | {method, equals, window_minutes}')"
    api GET "/channels/$pay/silences"
    out="$out $(jb '[.data.items[] | {name, filters, mode, enabled}]')"
    api GET "/channels/$pay/escalations"
    out="$out $(jb '[.data.rules[] | {name, n: (.levels | length)}]')"
    api GET /members # bob: only the YAML file's team and schedule need him
    out="$out $(jb '[.data.items[] | select(.name != "bob") | {name, email}] | sort_by(.name)')"
    api GET /integrations
    out="$out $(jb '[.data.items[] | {name, type, integration_key}] | sort_by(.name)')"
    printf '%s' "$out"
}

section "YAML: the same objects as the JSON file"
write_config "edited" true
"$BIN" check-config "$CFG" >/dev/null 2>&1 && start_server "$BIN" --config "$CFG"
json_print=$(fingerprint)
stop_server
YCFG=$AH_TMP/alerthub.yaml
# write_yaml TEAM_MEMBERS TARGET_URL [EXTRA]: the JSON file above in YAML,
# with a target, a team and a schedule that the escalation level names.
write_yaml()
{
    cat >"$YCFG" <<YAML
# the file of write_config "edited" true, in YAML
prune: true
channels:
  - name: payments
    description: edited
    grouping: {method: rules, equals: [[labels.check]], window_minutes: 10}
    silences:
      - name: dev-quiet
        filters: [[{key: labels.env, oper: IN, vals: [dev]}]]
        time: {start: 1, end: 4102444800}
        mode: drop
        enabled: true
    escalations:
      rules:
        - name: page alice
          levels:
            - members: [alice]
              escalate_after_minutes: 10
              ${ONCALL_REFS:-teams: [sre]
              schedules: [primary]
              targets: [chat]}
  - name: infra
    auto_resolve_timeout: 3600
members:
  - name: alice
    email: alice@example.com
  - {name: bob}
integrations:
  - name: prom
    type: standard
    channel: infra
    key: "$KEY1"
  - name: shared
    type: standard
    key: '$KEY2'
    routes:
      cases:
        - if: [[{key: labels.team, oper: IN, vals: [pay]}]]
          channels: [payments]
      default:
        channels: [infra]
$3
YAML
    [ -n "$3" ] && return
    cat >>"$YCFG" <<YAML
targets:
  - name: chat
    kind: webhook
    settings: {url: "$2", secret: s3cret}
    channels: [payments]
    event_types: [i_new, i_rslv]
teams:
  - name: sre
    members: $1
schedules:
  - name: primary
    timezone: UTC
    layers:
      - name: weekly
        start: 1804464000
        rotation: {unit: week, length: 1}
        handoff: "09:00"
        members: [alice, bob]
YAML
}
write_yaml "[alice, bob]" "https://chat.example.com/hook"
out=$("$BIN" check-config "$YCFG" 2>&1)
assert_eq "check-config on the YAML file exits 0 ($out)" 0 $?
start_server "$BIN" --config "$YCFG"
assert_eq "the same objects as from JSON" "$json_print" "$(fingerprint)"

section "YAML: targets, teams and schedules created, named by the escalation level"
api GET /members
ALICE=$(jb '.data.items[] | select(.name == "alice") | .id')
BOB=$(jb '.data.items[] | select(.name == "bob") | .id')
api GET /teams
assert_eq "the team" "sre" "$(jb '[.data.items[].name] | join(" ")')"
SRE=$(jb '.data.items[0].id')
assert_eq "its members by id" "$ALICE $BOB" "$(jb '.data.items[0].member_ids | join(" ")')"
api GET /schedules
assert_eq "the schedule" "primary" "$(jb '[.data.items[].name] | join(" ")')"
PRIMARY=$(jb '.data.items[0].id')
assert_eq "its layer's members" "$ALICE $BOB" "$(jb '.data.items[0].layers[0].member_ids | join(" ")')"
api GET /notify-targets
assert_eq "the target" "chat" "$(jb '[.data.items[].name] | join(" ")')"
CHAT=$(jb '.data.items[0].id')
PAY=$(db "SELECT id FROM channels WHERE name = 'payments';")
assert_eq "its channels by id" "$PAY" "$(jb '.data.items[0].channel_ids | join(" ")')"
assert_eq "its secret kept write-only" "true" "$(jb '.data.items[0].settings.has_secret')"
api GET "/channels/$PAY/escalations"
assert_eq "the level names team, schedule and target by id" "$SRE $PRIMARY $CHAT" \
    "$(jb '.data.rules[0].levels[0] | [.team_ids[0], .schedule_ids[0], .target_ids[0]] | join(" ")')"

section "YAML: SIGHUP updates them, ids kept"
write_yaml "[bob]" "https://chat.example.com/other"
hup "configuration .* applied"
api GET "/teams/$SRE"
assert_eq "team members updated" "$BOB" "$(jb '.data.member_ids | join(" ")')"
api GET "/notify-targets/$CHAT"
assert_eq "target url updated" "https://chat.example.com/other" "$(jb .data.settings.url)"
assert_eq "same schedule id" "$PRIMARY" "$(db "SELECT id FROM schedules WHERE name = 'primary';")"

section "YAML: prune refuses a team still named, then deletes what is not declared"
ONCALL_REFS="teams: [sre]" write_yaml "" "" "targets: []
teams: []
schedules: []"
hup "SIGHUP refused"
assert_contains "the refusal names the team" 'cannot delete teams "sre"' "$(cat "$AH_LOG")"
api GET "/teams/$SRE"
assert_status 200
ONCALL_REFS="targets: []" write_yaml "" "" "targets: []
teams: []
schedules: []"
hup "configuration .* applied"
api GET /teams
assert_eq "no team" 0 "$(jb '.data.items | length')"
api GET /schedules
assert_eq "no schedule" 0 "$(jb '.data.items | length')"
api GET /notify-targets
assert_eq "no target" 0 "$(jb '.data.items | length')"

section "the YAML example of docs/config.md passes check-config"
awk '/^```yaml$/ { n++; if (n == 1) { f = 1; next } } /^```$/ { f = 0 } f' \
    "$(dirname "$0")/../../docs/config.md" >"$AH_TMP/example.yaml"
assert_contains "the example is there" "payments-primary" "$(cat "$AH_TMP/example.yaml")"
out=$("$BIN" check-config "$AH_TMP/example.yaml" 2>&1)
assert_eq "check-config on the example exits 0 ($out)" 0 $?

section "YAML errors name their line"
printf 'channels:\n  - name: a\n    grouping: [\n' >"$AH_TMP/syntax.yaml"
out=$("$BIN" check-config "$AH_TMP/syntax.yaml" 2>&1)
assert_eq "check-config on a YAML syntax error exits 1" 1 $?
assert_match "syntax error with its line" "syntax.yaml:4:1: " "$out"
printf 'channels:\n  - name: a\n  - name: b\n    grouping:\n      method: bogus\n' \
    >"$AH_TMP/semantic.yaml"
out=$("$BIN" check-config "$AH_TMP/semantic.yaml" 2>&1)
assert_eq "check-config on a YAML semantic error exits 1" 1 $?
assert_contains "semantic error with its line and path" \
    "semantic.yaml:5:7: channels[1].grouping: method must be" "$out"
printf 'members: [{name: a}]\nmembers: []\n' >"$AH_TMP/dup.yaml"
out=$("$BIN" check-config "$AH_TMP/dup.yaml" 2>&1)
assert_contains "a duplicate key is refused" 'dup.yaml:2:1: duplicate key "members"' "$out"
out=$("$BIN" check-config "$AH_TMP/bad.json" 2>&1)
assert_contains "JSON semantic errors give the line too" "bad.json:3:38: channels[0].grouping" "$out"

stop_server
finish
