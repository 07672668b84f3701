/* filter_test.c - the filter language (rules/filter.c): every value form
 * under IN and NOTIN, missing fields, groups and shapes, field lookup, the
 * exact messages of everything the compiler refuses, its limits, and a
 * regex that would backtrack for ages without the match limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "rules/filter.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define LABELS                                                                                     \
    "{\"service\": \"payment\", \"host\": \"db-1\", \"ip\": \"10.1.2.3\","                         \
    " \"ip6\": \"fd12:3456::1\", \"mapped\": \"::ffff:10.1.2.3\", \"value\": \"95\","              \
    " \"cpu\": \" 90.5  \", \"hex\": \"0x60\", \"n\": 5, \"city\": \"東京都\","                 \
    " \"empty\": \"\"}"

static json_t *labels;

/* The subject most tests look at. */
static struct ah_filter_subject subject(void)
{
    return (struct ah_filter_subject){
        .severity = "Critical",
        .title = "System Downtime",
        .description = "disk full on db-1",
        .alert_key = "k-1",
        .integration_id = 42,
        .labels = labels,
    };
}

static int setup(void **state)
{
    (void)state;
    labels = json_loads(LABELS, 0, NULL);
    return labels == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    json_decref(labels);
    return 0;
}

/* Compiles @text (NULL: no JSON at all), which must be valid. */
static struct ah_filter *compile(const char *text, enum ah_filter_shape shape)
{
    struct ah_filter *f = NULL;
    struct ah_error err = {AH_OK, ""};
    json_t *json = NULL;

    if (text != NULL) {
        json = json_loads(text, JSON_DECODE_ANY, NULL);
        assert_non_null(json);
    }
    if (ah_filter_compile(json, shape, &f, &err) != AH_OK)
        fail_msg("%s: %s", text, err.msg);
    assert_non_null(f);
    json_decref(json);
    return f;
}

static int match(const char *text, enum ah_filter_shape shape, const struct ah_filter_subject *s)
{
    struct ah_filter *f = compile(text, shape);
    int m = ah_filter_match(f, s);

    ah_filter_free(f);
    return m;
}

/* Checks one condition on @key with @vals (a JSON array) against @s: IN must
 * give @in and NOTIN its opposite. */
static void check_on(const struct ah_filter_subject *s, const char *key, const char *vals, int in)
{
    char text[2048];
    int got;

    snprintf(text, sizeof(text), "[{\"key\": \"%s\", \"oper\": \"IN\", \"vals\": %s}]", key, vals);
    got = match(text, AH_FILTER_AND, s);
    if (got != in)
        fail_msg("%s IN %s gave %d", key, vals, got);
    snprintf(text, sizeof(text), "[[{\"key\": \"%s\", \"oper\": \"NOTIN\", \"vals\": %s}]]", key,
             vals);
    got = match(text, AH_FILTER_OR_OF_AND, s);
    if (got != !in)
        fail_msg("%s NOTIN %s gave %d", key, vals, got);
}

static void check(const char *key, const char *vals, int in)
{
    struct ah_filter_subject s = subject();

    check_on(&s, key, vals, in);
}

/* Compiles @json, which must fail with AH_EINVAL and message @msg, leaving
 * the output untouched. */
static void refuse_json(json_t *json, enum ah_filter_shape shape, const char *msg)
{
    struct ah_filter *sentinel = (struct ah_filter *)&sentinel, *f = sentinel;
    struct ah_error err = {AH_OK, ""};

    assert_int_equal(ah_filter_compile(json, shape, &f, &err), AH_EINVAL);
    assert_ptr_equal(f, sentinel);
    assert_int_equal(err.code, AH_EINVAL);
    assert_string_equal(err.msg, msg);
}

static void refuse(const char *text, enum ah_filter_shape shape, const char *msg)
{
    json_t *json = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);

    assert_non_null(json);
    refuse_json(json, shape, msg);
    json_decref(json);
}

/* Refuses the single condition {key, "IN", @vals} in the AND shape. */
static void refuse_vals(const char *vals, const char *msg)
{
    char text[2048];

    snprintf(text, sizeof(text), "[{\"key\": \"title\", \"oper\": \"IN\", \"vals\": %s}]", vals);
    refuse(text, AH_FILTER_AND, msg);
}

/* ---- value forms ---- */

