#!/usr/bin/env bash
# receiver_selftest.sh - checks the notification test peer (receiver.py and
# receiver.sh) with curl alone: recording, per-path modes with counts, a hang
# that does not block other paths, reset, the SMTP sink (dot-unstuffing, the
# raw message) and a prompt exit on SIGTERM with a request still hung. Not a
# suite of make test (no t_ prefix, no alerthub binary): run it by hand,
#   bash tests/e2e/receiver_selftest.sh
# shellcheck disable=SC2119 # functions with optional arguments
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/receiver.sh
. "$(dirname "$0")/receiver.sh"

# code URL [CURL_ARGS...]: the HTTP status of one request (000: no answer).
code()
{
    local url=$1
    shift
    curl -s -o /dev/null --max-time 10 -w '%{http_code}' "$@" "$url"
}

start_receiver
assert_match "port file: http port" '^[0-9]+$' "$RCV_HTTP_PORT"
assert_match "port file: smtp port" '^[0-9]+$' "$RCV_SMTP_PORT"

section records
assert_eq "nothing recorded yet" 0 "$(rcv_count)"
assert_eq "POST /hook1 answers 200" 200 "$(code "$RCV_URL/hook1/x?a=1&b=%20c" \
    -H 'Content-Type: application/json' -H 'X-Token: Secret' --data-binary '{"title":"héllo"}')"
http GET "$RCV_URL/other"
assert_status 200
assert_json "default body" .ok true
r=$(rcv_requests /hook1)
assert_eq "one request under /hook1" 1 "$(jq length <<<"$r")"
assert_eq "method" POST "$(jq -r '.[0].method' <<<"$r")"
assert_eq "path" /hook1/x "$(jq -r '.[0].path' <<<"$r")"
assert_eq "raw query" 'a=1&b=%20c' "$(jq -r '.[0].query' <<<"$r")"
assert_eq "lowercase header names" Secret "$(jq -r '.[0].headers["x-token"]' <<<"$r")"
assert_eq "content-type" application/json "$(jq -r '.[0].headers["content-type"]' <<<"$r")"
assert_eq "body (utf-8)" '{"title":"héllo"}' "$(jq -r '.[0].body' <<<"$r")"
assert_match "time" '^[0-9]{10}(\.[0-9]+)?$' "$(jq -r '.[0].time' <<<"$r")"
assert_eq "response recorded" 200 "$(jq -r '.[0].response' <<<"$r")"
assert_eq "all requests, oldest first" "/hook1/x /other" "$(rcv_requests | jq -r '[.[].path] | join(" ")')"
assert_eq "exact path filter" 0 "$(curl -s "$RCV_URL/_control/requests?path=/hook1&exact=1" | jq length)"
assert_eq "control requests are not recorded" 2 "$(rcv_count)"
head -c 300000 /dev/zero | tr '\0' x >"$AH_TMP/big"
assert_eq "large body (Expect: 100-continue)" 200 "$(code "$RCV_URL/big" \
    -H 'Expect: 100-continue' --data-binary @"$AH_TMP/big")"
assert_eq "large body recorded whole" 300000 "$(rcv_requests /big | jq '.[0].body | length')"
assert_eq "chunked body" 200 "$(printf 'chunked-body' | code "$RCV_URL/chunk" \
    -H 'Transfer-Encoding: chunked' --data-binary @-)"
assert_eq "chunked body recorded" chunked-body "$(rcv_requests /chunk | jq -r '.[0].body')"

section "status mode with times"
assert_true "rcv_mode accepted" rcv_mode /hook1 status 503 2
assert_eq "1st: 503" 503 "$(code "$RCV_URL/hook1" -d x)"
assert_eq "2nd: 503" 503 "$(code "$RCV_URL/hook1/deeper" -d x)"
assert_eq "3rd: back to 200" 200 "$(code "$RCV_URL/hook1" -d x)"
assert_eq "another path unaffected" 200 "$(code "$RCV_URL/hook2" -d x)"
assert_eq "responses recorded" "200 503 503 200" \
    "$(rcv_requests /hook1 | jq -r '[.[].response] | join(" ")')"
rcv_mode /hook3 status 429
http POST "$RCV_URL/hook3" -d x
assert_status 429
assert_json "status body" .status 429
http POST "$RCV_URL/hook3" -d x
assert_status 429 "times absent: always"
rcv_mode /hook3 ok
assert_eq "ok mode replaces it" 200 "$(code "$RCV_URL/hook3" -d x)"
rcv_mode /hook4 status 500 -1
rcv_mode /hook4/special status 502 1
assert_eq "longest prefix wins" 502 "$(code "$RCV_URL/hook4/special/1" -d x)"
assert_eq "used up: the shorter prefix applies" 500 "$(code "$RCV_URL/hook4/special/2" -d x)"
assert_eq "times -1: always" 500 "$(code "$RCV_URL/hook4" -d x)"
out=$(rcv_ctl POST /mode '{"path":"nope","mode":"ok"}')
assert_eq "a bad mode is refused" 1 "$?"
assert_contains "the refusal says why" path "$out"

