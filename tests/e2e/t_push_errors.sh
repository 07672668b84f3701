#!/usr/bin/env bash
# t_push_errors.sh - every error code of the push API. Each refused request
# answers the error envelope with a matching X-Request-Id, and stores nothing.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 BIN}

GOOD='{"event_status":"Critical","title_rule":"push errors","alert_key":"err-good"}'
VOLC_BODY='{"RuleName":"rule-x","Level":"critical","AppId":"app-1"}'

std_path() { printf '/event/push/alert/standard?integration_key=%s' "$1"; }
volc_path() { printf '/event/push/alert/volcengine/rtc?integration_key=%s' "$1"; }

# rep CHAR N: CHAR repeated N times.
rep()
{
    local s
    printf -v s '%*s' "$2" ''
    printf '%s' "${s// /$1}"
}

# refused NAME HTTP CODE METHOD PATH CONTENT_TYPE BODY [CURL_ARGS...]
# CONTENT_TYPE "-" sends no Content-Type; BODY "-" sends no body (@FILE works).
refused()
{
    local name=$1 status=$2 code=$3 method=$4 path=$5 ctype=$6 body=$7 before
    shift 7
    local args=(-H "Content-Type: $ctype")
    [ "$ctype" = - ] && args=(-H 'Content-Type:')
    [ "$body" != - ] && args+=(--data-binary "$body")
    section "$name"
    before=$(db_counts)
    http "$method" "$AH_URL$path" "${args[@]}" "$@"
    assert_code "$status" "$code"
    assert_request_id
    assert_unchanged_counts "$before"
}

# accepted NAME PATH BODY [CURL_ARGS...]: 200, an alert_key, one more event.
accepted()
{
    local name=$1 path=$2 body=$3 before
    shift 3
    section "$name"
    before=$(db "SELECT count(*) FROM events;")
    http POST "$AH_URL$path" -H 'Content-Type: application/json' --data-binary "$body" "$@"
    assert_status 200
    assert_request_id
    assert_match "$H_DESC data.alert_key" '.' "$(jb '.data.alert_key // empty')"
    assert_eq "$H_DESC stored one event" $((before + 1)) "$(db "SELECT count(*) FROM events;")"
}

