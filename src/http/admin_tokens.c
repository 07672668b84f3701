/* admin_tokens.c - /api/v1/tokens: scoped API tokens (issue #12, api.md
 * section 7; scopes in tokens.h).
 *
 *   GET    /tokens          list {id, name, scope, created_at}, newest first
 *   POST   /tokens          {name, scope}: 201 {id, name, scope, token,
 *                           created_at}; the token is shown this once
 *   GET    /tokens/{id}
 *   DELETE /tokens/{id}     revokes at once: once the answer is out, the
 *                           token no longer authorizes anything
 *
 * A token is "aht_" and 40 random hex digits (160 bits, getrandom); only
 * its SHA-256 is stored. The admin scope is needed for all of these. */
#include "http/admin.h"
#include "http/tokens.h"

#include "util/alloc.h"
#include "util/hex.h"
#include "util/sha256.h"

#include <string.h>

#define TOKEN_MAX_NAME 100
#define TOKEN_PREFIX   "aht_"
#define TOKEN_BYTES    20

static const char *const token_keys[] = {"name", "scope", NULL};

/* Writer thread: the row for req->json, whose token hash is req->text. */
static int token_run(struct ah_job *job, struct ah_store_tx *tx, struct ah_reduce *reduce,
                     int64_t now, struct ah_error *err)
{
    struct ah_request *req = ah_request_of(job);
    char hash[65];
    int rc;

    (void)reduce;
    if (strcmp(req->method, "DELETE") == 0) {
        rc = ah_store_tx_token_delete(tx, req->id, hash, err);
        if (rc == AH_OK) {
            ah_free(req->text);
            req->text = ah_xstrdup(hash); /* for the cache, after the commit */
        }
        return rc;
    }
    ah_sha256_hex(req->text, hash);
    return ah_store_tx_token_insert(tx, json_string_value(json_object_get(req->json, "name")),
                                    json_string_value(json_object_get(req->json, "scope")), hash,
                                    now, &req->id, err);
}

static enum MHD_Result token_finish(struct ah_request *req)
{
    struct ah_error err;
    enum MHD_Result ret;
    json_t *row = NULL;
    char hash[65];

    if (req->job.rc == AH_OK && strcmp(req->method, "DELETE") == 0)
        ah_tokens_remove(req->app->tokens, req->text);
    if (ah_admin_job_answered(req, req->id, &ret))
        return ret;
    ah_sha256_hex(req->text, hash);
    ah_tokens_add(req->app->tokens, hash,
                  ah_scope_parse(json_string_value(json_object_get(req->json, "scope"))));
    if (ah_store_read_token(req->app->store, req->id, &row, &err) < 0)
        return ah_respond_failure(req, &err);
    json_object_set_new(row, "token", json_string(req->text));
    return ah_respond_data(req, 201, row);
}

static int token_check(struct ah_request *req, struct ah_error *err)
{
    const char *scope;
    char secret[2 * TOKEN_BYTES + 1];
    int rc = ah_admin_only_keys(req->json, token_keys, "", err);

    if (rc == AH_OK)
        rc = ah_admin_string_field(req->json, "name", 1, 1, TOKEN_MAX_NAME, NULL, err);
    if (rc == AH_OK)
        rc = ah_admin_string_field(req->json, "scope", 1, 1, 16, &scope, err);
    if (rc == AH_OK && ah_scope_parse(scope) == AH_SCOPE_NONE)
        rc = ah_error_set(err, AH_EINVAL, "scope must be read, write or admin");
    if (rc == AH_OK && ah_random_hex(TOKEN_BYTES, secret) < 0)
        rc = ah_error_set(err, AH_EIO, "could not draw a random token");
    if (rc == AH_OK)
        req->text = ah_xasprintf("%s%s", TOKEN_PREFIX, secret);
    return rc;
}

enum MHD_Result ah_admin_tokens(struct ah_request *req, int64_t id, const char *action)
{
    static const struct ah_admin_crud crud = {ah_store_read_tokens, ah_store_read_token,
                                              token_check, token_run, token_finish};

    if (strcmp(req->method, "PATCH") == 0)
        return ah_admin_not_allowed(req); /* a token is made anew, not edited */
    return ah_admin_crud(req, id, action, &crud);
}
