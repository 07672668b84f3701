/* sqlite_people.c - members and notify targets (store.h, issue #8).
 *
 * Writes run on the writer thread; reads take a pooled connection. A
 * target's settings column holds {url, secret?}: the secret is stored as
 * given, answered by the internal calls (ah_store_tx_target_get,
 * ah_store_tx_channel_targets, ah_store_read_target_secret) and replaced by
 * "has_secret" in everything the API reads. The target_channels rows are
 * rewritten from channel_ids on every insert and update, so that "which
 * targets does channel C notify" is one indexed lookup. */
#include "store/sqlite_util.h"
#include "store/store.h"

#include "util/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define W(tx) ah_sqlite_wcache(tx)

/* ================= shared ================= */

/* Takes the only row of @rows (stolen) into *@ret; AH_ENOTFOUND without one. */
static int one(json_t *rows, const char *what, int64_t id, json_t **ret, struct ah_error *err)
{
    if (json_array_size(rows) == 0) {
        json_decref(rows);
        return ah_error_set(err, AH_ENOTFOUND, "%s \"%lld\" does not exist", what, (long long)id);
    }
    *ret = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    return AH_OK;
}

/* Wraps @rows (limit + 1 at most; stolen) as {"items", "next_cursor"}. */
static json_t *page_of(json_t *rows, const struct ah_page *page)
{
    json_t *next = json_null();
    size_t n = json_array_size(rows);

    if (n > (size_t)page->limit) {
        json_array_remove(rows, n - 1);
        next = json_incref(json_object_get(json_array_get(rows, n - 2), "id"));
    }
    return json_pack("{soso}", "items", rows, "next_cursor", next);
}

/* A channel id as the API gives it: "12" or 12; 0 when neither. */
static int64_t id_of(const json_t *v)
{
    const char *s = json_string_value(v);
    char *end;
    long long n;

    if (json_is_integer(v))
        return json_integer_value(v) > 0 ? (int64_t)json_integer_value(v) : 0;
    if (s == NULL || s[0] < '1' || s[0] > '9')
        return 0;
    n = strtoll(s, &end, 10);
    return *end == '\0' && n > 0 ? (int64_t)n : 0;
}

/* The field @key of @obj when it is an array, else NULL (binds SQL NULL). */
static const json_t *array_or_null(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);

    return json_is_array(v) ? v : NULL;
}

static const char *str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* AH_ECONFLICT naming a channel whose escalation rules use (@kind, @id);
 * AH_OK when none does. */
static int refused_while_used(struct ah_store_tx *tx, const char *kind, const char *what,
                              int64_t id, struct ah_error *err)
{
    json_t *rows = NULL;
    const json_t *row;
    const char *name;
    json_int_t others;
    int rc = ah_sql_rows(NULL, W(tx),
                         "SELECT r.channel_id AS channel_id, c.name AS name,"
                         " (SELECT count(*) FROM escalation_refs WHERE kind = ?1 AND ref_id = ?2)"
                         " AS uses FROM escalation_refs r LEFT JOIN channels c"
                         " ON c.id = r.channel_id WHERE r.kind = ?1 AND r.ref_id = ?2"
                         " ORDER BY r.channel_id LIMIT 1",
                         &rows, err, "si", kind, id);

    if (rc < 0)
        return rc;
    row = json_array_get(rows, 0);
    if (row == NULL) {
        json_decref(rows);
        return AH_OK;
    }
    name = str(row, "name");
    others = json_integer_value(json_object_get(row, "uses")) - 1;
    rc = ah_error_set(err, AH_ECONFLICT,
                      "%s \"%lld\" is used by the escalation rules of channel \"%s\"%s%s%s", what,
                      (long long)id, str(row, "channel_id"), name ? " (" : "", name ? name : "",
                      name ? ")" : "");
    if (others > 0 && err != NULL)
        snprintf(err->msg + strlen(err->msg), sizeof(err->msg) - strlen(err->msg),
                 " and %lld other channel(s)", (long long)others);
    json_decref(rows);
    return rc;
}

