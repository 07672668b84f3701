/* rota_test.c - on-call schedules (rules/rota.c): rotations of each unit
 * with exact boundaries, handoffs at local wall-clock time across DST
 * changes (including one inside the spring gap), restrictions, layers and
 * overrides laid over one another, merging and cutting, every refusal of
 * the compiler, the normalized JSON, and speed. Every instant is explicit
 * Unix seconds, computed apart from this code (Python zoneinfo); comments
 * give the local time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "json_fixture.h"
#include "rules/rota.h"
#include "util/alloc.h"
#include "util/clock.h"

#include <stdio.h>
#include <string.h>

#define H    3600LL
#define D    86400LL
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* New York, winter (EST = UTC-5). */
#define NY_0104_0000 1799038800LL /* Mon 2027-01-04 00:00 EST */
#define NY_0104_0900 1799071200LL /* Mon 2027-01-04 09:00 EST (14:00Z) */
#define NY_0104_1000 1799074800LL /* Mon 2027-01-04 10:00 EST */
#define NY_0106_1200 1799254800LL /* Wed 2027-01-06 12:00 EST */
#define NY_0120_0900 1800453600LL /* Wed 2027-01-20 09:00 EST */
/* UTC, the same Monday. */
#define UTC_0104 1799020800LL /* Mon 2027-01-04 00:00Z */

/* Compiles @text, which must be valid. */
static struct ah_rota *compile(const char *text)
{
    struct ah_error err = {AH_OK, ""};
    struct ah_rota *r = NULL;
    json_t *j = parse_json(text);

    if (ah_rota_compile(j, &r, NULL, &err) != AH_OK)
        fail_msg("%s: %s", text, err.msg);
    json_decref(j);
    return r;
}

/* Compiles a schedule in zone @tz with the one layer @layer (JSON text). */
static struct ah_rota *compile_layer(const char *tz, const char *layer)
{
    char text[2048];

    snprintf(text, sizeof(text), "{\"timezone\": \"%s\", \"layers\": [%s]}", tz, layer);
    return compile(text);
}

static void print_shifts(const struct ah_shift *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        print_message("  {%lld, %lld, %lld, %d} (%+lld s)\n", (long long)s[i].member_id,
                      (long long)s[i].start, (long long)s[i].end, s[i].layer,
                      (long long)(s[i].end - s[i].start));
}

/* Asserts that the final shifts in [@since, @until) are exactly @want. */
static void expect_shifts(const struct ah_rota *r, const struct ah_rota_override *ov, size_t nov,
                          int64_t since, int64_t until, const struct ah_shift *want, size_t nwant)
{
    struct ah_error err = {AH_OK, ""};
    struct ah_shift *got = NULL;
    size_t n = 0, i;

    assert_int_equal(ah_rota_shifts(r, ov, nov, since, until, &got, &n, &err), AH_OK);
    assert_non_null(got);
    for (i = 0; i < n && i < nwant; i++) {
        if (got[i].member_id != want[i].member_id || got[i].start != want[i].start ||
            got[i].end != want[i].end || got[i].layer != want[i].layer)
            break;
    }
    if (i < n || i < nwant) {
        print_message("shift %zu differs; got %zu:\n", i, n);
        print_shifts(got, n);
        print_message("wanted %zu:\n", nwant);
        print_shifts(want, nwant);
        ah_free(got);
        fail();
    }
    ah_free(got);
}

/* ---- rotations ---- */

/* Hours count real time: the spring gap at 02:00 on 2027-03-14 in New York
 * changes nothing, and shift k is found directly far from the start. */
static void test_hour_rotations(void **state)
{
    const int64_t t0 = 1805000400; /* Sun 2027-03-14 00:00 EST */
    const struct ah_shift one[] = {
        {1, t0, t0 + H, 0},
        {2, t0 + H, t0 + 2 * H, 0},
        {3, t0 + 2 * H, t0 + 3 * H, 0},
        {1, t0 + 3 * H, t0 + 4 * H, 0},
        {2, t0 + 4 * H, t0 + 5 * H, 0},
    };
    /* Shift 100000 (member index 100000 % 3 = 1) and the next. */
    const struct ah_shift far[] = {
        {2, t0 + 100000 * H + 1800, t0 + 100001 * H, 0},
        {3, t0 + 100001 * H, t0 + 100002 * H, 0},
    };
    /* 00:00 EST, then 09:00 and 17:00 EDT: eight real hours each. */
    const struct ah_shift eight[] = {
        {1, t0, t0 + 8 * H, 0}, {2, t0 + 8 * H, t0 + 16 * H, 0}, {1, t0 + 16 * H, t0 + 24 * H, 0}};
    struct ah_rota *r;

    (void)state;
    r = compile_layer("America/New_York", "{\"start\": 1805000400, \"rotation\": {\"unit\": "
                                          "\"hour\", \"length\": 1}, \"member_ids\": [\"1\", 2, "
                                          "\"3\"]}");
    expect_shifts(r, NULL, 0, t0, t0 + 5 * H, one, N(one));
    expect_shifts(r, NULL, 0, t0 + 100000 * H + 1800, t0 + 100002 * H, far, N(far));
    ah_rota_free(r);
    /* A handoff given to an hourly layer is ignored. */
    r = compile_layer("America/New_York", "{\"start\": 1805000400, \"rotation\": {\"unit\": "
                                          "\"hour\", \"length\": 8}, \"handoff\": \"09:00\", "
                                          "\"member_ids\": [1, 2]}");
    expect_shifts(r, NULL, 0, t0, t0 + 24 * H, eight, N(eight));
    ah_rota_free(r);
}

static void test_day_rotations(void **state)
{
    const int64_t s = NY_0104_0900;
    const struct ah_shift daily[] = {
        {1, s, s + D, 0}, {2, s + D, s + 2 * D, 0}, {3, s + 2 * D, s + 3 * D, 0}};
    /* Starting at midnight: the first shift runs to the first handoff, on
     * the start's date plus two days. */
    const struct ah_shift two[] = {{1, NY_0104_0000, s + 2 * D, 0},
                                   {2, s + 2 * D, s + 4 * D, 0},
                                   {1, s + 4 * D, s + 6 * D, 0}};
    /* Starting after the handoff time: the first shift is 23 hours. */
    const struct ah_shift late[] = {
        {1, NY_0104_1000, s + D, 0}, {2, s + D, s + 2 * D, 0}, {1, s + 2 * D, s + 3 * D, 0}};
    const struct ah_shift before[] = {{1, s, s + D, 0}};
    struct ah_rota *r;

    (void)state;
    r = compile_layer("America/New_York",
                      "{\"start\": 1799071200, \"rotation\": {\"unit\": \"day\", \"length\": 1}, "
                      "\"handoff\": \"09:00\", \"member_ids\": [1, 2, 3]}");
    expect_shifts(r, NULL, 0, s, s + 3 * D, daily, N(daily));
    /* Nothing before the layer's start. */
    expect_shifts(r, NULL, 0, s - 5 * D, s + D, before, N(before));
    ah_rota_free(r);
    r = compile_layer("America/New_York",
                      "{\"start\": 1799038800, \"rotation\": {\"unit\": \"day\", \"length\": 2}, "
                      "\"handoff\": \"09:00\", \"member_ids\": [1, 2]}");
    expect_shifts(r, NULL, 0, NY_0104_0000, s + 6 * D, two, N(two));
    ah_rota_free(r);
    r = compile_layer("America/New_York",
                      "{\"start\": 1799074800, \"rotation\": {\"unit\": \"day\", \"length\": 1}, "
                      "\"handoff\": \"09:00\", \"member_ids\": [1, 2]}");
    expect_shifts(r, NULL, 0, NY_0104_1000, s + 3 * D, late, N(late));
    ah_rota_free(r);
}

