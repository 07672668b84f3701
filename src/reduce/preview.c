/* preview.c - see preview.h. The simulation keeps only what grouping needs:
 * open alerts by key, open incidents by group key, and a JSON result that
 * grows as incidents form. */
#include "reduce/preview.h"

#include "model/severity.h"
#include "reduce/group.h"
#include "util/alloc.h"
#include "util/map.h"

#include <stdlib.h>
#include <string.h>

struct sim_incident {
    json_t *out; /* the incident in the result (borrowed from the result) */
    struct ah_group_candidate c;
    int64_t active;
    char keys[AH_GROUP_MAX_SETS][33]; /* where it is indexed */
    size_t nkeys;
};

struct sim {
    const struct ah_grouping *g;
    int64_t channel_id;
    struct ah_map *alerts; /* alert_key -> json alert object in a result incident */
    struct ah_map *owner;  /* alert_key -> struct sim_incident */
    struct ah_map *groups; /* group key -> struct sim_incident */
    struct sim_incident **all;
    size_t n;
    json_t *incidents;
};

static void bump(json_t *obj, const char *field, json_int_t by)
{
    json_object_set_new(obj, field,
                        json_integer(json_integer_value(json_object_get(obj, field)) + by));
}

static struct sim_incident *sim_open(struct sim *s, const json_t *ev, const char *group_key,
                                     int64_t now)
{
    struct sim_incident *inc = ah_xcalloc(1, sizeof(*inc));

    inc->out = json_pack("{sOsOsisisIsss[]}", "title", json_object_get(ev, "title"), "severity",
                         json_object_get(ev, "severity"), "alert_count", 0, "event_count", 0,
                         "start_time", (json_int_t)now, "group_key", group_key, "alerts");
    json_array_append_new(s->incidents, inc->out);
    inc->c.start_time = inc->c.last_merge_time = now;
    s->all = ah_xrealloc(s->all, (s->n + 1) * sizeof(*s->all));
    s->all[s->n++] = inc;
    return inc;
}

/* The incident a new alert joins, as the live reducer would decide it. */
static struct sim_incident *sim_place(struct sim *s, const json_t *ev, int64_t now)
{
    struct ah_filter_subject subj = {
        .severity = json_string_value(json_object_get(ev, "severity")),
        .title = json_string_value(json_object_get(ev, "title")),
        .description = json_string_value(json_object_get(ev, "description")),
        .alert_key = json_string_value(json_object_get(ev, "alert_key")),
        .integration_id = strtoll(json_string_value(json_object_get(ev, "integration_id"))
                                      ? json_string_value(json_object_get(ev, "integration_id"))
                                      : "0",
                                  NULL, 10),
        .labels = json_object_get(ev, "labels")};
    struct ah_group_plan plan;
    struct sim_incident *inc;
    size_t i;

    if (!s->g->enabled)
        return sim_open(s, ev, "", now);
    ah_group_plan(s->g, s->channel_id, &subj, &plan);
    for (i = 0; i < plan.nkeys; i++) {
        inc = plan.keys[i][0] ? ah_map_find(s->groups, plan.keys[i]) : NULL;
        if (inc != NULL && ah_group_check(s->g, &inc->c, now) == AH_GROUP_MERGE)
            return inc;
    }
    for (i = 0; i < plan.nkeys && plan.keys[i][0] == '\0'; i++)
        ;
    inc = sim_open(s, ev, i < plan.nkeys ? plan.keys[i] : "", now);
    for (i = 0; i < plan.nkeys; i++) {
        if (plan.keys[i][0] == '\0')
            continue;
        ah_map_put(s->groups, plan.keys[i], inc);
        memcpy(inc->keys[inc->nkeys++], plan.keys[i], 33);
    }
    return inc;
}

static void sim_close(struct sim *s, struct sim_incident *inc)
{
    size_t i;

    for (i = 0; i < inc->nkeys; i++) {
        if (ah_map_find(s->groups, inc->keys[i]) == inc)
            ah_map_remove(s->groups, inc->keys[i]);
    }
}

static void sim_event(struct sim *s, const json_t *ev)
{
    const char *key = json_string_value(json_object_get(ev, "alert_key"));
    int ok = strcmp(json_string_value(json_object_get(ev, "event_status")), "Ok") == 0;
    int64_t now = json_integer_value(json_object_get(ev, "received_at"));
    json_t *alert = key ? ah_map_find(s->alerts, key) : NULL;
    struct sim_incident *inc;

    if (key == NULL || (alert == NULL && ok))
        return;
    if (alert != NULL) {
        inc = ah_map_find(s->owner, key);
        bump(alert, "event_count", 1);
        bump(inc->out, "event_count", 1);
        if (ok) {
            json_object_set_new(alert, "status", json_string("Ok"));
            ah_map_remove(s->alerts, key);
            ah_map_remove(s->owner, key);
            /* Like the live reducer: an incident whose alerts all
             * recovered closes, and takes no new alerts. */
            if (--inc->active == 0)
                sim_close(s, inc);
        }
        return;
    }
    inc = sim_place(s, ev, now);
    alert = json_pack("{sOsOsssi}", "alert_key", json_object_get(ev, "alert_key"), "title",
                      json_object_get(ev, "title"), "status", "firing", "event_count", 1);
    json_array_append_new(json_object_get(inc->out, "alerts"), alert);
    ah_map_put(s->alerts, key, alert);
    ah_map_put(s->owner, key, inc);
    inc->c.alert_count++;
    inc->c.last_merge_time = now;
    inc->active++;
    bump(inc->out, "alert_count", 1);
    bump(inc->out, "event_count", 1);
    if (ah_severity_parse(json_string_value(json_object_get(ev, "severity"))) >
        ah_severity_parse(json_string_value(json_object_get(inc->out, "severity"))))
        json_object_set(inc->out, "severity", json_object_get(ev, "severity"));
}

json_t *ah_reduce_preview(const struct ah_grouping *g, int64_t channel_id, const json_t *events)
{
    struct sim s = {.g = g, .channel_id = channel_id, .incidents = json_array()};
    const json_t *ev;
    size_t i, n = 0;

    s.alerts = ah_map_new();
    s.owner = ah_map_new();
    s.groups = ah_map_new();
    json_array_foreach(events, i, ev)
    {
        if (n++ >= AH_PREVIEW_MAX_EVENTS)
            break;
        sim_event(&s, ev);
    }
    for (i = 0; i < s.n; i++)
        ah_free(s.all[i]);
    ah_free(s.all);
    ah_map_free(s.alerts);
    ah_map_free(s.owner);
    ah_map_free(s.groups);
    return json_pack("{sIso}", "events_replayed", (json_int_t)n, "incidents", s.incidents);
}
