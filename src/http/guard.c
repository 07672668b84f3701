/* guard.c - see guard.h. Everything here answers with the JSON envelope
 * while libmicrohttpd still lets the handler answer (headers complete, no
 * body read). What libmicrohttpd 0.9.75 refuses before our handler runs
 * gets its own built-in body (HTML, or none), which no option replaces:
 *   - a request line or header block over its read buffer (32 KiB): 414/431;
 *     below that size our own limits answer JSON 414/431 first;
 *   - a Content-Length that is not a number or overflows 64 bits: 400/413;
 *   - malformed chunked encoding: 400;
 *   - a request line that is not HTTP at all: 400.
 * Once a body is being read libmicrohttpd cannot queue a response until it
 * is complete, so a client too slow mid-body is cut off, not answered. */
#include "http/guard.h"

#include "util/clock.h"
#include "util/log.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_URI_BYTES      8192
#define MAX_HEADER_BYTES   16384
#define DEFAULT_BUDGET     ((size_t)64 << 20)
#define HEADERS_TIMEOUT_US (10 * 1000000LL) /* request line to last header */
#define REQUEST_TIMEOUT_US (60 * 1000000LL) /* request line to last body byte */
#define BODY_GRACE_US      (5 * 1000000LL)  /* before the minimum rate applies */
#define BODY_MIN_RATE      1024             /* bytes per second, after the grace */

void ah_guard_init(struct ah_guard *g, size_t max_body_bytes, size_t body_budget)
{
    g->max_body_bytes = max_body_bytes;
    g->body_budget = body_budget ? body_budget : DEFAULT_BUDGET;
    atomic_init(&g->reserved, 0);
}

/* ================= the raw URI ================= */

static int is_hex_pair(const char *p, char hi, char lo)
{
    return p[0] == hi && (p[1] == lo || p[1] == (lo | 0x20));
}

void ah_guard_note_uri(struct ah_request *req, const char *uri)
{
    size_t path_len = strcspn(uri, "?");
    size_t i;

    req->raw_uri_len = strlen(uri);
    /* libmicrohttpd decodes the path before routing sees it: an encoded '/'
     * would let "/api%2fv1" reach a route its prefix check did not see,
     * and %00 would cut the path short in every C string. */
    for (i = 0; i + 2 < path_len; i++) {
        if (uri[i] == '%' &&
            (is_hex_pair(uri + i + 1, '2', 'F') || is_hex_pair(uri + i + 1, '0', '0')))
            req->raw_path_bad = 1;
    }
}

/* ================= headers ================= */

struct header_scan {
    unsigned content_length;
    unsigned transfer_encoding;
    size_t bytes;
};

static enum MHD_Result scan_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    struct header_scan *scan = cls;

    (void)kind;
    scan->bytes += strlen(key) + (value ? strlen(value) : 0) + 4; /* ": " and CRLF */
    if (strcasecmp(key, "Content-Length") == 0)
        scan->content_length++;
    else if (strcasecmp(key, "Transfer-Encoding") == 0)
        scan->transfer_encoding++;
    return MHD_YES;
}

static enum MHD_Result refuse(struct ah_request *req, unsigned status, const char *code,
                              const char *msg)
{
    return ah_respond_error(req, status, code, msg, 0);
}

/* A body's length must be unambiguous: two Content-Length headers, or one
 * beside Transfer-Encoding, are how requests are smuggled past proxies that
 * read the other one. */
static int check_framing(struct ah_request *req, const struct header_scan *scan,
                         enum MHD_Result *ret)
{
    if (scan->content_length > 1)
        *ret = refuse(req, 400, "InvalidParameter", "more than one Content-Length header");
    else if (scan->transfer_encoding > 1 || (scan->transfer_encoding && scan->content_length))
        *ret = refuse(req, 400, "InvalidParameter",
                      "Transfer-Encoding with Content-Length, or given twice");
    else
        return 0;
    return 1;
}

static int declared_too_large(struct ah_guard *g, struct ah_request *req)
{
    const char *cl = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Content-Length");

    return cl != NULL && strtoull(cl, NULL, 10) > g->max_body_bytes;
}

