/* enrich.h - label enrichment of an integration (spec 7.1; api.md section
 * 3): ordered rules that add, rebuild or delete labels of every event the
 * integration receives, before the pipeline and routing see it.
 *
 *   {"rules": [{"kind": "extraction"|"composition"|"mapping"|"drop",
 *               "if": [COND, ...],          (an AND list; omitted: always)
 *               "settings": {...}}, ...]}
 *
 *   extraction   {"source_field": "title"|"description"|"labels.NAME",
 *                 "pattern": "RE", "result_label": "name", "override": false}
 *                the named group "result" of RE, else the whole match
 *   composition  {"template": "{{.labels.host}}/{{.title}}",
 *                 "result_label": "name", "override": false}
 *   mapping      {"schema_id": "3", "result_labels": ["owner"], "override":
 *                 false}  (result_labels omitted: all the table's columns)
 *   drop         {"drop_labels": ["a", "b"]}
 *
 * Rules run top to bottom, each seeing the labels the ones before made; a
 * rule whose condition fails, or that finds nothing, changes nothing. A label
 * that exists is kept unless the rule says "override": true. Compiled once
 * per change; immutable; shared by reference count. */
#ifndef AH_PROCESS_ENRICH_H
#define AH_PROCESS_ENRICH_H

#include "model/event.h"
#include "model/integration.h"
#include "process/mapping.h"
#include "util/error.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define AH_ENRICH_MAX_RULES    50
#define AH_ENRICH_MAX_TEMPLATE 500 /* bytes of a composition template */

struct ah_enrichment;

/* Finds mapping table @id: a new reference, or NULL when there is none. */
typedef struct ah_mapping *(*ah_mapping_find_fn)(void *ctx, int64_t id);

/* Compiles @json; a mapping rule's table is looked up with @find. On error
 * returns AH_EINVAL with a message naming the rule ("rules[2]: ..."). */
int ah_enrichment_compile(const json_t *json, ah_mapping_find_fn find, void *ctx,
                          struct ah_enrichment **ret, struct ah_error *reterr);
struct ah_enrichment *ah_enrichment_ref(struct ah_enrichment *e);
void ah_enrichment_unref(struct ah_enrichment *e); /* NULL is a no-op */

/* The configuration as compiled (borrowed). */
const json_t *ah_enrichment_json(const struct ah_enrichment *e);
/* The mapping tables the rules use (borrowed array of *@ret_n ids). */
const int64_t *ah_enrichment_mappings(const struct ah_enrichment *e, size_t *ret_n);

/* Runs the rules on @ev of integration @intg (its id for conditions; its
 * type and name for composition templates). */
void ah_enrichment_apply(const struct ah_enrichment *e, struct ah_event *ev,
                         const struct ah_integration *intg);

#endif
