#!/usr/bin/env bash
# p_failover.sh BIN - PostgreSQL only (run-pg.sh runs the p_*.sh suites):
# two nodes write one database at once, each on what the other committed
# (an alert, an incident action, a configuration change made through one
# holds on the other); one of them, the first, sends the deliveries, and
# when it is killed the other goes on with every acknowledged event and
# takes the deliveries over; then a database outage: pushes answer 503 and
# /readyz fails while it lasts, and the node recovers by itself when the
# database is back.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

BIN=$1
[ -n "${AH_PG_DIR:-}" ] || { echo "p_failover: run it with tests/e2e/run-pg.sh" >&2; exit 2; }
CLUSTER_SH=$(cd "$(dirname "$0")/../.." && pwd)/scripts/pg-cluster.sh

# The second node: same database, its own port and log.
B_PID='' B_URL='' B_LOG=$AH_TMP/node-b.log
start_node_b()
{
    local port
    port=$(pick_port)
    B_URL=http://127.0.0.1:$port
    "$BIN" serve --listen "127.0.0.1:$port" --data "$AH_TMP/node-b" --admin-token "$AH_TOKEN" \
        --public-url "$AH_PUBLIC_URL" >"$B_LOG" 2>&1 &
    B_PID=$!
    AH_BG_PIDS+=("$B_PID")
}

# wait_until SECONDS CMD...: polls CMD until it succeeds (0) or time is up (1).
wait_until()
{
    local deadline=$((SECONDS + $1))
    shift
    while [ "$SECONDS" -le "$deadline" ]; do
        "$@" && return 0
        sleep 0.1 # poll interval, not a wait for an assumed state
    done
    return 1
}

code_of() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"; }
# push_code URL KEY ALERT_KEY: the status of a Warning pushed to the node at
# URL with integration key KEY.
push_code()
{
    code_of -H 'Content-Type: application/json' \
        --data-binary "$(jq -nc --arg k "$3" '{event_status: "Warning", title_rule: $k, alert_key: $k}')" \
        "$1/event/push/alert/standard?integration_key=$2"
}
b_healthy() { [ "$(code_of "$B_URL/healthz")" = 200 ]; }
a_ready() { [ "$(code_of "$AH_URL/readyz")" = 200 ]; }
a_not_ready() { [ "$(code_of "$AH_URL/readyz")" = 503 ]; }

start_server "$BIN"
new_channel failover
CH=$CH_ID
new_integration failover-std standard "$CH"
KEY=$INT_KEY

section "two nodes write one database at once"
for i in 1 2 3 4 5; do
    push_std "$KEY" "{\"event_status\":\"Critical\",\"title_rule\":\"disk $i\",\"alert_key\":\"fo-$i\"}"
    assert_status 200
done
start_node_b
assert_true "node B serves next to A" wait_until 30 b_healthy
assert_true "node A sends the deliveries (it started first)" \
    grep -q "this node now sends the deliveries" "$AH_LOG"
assert_true "node B does not" [ "$(grep -c "now sends the deliveries" "$B_LOG")" = 0 ]
# b_push BODY: a push through node B; H_STATUS and H_BODY as push_std sets them.
b_push() { AH_URL=$B_URL push_std "$KEY" "$1"; }
b_push '{"event_status":"Warning","title_rule":"disk 1","alert_key":"fo-1"}'
assert_status 200
assert_eq "an event through B joins the alert opened through A" 2 \
    "$(db "SELECT event_count FROM alerts WHERE alert_key = 'fo-1' AND end_time = 0;")"
push_std "$KEY" '{"event_status":"Critical","title_rule":"disk 1","alert_key":"fo-1"}'
assert_status 200
assert_eq "and the next through A joins it too: A caught up with B's write" 3 \
    "$(db "SELECT event_count FROM alerts WHERE alert_key = 'fo-1' AND end_time = 0;")"
