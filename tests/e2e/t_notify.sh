#!/usr/bin/env bash
# t_notify.sh - notification delivery (api.md §6, docs/notifications-formats.md,
# src/notify/sender.h) against the test receiver (receiver.sh): the message
# of every kind of target and its signature (webhook signed and unsigned,
# Slack, Feishu, DingTalk, WeCom, email, a member's webhook contact); the
# delivery log; retries after 500 and 503 with one event id; a receiver that
# hangs is cut off and retried without holding up other deliveries or pushes;
# final outcomes (404, 400, chat platforms' 200 with an error code) and
# retried ones (429, 408); SMTP 451 retried and 550 final; retry_for
# exceeded (503, connection refused); an outbox entry that survives kill -9;
# the metrics; email without --smtp-url. Signatures are checked with
# openssl. Bad target settings are t_people.sh's business.
# shellcheck disable=SC2119 # functions with optional arguments
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/receiver.sh
. "$(dirname "$0")/receiver.sh"
BIN=${1:?usage: $0 BIN}

# The test clock starts far from the system clock: after the kill -9 the
# restarted server runs on the system clock until the test sets it again,
# and nothing of the outbox may be due then.
NOW=$((T0 + 300000000))
TITLE='payment-api 5xx rate above 5%'
LOG_FIELDS='id created_at event_id event_type event_time channel target_id member_id address
    status attempts last_status_code last_error sent_at next_at reason person detail'

# ---- helpers -----------------------------------------------------------------

# advance SECONDS: moves the test clock on (due retries are then sent).
advance()
{
    NOW=$((NOW + $1))
    at "$NOW"
}

# log_items INC: the incident's delivery log (the items array, compact JSON).
log_items()
{
    curl -s --max-time 10 -H "Authorization: Bearer $AH_TOKEN" \
        "$AH_URL/api/v1/incidents/$1/notifications" | jq -c '.data.items'
}

# dl INC ADDRESS JQ: JQ over the list of INC's log entries whose address ends
# with ADDRESS (a receiver path, with its query when it has one, or an email).
dl()
{
    log_items "$1" | jq -r --arg a "$2" "[.[] | select(.address | endswith(\$a))] | $3"
}

# dstate INC ADDRESS: "status attempts last_status_code" of the one entry.
dstate()
{
    dl "$1" "$2" 'if length == 1 then .[0] | "\(.status) \(.attempts) \(.last_status_code)"
                  else "\(length) entries" end'
}

# dfield INC ADDRESS FIELD: a field of the one entry.
dfield() { dl "$1" "$2" ".[0].$3"; }

# reqs PATH: the receiver's requests to exactly PATH (JSON), oldest first.
reqs()
{
    curl -s --max-time 10 -G --data-urlencode "path=$1" --data-urlencode exact=1 \
        "$RCV_URL/_control/requests"
}

nreqs() { reqs "$1" | jq length; }

# rq PATH JQ: JQ over the last request to PATH.
rq() { reqs "$1" | jq -r ".[-1] | $2"; }

# rbody PATH JQ: JQ over the JSON body of the last request to PATH.
rbody() { reqs "$1" | jq -r '.[-1].body' | jq -r "$2"; }

# rcv_answer PATH STATUS BODY: PATH answers STATUS with BODY, always.
rcv_answer()
{
    local out
    out=$(rcv_ctl POST /mode "$(jq -nc --arg p "$1" --argjson s "$2" --arg b "$3" \
        '{path: $p, mode: "status", status: $s, body: $b}')") || fail "rcv_answer $*: $out"
}

# hmac_hex KEY: lower-case hex HMAC-SHA256 of stdin; hmac_b64 KEY: base64.
hmac_hex() { openssl dgst -sha256 -hmac "$1" | awk '{ print $NF }'; }
hmac_b64() { openssl dgst -sha256 -hmac "$1" -binary | base64; }

# new_target NAME KIND URL SECRET CHANNEL_ID: a notify target subscribed to
# the channel (every incident event); sets TGT.
new_target()
{
    api POST /notify-targets "$(jq -nc --arg n "$1" --arg k "$2" --arg u "$3" --arg s "$4" \
        --arg c "$5" '{name: $n, kind: $k, settings: ({url: $u} + (if $s == "" then {}
        else {secret: $s} end)), channel_ids: [$c]}')"
    assert_status 201 "create $2 target $1"
    TGT=$(jb .data.id)
}

# fire KEY [TITLE]: a new Critical incident from the current channel (IKEY); sets INC.
fire()
{
    push_std "$IKEY" "$(jq -nc --arg k "$1" --arg t "${2:-$TITLE}" \
        '{event_status: "Critical", title_rule: $t, alert_key: $k,
          labels: {service: "payment-api", owner: "José"}}')"
    assert_status 200 "push $1"
    INC=$(incident_id_for "$1")
}

# Metrics: mark_metrics saves them; metric NAME is the value now ("missing"
# when there is no such series); assert_metric_delta NAME DELTA compares it
# with the saved value.
metrics_text() { curl -s --max-time 10 "$AH_URL/metrics"; }
metric_of() { awk -v n="$1" '$1 == n { v = $2 } END { print (v == "" ? "missing" : v) }'; }
metric() { metrics_text | metric_of "$1"; }
mark_metrics() { metrics_text >"$AH_TMP/metrics.mark"; }
assert_metric_delta()
{
    local before after
    before=$(metric_of "$1" <"$AH_TMP/metrics.mark")
    after=$(metric "$1")
    if [[ $before =~ ^[0-9]+$ && $after =~ ^[0-9]+$ ]]; then
        assert_eq "metric $1 moved by" "$2" "$((after - before))"
    else
        fail "metric $1: before '$before', after '$after'"
    fi
}
sent_m() { echo "alerthub_notifications_sent_total{kind=\"$1\"}"; }
failed_m() { echo "alerthub_notifications_failed_total{kind=\"$1\"}"; }
retried_m() { echo "alerthub_notifications_retried_total{kind=\"$1\"}"; }

