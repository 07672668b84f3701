/* write.c - the writer's statements (store.h, writer thread only):
 * channels, integrations, retries, events, alerts and incidents; and the
 * start-up scans that rebuild the reducer's in-memory indexes. */
#include "store/sql.h"
#include "store/store.h"

#include "util/alloc.h"

#include <string.h>

#define W(tx) ah_store_wdb_of(tx)

/* ================= channels ================= */

int ah_store_tx_channel_insert(struct ah_store_tx *tx, const char *name, const char *description,
                               int64_t now, int64_t *ret_id, struct ah_error *err)
{
    int rc = ah_sql_run(W(tx),
                        "INSERT INTO channels(name, description, created_at, updated_at)"
                        " VALUES (?, ?, ?, ?)",
                        err, "ssii", name, description ? description : "", now, now);

    ah_store_tx_config_changed(tx);
    if (rc == AH_ECONFLICT)
        return ah_error_set(err, AH_ECONFLICT, "a channel named \"%s\" already exists", name);
    if (rc < 0)
        return rc;
    *ret_id = ah_sql_last_id(W(tx));
    return AH_OK;
}

int ah_store_tx_channel_exists(struct ah_store_tx *tx, int64_t id, struct ah_error *err)
{
    int64_t n = 0;
    int rc = ah_sql_int(W(tx), "SELECT count(*) FROM channels WHERE id = ?", &n, err, "i", id);

    if (rc < 0)
        return rc;
    return n ? AH_OK : ah_sql_not_found(err, "channel", id);
}

int ah_store_tx_channel_update(struct ah_store_tx *tx, int64_t id, const char *name,
                               const char *description, int64_t now, struct ah_error *err)
{
    int rc = ah_store_tx_channel_exists(tx, id, err);

    ah_store_tx_config_changed(tx);
    if (rc < 0)
        return rc;
    rc = ah_sql_run(W(tx),
                    "UPDATE channels SET name = coalesce(?1, name),"
                    " description = coalesce(?2, description), updated_at = CASE"
                    " WHEN (name, description) IS NOT DISTINCT FROM (coalesce(?1, name), "
                    "coalesce(?2, description))"
                    " THEN updated_at ELSE ?3 END WHERE id = ?4",
                    err, "ssii", name, description, now, id);
    if (rc == AH_ECONFLICT)
        return ah_error_set(err, AH_ECONFLICT, "a channel named \"%s\" already exists", name);
    return rc;
}

int ah_store_tx_channel_delete(struct ah_store_tx *tx, int64_t id, struct ah_error *err)
{
    int64_t users = 0;
    int rc = ah_store_tx_channel_exists(tx, id, err);

    ah_store_tx_touch_all(tx); /* a channel's rules: every node rebuilds */
    ah_store_tx_config_changed(tx);
    if (rc < 0)
        return rc;
    rc = ah_sql_int(W(tx), "SELECT count(*) FROM integrations WHERE channel_id = ?", &users, err,
                    "i", id);
    if (rc < 0)
        return rc;
    if (rc == AH_OK && users == 0)
        rc = ah_sql_int(W(tx), "SELECT count(*) FROM route_channels WHERE channel_id = ?", &users,
                        err, "i", id);
    if (rc == AH_OK && users == 0)
        rc = ah_sql_int(W(tx), "SELECT count(*) FROM target_channels WHERE channel_id = ?", &users,
                        err, "i", id);
    if (rc < 0)
        return rc;
    if (users > 0)
        return ah_error_set(err, AH_ECONFLICT,
                            "cannot delete channel \"%lld\": %lld integration(s), route(s) or "
                            "notify target subscription(s) point at it",
                            (long long)id, (long long)users);
    /* Its rules go with it; its incidents stay as history. */
    rc = ah_sql_run(W(tx), "DELETE FROM silences WHERE channel_id = ?", err, "i", id);
    if (rc == AH_OK)
        rc = ah_sql_run(W(tx), "DELETE FROM escalation_refs WHERE channel_id = ?", err, "i", id);
    if (rc == AH_OK)
        rc = ah_sql_run(W(tx), "DELETE FROM inhibits WHERE channel_id = ?", err, "i", id);
    if (rc == AH_OK)
        rc = ah_sql_run(W(tx), "DELETE FROM flaps WHERE channel_id = ?", err, "i", id);
    if (rc == AH_OK)
        rc = ah_sql_run(W(tx), "DELETE FROM channels WHERE id = ?", err, "i", id);
    return rc;
}

