/* admin_config.c - /api/v1/channels and /api/v1/integrations. Writes go
 * through the writer like pushes do; the integration cache that the push API
 * authenticates against is updated only after the commit. */
#include "http/admin.h"

#include "ingest/adapter.h"
#include "process/route.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/hex.h"
#include "util/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ================= channels ================= */

/* A channel still in use is a reference conflict, not a name clash. */
static enum MHD_Result channel_finish(struct ah_request *req)
{
    return ah_admin_finish(req, ah_store_read_channel);
}

static int channel_run(struct ah_job *job, struct ah_store_tx *tx, struct ah_reduce *reduce,
                       int64_t now, struct ah_error *err)
{
    struct ah_request *req = ah_request_of(job);
    const char *name = json_string_value(json_object_get(req->json, "name"));
    const char *desc = json_string_value(json_object_get(req->json, "description"));

    int rc;

    if (strcmp(req->method, "DELETE") == 0)
        return ah_store_tx_channel_delete(tx, req->id, err);
    if (strcmp(req->method, "POST") == 0)
        rc = ah_store_tx_channel_insert(tx, name, desc, now, &req->id, err);
    else
        rc = ah_store_tx_channel_update(tx, req->id, name, desc, now, err);
    return rc < 0 ? rc : ah_admin_channel_notify_apply(req, tx, reduce, now, err);
}

/* After the commit: name mapping sees the channel's new name. */
static void channel_committed(struct ah_job *job)
{
    struct ah_request *req = ah_request_of(job);
    const char *name = json_string_value(json_object_get(req->json, "name"));

    if (strcmp(req->method, "DELETE") == 0 || name != NULL)
        ah_process_table_forget_channel(req->app->process, req->id);
    if (strcmp(req->method, "DELETE") != 0 && name != NULL)
        ah_process_table_name(req->app->process, name, req->id);
}

enum MHD_Result ah_admin_channels(struct ah_request *req, int64_t id, const char *action)
{
    enum MHD_Result ret;
    const char *s;

    req->id = id;
    if (action[0] != '\0' && id != 0)
        return ah_admin_channel_rules(req, id, action);
    if (action[0] != '\0')
        return ah_admin_no_route(req);
    if (strcmp(req->method, "GET") == 0)
        return ah_admin_read(req, id, ah_store_read_channels, ah_store_read_channel);
    req->job.committed = channel_committed;
    if (strcmp(req->method, "DELETE") == 0 && id != 0)
        return ah_request_submit(req, channel_run, channel_finish);
    if (!((strcmp(req->method, "POST") == 0 && id == 0) ||
          (strcmp(req->method, "PATCH") == 0 && id != 0)))
        return ah_admin_not_allowed(req);
    if (ah_request_json_object(req, &ret) < 0 ||
        ah_admin_check_string(req, "name", id == 0, 1, AH_MAX_NAME, &s, &ret) < 0 ||
        ah_admin_check_string(req, "description", 0, 0, 500, &s, &ret) < 0 ||
        ah_admin_channel_notify_check(req, &ret) < 0)
        return ret;
    return ah_request_submit(req, channel_run, channel_finish);
}

/* ================= integrations ================= */

/* Adds push_url: the address to paste into the monitoring system. */
static void decorate(struct ah_app *app, json_t *intg)
{
    const char *type = json_string_value(json_object_get(intg, "type"));
    const char *key = json_string_value(json_object_get(intg, "integration_key"));
    const struct ah_adapter *a = type ? ah_adapter_by_type(type) : NULL;

    if (a == NULL || key == NULL)
        return;
    json_object_set_new(
        intg, "push_url",
        json_sprintf("%s/event/push/alert/%s?integration_key=%s", app->public_url, a->path, key));
    /* The card: what happened to its pushes since the server started. */
    json_object_set_new(
        intg, "stats",
        ah_integrations_stats(app->integrations,
                              strtoll(json_string_value(json_object_get(intg, "id")), NULL, 10)));
}

