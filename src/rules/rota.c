/* rota.c - see rota.h. A layer's shifts start from the boundary that holds
 * the query's @since, found directly (no walk from the layer's start);
 * restriction windows cut them; then the layers, and the overrides over
 * them, are laid one over another by linear merges of sorted lists. The
 * zone is loaded once at compile time, so queries do no I/O and touch
 * nothing mutable. Depends on util/, model/ and jansson. */
#include "rules/rota.h"
#include "rules/field.h"

#include "model/event.h"
#include "util/alloc.h"
#include "util/text.h"
#include "util/tz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_CHARS 100
#define LENGTH_MAX     365
#define START_MAX      253402300799LL /* 9999-12-31 23:59:59 UTC */
#define ALL_DAYS       0x7fu
/* Queries are clamped to +-2^40 s (about 34,000 years), as util/tz clamps
 * instants, so that no boundary arithmetic can overflow. */
#define TIME_LIMIT ((int64_t)1 << 40)

enum unit { UNIT_HOUR, UNIT_DAY, UNIT_WEEK };

static const char *const unit_names[] = {"hour", "day", "week", NULL};

struct restriction {
    unsigned days;  /* bit d - 1: a window starts on weekday d (1 = Monday) */
    int start, end; /* seconds after local midnight; end <= start crosses midnight */
};

struct layer {
    char *name;
    int64_t start;
    enum unit unit;
    int length;
    int handoff;  /* seconds after local midnight (day and week) */
    int64_t day0; /* the local date of start, in days since 1970-01-01 */
    int64_t step; /* days from one handoff to the next (day and week) */
    int64_t *members;
    size_t nmembers;
    struct restriction res[AH_ROTA_MAX_RESTRICTIONS];
    size_t nres;
};

struct ah_rota {
    struct ah_tz *tz;
    char *tzname;
    size_t nlayers;
    struct layer layers[AH_ROTA_MAX_LAYERS];
};

/* ---- compiling ---- */

/* The text of string @v, or NULL when it is not a string or holds a NUL
 * (which C would silently cut off). */
static const char *text_of(const json_t *v)
{
    const char *s = json_string_value(v);

    return s != NULL && strlen(s) == json_string_length(v) ? s : NULL;
}

/* Refuses members of @obj not in @known: a misspelt "handoff" or "days"
 * must fail loudly instead of quietly meaning something else. */
static int check_keys(const json_t *obj, const char *const *known, const char *where,
                      struct ah_error *reterr)
{
    const char *key = ah_field_unknown(obj, known);

    if (key != NULL)
        return ah_error_set(reterr, AH_EINVAL, "%s%sunrecognized field \"%.*s\"", where,
                            where[0] != '\0' ? ": " : "", (int)ah_utf8_prefix(key, 64), key);
    return AH_OK;
}

static json_t *clock_json(int sod)
{
    return json_sprintf("%02d:%02d", sod / 3600, sod / 60 % 60);
}

static int compile_name(struct layer *l, const json_t *obj, size_t idx, const char *where,
                        json_t *out, struct ah_error *reterr)
{
    const json_t *v = ah_field_get(obj, "name");
    const char *s = text_of(v);

    if (v == NULL) {
        l->name = ah_xasprintf("Layer %zu", idx + 1);
    } else {
        if (s == NULL || s[0] == '\0' || ah_utf8_len(s) > NAME_MAX_CHARS)
            return ah_error_set(reterr, AH_EINVAL, "%s.name must be a string of 1 to %d characters",
                                where, NAME_MAX_CHARS);
        l->name = ah_xstrdup(s);
    }
    json_object_set_new(out, "name", json_string(l->name));
    return AH_OK;
}

