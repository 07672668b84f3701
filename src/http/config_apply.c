/* config_apply.c - applying a checked configuration (config.h) in one
 * writer job: the file's objects are matched by name with the stored ones,
 * then created, updated or (with prune) deleted through the store
 * functions the admin API uses. A failure rolls the job's savepoint back,
 * so nothing changes. The reducer is given its compiled rules only once
 * every write succeeded, and the caches the push path reads (integrations,
 * process table) only after the commit. */
#include "http/config_walk.h"
#include "http/rows.h"

#include "model/event.h"
#include "model/integration.h"
#include "process/enrich.h"
#include "process/pipeline.h"
#include "process/route.h"
#include "reduce/rules.h"
#include "util/alloc.h"
#include "util/hex.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* ================= what changes besides the rows ================= */

enum change_kind {
    /* the reducer, at the end of the job */
    C_GROUPING,
    C_FLAPPING,
    C_SILENCE,
    C_INHIBIT,
    C_NO_SILENCE,
    C_NO_INHIBIT,
    C_ESCALATIONS,
    /* the caches, after the commit */
    C_INTG_PUT,
    C_INTG_REMOVE,
    C_ROUTES,
    C_ENRICHMENT,
    C_PIPELINE,
    C_CHANNEL_NAME,
    C_CHANNEL_GONE,
};

struct change {
    enum change_kind kind;
    int64_t owner; /* channel or integration */
    int64_t id;    /* a silence or inhibit */
    void *obj;     /* a compiled rule, owned until handed over */
    char *name;
    struct ah_integration intg;
};

struct apply_job {
    struct ah_job job;
    struct ah_app *app;
    struct ah_reduce *reduce; /* the writer's, while the job runs */
    const json_t *doc;
    struct ah_config_walk w;
    json_t *intgs; /* stored integrations: name -> {id, type, key, sec, min} */
    struct change *changes;
    size_t n, cap;
    enum ah_config_kind kind; /* of the on-call objects being applied */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int finished;
};

static struct change *add_change(struct apply_job *aj, enum change_kind kind, int64_t owner,
                                 void *obj)
{
    struct change *c;

    if (aj->n == aj->cap) {
        aj->cap = aj->cap ? 2 * aj->cap : 32;
        aj->changes = ah_xrealloc(aj->changes, aj->cap * sizeof(*aj->changes));
    }
    c = &aj->changes[aj->n++];
    *c = (struct change){.kind = kind, .owner = owner, .obj = obj};
    return c;
}

static void change_free(struct change *c)
{
    switch (c->kind) {
    case C_GROUPING:
        ah_grouping_free(c->obj);
        break;
    case C_FLAPPING:
        ah_flapping_free(c->obj);
        break;
    case C_SILENCE:
        ah_silence_free(c->obj);
        break;
    case C_INHIBIT:
        ah_inhibit_free(c->obj);
        break;
    case C_ESCALATIONS:
        ah_escalations_free(c->obj);
        break;
    case C_ROUTES:
        ah_routes_unref(c->obj);
        break;
    case C_ENRICHMENT:
        ah_enrichment_unref(c->obj);
        break;
    case C_PIPELINE:
        ah_pipeline_unref(c->obj);
        break;
    default:
        break;
    }
    ah_free(c->name);
    ah_integration_done(&c->intg);
}

/* Hands the compiled rules to the reducer (each set takes ownership). */
static void give_reducer(struct apply_job *aj, struct ah_reduce *reduce)
{
    size_t i;

    for (i = 0; i < aj->n; i++) {
        struct change *c = &aj->changes[i];

        if (c->kind == C_GROUPING)
            ah_reduce_set_grouping(reduce, c->owner, c->obj);
        else if (c->kind == C_FLAPPING)
            ah_reduce_set_flapping(reduce, c->owner, c->obj);
        else if (c->kind == C_SILENCE)
            ah_reduce_put_silence(reduce, c->owner, c->obj);
        else if (c->kind == C_INHIBIT)
            ah_reduce_put_inhibit(reduce, c->owner, c->obj);
        else if (c->kind == C_NO_SILENCE)
            ah_reduce_remove_silence(reduce, c->owner, c->id);
        else if (c->kind == C_NO_INHIBIT)
            ah_reduce_remove_inhibit(reduce, c->owner, c->id);
        else if (c->kind == C_ESCALATIONS)
            ah_reduce_set_escalations(reduce, c->owner, c->obj);
        else
            continue;
        c->obj = NULL;
    }
}