static void test_week_rotations(void **state)
{
    const int64_t s = NY_0104_0900, w = NY_0120_0900;
    const struct ah_shift weekly[] = {
        {1, s, s + 7 * D, 0}, {2, s + 7 * D, s + 14 * D, 0}, {3, s + 14 * D, s + 21 * D, 0}};
    const struct ah_shift mid[] = {{2, s + 10 * D, s + 14 * D, 0}, {3, s + 14 * D, s + 15 * D, 0}};
    /* Starting on a Wednesday at noon: handoffs on Wednesdays at 09:00,
     * the first two weeks after the start's date. */
    const struct ah_shift fortnight[] = {
        {1, NY_0106_1200, w, 0}, {2, w, w + 14 * D, 0}, {1, w + 14 * D, w + 28 * D, 0}};
    struct ah_rota *r;

    (void)state;
    r = compile_layer("America/New_York",
                      "{\"start\": 1799071200, \"rotation\": {\"unit\": \"week\", \"length\": 1}, "
                      "\"handoff\": \"09:00\", \"member_ids\": [1, 2, 3]}");
    expect_shifts(r, NULL, 0, s, s + 21 * D, weekly, N(weekly));
    expect_shifts(r, NULL, 0, s + 10 * D, s + 15 * D, mid, N(mid));
    ah_rota_free(r);
    r = compile_layer("America/New_York",
                      "{\"start\": 1799254800, \"rotation\": {\"unit\": \"week\", \"length\": 2}, "
                      "\"handoff\": \"09:00\", \"member_ids\": [1, 2]}");
    expect_shifts(r, NULL, 0, NY_0106_1200, w + 28 * D, fortnight, N(fortnight));
    ah_rota_free(r);
}

/* ---- daylight-saving time ---- */

/* 09:00 stays 09:00 local: 14:00Z in EST, 13:00Z in EDT, so the day shift
 * over 2027-03-14 lasts 23 hours and the one over 2027-11-07 25. */
static void test_dst_new_york(void **state)
{
    const struct ah_shift spring[] = {
        {1, 1804914000, 1804946400, 0}, /* Sat 03-13 00:00 EST .. 09:00 EST (14:00Z) */
        {2, 1804946400, 1805029200, 0}, /* .. Sun 03-14 09:00 EDT (13:00Z): 23 h */
        {1, 1805029200, 1805115600, 0}, /* .. Mon 03-15 09:00 EDT */
        {2, 1805115600, 1805169600, 0}, /* .. Tue 03-16 00:00 EDT */
    };
    const struct ah_shift autumn[] = {
        {2, 1825506000, 1825596000, 0}, /* Sat 11-06 09:00 EDT .. Sun 11-07 09:00 EST: 25 h */
        {1, 1825596000, 1825682400, 0}, /* .. Mon 11-08 09:00 EST */
    };
    /* Weekly from Mon 03-08 09:00 EST: the week over the change is 167 h. */
    const struct ah_shift week[] = {
        {1, 1804514400, 1805115600, 0},
        {2, 1805115600, 1805115600 + 7 * D, 0},
    };
    struct ah_rota *r;

    (void)state;
    assert_int_equal(1805029200 - 1804946400, 23 * H);
    assert_int_equal(1825596000 - 1825506000, 25 * H);
    r = compile_layer("America/New_York",
                      "{\"start\": 1804687200, \"rotation\": {\"unit\": \"day\", \"length\": 1}, "
                      "\"handoff\": \"09:00\", \"member_ids\": [1, 2]}"); /* Wed 03-10 09:00 */
    expect_shifts(r, NULL, 0, 1804914000, 1805169600, spring, N(spring));
    ah_rota_free(r);
    r = compile_layer("America/New_York",
                      "{\"start\": 1825074000, \"rotation\": {\"unit\": \"day\", \"length\": 1}, "
                      "\"handoff\": \"09:00\", \"member_ids\": [1, 2]}"); /* Mon 11-01 09:00 */
    expect_shifts(r, NULL, 0, 1825506000, 1825682400, autumn, N(autumn));
    ah_rota_free(r);
    r = compile_layer("America/New_York",
                      "{\"start\": 1804514400, \"rotation\": {\"unit\": \"week\", \"length\": 1}, "
                      "\"handoff\": \"09:00\", \"member_ids\": [1, 2]}");
    expect_shifts(r, NULL, 0, 1804514400, 1805115600 + 7 * D, week, N(week));
    ah_rota_free(r);
}

/* Berlin: 09:00 is 08:00Z in CET, 07:00Z in CEST. */
static void test_dst_berlin(void **state)
{
    const struct ah_shift spring[] = {
        {1, 1806134400, 1806217200, 0}, /* Sat 03-27 09:00 CET .. Sun 03-28 09:00 CEST: 23 h */
        {2, 1806217200, 1806303600, 0}, /* .. Mon 03-29 09:00 CEST */
    };
    const struct ah_shift autumn[] = {
        {1, 1824879600, 1824969600, 0}, /* Sat 10-30 09:00 CEST .. Sun 10-31 09:00 CET: 25 h */
        {2, 1824969600, 1825056000, 0}, /* .. Mon 11-01 09:00 CET */
    };
    struct ah_rota *r;

    (void)state;
    assert_int_equal(1806217200 - 1806134400, 23 * H);
    assert_int_equal(1824969600 - 1824879600, 25 * H);
    r = compile_layer("Europe/Berlin",
                      "{\"start\": 1806134400, \"rotation\": {\"unit\": \"day\", \"length\": 1}, "
                      "\"handoff\": \"09:00\", \"member_ids\": [1, 2]}");
    expect_shifts(r, NULL, 0, 1806134400, 1806303600, spring, N(spring));
    ah_rota_free(r);
    r = compile_layer("Europe/Berlin",
                      "{\"start\": 1824879600, \"rotation\": {\"unit\": \"day\", \"length\": 1}, "
                      "\"handoff\": \"09:00\", \"member_ids\": [1, 2]}");
    expect_shifts(r, NULL, 0, 1824879600, 1825056000, autumn, N(autumn));
    ah_rota_free(r);
}

/* A handoff at 02:30 on 2027-03-14 in New York, which the clock skips,
 * happens at 03:30 EDT; one at 01:30 on 2027-11-07, which happens twice,
 * at the first (EDT). */
static void test_handoff_in_gap_and_fold(void **state)
{
    const struct ah_shift gap[] = {
        {2, 1804923000, 1805009400, 0}, /* Sat 03-13 02:30 EST .. Sun 03-14 03:30 EDT (07:30Z) */
        {1, 1805009400, 1805092200, 0}, /* .. Mon 03-15 02:30 EDT (06:30Z): 23 h */
    };
    const struct ah_shift fold[] = {
        {2, 1825479000, 1825565400, 0}, /* Sat 11-06 01:30 EDT .. Sun 11-07 01:30 EDT */
        {1, 1825565400, 1825655400, 0}, /* .. Mon 11-08 01:30 EST: 25 h */
    };
    struct ah_rota *r;

    (void)state;
    r = compile_layer("America/New_York",
                      "{\"start\": 1804836600, \"rotation\": {\"unit\": \"day\", \"length\": 1}, "
                      "\"handoff\": \"02:30\", \"member_ids\": [1, 2]}"); /* Fri 03-12 02:30 */
    expect_shifts(r, NULL, 0, 1804923000, 1805092200, gap, N(gap));
    ah_rota_free(r);
    r = compile_layer("America/New_York",
                      "{\"start\": 1825392600, \"rotation\": {\"unit\": \"day\", \"length\": 1}, "
                      "\"handoff\": \"01:30\", \"member_ids\": [1, 2]}"); /* Fri 11-05 01:30 */
    expect_shifts(r, NULL, 0, 1825479000, 1825655400, fold, N(fold));
    ah_rota_free(r);
}

/* Kolkata has no DST: every day shift of 2027 is 24 h from 03:30Z. */
static void test_zone_without_dst(void **state)
{
    const int64_t s = 1798774200; /* Fri 2027-01-01 09:00 IST */
    struct ah_shift *got = NULL;
    struct ah_rota *r;
    size_t n = 0, i;

    (void)state;
    r = compile_layer("Asia/Kolkata",
                      "{\"start\": 1798774200, \"rotation\": {\"unit\": \"day\", \"length\": 1}, "
                      "\"handoff\": \"09:00\", \"member_ids\": [1, 2]}");
    assert_int_equal(ah_rota_shifts(r, NULL, 0, s, s + 365 * D, &got, &n, NULL), AH_OK);
    assert_int_equal(n, 365);
    for (i = 0; i < n; i++) {
        assert_int_equal(got[i].start, s + (int64_t)i * D);
        assert_int_equal(got[i].end, s + (int64_t)(i + 1) * D);
        assert_int_equal(got[i].member_id, i % 2 + 1);
    }
    ah_free(got);
    ah_rota_free(r);
}

/* A layer that started 26 years before the query: weekly handoffs on
 * Monday 09:00 local, found without walking 1,365 weeks. */
