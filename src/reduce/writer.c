/* writer.c - see writer.h. */
#include "reduce/writer.h"

#include "util/alloc.h"
#include "util/clock.h"
#include "util/histogram.h"
#include "util/log.h"

#include <errno.h>
#include <stdio.h>
#include <pthread.h>
#include <time.h>
#include <stdatomic.h>

/* How often the writer does its housekeeping (ah_reduce_maintain). */
#define MAINTAIN_SECS 5
/* How often, on a database several nodes write, the writer looks whether
 * another node changed the configuration (then every node catches up) or
 * anything (then the node that fires the timers does). */
#define PEEK_SECS 1
/* The node holding the lease catches up with the others' writes for its
 * timers; after this many catch-ups in a row with no batch of its own it
 * gives the lease up, so that it goes to a node that writes (a rebuild
 * holds every node's writes up for as long as it takes). */
#define IDLE_CATCH_UPS 3
/* Retention transactions per housekeeping round at most: with the default
 * 1,000 rows each, 64,000 rows per MAINTAIN_SECS (12,800 a second), more
 * than the writer stores at full speed. */
#define PRUNE_TX_MAX 64

struct ah_writer {
    struct ah_store *store;
    struct ah_reduce *reduce;
    struct ah_writer_conf conf;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct ah_job *head, *tail; /* FIFO */
    size_t depth;
    int stopping;
    /* A transaction failed after the reducer's memory moved on: the next
     * one rebuilds it before anything else (writer thread only). */
    int must_load;
    int idle_catch_ups;                        /* peek()'s catch-ups since the last batch */
    atomic_size_t open_alerts, open_incidents; /* published after each batch */
    /* Readiness (ah_writer_ready): whether the last commit failed, and why
     * (under @lock); when the batch being run started (0: idle). */
    atomic_int failed;
    char failure[sizeof(((struct ah_error *)0)->msg)];
    atomic_llong busy_since_us;
    /* For /metrics (struct ah_writer_stats): committed work only. */
    atomic_uint_least64_t noise[AH_NOISE_KINDS];
    atomic_uint_least64_t failed_batches;
    atomic_uint_least64_t rebuilds;  /* memory rebuilt whole before a transaction */
    atomic_uint_least64_t catch_ups; /* ... or by the rows other nodes changed */
    struct ah_histogram batch_jobs, commit_us;
};

/* Jobs per transaction: batch_max is 512. */
static const uint64_t batch_bounds[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512};
/* A batch's time, BEGIN to COMMIT, in microseconds: an fsync is about a
 * millisecond on an SSD, tens on a disk or a busy virtual machine. */
static const uint64_t commit_bounds_us[] = {250,   500,    1000,   2500,   5000,    10000,  25000,
                                            50000, 100000, 250000, 500000, 1000000, 2500000};

/* After a transaction: a failure makes the server unready until a commit
 * that @clears (one that wrote: a batch of jobs, the housekeeping probe)
 * succeeds. Timers often commit nothing, which succeeds on a full disk. */
static void note_commit(struct ah_writer *w, int rc, const struct ah_error *err, int clears)
{
    if (rc < 0) {
        pthread_mutex_lock(&w->lock);
        snprintf(w->failure, sizeof(w->failure), "%s", err->msg);
        pthread_mutex_unlock(&w->lock);
    }
    if (rc < 0 || clears)
        atomic_store(&w->failed, rc < 0);
}

/* After a transaction: wakes the sender when committed deliveries wait. */
static void outbox_written(struct ah_writer *w, int committed)
{
    size_t n = ah_reduce_take_outbox(w->reduce);

    if (committed && n > 0 && w->conf.on_outbox != NULL)
        w->conf.on_outbox(w->conf.on_outbox_arg);
}

/* Runs one job in its savepoint. Returns AH_ESTORE when the batch must
 * fail. The job's noise counts join @noise only when it is kept. */
static int run_one(struct ah_writer *w, struct ah_store_tx *tx, struct ah_job *job, int64_t now,
                   uint64_t noise[AH_NOISE_KINDS])
{
    uint64_t mine[AH_NOISE_KINDS] = {0};
    int k;

    ah_error_clear(&job->err);
    job->rc = ah_store_tx_savepoint(tx, &job->err);
    if (job->rc == AH_OK)
        job->rc = job->run(job, tx, w->reduce, now, &job->err);
    ah_reduce_take_noise(w->reduce, mine);
    if (job->rc == AH_ESTORE)
        return AH_ESTORE;
    if (job->rc < 0) {
        ah_store_tx_rollback_savepoint(tx);
        return AH_OK;
    }
    ah_store_tx_release(tx);
    for (k = 0; k < AH_NOISE_KINDS; k++)
        noise[k] += mine[k];
    return AH_OK;
}

