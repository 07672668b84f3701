/* admin_oncall.c - /api/v1/teams and /api/v1/schedules: who is on call
 * (api.md section 6; docs/api.md section 2.10).
 *
 *   GET    /teams, /schedules                    list, newest first
 *   POST   /teams, /schedules                    create: 201
 *   GET    /teams/{id}, /schedules/{id}
 *   PATCH  /teams/{id}, /schedules/{id}          the fields given replace
 *   DELETE /teams/{id}, /schedules/{id}          409 ReferenceExist while a
 *                                                channel's escalation rules
 *                                                name it
 *   GET    /schedules/{id}/overrides             {items}, by start
 *   POST   /schedules/{id}/overrides             {member_id, start, end}: 201
 *   GET    /schedules/{id}/overrides/{oid}
 *   DELETE /schedules/{id}/overrides/{oid}
 *   GET    /schedules/{id}/oncall?at=T           who is on call at T
 *   GET    /schedules/{id}/shifts?since=&until=  the final shifts
 *   GET    /schedules/{id}/ical                  the shifts as iCalendar
 *
 * Bodies are checked on the HTTP thread (unknown fields, shapes; a new
 * schedule is compiled there by rules/rota.c, which normalizes it); the
 * writer checks that the members named exist, compiles a PATCHed schedule
 * after merging it into the stored one, and tells the reducer that its
 * caches are stale. Reads compile the stored schedule on the HTTP thread. */
#include "http/admin.h"

#include "model/event.h"
#include "rules/rota.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/text.h"

#include <string.h>
#include <time.h>

#define ONCALL_MAX_NAME     100
#define ONCALL_MAX_TEAM     100                   /* members of a team */
#define ONCALL_MAX_OVERRIDE (366 * 86400)         /* longest override */
#define ONCALL_MAX_TIME     INT64_C(253402300799) /* 9999-12-31T23:59:59Z */
#define ICAL_BEFORE         (7 * 86400)           /* the feed's window: from now - 7 days */
#define ICAL_AFTER          (60 * 86400)          /* to now + 60 days */
#define ICAL_LINE           75                    /* octets per line, CRLF excluded */

/* ================= body checks (HTTP thread) ================= */

/* A time in Unix seconds from 0 to ONCALL_MAX_TIME, or -1. */
static int64_t time_of(const json_t *v)
{
    json_int_t n;

    if (!json_is_integer(v))
        return -1;
    n = json_integer_value(v);
    return n >= 0 && n <= ONCALL_MAX_TIME ? (int64_t)n : -1;
}

/* A name: required on create, never null. */
static int check_name(const json_t *body, int create, struct ah_error *err)
{
    return ah_admin_string_field(body, "name", create, 1, ONCALL_MAX_NAME, NULL, err);
}

/* member_ids of a team: at most ONCALL_MAX_TEAM distinct member ids (null
 * becomes []). Whether they name members is the writer's check. */
static const struct ah_admin_ids team_members = {"member_ids", "member", ONCALL_MAX_TEAM,
                                                 ah_json_id};

int ah_admin_team_check(json_t *body, int create, struct ah_error *err)
{
    static const char *const keys[] = {"name", "member_ids", NULL};

    if (ah_admin_only_keys(body, keys, "", err) < 0 || check_name(body, create, err) < 0 ||
        ah_admin_check_ids(body, &team_members, err) < 0)
        return AH_EINVAL;
    return AH_OK;
}

static int check_team(struct ah_request *req, struct ah_error *err)
{
    return ah_admin_team_check(req->json, req->id == 0, err);
}

/* The shape of a schedule body. A create is checked in full by
 * normalize_schedule; a PATCH is compiled by the writer once merged into
 * the stored schedule, and here only its types are checked. */
