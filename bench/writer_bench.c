/* writer_bench.c - the writer's cost per event without HTTP (issue #10), as
 * the number of open alerts grows from 10^3 to 10^6.
 *
 * The real writer thread (reduce/writer.c) on a real SQLite file with
 * synchronous=full takes jobs of one prepared event each, 64 at a time (what
 * 64 connections give it), through ah_reduce_push exactly as a push does.
 * The event is the bench's ~1 KB alert: a title, a 700-character
 * description and 8 labels. At each size the program times min(size/2, NEW)
 * new alerts (each opens an alert and an incident) and as many repeats of open alerts
 * (identical: stored once, refreshed), and prints wall and CPU microseconds
 * per event. The process's RSS after each pre-load is printed too, with the
 * growth per open alert.
 *
 * Usage: writer_bench DIR [MAX]  (MAX: open alerts at the last size,
 * default 1000000). DIR keeps the database afterwards, so that bench/run.sh
 * can start the server on it and read the server's own RSS. A benchmark,
 * not a test: it asserts nothing. */
#include "reduce/push.h"
#include "reduce/writer.h"

#include "util/alloc.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include <time.h>

#define BATCH 64
#define NEW   20000

static const char desc[] =
    "CPU usage of checkout-api on this host has been above 90% for the last 5 minutes (5m "
    "average 93.4%, threshold 90%). Requests queue up and p99 latency of the checkout path "
    "rises with it. Check for a runaway worker or a traffic spike first: compare the request "
    "rate with the same hour last week, look at the top processes on the host, and scale out "
    "the deployment if the rate is real. If one worker spins, restart it and keep a thread "
    "dump. Runbook: https://runbooks.example.com/checkout-api/high-cpu; dashboard: "
    "https://grafana.example.com/d/checkout-api/overview?var-host=this-host&from=now-1h; "
    "owner: payments on-call. Escalate to the platform team when the host itself is unhealthy "
    "(steal time, throttling).";

struct bench_job {
    struct ah_job job;
    struct ah_event ev;
    int64_t channel;
    struct ah_push_event pe;
    struct waiter *w;
};

/* The jobs of one batch still running. */
struct waiter {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int left;
};

static int64_t channel_id, integration_id;

static int job_run(struct ah_job *job, struct ah_store_tx *tx, struct ah_reduce *reduce,
                   int64_t now, struct ah_error *err)
{
    struct bench_job *j = (struct bench_job *)job;
    struct ah_push_batch b = {.integration_id = integration_id, .events = &j->pe, .nevents = 1};
    struct ah_push_result res;
    int rc = ah_reduce_push(reduce, tx, &b, now, &res, err);

    json_decref(res.keys);
    return rc;
}

