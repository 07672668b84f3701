/* metrics.c - see metrics.h. */
#include "http/metrics.h"

#include <string.h>

static const char *const type_names[AH_M_TYPES] = {"standard", "volcengine_rtc", "other"};
static const char *const code_names[AH_M_CODES] = {"ok",
                                                   "InvalidParameter",
                                                   "InvalidContentType",
                                                   "MethodNotAllowed",
                                                   "RouteNotFound",
                                                   "EntityTooLarge",
                                                   "RequestTooFrequently",
                                                   "ServiceUnavailable",
                                                   "InternalError"};
/* Upper bounds of the latency histogram, in microseconds. */
static const int64_t bounds_us[AH_M_BUCKETS] = {250,   500,   1000,   2500,   5000,    10000,
                                                25000, 50000, 100000, 250000, 1000000, 5000000};

static int type_index(const char *type)
{
    int i;

    for (i = 0; type != NULL && i < AH_M_TYPES - 1; i++) {
        if (strcmp(type, type_names[i]) == 0)
            return i;
    }
    return AH_M_TYPES - 1;
}

void ah_metrics_push(struct ah_metrics *m, const char *type, enum ah_metric_code code,
                     unsigned events, int64_t latency_us)
{
    int t = type_index(type), b;

    atomic_fetch_add_explicit(&m->push[t][code], 1, memory_order_relaxed);
    if (code != AH_M_OK)
        return;
    atomic_fetch_add_explicit(&m->events_accepted[t], events, memory_order_relaxed);
    for (b = 0; b < AH_M_BUCKETS && latency_us > bounds_us[b]; b++)
        ;
    if (b < AH_M_BUCKETS)
        atomic_fetch_add_explicit(&m->latency_buckets[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->latency_count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->latency_sum_us, (uint64_t)latency_us, memory_order_relaxed);
}

void ah_metrics_format(struct ah_metrics *m, struct ah_buf *out)
{
    uint64_t cum = 0;
    int t, c, b;

    ah_buf_puts(out, "# TYPE alerthub_push_requests_total counter\n");
    for (t = 0; t < AH_M_TYPES; t++)
        for (c = 0; c < AH_M_CODES; c++)
            ah_buf_printf(out, "alerthub_push_requests_total{type=\"%s\",code=\"%s\"} %llu\n",
                          type_names[t], code_names[c],
                          (unsigned long long)atomic_load(&m->push[t][c]));
    ah_buf_puts(out, "# TYPE alerthub_events_accepted_total counter\n");
    for (t = 0; t < AH_M_TYPES; t++)
        ah_buf_printf(out, "alerthub_events_accepted_total{type=\"%s\"} %llu\n", type_names[t],
                      (unsigned long long)atomic_load(&m->events_accepted[t]));
    ah_buf_puts(out, "# TYPE alerthub_ingest_latency_seconds histogram\n");
    for (b = 0; b < AH_M_BUCKETS; b++) {
        cum += atomic_load(&m->latency_buckets[b]);
        ah_buf_printf(out, "alerthub_ingest_latency_seconds_bucket{le=\"%g\"} %llu\n",
                      (double)bounds_us[b] / 1e6, (unsigned long long)cum);
    }
    ah_buf_printf(out, "alerthub_ingest_latency_seconds_bucket{le=\"+Inf\"} %llu\n",
                  (unsigned long long)atomic_load(&m->latency_count));
    ah_buf_printf(out, "alerthub_ingest_latency_seconds_sum %g\n",
                  (double)atomic_load(&m->latency_sum_us) / 1e6);
    ah_buf_printf(out, "alerthub_ingest_latency_seconds_count %llu\n",
                  (unsigned long long)atomic_load(&m->latency_count));
}