static void test_empty_matches_all(void **state)
{
    struct ah_filter_subject s = subject(), none = {0};

    (void)state;
    assert_int_equal(match(NULL, AH_FILTER_OR_OF_AND, &s), 1);
    assert_int_equal(match(NULL, AH_FILTER_AND, &none), 1);
    assert_int_equal(match("null", AH_FILTER_OR_OF_AND, &none), 1);
    assert_int_equal(match("[]", AH_FILTER_OR_OF_AND, &s), 1);
    assert_int_equal(match("[]", AH_FILTER_AND, &none), 1);
}

static void test_exact(void **state)
{
    (void)state;
    check("severity", "[\"Critical\"]", 1);
    check("severity", "[\"Warning\", \"Critical\"]", 1);
    check("severity", "[\"critical\"]", 0); /* case-sensitive */
    check("title", "[\"System Downtime\"]", 1);
    check("title", "[\"System\"]", 0); /* whole field */
    check("description", "[\"disk full on db-1\"]", 1);
    check("alert_key", "[\"k-1\"]", 1);
    check("alert_key", "[\"k-2\"]", 0);
    check("integration_id", "[\"42\"]", 1);
    check("integration_id", "[\"4\"]", 0);
    check("labels.service", "[\"payment\"]", 1);
    check("labels.service", "[\"pay\", \"ment\"]", 0);
    check("labels.empty", "[\"\"]", 1);
    check("labels.city", "[\"東京都\"]", 1);
}

static void test_exists(void **state)
{
    (void)state;
    check("labels.service", "[\"*\"]", 1);
    check("labels.empty", "[\"*\"]", 1); /* present, if empty */
    check("labels.nope", "[\"*\"]", 0);
    check("labels.n", "[\"*\"]", 0); /* not a string: absent */
    check("integration_id", "[\"*\"]", 1);
}

static void test_wildcard(void **state)
{
    (void)state;
    check("title", "[\"System*\"]", 1);
    check("title", "[\"*Downtime\"]", 1);
    check("title", "[\"*stem Down*\"]", 1);
    check("title", "[\"Downtime*\"]", 0); /* whole field, not a search */
    check("title", "[\"System?Downtime\"]", 1);
    check("title", "[\"System??Downtime\"]", 0);
    check("title", "[\"S*m*D*e\"]", 1);
    check("title", "[\"S*m*D*x\"]", 0);
    check("title", "[\"**\"]", 1);
    check("labels.empty", "[\"**\"]", 1);
    check("labels.empty", "[\"?\"]", 0);
    check("labels.host", "[\"db-?\"]", 1);
    check("labels.host", "[\"db-??\"]", 0);
    /* '?' is one character, however many bytes it takes. */
    check("labels.city", "[\"東京?\"]", 1);
    check("labels.city", "[\"???\"]", 1);
    check("labels.city", "[\"??\"]", 0);
    check("labels.city", "[\"????\"]", 0);
    check("labels.city", "[\"*?\"]", 1);
    check("labels.city", "[\"?*都\"]", 1);
    check("labels.city", "[\"*京?\"]", 1);
}

static void test_wildcard_no_blowup(void **state)
{
    struct ah_filter_subject s = subject();
    char title[4096], vals[512];

    (void)state;
    memset(title, 'a', sizeof(title) - 1);
    title[sizeof(title) - 1] = '\0';
    s.title = title;
    /* Recursive matchers take exponential time here; two pointers do not. */
    snprintf(vals, sizeof(vals), "[\"%s\"]", "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b");
    check_on(&s, "title", vals, 0);
    snprintf(vals, sizeof(vals), "[\"%s\"]", "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a");
    check_on(&s, "title", vals, 1);
}

static void test_regex(void **state)
{
    struct ah_filter_subject s = subject();

    (void)state;
    check("title", "[\"/Downtime/\"]", 1); /* unanchored */
    check("title", "[\"/^Downtime/\"]", 0);
    check("title", "[\"/^System .*e$/\"]", 1);
    check("title", "[\"/downtime/\"]", 0);
    check("title", "[\"/(?i)downtime/\"]", 1);
    check("labels.host", "[\"/cpu/\", \"/io/\", \"/db-[0-9]+/\"]", 1);
    check("labels.host", "[\"/cpu/\", \"/io/\"]", 0);
    check("labels.city", "[\"/^...$/\"]", 1); /* UTF mode: three characters */
    check("labels.empty", "[\"//\"]", 1);
    check("title", "[\"/a*/\"]", 1);      /* a regex, not a wildcard */
    check("title", "[\"/System/x\"]", 0); /* not a regex (no closing '/'): exact */
    /* A field that is not UTF-8 does not match, and does not fail. */
    s.title = "caf\xe9 Downtime";
    check_on(&s, "title", "[\"/Downtime/\"]", 1);
    check_on(&s, "title", "[\"/^caf. Downtime$/\"]", 0);
}

