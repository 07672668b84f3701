#!/usr/bin/env bash
# t_retention.sh - retention (issue #13, item 5): with the test clock moved
# past --retention-days, housekeeping deletes the old events (an open alert
# keeps its row, its event list shrinks); past --incident-retention-days it
# deletes closed incidents with their alerts, timeline and deliveries, and
# keeps open incidents however old. An alert stops merging a day after it
# started, so only a retention under a day (the test-only
# --retention-seconds) takes events from an alert that still merges: the
# last section shows that its event list then starts later. Pushes made while 4,000 old events are being deleted
# still answer quickly. Housekeeping runs every 5 s: the suite waits for its
# outcome in the database, never for a fixed time.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 BIN}
DAY=86400
BULK=4000

# wait_for DESC SQL EXPECTED: polls the query until it answers EXPECTED (20 s).
wait_for()
{
    local deadline=$((SECONDS + 20)) got
    while [ "$SECONDS" -le "$deadline" ]; do
        got=$(db "$2")
        [ "$got" = "$3" ] && { pass; return 0; }
        sleep 0.2 # poll interval, not a wait for an assumed state
    done
    fail "$1: expected '$3', got '$got' after 20 s"
    return 1
}

# bulk N: N new alerts (one event each) through 8 parallel clients; prints
# the HTTP statuses counted ("4000 200").
bulk()
{
    local url="$AH_URL/event/push/alert/standard?integration_key=$IKEY"
    seq 1 "$1" | xargs -P 8 -I{} curl -s -o /dev/null -w '%{http_code}\n' --max-time 20 \
        -H 'Content-Type: application/json' \
        --data-binary '{"event_status":"Warning","title_rule":"bulk","alert_key":"bulk-{}"}' "$url" |
        sort | uniq -c | awk '{ printf "%s%s %s", sep, $1, $2; sep = ", " }'
}

setup()
{
    section setup
    start_server "$BIN" --test-clock on --retention-days 30 --incident-retention-days 180
    at "$T0"
    std_channel retention
    api PATCH "/integrations/$INT_ID" '{"rate_limit_per_sec":1000000,"rate_limit_per_min":1000000}'
    assert_status 200 "raise the rate limits"

    # Day 0: an alert that stays open, one that recovers (its incident
    # closes) and BULK open alerts of one event each.
    send Critical "stays open" keep-open first
    OPEN_ALERT=$ALERT OPEN_INC=$INC
    send Critical "recovers" closed-old
    send Ok "recovers" closed-old
    CLOSED_ALERT=$ALERT CLOSED_INC=$INC
    api GET "/incidents/$CLOSED_INC"
    assert_json "the old incident is closed" .data.progress Closed
    assert_eq "bulk pushes" "$BULK 200" "$(bulk "$BULK")"
    assert_eq "events on day 0" $((BULK + 3)) "$(db 'SELECT count(*) FROM events;')"
}

test_old_events_go()
{
    local lat max
    section "day 31: events older than 30 days go"
    at $((T0 + 31 * DAY))
    # An incident closed on day 31.
    send Critical "recovers later" closed-new
    send Ok "recovers later" closed-new
    NEW_CLOSED_INC=$INC

    # Pushes while housekeeping deletes the old events: each answers fast.
    : >"$AH_TMP/lat"
    while [ "$(db "SELECT count(*) FROM events WHERE received_at < $T0 + $DAY;")" != 0 ]; do
        curl -s -o /dev/null -w '%{http_code} %{time_total}\n' --max-time 20 \
            -H 'Content-Type: application/json' \
            --data-binary "$(ev Warning during "during-$RANDOM")" \
            "$AH_URL/event/push/alert/standard?integration_key=$IKEY" >>"$AH_TMP/lat"
        [ "$(wc -l <"$AH_TMP/lat")" -lt 2000 ] || break
    done
    assert_eq "the old events are gone" 0 "$(db "SELECT count(*) FROM events WHERE received_at < $T0 + $DAY;")"
    lat=$(wc -l <"$AH_TMP/lat")
    max=$(awk '{ if ($2 > m) m = $2 } END { printf "%.3f", m }' "$AH_TMP/lat")
    echo "pushes during the deletion: $lat, slowest ${max} s"
    assert_eq "every push during the deletion answered 200" "$lat" "$(grep -c '^200 ' "$AH_TMP/lat")"
    assert_true "the slowest push during the deletion took under 1 s (${max} s)" \
        awk -v m="$max" 'BEGIN { exit !(m < 1) }'

    section "day 31: open alerts and incidents stay, with their newer events"
    assert_eq "every alert row stays" $((BULK + 3)) \
        "$(db "SELECT count(*) FROM alerts WHERE alert_key NOT LIKE 'during-%';")"
    api GET "/alerts/$OPEN_ALERT"
    assert_status 200
    assert_json "the open alert is still open" '.data.end_time + .data.close_time' 0
    assert_json "it still counts its event" .data.event_count 1
    assert_json "but lists none" '.data.events | length' 0
    api GET "/alerts/$CLOSED_ALERT"
    assert_status 200 "the closed alert stays (its incident is younger than 180 days)"
    assert_json "its events are gone" '.data.events | length' 0
    api GET "/incidents/$CLOSED_INC"
    assert_status 200 "the closed incident stays until 180 days"
}

