/* metrics.h - counters for GET /metrics (Prometheus text format). Updated
 * with relaxed atomics from the HTTP threads. */
#ifndef AH_HTTP_METRICS_H
#define AH_HTTP_METRICS_H

#include "util/buf.h"

#include <stdatomic.h>
#include <stdint.h>

/* Push outcomes by error code (index 0 = accepted). */
enum ah_metric_code {
    AH_M_OK = 0,
    AH_M_INVALID_PARAMETER,
    AH_M_INVALID_CONTENT_TYPE,
    AH_M_METHOD_NOT_ALLOWED,
    AH_M_ROUTE_NOT_FOUND,
    AH_M_ENTITY_TOO_LARGE,
    AH_M_TOO_FREQUENT,
    AH_M_UNAVAILABLE,
    AH_M_INTERNAL,
    AH_M_CODES
};

#define AH_M_TYPES   3 /* standard, volcengine_rtc, other */
#define AH_M_BUCKETS 12

struct ah_metrics {
    atomic_uint_least64_t push[AH_M_TYPES][AH_M_CODES];
    atomic_uint_least64_t events_accepted[AH_M_TYPES];
    atomic_uint_least64_t latency_buckets[AH_M_BUCKETS]; /* cumulative on output */
    atomic_uint_least64_t latency_count;
    atomic_uint_least64_t latency_sum_us;
};

void ah_metrics_push(struct ah_metrics *m, const char *type, enum ah_metric_code code,
                     unsigned events, int64_t latency_us);
/* Appends the metrics in Prometheus text format; @gauges are added by the
 * caller (queue depth, open alerts and incidents). */
void ah_metrics_format(struct ah_metrics *m, struct ah_buf *out);

#endif
