#!/usr/bin/env bash
# p_cluster.sh BIN - PostgreSQL only (run-pg.sh): three nodes on one
# database answer as one node does. 3,000 events over 200 alert keys (each
# key's events in order, every event distinct, a recovery every fifth) go
# from 8 clients to random nodes, retried elsewhere when a node does not
# take them; the alerts and incidents equal those of one node (SQLite, the
# default) fed the same events, with never two open alerts for a key; every
# node takes its share (all of them write). Then 3,000 more while one node
# (the one sending deliveries) is killed with kill -9 half-way: every event
# that got a 200 is stored. A webhook subscribed to the channel hears each
# new incident once across the cluster (a repeat only as a retry, with the
# same id).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=receiver.sh
. "$(dirname "$0")/receiver.sh"

BIN=$1
[ -n "${AH_PG_URL:-}" ] || { echo "p_cluster: run it with tests/e2e/run-pg.sh" >&2; exit 2; }
CLIENT=$(cd "$(dirname "$0")" && pwd)/cluster_client.py

# events PREFIX FILE: 200 keys x 15 events, one JSON line each.
events()
{
    jq -nc --arg p "$1" '
        range(0; 200) as $k | range(0; 15) as $s
        | {key: "\($p)-\($k)", seq: $s,
           body: ({event_status: (if $s % 5 == 4 then "Ok" elif $s % 2 == 0 then "Critical" else "Warning" end),
                   title_rule: "service \($k) errors", alert_key: "\($p)-\($k)",
                   description: "seq \($s)", labels: {service: "svc-\($k)"}} | tojson)}' >"$2"
}

# The outcome to compare: every alert (key, status, events) and every
# incident (its first alert's key, progress, alerts, events).
outcome()
{
    db "SELECT alert_key || ' ' || status || ' ' || event_count FROM alerts
        ORDER BY alert_key, id;
        SELECT a.alert_key || ' ' || i.progress || ' ' || i.alert_count || ' ' || i.event_count
        FROM incidents i JOIN alerts a ON a.id = i.first_alert_id ORDER BY a.alert_key, i.id;"
}

# setup NAME: a channel and a standard integration on the node at AH_URL;
# sets PUSH (path and query of its push URL).
setup()
{
    new_channel "$1"
    new_integration "$1" standard "$CH_ID"
    # 3,000 events in seconds: above the default 1,000 a minute.
    api PATCH "/integrations/$INT_ID" '{"rate_limit_per_sec":1000000,"rate_limit_per_min":1000000}'
    assert_status 200 "raise the rate limits"
    PUSH="/event/push/alert/standard?integration_key=$INT_KEY"
}

events one "$AH_TMP/one.jsonl"

section "one node fed the events: the reference"
# The default installation, one node on SQLite: the cluster must answer as it.
PG_URL=$AH_PG_URL
unset AH_PG_URL ALERTHUB_DATABASE_URL
AH_DB_URL=
start_server "$BIN"
setup ref
python3 "$CLIENT" "$AH_TMP/one.jsonl" "$AH_TMP/ref.acked" "$PUSH" "$AH_URL"
assert_eq "the single node took every event" 0 $?
REFERENCE=$(outcome)
assert_eq "the reference stored 3,000 events" 3000 "$(db "SELECT count(*) FROM events;")"
stop_server
AH_PG_URL=$PG_URL

section "three nodes on one database, clients on random nodes"
start_server "$BIN"
NODES=("$AH_URL")
PIDS=()
for n in 2 3; do
    port=$(pick_port)
    "$BIN" serve --listen "127.0.0.1:$port" --data "$AH_TMP/node-$n" --admin-token "$AH_TOKEN" \
        --public-url "$AH_PUBLIC_URL" >"$AH_TMP/node-$n.log" 2>&1 &
    PIDS+=($!)
    AH_BG_PIDS+=($!)
    NODES+=("http://127.0.0.1:$port")
done
setup cluster
CLUSTER_CH=$CH_ID
start_receiver
api POST /notify-targets "$(jq -nc --arg u "$RCV_URL/hook" --arg c "$CLUSTER_CH" \
    '{name: "cluster-hook", kind: "webhook", settings: {url: $u}, channel_ids: [$c],
      event_types: ["i_new"]}')"
assert_status 201 "a webhook subscribed to the channel's new incidents"
HOOK=$(jb .data.id)
python3 "$CLIENT" "$AH_TMP/one.jsonl" "$AH_TMP/cluster.acked" "$PUSH" "${NODES[@]}"
assert_eq "the cluster took every event" 0 $?
assert_eq "every event acknowledged once" 3000 "$(wc -l <"$AH_TMP/cluster.acked")"
# accepted URL: the events node URL answered 200 for (its /metrics).
accepted()
{
    curl -s --max-time 5 "$1/metrics" |
        awk '/^alerthub_events_accepted_total\{type="standard"\}/ {print $2}'
}
share=() total=0
for url in "${NODES[@]}"; do
    n=$(accepted "$url")
    share+=("${n:-0}")
    total=$((total + ${n:-0}))
    assert_true "node $url took a share of the events (${n:-0})" [ "${n:-0}" -gt 0 ]
