/* incident.c - see incident.h and reduce.h (ah_reduce_incident_action). */
#include "reduce/incident.h"
#include "reduce/hold.h"

#include "reduce/escalate.h"
#include "reduce/group.h"
#include "util/alloc.h"
#include "util/buf.h"

#include <string.h>

static int open_incident(struct ah_reduce *r, struct ah_store_tx *tx, struct ah_alert *a,
                         const char *group_key, struct open_incident **ret, struct ah_error *err)
{
    struct ah_incident row;
    int rc;

    memset(&row, 0, sizeof(row));
    row.channel_id = a->channel_id;
    row.title = a->title;
    row.description = a->description;
    row.labels = a->labels;
    row.labels_text = a->labels_text;
    row.severity = a->severity;
    row.progress = AH_PROGRESS_TRIGGERED;
    row.start_time = row.last_time = a->start_time;
    row.group_key = group_key;
    /* Counts are written by ah_incident_alert_changed once the alert exists. */
    rc = ah_store_tx_incident_insert(tx, &row, err);
    if (rc == AH_OK)
        rc = ah_store_tx_feed_insert(tx, row.id, a->start_time, "i_new", NULL, err);
    if (rc < 0)
        return rc;
    a->incident_id = row.id;
    *ret = ah_reduce_incident_add(r, &row);
    (*ret)->last_merge_time = a->start_time;
    return AH_OK;
}

static const char *const verdict_text[] = {
    [AH_GROUP_MERGE] = "merged into an open incident with equal values",
    [AH_GROUP_NEW_WINDOW] = "new incident: the matching incident's window has passed",
    [AH_GROUP_NEW_FULL] = "new incident: the matching incident holds max_alerts_per_incident",
};

/* The first open incident under one of the plan's keys that may take the
 * alert; -1 when none. *@why explains a refusal. */
static int find_group(struct channel_state *ch, const struct ah_group_plan *plan, int64_t now,
                      struct open_incident **ret, const char **why)
{
    size_t i;

    *why = "new incident: no open incident has equal values";
    for (i = 0; i < plan->nkeys; i++) {
        struct open_incident *inc;
        struct ah_group_candidate c;
        enum ah_group_verdict v;

        if (plan->keys[i][0] == '\0')
            continue;
        inc = ah_map_find(ch->groups, plan->keys[i]);
        if (inc == NULL)
            continue;
        c = (struct ah_group_candidate){inc->row.start_time, inc->last_merge_time,
                                        inc->row.alert_count};
        v = ah_group_check(ch->grouping, &c, now);
        if (v == AH_GROUP_MERGE) {
            *ret = inc;
            return (int)i;
        }
        *why = verdict_text[v];
    }
    return -1;
}

int ah_incident_for_new_alert(struct ah_reduce *r, struct ah_store_tx *tx, struct ah_alert *a,
                              const struct ah_filter_subject *s, struct open_incident **ret,
                              int *ret_merged, json_t **ret_reason, struct ah_error *err)
{
    struct channel_state *ch = ah_reduce_channel(r, a->channel_id);
    struct ah_group_plan plan;
    struct ah_buf keys;
    const char *why;
    size_t i;
    int set, rc;

    *ret_merged = 0;
    if (!ch->grouping->enabled) {
        *ret_reason = json_pack("{ssss}", "method", "none", "decision",
                                "new incident: grouping is off in this channel");
        return open_incident(r, tx, a, "", ret, err);
    }
    ah_group_plan(ch->grouping, a->channel_id, s, &plan);
    set = find_group(ch, &plan, a->start_time, ret, &why);
    if (set >= 0) {
        *ret_merged = 1;
        a->incident_id = (*ret)->row.id;
        *ret_reason = ah_group_reason(&plan, set, verdict_text[AH_GROUP_MERGE]);
        return AH_OK;
    }
    /* Indexed under every usable key: any set equal means "the same". */
    ah_buf_init(&keys);
    for (i = 0, set = -1; i < plan.nkeys; i++) {
        if (plan.keys[i][0] == '\0')
            continue;
        if (set < 0)
            set = (int)i;
        if (keys.len > 0)
            ah_buf_puts(&keys, " ");
        ah_buf_puts(&keys, plan.keys[i]);
    }
    if (set < 0)
        why = "new incident: strict grouping and a dimension value is missing";
    *ret_reason = ah_group_reason(&plan, set, why);
    rc = open_incident(r, tx, a, ah_buf_str(&keys), ret, err);
    ah_buf_done(&keys);
    if (rc == AH_OK)
        ah_reduce_group_register(ch, *ret, (const char(*)[33])plan.keys, plan.nkeys);
    return rc;
}

