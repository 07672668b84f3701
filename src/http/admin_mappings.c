/* admin_mappings.c - /api/v1/mapping-schemas: the tables that label
 * enrichment's mapping rules look labels up in (process/mapping.h).
 *
 *   GET    /mapping-schemas              list (without rows)
 *   POST   /mapping-schemas              {name, description?, source_labels,
 *                                         result_labels}
 *   GET    /mapping-schemas/{id}
 *   PATCH  /mapping-schemas/{id}         {name?, description?}
 *   DELETE /mapping-schemas/{id}         409 while an enrichment uses it
 *   GET    /mapping-schemas/{id}/data    the CSV as uploaded (text/csv)
 *   PUT    /mapping-schemas/{id}/data    a CSV body replaces every row
 *
 * A CSV is read on the HTTP thread, so a bad one is refused naming its
 * line; the writer stores it; lookups see the new rows after the commit. */
#include "http/admin.h"

#include "process/table.h"
#include "util/alloc.h"

#include <string.h>

#define MAPPING_MAX_NAME 100

static enum MHD_Result mapping_finish(struct ah_request *req)
{
    return ah_admin_finish(req, ah_store_read_mapping);
}

/* Writer thread. A new table enters the process table with no rows. */
static int mapping_run(struct ah_job *job, struct ah_store_tx *tx, struct ah_reduce *reduce,
                       int64_t now, struct ah_error *err)
{
    struct ah_request *req = ah_request_of(job);
    const char *name = json_string_value(json_object_get(req->json, "name"));
    const char *desc = json_string_value(json_object_get(req->json, "description"));
    int rc;

    (void)reduce;
    if (strcmp(req->method, "DELETE") == 0)
        return ah_store_tx_mapping_delete(tx, req->id, err);
    if (strcmp(req->method, "PATCH") == 0)
        return ah_store_tx_mapping_update(tx, req->id, name, desc, now, err);
    rc = ah_store_tx_mapping_insert(tx, req->json, now, &req->id, err);
    return rc < 0 ? rc : ah_mapping_new(req->id, req->json, &req->rule.u.mapping, err);
}

static void mapping_committed(struct ah_job *job)
{
    struct ah_request *req = ah_request_of(job);

    if (strcmp(req->method, "DELETE") == 0)
        ah_process_table_remove_mapping(req->app->process, req->id);
    else if (req->rule.u.mapping != NULL)
        ah_process_table_put_mapping(req->app->process, req->rule.u.mapping);
}

/* POST and PATCH bodies; the columns are checked by ah_mapping_new. */
static int check_body(struct ah_request *req, enum MHD_Result *ret)
{
    int create = strcmp(req->method, "POST") == 0;
    struct ah_mapping *m = NULL;
    struct ah_error err;
    const char *s;

    if (ah_request_json_object(req, ret) < 0 ||
        ah_admin_check_string(req, "name", create, 1, MAPPING_MAX_NAME, &s, ret) < 0 ||
        ah_admin_check_string(req, "description", 0, 0, 500, &s, ret) < 0)
        return -1;
    ah_error_clear(&err);
    if (!create && (json_object_get(req->json, "source_labels") != NULL ||
                    json_object_get(req->json, "result_labels") != NULL)) {
        *ret =
            ah_respond_error(req, 400, "InvalidParameter",
                             "the columns of a mapping schema cannot change: create a new one", 0);
        return -1;
    }
    if (create && ah_mapping_new(0, req->json, &m, &err) < 0) {
        *ret = ah_respond_failure(req, &err);
        return -1;
    }
    ah_mapping_unref(m);
    return 0;
}

/* ================= rows ================= */

struct ah_mapping_upload {
    struct ah_mapping *m;
    struct ah_mapping_rows *rows;
};

void ah_mapping_upload_free(struct ah_mapping_upload *u)
{
    if (u == NULL)
        return;
    ah_mapping_rows_free(u->rows);
    ah_mapping_unref(u->m);
    ah_free(u);
}

static int data_run(struct ah_job *job, struct ah_store_tx *tx, struct ah_reduce *reduce,
                    int64_t now, struct ah_error *err)
{
    struct ah_request *req = ah_request_of(job);
    struct ah_mapping_upload *u = req->rule.u.upload;

    (void)reduce;
    return ah_store_tx_mapping_data(tx, req->id, ah_buf_str(&req->body),
                                    ah_mapping_rows_count(u->rows), now, err);
}

static void data_committed(struct ah_job *job)
{
    struct ah_mapping_upload *u = ah_request_of(job)->rule.u.upload;

    ah_mapping_set_rows(u->m, u->rows);
    u->rows = NULL;
}

static enum MHD_Result data_put(struct ah_request *req)
{
    struct ah_mapping_upload *u;
    struct ah_error err;

    u = ah_xcalloc(1, sizeof(*u));
    req->rule.kind = AH_RULE_UPLOAD;
    req->rule.u.upload = u;
    ah_error_clear(&err);
    u->m = ah_process_table_mapping(req->app->process, req->id);
    if (u->m == NULL) {
        ah_error_set(&err, AH_ENOTFOUND, "mapping schema \"%lld\" does not exist",
                     (long long)req->id);
        return ah_respond_failure(req, &err);
    }
    if (ah_mapping_parse(u->m, ah_buf_str(&req->body), req->body.len, &u->rows, &err) < 0)
        return ah_respond_failure(req, &err);
    req->job.committed = data_committed;
    return ah_request_submit(req, data_run, mapping_finish);
}

static enum MHD_Result data(struct ah_request *req)
{
    struct ah_error err;
    char *csv = NULL;

    if (strcmp(req->method, "PUT") == 0)
        return data_put(req);
    if (strcmp(req->method, "GET") != 0)
        return ah_admin_not_allowed(req);
    if (ah_store_read_mapping_csv(req->app->store, req->id, &csv, &err) < 0)
        return ah_respond_failure(req, &err);
    return ah_respond_text(req, 200, "text/csv; charset=utf-8", csv);
}

enum MHD_Result ah_admin_mappings(struct ah_request *req, int64_t id, const char *action)
{
    enum MHD_Result ret;

    req->id = id;
    if (id != 0 && strcmp(action, "data") == 0)
        return data(req);
    if (action[0] != '\0')
        return ah_admin_no_route(req);
    if (strcmp(req->method, "GET") == 0)
        return ah_admin_read(req, id, ah_store_read_mappings, ah_store_read_mapping);
    if (!((strcmp(req->method, "POST") == 0 && id == 0) ||
          ((strcmp(req->method, "PATCH") == 0 || strcmp(req->method, "DELETE") == 0) && id != 0)))
        return ah_admin_not_allowed(req);
    if (strcmp(req->method, "DELETE") != 0 && check_body(req, &ret) < 0)
        return ret;
    req->rule.kind = AH_RULE_MAPPING;
    req->job.committed = mapping_committed;
    return ah_request_submit(req, mapping_run, mapping_finish);
}
