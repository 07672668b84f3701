/* admin_incidents.c - /api/v1/incidents, /alerts and /events: the reads,
 * and the people's actions on incidents (through the writer, since they
 * change the reducer's state). */
#include "http/admin.h"
#include "http/rows.h"

#include "model/alert.h"
#include "reduce/reduce.h"

#include <string.h>

static const struct {
    const char *name;
    enum ah_incident_action action;
} actions[] = {
    {"ack", AH_INCIDENT_ACK},         {"unack", AH_INCIDENT_UNACK},
    {"resolve", AH_INCIDENT_RESOLVE}, {"reopen", AH_INCIDENT_REOPEN},
    {"snooze", AH_INCIDENT_SNOOZE},
};

static int action_run(struct ah_job *job, struct ah_store_tx *tx, struct ah_reduce *reduce,
                      int64_t now, struct ah_error *err)
{
    struct ah_request *req = ah_request_of(job);

    return ah_admin_incident_act(job, tx, reduce, actions[req->action].action, now, err);
}

static enum MHD_Result action_finish(struct ah_request *req)
{
    struct ah_error err;
    json_t *data = NULL;
    int rc;

    if (req->job.rc < 0)
        return ah_respond_failure(req, &req->job.err);
    rc = ah_rows_read_incident(req->app->store, req->id, &data, &err);
    return ah_admin_read_result(req, rc, data, &err);
}

/* Parses a comma-separated list of names into a bit mask (bit = value of
 * @parse); -1 when a name is not recognized. */
static int parse_mask(const char *list, int (*parse)(const char *name), unsigned *ret)
{
    char name[32];
    const char *p = list;

    *ret = 0;
    while (p != NULL && *p != '\0') {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        int v;

        if (n >= sizeof(name))
            return -1;
        memcpy(name, p, n);
        name[n] = '\0';
        v = parse(name);
        if (v < 0)
            return -1;
        *ret |= 1u << v;
        p = comma ? comma + 1 : NULL;
    }
    return 0;
}

static int parse_severity(const char *name)
{
    enum ah_severity s = ah_severity_parse(name);

    return s == AH_SEV_NONE ? -1 : (int)s;
}

static int parse_filter(struct ah_request *req, struct ah_incident_filter *f, enum MHD_Result *ret)
{
    const char *progress = ah_request_arg(req, "progress");
    const char *severity = ah_request_arg(req, "severity");

    memset(f, 0, sizeof(*f));
    if (ah_admin_int_arg(req, "channel_id", &f->channel_id, ret) < 0 ||
        ah_admin_int_arg(req, "since", &f->since, ret) < 0 ||
        ah_admin_int_arg(req, "until", &f->until, ret) < 0)
        return -1;
    if (progress != NULL && parse_mask(progress, ah_progress_parse, &f->progress_mask) < 0) {
        *ret = ah_respond_error(req, 400, "InvalidParameter",
                                "progress must list Triggered, Processing or Closed", 0);
        return -1;
    }
    if (severity != NULL && parse_mask(severity, parse_severity, &f->severity_mask) < 0) {
        *ret = ah_respond_error(req, 400, "InvalidParameter",
                                "severity must list Critical, Warning or Info", 0);
        return -1;
    }
    f->q = ah_request_arg(req, "q");
    if (f->q != NULL && f->q[0] == '\0')
        f->q = NULL;
    return 0;
}

/* The incident with its alerts and its timeline. */
static enum MHD_Result incident_get(struct ah_request *req, int64_t id, int timeline_only)
{
    struct ah_error err;
    json_t *data = NULL, *feed = NULL;
    int rc = ah_rows_read_incident(req->app->store, id, &data, &err);

    if (rc == AH_OK)
        rc = ah_store_read_feed(req->app->store, id, &feed, &err);
    if (rc < 0) {
        json_decref(data);
        return ah_respond_failure(req, &err);
    }
    if (timeline_only) {
        json_decref(data);
        return ah_respond_data(req, 200, json_pack("{so}", "items", feed));
    }
    json_object_set_new(data, "timeline", feed);
    return ah_respond_data(req, 200, data);
}

static enum MHD_Result incident_action(struct ah_request *req, int64_t id, const char *action)
{
    size_t i;

    enum MHD_Result ret;

    if (strcmp(action, "silence") == 0)
        return ah_admin_quick_silence(req, id);
    if (strcmp(action, "notifications") == 0)
        return ah_admin_notifications(req, id);
    if (strcmp(action, "timeline") == 0)
        return strcmp(req->method, "GET") == 0
                   ? incident_get(req, id, 1)
                   : ah_respond_error(req, 405, "MethodNotAllowed", "timeline takes GET", 0);

    for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
        if (strcmp(action, actions[i].name) != 0)
            continue;
        if (strcmp(req->method, "POST") != 0)
            return ah_respond_error(req, 405, "MethodNotAllowed", "actions take POST", 0);
        req->id = id;
        req->action = (int)i;
        if (ah_admin_incident_body(req, actions[i].action, &ret) < 0)
            return ret;
        return ah_request_submit(req, action_run, action_finish);
    }
    return ah_admin_no_route(req);
}

enum MHD_Result ah_admin_incidents(struct ah_request *req, int64_t id, const char *action)
{
    struct ah_incident_filter f;
    struct ah_error err;
    struct ah_page page;
    enum MHD_Result ret;
    json_t *data = NULL;
    int rc;

    if (id != 0 && action[0] != '\0')
        return incident_action(req, id, action);
    if (strcmp(req->method, "GET") != 0)
        return ah_admin_not_allowed(req);
    if (id != 0)
        return incident_get(req, id, 0);
    if (ah_admin_page(req, &page, &ret) < 0 || parse_filter(req, &f, &ret) < 0)
        return ret;
    rc = ah_rows_read_incidents(req->app->store, &f, &page, &data, &err);
    return ah_admin_read_result(req, rc, data, &err);
}

enum MHD_Result ah_admin_alerts(struct ah_request *req, int64_t id, const char *action)
{
    struct ah_error err;
    json_t *data = NULL;
    int rc;

    if (id == 0 || action[0] != '\0')
        return ah_admin_no_route(req);
    if (strcmp(req->method, "GET") != 0)
        return ah_admin_not_allowed(req);
    rc = ah_rows_read_alert(req->app->store, id, &data, &err);
    return ah_admin_read_result(req, rc, data, &err);
}

enum MHD_Result ah_admin_events(struct ah_request *req, int64_t id, const char *action)
{
    int64_t integration_id, since;
    struct ah_error err;
    struct ah_page page;
    enum MHD_Result ret;
    json_t *data = NULL;
    int rc;

    if (id != 0 || action[0] != '\0')
        return ah_admin_no_route(req);
    if (strcmp(req->method, "GET") != 0)
        return ah_admin_not_allowed(req);
    if (ah_admin_page(req, &page, &ret) < 0 ||
        ah_admin_int_arg(req, "integration_id", &integration_id, &ret) < 0 ||
        ah_admin_int_arg(req, "since", &since, &ret) < 0)
        return ret;
    rc = ah_rows_read_events(req->app->store, integration_id, since, &page, &data, &err);
    return ah_admin_read_result(req, rc, data, &err);
}