int ah_incident_merged(struct ah_reduce *r, struct open_incident *inc, struct ah_store_tx *tx,
                       const struct ah_alert *a, int64_t now, struct ah_error *err)
{
    struct channel_state *ch = ah_reduce_channel(r, inc->row.channel_id);
    json_t *detail =
        json_pack("{soss}", "alert_id", json_sprintf("%lld", (long long)a->id), "title", a->title);
    int64_t storm;
    int rc;

    inc->last_merge_time = now;
    rc = ah_store_tx_feed_insert(tx, inc->row.id, now, "a_merge", detail, err);
    json_decref(detail);
    storm = ah_group_storm(ch->grouping, inc->row.alert_count);
    if (rc == AH_OK && storm > 0) {
        detail = json_pack("{sI}", "alert_count", (json_int_t)storm);
        rc = ah_store_tx_feed_insert(tx, inc->row.id, now, "i_storm", detail, err);
        json_decref(detail);
        if (rc == AH_OK)
            rc = ah_esc_event(r, tx, &inc->row, "i_storm", NULL, 0, now, err);
    }
    return rc;
}

int ah_incident_alert_changed(struct open_incident *inc, struct ah_store_tx *tx,
                              enum ah_severity severity, int64_t events_added,
                              const struct ah_alert *first, int64_t now, struct ah_error *err)
{
    struct ah_incident row;

    if (severity > inc->row.severity)
        inc->row.severity = severity;
    inc->row.event_count += events_added;
    inc->row.last_time = now;
    row = inc->row;
    /* NULL keeps the stored labels */
    row.labels = first ? first->labels : NULL;
    row.labels_text = first ? first->labels_text : NULL;
    return ah_store_tx_incident_update(tx, &row, err);
}

static int write_row(struct open_incident *inc, struct ah_store_tx *tx, struct ah_error *err)
{
    return ah_store_tx_incident_update(tx, &inc->row, err);
}

/* Writes the incident and records @type on its timeline, with who acted
 * (@person, may be NULL) and @extra (may be NULL; stolen). */
static int write_feed(struct open_incident *inc, struct ah_store_tx *tx, const char *type,
                      const json_t *person, json_t *extra, int64_t now, struct ah_error *err)
{
    int rc = write_row(inc, tx, err);
    json_t *detail = extra;

    if (person != NULL) {
        if (detail == NULL)
            detail = json_object();
        json_object_set(detail, "member_id", json_object_get(person, "id"));
        json_object_set(detail, "name", json_object_get(person, "name"));
    }
    if (rc == AH_OK)
        rc = ah_store_tx_feed_insert(tx, inc->row.id, now, type, detail, err);
    json_decref(detail);
    return rc;
}

/* Closes @inc and its alerts (manual resolve, auto-resolve): the next event
 * with the same key opens a new alert and a new incident. The status is
 * kept. Dispatch hears i_rslv. */
static int close_incident(struct ah_reduce *r, struct open_incident *inc, struct ah_store_tx *tx,
                          const json_t *person, json_t *extra, int64_t now, struct ah_error *err)
{
    struct ah_incident row;
    int rc = ah_store_tx_alerts_close(tx, inc->row.id, now, err);

    if (rc < 0) {
        json_decref(extra);
        return rc;
    }
    while (inc->nalerts > 0) {
        const struct open_alert *a = inc->alerts[0];

        if (rc == AH_OK)
            rc = ah_flap_closed(ah_reduce_channel(r, inc->row.channel_id), tx,
                                strchr(a->map_key, '\x1f') + 1, a->start_time, err);
        ah_reduce_alert_drop(r, inc->alerts[0]);
    }
    if (rc < 0) {
        json_decref(extra);
        return rc;
    }
    inc->row.progress = AH_PROGRESS_CLOSED;
    inc->row.close_time = now;
    inc->row.active_alert_count = 0;
    rc = write_feed(inc, tx, "i_rslv", person, extra, now, err);
    row = inc->row;
    ah_reduce_incident_drop(r, inc);
    return rc < 0 ? rc : ah_esc_event(r, tx, &row, "i_rslv", person, 0, now, err);
}

int ah_incident_alert_ended(struct ah_reduce *r, struct open_incident *inc, struct ah_store_tx *tx,
                            int recovered, int64_t now, struct ah_error *err)
{
    struct ah_incident row;
    int rc;

    if (inc->row.active_alert_count > 0)
        inc->row.active_alert_count--;
    inc->row.last_time = now;
    if (inc->row.active_alert_count > 0)
        return write_row(inc, tx, err);
    inc->row.recovered = recovered;
    /* "Close with alerts" off: recovered, but open until someone (or the
     * auto-resolve timeout) closes it. */
    if (ah_reduce_channel(r, inc->row.channel_id)->disable_auto_close)
        return write_row(inc, tx, err);
    /* Every alert ended: close automatically. "Ok" only when the last one
     * recovered (a superseded alert never recovered). */
    inc->row.progress = AH_PROGRESS_CLOSED;
    inc->row.close_time = now;
    rc = write_feed(inc, tx, recovered ? "i_auto_close" : "i_auto_close_superseded", NULL, NULL,
                    now, err);
    row = inc->row;
    ah_reduce_incident_drop(r, inc);
    return rc < 0 ? rc : ah_esc_event(r, tx, &row, "i_rslv", NULL, 0, now, err);
}

