/* rules.c - compiling a channel's noise-reduction rules (rules.h). Every
 * refusal names the field and the value, so that a PUT answers a message the
 * user can act on; nothing half-compiled escapes (goto fail frees it). */
#include "reduce/rules.h"

#include "util/alloc.h"
#include "util/text.h"

#include <stdio.h>
#include <string.h>

/* ================= shared pieces ================= */

static int dims_compile(const json_t *arr, const char *what, struct ah_dims *d,
                        struct ah_error *err)
{
    const json_t *k;
    size_t i;

    d->nkeys = 0;
    if (!json_is_array(arr) || json_array_size(arr) == 0 ||
        json_array_size(arr) > AH_GROUP_MAX_KEYS)
        return ah_error_set(err, AH_EINVAL, "%s must be an array of 1 to %d keys", what,
                            AH_GROUP_MAX_KEYS);
    json_array_foreach(arr, i, k)
    {
        const char *key = json_string_value(k);

        if (key == NULL || !ah_filter_key_valid(key))
            return ah_error_set(err, AH_EINVAL, "%s: unrecognized key \"%s\"", what,
                                key ? key : "(not a string)");
        d->keys[d->nkeys++] = ah_xstrdup(key);
    }
    return AH_OK;
}

static void dims_done(struct ah_dims *d)
{
    size_t i;

    for (i = 0; i < d->nkeys; i++)
        ah_free(d->keys[i]);
    d->nkeys = 0;
}

/* An optional integer field within [min, max]; absent keeps *@out. */
int ah_rule_int(const json_t *obj, const char *name, int64_t min, int64_t max, int64_t *out,
                struct ah_error *err)
{
    const json_t *v = json_object_get(obj, name);

    if (v == NULL || json_is_null(v))
        return AH_OK;
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return ah_error_set(err, AH_EINVAL, "%s must be an integer from %lld to %lld", name,
                            (long long)min, (long long)max);
    *out = json_integer_value(v);
    return AH_OK;
}

/* An optional string field that must be one of @choices (index in *@out). */
int ah_rule_enum(const json_t *obj, const char *name, const char *const *choices, int *out,
                 struct ah_error *err)
{
    const json_t *v = json_object_get(obj, name);
    const char *s = json_string_value(v);
    char list[128] = "";
    size_t used = 0;
    int i;

    if (v == NULL)
        return AH_OK;
    for (i = 0; s != NULL && choices[i] != NULL; i++) {
        if (strcmp(s, choices[i]) == 0) {
            *out = i;
            return AH_OK;
        }
    }
    for (i = 0; choices[i] != NULL && used < sizeof(list); i++)
        used +=
            (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", choices[i]);
    return ah_error_set(err, AH_EINVAL, "%s must be one of %s", name, list);
}

static int name_field(const json_t *obj, char **out, struct ah_error *err)
{
    const char *name = json_string_value(json_object_get(obj, "name"));

    if (name == NULL || name[0] == '\0' || ah_utf8_len(name) > 39)
        return ah_error_set(err, AH_EINVAL, "name must be a string of 1 to 39 characters");
    *out = ah_xstrdup(name);
    return AH_OK;
}

int ah_rule_bool(const json_t *obj, const char *name, int *out, struct ah_error *err)
{
    const json_t *v = json_object_get(obj, name);

    if (v == NULL)
        return AH_OK;
    if (!json_is_boolean(v))
        return ah_error_set(err, AH_EINVAL, "%s must be true or false", name);
    *out = json_is_true(v);
    return AH_OK;
}

static const char *const hold_modes[] = {"drop", "mark", NULL};

/* A rule that would hold every alert must say so with a real condition: an
 * empty filter here is a mistake, not "match all". */
static int required_filter(const json_t *obj, const char *name, struct ah_filter **ret,
                           struct ah_error *err)
{
    const json_t *f = json_object_get(obj, name);

