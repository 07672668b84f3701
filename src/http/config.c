/* config.c - reading and checking a configuration file (config.h). The
 * same walk serves check-config and the apply (config_apply.c): names are
 * translated into ids through the context's maps, then each object is given
 * to the compile or check function the admin API uses for it. */
#include "http/config_walk.h"

#include "ingest/adapter.h"
#include "model/integration.h"
#include "process/enrich.h"
#include "process/pipeline.h"
#include "process/route.h"
#include "reduce/rules.h"
#include "util/alloc.h"
#include "util/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ah_config_report_init(struct ah_config_report *r, const char *file)
{
    *r = (struct ah_config_report){.file = file};
    ah_buf_init(&r->text);
}

void ah_config_report_done(struct ah_config_report *r)
{
    ah_buf_done(&r->text);
    json_decref(r->doc);
    ah_config_marks_free(r->marks);
}

/* One step of a path: "[3]" or "key"; the next node, or NULL. */
static const json_t *step(const json_t *node, const char **p)
{
    char key[128], *end;
    size_t n;

    if (**p == '[') {
        unsigned long i = strtoul(*p + 1, &end, 10);

        if (*end != ']')
            return NULL;
        *p = end + 1;
        return json_array_get(node, i);
    }
    n = strcspn(*p, ".[");
    if (n == 0 || n >= sizeof(key))
        return NULL;
    memcpy(key, *p, n);
    key[n] = '\0';
    *p += n;
    return json_object_get(node, key);
}

/* Where the object at @path starts: the deepest node on the way that has
 * a position (true, false and null have none: their container's). */
static int position(struct ah_config_report *r, const char *path, int *line, int *col)
{
    const json_t *node = r->doc;
    int found = ah_config_marks_find(r->marks, node, line, col);

    if (strcmp(path, "(top)") == 0)
        return found;
    while (node != NULL && *path != '\0') {
        node = step(node, &path);
        if (*path == '.')
            path++;
        if (node != NULL && ah_config_marks_find(r->marks, node, line, col))
            found = 1;
    }
    return found;
}

void ah_config_error(struct ah_config_report *r, const char *path, const char *msg)
{
    int line, col;

    r->errors++;
    if (position(r, path, &line, &col))
        ah_buf_printf(&r->text, "%s:%d:%d: %s: %s\n", r->file, line, col, path, msg);
    else
        ah_buf_printf(&r->text, "%s: %s: %s\n", r->file, path, msg);
}

void ah_config_error_at(struct ah_config_report *r, const char *msg)
{
    size_t n = strcspn(msg, " :");
    char path[256];

    if (n == 0 || n >= sizeof(path) || msg[n] != ':' || msg[n + 1] != ' ') {
        ah_config_error(r, "apply", msg);
        return;
    }
    memcpy(path, msg, n);
    path[n] = '\0';
    ah_config_error(r, path, msg + n + 2);
}

/* ================= names ================= */

int64_t ah_config_id(struct ah_config_walk *w, json_t *map, const char *name)
{
    json_t *v = json_object_get(map, name);

    if (v != NULL)
        return json_integer_value(v);
    if (w->tx != NULL)
        return 0;
    /* Checking without a server: an undeclared name may exist there. */
    w->next_fake++;
    json_object_set_new(map, name, json_integer(w->next_fake));
    return w->next_fake;
}

/* Replaces @obj's array of names @from ("channels") with an array of ids
 * @to ("channel_ids"). Returns AH_EINVAL (reported) for a bad list. */
static int names_to_ids(struct ah_config_walk *w, json_t *obj, const char *from, const char *to,
                        json_t *map, const char *path)
{
    json_t *names = json_object_get(obj, from), *ids, *n;
    char at[256], msg[320];
    size_t i;
    int rc = AH_OK;

    if (names == NULL)
        return AH_OK;
    snprintf(at, sizeof(at), "%.200s.%s", path, from);
    if (!json_is_array(names) || json_object_get(obj, to) != NULL) {
        snprintf(msg, sizeof(msg), "must be an array of names, and not given with %s", to);
        ah_config_error(w->rep, at, msg);
        return AH_EINVAL;
    }
    ids = json_array();
    json_array_foreach(names, i, n)
    {
        int64_t id = json_is_string(n) ? ah_config_id(w, map, json_string_value(n)) : 0;

        if (id == 0) {
            snprintf(msg, sizeof(msg), "%s[%zu] names nothing (\"%.100s\")", from, i,
                     json_is_string(n) ? json_string_value(n) : "not a string");
            ah_config_error(w->rep, path, msg);
            rc = AH_EINVAL;
            continue;
        }
        json_array_append_new(ids, json_sprintf("%lld", (long long)id));
    }
    json_object_del(obj, from);
    json_object_set_new(obj, to, ids);
    return rc;
}

