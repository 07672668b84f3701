/* buf.h - a growable, always NUL-terminated byte buffer (caller-embedded:
 * ah_buf_init / ah_buf_done). Appends abort on out-of-memory (alloc.h). */
#ifndef AH_UTIL_BUF_H
#define AH_UTIL_BUF_H

#include <stddef.h>

struct ah_buf {
    char *data; /* NUL-terminated; NULL until the first append */
    size_t len;
    size_t cap;
};

void ah_buf_init(struct ah_buf *b);
void ah_buf_done(struct ah_buf *b);
void ah_buf_append(struct ah_buf *b, const void *p, size_t n);
void ah_buf_puts(struct ah_buf *b, const char *s);
void ah_buf_printf(struct ah_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns the contents ("" when empty); valid until the next append. */
const char *ah_buf_str(const struct ah_buf *b);
/* Returns the contents as a new string (free with ah_free) and empties @b. */
char *ah_buf_steal(struct ah_buf *b);

#endif
