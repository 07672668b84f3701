/* admin_session.c - /api/v1/session: the console's sign-in without a token
 * a script can read (docs/security.md, "Console sessions").
 *
 *   POST   /session  {"token": T}: T is checked as a bearer token would be;
 *                    200 {scope, idle_timeout, max_age} and
 *                    Set-Cookie: alerthub_session=ID; HttpOnly;
 *                    SameSite=Strict; Path=/api/v1 (and Secure behind
 *                    https); a wrong token: 401, and no session
 *   GET    /session  {scope, auth}: who the request is ("cookie" or
 *                    "bearer"), for the console's start
 *   DELETE /session  ends the cookie's session; 200, the cookie cleared
 *
 * A request with no Authorization header is authenticated by the cookie;
 * one whose method changes something must then also send
 * X-Requested-With: alerthub (AH_CSRF_HEADER), which a page of another
 * site can only send after a CORS preflight that this server never
 * grants: 403 Forbidden without it. POST and DELETE /session always need
 * it (no forced sign-in or sign-out from another site). */
#include "http/admin.h"
#include "http/sessions.h"

#include "reduce/writer.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/hex.h"
#include "util/sha256.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CSRF_HEADER      "X-Requested-With"
#define CSRF_VALUE       "alerthub"
#define SESSION_BODY_MAX 4096
#define TOKEN_MAX        256

/* ================= sessions: this node's cache, the store's rows ================= */

/* A session's last use, written back by the writer (sessions.h). */
struct touch_job {
    struct ah_job job;
    char key[65];
    int64_t used;
};

static int touch_run(struct ah_job *job, struct ah_store_tx *tx, struct ah_reduce *reduce,
                     int64_t now, struct ah_error *err)
{
    struct touch_job *t = (struct touch_job *)job;

    (void)reduce;
    (void)now;
    return ah_store_tx_session_touch(tx, t->key, t->used, err);
}

static void touch_done(struct ah_job *job)
{
    ah_free(job);
}

/* Nobody waits for it: a full queue only makes the idle time-out count
 * from an earlier use on the other nodes. */
static void touch_later(struct ah_app *app, const char *key, int64_t used)
{
    struct touch_job *t = ah_xcalloc(1, sizeof(*t));

    t->job.run = touch_run;
    t->job.done = touch_done;
    snprintf(t->key, sizeof(t->key), "%s", key);
    t->used = used;
    if (app->writer == NULL || ah_writer_submit(app->writer, &t->job, NULL) < 0)
        ah_free(t);
}

/* The live session @key's token hash: 1, or 0. The cache first; else the
 * store, where a session made or last used through another node is. */
static int session_hash(struct ah_app *app, const char *key, char hash[65])
{
    struct ah_session_row row;
    int64_t now = ah_now();
    int touch, found = ah_sessions_find(app->sessions, key, now, hash, &touch);

    if (!found && app->store != NULL &&
        ah_store_read_session(app->store, key, &row, NULL) == AH_OK &&
        !ah_session_expired(row.opened, row.used, now)) {
        ah_sessions_put(app->sessions, key, row.token_hash, row.opened, row.used);
        found = ah_sessions_find(app->sessions, key, now, hash, &touch);
    }
    if (found && touch)
        touch_later(app, key, now);
    return found;
}

enum ah_scope ah_admin_token_scope(struct ah_app *app, const char *hash)
{
    if (ah_secret_equal(hash, app->admin_token_hash))
        return AH_SCOPE_ADMIN;
    return app->tokens ? ah_tokens_find(app->tokens, hash) : AH_SCOPE_NONE;
}

static const char *cookie_of(struct ah_request *req)
{
    return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, AH_SESSION_COOKIE);
}

enum ah_scope ah_admin_scope(struct ah_request *req, int *ret_cookie)
{
    const char *h = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Authorization");
    const char *id = cookie_of(req);
    char hash[2 * AH_SHA256_LEN + 1], key[65];
    enum ah_scope scope;

