/* error.c - see error.h. */
#include "util/error.h"

#include "util/text.h"

#include <stdarg.h>
#include <stdio.h>

int ah_error_set(struct ah_error *e, enum ah_rc code, const char *fmt, ...)
{
    va_list ap;

    if (e == NULL)
        return code;
    e->code = code;
    va_start(ap, fmt);
    /* A message cut at sizeof(msg) bytes may end inside a character quoted
     * from the request; JSON cannot carry that half. */
    if (vsnprintf(e->msg, sizeof(e->msg), fmt, ap) >= (int)sizeof(e->msg))
        ah_utf8_cut_partial(e->msg);
    va_end(ap);
    return code;
}

int ah_error_prefix(struct ah_error *e, int code, const char *prefix)
{
    char msg[sizeof(e->msg)];

    if (e == NULL)
        return code;
    snprintf(msg, sizeof(msg), "%s", e->msg);
    if (snprintf(e->msg, sizeof(e->msg), "%s%s", prefix, msg) >= (int)sizeof(e->msg))
        ah_utf8_cut_partial(e->msg);
    return code;
}

void ah_error_clear(struct ah_error *e)
{
    e->code = AH_OK;
    e->msg[0] = '\0';
}
