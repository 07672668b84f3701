/* sha256.h - SHA-256 and constant-time comparison, through OpenSSL's
 * libcrypto (its SHA-256 uses the CPU's SHA extensions where present). Used
 * to derive alert keys, to digest what deduplication compares, and to store
 * secrets (the admin token, integration keys) hashed. */
#ifndef AH_UTIL_SHA256_H
#define AH_UTIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define AH_SHA256_LEN 32

/* A running digest. ah_sha256_init allocates; ah_sha256_final frees. */
struct ah_sha256 {
    void *ctx; /* EVP_MD_CTX */
};

void ah_sha256_init(struct ah_sha256 *c);
void ah_sha256_update(struct ah_sha256 *c, const void *p, size_t n);
void ah_sha256_final(struct ah_sha256 *c, unsigned char out[AH_SHA256_LEN]);
/* One-shot digest of @n bytes at @p. */
void ah_sha256(const void *p, size_t n, unsigned char out[AH_SHA256_LEN]);
/* Writes the lower-case hex digest of the NUL-terminated @s into @hex (65 bytes). */
void ah_sha256_hex(const char *s, char hex[2 * AH_SHA256_LEN + 1]);

/* 1 when the @n bytes at @a and @b are equal, in time that does not depend
 * on where they differ (for secrets and their digests). */
int ah_equal_ct(const void *a, const void *b, size_t n);

#endif
