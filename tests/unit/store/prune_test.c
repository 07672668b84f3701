/* prune_test.c - retention (src/store/sqlite_prune.c): ah_store_tx_prune
 * deletes exactly the old events and the old closed incidents with what
 * belongs only to them, at most `limit` rows per call, and keeps the rest:
 * everything of open alerts and open incidents but their old events. Rows
 * are written through the store and counted with sqlite3 directly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "store_fixture.h"

#include <sqlite3.h>
#include <string.h>

#define T0    1800000000
#define DAY   86400
#define LIMIT 1000

/* Counts with a read connection of its own (only committed rows). */
static int64_t count(struct fx *fx, const char *sql)
{
    char path[96];
    sqlite3 *db;
    sqlite3_stmt *st;
    int64_t n;

    snprintf(path, sizeof(path), "%s/alerthub.db", fx->dir);
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

struct shape {
    int64_t start, close; /* the incident's; close 0: open */
    int open_alert;       /* one of its two alerts is still open */
    int events;           /* per alert */
    int64_t event_time;   /* received_at of its events */
};

/* An incident with two alerts, @s->events events each, two timeline rows,
 * a delivery, an escalation and a timer. Returns its id. */
static int64_t add_incident(struct ah_store_tx *tx, const struct shape *s)
{
    struct ah_incident inc = {.channel_id = 1,
                              .title = "t",
                              .labels_text = "{}",
                              .progress = s->close ? AH_PROGRESS_CLOSED : AH_PROGRESS_TRIGGERED,
                              .start_time = s->start,
                              .last_time = s->start,
                              .close_time = s->close};
    struct ah_escalation esc = {.channel_id = 1, .state = "done", .started_at = s->start};
    struct ah_delivery d = {.channel_id = 1,
                            .event_id = "00000000000000000000000000000001",
                            .event_type = "i_new",
                            .kind = "none",
                            .status = "suppressed",
                            .created_at = s->start};
    int a, e;

    assert_int_equal(ah_store_tx_incident_insert(tx, &inc, NULL), AH_OK);
    for (a = 0; a < 2; a++) {
        int open = s->open_alert && a == 0;
        struct ah_alert al = {.incident_id = inc.id,
                              .channel_id = 1,
                              .integration_id = 1,
                              .alert_key = "k",
                              .title = "t",
                              .labels_text = "{}",
                              .start_time = s->start,
                              .last_time = s->start,
                              .end_time = open ? 0 : s->start + 1,
                              .close_time = open ? 0 : s->close};
        char key[32];

        snprintf(key, sizeof(key), "k%lld-%d", (long long)inc.id, a);
        al.alert_key = key;
        assert_int_equal(ah_store_tx_alert_insert(tx, &al, NULL), AH_OK);
        for (e = 0; e < s->events; e++) {
            struct ah_event_row ev = {.alert_id = al.id,
                                      .channel_id = 1,
                                      .integration_id = 1,
                                      .alert_key = key,
                                      .title = "t",
                                      .labels_text = "{}",
                                      .event_time = s->event_time,
                                      .received_at = s->event_time};

            assert_int_equal(ah_store_tx_event_insert(tx, &ev, NULL), AH_OK);
        }
    }
    assert_int_equal(ah_store_tx_feed_insert(tx, inc.id, s->start, "i_new", NULL, NULL), AH_OK);
    assert_int_equal(ah_store_tx_feed_insert(tx, inc.id, s->start, "i_rslv", NULL, NULL), AH_OK);
    d.incident_id = inc.id;
    assert_int_equal(ah_store_tx_delivery_insert(tx, &d, NULL), AH_OK);
    esc.incident_id = inc.id;
    esc.rule = json_object();
    assert_int_equal(ah_store_tx_escalation_put(tx, &esc, NULL), AH_OK);
    json_decref(esc.rule);
    assert_int_equal(ah_store_tx_timer_set(tx, inc.id, "resolve", s->start + DAY, NULL), AH_OK);
    return inc.id;
}

/* Prunes until a call deletes less than LIMIT; every call stays within it.
 * Returns the number of calls. */
static int prune_all(struct fx *fx, const struct ah_prune *p, int64_t *total)
{
    int calls = 0;
    int64_t rows;

    *total = 0;
    do {
        struct ah_store_tx *tx;

        assert_int_equal(ah_store_tx_begin(fx->store, &tx, NULL), AH_OK);
        assert_int_equal(ah_store_tx_prune(tx, p, &rows, NULL), AH_OK);
        assert_int_equal(ah_store_tx_commit(tx, NULL), AH_OK);
        assert_true(rows <= p->limit);
        *total += rows;
        calls++;
        assert_true(calls < 100);
    } while (rows == p->limit);
    return calls;
}

static int64_t rows_of(struct fx *fx, const char *table, int64_t incident_id)
{
    char sql[160];

    snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE incident_id = %lld", table,
             (long long)incident_id);
    return count(fx, sql);
}