static int compile_start(struct layer *l, const json_t *obj, const char *where, json_t *out,
                         struct ah_error *reterr)
{
    const json_t *v = json_object_get(obj, "start");

    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > START_MAX)
        return ah_error_set(reterr, AH_EINVAL,
                            "%s.start must be Unix seconds (an integer from 0 to %lld)", where,
                            (long long)START_MAX);
    l->start = json_integer_value(v);
    json_object_set_new(out, "start", json_integer(l->start));
    return AH_OK;
}

static int compile_rotation(struct layer *l, const json_t *obj, const char *where, json_t *out,
                            struct ah_error *reterr)
{
    static const char *const keys[] = {"unit", "length", NULL};
    const json_t *rot = json_object_get(obj, "rotation"), *len;
    const char *unit;
    char at[64];
    int i, rc;

    snprintf(at, sizeof(at), "%s.rotation", where);
    if (!json_is_object(rot))
        return ah_error_set(reterr, AH_EINVAL,
                            "%s must be an object {\"unit\": \"hour\", \"day\" or \"week\", "
                            "\"length\": 1 to %d}",
                            at, LENGTH_MAX);
    rc = check_keys(rot, keys, at, reterr);
    if (rc < 0)
        return rc;
    unit = text_of(json_object_get(rot, "unit"));
    for (i = 0; unit != NULL && unit_names[i] != NULL && strcmp(unit_names[i], unit) != 0; i++)
        ;
    if (unit == NULL || unit_names[i] == NULL)
        return ah_error_set(reterr, AH_EINVAL, "%s.unit must be hour, day or week", at);
    len = json_object_get(rot, "length");
    if (!json_is_integer(len) || json_integer_value(len) < 1 ||
        json_integer_value(len) > LENGTH_MAX)
        return ah_error_set(reterr, AH_EINVAL, "%s.length must be an integer from 1 to %d", at,
                            LENGTH_MAX);
    l->unit = (enum unit)i;
    l->length = (int)json_integer_value(len);
    l->step = (int64_t)l->length * (l->unit == UNIT_WEEK ? 7 : 1);
    json_object_set_new(out, "rotation",
                        json_pack("{sssi}", "unit", unit_names[i], "length", l->length));
    return AH_OK;
}

/* Required for day and week; an hourly layer may leave it out (it is not
 * used) but may not give a malformed one. */
static int compile_handoff(struct layer *l, const json_t *obj, const char *where, json_t *out,
                           struct ah_error *reterr)
{
    const json_t *v = ah_field_get(obj, "handoff");

    if (v == NULL && l->unit == UNIT_HOUR)
        return AH_OK;
    l->handoff = ah_field_clock(v);
    if (l->handoff < 0)
        return ah_error_set(reterr, AH_EINVAL, "%s.handoff must be HH:MM", where);
    json_object_set_new(out, "handoff", clock_json(l->handoff));
    return AH_OK;
}

/* Ids as strings or positive integers, normalized to strings. A member may
 * appear more than once ([A, B, A] gives A twice as many shifts). */
static int compile_members(struct layer *l, const json_t *obj, const char *where, json_t *out,
                           struct ah_error *reterr)
{
    const json_t *list = json_object_get(obj, "member_ids"), *v;
    json_t *ids;
    size_t i;

    if (!json_is_array(list) || json_array_size(list) == 0 ||
        json_array_size(list) > AH_ROTA_MAX_MEMBERS)
        return ah_error_set(reterr, AH_EINVAL, "%s.member_ids must list 1 to %d members", where,
                            AH_ROTA_MAX_MEMBERS);
    l->members = ah_xcalloc(json_array_size(list), sizeof(*l->members));
    ids = json_array();
    json_array_foreach(list, i, v)
    {
        l->members[i] = ah_json_id(v);
        if (l->members[i] <= 0) {
            json_decref(ids);
            return ah_error_set(reterr, AH_EINVAL,
                                "%s.member_ids[%zu] must be a member id (a positive integer or "
                                "its decimal string)",
                                where, i);
        }
        l->nmembers = i + 1;
        json_array_append_new(ids, json_sprintf("%lld", (long long)l->members[i]));
    }
    json_object_set_new(out, "member_ids", ids);
    return AH_OK;
}

