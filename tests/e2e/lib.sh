# shellcheck shell=bash
# lib.sh - helpers for the alerthub end-to-end tests (bash, curl, jq, sqlite3).
#
# Source it from a t_*.sh. It gives:
#   server:     start_server BIN [ARGS...], restart_server [ARGS...], stop_server [SIG],
#               kill9_server; AH_URL, AH_DATA, AH_PID, AH_TOKEN, AH_PUBLIC_URL;
#               AH_SCHEME (http, or https for a server started with --tls-*) and
#               AH_CURL (curl options for every request, e.g. --cacert FILE)
#   requests:   http METHOD URL [CURL_ARGS...], api METHOD PATH [JSON],
#               push TYPE KEY JSON [QUERY [CURL_ARGS...]], push_std KEY JSON [QUERY];
#               each sets H_STATUS, H_BODY, H_HEADERS; jb FILTER reads H_BODY
#   fixtures:   new_channel NAME, new_integration NAME TYPE [CHANNEL_ID] [EXTRA_JSON]
#   database:   db SQL (read-only), db_counts, alert_id_for KEY, incident_id_for KEY
#   checks:     assert_eq, assert_ne, assert_match, assert_contains, assert_status,
#               assert_code, assert_json, assert_request_id, assert_retry_after,
#               assert_unchanged_counts; section NAME; finish (tally, exit status)
#
# Waiting is always for an event (the health endpoint answering, a process
# exiting), never a fixed sleep. A cleanup trap kills the server and removes
# the temporary directory (AH_KEEP=1 keeps it for debugging).

AH_TOKEN=e2e-admin-token-5f2c9d1e
AH_PUBLIC_URL=http://alerthub.test:8443
AH_START_TIMEOUT=${AH_START_TIMEOUT:-15}
AH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/alerthub-e2e.XXXXXX") || exit 2
AH_BIN='' AH_PID='' AH_PORT='' AH_URL='' AH_DATA='' AH_LOG=''
AH_ARGS=()
AH_SCHEME=${AH_SCHEME:-http}
AH_CURL=()
AH_BG_PIDS=()
AH_LAUNCHES=0
T_PASS=0 T_FAIL=0 T_SECTION=-
H_STATUS='' H_BODY='' H_HEADERS='' H_DESC=''

AH_MAIN_PID=$BASHPID

# A subshell forked just before a signal may run the parent's traps before
# bash resets them (stop_server's watchdog, killed at once when the server
# stops fast): only the test's own shell cleans up.
ah_cleanup()
{
    local p
    [ "$BASHPID" = "$AH_MAIN_PID" ] || return 0
    for p in "${AH_BG_PIDS[@]}"; do
        kill -KILL "$p" 2>/dev/null
    done
    if [ -n "$AH_PID" ]; then
        kill -KILL "$AH_PID" 2>/dev/null
        wait "$AH_PID" 2>/dev/null
    fi
    if [ "${AH_KEEP:-0}" = 1 ]; then
        echo "kept $AH_TMP"
    else
        rm -rf "$AH_TMP"
    fi
}
trap ah_cleanup EXIT
trap 'exit 130' INT TERM

# ---- tally and assertions ------------------------------------------------

section() { T_SECTION=$1; }

pass() { T_PASS=$((T_PASS + 1)); }

fail()
{
    T_FAIL=$((T_FAIL + 1))
    printf 'FAIL [%s] %s\n' "$T_SECTION" "$*"
    if [ -n "$H_DESC" ]; then
        printf '     last request: %s -> %s %s\n' "$H_DESC" "$H_STATUS" \
            "$(printf '%s' "$H_BODY" | head -c 400)"
    fi
}

# assert_eq DESC EXPECTED ACTUAL
assert_eq()
{
    if [ "$2" = "$3" ]; then pass; else fail "$1: expected '$2', got '$3'"; fi
}

# assert_ne DESC UNEXPECTED ACTUAL
assert_ne()
{
    if [ "$2" != "$3" ]; then pass; else fail "$1: did not expect '$3'"; fi
}

# assert_match DESC ERE ACTUAL
assert_match()
{
    if [[ $3 =~ $2 ]]; then pass; else fail "$1: '$3' does not match /$2/"; fi
}

# assert_contains DESC NEEDLE HAYSTACK
assert_contains()
{
    case $3 in
    *"$2"*) pass ;;
    *) fail "$1: '$3' does not contain '$2'" ;;
    esac
}