int ah_incident_wake(struct ah_reduce *r, struct open_incident *inc, struct ah_store_tx *tx,
                     int64_t now, struct ah_error *err)
{
    int rc;

    if (inc->row.progress == AH_PROGRESS_PROCESSING) {
        inc->row.progress = AH_PROGRESS_TRIGGERED;
        inc->row.ack_time = 0;
    }
    rc = write_feed(inc, tx, "i_wake", NULL, NULL, now, err);
    return rc < 0 ? rc : ah_esc_event(r, tx, &inc->row, "i_wake", NULL, 0, now, err);
}

int ah_incident_auto_resolve(struct ah_reduce *r, struct open_incident *inc, struct ah_store_tx *tx,
                             int64_t now, struct ah_error *err)
{
    struct channel_state *ch = ah_reduce_channel(r, inc->row.channel_id);

    return close_incident(r, inc, tx, NULL,
                          json_pack("{sssI}", "by", "auto_resolve", "timeout_seconds",
                                    (json_int_t)ch->resolve_timeout),
                          now, err);
}

/* ================= people's actions ================= */

static int act_open(struct ah_reduce *r, struct open_incident *inc, struct ah_store_tx *tx,
                    const struct ah_incident_act *act, int64_t now, struct ah_error *err)
{
    const char *type;
    json_t *extra = NULL;
    int rc;

    switch (act->action) {
    case AH_INCIDENT_ACK:
        if (inc->row.progress == AH_PROGRESS_PROCESSING)
            return AH_OK;
        inc->row.progress = AH_PROGRESS_PROCESSING;
        inc->row.ack_time = now;
        type = "i_ack";
        break;
    case AH_INCIDENT_UNACK:
        if (inc->row.progress == AH_PROGRESS_TRIGGERED)
            return AH_OK;
        inc->row.progress = AH_PROGRESS_TRIGGERED;
        inc->row.ack_time = 0;
        type = "i_unack";
        break;
    case AH_INCIDENT_RESOLVE:
        return close_incident(r, inc, tx, act->person, NULL, now, err);
    case AH_INCIDENT_SNOOZE:
        if (inc->row.progress != AH_PROGRESS_PROCESSING)
            return ah_error_set(err, AH_ECONFLICT,
                                "cannot snooze incident \"%lld\": only an acknowledged"
                                " (Processing) incident can be snoozed",
                                (long long)inc->row.id);
        type = "i_snooze";
        extra = json_pack("{sIsI}", "minutes", (json_int_t)act->minutes, "until",
                          (json_int_t)(now + act->minutes * 60));
        break;
    default:
        return ah_error_set(err, AH_ECONFLICT, "cannot reopen incident \"%lld\": it is not closed",
                            (long long)inc->row.id);
    }
    rc = write_feed(inc, tx, type, act->person, extra, now, err);
    return rc < 0 ? rc : ah_esc_event(r, tx, &inc->row, type, act->person, act->minutes, now, err);
}

static const char *const action_verbs[] = {[AH_INCIDENT_ACK] = "acknowledge",
                                           [AH_INCIDENT_UNACK] = "unacknowledge",
                                           [AH_INCIDENT_RESOLVE] = "resolve",
                                           [AH_INCIDENT_REOPEN] = "reopen",
                                           [AH_INCIDENT_SNOOZE] = "snooze"};

int ah_reduce_incident_act(struct ah_reduce *r, struct ah_store_tx *tx, int64_t id,
                           const struct ah_incident_act *act, int64_t now, struct ah_error *err)
{
    struct open_incident *inc = ah_reduce_incident_find(r, id);
    struct ah_incident row;
    json_t *owner;
    int rc;

    if (inc != NULL)
        return act_open(r, inc, tx, act, now, err);
    /* Not open: it is closed or does not exist. */
    rc = ah_store_tx_incident_get(tx, id, &row, &owner, err);
    if (rc < 0)
        return rc;
    if (act->action != AH_INCIDENT_REOPEN) {
        json_decref(owner);
        return ah_error_set(err, AH_ECONFLICT, "cannot %s incident \"%lld\": it is closed",
                            action_verbs[act->action], (long long)id);
    }
    row.progress = AH_PROGRESS_TRIGGERED;
    row.close_time = 0;
    row.ack_time = 0;
    row.labels = NULL;
    row.group_key = NULL;
    inc = ah_reduce_incident_add(r, &row);
    json_decref(owner);
    rc = write_feed(inc, tx, "i_reopen", act->person, NULL, now, err);
    return rc < 0 ? rc : ah_esc_event(r, tx, &inc->row, "i_reopen", act->person, 0, now, err);
}

int ah_reduce_incident_action(struct ah_reduce *r, struct ah_store_tx *tx, int64_t id,
                              enum ah_incident_action action, int64_t now, struct ah_error *err)
{
    struct ah_incident_act act = {.action = action};

    return ah_reduce_incident_act(r, tx, id, &act, now, err);
}
