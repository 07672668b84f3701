/* reduce.h - the channel layer: event -> alert deduplication and alert ->
 * incident lifecycle (spec sections 5 and 10), against in-memory indexes of
 * open alerts, keyed by (channel, alert_key), and open incidents, keyed by
 * id. The indexes are rebuilt from the store at start-up and after a failed
 * commit, so memory never disagrees with what was committed.
 *
 * Not thread-safe: the writer thread owns the reducer and calls it inside a
 * store transaction. Every call that fails with AH_ESTORE may have changed
 * memory; the caller then rolls back and calls ah_reduce_load(). Other
 * failures (AH_ENOTFOUND, AH_ECONFLICT) happen before anything changed. */
#ifndef AH_REDUCE_REDUCE_H
#define AH_REDUCE_REDUCE_H

#include "model/event.h"
#include "store/store.h"
#include "util/error.h"

#include <stddef.h>
#include <stdint.h>

struct ah_rule_budget; /* rules/filter.h */

/* An alert stops merging events this long after it started (spec 5). */
#define AH_ALERT_MAX_AGE (24 * 3600)

struct ah_reduce;

/* Returns a new, empty reducer; free with ah_reduce_free(). */
struct ah_reduce *ah_reduce_new(void);
void ah_reduce_free(struct ah_reduce *r); /* NULL is a no-op */

/* Empties the indexes and rebuilds them from the committed state of @store. */
int ah_reduce_load(struct ah_reduce *r, struct ah_store *store, struct ah_error *reterr);

/* Catches up with what other nodes changed (store.h, ah_store_tx_changes),
 * inside @tx: the incidents and alerts in @ch are dropped from memory and
 * loaded again from their rows if still open (an incident with its open
 * alerts), the flapping histories in @ch are read again, and the open
 * alerts that changed are noted as inhibit sources. @seen (may be NULL)
 * is called with each changed alert that is open, for what the caller
 * keeps beside the reducer. The result equals ah_reduce_load's when @ch
 * holds every change since memory was in step. */
int ah_reduce_catch_up(struct ah_reduce *r, struct ah_store_tx *tx,
                       const struct ah_store_changes *ch,
                       void (*seen)(const struct ah_alert_view *a, void *arg), void *seen_arg,
                       struct ah_error *reterr);

enum ah_reduce_outcome {
    AH_REDUCE_NEW_ALERT, /* a new alert (and incident) was opened */
    AH_REDUCE_MERGED,    /* the event was stored and merged into its alert */
    AH_REDUCE_REFRESHED, /* identical to the alert: not stored, labels and
                            last_time refreshed */
    AH_REDUCE_RECOVERED, /* Ok: the alert recovered */
    AH_REDUCE_IGNORED,   /* Ok with no open alert: nothing stored */
    AH_REDUCE_DROPPED,   /* a silence or inhibit rule in drop mode held it:
                            nothing stored but the rule's counter */
};

struct ah_reduce_input {
    const struct ah_event *ev; /* prepared (ingest/push.h): alert_key set */
    int64_t channel_id;
    int64_t integration_id;
    int64_t now; /* the receive time: alerts and incidents use server time */
    /* The event's budget for rules (rules/filter.h), shared by every channel
     * it goes to; NULL: unbounded. */
    struct ah_rule_budget *budget;
};

/* Applies one event to its channel. */
int ah_reduce_event(struct ah_reduce *r, struct ah_store_tx *tx, const struct ah_reduce_input *in,
                    enum ah_reduce_outcome *ret_outcome, struct ah_error *reterr);

enum ah_incident_action {
    AH_INCIDENT_ACK,
    AH_INCIDENT_UNACK,
    AH_INCIDENT_RESOLVE,
    AH_INCIDENT_REOPEN,
    AH_INCIDENT_SNOOZE,
};

/* An action with who took it (@person: {id, name}, or NULL) and, for a
 * snooze, how long (1..1440 minutes). */
struct ah_incident_act {
    enum ah_incident_action action;
    const json_t *person;
    int64_t minutes;
};

/* Acknowledge: Triggered -> Processing (already Processing: no change).
 * Unacknowledge: Processing -> Triggered (Triggered: no change).
 * Resolve: -> Closed, closing its alerts so that they merge nothing more.
 * Reopen: Closed -> Triggered. AH_ECONFLICT when the incident's progress
 * forbids the action, AH_ENOTFOUND when there is no such incident. */
int ah_reduce_incident_action(struct ah_reduce *r, struct ah_store_tx *tx, int64_t incident_id,
                              enum ah_incident_action action, int64_t now, struct ah_error *reterr);
/* As ah_reduce_incident_action, with the person on the timeline and in the
 * notifications. Snooze: Processing only (else AH_ECONFLICT); escalation
 * pauses until the incident wakes (back to Triggered, re-paged). */
int ah_reduce_incident_act(struct ah_reduce *r, struct ah_store_tx *tx, int64_t incident_id,
                           const struct ah_incident_act *act, int64_t now, struct ah_error *reterr);