static void committed(struct ah_job *job)
{
    struct apply_job *aj = (struct apply_job *)job;
    struct ah_process_table *pt = aj->app->process;
    size_t i;

    for (i = 0; i < aj->n; i++) {
        struct change *c = &aj->changes[i];

        if (c->kind == C_INTG_PUT)
            ah_integrations_put(aj->app->integrations, &c->intg);
        else if (c->kind == C_INTG_REMOVE)
            ah_integrations_remove(aj->app->integrations, c->owner);
        if (c->kind == C_INTG_REMOVE)
            ah_process_table_forget_integration(pt, c->owner);
        else if (c->kind == C_ROUTES)
            ah_process_table_set_routes(pt, c->owner, c->obj);
        else if (c->kind == C_ENRICHMENT)
            ah_process_table_set_enrichment(pt, c->owner, c->obj);
        else if (c->kind == C_PIPELINE)
            ah_process_table_set_pipeline(pt, c->owner, c->obj);
        else if (c->kind == C_CHANNEL_NAME || c->kind == C_CHANNEL_GONE)
            ah_process_table_forget_channel(pt, c->owner);
        if (c->kind == C_CHANNEL_NAME)
            ah_process_table_name(pt, c->name, c->owner);
    }
}

/* ================= what is stored now ================= */

static void stored_channel(int64_t id, const char *name, void *arg)
{
    json_object_set_new(arg, name, json_integer(id));
}

static void stored_integration(const struct ah_integration *intg, void *arg)
{
    json_object_set_new(arg, intg->name,
                        json_pack("{sIsssssisi}", "id", (json_int_t)intg->id, "type", intg->type,
                                  "key", intg->key, "sec", intg->rate_per_sec, "min",
                                  intg->rate_per_min));
}

/* The stored rows that @list reads, page by page: name -> id in @map. */
static int stored_names(struct ah_store *store, ah_admin_list_fn list, json_t *map,
                        struct ah_error *err)
{
    struct ah_page page = {.limit = 500, .cursor = 0};
    json_t *data = NULL, *item;
    size_t i;
    int rc;

    do {
        rc = list(store, &page, &data, err);
        if (rc < 0)
            return rc;
        json_array_foreach(json_object_get(data, "items"), i, item)
        {
            json_object_set_new(map, json_string_value(json_object_get(item, "name")),
                                json_integer(ah_json_id(json_object_get(item, "id"))));
        }
        page.cursor = ah_json_id(json_object_get(data, "next_cursor"));
        json_decref(data);
        data = NULL;
    } while (page.cursor != 0);
    return AH_OK;
}

/* ================= channels and members ================= */

static int fail_at(struct ah_error *err, const char *path, int rc)
{
    char msg[sizeof(err->msg)];

    snprintf(msg, sizeof(msg), "%s", err->msg);
    return ah_error_set(err, rc == AH_ESTORE ? AH_ESTORE : rc, "%s: %s", path, msg);
}

static int upsert_channel(struct apply_job *aj, const json_t *ch, int64_t now, struct ah_error *err)
{
    const char *name = json_string_value(json_object_get(ch, "name"));
    const char *desc = json_string_value(json_object_get(ch, "description"));
    int64_t id = json_integer_value(json_object_get(aj->w.channels, name));
    struct change *c;
    int rc;

    if (id != 0)
        rc = ah_store_tx_channel_update(aj->w.tx, id, name, desc, now, err);
    else
        rc = ah_store_tx_channel_insert(aj->w.tx, name, desc, now, &id, err);
    if (rc < 0)
        return rc;
    json_object_set_new(aj->w.channels, name, json_integer(id));
    c = add_change(aj, C_CHANNEL_NAME, id, NULL);
    c->name = ah_xstrdup(name);
    return AH_OK;
}

static int upsert_member(struct apply_job *aj, const json_t *m, int64_t now, struct ah_error *err)
{
    const char *name = json_string_value(json_object_get(m, "name"));
    int64_t id = json_integer_value(json_object_get(aj->w.members, name));
    json_t *body = json_deep_copy(m);
    int rc = ah_admin_member_check(body, 1, err);

    if (rc == AH_OK && id != 0)
        rc = ah_store_tx_member_update(aj->w.tx, id, body, now, err);
    else if (rc == AH_OK)
        rc = ah_store_tx_member_insert(aj->w.tx, body, now, &id, err);
    json_decref(body);
    if (rc == AH_OK)
        json_object_set_new(aj->w.members, name, json_integer(id));
    return rc;
}

