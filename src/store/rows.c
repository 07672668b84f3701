/* rows.c - alerts and incidents read back as structs on the writer's
 * connection (it sees its own uncommitted writes): single rows for the
 * reducer and the start-up scans that rebuild its indexes. */
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

static void alert_from_row(json_t *row, struct ah_alert *a)
{
    memset(a, 0, sizeof(*a));
    a->id = num(row, "id");
    a->incident_id = num(row, "incident_id");
    a->channel_id = num(row, "channel_id");
    a->integration_id = num(row, "integration_id");
    a->alert_key = str(row, "alert_key");
    a->title = str(row, "title");
    a->description = str(row, "description");
    a->labels = json_object_get(row, "labels");
    a->severity = ah_severity_parse(str(row, "severity"));
    status_from(str(row, "status"), &a->level, &a->recovered);
    a->event_count = num(row, "event_count");
    a->start_time = num(row, "start_time");
    a->last_time = num(row, "last_time");
    a->end_time = num(row, "end_time");
    a->close_time = num(row, "close_time");
    a->group_key = str(row, "group_key");
    a->held = hold_from(str(row, "held"));
    a->flapping = (int)num(row, "flapping");
}

static void incident_from_row(json_t *row, struct ah_incident *inc)
{
    enum ah_severity ignored;

    memset(inc, 0, sizeof(*inc));
    inc->id = num(row, "id");
    inc->channel_id = num(row, "channel_id");
    inc->title = str(row, "title");
    inc->description = str(row, "description");
    inc->labels = json_object_get(row, "labels");
    inc->severity = ah_severity_parse(str(row, "severity"));
    status_from(str(row, "status"), &ignored, &inc->recovered);
    inc->progress = (enum ah_progress)ah_progress_parse(str(row, "progress"));
    inc->alert_count = num(row, "alert_count");
    inc->active_alert_count = num(row, "active_alert_count");
    inc->event_count = num(row, "event_count");
    inc->start_time = num(row, "start_time");
    inc->last_time = num(row, "last_time");
    inc->ack_time = num(row, "ack_time");
    inc->close_time = num(row, "close_time");
    inc->group_key = str(row, "group_key");
    inc->first_alert_id = num(row, "first_alert_id");
    inc->flapping = (int)num(row, "flapping");
    inc->muted_until = num(row, "muted_until");
}

int ah_store_tx_alert_get(struct ah_store_tx *tx, int64_t id, struct ah_alert *ret,
                          json_t **ret_row, struct ah_error *err)
{
    json_t *rows;
    int rc =
        ah_sql_rows(ah_store_wdb_of(tx), "SELECT * FROM alerts WHERE id = ?", &rows, err, "i", id);

    if (rc < 0)
        return rc;
    if (json_array_size(rows) == 0) {
        json_decref(rows);
        return ah_error_set(err, AH_ENOTFOUND, "alert \"%lld\" does not exist", (long long)id);
    }
    *ret_row = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    alert_from_row(*ret_row, ret);
    return AH_OK;
}

int ah_store_tx_incident_get(struct ah_store_tx *tx, int64_t id, struct ah_incident *ret,
                             json_t **ret_row, struct ah_error *err)
{
    json_t *rows;
    int rc = ah_sql_rows(ah_store_wdb_of(tx), "SELECT * FROM incidents WHERE id = ?", &rows, err,
                         "i", id);

    if (rc < 0)
        return rc;
    if (json_array_size(rows) == 0) {
        json_decref(rows);
        return ah_error_set(err, AH_ENOTFOUND, "incident \"%lld\" does not exist", (long long)id);
    }
    *ret_row = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    incident_from_row(*ret_row, ret);
    return AH_OK;
}

/* The start-up scans go row by row: at 10^6 open alerts a whole result as
 * JSON took gigabytes that the allocator kept afterwards. */
struct scan {
    void (*alert)(const struct ah_alert *a, void *arg);
    void (*incident)(const struct ah_incident *inc, void *arg);
    void *arg;
};

static void scan_alert(json_t *row, void *arg)
{
    struct scan *sc = arg;
    struct ah_alert a;

    alert_from_row(row, &a);
    sc->alert(&a, sc->arg);
}

static void scan_incident(json_t *row, void *arg)
{
    struct scan *sc = arg;
    struct ah_incident inc;

    incident_from_row(row, &inc);
    sc->incident(&inc, sc->arg);
}

int ah_store_alerts_open_each(struct ah_store *s, void (*fn)(const struct ah_alert *a, void *arg),
                              void *arg, struct ah_error *err)
{
    struct scan sc = {.alert = fn, .arg = arg};

    /* What the reducer's index keeps (no labels, no reason): at 10^6 open
     * alerts, parsing them took most of the start-up. */
    return ah_sql_each(ah_store_wdb(s),
                       "SELECT id, incident_id, channel_id, integration_id, alert_key, title,"
                       " description, severity, status, event_count, start_time, last_time,"
                       " end_time, close_time, group_key, held, flapping"
                       " FROM alerts WHERE end_time = 0 AND close_time = 0",
                       scan_alert, &sc, err, "");
}

int ah_store_incidents_open_each(struct ah_store *s,
                                 void (*fn)(const struct ah_incident *inc, void *arg), void *arg,
                                 struct ah_error *err)
{
    struct scan sc = {.incident = fn, .arg = arg};

    return ah_sql_each(ah_store_wdb(s),
                       "SELECT id, channel_id, severity, status, progress, alert_count,"
                       " active_alert_count, event_count, start_time, last_time, ack_time,"
                       " close_time, group_key, first_alert_id, flapping, muted_until"
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
                                void (*fn)(const json_t *alert, void *arg), void *arg,
                                struct ah_error *err)
{
    json_t *rows, *row;
    size_t i;
    int rc = ah_sql_rows(ah_store_wdb(s),
                         "SELECT * FROM alerts WHERE end_time = 0 AND close_time = 0"
                         " AND last_time >= ? ORDER BY last_time",
                         &rows, err, "i", since);

    if (rc < 0)
        return rc;
    json_array_foreach(rows, i, row) fn(row, arg);
    json_decref(rows);
    return AH_OK;
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
