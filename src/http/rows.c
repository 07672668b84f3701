/* rows.c - see rows.h. */
#include "http/rows.h"

#include "model/alert.h"

/* ================= reads ================= */

/* Collects the visited rows: the first into @one (gets), every other into
 * @items (lists, and a get's children). */
struct collect {
    json_t *one;
    json_t *items;
};

static void add(struct collect *c, json_t *row)
{
    if (c->one == NULL && c->items == NULL)
        c->one = row;
    else
        json_array_append_new(c->items, row);
}

static void on_incident(const struct ah_incident_view *v, void *arg)
{
    add(arg, ah_incident_view_json(v));
}

static void on_alert(const struct ah_alert_view *v, void *arg)
{
    add(arg, ah_alert_view_json(v));
}

static void on_event(const struct ah_event_view *v, void *arg)
{
    add(arg, ah_event_view_json(v));
}

static void on_hold_rule(const struct ah_hold_rule_view *v, void *arg)
{
    add(arg, ah_hold_rule_view_json(v));
}

static struct ah_read_visitor visitor(struct collect *c)
{
    return (struct ah_read_visitor){
        on_incident, on_alert, on_event, on_hold_rule, c,
    };
}

/* A list's answer: {"items": [...], "next_cursor": ...}, or the error. */
static int list_of(int rc, struct collect *c, int64_t next, json_t **ret)
{
    if (rc < 0) {
        json_decref(c->items);
        return rc;
    }
    *ret = json_pack("{s:o s:o}", "items", c->items, "next_cursor", ah_id_json(next));
    return AH_OK;
}

/* A get's answer: the parent with its children under @key. */
static int parent_of(int rc, struct collect *c, const char *key, json_t **ret)
{
    if (rc < 0) {
        json_decref(c->one);
        json_decref(c->items);
        return rc;
    }
    json_object_set_new(c->one, key, c->items);
    *ret = c->one;
    return AH_OK;
}

int ah_rows_read_incidents(struct ah_store *store, const struct ah_incident_filter *f,
                           const struct ah_page *page, json_t **ret, struct ah_error *err)
{
    struct collect c = {NULL, json_array()};
    struct ah_read_visitor v = visitor(&c);
    int64_t next = 0;
    int rc = ah_store_read_incidents(store, f, page, &v, &next, err);

    return list_of(rc, &c, next, ret);
}

/* The first row visited becomes @one; the children then go to @items. */
static void on_parent_incident(const struct ah_incident_view *v, void *arg)
{
    struct collect *c = arg;

    c->one = ah_incident_view_json(v);
    c->items = json_array();
}

static void on_parent_alert(const struct ah_alert_view *v, void *arg)
{
    struct collect *c = arg;

    c->one = ah_alert_view_json(v);
    c->items = json_array();
}

int ah_rows_read_incident(struct ah_store *store, int64_t id, json_t **ret, struct ah_error *err)
{
    struct collect c = {NULL, NULL};
    struct ah_read_visitor v = {.incident = on_parent_incident, .alert = on_alert, .arg = &c};

    return parent_of(ah_store_read_incident(store, id, &v, err), &c, "alerts", ret);
}

int ah_rows_read_alert(struct ah_store *store, int64_t id, json_t **ret, struct ah_error *err)
{
    struct collect c = {NULL, NULL};
    struct ah_read_visitor v = {.alert = on_parent_alert, .event = on_event, .arg = &c};

    return parent_of(ah_store_read_alert(store, id, &v, err), &c, "events", ret);
}

int ah_rows_read_events(struct ah_store *store, int64_t integration_id, int64_t since,
                        const struct ah_page *page, json_t **ret, struct ah_error *err)
{
    struct collect c = {NULL, json_array()};
    struct ah_read_visitor v = visitor(&c);
    int64_t next = 0;
    int rc = ah_store_read_events(store, integration_id, since, page, &v, &next, err);

    return list_of(rc, &c, next, ret);
}

int ah_rows_read_recent_events(struct ah_store *store, int64_t channel_id, int limit, json_t **ret,
                               struct ah_error *err)
{
    struct collect c = {NULL, json_array()};
    struct ah_read_visitor v = visitor(&c);
    int rc = ah_store_read_recent_events(store, channel_id, limit, &v, err);

    if (rc < 0) {
        json_decref(c.items);
        return rc;
    }
    *ret = c.items;
    return AH_OK;
}

int ah_rows_read_hold_rules(struct ah_store *store, enum ah_store_hold_kind kind,
                            int64_t channel_id, int64_t id, json_t **ret, struct ah_error *err)
{
    struct collect c = {NULL, id != 0 ? NULL : json_array()};
    struct ah_read_visitor v = visitor(&c);
    int rc = ah_store_read_hold_rules(store, kind, channel_id, id, &v, err);

    if (id == 0)
        return list_of(rc, &c, 0, ret);
    if (rc < 0) {
        json_decref(c.one);
        return rc;
    }
    *ret = c.one;
    return AH_OK;
}