/* ================= integrations ================= */

int ah_store_tx_integration_insert(struct ah_store_tx *tx, struct ah_integration *i, int64_t now,
                                   struct ah_error *err)
{
    int rc = ah_sql_run(W(tx),
                        "INSERT INTO integrations(name, type, channel_id, integration_key,"
                        " rate_limit_per_sec, rate_limit_per_min, created_at, updated_at)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        err, "sszsiiii", i->name, i->type, i->channel_id, i->key,
                        (int64_t)i->rate_per_sec, (int64_t)i->rate_per_min, now, now);

    ah_store_tx_config_changed(tx);
    if (rc < 0)
        return rc;
    i->id = ah_sql_last_id(W(tx));
    return AH_OK;
}

int ah_store_tx_integration_update(struct ah_store_tx *tx, const struct ah_integration *i,
                                   int64_t now, struct ah_error *err)
{
    ah_store_tx_config_changed(tx);
    return ah_sql_run(
        W(tx),
        "UPDATE integrations SET name = ?1, channel_id = ?2, integration_key = ?3,"
        " rate_limit_per_sec = ?4, rate_limit_per_min = ?5, updated_at = CASE"
        " WHEN (name, channel_id, integration_key, rate_limit_per_sec,"
        " rate_limit_per_min) IS NOT DISTINCT FROM (?1, ?2, ?3, ?4, ?5) THEN updated_at ELSE ?6 END"
        " WHERE id = ?7",
        err, "szsiiii", i->name, i->channel_id, i->key, (int64_t)i->rate_per_sec,
        (int64_t)i->rate_per_min, now, i->id);
}

int ah_store_tx_integration_delete(struct ah_store_tx *tx, int64_t id, struct ah_error *err)
{
    int rc = ah_sql_run(W(tx), "DELETE FROM route_channels WHERE integration_id = ?", err, "i", id);

    ah_store_tx_config_changed(tx);
    if (rc == AH_OK)
        rc =
            ah_sql_run(W(tx), "DELETE FROM enrich_mappings WHERE integration_id = ?", err, "i", id);
    return rc < 0 ? rc : ah_sql_run(W(tx), "DELETE FROM integrations WHERE id = ?", err, "i", id);
}

int ah_store_tx_integration_touch(struct ah_store_tx *tx, int64_t id, int64_t now,
                                  struct ah_error *err)
{
    return ah_sql_defer(W(tx), "UPDATE integrations SET last_event_at = ? WHERE id = ?", err, "ii",
                        now, id);
}

static const char integration_cols[] =
    "SELECT id, name, type, coalesce(channel_id, 0), integration_key, rate_limit_per_sec,"
    " rate_limit_per_min FROM integrations";

struct integration_rows {
    int n;
    void (*fn)(const struct ah_integration *i, void *arg);
    void *arg;
    struct ah_integration *ret; /* for one row */
};

static void integration_row(const struct ah_db_col *c, int n, void *arg)
{
    struct integration_rows *r = arg;
    struct ah_integration i;

    (void)n;
    i.id = c[0].v.i;
    i.name = ah_xstrdup(c[1].v.s);
    i.type = ah_xstrdup(c[2].v.s);
    i.channel_id = c[3].v.i;
    i.key = ah_xstrdup(c[4].v.s);
    i.rate_per_sec = (int)c[5].v.i;
    i.rate_per_min = (int)c[6].v.i;
    r->n++;
    if (r->ret != NULL) {
        *r->ret = i;
        return;
    }
    r->fn(&i, r->arg);
    ah_integration_done(&i);
}

