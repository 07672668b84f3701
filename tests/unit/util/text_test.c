/* text_test.c - UTF-8 validation (util/text.c), which guards query-string
 * overrides before they can reach stored titles. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "util/alloc.h"
#include "util/text.h"

static void valid_text(void **state)
{
    (void)state;
    assert_true(ah_utf8_valid(""));
    assert_true(ah_utf8_valid("plain ascii"));
    assert_true(ah_utf8_valid("进房失败率过高"));
    assert_true(ah_utf8_valid("emoji \xF0\x9F\x94\xA5 ok"));
    assert_true(ah_utf8_valid("\xF4\x8F\xBF\xBF")); /* U+10FFFF, the last code point */
}

static void invalid_text(void **state)
{
    (void)state;
    assert_false(ah_utf8_valid("\xC3"));             /* truncated sequence */
    assert_false(ah_utf8_valid("\xC0\xAF"));         /* overlong '/' */
    assert_false(ah_utf8_valid("\xE0\x80\xAF"));     /* overlong, 3 bytes */
    assert_false(ah_utf8_valid("\xED\xA0\x80"));     /* surrogate U+D800 */
    assert_false(ah_utf8_valid("\xF4\x90\x80\x80")); /* past U+10FFFF */
    assert_false(ah_utf8_valid("ok \xFF"));          /* never a UTF-8 byte */
    assert_false(ah_utf8_valid("\x80"));             /* lone continuation */
}

static void counting_and_cutting(void **state)
{
    int cut = 0;
    char *s;

    (void)state;
    assert_int_equal(ah_utf8_len("进房a"), 3);
    s = ah_utf8_truncate("进房失败", 2, &cut);
    assert_string_equal(s, "进房");
    assert_int_equal(cut, 1);
    assert_true(ah_utf8_valid(s));
    ah_free(s);
    assert_true(ah_str_ieq("CRITICAL", "critical"));
    assert_false(ah_str_ieq("critical", "critica"));
}

static void scrubbing(void **state)
{
    char cut[] = "ab\xE8\xBF", whole[] = "ab\xE8\xBF\x9B", ascii[] = "abc";
    char *s;

    (void)state;
    s = ah_utf8_scrub("ok \xFF \xC3 \xE8\xBF\x9B");
    assert_string_equal(s, "ok ? ? \xE8\xBF\x9B");
    ah_free(s);
    ah_utf8_cut_partial(cut);
    assert_string_equal(cut, "ab");
    ah_utf8_cut_partial(whole);
    assert_string_equal(whole, "ab\xE8\xBF\x9B");
    ah_utf8_cut_partial(ascii);
    assert_string_equal(ascii, "abc");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_text),
        cmocka_unit_test(invalid_text),
        cmocka_unit_test(counting_and_cutting),
        cmocka_unit_test(scrubbing),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
