/* cluster_test.c - several nodes on one database (store.h; docs/deploy.md),
 * on both drivers (store_fixture.h): a second store opened on the same
 * database is a second node. On PostgreSQL their writer transactions run
 * one at a time, each says what the other committed since (data, and the
 * configuration the HTTP side caches), a node's own writes keep it in step,
 * and one node at a time holds the lease for deliveries and timers, taken
 * over when it goes or gives it up; a node catches up by the rows the other
 * changed and ends where a full rebuild would. On SQLite one node writes: never
 * stale, always leading. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "store_fixture.h"

#include "model/event.h"
#include "store/sql.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

static int on_postgres(void)
{
    return getenv("AH_TEST_PG_URL") != NULL;
}

/* A second node: a store on the fixture's database. */
static struct ah_store *second_node(struct fx *fx)
{
    struct ah_store_conf conf = {.synchronous = "normal",
                                 .busy_timeout_ms = 1000,
                                 .dir = fx->dir,
                                 .database_url = fx->db[0] ? fx->url : NULL};
    struct ah_store *s = NULL;

    assert_int_equal(ah_store_open(&conf, &s, NULL), AH_OK);
    return s;
}

/* Begins, asserts what is stale, marks it rebuilt; returns the tx. */
static struct ah_store_tx *begin_expect(struct ah_store *s, int stale)
{
    struct ah_store_tx *tx = NULL;

    assert_int_equal(ah_store_tx_begin(s, &tx, NULL), AH_OK);
    assert_int_equal(ah_store_tx_stale(tx), stale);
    ah_store_tx_synced(tx, stale);
    assert_int_equal(ah_store_tx_stale(tx), 0);
    return tx;
}

static void commit(struct ah_store_tx *tx)
{
    assert_int_equal(ah_store_tx_commit(tx, NULL), AH_OK);
}

static void meta_write(struct ah_store *s, int stale, const char *value)
{
    struct ah_store_tx *tx = begin_expect(s, stale);

    assert_int_equal(ah_store_tx_meta_set(tx, "cluster_test", value, NULL), AH_OK);
    commit(tx);
}

static void test_each_node_sees_what_the_other_wrote(void **state)
{
    struct fx *fx = *state;
    struct ah_store *b = second_node(fx);
    int other = on_postgres() ? AH_STORE_STALE_DATA : 0;
    int config = on_postgres() ? AH_STORE_STALE_DATA | AH_STORE_STALE_CONFIG : 0;
    struct ah_store_tx *tx;
    int64_t id = 0;

    /* A's own writes keep A in step. */
    meta_write(fx->store, 0, "a1");
    meta_write(fx->store, 0, "a2");
    /* B has not seen them. */
    commit(begin_expect(b, other));
    commit(begin_expect(b, 0)); /* rebuilt, and nothing new since */
    /* A configuration change: a channel. */
    tx = begin_expect(fx->store, 0);
    assert_int_equal(ah_store_tx_channel_insert(tx, "cluster", "", 1000, &id, NULL), AH_OK);
    commit(tx);
    commit(begin_expect(fx->store, 0));
    commit(begin_expect(b, config));
    /* B writes data only: A sees data, not configuration. */
    meta_write(b, 0, "b1");
    commit(begin_expect(fx->store, other));
    /* A transaction that changes nothing moves no version. */
    commit(begin_expect(fx->store, 0));
    commit(begin_expect(b, 0));
    ah_store_free(b);
}

static void test_a_stale_node_stays_stale_until_it_rebuilds(void **state)
{
    struct fx *fx = *state;
    struct ah_store *b = second_node(fx);
    struct ah_store_tx *tx = NULL;

    if (!on_postgres()) {
        ah_store_free(b);
        skip();
    }
    meta_write(fx->store, 0, "a1");
    /* B writes without rebuilding what A changed: still stale after. */
    assert_int_equal(ah_store_tx_begin(b, &tx, NULL), AH_OK);
    assert_int_equal(ah_store_tx_stale(tx), AH_STORE_STALE_DATA);
    assert_int_equal(ah_store_tx_meta_set(tx, "cluster_test", "b1", NULL), AH_OK);
    commit(tx);
    assert_int_equal(ah_store_peek(b), AH_STORE_STALE_DATA);
    commit(begin_expect(b, AH_STORE_STALE_DATA));
    assert_int_equal(ah_store_peek(b), 0);
    /* A rolled-back write changes nothing anyone sees. */
    tx = begin_expect(fx->store, AH_STORE_STALE_DATA);
    assert_int_equal(ah_store_tx_meta_set(tx, "cluster_test", "lost", NULL), AH_OK);
    ah_store_tx_rollback(tx);
    assert_int_equal(ah_store_peek(b), 0);
    ah_store_free(b);
}