static void decorate_items(struct ah_app *app, json_t *page)
{
    json_t *item;
    size_t i;

    json_array_foreach(json_object_get(page, "items"), i, item) decorate(app, item);
}

static enum MHD_Result integration_finish(struct ah_request *req)
{
    struct ah_error err;
    enum MHD_Result ret;
    json_t *data = NULL;

    if (ah_admin_job_answered(req, req->id, &ret))
        return ret;
    if (ah_store_read_integration(req->app->store, req->intg.id, &data, &err) < 0)
        return ah_respond_failure(req, &err);
    decorate(req->app, data);
    return ah_respond_data(req, strcmp(req->method, "POST") == 0 && req->id == 0 ? 201 : 200, data);
}

/* Runs after the commit: the push API sees the change from now on. */
static void integration_committed(struct ah_job *job)
{
    struct ah_request *req = ah_request_of(job);

    if (strcmp(req->method, "DELETE") == 0) {
        ah_integrations_remove(req->app->integrations, req->id);
        ah_process_table_forget_integration(req->app->process, req->id);
    } else
        ah_integrations_put(req->app->integrations, &req->intg);
}

static int new_key(struct ah_integration *intg, struct ah_error *err)
{
    char key[33];

    if (ah_random_hex(16, key) < 0)
        return ah_error_set(err, AH_EIO, "could not read random bytes for the key");
    ah_free(intg->key);
    intg->key = ah_xstrdup(key);
    return AH_OK;
}

/* channel_id in a body: a string or number naming a channel, or null. */
static int parse_channel_id(const json_t *v, int64_t *ret)
{
    char buf[32];

    if (json_is_null(v)) {
        *ret = 0;
        return 0;
    }
    if (json_is_integer(v) && json_integer_value(v) > 0) {
        *ret = json_integer_value(v);
        return 0;
    }
    if (!json_is_string(v))
        return -1;
    snprintf(buf, sizeof(buf), "%s", json_string_value(v));
    *ret = ah_admin_parse_id(buf, strlen(buf));
    return *ret ? 0 : -1;
}

static int parse_rate(const json_t *v, int *ret)
{
    if (v == NULL)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 1000000)
        return -1;
    *ret = (int)json_integer_value(v);
    return 0;
}

/* Applies the body's fields to @intg. Returns AH_EINVAL with a message. */
static int apply_body(const json_t *body, struct ah_integration *intg, struct ah_error *err)
{
    const char *name = json_string_value(json_object_get(body, "name"));
    const json_t *ch = json_object_get(body, "channel_id");

    if (name != NULL) {
        ah_free(intg->name);
        intg->name = ah_xstrdup(name);
    }
    if (ch != NULL && parse_channel_id(ch, &intg->channel_id) < 0)
        return ah_error_set(err, AH_EINVAL, "channel_id must be a channel id or null");
    if (parse_rate(json_object_get(body, "rate_limit_per_sec"), &intg->rate_per_sec) < 0 ||
        parse_rate(json_object_get(body, "rate_limit_per_min"), &intg->rate_per_min) < 0)
        return ah_error_set(err, AH_EINVAL,
                            "rate_limit_per_sec and rate_limit_per_min must be integers from 1 "
                            "to 1000000");
    return AH_OK;
}

/* The channel a private integration points at must exist. */
int ah_admin_check_channel(struct ah_store_tx *tx, int64_t channel_id, struct ah_error *err)
{
    if (channel_id == 0 || ah_store_tx_channel_exists(tx, channel_id, err) == AH_OK)
        return AH_OK;
    if (err->code != AH_ENOTFOUND)
        return err->code;
    return ah_error_set(err, AH_EINVAL, "channel_id \"%lld\" does not name a channel",
                        (long long)channel_id);
}

