/* incident_test.c - the incident lifecycle driven by people (src/reduce/
 * incident.c, ah_reduce_incident_action; spec section 10.2): acknowledge,
 * unacknowledge, resolve and reopen, against a real SQLite database in a
 * fresh temporary folder per test, with the clock passed in. */
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
#define CH 3

/* Applies one event (committed) and returns the outcome. */
static enum ah_reduce_outcome fire(struct fx *fx, const char *key, enum ah_severity sev,
                                   int recovered, const char *desc, int64_t now)
{
    struct ah_event ev;
    struct ah_reduce_input in = {.ev = &ev, .channel_id = CH, .integration_id = 1, .now = now};
    struct ah_store_tx *tx;
    enum ah_reduce_outcome out = (enum ah_reduce_outcome) - 1;

    ah_event_init(&ev);
    ev.alert_key = ah_xstrdup(key);
    ev.title = ah_xstrdup("db replication lag");
    ev.description = desc ? ah_xstrdup(desc) : NULL;
    ev.severity = sev;
    ev.recovered = recovered;
    ah_event_set_label(&ev, "host", "db1");
    assert_int_equal(ah_store_tx_begin(fx->store, &tx, NULL), AH_OK);
    assert_int_equal(ah_reduce_event(fx->reduce, tx, &in, &out, NULL), AH_OK);
    assert_int_equal(ah_store_tx_commit(tx, NULL), AH_OK);
    ah_event_done(&ev);
    return out;
}

/* Runs one action in its own transaction; returns its rc and checks that an
 * error carries its code in the ah_error. */
static int act(struct fx *fx, int64_t id, enum ah_incident_action a, int64_t now)
{
    struct ah_store_tx *tx;
    struct ah_error err;
    int rc;

    ah_error_clear(&err);
    assert_int_equal(ah_store_tx_begin(fx->store, &tx, NULL), AH_OK);
    rc = ah_reduce_incident_action(fx->reduce, tx, id, a, now, &err);
    if (rc < 0) {
        assert_int_equal(err.code, rc);
        assert_true(err.msg[0] != '\0');
        ah_store_tx_rollback(tx);
    } else {
        assert_int_equal(ah_store_tx_commit(tx, NULL), AH_OK);
    }
    return rc;
}

static size_t incident_count(struct fx *fx)
{
    struct ah_incident_filter f = {0};
    struct ah_page page = {.limit = 500};
    json_t *j = NULL;
    size_t n;

    assert_int_equal(ah_rows_read_incidents(fx->store, &f, &page, &j, NULL), AH_OK);
    n = json_array_size(json_object_get(j, "items"));
    json_decref(j);
    return n;
}

static int64_t newest_incident(struct fx *fx)
{
    struct ah_incident_filter f = {0};
    struct ah_page page = {.limit = 1};
    json_t *j = NULL;
    int64_t id;

    assert_int_equal(ah_rows_read_incidents(fx->store, &f, &page, &j, NULL), AH_OK);
    assert_true(json_array_size(json_object_get(j, "items")) > 0);
    id = id_of(json_array_get(json_object_get(j, "items"), 0), "id");
    json_decref(j);
    return id;
}

static int64_t alert_of(struct fx *fx, int64_t inc_id)
{
    json_t *inc = incident(fx, inc_id);
    int64_t id = id_of(json_array_get(json_object_get(inc, "alerts"), 0), "id");

    json_decref(inc);
    return id;
}

static const char *progress_of(struct fx *fx, int64_t id, char *buf, size_t n)
{
    json_t *inc = incident(fx, id);

    snprintf(buf, n, "%s", str(inc, "progress"));
    json_decref(inc);
    return buf;
}

#define assert_progress(fx, id, want)                                                              \
    do {                                                                                           \
        char pb_[32];                                                                              \
        assert_string_equal(progress_of((fx), (id), pb_, sizeof(pb_)), (want));                    \
    } while (0)

/* ================= tests ================= */

static void ack_moves_to_processing(void **state)
{
    struct fx *fx = *state;
    json_t *inc;
    int64_t id;

    fire(fx, "k", AH_SEV_CRITICAL, 0, "d", T0);
    id = newest_incident(fx);
    assert_progress(fx, id, "Triggered");
    assert_int_equal(act(fx, id, AH_INCIDENT_ACK, T0 + 10), AH_OK);
    inc = incident(fx, id);
    assert_string_equal(str(inc, "progress"), "Processing");
    assert_int_equal(num(inc, "ack_time"), T0 + 10);
    assert_int_equal(num(inc, "close_time"), 0);
    json_decref(inc);

    /* Again: no change, the first acknowledgement's time stays. */
    assert_int_equal(act(fx, id, AH_INCIDENT_ACK, T0 + 20), AH_OK);
    inc = incident(fx, id);
    assert_string_equal(str(inc, "progress"), "Processing");
    assert_int_equal(num(inc, "ack_time"), T0 + 10);
    json_decref(inc);

    /* Its alert keeps merging while Processing. */
    assert_int_equal(fire(fx, "k", AH_SEV_CRITICAL, 0, "d2", T0 + 30), AH_REDUCE_MERGED);
    inc = incident(fx, id);
    assert_string_equal(str(inc, "progress"), "Processing");
    assert_int_equal(num(inc, "event_count"), 2);
    json_decref(inc);
}