/* Days 1 (Monday) to 7 (Sunday) as a bit set; absent or empty is every day,
 * written back as [] (sorted, without repeats otherwise). */
static int compile_days(struct restriction *res, const json_t *days, const char *at, json_t *out,
                        struct ah_error *reterr)
{
    json_t *list;
    int d;

    if (ah_field_days(days, 1, &res->days) < 0)
        return ah_error_set(reterr, AH_EINVAL,
                            "%s.days must hold weekdays 1 (Monday) to 7 (Sunday)", at);
    list = json_array();
    for (d = 1; d <= 7; d++)
        if (res->days & (1u << (d - 1)))
            json_array_append_new(list, json_integer(d));
    if (res->days == 0)
        res->days = ALL_DAYS;
    json_object_set_new(out, "days", list);
    return AH_OK;
}

static int compile_restriction(struct restriction *res, const json_t *obj, const char *at,
                               json_t *out, struct ah_error *reterr)
{
    static const char *const keys[] = {"days", "start", "end", NULL};
    const json_t *days;
    int rc;

    if (!json_is_object(obj))
        return ah_error_set(reterr, AH_EINVAL, "%s must be an object {days, start, end}", at);
    rc = check_keys(obj, keys, at, reterr);
    if (rc < 0)
        return rc;
    days = ah_field_get(obj, "days");
    if (days != NULL && !json_is_array(days))
        return ah_error_set(reterr, AH_EINVAL,
                            "%s.days must hold weekdays 1 (Monday) to 7 (Sunday)", at);
    rc = compile_days(res, days, at, out, reterr);
    if (rc < 0)
        return rc;
    res->start = ah_field_clock(json_object_get(obj, "start"));
    if (res->start < 0)
        return ah_error_set(reterr, AH_EINVAL, "%s.start must be HH:MM", at);
    res->end = ah_field_clock(json_object_get(obj, "end"));
    if (res->end < 0)
        return ah_error_set(reterr, AH_EINVAL, "%s.end must be HH:MM", at);
    json_object_set_new(out, "start", clock_json(res->start));
    json_object_set_new(out, "end", clock_json(res->end));
    return AH_OK;
}

static int compile_restrictions(struct layer *l, const json_t *obj, const char *where, json_t *out,
                                struct ah_error *reterr)
{
    const json_t *list = ah_field_get(obj, "restrictions");
    json_t *arr = json_array();
    size_t i;
    int rc = AH_OK;

    json_object_set_new(out, "restrictions", arr);
    if (list != NULL && (!json_is_array(list) || json_array_size(list) > AH_ROTA_MAX_RESTRICTIONS))
        return ah_error_set(reterr, AH_EINVAL,
                            "%s.restrictions must be an array of at most %d restrictions", where,
                            AH_ROTA_MAX_RESTRICTIONS);
    for (i = 0; rc == AH_OK && i < json_array_size(list); i++) {
        json_t *one = json_object();
        char at[80];

        snprintf(at, sizeof(at), "%s.restrictions[%zu]", where, i);
        json_array_append_new(arr, one);
        rc = compile_restriction(&l->res[i], json_array_get(list, i), at, one, reterr);
        l->nres = i + 1;
    }
    return rc;
}

/* The local date of instant @t in @tz, as days since 1970-01-01. */
static int64_t local_day(const struct ah_tz *tz, int64_t t)
{
    struct ah_tz_local_time lt;

    ah_tz_convert(tz, t, &lt);
    return ah_tz_days_from_civil(lt.year, lt.month, lt.day);
}

static int compile_layer(struct ah_rota *r, size_t idx, const json_t *obj, json_t *out,
                         struct ah_error *reterr)
{
    static const char *const keys[] = {"name",       "start",        "rotation", "handoff",
                                       "member_ids", "restrictions", NULL};
    struct layer *l = &r->layers[idx];
    char where[32];
    int rc;

