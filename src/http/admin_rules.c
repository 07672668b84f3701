/* admin_rules.c - a channel's noise-reduction rules over the admin API:
 * grouping (with preview), flapping, silences, inhibits, quick silence from
 * an incident, and the test clock. A rule is compiled on the HTTP thread
 * (so that a bad one is refused with its message before anything is
 * queued), then the writer stores it and hands the compiled rule to the
 * reducer in the same transaction. */
#include "http/admin.h"
#include "http/rows.h"

#include "reduce/preview.h"
#include "reduce/reduce.h"
#include "reduce/rules.h"
#include "util/alloc.h"
#include "util/clock.h"

#include <stdatomic.h>
#include <stdlib.h>

#include <stdio.h>
#include <string.h>

/* ================= grouping and flapping settings ================= */

static int settings_run(struct ah_job *job, struct ah_store_tx *tx, struct ah_reduce *reduce,
                        int64_t now, struct ah_error *err)
{
    struct ah_request *req = ah_request_of(job);
    int grouping = req->rule.kind == AH_RULE_GROUPING;
    int rc = ah_store_tx_channel_set(tx, req->id, grouping ? "grouping" : "flapping", req->json,
                                     now, err);

    if (rc < 0)
        return rc;
    if (grouping)
        ah_reduce_set_grouping(reduce, req->id, req->rule.u.grouping);
    else
        ah_reduce_set_flapping(reduce, req->id, req->rule.u.flapping);
    req->rule.u.grouping = NULL; /* (either: a union) the reducer owns it now */
    return AH_OK;
}

/* A stored setting, or NULL when never set (the column is null). */
static const json_t *stored(const json_t *row, const char *column)
{
    const json_t *v = json_object_get(row, column);

    return json_is_null(v) ? NULL : v;
}

static enum MHD_Result settings_get(struct ah_request *req, const char *which)
{
    struct ah_error err;
    json_t *row = NULL, *data;
    struct ah_grouping *g = NULL;
    struct ah_flapping *f = NULL;
    int rc = ah_store_read_channel_rules(req->app->store, req->id, &row, &err);

    if (rc < 0)
        return ah_respond_failure(req, &err);
    /* Answer the normalized form, defaults filled in. */
    if (strcmp(which, "grouping") == 0) {
        rc = ah_grouping_compile(stored(row, "grouping"), &g, &err);
        data = rc == AH_OK ? json_incref(g->json) : NULL;
        ah_grouping_free(g);
    } else {
        rc = ah_flapping_compile(stored(row, "flapping"), &f, &err);
        data = rc == AH_OK ? json_incref(f->json) : NULL;
        ah_flapping_free(f);
    }
    json_decref(row);
    return rc < 0 ? ah_respond_failure(req, &err) : ah_respond_data(req, 200, data);
}

static enum MHD_Result settings_finish(struct ah_request *req)
{
    if (req->job.rc < 0)
        return ah_respond_failure(req, &req->job.err);
    return settings_get(req, req->rule.kind == AH_RULE_GROUPING ? "grouping" : "flapping");
}

static enum MHD_Result settings_put(struct ah_request *req, const char *which)
{
    struct ah_error err;
    enum MHD_Result ret;
    int rc;

    if (ah_request_json_object(req, &ret) < 0)
        return ret;
    ah_error_clear(&err);
    if (strcmp(which, "grouping") == 0) {
        req->rule.kind = AH_RULE_GROUPING;
        rc = ah_grouping_compile(req->json, &req->rule.u.grouping, &err);
    } else {
        req->rule.kind = AH_RULE_FLAPPING;
        rc = ah_flapping_compile(req->json, &req->rule.u.flapping, &err);
    }
    if (rc < 0)
        return ah_respond_failure(req, &err);
    return ah_request_submit(req, settings_run, settings_finish);
}

/* POST /channels/{id}/grouping/preview: the candidate config replayed over
 * the channel's recent events; nothing stored, nothing queued. */
