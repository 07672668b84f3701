/* people.c - members and notify targets (store.h, issue #8).
 *
 * Writes run on the writer thread; reads take a pooled connection. A
 * target's settings column holds {url, secret?}: the secret is stored as
 * given, answered by the internal calls (ah_store_tx_target_get,
 * ah_store_tx_channel_targets, ah_store_read_target_secret) and replaced by
 * "has_secret" in everything the API reads. The target_channels rows are
 * rewritten from channel_ids on every insert and update, so that "which
 * targets does channel C notify" is one indexed lookup. */
#include "store/sql.h"
#include "store/store.h"

#include "model/event.h"
#include "util/alloc.h"

#define W(tx) ah_store_wdb_of(tx)

/* ================= members ================= */

/* Inserts (@id 0) or updates member @id; *@ret_id (may be NULL) is its id (on success). */
static int member_save(struct ah_store_tx *tx, int64_t id, const json_t *m, int64_t now,
                       int64_t *ret_id, struct ah_error *err)
{
    int64_t saved = id;
    int rc = ah_sql_run(
        W(tx),
        id == 0 ? "INSERT INTO members(name, email, phone, timezone, contacts,"
                  " updated_at, created_at) VALUES (?, ?, ?, ?, coalesce(?, '[]'),"
                  " ?, ?)"
                : "UPDATE members SET name = ?1, email = ?2, phone = ?3,"
                  " timezone = ?4, contacts = coalesce(?5, '[]'), updated_at ="
                  " CASE WHEN (name, email, phone, timezone, contacts) IS NOT DISTINCT FROM"
                  " (?1, ?2, ?3, ?4, coalesce(?5, '[]')) THEN updated_at"
                  " ELSE ?6 END WHERE id = ?7",
        err, "ssssjii", ah_sql_str(m, "name"), ah_sql_str(m, "email"), ah_sql_str(m, "phone"),
        ah_sql_str(m, "timezone"), ah_sql_array_or_null(m, "contacts"), now, id == 0 ? now : id);

    rc = ah_sql_saved(W(tx), rc, "member", ah_sql_str(m, "name"), &saved, err);
    if (rc == AH_OK && ret_id != NULL)
        *ret_id = saved;
    return rc;
}

int ah_store_tx_member_insert(struct ah_store_tx *tx, const json_t *m, int64_t now, int64_t *ret_id,
                              struct ah_error *err)
{
    return member_save(tx, 0, m, now, ret_id, err);
}

int ah_store_tx_member_update(struct ah_store_tx *tx, int64_t id, const json_t *m, int64_t now,
                              struct ah_error *err)
{
    return member_save(tx, id, m, now, NULL, err);
}

int ah_store_tx_member_get(struct ah_store_tx *tx, int64_t id, json_t **ret, struct ah_error *err)
{
    return ah_sql_get(W(tx), "SELECT * FROM members WHERE id = ?", "member", id, ret, err);
}

int ah_store_tx_member_delete(struct ah_store_tx *tx, int64_t id, struct ah_error *err)
{
    int rc = ah_sql_exists(W(tx), "SELECT count(*) FROM members WHERE id = ?", "member", id, err);

    if (rc == AH_OK)
        rc = ah_sql_refused_while_used(tx, "member", "member", id, err);
    if (rc == AH_OK) /* teams and schedules (sqlite_oncall.c) */
        rc = ah_store_tx_member_refs_check(tx, id, err);
    if (rc == AH_OK)
        rc = ah_sql_run(W(tx), "DELETE FROM members WHERE id = ?", err, "i", id);
    return rc;
}

int ah_store_read_members(struct ah_store *s, const struct ah_page *page, json_t **ret,
                          struct ah_error *err)
{
    WITH_READER(s, err,
                ah_sql_list(db_,
                            "SELECT * FROM members WHERE (?1 = 0 OR id < ?1) ORDER BY id DESC"
                            " LIMIT ?2",
                            page, ret, err));
}

int ah_store_read_member(struct ah_store *s, int64_t id, json_t **ret, struct ah_error *err)
{
    WITH_READER(s, err,
                ah_sql_get(db_, "SELECT * FROM members WHERE id = ?", "member", id, ret, err));
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
        if (ah_json_id(v) != 0)
            rc = ah_sql_run(W(tx),
                            "INSERT INTO target_channels(target_id, channel_id)"
                            " VALUES (?, ?) ON CONFLICT DO NOTHING",
                            err, "ii", id, ah_json_id(v));
    }
    return rc;
}

/* Inserts (@id 0) or updates target @id, then its target_channels;
 * *@ret_id (may be NULL) is its id (on success). A new target's cursor starts at the
 * timeline's end. */
