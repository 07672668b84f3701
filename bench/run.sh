#!/usr/bin/env bash
# run.sh BIN - push throughput and latency of alerthub (make bench).
#
# Starts BIN on a temporary SQLite database, creates a channel and a standard
# integration (rate limits raised through the API), then runs wrk twice
# against the push URL: unique alert keys (every request stores an event,
# opens an alert and an incident) and one repeated identical event (the dedup
# path, nothing stored after the first); then unique keys again through a
# second integration that runs label enrichment (extraction, composition, a
# 10,000-row mapping table, drop) and a pipeline (severity and title resets,
# an inhibit check), to show what the integration layer costs; then, on two
# fresh servers, unique keys into a plain channel and into a channel with
# two subscribed webhook targets whose receiver answers after 2 s (what
# notifications cost ingest). Prints requests/s, p50/p99 latency, the events
# in the database, and the server's peak RSS.
#
# Environment: BENCH_DURATION (default 15s), BENCH_THREADS (2),
# BENCH_CONNECTIONS (64), BENCH_SERVER_ARGS (extra server flags, e.g.
# "--synchronous normal").
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
. "$BENCH_DIR/../tests/e2e/lib.sh"
# shellcheck source=tests/e2e/receiver.sh
. "$BENCH_DIR/../tests/e2e/receiver.sh"
BIN=${1:?usage: $0 BIN}
DURATION=${BENCH_DURATION:-15s}
THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
read -r -a SERVER_ARGS <<<"${BENCH_SERVER_ARGS:-}"

for tool in wrk curl jq sqlite3; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is required (scripts/deps.sh bench)" >&2; exit 2; }
done

# wrk_run MODE RUN: one wrk run; prints its summary line.
wrk_run()
{
    local mode=$1 run=$2 out=$AH_TMP/wrk.$1
    BENCH_MODE=${mode%-*} BENCH_RUN=$run wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" \
        --latency -s "$BENCH_DIR/push.lua" "${3:-$URL}" >"$out" 2>&1
    if ! grep -q '^Requests/sec' "$out"; then
        echo "bench: wrk failed:" >&2
        cat "$out" >&2
        exit 1
    fi
    awk -v mode="$mode" '
        $1 == "50%" { p50 = $2 }
        $1 == "99%" { p99 = $2 }
        /^Requests\/sec/ { rps = $2 }
        /requests in/ { total = $1 }
        /Non-2xx or 3xx responses/ { bad = $NF }
        /Socket errors/ { sock = $0; sub(/^ */, "", sock) }
        END {
            printf "%-8s %10s req/s  p50 %8s  p99 %8s  requests %s  non-2xx %s%s\n",
                mode, rps, p50, p99, total, (bad == "" ? 0 : bad), (sock == "" ? "" : "  " sock)
        }' "$out"
}

events() { db "SELECT count(*) FROM events;"; }

# rules_integration CHANNEL_ID: a second integration with enrichment and a
# pipeline; sets RULES_URL.
rules_integration()
{
    local sid
    new_integration bench-rules standard "$1"
    api PATCH "/integrations/$INT_ID" '{"rate_limit_per_sec":1000000,"rate_limit_per_min":1000000}'
    api POST /mapping-schemas '{"name":"bench-hosts","source_labels":["host"],"result_labels":["owner","team"]}'
    assert_status 201 "create the mapping table"
    sid=$(jb .data.id)
    { echo host,owner,team; seq 0 9999 | awk '{ printf "bench-%d,owner-%d,team-%d\n", $1, $1 % 37, $1 % 7 }'; } >"$AH_TMP/hosts.csv"
    http PUT "$AH_URL/api/v1/mapping-schemas/$sid/data" -H "Authorization: Bearer $AH_TOKEN" \
        -H 'Content-Type: text/csv' --data-binary "@$AH_TMP/hosts.csv"
    assert_status 200 "upload 10,000 mapping rows"
    api PUT "/integrations/$INT_ID/enrichment" "$(jq -nc --arg sid "$sid" '{rules: [
        {kind: "extraction", settings: {source_field: "title", pattern: "bench (?P<result>\\w+)", result_label: "word"}},
        {kind: "composition", settings: {template: "{{.labels.host}}/{{.labels.check}}", result_label: "target"}},
        {kind: "mapping", settings: {schema_id: $sid}},
        {kind: "drop", settings: {drop_labels: ["word"]}}]}')"
    assert_status 200 "save the enrichment"
    api PUT "/integrations/$INT_ID/pipeline" '{"rules": [
        {"kind": "severity_reset", "if": [[{"key": "labels.team", "oper": "IN", "vals": ["team-3"]}]], "settings": {"severity": "Warning"}},
        {"kind": "title_reset", "settings": {"title": "[TPL]{{.Labels.owner}}: {{.Title}}"}},
        {"kind": "alert_inhibit", "if": [[{"key": "labels.check", "oper": "IN", "vals": ["cpu"]}]],
         "settings": {"source_filters": [[{"key": "labels.kind", "oper": "IN", "vals": ["host"]}]], "equals": ["labels.host"]}}]}'
    assert_status 200 "save the pipeline"
    RULES_URL="$AH_URL/event/push/alert/standard?integration_key=$INT_KEY"
}