static enum MHD_Result preview(struct ah_request *req)
{
    struct ah_grouping *g = NULL;
    struct ah_error err;
    enum MHD_Result ret;
    json_t *events = NULL, *data = NULL;

    ah_error_clear(&err);
    if (ah_request_json_object(req, &ret) < 0)
        return ret;
    if (ah_grouping_compile(req->json, &g, &err) < 0 ||
        ah_store_read_channel(req->app->store, req->id, &data, &err) < 0 ||
        ah_rows_read_recent_events(req->app->store, req->id, AH_PREVIEW_MAX_EVENTS, &events, &err) <
            0) {
        ah_grouping_free(g);
        json_decref(data);
        return ah_respond_failure(req, &err);
    }
    json_decref(data);
    data = ah_reduce_preview(g, req->id, events);
    json_decref(events);
    ah_grouping_free(g);
    return ah_respond_data(req, 200, data);
}

/* ================= silences and inhibits ================= */

static enum ah_store_hold_kind kind_of(const struct ah_request *req)
{
    return req->rule.kind == AH_RULE_SILENCE ? AH_STORE_SILENCE : AH_STORE_INHIBIT;
}

/* Hands the compiled rule, now with its id, to the reducer. */
static void give_rule(struct ah_request *req, struct ah_reduce *reduce, int64_t id)
{
    if (kind_of(req) == AH_STORE_SILENCE) {
        req->rule.u.silence->id = id;
        ah_reduce_put_silence(reduce, req->id, req->rule.u.silence);
        req->rule.u.silence = NULL;
    } else {
        req->rule.u.inhibit->id = id;
        ah_reduce_put_inhibit(reduce, req->id, req->rule.u.inhibit);
        req->rule.u.inhibit = NULL;
    }
}

static int hold_run(struct ah_job *job, struct ah_store_tx *tx, struct ah_reduce *reduce,
                    int64_t now, struct ah_error *err)
{
    struct ah_request *req = ah_request_of(job);
    enum ah_store_hold_kind kind = kind_of(req);
    int rc;

    if (strcmp(req->method, "DELETE") == 0) {
        rc = ah_store_tx_hold_rule_delete(tx, kind, req->id, req->rule.sub_id, err);
        if (rc == AH_OK && kind == AH_STORE_SILENCE)
            ah_reduce_remove_silence(reduce, req->id, req->rule.sub_id);
        else if (rc == AH_OK)
            ah_reduce_remove_inhibit(reduce, req->id, req->rule.sub_id);
        return rc;
    }
    if (req->rule.sub_id == 0 &&
        ah_reduce_rule_count(reduce, req->id, kind == AH_STORE_SILENCE) >= AH_RULES_MAX_PER_LIST)
        return ah_error_set(err, AH_EINVAL, "a channel holds at most %d %s", AH_RULES_MAX_PER_LIST,
                            kind == AH_STORE_SILENCE ? "silences" : "inhibit rules");
    if (req->rule.sub_id == 0)
        rc =
            ah_store_tx_hold_rule_insert(tx, kind, req->id, req->json, now, &req->rule.sub_id, err);
    else
        rc = ah_store_tx_hold_rule_update(tx, kind, req->id, req->rule.sub_id, req->json, now, err);
    if (rc == AH_OK)
        give_rule(req, reduce, req->rule.sub_id);
    return rc;
}

static int hold_reread(struct ah_request *req, json_t **ret, struct ah_error *err)
{
    return ah_rows_read_hold_rules(req->app->store, kind_of(req), req->id, req->rule.sub_id, ret,
                                   err);
}

static enum MHD_Result hold_finish(struct ah_request *req)
{
    return ah_admin_answer(req, req->rule.sub_id, hold_reread);
}

static enum MHD_Result hold_rules(struct ah_request *req, int silence, const char *rest)
{
    enum ah_store_hold_kind kind = silence ? AH_STORE_SILENCE : AH_STORE_INHIBIT;
    struct ah_error err;
    enum MHD_Result ret;
    json_t *data = NULL;
    int rc;

