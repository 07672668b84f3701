/* group.h - alert -> incident grouping decisions (spec section 6.2-6.5),
 * pure: no store, no index. The reducer (incident.c) and the preview
 * (preview.c) both use it, so that a preview shows exactly what would
 * happen.
 *
 * An alert's plan holds one group key per dimension set it can use: the
 * first matching case's set, or else every default set. Two alerts belong
 * together when they share a key: a key digests (channel, case or set,
 * keys, values), so looking an incident up costs one hash lookup per set,
 * whatever the number of open incidents. */
#ifndef AH_REDUCE_GROUP_H
#define AH_REDUCE_GROUP_H

#include "reduce/rules.h"
#include "rules/filter.h"

#include <jansson.h>
#include <stdint.h>

struct ah_group_plan {
    int case_index; /* -1: the default sets */
    size_t nkeys;
    char keys[AH_GROUP_MAX_SETS][33]; /* "" for a set that cannot match (strict) */
    const struct ah_dims *dims[AH_GROUP_MAX_SETS];
};

/* Computes @alert's group keys under @g (which must be enabled). */
void ah_group_plan(const struct ah_grouping *g, int64_t channel_id,
                   const struct ah_filter_subject *alert, struct ah_group_plan *ret);

/* What grouping knows of an open incident. */
struct ah_group_candidate {
    int64_t start_time;
    int64_t last_merge_time;
    int64_t alert_count;
};

enum ah_group_verdict {
    AH_GROUP_MERGE,      /* join the candidate */
    AH_GROUP_NEW_WINDOW, /* the candidate's window has passed */
    AH_GROUP_NEW_FULL,   /* the candidate holds max_alerts_per_incident */
};

enum ah_group_verdict ah_group_check(const struct ah_grouping *g,
                                     const struct ah_group_candidate *c, int64_t now);

/* Returns the storm threshold that an incident reaching @alert_count alerts
 * crosses now, or 0 (each threshold is crossed once: counts grow by one). */
int64_t ah_group_storm(const struct ah_grouping *g, int64_t alert_count);

/* A new JSON object explaining a decision, stored as the alert's reason:
 * {"method", "group_key", "dimensions", "case", "decision"}. */
json_t *ah_group_reason(const struct ah_group_plan *plan, int set, const char *decision);

#endif