int ah_store_tx_ref_exists(struct ah_store_tx *tx, const char *kind, int64_t id,
                           struct ah_error *err)
{
    int64_t n = 0;
    int rc = ah_sql_int(NULL, W(tx),
                        "SELECT count(*) FROM escalation_refs WHERE kind = ? AND ref_id = ?", &n,
                        err, "si", kind, id);

    if (rc < 0)
        return rc;
    return n ? AH_OK
             : ah_error_set(err, AH_ENOTFOUND, "no escalation rule uses %s \"%lld\"", kind,
                            (long long)id);
}

/* ================= members ================= */

int ah_store_tx_member_insert(struct ah_store_tx *tx, const json_t *m, int64_t now, int64_t *ret_id,
                              struct ah_error *err)
{
    int rc = ah_sql_run(W(tx),
                        "INSERT INTO members(name, email, phone, timezone, contacts, created_at,"
                        " updated_at) VALUES (?, ?, ?, ?, coalesce(?, '[]'), ?, ?)",
                        err, "ssssjii", str(m, "name"), str(m, "email"), str(m, "phone"),
                        str(m, "timezone"), array_or_null(m, "contacts"), now, now);

    if (rc == AH_ECONFLICT)
        return ah_error_set(err, AH_ECONFLICT, "a member named \"%s\" already exists",
                            str(m, "name"));
    if (rc < 0)
        return rc;
    *ret_id = sqlite3_last_insert_rowid(W(tx)->db);
    return AH_OK;
}

int ah_store_tx_member_update(struct ah_store_tx *tx, int64_t id, const json_t *m, int64_t now,
                              struct ah_error *err)
{
    int rc = ah_sql_run(W(tx),
                        "UPDATE members SET name = ?, email = ?, phone = ?, timezone = ?,"
                        " contacts = coalesce(?, '[]'), updated_at = ? WHERE id = ?",
                        err, "ssssjii", str(m, "name"), str(m, "email"), str(m, "phone"),
                        str(m, "timezone"), array_or_null(m, "contacts"), now, id);

    if (rc == AH_ECONFLICT)
        return ah_error_set(err, AH_ECONFLICT, "a member named \"%s\" already exists",
                            str(m, "name"));
    if (rc == AH_OK && sqlite3_changes(W(tx)->db) == 0)
        return ah_error_set(err, AH_ENOTFOUND, "member \"%lld\" does not exist", (long long)id);
    return rc;
}

int ah_store_tx_member_get(struct ah_store_tx *tx, int64_t id, json_t **ret, struct ah_error *err)
{
    json_t *rows;
    int rc = ah_sql_rows(NULL, W(tx), "SELECT * FROM members WHERE id = ?", &rows, err, "i", id);

    return rc < 0 ? rc : one(rows, "member", id, ret, err);
}

int ah_store_tx_member_delete(struct ah_store_tx *tx, int64_t id, struct ah_error *err)
{
    int64_t n = 0;
    int rc = ah_sql_int(NULL, W(tx), "SELECT count(*) FROM members WHERE id = ?", &n, err, "i", id);

    if (rc < 0)
        return rc;
    if (n == 0)
        return ah_error_set(err, AH_ENOTFOUND, "member \"%lld\" does not exist", (long long)id);
    rc = refused_while_used(tx, "member", "member", id, err);
    if (rc == AH_OK) /* teams and schedules (sqlite_oncall.c) */
        rc = ah_store_tx_member_refs_check(tx, id, err);
    if (rc == AH_OK)
        rc = ah_sql_run(W(tx), "DELETE FROM members WHERE id = ?", err, "i", id);
    return rc;
}

static int members(sqlite3 *db, const struct ah_page *page, json_t **ret, struct ah_error *err)
{
    json_t *rows;
    int rc = ah_sql_rows(db, NULL,
                         "SELECT * FROM members WHERE (?1 = 0 OR id < ?1) ORDER BY id DESC"
                         " LIMIT ?2",
                         &rows, err, "ii", page->cursor, (int64_t)page->limit + 1);

    if (rc < 0)
        return rc;
    *ret = page_of(rows, page);
    return AH_OK;
}

