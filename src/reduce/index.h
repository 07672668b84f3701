/* index.h - the reducer's in-memory state (private to src/reduce/). Open
 * alerts keep only what deduplication needs: a digest of the fields that
 * decide "identical", not the strings themselves, so that a million open
 * alerts stay small. Open incidents keep every mutable field, so that an
 * update is one UPDATE statement and no read. */
#ifndef AH_REDUCE_INDEX_H
#define AH_REDUCE_INDEX_H

#include "model/alert.h"
#include "reduce/reduce.h"
#include "util/map.h"

#define AH_DIGEST_LEN 16

struct open_alert {
    char *map_key; /* "<channel>\x1f<alert_key>", owned */
    int64_t id;
    int64_t incident_id;
    enum ah_severity severity; /* highest seen */
    enum ah_severity level;    /* current */
    int64_t event_count;
    int64_t start_time;
    unsigned char digest[AH_DIGEST_LEN];
};

struct open_incident {
    struct ah_incident row; /* strings and labels unused (NULL) */
    /* Map keys of its open alerts (borrowed from struct open_alert). */
    struct open_alert **alerts;
    size_t nalerts, capalerts;
};

struct ah_reduce {
    struct ah_map *alerts;    /* map_key -> struct open_alert */
    struct ah_map *incidents; /* "<id>" -> struct open_incident */
};

/* Digest of the fields that make an event "identical" to its alert. */
void ah_reduce_digest(enum ah_severity level, const char *title, const char *description,
                      unsigned char out[AH_DIGEST_LEN]);
/* Writes "<channel>\x1f<alert_key>" into a new string. */
char *ah_reduce_alert_key(int64_t channel_id, const char *alert_key);

struct open_incident *ah_reduce_incident_find(struct ah_reduce *r, int64_t id);
/* Adds (a copy of) @row to the open incidents and returns it. */
struct open_incident *ah_reduce_incident_add(struct ah_reduce *r, const struct ah_incident *row);
void ah_reduce_incident_drop(struct ah_reduce *r, struct open_incident *inc);

/* Adds an open alert to the index and to its incident's list. */
void ah_reduce_alert_add(struct ah_reduce *r, struct open_alert *a);
/* Removes @a from the index and its incident's list, and frees it. */
void ah_reduce_alert_drop(struct ah_reduce *r, struct open_alert *a);

#endif
