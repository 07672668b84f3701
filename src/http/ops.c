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

static enum MHD_Result metrics(struct ah_request *req)
{
    struct ah_buf out;

    ah_buf_init(&out);
    ah_metrics_format(req->app, &out);
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
