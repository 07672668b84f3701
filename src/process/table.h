/* table.h - what the integration layer runs for each integration, shared
 * between the HTTP threads (which read it per request) and the admin API
 * (which replaces parts of it after a commit):
 *
 *   integration id -> its rules: enrichment, pipeline, routes
 *   mapping table id -> table (for enrichment's mapping rules)
 *   channel name -> channel id (for routes' name mapping)
 *
 * An integration's rules are an immutable bundle; changing one part swaps in
 * a new bundle, so a request sees one consistent set for its whole life. */
#ifndef AH_PROCESS_TABLE_H
#define AH_PROCESS_TABLE_H

#include "process/enrich.h"
#include "process/mapping.h"
#include "process/pipeline.h"
#include "process/route.h"

#include <stdint.h>

/* One integration's rules; each part may be NULL. Read-only once shared. */
struct ah_intg_rules {
    struct ah_enrichment *enrichment;
    struct ah_pipeline *pipeline;
    struct ah_routes *routes;
};

struct ah_process_table;

struct ah_process_table *ah_process_table_new(void);
void ah_process_table_free(struct ah_process_table *t); /* NULL is a no-op */

/* Each takes a new reference to its part (NULL clears the part). */
void ah_process_table_set_enrichment(struct ah_process_table *t, int64_t integration_id,
                                     struct ah_enrichment *e);
void ah_process_table_set_pipeline(struct ah_process_table *t, int64_t integration_id,
                                   struct ah_pipeline *p);
void ah_process_table_set_routes(struct ah_process_table *t, int64_t integration_id,
                                 struct ah_routes *r);
/* Forgets every rule of a deleted integration. */
void ah_process_table_forget_integration(struct ah_process_table *t, int64_t integration_id);

/* Returns a new reference to the integration's rules (ah_intg_rules_unref),
 * or NULL when it has none. */
struct ah_intg_rules *ah_process_table_get(struct ah_process_table *t, int64_t integration_id);
void ah_intg_rules_unref(struct ah_intg_rules *r); /* NULL is a no-op */

/* Mapping tables: put takes a new reference (replacing one with the same
 * id); the finder is an ah_mapping_find_fn over @ctx = the table. */
void ah_process_table_put_mapping(struct ah_process_table *t, struct ah_mapping *m);
void ah_process_table_remove_mapping(struct ah_process_table *t, int64_t id);
struct ah_mapping *ah_process_table_mapping(void *ctx, int64_t id);

/* Replaces the whole of @t with @fresh's rules, mapping tables and channel
 * names at once (another node changed them, store.h); frees @fresh.
 * References already taken stay valid. */
void ah_process_table_take(struct ah_process_table *t, struct ah_process_table *fresh);

/* Channel names for name mapping; @id 0 forgets @name. */
void ah_process_table_name(struct ah_process_table *t, const char *name, int64_t id);
/* Forgets every name of channel @id (deleted or renamed). */
void ah_process_table_forget_channel(struct ah_process_table *t, int64_t id);
/* An ah_channel_by_name_fn over @ctx = the table. */
int64_t ah_process_table_by_name(void *ctx, const char *name);

#endif
