/* writer.h - group commit through one writer thread (design.md section 3).
 *
 * HTTP threads prepare their work as jobs and submit them to a bounded
 * queue. The writer takes every waiting job, opens one transaction, runs each
 * job inside its own savepoint (a refused job does not undo the others),
 * commits once (one fsync for the batch), and only then reports each job's
 * result through its done callback. A job is therefore acknowledged only
 * once it is durable. When the commit fails, the whole batch fails with
 * AH_ESTORE and the reducer's indexes are rebuilt from the store.
 *
 * Between batches the writer fires the reducer's due timers (escalation
 * steps, snooze wake-ups, auto-resolves) in transactions of their own.
 * Every few seconds it does its housekeeping, then deletes what is past
 * the retention in small transactions (at most prune_rows rows each), one
 * between two batches, so that a push never waits for more than one. */
#ifndef AH_REDUCE_WRITER_H
#define AH_REDUCE_WRITER_H

#include "reduce/reduce.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/histogram.h"

#include <stddef.h>
#include <stdint.h>

struct ah_job;

/* Runs inside the batch's transaction on the writer thread. Returns AH_OK or
 * an error in @reterr. AH_ESTORE fails the whole batch. */
typedef int (*ah_job_run_fn)(struct ah_job *job, struct ah_store_tx *tx, struct ah_reduce *reduce,
                             int64_t now, struct ah_error *reterr);
/* Called on the writer thread once @job's outcome is final (committed, or
 * failed): job->rc and job->err are set. Must not block; it typically wakes
 * the waiting request. After it returns the writer never touches @job. */
typedef void (*ah_job_done_fn)(struct ah_job *job);

/* Embedded in the caller's own job struct, which the caller owns. */
struct ah_job {
    ah_job_run_fn run;
    ah_job_done_fn done;
    /* Optional: runs on the writer thread after a successful commit, before
     * done (e.g. to update caches that must only see committed state). */
    void (*committed)(struct ah_job *job);
    int rc;
    struct ah_error err;
    struct ah_job *next; /* the writer's */
};

struct ah_writer_conf {
    size_t queue_max;       /* jobs waiting at most; more are refused */
    size_t batch_max;       /* jobs per transaction at most */
    struct ah_clock *clock; /* the jobs' "now"; NULL: the system clock */
    /* Called on the writer thread after a commit that wrote deliveries (the
     * outbox): wakes the sender. May be NULL. Must not block. */
    void (*on_outbox)(void *arg);
    void *on_outbox_arg;
    /* Called on the writer thread inside a transaction that found what
     * @what (AH_STORE_STALE_* bits, store.h) covers changed by another node
     * (or, for DATA, memory left behind by a failed transaction), before
     * the reducer is rebuilt: the caller reloads what it keeps beside it
     * (the HTTP side's caches for CONFIG, the pipeline's inhibit sources
     * for DATA). A failure fails the transaction. May be NULL. */
    int (*on_stale)(void *arg, int what, struct ah_error *reterr);
    /* When memory catches up by the rows another node changed instead of
     * being rebuilt (on_stale then hears no DATA): called with each open
     * alert that changed, with on_stale_arg. May be NULL. */
    void (*on_caught_up)(const struct ah_alert_view *a, void *arg);
    void *on_stale_arg;
    /* Retention (ah_store_tx_prune), in seconds of conf.clock; 0 keeps. */
    int64_t retention_secs;          /* events received longer ago go */
    int64_t incident_retention_secs; /* closed incidents closed longer ago go */
    int64_t prune_rows;              /* rows per transaction at most; 0: 1000 */
};

struct ah_writer;

/* Starts the writer thread. Takes nothing: @store and @reduce stay the
 * caller's and must outlive the writer. */
int ah_writer_new(struct ah_store *store, struct ah_reduce *reduce,
                  const struct ah_writer_conf *conf, struct ah_writer **ret,
                  struct ah_error *reterr);

/* Refuses new jobs, runs every job still queued and stops the thread. */
void ah_writer_stop(struct ah_writer *w);
/* Stops (if not yet stopped) and frees the writer. */
void ah_writer_free(struct ah_writer *w); /* NULL is a no-op */

/* Queues @job. Returns AH_OK (done will be called exactly once), or AH_EBUSY
 * when the queue is full or the writer is stopping (done is never called). */
int ah_writer_submit(struct ah_writer *w, struct ah_job *job, struct ah_error *reterr);

/* 1 when the writer can take work: the last commit did not fail (a full
 * disk, an I/O error; cleared by the next commit that writes, which
 * housekeeping tries every few seconds), no batch has run for longer than
 * @stuck_ms, and the queue is not full. Otherwise 0 and the reason in @why
 * (@n bytes). Any thread. */
int ah_writer_ready(struct ah_writer *w, int64_t stuck_ms, char *why, size_t n);

/* Jobs waiting now, and the reducer's index sizes after the last batch, for
 * /metrics (any thread). */
size_t ah_writer_queue_depth(struct ah_writer *w);
size_t ah_writer_open_alerts(struct ah_writer *w);
size_t ah_writer_open_incidents(struct ah_writer *w);

/* The writer's counters, for /metrics (any thread). Batches count whether
 * or not they commit; noise counts only jobs that were committed. */
struct ah_writer_stats {
    uint64_t noise[AH_NOISE_KINDS]; /* by enum ah_noise (reduce.h) */
    uint64_t failed_batches;        /* transactions rolled back */
    /* Times the reducer was rebuilt whole before a transaction (another
     * node wrote since and the store could not list what, or a transaction
     * failed), and times it caught up by the rows another node changed. */
    uint64_t rebuilds, catch_ups;
    /* Borrowed, valid while the writer lives; read with ah_histogram_format. */
    struct ah_histogram *batch_jobs; /* jobs per transaction */
    struct ah_histogram *commit_us;  /* BEGIN to COMMIT, microseconds (6 decimals) */
};
void ah_writer_stats(struct ah_writer *w, struct ah_writer_stats *ret);

#endif
