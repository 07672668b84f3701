/* regex_test.c - the PCRE2 wrapper (rules/regex.c): search, extraction of
 * the "result" group or the whole match, compile errors, the match limit on
 * a pattern that would backtrack for ages, and UTF-8 subjects, valid or
 * not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "rules/regex.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Compiles @pattern, which must be valid. */
static struct ah_regex *compile(const char *pattern)
{
    struct ah_error err = {AH_OK, ""};
    struct ah_regex *re = NULL;

    if (ah_regex_compile(pattern, strlen(pattern), &re, &err) != AH_OK)
        fail_msg("%s: %s", pattern, err.msg);
    assert_non_null(re);
    return re;
}

static int search(const char *pattern, const char *subject)
{
    struct ah_regex *re = compile(pattern);
    int matched = ah_regex_search(re, subject);

    ah_regex_free(re);
    return matched;
}

/* Checks that @pattern extracts @want from @subject (NULL: nothing). */
static void check_extract(const char *pattern, const char *subject, const char *want)
{
    struct ah_regex *re = compile(pattern);
    size_t off = 999, len = 999;
    int found = ah_regex_extract(re, subject, &off, &len);

    ah_regex_free(re);
    if (want == NULL) {
        if (found)
            fail_msg("%s on \"%s\": extracted \"%.*s\"", pattern, subject, (int)len, subject + off);
        return;
    }
    if (!found)
        fail_msg("%s on \"%s\": nothing extracted", pattern, subject);
    assert_true(off + len <= strlen(subject));
    if (len != strlen(want) || memcmp(subject + off, want, len) != 0)
        fail_msg("%s on \"%s\": extracted \"%.*s\", want \"%s\"", pattern, subject, (int)len,
                 subject + off, want);
}

static void test_search(void **state)
{
    (void)state;
    assert_int_equal(search("Downtime", "System Downtime"), 1); /* unanchored */
    assert_int_equal(search("^Downtime", "System Downtime"), 0);
    assert_int_equal(search("^System .*e$", "System Downtime"), 1);
    assert_int_equal(search("downtime", "System Downtime"), 0);
    assert_int_equal(search("(?i)downtime", "System Downtime"), 1);
    assert_int_equal(search("db-[0-9]+", "disk full on db-1"), 1);
    assert_int_equal(search("", ""), 1);
    assert_int_equal(search("x", ""), 0);
}

/* The pattern is @len bytes, not a C string: what follows is not read. */
static void test_compile_length(void **state)
{
    struct ah_error err = {AH_OK, ""};
    struct ah_regex *re = NULL;

    (void)state;
    assert_int_equal(ah_regex_compile("abc(", 3, &re, &err), AH_OK);
    assert_int_equal(ah_regex_search(re, "xabcx"), 1);
    assert_int_equal(ah_regex_search(re, "ab"), 0);
    ah_regex_free(re);
    ah_regex_free(NULL);
}

static void test_extract_named_group(void **state)
{
    (void)state;
    check_extract("host=(?P<result>[a-z0-9-]+)", "error on host=db-1 at 10:00", "db-1");
    check_extract("host=(?<result>[a-z0-9-]+)", "error on host=db-1 at 10:00", "db-1");
    check_extract("(?'result'[0-9]+)%", "disk at 95% full", "95");
    /* Other groups, before and after, do not matter. */
    check_extract("(\\w+)=(?P<result>\\d+) (?P<unit>\\w+)", "cpu=90 pct", "90");
    /* An empty group is still an extraction. */
    check_extract("a(?P<result>x*)b", "zabz", "");
    check_extract("host=(?P<result>[a-z]+)", "no host here", NULL);
}

static void test_extract_whole_match(void **state)
{
    (void)state;
    check_extract("db-[0-9]+", "disk full on db-12 now", "db-12");
    check_extract("(db)-([0-9]+)", "disk full on db-12 now", "db-12");
    check_extract("(?P<other>db)-[0-9]+", "disk full on db-12 now", "db-12");
    check_extract("^", "abc", "");
    check_extract("db-[0-9]+", "disk full", NULL);
}

/* A match in which no "result" group took part extracts nothing, rather
 * than falling back to the whole match. */
