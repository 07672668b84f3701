#!/usr/bin/env bash
# run.sh BIN - alerthub side by side with nginx and Prometheus Alertmanager
# (make bench). Prints the machine, then one table.
#
# Every row starts its target fresh on 127.0.0.1 (a random free port, a new
# temporary directory or database), runs the same wrk load against it
# (BENCH_THREADS threads, BENCH_CONNECTIONS connections, BENCH_DURATION; one
# alert per POST, the same ~1 KB alert with 8 labels in each target's shape:
# bench/push.lua), then stops it. The rows:
#
#   nginx 204                  nginx (worker_processes 2, access_log off)
#                              answering every POST with `return 204;`: the
#                              floor of HTTP on this machine
#   Alertmanager distinct      prometheus-alertmanager (one null receiver, no
#                              cluster), POST /api/v2/alerts, a new alertname
#                              on every request
#   Alertmanager repeated      the same alert every time
#   libmicrohttpd floor        bench/mhd_floor with alerthub's daemon flags
#                              and thread pool, the standard new-alert
#                              body: plain (collect the body, answer 200),
#                              json (and json_loadb it), handoff (and
#                              suspend the connection for a second thread
#                              that resumes it: a commit that costs
#                              nothing). What any push can reach at most.
#   standard new / repeats     alerthub's standard push: a unique alert_key
#                              per request (new alert, incident, event,
#                              timeline row); repeats: one identical event
#                              every time (dedup: stored once)
#   RTC new / repeats          the Volcengine RTC callback; its alert_key is
#                              rule id + resource id, so new alerts vary the
#                              resource id
#   RTC recoveries             the server is pre-loaded first (callbacks of
#                              100 firing resources, for BENCH_PRELOAD); once
#                              it has stored the callbacks still in flight,
#                              each request recovers one of the open alerts
#                              (RecoveredResources), in the order they opened
#                              (peak RSS includes the pre-load)
#   rules new                  unique keys through an integration with 4
#                              enrichment rules (one a 10,000-row mapping
#                              table) and 3 pipeline rules
#   plain / subscribed         unique keys into a plain channel, then into a
#                              channel with two subscribed webhook targets
#                              whose receiver answers after 2 s
#   PostgreSQL rows            the standard rows on a throw-away PostgreSQL
#                              cluster: one node, then three nodes on one
#                              database, all taking writes (docs/deploy.md),
#                              behind nginx as the load balancer, round
#                              robin; then with two of them as nginx's
#                              backups (docs/deploy.md's advice for heavy
#                              push traffic)
#
# Per row: requests/s; p50, p99, p99.9 latency (wrk's histogram, through the
# done() hook of push.lua); non-2xx (wrk's count of answers >= 400; socket
# errors are listed under the table); server CPU per request (utime + stime
# of the server's processes, /proc/PID/stat, before and after the run, over
# the requests); peak RSS (VmHWM, summed over nginx's master and workers);
# req/s as a multiple of Alertmanager's (new-alert rows against Alertmanager
# distinct, repeat rows against Alertmanager repeated) and of nginx's.
#
# Environment: BENCH_DURATION (default 10s), BENCH_PRELOAD (the RTC
# pre-load, default BENCH_DURATION), BENCH_THREADS (2), BENCH_CONNECTIONS
# (64), BENCH_SERVER_ARGS (extra alerthub flags; none by default, so
# synchronous=full), BENCH_ROWS (an ERE matched against whole row ids, to
# run only some: nginx am-new am-same floor-plain floor-json floor-handoff std-new std-same pg-std-new
# pg-std-same pg3-std-new pg3-std-same rtc-new rtc-same rtc-recover rules plain subs scale retention;
# e.g. 'nginx|am-.*'),
# BENCH_RETENTION_SECS (the retention row's load, default 30), BENCH_ALERTS
# (open alerts at the last size of the scale run, default 1000000),
# BENCH_PERF (a folder:
# each alerthub row is recorded with perf record -g, and ID.txt there gets
# the samples per thread and the writer thread's profile).
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
. "$BENCH_DIR/../tests/e2e/lib.sh"
# shellcheck source=tests/e2e/receiver.sh
. "$BENCH_DIR/../tests/e2e/receiver.sh"
BIN=${1:?usage: $0 BIN}
DURATION=${BENCH_DURATION:-10s}
PRELOAD=${BENCH_PRELOAD:-$DURATION}
THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
ROWS=${BENCH_ROWS:-.*}
read -r -a SERVER_ARGS <<<"${BENCH_SERVER_ARGS:-}"
HZ=$(getconf CLK_TCK)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
T_START=$SECONDS