/* A notify target, team or schedule: the admin API's body (names
 * translated, checked), then the store's insert or update (a target's
 * through the admin API's write, which keeps a stored secret). */
static int upsert_oncall(struct apply_job *aj, enum ah_config_kind kind, const json_t *o,
                         const char *path, int64_t now, struct ah_error *err)
{
    json_t *map = kind == AH_CONFIG_TARGET ? aj->w.targets
                  : kind == AH_CONFIG_TEAM ? aj->w.teams
                                           : aj->w.schedules;
    const char *name = json_string_value(json_object_get(o, "name"));
    int64_t id = json_integer_value(json_object_get(map, name));
    json_t *body = ah_config_oncall_body(&aj->w, kind, o, path);
    int rc;

    if (body == NULL)
        return ah_error_set(err, AH_EINVAL, "names a channel or member that does not exist");
    if (kind == AH_CONFIG_TARGET)
        rc = ah_admin_target_write(aj->w.tx, id, body, now, &id, err);
    else if (kind == AH_CONFIG_TEAM && id != 0)
        rc = ah_store_tx_team_update(aj->w.tx, id, body, now, err);
    else if (kind == AH_CONFIG_TEAM)
        rc = ah_store_tx_team_insert(aj->w.tx, body, now, &id, err);
    else if (id != 0)
        rc = ah_store_tx_schedule_update(aj->w.tx, id, body, now, err);
    else
        rc = ah_store_tx_schedule_insert(aj->w.tx, body, now, &id, err);
    json_decref(body);
    if (rc == AH_OK)
        json_object_set_new(map, name, json_integer(id));
    return rc;
}

/* ================= a channel's rules ================= */

/* The stored silences or inhibits of channel @id: name -> rule id. */
static json_t *stored_holds(struct apply_job *aj, enum ah_store_hold_kind kind, int64_t id)
{
    json_t *data = NULL, *map = json_object(), *item;
    struct ah_error err;
    size_t i;

    if (ah_rows_read_hold_rules(aj->app->store, kind, id, 0, &data, &err) < 0)
        return map; /* a channel created in this job has none yet */
    json_array_foreach(json_object_get(data, "items"), i, item)
    {
        json_object_set_new(map, json_string_value(json_object_get(item, "name")),
                            json_integer(ah_json_id(json_object_get(item, "id"))));
    }
    json_decref(data);
    return map;
}

static int apply_hold(struct apply_job *aj, enum ah_store_hold_kind kind, int64_t ch,
                      const json_t *rule, json_t *stored, int64_t now, struct ah_error *err)
{
    const char *name = json_string_value(json_object_get(rule, "name"));
    int64_t id = json_integer_value(json_object_get(stored, name));
    int silence = kind == AH_STORE_SILENCE;
    void *compiled = NULL;
    int rc = silence ? ah_silence_compile(rule, 0, (struct ah_silence **)&compiled, err)
                     : ah_inhibit_compile(rule, 0, (struct ah_inhibit **)&compiled, err);

    if (rc == AH_OK && id != 0)
        rc = ah_store_tx_hold_rule_update(aj->w.tx, kind, ch, id, rule, now, err);
    else if (rc == AH_OK)
        rc = ah_store_tx_hold_rule_insert(aj->w.tx, kind, ch, rule, now, &id, err);
    if (rc == AH_OK && silence)
        ((struct ah_silence *)compiled)->id = id;
    else if (rc == AH_OK)
        ((struct ah_inhibit *)compiled)->id = id;
    if (rc == AH_OK)
        add_change(aj, silence ? C_SILENCE : C_INHIBIT, ch, compiled);
    else if (silence)
        ah_silence_free(compiled);
    else
        ah_inhibit_free(compiled);
    json_object_del(stored, name);
    return rc;
}

/* A channel's silences (or inhibits): the file's are created or updated;
 * with prune, the others are deleted. */
