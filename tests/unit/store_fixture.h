/* store_fixture.h - the reducer tests' fixture: a real SQLite store in a
 * fresh temporary folder and an empty reducer loaded from it, per test.
 * Include after <cmocka.h>. */
#ifndef AH_TEST_STORE_FIXTURE_H
#define AH_TEST_STORE_FIXTURE_H

#include "reduce/reduce.h"
#include "store/store.h"
#include "util/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct fx {
    char dir[64];
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

    assert_int_equal(ah_store_read_incident(fx->store, id, &j, NULL), AH_OK);
    return j;
}

static inline json_t *alert(struct fx *fx, int64_t id)
{
    json_t *j = NULL;

    assert_int_equal(ah_store_read_alert(fx->store, id, &j, NULL), AH_OK);
    return j;
}

#endif
