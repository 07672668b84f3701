#!/usr/bin/env bash
# t_integration_card.sh - the integration card's data: last_event_at and the
# counters of accepted, dropped, refused and rate-limited pushes (issue #4).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 BIN}

card_ev() { jq -nc --arg t "$1" '{event_status: "Warning", title_rule: $t, labels: {svc: "card"}}'; }

stat() # NAME: the integration's counter NAME
{
    api GET "/integrations/$INT_ID"
    jb ".data.stats.$1"
}

test_counters()
{
    section "a fresh integration"
    new_channel card
    new_integration card standard "$CH_ID" '{"rate_limit_per_sec": 3, "rate_limit_per_min": 1000}'
    api GET "/integrations/$INT_ID"
    assert_json "no event yet" .data.last_event_at null
    assert_json "nothing accepted" .data.stats.events_accepted 0

    section "accepted, refused, rate-limited"
    push_std "$INT_KEY" "$(card_ev one)"
    assert_status 200
    push_std "$INT_KEY" '{"event_status": "critical", "title_rule": "x"}'
    assert_code 400 InvalidParameter
    push_std "$INT_KEY" "$(card_ev two)"
    push_std "$INT_KEY" "$(card_ev three)"
    if [ "$H_STATUS" = 200 ]; then
        # The second fell into a new one-second window; one more crosses it.
        push_std "$INT_KEY" "$(card_ev four)"
        push_std "$INT_KEY" "$(card_ev five)"
        push_std "$INT_KEY" "$(card_ev six)"
    fi
    assert_code 429 RequestTooFrequently
    assert_eq "one refused as invalid" 1 "$(stat refused_invalid)"
    assert_true "at least one rate-limited" test "$(stat rate_limited)" -ge 1
    assert_true "accepted counts the 200s" test "$(stat events_accepted)" -ge 2
    api GET "/integrations/$INT_ID"
    assert_true "last_event_at set" test "$(jb .data.last_event_at)" != null

    section "dropped by a silence"
    api PATCH "/integrations/$INT_ID" '{"rate_limit_per_sec": 1000}'
    assert_status 200
    api POST "/channels/$CH_ID/silences" "$(jq -nc '{name: "drop all card", mode: "drop",
        filters: [[{key: "labels.svc", oper: "IN", vals: ["card"]}]],
        time: {start: 1, end: 4000000000}}')"
    assert_status 201
    local before
    before=$(stat events_dropped)
    push_std "$INT_KEY" "$(card_ev dropped-$RANDOM)"
    assert_status 200
    assert_eq "one more dropped" $((before + 1)) "$(stat events_dropped)"

    section "no route on a shared integration"
    new_integration card-shared standard ""
    push_std "$INT_KEY" "$(card_ev shared)"
    assert_code 400 InvalidParameter
    assert_eq "counted as no route" 1 "$(stat refused_no_route)"
}

start_server "$BIN"
test_counters
stop_server
finish