/* The admin API's body for escalations, member names translated. */
json_t *ah_config_escalations_body(struct ah_config_walk *w, const json_t *given, const char *path)
{
    json_t *body = json_deep_copy(given), *rule, *level;
    char at[256];
    size_t i, j;
    int rc = AH_OK;

    json_array_foreach(json_object_get(body, "rules"), i, rule)
    {
        json_array_foreach(json_object_get(rule, "levels"), j, level)
        {
            snprintf(at, sizeof(at), "%.160s.rules[%zu].levels[%zu]", path, i, j);
            if (json_is_object(level) &&
                (names_to_ids(w, level, "members", "member_ids", w->members, at) < 0 ||
                 names_to_ids(w, level, "teams", "team_ids", w->teams, at) < 0 ||
                 names_to_ids(w, level, "schedules", "schedule_ids", w->schedules, at) < 0 ||
                 names_to_ids(w, level, "targets", "target_ids", w->targets, at) < 0))
                rc = AH_EINVAL;
        }
    }
    if (rc == AH_OK)
        return body;
    json_decref(body);
    return NULL;
}

json_t *ah_config_routes_body(struct ah_config_walk *w, const json_t *given, const char *path)
{
    json_t *body = json_deep_copy(given), *c;
    char at[256];
    size_t i;
    int rc = AH_OK;

    json_array_foreach(json_object_get(body, "cases"), i, c)
    {
        snprintf(at, sizeof(at), "%.200s.cases[%zu]", path, i);
        if (json_is_object(c) && names_to_ids(w, c, "channels", "channel_ids", w->channels, at) < 0)
            rc = AH_EINVAL;
    }
    c = json_object_get(body, "default");
    snprintf(at, sizeof(at), "%.200s.default", path);
    if (json_is_object(c) && names_to_ids(w, c, "channels", "channel_ids", w->channels, at) < 0)
        rc = AH_EINVAL;
    if (rc == AH_OK)
        return body;
    json_decref(body);
    return NULL;
}

/* ================= the checks, one per kind ================= */

/* Reports @err at @path when @rc failed; returns @rc. */
static int reported(struct ah_config_walk *w, const char *path, int rc, const struct ah_error *err)
{
    if (rc < 0)
        ah_config_error(w->rep, path, err->msg);
    return rc;
}

/* An array of objects at @key of @obj, each with a distinct name. Returns
 * 0 when absent, -1 (reported) when not an array, else 1 (bad names are
 * reported, and the items are still worth checking). */
static int named_list(struct ah_config_walk *w, const json_t *obj, const char *key,
                      const char *path, size_t max_name)
{
    const json_t *list = json_object_get(obj, key), *item;
    json_t *seen;
    char at[256], msg[200];
    size_t i;

    if (list == NULL)
        return 0;
    snprintf(at, sizeof(at), "%.200s%s%s", path, path[0] ? "." : "", key);
    if (!json_is_array(list)) {
        ah_config_error(w->rep, at, "must be an array of objects");
        return -1;
    }
    seen = json_object();
    json_array_foreach(list, i, item)
    {
        const char *name = json_string_value(json_object_get(item, "name"));

        snprintf(at, sizeof(at), "%.200s%s%s[%zu]", path, path[0] ? "." : "", key, i);
        if (!json_is_object(item) || name == NULL || name[0] == '\0' ||
            ah_utf8_len(name) > max_name) {
            snprintf(msg, sizeof(msg), "must be an object with a name of 1 to %zu characters",
                     max_name);
            ah_config_error(w->rep, at, msg);
        } else if (json_object_get(seen, name) != NULL) {
            snprintf(msg, sizeof(msg), "repeats the name \"%.100s\"", name);
            ah_config_error(w->rep, at, msg);
        } else {
            json_object_set_new(seen, name, json_true());
        }
    }
    json_decref(seen);
    return 1;
}

/* The fields an object declares besides its own: removed before the
 * admin API's checks see it. */
json_t *ah_config_without(const json_t *obj, const char *const *keys)
{
    json_t *copy = json_deep_copy(obj);
    size_t i;

    for (i = 0; keys[i] != NULL; i++)
        json_object_del(copy, keys[i]);
    return copy;
}

const char *const ah_config_channel_parts[] = {"grouping", "flapping",    "silences",
                                               "inhibits", "escalations", NULL};