int ah_store_tx_integration_get(struct ah_store_tx *tx, int64_t id, struct ah_integration *ret,
                                struct ah_error *err)
{
    static const char sql[] =
        "SELECT id, name, type, coalesce(channel_id, 0), integration_key, rate_limit_per_sec,"
        " rate_limit_per_min FROM integrations WHERE id = ?";
    struct integration_rows r = {.ret = ret};
    struct ah_db_value p = {.type = AH_DB_INT, .decl = AH_DB_INT, .i = id};
    int rc = W(tx)->drv->query(W(tx), sql, &p, 1, integration_row, &r, err);

    if (rc == AH_OK && r.n == 0)
        return ah_sql_not_found(err, "integration", id);
    return rc;
}

int ah_store_integrations_each(struct ah_store *s,
                               void (*fn)(const struct ah_integration *i, void *arg), void *arg,
                               struct ah_error *err)
{
    struct ah_db *db = ah_store_wdb(s);
    struct integration_rows r = {.fn = fn, .arg = arg};

    return db->drv->query(db, integration_cols, NULL, 0, integration_row, &r, err);
}

/* ================= push retries ================= */

int ah_store_tx_retry_find(struct ah_store_tx *tx, int64_t integration_id, const char *retry_id,
                           json_t **ret_keys, struct ah_error *err)
{
    char *text = NULL;
    int rc = ah_sql_text(W(tx),
                         "SELECT alert_keys FROM push_retries"
                         " WHERE integration_id = ? AND retry_id = ?",
                         &text, err, "is", integration_id, retry_id);

    *ret_keys = NULL;
    if (rc < 0 || text == NULL)
        return rc;
    *ret_keys = json_loads(text, 0, NULL);
    ah_free(text);
    return AH_OK;
}

int ah_store_tx_retry_insert(struct ah_store_tx *tx, int64_t integration_id, const char *retry_id,
                             const json_t *keys, int64_t now, struct ah_error *err)
{
    return ah_sql_defer(W(tx),
                        "INSERT INTO push_retries(integration_id, retry_id, alert_keys, created_at)"
                        " VALUES (?, ?, ?, ?)",
                        err, "isji", integration_id, retry_id, keys, now);
}

int ah_store_tx_retry_prune(struct ah_store_tx *tx, int64_t before, struct ah_error *err)
{
    return ah_sql_run(W(tx), "DELETE FROM push_retries WHERE created_at < ?", err, "i", before);
}

/* ================= events, alerts, incidents ================= */

int ah_store_tx_event_insert(struct ah_store_tx *tx, const struct ah_event_row *e,
                             struct ah_error *err)
{
    return ah_sql_defer(W(tx),
                        "INSERT INTO events(alert_id, channel_id, integration_id, alert_key,"
                        " event_status, severity, title, description, labels, images, event_time,"
                        " received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        err, "iiisssssJJii", e->alert_id, e->channel_id, e->integration_id,
                        e->alert_key, ah_status_name(e->severity, e->recovered),
                        ah_severity_name(e->severity), e->title,
                        e->description ? e->description : "", e->labels, e->labels_text, e->images,
                        e->images_text, e->event_time, e->received_at);
}

static const char *hold_name(enum ah_alert_hold h)
{
    return h == AH_HOLD_SILENCED ? "silenced" : h == AH_HOLD_INHIBITED ? "inhibited" : "";
}

int ah_store_tx_alert_insert(struct ah_store_tx *tx, struct ah_alert *a, struct ah_error *err)
{
    /* On PostgreSQL the id comes from the driver and the insert is
     * pipelined: it waits for no answer. */
    int rc = ah_sql_insert(
        W(tx), "alerts",
        "INSERT INTO alerts(id, incident_id, channel_id, integration_id, alert_key,"
        " title, description, severity, status, labels, event_count, start_time,"
        " last_time, end_time, close_time, group_key, reason, held, flapping)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
        " coalesce(?, '{}'), ?, ?)",
        &a->id, err, "iiisssssJiiiiisjsi", a->incident_id, a->channel_id, a->integration_id,
        a->alert_key, a->title, a->description ? a->description : "", ah_severity_name(a->severity),
        ah_status_name(a->level, a->recovered), a->labels, a->labels_text, a->event_count,
        a->start_time, a->last_time, a->end_time, a->close_time, a->group_key ? a->group_key : "",
        a->reason, hold_name(a->held), (int64_t)a->flapping);

    if (rc == AH_OK)
        ah_store_tx_touch_alert(tx, a->id);
    return rc;
}

