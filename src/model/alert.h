/* alert.h - alerts (deduplicated events) and incidents (what people act on)
 * as rows: the shapes the reducer hands to the store. Strings and labels are
 * borrowed from the caller for the duration of the call. */
#ifndef AH_MODEL_ALERT_H
#define AH_MODEL_ALERT_H

#include "model/severity.h"

#include <jansson.h>
#include <stdint.h>

enum ah_progress {
    AH_PROGRESS_TRIGGERED = 0,
    AH_PROGRESS_PROCESSING = 1,
    AH_PROGRESS_CLOSED = 2,
};

/* "Triggered", "Processing", "Closed". */
const char *ah_progress_name(enum ah_progress p);
/* Parses the names above; returns -1 when @s is none of them. */
int ah_progress_parse(const char *s);

/* An alert held back from incidents by a channel rule (spec 9). */
enum ah_alert_hold {
    AH_HOLD_NONE = 0,
    AH_HOLD_SILENCED = 1,
    AH_HOLD_INHIBITED = 2,
};

struct ah_alert {
    int64_t id;
    int64_t incident_id;
    int64_t channel_id;
    int64_t integration_id;
    const char *alert_key;
    const char *title;
    const char *description;
    json_t *labels;
    const char *labels_text;   /* @labels as compact JSON when the caller has it, or NULL */
    enum ah_severity severity; /* the highest level seen */
    enum ah_severity level;    /* the current level (status when firing) */
    int recovered;             /* status Ok */
    int64_t event_count;
    int64_t start_time, last_time, end_time, close_time;
    const char *group_key; /* "" when grouping did not apply */
    json_t *reason;        /* why it went where it went; NULL keeps the stored one */
    enum ah_alert_hold held;
    int flapping;
};

struct ah_incident {
    int64_t id;
    int64_t channel_id;
    const char *title;
    const char *description;
    json_t *labels;
    const char *labels_text;   /* @labels as compact JSON, or NULL (as in ah_alert) */
    enum ah_severity severity; /* the highest of its alerts */
    int recovered;             /* all its alerts recovered: status Ok */
    enum ah_progress progress;
    int flapping; /* beside progress: no padding (a million are in memory) */
    int64_t alert_count, active_alert_count, event_count;
    int64_t start_time, last_time, ack_time, close_time;
    const char *group_key;
    int64_t first_alert_id; /* the alert that gave the title and labels */
    int64_t muted_until;    /* flapping mute: 0 when not muted */
};

/* A raw event as stored: one row per (event, channel). */
struct ah_event_row {
    int64_t alert_id;
    int64_t channel_id;
    int64_t integration_id;
    const char *alert_key;
    const char *title;
    const char *description;
    json_t *labels;
    json_t *images;          /* may be NULL */
    const char *labels_text; /* @labels and @images as compact JSON, or NULL */
    const char *images_text;
    enum ah_severity severity;
    int recovered;
    int64_t event_time;
    int64_t received_at;
};

/* ---- rows as read back (store.h's typed reads) and their JSON ----
 * A view borrows its strings from whoever read it. Its JSON is the API's
 * (ids as strings, 0 in a reference null, enums by name, stored JSON texts
 * parsed), which webhooks carry too: one shape, made here. */

/* An incident as read: the row (labels NULL, labels_text set) and what
 * only readers see. */
struct ah_incident_view {
    struct ah_incident row;
    int64_t snooze_until; /* 0: not snoozed */
};

/* An alert as read: the row (labels and reason NULL, labels_text set). */
struct ah_alert_view {
    struct ah_alert row;
    const char *reason_text; /* JSON object: why it went where it went */
};

/* A stored event (one row per event and channel). */
struct ah_event_view {
    int64_t id;
    struct ah_event_row row; /* labels and images NULL; labels_text set,
                                images_text NULL when it had none */
};

/* A silence or inhibit rule. */
struct ah_hold_rule_view {
    int64_t id, channel_id, hits, created_at, updated_at;
    const char *rule_text; /* JSON object: the rule as the API took it */
};

/* An id as the API writes it: a string; 0 (no reference, no next page) is
 * null. */
json_t *ah_id_json(int64_t id);
/* A new JSON object of the row, as the API shows it. */
json_t *ah_incident_view_json(const struct ah_incident_view *v);
json_t *ah_alert_view_json(const struct ah_alert_view *v);
json_t *ah_event_view_json(const struct ah_event_view *v);
/* The rule's own fields, then id, channel_id, hits, created_at and
 * updated_at where the rule has no field of that name. */
json_t *ah_hold_rule_view_json(const struct ah_hold_rule_view *v);

#endif
