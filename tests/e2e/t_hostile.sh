#!/usr/bin/env bash
# t_hostile.sh - the front door under hostile clients (issue #12): bodies are
# never read for a wrong key or token, slow and many connections cannot
# exhaust memory or slots, every refusal is the JSON envelope (also for
# malformed requests curl cannot send: raw sockets through hostile.py), and
# the console carries its security headers.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 BIN}
HOSTILE="python3 $(dirname "$0")/hostile.py"

GOOD='{"event_status":"Critical","title_rule":"hostile","alert_key":"h-good"}'

std_path() { printf '/event/push/alert/standard?integration_key=%s' "$1"; }

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$AH_PID/status"; }

# raw NAME: sends $AH_TMP/raw.req as is; sets H_STATUS, H_HEADERS, H_BODY.
raw()
{
    local out
    out=$($HOSTILE raw "$AH_PORT" "$AH_TMP/raw.req")
    H_DESC="raw $1"
    H_STATUS=$(printf '%s' "$out" | head -n 1 | awk '{ print $2 }')
    H_HEADERS=$(printf '%s' "$out" | tr -d '\r' | sed '/^$/q')
    H_BODY=$(printf '%s' "$out" | tr -d '\r' | sed '1,/^$/d')
}

# json_refusal HTTP CODE: the last answer is that envelope, with its id.
json_refusal()
{
    assert_code "$1" "$2"
    assert_request_id
    assert_eq "$H_DESC content type" "application/json; charset=utf-8" "$(header Content-Type)"
}

setup()
{
    section setup
    new_channel hostile
    new_integration hostile standard "$CH_ID"
    KEY=$INT_KEY
}

test_many_slow_unauthenticated()
{
    local before after result t0 t1
    section "300 unauthenticated trickling connections"
    before=$(rss_kib)
    $HOSTILE trickle "$AH_PORT" 300 "$(std_path 0123456789abcdef0123456789abcdef)" 4 \
        "$AH_TMP/trickle.ready" >"$AH_TMP/trickle.out" &
    AH_BG_PIDS+=("$!")
    local pid=$!
    while [ ! -e "$AH_TMP/trickle.ready" ]; do sleep 0.05; done # the clients are connected
    t0=$(date +%s%N)
    push_std "$KEY" "$GOOD" "" --max-time 1
    t1=$(date +%s%N)
    assert_status 200 "a normal push during the attack"
    assert_true "the normal push answered within 1 s ($(((t1 - t0) / 1000000)) ms)" \
        [ $((t1 - t0)) -lt 1000000000 ]
    after=$(rss_kib)
    wait "$pid"
    result=$(cat "$AH_TMP/trickle.out")
    echo "RSS ${before} KiB before, ${after} KiB during 300 trickling connections; answered/open/refused: $result"
    assert_true "RSS stays under 64 MiB (${after} KiB)" [ "$after" -lt 65536 ]
    assert_eq "every trickling connection was answered at once" "300 300 0" "$result"
}

test_refused_before_body()
{
    local out
    section "wrong key, 900 kB body"
    head -c 900000 /dev/zero | tr '\0' a >"$AH_TMP/big"
    out=$(curl -s -o "$AH_TMP/h.body" -w '%{http_code} %{size_upload} %{time_total}' \
        -H 'Expect: 100-continue' -H 'Content-Type: application/json' \
        --data-binary "@$AH_TMP/big" "$AH_URL$(std_path 0123456789abcdef0123456789abcdef)")
    H_DESC="wrong key, 900 kB" H_BODY=$(cat "$AH_TMP/h.body")
    assert_eq "status" 400 "${out%% *}"
    assert_eq "error.code" InvalidParameter "$(jb .error.code)"
    out=${out#* }
    assert_eq "no body byte was sent" 0 "${out%% *}"
    assert_true "answered before curl's 1 s wait for 100 Continue (${out#* } s)" \
        awk -v t="${out#* }" 'BEGIN { exit !(t < 0.9) }'

    section "wrong admin token, 900 kB body"
    out=$(curl -s -o "$AH_TMP/h.body" -w '%{http_code} %{size_upload}' -X POST \
        -H 'Expect: 100-continue' -H 'Authorization: Bearer wrong' \
        -H 'Content-Type: application/json' --data-binary "@$AH_TMP/big" "$AH_URL/api/v1/channels")
    assert_eq "status and bytes sent" "401 0" "$out"

    section "key in X-Integration-Key"
    http POST "$AH_URL/event/push/alert/standard" -H "X-Integration-Key: $KEY" \
        -H 'Content-Type: application/json' --data-binary "$GOOD"
    assert_status 200
}

test_cut_utf8()
{
    section "invalid JSON with a cut UTF-8 sequence"
    printf '{"event_status":"Critical","title_rule":"\xe8\xbf' >"$AH_TMP/cut.json"
    push_std "$KEY" "@$AH_TMP/cut.json"
    json_refusal 400 InvalidParameter

    section "unknown silence field of 30 CJK characters"
    local k
    k=$(printf '进%.0s' $(seq 30))
    api POST "/channels/$CH_ID/silences" "$(jq -nc --arg k "$k" \
        '{name: "s", filters: [[{key: "severity", oper: "IN", vals: ["Critical"]}]],
          time: {start: 1, end: 2, ($k): 1}, mode: "drop", enabled: true}')"
    json_refusal 400 InvalidParameter
}