    snprintf(where, sizeof(where), "layers[%zu]", idx);
    if (!json_is_object(obj))
        return ah_error_set(reterr, AH_EINVAL, "%s must be an object", where);
    rc = check_keys(obj, keys, where, reterr);
    if (rc == AH_OK)
        rc = compile_name(l, obj, idx, where, out, reterr);
    if (rc == AH_OK)
        rc = compile_start(l, obj, where, out, reterr);
    if (rc == AH_OK)
        rc = compile_rotation(l, obj, where, out, reterr);
    if (rc == AH_OK)
        rc = compile_handoff(l, obj, where, out, reterr);
    if (rc == AH_OK)
        rc = compile_members(l, obj, where, out, reterr);
    if (rc == AH_OK)
        rc = compile_restrictions(l, obj, where, out, reterr);
    if (rc == AH_OK)
        l->day0 = local_day(r->tz, l->start);
    return rc;
}

static int compile_zone(struct ah_rota *r, const json_t *schedule, json_t *out,
                        struct ah_error *reterr)
{
    const json_t *v = json_object_get(schedule, "timezone");
    const char *name = text_of(v);
    int rc;

    if (v == NULL || json_is_null(v))
        return ah_error_set(reterr, AH_EINVAL,
                            "timezone is required (a zone name such as \"Asia/Shanghai\")");
    if (name == NULL)
        return ah_error_set(reterr, AH_EINVAL, "timezone must be a string");
    rc = ah_tz_open(name, &r->tz, reterr);
    if (rc < 0)
        return ah_error_prefix(reterr, rc, "timezone: ");
    r->tzname = ah_xstrdup(name);
    json_object_set_new(out, "timezone", json_string(name));
    return AH_OK;
}

int ah_rota_compile(const json_t *schedule, struct ah_rota **ret, json_t **ret_json,
                    struct ah_error *reterr)
{
    static const char *const keys[] = {"name", "timezone", "layers", NULL};
    const json_t *layers = json_object_get(schedule, "layers");
    json_t *out = json_object(), *outl = json_array();
    struct ah_rota *r = ah_xcalloc(1, sizeof(*r));
    size_t i;
    int rc;

    if (!json_is_object(schedule)) {
        rc = ah_error_set(reterr, AH_EINVAL, "a schedule must be an object");
        goto fail;
    }
    if (json_object_get(schedule, "name") != NULL) /* the caller's to check */
        json_object_set_new(out, "name", json_deep_copy(json_object_get(schedule, "name")));
    rc = check_keys(schedule, keys, "", reterr);
    if (rc == AH_OK)
        rc = compile_zone(r, schedule, out, reterr);
    if (rc == AH_OK && (!json_is_array(layers) || json_array_size(layers) == 0 ||
                        json_array_size(layers) > AH_ROTA_MAX_LAYERS))
        rc = ah_error_set(reterr, AH_EINVAL, "layers must list 1 to %d layers", AH_ROTA_MAX_LAYERS);
    for (i = 0; rc == AH_OK && i < json_array_size(layers); i++) {
        json_t *one = json_object();

        json_array_append_new(outl, one);
        r->nlayers = i + 1; /* counted first, so that a failure frees this one too */
        rc = compile_layer(r, i, json_array_get(layers, i), one, reterr);
    }
    if (rc < 0)
        goto fail;
    json_object_set_new(out, "layers", outl);
    if (ret_json != NULL)
        *ret_json = out;
    else
        json_decref(out);
    if (ret != NULL)
        *ret = r;
    else
        ah_rota_free(r);
    return AH_OK;
fail:
    json_decref(outl);
    json_decref(out);
    ah_rota_free(r);
    return rc;
}

void ah_rota_free(struct ah_rota *r)
{
    size_t i;

    if (r == NULL)
        return;
    for (i = 0; i < r->nlayers; i++) {
        ah_free(r->layers[i].name);
        ah_free(r->layers[i].members);
    }
    ah_tz_free(r->tz);
    ah_free(r->tzname);
    ah_free(r);
}

