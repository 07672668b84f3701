/* dedup_test.c - event -> alert deduplication (src/reduce/dedup.c; spec
 * section 5) against a real SQLite database in a fresh temporary folder per
 * test. The clock is passed in through ah_reduce_input.now (no sleeps), and
 * every check reads back what was committed through the store's API reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "store_fixture.h"
#include "http/rows.h"

#include "model/event.h"
#include "reduce/reduce.h"
#include "store/store.h"
#include "util/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define T0 1800000000
#define CH 1

/* ---- building and applying events ---- */

/* A prepared event; labels are NULL-terminated key, value pairs. */
static void ev_make(struct ah_event *ev, const char *key, enum ah_severity sev, int recovered,
                    const char *title, const char *desc, ...)
{
    va_list ap;
    const char *k;

    ah_event_init(ev);
    ev->alert_key = ah_xstrdup(key);
    ev->severity = sev;
    ev->recovered = recovered;
    ev->title = ah_xstrdup(title);
    ev->description = desc ? ah_xstrdup(desc) : NULL;
    va_start(ap, desc);
    while ((k = va_arg(ap, const char *)) != NULL)
        ah_event_set_label(ev, k, va_arg(ap, const char *));
    va_end(ap);
}

/* Applies @ev to channel @ch at @now in its own committed transaction. */
static enum ah_reduce_outcome apply_ev(struct fx *fx, int64_t ch, const struct ah_event *ev,
                                       int64_t now)
{
    struct ah_reduce_input in = {.ev = ev, .channel_id = ch, .integration_id = 7, .now = now};
    struct ah_store_tx *tx;
    struct ah_error err;
    enum ah_reduce_outcome out = (enum ah_reduce_outcome) - 1;
    int rc;

    ah_error_clear(&err);
    assert_int_equal(ah_store_tx_begin(fx->store, &tx, NULL), AH_OK);
    rc = ah_reduce_event(fx->reduce, tx, &in, &out, &err);
    if (rc != AH_OK)
        fprintf(stderr, "ah_reduce_event: %d %s\n", rc, err.msg);
    assert_int_equal(rc, AH_OK);
    assert_int_equal(ah_store_tx_commit(tx, NULL), AH_OK);
    return out;
}

/* Builds, applies and frees one event; labels as in ev_make. */
#define FIRE(fx, ch, key, sev, rec, title, desc, now, ...)                                         \
    fire_impl((fx), (ch), (now), key, sev, rec, title, desc, __VA_ARGS__)

static enum ah_reduce_outcome fire_impl(struct fx *fx, int64_t ch, int64_t now, const char *key,
                                        enum ah_severity sev, int recovered, const char *title,
                                        const char *desc, ...)
{
    struct ah_event ev;
    enum ah_reduce_outcome out;
    va_list ap;
    const char *k;

    ev_make(&ev, key, sev, recovered, title, desc, (const char *)NULL);
    va_start(ap, desc);
    while ((k = va_arg(ap, const char *)) != NULL)
        ah_event_set_label(&ev, k, va_arg(ap, const char *));
    va_end(ap);
    out = apply_ev(fx, ch, &ev, now);
    ah_event_done(&ev);
    return out;
}

#define NOLABELS (const char *)NULL

/* ---- reading back ---- */

static json_t *read_incidents(struct fx *fx)
{
    struct ah_incident_filter f = {0};
    struct ah_page page = {.limit = 500};
    json_t *j = NULL;

    assert_int_equal(ah_rows_read_incidents(fx->store, &f, &page, &j, NULL), AH_OK);
    return j;
}

static size_t incident_count(struct fx *fx)
{
    json_t *j = read_incidents(fx);
    size_t n = json_array_size(json_object_get(j, "items"));

    json_decref(j);
    return n;
}

/* The id of the newest incident (0 when there is none). */
static int64_t newest_incident(struct fx *fx)
{
    json_t *j = read_incidents(fx);
    json_t *first = json_array_get(json_object_get(j, "items"), 0);
    int64_t id = first ? id_of(first, "id") : 0;

    json_decref(j);
    return id;
}

static size_t event_count(struct fx *fx)
{
    struct ah_page page = {.limit = 500};
    json_t *j = NULL;
    size_t n;

    assert_int_equal(ah_rows_read_events(fx->store, 0, 0, &page, &j, NULL), AH_OK);
    n = json_array_size(json_object_get(j, "items"));
    json_decref(j);
    return n;
}

/* The id of alert @i of incident @inc_id. */
static int64_t alert_of(struct fx *fx, int64_t inc_id, size_t i)
{
    json_t *inc = incident(fx, inc_id);
    json_t *a = json_array_get(json_object_get(inc, "alerts"), i);
    int64_t id;

    assert_non_null(a);
    id = id_of(a, "id");
    json_decref(inc);
    return id;
}

static void assert_labels(const json_t *o, const char *want_json)
{
    json_t *want = json_loads(want_json, 0, NULL);
    const json_t *got = json_object_get(o, "labels");

    assert_non_null(want);
    if (!json_equal(want, (json_t *)got)) {
        char *g = json_dumps(got, JSON_SORT_KEYS | JSON_ENCODE_ANY);

        fprintf(stderr, "labels: want %s, got %s\n", want_json, g ? g : "(null)");
        free(g);
        fail();
    }
    json_decref(want);
}