static void test_start_years_before(void **state)
{
    const struct ah_shift want[] = {
        {3, 1803877200, 1803909600, 0}, /* Mon 03-01 00:00 EST .. 09:00 EST (week 1364) */
        {1, 1803909600, 1804514400, 0}, /* .. Mon 03-08 09:00 EST */
        {2, 1804514400, 1805115600, 0}, /* .. Mon 03-15 09:00 EDT */
        {3, 1805115600, 1805720400, 0}, /* .. Mon 03-22 09:00 EDT */
        {1, 1805720400, 1806292800, 0}, /* .. Mon 03-29 00:00 EDT */
    };
    struct ah_rota *r;

    (void)state;
    r = compile_layer("America/New_York",
                      "{\"start\": 978357600, \"rotation\": {\"unit\": \"week\", \"length\": 1}, "
                      "\"handoff\": \"09:00\", \"member_ids\": [1, 2, 3]}"); /* 2001-01-01 09:00 */
    expect_shifts(r, NULL, 0, 1803877200, 1806292800, want, N(want));
    ah_rota_free(r);
}

/* ---- restrictions ---- */

static void test_restrictions_within_day(void **state)
{
    const int64_t m = NY_0104_0000;
    const struct ah_shift office[] = {
        {7, m + 9 * H, m + 18 * H, 0},
        {7, m + D + 9 * H, m + D + 18 * H, 0},
        {7, m + 2 * D + 9 * H, m + 2 * D + 18 * H, 0},
        {7, m + 3 * D + 9 * H, m + 3 * D + 18 * H, 0},
        {7, m + 4 * D + 9 * H, m + 4 * D + 18 * H, 0},
    };
    /* Daily handoff at noon cuts the windows too. */
    const struct ah_shift noon[] = {
        {1, m + 9 * H, m + 18 * H, 0},
        {1, m + D + 9 * H, m + D + 12 * H, 0},
        {2, m + D + 12 * H, m + D + 18 * H, 0},
        {2, m + 2 * D + 9 * H, m + 2 * D + 12 * H, 0},
        {1, m + 2 * D + 12 * H, m + 2 * D + 18 * H, 0},
        {1, m + 3 * D + 9 * H, m + 3 * D + 12 * H, 0},
        {2, m + 3 * D + 12 * H, m + 3 * D + 18 * H, 0},
        {2, m + 4 * D + 9 * H, m + 4 * D + 12 * H, 0},
        {1, m + 4 * D + 12 * H, m + 4 * D + 18 * H, 0},
    };
    struct ah_rota *r;

    (void)state;
    r = compile_layer("America/New_York",
                      "{\"start\": 1799038800, \"rotation\": {\"unit\": \"week\", \"length\": 1}, "
                      "\"handoff\": \"00:00\", \"member_ids\": [7], \"restrictions\": [{\"days\": "
                      "[1, 2, 3, 4, 5], \"start\": \"09:00\", \"end\": \"18:00\"}]}");
    expect_shifts(r, NULL, 0, m, m + 7 * D, office, N(office));
    ah_rota_free(r);
    r = compile_layer(
        "America/New_York",
        "{\"start\": 1799038800, \"rotation\": {\"unit\": \"day\", \"length\": 1}, "
        "\"handoff\": \"12:00\", \"member_ids\": [1, 2], \"restrictions\": [{\"days\": "
        "[1, 2, 3, 4, 5], \"start\": \"09:00\", \"end\": \"18:00\"}]}");
    expect_shifts(r, NULL, 0, m, m + 7 * D, noon, N(noon));
    ah_rota_free(r);
}

/* "22:00"-"06:00" on Friday covers Friday 22:00 to Saturday 06:00 only;
 * an end equal to the start is a whole 24 hours from the start. */
static void test_restrictions_across_midnight(void **state)
{
    const int64_t m = NY_0104_0000;
    const struct ah_shift friday[] = {
        {7, m + 4 * D + 22 * H, m + 5 * D + 6 * H, 0},
        {7, m + 11 * D + 22 * H, m + 12 * D + 6 * H, 0},
    };
    const struct ah_shift wednesday[] = {
        {7, m + 2 * D + 9 * H, m + 3 * D + 9 * H, 0},
        {7, m + 9 * D + 9 * H, m + 10 * D + 9 * H, 0},
    };
    /* Saturday 2027-03-13 22:00 EST to Sunday 06:00 EDT: 7 real hours. */
    const struct ah_shift dst[] = {{7, 1804993200, 1805018400, 0}};
    struct ah_rota *r;

    (void)state;
    r = compile_layer("America/New_York",
                      "{\"start\": 1799038800, \"rotation\": {\"unit\": \"week\", \"length\": 1}, "
                      "\"handoff\": \"00:00\", \"member_ids\": [7], \"restrictions\": [{\"days\": "
                      "[5], \"start\": \"22:00\", \"end\": \"06:00\"}]}");
    expect_shifts(r, NULL, 0, m, m + 14 * D, friday, N(friday));
    ah_rota_free(r);
    r = compile_layer("America/New_York",
                      "{\"start\": 1799038800, \"rotation\": {\"unit\": \"week\", \"length\": 1}, "
                      "\"handoff\": \"00:00\", \"member_ids\": [7], \"restrictions\": [{\"days\": "
                      "[3], \"start\": \"09:00\", \"end\": \"09:00\"}]}");
    expect_shifts(r, NULL, 0, m, m + 14 * D, wednesday, N(wednesday));
    ah_rota_free(r);
    r = compile_layer("America/New_York",
                      "{\"start\": 1799038800, \"rotation\": {\"unit\": \"week\", \"length\": 1}, "
                      "\"handoff\": \"00:00\", \"member_ids\": [7], \"restrictions\": [{\"days\": "
                      "[6], \"start\": \"22:00\", \"end\": \"06:00\"}]}");
    expect_shifts(r, NULL, 0, 1804914000 - D, 1805169600, dst, N(dst)); /* Fri 03-12 .. Tue */
    ah_rota_free(r);
}

/* The days filter, every day when empty, and overlapping or touching
 * windows joined into one piece. */
static void test_restriction_days_and_union(void **state)
{
    const int64_t m = NY_0104_0000;
    const struct ah_shift weekend[] = {
        {7, m + 5 * D + 10 * H, m + 5 * D + 12 * H, 0},
        {7, m + 6 * D + 10 * H, m + 6 * D + 12 * H, 0},
    };
    const struct ah_shift joined[] = {{7, m + 9 * H, m + 15 * H, 0}};
    struct ah_shift every[7];
    struct ah_rota *r;
    int i;

    (void)state;
    r = compile_layer("America/New_York",
                      "{\"start\": 1799038800, \"rotation\": {\"unit\": \"week\", \"length\": 1}, "
                      "\"handoff\": \"00:00\", \"member_ids\": [7], \"restrictions\": [{\"days\": "
                      "[6, 7], \"start\": \"10:00\", \"end\": \"12:00\"}]}");
    expect_shifts(r, NULL, 0, m, m + 7 * D, weekend, N(weekend));
    ah_rota_free(r);
    r = compile_layer("America/New_York",
                      "{\"start\": 1799038800, \"rotation\": {\"unit\": \"week\", \"length\": 1}, "
                      "\"handoff\": \"00:00\", \"member_ids\": [7], \"restrictions\": ["
                      "{\"days\": [1], \"start\": \"09:00\", \"end\": \"12:00\"},"
                      "{\"days\": [1], \"start\": \"11:00\", \"end\": \"14:00\"},"
                      "{\"days\": [1], \"start\": \"14:00\", \"end\": \"15:00\"}]}");
    expect_shifts(r, NULL, 0, m, m + 7 * D, joined, N(joined));
    ah_rota_free(r);
    for (i = 0; i < 7; i++)
        every[i] = (struct ah_shift){7, m + i * D + 9 * H, m + i * D + 10 * H, 0};
    r = compile_layer("America/New_York",
                      "{\"start\": 1799038800, \"rotation\": {\"unit\": \"week\", \"length\": 1}, "
                      "\"handoff\": \"00:00\", \"member_ids\": [7], \"restrictions\": [{\"days\": "
                      "[], \"start\": \"09:00\", \"end\": \"10:00\"}]}");
    expect_shifts(r, NULL, 0, m, m + 7 * D, every, N(every));
    ah_rota_free(r);
}