static int member(sqlite3 *db, int64_t id, json_t **ret, struct ah_error *err)
{
    json_t *rows;
    int rc = ah_sql_rows(db, NULL, "SELECT * FROM members WHERE id = ?", &rows, err, "i", id);

    return rc < 0 ? rc : one(rows, "member", id, ret, err);
}

int ah_store_read_members(struct ah_store *s, const struct ah_page *page, json_t **ret,
                          struct ah_error *err)
{
    WITH_READER(s, err, members(db_, page, ret, err));
}

int ah_store_read_member(struct ah_store *s, int64_t id, json_t **ret, struct ah_error *err)
{
    WITH_READER(s, err, member(db_, id, ret, err));
}

/* ================= notify targets ================= */

/* Rewrites target @id's target_channels rows from @channel_ids. */
static int set_channels(struct ah_store_tx *tx, int64_t id, const json_t *channel_ids,
                        struct ah_error *err)
{
    const json_t *v;
    size_t i;
    int rc = ah_sql_run(W(tx), "DELETE FROM target_channels WHERE target_id = ?", err, "i", id);

    json_array_foreach(channel_ids, i, v)
    {
        if (rc < 0)
            break;
        if (id_of(v) != 0)
            rc = ah_sql_run(W(tx),
                            "INSERT OR IGNORE INTO target_channels(target_id, channel_id)"
                            " VALUES (?, ?)",
                            err, "ii", id, id_of(v));
    }
    return rc;
}

int ah_store_tx_target_insert(struct ah_store_tx *tx, const json_t *t, int64_t now, int64_t *ret_id,
                              struct ah_error *err)
{
    int rc =
        ah_sql_run(W(tx),
                   "INSERT INTO notify_targets(name, kind, settings, channel_ids, event_types,"
                   " created_at, updated_at) VALUES (?, ?, ?, coalesce(?, '[]'), ?, ?, ?)",
                   err, "ssjjjii", str(t, "name"), str(t, "kind"), json_object_get(t, "settings"),
                   array_or_null(t, "channel_ids"), array_or_null(t, "event_types"), now, now);

    if (rc == AH_ECONFLICT)
        return ah_error_set(err, AH_ECONFLICT, "a notify target named \"%s\" already exists",
                            str(t, "name"));
    if (rc < 0)
        return rc;
    *ret_id = sqlite3_last_insert_rowid(W(tx)->db);
    rc = ah_store_tx_target_cursor_init(tx, *ret_id, err);
    return rc < 0 ? rc : set_channels(tx, *ret_id, json_object_get(t, "channel_ids"), err);
}

int ah_store_tx_target_update(struct ah_store_tx *tx, int64_t id, const json_t *t, int64_t now,
                              struct ah_error *err)
{
    int rc =
        ah_sql_run(W(tx),
                   "UPDATE notify_targets SET name = ?, kind = ?, settings = ?,"
                   " channel_ids = coalesce(?, '[]'), event_types = ?, updated_at = ?"
                   " WHERE id = ?",
                   err, "ssjjjii", str(t, "name"), str(t, "kind"), json_object_get(t, "settings"),
                   array_or_null(t, "channel_ids"), array_or_null(t, "event_types"), now, id);

    if (rc == AH_ECONFLICT)
        return ah_error_set(err, AH_ECONFLICT, "a notify target named \"%s\" already exists",
                            str(t, "name"));
    if (rc == AH_OK && sqlite3_changes(W(tx)->db) == 0)
        return ah_error_set(err, AH_ENOTFOUND, "notify target \"%lld\" does not exist",
                            (long long)id);
    return rc < 0 ? rc : set_channels(tx, id, json_object_get(t, "channel_ids"), err);
}

int ah_store_tx_target_get(struct ah_store_tx *tx, int64_t id, json_t **ret, struct ah_error *err)
{
    json_t *rows;
    int rc =
        ah_sql_rows(NULL, W(tx), "SELECT * FROM notify_targets WHERE id = ?", &rows, err, "i", id);

    return rc < 0 ? rc : one(rows, "notify target", id, ret, err);
}