static int apply_holds(struct apply_job *aj, const json_t *chdoc, int64_t ch, int silence,
                       int prune, const char *path, int64_t now, struct ah_error *err)
{
    enum ah_store_hold_kind kind = silence ? AH_STORE_SILENCE : AH_STORE_INHIBIT;
    const json_t *list = json_object_get(chdoc, silence ? "silences" : "inhibits"), *rule;
    json_t *stored, *v;
    const char *name;
    char at[256];
    size_t i;
    int rc = AH_OK;

    if (list == NULL)
        return AH_OK;
    stored = stored_holds(aj, kind, ch);
    json_array_foreach(list, i, rule)
    {
        snprintf(at, sizeof(at), "%.200s.%s[%zu]", path, silence ? "silences" : "inhibits", i);
        rc = apply_hold(aj, kind, ch, rule, stored, now, err);
        if (rc < 0)
            goto out;
    }
    json_object_foreach(stored, name, v)
    {
        if (!prune)
            break;
        rc = ah_store_tx_hold_rule_delete(aj->w.tx, kind, ch, json_integer_value(v), err);
        if (rc < 0)
            goto out;
        add_change(aj, silence ? C_NO_SILENCE : C_NO_INHIBIT, ch, NULL)->id = json_integer_value(v);
    }
out:
    json_decref(stored);
    return rc < 0 ? fail_at(err, at, rc) : rc;
}

static int apply_settings(struct apply_job *aj, const json_t *chdoc, int64_t ch, int64_t now,
                          struct ah_error *err)
{
    const json_t *g = json_object_get(chdoc, "grouping"), *f = json_object_get(chdoc, "flapping");
    struct ah_grouping *gc = NULL;
    struct ah_flapping *fc = NULL;
    int rc = AH_OK;

    if (g != NULL) {
        rc = ah_grouping_compile(g, &gc, err);
        if (rc == AH_OK)
            rc = ah_store_tx_channel_set(aj->w.tx, ch, "grouping", g, now, err);
        add_change(aj, C_GROUPING, ch, gc);
    }
    if (rc == AH_OK && f != NULL) {
        rc = ah_flapping_compile(f, &fc, err);
        if (rc == AH_OK)
            rc = ah_store_tx_channel_set(aj->w.tx, ch, "flapping", f, now, err);
        add_change(aj, C_FLAPPING, ch, fc);
    }
    return rc;
}

static int apply_escalations(struct apply_job *aj, const json_t *chdoc, int64_t ch,
                             const char *path, struct ah_error *err)
{
    const json_t *v = json_object_get(chdoc, "escalations");
    struct ah_escalations *e = NULL;
    char at[256];
    json_t *body;
    int rc;

    if (v == NULL)
        return AH_OK;
    snprintf(at, sizeof(at), "%.200s.escalations", path);
    body = ah_config_escalations_body(&aj->w, v, at);
    if (body == NULL)
        return ah_error_set(err, AH_EINVAL, "%s: names a member that does not exist", at);
    rc = ah_escalations_compile(body, &e, err);
    json_decref(body);
    if (rc == AH_OK)
        rc = ah_admin_escalation_refs(aj->w.tx, e->refs, err);
    if (rc == AH_OK)
        rc = ah_store_tx_escalations_set(aj->w.tx, ch, e->json, e->refs, err);
    add_change(aj, C_ESCALATIONS, ch, e);
    return rc < 0 ? fail_at(err, at, rc) : rc;
}

static int apply_channel_rules(struct apply_job *aj, const json_t *chdoc, const char *path,
                               int64_t now, struct ah_error *err)
{
    const char *name = json_string_value(json_object_get(chdoc, "name"));
    int64_t ch = json_integer_value(json_object_get(aj->w.channels, name));
    int prune = json_is_true(json_object_get(aj->doc, "prune"));
    int rc = apply_settings(aj, chdoc, ch, now, err);

    if (rc < 0)
        return fail_at(err, path, rc);
    rc = apply_holds(aj, chdoc, ch, 1, prune, path, now, err);
    if (rc == AH_OK)
        rc = apply_holds(aj, chdoc, ch, 0, prune, path, now, err);
    if (rc == AH_OK)
        rc = apply_escalations(aj, chdoc, ch, path, err);
    return rc;
}

/* ================= integrations ================= */

static int new_key(struct ah_integration *intg, struct ah_error *err)
{
    char key[33];

    if (ah_random_hex(16, key) < 0)
        return ah_error_set(err, AH_EIO, "could not read random bytes for the key");
    intg->key = ah_xstrdup(key);
    return AH_OK;
}