/* ---- layers and overrides ---- */

#define ALWAYS_1                                                                                   \
    "{\"start\": 1799020800, \"rotation\": {\"unit\": \"week\", \"length\": 1}, \"handoff\": "     \
    "\"00:00\", \"member_ids\": [1]}"
#define OFFICE_2                                                                                   \
    "{\"start\": 1799020800, \"rotation\": {\"unit\": \"week\", \"length\": 1}, \"handoff\": "     \
    "\"00:00\", \"member_ids\": [2], \"restrictions\": [{\"days\": [1, 2, 3, 4, 5], \"start\": "   \
    "\"09:00\", \"end\": \"18:00\"}]}"

static void test_two_layers(void **state)
{
    const int64_t m = UTC_0104;
    const struct ah_shift want[] = {
        {1, m, m + 9 * H, 0},
        {2, m + 9 * H, m + 18 * H, 1},
        {1, m + 18 * H, m + D + 9 * H, 0},
        {2, m + D + 9 * H, m + D + 18 * H, 1},
        {1, m + D + 18 * H, m + 2 * D, 0},
    };
    struct ah_rota *r =
        compile("{\"timezone\": \"UTC\", \"layers\": [" ALWAYS_1 ", " OFFICE_2 "]}");

    (void)state;
    expect_shifts(r, NULL, 0, m, m + 2 * D, want, N(want));
    ah_rota_free(r);
}

/* The bottom layer covers 08:00-20:00 only, so nights are gaps (left
 * out); the top one has someone 12:00-13:00 on Mondays only. */
static void test_three_layers(void **state)
{
    const int64_t m = UTC_0104;
    const struct ah_shift want[] = {
        {1, m + 8 * H, m + 9 * H, 0},          {2, m + 9 * H, m + 12 * H, 1},
        {3, m + 12 * H, m + 13 * H, 2},        {2, m + 13 * H, m + 18 * H, 1},
        {1, m + 18 * H, m + 20 * H, 0},        {1, m + D + 8 * H, m + D + 9 * H, 0},
        {2, m + D + 9 * H, m + D + 18 * H, 1}, {1, m + D + 18 * H, m + D + 20 * H, 0},
    };
    struct ah_rota *r = compile(
        "{\"timezone\": \"UTC\", \"layers\": ["
        "{\"start\": 1799020800, \"rotation\": {\"unit\": \"day\", \"length\": 1}, \"handoff\": "
        "\"00:00\", \"member_ids\": [1], \"restrictions\": [{\"start\": \"08:00\", \"end\": "
        "\"20:00\"}]}, " OFFICE_2 ", "
        "{\"start\": 1799020800, \"rotation\": {\"unit\": \"day\", \"length\": 1}, \"handoff\": "
        "\"00:00\", \"member_ids\": [3], \"restrictions\": [{\"days\": [1], \"start\": \"12:00\", "
        "\"end\": \"13:00\"}]}]}");
    int layer = 99;

    (void)state;
    expect_shifts(r, NULL, 0, m, m + 2 * D, want, N(want));
    assert_int_equal(ah_rota_oncall(r, NULL, 0, m + 12 * H, &layer), 3);
    assert_int_equal(layer, 2);
    assert_int_equal(ah_rota_oncall(r, NULL, 0, m + D + 12 * H, &layer), 2);
    assert_int_equal(layer, 1);
    assert_int_equal(ah_rota_oncall(r, NULL, 0, m + 19 * H, &layer), 1);
    assert_int_equal(layer, 0);
    assert_int_equal(ah_rota_oncall(r, NULL, 0, m + 21 * H, &layer), 0); /* a gap */
    assert_int_equal(layer, -1);
    assert_int_equal(ah_rota_oncall(r, NULL, 0, m - 1, NULL), 0); /* before the start */
    ah_rota_free(r);
}

static void test_overrides(void **state)
{
    const int64_t m = UTC_0104;
    const struct ah_rota_override two[] = {{5, m + 10 * H, m + 12 * H},
                                           {6, m + 11 * H, m + 13 * H}};
    const struct ah_shift later_wins[] = {
        {1, m + 9 * H, m + 10 * H, 0},
        {5, m + 10 * H, m + 11 * H, -1},
        {6, m + 11 * H, m + 13 * H, -1},
        {1, m + 13 * H, m + 14 * H, 0},
    };
    const struct ah_rota_override swapped[] = {{6, m + 11 * H, m + 13 * H},
                                               {5, m + 10 * H, m + 12 * H}};
    const struct ah_shift swapped_want[] = {
        {1, m + 9 * H, m + 10 * H, 0},
        {5, m + 10 * H, m + 12 * H, -1},
        {6, m + 12 * H, m + 13 * H, -1},
        {1, m + 13 * H, m + 14 * H, 0},
    };
    /* Partly outside the span: cut; wholly outside or empty: absent. */
    const struct ah_rota_override outside[] = {{5, m - 5 * H, m + 10 * H},
                                               {6, m + 13 * H, m + 20 * H},
                                               {8, m + 30 * H, m + 31 * H},
                                               {8, m + 11 * H, m + 11 * H}};
    const struct ah_shift outside_want[] = {
        {5, m + 9 * H, m + 10 * H, -1},
        {1, m + 10 * H, m + 13 * H, 0},
        {6, m + 13 * H, m + 14 * H, -1},
    };
    /* The layer's own member: not merged with the layer's pieces (another
     * layer); two touching overrides of one member: merged. */
    const struct ah_rota_override same[] = {{1, m + 10 * H, m + 11 * H},
                                            {5, m + 12 * H, m + 12 * H + 1800},
                                            {5, m + 12 * H + 1800, m + 13 * H}};
    const struct ah_shift same_want[] = {
        {1, m + 9 * H, m + 10 * H, 0},  {1, m + 10 * H, m + 11 * H, -1},
        {1, m + 11 * H, m + 12 * H, 0}, {5, m + 12 * H, m + 13 * H, -1},
        {1, m + 13 * H, m + 14 * H, 0},
    };
    struct ah_rota *r = compile("{\"timezone\": \"UTC\", \"layers\": [" ALWAYS_1 "]}");
    int layer = 99;

    (void)state;
    expect_shifts(r, two, N(two), m + 9 * H, m + 14 * H, later_wins, N(later_wins));
    expect_shifts(r, swapped, N(swapped), m + 9 * H, m + 14 * H, swapped_want, N(swapped_want));
    expect_shifts(r, outside, N(outside), m + 9 * H, m + 14 * H, outside_want, N(outside_want));
    expect_shifts(r, same, N(same), m + 9 * H, m + 14 * H, same_want, N(same_want));
    assert_int_equal(ah_rota_oncall(r, two, N(two), m + 11 * H, &layer), 6);
    assert_int_equal(layer, -1);
    assert_int_equal(ah_rota_oncall(r, swapped, N(swapped), m + 11 * H, &layer), 5);
    assert_int_equal(ah_rota_oncall(r, two, N(two), m + 13 * H, &layer), 1);
    assert_int_equal(layer, 0);
    ah_rota_free(r);
}

/* Overrides win over every layer, and fill gaps where no layer has
 * anyone. */
static void test_overrides_over_layers_and_gaps(void **state)
{
    const int64_t m = UTC_0104;
    const struct ah_rota_override two[] = {{5, m + 10 * H, m + 12 * H},
                                           {6, m + 11 * H, m + 13 * H}};
    const struct ah_shift over_office[] = {
        {1, m + 8 * H, m + 9 * H, 0},    {2, m + 9 * H, m + 10 * H, 1},
        {5, m + 10 * H, m + 11 * H, -1}, {6, m + 11 * H, m + 13 * H, -1},
        {2, m + 13 * H, m + 14 * H, 1},
    };
    const struct ah_rota_override night[] = {{5, m + 2 * H, m + 3 * H}};
    const struct ah_shift night_want[] = {{5, m + 2 * H, m + 3 * H, -1},
                                          {2, m + 9 * H, m + 18 * H, 0}};
    struct ah_rota *r;
    int layer = 99;

    (void)state;
    r = compile("{\"timezone\": \"UTC\", \"layers\": [" ALWAYS_1 ", " OFFICE_2 "]}");
    expect_shifts(r, two, N(two), m + 8 * H, m + 14 * H, over_office, N(over_office));
    ah_rota_free(r);
    r = compile("{\"timezone\": \"UTC\", \"layers\": [" OFFICE_2 "]}");
    expect_shifts(r, night, N(night), m, m + D, night_want, N(night_want));
    assert_int_equal(ah_rota_oncall(r, night, N(night), m + 2 * H, &layer), 5);
    assert_int_equal(layer, -1);
    assert_int_equal(ah_rota_oncall(r, night, N(night), m + 3 * H, &layer), 0);
    assert_int_equal(layer, -1);
    ah_rota_free(r);
}

