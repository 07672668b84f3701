/* push.c - POST /event/push/alert/{type}: the monitoring systems' door.
 * Order of checks, cheapest first, and each refusal stores nothing:
 * path -> method -> content type -> integration key -> rate limit -> body
 * (adapter, overrides, templates, limits) -> route to a channel. The
 * prepared events then go to the writer; the 200 leaves only after commit. */
#include "http/request.h"
#include "http/routes.h"

#include "ingest/adapter.h"
#include "ingest/push.h"
#include "reduce/reduce.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/log.h"

#include <string.h>

/* The integration's card counts each refusal once its key is known. */
static void count_refusal(struct ah_request *req, enum ah_metric_code code, const char *msg)
{
    enum ah_intg_stat stat = AH_STAT_REFUSED_INVALID;

    if (req->intg.id == 0)
        return;
    if (code == AH_M_TOO_FREQUENT)
        stat = AH_STAT_RATE_LIMITED;
    else if (code == AH_M_UNAVAILABLE)
        stat = AH_STAT_UNAVAILABLE;
    else if (strncmp(msg, "no route matched", 16) == 0)
        stat = AH_STAT_REFUSED_NO_ROUTE;
    ah_integrations_count(req->app->integrations, req->intg.id, stat, 1);
}

static enum MHD_Result refuse(struct ah_request *req, enum ah_metric_code code, unsigned status,
                              const char *name, const char *msg, int retry_after)
{
    ah_metrics_push(&req->app->metrics, req->push_type, code, 0, 0);
    count_refusal(req, code, msg);
    return ah_respond_error(req, status, name, msg, retry_after);
}

static enum MHD_Result refuse_err(struct ah_request *req, const struct ah_error *err)
{
    if (err->code == AH_ESTORE || err->code == AH_EBUSY) {
        ah_log(AH_LOG_WARN, "request %s: push not stored: %s", req->request_id, err->msg);
        return refuse(req, AH_M_UNAVAILABLE, 503, "ServiceUnavailable", err->msg, 1);
    }
    if (err->code == AH_EINVAL || err->code == AH_ELIMIT)
        return refuse(req, AH_M_INVALID_PARAMETER, 400, "InvalidParameter", err->msg, 0);
    ah_log(AH_LOG_ERROR, "request %s: %s", req->request_id, err->msg);
    return refuse(req, AH_M_INTERNAL, 500, "InternalError", err->msg, 0);
}

