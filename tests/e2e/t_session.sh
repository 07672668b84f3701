#!/usr/bin/env bash
# t_session.sh - the console's cookie session (api.md section 2.12,
# security.md "Console sessions"; src/http/admin_session.c): POST /session
# trades a token for an HttpOnly SameSite=Strict cookie; the cookie
# authenticates reads, and changes only with X-Requested-With: alerthub
# (403 without); the token's scope applies; revoking the token ends its
# sessions; DELETE /session signs out and clears the cookie; a bad token
# gets the 401 envelope and no session; Secure behind https; a session
# survives a restart (kept in the database) and a signed-out one stays out.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 BIN}
CSRF=(-H 'X-Requested-With: alerthub')

# sign_in TOKEN [CURL_ARGS...]: POST /session; sets COOKIE (the id) when a
# Set-Cookie came back.
sign_in()
{
    local token=$1
    shift
    http POST "$AH_URL/api/v1/session" -H 'Content-Type: application/json' \
        --data-binary "$(jq -nc --arg t "$token" '{token: $t}')" "$@"
    COOKIE=$(header Set-Cookie | sed -n 's/^alerthub_session=\([0-9a-f]*\);.*/\1/p')
}

# as_cookie ID METHOD PATH [JSON [CURL_ARGS...]]: a request with the cookie only.
as_cookie()
{
    local id=$1 method=$2 path=$3 args=(-H "Cookie: alerthub_session=$1")
    shift 3
    if [ $# -ge 1 ]; then
        args+=(-H 'Content-Type: application/json' --data-binary "$1")
        shift
    fi
    http "$method" "$AH_URL/api/v1$path" "${args[@]}" "$@"
}

test_sign_in()
{
    section "sign-in sets an HttpOnly SameSite=Strict cookie"
    sign_in "$AH_TOKEN" "${CSRF[@]}"
    assert_status 200 "sign in with the admin token"
    assert_json "scope" .data.scope admin
    assert_json "idle timeout: 12 h" .data.idle_timeout 43200
    assert_request_id
    local c
    c=$(header Set-Cookie)
    assert_match "the cookie holds 256 random bits" '^alerthub_session=[0-9a-f]{64};' "$c"
    assert_contains "HttpOnly" "; HttpOnly" "$c"
    assert_contains "SameSite=Strict" "; SameSite=Strict" "$c"
    assert_contains "sent to the API only" "; Path=/api/v1" "$c"
    assert_eq "not Secure over http" "" "$(printf '%s' "$c" | grep -o Secure)"
    assert_eq "no store" "no-store" "$(header Cache-Control)"
    assert_eq "the token is not in the answer" "" "$(printf '%s' "$H_BODY$H_HEADERS" | grep -o "$AH_TOKEN")"
    ADMIN_COOKIE=$COOKIE

    section "the cookie authenticates reads"
    as_cookie "$ADMIN_COOKIE" GET /channels
    assert_status 200 "GET /channels with the cookie"
    as_cookie "$ADMIN_COOKIE" GET /session
    assert_json "who: cookie" .data.auth cookie
    assert_json "who: admin" .data.scope admin
    api GET /session
    assert_json "a bearer request is told so" .data.auth bearer

    section "changes need X-Requested-With: alerthub"
    as_cookie "$ADMIN_COOKIE" POST /channels '{"name":"by-cookie"}'
    assert_code 403 Forbidden
    assert_contains "names the header" "X-Requested-With: alerthub" "$(jb .error.message)"
    assert_eq "nothing made" 0 "$(db "SELECT count(*) FROM channels WHERE name = 'by-cookie';")"
    as_cookie "$ADMIN_COOKIE" POST /channels '{"name":"by-cookie"}' -H 'X-Requested-With: XMLHttpRequest'
    assert_code 403 Forbidden
    as_cookie "$ADMIN_COOKIE" POST /channels '{"name":"by-cookie"}' "${CSRF[@]}"
    assert_status 201 "with the header"
    as_cookie "$ADMIN_COOKIE" DELETE "/channels/$(jb .data.id)"
    assert_code 403 Forbidden
    section "bearer clients need no header"
    api POST /channels '{"name":"by-bearer"}'
    assert_status 201 "a bearer POST as before"

    section "sign-in itself needs the header (no forced sign-in from another site)"
    sign_in "$AH_TOKEN"
    assert_code 403 Forbidden
    assert_eq "no cookie" "" "$(header Set-Cookie)"
}

test_bad_token()
{
    section "a bad token: 401, no session"
    local before
    sign_in "$ADMIN_COOKIE" "${CSRF[@]}"
    assert_code 401 Unauthorized
    assert_request_id
    assert_eq "no cookie" "" "$(header Set-Cookie)"
    sign_in "aht_0000000000000000000000000000000000000000" "${CSRF[@]}"
    assert_code 401 Unauthorized
    http POST "$AH_URL/api/v1/session" "${CSRF[@]}" --data-binary '{"token":""}'
    assert_code 400 InvalidParameter
    http POST "$AH_URL/api/v1/session" "${CSRF[@]}" --data-binary '{"token":"x","scope":"admin"}'
    assert_code 400 InvalidParameter
    http POST "$AH_URL/api/v1/session" "${CSRF[@]}" --data-binary "$(head -c 5000 /dev/zero | tr '\0' a)"
    assert_code 413 EntityTooLarge
    as_cookie "0000000000000000000000000000000000000000000000000000000000000000" GET /channels
    assert_code 401 Unauthorized
    assert_contains "says sign in again" "sign in again" "$(jb .error.message)"
    as_cookie "not-hex" GET /channels
    assert_code 401 Unauthorized
    http PUT "$AH_URL/api/v1/session" -H "Authorization: Bearer $AH_TOKEN"
    assert_code 405 MethodNotAllowed
    http GET "$AH_URL/api/v1/session"
    assert_code 401 Unauthorized
}

test_scope_and_revoke()
{
    section "a scoped token's session has its scope; revoking ends it"
    api POST /tokens '{"name":"console-reader","scope":"read"}'
    local token=$(jb .data.token) id=$(jb .data.id)
    sign_in "$token" "${CSRF[@]}"
    assert_json "read scope" .data.scope read
    local rc=$COOKIE
    as_cookie "$rc" GET /channels
    assert_status 200 "read: GET"
    as_cookie "$rc" POST /channels '{"name":"by-reader"}' "${CSRF[@]}"
    assert_code 403 Forbidden
    assert_contains "the scope's refusal" "scope is read" "$(jb .error.message)"
    api DELETE "/tokens/$id"
    assert_status 200 "revoke the token"
    as_cookie "$rc" GET /channels
    assert_code 401 Unauthorized
    sign_in "$token" "${CSRF[@]}"
    assert_code 401 Unauthorized
}

test_sign_out()
{
    section "sign-out ends the session and clears the cookie"
    sign_in "$AH_TOKEN" "${CSRF[@]}"
    local id=$COOKIE
    SIGNED_OUT=$id
    as_cookie "$id" DELETE /session
    assert_code 403 Forbidden
    as_cookie "$id" GET /channels
    assert_status 200 "still signed in after the refused sign-out"
    as_cookie "$id" DELETE /session "" "${CSRF[@]}"
    assert_status 200 "sign out"
    assert_json "it was signed in" .data.signed_out true
    local c
    c=$(header Set-Cookie)
    assert_match "the cookie is cleared" '^alerthub_session=;' "$c"
    assert_contains "at once" "Max-Age=0" "$c"
    as_cookie "$id" GET /channels
    assert_code 401 Unauthorized
    as_cookie "$id" DELETE /session "" "${CSRF[@]}"
    assert_json "signing out twice is harmless" .data.signed_out false
    as_cookie "$ADMIN_COOKIE" GET /channels
    assert_status 200 "another session is untouched"
}

test_secure()
{
    section "Secure behind https"
    stop_server
    AH_PUBLIC_URL=https://alerthub.test
    restart_server
    sign_in "$AH_TOKEN" "${CSRF[@]}"
    assert_contains "Secure" "; Secure" "$(header Set-Cookie)"
    as_cookie "$ADMIN_COOKIE" GET /channels
    assert_status 200 "a session survives a restart (it is a row of the database)"
    as_cookie "$SIGNED_OUT" GET /channels
    assert_code 401 Unauthorized
    assert_eq "one signed out before it stays out" 401 "$H_STATUS"
}

start_server "$BIN"
test_sign_in
test_bad_token
test_scope_and_revoke
test_sign_out
test_secure
stop_server
finish