/* ================= tests ================= */

static void new_alert_opens_alert_and_incident(void **state)
{
    struct fx *fx = *state;
    json_t *inc, *a, *ev;
    int64_t inc_id, alert_id;

    assert_int_equal(FIRE(fx, CH, "k1", AH_SEV_WARNING, 0, "cpu high", "at 91%", T0, "host", "h1",
                          "dc", "a", NOLABELS),
                     AH_REDUCE_NEW_ALERT);
    assert_int_equal(incident_count(fx), 1);
    inc_id = newest_incident(fx);
    inc = incident(fx, inc_id);
    assert_string_equal(str(inc, "progress"), "Triggered");
    assert_string_equal(str(inc, "status"), "Warning");
    assert_string_equal(str(inc, "severity"), "Warning");
    assert_string_equal(str(inc, "title"), "cpu high");
    assert_string_equal(str(inc, "channel_id"), "1");
    assert_int_equal(num(inc, "alert_count"), 1);
    assert_int_equal(num(inc, "active_alert_count"), 1);
    assert_int_equal(num(inc, "event_count"), 1);
    assert_int_equal(num(inc, "start_time"), T0);
    assert_int_equal(num(inc, "close_time"), 0);
    assert_labels(inc, "{\"host\":\"h1\",\"dc\":\"a\"}");
    assert_int_equal(json_array_size(json_object_get(inc, "alerts")), 1);
    json_decref(inc);

    alert_id = alert_of(fx, inc_id, 0);
    a = alert(fx, alert_id);
    assert_string_equal(str(a, "alert_key"), "k1");
    assert_int_equal(id_of(a, "incident_id"), inc_id);
    assert_string_equal(str(a, "channel_id"), "1");
    assert_string_equal(str(a, "integration_id"), "7");
    assert_string_equal(str(a, "status"), "Warning");
    assert_string_equal(str(a, "severity"), "Warning");
    assert_string_equal(str(a, "title"), "cpu high");
    assert_string_equal(str(a, "description"), "at 91%");
    assert_int_equal(num(a, "event_count"), 1);
    assert_int_equal(num(a, "start_time"), T0);
    assert_int_equal(num(a, "last_time"), T0);
    assert_int_equal(num(a, "end_time"), 0);
    assert_int_equal(num(a, "close_time"), 0);
    assert_labels(a, "{\"host\":\"h1\",\"dc\":\"a\"}");
    assert_int_equal(json_array_size(json_object_get(a, "events")), 1);
    ev = json_array_get(json_object_get(a, "events"), 0);
    assert_string_equal(str(ev, "event_status"), "Warning");
    assert_int_equal(num(ev, "received_at"), T0);
    assert_int_equal(num(ev, "event_time"), T0); /* not given: the receive time */
    json_decref(a);

    assert_int_equal(event_count(fx), 1);
    assert_int_equal(ah_reduce_open_alerts(fx->reduce), 1);
    assert_int_equal(ah_reduce_open_incidents(fx->reduce), 1);
}

/* Same level, title and description: not stored; labels replaced by the
 * event's (keys it lacks disappear), last_time moves. */
static void identical_event_refreshes(void **state)
{
    struct fx *fx = *state;
    json_t *a, *inc;
    int64_t inc_id, alert_id;

    FIRE(fx, CH, "k1", AH_SEV_WARNING, 0, "cpu high", "at 91%", T0, "host", "h1", "dc", "a",
         NOLABELS);
    assert_int_equal(FIRE(fx, CH, "k1", AH_SEV_WARNING, 0, "cpu high", "at 91%", T0 + 10, "host",
                          "h2", "zone", "z9", NOLABELS),
                     AH_REDUCE_REFRESHED);
    assert_int_equal(event_count(fx), 1);
    assert_int_equal(incident_count(fx), 1);
    inc_id = newest_incident(fx);
    alert_id = alert_of(fx, inc_id, 0);
    a = alert(fx, alert_id);
    assert_int_equal(num(a, "event_count"), 1);
    assert_int_equal(json_array_size(json_object_get(a, "events")), 1);
    assert_int_equal(num(a, "last_time"), T0 + 10);
    assert_int_equal(num(a, "start_time"), T0);
    assert_labels(a, "{\"host\":\"h2\",\"zone\":\"z9\"}");
    json_decref(a);
    inc = incident(fx, inc_id);
    assert_int_equal(num(inc, "event_count"), 1);
    assert_int_equal(num(inc, "last_time"), T0 + 10);
    /* The incident's labels follow its first alert's. */
    assert_labels(inc, "{\"host\":\"h2\",\"zone\":\"z9\"}");
    json_decref(inc);

    /* A NULL description and "" are the same thing. */
    assert_int_equal(FIRE(fx, CH, "k2", AH_SEV_INFO, 0, "t", NULL, T0 + 20, NOLABELS),
                     AH_REDUCE_NEW_ALERT);
    assert_int_equal(FIRE(fx, CH, "k2", AH_SEV_INFO, 0, "t", "", T0 + 21, NOLABELS),
                     AH_REDUCE_REFRESHED);
    assert_int_equal(event_count(fx), 2);
}

