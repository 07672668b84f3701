/* enrich.c - see enrich.h. */
#include "process/enrich.h"

#include "process/subject.h"
#include "rules/filter.h"
#include "rules/regex.h"
#include "rules/template.h"
#include "util/alloc.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

enum rule_kind { R_EXTRACTION, R_COMPOSITION, R_MAPPING, R_DROP };

struct rule {
    enum rule_kind kind;
    struct ah_filter *cond; /* NULL: always */
    int override;
    char *field;            /* extraction: "title", "description", "labels.x" */
    struct ah_regex *re;    /* extraction */
    char *tpl;              /* composition */
    char *result;           /* extraction, composition: the label made */
    struct ah_mapping *map; /* mapping (a reference) */
    json_t *names;          /* mapping: result labels taken; drop: labels deleted */
};

struct ah_enrichment {
    atomic_int refs;
    struct rule *rules;
    size_t nrules;
    int64_t *maps;
    size_t nmaps;
    json_t *json;
};

/* ================= compiling ================= */

static int want_bool(const json_t *set, const char *key, const char *where, int *ret,
                     struct ah_error *err)
{
    const json_t *v = json_object_get(set, key);

    if (v != NULL && !json_is_boolean(v))
        return ah_error_set(err, AH_EINVAL, "%s.%s must be true or false", where, key);
    *ret = json_is_true(v);
    return AH_OK;
}

static int want_label(const json_t *set, const char *where, char **ret, struct ah_error *err)
{
    const char *s = json_string_value(json_object_get(set, "result_label"));

    if (!ah_label_name_valid(s))
        return ah_error_set(err, AH_EINVAL,
                            "%s.result_label must be a label name matching "
                            "^[a-z][a-z0-9_]{0,62}$",
                            where);
    *ret = ah_xstrdup(s);
    return AH_OK;
}

static int compile_extraction(struct rule *r, const json_t *set, const char *where,
                              struct ah_error *err)
{
    const char *field = json_string_value(json_object_get(set, "source_field"));
    const char *pattern = json_string_value(json_object_get(set, "pattern"));
    int rc;

    if (field == NULL || !(strcmp(field, "title") == 0 || strcmp(field, "description") == 0 ||
                           (strncmp(field, "labels.", 7) == 0 && field[7] != '\0')))
        return ah_error_set(err, AH_EINVAL,
                            "%s.source_field must be title, description or labels.NAME", where);
    if (json_object_get(set, "g_json") != NULL)
        return ah_error_set(err, AH_EINVAL, "%s: g_json is not supported; use pattern", where);
    if (pattern == NULL || pattern[0] == '\0')
        return ah_error_set(err, AH_EINVAL, "%s.pattern must be a regular expression", where);
    rc = ah_regex_compile(pattern, strlen(pattern), &r->re, err);
    if (rc < 0) {
        char prefix[80];

        snprintf(prefix, sizeof(prefix), "%s.pattern is not a valid regex ", where);
        return ah_error_prefix(err, rc, prefix);
    }
    r->field = ah_xstrdup(field);
    return want_label(set, where, &r->result, err);
}

static int compile_composition(struct rule *r, const json_t *set, const char *where,
                               struct ah_error *err)
{
    const char *tpl = json_string_value(json_object_get(set, "template"));

    if (tpl == NULL || tpl[0] == '\0' || strlen(tpl) > AH_ENRICH_MAX_TEMPLATE)
        return ah_error_set(err, AH_EINVAL, "%s.template must be 1 to %d bytes of text", where,
                            AH_ENRICH_MAX_TEMPLATE);
    r->tpl = ah_xstrdup(tpl);
    return want_label(set, where, &r->result, err);
}

/* @names must be a non-empty array of distinct strings; each must also be
 * in @allowed when given. */
static int want_names(const json_t *names, const json_t *allowed, const char *what,
                      const char *where, struct ah_error *err)
{
    size_t i, j;
    json_t *v, *a;

    if (!json_is_array(names) || json_array_size(names) == 0 ||
        json_array_size(names) > AH_MAX_LABELS)
        return ah_error_set(err, AH_EINVAL, "%s.%s must be an array of 1 to %d label names", where,
                            what, AH_MAX_LABELS);
    json_array_foreach(names, i, v)
    {
        if (json_string_length(v) == 0)
            return ah_error_set(err, AH_EINVAL, "%s.%s[%zu] must be a label name", where, what, i);
        if (allowed == NULL)
            continue;
        json_array_foreach(allowed, j, a)
        {
            if (json_equal(a, v))
                break;
        }
        if (j == json_array_size(allowed))
            return ah_error_set(err, AH_EINVAL, "%s.%s: \"%s\" is not a column of the table", where,
                                what, json_string_value(v));
    }
    return AH_OK;
}