# assert_true DESC COMMAND...: the command succeeds.
assert_true()
{
    local desc=$1
    shift
    if "$@"; then pass; else fail "$desc"; fi
}

# assert_status EXPECTED [DESC]: the last response's HTTP status.
assert_status()
{
    assert_eq "${2:-$H_DESC} status" "$1" "$H_STATUS"
}

# assert_code HTTP_STATUS ERROR_CODE: an error response with that envelope.
assert_code()
{
    assert_status "$1"
    assert_eq "$H_DESC error.code" "$2" "$(jb '.error.code')"
    assert_match "$H_DESC error.message" '.' "$(jb '.error.message // empty')"
}

# assert_json DESC JQ_FILTER EXPECTED: jq -r FILTER of the last body.
assert_json()
{
    assert_eq "$1" "$3" "$(jb "$2")"
}

# The X-Request-Id header is present, equals the body's request_id (32 hex
# digits), and differs from the one the previous call of this saw.
LAST_REQUEST_ID=''
assert_request_id()
{
    local hdr
    hdr=$(header X-Request-Id)
    assert_match "$H_DESC X-Request-Id header" '^[0-9a-f]{32}$' "$hdr"
    assert_eq "$H_DESC X-Request-Id equals body request_id" "$hdr" "$(jb '.request_id')"
    assert_true "$H_DESC request_id differs from the previous one" [ "$hdr" != "$LAST_REQUEST_ID" ]
    LAST_REQUEST_ID=$hdr
}

# A Retry-After header holding a number of seconds in 1..MAX.
assert_retry_after()
{
    local v max=${1:-60}
    v=$(header Retry-After)
    if [[ $v =~ ^[0-9]+$ ]] && [ "$v" -ge 1 ] && [ "$v" -le "$max" ]; then
        pass
    else
        fail "$H_DESC Retry-After: expected 1..$max seconds, got '$v'"
    fi
}

# assert_unchanged_counts BEFORE: events, alerts and incidents as db_counts gave.
assert_unchanged_counts()
{
    assert_eq "$H_DESC stored nothing (events alerts incidents)" "$1" "$(db_counts)"
}

# finish: print the tally; exit non-zero on any failure or when nothing ran.
finish()
{
    if [ -s "$AH_TMP/db.failed" ]; then
        T_FAIL=$((T_FAIL + $(wc -l <"$AH_TMP/db.failed")))
    fi
    printf '%d passed, %d failed\n' "$T_PASS" "$T_FAIL"
    if [ "$T_FAIL" -gt 0 ] || [ "$T_PASS" -eq 0 ]; then
        exit 1
    fi
    exit 0
}

# ---- HTTP ----------------------------------------------------------------

# http METHOD URL [CURL_ARGS...]: sets H_STATUS (000 when no answer), H_BODY,
# H_HEADERS (CR stripped) and H_DESC (for failure messages).
http()
{
    local method=$1 url=$2
    shift 2
    rm -f "$AH_TMP/h.body" "$AH_TMP/h.headers"
    H_STATUS=$(curl -s -X "$method" --max-time 20 -o "$AH_TMP/h.body" \
        -D "$AH_TMP/h.headers" -w '%{http_code}' "${AH_CURL[@]}" "$@" "$url")
    H_BODY=$(cat "$AH_TMP/h.body" 2>/dev/null)
    H_HEADERS=$(tr -d '\r' <"$AH_TMP/h.headers" 2>/dev/null)
    H_DESC="$method ${url#"$AH_URL"}"
    [ "${#H_DESC}" -gt 160 ] && H_DESC="${H_DESC:0:160}..."
    return 0
}

# header NAME: the last value of that header in the last response.
header()
{
    printf '%s\n' "$H_HEADERS" | awk -v n="$1" '
        BEGIN { n = tolower(n) }
        { i = index($0, ":") }
        i && tolower(substr($0, 1, i - 1)) == n { v = substr($0, i + 1); sub(/^[ \t]+/, "", v); last = v }
        END { print last }'
}

# jb FILTER: jq -r FILTER over the last body (empty when it is not JSON).
jb()
{
    printf '%s' "$H_BODY" | jq -r "$1" 2>/dev/null
}

