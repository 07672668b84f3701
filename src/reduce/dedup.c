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
#include "reduce/incident.h"
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
        .severity = ev->severity,
        .recovered = ev->recovered,
        .event_time = ev->event_time ? ev->event_time : in->now,
        .received_at = in->now,
    };

    return ah_store_tx_event_insert(tx, &row, err);
}

static int open_alert(struct ah_reduce *r, struct ah_store_tx *tx, const struct ah_reduce_input *in,
                      struct ah_error *err)
{
    const struct ah_event *ev = in->ev;
    struct ah_alert row = {
        .channel_id = in->channel_id,
        .integration_id = in->integration_id,
        .alert_key = ev->alert_key,
        .title = ev->title,
        .description = ev->description,
        .labels = ev->labels,
        .severity = ev->severity,
        .level = ev->severity,
        .event_count = 1,
        .start_time = in->now,
        .last_time = in->now,
    };
    struct open_incident *inc;
    struct open_alert *a;
    int rc;

    rc = ah_incident_for_new_alert(r, tx, &row, &inc, err);
    if (rc == AH_OK)
        rc = ah_store_tx_alert_insert(tx, &row, err);
    if (rc == AH_OK)
        rc = store_event(tx, in, row.id, err);
    if (rc < 0)
        return rc;
    a = ah_xcalloc(1, sizeof(*a));
    a->map_key = ah_reduce_alert_key(in->channel_id, ev->alert_key);
    a->id = row.id;
    a->incident_id = row.incident_id;
    a->severity = a->level = ev->severity;
    a->event_count = 1;
    a->start_time = in->now;
    ah_reduce_digest(ev->severity, ev->title, ev->description, a->digest);
    ah_reduce_alert_add(r, a);
    if (inc->row.first_alert_id == 0)
        inc->row.first_alert_id = row.id;
    inc->row.alert_count++;
    inc->row.active_alert_count++;
    return ah_incident_alert_changed(inc, tx, row.severity, 1,
                                     inc->row.first_alert_id == row.id ? row.labels : NULL, in->now,
                                     err);
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

/* Reads the alert row, lets @apply change it, writes it back, then tells the
 * incident. */
static int update_alert(struct ah_reduce *r, struct ah_store_tx *tx,
                        const struct ah_reduce_input *in, struct open_alert *a, int stored,
                        struct ah_error *err)
{
    const struct ah_event *ev = in->ev;
    struct open_incident *inc = ah_reduce_incident_find(r, a->incident_id);
    struct ah_alert row;
    json_t *owner;
    int rc = ah_store_tx_alert_get(tx, a->id, &row, &owner, err);

    if (rc < 0)
        return rc;
    row.last_time = in->now;
    row.event_count += stored;
    if (ev->recovered) {
        add_missing_labels(row.labels, ev->labels);
        row.recovered = 1;
        row.end_time = in->now;
    } else {
        row.labels = ev->labels;
        row.title = ev->title;
        row.description = ev->description;
        row.level = ev->severity;
        if (ev->severity > row.severity)
            row.severity = ev->severity;
    }
    rc = ah_store_tx_alert_update(tx, &row, err);
    if (rc == AH_OK && inc != NULL)
        rc = ah_incident_alert_changed(inc, tx, row.severity, stored,
                                       inc->row.first_alert_id == row.id ? row.labels : NULL,
                                       in->now, err);
    a->severity = row.severity;
    a->level = row.level;
    a->event_count = row.event_count;
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
    char *key = ah_reduce_alert_key(in->channel_id, ev->alert_key);
    struct open_alert *a = ah_map_find(r->alerts, key);
    unsigned char digest[AH_DIGEST_LEN];
    int rc;

    ah_free(key);
    if (a != NULL && in->now - a->start_time >= AH_ALERT_MAX_AGE) {
        rc = supersede(r, tx, a, in->now, err);
        if (rc < 0)
            return rc;
        a = NULL;
    }
    if (a == NULL) {
        *ret = ev->recovered ? AH_REDUCE_IGNORED : AH_REDUCE_NEW_ALERT;
        return ev->recovered ? AH_OK : open_alert(r, tx, in, err);
    }
    if (ev->recovered) {
        *ret = AH_REDUCE_RECOVERED;
        return recover(r, tx, in, a, err);
    }
    ah_reduce_digest(ev->severity, ev->title, ev->description, digest);
    if (memcmp(digest, a->digest, AH_DIGEST_LEN) == 0) {
        *ret = AH_REDUCE_REFRESHED;
        return update_alert(r, tx, in, a, 0, err);
    }
    *ret = AH_REDUCE_MERGED;
    memcpy(a->digest, digest, AH_DIGEST_LEN);
    rc = store_event(tx, in, a->id, err);
    return rc < 0 ? rc : update_alert(r, tx, in, a, 1, err);
}
