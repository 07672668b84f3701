# shellcheck shell=bash
# receiver.sh - the notification test peer (receiver.py: an HTTP receiver and
# an SMTP sink) for the end-to-end tests. Source it after lib.sh:
#
#   . "$(dirname "$0")/lib.sh"
#   . "$(dirname "$0")/receiver.sh"
#
# It gives:
#   start_receiver [ARGS...]   starts receiver.py (extra ARGS, e.g. --verbose,
#                              go to it), waits for its port file; sets RCV_URL
#                              (http://127.0.0.1:PORT), RCV_HTTP_PORT,
#                              RCV_SMTP_PORT, RCV_PID, RCV_LOG. A receiver that
#                              does not start fails the test and ends it (finish).
#   stop_receiver              SIGTERM, waits for the exit (it is prompt)
#   rcv_mode PATH MODE [STATUS] [TIMES] [DELAY_MS]
#                              MODE ok|status|hang for requests whose path
#                              starts with PATH; TIMES absent/empty/-1 = always;
#                              returns non-zero (and counts a failure) when the
#                              receiver refuses it
#   rcv_smtp_mode STAGE CODE [TIMES]
#                              the SMTP sink answers CODE at STAGE (greeting,
#                              mail, rcpt, data, end); CODE 0 clears it
#   rcv_reset                  forgets requests, mails and modes; releases
#                              requests still hanging
#   rcv_requests [PATH]        prints the JSON list of recorded requests whose
#                              path starts with PATH (all without), oldest first
#   rcv_count [PATH]           how many of those
#   rcv_mails                  prints the JSON list of received mails
#   wait_for CMD_STRING EXPECTED [SECONDS]
#                              evaluates CMD_STRING every 0.1 s until its output
#                              equals EXPECTED; non-zero after SECONDS (default
#                              20); WAIT_GOT holds the last output
#   assert_wait DESC CMD_STRING EXPECTED [SECONDS]
#                              wait_for counted as a pass or a failure
#
# A recorded request: {id, method, path, query, headers (lowercase names),
# body, time, response}; a mail: {id, mail_from, rcpt_to, data, helo, time}.
# See receiver.py for the whole control API.

RCV_PY=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/receiver.py
RCV_PYTHON=${RCV_PYTHON:-python3}
RCV_START_TIMEOUT=${RCV_START_TIMEOUT:-15}
RCV_URL='' RCV_HTTP_PORT='' RCV_SMTP_PORT='' RCV_PID='' RCV_LOG=''
RCV_STARTS=0
WAIT_GOT=''