    req->rule.kind = silence ? AH_RULE_SILENCE : AH_RULE_INHIBIT;
    req->rule.sub_id = rest[0] == '/' ? ah_admin_parse_id(rest + 1, strlen(rest + 1)) : 0;
    if (rest[0] != '\0' && req->rule.sub_id == 0)
        return ah_respond_error(req, 404, "ResourceNotFound", "no such rule", 0);
    if (strcmp(req->method, "GET") == 0) {
        rc = ah_store_read_channel(req->app->store, req->id, &data, &err);
        json_decref(data);
        data = NULL;
        if (rc == AH_OK)
            rc = ah_rows_read_hold_rules(req->app->store, kind, req->id, req->rule.sub_id, &data,
                                         &err);
        return ah_admin_read_result(req, rc, data, &err);
    }
    if (strcmp(req->method, "DELETE") == 0 && req->rule.sub_id != 0)
        return ah_request_submit(req, hold_run, hold_finish);
    if (!(strcmp(req->method, "POST") == 0 && req->rule.sub_id == 0) &&
        !((strcmp(req->method, "PUT") == 0 || strcmp(req->method, "PATCH") == 0) &&
          req->rule.sub_id != 0))
        return ah_admin_not_allowed(req);
    if (ah_request_json_object(req, &ret) < 0)
        return ret;
    ah_error_clear(&err);
    rc = silence ? ah_silence_compile(req->json, 0, &req->rule.u.silence, &err)
                 : ah_inhibit_compile(req->json, 0, &req->rule.u.inhibit, &err);
    if (rc < 0)
        return ah_respond_failure(req, &err);
    return ah_request_submit(req, hold_run, hold_finish);
}

enum MHD_Result ah_admin_channel_rules(struct ah_request *req, int64_t channel_id,
                                       const char *action)
{
    int get = strcmp(req->method, "GET") == 0, put = strcmp(req->method, "PUT") == 0;
    enum MHD_Result ret;

    if (ah_admin_dispatch_channel(req, channel_id, action, &ret))
        return ret;
    req->id = channel_id;
    if (strcmp(action, "grouping") == 0 || strcmp(action, "flapping") == 0)
        return get   ? settings_get(req, action)
               : put ? settings_put(req, action)
                     : ah_admin_not_allowed(req);
    if (strcmp(action, "grouping/preview") == 0)
        return strcmp(req->method, "POST") == 0 ? preview(req) : ah_admin_not_allowed(req);
    if (strncmp(action, "silences", 8) == 0 && (action[8] == '\0' || action[8] == '/'))
        return hold_rules(req, 1, action + 8);
    if (strncmp(action, "inhibits", 8) == 0 && (action[8] == '\0' || action[8] == '/'))
        return hold_rules(req, 0, action + 8);
    return ah_admin_no_route(req);
}

/* ================= quick silence ================= */

/* "30m", "1h", "12h", "1d", "1w", or seconds as a number. */
static int64_t parse_duration(const json_t *v)
{
    const char *s = json_string_value(v);
    char *end;
    long long n;

    if (json_is_integer(v))
        return json_integer_value(v);
    if (s == NULL)
        return 0;
    n = strtoll(s, &end, 10);
    if (n <= 0 || end == s || end[0] == '\0' || end[1] != '\0')
        return 0;
    switch (end[0]) {
    case 'm':
        return n * 60;
    case 'h':
        return n * 3600;
    case 'd':
        return n * 86400;
    case 'w':
        return n * 7 * 86400;
    default:
        return 0;
    }
}

/* The rule: the incident's severity and its labels as exact matches,
 * leaving out values too long to be identities. */