static int check_schedule_shape(const json_t *body, int create, struct ah_error *err)
{
    static const char *const keys[] = {"name", "timezone", "layers", NULL};
    const json_t *tz = json_object_get(body, "timezone");
    const json_t *layers = json_object_get(body, "layers");

    if (ah_admin_only_keys(body, keys, "", err) < 0 || check_name(body, create, err) < 0)
        return AH_EINVAL;
    if (tz != NULL && !json_is_string(tz))
        return ah_error_set(err, AH_EINVAL, "timezone must be a string");
    if (layers != NULL && (!json_is_array(layers) || json_array_size(layers) == 0 ||
                           json_array_size(layers) > AH_ROTA_MAX_LAYERS))
        return ah_error_set(err, AH_EINVAL, "layers must list 1 to %d layers", AH_ROTA_MAX_LAYERS);
    return AH_OK;
}

/* Compiles @schedule {name, timezone, layers}, puts the normalized timezone
 * and layers into it and answers the members its layers name (a new
 * array). */
static int normalize_schedule(json_t *schedule, json_t **ret_members, struct ah_error *err)
{
    struct ah_rota *rota = NULL;
    json_t *norm = NULL, *v;
    int rc = ah_rota_compile(schedule, &rota, &norm, err);

    if (rc < 0)
        return rc;
    v = json_object_get(norm, "layers");
    if (v != NULL)
        json_object_set(schedule, "layers", v);
    v = json_object_get(norm, "timezone");
    if (json_is_string(v))
        json_object_set(schedule, "timezone", v);
    *ret_members = ah_rota_members(rota);
    json_decref(norm);
    ah_rota_free(rota);
    return AH_OK;
}

/* A schedule's create or PATCH body; a new schedule is compiled here, and
 * req->result gets its members. */
static int check_schedule(struct ah_request *req, struct ah_error *err)
{
    if (req->id != 0)
        return check_schedule_shape(req->json, 0, err);
    return ah_admin_schedule_check(req->json, &req->result, err);
}

int ah_admin_schedule_check(json_t *body, json_t **ret_members, struct ah_error *err)
{
    if (check_schedule_shape(body, 1, err) < 0)
        return AH_EINVAL;
    return normalize_schedule(body, ret_members, err);
}

static int check_override(json_t *body, struct ah_error *err)
{
    static const char *const keys[] = {"member_id", "start", "end", NULL};
    int64_t member = ah_json_id(json_object_get(body, "member_id"));
    int64_t start = time_of(json_object_get(body, "start"));
    int64_t end = time_of(json_object_get(body, "end"));

    if (ah_admin_only_keys(body, keys, "", err) < 0)
        return AH_EINVAL;
    if (member == 0)
        return ah_error_set(err, AH_EINVAL,
                            "member_id must be a member id (a string or a positive integer)");
    if (start < 0)
        return ah_error_set(err, AH_EINVAL, "start must be Unix seconds from 0 to %lld",
                            (long long)ONCALL_MAX_TIME);
    if (end < 0)
        return ah_error_set(err, AH_EINVAL, "end must be Unix seconds from 0 to %lld",
                            (long long)ONCALL_MAX_TIME);
    if (end <= start)
        return ah_error_set(err, AH_EINVAL, "end must be after start");
    if (end - start > ONCALL_MAX_OVERRIDE)
        return ah_error_set(err, AH_EINVAL, "end must be at most %d seconds (366 days) after start",
                            ONCALL_MAX_OVERRIDE);
    json_object_set_new(body, "member_id", json_sprintf("%lld", (long long)member));
    return AH_OK;
}

/* ================= writer jobs ================= */

/* Whether member @v (an id string) exists: AH_ENOTFOUND when not. */
static int member_found(struct ah_store_tx *tx, const json_t *v, struct ah_error *err)
{
    json_t *m = NULL;
    int rc = ah_store_tx_member_get(tx, ah_json_id(v), &m, err);

    json_decref(m);
    return rc;
}

/* Every id of a team body's member_ids (strings) names a member:
 * AH_EINVAL "member_ids[i]: no member" otherwise. */