/* After a batch: its size, its time and, once committed, its noise counts. */
static void account(struct ah_writer *w, size_t njobs, int64_t start_us, int committed,
                    const uint64_t noise[AH_NOISE_KINDS])
{
    int64_t us = ah_monotonic_us() - start_us;
    int k;

    ah_histogram_observe(&w->batch_jobs, njobs);
    ah_histogram_observe(&w->commit_us, us > 0 ? (uint64_t)us : 0);
    if (!committed) {
        atomic_fetch_add_explicit(&w->failed_batches, 1, memory_order_relaxed);
        return;
    }
    for (k = 0; k < AH_NOISE_KINDS; k++)
        atomic_fetch_add_explicit(&w->noise[k], noise[k], memory_order_relaxed);
}

static void fail_all(struct ah_job *batch, const struct ah_error *cause)
{
    struct ah_job *job;

    for (job = batch; job != NULL; job = job->next) {
        job->rc = AH_ESTORE;
        job->err = *cause;
    }
}

/* Brings memory in step inside @tx: by the rows other nodes changed when
 * the store can list them all, else rebuilt whole; what is kept beside the
 * reducer (conf.on_stale) goes first, since a catch-up notes into it. */
static int catch_up(struct ah_writer *w, struct ah_store_tx *tx, int stale, struct ah_error *err)
{
    struct ah_store_changes ch = {NULL, NULL, NULL};
    int exact = 0, rc = AH_OK;

    if ((stale & AH_STORE_STALE_DATA) && !w->must_load)
        exact = ah_store_tx_changes(tx, &ch, err);
    if (exact < 0)
        rc = exact;
    if (rc == AH_OK && w->conf.on_stale != NULL)
        rc = w->conf.on_stale(w->conf.on_stale_arg, exact ? stale & ~AH_STORE_STALE_DATA : stale,
                              err);
    if (rc == AH_OK && exact) {
        rc =
            ah_reduce_catch_up(w->reduce, tx, &ch, w->conf.on_caught_up, w->conf.on_stale_arg, err);
        atomic_fetch_add_explicit(&w->catch_ups, 1, memory_order_relaxed);
    } else if (rc == AH_OK && (stale & AH_STORE_STALE_DATA)) {
        rc = ah_reduce_load(w->reduce, w->store, err);
        atomic_fetch_add_explicit(&w->rebuilds, 1, memory_order_relaxed);
    }
    ah_store_changes_done(&ch);
    return rc;
}

/* After a failed transaction: memory may hold what was never committed. */
static void lost(struct ah_writer *w)
{
    w->must_load = 1;
}

/* Begins a transaction with memory in step with the database: when another
 * node wrote since this one last did, or a failed transaction left memory
 * ahead of what was committed, what memory keeps is brought in step first,
 * inside the transaction (on PostgreSQL no other node writes meanwhile). A
 * catch-up that fails half-way leaves memory for the next one to rebuild,
 * whichever of the writer's transactions it began. */
static int begin(struct ah_writer *w, struct ah_store_tx **tx, struct ah_error *err)
{
    int rc = ah_store_tx_begin(w->store, tx, err), stale;

    if (rc < 0) {
        *tx = NULL;
        return rc;
    }
    stale = ah_store_tx_stale(*tx) | (w->must_load ? AH_STORE_STALE_DATA : 0);
    if (stale == 0)
        return AH_OK;
    rc = catch_up(w, *tx, stale, err);
    if (rc < 0) {
        lost(w);
        return rc;
    }
    ah_store_tx_synced(*tx, stale);
    w->must_load = 0;
    return AH_OK;
}