static json_t *quick_rule(const struct ah_incident *inc, int64_t id, int64_t now, int64_t secs,
                          const char *mode)
{
    json_t *group = json_array(), *v;
    const char *k;
    char name[64];

    json_array_append_new(group, json_pack("{sssss[s]}", "key", "severity", "oper", "IN", "vals",
                                           ah_severity_name(inc->severity)));
    json_object_foreach(inc->labels, k, v)
    {
        char key[160];

        const char *sv = json_string_value(v);

        /* Exact matches only: a value the filter language would read as a
         * pattern (/re/, cidr:, num:, wildcards) is left out. */
        if (json_string_length(v) == 0 || json_string_length(v) > 128 || strlen(k) > 128 ||
            sv[0] == '/' || strncmp(sv, "cidr:", 5) == 0 || strncmp(sv, "num:", 4) == 0 ||
            strpbrk(sv, "*?") != NULL)
            continue;
        snprintf(key, sizeof(key), "labels.%s", k);
        json_array_append_new(group, json_pack("{sssss[O]}", "key", key, "oper", "IN", "vals", v));
    }
    snprintf(name, sizeof(name), "Quick Silence - #%lld", (long long)id);
    return json_pack("{sss[o]s{sIsI}sssI}", "name", name, "filters", group, "time", "start",
                     (json_int_t)now, "end", (json_int_t)(now + secs), "mode", mode,
                     "from_incident_id", (json_int_t)id);
}

static int quick_run(struct ah_job *job, struct ah_store_tx *tx, struct ah_reduce *reduce,
                     int64_t now, struct ah_error *err)
{
    struct ah_request *req = ah_request_of(job);
    struct ah_incident inc;
    json_t *owner, *rule;
    int rc = ah_store_tx_incident_get(tx, req->rule.sub_id, &inc, &owner, err);

    if (rc < 0)
        return rc;
    req->id = inc.channel_id;
    rule = quick_rule(&inc, inc.id, now, req->action, req->text ? req->text : "mark");
    json_decref(owner);
    json_decref(req->json);
    req->json = rule;
    rc = ah_silence_compile(rule, 0, &req->rule.u.silence, err);
    if (rc < 0)
        return rc;
    /* Silencing the same incident again edits its quick silence. */
    req->rule.sub_id = ah_reduce_quick_silence_of(reduce, inc.channel_id, inc.id);
    if (req->rule.sub_id == 0)
        rc = ah_store_tx_hold_rule_insert(tx, AH_STORE_SILENCE, inc.channel_id, rule, now,
                                          &req->rule.sub_id, err);
    else
        rc = ah_store_tx_hold_rule_update(tx, AH_STORE_SILENCE, inc.channel_id, req->rule.sub_id,
                                          rule, now, err);
    if (rc == AH_OK)
        give_rule(req, reduce, req->rule.sub_id);
    return rc;
}

enum MHD_Result ah_admin_quick_silence(struct ah_request *req, int64_t incident_id)
{
    enum MHD_Result ret;
    const char *mode;
    int64_t secs;

    if (strcmp(req->method, "POST") != 0)
        return ah_admin_not_allowed(req);
    if (req->body.len == 0)
        req->json = json_object();
    else if (ah_request_json_object(req, &ret) < 0)
        return ret;
    secs = json_object_get(req->json, "duration")
               ? parse_duration(json_object_get(req->json, "duration"))
               : 86400;
    mode = json_string_value(json_object_get(req->json, "mode"));
    if (secs <= 0 || secs > 30 * 86400)
        return ah_respond_error(req, 400, "InvalidParameter",
                                "duration must be like \"30m\", \"1h\", \"1d\", \"1w\" or "
                                "seconds, at most 30 days",
                                0);
    if (mode != NULL && strcmp(mode, "mark") != 0 && strcmp(mode, "drop") != 0)
        return ah_respond_error(req, 400, "InvalidParameter", "mode must be drop or mark", 0);
    req->rule.sub_id = incident_id; /* the incident until the job finds the rule */
    req->action = (int)secs;
    req->text = mode ? ah_xstrdup(mode) : NULL;
    req->rule.kind = AH_RULE_SILENCE; /* for hold_finish; compiled in the job */
    return ah_request_submit(req, quick_run, hold_finish);
}
