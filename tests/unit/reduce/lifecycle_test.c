/* lifecycle_test.c - event -> alert dedup and the incident lifecycle
 * (src/reduce/), against a real SQLite database in a temporary folder, with
 * the clock passed in (no sleeps). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "store_fixture.h"
#include "http/rows.h"

#include "reduce/reduce.h"
#include "reduce/rules.h"
#include "store/store.h"
#include "util/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define T0 1800000000

/* Applies one event in its own committed transaction. */
static enum ah_reduce_outcome apply(struct fx *fx, int64_t channel, const char *key,
                                    enum ah_severity sev, int recovered, const char *desc,
                                    const char *host, int64_t now)
{
    struct ah_event ev;
    struct ah_store_tx *tx;
    struct ah_reduce_input in = {.ev = &ev, .channel_id = channel, .integration_id = 1, .now = now};
    enum ah_reduce_outcome out;

    ah_event_init(&ev);
    ev.title = ah_xstrdup("cpu idle low");
    ev.description = desc ? ah_xstrdup(desc) : NULL;
    ev.alert_key = ah_xstrdup(key);
    ev.severity = sev;
    ev.recovered = recovered;
    if (host != NULL)
        ah_event_set_label(&ev, "host", host);
    assert_int_equal(ah_store_tx_begin(fx->store, &tx, NULL), AH_OK);
    assert_int_equal(ah_reduce_event(fx->reduce, tx, &in, &out, NULL), AH_OK);
    assert_int_equal(ah_store_tx_commit(tx, NULL), AH_OK);
    ah_event_done(&ev);
    return out;
}

static int act(struct fx *fx, int64_t incident, enum ah_incident_action a, int64_t now)
{
    struct ah_store_tx *tx;
    struct ah_error err;
    int rc;

    assert_int_equal(ah_store_tx_begin(fx->store, &tx, NULL), AH_OK);
    rc = ah_reduce_incident_action(fx->reduce, tx, incident, a, now, &err);
    assert_int_equal(ah_store_tx_commit(tx, NULL), AH_OK);
    return rc;
}

/* Trigger, identical repeat, changed repeat, recovery: one alert with three
 * stored events, and the incident closes itself as Ok. */
static void dedup_sequence(void **state)
{
    struct fx *fx = *state;
    json_t *inc, *alert;

    assert_int_equal(apply(fx, 1, "k1", AH_SEV_WARNING, 0, "d1", "h1", T0), AH_REDUCE_NEW_ALERT);
    assert_int_equal(apply(fx, 1, "k1", AH_SEV_WARNING, 0, "d1", "h2", T0 + 1),
                     AH_REDUCE_REFRESHED);
    assert_int_equal(apply(fx, 1, "k1", AH_SEV_CRITICAL, 0, "d2", "h2", T0 + 2), AH_REDUCE_MERGED);
    assert_int_equal(apply(fx, 1, "k1", AH_SEV_INFO, 0, "d3", "h2", T0 + 3), AH_REDUCE_MERGED);
    inc = incident(fx, 1);
    alert = json_array_get(json_object_get(inc, "alerts"), 0);
    assert_int_equal(json_array_size(json_object_get(inc, "alerts")), 1);
    assert_int_equal(num(alert, "event_count"), 3);
    assert_string_equal(str(alert, "severity"), "Critical"); /* the highest seen */
    assert_string_equal(str(alert, "status"), "Info");       /* the current level */
    assert_string_equal(str(json_object_get(alert, "labels"), "host"), "h2"); /* refreshed */
    assert_string_equal(str(inc, "severity"), "Critical");
    json_decref(inc);
    assert_int_equal(apply(fx, 1, "k1", AH_SEV_INFO, 1, NULL, "h9", T0 + 4), AH_REDUCE_RECOVERED);
    inc = incident(fx, 1);
    alert = json_array_get(json_object_get(inc, "alerts"), 0);
    assert_int_equal(num(alert, "event_count"), 4);
    assert_string_equal(str(alert, "status"), "Ok");
    assert_int_equal(num(alert, "end_time"), T0 + 4);
    assert_string_equal(str(json_object_get(alert, "labels"), "host"), "h2"); /* kept */
    assert_string_equal(str(inc, "progress"), "Closed");
    assert_string_equal(str(inc, "status"), "Ok");
    assert_int_equal(num(inc, "event_count"), 4);
    json_decref(inc);
    assert_int_equal(ah_reduce_open_alerts(fx->reduce), 0);
    assert_int_equal(ah_reduce_open_incidents(fx->reduce), 0);
}

