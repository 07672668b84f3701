/* rules.h - a channel's noise-reduction rules, compiled (spec sections 6 and
 * 9): grouping, flapping, silences and inhibits. Each compile function
 * validates a rule's JSON (api.md section 3) and refuses it with AH_EINVAL
 * and a message naming the bad value; a compiled rule is immutable. The
 * reducer keeps one struct ah_channel_rules per channel (reduce.c). */
#ifndef AH_REDUCE_RULES_H
#define AH_REDUCE_RULES_H

#include "rules/filter.h"
#include "rules/schedule.h"
#include "util/error.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define AH_GROUP_MAX_SETS     5 /* default dimension sets */
#define AH_GROUP_MAX_KEYS     5 /* keys per set */
#define AH_GROUP_MAX_CASES    100
#define AH_GROUP_MAX_STORMS   5
#define AH_GROUP_MAX_ALERTS   5000  /* default max_alerts_per_incident */
#define AH_GROUP_MAX_WINDOW   43200 /* minutes (30 days) */
#define AH_INHIBIT_SOURCE_AGE 600   /* a source alert must have been active this recently */
#define AH_RULES_MAX_PER_LIST 100   /* silences or inhibits per channel */

/* A set of keys ("labels.check", "title", "severity") whose values must all
 * be equal. */
struct ah_dims {
    char *keys[AH_GROUP_MAX_KEYS];
    size_t nkeys;
};

enum ah_window_type { AH_WINDOW_TUMBLING, AH_WINDOW_SLIDING };

struct ah_group_case {
    struct ah_filter *filter; /* AND shape */
    struct ah_dims dims;
};

struct ah_grouping {
    int enabled; /* method "rules"; 0 for "none" */
    struct ah_dims sets[AH_GROUP_MAX_SETS];
    size_t nsets;
    struct ah_group_case *cases;
    size_t ncases;
    int strict;
    int64_t window_secs; /* 0: merge until the incident closes */
    enum ah_window_type window_type;
    int64_t storms[AH_GROUP_MAX_STORMS];
    size_t nstorms;
    int64_t max_alerts;
    json_t *json; /* the normalized configuration, as GET answers it */
};

enum ah_flap_mode { AH_FLAP_OFF, AH_FLAP_MARK, AH_FLAP_MUTE };

struct ah_flapping {
    enum ah_flap_mode mode;
    int max_changes; /* 2..100, default 4 */
    int in_secs;     /* default 60 minutes */
    int mute_secs;   /* default 120 minutes */
    json_t *json;
};

enum ah_hold_mode { AH_HOLD_DROP, AH_HOLD_MARK };

struct ah_silence {
    int64_t id;
    char *name;
    struct ah_filter *filter;
    struct ah_schedule *schedule;
    enum ah_hold_mode mode;
    int enabled;
    int64_t from_incident_id; /* quick silence; 0 otherwise */
    json_t *json;
};

struct ah_inhibit {
    int64_t id;
    char *name;
    struct ah_filter *source;
    struct ah_filter *target;
    struct ah_dims equals;
    enum ah_hold_mode mode;
    int enabled;
    json_t *json;
};

/* @json NULL gives the default (grouping off; flapping mark, 4 in 60 min,
 * mute 120 min). Return new objects; free with the matching _free. */
int ah_grouping_compile(const json_t *json, struct ah_grouping **ret, struct ah_error *reterr);
void ah_grouping_free(struct ah_grouping *g);
int ah_flapping_compile(const json_t *json, struct ah_flapping **ret, struct ah_error *reterr);
void ah_flapping_free(struct ah_flapping *f);
/* @id is the rule's id (0 while it has none yet). */
int ah_silence_compile(const json_t *json, int64_t id, struct ah_silence **ret,
                       struct ah_error *reterr);
void ah_silence_free(struct ah_silence *s);
int ah_inhibit_compile(const json_t *json, int64_t id, struct ah_inhibit **ret,
                       struct ah_error *reterr);
void ah_inhibit_free(struct ah_inhibit *i);

/* Field checks shared by the rule compilers: an absent (or null) field
 * leaves *@out as it is; a present one must be an integer in @min..@max, one
 * of @choices (NULL-terminated; *@out is its index), or a boolean.
 * AH_EINVAL with a message naming @name otherwise. */
int ah_rule_int(const json_t *obj, const char *name, int64_t min, int64_t max, int64_t *out,
                struct ah_error *reterr);
int ah_rule_enum(const json_t *obj, const char *name, const char *const *choices, int *out,
                 struct ah_error *reterr);
int ah_rule_bool(const json_t *obj, const char *name, int *out, struct ah_error *reterr);

/* ---- escalation rules (api.md section 6) ---- */

#define AH_ESC_MAX_RULES      50
#define AH_ESC_MAX_LEVELS     10
#define AH_ESC_MAX_RECIPIENTS 50 /* ids per list of a level */
#define AH_ESC_MAX_DELAY      3600
#define AH_ESC_MAX_MINUTES    1440

/* One rule: matched against a new incident (filter and weekly time
 * window); what it pages is read from @json, the normalized rule, which an
 * escalation keeps as its snapshot (so that editing the rules never changes
 * an escalation in progress). */
struct ah_esc_rule {
    int enabled;
    struct ah_filter *filter;   /* NULL: every incident */
    struct ah_schedule *window; /* NULL: at any time */
    json_t *json;
};

struct ah_escalations {
    struct ah_esc_rule *rules;
    size_t n;
    json_t *json; /* {"rules": [...]} normalized, as GET answers it */
    json_t *refs; /* [{"kind": "member"|"target"|"team"|"schedule", "id", "field"}] */
};

/* Compiles {"rules": [...]}: at most AH_ESC_MAX_RULES rules of
 *   {name, enabled?, if?: FILTER, time_window?: [{days, start, end, tz}],
 *    delay_seconds?: 0..3600, levels: [1..10 of {member_ids?, team_ids?,
 *    schedule_ids?, target_ids?, escalate_after_minutes?: 1..1440 (30),
 *    escalate_unless?: "acked"|"closed"}], repeat?: {times: 0..10,
 *    interval_minutes?: 1..1440}}.
 * Every level names at least one recipient. Ids are normalized to strings;
 * whether they exist is the caller's check (@refs). */
int ah_escalations_compile(const json_t *json, struct ah_escalations **ret,
                           struct ah_error *reterr);
void ah_escalations_free(struct ah_escalations *e); /* NULL is a no-op */

/* The first enabled rule that matches @s at @now, or NULL. */
const struct ah_esc_rule *ah_escalations_match(const struct ah_escalations *e,
                                               const struct ah_filter_subject *s, int64_t now);

#endif
