/* incident.h - incident lifecycle inside the reducer (private to
 * src/reduce/): opening an incident for a new alert, following its alerts'
 * changes, and the people's actions. Grouping is off for now: every new
 * alert opens its own incident (the grouping rules come with issue #3 and
 * plug in at ah_incident_for_new_alert). */
#ifndef AH_REDUCE_INCIDENT_H
#define AH_REDUCE_INCIDENT_H

#include "reduce/index.h"

/* Finds the incident a new alert @a (fields @s) joins under its channel's
 * grouping, or opens one that takes title, description, labels and severity
 * from it; sets a->incident_id, *@ret, *@ret_merged (1: joined an existing
 * incident) and *@ret_reason (a new JSON object: why). */
int ah_incident_for_new_alert(struct ah_reduce *r, struct ah_store_tx *tx, struct ah_alert *a,
                              const struct ah_filter_subject *s, struct open_incident **ret,
                              int *ret_merged, json_t **ret_reason, struct ah_error *reterr);

/* Records on @inc's timeline that alert @a joined it, and a storm warning
 * when its alert count crosses a threshold. */
int ah_incident_merged(struct ah_reduce *r, struct open_incident *inc, struct ah_store_tx *tx,
                       const struct ah_alert *a, int64_t now, struct ah_error *reterr);

/* Records a change of one of @inc's alerts: @severity raised to at least the
 * alert's, @events_added events stored, and the labels of @first (the
 * alert, when it is the incident's first and its labels changed; NULL
 * otherwise) copied. Writes the incident. */
int ah_incident_alert_changed(struct open_incident *inc, struct ah_store_tx *tx,
                              enum ah_severity severity, int64_t events_added,
                              const struct ah_alert *first, int64_t now, struct ah_error *reterr);

/* One of @inc's alerts stopped being active (recovered when @recovered, else
 * superseded). The incident closes when none is left active: recovered if
 * every alert recovered. May drop @inc from the index. */
int ah_incident_alert_ended(struct ah_reduce *r, struct open_incident *inc, struct ah_store_tx *tx,
                            int recovered, int64_t now, struct ah_error *reterr);

/* The snooze of @inc ended: back to Triggered (i_wake) and paged again. */
int ah_incident_wake(struct ah_reduce *r, struct open_incident *inc, struct ah_store_tx *tx,
                     int64_t now, struct ah_error *reterr);

/* The channel's auto-resolve timeout passed: @inc closes as a manual
 * resolve would (its alerts close). May drop @inc from the index. */
int ah_incident_auto_resolve(struct ah_reduce *r, struct open_incident *inc, struct ah_store_tx *tx,
                             int64_t now, struct ah_error *reterr);

#endif
