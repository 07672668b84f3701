/* clock.h - wall-clock time in Unix seconds and parsing of the time formats
 * that monitoring systems send. */
#ifndef AH_UTIL_CLOCK_H
#define AH_UTIL_CLOCK_H

#include <stdint.h>

/* Returns the current Unix time in seconds. */
int64_t ah_now(void);

/* A clock that tests can set (alerthub serve --test-clock on): @fixed holds
 * the Unix time to report, or 0 for the system clock. */
struct ah_clock {
    _Atomic int64_t fixed;
};

/* Returns @c's time; the system clock when @c is NULL or not set. */
int64_t ah_clock_now(struct ah_clock *c);

/* Returns the current Unix time in milliseconds. */
int64_t ah_now_ms(void);

/* Returns a monotonic clock reading in microseconds, for durations. */
int64_t ah_monotonic_us(void);

/* Parses @s as one of: Unix seconds or milliseconds as digits ("1795157461",
 * "1795157461000"); RFC 3339 ("2026-11-20T08:30:00.000000000Z",
 * "...+08:00"); "YYYY-MM-DD HH:MM:SS" optionally followed by "(UTC+08:00)",
 * "+08:00" or " UTC" (no zone means UTC). Stores Unix seconds in *@ret and
 * returns 0, or returns -1 when @s is none of these. */
int ah_time_parse(const char *s, int64_t *ret);

/* Normalises a number that may be Unix seconds, milliseconds or
 * microseconds to seconds (values past year 5000 in seconds are taken as
 * smaller units). */
int64_t ah_time_from_number(double v);

#endif
