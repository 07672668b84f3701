/* sha256.c - see sha256.h. Checked against the NIST example vectors in
 * tests/unit/util/util_test.c. */
#include "util/sha256.h"

#include "util/hex.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libcrypto fails only when out of memory; like ah_xmalloc, give up then. */
static void must(int ok)
{
    if (!ok) {
        fprintf(stderr, "alerthub: libcrypto could not compute a SHA-256 digest\n");
        abort();
    }
}

void ah_sha256_init(struct ah_sha256 *c)
{
    c->ctx = EVP_MD_CTX_new();
    must(c->ctx != NULL && EVP_DigestInit_ex(c->ctx, EVP_sha256(), NULL));
}

void ah_sha256_update(struct ah_sha256 *c, const void *p, size_t n)
{
    must(EVP_DigestUpdate(c->ctx, p, n));
}

void ah_sha256_final(struct ah_sha256 *c, unsigned char out[AH_SHA256_LEN])
{
    must(EVP_DigestFinal_ex(c->ctx, out, NULL));
    EVP_MD_CTX_free(c->ctx);
    c->ctx = NULL;
}

void ah_sha256(const void *p, size_t n, unsigned char out[AH_SHA256_LEN])
{
    must(EVP_Digest(p, n, out, NULL, EVP_sha256(), NULL));
}

void ah_sha256_hex(const char *s, char hex[2 * AH_SHA256_LEN + 1])
{
    unsigned char d[AH_SHA256_LEN];

    ah_sha256(s, strlen(s), d);
    ah_hex_encode(d, sizeof(d), hex);
}

int ah_equal_ct(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}
