/* alert.c - see alert.h. */
#include "model/alert.h"

#include <stdio.h>
#include <string.h>

static const char *const progress_names[] = {"Triggered", "Processing", "Closed"};

const char *ah_progress_name(enum ah_progress p)
{
    return progress_names[p];
}

int ah_progress_parse(const char *s)
{
    int i;

    for (i = 0; i < 3; i++) {
        if (strcmp(s, progress_names[i]) == 0)
            return i;
    }
    return -1;
}

/* ================= rows as the API shows them ================= */

json_t *ah_id_json(int64_t id)
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

json_t *ah_incident_view_json(const struct ah_incident_view *v)
{
    const struct ah_incident *i = &v->row;

    return json_pack(
        "{s:o s:o s:o s:o s:s s:s s:s s:o s:I s:I s:I s:I s:I s:I s:I s:o s:o s:i s:I s:I}", "id",
        ah_id_json(i->id), "channel_id", ah_id_json(i->channel_id), "title", str_json(i->title),
        "description", str_json(i->description), "severity", ah_severity_name(i->severity),
        "status", ah_status_name(i->severity, i->recovered), "progress",
        ah_progress_name(i->progress), "labels", text_json(i->labels_text), "alert_count",
        (json_int_t)i->alert_count, "active_alert_count", (json_int_t)i->active_alert_count,
        "event_count", (json_int_t)i->event_count, "start_time", (json_int_t)i->start_time,
        "last_time", (json_int_t)i->last_time, "ack_time", (json_int_t)i->ack_time, "close_time",
        (json_int_t)i->close_time, "group_key", str_json(i->group_key), "first_alert_id",
        ah_id_json(i->first_alert_id), "flapping", i->flapping, "muted_until",
        (json_int_t)i->muted_until, "snooze_until", (json_int_t)v->snooze_until);
}

json_t *ah_alert_view_json(const struct ah_alert_view *v)
{
    const struct ah_alert *a = &v->row;

    return json_pack(
        "{s:o s:o s:o s:o s:o s:o s:o s:s s:s s:o s:I s:I s:I s:I s:I s:o s:o s:s s:i}", "id",
        ah_id_json(a->id), "incident_id", ah_id_json(a->incident_id), "channel_id",
        ah_id_json(a->channel_id), "integration_id", ah_id_json(a->integration_id), "alert_key",
        str_json(a->alert_key), "title", str_json(a->title), "description",
        str_json(a->description), "severity", ah_severity_name(a->severity), "status",
        ah_status_name(a->level, a->recovered), "labels", text_json(a->labels_text), "event_count",
        (json_int_t)a->event_count, "start_time", (json_int_t)a->start_time, "last_time",
        (json_int_t)a->last_time, "end_time", (json_int_t)a->end_time, "close_time",
        (json_int_t)a->close_time, "group_key", str_json(a->group_key), "reason",
        text_json(v->reason_text), "held", hold_name(a->held), "flapping", a->flapping);
}

json_t *ah_event_view_json(const struct ah_event_view *v)
{
    const struct ah_event_row *e = &v->row;

    return json_pack("{s:o s:o s:o s:o s:o s:s s:s s:o s:o s:o s:o s:I s:I}", "id",
                     ah_id_json(v->id), "alert_id", ah_id_json(e->alert_id), "channel_id",
                     ah_id_json(e->channel_id), "integration_id", ah_id_json(e->integration_id),
                     "alert_key", str_json(e->alert_key), "event_status",
                     ah_status_name(e->severity, e->recovered), "severity",
                     ah_severity_name(e->severity), "title", str_json(e->title), "description",
                     str_json(e->description), "labels", text_json(e->labels_text), "images",
                     text_json(e->images_text), "event_time", (json_int_t)e->event_time,
                     "received_at", (json_int_t)e->received_at);
}

json_t *ah_hold_rule_view_json(const struct ah_hold_rule_view *v)
{
    json_t *rule = text_json(v->rule_text), *row;

    row = json_pack("{s:o s:o s:I s:I s:I}", "id", ah_id_json(v->id), "channel_id",
                    ah_id_json(v->channel_id), "hits", (json_int_t)v->hits, "created_at",
                    (json_int_t)v->created_at, "updated_at", (json_int_t)v->updated_at);
    if (json_is_object(rule))
        json_object_update_missing(row, rule);
    json_decref(rule);
    return row;
}