static int members_exist(struct ah_store_tx *tx, const json_t *body, struct ah_error *err)
{
    const json_t *v;
    size_t i;

    json_array_foreach(json_object_get(body, "member_ids"), i, v)
    {
        int rc = member_found(tx, v, err);

        if (rc == AH_ENOTFOUND)
            return ah_error_set(err, AH_EINVAL, "member_ids[%zu]: no member \"%s\"", i,
                                json_string_value(v));
        if (rc < 0)
            return rc;
    }
    return AH_OK;
}

/* Every member of @members (ah_rota_members) exists; the refusal names
 * the first place in @layers that names a missing one. */
static int layer_members_exist(struct ah_store_tx *tx, const json_t *layers, const json_t *members,
                               struct ah_error *err)
{
    const json_t *v, *layer, *m;
    size_t i, j, k;

    json_array_foreach(members, k, v)
    {
        int rc = member_found(tx, v, err);

        if (rc != AH_ENOTFOUND) {
            if (rc < 0)
                return rc;
            continue;
        }
        json_array_foreach(layers, i, layer)
        {
            json_array_foreach(json_object_get(layer, "member_ids"), j, m)
            {
                if (ah_json_id(m) != ah_json_id(v))
                    continue;
                return ah_error_set(err, AH_EINVAL, "layers[%zu].member_ids[%zu]: no member \"%s\"",
                                    i, j, json_string_value(v));
            }
        }
        return ah_error_set(err, AH_EINVAL, "layers: no member \"%s\"", json_string_value(v));
    }
    return AH_OK;
}

static const struct ah_admin_rows team_rows = {ah_store_tx_team_get, ah_store_tx_team_insert,
                                               ah_store_tx_team_update, ah_store_tx_team_delete,
                                               members_exist};

static int team_run(struct ah_job *job, struct ah_store_tx *tx, struct ah_reduce *reduce,
                    int64_t now, struct ah_error *err)
{
    (void)reduce; /* members, targets and rotas are read from the store */
    return ah_admin_rows_write(ah_request_of(job), tx, now, &team_rows, err);
}

/* A PATCH: the merged schedule is compiled again, since a new zone changes
 * how the stored layers read. */
static int schedule_patch(struct ah_request *req, struct ah_store_tx *tx, int64_t now,
                          struct ah_error *err)
{
    json_t *s = NULL, *members = NULL;
    int rc = ah_store_tx_schedule_get(tx, req->id, &s, NULL, err);

    if (rc == AH_OK) {
        json_object_update(s, req->json);
        json_object_del(s, "id");
        rc = normalize_schedule(s, &members, err);
    }
    if (rc == AH_OK)
        rc = layer_members_exist(tx, json_object_get(s, "layers"), members, err);
    if (rc == AH_OK)
        rc = ah_store_tx_schedule_update(tx, req->id, s, now, err);
    json_decref(s);
    json_decref(members);
    return rc;
}

static int schedule_run(struct ah_job *job, struct ah_store_tx *tx, struct ah_reduce *reduce,
                        int64_t now, struct ah_error *err)
{
    struct ah_request *req = ah_request_of(job);
    int rc;

    (void)reduce; /* members, targets and rotas are read from the store */
    if (strcmp(req->method, "DELETE") == 0)
        return ah_store_tx_schedule_delete(tx, req->id, err);
    if (strcmp(req->method, "PATCH") == 0)
        return schedule_patch(req, tx, now, err);
    rc = layer_members_exist(tx, json_object_get(req->json, "layers"), req->result, err);
    return rc < 0 ? rc : ah_store_tx_schedule_insert(tx, req->json, now, &req->id, err);
}

/* A DELETE, or a POST of an override of an existing schedule, naming an
 * existing member. */
