/* mapping.h - label-mapping tables (spec 7.1, mapping of type "schema"): a
 * table the user uploads as CSV whose source label columns select a row and
 * whose result label columns become labels of the event. For example, with
 * source_labels ["host"] and result_labels ["owner", "team"]:
 *
 *   host,owner,team
 *   db-1,alice,storage
 *
 * gives an event labelled host=db-1 the labels owner=alice, team=storage.
 *
 * A table's columns are fixed when it is made; its rows are replaced whole
 * by each upload (ah_mapping_load_csv), atomically: a lookup sees the old
 * rows or the new ones, never a mix. Shared between threads by reference
 * count; lookups may run from any thread while an upload replaces the rows. */
#ifndef AH_PROCESS_MAPPING_H
#define AH_PROCESS_MAPPING_H

#include "util/error.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define AH_MAPPING_MAX_SOURCE 5      /* source label columns */
#define AH_MAPPING_MAX_RESULT 20     /* result label columns */
#define AH_MAPPING_MAX_ROWS   100000 /* rows one upload may hold */

struct ah_mapping;

/* Checks @schema {"source_labels": [...], "result_labels": [...]} (label
 * names, no name in both lists, none twice) and returns a new table with
 * no rows (reference count 1; ah_mapping_unref). */
int ah_mapping_new(int64_t id, const json_t *schema, struct ah_mapping **ret,
                   struct ah_error *reterr);
struct ah_mapping *ah_mapping_ref(struct ah_mapping *m);
void ah_mapping_unref(struct ah_mapping *m); /* NULL is a no-op */

int64_t ah_mapping_id(const struct ah_mapping *m);
/* The result label columns (borrowed JSON array of strings). */
const json_t *ah_mapping_result_labels(const struct ah_mapping *m);

/* Rows read from an upload, not yet in a table. */
struct ah_mapping_rows;

/* Reads @csv for table @m: a header row naming every source and result
 * column once (in any order, nothing else), then one row per source value
 * combination. A row with a source cell empty never matches; an empty result
 * cell sets nothing. Refuses (AH_EINVAL naming the line) a bad header, a row
 * of another width, a cell that is not UTF-8, two rows with the same source
 * values and more than AH_MAPPING_MAX_ROWS rows. Returns new rows
 * (ah_mapping_rows_free, or give them to ah_mapping_set_rows). */
int ah_mapping_parse(const struct ah_mapping *m, const char *csv, size_t len,
                     struct ah_mapping_rows **ret, struct ah_error *reterr);
size_t ah_mapping_rows_count(const struct ah_mapping_rows *rows);
void ah_mapping_rows_free(struct ah_mapping_rows *rows); /* NULL is a no-op */

/* Replaces @m's rows by @rows (taking them; they must come from
 * ah_mapping_parse on @m), atomically for lookups. */
void ah_mapping_set_rows(struct ah_mapping *m, struct ah_mapping_rows *rows);

/* How many rows the table holds now. */
size_t ah_mapping_rows(struct ah_mapping *m);

/* Looks up the row selected by @labels (an object of string values).
 * Returns a new object {result label: value} with the row's non-empty
 * result cells, or NULL when a source label is missing or no row has
 * these values. */
json_t *ah_mapping_lookup(struct ah_mapping *m, const json_t *labels);

#endif
