/* openapi.c - GET /api/v1/openapi.json: the OpenAPI 3.1 description of the
 * push, admin and operations endpoints, built into the binary from
 * docs/openapi.json (build/gen/openapi_json.c). It is answered without a
 * token, before the admin API's authentication: it describes the API and
 * reveals no data (no ids, keys, names or counts), so that tools can fetch
 * it the way they fetch any public API description. */
#include "http/request.h"
#include "http/routes.h"

#include <string.h>

#define OPENAPI_PATH "/api/v1/openapi.json"

extern const char ah_openapi_json[];

static const char *const openapi_headers[] = {"Cache-Control", "no-cache", NULL};

int ah_handle_openapi(struct ah_request *req, const char *path, enum MHD_Result *ret)
{
    if (strcmp(path, OPENAPI_PATH) != 0)
        return 0;
    if (strcmp(req->method, "GET") != 0)
        *ret = ah_respond_error(req, 405, "MethodNotAllowed", "openapi.json takes GET", 0);
    else
        *ret = ah_respond_static(req, 200, "application/json; charset=utf-8", ah_openapi_json,
                                 openapi_headers);
    return 1;
}