    *ret_cookie = 0;
    if (h != NULL) {
        if (strncasecmp(h, "Bearer ", 7) != 0 || h[7] == '\0')
            return AH_SCOPE_NONE;
        ah_sha256_hex(h + 7, hash);
        return ah_admin_token_scope(req->app, hash);
    }
    if (id == NULL || req->app->sessions == NULL)
        return AH_SCOPE_NONE;
    *ret_cookie = 1;
    if (!ah_session_key(id, key) || !session_hash(req->app, key, hash))
        return AH_SCOPE_NONE;
    scope = ah_admin_token_scope(req->app, hash);
    if (scope == AH_SCOPE_NONE) /* its token was revoked: the session is of no use */
        ah_sessions_close(req->app->sessions, key);
    return scope;
}

int ah_admin_csrf_ok(struct ah_request *req)
{
    const char *v = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, CSRF_HEADER);

    if (strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0)
        return 1;
    return v != NULL && strcasecmp(v, CSRF_VALUE) == 0;
}

enum MHD_Result ah_admin_csrf_refused(struct ah_request *req)
{
    return ah_respond_error(req, 403, "Forbidden",
                            "an " CSRF_HEADER ": " CSRF_VALUE
                            " header is required on this request (signed in by the session "
                            "cookie; docs/security.md)",
                            0);
}

int ah_admin_session_begin(struct ah_request *req, enum MHD_Result *ret)
{
    const char *cl = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Content-Length");

    if (strcmp(req->method, "POST") != 0 && strcmp(req->method, "DELETE") != 0)
        return -1; /* authenticated like any other path */
    if (!ah_admin_csrf_ok(req)) {
        *ret = ah_admin_csrf_refused(req);
        return 1;
    }
    /* No token yet: an unauthenticated body stays small. */
    if (cl != NULL && strtoull(cl, NULL, 10) > SESSION_BODY_MAX) {
        *ret = ah_respond_error(req, 413, "EntityTooLarge", "request body is over the limit", 0);
        return 1;
    }
    return 0;
}

/* "alerthub_session=ID; HttpOnly; SameSite=Strict; Path=/api/v1[; Secure]";
 * an empty @id clears it. The cookie is sent to the API only: the console's
 * files need none. */
static void cookie_line(struct ah_request *req, const char *id, char *out, size_t n)
{
    int secure = req->app->public_url != NULL && strncmp(req->app->public_url, "https://", 8) == 0;

    snprintf(out, n, "%s=%s; HttpOnly; SameSite=Strict; Path=/api/v1%s%s", AH_SESSION_COOKIE, id,
             id[0] == '\0' ? "; Max-Age=0" : "", secure ? "; Secure" : "");
}

/* The token's hash, in req->result beside the new session's id. */
static const char *token_hash_of(struct ah_request *req)
{
    return json_string_value(json_object_get(req->result, "token_hash"));
}

/* Writer thread: the session's row. req->text: its key; req->id: when. */
static int open_run(struct ah_job *job, struct ah_store_tx *tx, struct ah_reduce *reduce,
                    int64_t now, struct ah_error *err)
{
    struct ah_request *req = ah_request_of(job);

    (void)reduce;
    (void)now;
    return ah_store_tx_session_open(tx, req->text, token_hash_of(req), req->id,
                                    req->id - AH_SESSION_IDLE_S, req->id - AH_SESSION_MAX_S, err);
}

/* The cookie carries the id; only its key (req->text) is kept. */
static enum MHD_Result open_finish(struct ah_request *req)
{
    char cookie[192];
    const char *headers[] = {"Set-Cookie", cookie, "Cache-Control", "no-store", NULL};
    const char *id = json_string_value(json_object_get(req->result, "id"));
    const char *hash = token_hash_of(req);