/* A changed description (or title) is stored and merged: event_count + 1;
 * the alert takes the new text, the incident keeps its first title. */
static void changed_event_merges(void **state)
{
    struct fx *fx = *state;
    struct ah_event ev;
    json_t *a, *inc, *newest;
    int64_t inc_id, alert_id;

    FIRE(fx, CH, "k1", AH_SEV_WARNING, 0, "cpu high", "at 91%", T0, "host", "h1", NOLABELS);
    ev_make(&ev, "k1", AH_SEV_WARNING, 0, "cpu high", "at 95%", "host", "h1", "dc", "b", NOLABELS);
    ev.event_time = T0 - 100;
    assert_int_equal(apply_ev(fx, CH, &ev, T0 + 5), AH_REDUCE_MERGED);
    ah_event_done(&ev);
    assert_int_equal(event_count(fx), 2);
    assert_int_equal(incident_count(fx), 1);
    inc_id = newest_incident(fx);
    alert_id = alert_of(fx, inc_id, 0);
    a = alert(fx, alert_id);
    assert_int_equal(num(a, "event_count"), 2);
    assert_string_equal(str(a, "description"), "at 95%");
    assert_int_equal(num(a, "last_time"), T0 + 5);
    assert_labels(a, "{\"host\":\"h1\",\"dc\":\"b\"}");
    newest = json_array_get(json_object_get(a, "events"), 0); /* newest first */
    assert_string_equal(str(newest, "description"), "at 95%");
    assert_int_equal(num(newest, "event_time"), T0 - 100);
    assert_int_equal(num(newest, "received_at"), T0 + 5);
    assert_string_equal(str(newest, "alert_id"), str(a, "id"));
    json_decref(a);

    /* Repeating the merged text is now identical. */
    assert_int_equal(
        FIRE(fx, CH, "k1", AH_SEV_WARNING, 0, "cpu high", "at 95%", T0 + 6, "host", "h1", NOLABELS),
        AH_REDUCE_REFRESHED);
    assert_int_equal(event_count(fx), 2);

    /* A new title merges too; the incident keeps the first title. */
    assert_int_equal(FIRE(fx, CH, "k1", AH_SEV_WARNING, 0, "cpu very high", "at 95%", T0 + 7,
                          "host", "h1", NOLABELS),
                     AH_REDUCE_MERGED);
    a = alert(fx, alert_id);
    assert_int_equal(num(a, "event_count"), 3);
    assert_string_equal(str(a, "title"), "cpu very high");
    json_decref(a);
    inc = incident(fx, inc_id);
    assert_string_equal(str(inc, "title"), "cpu high");
    assert_int_equal(num(inc, "event_count"), 3);
    assert_int_equal(num(inc, "alert_count"), 1);
    json_decref(inc);
    assert_int_equal(event_count(fx), 3);
    assert_int_equal(ah_reduce_open_alerts(fx->reduce), 1);
}

/* Severity is the highest level seen (alert and incident); status is the
 * current level. A level change alone is a change. */
static void severity_is_max_status_is_current(void **state)
{
    struct fx *fx = *state;
    json_t *a, *inc;
    int64_t inc_id, alert_id;

    FIRE(fx, CH, "k", AH_SEV_WARNING, 0, "disk", "d", T0, NOLABELS);
    assert_int_equal(FIRE(fx, CH, "k", AH_SEV_CRITICAL, 0, "disk", "d", T0 + 1, NOLABELS),
                     AH_REDUCE_MERGED);
    inc_id = newest_incident(fx);
    alert_id = alert_of(fx, inc_id, 0);
    a = alert(fx, alert_id);
    assert_string_equal(str(a, "severity"), "Critical");
    assert_string_equal(str(a, "status"), "Critical");
    assert_int_equal(num(a, "event_count"), 2);
    json_decref(a);
    inc = incident(fx, inc_id);
    assert_string_equal(str(inc, "severity"), "Critical");
    json_decref(inc);

    assert_int_equal(FIRE(fx, CH, "k", AH_SEV_INFO, 0, "disk", "d", T0 + 2, NOLABELS),
                     AH_REDUCE_MERGED);
    a = alert(fx, alert_id);
    assert_string_equal(str(a, "severity"), "Critical"); /* the highest seen */
    assert_string_equal(str(a, "status"), "Info");       /* the current level */
    assert_int_equal(num(a, "event_count"), 3);
    json_decref(a);
    inc = incident(fx, inc_id);
    assert_string_equal(str(inc, "severity"), "Critical");
    json_decref(inc);

    /* Info again is identical to the current state. */
    assert_int_equal(FIRE(fx, CH, "k", AH_SEV_INFO, 0, "disk", "d", T0 + 3, NOLABELS),
                     AH_REDUCE_REFRESHED);
    assert_int_equal(event_count(fx), 3);
}

/* Ok recovers: status Ok, end_time now, existing labels kept and only
 * missing keys added; its incident (only alert) closes by itself as Ok. */
