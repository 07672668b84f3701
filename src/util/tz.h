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
    int year;           /* proleptic Gregorian; instants are clamped to about +-34,000 years */
    int month;          /* 1..12 */
    int day;            /* 1..31 */
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

/* Returns the number of days from 1970-01-01 to the proleptic Gregorian
 * date @year-@month-@day (@month 1..12), negative before 1970. A @day past
 * the month's end counts on into the following months (2027-01-32 is
 * 2027-02-01). Local dates are counted this way by ah_tz_to_utc(). */
int64_t ah_tz_days_from_civil(int year, int month, int day);

/* Returns the instant (Unix seconds) at which the wall clock in @tz reads
 * @local: a local date and time as seconds since 1970-01-01 00:00 on that
 * clock, i.e. ah_tz_days_from_civil(y, m, d) * 86400 + seconds of the day.
 * A reading the clock skips (the spring gap) moves forward by the length of
 * the gap: 02:30 on a day when the clock jumps from 02:00 to 03:00 gives the
 * instant the clock reads 03:30. A reading that occurs twice (the autumn
 * fold) gives the first of the two instants. Pure computation; thread-safe. */
int64_t ah_tz_to_utc(const struct ah_tz *tz, int64_t local);

/* Returns 1 when ah_tz_open(@name) would succeed, else 0. Reads the file. */
int ah_tz_valid(const char *name);

/* One-shot ah_tz_open + ah_tz_convert + ah_tz_free: AH_OK and @ret filled, or
 * AH_EINVAL for an unusable zone name. Reads the file on every call, so hot
 * paths should open the zone once instead. Thread-safe. */
int ah_tz_local(const char *name, int64_t utc, struct ah_tz_local_time *ret);

#endif