# ---- setup -------------------------------------------------------------------

setup()
{
    section setup
    start_receiver
    start_server "$BIN" --test-clock on --smtp-url "smtp://127.0.0.1:$RCV_SMTP_PORT" \
        --smtp-from 'alerthub <alerthub@example.com>' --notify-timeout-ms 1000
    at "$NOW"
    local k
    for k in webhook slack feishu dingtalk wecom email; do
        assert_eq "at the start: sent, failed, retried $k" "0 0 0" \
            "$(metric "$(sent_m "$k")") $(metric "$(failed_m "$k")") $(metric "$(retried_m "$k")")"
    done
    assert_eq "empty outbox at the start" "0 0" \
        "$(metric alerthub_outbox_depth) $(metric alerthub_outbox_oldest_age_seconds)"
}

# ---- every kind's message --------------------------------------------------------

test_formats()
{
    local body eid sig key ts q sign want rec n
    section "formats: fixtures"
    mark_metrics
    std_channel Payments
    FMT_IKEY=$IKEY
    new_target f-wh-signed webhook "$RCV_URL/f/wh-signed" 's3cr3t-wh' "$CH"
    T_WH=$TGT
    new_target f-wh-plain webhook "$RCV_URL/f/wh-plain" '' "$CH"
    T_PLAIN=$TGT
    new_target f-slack slack "$RCV_URL/f/slack" 'ignored-by-slack' "$CH"
    T_SLACK=$TGT
    new_target f-feishu feishu "$RCV_URL/f/feishu" 's3cr3t-fs' "$CH"
    T_FS=$TGT
    new_target f-dingtalk dingtalk "$RCV_URL/f/dingtalk?access_token=tok123" 'SECdd' "$CH"
    T_DD=$TGT
    new_target f-wecom wecom "$RCV_URL/f/wecom?key=abc" '' "$CH"
    T_WC=$TGT
    api POST /members "$(jq -nc --arg u "$RCV_URL/f/alice" \
        '{name: "alice", email: "alice@example.com", contacts: [{kind: "webhook", address: $u}]}')"
    assert_status 201 "create member alice"
    ALICE=$(jb .data.id)
    api PUT "/channels/$CH/escalations" "$(jq -nc --arg m "$ALICE" \
        '{rules: [{name: "primary", levels: [{member_ids: [$m], escalate_after_minutes: 10,
          escalate_unless: "acked"}]}]}')"
    assert_status 200 "escalation rule paging alice"

    fire fmt-1
    assert_wait "the 6 targets, alice's email and her webhook: all sent" \
        "log_items $INC | jq -r '[.[].status] | join(\",\")'" \
        "sent,sent,sent,sent,sent,sent,sent,sent"

    section "formats: webhook, signed"
    assert_eq "one request" 1 "$(nreqs /f/wh-signed)"
    rec=$(reqs /f/wh-signed | jq -c '.[-1]')
    body=$(jq -r .body <<<"$rec")
    eid=$(jq -r .event_id <<<"$body")
    assert_eq "POST" POST "$(jq -r .method <<<"$rec")"
    assert_eq "Content-Type" application/json "$(jq -r '.headers["content-type"]' <<<"$rec")"
    assert_eq "X-Alerthub-Event" i_new "$(jq -r '.headers["x-alerthub-event"]' <<<"$rec")"
    assert_match "event_id: 32 hex digits" '^[0-9a-f]{32}$' "$eid"
    assert_eq "X-Alerthub-Delivery is the body's event_id" "$eid" \
        "$(jq -r '.headers["x-alerthub-delivery"]' <<<"$rec")"
    assert_eq "the log has that event_id" "$eid" "$(dfield "$INC" /f/wh-signed event_id)"
    sig=$(jq -r '.headers["x-alerthub-signature"]' <<<"$rec")
    assert_match "X-Alerthub-Signature format" '^sha256=[0-9a-f]{64}$' "$sig"
    assert_eq "signature: HMAC-SHA256 of the raw body with the secret" \
        "sha256=$(jq -j .body <<<"$rec" | hmac_hex 's3cr3t-wh')" "$sig"
    assert_ne "... not with another secret" \
        "sha256=$(jq -j .body <<<"$rec" | hmac_hex 'other')" "$sig"
    assert_eq "event_type" i_new "$(jq -r .event_type <<<"$body")"
    assert_eq "event_time (ms)" "$((NOW * 1000))" "$(jq -r .event_time <<<"$body")"
    assert_eq "incident.id" "$INC" "$(jq -r .incident.id <<<"$body")"
    assert_eq "incident.title" "$TITLE" "$(jq -r .incident.title <<<"$body")"
    assert_eq "incident.severity" Critical "$(jq -r .incident.severity <<<"$body")"
    assert_eq "incident.labels (UTF-8 kept)" José "$(jq -r .incident.labels.owner <<<"$body")"
    assert_eq "incident.channel_name" Payments "$(jq -r .incident.channel_name <<<"$body")"
    assert_eq "incident.url" "$AH_PUBLIC_URL/#/incidents/$INC" "$(jq -r .incident.url <<<"$body")"
    assert_eq "no person on i_new" false "$(jq -r 'has("person")' <<<"$body")"
    api GET "/incidents/$INC"
    assert_eq "incident: the API's object plus channel_name and url" \
        "$(jb '.data | del(.alerts, .timeline)' | jq -cS .)" \
        "$(jq -cS '.incident | del(.channel_name, .url)' <<<"$body")"

    section "formats: webhook, unsigned"
    assert_eq "one request" 1 "$(nreqs /f/wh-plain)"
    assert_eq "no X-Alerthub-Signature" null "$(rq /f/wh-plain '.headers["x-alerthub-signature"]')"
    assert_eq "X-Alerthub-Event" i_new "$(rq /f/wh-plain '.headers["x-alerthub-event"]')"
    assert_eq "X-Alerthub-Delivery is the body's event_id" "$(rbody /f/wh-plain .event_id)" \
        "$(rq /f/wh-plain '.headers["x-alerthub-delivery"]')"
    assert_eq "the log has that event_id" "$(rbody /f/wh-plain .event_id)" \
        "$(dfield "$INC" /f/wh-plain event_id)"
    assert_ne "another delivery, another event_id" "$eid" "$(rbody /f/wh-plain .event_id)"
    assert_eq "the same incident" "$INC" "$(rbody /f/wh-plain .incident.id)"

    section "formats: slack"
    assert_eq "one request" 1 "$(nreqs /f/slack)"
    assert_eq "Content-Type" application/json "$(rq /f/slack '.headers["content-type"]')"
    assert_eq "keys: text and blocks only (a secret is ignored)" blocks,text \
        "$(rbody /f/slack 'keys | join(",")')"
    assert_eq "no signature header" null "$(rq /f/slack '.headers["x-alerthub-signature"]')"
    assert_eq "text" "[Critical] $TITLE - New incident" "$(rbody /f/slack .text)"
    assert_eq "header block" "header New incident" \
        "$(rbody /f/slack '.blocks[0] | "\(.type) \(.text.text)"')"
    assert_contains "link block" "<$AH_PUBLIC_URL/#/incidents/$INC|Open in alerthub>" \
        "$(rbody /f/slack '[.blocks[].text.text // empty] | join("\n")')"
    assert_contains "fields: channel" 'Payments' "$(rbody /f/slack '[.blocks[].fields[]?.text] | join(" ")')"

    section "formats: feishu, signed"
    assert_eq "one request" 1 "$(nreqs /f/feishu)"
    assert_eq "msg_type" interactive "$(rbody /f/feishu .msg_type)"
    assert_eq "card header" "red [Critical] $TITLE" \
        "$(rbody /f/feishu '.card.header | "\(.template) \(.title.content)"')"
    assert_contains "card says what happened" '"New incident"' "$(rbody /f/feishu '.card.elements | tojson')"
    ts=$(rbody /f/feishu .timestamp)
    assert_eq "timestamp: a string of the (test clock) seconds" "string $NOW" \
        "$(rbody /f/feishu '"\(.timestamp | type) \(.timestamp)"')"
    key=$(printf '%s\n%s' "$ts" 's3cr3t-fs')
    assert_eq "sign = base64 HMAC-SHA256 keyed with timestamp LF secret, of nothing" \
        "$(printf '' | hmac_b64 "$key")" "$(rbody /f/feishu .sign)"

    section "formats: dingtalk, signed"
    assert_eq "one request" 1 "$(nreqs /f/dingtalk)"
    q=$(rq /f/dingtalk .query)
    assert_match "query: the URL's own, then timestamp and sign" \
        '^access_token=tok123&timestamp=[0-9]+&sign=[^&]+$' "$q"
    ts=$(sed -E 's/.*timestamp=([0-9]+).*/\1/' <<<"$q")
    sign=${q##*sign=}
    assert_eq "timestamp in ms (test clock)" "$((NOW * 1000))" "$ts"
    want=$(printf '%s\n%s' "$ts" SECdd | hmac_b64 SECdd)
    assert_eq "sign = url-encoded base64 HMAC-SHA256 of timestamp LF secret" \
        "$(urlenc "$want")" "$sign"
    assert_eq "msgtype" markdown "$(rbody /f/dingtalk .msgtype)"
    assert_eq "markdown.title" "[Critical] $TITLE" "$(rbody /f/dingtalk .markdown.title)"
    assert_match "markdown.text" '^### New incident' "$(rbody /f/dingtalk .markdown.text)"
    assert_contains "markdown.text links the incident" \
        "[Open in alerthub]($AH_PUBLIC_URL/#/incidents/$INC)" "$(rbody /f/dingtalk .markdown.text)"

    section "formats: wecom"
    assert_eq "one request" 1 "$(nreqs /f/wecom)"
    assert_eq "query: the URL's own only (no signing)" key=abc "$(rq /f/wecom .query)"
    assert_eq "msgtype" markdown "$(rbody /f/wecom .msgtype)"
    assert_contains "content: severity colour" '<font color="warning">Critical</font>' \
        "$(rbody /f/wecom .markdown.content)"
    assert_contains "content: title" "**$TITLE**" "$(rbody /f/wecom .markdown.content)"
    assert_contains "content: label (UTF-8)" 'owner: José' "$(rbody /f/wecom .markdown.content)"

    section "formats: email"
    assert_wait "one mail" "rcv_mails | jq length" 1
    rec=$(rcv_mails | jq -c '.[0]')
    body=$(jq -r .data <<<"$rec")
    eid=$(dfield "$INC" alice@example.com event_id)
    assert_eq "envelope sender" alerthub@example.com "$(jq -r .mail_from <<<"$rec")"
    assert_eq "envelope recipient" alice@example.com "$(jq -r '.rcpt_to | join(",")' <<<"$rec")"
    assert_contains "CRLF line ends" $'\r\n' "$body"
    body=${body//$'\r'/}
    assert_contains "Subject" $'\n'"Subject: [Critical] $TITLE - assigned"$'\n' "$body"
    assert_contains "From" "From: alerthub <alerthub@example.com>"$'\n' "$body"
    assert_contains "To" $'\n'"To: alice@example.com"$'\n' "$body"
    assert_contains "Date (test clock)" \
        $'\n'"Date: $(LC_ALL=C date -u -d "@$NOW" '+%a, %d %b %Y %H:%M:%S +0000')"$'\n' "$body"
    assert_match "the log's event_id" '^[0-9a-f]{32}$' "$eid"
    assert_contains "Message-ID is <event_id@alerthub>" $'\n'"Message-ID: <$eid@alerthub>"$'\n' "$body"
    assert_contains "body: the event" $'\n\n'"Assigned to alice"$'\n' "$body"
    assert_contains "body: the link" "Open in alerthub: $AH_PUBLIC_URL/#/incidents/$INC" "$body"
    assert_contains "body: a label (8bit UTF-8)" "owner: José" "$body"
    assert_eq "email log entry: SMTP 250" "sent 1 250" "$(dstate "$INC" alice@example.com)"

    section "formats: a member's webhook contact"
    assert_eq "one request" 1 "$(nreqs /f/alice)"
    assert_eq "X-Alerthub-Event" i_assign "$(rq /f/alice '.headers["x-alerthub-event"]')"
    assert_eq "no signature (a contact has no secret)" null \
        "$(rq /f/alice '.headers["x-alerthub-signature"]')"
    assert_eq "X-Alerthub-Delivery is the log's event_id" "$(dfield "$INC" /f/alice event_id)" \
        "$(rq /f/alice '.headers["x-alerthub-delivery"]')"
    assert_eq "the body's event_id too" "$(dfield "$INC" /f/alice event_id)" "$(rbody /f/alice .event_id)"
    assert_eq "detail: rule, level, recipient" "primary 1 alice $ALICE" \
        "$(rbody /f/alice '.detail | "\(.rule) \(.level) \(.recipient.name) \(.recipient.id)"')"
    assert_eq "incident" "$INC $TITLE" "$(rbody /f/alice '"\(.incident.id) \(.incident.title)"')"

    section "delivery log fields"
    local items
    items=$(log_items "$INC")
    n=$(jq length <<<"$items")
    assert_eq "8 entries" 8 "$n"
    assert_eq "every entry has every field" "" "$(jq -r --arg f "$LOG_FIELDS" '
        [.[] as $e | $f | splits("[[:space:]]+") | select(. != "") | . as $k | select($e | has($k) | not)]
        | unique | join(" ")' <<<"$items")"
    assert_eq "oldest first" "$(jq -c '[.[].id | tonumber] | sort' <<<"$items")" \
        "$(jq -c '[.[].id | tonumber]' <<<"$items")"
    assert_eq "target entries: kind, target, event" \
        "$T_WH webhook i_new null,$T_PLAIN webhook i_new null,$T_SLACK slack i_new null,$T_FS feishu i_new null,$T_DD dingtalk i_new null,$T_WC wecom i_new null" \
        "$(jq -r '[.[] | select(.target_id != null) | "\(.target_id) \(.channel) \(.event_type) \(.member_id)"]
                  | sort_by(split(" ")[0] | tonumber) | join(",")' <<<"$items")"
    assert_eq "member entries: email then contact" \
        "email alice@example.com i_assign null,webhook $RCV_URL/f/alice i_assign null" \
        "$(jq -r --arg m "$ALICE" '[.[] | select(.member_id == $m) | "\(.channel) \(.address) \(.event_type) \(.target_id)"] | join(",")' <<<"$items")"
    assert_eq "target addresses are their URLs" "$RCV_URL/f/dingtalk?access_token=tok123" \
        "$(jq -r --arg t "$T_DD" '.[] | select(.target_id == $t) | .address' <<<"$items")"
    assert_eq "times: created_at, event_time (ms), sent_at" "$NOW $((NOW * 1000)) $NOW" \
        "$(jq -r '[.[] | "\(.created_at) \(.event_time) \(.sent_at)"] | unique | join(",")' <<<"$items")"
    assert_eq "one attempt, no error, no reason, no person" "1 null null null" \
        "$(jq -r '[.[] | "\(.attempts) \(.last_error) \(.reason) \(.person)"] | unique | join(",")' <<<"$items")"
    assert_eq "HTTP 200 for the targets and the contact" 200 \
        "$(jq -r '[.[] | select(.channel != "email") | .last_status_code] | unique | join(",")' <<<"$items")"
    assert_eq "member entries carry the escalation detail" "primary 1 0 alice" \
        "$(jq -r '[.[] | select(.member_id != null) | .detail | "\(.rule) \(.level) \(.round) \(.recipient.name)"] | unique | join(",")' <<<"$items")"
    assert_eq "every event_id is 32 hex digits" "$n" \
        "$(jq '[.[].event_id | select(test("^[0-9a-f]{32}$"))] | length' <<<"$items")"
    assert_eq "every delivery has its own event_id" "$n" \
        "$(jq '[.[].event_id] | unique | length' <<<"$items")"
    assert_eq "the log's event_ids are the database's" \
        "$(db "SELECT group_concat(event_id, ',') FROM (SELECT event_id FROM deliveries WHERE incident_id = $INC ORDER BY id) AS d;")" \
        "$(jq -r '[.[].event_id] | join(",")' <<<"$items")"
    assert_eq "every webhook request carried its delivery's event_id" \
        "$(jq -r '[.[] | select(.channel == "webhook") | .event_id] | sort | join(",")' <<<"$items")" \
        "$(rcv_requests /f/ | jq -r '[.[].headers["x-alerthub-delivery"] // empty] | sort | join(",")')"

    section "formats: metrics"
    for k in slack feishu dingtalk wecom email; do
        assert_metric_delta "$(sent_m $k)" 1
    done
    assert_metric_delta "$(sent_m webhook)" 3
    assert_metric_delta "$(failed_m webhook)" 0
    assert_metric_delta "$(retried_m webhook)" 0
    assert_eq "outbox empty" 0 "$(metric alerthub_outbox_depth)"
}

# ---- 500, then 503, then 200 ------------------------------------------------------

test_retries()
{
    local inc r
    section "retry after 500 and 503: first attempt"
    mark_metrics
    std_channel retries
    new_target r-flaky webhook "$RCV_URL/r/flaky" 'rs' "$CH"
    rcv_mode /r/flaky status 500
    fire retry-1
    inc=$INC
    assert_wait "500: pending, 1 attempt" "dstate $inc /r/flaky" "pending 1 500"
    assert_eq "retry in 1 s" "$((NOW + 1))" "$(dfield "$inc" /r/flaky next_at)"
    assert_contains "last_error" "HTTP 500" "$(dfield "$inc" /r/flaky last_error)"
    assert_eq "not sent" null "$(dfield "$inc" /r/flaky sent_at)"
    assert_eq "outbox depth" 1 "$(metric alerthub_outbox_depth)"
    assert_eq "outbox oldest age" 0 "$(metric alerthub_outbox_oldest_age_seconds)"
    assert_eq "no rule: a suppressed entry" "none suppressed no_rule_matched 0  null null i_new" \
        "$(log_items "$inc" | jq -r '.[] | select(.channel == "none")
            | "\(.channel) \(.status) \(.reason) \(.attempts) \(.address) \(.target_id) \(.member_id) \(.event_type)"')"

    section "retry after 500 and 503: second attempt"
    rcv_mode /r/flaky status 503
    advance 1
    assert_wait "503: still pending, 2 attempts" "dstate $inc /r/flaky" "pending 2 503"
    assert_eq "back-off doubles: 2 s" "$((NOW + 2))" "$(dfield "$inc" /r/flaky next_at)"
    assert_contains "last_error" "HTTP 503" "$(dfield "$inc" /r/flaky last_error)"
    assert_eq "outbox oldest age follows the clock" 1 "$(metric alerthub_outbox_oldest_age_seconds)"

    section "retry after 500 and 503: sent"
    rcv_mode /r/flaky ok
    advance 2
    assert_wait "sent at the 3rd attempt" "dstate $inc /r/flaky" "sent 3 200"
    assert_eq "sent_at" "$NOW" "$(dfield "$inc" /r/flaky sent_at)"
    assert_eq "last_error cleared" null "$(dfield "$inc" /r/flaky last_error)"
    r=$(reqs /r/flaky)
    assert_eq "3 requests, answered 500 503 200" "500 503 200" "$(jq -r '[.[].response] | join(" ")' <<<"$r")"
    assert_eq "one X-Alerthub-Delivery for all, the log's event_id" "$(dfield "$inc" /r/flaky event_id)" \
        "$(jq -r '[.[].headers["x-alerthub-delivery"]] | unique | join(",")' <<<"$r")"
    assert_eq "one body event_id for all" "$(dfield "$inc" /r/flaky event_id)" \
        "$(jq -r '[.[].body | fromjson | .event_id] | unique | join(",")' <<<"$r")"
    assert_eq "each retry signed" 3 \
        "$(jq '[.[].headers["x-alerthub-signature"] | select(. != null)] | length' <<<"$r")"
    assert_eq "the last one's signature verifies" \
        "sha256=$(jq -j '.[-1].body' <<<"$r" | hmac_hex rs)" "$(jq -r '.[-1].headers["x-alerthub-signature"]' <<<"$r")"
    assert_metric_delta "$(retried_m webhook)" 2
    assert_metric_delta "$(sent_m webhook)" 1
    assert_metric_delta "$(failed_m webhook)" 0
    assert_eq "outbox empty" 0 "$(metric alerthub_outbox_depth)"
    assert_eq "outbox oldest age back to 0" 0 "$(metric alerthub_outbox_oldest_age_seconds)"
}

# ---- final outcomes, and 429 / 408 retried -------------------------------------

test_final()
{
    local inc p
    section "final outcomes: fixtures"
    mark_metrics
    std_channel final
    new_target x-404 webhook "$RCV_URL/x/nf" '' "$CH"
    new_target x-400 webhook "$RCV_URL/x/bad" '' "$CH"
    new_target x-fs feishu "$RCV_URL/x/fs" 'fs' "$CH"
    new_target x-dd dingtalk "$RCV_URL/x/dd" 'dd' "$CH"
    new_target x-wc wecom "$RCV_URL/x/wc" '' "$CH"
    new_target x-whcode webhook "$RCV_URL/x/whcode" '' "$CH"
    new_target x-429 webhook "$RCV_URL/x/tmr" '' "$CH"
    new_target x-408 webhook "$RCV_URL/x/rto" '' "$CH"
    rcv_mode /x/nf status 404
    rcv_mode /x/bad status 400
    rcv_answer /x/fs 200 '{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time"}'
    rcv_answer /x/dd 200 '{"errcode":310000,"errmsg":"sign not match"}'
    rcv_answer /x/wc 200 '{"errcode":93000,"errmsg":"invalid webhook url"}'
    rcv_answer /x/whcode 200 '{"errcode":1,"code":1}'
    rcv_mode /x/tmr status 429 1
    rcv_mode /x/rto status 408 1
    fire final-1
    inc=$INC

    section "final outcomes: first attempts"
    assert_wait "404: failed at once" "dstate $inc /x/nf" "failed 1 404"
    assert_wait "400: failed at once" "dstate $inc /x/bad" "failed 1 400"
    assert_wait "feishu 200 {code: 19021}: failed" "dstate $inc /x/fs" "failed 1 200"
    assert_wait "dingtalk 200 {errcode: 310000}: failed" "dstate $inc /x/dd" "failed 1 200"
    assert_wait "wecom 200 {errcode: 93000}: failed" "dstate $inc /x/wc" "failed 1 200"
    assert_wait "a generic webhook's 200 is sent, whatever its body" "dstate $inc /x/whcode" "sent 1 200"
    assert_wait "429: retried" "dstate $inc /x/tmr" "pending 1 429"
    assert_wait "408: retried" "dstate $inc /x/rto" "pending 1 408"
    assert_contains "404 last_error" "HTTP 404" "$(dfield "$inc" /x/nf last_error)"
    assert_contains "400 last_error" "HTTP 400" "$(dfield "$inc" /x/bad last_error)"
    assert_contains "feishu last_error" "19021" "$(dfield "$inc" /x/fs last_error)"
    assert_contains "feishu last_error says why" "sign match fail" "$(dfield "$inc" /x/fs last_error)"
    assert_contains "dingtalk last_error" "310000: sign not match" "$(dfield "$inc" /x/dd last_error)"
    assert_contains "wecom last_error" "93000: invalid webhook url" "$(dfield "$inc" /x/wc last_error)"
    assert_match "dingtalk URL without a query: ?timestamp=..&sign=.." '^timestamp=[0-9]+&sign=[^&]+$' \
        "$(rq /x/dd .query)"
    assert_eq "no sent_at when failed" null "$(dfield "$inc" /x/nf sent_at)"

    section "final outcomes: not retried when the clock moves"
    # The 429 and 408 entries are the witnesses: once they have been sent
    # again, the sender has looked for due entries at the later time.
    advance 1
    assert_wait "429 then sent" "dstate $inc /x/tmr" "sent 2 200"
    assert_wait "408 then sent" "dstate $inc /x/rto" "sent 2 200"
    advance 600
    new_target x-late webhook "$RCV_URL/x/late" '' "$CH"
    api POST "/incidents/$inc/ack" "$(jq -nc --arg m "$ALICE" '{member_id: $m}')"
    assert_status 200 "ack by alice (a new event for the targets)"
    assert_wait "the ack reached a witness" "nreqs /x/late" 1
    assert_eq "i_ack names who acted" "i_ack i_ack $ALICE alice" \
        "$(rq /x/late '.headers["x-alerthub-event"]') $(rbody /x/late '"\(.event_type) \(.person.id) \(.person.name)"')"
    assert_eq "... and so does its log entry" "$ALICE alice" \
        "$(dfield "$inc" /x/late 'person | "\(.id) \(.name)"')"
    assert_wait "the ack reached the 408 target" "nreqs /x/rto" 3
    assert_wait "every entry of the incident is done" \
        "log_items $inc | jq '[.[] | select(.status == \"pending\")] | length'" 0
    for p in nf:404 bad:400 fs:200 dd:200 wc:200; do
        assert_eq "/x/${p%:*}: one request per event (i_new, i_ack)" 2 "$(nreqs "/x/${p%:*}")"
        assert_eq "/x/${p%:*}: both entries failed after 1 attempt" \
            "i_new failed 1 ${p#*:},i_ack failed 1 ${p#*:}" \
            "$(dl "$inc" "/x/${p%:*}" '[.[] | "\(.event_type) \(.status) \(.attempts) \(.last_status_code)"] | join(",")')"
    done
    assert_metric_delta "$(failed_m webhook)" 4
    assert_metric_delta "$(failed_m feishu)" 2
    assert_metric_delta "$(failed_m dingtalk)" 2
    assert_metric_delta "$(failed_m wecom)" 2
    assert_metric_delta "$(retried_m webhook)" 2
    assert_metric_delta "$(sent_m webhook)" 7
}

# ---- a receiver that hangs ---------------------------------------------------------

test_hang()
{
    local inc slow_t other_t fast_t t0 ms r ikey_b
    section "hang: fixtures"
    mark_metrics
    std_channel hang-b
    new_target h-other webhook "$RCV_URL/h/other" '' "$CH"
    ikey_b=$IKEY
    std_channel hang-a
    new_target h-slow webhook "$RCV_URL/h/slow" '' "$CH"
    new_target h-fast webhook "$RCV_URL/h/fast" '' "$CH"
    rcv_mode /h/slow hang '' 1 5000
    fire hang-1
    inc=$INC

    section "hang: others go on"
    assert_wait "the slow receiver got the request (and hangs)" "nreqs /h/slow" 1
    assert_wait "another target of the same incident: sent" "dstate $inc /h/fast" "sent 1 200"
    IKEY=$ikey_b
    t0=$(rcv_now_us)
    fire hang-2
    ms=$((($(rcv_now_us) - t0) / 1000))
    assert_true "a push while it hangs answers promptly (${ms} ms)" [ "$ms" -lt 900 ]
    assert_wait "... and its incident's delivery is sent" "dstate $INC /h/other" "sent 1 200"
    slow_t=$(rq /h/slow .time)
    fast_t=$(rq /h/fast .time)
    other_t=$(rq /h/other .time)
    assert_eq "both arrived within 0.9 s of the hung request (timeout 1 s)" "yes yes" \
        "$(jq -rn --argjson s "$slow_t" --argjson f "$fast_t" --argjson o "$other_t" \
            '[$f, $o] | map(if . - $s < 0.9 then "yes" else "no: \(. - $s) s" end) | join(" ")')"

    section "hang: cut off and retried"
    assert_wait "cut off after the timeout: pending, 1 attempt" "dstate $inc /h/slow" "pending 1 null"
    assert_match "last_error says it timed out" '[Tt]ime' "$(dfield "$inc" /h/slow last_error)"
    assert_eq "retry in 1 s" "$((NOW + 1))" "$(dfield "$inc" /h/slow next_at)"
    advance 1
    assert_wait "sent at the 2nd attempt" "dstate $inc /h/slow" "sent 2 200"
    r=$(reqs /h/slow)
    assert_eq "2 requests: no answer, then 200" "null 200" "$(jq -r '[.[].response | tostring] | join(" ")' <<<"$r")"
    assert_eq "the same X-Alerthub-Delivery, the log's event_id" "$(dfield "$inc" /h/slow event_id)" \
        "$(jq -r '[.[].headers["x-alerthub-delivery"]] | unique | join(",")' <<<"$r")"
    assert_metric_delta "$(retried_m webhook)" 1
    assert_metric_delta "$(sent_m webhook)" 3
}

# ---- email: SMTP 4xx retried, 5xx final ---------------------------------------------

test_email_outcomes()
{
    local inc bob eid mails
    section "email: 451 at RCPT, retried"
    mark_metrics
    std_channel mail
    api POST /members '{"name": "bob", "email": "bob@example.com"}'
    assert_status 201 "create member bob"
    bob=$(jb .data.id)
    api PUT "/channels/$CH/escalations" "$(jq -nc --arg m "$bob" \
        '{rules: [{name: "mail", levels: [{member_ids: [$m], escalate_after_minutes: 10,
          escalate_unless: "acked"}]}]}')"
    assert_status 200 "escalation rule paging bob"
    mails=$(rcv_mails | jq length)
    rcv_smtp_mode rcpt 451 1
    fire mail-1
    inc=$INC
    assert_wait "451: pending, 1 attempt" "dstate $inc bob@example.com" "pending 1 451"
    assert_contains "last_error" 451 "$(dfield "$inc" bob@example.com last_error)"
    assert_eq "retry in 1 s" "$((NOW + 1))" "$(dfield "$inc" bob@example.com next_at)"
    assert_eq "no mail yet" "$mails" "$(rcv_mails | jq length)"
    advance 1
    assert_wait "then sent" "dstate $inc bob@example.com" "sent 2 250"
    eid=$(dfield "$inc" bob@example.com event_id)
    assert_eq "one mail to bob, Message-ID <event_id@alerthub>" "bob@example.com <$eid@alerthub>" \
        "$(rcv_mails | jq -r '[.[] | select(.rcpt_to == ["bob@example.com"])
            | "\(.rcpt_to[0]) \(.data | capture("\r\nMessage-ID: (?<m>[^\r]*)\r\n").m)"] | join(",")')"

    section "email: 550 at RCPT, final"
    rcv_smtp_mode rcpt 550 1
    fire mail-2
    inc=$INC
    assert_wait "550: failed at once" "dstate $inc bob@example.com" "failed 1 550"
    assert_contains "last_error" 550 "$(dfield "$inc" bob@example.com last_error)"
    assert_metric_delta "$(sent_m email)" 1
    assert_metric_delta "$(retried_m email)" 1
    assert_metric_delta "$(failed_m email)" 1
    assert_eq "outbox empty" 0 "$(metric alerthub_outbox_depth)"
}