    if (!json_is_array(f) || json_array_size(f) == 0)
        return ah_error_set(err, AH_EINVAL, "%s must be a non-empty filter", name);
    return ah_filter_compile(f, AH_FILTER_OR_OF_AND, ret, err);
}

/* ================= grouping ================= */

static int grouping_sets(const json_t *json, struct ah_grouping *g, struct ah_error *err)
{
    const json_t *sets = json_object_get(json, "equals"), *set;
    size_t i;
    int rc;

    if (!g->enabled)
        return AH_OK;
    if (!json_is_array(sets) || json_array_size(sets) == 0 ||
        json_array_size(sets) > AH_GROUP_MAX_SETS)
        return ah_error_set(err, AH_EINVAL,
                            "equals must hold 1 to %d dimension sets, e.g. [[\"labels.check\"]]",
                            AH_GROUP_MAX_SETS);
    json_array_foreach(sets, i, set)
    {
        rc = dims_compile(set, "equals", &g->sets[i], err);
        g->nsets = i + 1;
        if (rc < 0)
            return rc;
    }
    return AH_OK;
}

static int grouping_cases(const json_t *json, struct ah_grouping *g, struct ah_error *err)
{
    const json_t *cases = json_object_get(json, "cases"), *c;
    size_t i;
    int rc;

    if (cases == NULL || json_is_null(cases))
        return AH_OK;
    if (!json_is_array(cases) || json_array_size(cases) > AH_GROUP_MAX_CASES)
        return ah_error_set(err, AH_EINVAL, "cases must be an array of at most %d cases",
                            AH_GROUP_MAX_CASES);
    g->cases = ah_xcalloc(json_array_size(cases), sizeof(*g->cases));
    json_array_foreach(cases, i, c)
    {
        g->ncases = i + 1;
        rc = ah_filter_compile(json_object_get(c, "if"), AH_FILTER_AND, &g->cases[i].filter, err);
        if (rc == AH_OK)
            rc = dims_compile(json_object_get(c, "equals"), "cases[].equals", &g->cases[i].dims,
                              err);
        if (rc < 0)
            return rc;
    }
    return AH_OK;
}

static int grouping_storms(const json_t *json, struct ah_grouping *g, struct ah_error *err)
{
    const json_t *st = json_object_get(json, "storm_thresholds"), *v;
    size_t i;

    if (st == NULL || json_is_null(st))
        return AH_OK;
    if (!json_is_array(st) || json_array_size(st) > AH_GROUP_MAX_STORMS)
        return ah_error_set(err, AH_EINVAL, "storm_thresholds must hold at most %d numbers",
                            AH_GROUP_MAX_STORMS);
    json_array_foreach(st, i, v)
    {
        if (!json_is_integer(v) || json_integer_value(v) < 2 || json_integer_value(v) > 10000)
            return ah_error_set(err, AH_EINVAL,
                                "storm_thresholds values must be integers from 2 to 10000");
        g->storms[g->nstorms++] = json_integer_value(v);
    }
    return AH_OK;
}

int ah_grouping_compile(const json_t *json, struct ah_grouping **ret, struct ah_error *err)
{
    static const char *const methods[] = {"none", "rules", NULL};
    static const char *const windows[] = {"tumbling", "sliding", NULL};
    struct ah_grouping *g = ah_xcalloc(1, sizeof(*g));
    int64_t minutes = 0;
    int wt = 0, rc = AH_OK;

    g->max_alerts = AH_GROUP_MAX_ALERTS;
    if (json != NULL && !json_is_object(json)) {
        rc = ah_error_set(err, AH_EINVAL, "grouping must be a JSON object");
        goto fail;
    }
    if (json != NULL)
        rc = ah_rule_enum(json, "method", methods, &g->enabled, err);
    if (rc == AH_OK)
        rc = grouping_sets(json, g, err);
    if (rc == AH_OK)
        rc = grouping_cases(json, g, err);
    if (rc == AH_OK)
        rc = grouping_storms(json, g, err);
    if (rc == AH_OK)
        rc = ah_rule_int(json, "window_minutes", 0, AH_GROUP_MAX_WINDOW, &minutes, err);
    if (rc == AH_OK)
        rc = ah_rule_enum(json, "window_type", windows, &wt, err);
    if (rc == AH_OK)
        rc = ah_rule_bool(json, "strict", &g->strict, err);
    if (rc == AH_OK)
        rc = ah_rule_int(json, "max_alerts_per_incident", 1, 100000, &g->max_alerts, err);
    if (rc < 0)
        goto fail;
    g->window_secs = minutes * 60;
    g->window_type = (enum ah_window_type)wt;
    g->json = json ? json_deep_copy(json) : json_pack("{ss}", "method", "none");
    *ret = g;
    return AH_OK;
fail:
    ah_grouping_free(g);
    return rc;
}

void ah_grouping_free(struct ah_grouping *g)
{
    size_t i;

    if (g == NULL)
        return;
    for (i = 0; i < g->nsets; i++)
        dims_done(&g->sets[i]);
    for (i = 0; i < g->ncases; i++) {
        ah_filter_free(g->cases[i].filter);
        dims_done(&g->cases[i].dims);
    }
    ah_free(g->cases);
    json_decref(g->json);
    ah_free(g);
}

/* ================= flapping ================= */

int ah_flapping_compile(const json_t *json, struct ah_flapping **ret, struct ah_error *err)
{
    static const char *const modes[] = {"off", "mark", "mute", NULL};
    struct ah_flapping *f = ah_xcalloc(1, sizeof(*f));
    int64_t changes = 4, in_mins = 60, mute_mins = 120;
    int mode = AH_FLAP_MARK, rc = AH_OK;

    if (json != NULL && !json_is_object(json))
        rc = ah_error_set(err, AH_EINVAL, "flapping must be a JSON object");
    if (rc == AH_OK && json != NULL)
        rc = ah_rule_enum(json, "mode", modes, &mode, err);
    if (rc == AH_OK)
        rc = ah_rule_int(json, "max_changes", 2, 100, &changes, err);
    if (rc == AH_OK)
        rc = ah_rule_int(json, "in_mins", 1, 1440, &in_mins, err);
    if (rc == AH_OK)
        rc = ah_rule_int(json, "mute_mins", 0, 1440, &mute_mins, err);
    if (rc < 0) {
        ah_free(f);
        return rc;
    }
    f->mode = (enum ah_flap_mode)mode;
    f->max_changes = (int)changes;
    f->in_secs = (int)in_mins * 60;
    f->mute_secs = (int)mute_mins * 60;
    f->json = json_pack("{sssIsIsI}", "mode", modes[mode], "max_changes", (json_int_t)changes,
                        "in_mins", (json_int_t)in_mins, "mute_mins", (json_int_t)mute_mins);
    *ret = f;
    return AH_OK;
}

void ah_flapping_free(struct ah_flapping *f)
{
    if (f == NULL)
        return;
    json_decref(f->json);
    ah_free(f);
}

/* ================= silences and inhibits ================= */

int ah_silence_compile(const json_t *json, int64_t id, struct ah_silence **ret,
                       struct ah_error *err)
{
    struct ah_silence *s = ah_xcalloc(1, sizeof(*s));
    int mode = AH_HOLD_MARK, rc;

