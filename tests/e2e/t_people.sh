#!/usr/bin/env bash
# t_people.sh - members and notify targets (api.md section 6; docs/api.md
# section 2.8): create, get, list with paging, PATCH (fields given replace),
# delete; every refusal answers 400 InvalidParameter naming the field and
# stores nothing (the tables are compared row by row); duplicate names 409
# Conflict; unknown ids 404; wrong methods 405; a target's secret is never
# answered (every body is searched for it) while the table keeps it, a
# PATCH keeps it unless it gives a new one or "" (cleared); channel_ids must
# name channels and the target_channels rows follow them; a member or target
# named by a channel's escalation rules cannot be deleted (409
# ReferenceExist naming the channel, nothing deleted) until the rules stop
# naming it.
# shellcheck disable=SC2119 # stop_server and restart_server without arguments
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 BIN}

# ---- helpers -----------------------------------------------------------------

is() { assert_eq "$3" "$2" "$1"; }
has() { assert_contains "$3" "$2" "$1"; }

SECRET=sEcReT-e2e-7c41d09b
SECRET2=sEcReT-e2e-other-55aa

# snapshot: every stored row of the three tables, to prove a refusal stored
# nothing.
snapshot()
{
    db "SELECT 'm', id, name, ifnull(email, '~'), ifnull(phone, '~'), ifnull(timezone, '~'),
               contacts, updated_at FROM members ORDER BY id;
        SELECT 't', id, name, kind, settings, channel_ids, ifnull(event_types, '~'), updated_at
          FROM notify_targets ORDER BY id;
        SELECT 'c', target_id, channel_id FROM target_channels ORDER BY target_id, channel_id;"
}

# refuse METHOD PATH BODY FIELD: 400 InvalidParameter whose message names
# FIELD, and nothing stored.
refuse()
{
    local before
    before=$(snapshot)
    api "$1" "$2" "$3"
    assert_code 400 InvalidParameter
    has "$(jb .error.message)" "$4" "the message names $4"
    is "$(snapshot)" "$before" "nothing stored after the refused $1 $2 ($4)"
    no_secret
}

# no_secret: the last answer shows no secret, neither a value nor a key.
no_secret()
{
    case $H_BODY in
    *"$SECRET"* | *"$SECRET2"* | *'"secret"'*) fail "$H_DESC answered a secret: $H_BODY" ;;
    *) pass ;;
    esac
}

# settings_of TARGET_ID: the stored settings column (keys sorted).
settings_of() { db "SELECT settings FROM notify_targets WHERE id = $1;" | jq -cS .; }
# channels_of TARGET_ID: its target_channels rows, "a,b" by channel id.
channels_of() { db "SELECT group_concat(channel_id, ',') FROM (SELECT channel_id FROM target_channels WHERE target_id = $1 ORDER BY channel_id) AS c;"; }
count() { db "SELECT count(*) FROM $1;"; }

# member JSON: POST a member; expects 201; sets MID.
member()
{
    api POST /members "$1"
    assert_status 201 "create member $1"
    MID=$(jb .data.id)
}

# target JSON: POST a target; expects 201; sets TID.
target()
{
    api POST /notify-targets "$1"
    assert_status 201 "create target $1"
    no_secret
    TID=$(jb .data.id)
}

# long N [CHAR]: a string of N characters.
long() { printf "%${1}s" '' | sed "s/ /${2:-x}/g"; }

start_server "$BIN"
new_channel people-a
CH1=$CH_ID
new_channel people-b
CH2=$CH_ID
new_channel people-c
CH3=$CH_ID

# ---- members: create, get, patch ------------------------------------------------
section "member create"
member '{"name": "Alice", "email": "alice@example.com", "phone": "+1 (555) 010-9999",
         "timezone": "Asia/Shanghai",
         "contacts": [{"kind": "email", "address": "alice.pager@example.com"},
                      {"kind": "webhook", "address": "https://ntfy.example.com/alice?x=1"}]}'
ALICE=$MID
assert_match "the id is a string of digits" '^[1-9][0-9]*$' "$ALICE"
is "$(jb '.data.id | type')" string "ids are strings"
is "$(jb '.data | keys | join(",")')" \
    contacts,created_at,email,id,name,phone,timezone,updated_at "the member's fields"
is "$(jb '.data.email')" alice@example.com "email"
is "$(jb '.data.phone')" "+1 (555) 010-9999" "phone"
is "$(jb '.data.timezone')" Asia/Shanghai "timezone"
is "$(jb '.data.contacts | tojson')" \
    '[{"kind":"email","address":"alice.pager@example.com"},{"kind":"webhook","address":"https://ntfy.example.com/alice?x=1"}]' \
    "contacts as given"
