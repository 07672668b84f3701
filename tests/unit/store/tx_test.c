/* tx_test.c - the writer's transactions on both drivers (store_fixture.h):
 * writes that do not wait for their answer (ah_sql_defer: PostgreSQL's
 * pipeline) commit like any other, and one that fails can never be
 * committed with its failure unseen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "store_fixture.h"

#include "store/sql.h"

#include <sys/stat.h>

static int on_postgres(void)
{
    return getenv("AH_TEST_PG_URL") != NULL;
}

static size_t feed_count(struct fx *fx, int64_t incident_id)
{
    json_t *feed = NULL;
    size_t n;

    assert_int_equal(ah_store_read_feed(fx->store, incident_id, &feed, NULL), AH_OK);
    n = json_array_size(feed);
    json_decref(feed);
    return n;
}

static void feed_insert_ok(struct ah_store_tx *tx, int64_t incident_id, int64_t time)
{
    struct ah_error err;

    assert_int_equal(ah_store_tx_feed_insert(tx, incident_id, time, "note", NULL, &err), AH_OK);
}

/* More deferred writes than the driver keeps in flight (its pipeline is
 * read back every 512 statements) all commit, in order. */
static void test_deferred_writes_commit(void **state)
{
    struct fx *fx = *state;
    struct ah_store_tx *tx;
    struct ah_error err;
    int i;

    assert_int_equal(ah_store_tx_begin(fx->store, &tx, &err), AH_OK);
    for (i = 0; i < 900; i++)
        feed_insert_ok(tx, 7, 1000 + i);
    assert_int_equal(ah_store_tx_commit(tx, &err), AH_OK);
    assert_int_equal(feed_count(fx, 7), 900);
}

/* incident_feed.type is NOT NULL: an entry without one fails. */
static void test_failed_deferred_write_never_commits(void **state)
{
    struct fx *fx = *state;
    struct ah_store_tx *tx;
    struct ah_error err;
    char *value = NULL;
    int failed, read_rc = AH_OK, commit_rc = AH_OK;

    /* A first transaction prepares the statement: on PostgreSQL only a
     * statement run before is sent without waiting. */
    assert_int_equal(ah_store_tx_begin(fx->store, &tx, &err), AH_OK);
    feed_insert_ok(tx, 8, 1);
    assert_int_equal(ah_store_tx_commit(tx, &err), AH_OK);

    assert_int_equal(ah_store_tx_begin(fx->store, &tx, &err), AH_OK);
    assert_int_equal(ah_store_tx_meta_set(tx, "tx_test", "written", &err), AH_OK);
    feed_insert_ok(tx, 8, 2);
    failed = ah_store_tx_feed_insert(tx, 8, 3, NULL, NULL, &err);
    if (on_postgres()) {
        /* Sent without waiting: the failure comes with the next statement
         * that waits, and the transaction refuses everything but its end. */
        assert_int_equal(failed, AH_OK);
        read_rc = ah_store_tx_meta_get(tx, "tx_test", &value, &err);
        assert_int_equal(read_rc, AH_ESTORE);
        assert_non_null(strstr(err.msg, "type"));
        commit_rc = ah_store_tx_commit(tx, &err);
        assert_int_equal(commit_rc, AH_ESTORE);
        assert_null(value);
    } else {
        /* SQLite answers at once. */
        assert_true(failed < 0);
    }
    ah_store_tx_rollback(tx);

    /* Nothing of it was kept, and the next transaction works. */
    assert_int_equal(feed_count(fx, 8), 1);
    assert_int_equal(ah_store_tx_begin(fx->store, &tx, &err), AH_OK);
    assert_int_equal(ah_store_tx_meta_get(tx, "tx_test", &value, &err), AH_OK);
    assert_null(value);
    feed_insert_ok(tx, 8, 4);
    assert_int_equal(ah_store_tx_commit(tx, &err), AH_OK);
    assert_int_equal(feed_count(fx, 8), 2);
}

/* A job's savepoint: a job that fails is undone alone, the batch goes on. */
static void test_savepoint_undoes_one_job(void **state)
{
    struct fx *fx = *state;
    struct ah_store_tx *tx;
    struct ah_error err;

    assert_int_equal(ah_store_tx_begin(fx->store, &tx, &err), AH_OK);
    assert_int_equal(ah_store_tx_savepoint(tx, &err), AH_OK);
    feed_insert_ok(tx, 9, 1);
    ah_store_tx_release(tx);
    assert_int_equal(ah_store_tx_savepoint(tx, &err), AH_OK);
    feed_insert_ok(tx, 9, 2);
    ah_store_tx_rollback_savepoint(tx);
    assert_int_equal(ah_store_tx_savepoint(tx, &err), AH_OK);
    feed_insert_ok(tx, 9, 3);
    ah_store_tx_release(tx);
    assert_int_equal(ah_store_tx_commit(tx, &err), AH_OK);
    assert_int_equal(feed_count(fx, 9), 2);
}

static void count_row(const struct ah_db_col *cols, int n, void *arg)
{
    (void)cols;
    *(int *)arg = n;
}

/* The limits of one statement (store/db.h), on both drivers: 64 columns
 * come back, 65 are refused; more than 32 parameters are refused before
 * anything runs. */
