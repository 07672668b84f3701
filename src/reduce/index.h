/* index.h - the reducer's in-memory state (private to src/reduce/). Open
 * alerts keep only what deduplication needs: a digest of the fields that
 * decide "identical", not the strings themselves, so that a million open
 * alerts stay small. Open incidents keep every mutable field, so that an
 * update is one UPDATE statement and no read. */
#ifndef AH_REDUCE_INDEX_H
#define AH_REDUCE_INDEX_H

#include "model/alert.h"
#include "reduce/reduce.h"
#include "reduce/rules.h"
#include "util/map.h"
#include "util/sources.h"

#define AH_DIGEST_LEN 16

struct open_alert {
    char *map_key; /* "<channel>\x1f<alert_key>", owned */
    int64_t id;
    int64_t incident_id; /* 0: held back by a silence or inhibit rule */
    int64_t last_time;
    enum ah_severity severity; /* highest seen */
    enum ah_severity level;    /* current */
    int64_t event_count;
    int64_t start_time;
    unsigned char digest[AH_DIGEST_LEN];
};

struct open_incident {
    struct ah_incident row; /* strings and labels unused (NULL) */
    /* Its open alerts (borrowed); @one holds the first, so that an
     * incident of one alert (most of them) needs no array. */
    struct open_alert **alerts;
    struct open_alert *one;
    size_t nalerts, capalerts;
    /* Group keys under which it is indexed (grouping on), and when an alert
     * last joined it (sliding windows). */
    char (*group_keys)[33];
    size_t ngroup_keys;
    int64_t last_merge_time;
};

/* State changes of one (channel, alert_key), for flapping detection: a ring
 * of the last max_changes change times, sized to the channel's setting so
 * that a million keys cost tens of bytes each, not a kilobyte. */
struct flap_state {
    int64_t muted_until;
    int n, head, cap;
    int64_t changes[]; /* @cap entries */
};

/* A channel's compiled rules and the indexes they need. */
struct channel_state {
    int64_t id;
    struct ah_grouping *grouping;
    struct ah_flapping *flapping;
    struct ah_silence **silences;
    size_t nsilences;
    struct ah_inhibit **inhibits;
    size_t ninhibits;
    struct ah_map *groups; /* group key -> struct open_incident (borrowed) */
    /* Inhibit sources under "<rule>:<equals digest>" (util/sources.h), each
     * found again by its alert's map key. */
    struct ah_sources *sources;
    struct ah_map *flaps; /* alert_key -> struct flap_state */
    /* Dispatch (issue #8): escalation rules (NULL: none) and auto-resolve. */
    struct ah_escalations *escalations;
    int64_t resolve_timeout; /* seconds; 0: off */
    int resolve_on_update;   /* count from the last alert event, not the start */
    int disable_auto_close;  /* recovery of every alert does not close */
};

struct ah_reduce {
    struct ah_map *alerts;    /* map_key -> struct open_alert */
    struct ah_map *incidents; /* "<id>" -> struct open_incident */
    struct ah_map *channels;  /* "<id>" -> struct channel_state */
    /* Dispatch (escalate.c): the earliest timer (0: none) and deliveries
     * written since the writer last asked. */
    int64_t next_due;
    size_t outbox_added;
    /* Delivery event ids: a random prefix per process and a sequence, so
     * that an id is unique without a system call per message. */
    char eid_prefix[17];
    uint64_t eid_seq;
    /* Noise reduction since the writer last took the counts (reduce.h). */
    uint64_t noise[AH_NOISE_KINDS];
};

static inline void ah_reduce_count(struct ah_reduce *r, enum ah_noise kind)
{
    r->noise[kind]++;
}

/* Returns the channel's state, creating it with default rules. */
struct channel_state *ah_reduce_channel(struct ah_reduce *r, int64_t channel_id);
void ah_reduce_channels_clear(struct ah_reduce *r);
/* Loads every channel's rules from @store (part of ah_reduce_load). */
int ah_reduce_channels_load(struct ah_reduce *r, struct ah_store *store, struct ah_error *reterr);
/* Registers @inc under the plan's keys in its channel. */
void ah_reduce_group_register(struct channel_state *ch, struct open_incident *inc,
                              const char (*keys)[33], size_t nkeys);

/* Digest of the fields that make an event "identical" to its alert. */
void ah_reduce_digest(enum ah_severity level, const char *title, const char *description,
                      unsigned char out[AH_DIGEST_LEN]);
/* Writes "<channel>\x1f<alert_key>" into a new string. */
char *ah_reduce_alert_key(int64_t channel_id, const char *alert_key);
/* The open alert of (@channel_id, @alert_key) in memory, or NULL. */
struct open_alert *ah_reduce_alert_find(struct ah_reduce *r, int64_t channel_id,
                                        const char *alert_key);

struct open_incident *ah_reduce_incident_find(struct ah_reduce *r, int64_t id);
/* Adds (a copy of) @row to the open incidents and returns it. */
struct open_incident *ah_reduce_incident_add(struct ah_reduce *r, const struct ah_incident *row);
void ah_reduce_incident_drop(struct ah_reduce *r, struct open_incident *inc);

/* Adds an open alert to the index and to its incident's list. */
void ah_reduce_alert_add(struct ah_reduce *r, struct open_alert *a);
/* Removes @a from the index and its incident's list, and frees it. */
void ah_reduce_alert_drop(struct ah_reduce *r, struct open_alert *a);

#endif
