/* server.c - libmicrohttpd glue. A request's state lives in struct
 * ah_request, created when the request line is read (the URI callback, which
 * sees the URI before libmicrohttpd decodes it) and freed in the completion
 * callback. Once the headers are in, before any body byte is read, the
 * guard's limits apply and the handler's *_begin step authenticates: an
 * unauthenticated client never makes the server buffer a body. Bodies are
 * then collected up to the configured limit, within a budget shared by
 * every request; a larger body is refused with 413, at once when
 * Content-Length says so. */
#include "http/server.h"

#include "http/guard.h"
#include "http/request.h"
#include "http/routes.h"
#include "ingest/adapter.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/hex.h"
#include "util/log.h"

#include <arpa/inet.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PUSH_PREFIX "/event/push/alert/"
/* Idle keep-alive connections (and clients silent mid-request) are closed
 * after this many seconds. */
#define IDLE_TIMEOUT_S 30

struct ah_server {
    struct MHD_Daemon *daemon;
    struct ah_app *app;
    struct ah_guard guard;
    /* Request ids: 16 random hex digits per process, then a sequence, so
     * that an id is unique without a system call per request. */
    char rid_prefix[17];
    atomic_uint_fast64_t rid_seq;
};

/* The URI callback: the request line is read, the headers are not. */
static void *request_new(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct ah_server *srv = cls;
    struct ah_request *req = ah_xcalloc(1, sizeof(*req));

    req->app = srv->app;
    req->conn = conn;
    req->accepted_us = ah_monotonic_us();
    ah_guard_note_uri(req, uri);
    ah_buf_init(&req->body);
    ah_event_list_init(&req->push.events);
    atomic_init(&req->job_done, 0);
    snprintf(req->request_id, sizeof(req->request_id), "%s%016llx", srv->rid_prefix,
             (unsigned long long)atomic_fetch_add(&srv->rid_seq, 1));
    return req;
}

static void request_free(struct ah_request *req)
{
    ah_buf_done(&req->body);
    json_decref(req->json);
    json_decref(req->result);
    ah_free(req->text);
    ah_integration_done(&req->intg);
    ah_event_list_done(&req->push.events);
    ah_free(req->push.routed);
    ah_free(req->push.nrouted);
    ah_free(req->push.verdicts);
    ah_intg_rules_unref(req->push.rules);
    ah_rule_ctx_done(&req->rule);
    ah_free(req);
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    struct ah_server *srv = cls;

    (void)conn;
    (void)toe;
    if (*con_cls != NULL) {
        ah_guard_release(&srv->guard, *con_cls);
        request_free(*con_cls);
    }
    *con_cls = NULL;
}

/* Writer thread: the job's outcome is final; wake the connection. */
static void job_done(struct ah_job *job)
{
    struct ah_request *req = ah_request_of(job);

    atomic_store_explicit(&req->job_done, 1, memory_order_release);
    MHD_resume_connection(req->conn);
}

/* Suspends first, then queues: the writer may finish the job (and resume
 * the connection) before this function returns, and libmicrohttpd only
 * resumes a connection that is suspended. A refused job is finished at
 * once, through @finish like any failed job (so that its refusal is counted
 * where every other one is). */
enum MHD_Result ah_request_submit(struct ah_request *req, ah_job_run_fn run, ah_finish_fn finish)
{
    struct ah_error err;
    int rc;

    req->job.run = run;
    req->job.done = job_done;
    req->finish = finish;
    req->submitted = 1;
    ah_error_clear(&err);
    MHD_suspend_connection(req->conn);
    /* Once queued the job is the writer's: it may already have run (and set
     * job.rc) when this returns, so only a refusal is written here. */
    rc = ah_writer_submit(req->app->writer, &req->job, &err);
    if (rc < 0) {
        req->job.rc = rc;
        req->job.err = err;
        job_done(&req->job);
    }
    return MHD_YES;
}

