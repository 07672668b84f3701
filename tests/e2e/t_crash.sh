#!/usr/bin/env bash
# t_crash.sh - "HTTP 200 means durable": concurrent clients push unique alert
# keys; once about ACK_TARGET pushes are acknowledged the server is killed
# with SIGKILL mid-load. After a restart on the same data directory every
# acknowledged key must have its event.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 BIN}

CLIENTS=${CRASH_CLIENTS:-8}
PER_CLIENT=${CRASH_PER_CLIENT:-250}
ACK_TARGET=${CRASH_ACK_TARGET:-1000}
WORK=$AH_TMP/crash
mkdir -p "$WORK"

# client N URL: pushes PER_CLIENT unique keys, one curl each; appends the key
# of every 200 to acked.N and counts every attempt in attempts.N.
client()
{
    local n=$1 url=$2 j key code
    : >"$WORK/acked.$n"
    for ((j = 1; j <= PER_CLIENT; j++)); do
        key=crash-$n-$j
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST \
            -H 'Content-Type: application/json' \
            --data-binary "{\"event_status\":\"Critical\",\"title_rule\":\"crash $key\",\"alert_key\":\"$key\"}" \
            "$url")
        [ "$code" = 200 ] && echo "$key" >>"$WORK/acked.$n"
        echo "$j" >"$WORK/attempts.$n"
    done
}

total_acked() { cat "$WORK"/acked.* 2>/dev/null | wc -l; }

start_server "$BIN"
section setup
new_channel crash
new_integration crash standard "$CH_ID" '{"rate_limit_per_sec":1000000,"rate_limit_per_min":1000000}'
INT=$INT_ID
URL="$AH_URL/event/push/alert/standard?integration_key=$INT_KEY"

section "load and kill -9"
pids=()
for ((n = 1; n <= CLIENTS; n++)); do
    client "$n" "$URL" &
    pids+=($!)
    AH_BG_PIDS+=($!)
done
deadline=$((SECONDS + 120))
while [ "$(total_acked)" -lt "$ACK_TARGET" ] && [ "$SECONDS" -lt "$deadline" ]; do
    sleep 0.02 # poll interval while the clients write their files
done
acked_at_kill=$(total_acked)
kill9_server
for p in "${pids[@]}"; do
    wait "$p"
done
attempts=$(cat "$WORK"/attempts.* | awk '{ s += $1 } END { print s }')
cat "$WORK"/acked.* | sort >"$WORK/acked"
acked=$(wc -l <"$WORK/acked")
echo "clients $CLIENTS, attempts $attempts, acknowledged $acked ($acked_at_kill when killed)"
assert_eq "every client attempted its share" $((CLIENTS * PER_CLIENT)) "$attempts"
assert_true "$ACK_TARGET acks before the kill (got $acked_at_kill)" [ "$acked_at_kill" -ge "$ACK_TARGET" ]
assert_true "the kill came during the load ($acked of $attempts acked)" [ "$acked" -lt "$attempts" ]

section "after restart"
restart_server
db "SELECT alert_key FROM events WHERE integration_id = $INT;" | sort >"$WORK/stored"
missing=$(comm -23 "$WORK/acked" "$WORK/stored" | wc -l)
echo "stored events $(wc -l <"$WORK/stored"), acknowledged but missing $missing"
assert_eq "acknowledged keys missing from events" 0 "$missing"
comm -23 "$WORK/acked" "$WORK/stored" | head -n 5 | sed 's/^/     missing: /'
assert_eq "keys stored twice" "" "$(db "SELECT alert_key FROM events WHERE integration_id = $INT
    GROUP BY alert_key HAVING count(*) > 1 LIMIT 5;")"
assert_eq "one alert per stored event" "$(wc -l <"$WORK/stored")" \
    "$(db "SELECT count(*) FROM alerts WHERE integration_id = $INT;")"
on_sqlite && assert_eq "database integrity" ok "$(db 'PRAGMA integrity_check;')"

section "spot checks through the API"
for key in $(shuf -n 5 "$WORK/acked"); do
    api GET "/alerts/$(alert_id_for "$key")"
    assert_status 200
    assert_json "alert of $key" .data.alert_key "$key"
    assert_json "its event" '.data.events | length' 1
done
listed=0 cursor=
for ((page = 0; page < 100; page++)); do
    api GET "/events?integration_id=$INT&limit=500${cursor:+&cursor=$cursor}"
    assert_status 200
    n=$(jb '.data.items | length')
    listed=$((listed + ${n:-0}))
    cursor=$(jb '.data.next_cursor // empty')
    [ -n "$cursor" ] || break
done
assert_eq "events listed through the API (all pages)" "$(wc -l <"$WORK/stored")" "$listed"

section "serving after restart"
push_std "$INT_KEY" '{"event_status":"Critical","title_rule":"after crash","alert_key":"crash-after"}'
assert_status 200
stop_server
finish