static void test_regex_match_limit(void **state)
{
    struct ah_filter_subject s = subject();
    struct ah_filter *f = compile(
        "[{\"key\": \"title\", \"oper\": \"IN\", \"vals\": [\"/(a+)+$/\"]}]", AH_FILTER_AND);
    struct timespec t0, t1;
    double secs;

    (void)state;
    s.title = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!";
    assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &t0), 0);
    assert_int_equal(ah_filter_match(f, &s), 0);
    assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &t1), 0);
    secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (secs >= 1.0)
        fail_msg("the match took %.3f s", secs);
    /* The same pattern still works on fields it can settle in time. */
    s.title = "aaaa";
    assert_int_equal(ah_filter_match(f, &s), 1);
    ah_filter_free(f);
}

/* An AND filter of @nconds conditions NOTIN on the title, each with 100
 * values /(a+)+$N/: hostile patterns, all different. A new JSON array. */
static json_t *hostile(int nconds)
{
    json_t *conds = json_array();
    char re[32];
    int c, v;

    for (c = 0; c < nconds; c++) {
        json_t *vals = json_array();

        for (v = 0; v < 100; v++) {
            snprintf(re, sizeof(re), "/(a+)+$%d/", c * 100 + v);
            json_array_append_new(vals, json_string(re));
        }
        json_array_append_new(
            conds, json_pack("{sssss o}", "key", "title", "oper", "NOTIN", "vals", vals));
    }
    return conds;
}

/* A rule's patterns share AH_RULE_STEPS: over 1,000 of them are refused at
 * save time, and 1,000 hostile ones on a hostile title cost about one rule's
 * budget, not 1,000 full match limits (seconds). */
static void test_rule_budget_at_save(void **state)
{
    struct ah_filter_subject s = subject();
    struct ah_filter *f = NULL;
    struct ah_error err = {AH_OK, ""};
    json_t *json = hostile(11);
    struct timespec t0, t1;
    double secs;

    (void)state;
    refuse_json(json, AH_FILTER_AND,
                "filter has 1100 regular expressions; at most 1000 fit in one rule's budget of "
                "1000000 match steps");
    json_decref(json);
    json = hostile(10);
    assert_int_equal(ah_filter_compile(json, AH_FILTER_AND, &f, &err), AH_OK);
    json_decref(json);
    s.title = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!";
    assert_int_equal(clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0), 0);
    assert_int_equal(ah_filter_match(f, &s), 1); /* no pattern settles: NOTIN holds */
    assert_int_equal(clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1), 0);
    secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (secs >= 0.5) /* 1000 full limits would take about 2 s; one budget ~20 ms */
        fail_msg("1,000 hostile patterns took %.3f s of CPU", secs);
    ah_filter_free(f);
}

/* Once an event's budget is spent, a filter does not match, even where a
 * NOTIN of the skipped patterns would hold; the budget says so. */
static void test_event_budget(void **state)
{
    struct ah_filter_subject s = subject();
    struct ah_rule_budget b;
    json_t *json = hostile(1);
    struct ah_filter *f = NULL;
    struct ah_error err = {AH_OK, ""};

    (void)state;
    assert_int_equal(ah_filter_compile(json, AH_FILTER_AND, &f, &err), AH_OK);
    json_decref(json);
    s.title = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!";
    assert_int_equal(ah_filter_match(f, &s), 1); /* unbounded: NOTIN holds */
    ah_rule_budget_start(&b, AH_EVENT_RULE_NS);
    s.budget = &b;
    assert_int_equal(ah_filter_match(f, &s), 1); /* within the budget */
    assert_int_equal(b.exhausted, 0);
    ah_rule_budget_start(&b, 0); /* nothing left */
    assert_int_equal(ah_filter_match(f, &s), 0);
    assert_int_equal(b.exhausted, 1);
    ah_filter_free(f);
}

