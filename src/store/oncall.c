/* oncall.c - teams, schedules and schedule overrides (store.h,
 * issue #9).
 *
 * Writes run on the writer thread; reads take a pooled connection. The
 * member_refs rows of a team or schedule are rewritten after every write
 * that can change them: a team's from its member_ids, a schedule's from
 * its layers[].member_ids[] and its overrides. ah_store_tx_member_delete
 * (sqlite_people.c) refuses to delete a member they name. */
#include "store/sql.h"
#include "store/store.h"

#include "model/event.h"
#include "util/alloc.h"

#include <string.h>

#define W(tx) ah_store_wdb_of(tx)

/* ================= shared ================= */

/* Adds a member_refs row (@kind, @owner, each id of @ids); repeats and
 * values that are not ids are skipped. */
static int refs_add(struct ah_store_tx *tx, const char *kind, int64_t owner, const json_t *ids,
                    struct ah_error *err)
{
    const json_t *v;
    size_t i;
    int rc = AH_OK;

    json_array_foreach(ids, i, v)
    {
        if (ah_json_id(v) != 0)
            rc = ah_sql_run(W(tx),
                            "INSERT INTO member_refs(kind, owner_id, member_id)"
                            " VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                            err, "sii", kind, owner, ah_json_id(v));
        if (rc < 0)
            return rc;
    }
    return AH_OK;
}

static int refs_clear(struct ah_store_tx *tx, const char *kind, int64_t owner, struct ah_error *err)
{
    return ah_sql_run(W(tx), "DELETE FROM member_refs WHERE kind = ? AND owner_id = ?", err, "si",
                      kind, owner);
}

/* ================= teams ================= */

static int team_refs(struct ah_store_tx *tx, int64_t id, const json_t *team, struct ah_error *err)
{
    int rc = refs_clear(tx, "team", id, err);

    return rc < 0 ? rc : refs_add(tx, "team", id, json_object_get(team, "member_ids"), err);
}

/* Inserts (@id 0) or updates team @id, then its member_refs; *@ret_id (may
 * be NULL) is the team's id (on success). */
static int team_save(struct ah_store_tx *tx, int64_t id, const json_t *team, int64_t now,
                     int64_t *ret_id, struct ah_error *err)
{
    int64_t saved = id;
    int rc = ah_sql_run(W(tx),
                        id == 0 ? "INSERT INTO teams(name, member_ids, updated_at, created_at)"
                                  " VALUES (?, coalesce(?, '[]'), ?, ?)"
                                : "UPDATE teams SET name = ?1, member_ids = coalesce(?2, '[]'),"
                                  " updated_at = CASE WHEN (name, member_ids) IS NOT DISTINCT FROM"
                                  " (?1, coalesce(?2, '[]')) THEN updated_at ELSE ?3 END"
                                  " WHERE id = ?4",
                        err, "sjii", ah_sql_str(team, "name"),
                        ah_sql_array_or_null(team, "member_ids"), now, id == 0 ? now : id);

    rc = ah_sql_saved(W(tx), rc, "team", ah_sql_str(team, "name"), &saved, err);
    if (rc == AH_OK)
        rc = team_refs(tx, saved, team, err);
    if (rc == AH_OK && ret_id != NULL)
        *ret_id = saved;
    return rc;
}

int ah_store_tx_team_insert(struct ah_store_tx *tx, const json_t *team, int64_t now,
                            int64_t *ret_id, struct ah_error *err)
{
    return team_save(tx, 0, team, now, ret_id, err);
}

int ah_store_tx_team_update(struct ah_store_tx *tx, int64_t id, const json_t *team, int64_t now,
                            struct ah_error *err)
{
    return team_save(tx, id, team, now, NULL, err);
}

int ah_store_tx_team_delete(struct ah_store_tx *tx, int64_t id, struct ah_error *err)
{
    int rc = ah_sql_exists(W(tx), "SELECT count(*) FROM teams WHERE id = ?", "team", id, err);

    if (rc == AH_OK)
        rc = ah_sql_refused_while_used(tx, "team", "team", id, err);
    if (rc == AH_OK)
        rc = refs_clear(tx, "team", id, err);
    if (rc == AH_OK)
        rc = ah_sql_run(W(tx), "DELETE FROM teams WHERE id = ?", err, "i", id);
    return rc;
}

int ah_store_tx_team_get(struct ah_store_tx *tx, int64_t id, json_t **ret, struct ah_error *err)
{
    return ah_sql_get(W(tx), "SELECT * FROM teams WHERE id = ?", "team", id, ret, err);
}

/* ================= schedules ================= */

/* Rewrites schedule @id's member_refs from its stored layers and overrides. */
static int schedule_refs(struct ah_store_tx *tx, int64_t id, struct ah_error *err)
{
    char *text = NULL;
    json_t *layers, *layer;
    size_t i;
    int rc = refs_clear(tx, "schedule", id, err);

    if (rc == AH_OK)
        rc = ah_sql_text(W(tx), "SELECT layers FROM schedules WHERE id = ?", &text, err, "i", id);
    if (rc < 0)
        return rc;
    layers = text ? json_loads(text, 0, NULL) : NULL;
    ah_free(text);
    json_array_foreach(layers, i, layer)
    {
        rc = refs_add(tx, "schedule", id, json_object_get(layer, "member_ids"), err);
        if (rc < 0)
            break;
    }
    json_decref(layers);
    if (rc == AH_OK)
        rc = ah_sql_run(W(tx),
                        "INSERT INTO member_refs(kind, owner_id, member_id)"
                        " SELECT 'schedule', schedule_id, member_id FROM schedule_overrides"
                        " WHERE schedule_id = ? ON CONFLICT DO NOTHING",
                        err, "i", id);
    return rc;
}

/* Inserts (@id 0) or updates schedule @id, then its member_refs; *@ret_id
 * (may be NULL) is the schedule's id (on success). */
static int schedule_save(struct ah_store_tx *tx, int64_t id, const json_t *schedule, int64_t now,
                         int64_t *ret_id, struct ah_error *err)
{
    int64_t saved = id;
    int rc = ah_sql_run(
        W(tx),
        id == 0
            ? "INSERT INTO schedules(name, timezone, layers, updated_at,"
              " created_at) VALUES (?, ?, ?, ?, ?)"
            : "UPDATE schedules SET name = ?1, timezone = ?2, layers = ?3,"
              " updated_at = CASE WHEN (name, timezone, layers) IS NOT DISTINCT FROM (?1, ?2, ?3)"
              " THEN updated_at ELSE ?4 END WHERE id = ?5",
        err, "ssjii", ah_sql_str(schedule, "name"), ah_sql_str(schedule, "timezone"),
        json_object_get(schedule, "layers"), now, id == 0 ? now : id);

    rc = ah_sql_saved(W(tx), rc, "schedule", ah_sql_str(schedule, "name"), &saved, err);
    if (rc == AH_OK)
        rc = schedule_refs(tx, saved, err);
    if (rc == AH_OK && ret_id != NULL)
        *ret_id = saved;
    return rc;
}

int ah_store_tx_schedule_insert(struct ah_store_tx *tx, const json_t *schedule, int64_t now,
                                int64_t *ret_id, struct ah_error *err)
{
    return schedule_save(tx, 0, schedule, now, ret_id, err);
}

int ah_store_tx_schedule_update(struct ah_store_tx *tx, int64_t id, const json_t *schedule,
                                int64_t now, struct ah_error *err)
{
    return schedule_save(tx, id, schedule, now, NULL, err);
}

static int schedule_exists(struct ah_db *db, int64_t id, struct ah_error *err)
{
    return ah_sql_exists(db, "SELECT count(*) FROM schedules WHERE id = ?", "schedule", id, err);
}

int ah_store_tx_schedule_delete(struct ah_store_tx *tx, int64_t id, struct ah_error *err)
{
    int rc = schedule_exists(W(tx), id, err);

    if (rc == AH_OK)
        rc = ah_sql_refused_while_used(tx, "schedule", "schedule", id, err);
    if (rc == AH_OK)
        rc = refs_clear(tx, "schedule", id, err);
    if (rc == AH_OK)
        rc =
            ah_sql_run(W(tx), "DELETE FROM schedule_overrides WHERE schedule_id = ?", err, "i", id);
    if (rc == AH_OK)
        rc = ah_sql_run(W(tx), "DELETE FROM schedules WHERE id = ?", err, "i", id);
    return rc;
}

/* The schedule row that @sql selects and (@ret_overrides non-NULL) its
 * overrides; @db and @c as for ah_sql_get. Nothing is returned on failure. */
static int schedule_rows(struct ah_db *db, const char *sql, int64_t id, json_t **ret,
                         json_t **ret_overrides, struct ah_error *err)
{
    int rc = ah_sql_get(db, sql, "schedule", id, ret, err);

    if (rc < 0 || ret_overrides == NULL)
        return rc;
    rc = ah_sql_rows(db,
                     "SELECT id, member_id, start, \"end\" FROM schedule_overrides"
                     " WHERE schedule_id = ? ORDER BY id",
                     ret_overrides, err, "i", id);
    if (rc < 0) {
        json_decref(*ret);
        *ret = NULL;
    }
    return rc;
}

int ah_store_tx_schedule_get(struct ah_store_tx *tx, int64_t id, json_t **ret_schedule,
                             json_t **ret_overrides, struct ah_error *err)
{
    return schedule_rows(W(tx), "SELECT id, name, timezone, layers FROM schedules WHERE id = ?", id,
                         ret_schedule, ret_overrides, err);
}

/* ================= overrides ================= */

int ah_store_tx_override_insert(struct ah_store_tx *tx, int64_t schedule_id, const json_t *override,
                                int64_t now, int64_t *ret_id, struct ah_error *err)
{
    int64_t n = 0;
    int rc = schedule_exists(W(tx), schedule_id, err);

    if (rc < 0)
        return rc;
    rc = ah_sql_int(W(tx), "SELECT count(*) FROM schedule_overrides WHERE schedule_id = ?", &n, err,
                    "i", schedule_id);
    if (rc < 0)
        return rc;
    if (n >= AH_STORE_MAX_OVERRIDES)
        return ah_error_set(err, AH_EINVAL,
                            "schedule \"%lld\" has %d overrides, the most it may have: delete "
                            "old ones first",
                            (long long)schedule_id, AH_STORE_MAX_OVERRIDES);
    rc = ah_sql_run(W(tx),
                    "INSERT INTO schedule_overrides(schedule_id, member_id, start, \"end\","
                    " created_at) VALUES (?, ?, ?, ?, ?)",
                    err, "iiiii", schedule_id, ah_json_id(json_object_get(override, "member_id")),
                    (int64_t)json_integer_value(json_object_get(override, "start")),
                    (int64_t)json_integer_value(json_object_get(override, "end")), now);
    if (rc < 0)
        return rc;
    *ret_id = ah_sql_last_id(W(tx));
    return schedule_refs(tx, schedule_id, err);
}

int ah_store_tx_override_delete(struct ah_store_tx *tx, int64_t schedule_id, int64_t id,
                                struct ah_error *err)
{
    int rc = ah_sql_run(W(tx), "DELETE FROM schedule_overrides WHERE schedule_id = ? AND id = ?",
                        err, "ii", schedule_id, id);