static void test_statement_limits(void **state)
{
    struct fx *fx = *state;
    struct ah_db *db = ah_store_wdb(fx->store);
    struct ah_error err;
    int ncols = 0;

    assert_int_equal(
        db->drv->query(db,
                       "SELECT "
                       "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,"
                       "29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,"
                       "54,55,56,57,58,59,60,61,62,63,64",
                       NULL, 0, count_row, &ncols, &err),
        AH_OK);
    assert_int_equal(ncols, AH_DB_MAX_COLS);
    assert_int_equal(
        db->drv->query(db,
                       "SELECT "
                       "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,"
                       "29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,"
                       "54,55,56,57,58,59,60,61,62,63,64, 65",
                       NULL, 0, count_row, &ncols, &err),
        AH_ESTORE);
    assert_non_null(strstr(err.msg, "65 columns"));
    assert_int_equal(ah_sql_run(db, "SELECT 1", &err, "iiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiii", 1, 2, 3,
                                4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
                                22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33),
                     AH_ESTORE);
    assert_non_null(strstr(err.msg, "more than 32 parameters"));
}

/* Ids for inserts that carry them (ah_sql_insert): on PostgreSQL they come
 * in blocks per table, for four tables at most; a fifth table takes its ids
 * one at a time. Two rows into each of five tables in one transaction: every
 * id is the row's, and ids grow within a table. */
static void test_insert_ids_beyond_the_blocks(void **state)
{
    struct fx *fx = *state;
    static const struct {
        const char *table, *insert, *check; /* the check counts the row by id and name */
    } t5[] = {
        {"channels",
         "INSERT INTO channels(id, name, description, created_at, updated_at)"
         " VALUES (?, ?, '', 1, 1)",
         "SELECT count(*) FROM channels WHERE id = ? AND name = ?"},
        {"silences",
         "INSERT INTO silences(id, rule, channel_id, created_at, updated_at)"
         " VALUES (?, ?, 1, 1, 1)",
         "SELECT count(*) FROM silences WHERE id = ? AND rule = ?"},
        {"inhibits",
         "INSERT INTO inhibits(id, rule, channel_id, created_at, updated_at)"
         " VALUES (?, ?, 1, 1, 1)",
         "SELECT count(*) FROM inhibits WHERE id = ? AND rule = ?"},
        {"teams", "INSERT INTO teams(id, name, created_at, updated_at) VALUES (?, ?, 1, 1)",
         "SELECT count(*) FROM teams WHERE id = ? AND name = ?"},
        {"schedules",
         "INSERT INTO schedules(id, name, timezone, layers, created_at, updated_at)"
         " VALUES (?, ?, 'UTC', '[]', 1, 1)",
         "SELECT count(*) FROM schedules WHERE id = ? AND name = ?"},
    };
    struct ah_db *db = ah_store_wdb(fx->store);
    struct ah_store_tx *tx;
    struct ah_error err;
    int64_t ids[5][2];
    char names[5][2][16];
    int t, k;

    assert_int_equal(ah_store_tx_begin(fx->store, &tx, &err), AH_OK);
    for (k = 0; k < 2; k++) {
        for (t = 0; t < 5; t++) {
            snprintf(names[t][k], sizeof(names[t][k]), "t%d-row%d", t, k);
            assert_int_equal(
                ah_sql_insert(db, t5[t].table, t5[t].insert, &ids[t][k], &err, "s", names[t][k]),
                AH_OK);
            assert_true(ids[t][k] > 0);
        }
    }
    assert_int_equal(ah_store_tx_commit(tx, &err), AH_OK);
    for (t = 0; t < 5; t++) {
        assert_true(ids[t][1] > ids[t][0]);
        for (k = 0; k < 2; k++) {
            int64_t n = 0;

            assert_int_equal(ah_sql_int(db, t5[t].check, &n, &err, "is", ids[t][k], names[t][k]),
                             AH_OK);
            assert_int_equal(n, 1);
        }
    }
}

/* SQLite: checkpoints run off the writer (db_sqlite.c), and the WAL still
 * starts afresh at each round's end, so it stays a few thousand pages long
 * however much is written: 120 commits of 400 KiB back to back (12,000
 * pages in all, 48 MiB), each synced as the server's are, leave a WAL file
 * of less than 6,000 pages (about 1,700 here). Without rounds, or without
 * the writer finishing them, it would hold all 12,000. */
static void test_wal_stays_short(void **state)
{
    struct fx *fx = *state;
    struct ah_store_conf conf = {.dir = fx->dir, .synchronous = "full", .busy_timeout_ms = 1000};
    static char value[4001];
    char path[128], key[32];
    struct ah_store_tx *tx;
    struct ah_error err;
    struct ah_db *db;
    struct stat st;
    int64_t n = 0;
    int i, k;

    if (on_postgres())
        skip();
    ah_store_free(fx->store); /* again with the server's default */
    assert_int_equal(ah_store_open(&conf, &fx->store, &err), AH_OK);
    db = ah_store_wdb(fx->store);
    memset(value, 'v', sizeof(value) - 1);
    for (i = 0; i < 120; i++) {
        assert_int_equal(ah_store_tx_begin(fx->store, &tx, &err), AH_OK);
        for (k = 0; k < 100; k++) {
            snprintf(key, sizeof(key), "wal-%d-%d", i, k);
            assert_int_equal(ah_sql_run(db, "INSERT INTO meta(key, value) VALUES (?, ?)", &err,
                                        "ss", key, value),
                             AH_OK);
        }
        assert_int_equal(ah_store_tx_commit(tx, &err), AH_OK);
    }
    snprintf(path, sizeof(path), "%s/alerthub.db-wal", fx->dir);
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size < 6000 * 4096);
    assert_int_equal(
        ah_sql_int(db, "SELECT count(*) FROM meta WHERE key LIKE 'wal-%'", &n, &err, ""), AH_OK);
    assert_int_equal(n, 12000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_deferred_writes_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_deferred_write_never_commits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_savepoint_undoes_one_job, setup, teardown),
        cmocka_unit_test_setup_teardown(test_statement_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_insert_ids_beyond_the_blocks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal_stays_short, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
