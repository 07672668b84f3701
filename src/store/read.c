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

/* A typed read's state: the visitor, and the page it fills. */
struct visit {
    const struct ah_read_visitor *v;
    int limit;    /* rows to visit at most; one more says a next page exists */
    int seen;     /* rows handed over */
    int more;     /* a row past the limit came */
    int64_t last; /* the last visited row's id */
};

/* Counts a row; 0 when it is past the page (not to be visited). */
static int take(struct visit *vs)
{
    if (vs->seen >= vs->limit) {
        vs->more = 1;
        return 0;
    }
    vs->seen++;
    return 1;
}

static void visit_incident(const struct ah_db_col *c, int n, void *arg)
{
    struct visit *vs = arg;
    struct ah_incident_view iv;

    if (!take(vs))
        return;
    ah_sql_incident_of(c, n, &iv);
    vs->last = iv.row.id;
    vs->v->incident(&iv, vs->v->arg);
}

static void visit_alert(const struct ah_db_col *c, int n, void *arg)
{
    struct visit *vs = arg;
    struct ah_alert_view av;

    if (!take(vs))
        return;
    ah_sql_alert_of(c, n, &av);
    vs->last = av.row.id;
    vs->v->alert(&av, vs->v->arg);
}

static void visit_event(const struct ah_db_col *c, int n, void *arg)
{
    struct visit *vs = arg;
    struct ah_event_view ev;

    if (!take(vs))
        return;
    ah_sql_event_of(c, n, &ev);
    vs->last = ev.id;
    vs->v->event(&ev, vs->v->arg);
}

static void visit_hold_rule(const struct ah_db_col *c, int n, void *arg)
{
    struct visit *vs = arg;
    struct ah_hold_rule_view hv;

    if (!take(vs))
        return;
    ah_sql_hold_rule_of(c, n, &hv);
    vs->last = hv.id;
    vs->v->hold_rule(&hv, vs->v->arg);
}

static struct visit paging(const struct ah_read_visitor *v, const struct ah_page *page)
{
    return (struct visit){.v = v, .limit = page->limit};
}

/* The next page's cursor once a list was visited. */
static int64_t next_of(const struct visit *vs)
{
    return vs->more ? vs->last : 0;
}

static const char incidents_sql[] =
    "SELECT " AH_SQL_INCIDENT_COLS " FROM incidents WHERE (?1 = 0 OR channel_id = ?1)"
    " AND (?2 = 0 OR (?2 & CASE progress WHEN 'Triggered' THEN 1 WHEN 'Processing' THEN 2"
    "  ELSE 4 END) <> 0)"
    " AND (?3 = 0 OR (?3 & CASE severity WHEN 'Info' THEN 2 WHEN 'Warning' THEN 4"
    "  ELSE 8 END) <> 0)"
    " AND (?4 = 0 OR start_time >= ?4) AND (?5 = 0 OR start_time < ?5)"
    " AND (?6 IS NULL OR instr(lower(title), lower(?6)) > 0)"
    " AND (?7 = 0 OR id < ?7) ORDER BY id DESC LIMIT ?8";

static int incidents(struct ah_db *db, const struct ah_incident_filter *f,
                     const struct ah_page *page, const struct ah_read_visitor *v, int64_t *ret_next,
                     struct ah_error *err)
{
    struct visit vs = paging(v, page);
    int rc = ah_sql_query(db, incidents_sql, visit_incident, &vs, err, "iiiiisii", f->channel_id,
                          (int64_t)f->progress_mask, (int64_t)f->severity_mask, f->since, f->until,
                          f->q, page->cursor, (int64_t)page->limit + 1);

    *ret_next = next_of(&vs);
    return rc;
}

int ah_store_read_incidents(struct ah_store *s, const struct ah_incident_filter *f,
                            const struct ah_page *page, const struct ah_read_visitor *v,
                            int64_t *ret_next, struct ah_error *err)
{
    WITH_READER(s, err, incidents(db_, f, page, v, ret_next, err));
}

/* A parent row, then its children (at most @max). */
static int with_children(struct ah_db *db, const char *parent_sql, ah_db_row_fn parent,
                         const char *child_sql, ah_db_row_fn child, int wants_children, int max,
                         const char *what, int64_t id, const struct ah_read_visitor *v,
                         struct ah_error *err)
{
    struct visit vs = {.v = v, .limit = 1};
    int rc = ah_sql_query(db, parent_sql, parent, &vs, err, "i", id);

    if (rc == AH_OK && vs.seen == 0)
        return ah_sql_not_found(err, what, id);
    if (rc < 0 || !wants_children)
        return rc;
    vs = (struct visit){.v = v, .limit = max};
    return ah_sql_query(db, child_sql, child, &vs, err, "i", id);
}

