/* rows.c - alerts, incidents, events and silence and inhibit rules decoded
 * from their columns into structs (no JSON on the way): single rows for the
 * reducer on the writer's connection (it sees its own uncommitted writes),
 * the start-up scans that rebuild its indexes, and the API's typed reads
 * (read.c). */
#include "store/sql.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

static int64_t num(const json_t *row, const char *key)
{
    const json_t *v = json_object_get(row, key);

    /* Ids come back as strings (column_json), counts and times as integers. */
    if (json_is_string(v))
        return strtoll(json_string_value(v), NULL, 10);
    return json_integer_value(v);
}

static const char *str(const json_t *row, const char *key)
{
    return json_string_value(json_object_get(row, key));
}

/* Column @i of a row, by the position the SELECT gave it. */
static int64_t col_int(const struct ah_db_col *c, int n, int i)
{
    return i < n && c[i].v.type == AH_DB_INT ? c[i].v.i : 0;
}

static const char *col_text(const struct ah_db_col *c, int n, int i)
{
    return i < n && c[i].v.type == AH_DB_TEXT ? c[i].v.s : NULL;
}

/* Status is "Ok" or the current level's name. */
static void status_from(const char *status, enum ah_severity *level, int *recovered)
{
    *recovered = status != NULL && strcmp(status, "Ok") == 0;
    *level = *recovered ? AH_SEV_NONE : ah_severity_parse(status);
}

static enum ah_alert_hold hold_from(const char *held)
{
    if (held != NULL && strcmp(held, "silenced") == 0)
        return AH_HOLD_SILENCED;
    if (held != NULL && strcmp(held, "inhibited") == 0)
        return AH_HOLD_INHIBITED;
    return AH_HOLD_NONE;
}

/* The order of AH_SQL_ALERT_COLS (sql.h). */
enum {
    A_ID,
    A_INCIDENT,
    A_CHANNEL,
    A_INTEGRATION,
    A_KEY,
    A_TITLE,
    A_DESCRIPTION,
    A_SEVERITY,
    A_STATUS,
    A_LABELS,
    A_EVENTS,
    A_START,
    A_LAST,
    A_END,
    A_CLOSE,
    A_GROUP,
    A_REASON,
    A_HELD,
    A_FLAPPING
};

void ah_sql_alert_of(const struct ah_db_col *c, int n, struct ah_alert_view *v)
{
    struct ah_alert *a = &v->row;

    memset(v, 0, sizeof(*v));
    a->id = col_int(c, n, A_ID);
    a->incident_id = col_int(c, n, A_INCIDENT);
    a->channel_id = col_int(c, n, A_CHANNEL);
    a->integration_id = col_int(c, n, A_INTEGRATION);
    a->alert_key = col_text(c, n, A_KEY);
    a->title = col_text(c, n, A_TITLE);
    a->description = col_text(c, n, A_DESCRIPTION);
    a->labels_text = col_text(c, n, A_LABELS);
    a->severity = ah_severity_parse(col_text(c, n, A_SEVERITY));
    status_from(col_text(c, n, A_STATUS), &a->level, &a->recovered);
    a->event_count = col_int(c, n, A_EVENTS);
    a->start_time = col_int(c, n, A_START);
    a->last_time = col_int(c, n, A_LAST);
    a->end_time = col_int(c, n, A_END);
    a->close_time = col_int(c, n, A_CLOSE);
    a->group_key = col_text(c, n, A_GROUP);
    v->reason_text = col_text(c, n, A_REASON);
    a->held = hold_from(col_text(c, n, A_HELD));
    a->flapping = (int)col_int(c, n, A_FLAPPING);
}

/* The order of AH_SQL_INCIDENT_COLS (sql.h). */
enum {
    I_ID,
    I_CHANNEL,
    I_TITLE,
    I_DESCRIPTION,
    I_SEVERITY,
    I_STATUS,
    I_PROGRESS,
    I_LABELS,
    I_ALERTS,
    I_ACTIVE,
    I_EVENTS,
    I_START,
    I_LAST,
    I_ACK,
    I_CLOSE,
    I_GROUP,
    I_FIRST,
    I_FLAPPING,
    I_MUTED,
    I_SNOOZED
};

