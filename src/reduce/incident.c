/* incident.c - see incident.h and reduce.h (ah_reduce_incident_action). */
#include "reduce/incident.h"

#include "util/alloc.h"

#include <string.h>

int ah_incident_for_new_alert(struct ah_reduce *r, struct ah_store_tx *tx, struct ah_alert *a,
                              struct open_incident **ret, struct ah_error *err)
{
    struct ah_incident row;
    int rc;

    memset(&row, 0, sizeof(row));
    row.channel_id = a->channel_id;
    row.title = a->title;
    row.description = a->description;
    row.labels = a->labels;
    row.severity = a->severity;
    row.progress = AH_PROGRESS_TRIGGERED;
    row.start_time = row.last_time = a->start_time;
    /* Counts are written by ah_incident_alert_changed once the alert exists. */
    rc = ah_store_tx_incident_insert(tx, &row, err);
    if (rc < 0)
        return rc;
    a->incident_id = row.id;
    *ret = ah_reduce_incident_add(r, &row);
    return AH_OK;
}

int ah_incident_alert_changed(struct open_incident *inc, struct ah_store_tx *tx,
                              enum ah_severity severity, int64_t events_added, json_t *labels,
                              int64_t now, struct ah_error *err)
{
    struct ah_incident row;

    if (severity > inc->row.severity)
        inc->row.severity = severity;
    inc->row.event_count += events_added;
    inc->row.last_time = now;
    row = inc->row;
    row.labels = labels; /* NULL keeps the stored labels */
    return ah_store_tx_incident_update(tx, &row, err);
}

static int write_row(struct open_incident *inc, struct ah_store_tx *tx, struct ah_error *err)
{
    return ah_store_tx_incident_update(tx, &inc->row, err);
}

int ah_incident_alert_ended(struct ah_reduce *r, struct open_incident *inc, struct ah_store_tx *tx,
                            int recovered, int64_t now, struct ah_error *err)
{
    int rc;

    if (inc->row.active_alert_count > 0)
        inc->row.active_alert_count--;
    inc->row.last_time = now;
    if (inc->row.active_alert_count > 0)
        return write_row(inc, tx, err);
    /* Every alert ended: close automatically. "Ok" only when the last one
     * recovered (a superseded alert never recovered). */
    inc->row.recovered = recovered;
    inc->row.progress = AH_PROGRESS_CLOSED;
    inc->row.close_time = now;
    rc = write_row(inc, tx, err);
    ah_reduce_incident_drop(r, inc);
    return rc;
}

/* ================= people's actions ================= */

static int act_open(struct ah_reduce *r, struct open_incident *inc, struct ah_store_tx *tx,
                    enum ah_incident_action action, int64_t now, struct ah_error *err)
{
    int rc;

    switch (action) {
    case AH_INCIDENT_ACK:
        if (inc->row.progress == AH_PROGRESS_PROCESSING)
            return AH_OK;
        inc->row.progress = AH_PROGRESS_PROCESSING;
        inc->row.ack_time = now;
        return write_row(inc, tx, err);
    case AH_INCIDENT_UNACK:
        if (inc->row.progress == AH_PROGRESS_TRIGGERED)
            return AH_OK;
        inc->row.progress = AH_PROGRESS_TRIGGERED;
        inc->row.ack_time = 0;
        return write_row(inc, tx, err);
    case AH_INCIDENT_RESOLVE:
        /* A manual close closes its alerts: the next event with the same key
         * opens a new alert and a new incident. The status is kept. */
        rc = ah_store_tx_alerts_close(tx, inc->row.id, now, err);
        if (rc < 0)
            return rc;
        while (inc->nalerts > 0)
            ah_reduce_alert_drop(r, inc->alerts[0]);
        inc->row.progress = AH_PROGRESS_CLOSED;
        inc->row.close_time = now;
        inc->row.active_alert_count = 0;
        rc = write_row(inc, tx, err);
        ah_reduce_incident_drop(r, inc);
        return rc;
    case AH_INCIDENT_REOPEN:
        break;
    }
    return ah_error_set(err, AH_ECONFLICT, "cannot reopen incident \"%lld\": it is not closed",
                        (long long)inc->row.id);
}

int ah_reduce_incident_action(struct ah_reduce *r, struct ah_store_tx *tx, int64_t id,
                              enum ah_incident_action action, int64_t now, struct ah_error *err)
{
    struct open_incident *inc = ah_reduce_incident_find(r, id);
    struct ah_incident row;
    json_t *owner;
    int rc;

    if (inc != NULL)
        return act_open(r, inc, tx, action, now, err);
    /* Not open: it is closed or does not exist. */
    rc = ah_store_tx_incident_get(tx, id, &row, &owner, err);
    if (rc < 0)
        return rc;
    if (action != AH_INCIDENT_REOPEN) {
        json_decref(owner);
        return ah_error_set(err, AH_ECONFLICT, "cannot %s incident \"%lld\": it is closed",
                            action == AH_INCIDENT_ACK     ? "acknowledge"
                            : action == AH_INCIDENT_UNACK ? "unacknowledge"
                                                          : "resolve",
                            (long long)id);
    }
    row.progress = AH_PROGRESS_TRIGGERED;
    row.close_time = 0;
    row.ack_time = 0;
    row.labels = NULL;
    inc = ah_reduce_incident_add(r, &row);
    json_decref(owner);
    return write_row(inc, tx, err);
}
