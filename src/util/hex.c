/* hex.c - see hex.h. */
#include "util/hex.h"
#include "util/sha256.h"

#include <string.h>
#include <sys/random.h>

void ah_hex_encode(const void *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *b = p;
    size_t i;

    for (i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
}

int ah_random_hex(size_t nbytes, char *out)
{
    unsigned char raw[64];
    size_t got = 0;

    if (nbytes > sizeof(raw))
        return -1;
    while (got < nbytes) {
        ssize_t n = getrandom(raw + got, nbytes - got, 0);

        if (n < 0)
            return -1;
        got += (size_t)n;
    }
    ah_hex_encode(raw, nbytes, out);
    return 0;
}

int ah_secret_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);

    return la == lb && ah_equal_ct(a, b, la);
}
