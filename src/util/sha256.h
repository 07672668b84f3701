/* sha256.h - SHA-256 (FIPS 180-4). None of the project's libraries exposes a
 * digest, so this small, vector-tested implementation lives here; it is used
 * to derive alert keys and to store the admin token hashed. */
#ifndef AH_UTIL_SHA256_H
#define AH_UTIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define AH_SHA256_LEN 32

struct ah_sha256 {
    uint32_t h[8];
    uint64_t total;
    unsigned char block[64];
    size_t fill;
};

void ah_sha256_init(struct ah_sha256 *c);
void ah_sha256_update(struct ah_sha256 *c, const void *p, size_t n);
void ah_sha256_final(struct ah_sha256 *c, unsigned char out[AH_SHA256_LEN]);
/* One-shot digest of @n bytes at @p. */
void ah_sha256(const void *p, size_t n, unsigned char out[AH_SHA256_LEN]);
/* Writes the lower-case hex digest of the NUL-terminated @s into @hex (65 bytes). */
void ah_sha256_hex(const char *s, char hex[2 * AH_SHA256_LEN + 1]);

#endif
