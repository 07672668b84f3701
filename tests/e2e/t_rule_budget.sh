#!/usr/bin/env bash
# t_rule_budget.sh - a hostile rule cannot stall ingestion (issue #12, item 1;
# budgets in rules/filter.h, docs/security.md).
#
# The finding: one accepted 474 KB silence (20 groups x 19 NOTIN conditions
# x 100 values /(a+)+$/) made each new alert take 55 s on the writer, for
# every integration. Now:
#   - that silence is refused at save time (more patterns than one rule's
#     budget of match steps), and stores nothing;
#   - the largest silences that are accepted (1,000 hostile patterns each),
#     met by hostile titles, cost each event at most its CPU budget: a push
#     on another integration, sent meanwhile, still answers fast, and the
#     server logs the events whose rules ran out of budget.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 BIN}

# silence_body NAME GROUPS CONDS: a one-hour silence whose filters are
# GROUPS groups of CONDS conditions, each NOTIN on the title with 100 values
# /(a+)+$/ (catastrophic backtracking on "aaa...!"), and a last condition
# that fails, so that every pattern runs and the next silence is tried too.
silence_body()
{
    jq -nc --arg n "$1" --argjson g "$2" --argjson c "$3" --argjson t "$(date +%s)" '
        {name: $n, mode: "mark", time: {start: ($t - 60), end: ($t + 3600)},
         filters: [range($g) | [(range($c) |
            {key: "title", oper: "NOTIN", vals: [range(100) | "/(a+)+$/"]}),
            {key: "severity", oper: "IN", vals: ["Info"]}]]}'
}

test_refused_at_save()
{
    section "the 474 KB silence is refused"
    std_channel budget-a
    CH_A=$CH KEY_A=$IKEY
    silence_body big 20 19 >"$AH_TMP/big-body.json"
    assert_true "the body is about 474 KB" [ "$(wc -c <"$AH_TMP/big-body.json")" -gt 400000 ]
    api POST "/channels/$CH_A/silences" "@$AH_TMP/big-body.json"
    assert_code 400 InvalidParameter
    assert_contains "the message names the budget" \
        "38000 regular expressions; at most 1000 fit in one rule's budget" "$(jb .error.message)"
    assert_eq "nothing stored" 0 "$(db "SELECT count(*) FROM silences;")"
}

test_bounded_at_run_time()
{
    local i title slow=0 worst=0 t ms times=()
    section "accepted hostile silences cost each event at most its budget"
    for i in 1 2 3 4 5; do
        api POST "/channels/$CH_A/silences" "$(silence_body "hostile $i" 1 10)"
        assert_status 201 "a silence with 1,000 hostile patterns is accepted ($i)"
    done
    std_channel budget-b
    KEY_B=$IKEY
    title=$(printf 'a%.0s' $(seq 1 60))!
    # Hostile events on A, one after the other, in the background...
    (
        for i in $(seq 1 20); do
            curl -s -o /dev/null --max-time 30 -H 'Content-Type: application/json' \
                --data-binary "{\"event_status\":\"Critical\",\"title_rule\":\"$title\",\"alert_key\":\"h-$i\"}" \
                "$AH_URL/event/push/alert/standard?integration_key=$KEY_A"
        done
    ) &
    local bg=$!
    sleep 0.2
    # ...while another integration pushes.
    for i in $(seq 1 15); do
        t=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 30 \
            -H 'Content-Type: application/json' \
            --data-binary "{\"event_status\":\"Warning\",\"title_rule\":\"ok $i\",\"alert_key\":\"b-$i\"}" \
            "$AH_URL/event/push/alert/standard?integration_key=$KEY_B")
        [ "${t%% *}" = 200 ] || slow=$((slow + 1))
        ms=$(awk -v s="${t#* }" 'BEGIN { printf "%d", s * 1000 }')
        times+=("$ms")
        [ "$ms" -gt "$worst" ] && worst=$ms
        sleep 0.05
    done
    wait "$bg"
    assert_eq "every push on the other integration answered 200" 0 "$slow"
    local median
    median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
    echo "    pushes on another integration: median ${median} ms, worst ${worst} ms"
    # Not a speed target (those are in make bench): the bound only tells a
    # budget that holds (tens of ms per event) from none (55 s per event
    # before), with room for a loaded machine and the ASan build.
    assert_true "the slowest answer is under 10 s (was 55 s per hostile event)" \
        [ "$worst" -lt 10000 ]
    assert_eq "all 20 hostile events stored" 20 \
        "$(db "SELECT count(*) FROM alerts WHERE alert_key LIKE 'h-%';")"
    assert_true "the log names the events whose rules ran out of budget" \
        grep -q 'used up their CPU budget' "$AH_LOG"
    local n
    n=$(curl -s "$AH_URL/metrics" | awk '$1 == "alerthub_rule_budget_exhausted_total{where=\"channel\"}" { print $2 }')
    assert_true "/metrics counts them (where=channel: $n)" [ "${n:-0}" -ge 1 ]
}

start_server "$BIN"
test_refused_at_save
test_bounded_at_run_time
stop_server
finish