static int compile_mapping(struct ah_enrichment *e, struct rule *r, const json_t *set,
                           const char *where, ah_mapping_find_fn find, void *ctx,
                           struct ah_error *err)
{
    const json_t *type = json_object_get(set, "mapping_type");
    const json_t *names = json_object_get(set, "result_labels");
    int64_t id = ah_json_id(json_object_get(set, "schema_id"));

    if (type != NULL && !(json_is_string(type) && strcmp(json_string_value(type), "schema") == 0))
        return ah_error_set(err, AH_EINVAL,
                            "%s.mapping_type must be \"schema\" (API mappings are not supported)",
                            where);
    r->map = id ? find(ctx, id) : NULL;
    if (r->map == NULL)
        return ah_error_set(err, AH_EINVAL, "%s.schema_id must name an existing mapping schema",
                            where);
    if (names == NULL)
        names = ah_mapping_result_labels(r->map);
    else if (want_names(names, ah_mapping_result_labels(r->map), "result_labels", where, err) < 0)
        return AH_EINVAL;
    r->names = json_deep_copy(names);
    e->maps = ah_xrealloc(e->maps, (e->nmaps + 1) * sizeof(*e->maps));
    e->maps[e->nmaps++] = id;
    return AH_OK;
}

static int compile_rule(struct ah_enrichment *e, struct rule *r, const json_t *j, size_t i,
                        ah_mapping_find_fn find, void *ctx, struct ah_error *err)
{
    const char *kind = json_string_value(json_object_get(j, "kind"));
    const json_t *set = json_object_get(j, "settings");
    char where[48];
    int rc;

    snprintf(where, sizeof(where), "rules[%zu]", i);
    if (!json_is_object(j) || !json_is_object(set))
        return ah_error_set(err, AH_EINVAL, "%s must be an object with kind and settings", where);
    rc = ah_filter_compile(json_object_get(j, "if"), AH_FILTER_AND, &r->cond, err);
    if (rc < 0) {
        char prefix[64];

        snprintf(prefix, sizeof(prefix), "%s.if: ", where);
        return ah_error_prefix(err, rc, prefix);
    }
    rc = want_bool(set, "override", where, &r->override, err);
    if (rc < 0)
        return rc;
    if (kind != NULL && strcmp(kind, "extraction") == 0) {
        r->kind = R_EXTRACTION;
        return compile_extraction(r, set, where, err);
    }
    if (kind != NULL && strcmp(kind, "composition") == 0) {
        r->kind = R_COMPOSITION;
        return compile_composition(r, set, where, err);
    }
    if (kind != NULL && strcmp(kind, "mapping") == 0) {
        r->kind = R_MAPPING;
        return compile_mapping(e, r, set, where, find, ctx, err);
    }
    if (kind != NULL && strcmp(kind, "drop") == 0) {
        r->kind = R_DROP;
        rc = want_names(json_object_get(set, "drop_labels"), NULL, "drop_labels", where, err);
        r->names = json_deep_copy(json_object_get(set, "drop_labels"));
        return rc;
    }
    return ah_error_set(err, AH_EINVAL, "%s.kind must be extraction, composition, mapping or drop",
                        where);
}

int ah_enrichment_compile(const json_t *json, ah_mapping_find_fn find, void *ctx,
                          struct ah_enrichment **ret, struct ah_error *err)
{
    const json_t *rules = json_object_get(json, "rules");
    struct ah_enrichment *e;
    size_t i;
    int rc = AH_OK;

