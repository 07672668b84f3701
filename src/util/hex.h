/* hex.h - lower-case hex encoding and random identifiers from getrandom(2). */
#ifndef AH_UTIL_HEX_H
#define AH_UTIL_HEX_H

#include <stddef.h>

/* Writes 2*@n hex digits and a NUL into @out. */
void ah_hex_encode(const void *p, size_t n, char *out);

/* Fills @out with 2*@nbytes random hex digits and a NUL (the kernel's CSPRNG).
 * Returns 0, or -1 when getrandom fails (never in practice on Linux >= 3.17). */
int ah_random_hex(size_t nbytes, char *out);

/* Compares two NUL-terminated strings in time that depends only on their
 * lengths, for secrets. Returns 1 when equal. */
int ah_secret_equal(const char *a, const char *b);

#endif
