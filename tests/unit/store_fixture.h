/* store_fixture.h - the reducer tests' fixture: a real store and an empty
 * reducer loaded from it, per test. The store is SQLite in a fresh
 * temporary folder, or, when AH_TEST_PG_URL names a PostgreSQL cluster
 * (scripts/run-unit-pg.sh), a fresh database in it: the same tests are the
 * store's contract, run against both drivers. Include after <cmocka.h>. */
#ifndef AH_TEST_STORE_FIXTURE_H
#define AH_TEST_STORE_FIXTURE_H

#include "reduce/reduce.h"
#include "http/rows.h"
#include "store/store.h"
#include "util/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct fx {
    char dir[64];
    char db[64]; /* the PostgreSQL database, or "" */
    char url[512];
    struct ah_store *store;
    struct ah_reduce *reduce;
};

static int setup(void **state)
{
    struct fx *fx = ah_xcalloc(1, sizeof(*fx));
    struct ah_store_conf conf = {.synchronous = "normal", .busy_timeout_ms = 1000};

    snprintf(fx->dir, sizeof(fx->dir), "/tmp/ah-unit-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    conf.dir = fx->dir;
    if (getenv("AH_TEST_PG_URL") != NULL) {
        const char *base = getenv("AH_TEST_PG_URL");
        static int serial;
        char cmd[768];

        snprintf(fx->db, sizeof(fx->db), "ah_unit_%ld_%d", (long)getpid(), ++serial);
        snprintf(cmd, sizeof(cmd), "psql '%s' -X -q -c 'CREATE DATABASE %s' >/dev/null", base,
                 fx->db);
        assert_int_equal(system(cmd), 0);
        snprintf(fx->url, sizeof(fx->url), "%.*s/%s", (int)(strrchr(base, '/') - base), base,
                 fx->db);
        conf.database_url = fx->url;
    }
    assert_int_equal(ah_store_open(&conf, &fx->store, NULL), AH_OK);
    fx->reduce = ah_reduce_new();
    assert_int_equal(ah_reduce_load(fx->reduce, fx->store, NULL), AH_OK);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    char cmd[96];

    ah_reduce_free(fx->reduce);
    ah_store_free(fx->store);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
    assert_int_equal(system(cmd), 0);
    if (fx->db[0] != '\0') {
        char drop[768];

        snprintf(drop, sizeof(drop), "psql '%s' -X -q -c 'DROP DATABASE %s' >/dev/null",
                 getenv("AH_TEST_PG_URL"), fx->db);
        assert_int_equal(system(drop), 0);
    }
    ah_free(fx);
    return 0;
}

/* ---- reading back what was committed (API shapes) ---- */

static inline int64_t num(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);

    assert_true(json_is_integer(v));
    return json_integer_value(v);
}

static inline const char *str(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);

    assert_true(json_is_string(v));
    return json_string_value(v);
}

/* Ids come back as strings. */
static inline int64_t id_of(const json_t *o, const char *k)
{
    return strtoll(str(o, k), NULL, 10);
}

static inline json_t *incident(struct fx *fx, int64_t id)
{
    json_t *j = NULL;

    assert_int_equal(ah_rows_read_incident(fx->store, id, &j, NULL), AH_OK);
    return j;
}

static inline json_t *alert(struct fx *fx, int64_t id)
{
    json_t *j = NULL;

    assert_int_equal(ah_rows_read_alert(fx->store, id, &j, NULL), AH_OK);
    return j;
}

#endif