static void ok_without_alert_is_ignored(void **state)
{
    struct fx *fx = *state;
    json_t *page = NULL;
    struct ah_page p = {.limit = 10};

    assert_int_equal(apply(fx, 1, "nothing", AH_SEV_INFO, 1, NULL, NULL, T0), AH_REDUCE_IGNORED);
    assert_int_equal(ah_rows_read_events(fx->store, 0, 0, &p, &page, NULL), AH_OK);
    assert_int_equal(json_array_size(json_object_get(page, "items")), 0);
    json_decref(page);
}

/* Per channel: the same key in two channels is two alerts. */
static void channels_are_separate(void **state)
{
    struct fx *fx = *state;

    assert_int_equal(apply(fx, 1, "k", AH_SEV_WARNING, 0, NULL, NULL, T0), AH_REDUCE_NEW_ALERT);
    assert_int_equal(apply(fx, 2, "k", AH_SEV_WARNING, 0, NULL, NULL, T0), AH_REDUCE_NEW_ALERT);
    assert_int_equal(ah_reduce_open_incidents(fx->reduce), 2);
}

/* An alert open for 24 h stops merging: closed, and a new one opens. */
static void day_old_alert_is_superseded(void **state)
{
    struct fx *fx = *state;
    json_t *old;

    assert_int_equal(apply(fx, 1, "k", AH_SEV_WARNING, 0, "a", NULL, T0), AH_REDUCE_NEW_ALERT);
    assert_int_equal(apply(fx, 1, "k", AH_SEV_WARNING, 0, "b", NULL, T0 + AH_ALERT_MAX_AGE - 1),
                     AH_REDUCE_MERGED);
    assert_int_equal(apply(fx, 1, "k", AH_SEV_WARNING, 0, "c", NULL, T0 + AH_ALERT_MAX_AGE),
                     AH_REDUCE_NEW_ALERT);
    old = incident(fx, 1);
    assert_string_equal(str(old, "progress"), "Closed");
    assert_int_equal(num(json_array_get(json_object_get(old, "alerts"), 0), "close_time"),
                     T0 + AH_ALERT_MAX_AGE);
    json_decref(old);
    assert_int_equal(ah_reduce_open_incidents(fx->reduce), 1);
}

/* The indexes rebuilt from the store (a restart) merge as before. */
static void restart_keeps_dedup(void **state)
{
    struct fx *fx = *state;

    assert_int_equal(apply(fx, 1, "k", AH_SEV_WARNING, 0, "a", NULL, T0), AH_REDUCE_NEW_ALERT);
    ah_reduce_free(fx->reduce);
    fx->reduce = ah_reduce_new();
    assert_int_equal(ah_reduce_load(fx->reduce, fx->store, NULL), AH_OK);
    assert_int_equal(ah_reduce_open_alerts(fx->reduce), 1);
    assert_int_equal(apply(fx, 1, "k", AH_SEV_WARNING, 0, "a", NULL, T0 + 5), AH_REDUCE_REFRESHED);
    assert_int_equal(apply(fx, 1, "k", AH_SEV_WARNING, 0, "b", NULL, T0 + 6), AH_REDUCE_MERGED);
}

/* A rolled-back transaction leaves memory as the database: after the reload
 * the key is not open. */
static void rollback_then_reload(void **state)
{
    struct fx *fx = *state;
    struct ah_event ev;
    struct ah_store_tx *tx;
    struct ah_reduce_input in = {.ev = &ev, .channel_id = 1, .integration_id = 1, .now = T0};
    enum ah_reduce_outcome out;

    ah_event_init(&ev);
    ev.title = ah_xstrdup("t");
    ev.alert_key = ah_xstrdup("ghost");
    ev.severity = AH_SEV_CRITICAL;
    assert_int_equal(ah_store_tx_begin(fx->store, &tx, NULL), AH_OK);
    assert_int_equal(ah_reduce_event(fx->reduce, tx, &in, &out, NULL), AH_OK);
    ah_store_tx_rollback(tx);
    ah_event_done(&ev);
    assert_int_equal(ah_reduce_load(fx->reduce, fx->store, NULL), AH_OK);
    assert_int_equal(ah_reduce_open_alerts(fx->reduce), 0);
    assert_int_equal(apply(fx, 1, "ghost", AH_SEV_CRITICAL, 0, NULL, NULL, T0 + 1),
                     AH_REDUCE_NEW_ALERT);
}

