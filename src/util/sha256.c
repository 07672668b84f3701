/* sha256.c - see sha256.h. Checked against the NIST example vectors in
 * tests/unit/util/util_test.c. */
#include "util/sha256.h"

#include "util/hex.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
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

/* OpenSSL 3 looks EVP_sha256() up in its provider store at every digest (an
 * "implicit fetch": a lock and a lookup, 280 of the 500 ns a 100-byte
 * digest takes on this machine). Fetched once, the method is immutable and
 * shared by every thread; it lives as long as the process. */
static pthread_once_t md_once = PTHREAD_ONCE_INIT;
static EVP_MD *md_sha256;

static void fetch_md(void)
{
    md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *sha256_md(void)
{
    pthread_once(&md_once, fetch_md);
    must(md_sha256 != NULL);
    return md_sha256;
}

void ah_sha256_init(struct ah_sha256 *c)
{
    c->ctx = EVP_MD_CTX_new();
    must(c->ctx != NULL && EVP_DigestInit_ex(c->ctx, sha256_md(), NULL));
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
    must(EVP_Digest(p, n, out, NULL, sha256_md(), NULL));
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