for tool in wrk curl jq sqlite3 nginx prometheus-alertmanager python3 pgrep; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is required (scripts/deps.sh bench)" >&2; exit 2; }
done

# ---- other servers: nginx and Alertmanager ---------------------------------

SRV_PID='' SRV_URL='' SRV_DIR='' SRV_N=0

# Stops nginx or Alertmanager on any exit too (lib.sh's trap kills alerthub).
srv_cleanup()
{
    if [ -n "$SRV_PID" ]; then
        kill -TERM "$SRV_PID" 2>/dev/null
        wait "$SRV_PID" 2>/dev/null
    fi
    ah_cleanup
}
trap srv_cleanup EXIT

# srv_wait CHECK_URL METHOD: until it answers 2xx, the server exits, or 15 s.
srv_wait()
{
    local deadline=$((SECONDS + 15)) code
    while [ "$SECONDS" -le "$deadline" ]; do
        kill -0 "$SRV_PID" 2>/dev/null || return 1
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 -X "$2" "$1")
        [[ $code == 2* ]] && return 0
        sleep 0.05 # poll interval, not a wait for an assumed state
    done
    return 1
}

# srv_start NAME CHECK_PATH CHECK_METHOD: runs srv_cmd_NAME DIR PORT in the
# background on a free port (retried on another port when it does not come
# up) and waits until CHECK_PATH answers; sets SRV_PID, SRV_URL, SRV_DIR.
srv_start()
{
    local name=$1 port
    for _ in 1 2 3 4 5; do
        SRV_N=$((SRV_N + 1))
        SRV_DIR=$AH_TMP/$name.$SRV_N
        mkdir -p "$SRV_DIR"
        port=$(pick_port)
        SRV_URL=http://127.0.0.1:$port
        "srv_cmd_$name" "$SRV_DIR" "$port" >"$SRV_DIR/out.log" 2>&1 &
        SRV_PID=$!
        srv_wait "$SRV_URL$2" "$3" && return 0
        kill -TERM "$SRV_PID" 2>/dev/null
        wait "$SRV_PID" 2>/dev/null
        SRV_PID=
    done
    echo "bench: $name did not start; log:" >&2
    tail -n 20 "$SRV_DIR"/*.log >&2
    exit 1
}

srv_stop()
{
    kill -TERM "$SRV_PID" 2>/dev/null
    wait "$SRV_PID" 2>/dev/null
    SRV_PID=
}

# nginx_run DIR PORT LOG_LEVEL HTTP LOCATION: nginx in the foreground as
# the current user, everything under DIR, listening on PORT; HTTP goes into
# the http block, LOCATION into "location /".
nginx_run()
{
    local dir=$1 user=''
    [ "$(id -u)" -eq 0 ] && user="user $(id -un) $(id -gn);"
    cat >"$dir/nginx.conf" <<EOF
$user
worker_processes 2;
pid $dir/nginx.pid;
error_log $dir/error.log $3;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    $4
    server {
        listen 127.0.0.1:$2;
        location / { $5 }
    }
}
EOF
    exec nginx -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log" -g 'daemon off;'
}

# nginx answering every request with 204.
srv_cmd_nginx() { nginx_run "$1" "$2" warn '' 'return 204;'; }

# nginx as the load balancer in front of LB_NODES (host:port ...), round
# robin, or with LB_BACKUP=1 the first node only and the others as backups
# (taken when it fails): keeps connections to them open, and a node that
# refuses connections is skipped for 30 s after each refusal.
srv_cmd_lb()
{
    local node servers='' flag=''
    for node in $LB_NODES; do
        servers+="server $node max_fails=1 fail_timeout=30s$flag; "
        [ "${LB_BACKUP:-0}" = 1 ] && flag=' backup'
    done
    nginx_run "$1" "$2" crit "upstream alerthub { $servers keepalive 64; }" \
        'proxy_pass http://alerthub; proxy_http_version 1.1;
         proxy_set_header Connection ""; proxy_next_upstream error timeout;'
}

# bench/mhd_floor: libmicrohttpd and jansson alone, in FLOOR_MODE.
srv_cmd_floor() { exec "$FLOOR_BIN" "$2" "$FLOOR_MODE"; }

# Alertmanager with one null receiver, no gossip, its storage under DIR.
srv_cmd_am()
{
    local dir=$1
    printf 'route:\n  receiver: "null"\nreceivers:\n  - name: "null"\n' >"$dir/am.yml"
    exec prometheus-alertmanager --config.file="$dir/am.yml" --storage.path="$dir/data" \
        --web.listen-address="127.0.0.1:$2" --cluster.listen-address= --log.level=warn
}

# am_alerts: how many alerts GET /api/v2/alerts lists (counted as a stream:
# the list can be 100 MB).
am_alerts() { curl -s --max-time 60 "$SRV_URL/api/v2/alerts" | grep -o '"fingerprint":' | wc -l; }

# ---- measuring ---------------------------------------------------------------

# pids PID: PID and its children (nginx's workers).
pids() { echo "$1" $(pgrep -P "$1"); }

# ticks PID: utime + stime of PID and its children, in clock ticks.
ticks()
{
    local p t=0 stat rest
    for p in $(pids "$1"); do
        stat=$(cat "/proc/$p/stat" 2>/dev/null) || continue
        rest=${stat##*) }                 # after "(comm) "; fields 3...
        read -r -a f <<<"$rest"
        t=$((t + f[11] + f[12]))          # fields 14 and 15: utime, stime
    done
    echo "$t"
}

# us_per_req TICKS: CPU ticks over the last run's requests, in microseconds
# per request (W_requests: the last wrk run's count).
us_per_req() { echo $(($1 * 1000000 / HZ / (W_requests > 0 ? W_requests : 1))); }

# thread_ticks PID NAME: utime + stime of PID's thread called NAME, or empty.
thread_ticks()
{
    local t stat rest
    for t in /proc/"$1"/task/*; do
        [ "$(cat "$t/comm" 2>/dev/null)" = "$2" ] || continue
        stat=$(cat "$t/stat" 2>/dev/null) || continue
        rest=${stat##*) }
        read -r -a f <<<"$rest"
        echo $((f[11] + f[12]))
        return
    done
}

# hwm PID: VmHWM of PID and its children, in kB.
hwm()
{
    local p k=0 v
    for p in $(pids "$1"); do
        v=$(awk '/^VmHWM/ { print $2 }' "/proc/$p/status" 2>/dev/null)
        k=$((k + ${v:-0}))
    done
    echo "$k"
}

W_requests=0 W_duration_us=1 W_connect=0 W_read=0 W_write=0 W_timeout=0 W_body_bytes=0 W_counter_max=0 W_non2xx=0 W_sockerr=0
declare -A BODY=()
R_ID=() R_NAME=() R_KIND=() R_RPS=() R_P50=() R_P99=() R_P999=() R_BAD=() R_CPU=() R_RSS=() R_WRITER=()
NOTES=()

# wrk_bench TARGET MODE URL [RUN]: one wrk run with push.lua; sets W_* from
# its done() line (W_requests, W_p50_us, ...), and W_rps.
wrk_bench()
{
    local out=$AH_TMP/wrk.out line kv
    BENCH_TARGET=$1 BENCH_MODE=$2 BENCH_RUN=${4:-${RUN_ID:-$$}} BENCH_THREADS=$THREADS \
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WRK_DURATION:-$DURATION}" \
        -s "$BENCH_DIR/push.lua" "$3" >"$out" 2>&1
    line=$(grep '^BENCH ' "$out")
    if [ -z "$line" ]; then
        echo "bench: wrk failed:" >&2
        cat "$out" >&2
        exit 1
    fi
    for kv in ${line#BENCH }; do
        printf -v "W_${kv%%=*}" '%s' "${kv#*=}"
    done
    W_rps=$((W_requests * 1000000 / W_duration_us))
    W_sockerr=$((W_connect + W_read + W_write + W_timeout))
}

# row ID NAME KIND TARGET MODE URL PID: measures one row; the server is PID
# (and its children). KIND: base (nginx), am-new, am-same, new, same, other.
row()
{
    local id=$1 name=$2 kind=$3 target=$4 mode=$5 url=$6 pid=$7 t0 t1 w0 w1 s0 s1 perf_pid=''
    t0=$(ticks "$pid") w0=$(thread_ticks "$pid" ah-writer) s0=$SECONDS$(date +%N)
    if [ -n "${BENCH_PERF:-}" ] && [ "$pid" = "${AH_PID:-}" ]; then
        mkdir -p "$BENCH_PERF"
        perf record -q -F 499 --call-graph dwarf,16384 -p "$pid" -o "$BENCH_PERF/$id.data" >/dev/null 2>&1 &
        perf_pid=$!
    fi
    wrk_bench "$target" "$mode" "$url"
    t1=$(ticks "$pid") w1=$(thread_ticks "$pid" ah-writer) s1=$SECONDS$(date +%N)
    [ -n "$perf_pid" ] && perf_report "$perf_pid" "$BENCH_PERF/$id"
    R_ID+=("$id") R_NAME+=("$name") R_KIND+=("$kind") R_RPS+=("$W_rps")
    R_P50+=("$W_p50_us") R_P99+=("$W_p99_us") R_P999+=("$W_p999_us") R_BAD+=("$W_non2xx")
    R_CPU+=("$(us_per_req $((t1 - t0)))")
    R_RSS+=("$(($(hwm "$pid") / 1024))")
    if [ -n "$w0" ] && [ -n "$w1" ]; then
        R_WRITER+=("$(awk -v t="$((w1 - w0))" -v hz="$HZ" -v a="$s0" -v b="$s1" \
            'BEGIN { printf "%d%%", 100 * t / hz / ((b - a) / 1e9) }')")
    else
        R_WRITER+=("-")
    fi
    [ "$W_sockerr" -gt 0 ] && NOTES+=("$name: socket errors: connect $W_connect, read $W_read, write $W_write, timeout $W_timeout")
    [ "$W_non2xx" -gt 0 ] && NOTES+=("$name: $W_non2xx answers >= 400")
    BODY[$target]=$W_body_bytes
    echo "  $name: $W_rps req/s, $W_requests requests" >&2
}

want() { [[ $1 =~ ^($ROWS)$ ]]; }

# perf_report PID BASE: stops the perf record PID and writes BASE.txt: each
# thread's share of the samples, then the writer thread's hottest symbols
# (self time) and hottest call chains.
perf_report()
{
    kill -INT "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    {
        echo "== samples per thread"
        perf report -i "$2.data" --no-children --sort comm --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$'
        echo "== ah-writer, self time per symbol"
        perf report -i "$2.data" --no-children --comms ah-writer --sort dso,sym --stdio -g none 2>/dev/null |
            grep -v '^#' | grep -v '^$' | head -40
        echo "== ah-writer, time per callee of writer_main (children)"
        perf report -i "$2.data" --children --comms ah-writer --sort sym --stdio -g none 2>/dev/null |
            grep -v '^#' | grep -v '^$' | head -60
    } >"$2.txt"
    echo "  profile: $2.txt" >&2
}

# ---- alerthub set-ups ----------------------------------------------------------

# ah_fresh TYPE: a fresh server, a channel and an integration of TYPE with
# the rate limits raised; sets URL.
ah_fresh()
{
    start_server "$BIN" "${SERVER_ARGS[@]}"
    new_channel bench
    new_integration bench "$1" "$CH_ID"
    raise_limits
    URL="$AH_URL/event/push/alert/${1/_//}?integration_key=$INT_KEY"
}

raise_limits()
{
    api PATCH "/integrations/$INT_ID" '{"rate_limit_per_sec":1000000,"rate_limit_per_min":1000000}'
    assert_status 200 "raise the rate limits"
}

# counts: what the database holds after a run.
counts()
{
    db "SELECT (SELECT count(*) FROM events) || ' events, '
            || (SELECT count(*) FROM alerts WHERE end_time = 0 AND close_time = 0) || ' open alerts, '
            || (SELECT count(*) FROM alerts WHERE end_time != 0 OR close_time != 0) || ' closed alerts, '
            || (SELECT count(*) FROM incidents) || ' incidents';"
}

# settle: waits until the server has stored every event it was sent: no
# connection to it is left half-closed (wrk gone, the server not done with
# the request: CLOSE_WAIT in /proc/net/tcp) and the count of events stays
# the same for 0.5 s; non-zero after 60 s.
settle()
{
    local prev=-1 cur half deadline=$((SECONDS + 60)) port
    port=$(printf '%04X' "$AH_PORT")
    while [ "$SECONDS" -le "$deadline" ]; do
        half=$(awk -v p=":$port" 'substr($2, length($2) - 4) == p && $4 == "08"' /proc/net/tcp | wc -l)
        cur=$(db 'SELECT count(*) FROM events;')
        [ "$half" -eq 0 ] && [ "$cur" = "$prev" ] && return 0
        prev=$cur
        sleep 0.5 # the quiet period that settle waits for
    done
    return 1
}

# rules_integration CHANNEL_ID: a second integration with enrichment and a
# pipeline; sets RULES_URL.
rules_integration()
{
    local sid
    new_integration bench-rules standard "$1"
    raise_limits
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
    raise_limits
    SUBS_URL="$AH_URL/event/push/alert/standard?integration_key=$INT_KEY"
}

# outbox: notifications waiting (pending rows and the subscribers' backlog).
outbox() { curl -s "$AH_URL/metrics" | awk '$1 == "alerthub_outbox_depth" { print $2 }'; }

# ---- the machine ---------------------------------------------------------------

sync=full
for ((i = 0; i < ${#SERVER_ARGS[@]}; i++)); do
    [ "${SERVER_ARGS[i]}" = --synchronous ] && sync=${SERVER_ARGS[i + 1]-}
done
echo "alerthub side by side ($(date -u '+%Y-%m-%d %H:%M UTC'))"
echo "machine: $(nproc) CPUs, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)," \
    "$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo);" \
    "load average at start: $LOAD_START"
flags="its defaults"
[ ${#SERVER_ARGS[@]} -gt 0 ] && flags="${SERVER_ARGS[*]}"
echo "targets: $BIN with $flags (synchronous=$sync: every 200 is on disk), $(nginx -v 2>&1 | sed 's/.*: //')," \
    "Alertmanager $(prometheus-alertmanager --version 2>&1 | awk 'NR == 1 { print $3 }')"
echo "load: wrk -t$THREADS -c$CONNECTIONS -d$DURATION, one alert per POST (bench/push.lua), every target fresh on 127.0.0.1 per row"
echo >&2 "runs:"

# ---- the rows ------------------------------------------------------------------

if want nginx; then
    srv_start nginx / POST
    row nginx "nginx 204 (baseline)" base standard new "$SRV_URL/" "$SRV_PID"
    srv_stop
fi

for mode in new same; do
    want "am-$mode" || continue
    srv_start am /-/ready GET
    before=$(am_alerts)
    name="Alertmanager, distinct"
    [ "$mode" = same ] && name="Alertmanager, repeated"
    row "am-$mode" "$name" "am-$mode" am "$mode" "$SRV_URL/api/v2/alerts" "$SRV_PID"
    NOTES+=("$name: GET /api/v2/alerts lists $(am_alerts) alerts (before the run: $before)")
    srv_stop
done

# The floor of alerthub's HTTP stack: what any push could reach at most.
FLOOR_BIN=$(dirname "$BIN")/bench/mhd_floor
for FLOOR_MODE in plain json handoff; do
    want "floor-$FLOOR_MODE" || continue
    srv_start floor / GET
    row "floor-$FLOOR_MODE" "libmicrohttpd floor, $FLOOR_MODE" new standard new "$SRV_URL/" "$SRV_PID"
    srv_stop
done

if want std-new; then
    ah_fresh standard
    row std-new "standard, new alerts" new standard new "$URL" "$AH_PID"
    NOTES+=("standard, new alerts: $(counts)")
    stop_server
fi

if want std-same; then
    ah_fresh standard
    row std-same "standard, repeats" same standard same "$URL" "$AH_PID"
    NOTES+=("standard, repeats: $(counts)")
    stop_server
fi

# ---- PostgreSQL: the same standard rows on a throw-away cluster -------------
# (scripts/pg-cluster.sh; fsync and synchronous_commit on: every 200 is in
# PostgreSQL's WAL on disk). The table's CPU column is alerthub's; the
# PostgreSQL server's own CPU per request is in the notes.
PG_CLUSTER=''
# pg_cluster: starts the cluster once, for every PostgreSQL row.
pg_cluster()
{
    [ -n "$PG_CLUSTER" ] && return 0
    # Beside AH_TMP, not in it: the postgres user cannot enter AH_TMP.
    PG_CLUSTER=$(mktemp -d "${TMPDIR:-/tmp}/alerthub-bench-pg.XXXXXX")
    PG_BASE=$("$BENCH_DIR/../scripts/pg-cluster.sh" start "$PG_CLUSTER") || exit 1
}
pg_row()
{
    local mode=$1 name p0 p1 pm
    pg_cluster
    AH_PG_URL=$PG_BASE ah_fresh standard
    name="PostgreSQL, standard, new alerts"
    [ "$mode" = same ] && name="PostgreSQL, standard, repeats"
    pm=$(head -n 1 "$PG_CLUSTER/data/postmaster.pid")
    p0=$(ticks "$pm")
    row "pg-std-$mode" "$name" "$mode" standard "$mode" "$URL" "$AH_PID"
    p1=$(ticks "$pm")
    NOTES+=("$name: $(counts); PostgreSQL's CPU $(us_per_req $((p1 - p0))) us per request besides alerthub's")
    stop_server
    # The next rows are on SQLite again.
    unset ALERTHUB_DATABASE_URL AH_DB_URL
}
# pg3_row MODE [backup]: three nodes on one database behind nginx, round
# robin: every node takes writes, their transactions one at a time, each
# node rebuilding its memory when another wrote since (docs/deploy.md);
# with "backup", nginx sends everything to the first node and keeps the two
# others as backups (the deployment docs/deploy.md advises for heavy push
# traffic). The CPU column is the first node's; the two others', nginx's
# and PostgreSQL's are in the notes, with how often each node rebuilt.
pg3_row()
{
    local mode=$1 name n port p0 p1 n0 n1 o0 o1 pm others=() urls=() rebuilt='' id=pg3-std-$1
    local LB_BACKUP=0
    [ "${2:-}" = backup ] && LB_BACKUP=1 id=pg3b-std-$1
    pg_cluster
    AH_PG_URL=$PG_BASE ah_fresh standard
    LB_NODES="127.0.0.1:$AH_PORT"
    urls=("$AH_URL")
    for n in 2 3; do
        port=$(pick_port)
        mkdir -p "$AH_TMP/pg3-node-$n"
        "$BIN" serve --listen "127.0.0.1:$port" --data "$AH_TMP/pg3-node-$n" \
            --admin-token "$AH_TOKEN" >"$AH_TMP/pg3-node-$n.log" 2>&1 &
        others+=($!)
        AH_BG_PIDS+=($!)
        LB_NODES+=" 127.0.0.1:$port"
        urls+=("http://127.0.0.1:$port")
    done
    for n in "${urls[@]}"; do
        until curl -sf -o /dev/null "$n/readyz"; do sleep 0.1; done # each node up
    done
    sleep 2 # the integration made on the first node reaches the others (<= 1 s)
    srv_start lb /healthz GET
    name="PostgreSQL, 3 nodes, new alerts"
    [ "$mode" = same ] && name="PostgreSQL, 3 nodes, repeats"
    [ "$LB_BACKUP" = 1 ] && name="${name/3 nodes/3 nodes (2 backups)}"
    pm=$(head -n 1 "$PG_CLUSTER/data/postmaster.pid")
    p0=$(ticks "$pm") n0=$(ticks "$SRV_PID") o0=$(($(ticks "${others[0]}") + $(ticks "${others[1]}")))
    row "$id" "$name" "$mode" standard "$mode" "${URL/$AH_URL/$SRV_URL}" "$AH_PID"
    p1=$(ticks "$pm") n1=$(ticks "$SRV_PID") o1=$(($(ticks "${others[0]}") + $(ticks "${others[1]}")))
    for n in "${urls[@]}"; do
        rebuilt+=" $(curl -s "$n/metrics" | awk '$1 == "alerthub_writer_rebuilds_total" {r = $2}
            $1 == "alerthub_writer_catch_ups_total" {c = $2} END {print r "/" c}')"
    done
    NOTES+=("$name: $(counts); per request besides the first node's CPU: the two other nodes $(us_per_req $((o1 - o0))) us, nginx $(us_per_req $((n1 - n0))) us, PostgreSQL $(us_per_req $((p1 - p0))) us; memory rebuilt whole / caught up by rows (per node):$rebuilt")
    srv_stop
    kill -TERM "${others[@]}" 2>/dev/null
    wait "${others[@]}" 2>/dev/null
    stop_server
    unset ALERTHUB_DATABASE_URL AH_DB_URL
}
for mode in new same; do
    want "pg-std-$mode" && pg_row "$mode"
done
for mode in new same; do
    want "pg3-std-$mode" && pg3_row "$mode"
done
for mode in new same; do
    want "pg3b-std-$mode" && pg3_row "$mode" backup
done
[ -n "$PG_CLUSTER" ] && "$BENCH_DIR/../scripts/pg-cluster.sh" stop "$PG_CLUSTER"

if want rtc-new; then
    ah_fresh volcengine_rtc
    row rtc-new "Volcengine RTC, new alerts" new rtc new "$URL" "$AH_PID"
    NOTES+=("Volcengine RTC, new alerts: $(counts)")
    stop_server
fi

if want rtc-same; then
    ah_fresh volcengine_rtc
    row rtc-same "Volcengine RTC, repeats" same rtc same "$URL" "$AH_PID"
    NOTES+=("Volcengine RTC, repeats: $(counts)")
    stop_server
fi

if want rtc-recover; then
    ah_fresh volcengine_rtc
    run=$$r
    WRK_DURATION=$PRELOAD wrk_bench rtc preload "$URL" "$run"
    pre_req=$W_requests
    [ $((W_non2xx + W_sockerr)) -gt 0 ] &&
        NOTES+=("Volcengine RTC, recoveries: WARNING: the pre-load had $W_non2xx answers >= 400 and $W_sockerr socket errors")
    # Callbacks still in flight when wrk stopped are processed after it:
    # wait for them, so that the row does not measure the tail of the
    # pre-load.
    settle || NOTES+=("Volcengine RTC, recoveries: the pre-load did not settle in 60 s")
    # The row recovers the resources that are open, in the order they opened.
    db "SELECT json_extract(labels, '\$.resource_id') FROM alerts
        WHERE end_time = 0 AND close_time = 0 ORDER BY id;" >"$AH_TMP/ids"
    preloaded=$(wc -l <"$AH_TMP/ids")
    pre=$(counts)
    BENCH_IDS=$AH_TMP/ids RUN_ID=$run row rtc-recover "Volcengine RTC, recoveries" other rtc recover "$URL" "$AH_PID"
    NOTES+=("Volcengine RTC, recoveries: pre-loaded by $pre_req answered callbacks of 100 firing resources in $PRELOAD ($pre), then $W_requests recoveries: $(counts)")
    late=$(($(db 'SELECT count(*) FROM alerts;') - preloaded))
    [ "$late" -gt 0 ] &&
        NOTES+=("Volcengine RTC, recoveries: WARNING: $late alerts of the pre-load were stored during the row")
    [ $((W_counter_max * THREADS)) -gt "$preloaded" ] &&
        NOTES+=("Volcengine RTC, recoveries: WARNING: the recoveries ran past the $preloaded pre-loaded alerts (raise BENCH_PRELOAD)")
    stop_server
fi

if want rules; then
    start_server "$BIN" "${SERVER_ARGS[@]}"
    new_channel bench
    rules_integration "$CH_ID"
    row rules "rules (enrichment + pipeline), new" new standard new "$RULES_URL" "$AH_PID"
    NOTES+=("rules, new: $(counts); e.g. $(db "SELECT title || ' ' || labels FROM alerts LIMIT 1;")")
    stop_server
fi

if want plain; then
    ah_fresh standard
    row plain "plain channel, new" new standard new "$URL" "$AH_PID"
    NOTES+=("plain channel, new: $(counts)")
    stop_server
fi

if want subs; then
    start_receiver
    start_server "$BIN" "${SERVER_ARGS[@]}"
    subscribed_channel
    row subs "2 slow subscribed targets, new" new standard new "$SUBS_URL" "$AH_PID"
    NOTES+=("2 slow subscribed targets, new: $(counts); notifications waiting: $(outbox), sent: $(db "SELECT count(*) FROM deliveries WHERE status = 'sent';")")
    stop_server
    stop_receiver
fi

# ---- scale: the writer alone from 10^3 to BENCH_ALERTS open alerts ----------

# bench/writer_bench drives the real writer thread without HTTP and keeps its
# database; the server is then started on it, and its RSS after loading every
# open alert, over the open alerts, is the memory one alert costs.
if want scale; then
    WB_DIR=$AH_TMP/scale
    echo "  scale: writer_bench up to ${BENCH_ALERTS:-1000000} open alerts" >&2
    SCALE_OUT=$("$(dirname "$BIN")/bench/writer_bench" "$WB_DIR" "${BENCH_ALERTS:-1000000}")
    AH_BIN=$BIN AH_ARGS=("${SERVER_ARGS[@]}") AH_DATA=$WB_DIR
    t0=$SECONDS
    AH_START_TIMEOUT=600 launch_server # it loads every open alert first
    t_start=$((SECONDS - t0))
    OPEN=$(db "SELECT count(*) FROM alerts WHERE end_time = 0 AND close_time = 0;")
    RSS_KB=$(awk '/^VmRSS/ { print $2 }' "/proc/$AH_PID/status")
    new_integration scale standard "$(db 'SELECT min(id) FROM channels;')"
    push_std "$INT_KEY" '{"event_status":"Warning","title_rule":"one more","alert_key":"scale-check"}'
    SCALE_OUT+=$'\n'"server started on that database in $t_start s: $OPEN open alerts, RSS $((RSS_KB / 1024)) MiB = $(awk -v k="$RSS_KB" -v n="$OPEN" 'BEGIN { printf "%.2f", k / n }') KiB per open alert (a push after the start: HTTP $H_STATUS)"
    stop_server
fi

# ---- retention: the database stops growing (issue #13, item 5) -------------

# A server with a 10-second retention for events and closed incidents (the
# test-only --retention-seconds flags) takes a steady load (8 clients) for
# BENCH_RETENTION_SECS (30): each request a new alert (key i) and the
# recovery of alert i-50, so incidents close all the time. Every 3 s the
# size of alerthub.db plus alerthub.db-wal is noted: once the window is
# full it must stay flat (freed pages are reused; the file does not shrink).
if want retention; then
    echo "  retention: ${BENCH_RETENTION_SECS:-30} s of load with a 10 s retention" >&2
    start_server "$BIN" "${SERVER_ARGS[@]}" --retention-seconds 10 --incident-retention-seconds 10
    new_channel bench
    new_integration bench standard "$CH_ID"
    raise_limits
    ret_url="$AH_URL/event/push/alert/standard?integration_key=$INT_KEY"
    ret_load=()
    for w in 1 2 3 4 5 6 7 8; do
        (
            i=0
            while :; do
                i=$((i + 1))
                curl -s -o /dev/null --max-time 10 -H 'Content-Type: application/json' \
                    --data-binary "{\"event_status\":\"Warning\",\"title_rule\":\"r\",\"alert_key\":\"r$w-$i\",\"description\":\"$(printf '%0400d' "$i")\"}" "$ret_url"
                [ "$i" -gt 50 ] && curl -s -o /dev/null --max-time 10 -H 'Content-Type: application/json' \
                    --data-binary "{\"event_status\":\"Ok\",\"title_rule\":\"r\",\"alert_key\":\"r$w-$((i - 50))\"}" "$ret_url"
            done
        ) &
        ret_load+=($!)
        AH_BG_PIDS+=($!)
    done
    RET_OUT="retention (10 s, load for ${BENCH_RETENTION_SECS:-30} s; MiB of alerthub.db + -wal, rows):"
    for ((t = 0; t <= ${BENCH_RETENTION_SECS:-30}; t += 3)); do
        [ "$t" -gt 0 ] && sleep 3 # the sampling period
        RET_OUT+=$'\n'"$(printf '  t=%2ds  %6.2f MiB  ' "$t" "$(stat -c %s "$AH_DATA/alerthub.db" "$AH_DATA/alerthub.db-wal" 2>/dev/null |
            awk '{ s += $1 } END { print s / 1048576 }')")$(db "SELECT (SELECT count(*) FROM events) || ' events, '
                || (SELECT count(*) FROM alerts) || ' alerts, ' || (SELECT count(*) FROM incidents) || ' incidents, '
                || (SELECT max(id) FROM events) || ' events stored in all';")"
    done
    kill "${ret_load[@]}" 2>/dev/null
    wait "${ret_load[@]}" 2>/dev/null
    stop_server
fi
# ---- end of retention -----------------------------------------------------------

# ---- the table -----------------------------------------------------------------

base_of() # KIND: the req/s of the first row of that kind, empty when none
{
    local i
    for i in "${!R_KIND[@]}"; do
        [ "${R_KIND[i]}" = "$1" ] && { echo "${R_RPS[i]}"; return; }
    done
}
NGINX=$(base_of base) AM_NEW=$(base_of am-new) AM_SAME=$(base_of am-same)

ms() { awk -v u="$1" 'BEGIN { printf "%.2f ms", u / 1000 }'; }
ratio() { if [ -n "$2" ] && [ "$2" -gt 0 ]; then awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; else echo "-"; fi; }
thousands() { echo "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta'; }

echo
# The header is written out: printf pads bytes, and µ and × are two each.
echo "| #  | target                               |   req/s |      p50 |      p99 |     p99.9 | non-2xx | CPU µs/req | writer | peak RSS |  × AM | × nginx |"
echo "|----|--------------------------------------|--------:|---------:|---------:|----------:|--------:|-----------:|-------:|---------:|------:|--------:|"
for i in "${!R_ID[@]}"; do
    case ${R_KIND[i]} in
    new) am=$(ratio "${R_RPS[i]}" "$AM_NEW") ;;
    same) am=$(ratio "${R_RPS[i]}" "$AM_SAME") ;;
    *) am="-" ;;
    esac
    nx=$(ratio "${R_RPS[i]}" "$NGINX")
    printf '| %-2s | %-36s | %7s | %8s | %8s | %9s | %7s | %10s | %6s | %8s | %5s | %7s |\n' \
        "$((i + 1))" "${R_NAME[i]}" "$(thousands "${R_RPS[i]}")" \
        "$(ms "${R_P50[i]}")" "$(ms "${R_P99[i]}")" "$(ms "${R_P999[i]}")" "${R_BAD[i]}" \
        "$(thousands "${R_CPU[i]}")" "${R_WRITER[i]}" "${R_RSS[i]} MB" "$am" "$nx"
done
echo
echo "bodies (bytes): standard (also nginx's) ${BODY[standard]:--}, Alertmanager ${BODY[am]:--}, Volcengine RTC ${BODY[rtc]:--}"
if [ ${#NOTES[@]} -gt 0 ]; then
    echo "after each run:"
    printf '  %s\n' "${NOTES[@]}"
fi
if [ -n "${SCALE_OUT:-}" ]; then
    echo
    echo "$SCALE_OUT"
fi
if [ -n "${RET_OUT:-}" ]; then
    echo
    echo "$RET_OUT"
fi
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); $((SECONDS - T_START)) s in all"
[ "$T_FAIL" -eq 0 ]