test_malformed()
{
    section "duplicate Content-Length"
    printf 'POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\nContent-Length: 5\r\n\r\n%s' \
        "$(std_path "$KEY")" ${#GOOD} "$GOOD" >"$AH_TMP/raw.req"
    raw "duplicate Content-Length"
    json_refusal 400 InvalidParameter

    section "Content-Length with Transfer-Encoding"
    printf 'POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' \
        "$(std_path "$KEY")" >"$AH_TMP/raw.req"
    raw "Content-Length with Transfer-Encoding"
    json_refusal 400 InvalidParameter

    section "too large Content-Length"
    printf 'POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000000000\r\n\r\n' \
        "$(std_path "$KEY")" >"$AH_TMP/raw.req"
    raw "Content-Length 5000000000"
    json_refusal 413 EntityTooLarge

    local p
    for p in '/event/push/alert%2fstandard' '/api%2Fv1/channels' '/healthz%00' '/a%00/b'; do
        section "encoded separator in $p"
        http GET "$AH_URL$p" --path-as-is -H "Authorization: Bearer $AH_TOKEN"
        json_refusal 400 InvalidParameter
    done

    section "URI over 8 KiB"
    http GET "$AH_URL/healthz?pad=$(head -c 9000 /dev/zero | tr '\0' a)"
    json_refusal 414 URITooLong
    section "headers over 16 KiB"
    http GET "$AH_URL/healthz" -H "X-Pad: $(head -c 20000 /dev/zero | tr '\0' a)"
    json_refusal 431 HeadersTooLarge
}

test_slow_body()
{
    local secs
    section "a body at 10 bytes a second is cut"
    secs=$($HOSTILE slow "$AH_PORT" "$(std_path "$KEY")")
    assert_true "closed between 5 and 15 s (after $secs s)" \
        awk -v t="$secs" 'BEGIN { exit !(t >= 5 && t < 15) }'
    push_std "$KEY" "$GOOD"
    assert_status 200 "a push after the slow client"
}

test_console_headers()
{
    local p
    for p in / /console.js /console.css; do
        section "console $p"
        http GET "$AH_URL$p"
        assert_status 200
        assert_eq "$p CSP" "default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'" \
            "$(header Content-Security-Policy)"
        assert_eq "$p nosniff" nosniff "$(header X-Content-Type-Options)"
        assert_eq "$p Referrer-Policy" no-referrer "$(header Referrer-Policy)"
    done
    assert_true "the page has no inline script or style" \
        bash -c '! curl -s "$1/" | grep -Eq "<script>|<style|style=| on[a-z]+="' _ "$AH_URL"
    section "JSON answers carry nosniff"
    api GET /channels
    assert_eq "nosniff" nosniff "$(header X-Content-Type-Options)"
}

test_per_address_limit()
{
    section "--max-connections-per-ip 4"
    start_server "$BIN" --max-connections-per-ip 4
    rm -f "$AH_TMP/hold.ready"
    $HOSTILE hold "$AH_PORT" 4 3 "$AH_TMP/hold.ready" &
    local pid=$!
    AH_BG_PIDS+=("$pid")
    while [ ! -e "$AH_TMP/hold.ready" ]; do sleep 0.05; done # 4 connections open
    http GET "$AH_URL/healthz" --max-time 2
    assert_eq "a fifth connection is refused" 000 "$H_STATUS"
    wait "$pid"
    http GET "$AH_URL/healthz"
    assert_status 200 "once they closed"
    stop_server
}

test_body_budget()
{
    local result
    section "the 64 MiB body budget"
    $HOSTILE trickle "$AH_PORT" 100 "$(std_path "$KEY")" 2 "$AH_TMP/budget.ready" \
        >"$AH_TMP/budget.out"
    result=$(cat "$AH_TMP/budget.out")
    # 64 MiB holds 74 bodies of 900 kB: the others are answered (503) at once.
    assert_eq "26 of 100 authenticated 900 kB bodies refused at once" "26 100 0" "$result"
    push_std "$KEY" "$GOOD"
    assert_status 200 "a push once the budget is free again"
}

start_server "$BIN" --max-connections-per-ip 1000
setup
test_many_slow_unauthenticated
test_refused_before_body
test_cut_utf8
test_malformed
test_console_headers
test_body_budget
test_slow_body
stop_server
test_per_address_limit
finish
