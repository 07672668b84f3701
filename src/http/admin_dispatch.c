/* admin_dispatch.c - dispatch over the admin API (api.md section 6): a
 * channel's escalation rules, an incident's delivery log, and the test
 * clock, which also fires whatever became due. Rules are compiled on the
 * HTTP thread; the members and targets they name are checked by the writer,
 * in the transaction that stores them. */
#include "http/admin.h"

#include "reduce/reduce.h"
#include "reduce/rules.h"

#include <stdatomic.h>
#include <string.h>

/* ================= escalation rules ================= */

/* Every member, team, schedule and target named must exist. */
int ah_admin_escalation_refs(struct ah_store_tx *tx, const json_t *refs, struct ah_error *err)
{
    const json_t *ref;
    size_t i;

    json_array_foreach(refs, i, ref)
    {
        const char *kind = json_string_value(json_object_get(ref, "kind"));
        const char *id = json_string_value(json_object_get(ref, "id"));
        const char *field = json_string_value(json_object_get(ref, "field"));
        int64_t n = ah_json_id(json_object_get(ref, "id"));
        json_t *row = NULL;
        int rc = AH_ENOTFOUND;

        if (strcmp(kind, "member") == 0)
            rc = ah_store_tx_member_get(tx, n, &row, err);
        else if (strcmp(kind, "target") == 0)
            rc = ah_store_tx_target_get(tx, n, &row, err);
        else if (strcmp(kind, "team") == 0)
            rc = ah_store_tx_team_get(tx, n, &row, err);
        else
            rc = ah_store_tx_schedule_get(tx, n, &row, NULL, err);
        json_decref(row);
        if (rc == AH_ENOTFOUND)
            return ah_error_set(err, AH_EINVAL, "%s: no %s \"%s\"", field,
                                strcmp(kind, "target") == 0 ? "notify target" : kind, id);
        if (rc < 0)
            return rc;
    }
    return AH_OK;
}

static int escalations_run(struct ah_job *job, struct ah_store_tx *tx, struct ah_reduce *reduce,
                           int64_t now, struct ah_error *err)
{
    struct ah_request *req = ah_request_of(job);
    struct ah_escalations *e = req->rule.u.escalations;
    int rc = ah_admin_escalation_refs(tx, e->refs, err);

    (void)now;
    if (rc == AH_OK)
        rc = ah_store_tx_escalations_set(tx, req->id, e->json, e->refs, err);
    if (rc < 0)
        return rc;
    ah_reduce_set_escalations(reduce, req->id, e);
    req->rule.u.escalations = NULL; /* the reducer owns it now */
    return AH_OK;
}

static enum MHD_Result escalations_get(struct ah_request *req)
{
    struct ah_error err;
    json_t *data = NULL;
    int rc = ah_store_read_escalations(req->app->store, req->id, &data, &err);

    return ah_admin_read_result(req, rc, data, &err);
}

static enum MHD_Result escalations_finish(struct ah_request *req)
{
    if (req->job.rc < 0)
        return ah_respond_failure(req, &req->job.err);
    return escalations_get(req);
}

static enum MHD_Result escalations(struct ah_request *req)
{
    struct ah_error err;
    enum MHD_Result ret;

    if (strcmp(req->method, "GET") == 0)
        return escalations_get(req);
    if (strcmp(req->method, "PUT") != 0)
        return ah_admin_not_allowed(req);
    if (ah_request_json_object(req, &ret) < 0)
        return ret;
    ah_error_clear(&err);
    req->rule.kind = AH_RULE_ESCALATIONS;
    if (ah_escalations_compile(req->json, &req->rule.u.escalations, &err) < 0)
        return ah_respond_failure(req, &err);
    return ah_request_submit(req, escalations_run, escalations_finish);
}

int ah_admin_dispatch_channel(struct ah_request *req, int64_t channel_id, const char *action,
                              enum MHD_Result *ret)
{
    if (strcmp(action, "escalations") != 0)
        return 0;
    req->id = channel_id;
    *ret = escalations(req);
    return 1;
}

/* ================= auto-resolve settings of a channel ================= */

int ah_admin_auto_resolve_check(const json_t *body, struct ah_error *err)
{
    const json_t *t = json_object_get(body, "auto_resolve_timeout");
    const json_t *m = json_object_get(body, "auto_resolve_mode");
    const json_t *d = json_object_get(body, "disable_auto_close");

    if (t != NULL && (!json_is_integer(t) || json_integer_value(t) < 0 ||
                      json_integer_value(t) > AH_AUTO_RESOLVE_MAX))
        return ah_error_set(
            err, AH_EINVAL,
            "auto_resolve_timeout must be seconds from 0 (off) to 2592000 (30 days)");
    if (m != NULL && (!json_is_string(m) || (strcmp(json_string_value(m), "trigger") != 0 &&
                                             strcmp(json_string_value(m), "update") != 0)))
        return ah_error_set(err, AH_EINVAL, "auto_resolve_mode must be trigger or update");
    if (d != NULL && !json_is_boolean(d))
        return ah_error_set(err, AH_EINVAL, "disable_auto_close must be true or false");
    return AH_OK;
}

int ah_admin_channel_notify_check(struct ah_request *req, enum MHD_Result *ret)
{
    struct ah_error err;

    if (ah_admin_auto_resolve_check(req->json, &err) == AH_OK)
        return 0;
    *ret = ah_respond_failure(req, &err);
    return -1;
}