    if (rc == AH_OK && ah_sql_changes(W(tx)) == 0)
        return ah_error_set(err, AH_ENOTFOUND, "schedule \"%lld\" has no override \"%lld\"",
                            (long long)schedule_id, (long long)id);
    return rc < 0 ? rc : schedule_refs(tx, schedule_id, err);
}

/* ================= members in use ================= */

int ah_store_tx_member_refs_check(struct ah_store_tx *tx, int64_t member_id, struct ah_error *err)
{
    json_t *row = NULL;
    const char *kind, *name;
    int rc = ah_sql_first(
        W(tx),
        "SELECT r.kind AS kind, r.owner_id AS owner_id, coalesce(t.name, s.name) AS name,"
        " EXISTS (SELECT 1 FROM schedule_overrides o WHERE r.kind = 'schedule'"
        " AND o.schedule_id = r.owner_id AND o.member_id = r.member_id) AS overridden,"
        " (SELECT count(*) FROM member_refs WHERE member_id = ?1) AS uses"
        " FROM member_refs r LEFT JOIN teams t ON r.kind = 'team' AND t.id = r.owner_id"
        " LEFT JOIN schedules s ON r.kind = 'schedule' AND s.id = r.owner_id"
        " WHERE r.member_id = ?1 ORDER BY r.kind DESC, r.owner_id LIMIT 1",
        &row, err, "i", member_id);

    if (rc < 0 || row == NULL)
        return rc;
    kind = ah_sql_str(row, "kind");
    name = ah_sql_str(row, "name");
    if (strcmp(kind, "team") == 0)
        rc = ah_error_set(err, AH_ECONFLICT, "member \"%lld\" is in team \"%s\"%s%s%s",
                          (long long)member_id, ah_sql_str(row, "owner_id"), name ? " (" : "",
                          name ? name : "", name ? ")" : "");
    else
        rc = ah_error_set(
            err, AH_ECONFLICT, "member \"%lld\" is %s schedule \"%s\"%s%s%s", (long long)member_id,
            json_integer_value(json_object_get(row, "overridden")) ? "in an override of"
                                                                   : "in a layer of",
            ah_sql_str(row, "owner_id"), name ? " (" : "", name ? name : "", name ? ")" : "");
    ah_sql_conflict_others(err, json_integer_value(json_object_get(row, "uses")) - 1,
                           "team(s) or schedule(s)");
    json_decref(row);
    return rc;
}

/* ================= reads ================= */

/* One snapshot of the schedule and (@ret_overrides non-NULL) its overrides. */
static int schedule(struct ah_db *db, int64_t id, json_t **ret, json_t **ret_overrides,
                    struct ah_error *err)
{
    int rc = ah_sql_exec(db, "BEGIN", err);