static void test_cidr_v4(void **state)
{
    (void)state;
    check("labels.ip", "[\"cidr:10.0.0.0/8\"]", 1);
    check("labels.ip", "[\"cidr:11.0.0.0/8\"]", 0);
    check("labels.ip", "[\"cidr:10.1.2.206/24\"]", 1); /* host bits ignored */
    check("labels.ip", "[\"cidr:10.1.3.0/24\"]", 0);
    check("labels.ip", "[\"cidr:10.1.2.2/31\"]", 1);
    check("labels.ip", "[\"cidr:10.1.2.4/31\"]", 0);
    check("labels.ip", "[\"cidr:10.1.2.3\"]", 1); /* bare address: /32 */
    check("labels.ip", "[\"cidr:10.1.2.4\"]", 0);
    check("labels.ip", "[\"cidr:0.0.0.0/0\"]", 1);
    check("labels.ip6", "[\"cidr:0.0.0.0/0\"]", 0); /* IPv6 field, IPv4 range */
    check("labels.host", "[\"cidr:0.0.0.0/0\"]", 0);
    check("labels.mapped", "[\"cidr:10.0.0.0/8\"]", 1);
    check("labels.mapped", "[\"cidr:::ffff:10.0.0.0/104\"]", 1);
    check("labels.ip", "[\"cidr:::ffff:10.0.0.0/104\"]", 1);
    check("labels.ip", "[\"cidr:::ffff:11.0.0.0/104\"]", 0);
}

static void test_cidr_v6(void **state)
{
    (void)state;
    check("labels.ip6", "[\"cidr:fd00::/8\"]", 1);
    check("labels.ip6", "[\"cidr:fe80::/10\"]", 0);
    check("labels.ip6", "[\"cidr:fd12:3456::/32\"]", 1);
    check("labels.ip6", "[\"cidr:fd12:3457::/32\"]", 0);
    check("labels.ip6", "[\"cidr:fd12:3456::/127\"]", 1);
    check("labels.ip6", "[\"cidr:fd12:3456::2/127\"]", 0);
    check("labels.ip6", "[\"cidr:fd12:3456::1\"]", 1);
    check("labels.ip6", "[\"cidr:::/0\"]", 1);
    check("labels.ip", "[\"cidr:fd00::/8\"]", 0); /* IPv4 field, IPv6 range */
    check("labels.ip", "[\"cidr:::/0\"]", 0);
    check("labels.mapped", "[\"cidr:::/0\"]", 1);
    check("labels.host", "[\"cidr:::/0\"]", 0);
}

static void test_num(void **state)
{
    (void)state;
    check("labels.value", "[\"num:gt:90\"]", 1);
    check("labels.value", "[\"num:gt:95\"]", 0);
    check("labels.value", "[\"num:ge:95\"]", 1);
    check("labels.value", "[\"num:ge:95.01\"]", 0);
    check("labels.value", "[\"num:lt:95\"]", 0);
    check("labels.value", "[\"num:lt:1e3\"]", 1);
    check("labels.value", "[\"num:le:95\"]", 1);
    check("labels.value", "[\"num:le:-95\"]", 0);
    check("labels.cpu", "[\"num:gt:90\"]", 1); /* " 90.5  ": blanks around are fine */
    check("labels.cpu", "[\"num:gt:90.5\"]", 0);
    check("labels.host", "[\"num:gt:0\", \"num:lt:0\"]", 0); /* not a number */
    check("labels.hex", "[\"num:gt:0\"]", 0);                /* hex is text */
    check("labels.empty", "[\"num:ge:0\"]", 0);
    check("integration_id", "[\"num:ge:42\"]", 1);
    check("integration_id", "[\"num:lt:42\"]", 0);
}

/* A missing field matches no value of any form: IN fails, NOTIN holds. */
static void test_missing_field(void **state)
{
    static const char *const vals[] = {
        "[\"x\"]",         "[\"\"]",         "[\"*\"]",        "[\"x*\"]",
        "[\"**\"]",        "[\"//\"]",       "[\"/.*/\"]",     "[\"cidr:0.0.0.0/0\"]",
        "[\"cidr:::/0\"]", "[\"num:ge:0\"]", "[\"num:lt:0\"]",
    };
    static const char *const keys[] = {"severity",    "title",          "description",
                                       "alert_key",   "integration_id", "labels.service",
                                       "labels.nope", "labels.n"};
    struct ah_filter_subject none = {0}, s = subject();
    size_t i, k;

    (void)state;
    for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
            check_on(&none, keys[k], vals[i], 0);
        check_on(&s, "labels.nope", vals[i], 0);
    }
}

