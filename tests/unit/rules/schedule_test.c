/* schedule_test.c - silence time windows (rules/schedule.c): one-time
 * windows [start, end), weekly windows on a zone's wall clock including ones
 * that cross midnight, and every malformed input the compiler must refuse.
 * All instants are explicit Unix seconds; comments give the local time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "rules/schedule.h"

#include <string.h>

/* Shanghai is UTC+8 all year. Week of Monday 2026-01-12. */
#define SH_SAT_2359_59 1768665599LL /* Sat 2026-01-17 23:59:59 (15:59:59Z) */
#define SH_SUN_0300    1768071600LL /* Sun 2026-01-11 03:00 (Sat 19:00Z) */
#define SH_SUN_2300    1768143600LL /* Sun 2026-01-11 23:00 (15:00Z) */
#define SH_SUN_0000    1768665600LL /* Sun 2026-01-18 00:00 (Sat 16:00Z) */
#define SH_MON_0000    1768147200LL /* Mon 2026-01-12 00:00 (Sun 16:00Z) */
#define SH_MON_1200    1768190400LL /* Mon 2026-01-12 12:00 (04:00Z) */
#define SH_MON_2159    1768226340LL /* Mon 2026-01-12 21:59 (13:59Z) */
#define SH_MON_2200    1768226400LL /* Mon 2026-01-12 22:00 (14:00Z) */
#define SH_MON_2330    1768231800LL /* Mon 2026-01-12 23:30 (15:30Z) */
#define SH_TUE_0559    1768255140LL /* Tue 2026-01-13 05:59 (Mon 21:59Z) */
#define SH_TUE_0559_59 1768255199LL /* Tue 2026-01-13 05:59:59 (Mon 21:59:59Z) */
#define SH_TUE_0600    1768255200LL /* Tue 2026-01-13 06:00 (Mon 22:00Z) */
#define SH_TUE_2330    1768318200LL /* Tue 2026-01-13 23:30 (15:30Z) */
#define SH_WED_1200    1768363200LL /* Wed 2026-01-14 12:00 (04:00Z) */
#define SH_SAT_1200    1768622400LL /* Sat 2026-01-17 12:00 (04:00Z) */

/* Compiles @text, which must be valid. */
static struct ah_schedule *compile(const char *text)
{
    struct ah_schedule *s = NULL;
    struct ah_error err = {AH_OK, ""};
    json_t *rule = json_loads(text, 0, NULL);

    assert_non_null(rule);
    if (ah_schedule_compile(rule, &s, &err) != AH_OK)
        fail_msg("%s: %s", text, err.msg);
    json_decref(rule);
    return s;
}

/* Compiles @text, which must fail with AH_EINVAL and message @msg. */
static void refuse(const char *text, const char *msg)
{
    struct ah_schedule *s = NULL;
    struct ah_error err = {AH_OK, ""};
    json_t *rule = json_loads(text, 0, NULL);

    assert_non_null(rule);
    assert_int_equal(ah_schedule_compile(rule, &s, &err), AH_EINVAL);
    assert_null(s);
    assert_int_equal(err.code, AH_EINVAL);
    assert_string_equal(err.msg, msg);
    json_decref(rule);
}

static void test_one_time(void **state)
{
    struct ah_schedule *s =
        compile("{\"name\": \"x\", \"time\": {\"start\": 1000, \"end\": 2000}}");

    (void)state;
    assert_false(ah_schedule_active(s, 999));
    assert_true(ah_schedule_active(s, 1000)); /* start is inside */
    assert_true(ah_schedule_active(s, 1999));
    assert_false(ah_schedule_active(s, 2000)); /* end is not */
    assert_false(ah_schedule_expired(s, 999));
    assert_false(ah_schedule_expired(s, 1999));
    assert_true(ah_schedule_expired(s, 2000));
    assert_true(ah_schedule_expired(s, 1LL << 40));
    ah_schedule_free(s);
    ah_schedule_free(NULL);
}