int ah_store_tx_alert_update(struct ah_store_tx *tx, const struct ah_alert *a, struct ah_error *err)
{
    ah_store_tx_touch_alert(tx, a->id);
    return ah_sql_defer(W(tx),
                        "UPDATE alerts SET title = ?, description = ?, severity = ?, status = ?,"
                        " labels = ?, event_count = ?, last_time = ?, end_time = ?, close_time = ?,"
                        " reason = coalesce(?, reason), flapping = ?, incident_id = ? WHERE id = ?",
                        err, "ssssJiiiijiii", a->title, a->description ? a->description : "",
                        ah_severity_name(a->severity), ah_status_name(a->level, a->recovered),
                        a->labels, a->labels_text, a->event_count, a->last_time, a->end_time,
                        a->close_time, a->reason, (int64_t)a->flapping, a->incident_id, a->id);
}

int ah_store_tx_alert_refresh(struct ah_store_tx *tx, const struct ah_alert *a,
                              struct ah_error *err)
{
    ah_store_tx_touch_alert(tx, a->id);
    return ah_sql_defer(W(tx),
                        "UPDATE alerts SET title = ?, description = ?, severity = ?, status = ?,"
                        " labels = ?, event_count = ?, last_time = ? WHERE id = ?",
                        err, "ssssJiii", a->title, a->description ? a->description : "",
                        ah_severity_name(a->severity), ah_status_name(a->level, 0), a->labels,
                        a->labels_text, a->event_count, a->last_time, a->id);
}

int ah_store_tx_alerts_close(struct ah_store_tx *tx, int64_t incident_id, int64_t now,
                             struct ah_error *err)
{
    ah_store_tx_touch_incident(tx, incident_id); /* its alerts go with it */
    return ah_sql_defer(W(tx),
                        "UPDATE alerts SET close_time = ? WHERE incident_id = ? AND close_time = 0",
                        err, "ii", now, incident_id);
}

int ah_store_tx_incident_insert(struct ah_store_tx *tx, struct ah_incident *inc,
                                struct ah_error *err)
{
    int rc = ah_sql_insert(
        W(tx), "incidents",
        "INSERT INTO incidents(id, channel_id, title, description, severity, status, progress,"
        " labels, alert_count, active_alert_count, event_count, start_time, last_time,"
        " ack_time, close_time, group_key, first_alert_id, flapping, muted_until)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        &inc->id, err, "isssssJiiiiiiisiii", inc->channel_id, inc->title,
        inc->description ? inc->description : "", ah_severity_name(inc->severity),
        ah_status_name(inc->severity, inc->recovered), ah_progress_name(inc->progress), inc->labels,
        inc->labels_text, inc->alert_count, inc->active_alert_count, inc->event_count,
        inc->start_time, inc->last_time, inc->ack_time, inc->close_time,
        inc->group_key ? inc->group_key : "", inc->first_alert_id, (int64_t)inc->flapping,
        inc->muted_until);

    if (rc == AH_OK)
        ah_store_tx_touch_incident(tx, inc->id);
    return rc;
}

int ah_store_tx_incident_update(struct ah_store_tx *tx, const struct ah_incident *inc,
                                struct ah_error *err)
{
    ah_store_tx_touch_incident(tx, inc->id);
    return ah_sql_defer(W(tx),
                        "UPDATE incidents SET severity = ?, status = ?, progress = ?,"
                        " labels = coalesce(?, labels), alert_count = ?, active_alert_count = ?,"
                        " event_count = ?, last_time = ?, ack_time = ?, close_time = ?,"
                        " first_alert_id = ?, flapping = ?, muted_until = ? WHERE id = ?",
                        err, "sssJiiiiiiiiii", ah_severity_name(inc->severity),
                        ah_status_name(inc->severity, inc->recovered),
                        ah_progress_name(inc->progress), inc->labels, inc->labels_text,
                        inc->alert_count, inc->active_alert_count, inc->event_count, inc->last_time,
                        inc->ack_time, inc->close_time, inc->first_alert_id, (int64_t)inc->flapping,
                        inc->muted_until, inc->id);
}

