/* routes.h - the handlers behind each path (private to src/http/). */
#ifndef AH_HTTP_ROUTES_H
#define AH_HTTP_ROUTES_H

#include "http/request.h"

/* POST /event/push/alert/{type}: @type_path is what follows the prefix. */
enum MHD_Result ah_handle_push(struct ah_request *req, const char *type_path);
/* /api/v1/...: @path is what follows "/api/v1". */
enum MHD_Result ah_handle_admin(struct ah_request *req, const char *path);
/* /healthz, /readyz, /metrics; MHD_NO-free: returns 0 when @path is none. */
int ah_handle_ops(struct ah_request *req, const char *path, enum MHD_Result *ret);
/* GET / : the console page. */
enum MHD_Result ah_handle_console(struct ah_request *req);

#endif
