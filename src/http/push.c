/* push.c - POST /event/push/alert/{type}: the monitoring systems' door.
 * Order of checks, cheapest first, and each refusal stores nothing:
 * path -> method -> content type -> integration key -> rate limit (all
 * before the body is read: ah_push_begin) -> body
 * (adapter, overrides, templates, limits) -> the integration layer
 * (enrichment, pipeline, routes to channels). The prepared events then go to
 * the writer, which makes the pipeline's inhibit checks against the open
 * alerts; the 200 leaves only after commit. */
#include "http/request.h"
#include "http/routes.h"
#include "reduce/push.h"

#include "ingest/adapter.h"
#include "ingest/push.h"
#include "process/subject.h"
#include "reduce/reduce.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/log.h"

#include <string.h>

/* Answers a refusal, counted in /metrics and, once the key is known, on
 * the integration's card as @stat. */
static enum MHD_Result refuse_as(struct ah_request *req, enum ah_intg_stat stat,
                                 enum ah_metric_code code, unsigned status, const char *name,
                                 const char *msg, int retry_after)
{
    ah_metrics_push(&req->app->metrics, req->push.type, code, 0, 0);
    if (req->intg.id != 0)
        ah_integrations_count(req->app->integrations, req->intg.id, stat, 1);
    return ah_respond_error(req, status, name, msg, retry_after);
}