/* ---- merging and cutting ---- */

static void test_merge_and_cut(void **state)
{
    const int64_t m = UTC_0104;
    /* [1, 2, 1]: shifts 2 and 3 are both member 1, and join. */
    const struct ah_shift repeat[] = {
        {1, m, m + D, 0},
        {2, m + D, m + 2 * D, 0},
        {1, m + 2 * D, m + 4 * D, 0},
        {2, m + 4 * D, m + 5 * D, 0},
        {1, m + 5 * D, m + 6 * D, 0},
    };
    const struct ah_shift cut[] = {{1, m + 12 * H, m + D, 0}, {2, m + D, m + D + 6 * H, 0}};
    const struct ah_shift alone[] = {{4, m, m + 6 * D, 0}};
    const struct ah_shift inside[] = {{2, m + D + 1, m + D + 2, 0}};
    struct ah_error err = {AH_OK, ""};
    struct ah_shift *got = NULL;
    struct ah_rota *r;
    size_t n = 7;

    (void)state;
    r = compile_layer("UTC", "{\"start\": 1799020800, \"rotation\": {\"unit\": \"day\", "
                             "\"length\": 1}, \"handoff\": \"00:00\", \"member_ids\": [1, 2, 1]}");
    expect_shifts(r, NULL, 0, m, m + 6 * D, repeat, N(repeat));
    expect_shifts(r, NULL, 0, m + 12 * H, m + D + 6 * H, cut, N(cut));
    expect_shifts(r, NULL, 0, m + D + 1, m + D + 2, inside, N(inside));
    /* until <= since */
    assert_int_equal(ah_rota_shifts(r, NULL, 0, m, m, &got, &n, &err), AH_EINVAL);
    assert_string_equal(err.msg, "until must be after since");
    assert_int_equal(ah_rota_shifts(r, NULL, 0, m + 1, m, &got, &n, NULL), AH_EINVAL);
    assert_null(got);
    assert_int_equal(n, 7);
    /* Empty spans still give an array. */
    assert_int_equal(ah_rota_shifts(r, NULL, 0, m - 2 * D, m - D, &got, &n, &err), AH_OK);
    assert_non_null(got);
    assert_int_equal(n, 0);
    ah_free(got);
    ah_rota_free(r);
    r = compile_layer("UTC", "{\"start\": 1799020800, \"rotation\": {\"unit\": \"day\", "
                             "\"length\": 1}, \"handoff\": \"00:00\", \"member_ids\": [\"4\"]}");
    expect_shifts(r, NULL, 0, m, m + 6 * D, alone, N(alone));
    ah_rota_free(r);
}

/* Absurd instants are clamped to +-2^40 s instead of overflowing. */
static void test_extreme_instants(void **state)
{
    const struct ah_shift want[] = {{4, UTC_0104, (int64_t)1 << 40, 0}};
    struct ah_rota *r;

    (void)state;
    r = compile_layer("America/New_York",
                      "{\"start\": 1799020800, \"rotation\": {\"unit\": \"week\", \"length\": "
                      "1}, \"handoff\": \"09:00\", \"member_ids\": [4]}");
    expect_shifts(r, NULL, 0, INT64_MIN, INT64_MAX, want, N(want));
    assert_int_equal(ah_rota_oncall(r, NULL, 0, INT64_MAX, NULL), 0);
    assert_int_equal(ah_rota_oncall(r, NULL, 0, INT64_MIN, NULL), 0);
    assert_int_equal(ah_rota_oncall(r, NULL, 0, ((int64_t)1 << 40) - 1, NULL), 4);
    ah_rota_free(r);
}

/* ---- compiling ---- */

/* Compiles @text, which must fail with AH_EINVAL and message @msg, leaving
 * both outputs untouched. */
static void refuse(const char *text, const char *msg)
{
    struct ah_error err = {AH_OK, ""};
    struct ah_rota *r = NULL;
    json_t *j = parse_json(text), *out = NULL;

    assert_int_equal(ah_rota_compile(j, &r, &out, &err), AH_EINVAL);
    assert_null(r);
    assert_null(out);
    assert_int_equal(err.code, AH_EINVAL);
    if (strcmp(err.msg, msg) != 0)
        fail_msg("%s:\n got  %s\n want %s", text, err.msg, msg);
    json_decref(j);
}

/* Refuses a UTC schedule whose one layer is @layer (JSON text). */
static void refuse_layer(const char *layer, const char *msg)
{
    char text[8192];

    snprintf(text, sizeof(text), "{\"timezone\": \"UTC\", \"layers\": [%s]}", layer);
    refuse(text, msg);
}

#define ROT_DAY "\"rotation\": {\"unit\": \"day\", \"length\": 1}"

static void test_refuse_schedule(void **state)
{
    struct ah_error err = {AH_OK, ""};
    struct ah_rota *r = NULL;
    json_t *j;
    char text[4096];
    size_t i, len;

    (void)state;
    refuse("[]", "a schedule must be an object");
    refuse("{\"timezone\": \"UTC\", \"layers\": [" ALWAYS_1 "], \"colour\": \"red\"}",
           "unrecognized field \"colour\"");
    refuse("{\"layers\": [" ALWAYS_1 "]}",
           "timezone is required (a zone name such as \"Asia/Shanghai\")");
    refuse("{\"timezone\": null, \"layers\": [" ALWAYS_1 "]}",
           "timezone is required (a zone name such as \"Asia/Shanghai\")");
    refuse("{\"timezone\": 8, \"layers\": [" ALWAYS_1 "]}", "timezone must be a string");
    refuse("{\"timezone\": \"Mars/Olympus\", \"layers\": [" ALWAYS_1 "]}",
           "timezone: unrecognized time zone \"Mars/Olympus\"");
    refuse("{\"timezone\": \"UTC\"}", "layers must list 1 to 10 layers");
    refuse("{\"timezone\": \"UTC\", \"layers\": []}", "layers must list 1 to 10 layers");
    refuse("{\"timezone\": \"UTC\", \"layers\": {}}", "layers must list 1 to 10 layers");
    len = (size_t)snprintf(text, sizeof(text), "{\"timezone\": \"UTC\", \"layers\": [");
    for (i = 0; i < 11; i++)
        len += (size_t)snprintf(text + len, sizeof(text) - len, "%s" ALWAYS_1, i ? ", " : "");
    snprintf(text + len, sizeof(text) - len, "]}");
    refuse(text, "layers must list 1 to 10 layers");
    /* The error of a later layer, after a good one was compiled. */
    refuse("{\"timezone\": \"UTC\", \"layers\": [" ALWAYS_1 ", {\"start\": 0, \"rotation\": "
           "{\"unit\": \"day\", \"length\": 366}, \"handoff\": \"09:00\", \"member_ids\": [1]}]}",
           "layers[1].rotation.length must be an integer from 1 to 365");
    refuse("{\"timezone\": \"UTC\", \"layers\": [" ALWAYS_1 ", 5]}", "layers[1] must be an object");
    /* A NUL inside a string would cut it short in C: "UTC\0x" is not "UTC". */
    j = parse_json("{\"layers\": [" ALWAYS_1 "]}");
    json_object_set_new(j, "timezone", json_stringn("UTC\0x", 5));
    assert_int_equal(ah_rota_compile(j, &r, NULL, &err), AH_EINVAL);
    assert_string_equal(err.msg, "timezone must be a string");
    json_decref(j);
}