void ah_sql_incident_of(const struct ah_db_col *c, int n, struct ah_incident_view *v)
{
    struct ah_incident *inc = &v->row;
    enum ah_severity ignored;

    memset(v, 0, sizeof(*v));
    inc->id = col_int(c, n, I_ID);
    inc->channel_id = col_int(c, n, I_CHANNEL);
    inc->title = col_text(c, n, I_TITLE);
    inc->description = col_text(c, n, I_DESCRIPTION);
    inc->labels_text = col_text(c, n, I_LABELS);
    inc->severity = ah_severity_parse(col_text(c, n, I_SEVERITY));
    status_from(col_text(c, n, I_STATUS), &ignored, &inc->recovered);
    inc->progress = (enum ah_progress)ah_progress_parse(col_text(c, n, I_PROGRESS));
    inc->alert_count = col_int(c, n, I_ALERTS);
    inc->active_alert_count = col_int(c, n, I_ACTIVE);
    inc->event_count = col_int(c, n, I_EVENTS);
    inc->start_time = col_int(c, n, I_START);
    inc->last_time = col_int(c, n, I_LAST);
    inc->ack_time = col_int(c, n, I_ACK);
    inc->close_time = col_int(c, n, I_CLOSE);
    inc->group_key = col_text(c, n, I_GROUP);
    inc->first_alert_id = col_int(c, n, I_FIRST);
    inc->flapping = (int)col_int(c, n, I_FLAPPING);
    inc->muted_until = col_int(c, n, I_MUTED);
    v->snooze_until = col_int(c, n, I_SNOOZED);
}

/* The order of AH_SQL_EVENT_COLS (sql.h). */
enum {
    E_ID,
    E_ALERT,
    E_CHANNEL,
    E_INTEGRATION,
    E_KEY,
    E_STATUS,
    E_SEVERITY,
    E_TITLE,
    E_DESCRIPTION,
    E_LABELS,
    E_IMAGES,
    E_TIME,
    E_RECEIVED
};

void ah_sql_event_of(const struct ah_db_col *c, int n, struct ah_event_view *v)
{
    struct ah_event_row *e = &v->row;
    enum ah_severity ignored;

    memset(v, 0, sizeof(*v));
    v->id = col_int(c, n, E_ID);
    e->alert_id = col_int(c, n, E_ALERT);
    e->channel_id = col_int(c, n, E_CHANNEL);
    e->integration_id = col_int(c, n, E_INTEGRATION);
    e->alert_key = col_text(c, n, E_KEY);
    status_from(col_text(c, n, E_STATUS), &ignored, &e->recovered);
    e->severity = ah_severity_parse(col_text(c, n, E_SEVERITY));
    e->title = col_text(c, n, E_TITLE);
    e->description = col_text(c, n, E_DESCRIPTION);
    e->labels_text = col_text(c, n, E_LABELS);
    e->images_text = col_text(c, n, E_IMAGES);
    e->event_time = col_int(c, n, E_TIME);
    e->received_at = col_int(c, n, E_RECEIVED);
}

/* The order of AH_SQL_HOLD_RULE_COLS (sql.h). */
void ah_sql_hold_rule_of(const struct ah_db_col *c, int n, struct ah_hold_rule_view *v)
{
    memset(v, 0, sizeof(*v));
    v->id = col_int(c, n, 0);
    v->channel_id = col_int(c, n, 1);
    v->hits = col_int(c, n, 2);
    v->created_at = col_int(c, n, 3);
    v->updated_at = col_int(c, n, 4);
    v->rule_text = col_text(c, n, 5);
}

/* ---- single rows on the writer's connection ---- */

/* A row for the reducer, which may change its labels: its strings are
 * copied into *@owner (a JSON object the caller frees), its labels parsed
 * there. */
static const char *keep(json_t *owner, const char *key, const char *s)
{
    if (s == NULL)
        return NULL;
    json_object_set_new(owner, key, json_string(s));
    return json_string_value(json_object_get(owner, key));
}

static json_t *labels_in(json_t *owner, const char *text)
{
    json_t *labels = text ? json_loads(text, 0, NULL) : NULL;

    if (!json_is_object(labels)) {
        json_decref(labels);
        labels = json_object();
    }
    json_object_set_new(owner, "labels", labels);
    return labels;
}

/* A row the reducer asked for: one of @a and @inc is set. */
struct got {
    struct ah_alert *a;
    struct ah_incident *inc;
    json_t *owner; /* NULL until the row came */
};

