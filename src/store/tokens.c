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

    ah_store_tx_config_changed(tx);
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

    ah_store_tx_config_changed(tx);
    if (rc == AH_OK && hash == NULL)
        return ah_sql_not_found(err, "token", id);
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

/* ================= the console's sessions ================= */

int ah_store_tx_session_open(struct ah_store_tx *tx, const char *id_hash, const char *token_hash,
                             int64_t now, int64_t used_before, int64_t opened_before,
                             struct ah_error *err)
{
    int rc = ah_sql_run(W(tx), "DELETE FROM sessions WHERE used < ? OR opened < ?", err, "ii",
                        used_before, opened_before);

    if (rc == AH_OK)
        rc = ah_sql_run(W(tx),
                        "INSERT INTO sessions(id_hash, token_hash, opened, used)"
                        " VALUES (?, ?, ?, ?)",
                        err, "ssii", id_hash, token_hash, now, now);
    return rc;
}

int ah_store_tx_session_touch(struct ah_store_tx *tx, const char *id_hash, int64_t used,
                              struct ah_error *err)
{
    return ah_sql_run(W(tx), "UPDATE sessions SET used = ?1 WHERE id_hash = ?2 AND used < ?1", err,
                      "is", used, id_hash);
}

int ah_store_tx_session_close(struct ah_store_tx *tx, const char *id_hash, struct ah_error *err)
{
    ah_store_tx_config_changed(tx);
    return ah_sql_run(W(tx), "DELETE FROM sessions WHERE id_hash = ?", err, "s", id_hash);
}

static void session_row(const struct ah_db_col *cols, int n, void *arg)
{
    struct ah_session_row *r = arg;

    if (n != 3 || cols[0].v.type != AH_DB_TEXT)
        return;
    snprintf(r->token_hash, sizeof(r->token_hash), "%s", cols[0].v.s);
    r->opened = cols[1].v.i;
    r->used = cols[2].v.i;
}

static int session_get(struct ah_db *db, const char *id_hash, struct ah_session_row *ret,
                       struct ah_error *err)
{
    int rc;

    ret->token_hash[0] = '\0';
    rc = ah_sql_query(db, "SELECT token_hash, opened, used FROM sessions WHERE id_hash = ?",
                      session_row, ret, err, "s", id_hash);
    if (rc == AH_OK && ret->token_hash[0] == '\0')
        return ah_error_set(err, AH_ENOTFOUND, "no such session");
    return rc;
}

int ah_store_read_session(struct ah_store *s, const char *id_hash, struct ah_session_row *ret,
                          struct ah_error *err)
{
    WITH_READER(s, err, session_get(db_, id_hash, ret, err));
}