struct waiter {
    struct ah_store *store;
    atomic_int begun;
    int stale;
};

static void *begin_in_thread(void *arg)
{
    struct waiter *w = arg;
    struct ah_store_tx *tx = NULL;

    if (ah_store_tx_begin(w->store, &tx, NULL) == AH_OK) {
        w->stale = ah_store_tx_stale(tx);
        atomic_store(&w->begun, 1);
        (void)ah_store_tx_commit(tx, NULL);
    } else {
        atomic_store(&w->begun, -1);
    }
    return NULL;
}

/* B's transaction waits for A's, then runs on what A committed. */
static void test_transactions_run_one_at_a_time(void **state)
{
    struct fx *fx = *state;
    struct waiter w = {.store = NULL};
    const struct timespec tick = {0, 50 * 1000000};
    struct ah_store_tx *tx;
    pthread_t thread;
    int i;

    if (!on_postgres())
        skip();
    w.store = second_node(fx);
    tx = begin_expect(fx->store, 0);
    assert_int_equal(ah_store_tx_meta_set(tx, "cluster_test", "held", NULL), AH_OK);
    assert_int_equal(pthread_create(&thread, NULL, begin_in_thread, &w), 0);
    for (i = 0; i < 6; i++)
        nanosleep(&tick, NULL);
    assert_int_equal(atomic_load(&w.begun), 0); /* still waiting after 300 ms */
    commit(tx);
    assert_int_equal(pthread_join(thread, NULL), 0);
    assert_int_equal(atomic_load(&w.begun), 1);
    assert_int_equal(w.stale, AH_STORE_STALE_DATA); /* it saw A's commit */
    ah_store_free(w.store);
}

/* Whether node @s takes the lease within 3 s (it tries once a second). */
static int takes_the_lease(struct ah_store *s)
{
    const struct timespec tick = {0, 100 * 1000000};
    int i;

    for (i = 0; i < 30 && !ah_store_lead(s); i++)
        nanosleep(&tick, NULL);
    return ah_store_leads(s);
}

/* One node holds the lease; when it goes, the other takes it. */
static void test_one_node_leads_and_another_takes_over(void **state)
{
    struct fx *fx = *state;
    struct ah_store *b = second_node(fx);

    assert_true(ah_store_leads(fx->store));
    assert_true(ah_store_lead(fx->store));
    if (!on_postgres()) {
        assert_true(ah_store_leads(b));
        ah_store_free(b);
        return;
    }
    assert_false(ah_store_lead(b));
    assert_false(ah_store_leads(b));
    ah_store_free(fx->store); /* the leading node goes */
    fx->store = NULL;
    assert_true(takes_the_lease(b));
    fx->store = b;
}

/* A node that gives the lease up does not take it back at once: the other
 * node does. */
static void test_a_resigned_lease_goes_to_the_other_node(void **state)
{
    struct fx *fx = *state;
    struct ah_store *b = second_node(fx);

    assert_true(ah_store_lead(fx->store));
    ah_store_resign(fx->store);
    if (!on_postgres()) {
        assert_true(ah_store_leads(fx->store)); /* one node: it always leads */
        ah_store_free(b);
        return;
    }
    assert_false(ah_store_leads(fx->store));
    assert_true(takes_the_lease(b));
    assert_false(ah_store_lead(fx->store)); /* B holds it */
    ah_store_free(b);
}

/* ---- catching up by the rows another node changed ---- */

/* Begins as the writer does: memory that another node left behind catches
 * up by the changed rows when the store lists them (*@exact 1), else it is
 * rebuilt whole. */
static struct ah_store_tx *node_begin(struct ah_store *s, struct ah_reduce *r, int *exact)
{
    struct ah_store_changes ch = {NULL, NULL, NULL};
    struct ah_store_tx *tx = NULL;
    int stale;

    *exact = 0;
    assert_int_equal(ah_store_tx_begin(s, &tx, NULL), AH_OK);
    stale = ah_store_tx_stale(tx);
    if (stale & AH_STORE_STALE_DATA) {
        *exact = ah_store_tx_changes(tx, &ch, NULL);
        assert_true(*exact >= 0);
        if (*exact)
            assert_int_equal(ah_reduce_catch_up(r, tx, &ch, NULL, NULL, NULL), AH_OK);
        else
            assert_int_equal(ah_reduce_load(r, s, NULL), AH_OK);
    }
    ah_store_changes_done(&ch);
    ah_store_tx_synced(tx, stale);
    return tx;
}

