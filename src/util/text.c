/* text.c - see text.h. Counting works on lead bytes: every byte that is not
 * a continuation byte (10xxxxxx) starts a code point. jansson has already
 * rejected invalid UTF-8 in anything that reaches us from a request. */
#include "util/text.h"

#include "util/alloc.h"

#include <string.h>

static int is_lead(unsigned char c)
{
    return (c & 0xC0) != 0x80;
}

size_t ah_utf8_len(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        n += is_lead((unsigned char)*s);
    return n;
}

size_t ah_utf8_prefix(const char *s, size_t max_chars)
{
    size_t i = 0, chars = 0;

    while (s[i]) {
        if (is_lead((unsigned char)s[i])) {
            if (chars == max_chars)
                break;
            chars++;
        }
        i++;
    }
    return i;
}

char *ah_utf8_truncate(const char *s, size_t max_chars, int *ret_cut)
{
    size_t n = ah_utf8_prefix(s, max_chars);

    if (ret_cut)
        *ret_cut = s[n] != '\0';
    return ah_xstrndup(s, n);
}

int ah_str_ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        unsigned char x = (unsigned char)*a, y = (unsigned char)*b;

        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y + 32);
        if (x != y)
            return 0;
    }
    return *a == *b;
}