int ah_store_read_incident(struct ah_store *s, int64_t id, const struct ah_read_visitor *v,
                           struct ah_error *err)
{
    WITH_READER(s, err,
                with_children(db_, "SELECT " AH_SQL_INCIDENT_COLS " FROM incidents WHERE id = ?",
                              visit_incident,
                              "SELECT " AH_SQL_ALERT_COLS " FROM alerts WHERE incident_id = ?"
                              " ORDER BY id LIMIT 5000",
                              visit_alert, v->alert != NULL, 5000, "incident", id, v, err));
}

int ah_store_read_alert(struct ah_store *s, int64_t id, const struct ah_read_visitor *v,
                        struct ah_error *err)
{
    WITH_READER(s, err,
                with_children(db_, "SELECT " AH_SQL_ALERT_COLS " FROM alerts WHERE id = ?",
                              visit_alert,
                              "SELECT " AH_SQL_EVENT_COLS " FROM events WHERE alert_id = ?"
                              " ORDER BY id DESC LIMIT 500",
                              visit_event, v->event != NULL, 500, "alert", id, v, err));
}

static const char events_sql[] =
    "SELECT " AH_SQL_EVENT_COLS " FROM events WHERE (?1 = 0 OR integration_id = ?1)"
    " AND (?2 = 0 OR received_at >= ?2) AND (?3 = 0 OR id < ?3) ORDER BY id DESC LIMIT ?4";

static int events(struct ah_db *db, int64_t integration_id, int64_t since,
                  const struct ah_page *page, const struct ah_read_visitor *v, int64_t *ret_next,
                  struct ah_error *err)
{
    struct visit vs = paging(v, page);
    int rc = ah_sql_query(db, events_sql, visit_event, &vs, err, "iiii", integration_id, since,
                          page->cursor, (int64_t)page->limit + 1);

    *ret_next = next_of(&vs);
    return rc;
}

int ah_store_read_events(struct ah_store *s, int64_t integration_id, int64_t since,
                         const struct ah_page *page, const struct ah_read_visitor *v,
                         int64_t *ret_next, struct ah_error *err)
{
    WITH_READER(s, err, events(db_, integration_id, since, page, v, ret_next, err));
}

int ah_store_read_channel_rules(struct ah_store *s, int64_t channel_id, json_t **ret,
                                struct ah_error *err)
{
    WITH_READER(s, err,
                ah_sql_get(db_, "SELECT grouping, flapping FROM channels WHERE id = ?", "channel",
                           channel_id, ret, err));
}

static int hold_rules(struct ah_db *db, enum ah_store_hold_kind kind, int64_t channel_id,
                      int64_t id, const struct ah_read_visitor *v, struct ah_error *err)
{
    struct visit vs = {.v = v, .limit = 1 << 30};
    int rc = ah_sql_query(db,
                          kind == AH_STORE_SILENCE
                              ? "SELECT " AH_SQL_HOLD_RULE_COLS " FROM silences"
                                " WHERE channel_id = ?1 AND (?2 = 0 OR id = ?2) ORDER BY id"
                              : "SELECT " AH_SQL_HOLD_RULE_COLS " FROM inhibits"
                                " WHERE channel_id = ?1 AND (?2 = 0 OR id = ?2) ORDER BY id",
                          visit_hold_rule, &vs, err, "ii", channel_id, id);

    if (rc == AH_OK && id != 0 && vs.seen == 0)
        return ah_sql_not_found(err, kind == AH_STORE_SILENCE ? "silence" : "inhibit rule", id);
    return rc;
}

int ah_store_read_hold_rules(struct ah_store *s, enum ah_store_hold_kind kind, int64_t channel_id,
                             int64_t id, const struct ah_read_visitor *v, struct ah_error *err)
{
    WITH_READER(s, err, hold_rules(db_, kind, channel_id, id, v, err));
}

int ah_store_read_feed(struct ah_store *s, int64_t incident_id, json_t **ret, struct ah_error *err)
{
    WITH_READER(s, err,
                ah_sql_rows(db_,
                            "SELECT time, type, detail FROM incident_feed WHERE incident_id = ?"
                            " ORDER BY id LIMIT 1000",
                            ret, err, "i", incident_id));
}

int ah_store_read_recent_events(struct ah_store *s, int64_t channel_id, int limit,
                                const struct ah_read_visitor *v, struct ah_error *err)
{
    struct visit vs = {.v = v, .limit = limit};

    WITH_READER(s, err,
                ah_sql_query(db_,
                             "SELECT * FROM (SELECT " AH_SQL_EVENT_COLS " FROM events"
                             " WHERE channel_id = ? ORDER BY id DESC LIMIT ?) AS recent"
                             " ORDER BY id",
                             visit_event, &vs, err, "ii", channel_id, (int64_t)limit));
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
        return ah_sql_not_found(err, "mapping schema", id);
    return rc;
}

int ah_store_read_mapping_csv(struct ah_store *s, int64_t id, char **ret, struct ah_error *err)
{
    *ret = NULL;
    WITH_READER(s, err, mapping_csv(db_, id, ret, err));
}