# ---- retry_for exceeded -------------------------------------------------------------

test_expiry()
{
    local inc created refused
    section "retry_for exceeded"
    mark_metrics
    std_channel expire
    new_target e-down webhook "$RCV_URL/e/down" '' "$CH"
    refused="http://127.0.0.1:$(pick_port)/e/refused"
    new_target e-refused webhook "$refused" '' "$CH"
    rcv_mode /e/down status 503
    fire expire-1
    inc=$INC
    created=$(dfield "$inc" /e/down created_at)
    assert_eq "created now" "$NOW" "$created"
    assert_wait "503: pending" "dstate $inc /e/down" "pending 1 503"
    assert_wait "connection refused: pending, no status code" "dstate $inc /e/refused" "pending 1 null"
    assert_match "connection refused: last_error" '[Cc]onnect' "$(dfield "$inc" /e/refused last_error)"
    advance 1
    assert_wait "503 again: pending" "dstate $inc /e/down" "pending 2 503"
    assert_wait "refused again: pending" "dstate $inc /e/refused" "pending 2 null"
    advance 3600
    assert_wait "an hour after it was made, the next 503 is final" "dstate $inc /e/down" "failed 3 503"
    assert_wait "... and the next refused connection" "dstate $inc /e/refused" "failed 3 null"
    assert_eq "3 requests" 3 "$(nreqs /e/down)"
    assert_eq "one event id" 1 "$(reqs /e/down | jq '[.[].headers["x-alerthub-delivery"]] | unique | length')"
    assert_metric_delta "$(failed_m webhook)" 2
    assert_metric_delta "$(retried_m webhook)" 4
    assert_eq "outbox empty" 0 "$(metric alerthub_outbox_depth)"
    EXPIRE_INC=$inc
}

