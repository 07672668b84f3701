/* tz_test.c - wall-clock conversion from TZif files (util/tz.c): fixed
 * zones, DST switches in both hemispheres, instants past the files' last
 * transition (the POSIX footer rules), and names that must be refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "util/tz.h"

#include <string.h>

/* Converts @utc in zone @name and checks weekday, H:M:S and offset. */
static void expect_local(const char *name, int64_t utc, int wday, int hour, int min, int sec,
                         int32_t offset)
{
    struct ah_tz_local_time lt;

    memset(&lt, 0xff, sizeof(lt));
    assert_int_equal(ah_tz_local(name, utc, &lt), AH_OK);
    assert_int_equal(lt.wday, wday);
    assert_int_equal(lt.hour, hour);
    assert_int_equal(lt.min, min);
    assert_int_equal(lt.sec, sec);
    assert_int_equal(lt.utc_offset, offset);
}

static void test_utc(void **state)
{
    (void)state;
    expect_local("UTC", 0, 4, 0, 0, 0, 0);               /* 1970-01-01 Thu 00:00:00 */
    expect_local("UTC", -1, 3, 23, 59, 59, 0);           /* 1969-12-31 Wed 23:59:59 */
    expect_local("UTC", 1768478400, 4, 12, 0, 0, 0);     /* 2026-01-15 Thu 12:00 */
    expect_local("Etc/UTC", 1784116800, 3, 12, 0, 0, 0); /* 2026-07-15 Wed 12:00 */
    /* Far instants are clamped to +-2^40 s (years 36812 and -32873). */
    expect_local("UTC", INT64_MAX, 1, 0, 36, 16, 0);
    expect_local("UTC", INT64_MIN, 6, 23, 23, 44, 0);
}

static void test_shanghai(void **state)
{
    (void)state;
    expect_local("Asia/Shanghai", 1768478400, 4, 20, 0, 0, 8 * 3600); /* 2026-01-15 Thu 20:00 */
    expect_local("Asia/Shanghai", 1768492800, 5, 0, 0, 0, 8 * 3600);  /* 2026-01-16 Fri 00:00 */
    expect_local("Asia/Shanghai", 2541499200, 5, 20, 0, 0, 8 * 3600); /* 2050-07-15 Fri 20:00 */
}

static void test_new_york(void **state)
{
    (void)state;
    /* 2026-01-15T12:00Z = Thu 07:00 EST; 2026-07-15T12:00Z = Wed 08:00 EDT */
    expect_local("America/New_York", 1768478400, 4, 7, 0, 0, -5 * 3600);
    expect_local("America/New_York", 1784116800, 3, 8, 0, 0, -4 * 3600);
    /* Spring forward 2026-03-08: 01:59:59 EST, then 03:00:00 EDT. */
    expect_local("America/New_York", 1772953199, 0, 1, 59, 59, -5 * 3600);
    expect_local("America/New_York", 1772953200, 0, 3, 0, 0, -4 * 3600);
    /* Fall back 2026-11-01: 01:59:59 EDT, then 01:00:00 EST. */
    expect_local("America/New_York", 1793512799, 0, 1, 59, 59, -4 * 3600);
    expect_local("America/New_York", 1793512800, 0, 1, 0, 0, -5 * 3600);
}

/* Past 2037 the files list no transitions: only the footer
 * "EST5EDT,M3.2.0,M11.1.0" says when DST applies. */
