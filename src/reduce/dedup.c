/* dedup.c - event -> alert deduplication (spec section 5), one channel at a
 * time:
 *   no open alert for (channel, alert_key): Ok -> ignored; else a new alert
 *     and, through incident.c, its incident;
 *   identical status, title and description -> not stored; the alert's
 *     labels and last_time are refreshed;
 *   Ok -> stored; the alert recovers and only gains missing labels;
 *   otherwise -> stored; the alert takes the event's level, title,
 *     description and labels, and keeps the highest severity seen.
 * An alert open for AH_ALERT_MAX_AGE stops merging: it is closed and the
 * event opens a new one. */
#include "reduce/escalate.h"
#include "reduce/incident.h"
#include "reduce/hold.h"
#include "reduce/index.h"

#include "util/alloc.h"

#include <string.h>

static int store_event(struct ah_store_tx *tx, const struct ah_reduce_input *in, int64_t alert_id,
                       struct ah_error *err)
{
    const struct ah_event *ev = in->ev;
    struct ah_event_row row = {
        .alert_id = alert_id,
        .channel_id = in->channel_id,
        .integration_id = in->integration_id,
        .alert_key = ev->alert_key,
        .title = ev->title,
        .description = ev->description,
        .labels = ev->labels,
        .images = ev->images,
        .labels_text = ev->labels_text,
        .images_text = ev->images_text,
        .severity = ev->severity,
        .recovered = ev->recovered,
        .event_time = ev->event_time ? ev->event_time : in->now,
        .received_at = in->now,
    };

    return ah_store_tx_event_insert(tx, &row, err);
}

static struct ah_filter_subject subject_of(const struct ah_reduce_input *in)
{
    const struct ah_event *ev = in->ev;

    return (struct ah_filter_subject){.severity = ah_severity_name(ev->severity),
                                      .title = ev->title,
                                      .description = ev->description,
                                      .alert_key = ev->alert_key,
                                      .integration_id = in->integration_id,
                                      .labels = ev->labels,
                                      .budget = in->budget};
}

static struct open_alert *index_alert(struct ah_reduce *r, const struct ah_reduce_input *in,
                                      const struct ah_alert *row)
{
    struct open_alert *a = ah_xcalloc(1, sizeof(*a));
    const struct ah_event *ev = in->ev;

    a->map_key = ah_reduce_alert_key(in->channel_id, ev->alert_key);
    a->id = row->id;
    a->incident_id = row->incident_id;
    a->severity = a->level = ev->severity;
    a->event_count = 1;
    a->start_time = a->last_time = in->now;
    ah_reduce_digest(ev->severity, ev->title, ev->description, a->digest);
    ah_reduce_alert_add(r, a);
    return a;
}

/* Flapping marks the alert and, once, its incident. */
static int mark_flapping(struct open_incident *inc, struct ah_store_tx *tx, int64_t muted_until,
                         int64_t now, struct ah_error *err)
{
    json_t *detail;
    int rc;

    inc->row.muted_until = muted_until > inc->row.muted_until ? muted_until : inc->row.muted_until;
    if (inc->row.flapping)
        return AH_OK;
    inc->row.flapping = 1;
    detail = json_pack("{sI}", "muted_until", (json_int_t)muted_until);
    rc = ah_store_tx_feed_insert(tx, inc->row.id, now, "i_m_flapping", detail, err);
    json_decref(detail);
    return rc;
}

/* A held alert is stored (mark) but joins no incident; drop stores nothing
 * but the rule's counter. */
static int hold_alert(struct ah_reduce *r, struct ah_store_tx *tx, const struct ah_reduce_input *in,
                      struct ah_alert *row, const struct ah_hold_verdict *v,
                      enum ah_reduce_outcome *ret, struct ah_error *err)
{
    enum ah_store_hold_kind kind =
        v->held == AH_HOLD_SILENCED ? AH_STORE_SILENCE : AH_STORE_INHIBIT;
    int rc = ah_store_tx_hold_rule_hit(tx, kind, v->rule_id, err);

    if (rc < 0 || v->mode == AH_HOLD_DROP) {
        *ret = AH_REDUCE_DROPPED;
        ah_reduce_count(r, AH_NOISE_DROPPED);
        return rc;
    }
    ah_reduce_count(r, v->held == AH_HOLD_SILENCED ? AH_NOISE_SILENCED : AH_NOISE_INHIBITED);
    if (row->flapping)
        ah_reduce_count(r, AH_NOISE_FLAPPING);
    row->held = v->held;
    row->reason = ah_hold_reason(v);
    rc = ah_store_tx_alert_insert(tx, row, err);
    json_decref(row->reason);
    if (rc == AH_OK)
        rc = store_event(tx, in, row->id, err);
    if (rc == AH_OK)
        (void)index_alert(r, in, row);
    return rc;
}