# rcv_now_us: the time in microseconds (for deadlines finer than SECONDS).
rcv_now_us()
{
    local t=${EPOCHREALTIME:-}
    if [ -n "$t" ]; then
        t=${t//[!0-9]/}
        echo $((10#$t))
    else
        echo $((SECONDS * 1000000))
    fi
}

start_receiver()
{
    local pf deadline
    RCV_STARTS=$((RCV_STARTS + 1))
    pf=$AH_TMP/receiver.$RCV_STARTS.ports
    RCV_LOG=$AH_TMP/receiver.$RCV_STARTS.log
    rm -f "$pf"
    "$RCV_PYTHON" "$RCV_PY" --http-port 0 --smtp-port 0 --port-file "$pf" "$@" \
        >"$RCV_LOG" 2>&1 &
    RCV_PID=$!
    AH_BG_PIDS+=("$RCV_PID")
    deadline=$(($(rcv_now_us) + RCV_START_TIMEOUT * 1000000))
    while [ ! -s "$pf" ]; do
        if ! kill -0 "$RCV_PID" 2>/dev/null || [ "$(rcv_now_us)" -gt "$deadline" ]; then
            fail "receiver did not start ($RCV_PY); log:"
            sed 's/^/     | /' "$RCV_LOG" | tail -n 30
            finish
        fi
        sleep 0.05 # poll interval, not a wait for an assumed state
    done
    RCV_HTTP_PORT=$(jq -r .http "$pf")
    # shellcheck disable=SC2034 # for the caller
    RCV_SMTP_PORT=$(jq -r .smtp "$pf")
    RCV_URL=http://127.0.0.1:$RCV_HTTP_PORT
}

# stop_receiver: SIGTERM; the receiver exits at once, hung requests or not.
stop_receiver()
{
    [ -n "$RCV_PID" ] || return 0
    kill -TERM "$RCV_PID" 2>/dev/null
    wait "$RCV_PID" 2>/dev/null
    RCV_PID=
}

# rcv_ctl METHOD PATH [JSON]: a control request; prints the body, non-zero
# unless the receiver answered 200.
rcv_ctl()
{
    local method=$1 path=$2 out code
    shift 2
    local args=(-s --max-time 10 -X "$method" -w '\n%{http_code}')
    if [ $# -gt 0 ]; then
        args+=(-H 'Content-Type: application/json' --data-binary "$1")
    fi
    out=$(curl "${args[@]}" "$RCV_URL/_control$path")
    code=${out##*$'\n'}
    printf '%s\n' "${out%$'\n'*}"
    [ "$code" = 200 ]
}

# rcv_mode PATH MODE [STATUS] [TIMES] [DELAY_MS]
rcv_mode()
{
    local body out
    body=$(jq -nc --arg p "$1" --arg m "$2" --arg s "${3-}" --arg t "${4-}" --arg d "${5-}" \
        '{path: $p, mode: $m}
         + (if $s == "" then {} else {status: ($s | tonumber)} end)
         + (if $t == "" then {} else {times: ($t | tonumber)} end)
         + (if $d == "" then {} else {delay_ms: ($d | tonumber)} end)') || {
        fail "rcv_mode $*: bad arguments"
        return 1
    }
    out=$(rcv_ctl POST /mode "$body") || {
        fail "rcv_mode $*: $out"
        return 1
    }
}

# rcv_smtp_mode STAGE CODE [TIMES]
rcv_smtp_mode()
{
    local body out
    body=$(jq -nc --arg s "$1" --arg c "$2" --arg t "${3-}" \
        '{stage: $s, code: ($c | tonumber)}
         + (if $t == "" then {} else {times: ($t | tonumber)} end)') || {
        fail "rcv_smtp_mode $*: bad arguments"
        return 1
    }
    out=$(rcv_ctl POST /smtp_mode "$body") || {
        fail "rcv_smtp_mode $*: $out"
        return 1
    }
}

rcv_reset()
{
    local out
    out=$(rcv_ctl POST /reset) || {
        fail "rcv_reset: $out"
        return 1
    }
}

# rcv_requests [PATH]
rcv_requests()
{
    curl -s --max-time 10 -G --data-urlencode "path=${1-}" "$RCV_URL/_control/requests"
}

# rcv_count [PATH]
rcv_count()
{
    rcv_requests "${1-}" | jq length
}

rcv_mails()
{
    curl -s --max-time 10 "$RCV_URL/_control/mails"
}

# wait_for CMD_STRING EXPECTED [SECONDS]
wait_for()
{
    local cmd=$1 want=$2 deadline
    deadline=$(($(rcv_now_us) + ${3:-20} * 1000000))
    while :; do
        WAIT_GOT=$(eval "$cmd")
        [ "$WAIT_GOT" = "$want" ] && return 0
        [ "$(rcv_now_us)" -ge "$deadline" ] && return 1
        sleep 0.1 # poll interval, not a wait for an assumed state
    done
}

# assert_wait DESC CMD_STRING EXPECTED [SECONDS]
assert_wait()
{
    if wait_for "$2" "$3" "${4:-20}"; then
        pass
    else
        fail "$1: waited ${4:-20}s for '$3' from [$2], last got '$WAIT_GOT'"
    fi
}