static void test_refuse_layer(void **state)
{
    static const struct {
        const char *layer, *msg;
    } cases[] = {
        {"{\"start\": 0, " ROT_DAY ", \"handof\": \"09:00\", \"member_ids\": [1]}",
         "layers[0]: unrecognized field \"handof\""},
        {"{\"name\": \"\", \"start\": 0, " ROT_DAY ", \"handoff\": \"09:00\", \"member_ids\": [1]}",
         "layers[0].name must be a string of 1 to 100 characters"},
        {"{\"name\": 5, \"start\": 0, " ROT_DAY ", \"handoff\": \"09:00\", \"member_ids\": [1]}",
         "layers[0].name must be a string of 1 to 100 characters"},
        {"{" ROT_DAY ", \"handoff\": \"09:00\", \"member_ids\": [1]}",
         "layers[0].start must be Unix seconds (an integer from 0 to 253402300799)"},
        {"{\"start\": -1, " ROT_DAY ", \"handoff\": \"09:00\", \"member_ids\": [1]}",
         "layers[0].start must be Unix seconds (an integer from 0 to 253402300799)"},
        {"{\"start\": \"1799020800\", " ROT_DAY ", \"handoff\": \"09:00\", \"member_ids\": [1]}",
         "layers[0].start must be Unix seconds (an integer from 0 to 253402300799)"},
        {"{\"start\": 1.5, " ROT_DAY ", \"handoff\": \"09:00\", \"member_ids\": [1]}",
         "layers[0].start must be Unix seconds (an integer from 0 to 253402300799)"},
        {"{\"start\": 253402300800, " ROT_DAY ", \"handoff\": \"09:00\", \"member_ids\": [1]}",
         "layers[0].start must be Unix seconds (an integer from 0 to 253402300799)"},
        {"{\"start\": 0, \"handoff\": \"09:00\", \"member_ids\": [1]}",
         "layers[0].rotation must be an object {\"unit\": \"hour\", \"day\" or \"week\", "
         "\"length\": 1 to 365}"},
        {"{\"start\": 0, \"rotation\": \"week\", \"handoff\": \"09:00\", \"member_ids\": [1]}",
         "layers[0].rotation must be an object {\"unit\": \"hour\", \"day\" or \"week\", "
         "\"length\": 1 to 365}"},
        {"{\"start\": 0, \"rotation\": {\"unit\": \"month\", \"length\": 1}, \"handoff\": "
         "\"09:00\", \"member_ids\": [1]}",
         "layers[0].rotation.unit must be hour, day or week"},
        {"{\"start\": 0, \"rotation\": {\"length\": 1}, \"handoff\": \"09:00\", \"member_ids\": "
         "[1]}",
         "layers[0].rotation.unit must be hour, day or week"},
        {"{\"start\": 0, \"rotation\": {\"unit\": \"day\", \"lenght\": 1}, \"handoff\": "
         "\"09:00\", \"member_ids\": [1]}",
         "layers[0].rotation: unrecognized field \"lenght\""},
        {"{\"start\": 0, \"rotation\": {\"unit\": \"day\"}, \"handoff\": \"09:00\", "
         "\"member_ids\": [1]}",
         "layers[0].rotation.length must be an integer from 1 to 365"},
        {"{\"start\": 0, \"rotation\": {\"unit\": \"day\", \"length\": 0}, \"handoff\": "
         "\"09:00\", \"member_ids\": [1]}",
         "layers[0].rotation.length must be an integer from 1 to 365"},
        {"{\"start\": 0, \"rotation\": {\"unit\": \"hour\", \"length\": \"2\"}, \"member_ids\": "
         "[1]}",
         "layers[0].rotation.length must be an integer from 1 to 365"},
        {"{\"start\": 0, " ROT_DAY ", \"member_ids\": [1]}", "layers[0].handoff must be HH:MM"},
        {"{\"start\": 0, \"rotation\": {\"unit\": \"week\", \"length\": 1}, \"handoff\": null, "
         "\"member_ids\": [1]}",
         "layers[0].handoff must be HH:MM"},
        {"{\"start\": 0, " ROT_DAY ", \"handoff\": \"9:00\", \"member_ids\": [1]}",
         "layers[0].handoff must be HH:MM"},
        {"{\"start\": 0, " ROT_DAY ", \"handoff\": \"24:00\", \"member_ids\": [1]}",
         "layers[0].handoff must be HH:MM"},
        {"{\"start\": 0, " ROT_DAY ", \"handoff\": \"09:60\", \"member_ids\": [1]}",
         "layers[0].handoff must be HH:MM"},
        {"{\"start\": 0, " ROT_DAY ", \"handoff\": \"09:00:00\", \"member_ids\": [1]}",
         "layers[0].handoff must be HH:MM"},
        {"{\"start\": 0, " ROT_DAY ", \"handoff\": 900, \"member_ids\": [1]}",
         "layers[0].handoff must be HH:MM"},
        {"{\"start\": 0, \"rotation\": {\"unit\": \"hour\", \"length\": 1}, \"handoff\": \"x\", "
         "\"member_ids\": [1]}",
         "layers[0].handoff must be HH:MM"},
        {"{\"start\": 0, " ROT_DAY ", \"handoff\": \"09:00\"}",
         "layers[0].member_ids must list 1 to 50 members"},
        {"{\"start\": 0, " ROT_DAY ", \"handoff\": \"09:00\", \"member_ids\": []}",
         "layers[0].member_ids must list 1 to 50 members"},
        {"{\"start\": 0, " ROT_DAY ", \"handoff\": \"09:00\", \"member_ids\": \"1\"}",
         "layers[0].member_ids must list 1 to 50 members"},
        {"{\"start\": 0, " ROT_DAY ", \"handoff\": \"09:00\", \"member_ids\": [1, 0]}",
         "layers[0].member_ids[1] must be a member id (a positive integer or its decimal string)"},
        {"{\"start\": 0, " ROT_DAY ", \"handoff\": \"09:00\", \"member_ids\": [-3]}",
         "layers[0].member_ids[0] must be a member id (a positive integer or its decimal string)"},
        {"{\"start\": 0, " ROT_DAY ", \"handoff\": \"09:00\", \"member_ids\": [\"abc\"]}",
         "layers[0].member_ids[0] must be a member id (a positive integer or its decimal string)"},
        {"{\"start\": 0, " ROT_DAY ", \"handoff\": \"09:00\", \"member_ids\": [\"-3\"]}",
         "layers[0].member_ids[0] must be a member id (a positive integer or its decimal string)"},
        {"{\"start\": 0, " ROT_DAY ", \"handoff\": \"09:00\", \"member_ids\": [1.5]}",
         "layers[0].member_ids[0] must be a member id (a positive integer or its decimal string)"},
        {"{\"start\": 0, " ROT_DAY ", \"handoff\": \"09:00\", \"member_ids\": [null]}",
         "layers[0].member_ids[0] must be a member id (a positive integer or its decimal string)"},
        {"{\"start\": 0, " ROT_DAY ", \"handoff\": \"09:00\", \"member_ids\": [1], "
         "\"restrictions\": {}}",
         "layers[0].restrictions must be an array of at most 14 restrictions"},
        {"{\"start\": 0, " ROT_DAY ", \"handoff\": \"09:00\", \"member_ids\": [1], "
         "\"restrictions\": [5]}",
         "layers[0].restrictions[0] must be an object {days, start, end}"},
        {"{\"start\": 0, " ROT_DAY ", \"handoff\": \"09:00\", \"member_ids\": [1], "
         "\"restrictions\": [{\"day\": [1], \"start\": \"09:00\", \"end\": \"10:00\"}]}",
         "layers[0].restrictions[0]: unrecognized field \"day\""},
        {"{\"start\": 0, " ROT_DAY ", \"handoff\": \"09:00\", \"member_ids\": [1], "
         "\"restrictions\": [{\"days\": [0], \"start\": \"09:00\", \"end\": \"10:00\"}]}",
         "layers[0].restrictions[0].days must hold weekdays 1 (Monday) to 7 (Sunday)"},
        {"{\"start\": 0, " ROT_DAY ", \"handoff\": \"09:00\", \"member_ids\": [1], "
         "\"restrictions\": [{\"days\": [8], \"start\": \"09:00\", \"end\": \"10:00\"}]}",
         "layers[0].restrictions[0].days must hold weekdays 1 (Monday) to 7 (Sunday)"},
        {"{\"start\": 0, " ROT_DAY ", \"handoff\": \"09:00\", \"member_ids\": [1], "
         "\"restrictions\": [{\"days\": 1, \"start\": \"09:00\", \"end\": \"10:00\"}]}",
         "layers[0].restrictions[0].days must hold weekdays 1 (Monday) to 7 (Sunday)"},
        {"{\"start\": 0, " ROT_DAY ", \"handoff\": \"09:00\", \"member_ids\": [1], "
         "\"restrictions\": [{\"days\": [\"1\"], \"start\": \"09:00\", \"end\": \"10:00\"}]}",
         "layers[0].restrictions[0].days must hold weekdays 1 (Monday) to 7 (Sunday)"},
        {"{\"start\": 0, " ROT_DAY ", \"handoff\": \"09:00\", \"member_ids\": [1], "
         "\"restrictions\": [{\"start\": \"09:00\", \"end\": \"10:00\"}, {\"end\": \"10:00\"}]}",
         "layers[0].restrictions[1].start must be HH:MM"},
        {"{\"start\": 0, " ROT_DAY ", \"handoff\": \"09:00\", \"member_ids\": [1], "
         "\"restrictions\": [{\"start\": \"09:00\", \"end\": \"25:00\"}]}",
         "layers[0].restrictions[0].end must be HH:MM"},
    };
    char layer[4096], name[128];
    size_t i, len;

    (void)state;
    for (i = 0; i < N(cases); i++)
        refuse_layer(cases[i].layer, cases[i].msg);
    /* 101 characters; 51 members; 15 restrictions. */
    memset(name, 'x', 101);
    name[101] = '\0';
    snprintf(layer, sizeof(layer),
             "{\"name\": \"%s\", \"start\": 0, " ROT_DAY ", \"handoff\": \"09:00\", "
             "\"member_ids\": [1]}",
             name);
    refuse_layer(layer, "layers[0].name must be a string of 1 to 100 characters");
    len = (size_t)snprintf(layer, sizeof(layer),
                           "{\"start\": 0, " ROT_DAY ", \"handoff\": \"09:00\", \"member_ids\": [");
    for (i = 0; i < 51; i++)
        len += (size_t)snprintf(layer + len, sizeof(layer) - len, "%s%zu", i ? ", " : "", i + 1);
    snprintf(layer + len, sizeof(layer) - len, "]}");
    refuse_layer(layer, "layers[0].member_ids must list 1 to 50 members");
    len = (size_t)snprintf(layer, sizeof(layer),
                           "{\"start\": 0, " ROT_DAY ", \"handoff\": \"09:00\", \"member_ids\": "
                           "[1], \"restrictions\": [");
    for (i = 0; i < 15; i++)
        len += (size_t)snprintf(layer + len, sizeof(layer) - len,
                                "%s{\"start\": \"09:00\", \"end\": \"10:00\"}", i ? ", " : "");
    snprintf(layer + len, sizeof(layer) - len, "]}");
    refuse_layer(layer, "layers[0].restrictions must be an array of at most 14 restrictions");
}

