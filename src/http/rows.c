/* rows.c - see rows.h. */
#include "http/rows.h"

#include "model/alert.h"

/* ================= reads ================= */

/* Collects the visited rows. A list puts every row into @items; a get puts
 * its first row into @one and the rest (its children) into @items. */
struct collect {
    int list;
    json_t *one;
    json_t *items; /* made at the first row that needs it */
};

static void add(struct collect *c, json_t *row)
{
    if (!c->list && c->one == NULL) {
        c->one = row;
        return;
    }
    if (c->items == NULL)
        c->items = json_array();
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
    return (struct ah_read_visitor){on_incident, on_alert, on_event, on_hold_rule, c};
}

/* The rows as a new array (empty when none came). */
static json_t *items_of(struct collect *c)
{
    return c->items != NULL ? c->items : json_array();
}

/* A list's answer: {"items": [...], "next_cursor": ...}, or the error. */
static int list_of(int rc, struct collect *c, int64_t next, json_t **ret)
{
    if (rc < 0) {
        json_decref(c->items);
        return rc;
    }
    *ret = json_pack("{s:o s:o}", "items", items_of(c), "next_cursor", ah_id_json(next));
    return AH_OK;
}

/* A get's answer: the parent, with its children under @key (none: no key). */
static int parent_of(int rc, struct collect *c, const char *key, json_t **ret)
{
    if (rc < 0) {
        json_decref(c->one);
        json_decref(c->items);
        return rc;
    }
    if (key != NULL)
        json_object_set_new(c->one, key, items_of(c));
    *ret = c->one;
    return AH_OK;
}

int ah_rows_read_incidents(struct ah_store *store, const struct ah_incident_filter *f,
                           const struct ah_page *page, json_t **ret, struct ah_error *err)
{
    struct collect c = {.list = 1};
    struct ah_read_visitor v = visitor(&c);
    int64_t next = 0;
    int rc = ah_store_read_incidents(store, f, page, &v, &next, err);

    return list_of(rc, &c, next, ret);
}

int ah_rows_read_incident(struct ah_store *store, int64_t id, json_t **ret, struct ah_error *err)
{
    struct collect c = {.list = 0};
    struct ah_read_visitor v = visitor(&c);

    return parent_of(ah_store_read_incident(store, id, &v, err), &c, "alerts", ret);
}

int ah_rows_read_alert(struct ah_store *store, int64_t id, json_t **ret, struct ah_error *err)
{
    struct collect c = {.list = 0};
    struct ah_read_visitor v = visitor(&c);

    return parent_of(ah_store_read_alert(store, id, &v, err), &c, "events", ret);
}

int ah_rows_read_events(struct ah_store *store, int64_t integration_id, int64_t since,
                        const struct ah_page *page, json_t **ret, struct ah_error *err)
{
    struct collect c = {.list = 1};
    struct ah_read_visitor v = visitor(&c);
    int64_t next = 0;
    int rc = ah_store_read_events(store, integration_id, since, page, &v, &next, err);

    return list_of(rc, &c, next, ret);
}

int ah_rows_read_recent_events(struct ah_store *store, int64_t channel_id, int limit, json_t **ret,
                               struct ah_error *err)
{
    struct collect c = {.list = 1};
    struct ah_read_visitor v = visitor(&c);
    int rc = ah_store_read_recent_events(store, channel_id, limit, &v, err);

    if (rc < 0) {
        json_decref(c.items);
        return rc;
    }
    *ret = items_of(&c);
    return AH_OK;
}

int ah_rows_read_hold_rules(struct ah_store *store, enum ah_store_hold_kind kind,
                            int64_t channel_id, int64_t id, json_t **ret, struct ah_error *err)
{
    struct collect c = {.list = id == 0};
    struct ah_read_visitor v = visitor(&c);
    int rc = ah_store_read_hold_rules(store, kind, channel_id, id, &v, err);

    return id == 0 ? list_of(rc, &c, 0, ret) : parent_of(rc, &c, NULL, ret);
}