/* ---- groups and shapes ---- */

static void test_or_of_and(void **state)
{
    /* (severity IN Critical|Warning AND labels.service IN x)
     *  OR (labels.host IN /db/ AND labels.value IN num:gt:90) */
    static const char *const text =
        "[[{\"key\": \"severity\", \"oper\": \"IN\", \"vals\": [\"Critical\", \"Warning\"]},"
        "  {\"key\": \"labels.service\", \"oper\": \"IN\", \"vals\": [\"%s\"]}],"
        " [{\"key\": \"labels.host\", \"oper\": \"IN\", \"vals\": [\"/db/\"]},"
        "  {\"key\": \"labels.value\", \"oper\": \"%s\", \"vals\": [\"num:gt:90\"]}]]";
    struct ah_filter_subject s = subject();
    char buf[1024];

    (void)state;
    snprintf(buf, sizeof(buf), text, "payment", "NOTIN");
    assert_int_equal(match(buf, AH_FILTER_OR_OF_AND, &s), 1); /* first group */
    snprintf(buf, sizeof(buf), text, "billing", "IN");
    assert_int_equal(match(buf, AH_FILTER_OR_OF_AND, &s), 1); /* second group */
    snprintf(buf, sizeof(buf), text, "billing", "NOTIN");
    assert_int_equal(match(buf, AH_FILTER_OR_OF_AND, &s), 0); /* neither */
    s.severity = "Info";
    snprintf(buf, sizeof(buf), text, "payment", "NOTIN");
    assert_int_equal(match(buf, AH_FILTER_OR_OF_AND, &s), 0);
    s.labels = NULL;
    snprintf(buf, sizeof(buf), text, "payment", "IN");
    assert_int_equal(match(buf, AH_FILTER_OR_OF_AND, &s), 0);
}

static void test_and_shape(void **state)
{
    static const char *const text =
        "[{\"key\": \"severity\", \"oper\": \"IN\", \"vals\": [\"Critical\"]},"
        " {\"key\": \"labels.host\", \"oper\": \"NOTIN\", \"vals\": [\"web-*\"]},"
        " {\"key\": \"title\", \"oper\": \"IN\", \"vals\": [\"/Down/\"]}]";
    struct ah_filter_subject s = subject();

    (void)state;
    assert_int_equal(match(text, AH_FILTER_AND, &s), 1);
    s.title = "System Up";
    assert_int_equal(match(text, AH_FILTER_AND, &s), 0);
    s.title = "Down";
    s.severity = NULL;
    assert_int_equal(match(text, AH_FILTER_AND, &s), 0);
}

static void test_field_lookup(void **state)
{
    struct ah_filter_subject s = subject(), none = {0};
    char buf[24];

    (void)state;
    assert_string_equal(ah_filter_field(&s, "severity", buf), "Critical");
    assert_string_equal(ah_filter_field(&s, "title", buf), "System Downtime");
    assert_string_equal(ah_filter_field(&s, "description", buf), "disk full on db-1");
    assert_string_equal(ah_filter_field(&s, "alert_key", buf), "k-1");
    assert_ptr_equal(ah_filter_field(&s, "integration_id", buf), buf);
    assert_string_equal(buf, "42");
    s.integration_id = INT64_MIN;
    assert_string_equal(ah_filter_field(&s, "integration_id", buf), "-9223372036854775808");
    assert_string_equal(ah_filter_field(&s, "labels.service", buf), "payment");
    assert_null(ah_filter_field(&s, "labels.nope", buf));
    assert_null(ah_filter_field(&s, "labels.n", buf));
    assert_null(ah_filter_field(&s, "labels.", buf));
    assert_null(ah_filter_field(&s, "service", buf));
    assert_null(ah_filter_field(&s, "lables.service", buf));
    assert_null(ah_filter_field(&none, "title", buf));
    assert_null(ah_filter_field(&none, "integration_id", buf));
    assert_null(ah_filter_field(&none, "labels.service", buf));

    assert_true(ah_filter_key_valid("severity"));
    assert_true(ah_filter_key_valid("integration_id"));
    assert_true(ah_filter_key_valid("labels.a.b"));
    assert_false(ah_filter_key_valid("labels."));
    assert_false(ah_filter_key_valid("labels"));
    assert_false(ah_filter_key_valid("Severity"));
    assert_false(ah_filter_key_valid(""));
    assert_false(ah_filter_key_valid(NULL));
}

