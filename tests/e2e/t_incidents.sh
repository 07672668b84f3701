#!/usr/bin/env bash
# t_incidents.sh - the admin API: incident actions and their 409s, what
# follows a manual resolve, incident lists (filters, pagination), channel and
# integration CRUD, key rotation, push_url, 401 and 404.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 BIN}

INCIDENT_FIELDS='id channel_id title description severity status progress labels alert_count
    active_alert_count event_count start_time last_time ack_time close_time group_key'
ALERT_FIELDS='id incident_id channel_id integration_id alert_key title description severity
    status labels event_count start_time last_time end_time'
EVENT_FIELDS='id alert_id integration_id event_status severity title description labels
    event_time received_at'
CHANNEL_FIELDS='id name description created_at updated_at'
INTEGRATION_FIELDS='id name type channel_id integration_key push_url created_at updated_at
    last_event_at rate_limit_per_sec rate_limit_per_min'

# assert_fields WHAT JQ_PATH FIELDS: the object at JQ_PATH has every field.
assert_fields()
{
    local missing
    missing=$(printf '%s' "$H_BODY" | jq -r --arg f "$3" "($2) as \$o
        | [\$f | splits(\"[[:space:]]+\") | select(. != \"\")
           | . as \$k | select((\$o | type) != \"object\" or (\$o | has(\$k) | not))] | join(\" \")" 2>&1)
    assert_eq "$1 lacks contract fields" "" "$missing"
}

# trigger KEY TITLE SEVERITY [INTEGRATION_KEY]: push; sets INC (its incident).
trigger()
{
    push_std "${4:-$STD_KEY}" "$(jq -nc --arg k "$1" --arg t "$2" --arg s "$3" \
        '{event_status: $s, title_rule: $t, alert_key: $k}')"
    assert_status 200 "push $1"
    INC=$(incident_id_for "$1")
}

# ids: the ids of the last list response, comma-separated.
ids() { jb '[.data.items[].id] | join(",")'; }

setup()
{
    section setup
    new_channel incidents
    CH=$CH_ID
    new_integration std standard "$CH"
    STD_ID=$INT_ID STD_KEY=$INT_KEY
}

test_actions()
{
    local action status expect inc
    trigger act-1 "incident actions" Critical
    inc=$INC
    api GET "/incidents/$inc"
    assert_fields "incident" .data "$INCIDENT_FIELDS"
    assert_json "new incident progress" .data.progress Triggered
    assert_json "new incident ack_time" .data.ack_time 0
    assert_json "new incident close_time" .data.close_time 0
    assert_fields "incident alert" '.data.alerts[0]' "$ALERT_FIELDS"
    # action -> HTTP status, then the progress (200) or error code (409)
    while read -r action status expect; do
        section "incident action $action -> $status $expect"
        api POST "/incidents/$inc/$action"
        assert_status "$status"
        assert_request_id
        if [ "$status" = 200 ]; then
            assert_json "$action answers the incident" .data.id "$inc"
            assert_json "progress after $action" .data.progress "$expect"
            case $expect in
            Processing) assert_json "ack_time set" '(.data.ack_time > 0)' true ;;
            Triggered) assert_json "ack_time cleared" .data.ack_time 0
                       assert_json "close_time cleared" .data.close_time 0 ;;
            Closed) assert_json "close_time set" '(.data.close_time > 0)' true ;;
            esac
        else
            assert_json "$action error.code" .error.code "$expect"
        fi
    done <<'EOF'
ack     200 Processing
ack     200 Processing
unack   200 Triggered
unack   200 Triggered
reopen  409 Conflict
ack     200 Processing
reopen  409 Conflict
resolve 200 Closed
ack     409 Conflict
unack   409 Conflict
resolve 409 Conflict
reopen  200 Triggered
resolve 200 Closed
EOF
    section "a refused action changes nothing"
    api GET "/incidents/$inc"
    assert_json "still Closed" .data.progress Closed

    section "ack keeps the first ack_time"
    trigger act-2 "ack twice" Warning
    api POST "/incidents/$INC/ack"
    local t1
    t1=$(jb .data.ack_time)
    api POST "/incidents/$INC/ack"
    assert_json "second ack leaves ack_time" .data.ack_time "$t1"
}

