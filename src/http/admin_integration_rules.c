/* admin_integration_rules.c - /api/v1/integrations/{id}/{routes,enrichment,
 * pipeline}: the integration layer's rules (process/). Each is compiled on
 * the HTTP thread so that a bad one is refused with its message; the writer
 * checks what it refers to and stores it; the process table sees it after
 * the commit. GET answers the stored configuration, or an empty one. */
#include "http/admin.h"

#include "process/table.h"

#include <string.h>

/* ================= routes (shared integrations only) ================= */

static int routes_compile(struct ah_request *req, struct ah_error *err)
{
    req->rule.kind = AH_RULE_ROUTES;
    return ah_routes_compile(req->json, &req->rule.u.routes, err);
}

static int routes_store(struct ah_request *req, struct ah_store_tx *tx, struct ah_error *err)
{
    const int64_t *channels;
    size_t i, n;
    int rc;

    if (req->intg.channel_id != 0)
        return ah_error_set(err, AH_EINVAL,
                            "routes apply to shared integrations only; this one belongs to "
                            "channel \"%lld\"",
                            (long long)req->intg.channel_id);
    channels = ah_routes_channels(req->rule.u.routes, &n);
    for (i = 0; i < n; i++) {
        rc = ah_admin_check_channel(tx, channels[i], err);
        if (rc < 0)
            return rc;
    }
    return ah_store_tx_routes_set(tx, req->id, req->json, channels, n, err);
}

static void routes_install(struct ah_request *req)
{
    ah_process_table_set_routes(req->app->process, req->id, req->rule.u.routes);
}

/* ================= label enrichment ================= */

static int enrichment_compile(struct ah_request *req, struct ah_error *err)
{
    req->rule.kind = AH_RULE_ENRICHMENT;
    return ah_enrichment_compile(req->json, ah_process_table_mapping, req->app->process,
                                 &req->rule.u.enrichment, err);
}

static int enrichment_store(struct ah_request *req, struct ah_store_tx *tx, struct ah_error *err)
{
    size_t i, n;
    const int64_t *maps = ah_enrichment_mappings(req->rule.u.enrichment, &n);
    int rc;

    /* A table deleted since the rules were compiled must not be used. */
    for (i = 0; i < n; i++) {
        rc = ah_store_tx_mapping_exists(tx, maps[i], err);
        if (rc == AH_ENOTFOUND)
            return ah_error_set(err, AH_EINVAL, "mapping schema \"%lld\" does not exist",
                                (long long)maps[i]);
        if (rc < 0)
            return rc;
    }
    return ah_store_tx_enrichment_set(tx, req->id, ah_enrichment_json(req->rule.u.enrichment), maps,
                                      n, err);
}

static void enrichment_install(struct ah_request *req)
{
    ah_process_table_set_enrichment(req->app->process, req->id, req->rule.u.enrichment);
}

/* ================= alert pipeline ================= */

static int pipeline_compile(struct ah_request *req, struct ah_error *err)
{
    req->rule.kind = AH_RULE_PIPELINE;
    return ah_pipeline_compile(req->json, &req->rule.u.pipeline, err);
}

static int pipeline_store(struct ah_request *req, struct ah_store_tx *tx, struct ah_error *err)
{
    return ah_store_tx_pipeline_set(tx, req->id, ah_pipeline_json(req->rule.u.pipeline), err);
}

static void pipeline_install(struct ah_request *req)
{
    ah_process_table_set_pipeline(req->app->process, req->id, req->rule.u.pipeline);
}

/* ================= one handler for the three ================= */

static const struct kind {
    const char *name;
    const char *empty; /* what GET answers before any PUT */
    int (*compile)(struct ah_request *req, struct ah_error *err);
    int (*store)(struct ah_request *req, struct ah_store_tx *tx, struct ah_error *err);
    void (*install)(struct ah_request *req);
} kinds[] = {
    {"routes", "{\"cases\": [], \"default\": {\"channel_ids\": []}}", routes_compile, routes_store,
     routes_install},
    {"enrichment", "{\"rules\": []}", enrichment_compile, enrichment_store, enrichment_install},
    {"pipeline", "{\"status\": \"enabled\", \"rules\": []}", pipeline_compile, pipeline_store,
     pipeline_install},
};

static int rules_run(struct ah_job *job, struct ah_store_tx *tx, struct ah_reduce *reduce,
                     int64_t now, struct ah_error *err)
{
    struct ah_request *req = ah_request_of(job);
    int rc = ah_store_tx_integration_get(tx, req->id, &req->intg, err);

    (void)reduce;
    (void)now;
    return rc < 0 ? rc : kinds[req->action].store(req, tx, err);
}

static void rules_committed(struct ah_job *job)
{
    struct ah_request *req = ah_request_of(job);

    kinds[req->action].install(req);
}

static enum MHD_Result rules_get(struct ah_request *req)
{
    const struct kind *k = &kinds[req->action];
    struct ah_error err;
    json_t *row = NULL, *doc;
    int rc = ah_store_read_integration_rules(req->app->store, req->id, &row, &err);

    if (rc < 0)
        return ah_respond_failure(req, &err);
    doc = json_object_get(row, k->name);
    doc = doc == NULL || json_is_null(doc) ? json_loads(k->empty, 0, NULL) : json_incref(doc);
    json_decref(row);
    return ah_respond_data(req, 200, doc);
}

static enum MHD_Result rules_finish(struct ah_request *req)
{
    if (req->job.rc < 0)
        return ah_respond_failure(req, &req->job.err);
    return rules_get(req);
}

int ah_admin_integration_rules(struct ah_request *req, int64_t id, const char *action,
                               enum MHD_Result *ret)
{
    struct ah_error err;
    size_t i;

    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]) && strcmp(kinds[i].name, action) != 0; i++)
        ;
    if (i == sizeof(kinds) / sizeof(kinds[0]))
        return 0;
    req->id = id;
    req->action = (int)i;
    if (strcmp(req->method, "GET") == 0) {
        *ret = rules_get(req);
        return 1;
    }
    if (strcmp(req->method, "PUT") != 0) {
        *ret = ah_admin_not_allowed(req);
        return 1;
    }
    if (ah_request_json_object(req, ret) < 0)
        return 1;
    ah_error_clear(&err);
    if (kinds[i].compile(req, &err) < 0) {
        *ret = ah_respond_failure(req, &err);
        return 1;
    }
    req->job.committed = rules_committed;
    *ret = ah_request_submit(req, rules_run, rules_finish);
    return 1;
}