INC1=$(incident_id_for fo-1)
AH_URL=$B_URL api POST "/incidents/$INC1/ack"
assert_status 200 "an incident opened through A acknowledged through B"
api POST "/incidents/$INC1/ack"
assert_status 200
api GET "/incidents/$INC1"
assert_eq "A sees it Processing" Processing "$(jb .data.progress)"
# (B started after A's writes: its first write found nothing new. A's
# second and B's action each followed a write of the other.)
# metric URL NAME: a sample of the node's /metrics.
metric() { curl -s --max-time 5 "$1/metrics" | awk -v m="$2" '$1 == m {print $2}'; }
both_caught_up()
{
    [ "$(metric "$AH_URL" alerthub_writer_catch_ups_total)" -ge 1 ] &&
        [ "$(metric "$B_URL" alerthub_writer_catch_ups_total)" -ge 1 ]
}
assert_true "each node caught up by the rows the other changed" both_caught_up
assert_eq "without rebuilding everything (A, B)" "0 0" \
    "$(metric "$AH_URL" alerthub_writer_rebuilds_total) $(metric "$B_URL" alerthub_writer_rebuilds_total)"
b_push '{"event_status":"Ok","title_rule":"disk 2","alert_key":"fo-2"}'
assert_status 200
push_std "$KEY" '{"event_status":"Critical","title_rule":"disk 2","alert_key":"fo-2"}'
assert_status 200
assert_eq "a recovery through B closes A's alert; a firing through A then opens a new one" \
    "Ok 2|Critical 1" \
    "$(db "SELECT string_agg(CASE WHEN end_time > 0 THEN 'Ok' ELSE 'Critical' END || ' ' || event_count, '|' ORDER BY id)
           FROM alerts WHERE alert_key = 'fo-2';")"
assert_eq "one open alert per key" 5 \
    "$(db "SELECT count(*) FROM alerts WHERE end_time = 0 AND close_time = 0;")"

section "a console session opened on one node holds on the other"
http POST "$AH_URL/api/v1/session" -H 'Content-Type: application/json' -H 'X-Requested-With: alerthub' \
    --data-binary "$(jq -nc --arg t "$AH_TOKEN" '{token: $t}')"
assert_status 200 "signed in through A"
COOKIE=$(header Set-Cookie | sed -n 's/^alerthub_session=\([0-9a-f]*\);.*/\1/p')
assert_match "a session cookie" '^[0-9a-f]{64}$' "$COOKIE"
# on NODE_URL METHOD PATH: a request with the cookie only.
on() { http "$2" "$1/api/v1$3" -H "Cookie: alerthub_session=$COOKIE" -H 'X-Requested-With: alerthub'; }
on "$B_URL" GET /session
assert_status 200 "B knows the session at once (from the database)"
assert_eq "as the admin, by cookie" "admin cookie" "$(jb '.data.scope + " " + .data.auth')"
on "$B_URL" GET /channels
assert_status 200 "B serves the console's reads by it"
on "$B_URL" DELETE /session
assert_status 200 "signed out through B"
assert_eq "which ended a live session" true "$(jb .data.signed_out)"
a_refuses() { on "$AH_URL" GET /channels >/dev/null 2>&1; [ "$H_STATUS" = 401 ]; }
assert_true "A refuses the cookie within 5 s" wait_until 5 a_refuses

section "a configuration change on one node applies on the other within seconds"
new_integration failover-late standard "$CH"
LATE=$INT_KEY
late_on_b() { [ "$(push_code "$B_URL" "$LATE" fo-late)" = 200 ]; }
assert_true "an integration made through A takes pushes through B within 5 s" wait_until 5 late_on_b
api PUT "/integrations/$INT_ID/pipeline" '{"rules":[{"kind":"alert_drop"}]}'
assert_status 200 "a pipeline that drops every event, saved through A"
n=0
dropped_on_b()
{
    n=$((n + 1))
    push_code "$B_URL" "$LATE" "fo-drop-$n" >/dev/null
    [ "$(db "SELECT count(*) FROM alerts WHERE alert_key = 'fo-drop-$n';")" = 0 ]
}
assert_true "node B drops by it within 5 s" wait_until 5 dropped_on_b
api DELETE "/integrations/$INT_ID"
assert_status 200 "the integration deleted through A"
gone_on_b() { [ "$(push_code "$B_URL" "$LATE" fo-late)" = 400 ]; }
assert_true "and node B refuses its key (unknown: 400) within 5 s" wait_until 5 gone_on_b

