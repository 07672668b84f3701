/* pipeline.c - see pipeline.h. */
#include "process/pipeline.h"

#include "process/subject.h"
#include "rules/template.h"
#include "util/alloc.h"
#include "util/hex.h"
#include "util/sources.h"
#include "util/sha256.h"
#include "util/text.h"

#include <stdlib.h>

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

enum rule_kind { P_SEVERITY, P_TITLE, P_DESCRIPTION, P_DROP, P_INHIBIT };

struct rule {
    enum rule_kind kind;
    struct ah_filter *cond;
    enum ah_severity severity; /* severity_reset */
    char *tpl;                 /* title_reset, description_reset */
    /* alert_inhibit */
    struct ah_filter *source;
    char **equals;
    size_t nequals;
    char digest[33]; /* of the rule's source_filters and equals: two
                        pipelines with the same rule share their sources */
};

struct ah_pipeline {
    atomic_int refs;
    int enabled;
    struct rule *rules;
    size_t nrules;
    json_t *json;
};

/* ================= compiling ================= */

static void digest_hex(const void *p, size_t n, char out[33])
{
    unsigned char d[AH_SHA256_LEN];

    ah_sha256(p, n, d);
    ah_hex_encode(d, 16, out);
}

static int compile_inhibit(struct rule *r, const json_t *set, const char *where,
                           struct ah_error *err)
{
    const json_t *eq = json_object_get(set, "equals"), *v;
    json_t *canon;
    char *text;
    size_t i;
    int rc;

    if (json_object_get(set, "source_filters") == NULL)
        return ah_error_set(err, AH_EINVAL,
                            "%s.source_filters is required ([] inhibits by any alert)", where);
    rc = ah_filter_compile(json_object_get(set, "source_filters"), AH_FILTER_OR_OF_AND, &r->source,
                           err);
    if (rc < 0) {
        char prefix[64];

        snprintf(prefix, sizeof(prefix), "%s.source_filters: ", where);
        return ah_error_prefix(err, rc, prefix);
    }
    if (!json_is_array(eq) || json_array_size(eq) == 0 || json_array_size(eq) > 20)
        return ah_error_set(err, AH_EINVAL, "%s.equals must be an array of 1 to 20 keys", where);
    r->equals = ah_xcalloc(json_array_size(eq), sizeof(*r->equals));
    json_array_foreach(eq, i, v)
    {
        if (!ah_filter_key_valid(json_string_value(v)))
            return ah_error_set(err, AH_EINVAL,
                                "%s.equals[%zu] must be severity, title, description, "
                                "alert_key or labels.NAME",
                                where, i);
        r->equals[r->nequals++] = ah_xstrdup(json_string_value(v));
    }
    canon =
        json_pack("{sOsO}", "source_filters", json_object_get(set, "source_filters"), "equals", eq);
    text = json_dumps(canon, JSON_SORT_KEYS | JSON_COMPACT);
    digest_hex(text, strlen(text), r->digest);
    free(text); /* jansson's allocator */
    json_decref(canon);
    return AH_OK;
}

static int compile_template(struct rule *r, const json_t *set, const char *key, const char *where,
                            struct ah_error *err)
{
    const char *tpl = json_string_value(json_object_get(set, key));

    if (tpl == NULL || tpl[0] == '\0' || strlen(tpl) > 4096)
        return ah_error_set(err, AH_EINVAL, "%s.%s must be a template of 1 to 4096 bytes", where,
                            key);
    r->tpl = ah_xstrdup(tpl);
    return AH_OK;
}

static int compile_rule(struct rule *r, const json_t *j, size_t i, size_t *ninhibits,
                        struct ah_error *err)
{
    const char *kind = json_string_value(json_object_get(j, "kind"));
    const json_t *set = json_object_get(j, "settings");
    char where[32];
    int rc;