static int target_save(struct ah_store_tx *tx, int64_t id, const json_t *t, int64_t now,
                       int64_t *ret_id, struct ah_error *err)
{
    int64_t saved = id;
    int rc = ah_sql_run(
        W(tx),
        id == 0 ? "INSERT INTO notify_targets(name, kind, settings, channel_ids,"
                  " event_types, updated_at, created_at)"
                  " VALUES (?, ?, ?, coalesce(?, '[]'), ?, ?, ?)"
                : "UPDATE notify_targets SET name = ?1, kind = ?2,"
                  " settings = ?3, channel_ids = coalesce(?4, '[]'),"
                  " event_types = ?5, updated_at = CASE WHEN (name, kind,"
                  " settings, channel_ids, event_types) IS NOT DISTINCT FROM (?1, ?2, ?3,"
                  " coalesce(?4, '[]'), ?5) THEN updated_at ELSE ?6 END"
                  " WHERE id = ?7",
        err, "ssjjjii", ah_sql_str(t, "name"), ah_sql_str(t, "kind"),
        json_object_get(t, "settings"), ah_sql_array_or_null(t, "channel_ids"),
        ah_sql_array_or_null(t, "event_types"), now, id == 0 ? now : id);

    rc = ah_sql_saved(W(tx), rc, "notify target", ah_sql_str(t, "name"), &saved, err);
    if (rc == AH_OK && id == 0)
        rc = ah_store_tx_target_cursor_init(tx, saved, err);
    if (rc == AH_OK)
        rc = set_channels(tx, saved, json_object_get(t, "channel_ids"), err);
    if (rc == AH_OK && ret_id != NULL)
        *ret_id = saved;
    return rc;
}

int ah_store_tx_target_insert(struct ah_store_tx *tx, const json_t *t, int64_t now, int64_t *ret_id,
                              struct ah_error *err)
{
    return target_save(tx, 0, t, now, ret_id, err);
}

int ah_store_tx_target_update(struct ah_store_tx *tx, int64_t id, const json_t *t, int64_t now,
                              struct ah_error *err)
{
    return target_save(tx, id, t, now, NULL, err);
}

int ah_store_tx_target_get(struct ah_store_tx *tx, int64_t id, json_t **ret, struct ah_error *err)
{
    return ah_sql_get(W(tx), "SELECT * FROM notify_targets WHERE id = ?", "notify target", id, ret,
                      err);
}

int ah_store_tx_target_delete(struct ah_store_tx *tx, int64_t id, struct ah_error *err)
{
    int rc = ah_sql_exists(W(tx), "SELECT count(*) FROM notify_targets WHERE id = ?",
                           "notify target", id, err);

    if (rc == AH_OK)
        rc = ah_sql_refused_while_used(tx, "target", "notify target", id, err);
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
    return ah_sql_rows(W(tx),
                       "SELECT t.* FROM target_channels c JOIN notify_targets t"
                       " ON t.id = c.target_id WHERE c.channel_id = ? ORDER BY t.id",
                       ret, err, "i", channel_id);
}

/* The API's view of a target row: settings {url, has_secret}, no secret. */
static void hide_secret(json_t *row)
{
    const json_t *settings = json_object_get(row, "settings");
    const char *secret = ah_sql_str(settings, "secret");

    json_object_set_new(row, "settings",
                        json_pack("{s:O?,s:b}", "url", json_object_get(settings, "url"),
                                  "has_secret", secret != NULL && secret[0] != '\0'));
}

static void hide_secrets(json_t *rows)
{
    json_t *row;
    size_t i;

    json_array_foreach(rows, i, row)
    {
        hide_secret(row);
    }
}

static int targets(struct ah_db *db, const struct ah_page *page, json_t **ret, struct ah_error *err)
{
    int rc = ah_sql_list(db,
                         "SELECT * FROM notify_targets WHERE (?1 = 0 OR id < ?1) ORDER BY id DESC"
                         " LIMIT ?2",
                         page, ret, err);

    if (rc == AH_OK)
        hide_secrets(json_object_get(*ret, "items"));
    return rc;
}

static int target(struct ah_db *db, int64_t id, json_t **ret, struct ah_error *err)
{
    int rc =
        ah_sql_get(db, "SELECT * FROM notify_targets WHERE id = ?", "notify target", id, ret, err);

    if (rc == AH_OK)
        hide_secret(*ret);
    return rc;
}

static int target_secret(struct ah_db *db, int64_t id, char **ret, struct ah_error *err)
{
    json_t *row = NULL;
    const char *secret;
    int rc = ah_sql_get(db, "SELECT settings FROM notify_targets WHERE id = ?", "notify target", id,
                        &row, err);

    if (rc < 0)
        return rc;
    secret = ah_sql_str(json_object_get(row, "settings"), "secret");
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