static void test_weekly_across_midnight(void **state)
{
    struct ah_schedule *s = compile("{\"weekly\": [{\"days\": [1], \"start\": \"22:00\", "
                                    "\"end\": \"06:00\", \"tz\": \"Asia/Shanghai\"}]}");

    (void)state;
    assert_false(ah_schedule_active(s, SH_MON_2159));
    assert_true(ah_schedule_active(s, SH_MON_2200));
    assert_true(ah_schedule_active(s, SH_MON_2330));
    assert_true(ah_schedule_active(s, SH_TUE_0559));
    assert_true(ah_schedule_active(s, SH_TUE_0559_59));
    assert_false(ah_schedule_active(s, SH_TUE_0600));
    assert_false(ah_schedule_active(s, SH_TUE_2330)); /* Tuesday is not listed */
    assert_false(ah_schedule_active(s, SH_SUN_2300));
    /* Monday's window reaches into Tuesday, never back into Sunday. */
    assert_false(ah_schedule_active(s, SH_SUN_0300));
    assert_false(ah_schedule_active(s, SH_MON_0000));
    assert_false(ah_schedule_expired(s, SH_TUE_0600)); /* weekly never expires */
    assert_false(ah_schedule_expired(s, 1LL << 40));
    ah_schedule_free(s);
}

/* Sunday (0) evening spills into Monday; Saturday (6) into Sunday. */
static void test_week_wraps(void **state)
{
    struct ah_schedule *s = compile("{\"weekly\": [{\"days\": [6], \"start\": \"23:00\", "
                                    "\"end\": \"01:00\", \"tz\": \"Asia/Shanghai\"}]}");

    (void)state;
    assert_true(ah_schedule_active(s, SH_SAT_2359_59));
    assert_true(ah_schedule_active(s, SH_SUN_0000));
    assert_false(ah_schedule_active(s, SH_MON_0000));
    ah_schedule_free(s);
}

static void test_every_day(void **state)
{
    struct ah_schedule *s = compile("{\"weekly\": [{\"days\": [], \"start\": \"09:00\", "
                                    "\"end\": \"18:00\", \"tz\": \"Asia/Shanghai\"}]}");

    (void)state;
    assert_true(ah_schedule_active(s, SH_MON_1200));
    assert_true(ah_schedule_active(s, SH_WED_1200));
    assert_true(ah_schedule_active(s, SH_SAT_1200));
    assert_false(ah_schedule_active(s, SH_MON_2200));
    assert_false(ah_schedule_active(s, SH_SUN_0300));
    ah_schedule_free(s);
    /* "days" left out means every day too; null counts as absent. */
    s = compile("{\"time\": null, \"weekly\": [{\"start\": \"09:00\", \"end\": \"18:00\", "
                "\"tz\": \"Asia/Shanghai\"}]}");
    assert_true(ah_schedule_active(s, SH_SAT_1200));
    ah_schedule_free(s);
}

static void test_whole_day(void **state)
{
    struct ah_schedule *s = compile("{\"weekly\": [{\"days\": [1], \"start\": \"08:00\", "
                                    "\"end\": \"08:00\", \"tz\": \"Asia/Shanghai\"}]}");

    (void)state;
    assert_true(ah_schedule_active(s, SH_MON_0000));
    assert_true(ah_schedule_active(s, SH_MON_1200));
    assert_true(ah_schedule_active(s, SH_MON_2330));
    assert_false(ah_schedule_active(s, SH_TUE_0559)); /* the day only, not 24 h */
    assert_false(ah_schedule_active(s, SH_SUN_2300));
    ah_schedule_free(s);
}

static void test_several_windows(void **state)
{
    struct ah_schedule *s = compile("{\"weekly\": ["
                                    "{\"days\": [1], \"start\": \"00:00\", \"end\": \"01:00\", "
                                    "\"tz\": \"Asia/Shanghai\"},"
                                    "{\"days\": [3, 6], \"start\": \"11:00\", \"end\": \"13:00\", "
                                    "\"tz\": \"Asia/Shanghai\"},"
                                    "{\"days\": [0], \"start\": \"15:00\", \"end\": \"15:30\"}]}");

    (void)state;
    assert_true(ah_schedule_active(s, SH_MON_0000));  /* first window */
    assert_true(ah_schedule_active(s, SH_WED_1200));  /* second */
    assert_true(ah_schedule_active(s, SH_SAT_1200));  /* second */
    assert_true(ah_schedule_active(s, SH_SUN_2300));  /* third: Sun 15:00Z in UTC */
    assert_false(ah_schedule_active(s, SH_MON_1200)); /* none */
    assert_false(ah_schedule_active(s, SH_TUE_0600));
    ah_schedule_free(s);
}