static int override_run(struct ah_job *job, struct ah_store_tx *tx, struct ah_reduce *reduce,
                        int64_t now, struct ah_error *err)
{
    struct ah_request *req = ah_request_of(job);
    const json_t *member = json_object_get(req->json, "member_id");
    json_t *s = NULL;
    int rc;

    (void)reduce; /* members, targets and rotas are read from the store */
    if (strcmp(req->method, "DELETE") == 0)
        return ah_store_tx_override_delete(tx, req->id, req->rule.sub_id, err);
    rc = ah_store_tx_schedule_get(tx, req->id, &s, NULL, err);
    json_decref(s);
    if (rc < 0)
        return rc;
    rc = member_found(tx, member, err);
    if (rc == AH_ENOTFOUND)
        return ah_error_set(err, AH_EINVAL, "member_id: no member \"%s\"",
                            json_string_value(member));
    return rc < 0
               ? rc
               : ah_store_tx_override_insert(tx, req->id, req->json, now, &req->rule.sub_id, err);
}

/* ================= answers after the writer ================= */

static enum MHD_Result team_finish(struct ah_request *req)
{
    return ah_admin_finish(req, ah_store_read_team);
}

/* ah_store_read_schedule without the overrides. */
static int read_schedule(struct ah_store *store, int64_t id, json_t **ret, struct ah_error *err)
{
    return ah_store_read_schedule(store, id, ret, NULL, err);
}

static enum MHD_Result schedule_finish(struct ah_request *req)
{
    return ah_admin_finish(req, read_schedule);
}

static int override_reread(struct ah_request *req, json_t **ret, struct ah_error *err)
{
    return ah_store_read_overrides(req->app->store, req->id, req->rule.sub_id, ret, err);
}

/* A created override (201; the only other write is a DELETE). */
static enum MHD_Result override_finish(struct ah_request *req)
{
    return ah_admin_answer(req, req->rule.sub_id, override_reread);
}

/* ================= reads: on call, shifts, iCalendar ================= */

/* A stored schedule, compiled, with its overrides. */
struct loaded {
    json_t *schedule;
    struct ah_rota *rota;
    struct ah_rota_override *ov;
    size_t nov;
};

static void loaded_done(struct loaded *l)
{
    json_decref(l->schedule);
    ah_rota_free(l->rota);
    ah_free(l->ov);
}

static int load(struct ah_request *req, struct loaded *l, struct ah_error *err)
{
    json_t *overrides = NULL, *o, *in;
    size_t i;
    int rc = ah_store_read_schedule(req->app->store, req->id, &l->schedule, &overrides, err);

    if (rc < 0)
        return rc;
    in = json_pack("{s:O,s:O}", "timezone", json_object_get(l->schedule, "timezone"), "layers",
                   json_object_get(l->schedule, "layers"));
    rc = in ? ah_rota_compile(in, &l->rota, NULL, err)
            : ah_error_set(err, AH_EINVAL, "no timezone or layers");
    json_decref(in);
    if (rc < 0) { /* a bug: stored schedules compiled when written */
        char why[sizeof(err->msg)];

        json_decref(overrides);
        snprintf(why, sizeof(why), "%s", err->msg);
        return ah_error_set(err, AH_ENOMEM, "schedule \"%lld\" does not compile: %s",
                            (long long)req->id, why);
    }
    l->nov = json_array_size(overrides);
    l->ov = ah_xcalloc(l->nov ? l->nov : 1, sizeof(*l->ov));
    json_array_foreach(overrides, i, o)
    {
        l->ov[i].member_id = ah_json_id(json_object_get(o, "member_id"));
        l->ov[i].start = json_integer_value(json_object_get(o, "start"));
        l->ov[i].end = json_integer_value(json_object_get(o, "end"));
    }
    json_decref(overrides);
    return AH_OK;
}

static const char *layer_name(const struct ah_rota *rota, int layer)
{
    return layer < 0 ? "override" : ah_rota_layer_name(rota, layer);
}

/* The time argument @name: *@out (default @dflt when absent); -1 and a 400
 * when it is not Unix seconds up to ONCALL_MAX_TIME, or absent and
 * @required. */