test_after_resolve()
{
    local alert inc before
    section "after a manual resolve"
    trigger res-1 "resolve me" Critical
    alert=$(alert_id_for res-1)
    inc=$INC
    api POST "/incidents/$inc/resolve"
    assert_status 200
    before=$(db_counts)
    push_std "$STD_KEY" '{"event_status":"Ok","title_rule":"resolve me","alert_key":"res-1"}'
    assert_status 200 "Ok after resolve"
    assert_unchanged_counts "$before"
    trigger res-1 "resolve me" Critical
    assert_ne "same key after resolve opens a new alert" "$alert" "$(alert_id_for res-1)"
    assert_ne "... and a new incident" "$inc" "$INC"
    assert_eq "two alerts for the key" 2 "$(db "SELECT count(*) FROM alerts WHERE alert_key = 'res-1';")"
    api GET "/incidents/$INC"
    assert_json "new incident is Triggered" .data.progress Triggered
    api GET "/incidents/$inc"
    assert_json "old incident stays Closed" .data.progress Closed
    assert_json "old incident keeps one alert" .data.alert_count 1
}

# list QUERY EXPECTED_IDS: GET /incidents?QUERY lists exactly those ids.
list()
{
    section "GET /incidents?$1"
    api GET "/incidents?$1"
    assert_status 200
    assert_eq "ids of /incidents?$1" "$2" "$(ids)"
}

test_filters()
{
    local t0 t1 crit warn info other q
    t0=$(date +%s)
    new_channel filters
    local chf=$CH_ID
    new_integration filters standard "$chf"
    local fkey=$INT_KEY
    trigger f-crit "filter alpha crit" Critical "$fkey"
    crit=$INC
    trigger f-warn "filter beta warn" Warning "$fkey"
    warn=$INC
    trigger f-info "filter gamma info" Info "$fkey"
    info=$INC
    api POST "/incidents/$warn/ack"
    api POST "/incidents/$info/resolve"
    t1=$(date +%s)
    trigger f-other "filter alpha other channel" Critical
    other=$INC

    q="channel_id=$chf"
    while read -r query expected; do
        [ "$query" = - ] && query=
        list "$q${query:+&$query}" "$expected"
    done <<EOF
- $info,$warn,$crit
progress=Triggered $crit
progress=Processing $warn
progress=Closed $info
progress=Triggered,Processing $warn,$crit
severity=Critical $crit
severity=Critical,Warning $warn,$crit
severity=Info $info
q=beta $warn
q=alpha $crit
q=nomatch
progress=Triggered,Processing&severity=Warning $warn
since=$t0&until=$((t1 + 1)) $info,$warn,$crit
since=$((t1 + 100))
until=$((t0 - 100))
EOF
    list "channel_id=$chf&q=alpha" "$crit"
    list "q=filter%20alpha&limit=500" "$other,$crit"
    api GET "/incidents?channel_id=$CH"
    assert_status 200
    assert_eq "other channel excludes these" "" \
        "$(jb "[.data.items[].id | select(. == \"$crit\" or . == \"$warn\" or . == \"$info\")] | join(\",\")")"
    assert_fields "listed incident" '.data.items[0]' "$INCIDENT_FIELDS"
    FILTER_CH=$chf
    FILTER_IDS="$info,$warn,$crit"
}

# follow PATH LIMIT: pages through PATH with limit LIMIT; sets PAGED_IDS,
# PAGES and LAST_CURSOR; asserts every page holds at most LIMIT items.
follow()
{
    local path=$1 limit=$2 cursor='' sep
    PAGED_IDS='' PAGES=0
    case $path in *\?*) sep='&' ;; *) sep='?' ;; esac
    while [ "$PAGES" -lt 100 ]; do
        api GET "$path${sep}limit=$limit${cursor:+&cursor=$(urlenc "$cursor")}"
        assert_status 200
        PAGES=$((PAGES + 1))
        assert_json "page size <= $limit" "(.data.items | length) <= $limit" true
        PAGED_IDS="$PAGED_IDS${PAGED_IDS:+,}$(ids)"
        PAGED_IDS=${PAGED_IDS%,}
        cursor=$(jb '.data.next_cursor // empty')
        [ -n "$cursor" ] || break
    done
    LAST_CURSOR=$(jb .data.next_cursor)
}

