#!/usr/bin/env bash
# t_kill9_loop.sh - "HTTP 200 means durable", many times over: ROUNDS rounds
# in each of which CLIENTS concurrent clients push unique alert keys while
# the server is killed with SIGKILL at a random moment, then restarted on the
# same data. At the end every acknowledged key is stored exactly once (one
# event, one alert), and no key, acknowledged or not, is stored twice.
# K9_SEED=N replays the same kill moments.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 BIN}

ROUNDS=${K9_ROUNDS:-16}
CLIENTS=${K9_CLIENTS:-8}
SEED=${K9_SEED:-$$}
RANDOM=$SEED
WORK=$AH_TMP/kill9
mkdir -p "$WORK"

# client TAG URL: pushes unique keys (TAG-1, TAG-2, ...) one curl each until
# the server stops answering; every attempt goes to sent.TAG, every 200 to
# acked.TAG.
client()
{
    local tag=$1 url=$2 j=0 key code
    : >"$WORK/sent.$tag"
    : >"$WORK/acked.$tag"
    while :; do
        j=$((j + 1))
        key=k9-$tag-$j
        echo "$key" >>"$WORK/sent.$tag"
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST \
            -H 'Content-Type: application/json' \
            --data-binary "{\"event_status\":\"Critical\",\"title_rule\":\"k9 $key\",\"alert_key\":\"$key\"}" \
            "$url")
        case $code in
        200) echo "$key" >>"$WORK/acked.$tag" ;;
        000) break ;; # the server is gone
        esac
    done
}

round_acked() { cat "$WORK"/acked.r"$1"-* 2>/dev/null | wc -l; }

start_server "$BIN"
section setup
new_channel kill9
new_integration kill9 standard "$CH_ID" '{"rate_limit_per_sec":1000000,"rate_limit_per_min":1000000}'
INT=$INT_ID
KEY=$INT_KEY

for ((r = 1; r <= ROUNDS; r++)); do
    section "round $r"
    url="$AH_URL/event/push/alert/standard?integration_key=$KEY"
    pids=()
    for ((n = 1; n <= CLIENTS; n++)); do
        client "r$r-c$n" "$url" &
        pids+=($!)
        AH_BG_PIDS+=($!)
    done
    # The kill comes mid-load: after the round's first acknowledgement, then
    # 0.1 to 1.0 s more (random).
    deadline=$((SECONDS + 60))
    while [ "$(round_acked "$r")" -lt 1 ] && [ "$SECONDS" -lt "$deadline" ]; do
        sleep 0.02 # poll interval while the clients write their files
    done
    sleep "0.$((RANDOM % 10))" "0.1"
    at_kill=$(round_acked "$r")
    kill9_server
    for p in "${pids[@]}"; do
        wait "$p"
    done
    assert_true "round $r: acknowledgements before the kill ($at_kill)" [ "$at_kill" -ge 1 ]
    restart_server
done

section "after the last restart"
cat "$WORK"/acked.* | sort >"$WORK/acked"
cat "$WORK"/sent.* | sort >"$WORK/sent"
db "SELECT alert_key FROM events WHERE integration_id = $INT;" | sort >"$WORK/events"
db "SELECT alert_key FROM alerts WHERE integration_id = $INT;" | sort >"$WORK/alerts"
acked=$(wc -l <"$WORK/acked")
sent=$(wc -l <"$WORK/sent")
lost=$(comm -23 "$WORK/acked" <(sort -u "$WORK/events") | wc -l)
lost_alerts=$(comm -23 "$WORK/acked" <(sort -u "$WORK/alerts") | wc -l)
dup_events=$(uniq -d "$WORK/events" | wc -l)
dup_alerts=$(uniq -d "$WORK/alerts" | wc -l)
stray=$(comm -13 "$WORK/sent" <(sort -u "$WORK/events") | wc -l)
unacked_stored=$(($(sort -u "$WORK/events" | wc -l) - acked + lost))
echo "rounds $ROUNDS (seed $SEED), clients $CLIENTS, pushes sent $sent, acknowledged $acked," \
    "stored without an answer $unacked_stored, lost $lost, duplicated $((dup_events + dup_alerts))"
assert_true "pushes acknowledged ($acked)" [ "$acked" -ge "$ROUNDS" ]
assert_eq "acknowledged keys without their event (lost)" 0 "$lost"
assert_eq "acknowledged keys without their alert" 0 "$lost_alerts"
assert_eq "keys with two events (duplicated)" 0 "$dup_events"
assert_eq "keys with two alerts (duplicated)" 0 "$dup_alerts"
assert_eq "stored keys nobody sent" 0 "$stray"
comm -23 "$WORK/acked" <(sort -u "$WORK/events") | head -n 5 | sed 's/^/     lost: /'
on_sqlite && assert_eq "database integrity" ok "$(db 'PRAGMA integrity_check;')"
push_std "$KEY" '{"event_status":"Critical","title_rule":"after the loop","alert_key":"k9-after"}'
assert_status 200
stop_server
finish