/* The window follows the wall clock, so its UTC instant moves with DST:
 * Monday 09:00-10:00 New York is 14:00Z in January, 13:00Z in July. */
static void test_weekly_dst(void **state)
{
    struct ah_schedule *s = compile("{\"weekly\": [{\"days\": [1], \"start\": \"09:00\", "
                                    "\"end\": \"10:00\", \"tz\": \"America/New_York\"}]}");

    (void)state;
    assert_true(ah_schedule_active(s, 1768831200LL));  /* Mon 2026-01-19 09:00 EST (14:00Z) */
    assert_false(ah_schedule_active(s, 1768827600LL)); /* Mon 2026-01-19 08:00 EST (13:00Z) */
    assert_true(ah_schedule_active(s, 1784552400LL));  /* Mon 2026-07-20 09:00 EDT (13:00Z) */
    assert_false(ah_schedule_active(s, 1784556000LL)); /* Mon 2026-07-20 10:00 EDT (14:00Z) */
    ah_schedule_free(s);
}

static void test_invalid_choice(void **state)
{
    (void)state;
    refuse("{}", "silence needs exactly one of time or weekly");
    refuse("{\"time\": null, \"weekly\": null}", "silence needs exactly one of time or weekly");
    refuse("{\"time\": {\"start\": 1, \"end\": 2}, \"weekly\": [{\"start\": \"00:00\", "
           "\"end\": \"01:00\"}]}",
           "silence needs exactly one of time or weekly");
    refuse("[]", "silence needs exactly one of time or weekly");
}

static void test_invalid_time(void **state)
{
    (void)state;
    refuse("{\"time\": [1, 2]}", "\"time\" must be an object with start and end");
    refuse("{\"time\": {\"end\": 2}}", "\"time.start\" must be a positive integer (Unix seconds)");
    refuse("{\"time\": {\"start\": 1}}", "\"time.end\" must be a positive integer (Unix seconds)");
    refuse("{\"time\": {\"start\": 0, \"end\": 2}}",
           "\"time.start\" must be a positive integer (Unix seconds)");
    refuse("{\"time\": {\"start\": -5, \"end\": 2}}",
           "\"time.start\" must be a positive integer (Unix seconds)");
    refuse("{\"time\": {\"start\": \"1\", \"end\": 2}}",
           "\"time.start\" must be a positive integer (Unix seconds)");
    refuse("{\"time\": {\"start\": 1.5, \"end\": 2}}",
           "\"time.start\" must be a positive integer (Unix seconds)");
    refuse("{\"time\": {\"start\": 2, \"end\": 2}}", "\"time.start\" must be before \"time.end\"");
    refuse("{\"time\": {\"start\": 3, \"end\": 2}}", "\"time.start\" must be before \"time.end\"");
    refuse("{\"time\": {\"start\": 1, \"end\": 2, \"tz\": \"UTC\"}}",
           "unrecognized field \"time.tz\"");
}

static void test_invalid_weekly(void **state)
{
    (void)state;
    refuse("{\"weekly\": []}", "\"weekly\" must be an array of 1 to 10 windows");
    refuse("{\"weekly\": {\"start\": \"00:00\"}}",
           "\"weekly\" must be an array of 1 to 10 windows");
    refuse("{\"weekly\": [{\"start\": \"00:00\", \"end\": \"01:00\"}, {\"start\": \"00:00\", "
           "\"end\": \"01:00\"}, {\"start\": \"00:00\", \"end\": \"01:00\"}, {\"start\": "
           "\"00:00\", \"end\": \"01:00\"}, {\"start\": \"00:00\", \"end\": \"01:00\"}, "
           "{\"start\": \"00:00\", \"end\": \"01:00\"}, {\"start\": \"00:00\", \"end\": "
           "\"01:00\"}, {\"start\": \"00:00\", \"end\": \"01:00\"}, {\"start\": \"00:00\", "
           "\"end\": \"01:00\"}, {\"start\": \"00:00\", \"end\": \"01:00\"}, {\"start\": "
           "\"00:00\", \"end\": \"01:00\"}]}",
           "\"weekly\" must be an array of 1 to 10 windows");
    refuse("{\"weekly\": [\"mon\"]}", "\"weekly[0]\" must be an object");
    refuse("{\"weekly\": [{\"start\": \"00:00\", \"end\": \"01:00\", \"day\": [1]}]}",
           "unrecognized field \"weekly[0].day\"");
}

