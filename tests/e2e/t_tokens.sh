#!/usr/bin/env bash
# t_tokens.sh - scoped API tokens (issue #12; api.md section 7; scopes in
# src/http/tokens.h): made by an admin, shown once, stored hashed, listed
# without secrets, revoked at once; read may only GET, write may change
# incidents and rules, admin may also manage tokens, members and
# integrations; a too small scope gets 403 Forbidden; tokens survive a
# restart.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 BIN}

# as TOKEN METHOD PATH [JSON]: an admin request with another bearer token.
as()
{
    local token=$1 args
    shift
    args=(-H "Authorization: Bearer $token")
    [ $# -ge 3 ] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
    http "$1" "$AH_URL/api/v1$2" "${args[@]}"
}

# new_token NAME SCOPE: sets TOKEN and TOKEN_ID.
new_token()
{
    api POST /tokens "$(jq -nc --arg n "$1" --arg s "$2" '{name: $n, scope: $s}')"
    assert_status 201 "make a $2 token"
    TOKEN=$(jb .data.token) TOKEN_ID=$(jb .data.id)
}

test_make_and_list()
{
    section "a token is shown once and stored hashed"
    as "" POST /tokens '{"name":"x","scope":"read"}'
    assert_code 401 Unauthorized
    new_token reader read
    READ=$TOKEN READ_ID=$TOKEN_ID
    assert_match "the token: aht_ and 160 random bits" '^aht_[0-9a-f]{40}$' "$READ"
    assert_json "name" .data.name reader
    assert_json "scope" .data.scope read
    assert_match "created_at" '^[0-9]+$' "$(jb .data.created_at)"
    assert_json "no hash in the answer" '.data | has("token_hash")' false
    assert_eq "only its SHA-256 is stored" "$(printf '%s' "$READ" | sha256sum | cut -d' ' -f1)" \
        "$(db "SELECT token_hash FROM api_tokens WHERE id = $READ_ID;")"
    assert_eq "the token itself is nowhere in the database" 0 \
        "$(cat "$AH_DATA"/alerthub.db* | grep -c "$READ")"
    new_token writer write
    WRITE=$TOKEN
    new_token second-admin admin
    ADMIN=$TOKEN
    api GET /tokens
    assert_status 200 "list tokens"
    assert_json "three tokens, newest first" '[.data.items[].name] | join(",")' \
        "second-admin,writer,reader"
    assert_json "no secrets in the list" '[.data.items[] | has("token") or has("token_hash")] | any' false
    api GET "/tokens/$READ_ID"
    assert_json "one token" .data.scope read

    section "bad bodies"
    api POST /tokens '{"name":"x","scope":"root"}'
    assert_code 400 InvalidParameter
    assert_contains "names the scopes" "read, write or admin" "$(jb .error.message)"
    api POST /tokens '{"scope":"read"}'
    assert_code 400 InvalidParameter
    api POST /tokens '{"name":"x","scope":"read","token":"mine"}'
    assert_code 400 InvalidParameter
    api PATCH "/tokens/$READ_ID" '{"name":"y"}'
    assert_code 405 MethodNotAllowed
    assert_eq "nothing more stored" 3 "$(db 'SELECT count(*) FROM api_tokens;')"
}

test_scopes()
{
    section "read may only GET"
    as "$READ" GET /channels
    assert_status 200 "read: GET channels"
    as "$READ" POST /channels '{"name":"by-reader"}'
    assert_code 403 Forbidden
    assert_contains "names both scopes" "scope is read; this POST needs the write scope" \
        "$(jb .error.message)"
    as "$READ" GET /tokens
    assert_code 403 Forbidden

    section "write changes incidents and rules, not integrations, members or tokens"
    as "$WRITE" POST /channels '{"name":"by-writer"}'
    assert_status 201 "write: create a channel"
    local ch
    ch=$(jb .data.id)
    as "$WRITE" POST "/channels/$ch/silences" \
        "{\"name\":\"s\",\"filters\":[[{\"key\":\"severity\",\"oper\":\"IN\",\"vals\":[\"Info\"]}]],\"mode\":\"mark\",\"time\":{\"start\":1,\"end\":2}}"
    assert_status 201 "write: create a silence"
    as "$WRITE" POST /integrations "{\"name\":\"w\",\"type\":\"standard\",\"channel_id\":\"$ch\"}"
    assert_code 403 Forbidden
    as "$WRITE" POST /members '{"name":"m","email":"m@example.com"}'
    assert_code 403 Forbidden
    as "$WRITE" POST /tokens '{"name":"x","scope":"read"}'
    assert_code 403 Forbidden
    new_integration by-admin standard "$ch"
    push_std "$INT_KEY" '{"event_status":"Critical","title_rule":"scoped","alert_key":"sc-1"}'
    assert_status 200 "push"
    api GET "/incidents?channel_id=$ch"
    local inc
    inc=$(jb '.data.items[0].id')
    as "$READ" POST "/incidents/$inc/ack"
    assert_code 403 Forbidden
    as "$WRITE" POST "/incidents/$inc/ack"
    assert_status 200 "write: ack an incident"
    as "$WRITE" PUT "/integrations/$INT_ID/pipeline" '{"rules":[]}'
    assert_status 200 "write: an integration's pipeline is a rule"

    section "admin may do everything"
    as "$ADMIN" POST /integrations "{\"name\":\"a\",\"type\":\"standard\",\"channel_id\":\"$ch\"}"
    assert_status 201 "admin: create an integration"
    as "$ADMIN" POST /tokens '{"name":"made-by-admin","scope":"read"}'
    assert_status 201 "admin: make a token"

    section "no token, a wrong one, an empty one"
    as "aht_0000000000000000000000000000000000000000" GET /channels
    assert_code 401 Unauthorized
    http GET "$AH_URL/api/v1/channels" -H "Authorization: Bearer "
    assert_code 401 Unauthorized
    http GET "$AH_URL/api/v1/channels"
    assert_code 401 Unauthorized
}

test_revoke_and_restart()
{
    section "revoked at once; kept across a restart"
    api DELETE "/tokens/$READ_ID"
    assert_status 200 "revoke"
    as "$READ" GET /channels
    assert_code 401 Unauthorized
    api DELETE "/tokens/$READ_ID"
    assert_code 404 ResourceNotFound
    stop_server
    restart_server
    as "$WRITE" POST /channels '{"name":"after-restart"}'
    assert_status 201 "the write token still works after a restart"
    as "$READ" GET /channels
    assert_code 401 Unauthorized
}

start_server "$BIN"
test_make_and_list
test_scopes
test_revoke_and_restart
stop_server
finish