assert_match "created_at is a time" '^[0-9]{10}$' "$(jb .data.created_at)"
is "$(db "SELECT name || '|' || email || '|' || timezone FROM members WHERE id = $ALICE;")" \
    "Alice|alice@example.com|Asia/Shanghai" "the row is stored"

member '{"name": "Bob"}'
BOB=$MID
is "$(jb '[.data.email, .data.phone, .data.timezone] | tojson')" '[null,null,null]' \
    "unset fields are null"
is "$(jb '.data.contacts | tojson')" '[]' "no contacts: []"
member '{"name": "Carol", "email": null, "contacts": null, "timezone": "UTC", "phone": "12345"}'
CAROL=$MID
is "$(jb '[.data.email, .data.timezone, (.data.contacts | length)] | tojson')" '[null,"UTC",0]' \
    "null fields are unset"
member "{\"name\": \"$(long 100 é)\"}"
is "$(jb '.data.name | length')" 100 "a name of 100 characters (200 bytes) is accepted"
member "{\"name\": \"Dan\", \"email\": \"$(long 242)@example.com\",
         \"contacts\": [{\"kind\": \"webhook\", \"address\": \"http://h.example/$(long 2031)\"}]}"
is "$(jb '.data.email | length')" 254 "an email of 254 bytes is accepted"
is "$(jb '.data.contacts[0].address | length')" 2048 "a URL of 2048 bytes is accepted"
DAN=$MID
member "$(jq -nc '{name: "Erin", contacts: [range(10) | {kind: "email", address: "e\(.)@x.example"}]}')"
is "$(jb '.data.contacts | length')" 10 "10 contacts are accepted"
ERIN=$MID

section "member get and patch"
api GET "/members/$ALICE"
assert_status 200
is "$(jb '.data.name')" Alice "GET answers the member"
CREATED=$(jb .data.created_at)
api PATCH "/members/$ALICE" '{"email": "alice@corp.example"}'
assert_status 200 "PATCH email"
is "$(jb '.data.email')" alice@corp.example "the email is replaced"
is "$(jb '[.data.name, .data.phone, .data.timezone, (.data.contacts | length)] | tojson')" \
    '["Alice","+1 (555) 010-9999","Asia/Shanghai",2]' "the other fields are kept"
is "$(jb .data.created_at)" "$CREATED" "created_at is kept"
api PATCH "/members/$ALICE" '{"phone": null, "contacts": [{"kind": "webhook", "address": "http://10.0.0.1:8080/hook"}]}'
assert_status 200 "PATCH phone null and contacts"
is "$(jb '.data.phone')" null "phone null unsets it"
is "$(jb '.data.contacts | tojson')" '[{"kind":"webhook","address":"http://10.0.0.1:8080/hook"}]' \
    "contacts are replaced as a whole"
is "$(db "SELECT ifnull(phone, 'NULL') || ' ' || contacts FROM members WHERE id = $ALICE;")" \
    'NULL [{"kind":"webhook","address":"http://10.0.0.1:8080/hook"}]' "the row follows the PATCH"
api PATCH "/members/$ALICE" '{"name": "Alice Liddell", "timezone": "Europe/Berlin"}'
assert_status 200 "rename"
is "$(jb '[.data.name, .data.timezone, .data.email] | tojson')" \
    '["Alice Liddell","Europe/Berlin","alice@corp.example"]' "rename and timezone"
api PATCH "/members/$ALICE" '{}'
assert_status 200 "an empty PATCH"
is "$(jb '.data.name')" "Alice Liddell" "an empty PATCH changes nothing"
api GET "/members/$ALICE"
is "$(jb '[.data.name, .data.timezone] | tojson')" '["Alice Liddell","Europe/Berlin"]' \
    "a GET sees the PATCH"

# ---- members: refusals -----------------------------------------------------------
section "member refusals"
refuse POST /members '{"email": "x@example.com"}' name
refuse POST /members '{"name": ""}' name
refuse POST /members '{"name": null}' name
refuse POST /members '{"name": 42}' name
refuse POST /members "{\"name\": \"$(long 101)\"}" name
refuse POST /members "{\"name\": \"$(long 101 é)\"}" name
for e in '"no-at-sign"' '"a@b@example.com"' '"a b@example.com"' '"a@example.com\r\nBcc: x@y"' \
    '"a@exa\nmple.com"' '"a@exa\tmple.com"' '"@example.com"' '"alice@"' '""' '42' '["a@b.c"]' \
    "\"$(long 243)@example.com\""; do
    refuse POST /members "{\"name\": \"Zed\", \"email\": $e}" email
done
for p in '"call me"' '"+1 555 010 9999 ext. 12"' '"123456789012345678901234567890123"' '""' \
    '"()-"' '5550100' '"555\n0100"'; do
    refuse POST /members "{\"name\": \"Zed\", \"phone\": $p}" phone