    snprintf(where, sizeof(where), "rules[%zu]", i);
    if (!json_is_object(j) || kind == NULL || (set != NULL && !json_is_object(set)))
        return ah_error_set(err, AH_EINVAL, "%s must be an object with kind and settings", where);
    rc = ah_filter_compile(json_object_get(j, "if"), AH_FILTER_OR_OF_AND, &r->cond, err);
    if (rc < 0) {
        char prefix[64];

        snprintf(prefix, sizeof(prefix), "%s.if: ", where);
        return ah_error_prefix(err, rc, prefix);
    }
    if (strcmp(kind, "severity_reset") == 0) {
        r->kind = P_SEVERITY;
        r->severity = ah_severity_parse(json_string_value(json_object_get(set, "severity")));
        if (r->severity == AH_SEV_NONE)
            return ah_error_set(err, AH_EINVAL, "%s.severity must be Critical, Warning or Info",
                                where);
        return AH_OK;
    }
    if (strcmp(kind, "title_reset") == 0) {
        r->kind = P_TITLE;
        return compile_template(r, set, "title", where, err);
    }
    if (strcmp(kind, "description_reset") == 0) {
        r->kind = P_DESCRIPTION;
        return compile_template(r, set, "description", where, err);
    }
    if (strcmp(kind, "alert_drop") == 0) {
        r->kind = P_DROP;
        return AH_OK;
    }
    if (strcmp(kind, "alert_inhibit") == 0) {
        r->kind = P_INHIBIT;
        if (++*ninhibits > AH_PIPELINE_MAX_INHIBITS)
            return ah_error_set(err, AH_EINVAL, "%s: at most %d alert_inhibit rules", where,
                                AH_PIPELINE_MAX_INHIBITS);
        return compile_inhibit(r, set, where, err);
    }
    return ah_error_set(err, AH_EINVAL,
                        "%s.kind must be severity_reset, title_reset, description_reset, "
                        "alert_drop or alert_inhibit",
                        where);
}

int ah_pipeline_compile(const json_t *json, struct ah_pipeline **ret, struct ah_error *err)
{
    const json_t *rules = json_object_get(json, "rules");
    const json_t *status_v = json_object_get(json, "status");
    const char *status = json_string_value(status_v);
    struct ah_pipeline *p;
    size_t i, ninhibits = 0;
    int rc = AH_OK;

    if (!json_is_array(rules) || json_array_size(rules) > AH_PIPELINE_MAX_RULES)
        return ah_error_set(err, AH_EINVAL, "rules must be an array of at most %d rules",
                            AH_PIPELINE_MAX_RULES);
    if (status_v != NULL && !json_is_null(status_v) &&
        (status == NULL || (strcmp(status, "enabled") != 0 && strcmp(status, "disabled") != 0)))
        return ah_error_set(err, AH_EINVAL, "status must be enabled or disabled");
    p = ah_xcalloc(1, sizeof(*p));
    atomic_init(&p->refs, 1);
    p->enabled = status == NULL || strcmp(status, "enabled") == 0;
    p->rules = ah_xcalloc(json_array_size(rules) + 1, sizeof(*p->rules));
    for (i = 0; rc == AH_OK && i < json_array_size(rules); i++) {
        p->nrules++;
        rc = compile_rule(&p->rules[i], json_array_get(rules, i), i, &ninhibits, err);
    }
    if (rc < 0)
        goto fail;
    p->json = json_pack("{ssso}", "status", p->enabled ? "enabled" : "disabled", "rules",
                        json_deep_copy(rules));
    *ret = p;
    return AH_OK;
fail:
    ah_pipeline_unref(p);
    return rc;
}

struct ah_pipeline *ah_pipeline_ref(struct ah_pipeline *p)
{
    atomic_fetch_add(&p->refs, 1);
    return p;
}

void ah_pipeline_unref(struct ah_pipeline *p)
{
    size_t i, j;

    if (p == NULL || atomic_fetch_sub(&p->refs, 1) != 1)
        return;
    for (i = 0; i < p->nrules; i++) {
        struct rule *r = &p->rules[i];

        ah_filter_free(r->cond);
        ah_filter_free(r->source);
        for (j = 0; j < r->nequals; j++)
            ah_free(r->equals[j]);
        ah_free(r->equals);
        ah_free(r->tpl);
    }
    ah_free(p->rules);
    json_decref(p->json);
    ah_free(p);
}

const json_t *ah_pipeline_json(const struct ah_pipeline *p)
{
    return p->json;
}

/* ================= applying ================= */

/* "<integration>:<rule digest>:<digest of the equals values>"; a missing
 * value counts as empty, as channel inhibits count it. */
static void check_key(const struct rule *r, const struct ah_filter_subject *s, char *out)
{
    char hex[33];

    ah_filter_values_digest(s, r->equals, r->nequals, hex);
    snprintf(out, AH_PIPELINE_KEY_LEN, "%lld:%s:%s", (long long)s->integration_id, r->digest, hex);
}

