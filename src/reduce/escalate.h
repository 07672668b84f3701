/* escalate.h - dispatch inside the reducer (private to src/reduce/): what an
 * incident event sends and to whom. Every message is a delivery row written
 * in the transaction of the change that caused it (the outbox); the sender
 * (src/notify/) delivers them after the commit. Escalations and their
 * timers are rows too, so that a restart loses nothing.
 *
 * incident.c calls these after it has written the incident's change and its
 * timeline entry. */
#ifndef AH_REDUCE_ESCALATE_H
#define AH_REDUCE_ESCALATE_H

#include "reduce/index.h"

/* A new incident: subscribers hear i_new; the channel's first matching
 * escalation rule starts (or nobody is paged: the delivery log shows
 * "no_rule_matched" for an incident without an escalation). A muted
 * (flapping) incident pages nobody. @s is its first alert. */
int ah_esc_new(struct ah_reduce *r, struct ah_store_tx *tx, struct open_incident *inc,
               const struct ah_filter_subject *s, int64_t now, struct ah_error *reterr);

/* An incident event (i_ack, i_unack, i_rslv, i_reopen, i_snooze, i_wake,
 * i_storm) of incident @inc (its row as it is now): subscribers hear it and
 * the escalation follows (ack stops it, unack resumes it, close ends it,
 * reopen starts over, snooze pauses it, wake re-pages, a storm notifies the
 * levels already paged). @person may be NULL; @minutes is a snooze's. */
int ah_esc_event(struct ah_reduce *r, struct ah_store_tx *tx, const struct ah_incident *inc,
                 const char *type, const json_t *person, int64_t minutes, int64_t now,
                 struct ah_error *reterr);

/* Arms the auto-resolve timer of @inc under its channel's settings (clears
 * it when auto-resolve is off). */
int ah_esc_arm_resolve(struct ah_reduce *r, struct ah_store_tx *tx, const struct ah_incident *inc,
                       int64_t now, struct ah_error *reterr);

/* The reducer was rebuilt: the next timer check reads the store. */
void ah_esc_reset(struct ah_reduce *r);

#endif