done
for z in '"Mars/Olympus_Mons"' '"../../etc/passwd"' '"Asia/"' '"asia/shanghai"' '""' '8' \
    '"Europe/Berlin "'; do
    refuse POST /members "{\"name\": \"Zed\", \"timezone\": $z}" timezone
done
refuse POST /members '{"name": "Zed", "contacts": {"kind": "email", "address": "a@b.c"}}' contacts
refuse POST /members '{"name": "Zed", "contacts": "a@b.c"}' contacts
refuse POST /members "$(jq -nc '{name: "Zed", contacts: [range(11) | {kind: "email", address: "e\(.)@x.example"}]}')" contacts
refuse POST /members '{"name": "Zed", "contacts": ["a@b.c"]}' 'contacts[0]'
refuse POST /members '{"name": "Zed", "contacts": [{"kind": "email", "address": "a@b.c"}, {"kind": "sms", "address": "123"}]}' 'contacts[1].kind'
refuse POST /members '{"name": "Zed", "contacts": [{"address": "a@b.c"}]}' 'contacts[0].kind'
refuse POST /members '{"name": "Zed", "contacts": [{"kind": "email"}]}' 'contacts[0].address'
refuse POST /members '{"name": "Zed", "contacts": [{"kind": "email", "address": "not an address"}]}' 'contacts[0].address'
refuse POST /members '{"name": "Zed", "contacts": [{"kind": "email", "address": "https://x.example/"}]}' 'contacts[0].address'
for u in '"ftp://files.example/hook"' '"https://"' '"http:///path"' '"http://:8080/x"' \
    '"http://user@/x"' '"https://ho st.example/"' '"https://host.example/a b"' \
    '"https://host.example:0/"' '"https://host.example:99999/"' '"https://host.example:/"' \
    '"http://[::1/x"' '"mailto:a@b.c"' '"host.example/hook"' '""' \
    "\"http://h.example/$(long 2032)\""; do
    refuse POST /members "{\"name\": \"Zed\", \"contacts\": [{\"kind\": \"webhook\", \"address\": $u}]}" \
        'contacts[0].address'
done
refuse POST /members '{"name": "Zed", "contacts": [{"kind": "email", "address": "a@b.c", "label": "x"}]}' \
    'contacts[0].label'
refuse POST /members '{"name": "Zed", "nickname": "z"}' nickname
refuse POST /members '{"name": "Zed", "id": "5"}' '"id"'
refuse POST /members '[{"name": "Zed"}]' 'JSON object'
refuse POST /members '{"name": "Zed"' 'not valid JSON'
is "$(count 'members WHERE name = '"'Zed'")" 0 "no refused member was stored"
# The same checks on PATCH, and the member stays as it was.
refuse PATCH "/members/$BOB" '{"name": ""}' name
refuse PATCH "/members/$BOB" '{"name": null}' name
refuse PATCH "/members/$BOB" '{"email": "bob at example.com"}' email
refuse PATCH "/members/$BOB" '{"email": "bob@example.com", "phone": "x"}' phone
refuse PATCH "/members/$BOB" '{"timezone": "Nowhere/City"}' timezone
refuse PATCH "/members/$BOB" '{"contacts": [{"kind": "webhook", "address": "gopher://x"}]}' 'contacts[0].address'
refuse PATCH "/members/$BOB" '{"created_at": 1}' created_at
api GET "/members/$BOB"
is "$(jb '[.data.name, .data.email, .data.phone] | tojson')" '["Bob",null,null]' "Bob is unchanged"

section "member names, ids, methods"
before=$(snapshot)
api POST /members '{"name": "Bob", "email": "other-bob@example.com"}'
assert_code 409 Conflict
has "$(jb .error.message)" Bob "the conflict names the name"
api PATCH "/members/$CAROL" '{"name": "Bob"}'
assert_code 409 Conflict
is "$(snapshot)" "$before" "a duplicate name stores nothing"
api POST /members '{"name": "bob"}'
assert_status 201 "names are case-sensitive"
api DELETE "/members/$(jb .data.id)"
assert_status 200
for m in GET PATCH DELETE; do
    api "$m" /members/999999 '{"name": "Nobody"}'
    assert_code 404 ResourceNotFound
done
api GET /members/abc
assert_code 404 ResourceNotFound
api GET /members/0
assert_code 404 ResourceNotFound
api GET "/members/$ALICE/contacts"
assert_code 404 RouteNotFound
api PUT "/members/$ALICE" '{"name": "Alice"}'
assert_code 405 MethodNotAllowed
api POST "/members/$ALICE" '{"name": "Alice"}'
assert_code 405 MethodNotAllowed
api DELETE /members
assert_code 405 MethodNotAllowed
api PATCH /members '{"name": "x"}'
assert_code 405 MethodNotAllowed
http GET "$AH_URL/api/v1/members"
assert_code 401 Unauthorized
is "$(snapshot)" "$before" "404s and 405s store nothing"

