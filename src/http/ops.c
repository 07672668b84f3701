/* ops.c - operations endpoints: /healthz (process up), /readyz (store
 * reachable), /metrics (Prometheus text format). No authentication: they
 * reveal counts, never content. */
#include "http/request.h"
#include "http/routes.h"

#include "util/buf.h"

#include <string.h>

/* A batch running longer than this makes /readyz fail: the writer is stuck
 * (a lock held from outside, a storage stall). Well above a normal batch
 * (milliseconds) and above the default busy timeout (5 s). */
#define AH_READY_STUCK_MS 10000

/* Dispatch: deliveries by kind and outcome, and the outbox. */
static void notify_metrics(struct ah_app *app, struct ah_buf *out)
{
    static const char *const names[] = {"sent", "failed", "retried"};
    struct ah_sender_stats st;
    int64_t depth = 0, oldest = 0, now = ah_clock_now(&app->clock);
    int i, k;

    ah_sender_stats(app->sender, &st);
    for (i = 0; i < 3; i++) {
        const uint64_t *v = i == 0 ? st.sent : i == 1 ? st.failed : st.retried;

        ah_buf_printf(out,
                      "# HELP alerthub_notifications_%s_total Notification attempts %s, by kind.\n"
                      "# TYPE alerthub_notifications_%s_total counter\n",
                      names[i], names[i], names[i]);
        for (k = 0; k < AH_SENDER_KINDS; k++)
            ah_buf_printf(out, "alerthub_notifications_%s_total{kind=\"%s\"} %llu\n", names[i],
                          ah_sender_kinds[k], (unsigned long long)v[k]);
    }
    (void)ah_store_read_outbox(app->store, &depth, &oldest, NULL);
    ah_buf_printf(out,
                  "# HELP alerthub_outbox_depth Notifications waiting to be sent.\n"
                  "# TYPE alerthub_outbox_depth gauge\nalerthub_outbox_depth %lld\n"
                  "# HELP alerthub_outbox_oldest_age_seconds Age of the oldest waiting "
                  "notification.\n"
                  "# TYPE alerthub_outbox_oldest_age_seconds gauge\n"
                  "alerthub_outbox_oldest_age_seconds %lld\n",
                  (long long)depth, (long long)(oldest > 0 && now > oldest ? now - oldest : 0));
}

static enum MHD_Result metrics(struct ah_request *req)
{
    struct ah_app *app = req->app;
    struct ah_buf out;

    ah_buf_init(&out);
    ah_metrics_format(&app->metrics, &out);
    ah_buf_printf(&out,
                  "# TYPE alerthub_ingest_queue_depth gauge\nalerthub_ingest_queue_depth %zu\n",
                  ah_writer_queue_depth(app->writer));
    ah_buf_printf(&out, "# TYPE alerthub_open_alerts gauge\nalerthub_open_alerts %zu\n",
                  ah_writer_open_alerts(app->writer));
    ah_buf_printf(&out, "# TYPE alerthub_open_incidents gauge\nalerthub_open_incidents %zu\n",
                  ah_writer_open_incidents(app->writer));
    notify_metrics(app, &out);
    return ah_respond_text(req, 200, "text/plain; version=0.0.4", ah_buf_steal(&out));
}

int ah_handle_ops(struct ah_request *req, const char *path, enum MHD_Result *ret)
{
    struct ah_error err;

    if (strcmp(path, "/healthz") == 0) {
        *ret = ah_respond_data(req, 200, json_pack("{ss}", "status", "ok"));
    } else if (strcmp(path, "/readyz") == 0) {
        ah_error_clear(&err);
        if (ah_store_ping(req->app->store, &err) == AH_OK &&
            !ah_writer_ready(req->app->writer, AH_READY_STUCK_MS, err.msg, sizeof(err.msg)))
            err.code = AH_EBUSY;
        if (err.code == AH_OK)
            *ret = ah_respond_data(req, 200, json_pack("{ss}", "status", "ready"));
        else
            *ret = ah_respond_error(req, 503, "ServiceUnavailable", err.msg, 1);
    } else if (strcmp(path, "/metrics") == 0) {
        *ret = metrics(req);
    } else {
        return 0;
    }
    return 1;
}