static void rewrite(const struct rule *r, struct ah_event *ev, const struct ah_integration *intg)
{
    struct ah_template_vars vars = {.title = ev->title,
                                    .description = ev->description,
                                    .event_severity = ah_severity_name(ev->severity),
                                    .event_status = ah_status_name(ev->severity, 0),
                                    .alert_key = ev->alert_key,
                                    .title_rule = ev->title_rule,
                                    .integration_type = intg->type,
                                    .integration_name = intg->name,
                                    .labels = ev->labels};
    char *text = ah_template_render(r->tpl, &vars);
    char **field = r->kind == P_TITLE ? &ev->title : &ev->description;
    size_t max = r->kind == P_TITLE ? AH_MAX_TITLE : AH_MAX_DESCRIPTION;

    if (r->kind == P_TITLE && text[0] == '\0') {
        /* An alert always has a title: an empty rewrite keeps the old one. */
        ah_free(text);
        return;
    }
    ah_free(*field);
    *field = ah_utf8_truncate(text, max, NULL);
    ah_free(text);
}

void ah_pipeline_apply(const struct ah_pipeline *p, struct ah_event *ev,
                       const struct ah_integration *intg, struct ah_pipeline_verdict *ret)
{
    size_t i;

    memset(ret, 0, sizeof(*ret));
    if (!p->enabled || ev->recovered)
        return;
    for (i = 0; i < p->nrules; i++) {
        const struct rule *r = &p->rules[i];
        struct ah_filter_subject s = ah_event_subject(ev, intg->id);

        if (!ah_filter_match(r->cond, &s))
            continue;
        switch (r->kind) {
        case P_SEVERITY:
            ev->severity = r->severity;
            break;
        case P_TITLE:
        case P_DESCRIPTION:
            rewrite(r, ev, intg);
            break;
        case P_DROP:
            ret->dropped = 1;
            ret->rule = i;
            return;
        case P_INHIBIT:
            ret->checks[ret->nchecks].rule = i;
            check_key(r, &s, ret->checks[ret->nchecks].key);
            ret->nchecks++;
            break;
        }
    }
}

/* ================= the writer's memory of sources ================= */

struct ah_pipe_sources {
    struct ah_sources *index; /* check key -> the alerts last seen under it */
    size_t notes;             /* notes since the last sweep */
};

struct ah_pipe_sources *ah_pipe_sources_new(void)
{
    struct ah_pipe_sources *s = ah_xcalloc(1, sizeof(*s));

    s->index = ah_sources_new();
    return s;
}

void ah_pipe_sources_free(struct ah_pipe_sources *s)
{
    if (s == NULL)
        return;
    ah_sources_free(s->index);
    ah_free(s);
}

void ah_pipe_sources_clear(struct ah_pipe_sources *s)
{
    ah_sources_free(s->index);
    s->index = ah_sources_new();
    s->notes = 0;
}

void ah_pipe_sources_note(struct ah_pipe_sources *s, const struct ah_pipeline *p,
                          const struct ah_filter_subject *alert, int64_t channel_id, int64_t now)
{
    char key[AH_PIPELINE_KEY_LEN];
    size_t i;

    if (!p->enabled || alert->alert_key == NULL)
        return;
    for (i = 0; i < p->nrules; i++) {
        const struct rule *r = &p->rules[i];

        if (r->kind != P_INHIBIT || !ah_filter_match(r->source, alert))
            continue;
        check_key(r, alert, key);
        ah_sources_note(s->index, key, channel_id, alert->alert_key, 0, now);
    }
    /* Every so many notes, once there are many keys, forget the stale. */
    if (++s->notes >= 4096 && ah_sources_count(s->index) >= 4096) {
        ah_sources_sweep(s->index, now, AH_PIPELINE_SOURCE_AGE);
        s->notes = 0;
    }
}

int64_t ah_pipe_sources_find(struct ah_pipe_sources *s, const char *key, const char *alert_key,
                             int64_t now, ah_alert_open_fn open, void *ctx)
{
    int i, n;
    const struct ah_source *seen = ah_sources_get(s->index, key, &n);

    for (i = 0; i < n; i++) {
        int64_t id;

        if (now - seen[i].last_time > AH_PIPELINE_SOURCE_AGE ||
            (alert_key != NULL && strcmp(seen[i].alert, alert_key) == 0))
            continue;
        id = open(ctx, seen[i].channel_id, seen[i].alert);
        if (id != 0)
            return id;
    }
    return 0;
}
