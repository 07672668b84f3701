#!/usr/bin/env bash
# t_lifecycle_misc.sh - health endpoints, clean stops (SIGTERM, SIGINT),
# configuration from the environment, bad command lines, and what a restart
# keeps: data, integration keys, the dedup index of open alerts and the
# Volcengine retry ids.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 BIN}
FIXTURES=$(cd "$(dirname "$0")/../fixtures/ingest/volcengine-rtc" && pwd)

trig() { jq -nc --arg d "$1" '{event_status: "Critical", title_rule: "restart", alert_key: "life-r", description: $d}'; }

test_health()
{
    local path
    for path in /healthz /readyz; do
        section "GET $path"
        http GET "$AH_URL$path"
        assert_status 200
        assert_request_id
    done
}

setup()
{
    section setup
    new_channel lifecycle
    new_integration std standard "$CH_ID"
    STD_KEY=$INT_KEY STD_ID=$INT_ID
    new_integration volc volcengine_rtc "$CH_ID"
    VOLC_KEY=$INT_KEY

    section "before restart"
    push_std "$STD_KEY" "$(trig first)"
    assert_status 200
    ALERT=$(alert_id_for life-r)
    INCIDENT=$(incident_id_for life-r)
    push volcengine/rtc "$VOLC_KEY" "@$FIXTURES/envelope-notice.json"
    assert_status 200
    VOLC_ALERT_KEY=$(jb .data.alert_key)
}

test_restart_keeps_state()
{
    local before
    section "after restart: identical repeat"
    before=$(db_counts)
    push_std "$STD_KEY" "$(trig first)"
    assert_status 200 "old integration key still works"
    assert_eq "identical repeat stores nothing" "$before" "$(db_counts)"
    assert_eq "same alert" "$ALERT" "$(alert_id_for life-r)"

    section "after restart: changed repeat merges"
    push_std "$STD_KEY" "$(trig second)"
    assert_status 200
    assert_eq "merged into the same alert" "$ALERT" "$(alert_id_for life-r)"
    api GET "/alerts/$ALERT"
    assert_status 200 "admin token still works"
    assert_json "event_count" .data.event_count 2
    assert_json "same incident" .data.incident_id "$INCIDENT"

    section "after restart: Volcengine retry still recognised"
    before=$(db_counts)
    push volcengine/rtc "$VOLC_KEY" "@$FIXTURES/envelope-notice.json"
    assert_status 200
    assert_json "retry answers the first key" .data.alert_key "$VOLC_ALERT_KEY"
    assert_eq "retry stores nothing" "$before" "$(db_counts)"
}

test_restart_after_recovery()
{
    section "after restart: recovery"
    push_std "$STD_KEY" '{"event_status":"Ok","title_rule":"restart","alert_key":"life-r"}'
    assert_status 200
    api GET "/incidents/$INCIDENT"
    assert_json "incident closed by the recovery" .data.progress Closed
    stop_server INT
    restart_server
    section "after a second restart: a recovered alert stays closed"
    push_std "$STD_KEY" "$(trig first)"
    assert_status 200
    assert_ne "a new alert for the key" "$ALERT" "$(alert_id_for life-r)"
    assert_ne "a new incident" "$INCIDENT" "$(incident_id_for life-r)"
}

test_env_config()
{
    section "configuration from ALERTHUB_* variables"
    stop_server
    AH_USE_ENV=1 restart_server
    http GET "$AH_URL/readyz"
    assert_status 200
    api GET "/integrations/$STD_ID"
    assert_status 200 "ALERTHUB_ADMIN_TOKEN"
    assert_json "ALERTHUB_DATA: same data" .data.integration_key "$STD_KEY"
    assert_json "ALERTHUB_PUBLIC_URL" .data.push_url \
        "$AH_PUBLIC_URL/event/push/alert/standard?integration_key=$STD_KEY"
    stop_server
}

test_bad_command_lines()
{
    local args rc
    mkdir -p "$AH_TMP/bad"
    while read -r args; do
        section "bad command line: $args"
        # shellcheck disable=SC2086 # the table holds whole argument lists
        timeout 20 "$BIN" $args --data "$AH_TMP/bad" >"$AH_TMP/bad.log" 2>&1
        rc=$?
        assert_true "alerthub $args exits at once with an error status (got $rc)" \
            test "$rc" -ne 0 -a "$rc" -ne 124
    done <<'EOF'
serve --no-such-option
serve --listen
serve --listen not-an-address
serve --max-body-bytes -1
serve --database-url mysql://localhost/alerthub
serve --database-url postgres://127.0.0.1:1/unreachable
no-such-command
EOF
}

start_server "$BIN"
test_health
setup
stop_server TERM
restart_server
test_health
test_restart_keeps_state
test_restart_after_recovery
test_env_config
test_bad_command_lines
finish