# body_of_size FILE BYTES KEY: a valid standard event of exactly BYTES bytes.
body_of_size()
{
    local head="{\"event_status\":\"Critical\",\"title_rule\":\"big\",\"alert_key\":\"$3\",\"description\":\""
    {
        printf '%s' "$head"
        head -c $(($2 - ${#head} - 2)) /dev/zero | tr '\0' a
        printf '"}'
    } >"$1"
}

setup()
{
    section setup
    new_channel errors
    CH=$CH_ID
    new_integration std standard "$CH"
    STD_KEY=$INT_KEY
    new_integration volc volcengine_rtc "$CH"
    VOLC_KEY=$INT_KEY
    new_integration shared-std standard
    SHARED_KEY=$INT_KEY
    new_integration shared-volc volcengine_rtc
    SHARED_VOLC_KEY=$INT_KEY
    new_integration per-sec standard "$CH" '{"rate_limit_per_sec":2}'
    RATE_SEC_KEY=$INT_KEY
    new_integration per-min standard "$CH" '{"rate_limit_per_min":3}'
    RATE_MIN_KEY=$INT_KEY
}

test_invalid_bodies()
{
    local name body labels51 key129 key256
    labels51=$(jq -nc '[range(51) | {key: "l\(.)", value: "v"}] | from_entries
        | {event_status: "Critical", title_rule: "t", labels: .}')
    key129=$(jq -nc --arg k "$(rep k 129)" '{event_status: "Critical", title_rule: "t", labels: {($k): "v"}}')
    key256=$(jq -nc --arg k "$(rep a 256)" '{event_status: "Critical", title_rule: "t", alert_key: $k}')
    while IFS='|' read -r name body; do
        refused "standard body: $name" 400 InvalidParameter POST "$(std_path "$STD_KEY")" \
            application/json "$body"
    done <<EOF
malformed JSON|{"event_status":"Critical","title_rule":
empty body|
array body|[{"event_status":"Critical","title_rule":"t"}]
string body|"Critical"
missing event_status|{"title_rule":"t"}
lower-case event_status|{"event_status":"critical","title_rule":"t"}
unknown event_status|{"event_status":"Error","title_rule":"t"}
event_status not a string|{"event_status":1,"title_rule":"t"}
missing title_rule|{"event_status":"Critical"}
title_rule not a string|{"event_status":"Critical","title_rule":42}
Ok without alert_key|{"event_status":"Ok","title_rule":"t"}
labels not an object|{"event_status":"Critical","title_rule":"t","labels":["a"]}
non-string label value|{"event_status":"Critical","title_rule":"t","labels":{"a":1}}
negative event_time|{"event_status":"Critical","title_rule":"t","event_time":-5}
51 labels|$labels51
129-char label key|$key129
256-char alert_key|$key256
EOF
}

test_boundaries_accepted()
{
    local labels50 key128 key255
    labels50=$(jq -nc '[range(50) | {key: "l\(.)", value: "v"}] | from_entries
        | {event_status: "Critical", title_rule: "50 labels", alert_key: "b-50", labels: .}')
    key128=$(jq -nc --arg k "$(rep k 128)" \
        '{event_status: "Critical", title_rule: "128 key", alert_key: "b-128", labels: {($k): "v"}}')
    key255=$(jq -nc --arg k "$(rep a 255)" '{event_status: "Critical", title_rule: "255 key", alert_key: $k}')
    accepted "boundary: 50 labels" "$(std_path "$STD_KEY")" "$labels50"
    accepted "boundary: 128-char label key" "$(std_path "$STD_KEY")" "$key128"
    accepted "boundary: 255-char alert_key" "$(std_path "$STD_KEY")" "$key255"
    assert_eq "255-char alert_key returned whole" "$(rep a 255)" "$(jb '.data.alert_key')"
}

test_bad_keys()
{
    local name path body
    while IFS='|' read -r name path body; do
        refused "key: $name" 400 InvalidParameter POST "$path" application/json "$body"
    done <<EOF
unknown key|$(std_path 0123456789abcdef0123456789abcdef)|$GOOD
empty key|$(std_path "")|$GOOD
no integration_key parameter|/event/push/alert/standard|$GOOD
volcengine key on the standard path|$(std_path "$VOLC_KEY")|$GOOD
standard key on the volcengine path|$(volc_path "$STD_KEY")|$VOLC_BODY
EOF
    refused "key: shared standard integration" 400 InvalidParameter POST \
        "$(std_path "$SHARED_KEY")" application/json "$GOOD"
    assert_contains "shared integration message" "no route matched" "$(jb '.error.message')"
    refused "key: shared volcengine integration" 400 InvalidParameter POST \
        "$(volc_path "$SHARED_VOLC_KEY")" application/json "$VOLC_BODY"
    assert_contains "shared integration message" "no route matched" "$(jb '.error.message')"
}

test_content_types()
{
    local ctype
    for ctype in text/plain application/x-www-form-urlencoded application/xml -; do
        refused "content type '$ctype'" 400 InvalidContentType POST "$(std_path "$STD_KEY")" \
            "$ctype" "$GOOD"
    done
}

test_methods_and_routes()
{
    local method path
    for method in GET PUT DELETE PATCH; do
        refused "method $method" 405 MethodNotAllowed "$method" "$(std_path "$STD_KEY")" - -
    done
    refused "method GET on volcengine" 405 MethodNotAllowed GET "$(volc_path "$VOLC_KEY")" - -
    for path in "/event/push/alert/nope?integration_key=$STD_KEY" \
        "/event/push/alert/volcengine/nope?integration_key=$VOLC_KEY" \
        "/event/push/alert/volcengine?integration_key=$VOLC_KEY" \
        "/event/push/alert/standard/extra?integration_key=$STD_KEY" \
        "/event/push/alert?integration_key=$STD_KEY" \
        "/event/push/nope" "/nope"; do
        refused "route $path" 404 RouteNotFound POST "$path" application/json "$GOOD"
    done
    refused "GET on unknown type" 404 RouteNotFound GET "/event/push/alert/nope?integration_key=$STD_KEY" - -
}

test_too_large_default()
{
    local f=$AH_TMP/body
    body_of_size "$f" $((1048576 + 1)) big-over
    refused "1 MiB + 1 byte" 413 EntityTooLarge POST "$(std_path "$STD_KEY")" application/json "@$f"
    refused "1 MiB + 1 byte, chunked" 413 EntityTooLarge POST "$(std_path "$STD_KEY")" \
        application/json "@$f" -H 'Transfer-Encoding: chunked'
    body_of_size "$f" 1048576 big-exact
    accepted "exactly 1 MiB" "$(std_path "$STD_KEY")" "@$f"
}

# expect_rate_limited KEY LIMIT WINDOW_SECONDS: LIMIT pushes pass and the next
# one gets 429. A try that straddles a window boundary proves nothing, so the
# test then waits for the next window and tries again.
expect_rate_limited()
{
    local key=$1 limit=$2 win=$3 try i w0 w1 statuses before
    section "rate limit $limit per ${win}s"
    for try in 1 2 3; do
        w0=$(($(date +%s) / win))
        statuses=
        for i in $(seq "$limit"); do
            push_std "$key" "{\"event_status\":\"Warning\",\"title_rule\":\"rate\",\"alert_key\":\"rate-$win-$try-$i\"}"
            statuses="$statuses$H_STATUS "
        done
        before=$(db_counts)
        push_std "$key" "{\"event_status\":\"Warning\",\"title_rule\":\"rate\",\"alert_key\":\"rate-$win-$try-x\"}"
        w1=$(($(date +%s) / win))
        [ "$w1" -eq "$w0" ] && break
        while [ $(($(date +%s) / win)) -eq "$w1" ]; do sleep 0.05; done # a fresh window
    done
    assert_eq "first $limit pushes in one window" "$(printf '200 %.0s' $(seq "$limit"))" "$statuses"
    assert_code 429 RequestTooFrequently
    assert_request_id
    assert_retry_after "$win"
    assert_unchanged_counts "$before"
}

# SQLite lock held by another process: the commit waits --busy-timeout-ms, then
# the push gets 503 with Retry-After and nothing is acknowledged.
test_database_locked()
{
    local line
    section "database locked"
    mkfifo "$AH_TMP/sql.in" "$AH_TMP/sql.out"
    sqlite3 -cmd '.timeout 5000' "$AH_DATA/alerthub.db" <"$AH_TMP/sql.in" >"$AH_TMP/sql.out" 2>&1 &
    local sql_pid=$!
    AH_BG_PIDS+=("$sql_pid")
    exec 7>"$AH_TMP/sql.in" 8<"$AH_TMP/sql.out"
    printf "BEGIN EXCLUSIVE;\nSELECT 'locked';\n" >&7
    read -r -t 20 line <&8
    assert_eq "sqlite3 holds the write lock" locked "$line"

    refused "push while the database is locked" 503 ServiceUnavailable POST \
        "$(std_path "$STD_KEY")" application/json \
        '{"event_status":"Critical","title_rule":"locked","alert_key":"lock-1"}'
    assert_retry_after 3600

    section "database unlocked"
    printf "COMMIT;\nSELECT 'unlocked';\n" >&7
    read -r -t 20 line <&8
    assert_eq "sqlite3 released the lock" unlocked "$line"
    exec 7>&-
    wait "$sql_pid"
    exec 8<&-
    accepted "push after the lock is released" "$(std_path "$STD_KEY")" \
        '{"event_status":"Critical","title_rule":"locked","alert_key":"lock-1"}'
}

test_too_large_configured()
{
    local f=$AH_TMP/body
    start_server "$BIN" --max-body-bytes 1024
    section "setup (--max-body-bytes 1024)"
    new_channel small
    new_integration small standard "$CH_ID"
    body_of_size "$f" 1025 small-over
    refused "1025 bytes over --max-body-bytes 1024" 413 EntityTooLarge POST \
        "$(std_path "$INT_KEY")" application/json "@$f"
    body_of_size "$f" 1024 small-exact
    accepted "exactly --max-body-bytes" "$(std_path "$INT_KEY")" "@$f"
    stop_server
}

start_server "$BIN" --busy-timeout-ms 200
setup
test_invalid_bodies
test_boundaries_accepted
test_bad_keys
test_content_types
test_methods_and_routes
test_too_large_default
expect_rate_limited "$RATE_SEC_KEY" 2 1
expect_rate_limited "$RATE_MIN_KEY" 3 60
# A lock held in the SQLite file (on PostgreSQL, p_failover.sh's outage).
on_sqlite && test_database_locked
stop_server
test_too_large_configured
finish
