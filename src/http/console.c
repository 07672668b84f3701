/* console.c - GET /, /console.css, /console.js: the web console, static
 * files built into the binary (build/gen/console_*.c, generated from web/).
 * It talks to the admin API only, with the token the user pastes. The page
 * has no inline script or style, so a strict Content-Security-Policy holds:
 * injected markup could neither run script nor send the token elsewhere. */
#include "http/request.h"
#include "http/routes.h"

#include <string.h>

extern const char ah_console_html[];
extern const char ah_console_css[];
extern const char ah_console_js[];

static const char *const console_headers[] = {
    "Content-Security-Policy",
    "default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'",
    "Referrer-Policy",
    "no-referrer",
    "Cache-Control",
    "no-cache",
    NULL};

static const struct {
    const char *path;
    const char *content_type;
    const char *body;
} assets[] = {
    {"/", "text/html; charset=utf-8", ah_console_html},
    {"/console.css", "text/css; charset=utf-8", ah_console_css},
    {"/console.js", "text/javascript; charset=utf-8", ah_console_js},
};

int ah_handle_console(struct ah_request *req, const char *path, enum MHD_Result *ret)
{
    size_t i;

    if (strcmp(req->method, "GET") != 0)
        return 0;
    for (i = 0; i < sizeof(assets) / sizeof(assets[0]); i++) {
        if (strcmp(path, assets[i].path) == 0) {
            *ret = ah_respond_static(req, 200, assets[i].content_type, assets[i].body,
                                     console_headers);
            return 1;
        }
    }
    return 0;
}