static int time_arg(struct ah_request *req, const char *name, int required, int64_t dflt,
                    int64_t *out, enum MHD_Result *ret)
{
    const char *v = ah_request_arg(req, name);
    char msg[128];

    if (v == NULL || v[0] == '\0') {
        *out = dflt;
        if (!required)
            return 0;
        snprintf(msg, sizeof(msg), "%s is required (Unix seconds)", name);
        *ret = ah_respond_error(req, 400, "InvalidParameter", msg, 0);
        return -1;
    }
    if (ah_admin_int_arg(req, name, out, ret) < 0)
        return -1;
    if (*out <= ONCALL_MAX_TIME)
        return 0;
    snprintf(msg, sizeof(msg), "%s must be Unix seconds from 0 to %lld", name,
             (long long)ONCALL_MAX_TIME);
    *ret = ah_respond_error(req, 400, "InvalidParameter", msg, 0);
    return -1;
}

static enum MHD_Result oncall(struct ah_request *req)
{
    struct loaded l = {0};
    struct ah_error err;
    enum MHD_Result ret;
    int64_t at, member;
    int layer = -1;
    json_t *data;

    if (time_arg(req, "at", 0, ah_clock_now(&req->app->clock), &at, &ret) < 0)
        return ret;
    if (load(req, &l, &err) < 0)
        return ah_respond_failure(req, &err);
    member = ah_rota_oncall(l.rota, l.ov, l.nov, at, &layer);
    data = json_pack("{s:[],s:n,s:I}", "member_ids", "layer", "at", (json_int_t)at);
    if (member != 0) {
        json_array_append_new(json_object_get(data, "member_ids"),
                              json_sprintf("%lld", (long long)member));
        json_object_set_new(data, "layer", json_string(layer_name(l.rota, layer)));
    }
    loaded_done(&l);
    return ah_respond_data(req, 200, data);
}

/* The final shifts of the loaded schedule in [@since, @until). */
static int shifts_of(const struct loaded *l, int64_t since, int64_t until, struct ah_shift **ret,
                     size_t *ret_n, struct ah_error *err)
{
    return ah_rota_shifts(l->rota, l->ov, l->nov, since, until, ret, ret_n, err);
}

static enum MHD_Result shifts(struct ah_request *req)
{
    struct loaded l = {0};
    struct ah_shift *sh = NULL;
    struct ah_error err;
    enum MHD_Result ret;
    int64_t since, until;
    size_t n = 0, i;
    json_t *items;

    if (time_arg(req, "since", 1, 0, &since, &ret) < 0 ||
        time_arg(req, "until", 1, 0, &until, &ret) < 0)
        return ret;
    if (until <= since)
        return ah_respond_error(req, 400, "InvalidParameter", "until must be after since", 0);
    if (until - since > AH_ROTA_MAX_SPAN)
        return ah_respond_error(req, 400, "InvalidParameter",
                                "until must be at most 7776000 seconds (90 days) after since", 0);
    if (load(req, &l, &err) < 0 || shifts_of(&l, since, until, &sh, &n, &err) < 0) {
        loaded_done(&l);
        return ah_respond_failure(req, &err);
    }
    items = json_array();
    for (i = 0; i < n; i++)
        json_array_append_new(items,
                              json_pack("{s:o,s:I,s:I,s:s}", "member_id",
                                        json_sprintf("%lld", (long long)sh[i].member_id), "start",
                                        (json_int_t)sh[i].start, "end", (json_int_t)sh[i].end,
                                        "layer", layer_name(l.rota, sh[i].layer)));
    ah_free(sh);
    loaded_done(&l);
    return ah_respond_data(req, 200, json_pack("{so}", "items", items));
}

/* Appends one content line: @name, ':', @value (already escaped), folded
 * at ICAL_LINE octets without splitting a UTF-8 sequence, and CRLF. */
