/* sources.h - inhibit sources: under each key (a rule and the values its
 * `equals` names), the AH_SOURCES_PER_KEY alerts last seen there, and
 * when. Keeping several means one recovered or acknowledged source does not
 * hide another that is still live. Channel inhibits (reduce/hold.c) and
 * pipeline inhibits (process/pipeline.c) both keep their sources here; what
 * makes a source live (open, recent, acknowledged or not) is theirs to
 * decide. Not thread-safe: one owner (the writer thread). */
#ifndef AH_UTIL_SOURCES_H
#define AH_UTIL_SOURCES_H

#include <stddef.h>
#include <stdint.h>

#define AH_SOURCES_PER_KEY 8

struct ah_source {
    int64_t channel_id;
    char *alert;      /* how the owner finds the alert again: an alert key, or a map key */
    int64_t alert_id; /* 0 when the owner does not know it */
    int64_t last_time;
};

struct ah_sources;

/* Returns a new empty index; free with ah_sources_free(). */
struct ah_sources *ah_sources_new(void);
void ah_sources_free(struct ah_sources *s); /* NULL is a no-op */

/* Notes alert (@channel_id, @alert) under @key at @now: refreshes its entry
 * (and its id), or takes the place of the stalest one. */
void ah_sources_note(struct ah_sources *s, const char *key, int64_t channel_id, const char *alert,
                     int64_t alert_id, int64_t now);

/* The entries under @key, most recently added last; NULL and *@ret_n = 0
 * when there are none. Valid until the next note or sweep. */
const struct ah_source *ah_sources_get(const struct ah_sources *s, const char *key, int *ret_n);

/* Keys held. */
size_t ah_sources_count(const struct ah_sources *s);

/* Forgets every key whose entries are all older than @max_age at @now, so
 * that memory follows the live sources, not all ever seen. */
void ah_sources_sweep(struct ah_sources *s, int64_t now, int64_t max_age);

#endif