static void ok_recovers_and_closes_incident(void **state)
{
    struct fx *fx = *state;
    json_t *a, *inc, *newest;
    int64_t inc_id, alert_id;

    FIRE(fx, CH, "k", AH_SEV_WARNING, 0, "svc down", "d", T0, "host", "h1", "dc", "a", NOLABELS);
    assert_int_equal(FIRE(fx, CH, "k", AH_SEV_WARNING, 1, "svc down", "d", T0 + 60, "host", "other",
                          "extra", "y", NOLABELS),
                     AH_REDUCE_RECOVERED);
    inc_id = newest_incident(fx);
    alert_id = alert_of(fx, inc_id, 0);
    a = alert(fx, alert_id);
    assert_string_equal(str(a, "status"), "Ok");
    assert_string_equal(str(a, "severity"), "Warning");
    assert_int_equal(num(a, "end_time"), T0 + 60);
    assert_int_equal(num(a, "last_time"), T0 + 60);
    assert_int_equal(num(a, "event_count"), 2);
    assert_labels(a, "{\"host\":\"h1\",\"dc\":\"a\",\"extra\":\"y\"}");
    newest = json_array_get(json_object_get(a, "events"), 0);
    assert_string_equal(str(newest, "event_status"), "Ok");
    json_decref(a);

    inc = incident(fx, inc_id);
    assert_string_equal(str(inc, "progress"), "Closed");
    assert_string_equal(str(inc, "status"), "Ok");
    assert_int_equal(num(inc, "close_time"), T0 + 60);
    assert_int_equal(num(inc, "active_alert_count"), 0);
    assert_int_equal(num(inc, "alert_count"), 1);
    assert_int_equal(num(inc, "event_count"), 2);
    json_decref(inc);
    assert_int_equal(event_count(fx), 2);
    assert_int_equal(ah_reduce_open_alerts(fx->reduce), 0);
    assert_int_equal(ah_reduce_open_incidents(fx->reduce), 0);

    /* A second Ok finds no open alert; a new trigger opens anew. */
    assert_int_equal(FIRE(fx, CH, "k", AH_SEV_WARNING, 1, "svc down", "d", T0 + 61, NOLABELS),
                     AH_REDUCE_IGNORED);
    assert_int_equal(event_count(fx), 2);
    assert_int_equal(FIRE(fx, CH, "k", AH_SEV_WARNING, 0, "svc down", "d", T0 + 62, NOLABELS),
                     AH_REDUCE_NEW_ALERT);
    assert_int_equal(incident_count(fx), 2);
    assert_true(newest_incident(fx) != inc_id);
    assert_true(alert_of(fx, newest_incident(fx), 0) != alert_id);
    assert_int_equal(ah_reduce_open_incidents(fx->reduce), 1);
}

/* Ok with no open alert: ignored, nothing stored. */
static void ok_without_alert_is_ignored(void **state)
{
    struct fx *fx = *state;

    assert_int_equal(FIRE(fx, CH, "nothing", AH_SEV_CRITICAL, 1, "t", "d", T0, "a", "b", NOLABELS),
                     AH_REDUCE_IGNORED);
    assert_int_equal(event_count(fx), 0);
    assert_int_equal(incident_count(fx), 0);
    assert_int_equal(ah_reduce_open_alerts(fx->reduce), 0);
    assert_int_equal(ah_reduce_open_incidents(fx->reduce), 0);
    /* Another key's open alert does not make it match. */
    FIRE(fx, CH, "other", AH_SEV_CRITICAL, 0, "t", "d", T0 + 1, NOLABELS);
    assert_int_equal(FIRE(fx, CH, "nothing", AH_SEV_CRITICAL, 1, "t", "d", T0 + 2, NOLABELS),
                     AH_REDUCE_IGNORED);
    assert_int_equal(event_count(fx), 1);
    assert_int_equal(incident_count(fx), 1);
}

/* An alert merges for less than AH_ALERT_MAX_AGE after it started; then the
 * next event opens a new alert and incident, and the old alert is closed. */
