/* schedule.h - time windows of silence rules (spec section 9.1): one-time
 * windows [start, end) in Unix seconds, and weekly recurring windows on given
 * days between two wall-clock times in an IANA time zone. A weekly window
 * whose end is not after its start crosses midnight: "22:00"-"06:00" on
 * Monday covers Monday 22:00 to Tuesday 06:00 (the day named is the day the
 * window starts). Compiled once per rule change; matching is thread-safe. */
#ifndef AH_RULES_SCHEDULE_H
#define AH_RULES_SCHEDULE_H

#include "util/error.h"

#include <jansson.h>
#include <stdint.h>

struct ah_schedule;

/* Compiles a silence rule's time part from @rule, which holds exactly one of
 *   "time":   {"start": UNIX, "end": UNIX}                (start < end)
 *   "weekly": [{"days": [0..6] (0 = Sunday; empty = every day),
 *               "start": "HH:MM", "end": "HH:MM", "tz": "Asia/Shanghai"}, ...]
 * (at most 10 weekly windows; tz defaults to "UTC"). AH_EINVAL with a message
 * naming the bad field otherwise. Returns a new schedule (ah_schedule_free). */
int ah_schedule_compile(const json_t *rule, struct ah_schedule **ret, struct ah_error *reterr);
void ah_schedule_free(struct ah_schedule *s); /* NULL is a no-op */

/* Returns 1 when @now (Unix seconds) lies inside one of the windows. */
int ah_schedule_active(const struct ah_schedule *s, int64_t now);

/* Returns 1 when the schedule can never be active again after @now (a
 * one-time window that has ended); weekly schedules never expire. */
int ah_schedule_expired(const struct ah_schedule *s, int64_t now);

#endif