# ---- notify targets: create, secrets ---------------------------------------------
section "target create"
target "{\"name\": \"ops-slack\", \"kind\": \"slack\",
         \"settings\": {\"url\": \"https://hooks.slack.example/services/T0/B0/x\", \"secret\": \"$SECRET\"},
         \"channel_ids\": [\"$CH1\", $CH2], \"event_types\": [\"i_new\", \"i_esc\", \"i_rslv\"]}"
SLACK=$TID
is "$(jb '.data | keys | join(",")')" \
    channel_ids,created_at,event_types,id,kind,name,settings,updated_at "the target's fields"
is "$(jb '.data.settings | tojson')" \
    '{"url":"https://hooks.slack.example/services/T0/B0/x","has_secret":true}' \
    "settings answer {url, has_secret}"
is "$(jb '.data.channel_ids | tojson')" "[\"$CH1\",\"$CH2\"]" "channel ids answered as strings"
is "$(jb '.data.event_types | tojson')" '["i_new","i_esc","i_rslv"]' "event_types as given"
is "$(settings_of "$SLACK")" \
    "{\"secret\":\"$SECRET\",\"url\":\"https://hooks.slack.example/services/T0/B0/x\"}" \
    "the table keeps the secret"
is "$(channels_of "$SLACK")" "$(printf '%s\n' "$CH1" "$CH2" | sort -n | paste -sd,)" \
    "a target_channels row per channel"

target '{"name": "generic", "kind": "webhook", "settings": {"url": "http://receiver.example:9000/in"}}'
HOOK=$TID
is "$(jb '.data.settings.has_secret')" false "no secret: has_secret false"
is "$(jb '.data.event_types')" null "no event_types: null (every event)"
is "$(jb '.data.channel_ids | tojson')" '[]' "no channel_ids: []"
is "$(channels_of "$HOOK")" "" "no target_channels rows"
for k in feishu dingtalk wecom; do
    target "{\"name\": \"bot-$k\", \"kind\": \"$k\", \"settings\": {\"url\": \"https://$k.example/hook\", \"secret\": \"\"},
             \"event_types\": null, \"channel_ids\": null}"
    is "$(jb '[.data.kind, .data.settings.has_secret, .data.event_types] | tojson')" \
        "[\"$k\",false,null]" "kind $k; an empty secret is no secret"
    is "$(settings_of "$TID")" "{\"url\":\"https://$k.example/hook\"}" "no secret stored for $k"
done
target "{\"name\": \"all-events\", \"kind\": \"webhook\", \"settings\": {\"url\": \"https://[2001:db8::1]:8443/x\", \"secret\": \"$(long 256)\"},
         \"event_types\": [\"i_new\",\"i_assign\",\"i_esc\",\"i_ack\",\"i_unack\",\"i_snooze\",\"i_wake\",\"i_rslv\",\"i_reopen\",\"i_storm\",\"i_merge\"],
         \"channel_ids\": [$CH3]}"
is "$(jb '.data.event_types | length')" 11 "every event type is known"
is "$(jb '.data.settings.has_secret')" true "a secret of 256 bytes is accepted"
ALL=$TID
target "{\"name\": \"wide-secret\", \"kind\": \"webhook\", \"settings\": {\"url\": \"https://x.example/\", \"secret\": \"$(long 128 é)\"}}"
is "$(jb '.data.settings.has_secret')" true "a secret of 128 two-byte characters (256 bytes) is accepted"
WIDE=$TID

section "target secrets"
api GET "/notify-targets/$SLACK"
assert_status 200
no_secret
is "$(jb '.data.settings | tojson')" \
    '{"url":"https://hooks.slack.example/services/T0/B0/x","has_secret":true}' "GET: settings without the secret"
api GET /notify-targets
assert_status 200
no_secret
api GET "/notify-targets?limit=500"
no_secret
is "$(jb '[.data.items[] | select(.settings | has("secret"))] | length')" 0 "no listed target has a secret"
api PATCH "/notify-targets/$SLACK" '{"name": "ops-slack-2"}'
assert_status 200 "PATCH the name"
no_secret
is "$(jb '.data.settings.has_secret')" true "has_secret after a PATCH without settings"
is "$(settings_of "$SLACK")" \
    "{\"secret\":\"$SECRET\",\"url\":\"https://hooks.slack.example/services/T0/B0/x\"}" \
    "a PATCH without settings keeps the secret"