int ah_store_tx_target_delete(struct ah_store_tx *tx, int64_t id, struct ah_error *err)
{
    int64_t n = 0;
    int rc = ah_sql_int(NULL, W(tx), "SELECT count(*) FROM notify_targets WHERE id = ?", &n, err,
                        "i", id);

    if (rc < 0)
        return rc;
    if (n == 0)
        return ah_error_set(err, AH_ENOTFOUND, "notify target \"%lld\" does not exist",
                            (long long)id);
    rc = refused_while_used(tx, "target", "notify target", id, err);
    if (rc == AH_OK)
        rc = ah_sql_run(W(tx), "DELETE FROM target_channels WHERE target_id = ?", err, "i", id);
    if (rc == AH_OK)
        rc = ah_sql_run(W(tx), "DELETE FROM notify_targets WHERE id = ?", err, "i", id);
    if (rc == AH_OK)
        rc = ah_sql_run(W(tx), "DELETE FROM target_cursors WHERE target_id = ?", err, "i", id);
    return rc;
}

int ah_store_tx_channel_targets(struct ah_store_tx *tx, int64_t channel_id, json_t **ret,
                                struct ah_error *err)
{
    return ah_sql_rows(NULL, W(tx),
                       "SELECT t.* FROM target_channels c JOIN notify_targets t"
                       " ON t.id = c.target_id WHERE c.channel_id = ? ORDER BY t.id",
                       ret, err, "i", channel_id);
}

/* The API's view of target rows: settings {url, has_secret}, no secret. */
static void hide_secrets(json_t *rows)
{
    json_t *row;
    size_t i;

    json_array_foreach(rows, i, row)
    {
        const json_t *settings = json_object_get(row, "settings");
        const char *secret = str(settings, "secret");

        json_object_set_new(row, "settings",
                            json_pack("{s:O?,s:b}", "url", json_object_get(settings, "url"),
                                      "has_secret", secret != NULL && secret[0] != '\0'));
    }
}

static int targets(sqlite3 *db, const struct ah_page *page, json_t **ret, struct ah_error *err)
{
    json_t *rows;
    int rc = ah_sql_rows(db, NULL,
                         "SELECT * FROM notify_targets WHERE (?1 = 0 OR id < ?1) ORDER BY id DESC"
                         " LIMIT ?2",
                         &rows, err, "ii", page->cursor, (int64_t)page->limit + 1);

    if (rc < 0)
        return rc;
    hide_secrets(rows);
    *ret = page_of(rows, page);
    return AH_OK;
}

static int target(sqlite3 *db, int64_t id, json_t **ret, struct ah_error *err)
{
    json_t *rows;
    int rc =
        ah_sql_rows(db, NULL, "SELECT * FROM notify_targets WHERE id = ?", &rows, err, "i", id);

    if (rc < 0)
        return rc;
    hide_secrets(rows);
    return one(rows, "notify target", id, ret, err);
}

static int target_secret(sqlite3 *db, int64_t id, char **ret, struct ah_error *err)
{
    json_t *rows, *row = NULL;
    const char *secret;
    int rc = ah_sql_rows(db, NULL, "SELECT settings FROM notify_targets WHERE id = ?", &rows, err,
                         "i", id);

    if (rc == AH_OK)
        rc = one(rows, "notify target", id, &row, err);
    if (rc < 0)
        return rc;
    secret = str(json_object_get(row, "settings"), "secret");
    *ret = secret != NULL && secret[0] != '\0' ? ah_xstrdup(secret) : NULL;
    json_decref(row);
    return AH_OK;
}

int ah_store_read_targets(struct ah_store *s, const struct ah_page *page, json_t **ret,
                          struct ah_error *err)
{
    WITH_READER(s, err, targets(db_, page, ret, err));
}

int ah_store_read_target(struct ah_store *s, int64_t id, json_t **ret, struct ah_error *err)
{
    WITH_READER(s, err, target(db_, id, ret, err));
}

int ah_store_read_target_secret(struct ah_store *s, int64_t id, char **ret_secret,
                                struct ah_error *err)
{
    *ret_secret = NULL;
    WITH_READER(s, err, target_secret(db_, id, ret_secret, err));
}
