/* metrics.c - see metrics.h. Every series is written here, so that one file
 * answers "what does /metrics show"; the numbers come from their owners. */
#include "http/metrics.h"

#include "http/app.h"

#include <inttypes.h>
#include <microhttpd.h>
#include <string.h>

#ifndef AH_VERSION
#error "AH_VERSION is defined by the Makefile, from the file VERSION"
#endif

static const char *const code_names[AH_M_CODES] = {"ok",
                                                   "InvalidParameter",
                                                   "InvalidContentType",
                                                   "MethodNotAllowed",
                                                   "RouteNotFound",
                                                   "EntityTooLarge",
                                                   "RequestTooFrequently",
                                                   "ServiceUnavailable",
                                                   "InternalError"};
/* Upper bounds of the ingest latency histogram, in microseconds. */
static const uint64_t latency_bounds_us[] = {250,   500,   1000,   2500,   5000,    10000,
                                             25000, 50000, 100000, 250000, 1000000, 5000000};

void ah_metrics_init(struct ah_metrics *m)
{
    memset(m->push, 0, sizeof(m->push));
    memset(m->events_accepted, 0, sizeof(m->events_accepted));
    ah_histogram_init(&m->latency_us, latency_bounds_us,
                      sizeof(latency_bounds_us) / sizeof(latency_bounds_us[0]), 6);
}

/* The counters' row of @type: its place in the ingest registry. */
static size_t type_row(const char *type)
{
    size_t i, n = ah_adapter_count();

    for (i = 0; type != NULL && i < n; i++) {
        if (strcmp(type, ah_adapter_at(i)->type) == 0)
            return i;
    }
    return AH_M_UNKNOWN;
}

void ah_metrics_push(struct ah_metrics *m, const char *type, enum ah_metric_code code,
                     unsigned events, int64_t latency_us)
{
    size_t t = type_row(type);

    atomic_fetch_add_explicit(&m->push[t][code], 1, memory_order_relaxed);
    if (code != AH_M_OK)
        return;
    atomic_fetch_add_explicit(&m->events_accepted[t], events, memory_order_relaxed);
    ah_histogram_observe(&m->latency_us, latency_us > 0 ? (uint64_t)latency_us : 0);
}

/* ================= the scrape ================= */