api PATCH "/notify-targets/$SLACK" '{"settings": {"url": "https://hooks.slack.example/services/T0/B0/y"}}'
assert_status 200 "PATCH settings without a secret"
no_secret
is "$(jb '.data.settings | tojson')" \
    '{"url":"https://hooks.slack.example/services/T0/B0/y","has_secret":true}' "the url is replaced"
is "$(settings_of "$SLACK")" \
    "{\"secret\":\"$SECRET\",\"url\":\"https://hooks.slack.example/services/T0/B0/y\"}" \
    "settings without a secret keep the stored secret"
api PATCH "/notify-targets/$SLACK" "{\"settings\": {\"url\": \"https://hooks.slack.example/services/T0/B0/y\", \"secret\": \"$SECRET2\"}}"
assert_status 200 "PATCH a new secret"
no_secret
is "$(settings_of "$SLACK")" \
    "{\"secret\":\"$SECRET2\",\"url\":\"https://hooks.slack.example/services/T0/B0/y\"}" \
    "a new secret replaces the old"
api PATCH "/notify-targets/$SLACK" '{"settings": {"url": "https://hooks.slack.example/services/T0/B0/y", "secret": ""}}'
assert_status 200 "PATCH secret \"\""
no_secret
is "$(jb '.data.settings.has_secret')" false "an empty secret clears it"
is "$(settings_of "$SLACK")" '{"url":"https://hooks.slack.example/services/T0/B0/y"}' \
    "the table no longer holds a secret"
api PATCH "/notify-targets/$SLACK" "{\"settings\": {\"url\": \"https://hooks.slack.example/services/T0/B0/y\", \"secret\": \"$SECRET\"}}"
assert_status 200
api PATCH "/notify-targets/$SLACK" '{"settings": {"url": "https://hooks.slack.example/services/T0/B0/y", "secret": null}}'
assert_status 200 "PATCH secret null"
no_secret
is "$(settings_of "$SLACK")" '{"url":"https://hooks.slack.example/services/T0/B0/y"}' \
    "a null secret clears it too"
api PATCH "/notify-targets/$SLACK" "{\"settings\": {\"url\": \"https://hooks.slack.example/services/T0/B0/y\", \"secret\": \"$SECRET\"}}"
no_secret
is "$(settings_of "$SLACK")" \
    "{\"secret\":\"$SECRET\",\"url\":\"https://hooks.slack.example/services/T0/B0/y\"}" \
    "a secret can be set again"
api PATCH "/notify-targets/$SLACK" '{"kind": "webhook", "event_types": null}'
assert_status 200 "PATCH kind and event_types"
no_secret
is "$(jb '[.data.kind, .data.event_types, .data.settings.has_secret] | tojson')" '["webhook",null,true]' \
    "kind replaced, event_types back to every event, secret kept"
api PATCH "/notify-targets/$SLACK" '{"kind": "slack", "event_types": ["i_ack"]}'
assert_status 200
is "$(jb '.data.event_types | tojson')" '["i_ack"]' "event_types replaced"
api PATCH "/notify-targets/$SLACK" '{"event_types": []}'
assert_status 200
is "$(jb '.data.event_types | tojson')" '[]' "event_types [] (no subscribed event) is kept as []"

# ---- notify targets: channels ---------------------------------------------------
section "target channels"
api PATCH "/notify-targets/$HOOK" "{\"channel_ids\": [$CH3, \"$CH1\"]}"
assert_status 200 "PATCH channel_ids"
is "$(jb '.data.channel_ids | tojson')" "[\"$CH3\",\"$CH1\"]" "channel_ids in the order given"
is "$(channels_of "$HOOK")" "$(printf '%s\n' "$CH1" "$CH3" | sort -n | paste -sd,)" "rows follow: two channels"
api PATCH "/notify-targets/$HOOK" "{\"channel_ids\": [\"$CH2\"]}"
assert_status 200
is "$(channels_of "$HOOK")" "$CH2" "rows follow: one other channel"
api PATCH "/notify-targets/$HOOK" '{"name": "generic-2"}'
is "$(channels_of "$HOOK")" "$CH2" "a PATCH without channel_ids keeps the rows"
api PATCH "/notify-targets/$HOOK" '{"channel_ids": []}'
assert_status 200
is "$(channels_of "$HOOK")" "" "rows follow: none"
api PATCH "/notify-targets/$HOOK" "{\"channel_ids\": [$CH1]}"
api PATCH "/notify-targets/$HOOK" '{"channel_ids": null}'
assert_status 200
is "$(jb '.data.channel_ids | tojson')" '[]' "channel_ids null is []"
is "$(channels_of "$HOOK")" "" "rows follow null"
refuse POST /notify-targets '{"name": "ghost", "kind": "webhook", "settings": {"url": "https://x.example/"}, "channel_ids": ["999999"]}' \
    'channel_ids[0]'