const char *ah_request_arg(struct ah_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

int ah_request_json_object(struct ah_request *req, enum MHD_Result *ret)
{
    json_error_t jerr;
    char msg[256];

    req->json = json_loadb(ah_buf_str(&req->body), req->body.len, 0, &jerr);
    if (req->json != NULL && json_is_object(req->json))
        return 0;
    if (req->json == NULL)
        snprintf(msg, sizeof(msg), "body is not valid JSON: %s at position %d", jerr.text,
                 jerr.position);
    else
        snprintf(msg, sizeof(msg), "body must be a JSON object");
    *ret = ah_respond_error(req, 400, "InvalidParameter", msg, 0);
    return -1;
}

static int is_push(const char *url)
{
    return strncmp(url, PUSH_PREFIX, strlen(PUSH_PREFIX)) == 0;
}

static int is_admin(const char *url)
{
    return strncmp(url, "/api/v1/", 8) == 0 || strcmp(url, "/api/v1") == 0;
}

/* With the whole body: only pushes and the admin API get this far. */
static enum MHD_Result route(struct ah_request *req)
{
    if (is_push(req->url))
        return ah_handle_push(req);
    return ah_handle_admin(req, req->url + 7);
}

/* Before the body: the handlers' *_begin steps, and the routes that take no
 * body at all, answered at once. Returns 1 with *@ret set when answered. */
static int route_begin(struct ah_request *req, enum MHD_Result *ret)
{
    if (is_push(req->url))
        return ah_push_begin(req, req->url + strlen(PUSH_PREFIX), ret);
    if (ah_handle_openapi(req, req->url, ret))
        return 1;
    if (is_admin(req->url))
        return ah_admin_begin(req, ret);
    if (!ah_handle_ops(req, req->url, ret) && !ah_handle_console(req, req->url, ret))
        *ret = ah_respond_error(req, 404, "RouteNotFound", "no route for this path", 0);
    return 1;
}

static enum MHD_Result too_large(struct ah_request *req)
{
    const char *type = NULL;

    if (is_push(req->url)) {
        const struct ah_adapter *a = ah_adapter_by_path(req->url + strlen(PUSH_PREFIX));

        type = a ? a->type : NULL;
        ah_metrics_push(&req->app->metrics, type, AH_M_ENTITY_TOO_LARGE, 0, 0);
    }
    return ah_respond_error(req, 413, "EntityTooLarge", "request body is over the limit", 0);
}

/* Everything that can be refused without the body. Returns 1 with *@ret
 * set when answered. */
static int begin(struct ah_server *srv, struct ah_request *req, enum MHD_Result *ret)
{
    req->begun = 1;
    if (ah_guard_headers(&srv->guard, req, ret))
        return 1;
    if (req->body_too_large) {
        *ret = too_large(req);
        return 1;
    }
    return route_begin(req, ret) || ah_guard_reserve(&srv->guard, req, ret);
}

static int has_body(struct ah_request *req)
{
    const char *cl = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Content-Length");

    return (cl != NULL && strcmp(cl, "0") != 0) ||
           MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Transfer-Encoding") != NULL;
}

/* First call: headers complete, no body read. A request with a body is
 * judged now, so that a refused body is never read (libmicrohttpd then
 * closes the connection). One without waits for the next call, where an
 * answer keeps the connection alive. */
static enum MHD_Result headers_done(struct ah_server *srv, struct ah_request *req,
                                    const char *method, const char *url)
{
    enum MHD_Result ret = MHD_YES;

    req->headers_done = 1;
    req->method = method;
    req->url = url;
    req->start_us = ah_monotonic_us();
    if (has_body(req) && begin(srv, req, &ret))
        return ret;
    return MHD_YES;
}

static enum MHD_Result access_handler(void *cls, struct MHD_Connection *conn, const char *url,
                                      const char *method, const char *version,
                                      const char *upload_data, size_t *upload_data_size,
                                      void **con_cls)
{
    struct ah_server *srv = cls;
    struct ah_request *req = *con_cls;
    enum MHD_Result ret;

    (void)conn;
    (void)version;
    if (req == NULL)
        return MHD_NO; /* the URI callback runs for every request */
    if (!req->headers_done)
        return headers_done(srv, req, method, url);
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;

        *upload_data_size = 0;
        return ah_guard_body(&srv->guard, req, upload_data, n) < 0 ? MHD_NO : MHD_YES;
    }
    if (req->submitted) {
        if (!atomic_load_explicit(&req->job_done, memory_order_acquire))
            return MHD_YES; /* spurious call while suspended */
        return req->finish(req);
    }
    if (!req->begun && begin(srv, req, &ret))
        return ret;
    if (req->body_too_large)
        return too_large(req);
    if (req->body_over_budget)
        return ah_respond_error(req, 503, "ServiceUnavailable",
                                "the server is receiving too many bodies at once; retry", 1);
    return route(req);
}