json_t *ah_rota_members(const struct ah_rota *r)
{
    json_t *out = json_array();
    int64_t seen[AH_ROTA_MAX_LAYERS * AH_ROTA_MAX_MEMBERS];
    size_t i, j, k, n = 0;

    for (i = 0; i < r->nlayers; i++) {
        for (j = 0; j < r->layers[i].nmembers; j++) {
            int64_t id = r->layers[i].members[j];

            for (k = 0; k < n && seen[k] != id; k++)
                ;
            if (k < n)
                continue;
            seen[n++] = id;
            json_array_append_new(out, json_sprintf("%lld", (long long)id));
        }
    }
    return out;
}

const char *ah_rota_layer_name(const struct ah_rota *r, int i)
{
    return i >= 0 && (size_t)i < r->nlayers ? r->layers[i].name : NULL;
}

const char *ah_rota_timezone(const struct ah_rota *r)
{
    return r->tzname;
}

/* ---- lists of pieces ---- */

/* Pieces in time order that do not overlap. */
struct pieces {
    struct ah_shift *v;
    size_t n, cap;
};

static void append(struct pieces *p, struct ah_shift s)
{
    if (p->n == p->cap) {
        p->cap = p->cap < 64 ? 64 : p->cap * 2;
        p->v = ah_xrealloc(p->v, p->cap * sizeof(*p->v));
    }
    p->v[p->n++] = s;
}

/* Appends [@start, @end) of @member from @layer after the last piece, or
 * extends the last piece when this one continues it (same member and layer,
 * no gap). Empty pieces are dropped. */
static void push(struct pieces *p, int64_t member_id, int64_t start, int64_t end, int layer)
{
    struct ah_shift *last = p->n > 0 ? &p->v[p->n - 1] : NULL;

    if (start >= end)
        return;
    if (last != NULL && last->end == start && last->member_id == member_id &&
        last->layer == layer) {
        last->end = end;
        return;
    }
    append(p, (struct ah_shift){member_id, start, end, layer});
}

static void push_shift(struct pieces *p, const struct ah_shift *s)
{
    push(p, s->member_id, s->start, s->end, s->layer);
}

static void pieces_done(struct pieces *p)
{
    ah_free(p->v);
    *p = (struct pieces){0};
}

/* @top laid over @base, into @out (empty on entry): @top where it has
 * someone, @base elsewhere. Linear in the sizes of both. */
static void overlay(const struct pieces *base, const struct pieces *top, struct pieces *out)
{
    struct pieces rest = {0};
    size_t i, j = 0, t, a = 0, b = 0;

    /* rest = base minus top */
    for (i = 0; i < base->n; i++) {
        const struct ah_shift *s = &base->v[i];
        int64_t cur = s->start;

        while (j < top->n && top->v[j].end <= s->start)
            j++;
        for (t = j; t < top->n && top->v[t].start < s->end; t++) {
            push(&rest, s->member_id, cur, top->v[t].start, s->layer);
            if (top->v[t].end > cur)
                cur = top->v[t].end;
        }
        push(&rest, s->member_id, cur, s->end, s->layer);
    }
    /* rest and top do not overlap: merge them by start */
    while (a < rest.n || b < top->n) {
        if (b == top->n || (a < rest.n && rest.v[a].start < top->v[b].start))
            push_shift(out, &rest.v[a++]);
        else
            push_shift(out, &top->v[b++]);
    }
    pieces_done(&rest);
}

/* Lays @top over *@acc, which it replaces; @top is consumed. */
static void overlay_into(struct pieces *acc, struct pieces *top)
{
    struct pieces out = {0};

    overlay(acc, top, &out);
    pieces_done(acc);
    pieces_done(top);
    *acc = out;
}

/* ---- one layer ---- */