static int open_alert(struct ah_reduce *r, struct ah_store_tx *tx, const struct ah_reduce_input *in,
                      enum ah_reduce_outcome *ret, struct ah_error *err)
{
    const struct ah_event *ev = in->ev;
    struct channel_state *ch = ah_reduce_channel(r, in->channel_id);
    struct ah_filter_subject subj = subject_of(in);
    struct ah_alert row = {.channel_id = in->channel_id,
                           .integration_id = in->integration_id,
                           .alert_key = ev->alert_key,
                           .title = ev->title,
                           .description = ev->description,
                           .labels = ev->labels,
                           .labels_text = ev->labels_text,
                           .severity = ev->severity,
                           .level = ev->severity,
                           .event_count = 1,
                           .start_time = in->now,
                           .last_time = in->now};
    struct ah_hold_verdict hold;
    struct open_incident *inc;
    int64_t muted_until = 0;
    int merged, rc;

    *ret = AH_REDUCE_NEW_ALERT;
    ah_hold_check(r, ch, &subj, in->now, &hold);
    rc = ah_flap_opened(ch, tx, ev->alert_key, in->now,
                        hold.held == AH_HOLD_NONE || hold.mode != AH_HOLD_DROP, &muted_until, err);
    if (rc < 0)
        return rc;
    row.flapping = rc;
    if (hold.held != AH_HOLD_NONE)
        return hold_alert(r, tx, in, &row, &hold, ret, err);
    rc = ah_incident_for_new_alert(r, tx, &row, &subj, &inc, &merged, &row.reason, err);
    row.group_key = json_string_value(json_object_get(row.reason, "group_key"));
    if (rc == AH_OK)
        rc = ah_store_tx_alert_insert(tx, &row, err);
    json_decref(row.reason);
    row.reason = NULL;
    if (rc == AH_OK)
        rc = store_event(tx, in, row.id, err);
    if (rc < 0)
        return rc;
    ah_hold_note_source(ch, &subj, index_alert(r, in, &row), in->now);
    if (inc->row.first_alert_id == 0)
        inc->row.first_alert_id = row.id;
    inc->row.alert_count++;
    inc->row.active_alert_count++;
    if (merged) {
        ah_reduce_count(r, AH_NOISE_GROUPED);
        rc = ah_incident_merged(r, inc, tx, &row, in->now, err);
    }
    if (rc == AH_OK && row.flapping) {
        ah_reduce_count(r, AH_NOISE_FLAPPING);
        rc = mark_flapping(inc, tx, muted_until, in->now, err);
    }
    /* A new incident was inserted with the alert's labels already. */
    if (rc == AH_OK)
        rc = ah_incident_alert_changed(inc, tx, row.severity, 1,
                                       merged && inc->row.first_alert_id == row.id ? &row : NULL,
                                       in->now, err);
    /* Only a new incident pages: merged alerts never do (a storm aside). */
    if (rc == AH_OK && !merged)
        rc = ah_esc_new(r, tx, inc, &subj, in->now, err);
    return rc;
}

/* Ok: the alert keeps its labels and gains the event's missing ones. */
static void add_missing_labels(json_t *labels, const json_t *from)
{
    const char *k;
    json_t *v;

    json_object_foreach((json_t *)from, k, v)
    {
        if (json_object_get(labels, k) == NULL)
            json_object_set(labels, k, v);
    }
}

/* Writes the alert's new state. A firing event replaces every field it
 * changes, and the index holds the rest (highest severity, event count), so
 * nothing is read; a recovery keeps the stored labels, so it reads the row. */
static int write_alert(struct ah_store_tx *tx, const struct ah_reduce_input *in,
                       const struct open_alert *a, int stored, struct ah_alert *row, json_t **owner,
                       struct ah_error *err)
{
    const struct ah_event *ev = in->ev;
    int rc;

    if (!ev->recovered) {
        *row =
            (struct ah_alert){.id = a->id,
                              .title = ev->title,
                              .description = ev->description,
                              .labels = ev->labels,
                              .labels_text = ev->labels_text,
                              .level = ev->severity,
                              .severity = ev->severity > a->severity ? ev->severity : a->severity,
                              .event_count = a->event_count + stored,
                              .last_time = in->now};
        return ah_store_tx_alert_refresh(tx, row, err);
    }
    rc = ah_store_tx_alert_get(tx, a->id, row, owner, err);
    if (rc < 0)
        return rc;
    row->last_time = in->now;
    row->event_count += stored;
    add_missing_labels(row->labels, ev->labels);
    row->recovered = 1;
    row->end_time = in->now;
    return ah_store_tx_alert_update(tx, row, err);
}

