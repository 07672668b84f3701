/* read.c - the API's reads (store.h): any thread, a pooled read
 * connection each, committed data only. Lists walk ids downwards (newest
 * first) and fetch one row more than asked to know whether a next page
 * exists; the cursor is the last id returned. Optional filters are written
 * as "(?N = 0 OR ...)" so that each query is one fixed statement. */
#include "store/sql.h"
#include "store/store.h"

/* ================= channels, integrations ================= */

/* The escalation rules have their own path (/channels/{id}/escalations). */
#define CHANNEL_COLS                                                                               \
    "SELECT id, name, description, created_at, updated_at, grouping, flapping,"                    \
    " auto_resolve_timeout, auto_resolve_mode,"                                                    \
    " CASE disable_auto_close WHEN 0 THEN 'false' ELSE 'true' END AS disable_auto_close"           \
    " FROM channels"

static const char channels_sql[] = CHANNEL_COLS " WHERE (?1 = 0 OR id < ?1)"
                                                " ORDER BY id DESC LIMIT ?2";

int ah_store_read_channels(struct ah_store *s, const struct ah_page *page, json_t **ret,
                           struct ah_error *err)
{
    WITH_READER(s, err, ah_sql_list(db_, channels_sql, page, ret, err));
}

int ah_store_read_channel(struct ah_store *s, int64_t id, json_t **ret, struct ah_error *err)
{
    WITH_READER(s, err, ah_sql_get(db_, CHANNEL_COLS " WHERE id = ?", "channel", id, ret, err));
}

#define INTEGRATION_COLS                                                                           \
    "SELECT id, name, type, channel_id, integration_key, rate_limit_per_sec,"                      \
    " rate_limit_per_min, created_at, updated_at, last_event_at FROM integrations"

int ah_store_read_integrations(struct ah_store *s, const struct ah_page *page, json_t **ret,
                               struct ah_error *err)
{
    WITH_READER(s, err,
                ah_sql_list(db_,
                            INTEGRATION_COLS " WHERE (?1 = 0 OR id < ?1) ORDER BY id DESC LIMIT ?2",
                            page, ret, err));
}

int ah_store_read_integration(struct ah_store *s, int64_t id, json_t **ret, struct ah_error *err)
{
    WITH_READER(s, err,
                ah_sql_get(db_, INTEGRATION_COLS " WHERE id = ?", "integration", id, ret, err));
}

/* ================= incidents, alerts, events ================= */

static const char incidents_sql[] =
    "SELECT * FROM incidents WHERE (?1 = 0 OR channel_id = ?1)"
    " AND (?2 = 0 OR (?2 & CASE progress WHEN 'Triggered' THEN 1 WHEN 'Processing' THEN 2"
    "  ELSE 4 END) <> 0)"
    " AND (?3 = 0 OR (?3 & CASE severity WHEN 'Info' THEN 2 WHEN 'Warning' THEN 4"
    "  ELSE 8 END) <> 0)"
    " AND (?4 = 0 OR start_time >= ?4) AND (?5 = 0 OR start_time < ?5)"
    " AND (?6 IS NULL OR instr(lower(title), lower(?6)) > 0)"
    " AND (?7 = 0 OR id < ?7) ORDER BY id DESC LIMIT ?8";

static int incidents(struct ah_db *db, const struct ah_incident_filter *f,
                     const struct ah_page *page, json_t **ret, struct ah_error *err)
{
    json_t *rows;
    int rc = ah_sql_rows(db, incidents_sql, &rows, err, "iiiiisii", f->channel_id,
                         (int64_t)f->progress_mask, (int64_t)f->severity_mask, f->since, f->until,
                         f->q, page->cursor, (int64_t)page->limit + 1);

    if (rc < 0)
        return rc;
    *ret = ah_sql_page_of(rows, page);
    return AH_OK;
}

int ah_store_read_incidents(struct ah_store *s, const struct ah_incident_filter *f,
                            const struct ah_page *page, json_t **ret, struct ah_error *err)
{
    WITH_READER(s, err, incidents(db_, f, page, ret, err));
}

/* A parent row with its children under @key. */
static int with_children(struct ah_db *db, const char *parent_sql, const char *what,
                         const char *child_sql, const char *key, int64_t id, json_t **ret,
                         struct ah_error *err)
{
    json_t *children;
    int rc = ah_sql_get(db, parent_sql, what, id, ret, err);

    if (rc < 0)
        return rc;
    rc = ah_sql_rows(db, child_sql, &children, err, "i", id);
    if (rc < 0) {
        json_decref(*ret);
        return rc;
    }
    json_object_set_new(*ret, key, children);
    return AH_OK;
}

int ah_store_read_incident(struct ah_store *s, int64_t id, json_t **ret, struct ah_error *err)
{
    WITH_READER(s, err,
                with_children(db_, "SELECT * FROM incidents WHERE id = ?", "incident",
                              "SELECT * FROM alerts WHERE incident_id = ? ORDER BY id LIMIT 5000",
                              "alerts", id, ret, err));
}

int ah_store_read_incident_row(struct ah_store *s, int64_t id, json_t **ret, struct ah_error *err)
{
    WITH_READER(s, err,
                ah_sql_get(db_, "SELECT * FROM incidents WHERE id = ?", "incident", id, ret, err));
}

int ah_store_read_alert(struct ah_store *s, int64_t id, json_t **ret, struct ah_error *err)
{
    WITH_READER(s, err,
                with_children(db_, "SELECT * FROM alerts WHERE id = ?", "alert",
                              "SELECT * FROM events WHERE alert_id = ? ORDER BY id DESC LIMIT 500",
                              "events", id, ret, err));
}