/* ================= noise-reduction rules and timelines ================= */

int ah_store_tx_channel_set(struct ah_store_tx *tx, int64_t id, const char *column,
                            const json_t *config, int64_t now, struct ah_error *err)
{
    int rc = ah_store_tx_channel_exists(tx, id, err);

    ah_store_tx_touch_all(tx); /* a channel's rules: every node rebuilds */
    if (rc < 0)
        return rc;
    /* @column is one of two literals, never user input. */
    if (strcmp(column, "grouping") == 0)
        return ah_sql_run(
            W(tx),
            "UPDATE channels SET grouping = ?1, updated_at = CASE"
            " WHEN grouping IS NOT DISTINCT FROM ?1 THEN updated_at ELSE ?2 END WHERE id = ?3",
            err, "jii", config, now, id);
    return ah_sql_run(
        W(tx),
        "UPDATE channels SET flapping = ?1, updated_at = CASE"
        " WHEN flapping IS NOT DISTINCT FROM ?1 THEN updated_at ELSE ?2 END WHERE id = ?3",
        err, "jii", config, now, id);
}

int ah_store_tx_flap_put(struct ah_store_tx *tx, int64_t channel_id, const char *alert_key,
                         const char *changes, int64_t last_change, int64_t muted_until,
                         struct ah_error *err)
{
    ah_store_tx_touch_flap(tx, channel_id, alert_key);
    return ah_sql_defer(W(tx),
                        "INSERT INTO flaps(channel_id, alert_key, changes, last_change,"
                        " muted_until) VALUES (?, ?, ?, ?, ?) ON CONFLICT(channel_id, alert_key)"
                        " DO UPDATE SET changes = excluded.changes,"
                        " last_change = excluded.last_change, muted_until = excluded.muted_until",
                        err, "issii", channel_id, alert_key, changes, last_change, muted_until);
}

int ah_store_tx_flaps_prune(struct ah_store_tx *tx, int64_t channel_id, int64_t before, int64_t now,
                            struct ah_error *err)
{
    return ah_sql_run(W(tx),
                      "DELETE FROM flaps WHERE channel_id = ? AND last_change < ?"
                      " AND muted_until <= ?",
                      err, "iii", channel_id, before, now);
}

int ah_store_tx_hold_rule_insert(struct ah_store_tx *tx, enum ah_store_hold_kind kind,
                                 int64_t channel_id, const json_t *rule, int64_t now,
                                 int64_t *ret_id, struct ah_error *err)
{
    int rc = ah_store_tx_channel_exists(tx, channel_id, err);

    ah_store_tx_touch_all(tx); /* a channel's rules: every node rebuilds */
    if (rc == AH_OK)
        rc = ah_sql_run(W(tx),
                        kind == AH_STORE_SILENCE
                            ? "INSERT INTO silences(channel_id, rule, created_at, updated_at)"
                              " VALUES (?, ?, ?, ?)"
                            : "INSERT INTO inhibits(channel_id, rule, created_at, updated_at)"
                              " VALUES (?, ?, ?, ?)",
                        err, "ijii", channel_id, rule, now, now);
    if (rc < 0)
        return rc;
    *ret_id = ah_sql_last_id(W(tx));
    return AH_OK;
}

int ah_store_tx_hold_rule_update(struct ah_store_tx *tx, enum ah_store_hold_kind kind,
                                 int64_t channel_id, int64_t id, const json_t *rule, int64_t now,
                                 struct ah_error *err)
{
    int rc = ah_sql_run(
        W(tx),
        kind == AH_STORE_SILENCE
            ? "UPDATE silences SET rule = ?1, updated_at = CASE WHEN rule IS NOT DISTINCT FROM ?1"
              " THEN updated_at ELSE ?2 END WHERE id = ?3 AND channel_id = ?4"
            : "UPDATE inhibits SET rule = ?1, updated_at = CASE WHEN rule IS NOT DISTINCT FROM ?1"
              " THEN updated_at ELSE ?2 END WHERE id = ?3 AND channel_id = ?4",
        err, "jiii", rule, now, id, channel_id);