    if (rc < 0)
        return rc;
    rc = schedule_rows(db, "SELECT * FROM schedules WHERE id = ?", id, ret, ret_overrides, err);
    if (ah_sql_exec(db, "COMMIT", NULL) < 0)
        ah_sql_exec(db, "ROLLBACK", NULL);
    return rc;
}

static int overrides(struct ah_db *db, int64_t schedule_id, int64_t id, json_t **ret,
                     struct ah_error *err)
{
    json_t *rows;
    int rc = schedule_exists(db, schedule_id, err);

    if (rc < 0)
        return rc;
    rc = ah_sql_rows(db,
                     "SELECT id, schedule_id, member_id, start, \"end\", created_at"
                     " FROM schedule_overrides WHERE schedule_id = ?1 AND (?2 = 0 OR id = ?2)"
                     " ORDER BY start, id",
                     &rows, err, "ii", schedule_id, id);
    if (rc < 0)
        return rc;
    if (id != 0)
        return ah_sql_one(rows, "override", id, ret, err);
    *ret = json_pack("{so}", "items", rows);
    return AH_OK;
}

static int member_names(struct ah_db *db, const json_t *ids, json_t **ret, struct ah_error *err)
{
    const json_t *v;
    size_t i;

    *ret = json_object();
    json_array_foreach(ids, i, v)
    {
        char *name = NULL;
        int rc = ah_sql_text(db, "SELECT name FROM members WHERE id = ?", &name, err, "i",
                             ah_json_id(v));

        if (rc < 0) {
            json_decref(*ret);
            *ret = NULL;
            return rc;
        }
        if (name != NULL && json_is_string(v))
            json_object_set_new(*ret, json_string_value(v), json_string(name));
        ah_free(name);
    }
    return AH_OK;
}

int ah_store_read_teams(struct ah_store *s, const struct ah_page *page, json_t **ret,
                        struct ah_error *err)
{
    WITH_READER(s, err,
                ah_sql_list(db_,
                            "SELECT * FROM teams WHERE (?1 = 0 OR id < ?1) ORDER BY id DESC"
                            " LIMIT ?2",
                            page, ret, err));
}

int ah_store_read_team(struct ah_store *s, int64_t id, json_t **ret, struct ah_error *err)
{
    WITH_READER(s, err, ah_sql_get(db_, "SELECT * FROM teams WHERE id = ?", "team", id, ret, err));
}

int ah_store_read_schedules(struct ah_store *s, const struct ah_page *page, json_t **ret,
                            struct ah_error *err)
{
    WITH_READER(s, err,
                ah_sql_list(db_,
                            "SELECT * FROM schedules WHERE (?1 = 0 OR id < ?1)"
                            " ORDER BY id DESC LIMIT ?2",
                            page, ret, err));
}

int ah_store_read_schedule(struct ah_store *s, int64_t id, json_t **ret, json_t **ret_overrides,
                           struct ah_error *err)
{
    WITH_READER(s, err, schedule(db_, id, ret, ret_overrides, err));
}

int ah_store_read_overrides(struct ah_store *s, int64_t schedule_id, int64_t id, json_t **ret,
                            struct ah_error *err)
{
    WITH_READER(s, err, overrides(db_, schedule_id, id, ret, err));
}

int ah_store_read_member_names(struct ah_store *s, const json_t *ids, json_t **ret,
                               struct ah_error *err)
{
    WITH_READER(s, err, member_names(db_, ids, ret, err));
}