static void test_footer_rules(void **state)
{
    (void)state;
    expect_local("America/New_York", 2525860800, 6, 7, 0, 0, -5 * 3600); /* 2050-01-15 Sat 07:00 */
    expect_local("America/New_York", 2541499200, 5, 8, 0, 0, -4 * 3600); /* 2050-07-15 Fri 08:00 */
    /* 2050-03-13 (second Sunday of March): 01:59:59 EST, then 03:00:00 EDT */
    expect_local("America/New_York", 2530767599, 0, 1, 59, 59, -5 * 3600);
    expect_local("America/New_York", 2530767600, 0, 3, 0, 0, -4 * 3600);
    /* Southern hemisphere, DST across the new year: 2050-01-15 Sat 23:00
     * AEDT and 2050-07-15 Fri 22:00 AEST. */
    expect_local("Australia/Sydney", 2525860800, 6, 23, 0, 0, 11 * 3600);
    expect_local("Australia/Sydney", 2541499200, 5, 22, 0, 0, 10 * 3600);
    /* Negative DST ("IST-1GMT0,M10.5.0,M3.5.0/1"): 2050-07-15 Fri 13:00
     * IST, 2050-01-15 Sat 12:00 GMT. */
    expect_local("Europe/Dublin", 2541499200, 5, 13, 0, 0, 3600);
    expect_local("Europe/Dublin", 2525860800, 6, 12, 0, 0, 0);
}

static void test_berlin(void **state)
{
    (void)state;
    expect_local("Europe/Berlin", 1768478400, 4, 13, 0, 0, 3600);     /* 2026-01-15 Thu 13:00 CET */
    expect_local("Europe/Berlin", 1784116800, 3, 14, 0, 0, 2 * 3600); /* 2026-07-15 Wed 14:00 */
    /* 2026-03-29: 01:59:59 CET, then 03:00:00 CEST */
    expect_local("Europe/Berlin", 1774745999, 0, 1, 59, 59, 3600);
    expect_local("Europe/Berlin", 1774746000, 0, 3, 0, 0, 2 * 3600);
    /* 2026-10-25: 02:59:59 CEST, then 02:00:00 CET */
    expect_local("Europe/Berlin", 1792889999, 0, 2, 59, 59, 2 * 3600);
    expect_local("Europe/Berlin", 1792890000, 0, 2, 0, 0, 3600);
}

static void test_valid_names(void **state)
{
    (void)state;
    assert_true(ah_tz_valid("UTC"));
    assert_true(ah_tz_valid("Asia/Shanghai"));
    assert_true(ah_tz_valid("America/Argentina/Buenos_Aires"));
    assert_true(ah_tz_valid("Etc/GMT+5"));
    assert_true(ah_tz_valid("America/Port-au-Prince"));
}

static void test_invalid_names(void **state)
{
    static const char *const bad[] = {
        "",
        "../etc/passwd",
        "/etc/passwd",
        "Nope/Zone",
        "Mars/Olympus",
        "America",                /* a directory */
        "America/",               /* trailing slash */
        "America//New_York",      /* empty part */
        "Asia/../Asia/Shanghai",  /* ".." */
        "zone.tab",               /* a regular file, but not a zone */
        "leapseconds",            /* no '.', still not a zone */
        "utc",                    /* names are case-sensitive */
        "Asia/Shanghai ",         /* space */
        "Asia/Shang\xe6\xb5\xb7", /* non-ASCII */
        "EST5EDT,M3.2.0,M11.1.0", /* POSIX strings are not zone names */
        "A123456789012345678901234567890123456789012345678901234567890123", /* 65 bytes */
    };
    struct ah_tz_local_time lt;
    struct ah_error err;
    struct ah_tz *tz = NULL;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_false(ah_tz_valid(bad[i]));
        assert_int_equal(ah_tz_local(bad[i], 0, &lt), AH_EINVAL);
    }
    assert_false(ah_tz_valid(NULL));
    assert_int_equal(ah_tz_open("Mars/Olympus", &tz, &err), AH_EINVAL);
    assert_null(tz);
    assert_string_equal(err.msg, "unrecognized time zone \"Mars/Olympus\"");
}

