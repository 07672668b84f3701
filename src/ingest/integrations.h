/* integrations.h - the integrations the push API accepts: lookup by key and
 * per-integration rate limits. Thread-safe (one mutex, held for a map lookup
 * or a counter bump). Filled at start-up from the store and updated by the
 * admin API after each committed change. */
#ifndef AH_INGEST_INTEGRATIONS_H
#define AH_INGEST_INTEGRATIONS_H

#include "model/integration.h"
#include "util/error.h"

#include <jansson.h>

#include <stdint.h>

struct ah_integrations;

/* Returns a new empty set; free with ah_integrations_free(). */
struct ah_integrations *ah_integrations_new(void);
void ah_integrations_free(struct ah_integrations *set); /* NULL is a no-op */

/* Adds or replaces (by id) a copy of @intg. Rate counters survive a
 * replacement so that editing an integration does not reset its limits. */
void ah_integrations_put(struct ah_integrations *set, const struct ah_integration *intg);
void ah_integrations_remove(struct ah_integrations *set, int64_t id);
/* Replaces the whole of @set with @fresh's integrations at once (another
 * node changed them, store.h), keeping the rate counters and statistics of
 * those that stay; frees @fresh. */
void ah_integrations_take(struct ah_integrations *set, struct ah_integrations *fresh);

/* Finds the integration whose key is @key (compared in constant time) and
 * copies it into @ret (free with ah_integration_done). AH_ENOTFOUND if none. */
int ah_integrations_find_key(struct ah_integrations *set, const char *key,
                             struct ah_integration *ret);

/* Counts one request of integration @id at @now_ms (milliseconds) against
 * its limits: AH_OK, or AH_EBUSY with *@ret_retry_after (seconds) when over
 * the per-second or per-minute limit; a refused request is not counted. */
int ah_integrations_admit(struct ah_integrations *set, int64_t id, int64_t now_ms,
                          int *ret_retry_after, struct ah_error *reterr);

/* What happened to an integration's pushes since the server started: the
 * data of its card in the console. Counters live in memory only; a refused
 * request must store nothing, not even a count. */
enum ah_intg_stat {
    AH_STAT_EVENTS_ACCEPTED,  /* events stored or deduplicated */
    AH_STAT_EVENTS_DROPPED,   /* events held back by a drop rule */
    AH_STAT_EVENTS_INHIBITED, /* events discarded by a pipeline alert_inhibit rule */
    AH_STAT_REFUSED_INVALID,  /* requests refused with InvalidParameter */
    AH_STAT_REFUSED_NO_ROUTE,
    AH_STAT_RATE_LIMITED,
    AH_STAT_UNAVAILABLE,
    AH_STAT_COUNT
};

/* Adds @n to counter @stat of integration @id (unknown ids are ignored). */
void ah_integrations_count(struct ah_integrations *set, int64_t id, enum ah_intg_stat stat,
                           uint64_t n);
/* A new JSON object of @id's counters ({} when unknown). */
json_t *ah_integrations_stats(struct ah_integrations *set, int64_t id);

#endif