static void day_old_alert_stops_merging(void **state)
{
    struct fx *fx = *state;
    json_t *a, *inc;
    int64_t old_inc, old_alert, new_inc, new_alert;

    FIRE(fx, CH, "k", AH_SEV_WARNING, 0, "t", "a", T0, NOLABELS);
    old_inc = newest_incident(fx);
    old_alert = alert_of(fx, old_inc, 0);
    assert_int_equal(
        FIRE(fx, CH, "k", AH_SEV_WARNING, 0, "t", "b", T0 + AH_ALERT_MAX_AGE - 1, NOLABELS),
        AH_REDUCE_MERGED);
    assert_int_equal(incident_count(fx), 1);
    assert_int_equal(
        FIRE(fx, CH, "k", AH_SEV_WARNING, 0, "t", "b", T0 + AH_ALERT_MAX_AGE, NOLABELS),
        AH_REDUCE_NEW_ALERT);
    assert_int_equal(incident_count(fx), 2);
    new_inc = newest_incident(fx);
    assert_true(new_inc != old_inc);
    new_alert = alert_of(fx, new_inc, 0);
    assert_true(new_alert != old_alert);

    a = alert(fx, old_alert);
    assert_int_equal(num(a, "close_time"), T0 + AH_ALERT_MAX_AGE);
    assert_int_equal(num(a, "end_time"), 0); /* closed, not recovered */
    assert_int_equal(num(a, "event_count"), 2);
    json_decref(a);
    inc = incident(fx, old_inc);
    assert_string_equal(str(inc, "progress"), "Closed");
    assert_int_equal(num(inc, "close_time"), T0 + AH_ALERT_MAX_AGE);
    json_decref(inc);

    a = alert(fx, new_alert);
    assert_int_equal(num(a, "start_time"), T0 + AH_ALERT_MAX_AGE);
    assert_int_equal(num(a, "event_count"), 1);
    assert_int_equal(num(a, "close_time"), 0);
    json_decref(a);
    inc = incident(fx, new_inc);
    assert_string_equal(str(inc, "progress"), "Triggered");
    json_decref(inc);
    assert_int_equal(event_count(fx), 3);
    assert_int_equal(ah_reduce_open_alerts(fx->reduce), 1);
    assert_int_equal(ah_reduce_open_incidents(fx->reduce), 1);

    /* And the new alert merges from then on. */
    assert_int_equal(
        FIRE(fx, CH, "k", AH_SEV_WARNING, 0, "t", "c", T0 + AH_ALERT_MAX_AGE + 1, NOLABELS),
        AH_REDUCE_MERGED);
    a = alert(fx, new_alert);
    assert_int_equal(num(a, "event_count"), 2);
    json_decref(a);
}

/* The same alert_key in two channels: two alerts, two incidents. */
static void same_key_two_channels(void **state)
{
    struct fx *fx = *state;
    json_t *a1, *a2;
    int64_t inc1, inc2, al1, al2;

    assert_int_equal(FIRE(fx, 1, "k", AH_SEV_WARNING, 0, "t", "d", T0, NOLABELS),
                     AH_REDUCE_NEW_ALERT);
    inc1 = newest_incident(fx);
    assert_int_equal(FIRE(fx, 2, "k", AH_SEV_WARNING, 0, "t", "d", T0 + 1, NOLABELS),
                     AH_REDUCE_NEW_ALERT);
    inc2 = newest_incident(fx);
    assert_true(inc1 != inc2);
    assert_int_equal(incident_count(fx), 2);
    al1 = alert_of(fx, inc1, 0);
    al2 = alert_of(fx, inc2, 0);
    assert_true(al1 != al2);
    assert_int_equal(ah_reduce_open_alerts(fx->reduce), 2);

    /* A change in channel 1 touches only channel 1's alert. */
    assert_int_equal(FIRE(fx, 1, "k", AH_SEV_WARNING, 0, "t", "d2", T0 + 2, NOLABELS),
                     AH_REDUCE_MERGED);
    a1 = alert(fx, al1);
    a2 = alert(fx, al2);
    assert_string_equal(str(a1, "channel_id"), "1");
    assert_string_equal(str(a2, "channel_id"), "2");
    assert_int_equal(num(a1, "event_count"), 2);
    assert_int_equal(num(a2, "event_count"), 1);
    assert_string_equal(str(a2, "description"), "d");
    json_decref(a1);
    json_decref(a2);
}

/* A fresh reducer loaded from the store (a restart) dedups as before. */
static void reload_keeps_merging(void **state)
{
    struct fx *fx = *state;
    json_t *a, *inc;
    int64_t inc_id, alert_id;

    FIRE(fx, CH, "k", AH_SEV_WARNING, 0, "t", "a", T0, "host", "h1", NOLABELS);
    FIRE(fx, CH, "k", AH_SEV_CRITICAL, 0, "t", "b", T0 + 1, "host", "h1", NOLABELS);
    /* Now severity (Critical) and current level (Warning) differ. */
    assert_int_equal(FIRE(fx, CH, "k", AH_SEV_WARNING, 0, "t", "b", T0 + 2, "host", "h1", NOLABELS),
                     AH_REDUCE_MERGED);
    inc_id = newest_incident(fx);
    alert_id = alert_of(fx, inc_id, 0);

    ah_reduce_free(fx->reduce);
    fx->reduce = ah_reduce_new();
    assert_int_equal(ah_reduce_load(fx->reduce, fx->store, NULL), AH_OK);
    assert_int_equal(ah_reduce_open_alerts(fx->reduce), 1);
    assert_int_equal(ah_reduce_open_incidents(fx->reduce), 1);

    /* The digest was rebuilt from the stored row (current level, title,
     * description): identical is identical. */
    assert_int_equal(FIRE(fx, CH, "k", AH_SEV_WARNING, 0, "t", "b", T0 + 3, "host", "h2", NOLABELS),
                     AH_REDUCE_REFRESHED);
    assert_int_equal(FIRE(fx, CH, "k", AH_SEV_WARNING, 0, "t", "c", T0 + 4, "host", "h2", NOLABELS),
                     AH_REDUCE_MERGED);
    assert_int_equal(incident_count(fx), 1);
    a = alert(fx, alert_id);
    assert_int_equal(num(a, "event_count"), 4);
    assert_int_equal(num(a, "last_time"), T0 + 4);
    assert_labels(a, "{\"host\":\"h2\"}");
    assert_string_equal(str(a, "severity"), "Critical");
    assert_string_equal(str(a, "status"), "Warning");
    assert_int_equal(num(a, "start_time"), T0);
    json_decref(a);
    inc = incident(fx, inc_id);
    assert_int_equal(num(inc, "event_count"), 4);
    assert_string_equal(str(inc, "severity"), "Critical");
    json_decref(inc);

    /* The reloaded incident closes when its alert recovers. */
    assert_int_equal(FIRE(fx, CH, "k", AH_SEV_WARNING, 1, "t", "c", T0 + 5, NOLABELS),
                     AH_REDUCE_RECOVERED);
    inc = incident(fx, inc_id);
    assert_string_equal(str(inc, "progress"), "Closed");
    assert_string_equal(str(inc, "status"), "Ok");
    json_decref(inc);
    assert_int_equal(ah_reduce_open_incidents(fx->reduce), 0);
}

