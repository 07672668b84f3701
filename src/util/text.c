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

/* Returns the number of continuation bytes after lead byte @c, or -1 when
 * @c cannot start a character; *@ret_bits gets the lead byte's payload. */
static int utf8_lead(unsigned c, unsigned *ret_bits)
{
    if (c >= 0xC2 && c <= 0xDF) {
        *ret_bits = c & 0x1F;
        return 1;
    }
    if (c >= 0xE0 && c <= 0xEF) {
        *ret_bits = c & 0x0F;
        return 2;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        *ret_bits = c & 0x07;
        return 3;
    }
    return -1;
}

/* The byte length of the well-formed character at @s (1 for ASCII), or 0
 * when @s does not start one. */
static size_t utf8_char(const unsigned char *s)
{
    unsigned cp;
    int n, i;

    if (*s < 0x80)
        return 1;
    n = utf8_lead(*s, &cp);
    if (n < 0)
        return 0;
    for (i = 1; i <= n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return (size_t)n + 1;
}

int ah_utf8_valid(const char *str)
{
    const unsigned char *s = (const unsigned char *)str;

    while (*s) {
        size_t n = utf8_char(s);

        if (n == 0)
            return 0;
        s += n;
    }
    return 1;
}

char *ah_utf8_scrub(const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    char *out = ah_xmalloc(strlen(str) + 1), *o = out;

    while (*s) {
        size_t n = utf8_char(s);

        if (n == 0) {
            *o++ = '?';
            s++;
            continue;
        }
        memcpy(o, s, n);
        o += n;
        s += n;
    }
    *o = '\0';
    return out;
}

void ah_utf8_cut_partial(char *str)
{
    size_t len = strlen(str), start = len;

    /* Back to the last lead byte: at most 3 continuation bytes follow one. */
    while (start > 0 && len - start < 4 && !is_lead((unsigned char)str[start - 1]))
        start--;
    if (start > 0 && utf8_char((const unsigned char *)str + start - 1) == 0)
        str[start - 1] = '\0';
}
