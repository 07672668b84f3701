/* config_walk.h - what config.c (checking) and config_apply.c (applying)
 * share: the walk's context and the translation of names into ids.
 * Private to src/http/config*.c. */
#ifndef AH_HTTP_CONFIG_WALK_H
#define AH_HTTP_CONFIG_WALK_H

#include "http/admin.h"
#include "http/config.h"
#include "process/table.h"

#include <jansson.h>

struct ah_config_walk {
    struct ah_config_report *rep;
    struct ah_process_table *process; /* mapping tables for enrichment; may be empty */
    json_t *channels;                 /* name -> id */
    json_t *members;                  /* name -> id */
    int64_t next_fake;                /* ids given to names while checking */
    struct ah_store_tx *tx;           /* set while applying (then names must resolve) */
};

void ah_config_walk_init(struct ah_config_walk *w, struct ah_config_report *rep,
                         struct ah_process_table *process);
void ah_config_walk_done(struct ah_config_walk *w);

/* Checks the whole document, reporting every error. */
int ah_config_check(struct ah_config_walk *w, const json_t *doc);

void ah_config_error(struct ah_config_report *r, const char *path, const char *msg);

/* The id of @name in @map; while checking, an unknown name gets a new fake
 * id; while applying, 0. */
int64_t ah_config_id(struct ah_config_walk *w, json_t *map, const char *name);

/* The admin API's bodies with names translated to ids (new references), or
 * NULL with the errors reported. */
json_t *ah_config_escalations_body(struct ah_config_walk *w, const json_t *given, const char *path);
json_t *ah_config_routes_body(struct ah_config_walk *w, const json_t *given, const char *path);

/* A copy of @obj without @keys (NULL-terminated). */
json_t *ah_config_without(const json_t *obj, const char *const *keys);
extern const char *const ah_config_channel_parts[];

/* An integration's compiled rules (each NULL when not declared). */
struct ah_config_rules {
    json_t *routes_json; /* the routes with channel ids */
    struct ah_routes *routes;
    struct ah_enrichment *enrichment;
    struct ah_pipeline *pipeline;
};
int ah_config_compile_rules(struct ah_config_walk *w, const json_t *in, const char *path,
                            struct ah_config_rules *ret);
void ah_config_rules_done(struct ah_config_rules *r);

#endif