int ah_admin_auto_resolve_apply(const json_t *body, int64_t channel_id, struct ah_store_tx *tx,
                                struct ah_reduce *reduce, int64_t now, struct ah_error *err)
{
    const json_t *t = json_object_get(body, "auto_resolve_timeout");
    const json_t *m = json_object_get(body, "auto_resolve_mode");
    const json_t *d = json_object_get(body, "disable_auto_close");
    struct ah_auto_resolve ar;
    int rc;

    if (t == NULL && m == NULL && d == NULL)
        return AH_OK;
    rc = ah_store_tx_channel_notify_set(tx, channel_id, t ? json_integer_value(t) : -1,
                                        json_string_value(m), d ? json_is_true(d) : -1, &ar, err);
    if (rc < 0)
        return rc;
    return ah_reduce_set_auto_resolve(reduce, tx, channel_id, ar.timeout,
                                      strcmp(ar.mode, "update") == 0, ar.disable_auto_close, now,
                                      err);
}

int ah_admin_channel_notify_apply(struct ah_request *req, struct ah_store_tx *tx,
                                  struct ah_reduce *reduce, int64_t now, struct ah_error *err)
{
    return ah_admin_auto_resolve_apply(req->json, req->id, tx, reduce, now, err);
}

/* ================= incident actions with a person ================= */

/* {"member_id": "…"} → {id, name}, or AH_EINVAL naming the field. */
static int person_of(struct ah_store_tx *tx, const json_t *body, json_t **ret, struct ah_error *err)
{
    const json_t *v = json_object_get(body, "member_id");
    json_t *m;
    int rc;

    *ret = NULL;
    if (v == NULL || json_is_null(v))
        return AH_OK;
    if (ah_json_id(v) <= 0)
        return ah_error_set(err, AH_EINVAL, "member_id must be a member's id");
    rc = ah_store_tx_member_get(tx, ah_json_id(v), &m, err);
    if (rc == AH_ENOTFOUND)
        return ah_error_set(err, AH_EINVAL, "member_id: no member \"%lld\"",
                            (long long)ah_json_id(v));
    if (rc < 0)
        return rc;
    *ret = json_pack("{sOsO}", "id", json_object_get(m, "id"), "name", json_object_get(m, "name"));
    json_decref(m);
    return AH_OK;
}

int ah_admin_incident_act(struct ah_job *job, struct ah_store_tx *tx, struct ah_reduce *reduce,
                          enum ah_incident_action action, int64_t now, struct ah_error *err)
{
    struct ah_request *req = ah_request_of(job);
    struct ah_incident_act act = {.action = action};
    json_t *person;
    int rc = person_of(tx, req->json, &person, err);

    if (rc < 0)
        return rc;
    act.person = person;
    act.minutes = json_integer_value(json_object_get(req->json, "minutes"));
    rc = ah_reduce_incident_act(reduce, tx, req->id, &act, now, err);
    json_decref(person);
    return rc;
}

int ah_admin_incident_body(struct ah_request *req, enum ah_incident_action action,
                           enum MHD_Result *ret)
{
    const json_t *minutes;

    if (req->body.len == 0)
        req->json = json_object();
    else if (ah_request_json_object(req, ret) < 0)
        return -1;
    if (action != AH_INCIDENT_SNOOZE)
        return 0;
    minutes = json_object_get(req->json, "minutes");
    if (json_is_integer(minutes) && json_integer_value(minutes) >= 1 &&
        json_integer_value(minutes) <= 1440)
        return 0;
    *ret = ah_respond_error(req, 400, "InvalidParameter",
                            "minutes must be an integer from 1 to 1440", 0);
    return -1;
}

enum MHD_Result ah_admin_notifications(struct ah_request *req, int64_t incident_id)
{
    struct ah_error err;
    json_t *data = NULL;
    int rc;

    if (strcmp(req->method, "GET") != 0)
        return ah_admin_not_allowed(req);
    rc = ah_store_read_deliveries(req->app->store, incident_id, &data, &err);
    return ah_admin_read_result(req, rc, data, &err);
}

/* ================= test clock ================= */

static int clock_run(struct ah_job *job, struct ah_store_tx *tx, struct ah_reduce *reduce,
                     int64_t now, struct ah_error *err)
{
    (void)job;
    return ah_reduce_fire_timers(reduce, tx, now, err);
}

static enum MHD_Result clock_finish(struct ah_request *req)
{
    if (req->job.rc < 0)
        return ah_respond_failure(req, &req->job.err);
    /* Retries that became due by the new time go out now, not at the next
     * poll. */
    if (req->app->sender != NULL)
        ah_sender_wake(req->app->sender);
    return ah_respond_data(req, 200,
                           json_pack("{sI}", "now", (json_int_t)ah_clock_now(&req->app->clock)));
}

/* Sets the clock, then fires in one writer job whatever became due, so that
 * the answer comes after escalations, wake-ups and auto-resolves. */
enum MHD_Result ah_admin_test_clock(struct ah_request *req)
{
    enum MHD_Result ret;
    const json_t *now;

    if (!req->app->test_clock)
        return ah_admin_no_route(req);
    if (strcmp(req->method, "PUT") != 0)
        return ah_admin_not_allowed(req);
    if (ah_request_json_object(req, &ret) < 0)
        return ret;
    now = json_object_get(req->json, "now");
    if (!json_is_integer(now) || json_integer_value(now) < 0)
        return ah_respond_error(req, 400, "InvalidParameter",
                                "now must be Unix seconds, or 0 for the system clock", 0);
    atomic_store(&req->app->clock.fixed, (int64_t)json_integer_value(now));
    return ah_request_submit(req, clock_run, clock_finish);
}