/* B(k) of rota.h. */
static int64_t boundary(const struct ah_rota *r, const struct layer *l, int64_t k)
{
    if (k == 0)
        return l->start;
    if (l->unit == UNIT_HOUR)
        return l->start + k * l->length * 3600;
    return ah_tz_to_utc(r->tz, (l->day0 + k * l->step) * 86400 + l->handoff);
}

/* The index of the shift that holds @since (0 when the layer starts
 * later), computed from the distance instead of walking from the start:
 * exact for hours; for days and weeks from the local dates, then corrected
 * by a step or two where the handoff time of day matters. */
static int64_t first_shift(const struct ah_rota *r, const struct layer *l, int64_t since)
{
    int64_t k;

    if (since <= l->start)
        return 0;
    if (l->unit == UNIT_HOUR)
        return (since - l->start) / ((int64_t)l->length * 3600);
    k = (local_day(r->tz, since) - l->day0) / l->step;
    if (k < 0)
        k = 0;
    while (k > 0 && boundary(r, l, k) > since)
        k--;
    while (boundary(r, l, k + 1) <= since)
        k++;
    return k;
}

/* The layer's shifts, cut to [@since, @until). */
static void layer_shifts(const struct ah_rota *r, int idx, int64_t since, int64_t until,
                         struct pieces *out)
{
    const struct layer *l = &r->layers[idx];
    int64_t k = first_shift(r, l, since), s = boundary(r, l, k), e;

    for (; s < until; k++, s = e) {
        e = boundary(r, l, k + 1);
        push(out, l->members[k % (int64_t)l->nmembers], s > since ? s : since,
             e < until ? e : until, idx);
    }
}

static int by_start(const void *a, const void *b)
{
    const struct ah_shift *x = a, *y = b;

    return x->start < y->start ? -1 : x->start > y->start;
}

/* ISO weekday (1 = Monday) of local date @day (days since 1970-01-01, a
 * Thursday). */
static unsigned iso_weekday(int64_t day)
{
    return (unsigned)(((day + 3) % 7 + 7) % 7) + 1;
}

/* The union of the layer's restriction windows within [@since, @until), as
 * pieces in time order. Windows are taken from each local date from two
 * days before @since's to one after @until's, which covers windows that
 * started the evening before and dates that a fold at midnight repeats. */
static void layer_windows(const struct ah_rota *r, const struct layer *l, int64_t since,
                          int64_t until, struct pieces *out)
{
    struct pieces all = {0};
    int64_t day, last = local_day(r->tz, until) + 1, ws, we;
    size_t i;

    for (day = local_day(r->tz, since) - 2; day <= last; day++) {
        for (i = 0; i < l->nres; i++) {
            const struct restriction *res = &l->res[i];

            if (!(res->days & (1u << (iso_weekday(day) - 1))))
                continue;
            ws = ah_tz_to_utc(r->tz, day * 86400 + res->start);
            we = ah_tz_to_utc(r->tz, (day + (res->end <= res->start)) * 86400 + res->end);
            if (ws < since)
                ws = since;
            if (we > until)
                we = until;
            if (ws < we)
                append(&all, (struct ah_shift){0, ws, we, 0});
        }
    }
    if (all.n > 1) /* qsort's array may not be NULL */
        qsort(all.v, all.n, sizeof(*all.v), by_start);
    for (i = 0; i < all.n; i++) {
        struct ah_shift *last_w = out->n > 0 ? &out->v[out->n - 1] : NULL;

        if (last_w != NULL && all.v[i].start <= last_w->end) {
            if (all.v[i].end > last_w->end)
                last_w->end = all.v[i].end;
        } else {
            append(out, all.v[i]);
        }
    }
    pieces_done(&all);
}