    ah_store_tx_touch_all(tx); /* a channel's rules: every node rebuilds */
    if (rc == AH_OK && ah_sql_changes(W(tx)) == 0)
        return ah_error_set(err, AH_ENOTFOUND, "rule \"%lld\" does not exist in this channel",
                            (long long)id);
    return rc;
}

int ah_store_tx_hold_rule_delete(struct ah_store_tx *tx, enum ah_store_hold_kind kind,
                                 int64_t channel_id, int64_t id, struct ah_error *err)
{
    int rc = ah_sql_run(W(tx),
                        kind == AH_STORE_SILENCE
                            ? "DELETE FROM silences WHERE id = ? AND channel_id = ?"
                            : "DELETE FROM inhibits WHERE id = ? AND channel_id = ?",
                        err, "ii", id, channel_id);

    ah_store_tx_touch_all(tx); /* a channel's rules: every node rebuilds */
    if (rc == AH_OK && ah_sql_changes(W(tx)) == 0)
        return ah_error_set(err, AH_ENOTFOUND, "rule \"%lld\" does not exist in this channel",
                            (long long)id);
    return rc;
}

int ah_store_tx_hold_rule_hit(struct ah_store_tx *tx, enum ah_store_hold_kind kind, int64_t id,
                              struct ah_error *err)
{
    return ah_sql_defer(W(tx),
                        kind == AH_STORE_SILENCE
                            ? "UPDATE silences SET hits = hits + 1 WHERE id = ?"
                            : "UPDATE inhibits SET hits = hits + 1 WHERE id = ?",
                        err, "i", id);
}

int ah_store_tx_feed_insert(struct ah_store_tx *tx, int64_t incident_id, int64_t time,
                            const char *type, const json_t *detail, struct ah_error *err)
{
    return ah_sql_defer(W(tx),
                        "INSERT INTO incident_feed(incident_id, time, type, detail)"
                        " VALUES (?, ?, ?, coalesce(?, '{}'))",
                        err, "iisj", incident_id, time, type, detail);
}

/* ================= routes ================= */

int ah_store_tx_routes_set(struct ah_store_tx *tx, int64_t integration_id, const json_t *routes,
                           const int64_t *channels, size_t n, struct ah_error *err)
{
    size_t i;
    int rc = ah_sql_run(W(tx), "UPDATE integrations SET routes = ? WHERE id = ?", err, "ji", routes,
                        integration_id);

    ah_store_tx_config_changed(tx);
    if (rc == AH_OK)
        rc = ah_sql_run(W(tx), "DELETE FROM route_channels WHERE integration_id = ?", err, "i",
                        integration_id);
    for (i = 0; rc == AH_OK && i < n; i++)
        rc = ah_sql_run(W(tx),
                        "INSERT INTO route_channels(integration_id, channel_id)"
                        " VALUES (?, ?) ON CONFLICT DO NOTHING",
                        err, "ii", integration_id, channels[i]);
    return rc;
}

/* ================= enrichment, pipelines, mapping tables ================= */

int ah_store_tx_enrichment_set(struct ah_store_tx *tx, int64_t integration_id,
                               const json_t *enrichment, const int64_t *schemas, size_t n,
                               struct ah_error *err)
{
    size_t i;
    int rc = ah_sql_run(W(tx), "UPDATE integrations SET enrichment = ? WHERE id = ?", err, "ji",
                        enrichment, integration_id);

    ah_store_tx_config_changed(tx);
    if (rc == AH_OK)
        rc = ah_sql_run(W(tx), "DELETE FROM enrich_mappings WHERE integration_id = ?", err, "i",
                        integration_id);
    for (i = 0; rc == AH_OK && i < n; i++)
        rc = ah_sql_run(W(tx),
                        "INSERT INTO enrich_mappings(integration_id, schema_id)"
                        " VALUES (?, ?) ON CONFLICT DO NOTHING",
                        err, "ii", integration_id, schemas[i]);
    return rc;
}