/* ---- dispatch (issue #8): escalation, auto-resolve, timers ---- */

struct ah_escalations;
/* Takes ownership of @e (NULL: the channel pages nobody). Escalations in
 * progress keep the rule they started with. */
void ah_reduce_set_escalations(struct ah_reduce *r, int64_t channel_id, struct ah_escalations *e);
/* Sets a channel's auto-resolve (@timeout seconds, 0 = off; from the start,
 * or from the last alert event when @on_update) and whether recovery closes
 * incidents; re-arms the timers of its open incidents. */
int ah_reduce_set_auto_resolve(struct ah_reduce *r, struct ah_store_tx *tx, int64_t channel_id,
                               int64_t timeout, int on_update, int disable_auto_close, int64_t now,
                               struct ah_error *reterr);
/* Start-up form of the above: no timers are touched. */
void ah_reduce_load_auto_resolve(struct ah_reduce *r, int64_t channel_id, int64_t timeout,
                                 int on_update, int disable_auto_close);
/* Fires every timer due at @now (escalation steps, delays, repeats, snooze
 * wake-ups, auto-resolves). */
int ah_reduce_fire_timers(struct ah_reduce *r, struct ah_store_tx *tx, int64_t now,
                          struct ah_error *reterr);
/* The earliest timer (Unix seconds; 0: none). */
int64_t ah_reduce_next_due(const struct ah_reduce *r);
/* Deliveries written since the last call (the writer wakes the sender). */
size_t ah_reduce_take_outbox(struct ah_reduce *r);

/* A channel's rules changed (admin API, inside the writer's transaction).
 * Each takes ownership of the compiled rule. A channel without settings uses
 * the defaults (grouping off, flapping marked at 4 changes in 60 minutes). */
struct ah_grouping;
struct ah_flapping;
struct ah_silence;
struct ah_inhibit;
void ah_reduce_set_grouping(struct ah_reduce *r, int64_t channel_id, struct ah_grouping *g);
void ah_reduce_set_flapping(struct ah_reduce *r, int64_t channel_id, struct ah_flapping *f);
/* Adds, or replaces the rule with the same id. */
void ah_reduce_put_silence(struct ah_reduce *r, int64_t channel_id, struct ah_silence *s);
void ah_reduce_put_inhibit(struct ah_reduce *r, int64_t channel_id, struct ah_inhibit *i);
void ah_reduce_remove_silence(struct ah_reduce *r, int64_t channel_id, int64_t id);
void ah_reduce_remove_inhibit(struct ah_reduce *r, int64_t channel_id, int64_t id);

/* Housekeeping (the writer calls it every few seconds): deletes quick
 * silences whose window has ended. */
int ah_reduce_maintain(struct ah_reduce *r, struct ah_store_tx *tx, int64_t now,
                       struct ah_error *reterr);

/* How many silences (@silences 1) or inhibits (0) channel @channel_id has. */
size_t ah_reduce_rule_count(struct ah_reduce *r, int64_t channel_id, int silences);

/* The quick silence made from incident @incident_id, if one exists: its id
 * (0 if none). */
int64_t ah_reduce_quick_silence_of(struct ah_reduce *r, int64_t channel_id, int64_t incident_id);

/* The id of the open alert (@channel_id, @alert_key), or 0 when there is
 * none (never opened, recovered or closed). */
int64_t ah_reduce_alert_open(struct ah_reduce *r, int64_t channel_id, const char *alert_key);

/* Sizes of the indexes, for /metrics. */
size_t ah_reduce_open_alerts(const struct ah_reduce *r);
size_t ah_reduce_open_incidents(const struct ah_reduce *r);

/* What noise reduction did, counted where the reducer decides, for
 * /metrics. A unit is one event in one channel, except AH_NOISE_DROPPED and
 * AH_NOISE_INHIBITED by the integration's pipeline, which act once per event
 * before it fans out to channels. One event may count under several kinds
 * (a new alert both flapping and silenced). */
enum ah_noise {
    AH_NOISE_DEDUPLICATED, /* merged into its open alert (same alert_key) */
    AH_NOISE_GROUPED,      /* a new alert joined an open incident */
    AH_NOISE_SILENCED,     /* a silence in mark mode held the new alert */
    AH_NOISE_INHIBITED,    /* an inhibit in mark mode held it, or a pipeline
                              inhibit check discarded the event */
    AH_NOISE_DROPPED,      /* a silence or inhibit in drop mode, or the
                              pipeline's alert_drop, discarded it */
    AH_NOISE_FLAPPING,     /* a new alert was marked flapping */
    AH_NOISE_KINDS
};

/* The label values of enum ah_noise ("grouped", ...). */
extern const char *const ah_noise_names[AH_NOISE_KINDS];

/* Adds the counts since the last call to @into and clears them. The writer
 * takes them after each job, so that a job rolled back counts nothing. */
void ah_reduce_take_noise(struct ah_reduce *r, uint64_t into[AH_NOISE_KINDS]);

#endif