static void unack_returns_to_triggered(void **state)
{
    struct fx *fx = *state;
    int64_t id;

    fire(fx, "k", AH_SEV_WARNING, 0, "d", T0);
    id = newest_incident(fx);
    /* Unack of a Triggered incident: nothing to undo. */
    assert_int_equal(act(fx, id, AH_INCIDENT_UNACK, T0 + 1), AH_OK);
    assert_progress(fx, id, "Triggered");
    assert_int_equal(act(fx, id, AH_INCIDENT_ACK, T0 + 2), AH_OK);
    assert_progress(fx, id, "Processing");
    assert_int_equal(act(fx, id, AH_INCIDENT_UNACK, T0 + 3), AH_OK);
    assert_progress(fx, id, "Triggered");
    assert_int_equal(act(fx, id, AH_INCIDENT_ACK, T0 + 4), AH_OK);
    assert_progress(fx, id, "Processing");
}

/* Resolve closes the incident and its alerts: the next event with the same
 * key opens a new alert and a new incident. The status is kept. */
static void resolve_closes_incident_and_alerts(void **state)
{
    struct fx *fx = *state;
    json_t *inc, *a;
    int64_t id, alert_id, id2, alert2;

    fire(fx, "k", AH_SEV_CRITICAL, 0, "d", T0);
    id = newest_incident(fx);
    alert_id = alert_of(fx, id);
    assert_int_equal(act(fx, id, AH_INCIDENT_ACK, T0 + 1), AH_OK);
    assert_int_equal(act(fx, id, AH_INCIDENT_RESOLVE, T0 + 5), AH_OK);
    inc = incident(fx, id);
    assert_string_equal(str(inc, "progress"), "Closed");
    assert_int_equal(num(inc, "close_time"), T0 + 5);
    assert_string_equal(str(inc, "status"), "Critical");
    assert_int_equal(num(inc, "active_alert_count"), 0);
    json_decref(inc);
    a = alert(fx, alert_id);
    assert_int_equal(num(a, "close_time"), T0 + 5);
    assert_int_equal(num(a, "end_time"), 0);
    assert_string_equal(str(a, "status"), "Critical");
    json_decref(a);
    assert_int_equal(ah_reduce_open_alerts(fx->reduce), 0);
    assert_int_equal(ah_reduce_open_incidents(fx->reduce), 0);

    /* The closed alert merges nothing more, even identical events. */
    assert_int_equal(fire(fx, "k", AH_SEV_CRITICAL, 0, "d", T0 + 6), AH_REDUCE_NEW_ALERT);
    assert_int_equal(incident_count(fx), 2);
    id2 = newest_incident(fx);
    assert_true(id2 != id);
    alert2 = alert_of(fx, id2);
    assert_true(alert2 != alert_id);
    a = alert(fx, alert_id);
    assert_int_equal(num(a, "event_count"), 1);
    json_decref(a);
    inc = incident(fx, id2);
    assert_string_equal(str(inc, "progress"), "Triggered");
    assert_int_equal(num(inc, "ack_time"), 0);
    json_decref(inc);
    /* An Ok for the key recovers the new alert, not the closed one. */
    assert_int_equal(fire(fx, "k", AH_SEV_CRITICAL, 1, "d", T0 + 7), AH_REDUCE_RECOVERED);
    a = alert(fx, alert_id);
    assert_int_equal(num(a, "end_time"), 0);
    json_decref(a);
    a = alert(fx, alert2);
    assert_int_equal(num(a, "end_time"), T0 + 7);
    json_decref(a);
}

/* A closed incident (manually or automatically) refuses ack, unack and
 * resolve, and stays as it was. */