/* Applies @ev in a transaction that is rolled back, then reloads the
 * reducer, as the writer does after a failed commit. */
/* Replaces the reducer by one rebuilt from the store, as a restart, a
 * failover or a failed commit does. */
static void rebuild(struct fx *fx)
{
    ah_reduce_free(fx->reduce);
    fx->reduce = ah_reduce_new();
    assert_int_equal(ah_reduce_load(fx->reduce, fx->store, NULL), AH_OK);
}

static int64_t newest_alert_flapping(struct fx *fx)
{
    json_t *a = alert(fx, alert_of(fx, newest_incident(fx), 0));
    int64_t f = num(a, "flapping");

    json_decref(a);
    return f;
}

/* The default counts 4 changes in 60 minutes. Four changes (open, recover,
 * open, recover), a rebuild, and the fifth (a new alert) flaps: the history
 * was kept with the changes, not only in memory. */
static void flapping_counts_across_rebuild(void **state)
{
    struct fx *fx = *state;
    int reload;

    for (reload = 0; reload < 2; reload++) {
        const char *key = reload ? "flap-reload" : "flap-live";
        int64_t t = T0 + reload * 100;

        FIRE(fx, CH, key, AH_SEV_CRITICAL, 0, "t", "d", t, NOLABELS);
        assert_int_equal(newest_alert_flapping(fx), 0);
        FIRE(fx, CH, key, AH_SEV_CRITICAL, 1, "t", "d", t + 1, NOLABELS);
        FIRE(fx, CH, key, AH_SEV_CRITICAL, 0, "t", "d", t + 2, NOLABELS);
        assert_int_equal(newest_alert_flapping(fx), 0); /* 3 changes */
        FIRE(fx, CH, key, AH_SEV_CRITICAL, 1, "t", "d", t + 3, NOLABELS);
        if (reload)
            rebuild(fx);
        assert_int_equal(FIRE(fx, CH, key, AH_SEV_CRITICAL, 0, "t", "d", t + 4, NOLABELS),
                         AH_REDUCE_NEW_ALERT);
        assert_int_equal(newest_alert_flapping(fx), 1);
    }
}

static void resolve_newest(struct fx *fx, int64_t now)
{
    struct ah_store_tx *tx;
    struct ah_error err;

    assert_int_equal(ah_store_tx_begin(fx->store, &tx, &err), AH_OK);
    assert_int_equal(ah_reduce_incident_action(fx->reduce, tx, newest_incident(fx),
                                               AH_INCIDENT_RESOLVE, now, &err),
                     AH_OK);
    assert_int_equal(ah_store_tx_commit(tx, &err), AH_OK);
}

/* A key's first change is its open alert's start_time, kept nowhere else:
 * when the alert ends without a recovery (its incident resolved), the
 * opening joins the history. Four openings, each alert resolved, a rebuild
 * before the last: the fourth flaps as it would without the rebuild. */
static void flapping_counts_resolved_openings(void **state)
{
    struct fx *fx = *state;
    int i;

    for (i = 0; i < 4; i++) {
        if (i == 3)
            rebuild(fx);
        assert_int_equal(
            FIRE(fx, CH, "reopened", AH_SEV_CRITICAL, 0, "t", "d", T0 + 2 * i, NOLABELS),
            AH_REDUCE_NEW_ALERT);
        assert_int_equal(newest_alert_flapping(fx), i == 3);
        resolve_newest(fx, T0 + 2 * i + 1);
    }
}

/* A new channel holding one silence or inhibit @rule (taken, may be NULL
 * on a parse failure: the test fails), loaded by a rebuild. */
static int64_t channel_with_rule(struct fx *fx, const char *name, enum ah_store_hold_kind kind,
                                 json_t *rule)
{
    struct ah_store_tx *tx;
    struct ah_error err;
    int64_t ch, id;

    assert_non_null(rule);
    assert_int_equal(ah_store_tx_begin(fx->store, &tx, &err), AH_OK);
    assert_int_equal(ah_store_tx_channel_insert(tx, name, "", T0, &ch, &err), AH_OK);
    assert_int_equal(ah_store_tx_hold_rule_insert(tx, kind, ch, rule, T0, &id, &err), AH_OK);
    assert_int_equal(ah_store_tx_commit(tx, &err), AH_OK);
    json_decref(rule);
    rebuild(fx);
    return ch;
}