has "$(jb .error.message)" 999999 "the message names the missing channel"
refuse POST /notify-targets "{\"name\": \"ghost\", \"kind\": \"webhook\", \"settings\": {\"url\": \"https://x.example/\"}, \"channel_ids\": [$CH1, 999998]}" \
    'channel_ids[1]'
api PATCH "/notify-targets/$HOOK" "{\"channel_ids\": [$CH2]}"
assert_status 200
refuse PATCH "/notify-targets/$HOOK" "{\"channel_ids\": [$CH1, 424242]}" 'channel_ids[1]'
is "$(channels_of "$HOOK")" "$CH2" "a refused PATCH keeps the rows"

# ---- notify targets: refusals ------------------------------------------------------
section "target refusals"
ok_settings='"settings": {"url": "https://hooks.example/x"}'
refuse POST /notify-targets "{\"kind\": \"webhook\", $ok_settings}" name
refuse POST /notify-targets "{\"name\": \"\", \"kind\": \"webhook\", $ok_settings}" name
refuse POST /notify-targets "{\"name\": \"$(long 101)\", \"kind\": \"webhook\", $ok_settings}" name
refuse POST /notify-targets "{\"name\": \"t\", $ok_settings}" kind
for k in '"email"' '"teams"' '"Slack"' '""' 'null' '3'; do
    refuse POST /notify-targets "{\"name\": \"t\", \"kind\": $k, $ok_settings}" kind
done
refuse POST /notify-targets '{"name": "t", "kind": "webhook"}' settings
refuse POST /notify-targets '{"name": "t", "kind": "webhook", "settings": null}' settings
refuse POST /notify-targets '{"name": "t", "kind": "webhook", "settings": "https://x.example/"}' settings
refuse POST /notify-targets '{"name": "t", "kind": "webhook", "settings": {}}' settings.url
refuse POST /notify-targets '{"name": "t", "kind": "webhook", "settings": {"secret": "s"}}' settings.url
for u in '"ftp://files.example/hook"' '"https://"' '"http:///path"' '"http://:8080/x"' \
    '"https://ho st.example/"' '"https://host.example/\n"' '"https://host.example:65536/"' \
    '"//host.example/x"' '"javascript:alert(1)"' '""' '42' \
    "\"https://h.example/$(long 2031)\""; do
    refuse POST /notify-targets "{\"name\": \"t\", \"kind\": \"webhook\", \"settings\": {\"url\": $u}}" \
        "settings.url must be an http or https URL"
done
refuse POST /notify-targets '{"name": "t", "kind": "webhook", "settings": {"url": "https://x.example/", "token": "a"}}' \
    settings.token
refuse POST /notify-targets "{\"name\": \"t\", \"kind\": \"webhook\", \"settings\": {\"url\": \"https://x.example/\", \"secret\": \"$(long 257)\"}}" \
    settings.secret
refuse POST /notify-targets "{\"name\": \"t\", \"kind\": \"webhook\", \"settings\": {\"url\": \"https://x.example/\", \"secret\": \"$(long 129 é)\"}}" \
    settings.secret
refuse POST /notify-targets '{"name": "t", "kind": "webhook", "settings": {"url": "https://x.example/", "secret": 12345}}' \
    settings.secret
refuse POST /notify-targets "{\"name\": \"t\", \"kind\": \"webhook\", $ok_settings, \"channel_ids\": \"$CH1\"}" channel_ids
refuse POST /notify-targets "$(jq -nc --argjson s "{$ok_settings}" '{name: "t", kind: "webhook", channel_ids: [range(1; 52)]} + $s')" channel_ids
refuse POST /notify-targets "{\"name\": \"t\", \"kind\": \"webhook\", $ok_settings, \"channel_ids\": [\"$CH1\", $CH1]}" 'channel_ids[1]'
for c in '"abc"' '0' '-1' '1.5' '"01"' '""' 'null' 'true' '{"id": 1}'; do
    refuse POST /notify-targets "{\"name\": \"t\", \"kind\": \"webhook\", $ok_settings, \"channel_ids\": [$CH1, $c]}" 'channel_ids[1]'