    if (!json_is_array(rules) || json_array_size(rules) > AH_ENRICH_MAX_RULES)
        return ah_error_set(err, AH_EINVAL, "rules must be an array of at most %d rules",
                            AH_ENRICH_MAX_RULES);
    e = ah_xcalloc(1, sizeof(*e));
    atomic_init(&e->refs, 1);
    e->rules = ah_xcalloc(json_array_size(rules) + 1, sizeof(*e->rules));
    for (i = 0; rc == AH_OK && i < json_array_size(rules); i++) {
        e->nrules++;
        rc = compile_rule(e, &e->rules[i], json_array_get(rules, i), i, find, ctx, err);
    }
    if (rc < 0)
        goto fail;
    e->json = json_pack("{so}", "rules", json_deep_copy(rules));
    *ret = e;
    return AH_OK;
fail:
    ah_enrichment_unref(e);
    return rc;
}

struct ah_enrichment *ah_enrichment_ref(struct ah_enrichment *e)
{
    atomic_fetch_add(&e->refs, 1);
    return e;
}

void ah_enrichment_unref(struct ah_enrichment *e)
{
    size_t i;

    if (e == NULL || atomic_fetch_sub(&e->refs, 1) != 1)
        return;
    for (i = 0; i < e->nrules; i++) {
        struct rule *r = &e->rules[i];

        ah_filter_free(r->cond);
        ah_regex_free(r->re);
        ah_mapping_unref(r->map);
        json_decref(r->names);
        ah_free(r->field);
        ah_free(r->tpl);
        ah_free(r->result);
    }
    ah_free(e->rules);
    ah_free(e->maps);
    json_decref(e->json);
    ah_free(e);
}

const json_t *ah_enrichment_json(const struct ah_enrichment *e)
{
    return e->json;
}

const int64_t *ah_enrichment_mappings(const struct ah_enrichment *e, size_t *ret_n)
{
    *ret_n = e->nmaps;
    return e->maps;
}

/* ================= applying ================= */

static const char *source_text(const struct ah_event *ev, const char *field)
{
    if (strcmp(field, "title") == 0)
        return ev->title;
    if (strcmp(field, "description") == 0)
        return ev->description;
    return json_string_value(json_object_get(ev->labels, field + 7));
}

static void extract(const struct rule *r, struct ah_event *ev)
{
    const char *text = source_text(ev, r->field);
    size_t off, len;
    char *value;

    if (text == NULL || !ah_regex_extract(r->re, text, &off, &len))
        return;
    value = ah_xstrndup(text + off, len);
    ah_event_put_label(ev, r->result, value, r->override);
    ah_free(value);
}

static void compose(const struct rule *r, struct ah_event *ev, const struct ah_integration *intg)
{
    struct ah_template_vars vars = {.title = ev->title,
                                    .description = ev->description,
                                    .event_severity = ah_severity_name(ev->severity),
                                    .event_status = ah_status_name(ev->severity, ev->recovered),
                                    .alert_key = ev->alert_key,
                                    .title_rule = ev->title_rule,
                                    .integration_type = intg->type,
                                    .integration_name = intg->name,
                                    .labels = ev->labels};
    char *value = ah_template_render_go(r->tpl, &vars);

    ah_event_put_label(ev, r->result, value, r->override);
    ah_free(value);
}

static void map_labels(const struct rule *r, struct ah_event *ev)
{
    json_t *found = ah_mapping_lookup(r->map, ev->labels), *name;
    size_t i;

    if (found == NULL)
        return;
    json_array_foreach(r->names, i, name)
    {
        const char *key = json_string_value(name);

        ah_event_put_label(ev, key, json_string_value(json_object_get(found, key)), r->override);
    }
    json_decref(found);
}

void ah_enrichment_apply(const struct ah_enrichment *e, struct ah_event *ev,
                         const struct ah_integration *intg)
{
    size_t i, j;

    for (i = 0; i < e->nrules; i++) {
        const struct rule *r = &e->rules[i];
        struct ah_filter_subject s = ah_event_subject(ev, intg->id);

        if (r->cond != NULL && !ah_filter_match(r->cond, &s))
            continue;
        switch (r->kind) {
        case R_EXTRACTION:
            extract(r, ev);
            break;
        case R_COMPOSITION:
            compose(r, ev, intg);
            break;
        case R_MAPPING:
            map_labels(r, ev);
            break;
        case R_DROP:
            for (j = 0; j < json_array_size(r->names); j++)
                json_object_del(ev->labels, json_string_value(json_array_get(r->names, j)));
            break;
        }
    }
}