static void got_alert(const struct ah_db_col *c, int n, void *arg)
{
    struct got *g = arg;
    struct ah_alert_view v;

    ah_sql_alert_of(c, n, &v);
    g->owner = json_object();
    *g->a = v.row;
    g->a->alert_key = keep(g->owner, "alert_key", v.row.alert_key);
    g->a->title = keep(g->owner, "title", v.row.title);
    g->a->description = keep(g->owner, "description", v.row.description);
    g->a->group_key = keep(g->owner, "group_key", v.row.group_key);
    g->a->labels = labels_in(g->owner, v.row.labels_text);
    g->a->labels_text = NULL; /* the caller may change the labels */
}

static void got_incident(const struct ah_db_col *c, int n, void *arg)
{
    struct got *g = arg;
    struct ah_incident_view v;

    ah_sql_incident_of(c, n, &v);
    g->owner = json_object();
    *g->inc = v.row;
    g->inc->title = keep(g->owner, "title", v.row.title);
    g->inc->description = keep(g->owner, "description", v.row.description);
    g->inc->group_key = keep(g->owner, "group_key", v.row.group_key);
    g->inc->labels = labels_in(g->owner, v.row.labels_text);
    g->inc->labels_text = NULL;
}

static int get_row(struct ah_store_tx *tx, const char *sql, ah_db_row_fn fn, struct got *g,
                   const char *what, int64_t id, json_t **ret_row, struct ah_error *err)
{
    int rc = ah_sql_query(ah_store_wdb_of(tx), sql, fn, g, err, "i", id);

    if (rc == AH_OK && g->owner == NULL)
        rc = ah_sql_not_found(err, what, id);
    *ret_row = g->owner;
    return rc;
}

int ah_store_tx_alert_get(struct ah_store_tx *tx, int64_t id, struct ah_alert *ret,
                          json_t **ret_row, struct ah_error *err)
{
    struct got g = {.a = ret};

    return get_row(tx, "SELECT " AH_SQL_ALERT_COLS " FROM alerts WHERE id = ?", got_alert, &g,
                   "alert", id, ret_row, err);
}

int ah_store_tx_incident_get(struct ah_store_tx *tx, int64_t id, struct ah_incident *ret,
                             json_t **ret_row, struct ah_error *err)
{
    struct got g = {.inc = ret};

    return get_row(tx, "SELECT " AH_SQL_INCIDENT_COLS " FROM incidents WHERE id = ?", got_incident,
                   &g, "incident", id, ret_row, err);
}

/* ---- the start-up scans: row by row, borrowed ---- */

struct scan {
    void (*alert)(const struct ah_alert_view *a, void *arg);
    void (*incident)(const struct ah_incident_view *inc, void *arg);
    void *arg;
};

static void scan_alert(const struct ah_db_col *c, int n, void *arg)
{
    struct scan *sc = arg;
    struct ah_alert_view v;

    ah_sql_alert_of(c, n, &v);
    sc->alert(&v, sc->arg);
}

static void scan_incident(const struct ah_db_col *c, int n, void *arg)
{
    struct scan *sc = arg;
    struct ah_incident_view v;

    ah_sql_incident_of(c, n, &v);
    sc->incident(&v, sc->arg);
}

int ah_store_alerts_open_each(struct ah_store *s,
                              void (*fn)(const struct ah_alert_view *a, void *arg), void *arg,
                              struct ah_error *err)
{
    struct scan sc = {.alert = fn, .arg = arg};

    return ah_sql_query(ah_store_wdb(s),
                        "SELECT " AH_SQL_ALERT_INDEX_COLS
                        " FROM alerts WHERE end_time = 0 AND close_time = 0",
                        scan_alert, &sc, err, "");
}

int ah_store_incidents_open_each(struct ah_store *s,
                                 void (*fn)(const struct ah_incident_view *inc, void *arg),
                                 void *arg, struct ah_error *err)
{
    struct scan sc = {.incident = fn, .arg = arg};

    return ah_sql_query(ah_store_wdb(s),
                        "SELECT " AH_SQL_INCIDENT_INDEX_COLS
                        " FROM incidents WHERE progress <> 'Closed'",
                        scan_incident, &sc, err, "");
}