done
refuse POST /notify-targets "{\"name\": \"t\", \"kind\": \"webhook\", $ok_settings, \"event_types\": \"i_new\"}" event_types
refuse POST /notify-targets "{\"name\": \"t\", \"kind\": \"webhook\", $ok_settings, \"event_types\": [\"i_new\", \"i_notify\"]}" 'event_types[1]'
refuse POST /notify-targets "{\"name\": \"t\", \"kind\": \"webhook\", $ok_settings, \"event_types\": [\"I_NEW\"]}" 'event_types[0]'
refuse POST /notify-targets "{\"name\": \"t\", \"kind\": \"webhook\", $ok_settings, \"event_types\": [\"i_ack\", \"i_new\", \"i_ack\"]}" 'event_types[2]'
refuse POST /notify-targets "{\"name\": \"t\", \"kind\": \"webhook\", $ok_settings, \"event_types\": [null]}" 'event_types[0]'
refuse POST /notify-targets "{\"name\": \"t\", \"kind\": \"webhook\", $ok_settings, \"url\": \"https://x.example/\"}" '"url"'
refuse POST /notify-targets "{\"name\": \"t\", \"kind\": \"webhook\", $ok_settings, \"enabled\": true}" enabled
is "$(count "notify_targets WHERE name IN ('t', 'ghost')")" 0 "no refused target was stored"
# PATCH refusals leave the target (and its secret) as it was.
refuse PATCH "/notify-targets/$SLACK" '{"kind": "email"}' kind
refuse PATCH "/notify-targets/$SLACK" '{"name": null}' name
refuse PATCH "/notify-targets/$SLACK" '{"settings": {"secret": "new"}}' settings.url
refuse PATCH "/notify-targets/$SLACK" '{"settings": null}' settings
refuse PATCH "/notify-targets/$SLACK" '{"settings": {"url": "https://ok.example/", "extra": 1}}' settings.extra
refuse PATCH "/notify-targets/$SLACK" "{\"settings\": {\"url\": \"https://ok.example/\", \"secret\": \"$(long 300)\"}}" settings.secret
refuse PATCH "/notify-targets/$SLACK" '{"event_types": ["nope"]}' 'event_types[0]'
refuse PATCH "/notify-targets/$SLACK" '{"channel_ids": [0]}' 'channel_ids[0]'
refuse PATCH "/notify-targets/$SLACK" '{"has_secret": false}' has_secret
is "$(settings_of "$SLACK")" \
    "{\"secret\":\"$SECRET\",\"url\":\"https://hooks.slack.example/services/T0/B0/y\"}" \
    "the secret survives refused PATCHes"

section "target names, ids, methods"
before=$(snapshot)
api POST /notify-targets "{\"name\": \"generic-2\", \"kind\": \"webhook\", $ok_settings}"
assert_code 409 Conflict
has "$(jb .error.message)" generic-2 "the conflict names the name"
api PATCH "/notify-targets/$SLACK" '{"name": "generic-2"}'
assert_code 409 Conflict
no_secret
is "$(snapshot)" "$before" "a duplicate name stores nothing"
api POST /members '{"name": "generic-2"}'
assert_status 201 "members and targets have separate names"
api DELETE "/members/$(jb .data.id)"
before=$(snapshot)
for m in GET PATCH DELETE; do
    api "$m" /notify-targets/999999 '{"name": "Nobody"}'
    assert_code 404 ResourceNotFound
done
api GET /notify-targets/x1
assert_code 404 ResourceNotFound
api GET "/notify-targets/$SLACK/test"
assert_code 404 RouteNotFound
api PUT "/notify-targets/$SLACK" '{}'
assert_code 405 MethodNotAllowed
api DELETE /notify-targets
assert_code 405 MethodNotAllowed
api POST "/notify-targets/$SLACK" '{}'
assert_code 405 MethodNotAllowed
is "$(snapshot)" "$before" "404s and 405s store nothing"

# ---- paging ---------------------------------------------------------------------
section paging
for i in $(seq 1 7); do
    api POST /members "{\"name\": \"page-$i\"}"
    assert_status 201
done
all=$(db "SELECT group_concat(id, ' ') FROM (SELECT id FROM members ORDER BY id DESC) AS m;")
seen='' cursor='' pages=0
while :; do
    api GET "/members?limit=3${cursor:+&cursor=$cursor}"
    assert_status 200 "a page of members"
    n=$(jb '.data.items | length')
    assert_true "a page holds at most 3 items (got $n)" [ "$n" -le 3 ]
    seen="${seen:+$seen }$(jb '[.data.items[].id] | join(" ")')"
    cursor=$(jb '.data.next_cursor // empty')
    pages=$((pages + 1))
    [ -z "$cursor" ] || [ "$pages" -gt 10 ] && break
done
is "$seen" "$all" "pages walk every member once, newest first"
is "$pages" "$((($(count members) + 2) / 3))" "as many pages as needed"
api GET "/members?limit=1"
is "$(jb '.data.items[0].id')" "${all%% *}" "the newest first"
is "$(jb '.data.next_cursor')" "${all%% *}" "next_cursor is the last id answered"
for q in limit=0 limit=501 limit=x cursor=abc cursor=-1; do
    api GET "/members?$q"
    assert_code 400 InvalidParameter
    api GET "/notify-targets?$q"
    assert_code 400 InvalidParameter