/* A new alert a drop silence discards is stored nowhere, so its change is
 * kept in the history at once: dropped (1), a new alert (2), its recovery
 * (3), a new alert (4) flaps. */
static void flapping_counts_dropped_alerts(void **state)
{
    struct fx *fx = *state;
    json_t *rule =
        json_pack("{ss s[[{ss ss s[s]}]] ss sb s{sIsI}}", "name", "drop warnings", "filters", "key",
                  "severity", "oper", "IN", "vals", "Warning", "mode", "drop", "enabled", 1, "time",
                  "start", (json_int_t)(T0 - 100), "end", (json_int_t)(T0 + 1000));
    int64_t ch = channel_with_rule(fx, "drops", AH_STORE_SILENCE, rule);

    assert_int_equal(FIRE(fx, ch, "dk", AH_SEV_WARNING, 0, "t", "d", T0, NOLABELS),
                     AH_REDUCE_DROPPED);
    assert_int_equal(FIRE(fx, ch, "dk", AH_SEV_CRITICAL, 0, "t", "d", T0 + 1, NOLABELS),
                     AH_REDUCE_NEW_ALERT);
    assert_int_equal(newest_alert_flapping(fx), 0);
    FIRE(fx, ch, "dk", AH_SEV_CRITICAL, 1, "t", "d", T0 + 2, NOLABELS);
    assert_int_equal(FIRE(fx, ch, "dk", AH_SEV_CRITICAL, 0, "t", "d", T0 + 3, NOLABELS),
                     AH_REDUCE_NEW_ALERT);
    assert_int_equal(newest_alert_flapping(fx), 1);
}

/* An inhibit source noted before a rebuild still inhibits after it: the
 * sources are noted again from the open alerts' rows. */
static void inhibit_source_across_rebuild(void **state)
{
    struct fx *fx = *state;
    json_t *rule = json_loads("{\"name\":\"crit over warn\","
                              "\"source_filters\":[[{\"key\":\"severity\",\"oper\":\"IN\","
                              "\"vals\":[\"Critical\"]}]],"
                              "\"target_filters\":[[{\"key\":\"severity\",\"oper\":\"IN\","
                              "\"vals\":[\"Warning\"]}]],"
                              "\"equals\":[\"labels.check\"],\"mode\":\"mark\",\"enabled\":true}",
                              0, NULL);
    int64_t ch = channel_with_rule(fx, "inhibits", AH_STORE_INHIBIT, rule);
    json_t *a;

    FIRE(fx, ch, "source", AH_SEV_CRITICAL, 0, "db down", "d", T0 + 10, "check", "db", NOLABELS);
    rebuild(fx);
    FIRE(fx, ch, "target", AH_SEV_WARNING, 0, "db slow", "d", T0 + 20, "check", "db", NOLABELS);
    a = alert(fx, ah_reduce_alert_open(fx->reduce, ch, "target"));
    assert_string_equal(str(a, "held"), "inhibited");
    json_decref(a);
    /* Another check value has no source. */
    FIRE(fx, ch, "other", AH_SEV_WARNING, 0, "web slow", "d", T0 + 21, "check", "web", NOLABELS);
    a = alert(fx, ah_reduce_alert_open(fx->reduce, ch, "other"));
    assert_string_equal(str(a, "held"), "");
    json_decref(a);
}

static void apply_rolled_back(struct fx *fx, const struct ah_event *ev, int64_t now,
                              enum ah_reduce_outcome want)
{
    struct ah_reduce_input in = {.ev = ev, .channel_id = CH, .integration_id = 7, .now = now};
    struct ah_store_tx *tx;
    enum ah_reduce_outcome out;

    assert_int_equal(ah_store_tx_begin(fx->store, &tx, NULL), AH_OK);
    assert_int_equal(ah_reduce_event(fx->reduce, tx, &in, &out, NULL), AH_OK);
    assert_int_equal(out, want);
    ah_store_tx_rollback(tx);
    assert_int_equal(ah_reduce_load(fx->reduce, fx->store, NULL), AH_OK);
}

/* A rolled-back new alert leaves no phantom in memory: the next event opens
 * a new alert, with the id the database gives it, and merges into it. */