static void test_prune_keeps_exactly_the_young_and_the_open(void **state)
{
    struct fx *fx = *state;
    int64_t now = T0 + 400 * DAY, old_ev = now - 31 * DAY, total;
    /* Closed 200 days ago: goes with everything of its own (1,500 events
     * per alert, so it needs several calls). */
    struct shape gone = {T0, T0 + 10, 0, 1500, T0};
    /* Closed 200 days ago but an alert is still open: stays whole but for
     * its old events. */
    struct shape blocked = {T0, T0 + 10, 1, 3, T0};
    /* Open since 200 days: stays, its old events go. */
    struct shape open = {T0 + 1, 0, 1, 600, old_ev};
    /* Closed 100 days ago: stays (its events are past the 30 days). */
    struct shape recent = {now - 101 * DAY, now - 100 * DAY, 0, 2, now - 100 * DAY};
    /* Young events of an open incident: all stay. */
    struct shape young = {now - DAY, 0, 1, 5, now - DAY};
    struct ah_prune p = {
        .events_before = now - 30 * DAY, .incidents_before = now - 180 * DAY, .limit = LIMIT};
    struct ah_store_tx *tx;
    int64_t ids[5], fixed_rows;
    int calls;

    assert_int_equal(ah_store_tx_begin(fx->store, &tx, NULL), AH_OK);
    ids[0] = add_incident(tx, &gone);
    ids[1] = add_incident(tx, &blocked);
    ids[2] = add_incident(tx, &open);
    ids[3] = add_incident(tx, &recent);
    ids[4] = add_incident(tx, &young);
    assert_int_equal(ah_store_tx_commit(tx, NULL), AH_OK);
    assert_int_equal(count(fx, "SELECT count(*) FROM events"), 3000 + 6 + 1200 + 4 + 10);

    calls = prune_all(fx, &p, &total);
    /* The old events (all but the young incident's 10) are 4,210 rows. */
    assert_true(calls >= 5);
    /* Incident "gone": its 2 alerts, 2 timeline rows, a delivery, an
     * escalation, a timer and itself; the rest are the old events. */
    fixed_rows = 2 + 2 + 1 + 1 + 1 + 1;
    assert_int_equal(total, 3000 + 6 + 1200 + 4 + fixed_rows);

    assert_int_equal(count(fx, "SELECT count(*) FROM events"), 10);
    assert_int_equal(count(fx, "SELECT count(*) FROM incidents"), 4);
    assert_int_equal(count(fx, "SELECT count(*) FROM alerts"), 8);
    assert_int_equal(rows_of(fx, "alerts", ids[0]), 0);
    assert_int_equal(rows_of(fx, "incident_feed", ids[0]), 0);
    assert_int_equal(rows_of(fx, "deliveries", ids[0]), 0);
    assert_int_equal(rows_of(fx, "escalations", ids[0]), 0);
    assert_int_equal(rows_of(fx, "timers", ids[0]), 0);
    for (calls = 1; calls < 5; calls++) {
        assert_int_equal(rows_of(fx, "alerts", ids[calls]), 2);
        assert_int_equal(rows_of(fx, "incident_feed", ids[calls]), 2);
        assert_int_equal(rows_of(fx, "deliveries", ids[calls]), 1);
        assert_int_equal(rows_of(fx, "escalations", ids[calls]), 1);
        assert_int_equal(rows_of(fx, "timers", ids[calls]), 1);
    }

    /* Nothing is left to do: a further call deletes nothing. */
    assert_int_equal(prune_all(fx, &p, &total), 1);
    assert_int_equal(total, 0);
}

/* 0 keeps: without cutoffs nothing goes, however old. */
static void test_prune_zero_keeps_everything(void **state)
{
    struct fx *fx = *state;
    struct shape gone = {T0, T0 + 10, 0, 3, T0};
    struct ah_prune p = {.limit = LIMIT};
    struct ah_store_tx *tx;
    int64_t total;

    assert_int_equal(ah_store_tx_begin(fx->store, &tx, NULL), AH_OK);
    (void)add_incident(tx, &gone);
    assert_int_equal(ah_store_tx_commit(tx, NULL), AH_OK);
    assert_int_equal(prune_all(fx, &p, &total), 1);
    assert_int_equal(total, 0);
    assert_int_equal(count(fx, "SELECT count(*) FROM events"), 6);
    assert_int_equal(count(fx, "SELECT count(*) FROM incidents"), 1);
}

/* Events go in arrival order, the oldest `limit` ids per call: events
 * received after the cutoff but stored before older ones (the clock was set
 * back) are kept and slow the deletion down (each call sees them again), but
 * do not stop it. */
static void test_prune_events_by_arrival_order(void **state)
{
    struct fx *fx = *state;
    struct shape a = {T0, 0, 1, 1, T0 + 100 * DAY};
    struct shape b = {T0, 0, 1, 2, T0};
    struct ah_prune p = {.events_before = T0 + 50 * DAY, .limit = 3};
    struct ah_store_tx *tx;
    int64_t total;
    int i;

    assert_int_equal(ah_store_tx_begin(fx->store, &tx, NULL), AH_OK);
    (void)add_incident(tx, &a);
    (void)add_incident(tx, &b);
    assert_int_equal(ah_store_tx_commit(tx, NULL), AH_OK);
    /* Rows in id order: young, young, old, old, old, old. Each call sees
     * the two young ones and one old one, and deletes that one. */
    for (i = 0; i < 4; i++) {
        assert_int_equal(prune_all(fx, &p, &total), 1);
        assert_int_equal(total, 1);
    }
    assert_int_equal(prune_all(fx, &p, &total), 1);
    assert_int_equal(total, 0);
    assert_int_equal(count(fx, "SELECT count(*) FROM events"), 2);
    assert_int_equal(count(fx, "SELECT count(*) FROM events WHERE received_at < 1804320000"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_prune_keeps_exactly_the_young_and_the_open, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_prune_zero_keeps_everything, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prune_events_by_arrival_order, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
