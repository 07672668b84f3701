/* esc_rules.c - a channel's escalation rules, compiled (rules.h). A rule is
 * validated whole and normalized (ids as strings, defaults filled in), so
 * that the snapshot an escalation keeps is complete. */
#include "reduce/rules.h"

#include "model/event.h"
#include "util/alloc.h"
#include "util/text.h"

#include <stdio.h>
#include <string.h>

static const char *const id_lists[] = {"member_ids", "team_ids", "schedule_ids", "target_ids"};
static const char *const ref_kinds[] = {"member", "team", "schedule", "target"};
static const char *const unless_names[] = {"acked", "closed", NULL};
static const char *const rule_fields[] = {"name",          "enabled", "if",     "time_window",
                                          "delay_seconds", "levels",  "repeat", NULL};
static const char *const level_fields[] = {
    "member_ids",      "team_ids", "schedule_ids", "target_ids", "escalate_after_minutes",
    "escalate_unless", NULL};

/* A field a rule does not have is a typo, not something to drop silently. */
static int known_fields(const json_t *obj, const char *const *names, const char *where,
                        struct ah_error *err)
{
    const char *key;
    json_t *v;
    size_t i;

    json_object_foreach((json_t *)obj, key, v)
    {
        for (i = 0; names[i] != NULL && strcmp(names[i], key) != 0; i++)
            ;
        if (names[i] == NULL)
            return ah_error_set(err, AH_EINVAL, "%s%s\"%.*s\" is not a field of %s", where,
                                where[0] ? ": " : "", (int)ah_utf8_prefix(key, 64), key,
                                names == rule_fields ? "an escalation rule" : "a level");
    }
    return AH_OK;
}

/* An id list: strings or positive integers, no duplicates; normalized to
 * strings and noted in @refs. */
static int id_list(const json_t *level, const char *where, size_t which, json_t *out, json_t *refs,
                   struct ah_error *err)
{
    const json_t *list = json_object_get(level, id_lists[which]), *v;
    json_t *ids = json_array();
    size_t i, j;

    if (list != NULL && !json_is_null(list) &&
        (!json_is_array(list) || json_array_size(list) > AH_ESC_MAX_RECIPIENTS)) {
        json_decref(ids);
        return ah_error_set(err, AH_EINVAL, "%s.%s must be an array of at most %d ids", where,
                            id_lists[which], AH_ESC_MAX_RECIPIENTS);
    }
    json_array_foreach(list, i, v)
    {
        int64_t id = ah_json_id(v);
        char s[24];

        if (id <= 0) {
            json_decref(ids);
            return ah_error_set(err, AH_EINVAL, "%s.%s[%zu] must be an id", where, id_lists[which],
                                i);
        }
        snprintf(s, sizeof(s), "%lld", (long long)id);
        for (j = 0; j < json_array_size(ids); j++) {
            if (strcmp(json_string_value(json_array_get(ids, j)), s) == 0)
                break;
        }
        if (j < json_array_size(ids))
            continue; /* a duplicate pages once */
        json_array_append_new(ids, json_string(s));
        json_array_append_new(refs,
                              json_pack("{ssssso}", "kind", ref_kinds[which], "id", s, "field",
                                        json_sprintf("%s.%s[%zu]", where, id_lists[which], i)));
    }
    json_object_set_new(out, id_lists[which], ids);
    return AH_OK;
}

static int compile_level(const json_t *level, const char *where, json_t *refs, json_t **ret,
                         struct ah_error *err)
{
    json_t *out = json_object();
    int64_t after = 30;
    int unless = 0;
    size_t i, recipients = 0;
    int rc =
        json_is_object(level) ? AH_OK : ah_error_set(err, AH_EINVAL, "%s must be an object", where);