static void rollback_new_alert_leaves_no_phantom(void **state)
{
    struct fx *fx = *state;
    struct ah_event ev;
    json_t *a;
    int64_t inc_id, alert_id;

    ev_make(&ev, "ghost", AH_SEV_CRITICAL, 0, "t", "d", NOLABELS);
    apply_rolled_back(fx, &ev, T0, AH_REDUCE_NEW_ALERT);
    ah_event_done(&ev);
    assert_int_equal(ah_reduce_open_alerts(fx->reduce), 0);
    assert_int_equal(ah_reduce_open_incidents(fx->reduce), 0);
    assert_int_equal(incident_count(fx), 0);
    assert_int_equal(event_count(fx), 0);

    assert_int_equal(FIRE(fx, CH, "ghost", AH_SEV_CRITICAL, 0, "t", "d", T0 + 1, NOLABELS),
                     AH_REDUCE_NEW_ALERT);
    assert_int_equal(incident_count(fx), 1);
    inc_id = newest_incident(fx);
    alert_id = alert_of(fx, inc_id, 0);
    a = alert(fx, alert_id);
    assert_int_equal(num(a, "start_time"), T0 + 1);
    assert_int_equal(num(a, "event_count"), 1);
    json_decref(a);
    /* Memory knows the alert by the id the database gave it. */
    assert_int_equal(FIRE(fx, CH, "ghost", AH_SEV_CRITICAL, 0, "t", "d2", T0 + 2, NOLABELS),
                     AH_REDUCE_MERGED);
    a = alert(fx, alert_id);
    assert_int_equal(num(a, "event_count"), 2);
    assert_string_equal(str(a, "description"), "d2");
    json_decref(a);
    assert_int_equal(event_count(fx), 2);
    assert_int_equal(incident_count(fx), 1);
}

/* A rolled-back merge: the alert's digest in memory is the stored one
 * again, so the same change merges (not "identical"). */
static void rollback_merge_restores_state(void **state)
{
    struct fx *fx = *state;
    struct ah_event ev;
    json_t *a;
    int64_t alert_id;

    FIRE(fx, CH, "k", AH_SEV_WARNING, 0, "t", "d1", T0, NOLABELS);
    alert_id = alert_of(fx, newest_incident(fx), 0);
    ev_make(&ev, "k", AH_SEV_WARNING, 0, "t", "d2", NOLABELS);
    apply_rolled_back(fx, &ev, T0 + 1, AH_REDUCE_MERGED);
    ah_event_done(&ev);
    assert_int_equal(event_count(fx), 1);
    assert_int_equal(FIRE(fx, CH, "k", AH_SEV_WARNING, 0, "t", "d2", T0 + 2, NOLABELS),
                     AH_REDUCE_MERGED);
    a = alert(fx, alert_id);
    assert_int_equal(num(a, "event_count"), 2);
    assert_string_equal(str(a, "description"), "d2");
    json_decref(a);
    assert_int_equal(event_count(fx), 2);
}

/* A rolled-back recovery: the alert and its incident are open again. */
static void rollback_recovery_restores_alert(void **state)
{
    struct fx *fx = *state;
    struct ah_event ev;
    json_t *a, *inc;
    int64_t inc_id, alert_id;

    FIRE(fx, CH, "k", AH_SEV_WARNING, 0, "t", "d1", T0, NOLABELS);
    inc_id = newest_incident(fx);
    alert_id = alert_of(fx, inc_id, 0);
    ev_make(&ev, "k", AH_SEV_WARNING, 1, "t", "d1", NOLABELS);
    apply_rolled_back(fx, &ev, T0 + 1, AH_REDUCE_RECOVERED);
    ah_event_done(&ev);
    assert_int_equal(ah_reduce_open_alerts(fx->reduce), 1);
    assert_int_equal(ah_reduce_open_incidents(fx->reduce), 1);
    assert_int_equal(FIRE(fx, CH, "k", AH_SEV_WARNING, 0, "t", "d2", T0 + 2, NOLABELS),
                     AH_REDUCE_MERGED);
    a = alert(fx, alert_id);
    assert_int_equal(num(a, "event_count"), 2);
    assert_string_equal(str(a, "status"), "Warning");
    assert_int_equal(num(a, "end_time"), 0);
    json_decref(a);
    inc = incident(fx, inc_id);
    assert_string_equal(str(inc, "progress"), "Triggered");
    assert_int_equal(num(inc, "event_count"), 2);
    json_decref(inc);
    assert_int_equal(incident_count(fx), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(new_alert_opens_alert_and_incident, setup, teardown),
        cmocka_unit_test_setup_teardown(flapping_counts_across_rebuild, setup, teardown),
        cmocka_unit_test_setup_teardown(inhibit_source_across_rebuild, setup, teardown),
        cmocka_unit_test_setup_teardown(flapping_counts_resolved_openings, setup, teardown),
        cmocka_unit_test_setup_teardown(flapping_counts_dropped_alerts, setup, teardown),
        cmocka_unit_test_setup_teardown(identical_event_refreshes, setup, teardown),
        cmocka_unit_test_setup_teardown(changed_event_merges, setup, teardown),
        cmocka_unit_test_setup_teardown(severity_is_max_status_is_current, setup, teardown),
        cmocka_unit_test_setup_teardown(ok_recovers_and_closes_incident, setup, teardown),
        cmocka_unit_test_setup_teardown(ok_without_alert_is_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(day_old_alert_stops_merging, setup, teardown),
        cmocka_unit_test_setup_teardown(same_key_two_channels, setup, teardown),
        cmocka_unit_test_setup_teardown(reload_keeps_merging, setup, teardown),
        cmocka_unit_test_setup_teardown(rollback_new_alert_leaves_no_phantom, setup, teardown),
        cmocka_unit_test_setup_teardown(rollback_merge_restores_state, setup, teardown),
        cmocka_unit_test_setup_teardown(rollback_recovery_restores_alert, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