static void closed_incident_refuses_actions(void **state)
{
    struct fx *fx = *state;
    json_t *inc;
    int64_t manual, automatic;

    fire(fx, "a", AH_SEV_WARNING, 0, "d", T0);
    manual = newest_incident(fx);
    assert_int_equal(act(fx, manual, AH_INCIDENT_RESOLVE, T0 + 1), AH_OK);
    assert_int_equal(act(fx, manual, AH_INCIDENT_RESOLVE, T0 + 2), AH_ECONFLICT);
    assert_int_equal(act(fx, manual, AH_INCIDENT_ACK, T0 + 2), AH_ECONFLICT);
    assert_int_equal(act(fx, manual, AH_INCIDENT_UNACK, T0 + 2), AH_ECONFLICT);
    inc = incident(fx, manual);
    assert_string_equal(str(inc, "progress"), "Closed");
    assert_int_equal(num(inc, "close_time"), T0 + 1);
    assert_int_equal(num(inc, "ack_time"), 0);
    json_decref(inc);

    fire(fx, "b", AH_SEV_WARNING, 0, "d", T0 + 3);
    automatic = newest_incident(fx);
    assert_true(automatic != manual);
    assert_int_equal(fire(fx, "b", AH_SEV_WARNING, 1, "d", T0 + 4), AH_REDUCE_RECOVERED);
    assert_progress(fx, automatic, "Closed");
    assert_int_equal(act(fx, automatic, AH_INCIDENT_ACK, T0 + 5), AH_ECONFLICT);
    assert_int_equal(act(fx, automatic, AH_INCIDENT_UNACK, T0 + 5), AH_ECONFLICT);
    assert_int_equal(act(fx, automatic, AH_INCIDENT_RESOLVE, T0 + 5), AH_ECONFLICT);
    inc = incident(fx, automatic);
    assert_string_equal(str(inc, "progress"), "Closed");
    assert_string_equal(str(inc, "status"), "Ok");
    assert_int_equal(num(inc, "close_time"), T0 + 4);
    json_decref(inc);
    assert_int_equal(ah_reduce_open_incidents(fx->reduce), 0);
}

/* Reopen: Closed -> Triggered with close_time 0; an open incident refuses. */
static void reopen_closed_incident(void **state)
{
    struct fx *fx = *state;
    json_t *inc;
    int64_t id;

    fire(fx, "k", AH_SEV_CRITICAL, 0, "d", T0);
    id = newest_incident(fx);
    assert_int_equal(act(fx, id, AH_INCIDENT_REOPEN, T0 + 1), AH_ECONFLICT); /* Triggered */
    assert_int_equal(act(fx, id, AH_INCIDENT_ACK, T0 + 2), AH_OK);
    assert_int_equal(act(fx, id, AH_INCIDENT_REOPEN, T0 + 3), AH_ECONFLICT); /* Processing */
    assert_progress(fx, id, "Processing");
    assert_int_equal(act(fx, id, AH_INCIDENT_RESOLVE, T0 + 4), AH_OK);
    assert_int_equal(ah_reduce_open_incidents(fx->reduce), 0);

    assert_int_equal(act(fx, id, AH_INCIDENT_REOPEN, T0 + 5), AH_OK);
    inc = incident(fx, id);
    assert_string_equal(str(inc, "progress"), "Triggered");
    assert_int_equal(num(inc, "close_time"), 0);
    assert_int_equal(num(inc, "ack_time"), 0);
    json_decref(inc);
    assert_int_equal(ah_reduce_open_incidents(fx->reduce), 1);
    assert_int_equal(act(fx, id, AH_INCIDENT_REOPEN, T0 + 6), AH_ECONFLICT);

    /* Open again, it takes the other actions. */
    assert_int_equal(act(fx, id, AH_INCIDENT_ACK, T0 + 7), AH_OK);
    inc = incident(fx, id);
    assert_string_equal(str(inc, "progress"), "Processing");
    assert_int_equal(num(inc, "ack_time"), T0 + 7);
    json_decref(inc);
    assert_int_equal(act(fx, id, AH_INCIDENT_RESOLVE, T0 + 8), AH_OK);
    inc = incident(fx, id);
    assert_string_equal(str(inc, "progress"), "Closed");
    assert_int_equal(num(inc, "close_time"), T0 + 8);
    json_decref(inc);
    assert_int_equal(ah_reduce_open_incidents(fx->reduce), 0);
}

/* A reopened incident is open in the database too: a restart finds it. */
static void reopen_survives_reload(void **state)
{
    struct fx *fx = *state;
    int64_t id;

    fire(fx, "k", AH_SEV_CRITICAL, 0, "d", T0);
    id = newest_incident(fx);
    assert_int_equal(act(fx, id, AH_INCIDENT_RESOLVE, T0 + 1), AH_OK);
    assert_int_equal(act(fx, id, AH_INCIDENT_REOPEN, T0 + 2), AH_OK);
    ah_reduce_free(fx->reduce);
    fx->reduce = ah_reduce_new();
    assert_int_equal(ah_reduce_load(fx->reduce, fx->store, NULL), AH_OK);
    assert_int_equal(ah_reduce_open_incidents(fx->reduce), 1);
    assert_int_equal(ah_reduce_open_alerts(fx->reduce), 0); /* its alert stays closed */
    assert_int_equal(act(fx, id, AH_INCIDENT_REOPEN, T0 + 3), AH_ECONFLICT);
    assert_int_equal(act(fx, id, AH_INCIDENT_ACK, T0 + 4), AH_OK);
    assert_progress(fx, id, "Processing");
}