/* An opened zone converts without I/O and may be reused. */
static void test_open_reuse(void **state)
{
    struct ah_tz_local_time lt;
    struct ah_tz *tz = NULL;

    (void)state;
    assert_int_equal(ah_tz_open("Asia/Kolkata", &tz, NULL), AH_OK);
    ah_tz_convert(tz, 1768478400, &lt); /* 2026-01-15 Thu 17:30 IST */
    assert_int_equal(lt.hour, 17);
    assert_int_equal(lt.min, 30);
    assert_int_equal(lt.utc_offset, 19800);
    ah_tz_convert(tz, -4000000000LL, &lt); /* 1843-03-31 Fri 22:46:48 LMT +5:53:28 */
    assert_int_equal(lt.wday, 5);
    assert_int_equal(lt.hour, 22);
    assert_int_equal(lt.utc_offset, 21208);
    ah_tz_free(tz);
    ah_tz_free(NULL);
}

/* Dates (year, month, day) of the wall clock, around 1970, leap days and
 * the clamp. */
static void expect_date(const char *name, int64_t utc, int year, int month, int day)
{
    struct ah_tz_local_time lt;

    memset(&lt, 0xff, sizeof(lt));
    assert_int_equal(ah_tz_local(name, utc, &lt), AH_OK);
    assert_int_equal(lt.year, year);
    assert_int_equal(lt.month, month);
    assert_int_equal(lt.day, day);
}

static void test_dates(void **state)
{
    (void)state;
    expect_date("UTC", 0, 1970, 1, 1);
    expect_date("UTC", -1, 1969, 12, 31);
    expect_date("UTC", 1835481599, 2028, 2, 29);           /* 2028-02-29 23:59:59 */
    expect_date("UTC", 1835481600, 2028, 3, 1);            /* one second later */
    expect_date("UTC", -2203891200, 1900, 3, 1);           /* 1900 was not a leap year */
    expect_date("UTC", 951782400, 2000, 2, 29);            /* 2000 was */
    expect_date("Asia/Shanghai", 1768492800, 2026, 1, 16); /* 00:00 local, 16:00Z the day before */
    expect_date("America/New_York", 1767243600, 2026, 1, 1); /* 00:00 EST, 05:00Z */
    expect_date("America/New_York", 1767243599, 2025, 12, 31);
    expect_date("UTC", INT64_MAX, 36812, 2, 20);
    expect_date("UTC", INT64_MIN, -32873, 11, 12);
}

