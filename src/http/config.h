/* config.h - configuration as code (docs/config.md): a JSON or YAML file that
 * declares channels (with grouping, flapping, silences, inhibits,
 * auto-resolve and escalation rules), members and integrations (with fixed
 * keys, routes, enrichment and pipelines) in the admin API's shapes.
 *
 * Checking uses the admin API's own compile and check functions; applying
 * runs one writer job, so that the whole file is applied in one
 * transaction or not at all. Objects are matched by name; what the file
 * declares wins; with "prune": true the objects of the declared kinds that
 * the file does not name are deleted. */
#ifndef AH_HTTP_CONFIG_H
#define AH_HTTP_CONFIG_H

#include "http/app.h"
#include "process/table.h"
#include "util/buf.h"

#include <jansson.h>
#include <stddef.h>

struct ah_config_marks;

/* Every error found, one line each: "FILE:LINE:COL: message" for syntax,
 * "FILE:LINE:COL: PATH: message" for the rest (PATH like
 * channels[2].silences[0], LINE:COL where that object starts; "FILE: PATH:
 * message" when no position is known). */
struct ah_config_report {
    const char *file; /* borrowed */
    size_t errors;
    struct ah_buf text;
    json_t *doc;                   /* the document read (a reference), for positions */
    struct ah_config_marks *marks; /* where each node of @doc starts */
};

void ah_config_report_init(struct ah_config_report *r, const char *file);
void ah_config_report_done(struct ah_config_report *r);

/* Reads (JSON or YAML, config_yaml.c) and checks the file @r->file; enrichment may use the mapping
 * tables of @tables (NULL: none, as without a server). Returns AH_OK and the document (a new
 * reference) in *@ret_doc, or AH_EINVAL with every error in
 * @r. Names that the file does not declare are resolved when applied. */
int ah_config_load(struct ah_config_report *r, struct ah_process_table *tables, json_t **ret_doc);

/* Applies a document that ah_config_load accepted through @app's writer,
 * and waits for the commit. Returns AH_OK, or an error with its message in
 * @r (nothing was changed). Thread: not the writer's. */
int ah_config_apply(struct ah_app *app, const json_t *doc, struct ah_config_report *r);

#endif
