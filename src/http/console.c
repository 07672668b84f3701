/* console.c - GET / and /NAME for every file of web/: the web console, static
 * files built into the binary (build/gen/web_assets.c, generated from web/ by
 * scripts/embed-web.sh with each file's Content-Type).
 * It talks to the admin API only, with the token the user pastes. The page
 * has no inline script or style, so a strict Content-Security-Policy holds:
 * injected markup could neither run script nor send the token elsewhere. */
#include "http/request.h"
#include "http/routes.h"

#include <string.h>

static const char *const console_headers[] = {
    "Content-Security-Policy",
    "default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'",
    "Referrer-Policy",
    "no-referrer",
    "Cache-Control",
    "no-cache",
    NULL};

int ah_handle_console(struct ah_request *req, const char *path, enum MHD_Result *ret)
{
    const struct ah_web_asset *a;

    if (strcmp(req->method, "GET") != 0)
        return 0;
    for (a = ah_web_assets; a->path; a++) {
        if (strcmp(path, a->path) == 0) {
            *ret = ah_respond_static(req, 200, a->content_type, a->body, console_headers);
            return 1;
        }
    }
    return 0;
}