static int parse_addr(const struct ah_server_conf *conf, struct sockaddr_storage *ss,
                      struct ah_error *err)
{
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;

    memset(ss, 0, sizeof(*ss));
    if (inet_pton(AF_INET, conf->host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)conf->port);
        return AH_OK;
    }
    if (inet_pton(AF_INET6, conf->host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)conf->port);
        return AH_OK;
    }
    return ah_error_set(err, AH_EINVAL, "listen address \"%s\" is not an IP address", conf->host);
}

/* HTTPS: the PEM pair (already checked by ah_tls_load) and the protocol
 * versions. Fills @opts (at least 4 items); returns the MHD flag to add. */
static unsigned tls_options(const struct ah_tls *tls, struct MHD_OptionItem *opts)
{
    size_t n = 0;

    if (tls != NULL) {
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, tls->cert_pem};
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, tls->key_pem};
        opts[n++] =
            (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)AH_TLS_PRIORITIES};
    }
    opts[n] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    return tls != NULL ? MHD_USE_TLS : 0;
}

int ah_server_start(const struct ah_server_conf *conf, struct ah_app *app, struct ah_server **ret,
                    struct ah_error *err)
{
    struct MHD_OptionItem tls_opts[4];
    struct sockaddr_storage ss;
    struct ah_server *srv;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ERROR_LOG;
    int rc = parse_addr(conf, &ss, err);

    if (rc < 0)
        return rc;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    flags |= tls_options(conf->tls, tls_opts);
    srv = ah_xcalloc(1, sizeof(*srv));
    srv->app = app;
    if (ah_random_hex(8, srv->rid_prefix) < 0)
        snprintf(srv->rid_prefix, sizeof(srv->rid_prefix), "%016llx",
                 (unsigned long long)ah_monotonic_us());
    atomic_init(&srv->rid_seq, 0);
    ah_guard_init(&srv->guard, app->max_body_bytes, conf->body_budget);
    /* The per-address limit keeps one client from taking every connection
     * slot (4096); libmicrohttpd closes the extra ones at accept. */
    srv->daemon = MHD_start_daemon(
        flags, (uint16_t)conf->port, NULL, NULL, access_handler, srv, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&ss, MHD_OPTION_URI_LOG_CALLBACK, request_new, srv,
        MHD_OPTION_NOTIFY_COMPLETED, completed, srv, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)(conf->threads ? conf->threads : 2), MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)IDLE_TIMEOUT_S, MHD_OPTION_CONNECTION_LIMIT, (unsigned)4096,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)(conf->max_connections_per_ip ? conf->max_connections_per_ip : 128),
        MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
    if (srv->daemon == NULL) {
        ah_free(srv);
        return ah_error_set(err, AH_EIO, "could not listen on %s:%u (address in use?)", conf->host,
                            conf->port);
    }
    *ret = srv;
    return AH_OK;
}

void ah_server_quiesce(struct ah_server *srv)
{
    MHD_socket fd = MHD_quiesce_daemon(srv->daemon);

    if (fd != MHD_INVALID_SOCKET)
        close(fd);
}

void ah_server_free(struct ah_server *srv)
{
    if (srv == NULL)
        return;
    MHD_stop_daemon(srv->daemon);
    ah_free(srv);
}