/* One transaction for the whole batch; results are final after it. */
static void run_batch(struct ah_writer *w, struct ah_job *batch)
{
    struct ah_store_tx *tx = NULL;
    struct ah_error err;
    struct ah_job *job;
    int64_t now = ah_clock_now(w->conf.clock), start_us = ah_monotonic_us();
    uint64_t noise[AH_NOISE_KINDS] = {0};
    size_t njobs = 0;
    int rc;

    for (job = batch; job != NULL; job = job->next)
        njobs++;
    w->idle_catch_ups = 0;
    ah_error_clear(&err);
    rc = begin(w, &tx, &err);
    for (job = batch; rc == AH_OK && job != NULL; job = job->next) {
        rc = run_one(w, tx, job, now, noise);
        if (rc < 0)
            err = job->err;
    }
    if (rc == AH_OK)
        rc = ah_store_tx_commit(tx, &err);
    account(w, njobs, start_us, rc == AH_OK, noise);
    if (rc < 0) {
        if (tx != NULL)
            ah_store_tx_rollback(tx);
        fail_all(batch, &err);
        lost(w);
    }
    note_commit(w, rc, &err, 1);
    outbox_written(w, rc == AH_OK);
    for (job = batch; job != NULL;) {
        struct ah_job *next = job->next; /* done may free the job */

        if (rc == AH_OK && job->rc == AH_OK && job->committed != NULL)
            job->committed(job);
        job->done(job);
        job = next;
    }
}

/* Seconds to wait for work: until housekeeping, or the next timer (which
 * only the node holding the lease fires, store.h). */
static int64_t wait_secs(struct ah_writer *w)
{
    int64_t due = ah_reduce_next_due(w->reduce), now = ah_clock_now(w->conf.clock);
    int64_t most = ah_store_shared(w->store) ? PEEK_SECS : MAINTAIN_SECS;

    if (due == 0 || due - now >= most || !ah_store_leads(w->store))
        return most;
    return due > now ? due - now : 0;
}

/* Detaches up to batch_max jobs from the queue; waits while it is empty, at
 * most until housekeeping or the next timer (then returns NULL). */
static struct ah_job *take(struct ah_writer *w, int64_t secs)
{
    struct ah_job *batch, *last;
    struct timespec until;
    size_t n = 1;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += secs;
    pthread_mutex_lock(&w->lock);
    while (w->head == NULL && !w->stopping) {
        if (pthread_cond_timedwait(&w->wake, &w->lock, &until) == ETIMEDOUT)
            break;
    }
    batch = last = w->head;
    if (batch != NULL) {
        while (last->next != NULL && n < w->conf.batch_max) {
            last = last->next;
            n++;
        }
        w->head = last->next;
        if (w->head == NULL)
            w->tail = NULL;
        last->next = NULL;
        w->depth -= n;
    }
    pthread_mutex_unlock(&w->lock);
    return batch;
}

/* Ends a transaction of the writer's own: commits it when @rc is AH_OK;
 * else (or when the commit fails) logs "@what: <error>" and rolls back
 * (@tx is NULL when begin failed). Returns the outcome. */
static int end_tx(struct ah_store_tx *tx, int rc, const char *what, struct ah_error *err)
{
    if (rc == AH_OK)
        rc = ah_store_tx_commit(tx, err);
    if (rc < 0) {
        ah_log(AH_LOG_ERROR, "%s: %s", what, err->msg);
        if (tx != NULL)
            ah_store_tx_rollback(tx);
    }
    return rc;
}

/* Housekeeping in a transaction of its own (an empty one costs no fsync),
 * by the node that holds the lease; on another, only the probe after a
 * failure. Returns 1 when retention may run after it. */
static int maintain(struct ah_writer *w)
{
    struct ah_store_tx *tx;
    struct ah_error err;
    int probe = atomic_load(&w->failed), leads = ah_store_lead(w->store), rc;
    int64_t now = ah_clock_now(w->conf.clock);
    char stamp[24];

    if (!leads && !probe)
        return 0;
    rc = begin(w, &tx, &err);
    if (rc < 0) {
        if (tx != NULL)
            ah_store_tx_rollback(tx);
        if (probe)
            note_commit(w, rc, &err, 1);
        return 0;
    }
    if (leads)
        rc = ah_reduce_maintain(w->reduce, tx, now, &err);
    if (leads && rc == AH_OK)
        rc = ah_store_tx_log_prune(tx, &err);
    /* After a failed commit (a full disk, say), write something: readiness
     * comes back only once a commit that writes succeeds, even without
     * traffic. */
    snprintf(stamp, sizeof(stamp), "%lld", (long long)now);
    if (rc == AH_OK && probe)
        rc = ah_store_tx_meta_set(tx, "write_probe", stamp, &err);
    rc = end_tx(tx, rc, "housekeeping", &err);
    if (rc < 0)
        lost(w);
    if (probe)
        note_commit(w, rc, &err, 1);
    return leads;
}

/* Fires due timers in a transaction of their own. A failure rebuilds the
 * reducer (its next_due then asks the store again, a second later). */
