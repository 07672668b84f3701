/* admin.c - /api/v1: bearer-token authentication, then dispatch by
 * resource: /api/v1/<resource>[/<id>[/<action>]]. */
#include "http/admin.h"
#include "http/routes.h"

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
    json_t *v = json_object_get(req->json, field);
    char msg[160];

    *ret_value = json_string_value(v);
    if (v == NULL && !required)
        return 0;
    if (*ret_value != NULL && ah_utf8_len(*ret_value) >= min && ah_utf8_len(*ret_value) <= max)
        return 0;
    snprintf(msg, sizeof(msg), "%s must be a string of %zu to %zu characters", field, min, max);
    *ret = ah_respond_error(req, 400, "InvalidParameter", msg, 0);
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

static int authorized(struct ah_request *req)
{
    const char *h = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Authorization");
    char hash[2 * AH_SHA256_LEN + 1];

    if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
        return 0;
    ah_sha256_hex(h + 7, hash);
    return ah_secret_equal(hash, req->app->admin_token_hash);
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
};

enum MHD_Result ah_handle_admin(struct ah_request *req, const char *path)
{
    const char *seg = path[0] == '/' ? path + 1 : path, *slash, *action = "";
    size_t n, i;
    int64_t id = 0;

    if (!authorized(req))
        return ah_respond_error(req, 401, "Unauthorized",
                                "missing or wrong bearer token in the Authorization header", 0);
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