# api METHOD PATH [JSON]: an admin request under /api/v1 with the admin token.
api()
{
    local args=(-H "Authorization: Bearer $AH_TOKEN")
    if [ $# -ge 3 ]; then
        args+=(-H 'Content-Type: application/json' --data-binary "$3")
    fi
    http "$1" "$AH_URL/api/v1$2" "${args[@]}"
}

# push TYPE KEY BODY [QUERY [CURL_ARGS...]]: POST a push. TYPE is "standard" or
# "volcengine/rtc"; BODY may be @FILE; QUERY is appended as is ("&severity=Info").
push()
{
    local type=$1 key=$2 body=$3 query=${4-}
    shift 3
    [ $# -gt 0 ] && shift
    http POST "$AH_URL/event/push/alert/$type?integration_key=$key$query" \
        -H 'Content-Type: application/json' --data-binary "$body" "$@"
}

push_std() { push standard "$@"; }

# urlenc STRING
urlenc() { jq -rn --arg v "$1" '$v | @uri'; }

# ---- adapter fixtures over HTTP ---------------------------------------------

# run_fixtures DIR PUSH KEY: the adapter fixtures of DIR (tests/fixtures/ingest/
# VENDOR) against the server. Every bad-NAME.json, sent with "PUSH KEY @file",
# is refused with 400 InvalidParameter and stores nothing; then the suite's
# push_fixture NAME runs for every NAME.expected.json, the fixtures that
# recover or resolve another one (alert_key_same_as) after all the others.
run_fixtures()
{
    local dir=$1 push_fn=$2 key=$3 f name before pass
    for f in "$dir"/bad-*.json; do
        name=$(basename "$f" .json)
        section "fixture $name"
        before=$(db_counts)
        "$push_fn" "$key" "@$f"
        assert_code 400 InvalidParameter
        assert_request_id
        assert_unchanged_counts "$before"
    done
    for pass in first second; do
        for f in "$dir"/*.expected.json; do
            name=$(basename "$f" .expected.json)
            if jq -e 'any(.[]; has("alert_key_same_as"))' "$f" >/dev/null; then
                [ "$pass" = second ] && push_fixture "$name"
            else
                [ "$pass" = first ] && push_fixture "$name"
            fi
        done
    done
}

# ---- noise reduction: the test clock and events by key ------------------

T0=1800000000 # 2027-01-15 08:00:00 UTC, the base of the test clock

# at UNIX: sets the server's test clock (the server runs with --test-clock on).
at()
{
    api PUT /test/clock "{\"now\":$1}"
    assert_status 200 "set the test clock to $1"
}

# ev STATUS TITLE KEY [DESCRIPTION] [LABELS_JSON]: a standard event body (an
# empty KEY leaves alert_key out, for the server to derive).
ev()
{
    jq -nc --arg s "$1" --arg t "$2" --arg k "$3" --arg d "${4-}" --argjson l "${5:-null}" \
        '{event_status: $s, title_rule: $t}
         + (if $k == "" then {} else {alert_key: $k} end)
         + (if $d == "" then {} else {description: $d} end)
         + (if $l == null then {} else {labels: $l} end)'
}

# send STATUS TITLE KEY [DESCRIPTION] [LABELS_JSON]: pushes to the current
# channel's integration (IKEY) and expects 200; sets ALERT and INC (the newest
# alert with that key and its incident).
send()
{
    push_std "$IKEY" "$(ev "$@")"
    assert_status 200 "push $3 ($1)"
    ALERT=$(alert_id_for "$3")
    INC=$(incident_id_for "$3")
}

# std_channel NAME: a new channel with a standard integration; sets CH and IKEY.
std_channel()
{
    new_channel "$1"
    CH=$CH_ID
    new_integration "$1-std" standard "$CH"
    IKEY=$INT_KEY
}

# ---- admin fixtures ------------------------------------------------------

# new_channel NAME: creates a channel, sets CH_ID.
new_channel()
{
    api POST /channels "$(jq -nc --arg n "$1" '{name: $n}')"
    assert_status 201 "create channel $1"
    # shellcheck disable=SC2034 # for the caller
    CH_ID=$(jb '.data.id')
}

# new_integration NAME TYPE [CHANNEL_ID] [EXTRA_JSON]: sets INT_ID and INT_KEY.
new_integration()
{
    local body extra=${4:-}
    [ -n "$extra" ] || extra="{}"
    body=$(jq -nc --arg n "$1" --arg t "$2" --arg c "${3-}" --argjson x "$extra" \
        '{name: $n, type: $t} + (if $c == "" then {} else {channel_id: $c} end) + $x')
    api POST /integrations "$body"
    assert_status 201 "create integration $1"
    # shellcheck disable=SC2034 # for the caller
    INT_ID=$(jb '.data.id')
    # shellcheck disable=SC2034
    INT_KEY=$(jb '.data.integration_key')
}

# ---- database (read-only queries) ----------------------------------------

# db SQL: a read-only query. A failed query is counted as a test failure by
# finish, even when it ran in a command substitution.
db()
{
    if [ -n "${AH_DB_URL:-}" ]; then
        # PostgreSQL (run-pg.sh): the same unaligned, |-separated rows.
        printf '%s\n' "$*" | psql "$AH_DB_URL" -X -q -A -t -F '|' -v ON_ERROR_STOP=1 -f - \
            && return 0
    else
        sqlite3 -readonly -cmd '.timeout 5000' "$AH_DATA/alerthub.db" "$@" && return 0
    fi
    echo "FAIL [$T_SECTION] sqlite3 query failed: $*" >&2
    echo x >>"$AH_TMP/db.failed"
    return 1
}

# db_write SQL: a change made behind the server's back (it is stopped), in
# either store.
db_write()
{
    if [ -n "${AH_DB_URL:-}" ]; then
        printf '%s\n' "$*" | psql "$AH_DB_URL" -X -q -v ON_ERROR_STOP=1 -f - >/dev/null
    else
        sqlite3 -cmd '.timeout 5000' "$AH_DATA/alerthub.db" "$@"
    fi
}

# on_sqlite: true unless the suite runs on PostgreSQL (run-pg.sh), for the
# checks of what only the embedded store has (its file, its backup, PRAGMAs).
on_sqlite() { [ -z "${AH_DB_URL:-}" ]; }

sql_str() { printf "'%s'" "${1//\'/\'\'}"; }

db_counts()
{
    db "SELECT (SELECT count(*) FROM events) || ' ' || (SELECT count(*) FROM alerts)
            || ' ' || (SELECT count(*) FROM incidents);"
}

# The newest alert (and its incident) with that alert_key.
alert_id_for() { db "SELECT id FROM alerts WHERE alert_key = $(sql_str "$1") ORDER BY id DESC LIMIT 1;"; }
incident_id_for() { db "SELECT incident_id FROM alerts WHERE alert_key = $(sql_str "$1") ORDER BY id DESC LIMIT 1;"; }
events_for() { db "SELECT count(*) FROM events WHERE alert_key = $(sql_str "$1");"; }

# ---- server --------------------------------------------------------------

# start_server BIN [ARGS...]: a new server on a fresh data directory.
start_server()
{
    # A server still running would be left behind when AH_PID moves on.
    [ -n "$AH_PID" ] && stop_server
    AH_BIN=$1
    shift
    AH_ARGS=("$@")
    AH_DATA=$(mktemp -d "$AH_TMP/data.XXXXXX")
    if [ -n "${AH_PG_URL:-}" ]; then
        # run-pg.sh: every server starts on a database of its own in the
        # test cluster (the environment variable reaches every launch).
        local name
        name=ah_$(basename "$AH_DATA" | tr -cd 'a-zA-Z0-9' | tr 'A-Z' 'a-z')_$$
        psql "$AH_PG_URL" -X -q -c "CREATE DATABASE $name" >/dev/null || fail "CREATE DATABASE $name"
        AH_DB_URL=${AH_PG_URL%/*}/$name
        psql "$AH_DB_URL" -X -q -f "$(dirname "${BASH_SOURCE[0]}")/pg-compat.sql" >/dev/null \
            || fail "pg-compat.sql"
        export ALERTHUB_DATABASE_URL=$AH_DB_URL
    fi
    launch_server
}

# restart_server [ARGS...]: the same binary and data directory (and the same
# extra arguments unless new ones are given).
restart_server()
{
    # Two servers on one database would test nothing and leave one behind.
    if [ -n "$AH_PID" ]; then
        fail "restart_server: the server is still running (stop_server or kill9_server first)"
        stop_server
    fi
    [ $# -gt 0 ] && AH_ARGS=("$@")
    launch_server
}

# A random port in 20000-59999 that nobody answers on.
pick_port()
{
    local p
    while :; do
        p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$p/" && continue
        [ $? -eq 7 ] && break # connection refused: free
    done
    echo "$p"
}

# launch_server: starts AH_BIN on a free port and waits until /healthz answers.
# A start that loses a race for its port is retried on another port. With
# AH_USE_ENV=1 the settings go in ALERTHUB_* variables instead of flags. With
# AH_TOKEN_FILE set, the admin token is read from that file (which should
# hold AH_TOKEN) instead of given.
launch_server()
{
    local token_flag=(--admin-token "$AH_TOKEN") token_env=(ALERTHUB_ADMIN_TOKEN="$AH_TOKEN")
    if [ -n "${AH_TOKEN_FILE:-}" ]; then
        token_flag=(--admin-token-file "$AH_TOKEN_FILE")
        token_env=(ALERTHUB_ADMIN_TOKEN_FILE="$AH_TOKEN_FILE")
    fi
    for _ in 1 2 3 4 5; do
        AH_PORT=$(pick_port)
        AH_URL=$AH_SCHEME://127.0.0.1:$AH_PORT
        AH_LAUNCHES=$((AH_LAUNCHES + 1))
        AH_LOG=$AH_TMP/server.$AH_LAUNCHES.log
        if [ "${AH_USE_ENV:-0}" = 1 ]; then
            env ALERTHUB_LISTEN="127.0.0.1:$AH_PORT" ALERTHUB_DATA="$AH_DATA" \
                "${token_env[@]}" ALERTHUB_PUBLIC_URL="$AH_PUBLIC_URL" \
                "$AH_BIN" serve "${AH_ARGS[@]}" >"$AH_LOG" 2>&1 &
        else
            "$AH_BIN" serve --listen "127.0.0.1:$AH_PORT" --data "$AH_DATA" \
                "${token_flag[@]}" --public-url "$AH_PUBLIC_URL" \
                "${AH_ARGS[@]}" >"$AH_LOG" 2>&1 &
        fi
        AH_PID=$!
        if wait_healthy; then
            return 0
        fi
        if kill -0 "$AH_PID" 2>/dev/null; then
            kill -KILL "$AH_PID"
        fi
        wait "$AH_PID" 2>/dev/null
        AH_PID=
        grep -qi 'in use' "$AH_LOG" || break
    done
    fail "server did not start ($AH_BIN ${AH_ARGS[*]}); log:"
    sed 's/^/     | /' "$AH_LOG" | tail -n 30
    finish
}

# wait_healthy: polls /healthz until it answers 200, the server exits, or
# AH_START_TIMEOUT seconds pass.
wait_healthy()
{
    local deadline=$((SECONDS + AH_START_TIMEOUT))
    while [ "$SECONDS" -le "$deadline" ]; do
        kill -0 "$AH_PID" 2>/dev/null || return 1
        if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "${AH_CURL[@]}" \
            "$AH_URL/healthz")" = 200 ]; then
            kill -0 "$AH_PID" 2>/dev/null && return 0
            return 1
        fi
        sleep 0.05 # poll interval, not a wait for an assumed state
    done
    return 1
}

# stop_server [SIGNAL]: TERM (default) or INT; asserts a clean exit (status 0;
# a sanitizer report, e.g. a leak, makes it non-zero). A server that has not
# exited after 60 s is killed and the test fails.
stop_server()
{
    local sig=${1:-TERM} rc watchdog
    [ -n "$AH_PID" ] || return 0
    kill "-$sig" "$AH_PID"
    (
        exec >/dev/null 2>&1
        sleep 60 &
        timer=$!
        trap 'kill "$timer"; exit 0' TERM
        wait "$timer" && kill -KILL "$AH_PID"
    ) &
    watchdog=$!
    wait "$AH_PID"
    rc=$?
    kill "$watchdog" 2>/dev/null
    wait "$watchdog" 2>/dev/null
    AH_PID=
    H_DESC=
    if [ "$rc" -eq 0 ]; then
        pass
    else
        fail "server exit status after SIG$sig: expected 0, got $rc; log tail:"
        tail -n 40 "$AH_LOG" | sed 's/^/     | /'
    fi
}

kill9_server()
{
    kill -KILL "$AH_PID"
    wait "$AH_PID" 2>/dev/null
    AH_PID=
}