/* The limits themselves are accepted: 100 characters (not bytes), 50
 * members, 14 restrictions, 10 layers, length 365; and a NULL error. */
static void test_limits_accepted(void **state)
{
    char text[16384], name[256];
    struct ah_rota *r = NULL;
    json_t *j;
    size_t i, len;

    (void)state;
    for (i = 0, len = 0; i < 100; i++)
        len += (size_t)snprintf(name + len, sizeof(name) - len, "\xc3\xa9"); /* é */
    len = (size_t)snprintf(text, sizeof(text), "{\"timezone\": \"UTC\", \"layers\": [");
    for (i = 0; i < 10; i++)
        len += (size_t)snprintf(text + len, sizeof(text) - len, "%s" ALWAYS_1, i ? ", " : "");
    len += (size_t)snprintf(text + len, sizeof(text) - len, "]}");
    r = compile(text);
    assert_string_equal(ah_rota_layer_name(r, 9), "Layer 10");
    ah_rota_free(r);
    len = (size_t)snprintf(text, sizeof(text),
                           "{\"timezone\": \"UTC\", \"layers\": [{\"name\": \"%s\", \"start\": 0, "
                           "\"rotation\": {\"unit\": \"week\", \"length\": 365}, \"handoff\": "
                           "\"23:59\", \"member_ids\": [",
                           name);
    for (i = 0; i < 50; i++)
        len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%zu", i ? ", " : "", i + 1);
    len += (size_t)snprintf(text + len, sizeof(text) - len, "], \"restrictions\": [");
    for (i = 0; i < 14; i++)
        len += (size_t)snprintf(text + len, sizeof(text) - len,
                                "%s{\"start\": \"00:00\", \"end\": \"23:59\"}", i ? ", " : "");
    snprintf(text + len, sizeof(text) - len, "]}]}");
    r = compile(text);
    assert_string_equal(ah_rota_layer_name(r, 0), name);
    ah_rota_free(r);
    /* Validation only, and a refusal without an error struct. */
    j = parse_json("{\"timezone\": \"UTC\", \"layers\": [" ALWAYS_1 "]}");
    assert_int_equal(ah_rota_compile(j, NULL, NULL, NULL), AH_OK);
    json_decref(j);
    j = parse_json("{\"timezone\": \"Nope/Zone\", \"layers\": [" ALWAYS_1 "]}");
    assert_int_equal(ah_rota_compile(j, &r, NULL, NULL), AH_EINVAL);
    json_decref(j);
}

static void test_normalized_json(void **state)
{
    json_t *in = parse_json(
        "{\"name\": \"ops\", \"timezone\": \"America/New_York\", \"layers\": ["
        "{\"start\": 1799071200, \"rotation\": {\"unit\": \"week\", \"length\": 1}, "
        "\"handoff\": \"09:00\", \"member_ids\": [3, \"5\", 3], \"restrictions\": null},"
        "{\"name\": \"days\", \"start\": 1799071200, \"rotation\": {\"unit\": \"hour\", "
        "\"length\": 12}, \"member_ids\": [\"007\"], \"restrictions\": [{\"days\": [5, 1, 1], "
        "\"start\": \"09:00\", \"end\": \"18:00\"}, {\"start\": \"22:00\", \"end\": \"06:00\"}]},"
        "{\"name\": null, \"start\": 0, \"rotation\": {\"unit\": \"hour\", \"length\": 1}, "
        "\"handoff\": \"07:30\", \"member_ids\": [9], \"restrictions\": []}]}");
    json_t *want = parse_json(
        "{\"name\": \"ops\", \"timezone\": \"America/New_York\", \"layers\": ["
        "{\"name\": \"Layer 1\", \"start\": 1799071200, \"rotation\": {\"unit\": \"week\", "
        "\"length\": 1}, \"handoff\": \"09:00\", \"member_ids\": [\"3\", \"5\", \"3\"], "
        "\"restrictions\": []},"
        "{\"name\": \"days\", \"start\": 1799071200, \"rotation\": {\"unit\": \"hour\", "
        "\"length\": 12}, \"member_ids\": [\"7\"], \"restrictions\": [{\"days\": [1, 5], "
        "\"start\": \"09:00\", \"end\": \"18:00\"}, {\"days\": [], \"start\": \"22:00\", "
        "\"end\": \"06:00\"}]},"
        "{\"name\": \"Layer 3\", \"start\": 0, \"rotation\": {\"unit\": \"hour\", \"length\": 1}, "
        "\"handoff\": \"07:30\", \"member_ids\": [\"9\"], \"restrictions\": []}]}");
    struct ah_rota *r = NULL, *again = NULL;
    json_t *out = NULL, *out2 = NULL;

    (void)state;
    assert_int_equal(ah_rota_compile(in, &r, &out, NULL), AH_OK);
    if (!json_equal(out, want)) {
        char *s = json_dumps(out, JSON_SORT_KEYS);

        fail_msg("normalized: %s", s);
    }
    /* The normalized form compiles to itself. */
    assert_int_equal(ah_rota_compile(out, &again, &out2, NULL), AH_OK);
    assert_true(json_equal(out, out2));
    assert_string_equal(ah_rota_timezone(r), "America/New_York");
    assert_string_equal(ah_rota_layer_name(r, 0), "Layer 1");
    assert_string_equal(ah_rota_layer_name(r, 1), "days");
    assert_string_equal(ah_rota_layer_name(r, 2), "Layer 3");
    assert_null(ah_rota_layer_name(r, 3));
    assert_null(ah_rota_layer_name(r, -1));
    json_decref(in);
    json_decref(want);
    json_decref(out);
    json_decref(out2);
    ah_rota_free(r);
    ah_rota_free(again);
    ah_rota_free(NULL);
}