/* Applies one event of key @key to channel 1 through node (@s, @r). */
static enum ah_reduce_outcome node_event(struct ah_store *s, struct ah_reduce *r, const char *key,
                                         const char *desc, int recovered, int64_t now, int *exact)
{
    struct ah_event ev;
    struct ah_reduce_input in = {.ev = &ev, .channel_id = 1, .integration_id = 7, .now = now};
    enum ah_reduce_outcome out = (enum ah_reduce_outcome) - 1;
    struct ah_store_tx *tx = node_begin(s, r, exact);

    ah_event_init(&ev);
    ev.alert_key = ah_xstrdup(key);
    ev.severity = AH_SEV_CRITICAL;
    ev.recovered = recovered;
    ev.title = ah_xstrdup("disk full");
    ev.description = ah_xstrdup(desc);
    assert_int_equal(ah_reduce_event(r, tx, &in, &out, NULL), AH_OK);
    commit(tx);
    ah_event_done(&ev);
    return out;
}

/* Two nodes feeding one alert in turn: each knows what the other did (a
 * merge, not a second alert; a recovery), by the changed rows only, and
 * ends where a full rebuild would. */
static void test_catching_up_by_the_changed_rows(void **state)
{
    struct fx *fx = *state;
    struct ah_store *b = second_node(fx);
    struct ah_reduce *rb = ah_reduce_new(), *fresh = ah_reduce_new();
    const int64_t t0 = 1800000000;
    int exact;

    if (!on_postgres()) {
        ah_reduce_free(rb);
        ah_reduce_free(fresh);
        ah_store_free(b);
        skip();
    }
    assert_int_equal(ah_reduce_load(rb, b, NULL), AH_OK);
    assert_int_equal(node_event(fx->store, fx->reduce, "k1", "a", 0, t0, &exact),
                     AH_REDUCE_NEW_ALERT);
    assert_int_equal(node_event(fx->store, fx->reduce, "k2", "a", 0, t0, &exact),
                     AH_REDUCE_NEW_ALERT);
    /* B: the alert A opened is open in B's memory, so the event merges. */
    assert_int_equal(node_event(b, rb, "k1", "b", 0, t0 + 10, &exact), AH_REDUCE_MERGED);
    assert_int_equal(exact, 1);
    assert_int_equal(ah_reduce_alert_open(rb, 1, "k1"), ah_reduce_alert_open(fx->reduce, 1, "k1"));
    /* A: knows B's merge; its recovery closes the alert. */
    assert_int_equal(node_event(fx->store, fx->reduce, "k1", "c", 1, t0 + 20, &exact),
                     AH_REDUCE_RECOVERED);
    assert_int_equal(exact, 1);
    /* B: a new firing opens a new alert (the old one recovered on A). */
    assert_int_equal(node_event(b, rb, "k1", "d", 0, t0 + 30, &exact), AH_REDUCE_NEW_ALERT);
    assert_int_equal(exact, 1);
    commit(node_begin(fx->store, fx->reduce, &exact));
    assert_int_equal(exact, 1);
    /* Both nodes and a full rebuild agree. */
    assert_int_equal(ah_reduce_load(fresh, fx->store, NULL), AH_OK);
    assert_int_equal(ah_reduce_open_alerts(fx->reduce), ah_reduce_open_alerts(fresh));
    assert_int_equal(ah_reduce_open_alerts(rb), ah_reduce_open_alerts(fresh));
    assert_int_equal(ah_reduce_open_incidents(fx->reduce), ah_reduce_open_incidents(fresh));
    assert_int_equal(ah_reduce_open_incidents(rb), ah_reduce_open_incidents(fresh));
    assert_int_equal(ah_reduce_alert_open(fx->reduce, 1, "k1"),
                     ah_reduce_alert_open(fresh, 1, "k1"));
    assert_int_equal(ah_reduce_alert_open(rb, 1, "k1"), ah_reduce_alert_open(fresh, 1, "k1"));
    assert_int_equal(ah_reduce_alert_open(rb, 1, "k2"), ah_reduce_alert_open(fresh, 1, "k2"));
    ah_reduce_free(rb);
    ah_reduce_free(fresh);
    ah_store_free(b);
}

/* A gap in the change log (retention took rows another node still needed)
 * means a rebuild, never a partial catch-up. */