static const char events_sql[] =
    "SELECT * FROM events WHERE (?1 = 0 OR integration_id = ?1)"
    " AND (?2 = 0 OR received_at >= ?2) AND (?3 = 0 OR id < ?3) ORDER BY id DESC LIMIT ?4";

static int events(struct ah_db *db, int64_t integration_id, int64_t since,
                  const struct ah_page *page, json_t **ret, struct ah_error *err)
{
    json_t *rows;
    int rc = ah_sql_rows(db, events_sql, &rows, err, "iiii", integration_id, since, page->cursor,
                         (int64_t)page->limit + 1);

    if (rc < 0)
        return rc;
    *ret = ah_sql_page_of(rows, page);
    return AH_OK;
}

int ah_store_read_events(struct ah_store *s, int64_t integration_id, int64_t since,
                         const struct ah_page *page, json_t **ret, struct ah_error *err)
{
    WITH_READER(s, err, events(db_, integration_id, since, page, ret, err));
}

/* ================= noise-reduction rules, timelines ================= */

int ah_store_read_channel_rules(struct ah_store *s, int64_t channel_id, json_t **ret,
                                struct ah_error *err)
{
    WITH_READER(s, err,
                ah_sql_get(db_, "SELECT grouping, flapping FROM channels WHERE id = ?", "channel",
                           channel_id, ret, err));
}

/* Flattens {id, channel_id, rule: {...}, ...} into one object. */
static void flatten_rules(json_t *rows)
{
    json_t *row;
    size_t i;

    json_array_foreach(rows, i, row)
    {
        json_t *rule = json_incref(json_object_get(row, "rule"));

        json_object_del(row, "rule");
        if (json_is_object(rule))
            json_object_update_missing(row, rule);
        json_decref(rule);
    }
}

static int hold_rules(struct ah_db *db, enum ah_store_hold_kind kind, int64_t channel_id,
                      int64_t id, json_t **ret, struct ah_error *err)
{
    json_t *rows;
    int rc = ah_sql_rows(db,
                         kind == AH_STORE_SILENCE ? "SELECT * FROM silences WHERE channel_id = ?1"
                                                    " AND (?2 = 0 OR id = ?2) ORDER BY id"
                                                  : "SELECT * FROM inhibits WHERE channel_id = ?1"
                                                    " AND (?2 = 0 OR id = ?2) ORDER BY id",
                         &rows, err, "ii", channel_id, id);

    if (rc < 0)
        return rc;
    flatten_rules(rows);
    if (id == 0) {
        *ret = json_pack("{soso}", "items", rows, "next_cursor", json_null());
        return AH_OK;
    }
    return ah_sql_one(rows, kind == AH_STORE_SILENCE ? "silence" : "inhibit rule", id, ret, err);
}

int ah_store_read_hold_rules(struct ah_store *s, enum ah_store_hold_kind kind, int64_t channel_id,
                             int64_t id, json_t **ret, struct ah_error *err)
{
    WITH_READER(s, err, hold_rules(db_, kind, channel_id, id, ret, err));
}

int ah_store_read_feed(struct ah_store *s, int64_t incident_id, json_t **ret, struct ah_error *err)
{
    WITH_READER(s, err,
                ah_sql_rows(db_,
                            "SELECT time, type, detail FROM incident_feed WHERE incident_id = ?"
                            " ORDER BY id LIMIT 1000",
                            ret, err, "i", incident_id));
}

int ah_store_read_recent_events(struct ah_store *s, int64_t channel_id, int limit, json_t **ret,
                                struct ah_error *err)
{
    WITH_READER(s, err,
                ah_sql_rows(db_,
                            "SELECT * FROM (SELECT * FROM events WHERE channel_id = ?"
                            " ORDER BY id DESC LIMIT ?) AS recent ORDER BY id",
                            ret, err, "ii", channel_id, (int64_t)limit));
}

int ah_store_read_integration_rules(struct ah_store *s, int64_t integration_id, json_t **ret,
                                    struct ah_error *err)
{
    WITH_READER(s, err,
                ah_sql_get(db_,
                           "SELECT routes, enrichment, pipeline FROM integrations WHERE id = ?",
                           "integration", integration_id, ret, err));
}

#define MAPPING_COLS                                                                               \
    "SELECT id, name, description, source_labels, result_labels, row_count, created_at,"           \
    " updated_at, uploaded_at FROM mapping_schemas"

int ah_store_read_mappings(struct ah_store *s, const struct ah_page *page, json_t **ret,
                           struct ah_error *err)
{
    WITH_READER(s, err,
                ah_sql_list(db_,
                            MAPPING_COLS " WHERE (?1 = 0 OR id < ?1) ORDER BY id DESC LIMIT ?2",
                            page, ret, err));
}

int ah_store_read_mapping(struct ah_store *s, int64_t id, json_t **ret, struct ah_error *err)
{
    WITH_READER(s, err,
                ah_sql_get(db_, MAPPING_COLS " WHERE id = ?", "mapping schema", id, ret, err));
}

static int mapping_csv(struct ah_db *db, int64_t id, char **ret, struct ah_error *err)
{
    int rc = ah_sql_text(db, "SELECT data FROM mapping_schemas WHERE id = ?", ret, err, "i", id);

    if (rc == AH_OK && *ret == NULL)
        return ah_error_set(err, AH_ENOTFOUND, "mapping schema \"%lld\" does not exist",
                            (long long)id);
    return rc;
}

int ah_store_read_mapping_csv(struct ah_store *s, int64_t id, char **ret, struct ah_error *err)
{
    *ret = NULL;
    WITH_READER(s, err, mapping_csv(db_, id, ret, err));
}
