/* routes.h - the handlers behind each path (private to src/http/). */
#ifndef AH_HTTP_ROUTES_H
#define AH_HTTP_ROUTES_H

#include "http/request.h"

/* Handlers run in two steps. The *_begin step runs once the headers are in,
 * before any body byte is read: it refuses what needs no body to refuse
 * (wrong key or token, method, content type), so that an unauthenticated
 * client never makes the server buffer a body. It returns 1 with *@ret set
 * when it answered, else 0. The handler proper runs with the whole body. */

/* POST /event/push/alert/{type}: @type_path is what follows the prefix. */
int ah_push_begin(struct ah_request *req, const char *type_path, enum MHD_Result *ret);
enum MHD_Result ah_handle_push(struct ah_request *req);
/* /api/v1/...: the bearer token. */
int ah_admin_begin(struct ah_request *req, enum MHD_Result *ret);
/* /api/v1/...: @path is what follows "/api/v1". */
enum MHD_Result ah_handle_admin(struct ah_request *req, const char *path);
/* /healthz, /readyz, /metrics; MHD_NO-free: returns 0 when @path is none. */
int ah_handle_ops(struct ah_request *req, const char *path, enum MHD_Result *ret);
/* GET /api/v1/openapi.json, without a token; 0 when @path is another. */
int ah_handle_openapi(struct ah_request *req, const char *path, enum MHD_Result *ret);
/* One file of the web console, built into the binary from web/ by
 * scripts/embed-web.sh (build/gen/web_assets.c); the table ends with a row of
 * NULLs. */
struct ah_web_asset {
    const char *path;
    const char *content_type;
    const char *body;
};
extern const struct ah_web_asset ah_web_assets[];
/* GET / and /NAME of each web/ file: the console; 0 when @path is none. */
int ah_handle_console(struct ah_request *req, const char *path, enum MHD_Result *ret);

#endif