int ah_store_channel_rules_each(struct ah_store *s,
                                void (*fn)(int64_t channel_id, const json_t *grouping,
                                           const json_t *flapping, void *arg),
                                void *arg, struct ah_error *err)
{
    json_t *rows, *row;
    size_t i;
    int rc =
        ah_sql_rows(ah_store_wdb(s), "SELECT id, grouping, flapping FROM channels", &rows, err, "");

    if (rc < 0)
        return rc;
    json_array_foreach(rows, i, row)
    {
        const json_t *g = json_object_get(row, "grouping"), *f = json_object_get(row, "flapping");

        fn(num(row, "id"), json_is_null(g) ? NULL : g, json_is_null(f) ? NULL : f, arg);
    }
    json_decref(rows);
    return AH_OK;
}

int ah_store_hold_rules_each(struct ah_store *s, enum ah_store_hold_kind kind,
                             void (*fn)(int64_t id, int64_t channel_id, const json_t *rule,
                                        void *arg),
                             void *arg, struct ah_error *err)
{
    json_t *rows, *row;
    size_t i;
    int rc = ah_sql_rows(ah_store_wdb(s),
                         kind == AH_STORE_SILENCE
                             ? "SELECT id, channel_id, rule FROM silences ORDER BY id"
                             : "SELECT id, channel_id, rule FROM inhibits ORDER BY id",
                         &rows, err, "");

    if (rc < 0)
        return rc;
    json_array_foreach(rows, i, row)
        fn(num(row, "id"), num(row, "channel_id"), json_object_get(row, "rule"), arg);
    json_decref(rows);
    return AH_OK;
}

struct flaps {
    void (*fn)(int64_t channel_id, const char *alert_key, const char *changes, int64_t muted_until,
               void *arg);
    void *arg;
};

static void flap_row(const struct ah_db_col *c, int n, void *arg)
{
    struct flaps *f = arg;

    if (col_text(c, n, 1) != NULL && col_text(c, n, 2) != NULL)
        f->fn(col_int(c, n, 0), col_text(c, n, 1), col_text(c, n, 2), col_int(c, n, 3), f->arg);
}

int ah_store_flaps_each(struct ah_store *s,
                        void (*fn)(int64_t channel_id, const char *alert_key, const char *changes,
                                   int64_t muted_until, void *arg),
                        void *arg, struct ah_error *err)
{
    struct flaps f = {fn, arg};

    return ah_sql_query(ah_store_wdb(s),
                        "SELECT channel_id, alert_key, changes, muted_until FROM flaps", flap_row,
                        &f, err, "");
}

struct merges {
    void (*fn)(int64_t incident_id, int64_t time, void *arg);
    void *arg;
};

static void merge_row(const struct ah_db_col *c, int n, void *arg)
{
    struct merges *m = arg;

    m->fn(col_int(c, n, 0), col_int(c, n, 1), m->arg);
}

int ah_store_last_merges_each(struct ah_store *s, int64_t channel_id,
                              void (*fn)(int64_t incident_id, int64_t time, void *arg), void *arg,
                              struct ah_error *err)
{
    struct merges m = {fn, arg};

    return ah_sql_query(ah_store_wdb(s),
                        "SELECT f.incident_id, max(f.time) FROM incidents i"
                        " JOIN incident_feed f ON f.incident_id = i.id"
                        " WHERE i.channel_id = ? AND i.progress <> 'Closed' AND f.type = 'a_merge'"
                        " GROUP BY f.incident_id",
                        merge_row, &m, err, "i", channel_id);
}

int ah_store_integration_rules_each(struct ah_store *s,
                                    void (*fn)(int64_t integration_id, const json_t *routes,
                                               const json_t *enrichment, const json_t *pipeline,
                                               void *arg),
                                    void *arg, struct ah_error *err)
{
    json_t *rows, *row;
    size_t i;
    int rc = ah_sql_rows(ah_store_wdb(s),
                         "SELECT id, routes, enrichment, pipeline FROM integrations"
                         " WHERE routes IS NOT NULL OR enrichment IS NOT NULL"
                         " OR pipeline IS NOT NULL",
                         &rows, err, "");

    if (rc < 0)
        return rc;
    json_array_foreach(rows, i, row)
    {
        const json_t *r = json_object_get(row, "routes"), *e = json_object_get(row, "enrichment");
        const json_t *p = json_object_get(row, "pipeline");

        fn(num(row, "id"), json_is_null(r) ? NULL : r, json_is_null(e) ? NULL : e,
           json_is_null(p) ? NULL : p, arg);
    }
    json_decref(rows);
    return AH_OK;
}

