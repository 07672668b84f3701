/* route.c - see route.h. */
#include "process/route.h"

#include "model/event.h"
#include "util/alloc.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct route_case {
    struct ah_filter *filter;
    int64_t *channels;
    size_t nchannels;
    int fallthrough;
    char *name_label; /* name mapping: the label whose value names the channel */
};

struct ah_routes {
    atomic_int refs;
    struct route_case *cases;
    size_t ncases;
    int64_t *defaults;
    size_t ndefaults;
    int64_t *all; /* every channel named, for reference checks */
    size_t nall;
};

/* ================= compiling ================= */

static int channel_list(const json_t *arr, const char *where, struct ah_routes *r, int64_t **out,
                        size_t *n, struct ah_error *err)
{
    const json_t *v;
    size_t i;

    *n = 0;
    if (arr == NULL)
        return AH_OK;
    if (!json_is_array(arr) || json_array_size(arr) > AH_ROUTE_MAX_CHANNELS)
        return ah_error_set(err, AH_EINVAL, "%s.channel_ids must be an array of at most %d ids",
                            where, AH_ROUTE_MAX_CHANNELS);
    *out = ah_xcalloc(json_array_size(arr) + 1, sizeof(**out));
    json_array_foreach(arr, i, v)
    {
        int64_t id = ah_json_id(v);

        if (id == 0)
            return ah_error_set(err, AH_EINVAL, "%s.channel_ids holds an invalid id", where);
        (*out)[(*n)++] = id;
        r->all = ah_xrealloc(r->all, (r->nall + 1) * sizeof(*r->all));
        r->all[r->nall++] = id;
    }
    return AH_OK;
}

static int compile_case(const json_t *c, size_t i, struct ah_routes *r, struct route_case *rc,
                        struct ah_error *err)
{
    const json_t *mode_v = json_object_get(c, "routing_mode");
    const char *mode = json_string_value(mode_v);
    const char *label = json_string_value(json_object_get(c, "name_mapping_label"));
    const json_t *ft = json_object_get(c, "fallthrough");
    char where[32];
    int ret;

    snprintf(where, sizeof(where), "cases[%zu]", i);
    if (!json_is_object(c))
        return ah_error_set(err, AH_EINVAL, "%s must be an object", where);
    if (mode_v != NULL && mode == NULL)
        return ah_error_set(err, AH_EINVAL, "%s.routing_mode must be standard or name_mapping",
                            where);
    ret = ah_filter_compile(json_object_get(c, "if"), AH_FILTER_OR_OF_AND, &rc->filter, err);
    if (ret < 0)
        return ret;
    rc->fallthrough = ft == NULL || json_is_true(ft); /* "continue" is the default */
    if (ft != NULL && !json_is_boolean(ft))
        return ah_error_set(err, AH_EINVAL, "%s.fallthrough must be true or false", where);
    if (mode != NULL && strcmp(mode, "name_mapping") == 0) {
        if (label == NULL || label[0] == '\0')
            return ah_error_set(err, AH_EINVAL, "%s: name_mapping needs name_mapping_label", where);
        rc->name_label = ah_xstrdup(label);
        return AH_OK;
    }
    if (mode != NULL && strcmp(mode, "standard") != 0)
        return ah_error_set(err, AH_EINVAL, "%s.routing_mode must be standard or name_mapping",
                            where);
    ret = channel_list(json_object_get(c, "channel_ids"), where, r, &rc->channels, &rc->nchannels,
                       err);
    if (ret == AH_OK && rc->nchannels == 0)
        return ah_error_set(err, AH_EINVAL, "%s.channel_ids must name at least one channel", where);
    return ret;
}

static size_t distinct(const int64_t *ids, size_t n)
{
    size_t i, j, count = 0;

    for (i = 0; i < n; i++) {
        for (j = 0; j < i && ids[j] != ids[i]; j++)
            ;
        count += j == i;
    }
    return count;
}