static int integration_run(struct ah_job *job, struct ah_store_tx *tx, struct ah_reduce *reduce,
                           int64_t now, struct ah_error *err)
{
    struct ah_request *req = ah_request_of(job);
    struct ah_integration *intg = &req->intg;
    int rc;

    (void)reduce;
    if (req->id == 0) { /* create: req->intg holds name and type */
        rc = apply_body(req->json, intg, err);
        if (rc == AH_OK)
            rc = ah_admin_check_channel(tx, intg->channel_id, err);
        if (rc == AH_OK)
            rc = new_key(intg, err);
        return rc < 0 ? rc : ah_store_tx_integration_insert(tx, intg, now, err);
    }
    rc = ah_store_tx_integration_get(tx, req->id, intg, err);
    if (rc < 0)
        return rc;
    if (strcmp(req->method, "DELETE") == 0)
        return ah_store_tx_integration_delete(tx, req->id, err);
    if (strcmp(req->method, "POST") == 0) /* rotate-key */
        rc = new_key(intg, err);
    else
        rc = apply_body(req->json, intg, err);
    if (rc == AH_OK)
        rc = ah_admin_check_channel(tx, intg->channel_id, err);
    return rc < 0 ? rc : ah_store_tx_integration_update(tx, intg, now, err);
}

static enum MHD_Result submit_integration(struct ah_request *req)
{
    req->job.committed = integration_committed;
    return ah_request_submit(req, integration_run, integration_finish);
}

static enum MHD_Result integration_create(struct ah_request *req)
{
    const char *name, *type;
    enum MHD_Result ret;

    if (ah_request_json_object(req, &ret) < 0 ||
        ah_admin_check_string(req, "name", 1, 1, AH_MAX_NAME, &name, &ret) < 0 ||
        ah_admin_check_string(req, "type", 1, 1, 64, &type, &ret) < 0)
        return ret;
    if (ah_adapter_by_type(type) == NULL)
        return ah_respond_error(req, 400, "InvalidParameter",
                                "type must be one of standard, volcengine_rtc, alertmanager", 0);
    req->intg.name = ah_xstrdup(name);
    req->intg.type = ah_xstrdup(type);
    req->intg.rate_per_sec = AH_RATE_PER_SEC_DEFAULT;
    req->intg.rate_per_min = AH_RATE_PER_MIN_DEFAULT;
    return submit_integration(req);
}

static enum MHD_Result integration_patch(struct ah_request *req)
{
    const char *s;
    enum MHD_Result ret;

    if (ah_request_json_object(req, &ret) < 0 ||
        ah_admin_check_string(req, "name", 0, 1, AH_MAX_NAME, &s, &ret) < 0)
        return ret;
    if (json_object_get(req->json, "type") != NULL)
        return ah_respond_error(req, 400, "InvalidParameter",
                                "type cannot be changed: create a new integration", 0);
    return submit_integration(req);
}

enum MHD_Result ah_admin_integrations(struct ah_request *req, int64_t id, const char *action)
{
    int is_get = strcmp(req->method, "GET") == 0;
    struct ah_error err;
    struct ah_page page;
    enum MHD_Result ret;
    json_t *data = NULL;
    int rc;

    req->id = id;
    if (id != 0 && ah_admin_integration_rules(req, id, action, &ret))
        return ret;
    if (strcmp(action, "rotate-key") == 0 && id != 0)
        return strcmp(req->method, "POST") == 0 ? submit_integration(req)
                                                : ah_admin_not_allowed(req);
    if (action[0] != '\0')
        return ah_admin_no_route(req);
    if (is_get && id != 0) {
        rc = ah_store_read_integration(req->app->store, id, &data, &err);
        if (rc == AH_OK)
            decorate(req->app, data);
        return ah_admin_read_result(req, rc, data, &err);
    }
    if (is_get) {
        if (ah_admin_page(req, &page, &ret) < 0)
            return ret;
        rc = ah_store_read_integrations(req->app->store, &page, &data, &err);
        if (rc == AH_OK)
            decorate_items(req->app, data);
        return ah_admin_read_result(req, rc, data, &err);
    }
    if (strcmp(req->method, "POST") == 0 && id == 0)
        return integration_create(req);
    if (strcmp(req->method, "PATCH") == 0 && id != 0)
        return integration_patch(req);
    if (strcmp(req->method, "DELETE") == 0 && id != 0)
        return submit_integration(req);
    return ah_admin_not_allowed(req);
}