# subscribed_channel: a channel with two webhook targets subscribed to it,
# both answering after 2 s; sets SUBS_URL.
subscribed_channel()
{
    local n
    new_channel bench-subscribed
    for n in 1 2; do
        api POST /notify-targets "$(jq -nc --arg n "slow-$n" --arg u "$RCV_URL/slow-$n" --arg c "$CH_ID" \
            '{name: $n, kind: "webhook", settings: {url: $u, secret: "bench"}, channel_ids: [$c]}')"
        assert_status 201 "subscribe slow target $n"
    done
    rcv_mode /slow ok 200 -1 2000
    new_integration bench-subscribed standard "$CH_ID"
    api PATCH "/integrations/$INT_ID" '{"rate_limit_per_sec":1000000,"rate_limit_per_min":1000000}'
    SUBS_URL="$AH_URL/event/push/alert/standard?integration_key=$INT_KEY"
}

# outbox: notifications waiting (pending rows and the subscribers' backlog).
outbox() { curl -s "$AH_URL/metrics" | awk '$1 == "alerthub_outbox_depth" { print $2 }'; }

start_receiver
start_server "$BIN" "${SERVER_ARGS[@]}"
new_channel bench
new_integration bench standard "$CH_ID"
api PATCH "/integrations/$INT_ID" '{"rate_limit_per_sec":1000000,"rate_limit_per_min":1000000}'
assert_status 200 "raise the rate limits"
URL="$AH_URL/event/push/alert/standard?integration_key=$INT_KEY"

echo "alerthub bench: $BIN"
sync=full
for ((i = 0; i < ${#SERVER_ARGS[@]}; i++)); do
    [ "${SERVER_ARGS[i]}" = --synchronous ] && sync=${SERVER_ARGS[i + 1]-}
done
echo "server flags: --data <tmp> ${SERVER_ARGS[*]:-(no extra flags)}"
echo "SQLite: journal_mode=$(db 'PRAGMA journal_mode;'), synchronous=$sync" \
    "(default full: one fsync per group commit; not readable from outside)"
echo "wrk: $THREADS threads, $CONNECTIONS connections, $DURATION per run, $(nproc) CPUs"
wrk_run unique "$$"
echo "         events in the database: $(events)"
wrk_run same "$$"
echo "         events in the database: $(events) (identical repeats are not stored)"
rules_integration "$CH_ID"
wrk_run unique-rules "$$r" "$RULES_URL"
echo "         events in the database: $(events); with enrichment and pipeline:" \
    "$(db "SELECT labels, title FROM alerts WHERE alert_key LIKE 'bench-$$r-%' LIMIT 1;")"
echo "peak RSS (VmHWM): $(awk '/^VmHWM/ { print $2, $3 }' "/proc/$AH_PID/status")"
echo "database size: $(du -sh "$AH_DATA" | cut -f1)"
stop_server

# Notifications next to ingest, each on a fresh server so that the two runs
# start from the same empty database: unique keys into a plain channel, then
# into a channel with two subscribed targets whose receiver answers after 2 s.
echo "subscriptions (fresh server each):"
start_server "$BIN" "${SERVER_ARGS[@]}"
new_channel bench-plain
new_integration bench-plain standard "$CH_ID"
api PATCH "/integrations/$INT_ID" '{"rate_limit_per_sec":1000000,"rate_limit_per_min":1000000}'
wrk_run unique-plain "$$p" "$AH_URL/event/push/alert/standard?integration_key=$INT_KEY"
stop_server
start_server "$BIN" "${SERVER_ARGS[@]}"
subscribed_channel
wrk_run unique-subs "$$s" "$SUBS_URL"
echo "         notifications waiting (outbox and subscribers' backlog): $(outbox)," \
    "sent: $(db "SELECT count(*) FROM deliveries WHERE status = 'sent';")"
stop_server
stop_receiver
[ "$T_FAIL" -eq 0 ]
