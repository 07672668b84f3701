/* volcengine_rtc.c - the Volcengine RTC alert-callback adapter. Volcengine
 * does not publish the body of that callback, so the adapter is tolerant: it
 * accepts the Cloud Monitor metric-alarm shape, the RTC message-callback
 * envelope (a JSON string in EventData) and a flat form, and finds each field
 * case-insensitively under several names. Depends on model/ and util/ only. */
#include "ingest/adapter.h"

#include "util/alloc.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/hex.h"
#include "util/sha256.h"
#include "util/text.h"

#include <stdlib.h>
#include <string.h>

/* At most this many scalar fields are copied into labels per event, so that
 * the chosen labels below always fit under AH_MAX_LABELS. */
#define FLAT_LABELS 40
#define KEY_BYTES   16

/* ---- field names (candidates in priority order, any case) ---------------- */

static const char *const rule_id_names[] = {"RuleId", "rule_id", NULL};
static const char *const rule_name_names[] = {"RuleName",  "rule_name", "AlertName",
                                              "AlarmName", "name",      NULL};
static const char *const level_names[] = {"Level",    "AlertLevel", "AlarmLevel",
                                          "Severity", "grade",      NULL};
static const char *const status_names[] = {"Status", "AlertStatus", "State", "AlarmStatus", NULL};
static const char *const time_names[] = {"HappenedAt", "EventTime", "AlarmTime", "alarm_time",
                                         "Timestamp",  "time",      NULL};
static const char *const desc_names[] = {"RuleCondition", "Description", "Content", NULL};
static const char *const app_id_names[] = {"AppId", "app_id", NULL};
static const char *const app_name_names[] = {"AppName", "app_name", NULL};
static const char *const room_id_names[] = {"RoomId", "room_id", NULL};
static const char *const user_id_names[] = {"UserId", "user_id", NULL};
static const char *const notify_type_names[] = {"NotifyType", NULL};
static const char *const event_data_names[] = {"EventData", NULL};
static const char *const event_id_names[] = {"EventId", NULL};
static const char *const rules_names[] = {"Rules", NULL};
static const char *const resources_names[] = {"Resources", NULL};
static const char *const recovered_names[] = {"RecoveredResources", NULL};
static const char *const res_id_names[] = {"Id", "ResourceId", NULL};
static const char *const res_name_names[] = {"Name", "ResourceName", NULL};
static const char *const res_region_names[] = {"Region", NULL};
static const char *const res_last_names[] = {"LastAlertTime", NULL};
static const char *const res_first_names[] = {"FirstAlertTime", NULL};
static const char *const metrics_names[] = {"Metrics", NULL};
static const char *const metric_name_names[] = {"Name", "MetricName", NULL};
static const char *const metric_value_names[] = {"Value", NULL};
static const char *const metric_unit_names[] = {"Unit", NULL};

/* The envelope's identity wins over EventData's: EventId is the dedup key
 * Volcengine documents for the envelope. */
static const char *const envelope_keep[] = {"EventId", "EventType", "AppId", NULL};
/* Signature and Nonce change on every delivery and would only add noise (and
 * a signature is no business of the alert's readers). */
static const char *const top_skip[] = {"Signature", "Nonce", "Noce", "EventData", NULL};
/* Mapped to resource_id, resource_name and region already. */
static const char *const res_skip[] = {"Id", "ResourceId", "Name", "ResourceName", "Region", NULL};

static const char *const ok_statuses[] = {"ok",   "resolved", "recovered", "recovery",
                                          "恢复", "已恢复",   "normal",    NULL};

struct level_word {
    const char *word;
    enum ah_severity severity;
};

/* clang-format off */
static const struct level_word level_words[] = {
    {"critical", AH_SEV_CRITICAL}, {"严重", AH_SEV_CRITICAL}, {"p0", AH_SEV_CRITICAL},
    {"fatal", AH_SEV_CRITICAL}, {"emergency", AH_SEV_CRITICAL},
    {"warning", AH_SEV_WARNING}, {"警告", AH_SEV_WARNING}, {"p1", AH_SEV_WARNING},
    {"p2", AH_SEV_WARNING}, {"major", AH_SEV_WARNING}, {"minor", AH_SEV_WARNING},
    {"notice", AH_SEV_INFO}, {"通知", AH_SEV_INFO}, {"提示", AH_SEV_INFO},
    {"提醒", AH_SEV_INFO}, {"info", AH_SEV_INFO},
};
/* clang-format on */

