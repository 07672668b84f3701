/* writer_test.c - group commit through the writer thread (src/reduce/
 * writer.c): every job of a batch runs in its own savepoint inside one
 * transaction, results are reported only after the commit, the queue is
 * bounded, and stopping drains it. Jobs insert channels into a real SQLite
 * database in a fresh temporary folder; the test holds the writer inside a
 * job (a gate it opens) to control what is queued. No sleeps decide results:
 * waits are on condition variables, with a deadline only against hangs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "model/event.h"
#include "http/rows.h"
#include "reduce/reduce.h"
#include "reduce/writer.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/clock.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define T0        1800000000
#define WAIT_SECS 20 /* against hangs only */

struct tjob;

struct fx {
    char dir[64];
    struct ah_store *store;
    struct ah_reduce *reduce;
    struct ah_writer *writer;
    struct ah_clock clock;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int seq;           /* ordering of callbacks (under lock) */
    int ndone;         /* done callbacks so far */
    int gate_open;     /* a blocking job waits for this */
    int started;       /* a blocking job has started */
    struct tjob *pool; /* jobs outlive the writer, even when a test fails */
    size_t npool;
};

struct tjob {
    struct ah_job job; /* first: the callbacks cast back */
    struct fx *fx;
    char name[32];
    int fail;   /* refuse with AH_EINVAL after inserting */
    int block;  /* wait for the gate before working */
    int reduce; /* apply an event instead of inserting a channel */
    int64_t id, now_seen;
    int run_seq, committed_seq, done_seq;
    int done_calls;
};

static int next_seq(struct fx *fx)
{
    int s;

    pthread_mutex_lock(&fx->lock);
    s = ++fx->seq;
    pthread_mutex_unlock(&fx->lock);
    return s;
}

static int job_run(struct ah_job *job, struct ah_store_tx *tx, struct ah_reduce *reduce,
                   int64_t now, struct ah_error *err)
{
    struct tjob *j = (struct tjob *)job;
    struct fx *fx = j->fx;
    int rc;

    if (j->block) {
        pthread_mutex_lock(&fx->lock);
        fx->started = 1;
        pthread_cond_broadcast(&fx->cond);
        while (!fx->gate_open)
            pthread_cond_wait(&fx->cond, &fx->lock);
        pthread_mutex_unlock(&fx->lock);
    }
    j->now_seen = now;
    j->run_seq = next_seq(fx);
    if (j->reduce) {
        struct ah_event ev;
        struct ah_reduce_input in = {.ev = &ev, .channel_id = 1, .integration_id = 1, .now = now};
        enum ah_reduce_outcome out;

        ah_event_init(&ev);
        ev.alert_key = ah_xstrdup(j->name);
        ev.title = ah_xstrdup("via the writer");
        ev.severity = AH_SEV_WARNING;
        rc = ah_reduce_event(reduce, tx, &in, &out, err);
        ah_event_done(&ev);
        return rc;
    }
    rc = ah_store_tx_channel_insert(tx, j->name, "made by a job", now, &j->id, err);
    if (rc < 0)
        return rc;
    if (j->fail)
        return ah_error_set(err, AH_EINVAL, "job %s refused", j->name);
    return AH_OK;
}

static void job_committed(struct ah_job *job)
{
    struct tjob *j = (struct tjob *)job;

    j->committed_seq = next_seq(j->fx);
}

static void job_done(struct ah_job *job)
{
    struct tjob *j = (struct tjob *)job;
    struct fx *fx = j->fx;

    pthread_mutex_lock(&fx->lock);
    j->done_seq = ++fx->seq;
    j->done_calls++;
    fx->ndone++;
    pthread_cond_broadcast(&fx->cond);
    pthread_mutex_unlock(&fx->lock);
}

static void job_init(struct tjob *j, struct fx *fx, const char *name)
{
    memset(j, 0, sizeof(*j));
    j->fx = fx;
    snprintf(j->name, sizeof(j->name), "%s", name);
    j->job.run = job_run;
    j->job.done = job_done;
    j->job.committed = job_committed;
    j->job.rc = 12345; /* must be overwritten */
}

#define POOL 2100

