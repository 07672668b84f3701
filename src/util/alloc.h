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
/* Process start: the allocator keeps up to 64 MiB of freed memory at the
 * top of its heap instead of handing it back at once. Without it, the
 * start-up scan's short-lived rows made the heap shrink and grow again for
 * every row: half of a 60-second start at 10^6 open alerts went to the
 * kernel zeroing the same pages. */
void ah_alloc_configure(void);
/* Gives memory the allocator holds but no longer uses back to the system
 * (after the start-up scans, whose transient rows were interleaved with the
 * long-lived index). */
void ah_release_unused(void);

#endif