static void fire_timers(struct ah_writer *w)
{
    struct ah_store_tx *tx = NULL; /* a failed BEGIN leaves it unset */
    struct ah_error err;
    int rc = begin(w, &tx, &err);

    if (rc == AH_OK)
        rc = ah_reduce_fire_timers(w->reduce, tx, ah_clock_now(w->conf.clock), &err);
    rc = end_tx(tx, rc, "timers", &err);
    note_commit(w, rc, &err, 0);
    if (rc < 0)
        lost(w);
    outbox_written(w, rc == AH_OK);
}

/* One retention transaction. Returns 1 when it deleted a full budget (more
 * may be left), else 0. A failure is logged; the next round tries again. */
static int prune(struct ah_writer *w)
{
    int64_t now = ah_clock_now(w->conf.clock), rows = 0;
    struct ah_prune p = {.limit = w->conf.prune_rows};
    struct ah_store_tx *tx = NULL;
    struct ah_error err;
    int rc;

    if (w->conf.retention_secs > 0)
        p.events_before = now - w->conf.retention_secs;
    if (w->conf.incident_retention_secs > 0)
        p.incidents_before = now - w->conf.incident_retention_secs;
    if (p.events_before == 0 && p.incidents_before == 0)
        return 0;
    rc = begin(w, &tx, &err);
    if (rc == AH_OK)
        rc = ah_store_tx_prune(tx, &p, &rows, &err);
    rc = end_tx(tx, rc, "retention", &err);
    note_commit(w, rc, &err, rows > 0); /* deleting rows writes too */
    return rc == AH_OK && rows >= p.limit;
}

/* Another node wrote: catch up in an empty transaction when it changed the
 * configuration (pushes are checked against it before they reach the
 * writer), or, on the node that fires the timers, anything (its timers may
 * have changed). */
static void peek(struct ah_writer *w)
{
    int stale = ah_store_peek(w->store), leads = ah_store_leads(w->store), rc;
    struct ah_store_tx *tx;
    struct ah_error err;

    if (leads && (stale & AH_STORE_STALE_DATA) && ++w->idle_catch_ups > IDLE_CATCH_UPS) {
        ah_store_resign(w->store);
        w->idle_catch_ups = 0;
        leads = 0;
    }
    if (!(stale & AH_STORE_STALE_CONFIG) && !(stale && leads))
        return;
    rc = begin(w, &tx, &err);
    if (end_tx(tx, rc, "catching up with the other nodes", &err) < 0)
        lost(w);
}

static int timers_due(struct ah_writer *w)
{
    int64_t due = ah_reduce_next_due(w->reduce);

    return due != 0 && due <= ah_clock_now(w->conf.clock) && ah_store_leads(w->store);
}

static int stopping(struct ah_writer *w)
{
    int s;

    pthread_mutex_lock(&w->lock);
    s = w->stopping && w->head == NULL;
    pthread_mutex_unlock(&w->lock);
    return s;
}

static void *writer_main(void *arg)
{
    struct ah_writer *w = arg;
    struct ah_job *batch;
    int64_t last = ah_monotonic_us(), peeked = last, timer_backoff = 0;
    int prune_left = 0; /* retention transactions left in this round */

    pthread_setname_np(pthread_self(), "ah-writer"); /* for top -H and perf */
    /* Stopping drains the queue first: queued jobs were promised an answer. */
    while (!stopping(w)) {
        /* While retention has work, waiting jobs are taken without waiting. */
        batch = take(w, prune_left > 0 ? 0 : timer_backoff > ah_monotonic_us() ? 1 : wait_secs(w));
        if (batch != NULL) {
            atomic_store(&w->busy_since_us, ah_monotonic_us());
            run_batch(w, batch);
            atomic_store(&w->busy_since_us, 0);
        }
        if (ah_store_shared(w->store) && ah_monotonic_us() - peeked >= PEEK_SECS * 1000000LL) {
            peek(w);
            peeked = ah_monotonic_us();
        }
        if (timer_backoff <= ah_monotonic_us() && timers_due(w)) {
            fire_timers(w);
            /* Still due: the store failed; try again in a second. */
            if (timers_due(w))
                timer_backoff = ah_monotonic_us() + 1000000;
        }
        if (ah_monotonic_us() - last >= MAINTAIN_SECS * 1000000LL) {
            prune_left = maintain(w) ? PRUNE_TX_MAX : 0;
            last = ah_monotonic_us();
        } else if (prune_left > 0) {
            prune_left = prune(w) ? prune_left - 1 : 0;
        }
        atomic_store(&w->open_alerts, ah_reduce_open_alerts(w->reduce));
        atomic_store(&w->open_incidents, ah_reduce_open_incidents(w->reduce));
    }
    return NULL;
}