int ah_routes_compile(const json_t *json, struct ah_routes **ret, struct ah_error *err)
{
    struct ah_routes *r = ah_xcalloc(1, sizeof(*r));
    const json_t *cases = json_object_get(json, "cases"), *c;
    size_t i;
    int rc = AH_OK;

    atomic_init(&r->refs, 1);
    if (!json_is_object(json) ||
        (cases != NULL && (!json_is_array(cases) || json_array_size(cases) > AH_ROUTE_MAX_CASES)))
        rc = ah_error_set(err, AH_EINVAL,
                          "routes must be {\"cases\": [...] (at most %d), "
                          "\"default\": {\"channel_ids\": [...]}}",
                          AH_ROUTE_MAX_CASES);
    if (rc == AH_OK && cases != NULL)
        r->cases = ah_xcalloc(json_array_size(cases) + 1, sizeof(*r->cases));
    json_array_foreach(rc == AH_OK ? cases : NULL, i, c)
    {
        r->ncases = i + 1;
        rc = compile_case(c, i, r, &r->cases[i], err);
        if (rc < 0)
            break;
    }
    if (rc == AH_OK && json_object_get(json, "default") != NULL &&
        !json_is_object(json_object_get(json, "default")))
        rc = ah_error_set(err, AH_EINVAL, "default must be {\"channel_ids\": [...]}");
    if (rc == AH_OK)
        rc = channel_list(json_object_get(json_object_get(json, "default"), "channel_ids"),
                          "default", r, &r->defaults, &r->ndefaults, err);
    if (rc == AH_OK && distinct(r->all, r->nall) > AH_ROUTE_MAX_CHANNELS)
        rc = ah_error_set(err, AH_EINVAL,
                          "routes name more than %d channels: one event could not reach them all",
                          AH_ROUTE_MAX_CHANNELS);
    if (rc < 0) {
        ah_routes_unref(r);
        return rc;
    }
    *ret = r;
    return AH_OK;
}

struct ah_routes *ah_routes_ref(struct ah_routes *r)
{
    atomic_fetch_add(&r->refs, 1);
    return r;
}

void ah_routes_unref(struct ah_routes *r)
{
    size_t i;

    if (r == NULL || atomic_fetch_sub(&r->refs, 1) > 1)
        return;
    for (i = 0; i < r->ncases; i++) {
        ah_filter_free(r->cases[i].filter);
        ah_free(r->cases[i].channels);
        ah_free(r->cases[i].name_label);
    }
    ah_free(r->cases);
    ah_free(r->defaults);
    ah_free(r->all);
    ah_free(r);
}

const int64_t *ah_routes_channels(const struct ah_routes *r, size_t *ret_n)
{
    *ret_n = r->nall;
    return r->all;
}

/* ================= matching ================= */

static void add(int64_t *out, size_t *n, int64_t id)
{
    size_t i;

    for (i = 0; i < *n; i++) {
        if (out[i] == id)
            return; /* one alert per channel, whatever the number of cases */
    }
    if (*n < AH_ROUTE_MAX_CHANNELS)
        out[(*n)++] = id;
}

size_t ah_routes_match(const struct ah_routes *r, const struct ah_filter_subject *s,
                       ah_channel_by_name_fn by_name, void *ctx, int64_t *out)
{
    size_t i, j, n = 0;
    int matched = 0;

    for (i = 0; i < r->ncases; i++) {
        const struct route_case *c = &r->cases[i];

        if (!ah_filter_match(c->filter, s))
            continue;
        matched = 1;
        for (j = 0; j < c->nchannels; j++)
            add(out, &n, c->channels[j]);
        if (c->name_label != NULL && s->labels != NULL) {
            const char *name = json_string_value(json_object_get(s->labels, c->name_label));
            int64_t id = name ? by_name(ctx, name) : 0;

            if (id != 0)
                add(out, &n, id);
        }
        if (!c->fallthrough)
            break;
    }
    /* The default serves only when no case matched, or the matched cases
     * named no existing channel (spec 12). */
    if (!matched || n == 0) {
        for (j = 0; j < r->ndefaults; j++)
            add(out, &n, r->defaults[j]);
    }
    return n;
}

/* ================= the table ================= */
