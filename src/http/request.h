/* request.h - one HTTP request's state, from the first byte to the
 * response, and the helpers handlers answer with. Handlers either answer at
 * once (ah_respond_*) or hand a job to the writer (ah_request_submit): the
 * connection is then suspended, and resumed by the writer once the job's
 * outcome is durable, when @finish builds the answer. Private to src/http/. */
#ifndef AH_HTTP_REQUEST_H
#define AH_HTTP_REQUEST_H

#include "http/app.h"
#include "model/event.h"
#include "model/integration.h"
#include "reduce/writer.h"
#include "util/buf.h"
#include "util/error.h"

#include <jansson.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct ah_request;
struct ah_adapter;

/* Builds the response once the writer has finished the job. */
typedef enum MHD_Result (*ah_finish_fn)(struct ah_request *req);

/* A push's state, from its checks to its answer (push.c). */
struct ah_push_ctx {
    const char *type; /* the adapter's type, for the metrics */
    const struct ah_adapter *adapter;
    struct ah_event_list events;
    int64_t *routed;                      /* per event, AH_ROUTE_MAX_CHANNELS channel ids */
    size_t *nrouted;                      /* per event, how many of them */
    struct ah_intg_rules *rules;          /* the integration's rules for this push (a reference) */
    struct ah_pipeline_verdict *verdicts; /* per event, or NULL without a pipeline */
    size_t dropped;                       /* (event, channel) pairs a drop rule held back */
    size_t pipeline_dropped;              /* events an alert_drop rule discarded */
    size_t inhibited;                     /* events an alert_inhibit rule discarded */
    size_t budget_exhausted;              /* events whose channel rules ran out of budget */
};

/* A rule compiled on the HTTP thread, on its way to the reducer or the
 * process table, which take it in the writer's job (then the request no
 * longer holds it). */
enum ah_rule_kind {
    AH_RULE_NONE = 0,
    AH_RULE_GROUPING,
    AH_RULE_FLAPPING,
    AH_RULE_SILENCE,
    AH_RULE_INHIBIT,
    AH_RULE_ESCALATIONS,
    AH_RULE_ROUTES,
    AH_RULE_ENRICHMENT,
    AH_RULE_PIPELINE,
    AH_RULE_MAPPING,
    AH_RULE_UPLOAD, /* a mapping table's CSV rows (admin_mappings.c) */
};

struct ah_mapping_upload;

struct ah_rule_ctx {
    enum ah_rule_kind kind;
    union {
        struct ah_grouping *grouping;
        struct ah_flapping *flapping;
        struct ah_silence *silence;
        struct ah_inhibit *inhibit;
        struct ah_escalations *escalations;
        struct ah_routes *routes;
        struct ah_enrichment *enrichment;
        struct ah_pipeline *pipeline;
        struct ah_mapping *mapping;
        struct ah_mapping_upload *upload;
    } u;
    int64_t sub_id; /* a rule id under a channel, an override under a schedule */
};

/* Frees what @rule still holds (request clean-up). */
void ah_rule_ctx_done(struct ah_rule_ctx *rule);

struct ah_request {
    struct ah_app *app;
    struct MHD_Connection *conn;
    char request_id[33];
    const char *method;
    const char *url;
    int64_t accepted_us; /* request line read (the URI callback) */
    int64_t start_us;    /* headers complete (the first access-handler call) */
    int headers_done;    /* the first access-handler call has run */
    int begun;           /* the checks before the body have run */
    size_t raw_uri_len;  /* the URI as sent, before libmicrohttpd decoded it */
    int raw_path_bad;    /* the raw path holds %2f or %00 */
    struct ah_buf body;
    uint64_t received;    /* body bytes seen, also those not kept */
    size_t reserved;      /* bytes of the server's body budget this request holds */
    int body_too_large;   /* over --max-body-bytes: the rest is read and dropped */
    int body_over_budget; /* over the server's body budget: likewise, then 503 */
    /* Set when a job was submitted; the writer sets job_done (release) before
     * resuming the connection. */
    int submitted;
    atomic_int job_done;
    struct ah_job job;
    ah_finish_fn finish;
    /* Handler scratch, freed with the request. */
    int64_t id;
    int action; /* an incident action, an index into its handler's table */
    json_t *json;
    json_t *result;
    char *text;
    struct ah_integration intg; /* the push's integration, or the one being edited */
    struct ah_push_ctx push;    /* push.c only */
    struct ah_rule_ctx rule;    /* the admin handlers of rules only */
};

/* The request a writer job is embedded in. */
static inline struct ah_request *ah_request_of(struct ah_job *job)
{
    return (struct ah_request *)((char *)job - offsetof(struct ah_request, job));
}

/* Sends {request_id, data: @data} with @status; steals @data. */
enum MHD_Result ah_respond_data(struct ah_request *req, unsigned status, json_t *data);
/* The same with extra @headers: name, value pairs ending in NULL. */
enum MHD_Result ah_respond_data_with(struct ah_request *req, unsigned status, json_t *data,
                                     const char *const *headers);
/* Sends {request_id, error: {code, message}}. @retry_after > 0 adds the
 * Retry-After header. */
enum MHD_Result ah_respond_error(struct ah_request *req, unsigned status, const char *code,
                                 const char *message, int retry_after);
/* Maps an ah_error from a lower layer to the API's status and code. */
enum MHD_Result ah_respond_failure(struct ah_request *req, const struct ah_error *err);
/* Sends @body (borrowed; must outlive the response, e.g. a built-in asset)
 * as @content_type, with extra @headers: name, value pairs ending in NULL
 * (may be NULL). */
enum MHD_Result ah_respond_static(struct ah_request *req, unsigned status, const char *content_type,
                                  const char *body, const char *const *headers);
/* Sends @body (a new string, stolen) as @content_type. */
enum MHD_Result ah_respond_text(struct ah_request *req, unsigned status, const char *content_type,
                                char *body);

/* Queues req->job with @run; answers 503 at once when the queue is full.
 * Otherwise suspends the connection and returns MHD_YES; @finish answers
 * after the job. */
enum MHD_Result ah_request_submit(struct ah_request *req, ah_job_run_fn run, ah_finish_fn finish);

/* The request's query argument @name, or NULL. */
const char *ah_request_arg(struct ah_request *req, const char *name);

/* Parses the body as a JSON object into req->json; answers 400 itself and
 * returns -1 when it is not one. */
int ah_request_json_object(struct ah_request *req, enum MHD_Result *ret);

#endif