test_old_incidents_go()
{
    section "day 181: incidents closed more than 180 days ago go"
    at $((T0 + 181 * DAY))
    wait_for "the old closed incident's row" "SELECT count(*) FROM incidents WHERE id = $CLOSED_INC;" 0
    api GET "/incidents/$CLOSED_INC"
    assert_status 404 "the old closed incident"
    api GET "/alerts/$CLOSED_ALERT"
    assert_status 404 "its alert"
    assert_eq "its timeline" 0 "$(db "SELECT count(*) FROM incident_feed WHERE incident_id = $CLOSED_INC;")"
    assert_eq "its deliveries" 0 "$(db "SELECT count(*) FROM deliveries WHERE incident_id = $CLOSED_INC;")"
    assert_eq "its alerts" 0 "$(db "SELECT count(*) FROM alerts WHERE incident_id = $CLOSED_INC;")"

    section "day 181: open incidents stay, and the one closed on day 31"
    OPEN_INC=$(incident_id_for bulk-1)
    api GET "/incidents/$OPEN_INC"
    assert_status 200 "an open incident of day 0"
    assert_match "it is not closed" '^(Triggered|Processing)$' "$(jb .data.progress)"
    api GET "/alerts/$OPEN_ALERT"
    assert_status 200 "the open alert"
    api GET "/incidents/$NEW_CLOSED_INC"
    assert_status 200 "the incident closed on day 31"
    assert_eq "the bulk alerts stay open" "$BULK" \
        "$(db "SELECT count(*) FROM alerts WHERE alert_key LIKE 'bulk-%' AND end_time = 0 AND close_time = 0;")"
    assert_ne "the open incident keeps its timeline" 0 \
        "$(db "SELECT count(*) FROM incident_feed WHERE incident_id = $OPEN_INC;")"
}

test_restart()
{
    local open
    section "restart: the kept rows load"
    open=$(db 'SELECT count(*) FROM alerts WHERE end_time = 0 AND close_time = 0;')
    stop_server
    restart_server
    api GET "/incidents/$OPEN_INC"
    assert_status 200 "the open incident after a restart"
    assert_eq "the open alerts after a restart" "$open" \
        "$(curl -s "$AH_URL/metrics" | awk '$1 == "alerthub_open_alerts" { print $2 }')"
}

# A retention of an hour: an alert that still merges loses its older events.
test_open_alert_events()
{
    local t=$((T0 + 200 * DAY))
    section "an alert that still merges: its event list starts later"
    stop_server
    restart_server --test-clock on --retention-seconds 3600
    at "$t"
    send Critical "merging" merging one
    at $((t + 2 * 3600))
    send Critical "merging" merging two
    wait_for "the alert's first event" \
        "SELECT count(*) FROM events WHERE alert_id = $ALERT AND received_at < $((t + 3600));" 0
    api GET "/alerts/$ALERT"
    assert_json "it is still open" '.data.end_time + .data.close_time' 0
    assert_json "it counts both events" .data.event_count 2
    assert_json "it lists the newer one" '[.data.events[].description] | join(",")' two
    send Critical "merging" merging three
    assert_eq "it still merges" "$ALERT" "$(alert_id_for merging)"
}

setup
test_old_events_go
test_old_incidents_go
test_restart
test_open_alert_events
finish
