#!/usr/bin/env bash
# p_failover.sh BIN - PostgreSQL only (run-pg.sh runs the p_*.sh suites):
# two nodes on one database, one active writer and one standby that takes
# over when the active one is killed, with every acknowledged event there;
# then a database outage: pushes answer 503 and /readyz fails while it
# lasts, and the node recovers by itself when the database is back.
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
b_healthy() { [ "$(code_of "$B_URL/healthz")" = 200 ]; }
a_ready() { [ "$(code_of "$AH_URL/readyz")" = 200 ]; }
a_not_ready() { [ "$(code_of "$AH_URL/readyz")" = 503 ]; }

start_server "$BIN"
new_channel failover
CH=$CH_ID
new_integration failover-std standard "$CH"
KEY=$INT_KEY

section "one node writes; a second node on the same database stands by"
for i in 1 2 3 4 5; do
    push_std "$KEY" "{\"event_status\":\"Critical\",\"title_rule\":\"disk $i\",\"alert_key\":\"fo-$i\"}"
    assert_status 200
done
start_node_b
assert_true "node B says it stands by" wait_until 20 grep -q "standing by" "$B_LOG"
assert_true "node B does not serve while A is active" [ "$(code_of "$B_URL/healthz")" = 000 ]

section "node A killed: node B takes over with every acknowledged event"
kill9_server
assert_true "node B serves within 30 s" wait_until 30 b_healthy
AH_URL=$B_URL
api GET "/incidents?channel_id=$CH&limit=100"
assert_status 200
assert_eq "the five incidents made through A" 5 "$(jb '.data.items | length')"
# (A changed event: an identical repeat is deduplicated without a new event.)
push_std "$KEY" '{"event_status":"Warning","title_rule":"disk 1","alert_key":"fo-1"}'
assert_status 200
assert_eq "an event through B joins the alert A opened" 2 \
    "$(db "SELECT event_count FROM alerts WHERE alert_key = 'fo-1' AND end_time = 0;")"
assert_eq "still one open alert per key" 5 \
    "$(db "SELECT count(*) FROM alerts WHERE end_time = 0 AND close_time = 0;")"
AH_PID=$B_PID

section "a standby stops at once on SIGTERM"
"$BIN" serve --listen "127.0.0.1:$(pick_port)" --data "$AH_TMP/node-c" --admin-token "$AH_TOKEN" \
    >"$AH_TMP/node-c.log" 2>&1 &
C_PID=$!
AH_BG_PIDS+=("$C_PID")
assert_true "node C stands by" wait_until 20 grep -q "standing by" "$AH_TMP/node-c.log"
kill -TERM "$C_PID"
gone() { ! kill -0 "$C_PID" 2>/dev/null; }
assert_true "node C is gone within 5 s of SIGTERM" wait_until 5 gone
assert_contains "and says why" "stopped while standing by" "$(cat "$AH_TMP/node-c.log")"

section "database outage: 503 and not ready while it lasts, recovery by itself"
assert_true "ready before" a_ready
"$CLUSTER_SH" pause "$AH_PG_DIR"
push_std "$KEY" '{"event_status":"Warning","title_rule":"during","alert_key":"fo-down"}'
assert_code 503 ServiceUnavailable
assert_true "/readyz fails while the database is down" wait_until 10 a_not_ready
"$CLUSTER_SH" resume "$AH_PG_DIR"
ok_again()
{
    [ "$(code_of -H 'Content-Type: application/json' \
        --data-binary '{"event_status":"Warning","title_rule":"after","alert_key":"fo-up"}' \
        "$AH_URL/event/push/alert/standard?integration_key=$KEY")" = 200 ]
}
assert_true "pushes are taken again within 30 s" wait_until 30 ok_again
assert_true "/readyz is 200 again" wait_until 30 a_ready
assert_eq "nothing from the outage was stored" 0 \
    "$(db "SELECT count(*) FROM events WHERE alert_key = 'fo-down';")"
assert_eq "the push after it was" 1 "$(db "SELECT count(*) FROM alerts WHERE alert_key = 'fo-up';")"
stop_server
finish