int ah_store_tx_pipeline_set(struct ah_store_tx *tx, int64_t integration_id, const json_t *pipeline,
                             struct ah_error *err)
{
    ah_store_tx_config_changed(tx);
    return ah_sql_run(W(tx), "UPDATE integrations SET pipeline = ? WHERE id = ?", err, "ji",
                      pipeline, integration_id);
}

int ah_store_tx_mapping_exists(struct ah_store_tx *tx, int64_t id, struct ah_error *err)
{
    int64_t n = 0;
    int rc =
        ah_sql_int(W(tx), "SELECT count(*) FROM mapping_schemas WHERE id = ?", &n, err, "i", id);

    if (rc < 0)
        return rc;
    return n ? AH_OK : ah_sql_not_found(err, "mapping schema", id);
}

int ah_store_tx_mapping_insert(struct ah_store_tx *tx, const json_t *schema, int64_t now,
                               int64_t *ret_id, struct ah_error *err)
{
    const char *name = json_string_value(json_object_get(schema, "name"));
    const char *desc = json_string_value(json_object_get(schema, "description"));
    int rc =
        ah_sql_run(W(tx),
                   "INSERT INTO mapping_schemas(name, description, source_labels,"
                   " result_labels, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                   err, "ssjjii", name, desc ? desc : "", json_object_get(schema, "source_labels"),
                   json_object_get(schema, "result_labels"), now, now);

    ah_store_tx_config_changed(tx);
    if (rc == AH_ECONFLICT)
        return ah_error_set(err, AH_ECONFLICT, "a mapping schema named \"%s\" already exists",
                            name);
    if (rc < 0)
        return rc;
    *ret_id = ah_sql_last_id(W(tx));
    return AH_OK;
}

int ah_store_tx_mapping_update(struct ah_store_tx *tx, int64_t id, const char *name,
                               const char *description, int64_t now, struct ah_error *err)
{
    int rc = ah_sql_run(W(tx),
                        "UPDATE mapping_schemas SET name = coalesce(?, name),"
                        " description = coalesce(?, description), updated_at = ? WHERE id = ?",
                        err, "ssii", name, description, now, id);

    ah_store_tx_config_changed(tx);
    if (rc == AH_ECONFLICT)
        return ah_error_set(err, AH_ECONFLICT, "a mapping schema named \"%s\" already exists",
                            name);
    return ah_sql_changed(W(tx), rc, "mapping schema", id, err);
}

int ah_store_tx_mapping_data(struct ah_store_tx *tx, int64_t id, const char *csv, size_t rows,
                             int64_t now, struct ah_error *err)
{
    int rc = ah_sql_run(W(tx),
                        "UPDATE mapping_schemas SET data = ?, row_count = ?, uploaded_at = ?,"
                        " updated_at = ? WHERE id = ?",
                        err, "siiii", csv, (int64_t)rows, now, now, id);

    ah_store_tx_config_changed(tx);
    return ah_sql_changed(W(tx), rc, "mapping schema", id, err);
}

int ah_store_tx_mapping_delete(struct ah_store_tx *tx, int64_t id, struct ah_error *err)
{
    int64_t n = 0;
    int rc = ah_sql_int(W(tx), "SELECT count(*) FROM enrich_mappings WHERE schema_id = ?", &n, err,
                        "i", id);

    ah_store_tx_config_changed(tx);
    if (rc < 0)
        return rc;
    if (n > 0)
        return ah_error_set(err, AH_ECONFLICT,
                            "mapping schema \"%lld\" is used by the enrichment of %lld "
                            "integration(s)",
                            (long long)id, (long long)n);
    rc = ah_sql_run(W(tx), "DELETE FROM mapping_schemas WHERE id = ?", err, "i", id);
    return ah_sql_changed(W(tx), rc, "mapping schema", id, err);
}