static void test_a_gap_in_the_log_means_a_rebuild(void **state)
{
    struct fx *fx = *state;
    struct ah_store *b = second_node(fx);
    struct ah_store_changes ch = {NULL, NULL, NULL};
    struct ah_store_tx *tx;

    if (!on_postgres()) {
        ah_store_free(b);
        skip();
    }
    meta_write(fx->store, 0, "a1");
    assert_int_equal(ah_store_tx_begin(b, &tx, NULL), AH_OK);
    assert_int_equal(ah_store_tx_changes(tx, &ch, NULL), 1); /* the log covers a1 */
    ah_store_changes_done(&ch);
    ah_store_tx_synced(tx, AH_STORE_STALE_DATA);
    commit(tx);
    meta_write(fx->store, 0, "a2");
    tx = begin_expect(fx->store, 0);
    assert_int_equal(ah_sql_run(ah_store_wdb_of(tx), "DELETE FROM cluster_log", NULL, ""), AH_OK);
    commit(tx);
    assert_int_equal(ah_store_tx_begin(b, &tx, NULL), AH_OK);
    assert_int_equal(ah_store_tx_stale(tx), AH_STORE_STALE_DATA);
    assert_int_equal(ah_store_tx_changes(tx, &ch, NULL), 0); /* a2's row is gone */
    ah_store_changes_done(&ch);
    commit(tx);
    ah_store_free(b);
}

/* The change log keeps the last 100,000 versions (store.h): housekeeping
 * drops older rows, 10,000 versions at a time at least. Versions are moved
 * on by hand here rather than by 100,000 transactions. */
static void log_row_at(struct ah_store *s, int64_t version)
{
    assert_int_equal(ah_sql_run(ah_store_wdb(s),
                                "INSERT INTO cluster_log(version, alerts, incidents, flaps,"
                                " everything) VALUES (?, '[]', '[]', '[]', 0)",
                                NULL, "i", version),
                     AH_OK);
}

static int64_t log_rows_at(struct ah_store *s, int64_t version)
{
    int64_t n = -1;

    assert_int_equal(ah_sql_int(ah_store_wdb(s),
                                "SELECT count(*) FROM cluster_log WHERE version = ?", &n, NULL, "i",
                                version),
                     AH_OK);
    return n;
}

static void prune_log(struct ah_store *s, int stale)
{
    struct ah_store_tx *tx = begin_expect(s, stale);

    assert_int_equal(ah_store_tx_log_prune(tx, NULL), AH_OK);
    commit(tx);
}

static void test_the_log_keeps_the_last_100000_versions(void **state)
{
    struct fx *fx = *state;

    if (!on_postgres())
        skip();
    log_row_at(fx->store, 5);
    log_row_at(fx->store, 20000);
    log_row_at(fx->store, 20001);
    assert_int_equal(ah_sql_run(ah_store_wdb(fx->store),
                                "UPDATE cluster SET version = 120000 WHERE id = 1", NULL, ""),
                     AH_OK);
    prune_log(fx->store, AH_STORE_STALE_DATA);
    assert_int_equal(log_rows_at(fx->store, 5), 0);
    assert_int_equal(log_rows_at(fx->store, 20000), 0);
    assert_int_equal(log_rows_at(fx->store, 20001), 1); /* the last 100,000 stay */
    /* 9,999 versions later nothing more goes; 10,000 later the next step. */
    assert_int_equal(ah_sql_run(ah_store_wdb(fx->store),
                                "UPDATE cluster SET version = 129999 WHERE id = 1", NULL, ""),
                     AH_OK);
    prune_log(fx->store, AH_STORE_STALE_DATA);
    assert_int_equal(log_rows_at(fx->store, 20001), 1);
    assert_int_equal(ah_sql_run(ah_store_wdb(fx->store),
                                "UPDATE cluster SET version = 130001 WHERE id = 1", NULL, ""),
                     AH_OK);
    prune_log(fx->store, AH_STORE_STALE_DATA);
    assert_int_equal(log_rows_at(fx->store, 20001), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_each_node_sees_what_the_other_wrote, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_stale_node_stays_stale_until_it_rebuilds, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_transactions_run_one_at_a_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_node_leads_and_another_takes_over, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_resigned_lease_goes_to_the_other_node, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_catching_up_by_the_changed_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_gap_in_the_log_means_a_rebuild, setup, teardown),
        cmocka_unit_test_setup_teardown(test_the_log_keeps_the_last_100000_versions, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
