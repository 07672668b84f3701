/* respond.c - the response envelope (api.md): {request_id, data} or
 * {request_id, error{code, message}}, the request id also in X-Request-Id. */
#include "http/request.h"

#include "util/alloc.h"
#include "util/text.h"

#include <stdio.h>
#include <string.h>

/* Headers every response carries: the request id, and nosniff so that no
 * browser reads a JSON error quoting client input as HTML or script. */
static void common_headers(struct ah_request *req, struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "X-Request-Id", req->request_id);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
}

enum MHD_Result ah_respond_static(struct ah_request *req, unsigned status, const char *content_type,
                                  const char *body, const char *const *headers)
{
    struct MHD_Response *resp;
    enum MHD_Result rc;
    size_t i;

    resp = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
    if (resp == NULL)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", content_type);
    common_headers(req, resp);
    for (i = 0; headers != NULL && headers[i] != NULL; i += 2)
        MHD_add_response_header(resp, headers[i], headers[i + 1]);
    rc = MHD_queue_response(req->conn, status, resp);
    MHD_destroy_response(resp);
    return rc;
}

enum MHD_Result ah_respond_text(struct ah_request *req, unsigned status, const char *content_type,
                                char *body)
{
    struct MHD_Response *resp;
    enum MHD_Result rc;

    /* MHD frees the buffer with free(): body came from malloc (jansson or
     * ah_buf). */
    resp = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
    if (resp == NULL) {
        ah_free(body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", content_type);
    common_headers(req, resp);
    rc = MHD_queue_response(req->conn, status, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* The answer when the real one could not be built (jansson refused a value
 * or memory ran out): still the envelope, from a stack buffer, never a
 * dropped connection. The request id is hex, safe inside JSON. */
static enum MHD_Result respond_fallback(struct ah_request *req)
{
    char body[160];
    struct MHD_Response *resp;
    enum MHD_Result rc;

    snprintf(body, sizeof(body),
             "{\"request_id\":\"%s\",\"error\":{\"code\":\"InternalError\","
             "\"message\":\"could not build the response\"}}",
             req->request_id);
    resp = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_COPY);
    if (resp == NULL)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
    common_headers(req, resp);
    rc = MHD_queue_response(req->conn, 500, resp);
    MHD_destroy_response(resp);
    return rc;
}

static enum MHD_Result respond_json(struct ah_request *req, unsigned status, json_t *body,
                                    int retry_after, const char *const *headers)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    struct MHD_Response *resp;
    enum MHD_Result rc;
    char ra[16];
    size_t i;

    json_decref(body);
    if (text == NULL)
        return respond_fallback(req);
    resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (resp == NULL) {
        ah_free(text);
        return respond_fallback(req);
    }
    MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
    common_headers(req, resp);
    if (retry_after > 0) {
        snprintf(ra, sizeof(ra), "%d", retry_after);
        MHD_add_response_header(resp, "Retry-After", ra);
    }
    for (i = 0; headers != NULL && headers[i] != NULL; i += 2)
        MHD_add_response_header(resp, headers[i], headers[i + 1]);
    rc = MHD_queue_response(req->conn, status, resp);
    MHD_destroy_response(resp);
    return rc;
}

enum MHD_Result ah_respond_data(struct ah_request *req, unsigned status, json_t *data)
{
    return ah_respond_data_with(req, status, data, NULL);
}

enum MHD_Result ah_respond_data_with(struct ah_request *req, unsigned status, json_t *data,
                                     const char *const *headers)
{
    return respond_json(
        req, status, json_pack("{ssso}", "request_id", req->request_id, "data", data), 0, headers);
}

/* Messages may quote the request (a JSON parse error quotes the bytes where
 * it stopped, possibly half a character); json_pack refuses invalid UTF-8. */
enum MHD_Result ah_respond_error(struct ah_request *req, unsigned status, const char *code,
                                 const char *message, int retry_after)
{
    char *scrubbed = ah_utf8_valid(message) ? NULL : ah_utf8_scrub(message);
    json_t *body = json_pack("{ss s{ssss}}", "request_id", req->request_id, "error", "code", code,
                             "message", scrubbed ? scrubbed : message);

    ah_free(scrubbed);
    return respond_json(req, status, body, retry_after, NULL);
}

enum MHD_Result ah_respond_failure(struct ah_request *req, const struct ah_error *err)
{
    switch (err->code) {
    case AH_EINVAL:
        return ah_respond_error(req, 400, "InvalidParameter", err->msg, 0);
    case AH_ELIMIT:
        return ah_respond_error(req, 400, "InvalidParameter", err->msg, 0);
    case AH_ENOTFOUND:
        return ah_respond_error(req, 404, "ResourceNotFound", err->msg, 0);
    case AH_ECONFLICT:
        return ah_respond_error(req, 409, "Conflict", err->msg, 0);
    case AH_EBUSY:
    case AH_ESTORE:
        return ah_respond_error(req, 503, "ServiceUnavailable", err->msg, 1);
    default:
        return ah_respond_error(req, 500, "InternalError", err->msg, 0);
    }
}
