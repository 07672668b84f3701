/* alloc.h - allocation that never returns NULL: on out-of-memory the process
 * logs the size and aborts, so call sites need no NULL checks (as redis's
 * zmalloc). The only place where raw malloc/free may be called. */
#ifndef AH_UTIL_ALLOC_H
#define AH_UTIL_ALLOC_H

#include <stddef.h>

void *ah_xmalloc(size_t n);
void *ah_xcalloc(size_t count, size_t n);
void *ah_xrealloc(void *p, size_t n);
/* Returns a new copy of @s (NULL gives NULL); free with ah_free(). */
char *ah_xstrdup(const char *s);
/* Returns a new NUL-terminated copy of the first @n bytes of @s. */
char *ah_xstrndup(const char *s, size_t n);
/* Returns a new string formatted as printf would. */
char *ah_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ah_free(void *p);

#endif
