/* route.h - routing of shared integrations (spec section 12; api.md section
 * 3): ordered cases with filters, fall-through or stop, several channels per
 * case, a name-mapping mode that picks the channel named by a label, and a
 * default route used only when no case matched. Compiled once per change;
 * a compiled route set is immutable and shared between threads by
 * reference count (ah_route_table). */
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

/* The normalized configuration (borrowed). */
const json_t *ah_routes_json(const struct ah_routes *r);

/* Every channel id the routes name (borrowed array of *@ret_n ids). */
const int64_t *ah_routes_channels(const struct ah_routes *r, size_t *ret_n);

/* Looks a channel up by name (name mapping); 0 when there is none. */
typedef int64_t (*ah_channel_by_name_fn)(void *ctx, const char *name);

/* The channels event @s goes to, deduplicated, in @out (at most
 * AH_ROUTE_MAX_CHANNELS); returns how many (0: no route matched). */
size_t ah_routes_match(const struct ah_routes *r, const struct ah_filter_subject *s,
                       ah_channel_by_name_fn by_name, void *ctx, int64_t *out);

/* A thread-safe table: integration id -> routes, and channel name -> id. */
struct ah_route_table;

struct ah_route_table *ah_route_table_new(void);
void ah_route_table_free(struct ah_route_table *t);
/* Takes a reference to @r (NULL removes the integration's routes). */
void ah_route_table_set(struct ah_route_table *t, int64_t integration_id, struct ah_routes *r);
/* Returns a new reference (ah_routes_unref), or NULL when none. */
struct ah_routes *ah_route_table_get(struct ah_route_table *t, int64_t integration_id);
/* Channel names for name mapping; @id 0 forgets @name. */
void ah_route_table_name(struct ah_route_table *t, const char *name, int64_t id);
/* Forgets every name of channel @id (deleted or renamed). */
void ah_route_table_forget(struct ah_route_table *t, int64_t id);
/* An ah_channel_by_name_fn over @ctx = the table. */
int64_t ah_route_table_by_name(void *ctx, const char *name);

#endif