static json_int_t given_or(const json_t *v, json_int_t dflt)
{
    return v != NULL ? json_integer_value(v) : dflt;
}

/* Fills @intg from the file's @in over the stored @old (may be NULL). */
static int integration_of(struct apply_job *aj, const json_t *in, const json_t *old,
                          struct ah_integration *intg, struct ah_error *err)
{
    const char *type = json_string_value(json_object_get(in, "type"));
    const char *ch = json_string_value(json_object_get(in, "channel"));
    const char *key = json_string_value(json_object_get(in, "key"));

    intg->id = given_or(json_object_get(old, "id"), 0);
    intg->name = ah_xstrdup(json_string_value(json_object_get(in, "name")));
    intg->type = ah_xstrdup(type);
    if (old != NULL && strcmp(json_string_value(json_object_get(old, "type")), type) != 0)
        return ah_error_set(err, AH_EINVAL, "type cannot be changed: delete the integration first");
    intg->channel_id = ch != NULL ? ah_config_id(&aj->w, aj->w.channels, ch) : 0;
    if (ch != NULL && intg->channel_id == 0)
        return ah_error_set(err, AH_EINVAL, "channel \"%s\" does not exist", ch);
    intg->rate_per_sec =
        (int)given_or(json_object_get(in, "rate_limit_per_sec"),
                      given_or(json_object_get(old, "sec"), AH_RATE_PER_SEC_DEFAULT));
    intg->rate_per_min =
        (int)given_or(json_object_get(in, "rate_limit_per_min"),
                      given_or(json_object_get(old, "min"), AH_RATE_PER_MIN_DEFAULT));
    if (key == NULL)
        key = json_string_value(json_object_get(old, "key"));
    if (key != NULL)
        intg->key = ah_xstrdup(key);
    return key != NULL ? AH_OK : new_key(intg, err);
}

static int store_rules(struct apply_job *aj, int64_t id, struct ah_config_rules *r,
                       struct ah_error *err)
{
    const int64_t *ids;
    size_t n;
    int rc = AH_OK;

    if (r->routes != NULL) {
        ids = ah_routes_channels(r->routes, &n);
        rc = ah_store_tx_routes_set(aj->w.tx, id, r->routes_json, ids, n, err);
        add_change(aj, C_ROUTES, id, r->routes);
    }
    if (rc == AH_OK && r->enrichment != NULL) {
        ids = ah_enrichment_mappings(r->enrichment, &n);
        rc = ah_store_tx_enrichment_set(aj->w.tx, id, ah_enrichment_json(r->enrichment), ids, n,
                                        err);
        add_change(aj, C_ENRICHMENT, id, r->enrichment);
    }
    if (rc == AH_OK && r->pipeline != NULL) {
        rc = ah_store_tx_pipeline_set(aj->w.tx, id, ah_pipeline_json(r->pipeline), err);
        add_change(aj, C_PIPELINE, id, r->pipeline);
    }
    /* The changes own the compiled rules now, whatever happened. */
    r->routes = NULL;
    r->enrichment = NULL;
    r->pipeline = NULL;
    return rc;
}

static int apply_integration(struct apply_job *aj, const json_t *in, const char *path, int64_t now,
                             struct ah_error *err)
{
    const char *name = json_string_value(json_object_get(in, "name"));
    struct ah_integration intg = {0};
    struct ah_config_rules rules = {0};
    struct change *c;
    int rc = integration_of(aj, in, json_object_get(aj->intgs, name), &intg, err);

    if (rc == AH_OK && ah_config_compile_rules(&aj->w, in, path, &rules) < 0)
        rc = ah_error_set(err, AH_EINVAL, "a rule names a channel that does not exist");
    if (rc == AH_OK && intg.id != 0)
        rc = ah_store_tx_integration_update(aj->w.tx, &intg, now, err);
    else if (rc == AH_OK)
        rc = ah_store_tx_integration_insert(aj->w.tx, &intg, now, err);
    if (rc == AH_OK)
        rc = store_rules(aj, intg.id, &rules, err);
    ah_config_rules_done(&rules);
    if (rc == AH_OK) {
        c = add_change(aj, C_INTG_PUT, intg.id, NULL);
        ah_integration_copy(&c->intg, &intg);
        json_object_del(aj->intgs, name);
    }
    ah_integration_done(&intg);
    return rc < 0 ? fail_at(err, path, rc) : rc;
}

/* ================= prune ================= */

