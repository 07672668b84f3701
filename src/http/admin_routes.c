/* admin_routes.c - /api/v1/integrations/{id}/routes: the routes of a shared
 * integration (process/route.h). Compiled on the HTTP thread so that a bad
 * one is refused with its message; the writer checks the channels exist and
 * stores them; the route table sees them after the commit. */
#include "http/admin.h"

#include "process/route.h"

#include <string.h>

static void free_routes(void *r)
{
    ah_routes_unref(r);
}

static int routes_run(struct ah_job *job, struct ah_store_tx *tx, struct ah_reduce *reduce,
                      int64_t now, struct ah_error *err)
{
    struct ah_request *req = ah_request_of(job);
    const int64_t *channels;
    size_t i, n;
    int rc = ah_store_tx_integration_get(tx, req->id, &req->intg, err);

    (void)reduce;
    (void)now;
    if (rc < 0)
        return rc;
    if (req->intg.channel_id != 0)
        return ah_error_set(err, AH_EINVAL,
                            "routes apply to shared integrations only; this one belongs to "
                            "channel \"%lld\"",
                            (long long)req->intg.channel_id);
    channels = ah_routes_channels(req->rule, &n);
    for (i = 0; i < n; i++) {
        rc = ah_admin_check_channel(tx, channels[i], err);
        if (rc < 0)
            return rc;
    }
    return ah_store_tx_routes_set(tx, req->id, req->json, channels, n, err);
}

static void routes_committed(struct ah_job *job)
{
    struct ah_request *req = ah_request_of(job);

    ah_route_table_set(req->app->routes, req->id, req->rule);
}

static enum MHD_Result routes_get(struct ah_request *req)
{
    struct ah_error err;
    json_t *row = NULL, *routes;
    int rc = ah_store_read_routes(req->app->store, req->id, &row, &err);

    if (rc < 0)
        return ah_respond_failure(req, &err);
    routes = json_object_get(row, "routes");
    routes = json_is_null(routes) ? json_pack("{s[]s{s[]}}", "cases", "default", "channel_ids")
                                  : json_incref(routes);
    json_decref(row);
    return ah_respond_data(req, 200, routes);
}

static enum MHD_Result routes_finish(struct ah_request *req)
{
    if (req->job.rc < 0)
        return ah_respond_failure(req, &req->job.err);
    return routes_get(req);
}

enum MHD_Result ah_admin_routes(struct ah_request *req, int64_t id)
{
    struct ah_error err;
    enum MHD_Result ret;

    req->id = id;
    if (strcmp(req->method, "GET") == 0)
        return routes_get(req);
    if (strcmp(req->method, "PUT") != 0)
        return ah_admin_not_allowed(req);
    if (ah_request_json_object(req, &ret) < 0)
        return ret;
    ah_error_clear(&err);
    if (ah_routes_compile(req->json, (struct ah_routes **)&req->rule, &err) < 0)
        return ah_respond_failure(req, &err);
    req->rule_free = free_routes;
    req->job.committed = routes_committed;
    return ah_request_submit(req, routes_run, routes_finish);
}