static enum MHD_Result refuse(struct ah_request *req, enum ah_metric_code code, unsigned status,
                              const char *name, const char *msg, int retry_after)
{
    enum ah_intg_stat stat = code == AH_M_TOO_FREQUENT  ? AH_STAT_RATE_LIMITED
                             : code == AH_M_UNAVAILABLE ? AH_STAT_UNAVAILABLE
                                                        : AH_STAT_REFUSED_INVALID;

    return refuse_as(req, stat, code, status, name, msg, retry_after);
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

static int64_t alert_open(void *ctx, int64_t channel_id, const char *alert_key)
{
    return ah_reduce_alert_open(ctx, channel_id, alert_key);
}

/* The pipeline's inhibit sources, for reduce/push.c: a source alert that
 * holds event @i back through one of its checks, or 0. */
static int64_t inhibit_held(void *arg, size_t i, struct ah_reduce *reduce, int64_t now)
{
    struct ah_request *req = arg;
    const struct ah_pipeline_verdict *v = req->push.verdicts ? &req->push.verdicts[i] : NULL;
    size_t c;

    for (c = 0; v != NULL && c < v->nchecks; c++) {
        int64_t source =
            ah_pipe_sources_find(req->app->pipe_sources, v->checks[c].key,
                                 req->push.events.items[i].alert_key, now, alert_open, reduce);
        if (source != 0) {
            ah_log(AH_LOG_DEBUG, "request %s: event %zu inhibited by pipeline rule %zu, alert %lld",
                   req->request_id, i, v->checks[c].rule, (long long)source);
            return source;
        }
    }
    return 0;
}

static void inhibit_noted(void *arg, size_t i, int64_t channel_id, int64_t now)
{
    struct ah_request *req = arg;
    struct ah_filter_subject s = ah_event_subject(&req->push.events.items[i], req->intg.id);

    ah_pipe_sources_note(req->app->pipe_sources, req->push.rules->pipeline, &s, channel_id, now);
}

/* Writer thread: the push as reduce/push.c takes it. */
static int push_run(struct ah_job *job, struct ah_store_tx *tx, struct ah_reduce *reduce,
                    int64_t now, struct ah_error *err)
{
    struct ah_request *req = ah_request_of(job);
    struct ah_push_event *events = ah_xcalloc(req->push.events.count + 1, sizeof(*events));
    struct ah_push_inhibit inhibit = {inhibit_held, inhibit_noted, req};
    struct ah_push_batch b = {.integration_id = req->intg.id,
                              .retry_id = req->text,
                              .events = events,
                              .nevents = req->push.events.count,
                              .inhibit =
                                  req->push.rules && req->push.rules->pipeline ? &inhibit : NULL};
    struct ah_push_result res;
    size_t i;
    int rc;

    for (i = 0; i < req->push.events.count; i++)
        events[i] = (struct ah_push_event){.ev = &req->push.events.items[i],
                                           .channels = req->push.routed + i * AH_ROUTE_MAX_CHANNELS,
                                           .nchannels = req->push.nrouted[i],
                                           .dropped = req->push.verdicts != NULL &&
                                                      req->push.verdicts[i].dropped};
    rc = ah_reduce_push(reduce, tx, &b, now, &res, err);
    ah_free(events);
    json_decref(req->result);
    req->result = res.keys;
    req->push.dropped = res.dropped;
    req->push.pipeline_dropped = res.pipeline_dropped;
    req->push.inhibited = res.inhibited;
    req->push.budget_exhausted = res.budget_exhausted;
    return rc;
}

static enum MHD_Result push_finish(struct ah_request *req)
{
    json_t *keys = req->result;

    if (req->job.rc < 0)
        return refuse_err(req, &req->job.err);
    ah_metrics_push(&req->app->metrics, req->push.type, AH_M_OK, (unsigned)req->push.events.count,
                    ah_monotonic_us() - req->start_us);
    atomic_fetch_add_explicit(&req->app->metrics.budget_exhausted[AH_BUDGET_CHANNEL],
                              req->push.budget_exhausted, memory_order_relaxed);
    ah_integrations_count(req->app->integrations, req->intg.id, AH_STAT_EVENTS_ACCEPTED,
                          req->push.events.count - req->push.dropped - req->push.pipeline_dropped -
                              req->push.inhibited);
    ah_integrations_count(req->app->integrations, req->intg.id, AH_STAT_EVENTS_DROPPED,
                          req->push.dropped + req->push.pipeline_dropped);
    ah_integrations_count(req->app->integrations, req->intg.id, AH_STAT_EVENTS_INHIBITED,
                          req->push.inhibited);
    /* The standard type answers exactly Flashduty's shape; vendor adapters
     * may turn one body into several events, so they list every key. */
    if (strcmp(req->push.type, "standard") == 0)
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

/* The key from ?integration_key=, else from the X-Integration-Key header
 * (which keeps the secret out of URLs that proxies log). */
static char *push_key(struct ah_request *req)
{
    const char *key = ah_request_arg(req, "integration_key");

    if (key == NULL)
        key = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "X-Integration-Key");
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
    if (ah_push_prepare(adapter, &in, &ov, &pi, &req->push.events, &err) < 0)
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

/* Lends @b (NULL: takes it back) to every event, for the filters of
 * enrichment, pipeline and routes. */
static void budget_events(struct ah_request *req, struct ah_rule_budget *b)
{
    size_t i;

    for (i = 0; i < req->push.events.count; i++)
        req->push.events.items[i].budget = b;
}

/* The integration layer, in the order spec 7 gives: enrichment on every
 * event, then the pipeline on firing events (it may rewrite, drop, or name
 * inhibit checks for the writer). */
static void process(struct ah_request *req)
{
    const struct ah_intg_rules *rules = req->push.rules;
    size_t i;

    if (rules != NULL && rules->pipeline != NULL)
        req->push.verdicts = ah_xcalloc(req->push.events.count, sizeof(*req->push.verdicts));
    for (i = 0; rules != NULL && i < req->push.events.count; i++) {
        struct ah_event *ev = &req->push.events.items[i];

        if (rules->enrichment != NULL)
            ah_enrichment_apply(rules->enrichment, ev, &req->intg);
        if (rules->pipeline != NULL)
            ah_pipeline_apply(rules->pipeline, ev, &req->intg, &req->push.verdicts[i]);
    }
}

/* The channels of each event: a private integration's own channel, or what
 * a shared integration's routes say. Refuses the request when an event that
 * the pipeline kept reaches no channel: nothing of it is stored. */
static int route(struct ah_request *req, enum MHD_Result *ret)
{
    struct ah_routes *routes = req->push.rules ? req->push.rules->routes : NULL;
    size_t i, n = req->push.events.count;

    req->push.routed = ah_xcalloc(n * AH_ROUTE_MAX_CHANNELS, sizeof(*req->push.routed));
    req->push.nrouted = ah_xcalloc(n, sizeof(*req->push.nrouted));
    for (i = 0; i < n; i++) {
        struct ah_filter_subject s = ah_event_subject(&req->push.events.items[i], req->intg.id);

        if (req->push.verdicts != NULL && req->push.verdicts[i].dropped)
            continue;
        if (req->intg.channel_id != 0) {
            req->push.routed[i * AH_ROUTE_MAX_CHANNELS] = req->intg.channel_id;
            req->push.nrouted[i] = 1;
        } else if (routes != NULL) {
            req->push.nrouted[i] =
                ah_routes_match(routes, &s, ah_process_table_by_name, req->app->process,
                                req->push.routed + i * AH_ROUTE_MAX_CHANNELS);
        }
        if (req->push.nrouted[i] == 0) {
            *ret = refuse_as(req, AH_STAT_REFUSED_NO_ROUTE, AH_M_INVALID_PARAMETER, 400,
                             "InvalidParameter",
                             "no route matched: the event reaches no channel of this shared "
                             "integration",
                             0);
            return -1;
        }
    }
    return 0;
}

/* Everything that needs no body: path, method, content type, key, rate. */
int ah_push_begin(struct ah_request *req, const char *type_path, enum MHD_Result *ret)
{
    const struct ah_adapter *adapter = ah_adapter_by_path(type_path);

    req->push.adapter = adapter;
    req->push.type = adapter ? adapter->type : NULL;
    if (adapter == NULL)
        *ret = refuse(req, AH_M_ROUTE_NOT_FOUND, 404, "RouteNotFound",
                      "unrecognized integration type in the push path", 0);
    else if (strcmp(req->method, "POST") != 0)
        *ret = refuse(req, AH_M_METHOD_NOT_ALLOWED, 405, "MethodNotAllowed",
                      "the push API takes POST only", 0);
    else if (!is_json(MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Content-Type")))
        *ret = refuse(req, AH_M_INVALID_CONTENT_TYPE, 400, "InvalidContentType",
                      "Content-Type must be application/json", 0);
    else if (authenticate(req, adapter, ret) == 0)
        return 0;
    return 1;
}

/* Runs after ah_push_begin() admitted the request, with the whole body. */
enum MHD_Result ah_handle_push(struct ah_request *req)
{
    struct ah_rule_budget budget;
    enum MHD_Result ret;
    int rc;

    if (prepare(req, req->push.adapter, &ret) < 0)
        return ret;
    req->push.rules = ah_process_table_get(req->app->process, req->intg.id);
    /* Every event of the request may spend the per-event budget. */
    ah_rule_budget_start(&budget, AH_EVENT_RULE_NS * (int64_t)req->push.events.count);
    budget_events(req, &budget);
    process(req);
    rc = route(req, &ret);
    budget_events(req, NULL);
    if (budget.exhausted) {
        atomic_fetch_add_explicit(&req->app->metrics.budget_exhausted[AH_BUDGET_INTEGRATION], 1,
                                  memory_order_relaxed);
        ah_log(AH_LOG_WARN,
               "request %s: the integration's rules used up their CPU budget; the rules left "
               "did not match",
               req->request_id);
    }
    if (rc < 0)
        return ret;
    /* The writer binds the labels' text; it does not serialize them. */
    for (size_t i = 0; i < req->push.events.count; i++)
        ah_event_seal(&req->push.events.items[i]);
    return ah_request_submit(req, push_run, push_finish);
}