/* ---- what the compiler refuses ---- */

static void test_refuse_shape(void **state)
{
    (void)state;
    refuse("{}", AH_FILTER_OR_OF_AND, "filter must be an array of groups of conditions");
    refuse("\"severity\"", AH_FILTER_AND, "filter must be an array of conditions");
    refuse("[[{\"key\": \"title\", \"oper\": \"IN\", \"vals\": [\"a\"]}], {}]", AH_FILTER_OR_OF_AND,
           "filter group 2 must be an array of conditions");
    refuse("[[]]", AH_FILTER_OR_OF_AND, "filter group 1 is empty");
    refuse("[{\"key\": \"title\", \"oper\": \"IN\", \"vals\": [\"a\"]}]", AH_FILTER_OR_OF_AND,
           "filter group 1 must be an array of conditions");
    refuse("[[{\"key\": \"title\", \"oper\": \"IN\", \"vals\": [\"a\"]}]]", AH_FILTER_AND,
           "filter condition 1: must be an object with key, oper and vals");
    refuse("[[{\"key\": \"title\", \"oper\": \"IN\", \"vals\": [\"a\"]}, 7]]", AH_FILTER_OR_OF_AND,
           "filter group 1 condition 2: must be an object with key, oper and vals");
    refuse("[{\"key\": \"title\", \"op\": \"IN\", \"vals\": [\"a\"]}]", AH_FILTER_AND,
           "filter condition 1: unrecognized field \"op\"");
}

static void test_refuse_key_oper(void **state)
{
    (void)state;
    refuse("[{\"oper\": \"IN\", \"vals\": [\"a\"]}]", AH_FILTER_AND,
           "filter condition 1: key must be a string");
    refuse("[{\"key\": 1, \"oper\": \"IN\", \"vals\": [\"a\"]}]", AH_FILTER_AND,
           "filter condition 1: key must be a string");
    refuse("[{\"key\": \"lables.x\", \"oper\": \"IN\", \"vals\": [\"a\"]}]", AH_FILTER_AND,
           "filter condition 1: unrecognized key \"lables.x\"");
    refuse("[{\"key\": \"labels.\", \"oper\": \"IN\", \"vals\": [\"a\"]}]", AH_FILTER_AND,
           "filter condition 1: key \"labels.\" needs a label name");
    refuse("[{\"key\": \"title\\u0000x\", \"oper\": \"IN\", \"vals\": [\"a\"]}]", AH_FILTER_AND,
           "filter condition 1: key must not contain NUL");
    refuse("[[{\"key\": \"title\", \"oper\": \"IN\", \"vals\": [\"a\"]}],"
           " [{\"key\": \"title\", \"oper\": \"EQ\", \"vals\": [\"a\"]}]]",
           AH_FILTER_OR_OF_AND, "filter group 2 condition 1: oper must be IN or NOTIN, not \"EQ\"");
    refuse("[{\"key\": \"title\", \"oper\": \"in\", \"vals\": [\"a\"]}]", AH_FILTER_AND,
           "filter condition 1: oper must be IN or NOTIN, not \"in\"");
    refuse("[{\"key\": \"title\", \"vals\": [\"a\"]}]", AH_FILTER_AND,
           "filter condition 1: oper must be a string");
}

static void test_refuse_vals(void **state)
{
    (void)state;
    refuse("[{\"key\": \"title\", \"oper\": \"IN\"}]", AH_FILTER_AND,
           "filter condition 1: vals must be a non-empty array of strings");
    refuse_vals("[]", "filter condition 1: vals must be a non-empty array of strings");
    refuse_vals("\"a\"", "filter condition 1: vals must be a non-empty array of strings");
    refuse_vals("[\"a\", 1]", "filter condition 1: vals[1] must be a string");
    refuse_vals("[\"a\\u0000b\"]", "filter condition 1: vals[0] must not contain NUL");
}