    if (rc == AH_OK)
        rc = known_fields(level, level_fields, where, err);
    for (i = 0; rc == AH_OK && i < 4; i++) {
        rc = id_list(level, where, i, out, refs, err);
        if (rc == AH_OK)
            recipients += json_array_size(json_object_get(out, id_lists[i]));
    }
    if (rc == AH_OK && recipients == 0)
        rc = ah_error_set(err, AH_EINVAL,
                          "%s must name someone: member_ids, team_ids, schedule_ids or target_ids",
                          where);
    if (rc == AH_OK) {
        char prefix[72];

        snprintf(prefix, sizeof(prefix), "%s.", where);
        rc = ah_rule_int(level, "escalate_after_minutes", 1, AH_ESC_MAX_MINUTES, &after, err);
        if (rc == AH_OK)
            rc = ah_rule_enum(level, "escalate_unless", unless_names, &unless, err);
        if (rc < 0)
            ah_error_prefix(err, rc, prefix);
    }
    if (rc < 0) {
        json_decref(out);
        return rc;
    }
    json_object_set_new(out, "escalate_after_minutes", json_integer(after));
    json_object_set_new(out, "escalate_unless", json_string(unless_names[unless]));
    *ret = out;
    return AH_OK;
}

static int compile_repeat(const json_t *rule, json_t *out, struct ah_error *err)
{
    const json_t *repeat = json_object_get(rule, "repeat");
    int64_t times = 0, interval = 0;
    int rc;

    if (repeat == NULL || json_is_null(repeat))
        return AH_OK;
    if (!json_is_object(repeat))
        return ah_error_set(err, AH_EINVAL,
                            "repeat must be an object {times: 0..10, interval_minutes?}");
    if (json_object_get(repeat, "times") == NULL)
        return ah_error_set(err, AH_EINVAL, "repeat.times is required (0 to 10)");
    rc = ah_rule_int(repeat, "times", 0, 10, &times, err);
    if (rc == AH_OK)
        rc = ah_rule_int(repeat, "interval_minutes", 1, AH_ESC_MAX_MINUTES, &interval, err);
    if (rc < 0)
        return ah_error_prefix(err, rc, "repeat.");
    json_object_set_new(out, "repeat",
                        interval
                            ? json_pack("{sIsI}", "times", (json_int_t)times, "interval_minutes",
                                        (json_int_t)interval)
                            : json_pack("{sIsn}", "times", (json_int_t)times, "interval_minutes"));
    return AH_OK;
}

/* The rule's when: filter and weekly window. */
static int compile_when(const json_t *rule, struct ah_esc_rule *r, json_t *out,
                        struct ah_error *err)
{
    const json_t *f = json_object_get(rule, "if"), *w = json_object_get(rule, "time_window");
    json_t *wrap;
    int rc = AH_OK;

    if (f != NULL && !json_is_null(f)) {
        rc = ah_filter_compile(f, AH_FILTER_OR_OF_AND, &r->filter, err);
        if (rc < 0)
            return ah_error_prefix(err, rc, "if: ");
        json_object_set(out, "if", (json_t *)f);
    }
    if (w != NULL && !json_is_null(w)) {
        wrap = json_pack("{sO}", "weekly", w);
        rc = ah_schedule_compile(wrap, &r->window, err);
        json_decref(wrap);
        if (rc < 0)
            return ah_error_prefix(err, rc, "time_window: ");
        json_object_set(out, "time_window", (json_t *)w);
    }
    return AH_OK;
}

static int compile_rule(const json_t *rule, size_t idx, struct ah_esc_rule *r, json_t *refs,
                        struct ah_error *err)
{
    const json_t *levels = json_object_get(rule, "levels"), *lv;
    const char *name = json_string_value(json_object_get(rule, "name"));
    json_t *out = json_object(), *outlevels = json_array(), *l, *repeat;
    int64_t delay = 0;
    char where[64];
    size_t i;
    int rc = AH_OK;