static void ical_line(struct ah_buf *b, const char *name, const char *value)
{
    struct ah_buf line;
    const char *p;
    size_t left, room = ICAL_LINE, n;

    ah_buf_init(&line);
    ah_buf_puts(&line, name);
    ah_buf_puts(&line, ":");
    ah_buf_puts(&line, value);
    p = ah_buf_str(&line);
    left = line.len;
    while (left > room) {
        n = room;
        while (n > 0 && ((unsigned char)p[n] & 0xc0) == 0x80)
            n--; /* do not cut a character in two */
        ah_buf_append(b, p, n);
        ah_buf_puts(b, "\r\n ");
        p += n;
        left -= n;
        room = ICAL_LINE - 1; /* the leading space counts */
    }
    ah_buf_append(b, p, left);
    ah_buf_puts(b, "\r\n");
    ah_buf_done(&line);
}

/* RFC 5545 TEXT: backslash, semicolon, comma and newlines escaped; other
 * control characters dropped. Appends to @b. */
static void ical_text(struct ah_buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == ';' || *s == ',')
            ah_buf_printf(b, "\\%c", *s);
        else if (*s == '\n')
            ah_buf_puts(b, "\\n");
        else if ((unsigned char)*s >= 0x20 && *s != 0x7f)
            ah_buf_append(b, s, 1);
    }
}

/* A UTC DATE-TIME: 20270314T130000Z. */
static void ical_time(int64_t t, char out[20])
{
    time_t tt = (time_t)t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(out, 20, "%Y%m%dT%H%M%SZ", &tm);
}

static void ical_event(struct ah_buf *b, int64_t schedule_id, const struct ah_shift *sh,
                       const char *member, const char *layer, const char *stamp)
{
    struct ah_buf v;
    char t[20];

    ah_buf_init(&v);
    ah_buf_puts(b, "BEGIN:VEVENT\r\n");
    ah_buf_printf(&v, "%lld-%lld-%lld@alerthub", (long long)schedule_id, (long long)sh->start,
                  (long long)sh->member_id);
    ical_line(b, "UID", ah_buf_str(&v));
    ical_line(b, "DTSTAMP", stamp);
    ical_time(sh->start, t);
    ical_line(b, "DTSTART", t);
    ical_time(sh->end, t);
    ical_line(b, "DTEND", t);
    ah_buf_done(&v);
    ah_buf_init(&v);
    ah_buf_puts(&v, "On call: ");
    ical_text(&v, member);
    ah_buf_puts(&v, " (");
    ical_text(&v, layer);
    ah_buf_puts(&v, ")");
    ical_line(b, "SUMMARY", ah_buf_str(&v));
    ah_buf_done(&v);
    ah_buf_puts(b, "TRANSP:TRANSPARENT\r\nEND:VEVENT\r\n");
}

/* Every member the shifts name, once each, as id strings. */
static json_t *shift_members(const struct ah_shift *sh, size_t n)
{
    json_t *seen = json_object(), *ids = json_array(), *v;
    const char *key;
    char id[24];
    size_t i;

    for (i = 0; i < n; i++) {
        snprintf(id, sizeof(id), "%lld", (long long)sh[i].member_id);
        json_object_set_new(seen, id, json_true());
    }
    json_object_foreach(seen, key, v)
    {
        json_array_append_new(ids, json_string(key));
    }
    json_decref(seen);
    return ids;
}

static enum MHD_Result ical(struct ah_request *req)
{
    int64_t now = ah_clock_now(&req->app->clock);
    struct loaded l = {0};
    struct ah_shift *sh = NULL;
    struct ah_error err;
    struct ah_buf b, v;
    json_t *ids, *names = NULL;
    char stamp[20], idbuf[24];
    size_t n = 0, i;