/* @shifts within @windows, into @out (empty on entry). */
static void intersect(const struct pieces *shifts, const struct pieces *windows, struct pieces *out)
{
    size_t i = 0, j = 0;

    while (i < shifts->n && j < windows->n) {
        const struct ah_shift *s = &shifts->v[i], *w = &windows->v[j];

        push(out, s->member_id, s->start > w->start ? s->start : w->start,
             s->end < w->end ? s->end : w->end, s->layer);
        if (s->end < w->end)
            i++;
        else
            j++;
    }
}

/* The layer's restricted shifts within [@since, @until). */
static void layer_pieces(const struct ah_rota *r, int idx, int64_t since, int64_t until,
                         struct pieces *out)
{
    struct pieces shifts = {0}, windows = {0};

    if (r->layers[idx].nres == 0) {
        layer_shifts(r, idx, since, until, out);
        return;
    }
    layer_shifts(r, idx, since, until, &shifts);
    layer_windows(r, &r->layers[idx], since, until, &windows);
    intersect(&shifts, &windows, out);
    pieces_done(&shifts);
    pieces_done(&windows);
}

/* ---- the final shifts ---- */

/* Overrides [@lo, @hi) cut to [@since, @until), later ones over earlier
 * ones: halves flattened and laid one over the other, O(n log n). */
static void flatten(const struct ah_rota_override *ov, size_t lo, size_t hi, int64_t since,
                    int64_t until, struct pieces *out)
{
    struct pieces top = {0};
    size_t mid = lo + (hi - lo) / 2;

    if (hi - lo == 1) {
        push(out, ov[lo].member_id, ov[lo].start > since ? ov[lo].start : since,
             ov[lo].end < until ? ov[lo].end : until, -1);
        return;
    }
    flatten(ov, lo, mid, since, until, out);
    flatten(ov, mid, hi, since, until, &top);
    overlay_into(out, &top);
}

static void compute(const struct ah_rota *r, const struct ah_rota_override *ov, size_t nov,
                    int64_t since, int64_t until, struct pieces *out)
{
    struct pieces top = {0};
    size_t i;

    for (i = 0; i < r->nlayers; i++) {
        layer_pieces(r, (int)i, since, until, &top);
        overlay_into(out, &top);
    }
    if (nov > 0) {
        flatten(ov, 0, nov, since, until, &top);
        overlay_into(out, &top);
    }
}

int ah_rota_shifts(const struct ah_rota *r, const struct ah_rota_override *ov, size_t nov,
                   int64_t since, int64_t until, struct ah_shift **ret, size_t *ret_n,
                   struct ah_error *reterr)
{
    struct pieces out = {0};

    if (until <= since)
        return ah_error_set(reterr, AH_EINVAL, "until must be after since");
    since = since < -TIME_LIMIT ? -TIME_LIMIT : since;
    until = until > TIME_LIMIT ? TIME_LIMIT : until;
    if (since < until)
        compute(r, ov, nov, since, until, &out);
    *ret = out.v != NULL ? out.v : ah_xcalloc(1, sizeof(**ret));
    *ret_n = out.n;
    return AH_OK;
}

/* The overrides decide alone where one holds @at; elsewhere the layers are
 * computed for [@at, @at + 1) by the code ah_rota_shifts uses, so the two
 * cannot disagree. */
int64_t ah_rota_oncall(const struct ah_rota *r, const struct ah_rota_override *ov, size_t nov,
                       int64_t at, int *ret_layer)
{
    struct pieces p = {0};
    struct ah_shift who = {0, 0, 0, -1};
    size_t i;

    for (i = nov; i-- > 0 && who.member_id == 0;)
        if (ov[i].start <= at && at < ov[i].end)
            who.member_id = ov[i].member_id;
    if (who.member_id == 0 && at >= -TIME_LIMIT && at < TIME_LIMIT) {
        compute(r, NULL, 0, at, at + 1, &p);
        if (p.n > 0)
            who = p.v[0];
        pieces_done(&p);
    }
    if (ret_layer != NULL)
        *ret_layer = who.layer;
    return who.member_id;
}
