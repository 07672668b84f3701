/* error.c - see error.h. */
#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>

int ah_error_set(struct ah_error *e, enum ah_rc code, const char *fmt, ...)
{
    va_list ap;

    if (e == NULL)
        return code;
    e->code = code;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    return code;
}

int ah_error_prefix(struct ah_error *e, int code, const char *prefix)
{
    char msg[sizeof(e->msg)];

    if (e == NULL)
        return code;
    snprintf(msg, sizeof(msg), "%s", e->msg);
    snprintf(e->msg, sizeof(e->msg), "%s%s", prefix, msg);
    return code;
}

void ah_error_clear(struct ah_error *e)
{
    e->code = AH_OK;
    e->msg[0] = '\0';
}
