/* rows.c - see rows.h. */
#include "http/rows.h"

#include "model/alert.h"
#include "model/severity.h"

#include <stdio.h>

/* An id as the API writes it: a string; 0 (no reference) is null. */
static json_t *id_json(int64_t id)
{
    char text[24];

    if (id == 0)
        return json_null();
    snprintf(text, sizeof(text), "%lld", (long long)id);
    return json_string(text);
}

/* A stored JSON text, parsed; NULL is null (a text that does not parse is
 * shown as the string it is). */
static json_t *text_json(const char *text)
{
    json_t *j;

    if (text == NULL)
        return json_null();
    j = json_loads(text, JSON_DECODE_ANY, NULL);
    return j ? j : json_string(text);
}

static json_t *str_json(const char *s)
{
    return s ? json_string(s) : json_null();
}

static const char *hold_name(enum ah_alert_hold h)
{
    return h == AH_HOLD_SILENCED ? "silenced" : h == AH_HOLD_INHIBITED ? "inhibited" : "";
}

json_t *ah_rows_incident(const struct ah_incident_view *v)
{
    const struct ah_incident *i = &v->row;

    return json_pack(
        "{s:o s:o s:o s:o s:s s:s s:s s:o s:I s:I s:I s:I s:I s:I s:I s:o s:o s:i s:I s:I}", "id",
        id_json(i->id), "channel_id", id_json(i->channel_id), "title", str_json(i->title),
        "description", str_json(i->description), "severity", ah_severity_name(i->severity),
        "status", ah_status_name(i->severity, i->recovered), "progress",
        ah_progress_name(i->progress), "labels", text_json(i->labels_text), "alert_count",
        (json_int_t)i->alert_count, "active_alert_count", (json_int_t)i->active_alert_count,
        "event_count", (json_int_t)i->event_count, "start_time", (json_int_t)i->start_time,
        "last_time", (json_int_t)i->last_time, "ack_time", (json_int_t)i->ack_time, "close_time",
        (json_int_t)i->close_time, "group_key", str_json(i->group_key), "first_alert_id",
        id_json(i->first_alert_id), "flapping", i->flapping, "muted_until",
        (json_int_t)i->muted_until, "snooze_until", (json_int_t)v->snooze_until);
}

json_t *ah_rows_alert(const struct ah_alert_view *v)
{
    const struct ah_alert *a = &v->row;

    return json_pack(
        "{s:o s:o s:o s:o s:o s:o s:o s:s s:s s:o s:I s:I s:I s:I s:I s:o s:o s:s s:i}", "id",
        id_json(a->id), "incident_id", id_json(a->incident_id), "channel_id",
        id_json(a->channel_id), "integration_id", id_json(a->integration_id), "alert_key",
        str_json(a->alert_key), "title", str_json(a->title), "description",
        str_json(a->description), "severity", ah_severity_name(a->severity), "status",
        ah_status_name(a->level, a->recovered), "labels", text_json(a->labels_text), "event_count",
        (json_int_t)a->event_count, "start_time", (json_int_t)a->start_time, "last_time",
        (json_int_t)a->last_time, "end_time", (json_int_t)a->end_time, "close_time",
        (json_int_t)a->close_time, "group_key", str_json(a->group_key), "reason",
        text_json(v->reason_text), "held", hold_name(a->held), "flapping", a->flapping);
}

json_t *ah_rows_event(const struct ah_event_view *v)
{
    const struct ah_event_row *e = &v->row;

    return json_pack(
        "{s:o s:o s:o s:o s:o s:s s:s s:o s:o s:o s:o s:I s:I}", "id", id_json(v->id), "alert_id",
        id_json(e->alert_id), "channel_id", id_json(e->channel_id), "integration_id",
        id_json(e->integration_id), "alert_key", str_json(e->alert_key), "event_status",
        ah_status_name(e->severity, e->recovered), "severity", ah_severity_name(e->severity),
        "title", str_json(e->title), "description", str_json(e->description), "labels",
        text_json(e->labels_text), "images", text_json(e->images_text), "event_time",
        (json_int_t)e->event_time, "received_at", (json_int_t)e->received_at);
}

json_t *ah_rows_hold_rule(const struct ah_hold_rule_view *v)
{
    json_t *rule = text_json(v->rule_text), *row;

    row = json_pack("{s:o s:o s:I s:I s:I}", "id", id_json(v->id), "channel_id",
                    id_json(v->channel_id), "hits", (json_int_t)v->hits, "created_at",
                    (json_int_t)v->created_at, "updated_at", (json_int_t)v->updated_at);
    if (json_is_object(rule))
        json_object_update_missing(row, rule);
    json_decref(rule);
    return row;
}

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
    add(arg, ah_rows_incident(v));
}

static void on_alert(const struct ah_alert_view *v, void *arg)
{
    add(arg, ah_rows_alert(v));
}

static void on_event(const struct ah_event_view *v, void *arg)
{
    add(arg, ah_rows_event(v));
}

static void on_hold_rule(const struct ah_hold_rule_view *v, void *arg)
{
    add(arg, ah_rows_hold_rule(v));
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
    *ret = json_pack("{s:o s:o}", "items", c->items, "next_cursor", id_json(next));
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

    c->one = ah_rows_incident(v);
    c->items = json_array();
}

static void on_parent_alert(const struct ah_alert_view *v, void *arg)
{
    struct collect *c = arg;

    c->one = ah_rows_alert(v);
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