static void job_done(struct ah_job *job)
{
    struct waiter *w = ((struct bench_job *)job)->w;

    pthread_mutex_lock(&w->lock);
    if (--w->left == 0)
        pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

static void event_make(struct ah_event *ev, long n)
{
    char v[64];

    ah_event_init(ev);
    snprintf(v, sizeof(v), "bench-%ld", n);
    ev->alert_key = ah_xstrdup(v);
    ev->title = ah_xstrdup("bench high cpu on checkout-api");
    ev->description = ah_xstrdup(desc);
    ev->severity = AH_SEV_CRITICAL;
    ah_event_set_label(ev, "alertname", v);
    snprintf(v, sizeof(v), "bench-%ld", n % 100);
    ah_event_set_label(ev, "host", v);
    ah_event_set_label(ev, "check", "cpu");
    ah_event_set_label(ev, "service", "checkout-api");
    ah_event_set_label(ev, "env", "prod");
    ah_event_set_label(ev, "region", "cn-north-1");
    ah_event_set_label(ev, "cluster", "bench-k8s-1");
    snprintf(v, sizeof(v), "10.20.%ld.%ld:9100", (n / 256) % 256, n % 256);
    ah_event_set_label(ev, "instance", v);
    ah_event_seal(ev); /* as an HTTP thread does before queueing */
}

/* Sends events @first .. @first + @n - 1 through the writer, BATCH at a
 * time, waiting for each batch as 64 connections would. */
static void push_range(struct ah_writer *wr, long first, long n, int batch)
{
    struct bench_job *jobs = ah_xcalloc((size_t)batch, sizeof(*jobs));
    struct waiter w;
    long done, i;

    pthread_mutex_init(&w.lock, NULL);
    pthread_cond_init(&w.cond, NULL);
    for (done = 0; done < n; done += batch) {
        long k = n - done < batch ? n - done : batch;

        w.left = (int)k;
        for (i = 0; i < k; i++) {
            struct bench_job *j = &jobs[i];

            event_make(&j->ev, first + done + i);
            j->channel = channel_id;
            j->pe = (struct ah_push_event){.ev = &j->ev, .channels = &j->channel, .nchannels = 1};
            j->w = &w;
            j->job = (struct ah_job){.run = job_run, .done = job_done};
            while (ah_writer_submit(wr, &j->job, NULL) != AH_OK)
                ; /* the queue holds 4096: never full here */
        }
        pthread_mutex_lock(&w.lock);
        while (w.left > 0)
            pthread_cond_wait(&w.cond, &w.lock);
        pthread_mutex_unlock(&w.lock);
        for (i = 0; i < k; i++)
            ah_event_done(&jobs[i].ev);
    }
    pthread_cond_destroy(&w.cond);
    pthread_mutex_destroy(&w.lock);
    ah_free(jobs);
}

static double wall_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* CPU time of the writer thread alone (the task named ah-writer; its
 * schedstat counts nanoseconds on the CPU, where stat's ticks are 10 ms),
 * so that making the events here does not count. */
static double writer_cpu_us(void)
{
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    double us = 0;

    while (d != NULL && (e = readdir(d)) != NULL) {
        char path[64], buf[512], *p;
        FILE *f;
        unsigned long long ns = 0;

        snprintf(path, sizeof(path), "/proc/self/task/%.16s/comm", e->d_name);
        if (e->d_name[0] == '.' || (f = fopen(path, "r")) == NULL)
            continue;
        p = fgets(buf, sizeof(buf), f);
        fclose(f);
        if (p == NULL || strncmp(buf, "ah-writer", 9) != 0)
            continue;
        snprintf(path, sizeof(path), "/proc/self/task/%.16s/schedstat", e->d_name);
        if ((f = fopen(path, "r")) == NULL)
            continue;
        if (fscanf(f, "%llu", &ns) == 1)
            us = (double)ns / 1e3;
        fclose(f);
    }
    if (d != NULL)
        closedir(d);
    return us;
}

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[128];
    long kib = 0;

    while (f != NULL && fgets(line, sizeof(line), f) != NULL)
        if (strncmp(line, "VmRSS:", 6) == 0)
            kib = strtol(line + 6, NULL, 10);
    if (f != NULL)
        fclose(f);
    return kib;
}

/* Times @n events from @first and prints one figure pair. */
static void timed(struct ah_writer *wr, const char *what, long first, long n)
{
    double w0 = wall_us(), c0 = writer_cpu_us();

    push_range(wr, first, n, BATCH);
    printf("  %-8s %7.1f µs wall/event  %7.1f µs writer CPU/event  (%.0f events/s)\n", what,
           (wall_us() - w0) / (double)n, (writer_cpu_us() - c0) / (double)n,
           (double)n * 1e6 / (wall_us() - w0));
    fflush(stdout);
}

static int setup(struct ah_store *store)
{
    struct ah_store_tx *tx;
    struct ah_integration intg = {.name = "bench", .type = "standard", .key = "writer-bench-key"};
    int rc = ah_store_tx_begin(store, &tx, NULL);

    if (rc == AH_OK)
        rc = ah_store_tx_channel_insert(tx, "bench", "", 0, &channel_id, NULL);
    intg.channel_id = channel_id;
    intg.rate_per_sec = intg.rate_per_min = 1000000;
    if (rc == AH_OK)
        rc = ah_store_tx_integration_insert(tx, &intg, 0, NULL);
    integration_id = intg.id;
    return rc == AH_OK ? ah_store_tx_commit(tx, NULL) : rc;
}

int main(int argc, char **argv)
{
    struct ah_store_conf conf = {.synchronous = "full", .busy_timeout_ms = 5000};
    struct ah_writer_conf wconf = {0};
    struct ah_store *store = NULL;
    struct ah_reduce *reduce = NULL;
    struct ah_writer *wr = NULL;
    struct ah_error err;
    long max = argc > 2 ? atol(argv[2]) : 1000000, open = 0, size, rss0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR [MAX]\n", argv[0]);
        return 2;
    }
    conf.dir = argv[1];
    ah_error_clear(&err);
    if (ah_store_open(&conf, &store, &err) != AH_OK || setup(store) != AH_OK ||
        (reduce = ah_reduce_new()) == NULL || ah_reduce_load(reduce, store, &err) != AH_OK ||
        ah_writer_new(store, reduce, &wconf, &wr, &err) != AH_OK) {
        fprintf(stderr, "writer_bench: %s\n", err.msg);
        return 1;
    }
    rss0 = rss_kib();
    printf("writer_bench: the writer alone, synchronous=full, %d jobs per batch, one ~1 KB "
           "event (8 labels) per job\n",
           BATCH);
    for (size = 1000; size <= max; size *= 10) {
        double w0 = wall_us();
        long rss, n = size / 2 < NEW ? size / 2 : NEW; /* open stays below the next size */

        push_range(wr, open, size - open, 512);
        rss = rss_kib();
        printf("%ld open alerts (pre-loaded in %.1f s); RSS %.1f MiB, %.2f KiB more per open "
               "alert than at start\n",
               size, (wall_us() - w0) / 1e6, (double)rss / 1024,
               (double)(rss - rss0) / (double)size);
        open = size;
        timed(wr, "new", open, n);
        open += n;
        timed(wr, "repeats", size - n, n); /* identical to their first event */
    }
    ah_writer_free(wr);
    ah_reduce_free(reduce);
    ah_store_free(store);
    return 0;
}
