/* preview.h - "what would this grouping do?": replays stored events through
 * a candidate grouping configuration, in memory, storing nothing (spec 6.8).
 * Uses the same decisions as the live reducer (group.h). Thread-safe: it
 * touches no shared state. */
#ifndef AH_REDUCE_PREVIEW_H
#define AH_REDUCE_PREVIEW_H

#include "reduce/rules.h"

#include <jansson.h>
#include <stdint.h>

#define AH_PREVIEW_MAX_EVENTS 666

/* @events: event rows as the store reads them (oldest first; fields
 * event_status, severity, title, description, labels, alert_key,
 * integration_id, received_at). Answers a new object
 * {"events_replayed": n, "incidents": [{title, severity, alert_count,
 *  event_count, start_time, group_key, alerts: [{alert_key, title, status,
 *  event_count}]}]}. */
json_t *ah_reduce_preview(const struct ah_grouping *g, int64_t channel_id, const json_t *events);

#endif
