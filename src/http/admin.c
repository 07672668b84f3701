/* admin.c - /api/v1: authentication (a bearer token, or the console's
 * session cookie: admin_session.c), then dispatch by
 * resource: /api/v1/<resource>[/<id>[/<action>]]. */
#include "http/admin.h"
#include "http/routes.h"
#include "process/enrich.h"
#include "process/mapping.h"
#include "process/pipeline.h"
#include "process/route.h"
#include "reduce/rules.h"

#include "util/alloc.h"
#include "util/sha256.h"
#include "util/hex.h"
#include "util/text.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int64_t ah_admin_parse_id(const char *s, size_t len)
{
    int64_t v = 0;
    size_t i;

    if (len == 0 || len > 18 || s[0] == '0')
        return 0;
    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int ah_admin_int_arg(struct ah_request *req, const char *name, int64_t *out, enum MHD_Result *ret)
{
    const char *v = ah_request_arg(req, name);
    char msg[128];
    char *end;
    long long n;

    *out = 0;
    if (v == NULL || v[0] == '\0')
        return 0;
    errno = 0;
    n = strtoll(v, &end, 10);
    if (errno == 0 && *end == '\0' && n >= 0) {
        *out = n;
        return 0;
    }
    snprintf(msg, sizeof(msg), "%s must be a non-negative integer", name);
    *ret = ah_respond_error(req, 400, "InvalidParameter", msg, 0);
    return -1;
}

int ah_admin_page(struct ah_request *req, struct ah_page *page, enum MHD_Result *ret)
{
    const char *limit = ah_request_arg(req, "limit");
    const char *cursor = ah_request_arg(req, "cursor");
    int64_t n = 50;

    if (limit != NULL) {
        n = ah_admin_parse_id(limit, strlen(limit));
        if (n < 1 || n > 500) {
            *ret = ah_respond_error(req, 400, "InvalidParameter",
                                    "limit must be an integer from 1 to 500", 0);
            return -1;
        }
    }
    page->limit = (int)n;
    page->cursor = 0;
    if (cursor != NULL && cursor[0] != '\0') {
        page->cursor = ah_admin_parse_id(cursor, strlen(cursor));
        if (page->cursor == 0) {
            *ret = ah_respond_error(req, 400, "InvalidParameter", "cursor is not valid", 0);
            return -1;
        }
    }
    return 0;
}

int ah_admin_check_string(struct ah_request *req, const char *field, int required, size_t min,
                          size_t max, const char **ret_value, enum MHD_Result *ret)
{
    struct ah_error err;

    if (ah_admin_string_field(req->json, field, required, min, max, ret_value, &err) == AH_OK)
        return 0;
    *ret = ah_respond_failure(req, &err);
    return -1;
}

enum MHD_Result ah_admin_not_allowed(struct ah_request *req)
{
    return ah_respond_error(req, 405, "MethodNotAllowed", "method not allowed on this path", 0);
}

enum MHD_Result ah_admin_no_route(struct ah_request *req)
{
    return ah_respond_error(req, 404, "RouteNotFound", "no route for this path", 0);
}

enum MHD_Result ah_admin_deleted(struct ah_request *req, int64_t id)
{
    return ah_respond_data(req, 200, json_pack("{so}", "id", json_sprintf("%lld", (long long)id)));
}

enum MHD_Result ah_admin_read_result(struct ah_request *req, int rc, json_t *data,
                                     const struct ah_error *err)
{
    if (rc < 0)
        return ah_respond_failure(req, err);
    return ah_respond_data(req, 200, data);
}

/* ================= body checks ================= */

int ah_admin_one_of(const char *s, const char *const *list)
{
    size_t i;

    for (i = 0; s != NULL && list[i] != NULL; i++) {
        if (strcmp(s, list[i]) == 0)
            return 1;
    }
    return 0;
}

int ah_admin_only_keys(const json_t *obj, const char *const *keys, const char *prefix,
                       struct ah_error *err)
{
    const char *key;
    json_t *v;

    json_object_foreach((json_t *)obj, key, v)
    {
        if (!ah_admin_one_of(key, keys))
            return ah_error_set(err, AH_EINVAL, "unknown field \"%s%s\"", prefix, key);
    }
    return AH_OK;
}

int ah_admin_string_field(const json_t *obj, const char *field, int required, size_t min,
                          size_t max, const char **ret_value, struct ah_error *err)
{
    const json_t *v = json_object_get(obj, field);
    const char *s = json_string_value(v);

    if (ret_value != NULL)
        *ret_value = s;
    if ((v == NULL && !required) || (s != NULL && ah_utf8_len(s) >= min && ah_utf8_len(s) <= max))
        return AH_OK;
    return ah_error_set(err, AH_EINVAL, "%s must be a string of %zu to %zu characters", field, min,
                        max);
}

/* AH_EINVAL when id @seen[@i] stands earlier in @seen. */
static int repeated(const int64_t *seen, size_t i, const struct ah_admin_ids *spec,
                    struct ah_error *err)
{
    size_t j;

    for (j = 0; j < i; j++) {
        if (seen[j] == seen[i])
            return ah_error_set(err, AH_EINVAL, "%s[%zu] repeats %s \"%lld\"", spec->field, i,
                                spec->noun, (long long)seen[i]);
    }
    return AH_OK;
}

int ah_admin_check_ids(json_t *body, const struct ah_admin_ids *spec, struct ah_error *err)
{
    json_t *v = json_object_get(body, spec->field), *item, *ids;
    int64_t *seen;
    size_t i;
    int rc = AH_OK;

    if (v == NULL)
        return AH_OK;
    if (!json_is_null(v) && (!json_is_array(v) || json_array_size(v) > spec->max))
        return ah_error_set(err, AH_EINVAL, "%s must be an array of at most %zu %s ids",
                            spec->field, spec->max, spec->noun);
    seen = ah_xcalloc(json_array_size(v) + 1, sizeof(*seen));
    json_array_foreach(v, i, item)
    {
        seen[i] = spec->id_of(item);
        if (seen[i] == 0)
            rc = ah_error_set(err, AH_EINVAL,
                              "%s[%zu] must be a %s id (a string or a positive "
                              "integer)",
                              spec->field, i, spec->noun);
        else
            rc = repeated(seen, i, spec, err);
        if (rc < 0)
            goto fail;
    }
    ids = json_array();
    for (i = 0; i < json_array_size(v); i++)
        json_array_append_new(ids, json_sprintf("%lld", (long long)seen[i]));
    json_object_set_new(body, spec->field, ids);
fail:
    ah_free(seen);
    return rc;
}

/* ================= reads, and answers after the writer ================= */

enum MHD_Result ah_admin_read(struct ah_request *req, int64_t id, ah_admin_list_fn list,
                              ah_admin_get_fn get)
{
    struct ah_error err;
    struct ah_page page;
    enum MHD_Result ret;
    json_t *data = NULL;
    int rc;

    if (id != 0)
        rc = get(req->app->store, id, &data, &err);
    else if (ah_admin_page(req, &page, &ret) < 0)
        return ret;
    else
        rc = list(req->app->store, &page, &data, &err);
    return ah_admin_read_result(req, rc, data, &err);
}

int ah_admin_job_answered(struct ah_request *req, int64_t deleted_id, enum MHD_Result *ret)
{
    if (req->job.rc < 0)
        *ret = ah_respond_failure(req, &req->job.err);
    else if (strcmp(req->method, "DELETE") == 0)
        *ret = ah_admin_deleted(req, deleted_id);
    else
        return 0;
    return 1;
}

/* The row as stored after a write (201 for a POST), or the read's failure. */
static enum MHD_Result saved(struct ah_request *req, int rc, json_t *data,
                             const struct ah_error *err)
{
    if (rc < 0)
        return ah_respond_failure(req, err);
    return ah_respond_data(req, strcmp(req->method, "POST") == 0 ? 201 : 200, data);
}

enum MHD_Result ah_admin_answer(struct ah_request *req, int64_t deleted_id,
                                ah_admin_reread_fn reread)
{
    struct ah_error err;
    enum MHD_Result ret;
    json_t *data = NULL;
    int rc;

    if (ah_admin_job_answered(req, deleted_id, &ret))
        return ret;
    rc = reread(req, &data, &err);
    return saved(req, rc, data, &err);
}

enum MHD_Result ah_admin_finish(struct ah_request *req, ah_admin_get_fn get)
{
    struct ah_error err;
    enum MHD_Result ret;
    json_t *data = NULL;
    int rc;

    if (req->job.rc == AH_ECONFLICT && strcmp(req->method, "DELETE") == 0)
        return ah_respond_error(req, 409, "ReferenceExist", req->job.err.msg, 0);
    if (ah_admin_job_answered(req, req->id, &ret))
        return ret;
    rc = get(req->app->store, req->id, &data, &err);
    return saved(req, rc, data, &err);
}

int ah_admin_rows_write(struct ah_request *req, struct ah_store_tx *tx, int64_t now,
                        const struct ah_admin_rows *k, struct ah_error *err)
{
    json_t *row = NULL;
    int rc;

    if (strcmp(req->method, "DELETE") == 0)
        return k->remove(tx, req->id, err);
    if (strcmp(req->method, "PATCH") != 0) {
        rc = k->refs != NULL ? k->refs(tx, req->json, err) : AH_OK;
        return rc < 0 ? rc : k->insert(tx, req->json, now, &req->id, err);
    }
    rc = k->get(tx, req->id, &row, err);
    if (rc == AH_OK && k->refs != NULL)
        rc = k->refs(tx, req->json, err);
    if (rc == AH_OK) {
        json_object_update(row, req->json);
        rc = k->update(tx, req->id, row, now, err);
    }
    json_decref(row);
    return rc;
}

enum MHD_Result ah_admin_crud(struct ah_request *req, int64_t id, const char *action,
                              const struct ah_admin_crud *k)
{
    struct ah_error err;
    enum MHD_Result ret;

    req->id = id;
    if (action[0] != '\0')
        return ah_admin_no_route(req);
    if (strcmp(req->method, "GET") == 0)
        return ah_admin_read(req, id, k->list, k->get);
    if (strcmp(req->method, "DELETE") == 0 && id != 0)
        return ah_request_submit(req, k->run, k->finish);
    if (!((strcmp(req->method, "POST") == 0 && id == 0) ||
          (strcmp(req->method, "PATCH") == 0 && id != 0)))
        return ah_admin_not_allowed(req);
    if (ah_request_json_object(req, &ret) < 0)
        return ret;
    ah_error_clear(&err);
    if (k->check(req, &err) < 0)
        return ah_respond_failure(req, &err);
    return ah_request_submit(req, k->run, k->finish);
}

/* ================= compiled rules on their way ================= */

void ah_rule_ctx_done(struct ah_rule_ctx *rule)
{
    switch (rule->kind) {
    case AH_RULE_NONE:
        break;
    case AH_RULE_GROUPING:
        ah_grouping_free(rule->u.grouping);
        break;
    case AH_RULE_FLAPPING:
        ah_flapping_free(rule->u.flapping);
        break;
    case AH_RULE_SILENCE:
        ah_silence_free(rule->u.silence);
        break;
    case AH_RULE_INHIBIT:
        ah_inhibit_free(rule->u.inhibit);
        break;
    case AH_RULE_ESCALATIONS:
        ah_escalations_free(rule->u.escalations);
        break;
    case AH_RULE_ROUTES:
        ah_routes_unref(rule->u.routes);
        break;
    case AH_RULE_ENRICHMENT:
        ah_enrichment_unref(rule->u.enrichment);
        break;
    case AH_RULE_PIPELINE:
        ah_pipeline_unref(rule->u.pipeline);
        break;
    case AH_RULE_MAPPING:
        ah_mapping_unref(rule->u.mapping);
        break;
    case AH_RULE_UPLOAD:
        ah_mapping_upload_free(rule->u.upload);
        break;
    }
    rule->kind = AH_RULE_NONE;
}

/* ================= authentication and dispatch ================= */

/* Answers 401 or 403 and returns -1 unless the token (or the session
 * cookie, admin_session.c) may make @req. */
static int allowed(struct ah_request *req, const char *path, enum MHD_Result *ret)
{
    enum ah_scope have, need = ah_scope_needed(req->method, path);
    char msg[160];
    int cookie;

    if (strcmp(path, "session") == 0) {
        int rc = ah_admin_session_begin(req, ret);

        if (rc >= 0)
            return rc ? -1 : 0;
    }
    have = ah_admin_scope(req, &cookie);
    if (have == AH_SCOPE_NONE) {
        *ret =
            ah_respond_error(req, 401, "Unauthorized",
                             cookie ? "the session is unknown, expired or its token was "
                                      "revoked: sign in again"
                                    : "missing or wrong bearer token in the Authorization header",
                             0);
        return -1;
    }
    if (cookie && !ah_admin_csrf_ok(req)) {
        *ret = ah_admin_csrf_refused(req);
        return -1;
    }
    if (have < need) {
        /* The method is one libmicrohttpd accepted; the path is not quoted
         * (it is the client's text and may not be UTF-8). */
        snprintf(msg, sizeof(msg), "this token's scope is %s; this %.16s needs the %s scope",
                 ah_scope_name(have), req->method, ah_scope_name(need));
        *ret = ah_respond_error(req, 403, "Forbidden", msg, 0);
        return -1;
    }
    return 0;
}

static const struct {
    const char *name;
    enum MHD_Result (*fn)(struct ah_request *req, int64_t id, const char *action);
} resources[] = {
    {"channels", ah_admin_channels},   {"integrations", ah_admin_integrations},
    {"incidents", ah_admin_incidents}, {"alerts", ah_admin_alerts},
    {"events", ah_admin_events},       {"mapping-schemas", ah_admin_mappings},
    {"members", ah_admin_members},     {"notify-targets", ah_admin_notify_targets},
    {"teams", ah_admin_teams},         {"schedules", ah_admin_schedules},
    {"tokens", ah_admin_tokens},       {"session", ah_admin_session},
};

/* Before the body: the token, and whether its scope allows the request. */
int ah_admin_begin(struct ah_request *req, enum MHD_Result *ret)
{
    const char *path = req->url + strlen("/api/v1");

    return allowed(req, path[0] == '/' ? path + 1 : path, ret) < 0;
}

/* Runs after ah_admin_begin() accepted the token and its scope. */
enum MHD_Result ah_handle_admin(struct ah_request *req, const char *path)
{
    const char *seg = path[0] == '/' ? path + 1 : path, *slash, *action = "";
    size_t n, i;
    int64_t id = 0;

    if (strcmp(seg, "test/clock") == 0)
        return ah_admin_test_clock(req);
    slash = strchr(seg, '/');
    n = slash ? (size_t)(slash - seg) : strlen(seg);
    for (i = 0; i < sizeof(resources) / sizeof(resources[0]); i++) {
        if (strlen(resources[i].name) != n || strncmp(seg, resources[i].name, n) != 0)
            continue;
        if (slash != NULL) {
            const char *idp = slash + 1, *next = strchr(idp, '/');
            size_t idlen = next ? (size_t)(next - idp) : strlen(idp);

            id = ah_admin_parse_id(idp, idlen);
            if (id == 0)
                return ah_respond_error(req, 404, "ResourceNotFound", "no such id", 0);
            action = next ? next + 1 : "";
        }
        return resources[i].fn(req, id, action);
    }
    return ah_admin_no_route(req);
}