int ah_writer_new(struct ah_store *store, struct ah_reduce *reduce,
                  const struct ah_writer_conf *conf, struct ah_writer **ret, struct ah_error *err)
{
    struct ah_writer *w = ah_xcalloc(1, sizeof(*w));

    w->store = store;
    w->reduce = reduce;
    w->conf = *conf;
    if (w->conf.queue_max == 0)
        w->conf.queue_max = 4096;
    if (w->conf.batch_max == 0)
        w->conf.batch_max = 512;
    if (w->conf.prune_rows <= 0)
        w->conf.prune_rows = 1000;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    atomic_init(&w->open_alerts, ah_reduce_open_alerts(reduce));
    atomic_init(&w->open_incidents, ah_reduce_open_incidents(reduce));
    ah_histogram_init(&w->batch_jobs, batch_bounds, sizeof(batch_bounds) / sizeof(batch_bounds[0]),
                      0);
    ah_histogram_init(&w->commit_us, commit_bounds_us,
                      sizeof(commit_bounds_us) / sizeof(commit_bounds_us[0]), 6);
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        pthread_cond_destroy(&w->wake);
        pthread_mutex_destroy(&w->lock);
        ah_free(w);
        return ah_error_set(err, AH_EIO, "could not start the writer thread");
    }
    *ret = w;
    return AH_OK;
}

void ah_writer_stop(struct ah_writer *w)
{
    int joined;

    pthread_mutex_lock(&w->lock);
    joined = w->stopping;
    w->stopping = 1;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    if (!joined)
        pthread_join(w->thread, NULL);
}

void ah_writer_free(struct ah_writer *w)
{
    if (w == NULL)
        return;
    ah_writer_stop(w);
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->lock);
    ah_free(w);
}

int ah_writer_submit(struct ah_writer *w, struct ah_job *job, struct ah_error *err)
{
    int rc = AH_OK;

    job->next = NULL;
    pthread_mutex_lock(&w->lock);
    if (w->stopping) {
        rc = ah_error_set(err, AH_EBUSY, "the server is shutting down");
    } else if (w->depth >= w->conf.queue_max) {
        rc = ah_error_set(err, AH_EBUSY, "the ingest queue is full (%zu waiting)", w->depth);
    } else {
        if (w->tail != NULL)
            w->tail->next = job;
        else
            w->head = job;
        w->tail = job;
        w->depth++;
        pthread_cond_signal(&w->wake);
    }
    pthread_mutex_unlock(&w->lock);
    return rc;
}

int ah_writer_ready(struct ah_writer *w, int64_t stuck_ms, char *why, size_t n)
{
    int64_t since = atomic_load(&w->busy_since_us), now = ah_monotonic_us();
    int ready = 1;

    pthread_mutex_lock(&w->lock);
    if (atomic_load(&w->failed)) {
        snprintf(why, n, "the last commit failed: %s", w->failure);
        ready = 0;
    } else if (since != 0 && now - since > stuck_ms * 1000) {
        snprintf(why, n, "the writer has been on one batch for %lld ms",
                 (long long)((now - since) / 1000));
        ready = 0;
    } else if (w->depth >= w->conf.queue_max) {
        snprintf(why, n, "the ingest queue is full (%zu waiting)", w->depth);
        ready = 0;
    }
    pthread_mutex_unlock(&w->lock);
    return ready;
}

size_t ah_writer_queue_depth(struct ah_writer *w)
{
    size_t n;

    pthread_mutex_lock(&w->lock);
    n = w->depth;
    pthread_mutex_unlock(&w->lock);
    return n;
}

size_t ah_writer_open_alerts(struct ah_writer *w)
{
    return atomic_load(&w->open_alerts);
}

size_t ah_writer_open_incidents(struct ah_writer *w)
{
    return atomic_load(&w->open_incidents);
}

void ah_writer_stats(struct ah_writer *w, struct ah_writer_stats *ret)
{
    int k;

    for (k = 0; k < AH_NOISE_KINDS; k++)
        ret->noise[k] = atomic_load_explicit(&w->noise[k], memory_order_relaxed);
    ret->failed_batches = atomic_load_explicit(&w->failed_batches, memory_order_relaxed);
    ret->rebuilds = atomic_load_explicit(&w->rebuilds, memory_order_relaxed);
    ret->catch_ups = atomic_load_explicit(&w->catch_ups, memory_order_relaxed);
    ret->batch_jobs = &w->batch_jobs;
    ret->commit_us = &w->commit_us;
}