int ah_store_recent_alerts_each(struct ah_store *s, int64_t since,
                                void (*fn)(const struct ah_alert_view *alert, void *arg), void *arg,
                                struct ah_error *err)
{
    struct scan sc = {.alert = fn, .arg = arg};

    return ah_sql_query(ah_store_wdb(s),
                        "SELECT " AH_SQL_ALERT_COLS " FROM alerts WHERE end_time = 0"
                        " AND close_time = 0 AND last_time >= ? ORDER BY last_time",
                        scan_alert, &sc, err, "i", since);
}

int ah_store_mappings_each(struct ah_store *s,
                           void (*fn)(int64_t id, const json_t *schema, const char *csv, void *arg),
                           void *arg, struct ah_error *err)
{
    json_t *rows, *row;
    size_t i;
    int rc = ah_sql_rows(ah_store_wdb(s),
                         "SELECT id, source_labels, result_labels, data FROM mapping_schemas",
                         &rows, err, "");

    if (rc < 0)
        return rc;
    json_array_foreach(rows, i, row)
        fn(num(row, "id"), row, json_string_value(json_object_get(row, "data")), arg);
    json_decref(rows);
    return AH_OK;
}

int ah_store_channels_each(struct ah_store *s, void (*fn)(int64_t id, const char *name, void *arg),
                           void *arg, struct ah_error *err)
{
    json_t *rows, *row;
    size_t i;
    int rc = ah_sql_rows(ah_store_wdb(s), "SELECT id, name FROM channels", &rows, err, "");

    if (rc < 0)
        return rc;
    json_array_foreach(rows, i, row) fn(num(row, "id"), str(row, "name"), arg);
    json_decref(rows);
    return AH_OK;
}

/* ---- catching up with other nodes: the rows they changed (store.h) ---- */

#define IDS_IN " IN (SELECT CAST(value AS BIGINT) FROM json_each(?))"

int ah_store_tx_incidents_open_in(struct ah_store_tx *tx, const char *ids,
                                  void (*fn)(const struct ah_incident_view *inc, void *arg),
                                  void *arg, struct ah_error *err)
{
    struct scan sc = {.incident = fn, .arg = arg};

    return ah_sql_query(ah_store_wdb_of(tx),
                        "SELECT " AH_SQL_INCIDENT_INDEX_COLS " FROM incidents WHERE id" IDS_IN
                        " AND progress <> 'Closed'",
                        scan_incident, &sc, err, "s", ids);
}

int ah_store_tx_alerts_in(struct ah_store_tx *tx, const char *ids, int of_incidents,
                          void (*fn)(const struct ah_alert_view *a, void *arg), void *arg,
                          struct ah_error *err)
{
    struct scan sc = {.alert = fn, .arg = arg};

    return ah_sql_query(ah_store_wdb_of(tx),
                        of_incidents ? "SELECT " AH_SQL_ALERT_COLS
                                       " FROM alerts WHERE incident_id" IDS_IN
                                       " AND end_time = 0 AND close_time = 0"
                                     : "SELECT " AH_SQL_ALERT_COLS " FROM alerts WHERE id" IDS_IN,
                        scan_alert, &sc, err, "s", ids);
}

int ah_store_tx_flaps_in(struct ah_store_tx *tx, const char *keys,
                         void (*fn)(int64_t channel_id, const char *alert_key, const char *changes,
                                    int64_t muted_until, void *arg),
                         void *arg, struct ah_error *err)
{
    struct flaps f = {fn, arg};

    return ah_sql_query(ah_store_wdb_of(tx),
                        "SELECT f.channel_id, f.alert_key, f.changes, f.muted_until FROM flaps f"
                        " JOIN json_each(?) j ON f.channel_id ="
                        " CAST(json_extract(j.value, '$.c') AS BIGINT)"
                        " AND f.alert_key = json_extract(j.value, '$.k')",
                        flap_row, &f, err, "s", keys);
}

int ah_store_tx_last_merges_in(struct ah_store_tx *tx, const char *ids,
                               void (*fn)(int64_t incident_id, int64_t time, void *arg), void *arg,
                               struct ah_error *err)
{
    struct merges m = {fn, arg};

    return ah_sql_query(ah_store_wdb_of(tx),
                        "SELECT incident_id, max(time) FROM incident_feed WHERE incident_id" IDS_IN
                        " AND type = 'a_merge' GROUP BY incident_id",
                        merge_row, &m, err, "s", ids);
}