    if (load(req, &l, &err) < 0 ||
        shifts_of(&l, now - ICAL_BEFORE, now + ICAL_AFTER, &sh, &n, &err) < 0) {
        loaded_done(&l);
        return ah_respond_failure(req, &err);
    }
    ids = shift_members(sh, n);
    if (ah_store_read_member_names(req->app->store, ids, &names, &err) < 0) {
        json_decref(ids);
        ah_free(sh);
        loaded_done(&l);
        return ah_respond_failure(req, &err);
    }
    ah_buf_init(&b);
    ah_buf_init(&v);
    ah_buf_puts(&b, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//alerthub//on-call schedule//EN\r\n"
                    "CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n");
    ical_text(&v, json_string_value(json_object_get(l.schedule, "name")));
    ical_line(&b, "X-WR-CALNAME", ah_buf_str(&v));
    ical_time(now, stamp);
    for (i = 0; i < n; i++) {
        const char *name;

        snprintf(idbuf, sizeof(idbuf), "%lld", (long long)sh[i].member_id);
        name = json_string_value(json_object_get(names, idbuf));
        if (name == NULL) { /* deleted since (a member in use cannot be) */
            snprintf(idbuf, sizeof(idbuf), "member %lld", (long long)sh[i].member_id);
            name = idbuf;
        }
        ical_event(&b, req->id, &sh[i], name, layer_name(l.rota, sh[i].layer), stamp);
    }
    ah_buf_puts(&b, "END:VCALENDAR\r\n");
    ah_buf_done(&v);
    json_decref(ids);
    json_decref(names);
    ah_free(sh);
    loaded_done(&l);
    return ah_respond_text(req, 200, "text/calendar; charset=utf-8", ah_buf_steal(&b));
}

/* ================= routing ================= */

/* GET, POST /schedules/{id}/overrides; GET, DELETE .../overrides/{oid}. */
static enum MHD_Result overrides(struct ah_request *req, const char *oid)
{
    struct ah_error err;
    enum MHD_Result ret;
    json_t *data = NULL;
    int rc;

    if (oid != NULL) {
        req->rule.sub_id = ah_admin_parse_id(oid, strlen(oid));
        if (req->rule.sub_id == 0)
            return ah_respond_error(req, 404, "ResourceNotFound", "no such id", 0);
    }
    if (strcmp(req->method, "GET") == 0) {
        rc = ah_store_read_overrides(req->app->store, req->id, req->rule.sub_id, &data, &err);
        return ah_admin_read_result(req, rc, data, &err);
    }
    if (strcmp(req->method, "DELETE") == 0 && oid != NULL)
        return ah_request_submit(req, override_run, override_finish);
    if (strcmp(req->method, "POST") != 0 || oid != NULL)
        return ah_admin_not_allowed(req);
    if (ah_request_json_object(req, &ret) < 0)
        return ret;
    ah_error_clear(&err);
    if (check_override(req->json, &err) < 0)
        return ah_respond_failure(req, &err);
    return ah_request_submit(req, override_run, override_finish);
}

static const struct ah_admin_crud teams = {ah_store_read_teams, ah_store_read_team, check_team,
                                           team_run, team_finish};
static const struct ah_admin_crud schedules = {ah_store_read_schedules, read_schedule,
                                               check_schedule, schedule_run, schedule_finish};

enum MHD_Result ah_admin_teams(struct ah_request *req, int64_t id, const char *action)
{
    return ah_admin_crud(req, id, action, &teams);
}

enum MHD_Result ah_admin_schedules(struct ah_request *req, int64_t id, const char *action)
{
    enum MHD_Result (*read)(struct ah_request * req) = NULL;

    if (action[0] == '\0')
        return ah_admin_crud(req, id, action, &schedules);
    req->id = id;
    if (strcmp(action, "overrides") == 0)
        return overrides(req, NULL);
    if (strncmp(action, "overrides/", 10) == 0 && strchr(action + 10, '/') == NULL)
        return overrides(req, action + 10);
    if (strcmp(action, "oncall") == 0)
        read = oncall;
    else if (strcmp(action, "shifts") == 0)
        read = shifts;
    else if (strcmp(action, "ical") == 0)
        read = ical;
    else
        return ah_admin_no_route(req);
    return strcmp(req->method, "GET") == 0 ? read(req) : ah_admin_not_allowed(req);
}
