/* alloc.c - see alloc.h. */
#include "util/alloc.h"

#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n)
{
    fprintf(stderr, "alerthub: out of memory allocating %zu bytes\n", n);
    abort();
}

void *ah_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (p == NULL)
        oom(n);
    return p;
}

void *ah_xcalloc(size_t count, size_t n)
{
    void *p = calloc(count ? count : 1, n ? n : 1);

    if (p == NULL)
        oom(count * n);
    return p;
}

void *ah_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);

    if (q == NULL)
        oom(n);
    return q;
}

char *ah_xstrdup(const char *s)
{
    return s ? ah_xstrndup(s, strlen(s)) : NULL;
}

char *ah_xstrndup(const char *s, size_t n)
{
    char *p = ah_xmalloc(n + 1);

    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *ah_xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *p;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    p = ah_xmalloc((size_t)(n < 0 ? 0 : n) + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)(n < 0 ? 0 : n) + 1, fmt, ap);
    va_end(ap);
    return p;
}

void ah_free(void *p)
{
    free(p);
}

void ah_release_unused(void)
{
    (void)malloc_trim(0); /* glibc; the system's libc on Debian */
}

void ah_alloc_configure(void)
{
    (void)mallopt(M_TRIM_THRESHOLD, 64 << 20);
    (void)mallopt(M_TOP_PAD, 16 << 20);
}