section "node A killed: node B goes on, and takes the deliveries over"
BEFORE=$(db "SELECT count(*) FROM incidents WHERE channel_id = $CH;")
kill9_server
AH_URL=$B_URL
AH_PID=$B_PID
api GET "/incidents?channel_id=$CH&limit=100"
assert_status 200
assert_eq "node B lists every incident made through both nodes" "$BEFORE" "$(jb '.data.items | length')"
b_push '{"event_status":"Warning","title_rule":"disk 3","alert_key":"fo-3"}'
assert_status 200
assert_eq "an event through B joins the alert A opened" 2 \
    "$(db "SELECT event_count FROM alerts WHERE alert_key = 'fo-3' AND end_time = 0;")"
assert_true "node B sends the deliveries within 10 s" \
    wait_until 10 grep -q "this node now sends the deliveries" "$B_LOG"
assert_eq "still one open alert per key" 5 \
    "$(db "SELECT count(*) FROM alerts WHERE end_time = 0 AND close_time = 0 AND alert_key LIKE 'fo-_';")"

section "the lease goes to the node that writes"
port=$(pick_port)
C_URL=http://127.0.0.1:$port C_LOG=$AH_TMP/node-c.log
"$BIN" serve --listen "127.0.0.1:$port" --data "$AH_TMP/node-c" --admin-token "$AH_TOKEN" \
    >"$C_LOG" 2>&1 &
C_PID=$!
AH_BG_PIDS+=("$C_PID")
c_healthy() { [ "$(code_of "$C_URL/healthz")" = 200 ]; }
assert_true "node C serves next to B" wait_until 30 c_healthy
# Pushes through C only, B idle: B catches up with C's writes for its timers
# a few times, then hands the lease over, and C takes it.
n=0
c_leads()
{
    n=$((n + 1))
    push_code "$C_URL" "$KEY" "fo-c-$n" >/dev/null
    grep -q "this node now sends the deliveries" "$C_LOG"
}
assert_true "node C takes the lease within 20 s of writing alone" wait_until 20 c_leads
assert_contains "node B says it handed it over" "hands the deliveries and timers over" "$(cat "$B_LOG")"
assert_eq "every push through C is stored" "$n" \
    "$(db "SELECT count(*) FROM alerts WHERE alert_key LIKE 'fo-c-%';")"
kill -TERM "$C_PID"
wait "$C_PID" 2>/dev/null

section "database outage: 503 and not ready while it lasts, recovery by itself"
assert_true "ready before" a_ready
"$CLUSTER_SH" pause "$AH_PG_DIR"
push_std "$KEY" '{"event_status":"Warning","title_rule":"during","alert_key":"fo-down"}'
assert_code 503 ServiceUnavailable
assert_true "/readyz fails while the database is down" wait_until 10 a_not_ready
"$CLUSTER_SH" resume "$AH_PG_DIR"
ok_again() { [ "$(push_code "$AH_URL" "$KEY" fo-up)" = 200 ]; }
assert_true "pushes are taken again within 30 s" wait_until 30 ok_again
assert_true "/readyz is 200 again" wait_until 30 a_ready
assert_eq "nothing from the outage was stored" 0 \
    "$(db "SELECT count(*) FROM events WHERE alert_key = 'fo-down';")"
assert_eq "the push after it was" 1 "$(db "SELECT count(*) FROM alerts WHERE alert_key = 'fo-up';")"
stop_server
finish