static void test_refuse_regex(void **state)
{
    (void)state;
    refuse_vals("[\"/(/\"]", "filter condition 1: invalid regex \"/(/\" at offset 1: "
                             "missing closing parenthesis");
    refuse_vals("[\"a\", \"/ab[/\"]", "filter condition 1: invalid regex \"/ab[/\" at offset 3: "
                                      "missing terminating ] for character class");
    refuse_vals("[\"/a{2,1}/\"]", "filter condition 1: invalid regex \"/a{2,1}/\" at offset 5: "
                                  "numbers out of order in {} quantifier");
}

static void test_refuse_cidr(void **state)
{
    (void)state;
    refuse_vals("[\"cidr:10.0.0.0/33\"]", "filter condition 1: invalid CIDR \"cidr:10.0.0.0/33\"");
    refuse_vals("[\"cidr:fd00::/129\"]", "filter condition 1: invalid CIDR \"cidr:fd00::/129\"");
    refuse_vals("[\"cidr:10.0.0/8\"]", "filter condition 1: invalid CIDR \"cidr:10.0.0/8\"");
    refuse_vals("[\"cidr:10.0.0.0/\"]", "filter condition 1: invalid CIDR \"cidr:10.0.0.0/\"");
    refuse_vals("[\"cidr:10.0.0.0/-1\"]", "filter condition 1: invalid CIDR \"cidr:10.0.0.0/-1\"");
    refuse_vals("[\"cidr:10.0.0.0/8x\"]", "filter condition 1: invalid CIDR \"cidr:10.0.0.0/8x\"");
    refuse_vals("[\"cidr:\"]", "filter condition 1: invalid CIDR \"cidr:\"");
    refuse_vals("[\"cidr:db-1\"]", "filter condition 1: invalid CIDR \"cidr:db-1\"");
}

static void test_refuse_num(void **state)
{
    (void)state;
    refuse_vals("[\"num:eq:1\"]", "filter condition 1: invalid number comparison \"num:eq:1\": "
                                  "expected num:gt|ge|lt|le:NUMBER");
    refuse_vals("[\"num:90\"]", "filter condition 1: invalid number comparison \"num:90\": "
                                "expected num:gt|ge|lt|le:NUMBER");
    refuse_vals("[\"num:gt:\"]", "filter condition 1: invalid number comparison \"num:gt:\": "
                                 "not a finite decimal number");
    refuse_vals("[\"num:gt:abc\"]", "filter condition 1: invalid number comparison "
                                    "\"num:gt:abc\": not a finite decimal number");
    refuse_vals("[\"num:gt:1e999\"]", "filter condition 1: invalid number comparison "
                                      "\"num:gt:1e999\": not a finite decimal number");
    refuse_vals("[\"num:lt:nan\"]", "filter condition 1: invalid number comparison "
                                    "\"num:lt:nan\": not a finite decimal number");
    refuse_vals("[\"num:le:0x10\"]", "filter condition 1: invalid number comparison "
                                     "\"num:le:0x10\": not a finite decimal number");
}

/* Appends @n copies of @s to @buf at *@len. */
static void repeat(char *buf, size_t *len, const char *s, int n)
{
    for (; n > 0; n--) {
        memcpy(buf + *len, s, strlen(s));
        *len += strlen(s);
    }
    buf[*len] = '\0';
}

/* A long value is quoted only in part (64 bytes), cut between characters
 * so that the message stays UTF-8: "cidr:" and 19 three-byte characters. */
static void test_refuse_long_value(void **state)
{
    char vals[256], msg[256];
    size_t vlen = 0, mlen = 0;

    (void)state;
    repeat(vals, &vlen, "[\"cidr:", 1);
    repeat(vals, &vlen, "東", 50);
    repeat(vals, &vlen, "\"]", 1);
    repeat(msg, &mlen, "filter condition 1: invalid CIDR \"cidr:", 1);
    repeat(msg, &mlen, "東", 19);
    repeat(msg, &mlen, "...\"", 1);
    refuse_vals(vals, msg);
}

/* ---- limits ---- */

static json_t *cond_json(size_t nvals)
{
    json_t *vals = json_array();
    size_t i;

    for (i = 0; i < nvals; i++)
        json_array_append_new(vals, json_string("v"));
    return json_pack("{s:s, s:s, s:o}", "key", "title", "oper", "IN", "vals", vals);
}