static int is_json(const char *ct)
{
    size_t n = strlen("application/json");

    return ct != NULL && strncasecmp(ct, "application/json", n) == 0 &&
           (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static const char *header(void *ctx, const char *name)
{
    return MHD_lookup_connection_value(ctx, MHD_HEADER_KIND, name);
}

/* ================= the writer's part ================= */

/* Writer thread: a retry seen before answers what it answered then; else
 * every event is reduced into the integration's channel. */
static int push_run(struct ah_job *job, struct ah_store_tx *tx, struct ah_reduce *reduce,
                    int64_t now, struct ah_error *err)
{
    struct ah_request *req = ah_request_of(job);
    json_t *keys = json_array(), *seen = NULL;
    size_t i;
    int rc = AH_OK;

    if (req->text != NULL) {
        rc = ah_store_tx_retry_find(tx, req->intg.id, req->text, &seen, err);
        if (rc < 0 || seen != NULL)
            goto out;
    }
    for (i = 0; rc == AH_OK && i < req->events.count; i++) {
        const int64_t *channels = req->routed + i * AH_ROUTE_MAX_CHANNELS;
        size_t c;

        /* One alert per channel the event reaches (spec 12). */
        for (c = 0; rc == AH_OK && c < req->nrouted[i]; c++) {
            struct ah_reduce_input in = {.ev = &req->events.items[i],
                                         .channel_id = channels[c],
                                         .integration_id = req->intg.id,
                                         .now = now};
            enum ah_reduce_outcome outcome;

            rc = ah_reduce_event(reduce, tx, &in, &outcome, err);
            req->dropped += outcome == AH_REDUCE_DROPPED;
        }
        json_array_append_new(keys, json_string(req->events.items[i].alert_key));
    }
    if (rc == AH_OK)
        rc = ah_store_tx_integration_touch(tx, req->intg.id, now, err);
    if (rc == AH_OK && req->text != NULL)
        rc = ah_store_tx_retry_insert(tx, req->intg.id, req->text, keys, now, err);
out:
    req->result = seen ? seen : json_incref(keys);
    json_decref(keys);
    return rc;
}

static enum MHD_Result push_finish(struct ah_request *req)
{
    json_t *keys = req->result;

    if (req->job.rc < 0)
        return refuse_err(req, &req->job.err);
    ah_metrics_push(&req->app->metrics, req->push_type, AH_M_OK, (unsigned)req->events.count,
                    ah_monotonic_us() - req->start_us);
    ah_integrations_count(req->app->integrations, req->intg.id, AH_STAT_EVENTS_ACCEPTED,
                          req->events.count - req->dropped);
    ah_integrations_count(req->app->integrations, req->intg.id, AH_STAT_EVENTS_DROPPED,
                          req->dropped);
    /* The standard type answers exactly Flashduty's shape; vendor adapters
     * may turn one body into several events, so they list every key. */
    if (strcmp(req->push_type, "standard") == 0)
        return ah_respond_data(req, 200, json_pack("{sO}", "alert_key", json_array_get(keys, 0)));
    return ah_respond_data(
        req, 200, json_pack("{sOsO}", "alert_key", json_array_get(keys, 0), "alert_keys", keys));
}

/* ================= the HTTP thread's part ================= */

/* Flashduty's docs once wrote "?integration_key=K?severity=Info": a second
 * '?' where '&' belongs. Such a URL arrives as one integration_key value; the
 * key is what precedes the '?', and the rest is read as more arguments.
 * Returns a new string (ah_free) or NULL. */
static char *push_arg(struct ah_request *req, const char *name)
{
    const char *v = ah_request_arg(req, name), *key, *p;
    size_t n = strlen(name);

    if (v != NULL)
        return ah_xstrdup(v);
    key = ah_request_arg(req, "integration_key");
    p = key ? strchr(key, '?') : NULL;
    while (p != NULL) {
        p++;
        if (strncmp(p, name, n) == 0 && p[n] == '=')
            return ah_xstrndup(p + n + 1, strcspn(p + n + 1, "&?"));
        p = strpbrk(p, "&?");
    }
    return NULL;
}

static char *push_key(struct ah_request *req)
{
    const char *key = ah_request_arg(req, "integration_key");

    return key ? ah_xstrndup(key, strcspn(key, "?")) : NULL;
}

/* Parses and prepares the events; answers and returns -1 on refusal. */
static int prepare(struct ah_request *req, const struct ah_adapter *adapter, enum MHD_Result *ret)
{
    struct ah_push_input in = {.header = header, .header_ctx = req->conn};
    char *severity = push_arg(req, "severity"), *title_rule = push_arg(req, "title_rule");
    struct ah_push_overrides ov = {.severity = severity, .title_rule = title_rule};
    struct ah_push_integration pi = {req->intg.id, req->intg.name, req->intg.type};
    struct ah_error err;
    json_error_t jerr;
    int rc = -1;

    ah_error_clear(&err);
    req->json = json_loadb(ah_buf_str(&req->body), req->body.len, 0, &jerr);
    if (req->json == NULL) {
        ah_error_set(&err, AH_EINVAL, "body is not valid JSON: %s at position %d", jerr.text,
                     jerr.position);
        goto out;
    }
    in.body = req->json;
    if (ah_push_prepare(adapter, &in, &ov, &pi, &req->events, &err) < 0)
        goto out;
    if (adapter->retry_id != NULL)
        req->text = adapter->retry_id(&in);
    rc = 0;
out:
    if (rc < 0)
        *ret = refuse_err(req, &err);
    ah_free(severity);
    ah_free(title_rule);
    return rc;
}

/* The integration behind ?integration_key=, of this adapter's type. */
static int authenticate(struct ah_request *req, const struct ah_adapter *adapter,
                        enum MHD_Result *ret)
{
    char *key = push_key(req);
    struct ah_error err;
    int retry_after = 1, found;

    found = key != NULL && key[0] != '\0' &&
            ah_integrations_find_key(req->app->integrations, key, &req->intg) == AH_OK;
    ah_free(key);
    if (!found) {
        *ret = refuse(req, AH_M_INVALID_PARAMETER, 400, "InvalidParameter",
                      "integration_key is not a valid one", 0);
        return -1;
    }
    if (strcmp(req->intg.type, adapter->type) != 0) {
        *ret = refuse(req, AH_M_INVALID_PARAMETER, 400, "InvalidParameter",
                      "integration_key belongs to an integration of another type", 0);
        return -1;
    }
    ah_error_clear(&err);
    if (ah_integrations_admit(req->app->integrations, req->intg.id, ah_now_ms(), &retry_after,
                              &err) < 0) {
        *ret = refuse(req, AH_M_TOO_FREQUENT, 429, "RequestTooFrequently", err.msg, retry_after);
        return -1;
    }
    return 0;
}

/* The channels of each event: a private integration's own channel, or what
 * a shared integration's routes say. Refuses the request when an event
 * reaches no channel: nothing of it is stored. */
static int route(struct ah_request *req, enum MHD_Result *ret)
{
    struct ah_routes *routes = NULL;
    size_t i, n = req->events.count;

    req->routed = ah_xcalloc(n * AH_ROUTE_MAX_CHANNELS, sizeof(*req->routed));
    req->nrouted = ah_xcalloc(n, sizeof(*req->nrouted));
    if (req->intg.channel_id == 0)
        routes = ah_route_table_get(req->app->routes, req->intg.id);
    for (i = 0; i < n; i++) {
        const struct ah_event *ev = &req->events.items[i];
        struct ah_filter_subject s = {.severity = ah_severity_name(ev->severity),
                                      .title = ev->title,
                                      .description = ev->description,
                                      .alert_key = ev->alert_key,
                                      .integration_id = req->intg.id,
                                      .labels = ev->labels};

        if (req->intg.channel_id != 0) {
            req->routed[i * AH_ROUTE_MAX_CHANNELS] = req->intg.channel_id;
            req->nrouted[i] = 1;
        } else if (routes != NULL) {
            req->nrouted[i] = ah_routes_match(routes, &s, ah_route_table_by_name, req->app->routes,
                                              req->routed + i * AH_ROUTE_MAX_CHANNELS);
        }
        if (req->nrouted[i] == 0)
            break;
    }
    ah_routes_unref(routes);
    if (i == n)
        return 0;
    *ret = refuse(req, AH_M_INVALID_PARAMETER, 400, "InvalidParameter",
                  "no route matched: the event reaches no channel of this shared integration", 0);
    return -1;
}

enum MHD_Result ah_handle_push(struct ah_request *req, const char *type_path)
{
    const struct ah_adapter *adapter = ah_adapter_by_path(type_path);
    enum MHD_Result ret;

    req->push_type = adapter ? adapter->type : NULL;
    if (adapter == NULL)
        return refuse(req, AH_M_ROUTE_NOT_FOUND, 404, "RouteNotFound",
                      "unrecognized integration type in the push path", 0);
    if (strcmp(req->method, "POST") != 0)
        return refuse(req, AH_M_METHOD_NOT_ALLOWED, 405, "MethodNotAllowed",
                      "the push API takes POST only", 0);
    if (!is_json(MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Content-Type")))
        return refuse(req, AH_M_INVALID_CONTENT_TYPE, 400, "InvalidContentType",
                      "Content-Type must be application/json", 0);
    if (authenticate(req, adapter, &ret) < 0 || prepare(req, adapter, &ret) < 0 ||
        route(req, &ret) < 0)
        return ret;
    return ah_request_submit(req, push_run, push_finish);
}