static void test_extract_group_unset(void **state)
{
    (void)state;
    check_extract("id=(?P<result>\\d+)|name=\\w+", "name=db", NULL);
    check_extract("id=(?P<result>\\d+)|name=\\w+", "id=42", "42");
    check_extract("(?:x(?P<result>y))?z", "z", NULL);
    /* Several groups named "result": the first that took part. */
    check_extract("(?J)id=(?<result>\\d+)|name=(?<result>\\w+)", "name=db", "db");
    check_extract("(?J)id=(?<result>\\d+)|name=(?<result>\\w+)", "id=42", "42");
    check_extract("(?|id=(?<result>\\d+)|name=(?<result>\\w+))", "name=db", "db");
}

static void check_refused(const char *pattern, const char *want)
{
    struct ah_error err = {AH_OK, ""};
    struct ah_regex *re = (struct ah_regex *)&err; /* must stay untouched */

    assert_int_equal(ah_regex_compile(pattern, strlen(pattern), &re, &err), AH_EINVAL);
    assert_int_equal(err.code, AH_EINVAL);
    assert_ptr_equal(re, (struct ah_regex *)&err);
    assert_string_equal(err.msg, want);
}

static void test_invalid(void **state)
{
    struct ah_regex *re = NULL;

    (void)state;
    check_refused("(", "at offset 1: missing closing parenthesis");
    check_refused("ab[", "at offset 3: missing terminating ] for character class");
    check_refused("a{2,1}", "at offset 5: numbers out of order in {} quantifier");
    check_refused("a\\Cb", "at offset 3: using \\C is disabled by the application");
    /* A NULL error is allowed. */
    assert_int_equal(ah_regex_compile("(", 1, &re, NULL), AH_EINVAL);
    assert_null(re);
}

static void test_match_limit(void **state)
{
    const char *subject = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!";
    struct ah_regex *re = compile("(a+)+$");
    struct timespec t0, t1;
    size_t off, len;
    double secs;

    (void)state;
    assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &t0), 0);
    assert_int_equal(ah_regex_search(re, subject), 0);
    assert_int_equal(ah_regex_extract(re, subject, &off, &len), 0);
    assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &t1), 0);
    secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (secs >= 1.0)
        fail_msg("the matches took %.3f s", secs);
    /* The same regex still works on subjects it can settle in time. */
    assert_int_equal(ah_regex_search(re, "aaaa"), 1);
    assert_int_equal(ah_regex_extract(re, "xaaaa", &off, &len), 1);
    assert_int_equal(off, 1);
    assert_int_equal(len, 4);
    ah_regex_free(re);
}

/* Offsets and lengths count bytes, while the pattern counts characters. */
static void test_utf8_offsets(void **state)
{
    const char *subject = "都市=東京都 ok"; /* 3-byte characters */
    struct ah_regex *re = compile("=(?P<result>...)");
    size_t off, len;

    (void)state;
    assert_int_equal(ah_regex_extract(re, subject, &off, &len), 1);
    assert_int_equal(off, 7);
    assert_int_equal(len, 9);
    assert_memory_equal(subject + off, "東京都", 9);
    ah_regex_free(re);
    check_extract("é+", "caféé!", "éé");
    assert_int_equal(search("^...$", "東京都"), 1);
    assert_int_equal(search("^.{9}$", "東京都"), 0);
}

/* A subject that is not UTF-8 does not crash, and its valid parts still
 * match (PCRE2_MATCH_INVALID_UTF, as filter_test.c also expects). */
static void test_invalid_utf8(void **state)
{
    static const char *const subjects[] = {
        "caf\xe9 Downtime", "\xff\xfe", "\xe6\x9d", "ok \xc0\xaf", "\xed\xa0\x80",
    };
    struct ah_regex *re = compile("(?P<result>\\w+)$");
    size_t off, len, i;

    (void)state;
    for (i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++) {
        (void)ah_regex_search(re, subjects[i]);
        if (ah_regex_extract(re, subjects[i], &off, &len))
            assert_true(off + len <= strlen(subjects[i]));
    }
    assert_int_equal(search("^caf. Downtime$", "caf\xe9 Downtime"), 0);
    assert_int_equal(search("Downtime", "caf\xe9 Downtime"), 1);
    check_extract("D\\w+", "caf\xe9 Downtime", "Downtime");
    ah_regex_free(re);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_search),
        cmocka_unit_test(test_compile_length),
        cmocka_unit_test(test_extract_named_group),
        cmocka_unit_test(test_extract_whole_match),
        cmocka_unit_test(test_extract_group_unset),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_match_limit),
        cmocka_unit_test(test_utf8_offsets),
        cmocka_unit_test(test_invalid_utf8),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
