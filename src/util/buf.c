/* buf.c - see buf.h. */
#include "util/buf.h"

#include "util/alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void ah_buf_init(struct ah_buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void ah_buf_done(struct ah_buf *b)
{
    ah_free(b->data);
    ah_buf_init(b);
}

static void reserve(struct ah_buf *b, size_t extra)
{
    size_t need = b->len + extra + 1;

    if (need <= b->cap)
        return;
    b->cap = b->cap ? b->cap : 64;
    while (b->cap < need)
        b->cap *= 2;
    b->data = ah_xrealloc(b->data, b->cap);
}

void ah_buf_append(struct ah_buf *b, const void *p, size_t n)
{
    reserve(b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void ah_buf_puts(struct ah_buf *b, const char *s)
{
    ah_buf_append(b, s, strlen(s));
}

void ah_buf_printf(struct ah_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

const char *ah_buf_str(const struct ah_buf *b)
{
    return b->data ? b->data : "";
}

char *ah_buf_steal(struct ah_buf *b)
{
    char *s = b->data ? b->data : ah_xstrdup("");

    ah_buf_init(b);
    return s;
}