static void check_holds(struct ah_config_walk *w, const json_t *ch, const char *path, int silence)
{
    const char *key = silence ? "silences" : "inhibits";
    const json_t *item;
    struct ah_error err;
    char at[256];
    size_t i;

    if (named_list(w, ch, key, path, 200) <= 0)
        return;
    if (json_array_size(json_object_get(ch, key)) > AH_RULES_MAX_PER_LIST) {
        char msg[64];

        snprintf(at, sizeof(at), "%.200s.%s", path, key);
        snprintf(msg, sizeof(msg), "a channel holds at most %d", AH_RULES_MAX_PER_LIST);
        ah_config_error(w->rep, at, msg);
    }
    json_array_foreach(json_object_get(ch, key), i, item)
    {
        void *rule = NULL;
        int rc = silence ? ah_silence_compile(item, 0, (struct ah_silence **)&rule, &err)
                         : ah_inhibit_compile(item, 0, (struct ah_inhibit **)&rule, &err);

        snprintf(at, sizeof(at), "%.200s.%s[%zu]", path, key, i);
        reported(w, at, rc, &err);
        if (silence)
            ah_silence_free(rule);
        else
            ah_inhibit_free(rule);
    }
}

static void check_channel(struct ah_config_walk *w, const json_t *ch, const char *path)
{
    static const char *const keys[] = {"name",
                                       "description",
                                       "auto_resolve_timeout",
                                       "auto_resolve_mode",
                                       "disable_auto_close",
                                       "grouping",
                                       "flapping",
                                       "silences",
                                       "inhibits",
                                       "escalations",
                                       NULL};
    const json_t *v;
    struct ah_grouping *g = NULL;
    struct ah_flapping *f = NULL;
    struct ah_escalations *e = NULL;
    struct ah_error err;
    json_t *body;
    char at[256];

    reported(w, path, ah_admin_only_keys(ch, keys, "", &err), &err);
    reported(w, path, ah_admin_string_field(ch, "description", 0, 0, 500, NULL, &err), &err);
    reported(w, path, ah_admin_auto_resolve_check(ch, &err), &err);
    v = json_object_get(ch, "grouping");
    snprintf(at, sizeof(at), "%.200s.grouping", path);
    if (v != NULL)
        reported(w, at, ah_grouping_compile(v, &g, &err), &err);
    v = json_object_get(ch, "flapping");
    snprintf(at, sizeof(at), "%.200s.flapping", path);
    if (v != NULL)
        reported(w, at, ah_flapping_compile(v, &f, &err), &err);
    check_holds(w, ch, path, 1);
    check_holds(w, ch, path, 0);
    v = json_object_get(ch, "escalations");
    snprintf(at, sizeof(at), "%.200s.escalations", path);
    body = v != NULL ? ah_config_escalations_body(w, v, at) : NULL;
    if (body != NULL)
        reported(w, at, ah_escalations_compile(body, &e, &err), &err);
    json_decref(body);
    ah_grouping_free(g);
    ah_flapping_free(f);
    ah_escalations_free(e);
}

static void check_member(struct ah_config_walk *w, const json_t *m, const char *path)
{
    json_t *body = json_deep_copy(m);
    struct ah_error err;

    reported(w, path, ah_admin_member_check(body, 1, &err), &err);
    json_decref(body);
}

/* A fixed key: 32 to 64 hex digits (at least 128 bits, as generated). */
static int key_ok(const char *k)
{
    size_t i, n = strlen(k);

    for (i = 0; i < n; i++) {
        if (!((k[i] >= '0' && k[i] <= '9') || (k[i] >= 'a' && k[i] <= 'f')))
            return 0;
    }
    return n >= 32 && n <= 64;
}

static int rate_ok(const json_t *v)
{
    return v == NULL ||
           (json_is_integer(v) && json_integer_value(v) >= 1 && json_integer_value(v) <= 1000000);
}

static void check_intg_fields(struct ah_config_walk *w, const json_t *in, const char *path)
{
    static const char *const keys[] = {"name",
                                       "type",
                                       "channel",
                                       "key",
                                       "routes",
                                       "enrichment",
                                       "pipeline",
                                       "rate_limit_per_sec",
                                       "rate_limit_per_min",
                                       NULL};
    const char *type = json_string_value(json_object_get(in, "type"));
    const json_t *key = json_object_get(in, "key"), *ch = json_object_get(in, "channel");
    struct ah_error err;

    reported(w, path, ah_admin_only_keys(in, keys, "", &err), &err);
    if (type == NULL || ah_adapter_by_type(type) == NULL)
        ah_config_error(w->rep, path, "type must be one of standard, volcengine_rtc, alertmanager");
    if (key != NULL && (!json_is_string(key) || !key_ok(json_string_value(key))))
        ah_config_error(w->rep, path, "key must be 32 to 64 lower-case hex digits");
    if (!rate_ok(json_object_get(in, "rate_limit_per_sec")) ||
        !rate_ok(json_object_get(in, "rate_limit_per_min")))
        ah_config_error(w->rep, path,
                        "rate_limit_per_sec and rate_limit_per_min must be integers from 1 to "
                        "1000000");
    if (ch != NULL && !json_is_string(ch))
        ah_config_error(w->rep, path, "channel must be the name of a channel");
    if (ch != NULL && json_object_get(in, "routes") != NULL)
        ah_config_error(w->rep, path,
                        "routes apply to shared integrations only (without \"channel\")");
}