done
assert_eq "the shares add up to the 3,000" 3000 "$total"
echo "    events per node: ${share[*]}"
# Each node caught up with the others' writes by the rows they changed, not
# by rebuilding its memory whole.
caught=() rebuilt=0
for url in "${NODES[@]}"; do
    s=$(curl -s --max-time 5 "$url/metrics")
    c=$(awk '$1 == "alerthub_writer_catch_ups_total" {print $2}' <<<"$s")
    caught+=("${c:-0}")
    rebuilt=$((rebuilt + $(awk '$1 == "alerthub_writer_rebuilds_total" {print $2}' <<<"$s")))
    assert_true "node $url caught up with the others (${c:-0} times)" [ "${c:-0}" -gt 0 ]
done
assert_eq "no node rebuilt its memory whole" 0 "$rebuilt"
echo "    catch-ups per node: ${caught[*]}"
assert_eq "alerts and incidents equal those of one node" "$REFERENCE" "$(outcome)"
assert_eq "never two open alerts for one key" 0 \
    "$(db "SELECT count(*) FROM (SELECT alert_key FROM alerts WHERE end_time = 0 AND close_time = 0
           GROUP BY channel_id, alert_key HAVING count(*) > 1) AS twice;")"

# hook_check WHEN: once every new incident's delivery is sent, the receiver
# has each delivery id once or more (a delivery in flight when a node dies is
# sent again by the next one, with its id), one id per incident, and only
# ids the database gave.
hook_check()
{
    local incidents sent
    incidents=$(db "SELECT count(*) FROM incidents WHERE channel_id = $CLUSTER_CH;")
    sent() { db "SELECT count(DISTINCT event_id) FROM deliveries WHERE target_id = $HOOK AND status = 'sent';"; }
    assert_wait "$1: the webhook's deliveries all sent" sent "$incidents" 60
    rcv_requests /hook | jq -r '.[].headers["x-alerthub-delivery"]' | sort -u >"$AH_TMP/hook.ids"
    db "SELECT event_id FROM deliveries WHERE target_id = $HOOK;" | sort -u >"$AH_TMP/hook.db"
    assert_eq "$1: one delivery id per new incident" "$incidents" "$(wc -l <"$AH_TMP/hook.ids")"
    assert_eq "$1: the ids received are the database's" "" \
        "$(comm -3 "$AH_TMP/hook.ids" "$AH_TMP/hook.db" | head -3)"
    echo "    $1: $incidents incidents, $(rcv_count /hook) webhook requests" \
        "($(db "SELECT count(*) FROM deliveries WHERE target_id = $HOOK AND status = 'sent';") sent)"
}
hook_check "three nodes"

section "the active node killed half-way: nothing acknowledged is lost"
events two "$AH_TMP/two.jsonl"
: >"$AH_TMP/two.acked"
python3 "$CLIENT" "$AH_TMP/two.jsonl" "$AH_TMP/two.acked" "$PUSH" "${NODES[@]}" &
client=$!
AH_BG_PIDS+=("$client")
half() { [ "$(wc -l <"$AH_TMP/two.acked")" -ge 1500 ]; }
deadline=$((SECONDS + 120))
until half || [ "$SECONDS" -gt "$deadline" ]; do sleep 0.05; done # poll, not a wait for an assumed state
assert_true "half the events acknowledged before the kill" half
kill9_server
wait "$client"
assert_eq "the clients got every event in, retrying on the other nodes" 0 $?
AH_URL=${NODES[1]}
db "SELECT alert_key || ' ' || substr(description, 5) FROM events WHERE alert_key LIKE 'two-%';" |
    sort >"$AH_TMP/two.stored"
sort "$AH_TMP/two.acked" >"$AH_TMP/two.acked.sorted"
assert_eq "acknowledged but missing" "" "$(comm -23 "$AH_TMP/two.acked.sorted" "$AH_TMP/two.stored" | head -5)"
assert_eq "still never two open alerts for one key" 0 \
    "$(db "SELECT count(*) FROM (SELECT alert_key FROM alerts WHERE end_time = 0 AND close_time = 0
           GROUP BY channel_id, alert_key HAVING count(*) > 1) AS twice;")"
echo "    phase 2: $(wc -l <"$AH_TMP/two.acked") acknowledged, $(wc -l <"$AH_TMP/two.stored") stored"
hook_check "after the kill"
for pid in "${PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
done
stop_receiver
finish
