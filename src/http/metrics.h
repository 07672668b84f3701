/* metrics.h - GET /metrics in the Prometheus text exposition format 0.0.4:
 * the HTTP layer's own counters (pushes by integration type and outcome,
 * ingest latency), updated with relaxed atomics from the HTTP threads, and
 * the scrape that adds the writer's, the reducer's and the sender's. Every
 * family has HELP and TYPE lines; docs/api.md lists them. */
#ifndef AH_HTTP_METRICS_H
#define AH_HTTP_METRICS_H

#include "ingest/adapter.h"
#include "util/buf.h"
#include "util/histogram.h"

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

/* Rows of the per-type counters: one per registered adapter (ingest
 * registry order), and the last for a push path no adapter serves. */
#define AH_M_UNKNOWN      AH_ADAPTER_MAX
#define AH_M_TYPES        (AH_ADAPTER_MAX + 1)
#define AH_M_UNKNOWN_TYPE "unknown" /* its type label value */

/* Embedded in struct ah_app; ah_metrics_init before the server starts. */
struct ah_metrics {
    atomic_uint_least64_t push[AH_M_TYPES][AH_M_CODES];
    atomic_uint_least64_t events_accepted[AH_M_TYPES];
    struct ah_histogram latency_us; /* accepted pushes, receipt to answer */
    /* Events whose rules ran out of their CPU budget (rules/filter.h): in
     * the integration layer (HTTP threads), in a channel's rules (writer). */
    atomic_uint_least64_t budget_exhausted[2];
};

enum ah_budget_where { AH_BUDGET_INTEGRATION = 0, AH_BUDGET_CHANNEL = 1 };

void ah_metrics_init(struct ah_metrics *m);
/* Counts a push of integration type @type (NULL or unregistered: unknown)
 * with outcome @code; an accepted one also counts @events and its latency.
 * Any thread. */
void ah_metrics_push(struct ah_metrics *m, const char *type, enum ah_metric_code code,
                     unsigned events, int64_t latency_us);

struct ah_app;
/* Appends the whole scrape of @app to @out. Any thread. */
void ah_metrics_format(struct ah_app *app, struct ah_buf *out);

#endif
