/* schedule.c - see schedule.h. Each weekly window loads its time zone once,
 * at compile time, so matching does no I/O and touches nothing mutable (and
 * never the process-wide TZ/localtime state). Depends on util/ and jansson. */
#include "rules/schedule.h"
#include "rules/field.h"

#include "util/alloc.h"
#include "util/text.h"
#include "util/tz.h"

#include <stdio.h>

#define WINDOWS_MAX 10
#define ALL_DAYS    0x7fu

struct window {
    unsigned days;  /* bit d: the window starts on weekday d (0 = Sunday) */
    int start, end; /* seconds after local midnight; equal means the whole day */
    struct ah_tz *tz;
};

struct ah_schedule {
    int weekly;
    int64_t start, end; /* the one-time window [start, end) */
    size_t nwin;
    struct window win[WINDOWS_MAX];
};

/* Refuses members of @obj not in @known, so that a misspelt "tz" or "days"
 * fails loudly instead of quietly meaning UTC or every day. */
static int check_keys(const json_t *obj, const char *const *known, const char *where,
                      struct ah_error *reterr)
{
    const char *key = ah_field_unknown(obj, known);

    if (key != NULL)
        return ah_error_set(reterr, AH_EINVAL, "unrecognized field \"%s.%.*s\"", where,
                            (int)ah_utf8_prefix(key, 64), key);
    return AH_OK;
}

/* ---- one-time windows ---- */

static int get_instant(const json_t *t, const char *key, int64_t *ret, struct ah_error *reterr)
{
    const json_t *v = json_object_get(t, key);

    if (!json_is_integer(v) || json_integer_value(v) <= 0)
        return ah_error_set(reterr, AH_EINVAL,
                            "\"time.%s\" must be a positive integer (Unix seconds)", key);
    *ret = json_integer_value(v);
    return AH_OK;
}

static int compile_time(struct ah_schedule *s, const json_t *t, struct ah_error *reterr)
{
    static const char *const keys[] = {"start", "end", NULL};
    int rc;

    if (!json_is_object(t))
        return ah_error_set(reterr, AH_EINVAL, "\"time\" must be an object with start and end");
    rc = check_keys(t, keys, "time", reterr);
    if (rc == AH_OK)
        rc = get_instant(t, "start", &s->start, reterr);
    if (rc == AH_OK)
        rc = get_instant(t, "end", &s->end, reterr);
    if (rc == AH_OK && s->start >= s->end)
        rc = ah_error_set(reterr, AH_EINVAL, "\"time.start\" must be before \"time.end\"");
    return rc;
}

/* ---- weekly windows ---- */

static int parse_days(const json_t *days, const char *where, unsigned *ret, struct ah_error *reterr)
{
    unsigned mask = 0;

    if (days != NULL && !json_is_array(days))
        return ah_error_set(reterr, AH_EINVAL, "\"%s.days\" must be an array of weekdays", where);
    if (ah_field_days(days, 0, &mask) < 0)
        return ah_error_set(reterr, AH_EINVAL,
                            "\"%s.days\" must hold weekdays 0 (Sunday) to 6 (Saturday)", where);
    *ret = mask != 0 ? mask : ALL_DAYS; /* absent or empty: every day */
    return AH_OK;
}

/* "HH:MM" from 00:00 to 23:59, as seconds after midnight. */
static int parse_clock(const json_t *v, const char *where, const char *key, int *ret,
                       struct ah_error *reterr)
{
    const char *s = json_string_value(v);
    int sod = ah_field_clock(v);

    if (s == NULL)
        return ah_error_set(reterr, AH_EINVAL, "\"%s.%s\" must be a time \"HH:MM\"", where, key);
    if (sod >= 0) {
        *ret = sod;
        return AH_OK;
    }
    return ah_error_set(reterr, AH_EINVAL,
                        "invalid time \"%.32s\" in \"%s.%s\": expected HH:MM from 00:00 to 23:59",
                        s, where, key);
}