/* Updates the alert, then tells the incident. */
static int update_alert(struct ah_reduce *r, struct ah_store_tx *tx,
                        const struct ah_reduce_input *in, struct open_alert *a, int stored,
                        struct ah_error *err)
{
    const struct ah_event *ev = in->ev;
    struct open_incident *inc = ah_reduce_incident_find(r, a->incident_id);
    struct ah_alert row;
    json_t *owner = NULL;
    int rc = write_alert(tx, in, a, stored, &row, &owner, err);

    if (rc == AH_OK && inc != NULL)
        rc = ah_incident_alert_changed(inc, tx, row.severity, stored,
                                       inc->row.first_alert_id == row.id ? &row : NULL, in->now,
                                       err);
    a->severity = row.severity;
    a->level = row.level;
    a->event_count = row.event_count;
    a->last_time = in->now;
    if (!ev->recovered && a->incident_id != 0) {
        struct ah_filter_subject subj = subject_of(in);

        ah_hold_note_source(ah_reduce_channel(r, in->channel_id), &subj, a, in->now);
    }
    json_decref(owner);
    return rc;
}

/* Ends an alert that is too old to merge: closed, not recovered. */
static int supersede(struct ah_reduce *r, struct ah_store_tx *tx, struct open_alert *a, int64_t now,
                     struct ah_error *err)
{
    struct open_incident *inc = ah_reduce_incident_find(r, a->incident_id);
    struct ah_alert row;
    json_t *owner;
    int rc = ah_store_tx_alert_get(tx, a->id, &row, &owner, err);

    if (rc < 0)
        return rc;
    row.close_time = now;
    rc = ah_store_tx_alert_update(tx, &row, err);
    json_decref(owner);
    ah_reduce_alert_drop(r, a);
    if (rc == AH_OK && inc != NULL)
        rc = ah_incident_alert_ended(r, inc, tx, 0, now, err);
    return rc;
}

static int recover(struct ah_reduce *r, struct ah_store_tx *tx, const struct ah_reduce_input *in,
                   struct open_alert *a, struct ah_error *err)
{
    struct open_incident *inc = ah_reduce_incident_find(r, a->incident_id);
    int rc = store_event(tx, in, a->id, err);

    /* A recovery is a state change too: trigger, recover, trigger... flaps. */
    if (rc == AH_OK)
        rc = ah_flap_recovered(ah_reduce_channel(r, in->channel_id), tx, in->ev->alert_key,
                               a->start_time, in->now, err);
    if (rc == AH_OK)
        rc = update_alert(r, tx, in, a, 1, err);
    ah_reduce_alert_drop(r, a);
    if (rc == AH_OK && inc != NULL)
        rc = ah_incident_alert_ended(r, inc, tx, 1, in->now, err);
    return rc;
}

int ah_reduce_event(struct ah_reduce *r, struct ah_store_tx *tx, const struct ah_reduce_input *in,
                    enum ah_reduce_outcome *ret, struct ah_error *err)
{
    const struct ah_event *ev = in->ev;
    struct open_alert *a = ah_reduce_alert_find(r, in->channel_id, ev->alert_key);
    unsigned char digest[AH_DIGEST_LEN];
    int rc;

    if (a != NULL && in->now - a->start_time >= AH_ALERT_MAX_AGE) {
        rc = supersede(r, tx, a, in->now, err);
        if (rc < 0)
            return rc;
        a = NULL;
    }
    if (a == NULL) {
        *ret = AH_REDUCE_IGNORED;
        return ev->recovered ? AH_OK : open_alert(r, tx, in, ret, err);
    }
    if (ev->recovered) {
        *ret = AH_REDUCE_RECOVERED;
        return recover(r, tx, in, a, err);
    }
    ah_reduce_digest(ev->severity, ev->title, ev->description, digest);
    ah_reduce_count(r, AH_NOISE_DEDUPLICATED);
    if (memcmp(digest, a->digest, AH_DIGEST_LEN) == 0) {
        *ret = AH_REDUCE_REFRESHED;
        return update_alert(r, tx, in, a, 0, err);
    }
    *ret = AH_REDUCE_MERGED;
    memcpy(a->digest, digest, AH_DIGEST_LEN);
    rc = store_event(tx, in, a->id, err);
    return rc < 0 ? rc : update_alert(r, tx, in, a, 1, err);
}
