/* text.h - small UTF-8 aware string helpers. */
#ifndef AH_UTIL_TEXT_H
#define AH_UTIL_TEXT_H

#include <stddef.h>

/* Returns the number of Unicode code points in the UTF-8 string @s. */
size_t ah_utf8_len(const char *s);

/* Returns the byte length of the longest prefix of @s that holds at most
 * @max_chars code points, so that truncation never splits a character. */
size_t ah_utf8_prefix(const char *s, size_t max_chars);

/* Returns a new copy of @s cut to at most @max_chars code points (free with
 * ah_free); sets *@ret_cut to 1 when something was cut (may be NULL). */
char *ah_utf8_truncate(const char *s, size_t max_chars, int *ret_cut);

/* Returns 1 when @s is well-formed UTF-8 (no overlong forms, surrogates or
 * code points past U+10FFFF), else 0. */
int ah_utf8_valid(const char *s);

/* Returns a new copy of @s (free with ah_free) in which every byte that does
 * not belong to a well-formed character is replaced by '?', so that text
 * quoting client input can always be sent as JSON. */
char *ah_utf8_scrub(const char *s);

/* Drops a last character that a byte-counted cut (snprintf) left incomplete;
 * @s is changed in place. */
void ah_utf8_cut_partial(char *s);

/* ASCII case-insensitive equality; non-ASCII bytes must match exactly. */
int ah_str_ieq(const char *a, const char *b);

#endif
