/* tokens.c - scoped API tokens (store.h, issue #12): a row holds the
 * token's name, scope and SHA-256 (hex), never the token. */
#include "store/sql.h"
#include "store/store.h"

#include "util/alloc.h"

#include <stdio.h>
#include <string.h>

#define W(tx) ah_store_wdb_of(tx)

int ah_store_tx_token_insert(struct ah_store_tx *tx, const char *name, const char *scope,
                             const char *token_hash, int64_t now, int64_t *ret_id,
                             struct ah_error *err)
{
    int rc = ah_sql_run(W(tx),
                        "INSERT INTO api_tokens(name, scope, token_hash, created_at)"
                        " VALUES (?, ?, ?, ?)",
                        err, "sssi", name, scope, token_hash, now);

    if (rc < 0)
        return rc;
    *ret_id = ah_sql_last_id(W(tx));
    return AH_OK;
}

int ah_store_tx_token_delete(struct ah_store_tx *tx, int64_t id, char ret_hash[65],
                             struct ah_error *err)
{
    char *hash = NULL;
    int rc =
        ah_sql_text(W(tx), "SELECT token_hash FROM api_tokens WHERE id = ?", &hash, err, "i", id);

    if (rc == AH_OK && hash == NULL)
        return ah_error_set(err, AH_ENOTFOUND, "token \"%lld\" does not exist", (long long)id);
    if (rc == AH_OK) {
        snprintf(ret_hash, 65, "%s", hash);
        rc = ah_sql_run(W(tx), "DELETE FROM api_tokens WHERE id = ?", err, "i", id);
    }
    ah_free(hash);
    return rc;
}

int ah_store_read_token(struct ah_store *s, int64_t id, json_t **ret, struct ah_error *err)
{
    WITH_READER(s, err,
                ah_sql_get(db_, "SELECT id, name, scope, created_at FROM api_tokens WHERE id = ?",
                           "token", id, ret, err));
}

int ah_store_read_tokens(struct ah_store *s, const struct ah_page *page, json_t **ret,
                         struct ah_error *err)
{
    WITH_READER(s, err,
                ah_sql_list(db_,
                            "SELECT id, name, scope, created_at FROM api_tokens"
                            " WHERE (?1 = 0 OR id < ?1) ORDER BY id DESC LIMIT ?2",
                            page, ret, err));
}

struct token_scan {
    void (*fn)(const char *hash, const char *scope, void *arg);
    void *arg;
};

static void token_row(json_t *row, void *arg)
{
    struct token_scan *sc = arg;

    sc->fn(ah_sql_str(row, "token_hash"), ah_sql_str(row, "scope"), sc->arg);
}

int ah_store_tokens_each(struct ah_store *s,
                         void (*fn)(const char *hash, const char *scope, void *arg), void *arg,
                         struct ah_error *err)
{
    struct token_scan sc = {fn, arg};

    return ah_sql_each(ah_store_wdb(s), "SELECT token_hash, scope FROM api_tokens", token_row, &sc,
                       err, "");
}