static void unknown_incident_is_not_found(void **state)
{
    struct fx *fx = *state;

    assert_int_equal(act(fx, 4242, AH_INCIDENT_ACK, T0), AH_ENOTFOUND);
    assert_int_equal(act(fx, 4242, AH_INCIDENT_UNACK, T0), AH_ENOTFOUND);
    assert_int_equal(act(fx, 4242, AH_INCIDENT_RESOLVE, T0), AH_ENOTFOUND);
    assert_int_equal(act(fx, 4242, AH_INCIDENT_REOPEN, T0), AH_ENOTFOUND);
    fire(fx, "k", AH_SEV_INFO, 0, NULL, T0);
    assert_int_equal(act(fx, newest_incident(fx) + 1, AH_INCIDENT_ACK, T0), AH_ENOTFOUND);
    assert_int_equal(incident_count(fx), 1);
    assert_int_equal(ah_reduce_open_incidents(fx->reduce), 1);
}

/* The index sizes follow every step. */
static void open_counts_follow(void **state)
{
    struct fx *fx = *state;
    int64_t a, b;

    assert_int_equal(ah_reduce_open_alerts(fx->reduce), 0);
    assert_int_equal(ah_reduce_open_incidents(fx->reduce), 0);
    fire(fx, "a", AH_SEV_WARNING, 0, "d", T0);
    a = newest_incident(fx);
    fire(fx, "b", AH_SEV_WARNING, 0, "d", T0 + 1);
    b = newest_incident(fx);
    assert_int_equal(ah_reduce_open_alerts(fx->reduce), 2);
    assert_int_equal(ah_reduce_open_incidents(fx->reduce), 2);
    assert_int_equal(act(fx, a, AH_INCIDENT_ACK, T0 + 2), AH_OK);
    assert_int_equal(ah_reduce_open_alerts(fx->reduce), 2);
    assert_int_equal(ah_reduce_open_incidents(fx->reduce), 2);
    assert_int_equal(act(fx, a, AH_INCIDENT_RESOLVE, T0 + 3), AH_OK);
    assert_int_equal(ah_reduce_open_alerts(fx->reduce), 1);
    assert_int_equal(ah_reduce_open_incidents(fx->reduce), 1);
    assert_int_equal(act(fx, a, AH_INCIDENT_REOPEN, T0 + 4), AH_OK);
    assert_int_equal(ah_reduce_open_alerts(fx->reduce), 1); /* its alert stays closed */
    assert_int_equal(ah_reduce_open_incidents(fx->reduce), 2);
    assert_int_equal(fire(fx, "b", AH_SEV_WARNING, 1, "d", T0 + 5), AH_REDUCE_RECOVERED);
    assert_int_equal(ah_reduce_open_alerts(fx->reduce), 0);
    assert_int_equal(ah_reduce_open_incidents(fx->reduce), 1);
    assert_progress(fx, b, "Closed");
    assert_int_equal(fire(fx, "a", AH_SEV_WARNING, 0, "d", T0 + 6), AH_REDUCE_NEW_ALERT);
    assert_int_equal(ah_reduce_open_alerts(fx->reduce), 1);
    assert_int_equal(ah_reduce_open_incidents(fx->reduce), 2);
    assert_int_equal(incident_count(fx), 3);
    assert_int_equal(act(fx, a, AH_INCIDENT_RESOLVE, T0 + 7), AH_OK);
    assert_int_equal(ah_reduce_open_alerts(fx->reduce), 1); /* the new alert is elsewhere */
    assert_int_equal(ah_reduce_open_incidents(fx->reduce), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(ack_moves_to_processing, setup, teardown),
        cmocka_unit_test_setup_teardown(unack_returns_to_triggered, setup, teardown),
        cmocka_unit_test_setup_teardown(resolve_closes_incident_and_alerts, setup, teardown),
        cmocka_unit_test_setup_teardown(closed_incident_refuses_actions, setup, teardown),
        cmocka_unit_test_setup_teardown(reopen_closed_incident, setup, teardown),
        cmocka_unit_test_setup_teardown(reopen_survives_reload, setup, teardown),
        cmocka_unit_test_setup_teardown(unknown_incident_is_not_found, setup, teardown),
        cmocka_unit_test_setup_teardown(open_counts_follow, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
