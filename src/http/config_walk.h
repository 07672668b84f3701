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
    json_t *targets;                  /* name -> id (notify targets) */
    json_t *teams;                    /* name -> id */
    json_t *schedules;                /* name -> id */
    int64_t next_fake;                /* ids given to names while checking */
    struct ah_store_tx *tx;           /* set while applying (then names must resolve) */
};

void ah_config_walk_init(struct ah_config_walk *w, struct ah_config_report *rep,
                         struct ah_process_table *process);
void ah_config_walk_done(struct ah_config_walk *w);

/* Checks the whole document, reporting every error. */
int ah_config_check(struct ah_config_walk *w, const json_t *doc);

/* Reports @msg about the object at @path ("(top)", "channels[2].grouping"),
 * with the line and column where it starts when known. */
void ah_config_error(struct ah_config_report *r, const char *path, const char *msg);
/* Reports an apply failure "PATH: message" as ah_config_error does. */
void ah_config_error_at(struct ah_config_report *r, const char *msg);

/* ---- reading (config_yaml.c) ---- */

/* Reads @r->file: JSON (the name ends in .json, or the text starts with
 * '{' and the name does not end in .yaml or .yml) or YAML (mappings,
 * sequences and scalars; anchors, aliases, duplicate keys and tags other
 * than the standard ones refused). Returns AH_OK and the document (a new
 * reference) in *@ret_doc, keeping it and its positions in @r; or AH_EINVAL
 * with "FILE:LINE:COL: message" in @r. */
int ah_config_parse(struct ah_config_report *r, json_t **ret_doc);
/* Where @node starts (1-based): 1, or 0 when it has no position (true,
 * false and null are shared by jansson and have none). */
int ah_config_marks_find(struct ah_config_marks *m, const json_t *node, int *ret_line,
                         int *ret_col);
void ah_config_marks_free(struct ah_config_marks *m);

/* The id of @name in @map; while checking, an unknown name gets a new fake
 * id; while applying, 0. */
int64_t ah_config_id(struct ah_config_walk *w, json_t *map, const char *name);

/* The admin API's bodies with names translated to ids (new references), or
 * NULL with the errors reported. */
json_t *ah_config_escalations_body(struct ah_config_walk *w, const json_t *given, const char *path);
json_t *ah_config_routes_body(struct ah_config_walk *w, const json_t *given, const char *path);

/* The on-call objects a file declares besides members. */
enum ah_config_kind { AH_CONFIG_TARGET, AH_CONFIG_TEAM, AH_CONFIG_SCHEDULE };
/* The admin API's create body for a target (channels -> channel_ids,
 * absent lists emptied so that the file wins), a team (members ->
 * member_ids) or a schedule (each layer's members -> member_ids), checked
 * by the admin API's check function (a schedule compiled and normalized):
 * a new reference, or NULL with the errors reported. */
json_t *ah_config_oncall_body(struct ah_config_walk *w, enum ah_config_kind kind,
                              const json_t *given, const char *path);

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
