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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utc),           cmocka_unit_test(test_shanghai),
        cmocka_unit_test(test_new_york),      cmocka_unit_test(test_footer_rules),
        cmocka_unit_test(test_berlin),        cmocka_unit_test(test_valid_names),
        cmocka_unit_test(test_invalid_names), cmocka_unit_test(test_open_reuse),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