static void test_invalid_window(void **state)
{
    (void)state;
    refuse("{\"weekly\": [{\"days\": 1, \"start\": \"00:00\", \"end\": \"01:00\"}]}",
           "\"weekly[0].days\" must be an array of weekdays");
    refuse("{\"weekly\": [{\"days\": [7], \"start\": \"00:00\", \"end\": \"01:00\"}]}",
           "\"weekly[0].days\" must hold weekdays 0 (Sunday) to 6 (Saturday)");
    refuse("{\"weekly\": [{\"days\": [-1], \"start\": \"00:00\", \"end\": \"01:00\"}]}",
           "\"weekly[0].days\" must hold weekdays 0 (Sunday) to 6 (Saturday)");
    refuse("{\"weekly\": [{\"days\": [\"1\"], \"start\": \"00:00\", \"end\": \"01:00\"}]}",
           "\"weekly[0].days\" must hold weekdays 0 (Sunday) to 6 (Saturday)");
    refuse("{\"weekly\": [{\"end\": \"01:00\"}]}", "\"weekly[0].start\" must be a time \"HH:MM\"");
    refuse("{\"weekly\": [{\"start\": 900, \"end\": \"01:00\"}]}",
           "\"weekly[0].start\" must be a time \"HH:MM\"");
    refuse("{\"weekly\": [{\"start\": \"00:00\"}]}", "\"weekly[0].end\" must be a time \"HH:MM\"");
    refuse("{\"weekly\": [{\"start\": \"00:00\", \"end\": \"01:00\"}, "
           "{\"start\": \"24:00\", \"end\": \"01:00\"}]}",
           "invalid time \"24:00\" in \"weekly[1].start\": expected HH:MM from 00:00 to 23:59");
    refuse("{\"weekly\": [{\"start\": \"00:00\", \"end\": \"12:60\"}]}",
           "invalid time \"12:60\" in \"weekly[0].end\": expected HH:MM from 00:00 to 23:59");
    refuse("{\"weekly\": [{\"start\": \"9:00\", \"end\": \"12:00\"}]}",
           "invalid time \"9:00\" in \"weekly[0].start\": expected HH:MM from 00:00 to 23:59");
    refuse("{\"weekly\": [{\"start\": \"09:00:00\", \"end\": \"12:00\"}]}",
           "invalid time \"09:00:00\" in \"weekly[0].start\": expected HH:MM from 00:00 to 23:59");
    refuse("{\"weekly\": [{\"start\": \"09.00\", \"end\": \"12:00\"}]}",
           "invalid time \"09.00\" in \"weekly[0].start\": expected HH:MM from 00:00 to 23:59");
    refuse("{\"weekly\": [{\"start\": \"00:00\", \"end\": \"01:00\", \"tz\": 8}]}",
           "\"weekly[0].tz\" must be a string");
}

static void test_invalid_zone(void **state)
{
    (void)state;
    refuse("{\"weekly\": [{\"start\": \"00:00\", \"end\": \"01:00\", \"tz\": \"Mars/Olympus\"}]}",
           "unrecognized time zone \"Mars/Olympus\"");
    refuse("{\"weekly\": [{\"start\": \"00:00\", \"end\": \"01:00\", \"tz\": \"Asia/Shanghai\"}, "
           "{\"start\": \"00:00\", \"end\": \"01:00\", \"tz\": \"../etc/passwd\"}]}",
           "unrecognized time zone \"../etc/passwd\"");
    refuse("{\"weekly\": [{\"start\": \"00:00\", \"end\": \"01:00\", \"tz\": \"/etc/passwd\"}]}",
           "unrecognized time zone \"/etc/passwd\"");
    refuse("{\"weekly\": [{\"start\": \"00:00\", \"end\": \"01:00\", \"tz\": \"\"}]}",
           "unrecognized time zone \"\"");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_time),       cmocka_unit_test(test_weekly_across_midnight),
        cmocka_unit_test(test_week_wraps),     cmocka_unit_test(test_every_day),
        cmocka_unit_test(test_whole_day),      cmocka_unit_test(test_several_windows),
        cmocka_unit_test(test_weekly_dst),     cmocka_unit_test(test_invalid_choice),
        cmocka_unit_test(test_invalid_time),   cmocka_unit_test(test_invalid_weekly),
        cmocka_unit_test(test_invalid_window), cmocka_unit_test(test_invalid_zone),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