static void test_members(void **state)
{
    struct ah_rota *r = compile(
        "{\"timezone\": \"UTC\", \"layers\": ["
        "{\"start\": 0, " ROT_DAY ", \"handoff\": \"09:00\", \"member_ids\": [3, \"5\", 3]},"
        "{\"start\": 0, " ROT_DAY ", \"handoff\": \"09:00\", \"member_ids\": [\"5\", 7, \"3\"]}]}");
    json_t *got = ah_rota_members(r), *want = parse_json("[\"3\", \"5\", \"7\"]");

    (void)state;
    assert_true(json_equal(got, want));
    json_decref(got);
    json_decref(want);
    ah_rota_free(r);
}

/* ---- speed and agreement ---- */

/* A year of 2027 in Shanghai (no DST; 2027-01-01 is a Friday): hourly
 * layer [1, 2] everywhere; 8-hour layer on weekdays 09:00-17:00 (cut at
 * its 16:00 handoff: 2 pieces); a daily layer on weekends 10:00-12:00 (1
 * piece); an override over all of Sunday 2027-01-03. A weekday has 9 + 2 +
 * 7 = 18 pieces, a weekend day 10 + 1 + 12 = 23; 2027 has 261 weekdays and
 * 104 weekend days, and the override turns one Sunday's 23 into 1:
 * 261 * 18 + 104 * 23 - 22 = 7068. The layers started in 2020. */
static void test_year_of_shifts(void **state)
{
    const int64_t since = 1798732800, until = 1830268800; /* 2027-01-01 .. 2028-01-01 CST */
    const struct ah_rota_override ov[] = {{9, 1798905600, 1798905600 + D}};
    struct ah_rota *r = compile(
        "{\"timezone\": \"Asia/Shanghai\", \"layers\": ["
        "{\"start\": 1577808000, \"rotation\": {\"unit\": \"hour\", \"length\": 1}, "
        "\"member_ids\": [1, 2]},"
        "{\"start\": 1577808000, \"rotation\": {\"unit\": \"hour\", \"length\": 8}, "
        "\"member_ids\": [3, 4, 5], \"restrictions\": [{\"days\": [1, 2, 3, 4, 5], \"start\": "
        "\"09:00\", \"end\": \"17:00\"}]},"
        "{\"start\": 1577808000, \"rotation\": {\"unit\": \"day\", \"length\": 1}, \"handoff\": "
        "\"00:00\", \"member_ids\": [6], \"restrictions\": [{\"days\": [6, 7], \"start\": "
        "\"10:00\", \"end\": \"12:00\"}]}]}");
    struct ah_shift *got = NULL;
    int64_t t0, us, covered = 0;
    size_t n = 0, i;

    (void)state;
    t0 = ah_monotonic_us();
    assert_int_equal(ah_rota_shifts(r, ov, N(ov), since, until, &got, &n, NULL), AH_OK);
    us = ah_monotonic_us() - t0;
    print_message("a year of shifts: %zu in %lld us\n", n, (long long)us);
    assert_int_equal(n, 7068);
    /* (The time is printed, not asserted: speed lives in make bench.) */
    /* Contiguous (layer 0 always has someone), in order, and merged. */
    assert_int_equal(got[0].start, since);
    assert_int_equal(got[n - 1].end, until);
    for (i = 0; i < n; i++) {
        covered += got[i].end - got[i].start;
        if (i > 0) {
            assert_int_equal(got[i].start, got[i - 1].end);
            assert_false(got[i].member_id == got[i - 1].member_id &&
                         got[i].layer == got[i - 1].layer);
        }
    }
    assert_int_equal(covered, 365 * D);
    ah_free(got);
    ah_rota_free(r);
}

/* The shift that holds @t in @s (sorted), or NULL. */
static const struct ah_shift *covering(const struct ah_shift *s, size_t n, int64_t t)
{
    size_t lo = 0, hi = n, mid;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        if (s[mid].end <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && s[lo].start <= t ? &s[lo] : NULL;
}

static void expect_oncall(const struct ah_rota *r, const struct ah_rota_override *ov, size_t nov,
                          const struct ah_shift *s, size_t n, int64_t t)
{
    const struct ah_shift *want = covering(s, n, t);
    int layer = 99;
    int64_t who = ah_rota_oncall(r, ov, nov, t, &layer);

    if (want == NULL ? (who != 0 || layer != -1) : (who != want->member_id || layer != want->layer))
        fail_msg("at %lld: oncall %lld (layer %d), shift %lld (layer %d)", (long long)t,
                 (long long)who, layer, want ? (long long)want->member_id : 0LL,
                 want ? want->layer : -1);
}

/* March 2027 in New York (DST starts on the 14th): three layers with
 * restrictions, one across midnight, and overlapping overrides. oncall(t)
 * is checked at 20,000 pseudo-random instants, at every shift's first and
 * last second, and just after each shift. */
static void test_oncall_agrees_with_shifts(void **state)
{
    const int64_t since = 1803877200, until = 1806552000; /* 03-01 00:00 EST .. 04-01 00:00 EDT */
    const struct ah_rota_override ov[] = {
        {21, 1804500000, 1804600000}, {22, 1804550000, 1804560000}, {23, 1805000000, 1805100000},
        {21, 1803800000, 1803900000}, {24, 1806500000, 1806600000},
    };
    struct ah_rota *r = compile(
        "{\"timezone\": \"America/New_York\", \"layers\": ["
        "{\"start\": 1767243600, \"rotation\": {\"unit\": \"week\", \"length\": 1}, "
        "\"handoff\": \"09:00\", \"member_ids\": [1, 2, 3], \"restrictions\": [{\"days\": [1, "
        "2, 3, 4, 5, 6], \"start\": \"06:00\", \"end\": \"23:30\"}]},"
        "{\"start\": 1798761600, \"rotation\": {\"unit\": \"day\", \"length\": 2}, "
        "\"handoff\": \"02:30\", \"member_ids\": [4, 5, 4], \"restrictions\": [{\"days\": [5], "
        "\"start\": \"22:00\", \"end\": \"06:00\"}, {\"days\": [2, 3], \"start\": \"09:00\", "
        "\"end\": \"18:00\"}]},"
        "{\"start\": 1804000000, \"rotation\": {\"unit\": \"hour\", \"length\": 7}, "
        "\"member_ids\": [6, 7], \"restrictions\": [{\"days\": [7], \"start\": \"01:00\", "
        "\"end\": \"04:00\"}]}]}");
    struct ah_shift *s = NULL;
    uint64_t x = 88172645463325252ULL;
    size_t n = 0, i;

    (void)state;
    assert_int_equal(ah_rota_shifts(r, ov, N(ov), since, until, &s, &n, NULL), AH_OK);
    assert_true(n > 50); /* about two pieces a day */
    for (i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        expect_oncall(r, ov, N(ov), s, n, since + (int64_t)(x % (uint64_t)(until - since)));
    }
    for (i = 0; i < n; i++) {
        expect_oncall(r, ov, N(ov), s, n, s[i].start);
        expect_oncall(r, ov, N(ov), s, n, s[i].end - 1);
        if (s[i].end < until)
            expect_oncall(r, ov, N(ov), s, n, s[i].end);
    }
    ah_free(s);
    ah_rota_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hour_rotations),
        cmocka_unit_test(test_day_rotations),
        cmocka_unit_test(test_week_rotations),
        cmocka_unit_test(test_dst_new_york),
        cmocka_unit_test(test_dst_berlin),
        cmocka_unit_test(test_handoff_in_gap_and_fold),
        cmocka_unit_test(test_zone_without_dst),
        cmocka_unit_test(test_start_years_before),
        cmocka_unit_test(test_restrictions_within_day),
        cmocka_unit_test(test_restrictions_across_midnight),
        cmocka_unit_test(test_restriction_days_and_union),
        cmocka_unit_test(test_two_layers),
        cmocka_unit_test(test_three_layers),
        cmocka_unit_test(test_overrides),
        cmocka_unit_test(test_overrides_over_layers_and_gaps),
        cmocka_unit_test(test_merge_and_cut),
        cmocka_unit_test(test_extreme_instants),
        cmocka_unit_test(test_refuse_schedule),
        cmocka_unit_test(test_refuse_layer),
        cmocka_unit_test(test_limits_accepted),
        cmocka_unit_test(test_normalized_json),
        cmocka_unit_test(test_members),
        cmocka_unit_test(test_year_of_shifts),
        cmocka_unit_test(test_oncall_agrees_with_shifts),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