/* What the body says once, shared by all its events. */
struct body {
    const json_t *view; /* the body, or @merged when EventData held an object */
    json_t *merged;     /* owned; NULL without EventData */
    char *rule_id, *rule_name, *raw_level;
    char *app_id, *app_name, *room_id, *user_id;
    const char *description; /* borrowed from @view */
    enum ah_severity severity;
    int recovered;
    int64_t time; /* 0 when the body gives none */
};

/* One resource of Resources / RecoveredResources. */
struct resource {
    char *id, *name, *region;
};

/* ---- helpers --------------------------------------------------------------- */

static int in_list(const char *s, const char *const *list)
{
    for (; *list != NULL; list++) {
        if (ah_str_ieq(s, *list))
            return 1;
    }
    return 0;
}

/* Returns the first non-null field of @obj whose name matches one of @names
 * (any case), trying the names in order; NULL when @obj is no object. */
static json_t *find_field(const json_t *obj, const char *const *names)
{
    const char *key;
    json_t *value;

    for (; *names != NULL; names++) {
        json_object_foreach((json_t *)obj, key, value)
        {
            if (ah_str_ieq(key, *names) && !json_is_null(value))
                return value;
        }
    }
    return NULL;
}

/* As find_field, falling back to Rules[0] (Cloud Monitor event alarms keep
 * the rule there). */
static json_t *find_rule_field(const json_t *obj, const char *const *names)
{
    json_t *v = find_field(obj, names);

    if (v != NULL)
        return v;
    return find_field(json_array_get(find_field(obj, rules_names), 0), names);
}

static char *find_text(const json_t *obj, const char *const *names)
{
    return ah_json_scalar_text(find_field(obj, names));
}

static int is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