static int compile_window(struct window *w, const json_t *obj, size_t i, struct ah_error *reterr)
{
    static const char *const keys[] = {"days", "start", "end", "tz", NULL};
    const json_t *tz;
    char where[32];
    int rc;

    snprintf(where, sizeof(where), "weekly[%zu]", i);
    if (!json_is_object(obj))
        return ah_error_set(reterr, AH_EINVAL, "\"%s\" must be an object", where);
    rc = check_keys(obj, keys, where, reterr);
    if (rc == AH_OK)
        rc = parse_days(ah_field_get(obj, "days"), where, &w->days, reterr);
    if (rc == AH_OK)
        rc = parse_clock(json_object_get(obj, "start"), where, "start", &w->start, reterr);
    if (rc == AH_OK)
        rc = parse_clock(json_object_get(obj, "end"), where, "end", &w->end, reterr);
    if (rc < 0)
        return rc;
    tz = ah_field_get(obj, "tz");
    if (tz != NULL && !json_is_string(tz))
        return ah_error_set(reterr, AH_EINVAL, "\"%s.tz\" must be a string", where);
    return ah_tz_open(tz != NULL ? json_string_value(tz) : "UTC", &w->tz, reterr);
}

static int compile_weekly(struct ah_schedule *s, const json_t *weekly, struct ah_error *reterr)
{
    size_t i;
    int rc;

    if (!json_is_array(weekly) || json_array_size(weekly) == 0 ||
        json_array_size(weekly) > WINDOWS_MAX)
        return ah_error_set(reterr, AH_EINVAL, "\"weekly\" must be an array of 1 to %d windows",
                            WINDOWS_MAX);
    s->weekly = 1;
    for (i = 0; i < json_array_size(weekly); i++) {
        s->nwin = i + 1; /* counted first, so that a failure frees this one too */
        rc = compile_window(&s->win[i], json_array_get(weekly, i), i, reterr);
        if (rc < 0)
            return rc;
    }
    return AH_OK;
}

static int on_day(const struct window *w, int wday)
{
    return (w->days >> wday) & 1u;
}

/* Matched on the zone's wall clock: on a day when DST starts, a window that
 * begins inside the skipped hour opens when the clock lands past its start. */
static int in_window(const struct window *w, int64_t now)
{
    struct ah_tz_local_time lt;
    int sod;

    ah_tz_convert(w->tz, now, &lt);
    sod = lt.hour * 3600 + lt.min * 60 + lt.sec;
    if (w->start == w->end)
        return on_day(w, lt.wday);
    if (w->start < w->end)
        return on_day(w, lt.wday) && sod >= w->start && sod < w->end;
    /* Crosses midnight: the evening part belongs to a listed day, the
     * morning part to the day after one. */
    return (on_day(w, lt.wday) && sod >= w->start) ||
           (on_day(w, (lt.wday + 6) % 7) && sod < w->end);
}

/* ---- public ---- */

int ah_schedule_compile(const json_t *rule, struct ah_schedule **ret, struct ah_error *reterr)
{
    /* {"time": null, "weekly": [...]} means weekly. */
    const json_t *time = ah_field_get(rule, "time"), *weekly = ah_field_get(rule, "weekly");
    struct ah_schedule *s;
    int rc;

    if ((time == NULL) == (weekly == NULL))
        return ah_error_set(reterr, AH_EINVAL, "silence needs exactly one of time or weekly");
    s = ah_xcalloc(1, sizeof(*s));
    rc = time != NULL ? compile_time(s, time, reterr) : compile_weekly(s, weekly, reterr);
    if (rc < 0)
        goto fail;
    *ret = s;
    return AH_OK;
fail:
    ah_schedule_free(s);
    return rc;
}

void ah_schedule_free(struct ah_schedule *s)
{
    size_t i;

    if (s == NULL)
        return;
    for (i = 0; i < s->nwin; i++)
        ah_tz_free(s->win[i].tz);
    ah_free(s);
}

int ah_schedule_active(const struct ah_schedule *s, int64_t now)
{
    size_t i;

    if (!s->weekly)
        return now >= s->start && now < s->end;
    for (i = 0; i < s->nwin; i++)
        if (in_window(&s->win[i], now))
            return 1;
    return 0;
}

int ah_schedule_expired(const struct ah_schedule *s, int64_t now)
{
    return !s->weekly && now >= s->end;
}