static void test_days_from_civil(void **state)
{
    (void)state;
    assert_int_equal(ah_tz_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(ah_tz_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(ah_tz_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(ah_tz_days_from_civil(2028, 2, 29), 21243);
    assert_int_equal(ah_tz_days_from_civil(1, 1, 1), -719162);
    /* A day past the month's end counts on. */
    assert_int_equal(ah_tz_days_from_civil(2027, 1, 32), ah_tz_days_from_civil(2027, 2, 1));
    assert_int_equal(ah_tz_days_from_civil(2028, 2, 30), ah_tz_days_from_civil(2028, 3, 1));
    assert_int_equal(ah_tz_days_from_civil(2027, 12, 32), ah_tz_days_from_civil(2028, 1, 1));
}

/* The instant at which @name's clock reads @y-@m-@d @hour:@min. */
static int64_t to_utc(const char *name, int y, int m, int d, int hour, int min)
{
    struct ah_tz *tz = NULL;
    int64_t t;

    assert_int_equal(ah_tz_open(name, &tz, NULL), AH_OK);
    t = ah_tz_to_utc(tz, ah_tz_days_from_civil(y, m, d) * 86400 + hour * 3600 + min * 60);
    ah_tz_free(tz);
    return t;
}

static void test_to_utc(void **state)
{
    (void)state;
    assert_int_equal(to_utc("UTC", 2028, 2, 29, 12, 0), 1835438400);
    assert_int_equal(to_utc("Asia/Shanghai", 2027, 6, 1, 9, 0), 1811811600);
    assert_int_equal(to_utc("Asia/Kolkata", 2026, 1, 15, 17, 30), 1768478400);
    /* New York 2027-03-14: 01:59 EST exists; 02:30 is skipped and moves
     * forward by the hour to 03:30 EDT, which 03:30 itself also gives. */
    assert_int_equal(to_utc("America/New_York", 2027, 3, 14, 1, 59), 1805007540);
    assert_int_equal(to_utc("America/New_York", 2027, 3, 14, 2, 30), 1805009400);
    assert_int_equal(to_utc("America/New_York", 2027, 3, 14, 2, 0), 1805007600);
    assert_int_equal(to_utc("America/New_York", 2027, 3, 14, 3, 30), 1805009400);
    /* 2027-11-07: 01:30 happens twice; the first is EDT (05:30Z). */
    assert_int_equal(to_utc("America/New_York", 2027, 11, 7, 1, 30), 1825565400);
    assert_int_equal(to_utc("America/New_York", 2027, 11, 7, 2, 0), 1825570800);
    /* Berlin: 2027-03-28 02:30 is skipped (-> 03:30 CEST, 01:30Z);
     * 2027-10-31 02:30 happens twice, first in CEST (00:30Z). */
    assert_int_equal(to_utc("Europe/Berlin", 2027, 3, 28, 2, 30), 1806197400);
    assert_int_equal(to_utc("Europe/Berlin", 2027, 10, 31, 2, 30), 1824942600);
    /* Sydney (DST across the new year): 2027-10-03 02:30 is skipped,
     * 2027-04-04 02:30 happens twice (first in AEDT). */
    assert_int_equal(to_utc("Australia/Sydney", 2027, 10, 3, 2, 30), 1822494600);
    assert_int_equal(to_utc("Australia/Sydney", 2027, 4, 4, 2, 30), 1806766200);
    /* Past the listed transitions (footer rules): New York 2050-03-13, and
     * Dublin's negative DST (01:30 skipped on 2050-03-27, 01:30 twice on
     * 2050-10-30, first in IST). */
    assert_int_equal(to_utc("America/New_York", 2050, 3, 13, 2, 30), 2530769400);
    assert_int_equal(to_utc("Europe/Dublin", 2050, 3, 27, 1, 30), 2531957400);
    assert_int_equal(to_utc("Europe/Dublin", 2050, 10, 30, 1, 30), 2550702600);
}

/* ah_tz_to_utc inverts ah_tz_convert for every instant except the second
 * pass through a fold, which maps back to the first: checked every 7
 * minutes 13 seconds through 2027 in New York and Berlin. */
static void test_to_utc_round_trip(void **state)
{
    static const char *const zones[] = {"America/New_York", "Europe/Berlin", "Australia/Sydney"};
    struct ah_tz_local_time lt;
    struct ah_tz *tz = NULL;
    int64_t t, local, back;
    size_t i, folds;

    (void)state;
    for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
        assert_int_equal(ah_tz_open(zones[i], &tz, NULL), AH_OK);
        folds = 0;
        for (t = 1798761600; t < 1830297600; t += 433) {
            ah_tz_convert(tz, t, &lt);
            local = ah_tz_days_from_civil(lt.year, lt.month, lt.day) * 86400 + lt.hour * 3600 +
                    lt.min * 60 + lt.sec;
            assert_int_equal(local, t + lt.utc_offset);
            back = ah_tz_to_utc(tz, local);
            if (back != t) {
                assert_int_equal(back, t - 3600); /* the same reading an hour earlier */
                folds++;
            }
        }
        /* One fold hour a year, sampled every 433 s. */
        assert_in_range(folds, 8, 9);
        ah_tz_free(tz);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utc),           cmocka_unit_test(test_shanghai),
        cmocka_unit_test(test_new_york),      cmocka_unit_test(test_footer_rules),
        cmocka_unit_test(test_berlin),        cmocka_unit_test(test_valid_names),
        cmocka_unit_test(test_invalid_names), cmocka_unit_test(test_open_reuse),
        cmocka_unit_test(test_dates),         cmocka_unit_test(test_days_from_civil),
        cmocka_unit_test(test_to_utc),        cmocka_unit_test(test_to_utc_round_trip),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