static int prune_rest(struct apply_job *aj, const char *kind, json_t *map, json_t *declared_map,
                      struct ah_error *err)
{
    const char *name;
    json_t *v;
    int rc;

    json_object_foreach(map, name, v)
    {
        int64_t id = json_is_object(v) ? json_integer_value(json_object_get(v, "id"))
                                       : json_integer_value(v);

        if (declared_map != NULL && json_object_get(declared_map, name) != NULL)
            continue;
        if (strcmp(kind, "integrations") == 0) {
            rc = ah_store_tx_integration_delete(aj->w.tx, id, err);
            add_change(aj, C_INTG_REMOVE, id, NULL);
        } else if (strcmp(kind, "channels") == 0) {
            rc = ah_store_tx_channel_delete(aj->w.tx, id, err);
            add_change(aj, C_CHANNEL_GONE, id, NULL);
        } else if (strcmp(kind, "targets") == 0) {
            rc = ah_store_tx_target_delete(aj->w.tx, id, err);
        } else if (strcmp(kind, "teams") == 0) {
            rc = ah_store_tx_team_delete(aj->w.tx, id, err);
        } else if (strcmp(kind, "schedules") == 0) {
            rc = ah_store_tx_schedule_delete(aj->w.tx, id, err);
        } else {
            rc = ah_store_tx_member_delete(aj->w.tx, id, err);
        }
        if (rc < 0) {
            char why[sizeof(err->msg)]; /* err->msg is rewritten below */

            snprintf(why, sizeof(why), "%s", err->msg);
            return ah_error_set(err, rc == AH_ECONFLICT ? AH_EINVAL : rc,
                                "prune: cannot delete %.12s \"%.80s\": %.120s", kind, name, why);
        }
    }
    return AH_OK;
}

/* The names of the file's @key objects. */
static json_t *declared(const json_t *doc, const char *key)
{
    json_t *set = json_object(), *item;
    size_t i;

    json_array_foreach(json_object_get(doc, key), i, item)
    {
        json_object_set_new(set, json_string_value(json_object_get(item, "name")), json_true());
    }
    return set;
}

static int prune(struct apply_job *aj, struct ah_error *err)
{
    /* What refers to others goes first: integrations to channels, targets
     * to channels, channels (their escalation rules) to the rest, teams
     * and schedules to members. */
    static const char *const kinds[] = {"integrations", "targets",   "channels",
                                        "teams",        "schedules", "members"};
    json_t *maps[] = {aj->intgs,   aj->w.targets,   aj->w.channels,
                      aj->w.teams, aj->w.schedules, aj->w.members};
    size_t i;
    int rc = AH_OK;

    if (!json_is_true(json_object_get(aj->doc, "prune")))
        return AH_OK;
    for (i = 0; rc == AH_OK && i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        json_t *names;

        if (json_object_get(aj->doc, kinds[i]) == NULL)
            continue;
        names = declared(aj->doc, kinds[i]);
        rc = prune_rest(aj, kinds[i], maps[i], names, err);
        json_decref(names);
    }
    return rc;
}

/* ================= the job ================= */

typedef int (*apply_fn)(struct apply_job *aj, const json_t *o, const char *path, int64_t now,
                        struct ah_error *err);

static int each(struct apply_job *aj, const char *key, apply_fn fn, int64_t now,
                struct ah_error *err)
{
    const json_t *item;
    char at[256];
    size_t i;
    int rc;

    json_array_foreach(json_object_get(aj->doc, key), i, item)
    {
        snprintf(at, sizeof(at), "%.40s[%zu]", key, i);
        rc = fn(aj, item, at, now, err);
        if (rc < 0)
            return rc;
    }
    return AH_OK;
}

static int channel_row(struct apply_job *aj, const json_t *o, const char *path, int64_t now,
                       struct ah_error *err)
{
    int rc = upsert_channel(aj, o, now, err);

    return rc < 0 ? fail_at(err, path, rc) : rc;
}

static int member_row(struct apply_job *aj, const json_t *o, const char *path, int64_t now,
                      struct ah_error *err)
{
    int rc = upsert_member(aj, o, now, err);

    return rc < 0 ? fail_at(err, path, rc) : rc;
}

/* The notify targets, teams or schedules (aj->kind: each() passes no kind). */
static int oncall_row(struct apply_job *aj, const json_t *o, const char *path, int64_t now,
                      struct ah_error *err)
{
    int rc = upsert_oncall(aj, aj->kind, o, path, now, err);

