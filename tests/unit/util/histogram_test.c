/* histogram_test.c - Prometheus histograms (util/histogram.c): bounds and
 * sums printed exactly, cumulative buckets, values on a bound and above the
 * last one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "util/alloc.h"
#include "util/histogram.h"

static char *fixed(uint64_t v, unsigned decimals)
{
    struct ah_buf b;

    ah_buf_init(&b);
    ah_buf_put_fixed(&b, v, decimals);
    return ah_buf_steal(&b);
}

static void fixed_point(void **state)
{
    static const struct {
        uint64_t v;
        unsigned d;
        const char *want;
    } cases[] = {{0, 6, "0"},         {250, 6, "0.00025"},      {1000000, 6, "1"},
                 {2500000, 6, "2.5"}, {1234567, 6, "1.234567"}, {512, 0, "512"}};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *s = fixed(cases[i].v, cases[i].d);

        assert_string_equal(s, cases[i].want);
        ah_free(s);
    }
}

static void format(void **state)
{
    static const uint64_t bounds[] = {1000, 5000};
    struct ah_histogram h;
    struct ah_buf b;

    (void)state;
    ah_histogram_init(&h, bounds, 2, 6);
    ah_histogram_observe(&h, 1000); /* on the bound: counts in it */
    ah_histogram_observe(&h, 1001);
    ah_histogram_observe(&h, 9000000);
    ah_buf_init(&b);
    ah_histogram_format(&h, "x_seconds", "A test.", &b);
    assert_string_equal(ah_buf_str(&b), "# HELP x_seconds A test.\n"
                                        "# TYPE x_seconds histogram\n"
                                        "x_seconds_bucket{le=\"0.001\"} 1\n"
                                        "x_seconds_bucket{le=\"0.005\"} 2\n"
                                        "x_seconds_bucket{le=\"+Inf\"} 3\n"
                                        "x_seconds_sum 9.002001\n"
                                        "x_seconds_count 3\n");
    ah_buf_done(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fixed_point),
        cmocka_unit_test(format),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
