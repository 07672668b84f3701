/* tz.h - wall-clock time in IANA time zones, read from the system's TZif
 * files under /usr/share/zoneinfo (RFC 8536, including the POSIX TZ footer
 * that gives the rules after the last listed transition). No global state:
 * nothing is cached, and localtime/TZ are never touched. Depends on libc. */
#ifndef AH_UTIL_TZ_H
#define AH_UTIL_TZ_H

#include "util/error.h"

#include <stdint.h>

/* The longest zone name accepted ("America/Argentina/ComodRivadavia" is 32). */
#define AH_TZ_NAME_MAX 64

struct ah_tz_local_time {
    int wday;           /* 0 = Sunday .. 6 = Saturday */
    int hour;           /* 0..23 */
    int min;            /* 0..59 */
    int sec;            /* 0..59; leap seconds are not modelled */
    int32_t utc_offset; /* seconds east of UTC in force at that instant */
};

/* A loaded zone; immutable once opened, so it may be shared between threads. */
struct ah_tz;

/* Loads zone @name: "UTC", or a name made of letters, digits and '/', '_',
 * '-', '+' (no "..", no leading or trailing '/', no empty part, at most
 * AH_TZ_NAME_MAX bytes) that names a regular TZif file under
 * /usr/share/zoneinfo. AH_EINVAL `unrecognized time zone "NAME"` otherwise,
 * also for a file that does not parse. Returns a new zone; free with
 * ah_tz_free(). Thread-safe (reads the file on each call). */
int ah_tz_open(const char *name, struct ah_tz **ret, struct ah_error *reterr);
void ah_tz_free(struct ah_tz *tz); /* NULL is a no-op */

/* Fills @ret with the wall-clock time in @tz at instant @utc (Unix seconds).
 * Pure computation; thread-safe. */
void ah_tz_convert(const struct ah_tz *tz, int64_t utc, struct ah_tz_local_time *ret);

/* Returns 1 when ah_tz_open(@name) would succeed, else 0. Reads the file. */
int ah_tz_valid(const char *name);

/* One-shot ah_tz_open + ah_tz_convert + ah_tz_free: AH_OK and @ret filled, or
 * AH_EINVAL for an unusable zone name. Reads the file on every call, so hot
 * paths should open the zone once instead. Thread-safe. */
int ah_tz_local(const char *name, int64_t utc, struct ah_tz_local_time *ret);

#endif