    if (req->job.rc != AH_OK)
        return ah_respond_failure(req, &req->job.err);
    ah_sessions_put(req->app->sessions, req->text, hash, req->id, req->id);
    cookie_line(req, id, cookie, sizeof(cookie));
    return ah_respond_data_with(
        req, 200,
        json_pack("{sssisi}", "scope", ah_scope_name(ah_admin_token_scope(req->app, hash)),
                  "idle_timeout", AH_SESSION_IDLE_S, "max_age", AH_SESSION_MAX_S),
        headers);
}

static enum MHD_Result sign_in(struct ah_request *req)
{
    static const char *const keys[] = {"token", NULL};
    char hash[2 * AH_SHA256_LEN + 1], id[AH_SESSION_ID_LEN + 1], key[65];
    enum MHD_Result ret;
    const char *token = NULL;
    struct ah_error err;

    if (req->body.len > SESSION_BODY_MAX)
        return ah_respond_error(req, 413, "EntityTooLarge", "request body is over the limit", 0);
    if (ah_request_json_object(req, &ret) < 0)
        return ret;
    if (ah_admin_only_keys(req->json, keys, "", &err) < 0 ||
        ah_admin_string_field(req->json, "token", 1, 1, TOKEN_MAX, &token, &err) < 0)
        return ah_respond_failure(req, &err);
    ah_sha256_hex(token, hash);
    if (ah_admin_token_scope(req->app, hash) == AH_SCOPE_NONE)
        return ah_respond_error(req, 401, "Unauthorized", "token is wrong or revoked", 0);
    if (ah_random_hex(AH_SESSION_ID_LEN / 2, id) < 0 || !ah_session_key(id, key))
        return ah_respond_error(req, 500, "InternalError", "no random bytes for a session", 0);
    req->text = ah_xstrdup(key);
    req->result = json_pack("{ssss}", "id", id, "token_hash", hash);
    req->id = ah_now();
    return ah_request_submit(req, open_run, open_finish);
}

static int close_run(struct ah_job *job, struct ah_store_tx *tx, struct ah_reduce *reduce,
                     int64_t now, struct ah_error *err)
{
    (void)reduce;
    (void)now;
    return ah_store_tx_session_close(tx, ah_request_of(job)->text, err);
}

/* 200 {signed_out: @had}, the cookie cleared. */
static enum MHD_Result signed_out(struct ah_request *req, int had)
{
    char cookie[192];
    const char *headers[] = {"Set-Cookie", cookie, NULL};

    cookie_line(req, "", cookie, sizeof(cookie));
    return ah_respond_data_with(req, 200, json_pack("{sb}", "signed_out", had), headers);
}

/* req->id: whether a live session was ended. */
static enum MHD_Result close_finish(struct ah_request *req)
{
    if (req->job.rc != AH_OK)
        return ah_respond_failure(req, &req->job.err);
    return signed_out(req, req->id != 0);
}

/* The session ends in the store (every node), then here. */
static enum MHD_Result sign_out(struct ah_request *req)
{
    const char *id = cookie_of(req);
    char hash[65], key[65];

    if (id == NULL || !ah_session_key(id, key))
        return signed_out(req, 0);
    req->id = session_hash(req->app, key, hash);
    ah_sessions_close(req->app->sessions, key);
    req->text = ah_xstrdup(key);
    return ah_request_submit(req, close_run, close_finish);
}

enum MHD_Result ah_admin_session(struct ah_request *req, int64_t id, const char *action)
{
    int cookie;
    enum ah_scope scope;

    if (id != 0 || action[0] != '\0')
        return ah_admin_no_route(req);
    if (strcmp(req->method, "POST") == 0)
        return sign_in(req);
    if (strcmp(req->method, "DELETE") == 0)
        return sign_out(req);
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)
        return ah_admin_not_allowed(req);
    scope = ah_admin_scope(req, &cookie);
    return ah_respond_data(
        req, 200,
        json_pack("{ssss}", "scope", ah_scope_name(scope), "auth", cookie ? "cookie" : "bearer"));
}