int ah_guard_headers(struct ah_guard *g, struct ah_request *req, enum MHD_Result *ret)
{
    struct header_scan scan = {0, 0, 0};

    MHD_get_connection_values(req->conn, MHD_HEADER_KIND, scan_header, &scan);
    if (req->raw_path_bad)
        *ret = refuse(req, 400, "InvalidParameter",
                      "the path must not contain an encoded '/' (%2F) or NUL (%00)");
    else if (req->raw_uri_len > MAX_URI_BYTES)
        *ret = refuse(req, 414, "URITooLong", "the request URI is over 8192 bytes");
    else if (scan.bytes > MAX_HEADER_BYTES)
        *ret = refuse(req, 431, "HeadersTooLarge", "the request headers are over 16384 bytes");
    else if (check_framing(req, &scan, ret))
        return 1;
    else if (declared_too_large(g, req)) {
        req->body_too_large = 1;
        return 0; /* the caller answers 413, counted per push type */
    } else if (req->start_us - req->accepted_us > HEADERS_TIMEOUT_US)
        *ret = refuse(req, 408, "RequestTimeout", "the request headers took too long");
    else
        return 0;
    return 1;
}

/* ================= the body budget ================= */

static int take(struct ah_guard *g, struct ah_request *req, size_t n)
{
    size_t before = atomic_fetch_add(&g->reserved, n);

    if (before + n > g->body_budget) {
        atomic_fetch_sub(&g->reserved, n);
        return 0;
    }
    req->reserved += n;
    return 1;
}

void ah_guard_release(struct ah_guard *g, struct ah_request *req)
{
    atomic_fetch_sub(&g->reserved, req->reserved);
    req->reserved = 0;
}

int ah_guard_reserve(struct ah_guard *g, struct ah_request *req, enum MHD_Result *ret)
{
    const char *cl = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Content-Length");
    unsigned long long n = cl ? strtoull(cl, NULL, 10) : 0;

    if (n == 0 || take(g, req, (size_t)n))
        return 0;
    ah_log(AH_LOG_WARN, "request %s: body budget of %zu bytes spent, refused", req->request_id,
           g->body_budget);
    *ret = ah_respond_error(req, 503, "ServiceUnavailable",
                            "the server is receiving too many bodies at once; retry", 1);
    return 1;
}

/* ================= the body ================= */

/* Slow clients hold a connection (and its buffer) for nothing: after a
 * grace period the body must average BODY_MIN_RATE, and the whole request
 * must be in within REQUEST_TIMEOUT_US. A body complete as declared passes. */
static int too_slow(struct ah_request *req, int64_t now)
{
    const char *cl = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Content-Length");
    int64_t since_headers = now - req->start_us;

    if (cl != NULL && req->received >= strtoull(cl, NULL, 10))
        return 0;
    if (now - req->accepted_us > REQUEST_TIMEOUT_US)
        return 1;
    return since_headers > BODY_GRACE_US &&
           req->received < (uint64_t)((since_headers - BODY_GRACE_US) / 1000000 * BODY_MIN_RATE);
}

static void drop_body(struct ah_guard *g, struct ah_request *req)
{
    ah_buf_done(&req->body);
    ah_guard_release(g, req);
}

int ah_guard_body(struct ah_guard *g, struct ah_request *req, const char *data, size_t n)
{
    int64_t now = ah_monotonic_us();

    req->received += n;
    if (too_slow(req, now)) {
        ah_log(AH_LOG_INFO, "request %s: body too slow (%llu bytes in %lld ms), closed",
               req->request_id, (unsigned long long)req->received,
               (long long)((now - req->start_us) / 1000));
        return -1;
    }
    if (req->body_too_large || req->body_over_budget)
        return 0;
    if (req->body.len + n > g->max_body_bytes) {
        req->body_too_large = 1;
        drop_body(g, req);
    } else if (req->body.len + n > req->reserved &&
               !take(g, req, req->body.len + n - req->reserved)) {
        req->body_over_budget = 1;
        drop_body(g, req);
    } else {
        ah_buf_append(&req->body, data, n);
    }
    return 0;
}