static void check_integration(struct ah_config_walk *w, const json_t *in, const char *path)
{
    struct ah_config_rules rules = {0};

    check_intg_fields(w, in, path);
    if (ah_config_compile_rules(w, in, path, &rules) == AH_OK)
        ah_config_rules_done(&rules);
}

void ah_config_rules_done(struct ah_config_rules *r)
{
    ah_routes_unref(r->routes);
    ah_enrichment_unref(r->enrichment);
    ah_pipeline_unref(r->pipeline);
    json_decref(r->routes_json);
    *r = (struct ah_config_rules){0};
}

int ah_config_compile_rules(struct ah_config_walk *w, const json_t *in, const char *path,
                            struct ah_config_rules *ret)
{
    const json_t *v;
    struct ah_error err;
    char at[256];
    int rc = AH_OK;

    v = json_object_get(in, "routes");
    snprintf(at, sizeof(at), "%.200s.routes", path);
    if (v != NULL) {
        ret->routes_json = ah_config_routes_body(w, v, at);
        if (ret->routes_json == NULL ||
            reported(w, at, ah_routes_compile(ret->routes_json, &ret->routes, &err), &err) < 0)
            rc = AH_EINVAL;
    }
    v = json_object_get(in, "enrichment");
    snprintf(at, sizeof(at), "%.200s.enrichment", path);
    if (v != NULL && reported(w, at,
                              ah_enrichment_compile(v, ah_process_table_mapping, w->process,
                                                    &ret->enrichment, &err),
                              &err) < 0)
        rc = AH_EINVAL;
    v = json_object_get(in, "pipeline");
    snprintf(at, sizeof(at), "%.200s.pipeline", path);
    if (v != NULL && reported(w, at, ah_pipeline_compile(v, &ret->pipeline, &err), &err) < 0)
        rc = AH_EINVAL;
    if (rc < 0)
        ah_config_rules_done(ret);
    return rc;
}

/* ================= targets, teams and schedules ================= */

/* Names translated: a new object, or NULL (reported). */
static json_t *oncall_names(struct ah_config_walk *w, enum ah_config_kind kind, const json_t *given,
                            const char *path)
{
    json_t *body = json_deep_copy(given), *layer;
    char at[256];
    size_t i;
    int rc = AH_OK;

    if (kind == AH_CONFIG_TARGET) {
        rc = names_to_ids(w, body, "channels", "channel_ids", w->channels, path);
        if (json_object_get(body, "channel_ids") == NULL)
            json_object_set_new(body, "channel_ids", json_array());
        if (json_object_get(body, "event_types") == NULL)
            json_object_set_new(body, "event_types", json_null());
    } else if (kind == AH_CONFIG_TEAM) {
        rc = names_to_ids(w, body, "members", "member_ids", w->members, path);
    }
    json_array_foreach(kind == AH_CONFIG_SCHEDULE ? json_object_get(body, "layers") : NULL, i,
                       layer)
    {
        snprintf(at, sizeof(at), "%.200s.layers[%zu]", path, i);
        if (json_is_object(layer) &&
            names_to_ids(w, layer, "members", "member_ids", w->members, at) < 0)
            rc = AH_EINVAL;
    }
    if (rc == AH_OK)
        return body;
    json_decref(body);
    return NULL;
}

json_t *ah_config_oncall_body(struct ah_config_walk *w, enum ah_config_kind kind,
                              const json_t *given, const char *path)
{
    json_t *body = oncall_names(w, kind, given, path), *members = NULL;
    struct ah_error err;
    int rc;

    if (body == NULL)
        return NULL;
    if (kind == AH_CONFIG_TARGET)
        rc = ah_admin_target_check(body, 1, &err);
    else if (kind == AH_CONFIG_TEAM)
        rc = ah_admin_team_check(body, 1, &err);
    else
        rc = ah_admin_schedule_check(body, &members, &err);
    json_decref(members);
    if (reported(w, path, rc, &err) == AH_OK)
        return body;
    json_decref(body);
    return NULL;
}

