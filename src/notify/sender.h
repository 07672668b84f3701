/* sender.h - the delivery worker: sends the outbox (pending deliveries,
 * store.h) with libcurl's multi interface on a thread of its own, never on
 * the writer's. Delivery is at-least-once: a row stays pending until its
 * outcome is committed, so a crash between a send and its record sends it
 * again after the restart, with the same event id.
 *
 * Outcomes: a 2xx answer (or an accepted mail) is "sent"; 5xx, 408, 429, a
 * time-out or a connection error is retried with exponential back-off (1 s
 * doubling, capped at 5 minutes) until retry_for seconds after the delivery
 * was created, then "failed"; any other answer is "failed" at once. Chat
 * platforms that answer 200 with an error code in the body (Feishu,
 * DingTalk, WeCom) count as failed. Email without --smtp-url is
 * "suppressed" (smtp_not_configured). A receiver that hangs is cut off after
 * timeout_ms and never blocks the others (up to max_inflight at once).
 *
 * Subscriptions (targets with channel_ids) are read from the channels'
 * timelines, after each target's cursor, in order, at most a few in flight
 * per target; the first outcome of each writes its delivery row and moves
 * the cursor, so a subscriber costs ingest nothing. Its event id is derived
 * from (target, timeline entry), the same on every attempt.
 *
 * Outcomes are written by the writer: the sender hands them over through
 * @record and forgets a row only once its outcome is committed. */
#ifndef AH_NOTIFY_SENDER_H
#define AH_NOTIFY_SENDER_H

#include "store/store.h"
#include "util/clock.h"
#include "util/error.h"

#include <stddef.h>
#include <stdint.h>

/* One outcome to write: @res for an outbox row (res.id), or, for a
 * subscription's first attempt, @row to insert with @res (res.id 0). A
 * subscription's cursor moves to @cursor_feed (0: stays). */
struct ah_sender_outcome {
    struct ah_delivery_result res;
    const struct ah_delivery *row;
    int64_t cursor_target, cursor_feed;
};

/* Hands @n outcomes (borrowed until @done) to be written; calls
 * done(@ctx, committed) once they are, or failed (then they are retried
 * later). Returns -1 when they could not even be queued. */
typedef int (*ah_sender_record_fn)(void *arg, const struct ah_sender_outcome *outcomes, size_t n,
                                   void (*done)(void *ctx, int committed), void *ctx);

struct ah_sender_conf {
    struct ah_store *store;  /* borrowed; outlives the sender */
    struct ah_clock *clock;  /* next_at and back-off follow it (the test clock) */
    const char *console_url; /* links in messages; borrowed */
    const char *smtp_url;    /* smtp://host:port, or NULL */
    const char *smtp_from;   /* From of emails */
    long timeout_ms;         /* per attempt; default 10000 */
    int max_inflight;        /* sends at once; default 16 */
    int64_t retry_for;       /* seconds; default 3600 */
    ah_sender_record_fn record;
    void *record_arg;
};

/* Kinds counted in the metrics, in this order. */
#define AH_SENDER_KINDS 6
extern const char *const ah_sender_kinds[AH_SENDER_KINDS];

struct ah_sender_stats {
    uint64_t sent[AH_SENDER_KINDS], failed[AH_SENDER_KINDS], retried[AH_SENDER_KINDS];
};

struct ah_sender;

/* Starts the worker thread. */
int ah_sender_new(const struct ah_sender_conf *conf, struct ah_sender **ret,
                  struct ah_error *reterr);
/* New deliveries were committed (any thread; does not block). */
void ah_sender_wake(struct ah_sender *s);
/* Stops the thread (transfers in flight are abandoned: they stay pending and
 * are sent again at the next start). The writer must still be running, or
 * outcomes being recorded are dropped (and sent again later). */
void ah_sender_stop(struct ah_sender *s);
void ah_sender_free(struct ah_sender *s); /* NULL is a no-op */

/* Counters since the start (any thread). */
void ah_sender_stats(struct ah_sender *s, struct ah_sender_stats *ret);

#endif
