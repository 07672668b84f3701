/* integrations_test.c - the push API's integrations (ingest/integrations.c):
 * lookup by key, the per-second and per-minute limits, and what a change
 * of an integration, or a reload of them all (another node changed them),
 * keeps of what was counted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ingest/integrations.h"

#include <string.h>

#define KEY_A "a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define KEY_B "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
#define KEY_C "ffffeeeeddddccccbbbbaaaa99998888"

/* 12:00:30 of some day, in milliseconds: 30 s into a minute. */
#define T0 ((int64_t)1765195230 * 1000)

static struct ah_integration make(int64_t id, const char *name, const char *key, int per_sec,
                                  int per_min)
{
    return (struct ah_integration){.id = id,
                                   .name = (char *)name,
                                   .type = "standard",
                                   .channel_id = 1,
                                   .key = (char *)key,
                                   .rate_per_sec = per_sec,
                                   .rate_per_min = per_min};
}

/* The name of the integration whose key is @key, or NULL (freed by the
 * next call). */
static const char *name_of(struct ah_integrations *set, const char *key)
{
    static char name[64];
    struct ah_integration got;

    if (ah_integrations_find_key(set, key, &got) != AH_OK)
        return NULL;
    snprintf(name, sizeof(name), "%s", got.name);
    ah_integration_done(&got);
    return name;
}

static int admit(struct ah_integrations *set, int64_t id, int64_t now_ms, int *retry_after)
{
    struct ah_error err;

    *retry_after = 0;
    return ah_integrations_admit(set, id, now_ms, retry_after, &err);
}

static json_int_t stat(struct ah_integrations *set, int64_t id, const char *name)
{
    json_t *stats = ah_integrations_stats(set, id);
    json_int_t n = json_integer_value(json_object_get(stats, name));

    assert_non_null(json_object_get(stats, name));
    json_decref(stats);
    return n;
}

static void test_find_by_key(void **state)
{
    struct ah_integrations *set = ah_integrations_new();
    struct ah_integration a = make(1, "alpha", KEY_A, 10, 100);
    char near[] = KEY_A;

    (void)state;
    ah_integrations_put(set, &a);
    assert_string_equal(name_of(set, KEY_A), "alpha");
    assert_null(name_of(set, KEY_B));
    near[sizeof(near) - 2] ^= 1; /* the last character differs */
    assert_null(name_of(set, near));
    assert_null(name_of(set, ""));
    ah_integrations_remove(set, 1);
    assert_null(name_of(set, KEY_A));
    ah_integrations_free(set);
}

/* Three a second and five a minute: the fourth request of a second waits
 * for the next second, the sixth of a minute for the next minute; a
 * refused request is not counted. */
static void test_limits(void **state)
{
    struct ah_integrations *set = ah_integrations_new();
    struct ah_integration a = make(1, "alpha", KEY_A, 3, 5);
    int i, retry;

    (void)state;
    ah_integrations_put(set, &a);
    for (i = 0; i < 3; i++)
        assert_int_equal(admit(set, 1, T0 + 10 * i, &retry), AH_OK);
    assert_int_equal(admit(set, 1, T0 + 900, &retry), AH_EBUSY);
    assert_int_equal(retry, 1);
    assert_int_equal(admit(set, 1, T0 + 999, &retry), AH_EBUSY);
    /* The next second: two more make five in the minute. */
    assert_int_equal(admit(set, 1, T0 + 1000, &retry), AH_OK);
    assert_int_equal(admit(set, 1, T0 + 1001, &retry), AH_OK);
    assert_int_equal(admit(set, 1, T0 + 2000, &retry), AH_EBUSY);
    assert_int_equal(retry, 60 - 32); /* 12:00:32: 28 s to the next minute */
    /* The next minute starts afresh; the refusals above counted nothing. */
    for (i = 0; i < 3; i++)
        assert_int_equal(admit(set, 1, T0 + 30000 + i, &retry), AH_OK);
    assert_int_equal(admit(set, 1, T0 + 30000 + 3, &retry), AH_EBUSY);
    assert_int_equal(retry, 1);
    /* An unknown integration is not limited here (the key check refuses it). */
    assert_int_equal(admit(set, 99, T0, &retry), AH_OK);
    ah_integrations_free(set);
}

/* Editing an integration (a new name, a new key) does not reset its limits
 * or its card's statistics. */
static void test_put_keeps_counts(void **state)
{
    struct ah_integrations *set = ah_integrations_new();
    struct ah_integration a = make(1, "alpha", KEY_A, 2, 100), edited;
    int retry;

    (void)state;
    ah_integrations_put(set, &a);
    assert_int_equal(admit(set, 1, T0, &retry), AH_OK);
    assert_int_equal(admit(set, 1, T0, &retry), AH_OK);
    ah_integrations_count(set, 1, AH_STAT_EVENTS_ACCEPTED, 7);
    edited = make(1, "alpha-renamed", KEY_C, 2, 100);
    ah_integrations_put(set, &edited);
    assert_null(name_of(set, KEY_A));
    assert_string_equal(name_of(set, KEY_C), "alpha-renamed");
    assert_int_equal(admit(set, 1, T0 + 500, &retry), AH_EBUSY);
    assert_int_equal(stat(set, 1, "events_accepted"), 7);
    ah_integrations_free(set);
}

/* A reload of the whole set (another node changed the configuration)
 * replaces the integrations at once: one that stays keeps its counts and
 * statistics, one that went is gone, a new one starts at zero. */
static void test_take_keeps_counts(void **state)
{
    struct ah_integrations *set = ah_integrations_new(), *fresh = ah_integrations_new();
    struct ah_integration a = make(1, "alpha", KEY_A, 1, 100), b = make(2, "beta", KEY_B, 1, 100),
                          a2 = make(1, "alpha-2", KEY_A, 1, 100),
                          c = make(3, "gamma", KEY_C, 1, 100);
    int retry;

    (void)state;
    ah_integrations_put(set, &a);
    ah_integrations_put(set, &b);
    assert_int_equal(admit(set, 1, T0, &retry), AH_OK);
    ah_integrations_count(set, 1, AH_STAT_RATE_LIMITED, 3);
    ah_integrations_count(set, 2, AH_STAT_EVENTS_ACCEPTED, 5);
    ah_integrations_put(fresh, &a2);
    ah_integrations_put(fresh, &c);
    ah_integrations_take(set, fresh);

    assert_string_equal(name_of(set, KEY_A), "alpha-2");
    assert_null(name_of(set, KEY_B));
    assert_string_equal(name_of(set, KEY_C), "gamma");
    /* alpha used its one request of this second before the reload. */
    assert_int_equal(admit(set, 1, T0 + 100, &retry), AH_EBUSY);
    assert_int_equal(stat(set, 1, "rate_limited"), 3);
    assert_int_equal(admit(set, 3, T0 + 100, &retry), AH_OK);
    assert_int_equal(stat(set, 3, "events_accepted"), 0);
    assert_int_equal(stat(set, 2, "events_accepted"), 0); /* gone: nothing */
    ah_integrations_free(set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find_by_key),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_put_keeps_counts),
        cmocka_unit_test(test_take_keeps_counts),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