section "hang does not block"
rcv_mode /slow hang '' 1 1500
: >"$AH_TMP/hang.out"
(curl -s -o /dev/null -w '%{http_code} %{exitcode}' --max-time 10 -d x "$RCV_URL/slow" \
    >"$AH_TMP/hang.out") &
hang_pid=$!
assert_wait "the hung request is recorded" "rcv_count /slow" 1 10
t0=$(rcv_now_us)
assert_eq "another path answers while /slow hangs" 200 "$(code "$RCV_URL/fast" -d x)"
assert_eq "the same path answers too (times 1)" 200 "$(code "$RCV_URL/slow/b" -d x)"
dt=$((($(rcv_now_us) - t0) / 1000))
assert_true "within 1 s ($dt ms)" test "$dt" -lt 1000
wait "$hang_pid"
assert_eq "the hung request ends without a response (empty reply)" "000 52" "$(cat "$AH_TMP/hang.out")"
assert_eq "the hung request's response is null" null "$(rcv_requests /slow | jq -r '.[0].response')"
rcv_mode /slowok ok '' '' 700
t0=$(rcv_now_us)
assert_eq "slow ok answers 200" 200 "$(code "$RCV_URL/slowok" -d x)"
dt=$((($(rcv_now_us) - t0) / 1000))
assert_true "slow ok took about 700 ms ($dt ms)" test "$dt" -ge 650 -a "$dt" -lt 5000

section reset
rcv_mode /r hang '' '' 60000
(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -d x "$RCV_URL/r" >"$AH_TMP/reset.out") &
hang_pid=$!
assert_wait "the hung request is recorded" "rcv_count /r" 1 10
assert_true "reset" rcv_reset
t0=$(rcv_now_us)
wait "$hang_pid"
dt=$((($(rcv_now_us) - t0) / 1000))
assert_true "reset released the hung request ($dt ms)" test "$dt" -lt 2000
assert_eq "records cleared" 0 "$(rcv_count)"
assert_eq "modes cleared" '{}' "$(curl -s "$RCV_URL/_control/modes" | jq -c .)"
assert_eq "after reset /r answers 200" 200 "$(code "$RCV_URL/r" -d x)"
assert_eq "wait_for times out" 1 "$(wait_for 'rcv_count /never' 1 1; echo $?)"

section smtp
printf '%s\r\n' 'From: a@x' 'To: b@y' 'Subject: dots' '' 'line one' '.leading dot' \
    '..two dots' '.' 'last' >"$AH_TMP/mail.txt"
curl -s --max-time 10 "smtp://127.0.0.1:$RCV_SMTP_PORT" --mail-from a@x \
    --mail-rcpt b@y --mail-rcpt c@z -T "$AH_TMP/mail.txt"
assert_eq "curl smtp exit status" 0 "$?"
assert_wait "one mail" "rcv_mails | jq length" 1
m=$(rcv_mails)
assert_eq "mail_from" a@x "$(jq -r '.[0].mail_from' <<<"$m")"
assert_eq "rcpt_to" '["b@y","c@z"]' "$(jq -c '.[0].rcpt_to' <<<"$m")"
assert_eq "raw message, dot-stuffing undone" "$(cat "$AH_TMP/mail.txt")" "$(jq -j '.[0].data' <<<"$m")"
assert_contains "leading dot kept" $'\r\n.leading dot\r\n..two dots\r\n.\r\nlast' "$(jq -j '.[0].data' <<<"$m")"
rcv_smtp_mode rcpt 550 1
curl -s --max-time 10 "smtp://127.0.0.1:$RCV_SMTP_PORT" --mail-from a@x --mail-rcpt b@y \
    -T "$AH_TMP/mail.txt"
assert_ne "a refused recipient fails the send" 0 "$?"
curl -s --max-time 10 "smtp://127.0.0.1:$RCV_SMTP_PORT" --mail-from a@x --mail-rcpt b@y \
    -T "$AH_TMP/mail.txt"
assert_eq "the next send goes through" 0 "$?"
assert_eq "two mails" 2 "$(rcv_mails | jq length)"
rcv_reset
assert_eq "reset clears mails" 0 "$(rcv_mails | jq length)"

section "SIGTERM with a hung request"
rcv_mode /h hang
(curl -s -o /dev/null --max-time 30 -d x "$RCV_URL/h") &
hang_pid=$!
assert_wait "the hung request is recorded" "rcv_count /h" 1 10
t0=$(rcv_now_us)
pid=$RCV_PID
stop_receiver
dt=$((($(rcv_now_us) - t0) / 1000))
assert_true "exited within 2 s ($dt ms)" test "$dt" -lt 2000
assert_true "the receiver is gone" bash -c "! kill -0 $pid 2>/dev/null"
wait "$hang_pid"

finish