/* A new job from the fixture's pool (freed after the writer stops). */
static struct tjob *new_job(struct fx *fx, const char *name)
{
    struct tjob *j;

    assert_true(fx->npool < POOL);
    j = &fx->pool[fx->npool++];
    job_init(j, fx, name);
    return j;
}

static int setup(void **state)
{
    struct fx *fx = ah_xcalloc(1, sizeof(*fx));
    struct ah_store_conf conf = {.synchronous = "normal", .busy_timeout_ms = 1000};

    snprintf(fx->dir, sizeof(fx->dir), "/tmp/ah-writer-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    conf.dir = fx->dir;
    assert_int_equal(ah_store_open(&conf, &fx->store, NULL), AH_OK);
    fx->reduce = ah_reduce_new();
    assert_int_equal(ah_reduce_load(fx->reduce, fx->store, NULL), AH_OK);
    atomic_init(&fx->clock.fixed, T0);
    pthread_mutex_init(&fx->lock, NULL);
    pthread_cond_init(&fx->cond, NULL);
    fx->pool = ah_xcalloc(POOL, sizeof(*fx->pool));
    *state = fx;
    return 0;
}

static void start_writer(struct fx *fx, size_t queue_max, size_t batch_max)
{
    struct ah_writer_conf wc = {
        .queue_max = queue_max, .batch_max = batch_max, .clock = &fx->clock};

    assert_int_equal(ah_writer_new(fx->store, fx->reduce, &wc, &fx->writer, NULL), AH_OK);
}

static void open_gate(struct fx *fx)
{
    pthread_mutex_lock(&fx->lock);
    fx->gate_open = 1;
    pthread_cond_broadcast(&fx->cond);
    pthread_mutex_unlock(&fx->lock);
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    char cmd[96];

    open_gate(fx); /* never leave the writer stuck in a job */
    ah_writer_free(fx->writer);
    ah_free(fx->pool);
    ah_reduce_free(fx->reduce);
    ah_store_free(fx->store);
    pthread_cond_destroy(&fx->cond);
    pthread_mutex_destroy(&fx->lock);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
    assert_int_equal(system(cmd), 0);
    ah_free(fx);
    return 0;
}

static struct timespec deadline(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += WAIT_SECS;
    return ts;
}

/* Waits until @n done callbacks have run in total. */
static void wait_done(struct fx *fx, int n)
{
    struct timespec until = deadline();
    int rc = 0;

    pthread_mutex_lock(&fx->lock);
    while (fx->ndone < n && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&fx->cond, &fx->lock, &until);
    pthread_mutex_unlock(&fx->lock);
    if (rc == ETIMEDOUT)
        fail_msg("timed out waiting for %d done callbacks", n);
}

/* Waits until the blocking job has started (the writer is held). */
static void wait_started(struct fx *fx)
{
    struct timespec until = deadline();
    int rc = 0;

    pthread_mutex_lock(&fx->lock);
    while (!fx->started && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&fx->cond, &fx->lock, &until);
    pthread_mutex_unlock(&fx->lock);
    if (rc == ETIMEDOUT)
        fail_msg("timed out waiting for the blocking job to start");
}

/* Submits a job that holds the writer until open_gate(). */
static struct tjob *hold_writer(struct fx *fx)
{
    struct tjob *gate = new_job(fx, "gate");

    gate->block = 1;
    assert_int_equal(ah_writer_submit(fx->writer, &gate->job, NULL), AH_OK);
    wait_started(fx);
    return gate;
}

/* Returns 1 when a committed channel is named @name. */
static int channel_present(struct fx *fx, const char *name)
{
    struct ah_page page = {.limit = 500};
    json_t *j = NULL, *item;
    size_t i;
    int found = 0;

    assert_int_equal(ah_store_read_channels(fx->store, &page, &j, NULL), AH_OK);
    json_array_foreach(json_object_get(j, "items"), i, item)
    {
        const char *n = json_string_value(json_object_get(item, "name"));

        if (n != NULL && strcmp(n, name) == 0)
            found = 1;
    }
    json_decref(j);
    return found;
}

static size_t channel_count(struct fx *fx)
{
    struct ah_page page = {.limit = 500};
    json_t *j = NULL;
    size_t n;

    assert_int_equal(ah_store_read_channels(fx->store, &page, &j, NULL), AH_OK);
    n = json_array_size(json_object_get(j, "items"));
    json_decref(j);
    return n;
}

/* ================= tests ================= */

#define N 64

/* N jobs: every one done once, with AH_OK, committed, at the writer's time. */
static void all_jobs_done_and_durable(void **state)
{
    struct fx *fx = *state;
    struct tjob *jobs[N];
    char name[32];
    int i, k;

    start_writer(fx, 0, 0);
    for (i = 0; i < N; i++) {
        snprintf(name, sizeof(name), "ch-%d", i);
        jobs[i] = new_job(fx, name);
        assert_int_equal(ah_writer_submit(fx->writer, &jobs[i]->job, NULL), AH_OK);
    }
    wait_done(fx, N);
    for (i = 0; i < N; i++) {
        assert_int_equal(jobs[i]->job.rc, AH_OK);
        assert_int_equal(jobs[i]->done_calls, 1);
        assert_int_equal(jobs[i]->now_seen, T0);
        assert_true(jobs[i]->id > 0);
        assert_true(jobs[i]->committed_seq > jobs[i]->run_seq);
        assert_true(jobs[i]->done_seq > jobs[i]->committed_seq);
        for (k = 0; k < i; k++)
            assert_true(jobs[k]->id != jobs[i]->id);
    }
    /* Acknowledged means committed: a reader sees every row. */
    assert_int_equal(channel_count(fx), N);
    for (i = 0; i < N; i += 7)
        assert_true(channel_present(fx, jobs[i]->name));
    assert_int_equal(ah_writer_queue_depth(fx->writer), 0);
    ah_writer_stop(fx->writer);
    for (i = 0; i < N; i++)
        assert_int_equal(jobs[i]->done_calls, 1);
}

/* In one batch, a job refused after writing is rolled back alone (its
 * savepoint); the others commit; committed runs only for the successful
 * ones, and before their done. */
static void refused_job_is_rolled_back_alone(void **state)
{
    struct fx *fx = *state;
    struct tjob *gate, *ok1, *bad, *ok2;

    start_writer(fx, 0, 0);
    gate = hold_writer(fx);
    ok1 = new_job(fx, "ok-1");
    bad = new_job(fx, "bad");
    bad->fail = 1;
    ok2 = new_job(fx, "ok-2");
    assert_int_equal(ah_writer_submit(fx->writer, &ok1->job, NULL), AH_OK);
    assert_int_equal(ah_writer_submit(fx->writer, &bad->job, NULL), AH_OK);
    assert_int_equal(ah_writer_submit(fx->writer, &ok2->job, NULL), AH_OK);
    assert_int_equal(ah_writer_queue_depth(fx->writer), 3);
    open_gate(fx);
    wait_done(fx, 4);

    /* One batch: every run came before the first done. */
    assert_true(ok2->run_seq < ok1->done_seq);
    assert_true(bad->run_seq < ok1->done_seq);

    assert_int_equal(ok1->job.rc, AH_OK);
    assert_int_equal(ok2->job.rc, AH_OK);
    assert_int_equal(bad->job.rc, AH_EINVAL);
    assert_int_equal(bad->job.err.code, AH_EINVAL);
    assert_string_equal(bad->job.err.msg, "job bad refused");
    assert_true(bad->id > 0); /* it did write, then was undone */

    assert_true(channel_present(fx, "gate"));
    assert_true(channel_present(fx, "ok-1"));
    assert_true(channel_present(fx, "ok-2"));
    assert_false(channel_present(fx, "bad"));
    assert_int_equal(channel_count(fx), 3);

    assert_int_equal(bad->committed_seq, 0);
    assert_true(ok1->committed_seq > 0 && ok1->committed_seq < ok1->done_seq);
    assert_true(ok2->committed_seq > 0 && ok2->committed_seq < ok2->done_seq);
    assert_true(gate->committed_seq > 0 && gate->committed_seq < gate->done_seq);
    assert_int_equal(ok1->done_calls + bad->done_calls + ok2->done_calls + gate->done_calls, 4);
}

/* A job refused by the store itself (a unique name taken) is isolated the
 * same way, without a committed call. */
static void conflicting_job_is_isolated(void **state)
{
    struct fx *fx = *state;
    struct tjob *a, *dup, *b;

    start_writer(fx, 0, 0);
    (void)hold_writer(fx);
    a = new_job(fx, "same");
    dup = new_job(fx, "same");
    b = new_job(fx, "other");
    assert_int_equal(ah_writer_submit(fx->writer, &a->job, NULL), AH_OK);
    assert_int_equal(ah_writer_submit(fx->writer, &dup->job, NULL), AH_OK);
    assert_int_equal(ah_writer_submit(fx->writer, &b->job, NULL), AH_OK);
    open_gate(fx);
    wait_done(fx, 4);
    assert_int_equal(a->job.rc, AH_OK);
    assert_int_equal(dup->job.rc, AH_ECONFLICT);
    assert_int_equal(dup->committed_seq, 0);
    assert_int_equal(b->job.rc, AH_OK);
    assert_true(channel_present(fx, "same"));
    assert_true(channel_present(fx, "other"));
    assert_int_equal(channel_count(fx), 3);
}

/* queue_max = 1 with the writer held: one job waits, the next is refused
 * (and never reported); once drained, the queue takes jobs again. */
static void full_queue_refuses(void **state)
{
    struct fx *fx = *state;
    struct tjob *gate, *queued, *refused;
    struct ah_error err;

    start_writer(fx, 1, 0);
    gate = hold_writer(fx);
    assert_int_equal(ah_writer_queue_depth(fx->writer), 0); /* the gate is running */
    queued = new_job(fx, "queued");
    refused = new_job(fx, "refused");
    assert_int_equal(ah_writer_submit(fx->writer, &queued->job, NULL), AH_OK);
    assert_int_equal(ah_writer_queue_depth(fx->writer), 1);
    ah_error_clear(&err);
    assert_int_equal(ah_writer_submit(fx->writer, &refused->job, &err), AH_EBUSY);
    assert_int_equal(err.code, AH_EBUSY);
    assert_true(err.msg[0] != '\0');
    assert_int_equal(ah_writer_queue_depth(fx->writer), 1);
    open_gate(fx);
    wait_done(fx, 2);
    assert_int_equal(gate->job.rc, AH_OK);
    assert_int_equal(queued->job.rc, AH_OK);
    assert_int_equal(refused->done_calls, 0);
    assert_int_equal(refused->run_seq, 0);
    assert_false(channel_present(fx, "refused"));

    /* Room again. */
    assert_int_equal(ah_writer_submit(fx->writer, &refused->job, NULL), AH_OK);
    wait_done(fx, 3);
    assert_int_equal(refused->job.rc, AH_OK);
    assert_int_equal(refused->done_calls, 1);
    assert_true(channel_present(fx, "refused"));
}

struct stopper {
    struct ah_writer *w;
    atomic_int returned;
};

static void *stop_thread(void *arg)
{
    struct stopper *s = arg;

    ah_writer_stop(s->w);
    atomic_store(&s->returned, 1);
    return NULL;
}

#define PROBES 2000

/* Stop refuses new jobs at once but runs every job still queued before it
 * returns; afterwards submit answers AH_EBUSY. */
static void stop_drains_then_refuses(void **state)
{
    struct fx *fx = *state;
    struct tjob *gate, *queued[5], *probes[PROBES], *late;
    struct stopper s = {.w = NULL};
    struct ah_error err;
    pthread_t th;
    char name[32];
    int i, accepted = 0, rc = AH_OK, ndone;

    start_writer(fx, 0, 0);
    gate = hold_writer(fx);
    for (i = 0; i < 5; i++) {
        snprintf(name, sizeof(name), "queued-%d", i);
        queued[i] = new_job(fx, name);
        assert_int_equal(ah_writer_submit(fx->writer, &queued[i]->job, NULL), AH_OK);
    }
    s.w = fx->writer;
    atomic_init(&s.returned, 0);
    assert_int_equal(pthread_create(&th, NULL, stop_thread, &s), 0);
    /* Once the stop has begun, submit refuses (probes accepted before that
     * are queued and must be run like the others). */
    while (accepted < PROBES) {
        snprintf(name, sizeof(name), "probe-%d", accepted);
        probes[accepted] = new_job(fx, name);
        rc = ah_writer_submit(fx->writer, &probes[accepted]->job, NULL);
        if (rc != AH_OK)
            break;
        accepted++;
        usleep(1000);
    }
    if (rc != AH_EBUSY) {
        open_gate(fx);
        pthread_join(th, NULL);
        fail_msg("submit kept accepting jobs after ah_writer_stop began");
    }
    /* The writer is still held in the gate: stop cannot have returned. */
    assert_int_equal(atomic_load(&s.returned), 0);
    assert_int_equal(ah_writer_queue_depth(fx->writer), (size_t)(5 + accepted));
    open_gate(fx);
    assert_int_equal(pthread_join(th, NULL), 0);

    /* Everything queued before the stop ran, committed, and was reported. */
    pthread_mutex_lock(&fx->lock);
    ndone = fx->ndone;
    pthread_mutex_unlock(&fx->lock);
    assert_int_equal(ndone, 6 + accepted);
    assert_int_equal(gate->job.rc, AH_OK);
    for (i = 0; i < 5; i++) {
        assert_int_equal(queued[i]->job.rc, AH_OK);
        assert_int_equal(queued[i]->done_calls, 1);
        assert_true(channel_present(fx, queued[i]->name));
    }
    for (i = 0; i < accepted; i++) {
        assert_int_equal(probes[i]->job.rc, AH_OK);
        assert_int_equal(probes[i]->done_calls, 1);
    }
    assert_int_equal(channel_count(fx), (size_t)(6 + accepted));
    assert_int_equal(ah_writer_queue_depth(fx->writer), 0);

    late = new_job(fx, "late");
    ah_error_clear(&err);
    assert_int_equal(ah_writer_submit(fx->writer, &late->job, &err), AH_EBUSY);
    assert_int_equal(err.code, AH_EBUSY);
    ah_writer_stop(fx->writer); /* twice is harmless */
    assert_int_equal(late->done_calls, 0);
    assert_false(channel_present(fx, "late"));
}

/* A job that reduces an event: the alert is committed when done runs, and
 * the writer publishes the index sizes after the batch. */
static void reducing_job_publishes_sizes(void **state)
{
    struct fx *fx = *state;
    struct tjob *j;
    struct ah_incident_filter f = {0};
    struct ah_page page = {.limit = 10};
    json_t *list = NULL;
    int tries;

    start_writer(fx, 0, 0);
    assert_int_equal(ah_writer_open_alerts(fx->writer), 0);
    j = new_job(fx, "key-1");
    j->reduce = 1;
    assert_int_equal(ah_writer_submit(fx->writer, &j->job, NULL), AH_OK);
    wait_done(fx, 1);
    assert_int_equal(j->job.rc, AH_OK);
    assert_int_equal(ah_rows_read_incidents(fx->store, &f, &page, &list, NULL), AH_OK);
    assert_int_equal(json_array_size(json_object_get(list, "items")), 1);
    assert_int_equal(json_integer_value(json_object_get(
                         json_array_get(json_object_get(list, "items"), 0), "start_time")),
                     T0);
    json_decref(list);
    /* Published right after the batch's callbacks: poll briefly. */
    for (tries = 0; tries < 2000 && ah_writer_open_alerts(fx->writer) != 1; tries++)
        usleep(1000);
    assert_int_equal(ah_writer_open_alerts(fx->writer), 1);
    assert_int_equal(ah_writer_open_incidents(fx->writer), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(all_jobs_done_and_durable, setup, teardown),
        cmocka_unit_test_setup_teardown(refused_job_is_rolled_back_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(conflicting_job_is_isolated, setup, teardown),
        cmocka_unit_test_setup_teardown(full_queue_refuses, setup, teardown),
        cmocka_unit_test_setup_teardown(stop_drains_then_refuses, setup, teardown),
        cmocka_unit_test_setup_teardown(reducing_job_publishes_sizes, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
