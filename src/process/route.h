/* route.h - routing of shared integrations (spec section 12; api.md section
 * 3): ordered cases with filters, fall-through or stop, several channels per
 * case, a name-mapping mode that picks the channel named by a label, and a
 * default route used only when no case matched. Compiled once per change;
 * a compiled route set is immutable and shared between threads by
 * reference count (process/table.h). */
#ifndef AH_PROCESS_ROUTE_H
#define AH_PROCESS_ROUTE_H

#include "rules/filter.h"
#include "util/error.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define AH_ROUTE_MAX_CASES    200
#define AH_ROUTE_MAX_CHANNELS 50 /* channels one event may reach */

struct ah_routes;

/* Compiles @json {"cases": [{"if": FILTER, "channel_ids": [...],
 * "fallthrough": bool, "routing_mode": "standard"|"name_mapping",
 * "name_mapping_label": "team"}], "default": {"channel_ids": [...]}}.
 * Returns a new route set (reference count 1; ah_routes_unref). */
int ah_routes_compile(const json_t *json, struct ah_routes **ret, struct ah_error *reterr);
struct ah_routes *ah_routes_ref(struct ah_routes *r);
void ah_routes_unref(struct ah_routes *r); /* NULL is a no-op */

/* Every channel id the routes name (borrowed array of *@ret_n ids). */
const int64_t *ah_routes_channels(const struct ah_routes *r, size_t *ret_n);

/* Looks a channel up by name (name mapping); 0 when there is none. */
typedef int64_t (*ah_channel_by_name_fn)(void *ctx, const char *name);

/* The channels event @s goes to, deduplicated, in @out (at most
 * AH_ROUTE_MAX_CHANNELS); returns how many (0: no route matched). */
size_t ah_routes_match(const struct ah_routes *r, const struct ah_filter_subject *s,
                       ah_channel_by_name_fn by_name, void *ctx, int64_t *out);

#endif
