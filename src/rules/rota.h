/* rota.h - on-call schedules (api.md section 6): who is on call when.
 *
 * A schedule has a time zone and ordered layers. A layer hands over from
 * member to member (in order, round robin) at a fixed wall-clock time in the
 * schedule's zone:
 *
 *   {"name": "primary", "start": T, "rotation": {"unit": "hour"|"day"|"week",
 *    "length": N}, "handoff": "09:00", "member_ids": ["3", "5"],
 *    "restrictions": [{"days": [1..7], "start": "09:00", "end": "18:00"}]}
 *
 * Shift k of a layer runs from boundary B(k) to B(k+1) and belongs to
 * member_ids[k mod n]. B(0) is the layer's start. For "day" and "week",
 * B(k) (k >= 1) is the handoff time on the local date of the start plus
 * k * length days (weeks): the handoff stays at 09:00 local across
 * daylight-saving changes. A local time that does not exist (the spring
 * gap) moves forward by the gap; one that exists twice (the autumn fold)
 * is the first. For "hour", B(k) = start + k * length hours and the handoff
 * is not used.
 *
 * Restrictions (optional) limit a layer to weekly windows: days are 1
 * (Monday) to 7 (Sunday), empty = every day; an end not after the start
 * crosses midnight, and the day named is the day the window starts. Outside
 * them the layer has nobody.
 *
 * Later layers win where they have someone; overrides win over layers.
 * Compiled once per change; immutable; any thread. */
#ifndef AH_RULES_ROTA_H
#define AH_RULES_ROTA_H

#include "util/error.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define AH_ROTA_MAX_LAYERS       10
#define AH_ROTA_MAX_MEMBERS      50           /* per layer */
#define AH_ROTA_MAX_RESTRICTIONS 14           /* per layer */
#define AH_ROTA_MAX_SPAN         (90 * 86400) /* longest shifts query (the API's limit) */

struct ah_rota;

/* Compiles a schedule {name, timezone, layers: [...]} (the name is the
 * caller's). Refuses with AH_EINVAL naming the field: an unknown zone, no
 * layers or more than AH_ROTA_MAX_LAYERS, a layer without members or with
 * more than AH_ROTA_MAX_MEMBERS, a start that is not Unix seconds, a unit
 * other than hour, day or week, a length outside 1..365, a handoff or a
 * restriction time that is not HH:MM, days outside 1..7, more than
 * AH_ROTA_MAX_RESTRICTIONS restrictions. *@ret_json gets the normalized
 * schedule (ids as strings, defaults filled in); may be NULL. */
int ah_rota_compile(const json_t *schedule, struct ah_rota **ret, json_t **ret_json,
                    struct ah_error *reterr);
void ah_rota_free(struct ah_rota *r); /* NULL is a no-op */

/* Every member id the layers name (the caller checks they exist): a new
 * JSON array of strings, without repeats. */
json_t *ah_rota_members(const struct ah_rota *r);

/* A replacement: @member_id is on call from @start to @end. */
struct ah_rota_override {
    int64_t member_id;
    int64_t start, end;
};

/* A final shift: @member_id on call from @start to @end, from layer @layer
 * (0-based) or an override (@layer -1). */
struct ah_shift {
    int64_t member_id;
    int64_t start, end;
    int layer;
};

/* The final shifts that overlap [@since, @until), cut to that span, in time
 * order, adjacent pieces of one member and layer merged; gaps (nobody on
 * call) are left out. Overrides need not be sorted and may overlap (the
 * later one in the array wins). *@ret is a new array (ah_free), *@ret_n its
 * length. AH_EINVAL when @until <= @since. */
int ah_rota_shifts(const struct ah_rota *r, const struct ah_rota_override *ov, size_t nov,
                   int64_t since, int64_t until, struct ah_shift **ret, size_t *ret_n,
                   struct ah_error *reterr);

/* Who is on call at @at: the member id, or 0 for nobody; *@ret_layer as in
 * struct ah_shift (may be NULL). */
int64_t ah_rota_oncall(const struct ah_rota *r, const struct ah_rota_override *ov, size_t nov,
                       int64_t at, int *ret_layer);

/* The name of layer @i, and the schedule's time zone name. */
const char *ah_rota_layer_name(const struct ah_rota *r, int i);
const char *ah_rota_timezone(const struct ah_rota *r);

#endif