test_pagination()
{
    local path value
    section "pagination limit=1"
    follow "/incidents?channel_id=$FILTER_CH" 1
    assert_eq "pages together list every incident once, in order" "$FILTER_IDS" "$PAGED_IDS"
    assert_eq "last page's next_cursor" null "$LAST_CURSOR"
    assert_match "at least one page per incident" '^[34]$' "$PAGES"
    api GET "/incidents?channel_id=$FILTER_CH&limit=2"
    assert_json "first page of 2 has a cursor" '.data.next_cursor | type' string

    section "pagination of events"
    api GET "/events?integration_id=$STD_ID"
    local all
    all=$(ids)
    follow "/events?integration_id=$STD_ID" 2
    assert_eq "paged events equal the default page" "$all" "$PAGED_IDS"

    for path in /incidents /channels /integrations /events; do
        for value in 0 501 abc -1; do
            section "GET $path?limit=$value"
            api GET "$path?limit=$value"
            assert_code 400 InvalidParameter
            assert_request_id
        done
        api GET "$path?limit=500"
        assert_status 200
        assert_json "$path list envelope" '(.data.items | type) + " " + (.data | has("next_cursor") | tostring)' "array true"
    done
}

test_alerts_and_events()
{
    local alert t_future
    section "GET /alerts/{id} and /events"
    alert=$(alert_id_for act-1)
    api GET "/alerts/$alert"
    assert_status 200
    assert_fields "alert" .data "$ALERT_FIELDS"
    assert_json "alert key" .data.alert_key act-1
    assert_json "alert integration" .data.integration_id "$STD_ID"
    assert_fields "alert event" '.data.events[0]' "$EVENT_FIELDS"
    api GET "/events?integration_id=$STD_ID"
    assert_status 200
    assert_fields "listed event" '.data.items[0]' "$EVENT_FIELDS"
    assert_json "events filtered by integration" "[.data.items[].integration_id] | unique | join(\",\")" "$STD_ID"
    assert_json "events newest first" '[.data.items[].id | tonumber] | . == (sort | reverse)' true
    t_future=$(($(date +%s) + 3600))
    api GET "/events?integration_id=$STD_ID&since=$t_future"
    assert_json "no events since the future" '.data.items | length' 0
}

test_auth()
{
    local method path auth
    for path in "GET /channels" "POST /channels" "GET /integrations" "GET /incidents" \
        "GET /incidents/1" "POST /incidents/1/ack" "GET /alerts/1" "GET /events" \
        "DELETE /channels/$CH" "POST /integrations/$STD_ID/rotate-key"; do
        for auth in "" "Bearer wrong-token" "Basic $(printf 'admin:%s' "$AH_TOKEN" | base64)" \
            "$AH_TOKEN" "Bearer ${AH_TOKEN}x"; do
            section "401: $path with '${auth:0:12}'"
            local before
            before=$(db "SELECT count(*) FROM channels;")
            method=${path%% *}
            local hdr=()
            [ -n "$auth" ] && hdr=(-H "Authorization: $auth")
            http "$method" "$AH_URL/api/v1${path#* }" "${hdr[@]}" \
                -H 'Content-Type: application/json' --data-binary '{"name":"unauthorized"}'
            assert_code 401 Unauthorized
            assert_request_id
            assert_eq "nothing created or deleted" "$before" "$(db "SELECT count(*) FROM channels;")"
        done
    done
    api GET "/integrations/$STD_ID"
    assert_json "key not rotated by refused requests" .data.integration_key "$STD_KEY"
}