done
all=$(db "SELECT group_concat(id, ' ') FROM (SELECT id FROM notify_targets ORDER BY id DESC) AS t;")
api GET "/notify-targets?limit=2"
is "$(jb '[.data.items[].id] | join(" ")')" "$(echo "$all" | cut -d' ' -f1-2)" "the first page of targets"
cursor=$(jb .data.next_cursor)
api GET "/notify-targets?limit=500&cursor=$cursor"
is "$(jb '[.data.items[].id] | join(" ")')" "$(echo "$all" | cut -d' ' -f3-)" "the rest after the cursor"
is "$(jb .data.next_cursor)" null "no page after the last"
no_secret

# ---- delete ---------------------------------------------------------------------
section delete
api DELETE "/members/$ERIN"
assert_status 200 "DELETE a member"
is "$(jb '.data | tojson')" "{\"id\":\"$ERIN\"}" "the answer names the id"
api GET "/members/$ERIN"
assert_code 404 ResourceNotFound
api DELETE "/members/$ERIN"
assert_code 404 ResourceNotFound
is "$(count "members WHERE id = $ERIN")" 0 "the row is gone"
api DELETE "/notify-targets/$ALL"
assert_status 200 "DELETE a target"
is "$(jb '.data.id')" "$ALL" "the answer names the id"
is "$(count "notify_targets WHERE id = $ALL")" 0 "the row is gone"
is "$(count "target_channels WHERE target_id = $ALL")" 0 "its target_channels rows are gone"
api GET "/notify-targets/$ALL"
assert_code 404 ResourceNotFound
api DELETE "/notify-targets/$WIDE"
assert_status 200

# ---- delete while escalation rules name it -----------------------------------------
section "delete conflicts"
target '{"name": "free", "kind": "webhook", "settings": {"url": "https://free.example/"}}'
FREE=$TID
stop_server
# A member ref with the free target's id: kinds are separate, it holds no target.
db_write \
    "INSERT INTO escalation_refs(kind, ref_id, channel_id) VALUES ('member', $DAN, $CH2),
         ('member', $DAN, $CH3), ('target', $SLACK, $CH1), ('member', $FREE, $CH3);" ||
    fail "could not insert escalation_refs"
restart_server
before=$(snapshot)
api DELETE "/members/$DAN"
assert_code 409 ReferenceExist
has "$(jb .error.message)" "channel \"$CH2\"" "the message names a channel that uses the member"
has "$(jb .error.message)" "people-b" "and its name"
has "$(jb .error.message)" "and 1 other channel(s)" "and how many other channels use it"
api DELETE "/notify-targets/$SLACK"
assert_code 409 ReferenceExist
has "$(jb .error.message)" "channel \"$CH1\"" "the message names the channel that uses the target"
no_secret
is "$(snapshot)" "$before" "a refused delete deletes nothing"
is "$(count "members WHERE id = $DAN")" 1 "the member is still there"
is "$(count "notify_targets WHERE id = $SLACK")" 1 "the target is still there"
is "$(count "target_channels WHERE target_id = $SLACK")" 2 "and its channel rows"
api GET "/members/$DAN"
assert_status 200 "the member still answers"
api PATCH "/members/$DAN" '{"phone": "0"}'
assert_status 200 "a member in use can still change"
api PATCH "/notify-targets/$SLACK" "{\"channel_ids\": [$CH3]}"
assert_status 200 "a target in use can still change"
api DELETE "/members/$BOB"
assert_status 200 "an unreferenced member is deleted"
api DELETE "/notify-targets/$FREE"
assert_status 200 "a member ref does not hold a target with the same id"
stop_server
db_write \
    "DELETE FROM escalation_refs WHERE kind = 'target' OR channel_id = $CH2;" ||
    fail "could not delete escalation_refs"
restart_server
api DELETE "/members/$DAN"
assert_code 409 ReferenceExist
has "$(jb .error.message)" "channel \"$CH3\"" "the remaining channel is named"
api DELETE "/notify-targets/$SLACK"
assert_status 200 "once no rule names the target it is deleted"
is "$(count "notify_targets WHERE id = $SLACK") $(count "target_channels WHERE target_id = $SLACK")" \
    "0 0" "the target and its rows are gone"

# ---- after a restart --------------------------------------------------------------
section restart
stop_server
restart_server
api GET "/members/$ALICE"
assert_status 200
is "$(jb '[.data.name, .data.timezone, .data.contacts[0].kind] | tojson')" \
    '["Alice Liddell","Europe/Berlin","webhook"]' "members survive a restart"
api GET "/notify-targets/$HOOK"
assert_status 200
is "$(jb .data.name) $(jb '.data.channel_ids | tojson')" "generic-2 [\"$CH2\"]" \
    "targets survive a restart"
stop_server
finish