static void family(struct ah_buf *out, const char *name, const char *type, const char *help)
{
    ah_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void sample(struct ah_buf *out, const char *name, uint64_t value)
{
    ah_buf_printf(out, "%s %" PRIu64 "\n", name, value);
}

static void push_metrics(struct ah_metrics *m, struct ah_buf *out)
{
    size_t i, n = ah_adapter_count();
    int c;

    family(out, "alerthub_push_requests_total", "counter",
           "Push requests by integration type and outcome (ok or the error code).");
    for (i = 0; i <= n; i++) {
        size_t row = i < n ? i : AH_M_UNKNOWN;
        const char *type = i < n ? ah_adapter_at(i)->type : AH_M_UNKNOWN_TYPE;

        for (c = 0; c < AH_M_CODES; c++)
            ah_buf_printf(out,
                          "alerthub_push_requests_total{type=\"%s\",code=\"%s\"} %" PRIu64 "\n",
                          type, code_names[c], (uint64_t)atomic_load(&m->push[row][c]));
    }
    family(out, "alerthub_events_accepted_total", "counter",
           "Events in accepted push requests, by integration type.");
    for (i = 0; i < n; i++)
        ah_buf_printf(out, "alerthub_events_accepted_total{type=\"%s\"} %" PRIu64 "\n",
                      ah_adapter_at(i)->type, (uint64_t)atomic_load(&m->events_accepted[i]));
    ah_histogram_format(&m->latency_us, "alerthub_ingest_latency_seconds",
                        "Time from receiving an accepted push to its answer.", out);
    family(out, "alerthub_rule_budget_exhausted_total", "counter",
           "Events whose rules used up their CPU budget (the rules left did not match), by "
           "where: the integration's rules or a channel's.");
    ah_buf_printf(out,
                  "alerthub_rule_budget_exhausted_total{where=\"integration\"} %" PRIu64 "\n"
                  "alerthub_rule_budget_exhausted_total{where=\"channel\"} %" PRIu64 "\n",
                  (uint64_t)atomic_load(&m->budget_exhausted[AH_BUDGET_INTEGRATION]),
                  (uint64_t)atomic_load(&m->budget_exhausted[AH_BUDGET_CHANNEL]));
}

static void writer_metrics(struct ah_writer *w, struct ah_buf *out)
{
    struct ah_writer_stats st;
    int k;

    ah_writer_stats(w, &st);
    family(out, "alerthub_ingest_queue_depth", "gauge", "Jobs waiting for the writer.");
    sample(out, "alerthub_ingest_queue_depth", ah_writer_queue_depth(w));
    family(out, "alerthub_open_alerts", "gauge", "Open alerts, all channels.");
    sample(out, "alerthub_open_alerts", ah_writer_open_alerts(w));
    family(out, "alerthub_open_incidents", "gauge", "Open incidents, all channels.");
    sample(out, "alerthub_open_incidents", ah_writer_open_incidents(w));
    ah_histogram_format(st.batch_jobs, "alerthub_writer_batch_size",
                        "Jobs per writer transaction (group commit).", out);
    ah_histogram_format(st.commit_us, "alerthub_writer_commit_duration_seconds",
                        "Time of a writer transaction, BEGIN to COMMIT (the whole batch).", out);
    family(out, "alerthub_writer_failed_batches_total", "counter",
           "Writer transactions rolled back: every job in them was refused.");
    sample(out, "alerthub_writer_failed_batches_total", st.failed_batches);
    family(out, "alerthub_writer_rebuilds_total", "counter",
           "Times the open alerts and incidents in memory were rebuilt whole from the "
           "database before a transaction: another node wrote since and its changes were not "
           "all listed (PostgreSQL), or a transaction failed.");
    sample(out, "alerthub_writer_rebuilds_total", st.rebuilds);
    family(out, "alerthub_writer_catch_ups_total", "counter",
           "Times the open alerts and incidents in memory caught up with another node's writes "
           "by the rows it changed, before a transaction (PostgreSQL).");
    sample(out, "alerthub_writer_catch_ups_total", st.catch_ups);
    family(out, "alerthub_noise_reduced_total", "counter",
           "Events that noise reduction deduplicated, grouped, silenced, inhibited, dropped "
           "or marked flapping (committed only).");
    for (k = 0; k < AH_NOISE_KINDS; k++)
        ah_buf_printf(out, "alerthub_noise_reduced_total{action=\"%s\"} %" PRIu64 "\n",
                      ah_noise_names[k], st.noise[k]);
}

/* Dispatch: deliveries by kind and outcome, and the outbox. */
static void notify_metrics(struct ah_app *app, struct ah_buf *out)
{
    static const char *const names[] = {"sent", "failed", "retried"};
    static const char *const help[] = {"Notifications delivered, by kind.",
                                       "Notifications given up (a final answer, or retried "
                                       "for too long), by kind.",
                                       "Notification attempts that failed and will be "
                                       "retried, by kind."};
    struct ah_sender_stats st;
    int64_t depth = 0, oldest = 0, now = ah_clock_now(&app->clock);
    char name[64];
    int i, k;

    ah_sender_stats(app->sender, &st);
    for (i = 0; i < 3; i++) {
        const uint64_t *v = i == 0 ? st.sent : i == 1 ? st.failed : st.retried;

        snprintf(name, sizeof(name), "alerthub_notifications_%s_total", names[i]);
        family(out, name, "counter", help[i]);
        for (k = 0; k < AH_SENDER_KINDS; k++)
            ah_buf_printf(out, "%s{kind=\"%s\"} %" PRIu64 "\n", name, ah_sender_kinds[k], v[k]);
    }
    (void)ah_store_read_outbox(app->store, &depth, &oldest, NULL);
    family(out, "alerthub_outbox_depth", "gauge", "Notifications waiting to be sent.");
    sample(out, "alerthub_outbox_depth", depth > 0 ? (uint64_t)depth : 0);
    family(out, "alerthub_outbox_oldest_age_seconds", "gauge",
           "Age of the oldest waiting notification.");
    sample(out, "alerthub_outbox_oldest_age_seconds",
           oldest > 0 && now > oldest ? (uint64_t)(now - oldest) : 0);
}

static void build_info(struct ah_buf *out)
{
    family(out, "alerthub_build_info", "gauge",
           "Always 1; the labels give the versions of alerthub and its libraries.");
    ah_buf_printf(out, "alerthub_build_info{version=\"%s\",sqlite=\"%s\",microhttpd=\"%s\"} 1\n",
                  AH_VERSION, ah_store_engine_version(), MHD_get_version());
}

void ah_metrics_format(struct ah_app *app, struct ah_buf *out)
{
    build_info(out);
    push_metrics(&app->metrics, out);
    writer_metrics(app->writer, out);
    notify_metrics(app, out);
}