static void check_oncall(struct ah_config_walk *w, enum ah_config_kind kind, const json_t *o,
                         const char *path)
{
    json_decref(ah_config_oncall_body(w, kind, o, path));
}

static void check_target(struct ah_config_walk *w, const json_t *o, const char *path)
{
    check_oncall(w, AH_CONFIG_TARGET, o, path);
}

static void check_team(struct ah_config_walk *w, const json_t *o, const char *path)
{
    check_oncall(w, AH_CONFIG_TEAM, o, path);
}

static void check_schedule(struct ah_config_walk *w, const json_t *o, const char *path)
{
    check_oncall(w, AH_CONFIG_SCHEDULE, o, path);
}

/* ================= the document ================= */

/* Declares the names of @key's objects in @map (fake ids when checking). */
static void declare(struct ah_config_walk *w, const json_t *doc, const char *key, json_t *map)
{
    const json_t *item;
    size_t i;

    json_array_foreach(json_object_get(doc, key), i, item)
    {
        const char *name = json_string_value(json_object_get(item, "name"));

        if (name != NULL && json_object_get(map, name) == NULL)
            json_object_set_new(map, name, json_integer(++w->next_fake));
    }
}

static void check_all(struct ah_config_walk *w, const json_t *doc, const char *key, size_t max,
                      void (*check)(struct ah_config_walk *w, const json_t *o, const char *path))
{
    const json_t *item;
    char at[256];
    size_t i;

    if (named_list(w, doc, key, "", max) < 0)
        return;
    json_array_foreach(json_object_get(doc, key), i, item)
    {
        snprintf(at, sizeof(at), "%.40s[%zu]", key, i);
        if (json_is_object(item))
            check(w, item, at);
    }
}

int ah_config_check(struct ah_config_walk *w, const json_t *doc)
{
    static const char *const keys[] = {"prune", "channels",  "members",      "targets",
                                       "teams", "schedules", "integrations", NULL};
    const json_t *prune = json_object_get(doc, "prune");
    struct ah_error err;
    size_t before = w->rep->errors;

    if (!json_is_object(doc)) {
        ah_config_error(w->rep, "(top)", "must be an object");
        return AH_EINVAL;
    }
    reported(w, "(top)", ah_admin_only_keys(doc, keys, "", &err), &err);
    if (prune != NULL && !json_is_boolean(prune))
        ah_config_error(w->rep, "prune", "must be true or false");
    if (w->tx == NULL) {
        declare(w, doc, "channels", w->channels);
        declare(w, doc, "members", w->members);
        declare(w, doc, "targets", w->targets);
        declare(w, doc, "teams", w->teams);
        declare(w, doc, "schedules", w->schedules);
    }
    check_all(w, doc, "channels", AH_MAX_NAME, check_channel);
    check_all(w, doc, "members", 100, check_member);
    check_all(w, doc, "targets", 100, check_target);
    check_all(w, doc, "teams", 100, check_team);
    check_all(w, doc, "schedules", 100, check_schedule);
    check_all(w, doc, "integrations", AH_MAX_NAME, check_integration);
    return w->rep->errors > before ? AH_EINVAL : AH_OK;
}

void ah_config_walk_init(struct ah_config_walk *w, struct ah_config_report *rep,
                         struct ah_process_table *process)
{
    *w = (struct ah_config_walk){.rep = rep,
                                 .process = process,
                                 .channels = json_object(),
                                 .members = json_object(),
                                 .targets = json_object(),
                                 .teams = json_object(),
                                 .schedules = json_object()};
}

void ah_config_walk_done(struct ah_config_walk *w)
{
    json_decref(w->channels);
    json_decref(w->members);
    json_decref(w->targets);
    json_decref(w->teams);
    json_decref(w->schedules);
}

int ah_config_load(struct ah_config_report *r, struct ah_process_table *tables, json_t **ret_doc)
{
    struct ah_process_table *process = tables ? NULL : ah_process_table_new();
    struct ah_config_walk w;
    json_t *doc = NULL;
    int rc;

    *ret_doc = NULL;
    if (ah_config_parse(r, &doc) < 0) {
        ah_process_table_free(process);
        return AH_EINVAL;
    }
    ah_config_walk_init(&w, r, tables ? tables : process);
    rc = ah_config_check(&w, doc);
    ah_config_walk_done(&w);
    ah_process_table_free(process);
    if (rc < 0) {
        json_decref(doc);
        return rc;
    }
    *ret_doc = doc;
    return AH_OK;
}
