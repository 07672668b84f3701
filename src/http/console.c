/* console.c - GET /: the web console, a static page built into the binary
 * (build/gen/console_html.c, generated from web/index.html). It talks to the
 * admin API only, with the token the user pastes. */
#include "http/request.h"
#include "http/routes.h"

#include "util/alloc.h"

extern const char ah_console_html[];

enum MHD_Result ah_handle_console(struct ah_request *req)
{
    return ah_respond_text(req, 200, "text/html; charset=utf-8", ah_xstrdup(ah_console_html));
}
