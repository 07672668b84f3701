/* hold.h - what may hold a new alert back from incidents (spec 9): silence
 * rules (a time window and a filter) and inhibit rules (an active source
 * alert with equal values); and flapping detection (spec 6.6). Private to
 * src/reduce/. */
#ifndef AH_REDUCE_HOLD_H
#define AH_REDUCE_HOLD_H

#include "reduce/index.h"
#include "rules/filter.h"

struct ah_hold_verdict {
    enum ah_alert_hold held; /* AH_HOLD_NONE: go on to grouping */
    enum ah_hold_mode mode;
    int64_t rule_id;
    const char *rule_name;
    int64_t source_alert_id; /* inhibits */
};

/* Checks the channel's enabled silences (active now and matching), then its
 * inhibits, for a new alert described by @s. */
void ah_hold_check(struct ah_reduce *r, struct channel_state *ch, const struct ah_filter_subject *s,
                   int64_t now, struct ah_hold_verdict *ret);

/* Notes a firing alert as a possible inhibit source for every rule whose
 * source filters it matches. */
void ah_hold_note_source(struct channel_state *ch, const struct ah_filter_subject *s,
                         const struct open_alert *a, int64_t now);

/* A new JSON object for the alert's reason. */
json_t *ah_hold_reason(const struct ah_hold_verdict *v);

/* Flapping: the state changes of each key (a new alert, a recovery) are
 * counted in memory and kept with each change in the store (the flaps
 * table), except a key's first change while its alert is open: that is the
 * alert's start_time, taken up when the alert recovers.
 *
 * A new alert for @alert_key (@stored: it is stored, held or not; 0 when a
 * drop rule discards it). Returns 1 when the key now flaps, 0 when not, or
 * AH_ESTORE; *@ret_muted_until is set in mute mode (else 0). */
int ah_flap_opened(struct channel_state *ch, struct ah_store_tx *tx, const char *alert_key,
                   int64_t now, int stored, int64_t *ret_muted_until, struct ah_error *reterr);
/* The recovery of @alert_key's open alert, which opened at @opened_at. */
int ah_flap_recovered(struct channel_state *ch, struct ah_store_tx *tx, const char *alert_key,
                      int64_t opened_at, int64_t now, struct ah_error *reterr);
/* @alert_key's open alert, opened at @opened_at, was closed without a
 * recovery (its incident resolved): its opening, a change that no row
 * holds any more as an open alert's start_time, joins the history. */
int ah_flap_closed(struct channel_state *ch, struct ah_store_tx *tx, const char *alert_key,
                   int64_t opened_at, struct ah_error *reterr);
/* Start-up: puts back a key's stored history (@changes as the flaps table
 * keeps them). A channel whose flapping is off keeps none. */
void ah_flap_restore(struct channel_state *ch, const char *alert_key, const char *changes,
                     int64_t muted_until);

#endif