test_not_found()
{
    local method path
    while read -r method path; do
        section "404: $method $path"
        api "$method" "$path" '{"name":"x"}'
        assert_code 404 ResourceNotFound
        assert_request_id
    done <<'EOF'
GET /channels/999999
PATCH /channels/999999
DELETE /channels/999999
GET /integrations/999999
PATCH /integrations/999999
DELETE /integrations/999999
POST /integrations/999999/rotate-key
GET /incidents/999999
POST /incidents/999999/ack
POST /incidents/999999/unack
POST /incidents/999999/resolve
POST /incidents/999999/reopen
GET /alerts/999999
EOF
    section "404: unknown admin path"
    api GET /nope
    assert_status 404
    assert_request_id
}

test_channels()
{
    local id body name
    section "channel create"
    api POST /channels '{"name":"crud-a","description":"first"}'
    assert_status 201
    assert_request_id
    assert_fields "channel" .data "$CHANNEL_FIELDS"
    id=$(jb .data.id)
    assert_json "name" .data.name crud-a
    assert_json "description" .data.description first
    assert_json "created_at" '(.data.created_at > 0)' true

    section "channel duplicate name"
    local before
    before=$(db "SELECT count(*) FROM channels;")
    api POST /channels '{"name":"crud-a"}'
    assert_code 409 Conflict
    assert_eq "no second channel" "$before" "$(db "SELECT count(*) FROM channels;")"

    while IFS='|' read -r name body; do
        section "channel invalid: $name"
        api POST /channels "$body"
        assert_code 400 InvalidParameter
        assert_eq "nothing created" "$before" "$(db "SELECT count(*) FROM channels;")"
    done <<EOF
empty name|{"name":""}
60-char name|{"name":"$(printf 'n%.0s' $(seq 60))"}
missing name|{"description":"x"}
name not a string|{"name":5}
malformed JSON|{"name":
EOF
    section "channel 59-char name"
    api POST /channels "{\"name\":\"$(printf 'n%.0s' $(seq 59))\"}"
    assert_status 201

    section "channel get, patch, list"
    api GET "/channels/$id"
    assert_status 200
    assert_json "get name" .data.name crud-a
    api PATCH "/channels/$id" '{"description":"second"}'
    assert_status 200
    assert_json "patched description" .data.description second
    assert_json "name unchanged by patch" .data.name crud-a
    api PATCH "/channels/$id" '{"name":"incidents"}'
    assert_code 409 Conflict
    api PATCH "/channels/$id" '{"name":"crud-b"}'
    assert_status 200
    assert_json "renamed" .data.name crud-b
    api GET "/channels?limit=500"
    assert_json "list has the channel" "[.data.items[] | select(.id == \"$id\") | .name] | join(\",\")" crud-b
    assert_fields "listed channel" '.data.items[0]' "$CHANNEL_FIELDS"

    section "channel delete"
    new_integration uses-crud standard "$id"
    local intg=$INT_ID
    api DELETE "/channels/$id"
    assert_code 409 ReferenceExist
    api GET "/channels/$id"
    assert_status 200 "channel kept after refused delete"
    api DELETE "/integrations/$intg"
    assert_status 200
    api DELETE "/channels/$id"
    assert_status 200
    api GET "/channels/$id"
    assert_code 404 ResourceNotFound
}

test_integrations()
{
    local id key type path old new before
    while read -r type path; do
        section "integration create $type"
        api POST /integrations "{\"name\":\"crud-$type\",\"type\":\"$type\",\"channel_id\":\"$CH\"}"
        assert_status 201
        assert_request_id
        assert_fields "integration" .data "$INTEGRATION_FIELDS"
        key=$(jb .data.integration_key)
        assert_match "integration_key has >= 128 bits" '^[0-9A-Za-z_-]{32,}$' "$key"
        assert_json "push_url" .data.push_url "$AH_PUBLIC_URL/event/push/alert/$path?integration_key=$key"
        assert_json "type" .data.type "$type"
        assert_json "channel_id" .data.channel_id "$CH"
        assert_json "last_event_at" .data.last_event_at null
        assert_json "default rate limits" '"\(.data.rate_limit_per_sec)/\(.data.rate_limit_per_min)"' 100/1000
        assert_ne "keys differ between integrations" "$STD_KEY" "$key"
    done <<'EOF'
standard standard
volcengine_rtc volcengine/rtc
EOF
    section "integration create shared"
    api POST /integrations '{"name":"crud-shared","type":"standard","rate_limit_per_sec":7,"rate_limit_per_min":70}'
    assert_status 201
    assert_json "shared channel_id" .data.channel_id null
    assert_json "rate limits at create" '"\(.data.rate_limit_per_sec)/\(.data.rate_limit_per_min)"' 7/70

    before=$(db "SELECT count(*) FROM integrations;")
    while IFS='|' read -r name body; do
        section "integration invalid: $name"
        api POST /integrations "$body"
        assert_status 400
        assert_json "error.code" .error.code InvalidParameter
        assert_eq "nothing created" "$before" "$(db "SELECT count(*) FROM integrations;")"
    done <<EOF
unknown type|{"name":"x","type":"nope"}
missing type|{"name":"x"}
missing name|{"type":"standard"}
negative rate limit|{"name":"x","type":"standard","rate_limit_per_sec":-1}
EOF
    section "integration with an unknown channel"
    api POST /integrations '{"name":"x","type":"standard","channel_id":"999999"}'
    assert_match "refused" '^40[04]$' "$H_STATUS"
    assert_eq "nothing created" "$before" "$(db "SELECT count(*) FROM integrations;")"

    section "integration patch, list"
    new_integration crud-patch standard "$CH"
    id=$INT_ID old=$INT_KEY
    api PATCH "/integrations/$id" '{"name":"renamed","rate_limit_per_sec":5,"rate_limit_per_min":50}'
    assert_status 200
    assert_json "renamed" .data.name renamed
    assert_json "rate limits patched" '"\(.data.rate_limit_per_sec)/\(.data.rate_limit_per_min)"' 5/50
    assert_json "key unchanged by patch" .data.integration_key "$old"
    api GET "/integrations?limit=500"
    assert_json "list has it" "[.data.items[] | select(.id == \"$id\") | .name] | join(\",\")" renamed

    section "rotate-key"
    api POST "/integrations/$id/rotate-key"
    assert_status 200
    new=$(jb .data.integration_key)
    assert_ne "new key" "$old" "$new"
    assert_json "push_url has the new key" .data.push_url \
        "$AH_PUBLIC_URL/event/push/alert/standard?integration_key=$new"
    push_std "$old" '{"event_status":"Info","title_rule":"rotated","alert_key":"rot-1"}'
    assert_code 400 InvalidParameter
    push_std "$new" '{"event_status":"Info","title_rule":"rotated","alert_key":"rot-1"}'
    assert_status 200 "push with the new key"
    api GET "/integrations/$id"
    assert_json "GET shows the new key" .data.integration_key "$new"

    section "integration delete"
    api DELETE "/integrations/$id"
    assert_status 200
    api GET "/integrations/$id"
    assert_code 404 ResourceNotFound
    push_std "$new" '{"event_status":"Info","title_rule":"deleted","alert_key":"rot-2"}'
    assert_code 400 InvalidParameter
}

start_server "$BIN"
setup
test_actions
test_after_resolve
test_filters
test_pagination
test_alerts_and_events
test_auth
test_not_found
test_channels
test_integrations
stop_server
finish