static void ack_unack_resolve_reopen(void **state)
{
    struct fx *fx = *state;
    json_t *inc;

    apply(fx, 1, "k", AH_SEV_CRITICAL, 0, NULL, NULL, T0);
    assert_int_equal(act(fx, 1, AH_INCIDENT_ACK, T0 + 1), AH_OK);
    inc = incident(fx, 1);
    assert_string_equal(str(inc, "progress"), "Processing");
    assert_int_equal(num(inc, "ack_time"), T0 + 1);
    json_decref(inc);
    assert_int_equal(act(fx, 1, AH_INCIDENT_ACK, T0 + 2), AH_OK); /* no change */
    assert_int_equal(act(fx, 1, AH_INCIDENT_UNACK, T0 + 3), AH_OK);
    inc = incident(fx, 1);
    assert_string_equal(str(inc, "progress"), "Triggered");
    assert_int_equal(num(inc, "ack_time"), 0);
    json_decref(inc);
    assert_int_equal(act(fx, 1, AH_INCIDENT_REOPEN, T0 + 4), AH_ECONFLICT);
    assert_int_equal(act(fx, 1, AH_INCIDENT_RESOLVE, T0 + 5), AH_OK);
    inc = incident(fx, 1);
    assert_string_equal(str(inc, "progress"), "Closed");
    assert_string_equal(str(inc, "status"), "Critical"); /* a manual close keeps it */
    json_decref(inc);
    assert_int_equal(act(fx, 1, AH_INCIDENT_RESOLVE, T0 + 6), AH_ECONFLICT);
    assert_int_equal(act(fx, 1, AH_INCIDENT_ACK, T0 + 6), AH_ECONFLICT);
    /* Resolved: its alert is closed, the same key opens a new incident. */
    assert_int_equal(apply(fx, 1, "k", AH_SEV_CRITICAL, 0, NULL, NULL, T0 + 7),
                     AH_REDUCE_NEW_ALERT);
    assert_int_equal(act(fx, 1, AH_INCIDENT_REOPEN, T0 + 8), AH_OK);
    inc = incident(fx, 1);
    assert_string_equal(str(inc, "progress"), "Triggered");
    assert_int_equal(num(inc, "close_time"), 0);
    json_decref(inc);
    assert_int_equal(act(fx, 99, AH_INCIDENT_ACK, T0), AH_ENOTFOUND);
}

/* Grouping on: alerts with equal labels.host join one incident. */
static void grouping_joins(void **state)
{
    struct fx *fx = *state;
    json_t *cfg = json_loads("{\"method\":\"rules\",\"equals\":[[\"labels.host\"]],"
                             "\"storm_thresholds\":[2]}",
                             0, NULL);
    struct ah_grouping *g;
    json_t *inc;

    assert_int_equal(ah_grouping_compile(cfg, &g, NULL), AH_OK);
    json_decref(cfg);
    ah_reduce_set_grouping(fx->reduce, 1, g);
    apply(fx, 1, "a", AH_SEV_WARNING, 0, NULL, "h1", T0);
    apply(fx, 1, "b", AH_SEV_CRITICAL, 0, NULL, "h1", T0 + 1);
    apply(fx, 1, "c", AH_SEV_WARNING, 0, NULL, "h2", T0 + 2);
    assert_int_equal(ah_reduce_open_incidents(fx->reduce), 2);
    inc = incident(fx, 1);
    assert_int_equal(num(inc, "alert_count"), 2);
    assert_string_equal(str(inc, "severity"), "Critical");
    json_decref(inc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(dedup_sequence, setup, teardown),
        cmocka_unit_test_setup_teardown(ok_without_alert_is_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(channels_are_separate, setup, teardown),
        cmocka_unit_test_setup_teardown(day_old_alert_is_superseded, setup, teardown),
        cmocka_unit_test_setup_teardown(restart_keeps_dedup, setup, teardown),
        cmocka_unit_test_setup_teardown(rollback_then_reload, setup, teardown),
        cmocka_unit_test_setup_teardown(ack_unack_resolve_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(grouping_joins, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