# ---- an outbox entry survives kill -9 ------------------------------------------

test_kill9()
{
    local inc eid r inc2 eid2
    section "kill -9: pending before"
    std_channel durable
    new_target d-hook webhook "$RCV_URL/d/hook" 'dk' "$CH"
    rcv_mode /d/hook status 503
    fire durable-1
    inc=$INC
    assert_wait "503: pending" "dstate $inc /d/hook" "pending 1 503"
    advance 1
    assert_wait "503 again: pending" "dstate $inc /d/hook" "pending 2 503"
    eid=$(dfield "$inc" /d/hook event_id)
    assert_eq "both attempts carried the log's event_id" "$eid" \
        "$(reqs /d/hook | jq -r '[.[].headers["x-alerthub-delivery"]] | unique | join(",")')"
    # Another delivery is in flight at the kill: its receiver holds the
    # request (the kill comes well within the 1 s time-out).
    std_channel inflight
    new_target d-inflight webhook "$RCV_URL/d/inflight" '' "$CH"
    rcv_mode /d/inflight hang '' 1 30000
    fire inflight-1
    inc2=$INC
    assert_wait "a request in flight" "nreqs /d/inflight" 1

    section "kill -9: restart"
    kill9_server
    rcv_mode /d/hook ok
    restart_server
    # The clock is the system clock until set, long before the entry is due.
    assert_eq "the entry survived: pending, 2 attempts" "pending 2 503" "$(dstate "$inc" /d/hook)"
    assert_eq "same event_id" "$eid" "$(dfield "$inc" /d/hook event_id)"
    # A subscription reads the timeline after its cursor, which the kill
    # left before the entry in flight: it is sent again at once.
    assert_wait "the one in flight is sent again after the restart" \
        "dstate $inc2 /d/inflight" "sent 1 200"
    assert_eq "outbox depth after the restart: the pending one" 1 "$(metric alerthub_outbox_depth)"
    at "$NOW"
    eid2=$(dfield "$inc2" /d/inflight event_id)
    assert_eq "... with the same event_id as the request cut by the kill" "2 $eid2" \
        "$(reqs /d/inflight | jq -r '"\(length) \([.[].headers["x-alerthub-delivery"]] | unique | join(","))"')"
    assert_eq "due in 2 s" "$((NOW + 2))" "$(dfield "$inc" /d/hook next_at)"
    advance 2
    assert_wait "sent after the restart, 3rd attempt" "dstate $inc /d/hook" "sent 3 200"
    r=$(reqs /d/hook)
    assert_eq "answers 503 503 200" "503 503 200" "$(jq -r '[.[].response] | join(" ")' <<<"$r")"
    assert_eq "the SAME event id as the failed attempts" "$eid" \
        "$(jq -r '[.[].headers["x-alerthub-delivery"]] | unique | join(",")' <<<"$r")"
    assert_eq "body event_id too" "$eid" "$(jq -r '.[-1].body | fromjson | .event_id' <<<"$r")"
    assert_eq "signed after the restart" "sha256=$(jq -j '.[-1].body' <<<"$r" | hmac_hex dk)" \
        "$(jq -r '.[-1].headers["x-alerthub-signature"]' <<<"$r")"
    assert_eq "counters restart at 0: sent" 2 "$(metric "$(sent_m webhook)")"
    assert_eq "outbox empty" 0 "$(metric alerthub_outbox_depth)"

    section "retry_for: still failed, not retried since"
    assert_eq "/e/down entry" "failed 3 503" "$(dstate "$EXPIRE_INC" /e/down)"
    assert_eq "/e/down requests" 3 "$(nreqs /e/down)"
}

# ---- email without --smtp-url --------------------------------------------------------

test_no_smtp()
{
    local inc mails
    section "email without --smtp-url"
    stop_server
    restart_server --test-clock on --notify-timeout-ms 1000
    at "$NOW"
    mails=$(rcv_mails | jq length)
    IKEY=$FMT_IKEY
    fire fmt-2 "no smtp here"
    inc=$INC
    assert_wait "alice's email: suppressed" "dl $inc alice@example.com '.[0] | \"\(.status) \(.reason)\"'" \
        "suppressed smtp_not_configured"
    assert_wait "her webhook contact: sent" "dstate $inc /f/alice" "sent 1 200"
    assert_wait "the targets: sent" \
        "log_items $inc | jq -r '[.[] | select(.target_id != null) | .status] | unique | join(\",\")'" sent
    assert_eq "no mail" "$mails" "$(rcv_mails | jq length)"
    assert_eq "suppressed: not in the outbox" 0 "$(metric alerthub_outbox_depth)"
    stop_server
}

setup
test_formats
test_retries
test_final
test_hang
test_email_outcomes
test_expiry
test_kill9
test_no_smtp
stop_receiver
finish