static int is_lower_or_digit(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* RuleId -> rule_id, SubNamespace -> sub_namespace, AccountID -> account_id.
 * Non-ASCII bytes are kept as they are. */
static char *snake_case(const char *key)
{
    struct ah_buf b;
    size_t i;

    ah_buf_init(&b);
    for (i = 0; key[i] != '\0'; i++) {
        char c = key[i];

        if (is_upper(c)) {
            if (i > 0 && (is_lower_or_digit(key[i - 1]) ||
                          (is_upper(key[i - 1]) && is_lower_or_digit(key[i + 1]))))
                ah_buf_puts(&b, "_");
            c = (char)(c + ('a' - 'A'));
        } else if (c == '-' || c == ' ' || c == '.') {
            c = '_';
        }
        ah_buf_append(&b, &c, 1);
    }
    return ah_buf_steal(&b);
}

/* Seconds from a Unix number (s, ms or us) or a time string; 0 if neither. */
static int64_t time_of(const json_t *v)
{
    int64_t t;

    if (json_is_string(v) && ah_time_parse(json_string_value(v), &t) == 0)
        return t;
    if (json_is_number(v) && json_number_value(v) > 0)
        return ah_time_from_number(json_number_value(v));
    return 0;
}

/* ---- the body ------------------------------------------------------------- */

/* Deletes every key of @obj equal to @key in any case. */
static void del_any_case(json_t *obj, const char *key)
{
    const char *k;
    json_t *v;
    void *tmp;

    json_object_foreach_safe(obj, tmp, k, v)
    {
        if (ah_str_ieq(k, key))
            json_object_del(obj, k);
    }
}

/* Lays EventData's fields over a shallow copy of the envelope: they win,
 * except for the envelope's own identity fields. */
static json_t *merge_event_data(const json_t *body, const json_t *inner)
{
    json_t *merged = json_copy((json_t *)body);
    const char *key;
    json_t *value;

    del_any_case(merged, "EventData");
    json_object_foreach((json_t *)inner, key, value)
    {
        if (in_list(key, envelope_keep) && find_field(merged, (const char *[]){key, NULL}))
            continue;
        del_any_case(merged, key);
        json_object_set(merged, key, value);
    }
    return merged;
}

/* An EventData that is not a JSON object is left alone (it is skipped from
 * labels): the rest of the body may still carry the alert. */
static void load_view(const json_t *body, struct body *b)
{
    const char *data = json_string_value(find_field(body, event_data_names));
    json_t *inner;

    b->view = body;
    if (data == NULL)
        return;
    inner = json_loads(data, 0, NULL);
    if (json_is_object(inner)) {
        b->merged = merge_event_data(body, inner);
        b->view = b->merged;
    }
    json_decref(inner);
}

static enum ah_severity map_level(const char *text)
{
    size_t i;

    for (i = 0; i < sizeof(level_words) / sizeof(level_words[0]); i++) {
        if (ah_str_ieq(text, level_words[i].word))
            return level_words[i].severity;
    }
    return AH_SEV_NONE;
}

/* Recovered when a status word says so or NotifyType is 2 (the Volcengine
 * TLS convention: 1 triggers, 2 recovers). */
static int status_recovered(const json_t *obj)
{
    const char *status = json_string_value(find_field(obj, status_names));
    const json_t *nt = find_field(obj, notify_type_names);

    if (status != NULL && in_list(status, ok_statuses))
        return 1;
    if (json_is_number(nt) && json_number_value(nt) == 2)
        return 1;
    return json_is_string(nt) && strcmp(json_string_value(nt), "2") == 0;
}

static void body_done(struct body *b)
{
    json_decref(b->merged);
    ah_free(b->rule_id);
    ah_free(b->rule_name);
    ah_free(b->raw_level);
    ah_free(b->app_id);
    ah_free(b->app_name);
    ah_free(b->room_id);
    ah_free(b->user_id);
    memset(b, 0, sizeof(*b));
}

static int body_load(const json_t *body, struct body *b, struct ah_error *err)
{
    char *level;

    memset(b, 0, sizeof(*b));
    if (!json_is_object(body))
        return ah_error_set(err, AH_EINVAL, "body must be a JSON object");
    load_view(body, b);
    b->rule_id = ah_json_scalar_text(find_rule_field(b->view, rule_id_names));
    b->rule_name = ah_json_scalar_text(find_rule_field(b->view, rule_name_names));
    b->app_id = find_text(b->view, app_id_names);
    b->app_name = find_text(b->view, app_name_names);
    b->room_id = find_text(b->view, room_id_names);
    b->user_id = find_text(b->view, user_id_names);
    b->description = json_string_value(find_field(b->view, desc_names));
    b->recovered = status_recovered(b->view);
    b->time = time_of(find_field(b->view, time_names));
    level = ah_json_scalar_text(find_rule_field(b->view, level_names));
    b->severity = level != NULL ? map_level(level) : AH_SEV_NONE;
    if (b->severity == AH_SEV_NONE) {
        /* Like other webhook integrations, an unreadable level is a Warning;
         * the original text stays visible as a label. */
        b->severity = AH_SEV_WARNING;
        b->raw_level = level;
    } else {
        ah_free(level);
    }
    return AH_OK;
}

/* Refuses a body with no alert in it, too many resources, or resources that
 * are not objects. */
static int body_check(const struct body *b, const json_t *res, const json_t *rec,
                      struct ah_error *err)
{
    size_t n = json_array_size(res) + json_array_size(rec), i;

    if (b->rule_id == NULL && b->rule_name == NULL && n == 0)
        return ah_error_set(err, AH_EINVAL,
                            "body has no Volcengine RTC alert: expected RuleName or RuleId");
    if (n > AH_MAX_EVENTS)
        return ah_error_set(err, AH_EINVAL,
                            "body has %zu resources, at most %d are allowed in one request", n,
                            AH_MAX_EVENTS);
    for (i = 0; i < json_array_size(res); i++) {
        if (!json_is_object(json_array_get(res, i)))
            return ah_error_set(err, AH_EINVAL, "Resources[%zu] must be an object", i);
    }
    for (i = 0; i < json_array_size(rec); i++) {
        if (!json_is_object(json_array_get(rec, i)))
            return ah_error_set(err, AH_EINVAL, "RecoveredResources[%zu] must be an object", i);
    }
    return AH_OK;
}

/* ---- one event ------------------------------------------------------------ */

/* Sets @key to @value cut to AH_MAX_LABEL_VALUE; an existing key is kept
 * unless @replace, and a new key is dropped once the labels are full. */
static void put_label(struct ah_event *ev, const char *key, const char *value, int replace)
{
    int exists = json_object_get(ev->labels, key) != NULL;
    char *cut;

    if (value == NULL || (exists && !replace))
        return;
    if (!exists && json_object_size(ev->labels) >= AH_MAX_LABELS)
        return;
    cut = ah_utf8_truncate(value, AH_MAX_LABEL_VALUE, NULL);
    ah_event_set_label(ev, key, cut);
    ah_free(cut);
}

/* Copies the scalar fields of @obj not in @skip as snake_case labels, without
 * replacing the labels already chosen, while *@budget lasts. */
static void flatten(struct ah_event *ev, const json_t *obj, const char *const *skip, int *budget)
{
    const char *key;
    json_t *value;

    json_object_foreach((json_t *)obj, key, value)
    {
        char *text, *name;

        if (*budget <= 0)
            return;
        if (in_list(key, skip))
            continue;
        text = ah_json_scalar_text(value);
        name = snake_case(key);
        if (text != NULL && name[0] != '\0' && ah_utf8_len(name) <= AH_MAX_LABEL_KEY &&
            json_object_get(ev->labels, name) == NULL) {
            put_label(ev, name, text, 0);
            (*budget)--;
        }
        ah_free(text);
        ah_free(name);
    }
}

static void put_metric_labels(struct ah_event *ev, const json_t *res)
{
    const json_t *m = json_array_get(find_field(res, metrics_names), 0);
    char *name = find_text(m, metric_name_names);
    char *value = find_text(m, metric_value_names);
    char *unit = find_text(m, metric_unit_names);

    put_label(ev, "metric_name", name, 1);
    put_label(ev, "metric_value", value, 1);
    put_label(ev, "metric_unit", unit, 1);
    ah_free(name);
    ah_free(value);
    ah_free(unit);
}

/* The chosen labels first, then the resource's fields, then the body's: on a
 * name clash the more specific value wins. */
static void set_labels(struct ah_event *ev, const struct body *b, const json_t *res_obj,
                       const struct resource *res)
{
    int budget = FLAT_LABELS;

    put_label(ev, "rule_id", b->rule_id, 1);
    put_label(ev, "rule_name", b->rule_name, 1);
    put_label(ev, "raw_level", b->raw_level, 1);
    if (res_obj != NULL) {
        put_label(ev, "resource_id", res->id, 1);
        put_label(ev, "resource_name", res->name, 1);
        put_label(ev, "region", res->region, 1);
        put_metric_labels(ev, res_obj);
        flatten(ev, res_obj, res_skip, &budget);
    }
    flatten(ev, b->view, top_skip, &budget);
}

/* "<rule> / <what>": the resource, else the room, else the application. */
static char *make_title(const struct body *b, const struct resource *res)
{
    const char *rule = b->rule_name ? b->rule_name : b->rule_id;
    const char *what;
    struct ah_buf t;

    if (res != NULL)
        what = res->name ? res->name : res->id;
    else
        what = b->room_id ? b->room_id : b->app_name ? b->app_name : b->app_id;
    ah_buf_init(&t);
    ah_buf_puts(&t, rule ? rule : "Volcengine RTC alert");
    if (what != NULL && what[0] != '\0') {
        ah_buf_puts(&t, " / ");
        ah_buf_puts(&t, what);
    }
    return ah_buf_steal(&t);
}

/* 32 hex digits of SHA-256("volcengine_rtc\n<rule>\n<resource id>"), or with
 * "<app id>\n<room id>\n<user id>" (absent ones empty) for a body without
 * resources. The level and the status are left out, so the trigger and the
 * recovery of one rule on one resource share the key. */
static char *make_key(const struct body *b, const struct resource *res)
{
    const char *rule = b->rule_id ? b->rule_id : b->rule_name;
    unsigned char digest[AH_SHA256_LEN];
    char hex[2 * KEY_BYTES + 1];
    struct ah_buf s;

    ah_buf_init(&s);
    ah_buf_printf(&s, "volcengine_rtc\n%s\n", rule ? rule : "");
    if (res != NULL)
        ah_buf_puts(&s, res->id ? res->id : res->name ? res->name : "");
    else
        ah_buf_printf(&s, "%s\n%s\n%s", b->app_id ? b->app_id : "", b->room_id ? b->room_id : "",
                      b->user_id ? b->user_id : "");
    ah_sha256(ah_buf_str(&s), s.len, digest);
    ah_buf_done(&s);
    ah_hex_encode(digest, KEY_BYTES, hex);
    return ah_xstrdup(hex);
}

/* The body's time (HappenedAt and the like) when it has one: that is when
 * Volcengine evaluated the rule. Else a firing resource's LastAlertTime (then
 * FirstAlertTime); else 0, the receive time: a recovered resource's alert
 * times say when it fired, not when it recovered. */
static int64_t event_time(const struct body *b, const json_t *res_obj, int recovered)
{
    int64_t t;

    if (b->time > 0 || res_obj == NULL || recovered)
        return b->time;
    t = time_of(find_field(res_obj, res_last_names));
    return t > 0 ? t : time_of(find_field(res_obj, res_first_names));
}

static void add_event(const struct body *b, const json_t *res_obj, int recovered,
                      struct ah_event_list *out)
{
    struct ah_event *ev = ah_event_list_add(out);
    struct resource res = {NULL, NULL, NULL};

    if (res_obj != NULL) {
        res.id = find_text(res_obj, res_id_names);
        res.name = find_text(res_obj, res_name_names);
        res.region = find_text(res_obj, res_region_names);
    }
    ev->severity = b->severity;
    ev->recovered = recovered;
    ev->title = make_title(b, res_obj ? &res : NULL);
    ev->description = b->description ? ah_xstrdup(b->description) : NULL;
    ev->alert_key = make_key(b, res_obj ? &res : NULL);
    ev->event_time = event_time(b, res_obj, recovered);
    set_labels(ev, b, res_obj, &res);
    ah_free(res.id);
    ah_free(res.name);
    ah_free(res.region);
}

/* ---- the adapter ----------------------------------------------------------- */

/* One event per entry of Resources (firing) and of RecoveredResources
 * (recovered); a body with neither is one event about itself. */
static int parse(const struct ah_push_input *in, struct ah_event_list *out, struct ah_error *err)
{
    const json_t *res, *rec;
    struct body b;
    size_t i;
    int rc;

    rc = body_load(in->body, &b, err);
    if (rc < 0)
        goto out;
    res = find_field(b.view, resources_names);
    rec = find_field(b.view, recovered_names);
    rc = body_check(&b, res, rec, err);
    if (rc < 0)
        goto out;
    for (i = 0; i < json_array_size(res); i++)
        add_event(&b, json_array_get(res, i), 0, out);
    for (i = 0; i < json_array_size(rec); i++)
        add_event(&b, json_array_get(rec, i), 1, out);
    if (json_array_size(res) + json_array_size(rec) == 0)
        add_event(&b, NULL, b.recovered, out);
out:
    body_done(&b);
    return rc;
}

/* The envelope's EventId is unique per callback; Cloud Monitor instead sends
 * the same x-volc-trace-id header on each of its retries. */
static char *retry_id(const struct ah_push_input *in)
{
    char *id = ah_json_scalar_text(find_field(in->body, event_id_names));
    const char *trace;
    struct ah_buf b;

    ah_buf_init(&b);
    if (id != NULL && id[0] != '\0') {
        ah_buf_printf(&b, "EventId:%s", id);
        ah_free(id);
        return ah_buf_steal(&b);
    }
    ah_free(id);
    trace = in->header ? in->header(in->header_ctx, "x-volc-trace-id") : NULL;
    if (trace == NULL || trace[0] == '\0')
        return NULL;
    ah_buf_printf(&b, "trace:%s", trace);
    return ah_buf_steal(&b);
}

const struct ah_adapter ah_adapter_volcengine_rtc = {
    .type = "volcengine_rtc",
    .path = "volcengine/rtc",
    .display_name = "Volcengine RTC",
    .parse = parse,
    .retry_id = retry_id,
};