static json_t *group_json(size_t nconds, size_t nvals)
{
    json_t *g = json_array();
    size_t i;

    for (i = 0; i < nconds; i++)
        json_array_append_new(g, cond_json(nvals));
    return g;
}

static void test_limits(void **state)
{
    struct ah_filter *f = NULL;
    struct ah_error err = {AH_OK, ""};
    json_t *json = json_array();
    char big[AH_FILTER_MAX_VALUE + 2];
    size_t i;

    (void)state;
    for (i = 0; i < AH_FILTER_MAX_GROUPS; i++)
        json_array_append_new(json, group_json(AH_FILTER_MAX_CONDS, AH_FILTER_MAX_VALS));
    assert_int_equal(ah_filter_compile(json, AH_FILTER_OR_OF_AND, &f, &err), AH_OK);
    ah_filter_free(f);
    json_array_append_new(json, group_json(1, 1));
    refuse_json(json, AH_FILTER_OR_OF_AND, "filter holds 21 groups, at most 20 are allowed");
    json_decref(json);

    json = group_json(AH_FILTER_MAX_CONDS + 1, 1);
    refuse_json(json, AH_FILTER_AND, "filter holds 21 conditions, at most 20 are allowed");
    json_decref(json);
    json = json_pack("[o]", group_json(AH_FILTER_MAX_CONDS + 1, 1));
    refuse_json(json, AH_FILTER_OR_OF_AND,
                "filter group 1 holds 21 conditions, at most 20 are allowed");
    json_decref(json);
    json = group_json(1, AH_FILTER_MAX_VALS + 1);
    refuse_json(json, AH_FILTER_AND,
                "filter condition 1: vals holds 101 values, at most 100 are allowed");
    json_decref(json);

    memset(big, 'x', sizeof(big));
    big[AH_FILTER_MAX_VALUE] = '\0';
    json = json_pack("[{s:s, s:s, s:[s]}]", "key", "title", "oper", "IN", "vals", big);
    f = NULL;
    assert_int_equal(ah_filter_compile(json, AH_FILTER_AND, &f, &err), AH_OK);
    ah_filter_free(f);
    json_decref(json);
    big[AH_FILTER_MAX_VALUE] = 'x';
    big[AH_FILTER_MAX_VALUE + 1] = '\0';
    json = json_pack("[{s:s, s:s, s:[s, s]}]", "key", "title", "oper", "IN", "vals", "a", big);
    refuse_json(json, AH_FILTER_AND,
                "filter condition 1: vals[1] is 1025 bytes, at most 1024 are allowed");
    json_decref(json);
}

/* A failure after regexes were compiled frees them (the ASan build checks). */
static void test_refuse_frees_partial(void **state)
{
    (void)state;
    refuse("[[{\"key\": \"title\", \"oper\": \"IN\", \"vals\": [\"/a/\", \"b*\", \"x\"]}],"
           " [{\"key\": \"title\", \"oper\": \"IN\", \"vals\": [\"/b/\", \"num:x\"]}]]",
           AH_FILTER_OR_OF_AND,
           "filter group 2 condition 1: invalid number comparison \"num:x\": "
           "expected num:gt|ge|lt|le:NUMBER");
    ah_filter_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_matches_all),
        cmocka_unit_test(test_exact),
        cmocka_unit_test(test_exists),
        cmocka_unit_test(test_wildcard),
        cmocka_unit_test(test_wildcard_no_blowup),
        cmocka_unit_test(test_regex),
        cmocka_unit_test(test_regex_match_limit),
        cmocka_unit_test(test_rule_budget_at_save),
        cmocka_unit_test(test_event_budget),
        cmocka_unit_test(test_cidr_v4),
        cmocka_unit_test(test_cidr_v6),
        cmocka_unit_test(test_num),
        cmocka_unit_test(test_missing_field),
        cmocka_unit_test(test_or_of_and),
        cmocka_unit_test(test_and_shape),
        cmocka_unit_test(test_field_lookup),
        cmocka_unit_test(test_refuse_shape),
        cmocka_unit_test(test_refuse_key_oper),
        cmocka_unit_test(test_refuse_vals),
        cmocka_unit_test(test_refuse_regex),
        cmocka_unit_test(test_refuse_cidr),
        cmocka_unit_test(test_refuse_num),
        cmocka_unit_test(test_refuse_long_value),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_refuse_frees_partial),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