    s->id = id;
    s->enabled = 1;
    rc = json_is_object(json) ? AH_OK : ah_error_set(err, AH_EINVAL, "silence must be an object");
    if (rc == AH_OK)
        rc = name_field(json, &s->name, err);
    if (rc == AH_OK)
        rc = required_filter(json, "filters", &s->filter, err);
    if (rc == AH_OK)
        rc = ah_schedule_compile(json, &s->schedule, err);
    if (rc == AH_OK)
        rc = ah_rule_enum(json, "mode", hold_modes, &mode, err);
    if (rc == AH_OK)
        rc = ah_rule_bool(json, "enabled", &s->enabled, err);
    if (rc == AH_OK)
        rc = ah_rule_int(json, "from_incident_id", 0, INT64_MAX, &s->from_incident_id, err);
    if (rc < 0) {
        ah_silence_free(s);
        return rc;
    }
    s->mode = (enum ah_hold_mode)mode;
    s->json = json_deep_copy(json);
    *ret = s;
    return AH_OK;
}

void ah_silence_free(struct ah_silence *s)
{
    if (s == NULL)
        return;
    ah_free(s->name);
    ah_filter_free(s->filter);
    ah_schedule_free(s->schedule);
    json_decref(s->json);
    ah_free(s);
}

int ah_inhibit_compile(const json_t *json, int64_t id, struct ah_inhibit **ret,
                       struct ah_error *err)
{
    struct ah_inhibit *in = ah_xcalloc(1, sizeof(*in));
    int mode = AH_HOLD_MARK, rc;

    in->id = id;
    in->enabled = 1;
    rc = json_is_object(json) ? AH_OK : ah_error_set(err, AH_EINVAL, "inhibit must be an object");
    if (rc == AH_OK)
        rc = name_field(json, &in->name, err);
    if (rc == AH_OK)
        rc = required_filter(json, "source_filters", &in->source, err);
    if (rc == AH_OK)
        rc = required_filter(json, "target_filters", &in->target, err);
    if (rc == AH_OK)
        rc = dims_compile(json_object_get(json, "equals"), "equals", &in->equals, err);
    if (rc == AH_OK)
        rc = ah_rule_enum(json, "mode", hold_modes, &mode, err);
    if (rc == AH_OK)
        rc = ah_rule_bool(json, "enabled", &in->enabled, err);
    if (rc < 0) {
        ah_inhibit_free(in);
        return rc;
    }
    in->mode = (enum ah_hold_mode)mode;
    in->json = json_deep_copy(json);
    *ret = in;
    return AH_OK;
}

void ah_inhibit_free(struct ah_inhibit *in)
{
    if (in == NULL)
        return;
    ah_free(in->name);
    ah_filter_free(in->source);
    ah_filter_free(in->target);
    dims_done(&in->equals);
    json_decref(in->json);
    ah_free(in);
}