    r->enabled = 1;
    /* Placeholders first, so that the normalized rule reads in this order. */
    json_object_set_new(out, "name", json_null());
    json_object_set_new(out, "enabled", json_true());
    json_object_set_new(out, "delay_seconds", json_integer(0));
    if (!json_is_object(rule))
        rc = ah_error_set(err, AH_EINVAL, "rules[%zu] must be an object", idx);
    else if (known_fields(rule, rule_fields, "", err) < 0)
        rc = AH_EINVAL;
    else if (name == NULL || name[0] == '\0' || ah_utf8_len(name) > 100)
        rc = ah_error_set(err, AH_EINVAL, "name must be a string of 1 to 100 characters");
    if (rc == AH_OK)
        rc = ah_rule_bool(rule, "enabled", &r->enabled, err);
    if (rc == AH_OK)
        rc = ah_rule_int(rule, "delay_seconds", 0, AH_ESC_MAX_DELAY, &delay, err);
    if (rc == AH_OK)
        rc = compile_when(rule, r, out, err);
    if (rc == AH_OK && (!json_is_array(levels) || json_array_size(levels) == 0 ||
                        json_array_size(levels) > AH_ESC_MAX_LEVELS))
        rc = ah_error_set(err, AH_EINVAL, "levels must be an array of 1 to %d levels",
                          AH_ESC_MAX_LEVELS);
    json_array_foreach(levels, i, lv)
    {
        if (rc < 0)
            break;
        snprintf(where, sizeof(where), "rules[%zu].levels[%zu]", idx, i);
        rc = compile_level(lv, where, refs, &l, err);
        if (rc == AH_OK)
            json_array_append_new(outlevels, l);
    }
    if (rc == AH_OK)
        rc = compile_repeat(rule, out, err);
    if (rc < 0) {
        json_decref(out);
        json_decref(outlevels);
        return rc;
    }
    json_object_set_new(out, "name", json_string(name));
    json_object_set_new(out, "enabled", json_boolean(r->enabled));
    json_object_set_new(out, "delay_seconds", json_integer(delay));
    json_object_set_new(out, "levels", outlevels);
    repeat = json_incref(json_object_get(out, "repeat"));
    if (repeat != NULL) { /* after the levels it repeats */
        json_object_del(out, "repeat");
        json_object_set_new(out, "repeat", repeat);
    }
    r->json = out;
    return AH_OK;
}

int ah_escalations_compile(const json_t *json, struct ah_escalations **ret, struct ah_error *err)
{
    const json_t *rules = json_object_get(json, "rules"), *rule;
    struct ah_escalations *e;
    struct ah_error local; /* @err may be NULL (start-up) */
    json_t *list;
    char where[32];
    size_t i;
    int rc;

    if (!json_is_object(json) || !json_is_array(rules) || json_array_size(rules) > AH_ESC_MAX_RULES)
        return ah_error_set(err, AH_EINVAL, "body must be {\"rules\": [...]} with at most %d rules",
                            AH_ESC_MAX_RULES);
    e = ah_xcalloc(1, sizeof(*e));
    e->rules = ah_xcalloc(json_array_size(rules) + 1, sizeof(*e->rules));
    e->refs = json_array();
    list = json_array();
    json_array_foreach(rules, i, rule)
    {
        rc = compile_rule(rule, i, &e->rules[i], e->refs, err ? err : &local);
        e->n = i + 1;
        if (rc < 0) {
            /* Level errors name their place already; others get it here. */
            snprintf(where, sizeof(where), "rules[%zu].", i);
            if (err != NULL && strncmp(err->msg, "rules[", 6) != 0)
                ah_error_prefix(err, rc, where);
            json_decref(list);
            ah_escalations_free(e);
            return rc;
        }
        json_array_append(list, e->rules[i].json);
    }
    e->json = json_pack("{so}", "rules", list);
    *ret = e;
    return AH_OK;
}

void ah_escalations_free(struct ah_escalations *e)
{
    size_t i;

    if (e == NULL)
        return;
    for (i = 0; i < e->n; i++) {
        ah_filter_free(e->rules[i].filter);
        ah_schedule_free(e->rules[i].window);
        json_decref(e->rules[i].json);
    }
    ah_free(e->rules);
    json_decref(e->json);
    json_decref(e->refs);
    ah_free(e);
}

const struct ah_esc_rule *ah_escalations_match(const struct ah_escalations *e,
                                               const struct ah_filter_subject *s, int64_t now)
{
    size_t i;

    for (i = 0; e != NULL && i < e->n; i++) {
        const struct ah_esc_rule *r = &e->rules[i];

        if (!r->enabled)
            continue;
        if (r->filter != NULL && !ah_filter_match(r->filter, s))
            continue;
        if (r->window != NULL && !ah_schedule_active(r->window, now))
            continue;
        return r;
    }
    return NULL;
}
