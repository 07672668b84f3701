/* push.h - a push's work on the writer thread: a vendor retry seen before
 * answers what it answered then; otherwise each prepared event goes into
 * every channel it was routed to, unless the pipeline dropped it or one of
 * its inhibit checks finds a live source alert. No HTTP here: the caller
 * (http/push.c) prepares the batch on its own thread and reads the result.
 *
 * The pipeline's inhibit sources belong to the integration layer
 * (process/pipeline.c), above this one; they are reached through the
 * callbacks of struct ah_push_inhibit. */
#ifndef AH_REDUCE_PUSH_H
#define AH_REDUCE_PUSH_H

#include "model/event.h"
#include "reduce/reduce.h"
#include "store/store.h"
#include "util/error.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* One prepared event and where it goes. Borrowed. */
struct ah_push_event {
    const struct ah_event *ev; /* alert_key set */
    const int64_t *channels;
    size_t nchannels;
    int dropped; /* an alert_drop rule of the pipeline discarded it */
};

/* The pipeline's inhibit sources. */
struct ah_push_inhibit {
    /* Returns the source alert that holds event @i back (a live alert of
     * one of its inhibit checks), or 0. */
    int64_t (*held)(void *arg, size_t i, struct ah_reduce *r, int64_t now);
    /* Firing event @i opened or fed an alert in @channel_id: it may be a
     * source from now on. */
    void (*noted)(void *arg, size_t i, int64_t channel_id, int64_t now);
    void *arg;
};

struct ah_push_batch {
    int64_t integration_id;
    const char *retry_id; /* a vendor's retry id, or NULL */
    const struct ah_push_event *events;
    size_t nevents;
    const struct ah_push_inhibit *inhibit; /* NULL: no inhibit rules */
};

struct ah_push_result {
    json_t *keys;            /* the alert keys answered: new, or the first answer's */
    int replayed;            /* a retry seen before: nothing else was done */
    size_t dropped;          /* (event, channel) pairs a drop rule held back */
    size_t pipeline_dropped; /* events the pipeline discarded */
    size_t inhibited;        /* events an inhibit check held back */
    size_t budget_exhausted; /* events whose rules ran out of budget (rules/filter.h) */
};

/* Runs @b inside the writer's transaction. *@ret is filled (ret->keys is new:
 * json_decref it) also on failure, so that the caller can free it. */
int ah_reduce_push(struct ah_reduce *r, struct ah_store_tx *tx, const struct ah_push_batch *b,
                   int64_t now, struct ah_push_result *ret, struct ah_error *reterr);

#endif