    return rc < 0 ? fail_at(err, path, rc) : rc;
}

static int auto_resolve(struct apply_job *aj, const json_t *o, const char *path, int64_t now,
                        struct ah_error *err)
{
    int64_t ch = json_integer_value(
        json_object_get(aj->w.channels, json_string_value(json_object_get(o, "name"))));
    int rc = ah_admin_auto_resolve_apply(o, ch, aj->w.tx, aj->reduce, now, err);

    return rc < 0 ? fail_at(err, path, rc) : rc;
}

static int load_stored(struct apply_job *aj, struct ah_error *err)
{
    int rc = ah_store_channels_each(aj->app->store, stored_channel, aj->w.channels, err);

    if (rc == AH_OK)
        rc = stored_names(aj->app->store, ah_store_read_members, aj->w.members, err);
    if (rc == AH_OK)
        rc = stored_names(aj->app->store, ah_store_read_targets, aj->w.targets, err);
    if (rc == AH_OK)
        rc = stored_names(aj->app->store, ah_store_read_teams, aj->w.teams, err);
    if (rc == AH_OK)
        rc = stored_names(aj->app->store, ah_store_read_schedules, aj->w.schedules, err);
    if (rc == AH_OK)
        rc = ah_store_integrations_each(aj->app->store, stored_integration, aj->intgs, err);
    return rc;
}

static const char *const oncall_keys[] = {"targets", "teams", "schedules"};

static int apply_run(struct ah_job *job, struct ah_store_tx *tx, struct ah_reduce *reduce,
                     int64_t now, struct ah_error *err)
{
    struct apply_job *aj = (struct apply_job *)job;
    int rc = load_stored(aj, err);

    aj->w.tx = tx;
    aj->reduce = reduce;
    if (rc == AH_OK)
        rc = each(aj, "channels", channel_row, now, err);
    if (rc == AH_OK)
        rc = each(aj, "members", member_row, now, err);
    for (aj->kind = AH_CONFIG_TARGET; rc == AH_OK && aj->kind <= AH_CONFIG_SCHEDULE; aj->kind++)
        rc = each(aj, oncall_keys[aj->kind], oncall_row, now, err);
    if (rc == AH_OK)
        rc = each(aj, "channels", apply_channel_rules, now, err);
    if (rc == AH_OK)
        rc = each(aj, "integrations", apply_integration, now, err);
    if (rc == AH_OK)
        rc = prune(aj, err);
    /* Last, as it already tells the reducer: nothing may fail after it
     * but the commit, which rebuilds the reducer when it fails. */
    if (rc == AH_OK)
        rc = each(aj, "channels", auto_resolve, now, err);
    if (rc == AH_OK)
        give_reducer(aj, reduce);
    return rc;
}

static void apply_done(struct ah_job *job)
{
    struct apply_job *aj = (struct apply_job *)job;

    pthread_mutex_lock(&aj->lock);
    aj->finished = 1;
    pthread_cond_signal(&aj->cond);
    pthread_mutex_unlock(&aj->lock);
}

int ah_config_apply(struct ah_app *app, const json_t *doc, struct ah_config_report *r)
{
    struct apply_job aj = {.job = {.run = apply_run, .done = apply_done, .committed = committed},
                           .app = app,
                           .doc = doc,
                           .intgs = json_object()};
    int rc;
    size_t i;

    ah_config_walk_init(&aj.w, r, app->process);
    pthread_mutex_init(&aj.lock, NULL);
    pthread_cond_init(&aj.cond, NULL);
    rc = ah_writer_submit(app->writer, &aj.job, &aj.job.err);
    pthread_mutex_lock(&aj.lock);
    while (rc == AH_OK && !aj.finished)
        pthread_cond_wait(&aj.cond, &aj.lock);
    pthread_mutex_unlock(&aj.lock);
    if (rc == AH_OK)
        rc = aj.job.rc;
    if (rc < 0)
        ah_config_error_at(r, aj.job.err.msg);
    for (i = 0; i < aj.n; i++)
        change_free(&aj.changes[i]);
    ah_free(aj.changes);
    json_decref(aj.intgs);
    ah_config_walk_done(&aj.w);
    pthread_cond_destroy(&aj.cond);
    pthread_mutex_destroy(&aj.lock);
    return rc;
}
