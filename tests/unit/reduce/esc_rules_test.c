/* esc_rules_test.c - a channel's escalation rules, compiled and matched
 * (src/reduce/esc_rules.c; api.md section 6, "Escalation rule"):
 * normalization (defaults, ids as strings, duplicates collapsed), the
 * references the caller checks, every refusal with the place it names, and
 * which rule a new incident matches (first enabled match, filter, weekly
 * window in a time zone). JSON in this file is written with single quotes,
 * turned into double quotes before parsing (no test string holds a quote). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "json_fixture.h"

#include "reduce/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fixed instants. 1800000000 is Friday 2027-01-15 08:00:00 UTC, which is
 * Friday 03:00 in New York (EST, UTC-5, in January). */
#define FRI_0800Z 1800000000LL
#define FRI_0700Z (FRI_0800Z - 3600)      /* Fri 07:00Z */
#define FRI_0659Z (FRI_0800Z - 3601)      /* Fri 06:59:59Z */
#define FRI_0900Z (FRI_0800Z + 3600)      /* Fri 09:00Z */
#define FRI_1300Z (FRI_0800Z + 5 * 3600)  /* Fri 13:00Z = Fri 08:00 New York */
#define FRI_0200Z (FRI_0800Z - 6 * 3600)  /* Fri 02:00Z = Thu 21:00 New York */
#define SAT_0800Z (FRI_0800Z + 86400)     /* Sat 2027-01-16 08:00Z */
#define NEXT_FRI  (FRI_0800Z + 7 * 86400) /* Fri 2027-01-22 08:00Z */

/* A valid rule that allocates everything a rule can hold (filter and
 * window), put before a bad one so that error paths must free it. */
#define GOOD_RULE                                                                                  \
    "{'name': 'good', 'if': [[{'key': 'severity', 'oper': 'IN', 'vals': ['Critical']}]], "         \
    "'time_window': [{'days': [1, 2, 3, 4, 5], 'start': '09:00', 'end': '18:00', "                 \
    "'tz': 'America/New_York'}], 'levels': [{'member_ids': [1, 2], 'team_ids': ['3']}], "          \
    "'repeat': {'times': 1}}"

/* Parses @text with ' standing for ". */
static json_t *pj(const char *text)
{
    char *s = strdup(text);
    json_t *j;
    char *p;

    assert_non_null(s);
    for (p = s; *p != '\0'; p++)
        if (*p == '\'')
            *p = '"';
    j = parse_json(s);
    free(s);
    return j;
}

/* Compiles @json, which must be valid. */
static struct ah_escalations *compile_json(const json_t *json)
{
    struct ah_escalations *e = NULL;
    struct ah_error err = {AH_OK, ""};

    if (ah_escalations_compile(json, &e, &err) != AH_OK)
        fail_msg("refused: %s", err.msg);
    assert_non_null(e);
    return e;
}

static struct ah_escalations *compile(const char *text)
{
    json_t *j = pj(text);
    struct ah_escalations *e = compile_json(j);

    json_decref(j); /* the compiled rules must not depend on the input */
    return e;
}

/* Asserts that @json is refused with AH_EINVAL, *ret left alone, and a
 * message holding each of the NULL-terminated strings after @json. */
static void refuse_json(const json_t *json, ...)
{
    struct ah_escalations *e = NULL;
    struct ah_error err = {AH_OK, ""};
    const char *want;
    va_list ap;

    assert_int_equal(ah_escalations_compile(json, &e, &err), AH_EINVAL);
    assert_null(e);
    assert_int_equal(err.code, AH_EINVAL);
    va_start(ap, json);
    while ((want = va_arg(ap, const char *)) != NULL) {
        if (strstr(err.msg, want) == NULL) {
            va_end(ap);
            fail_msg("message \"%s\" does not hold \"%s\"", err.msg, want);
        }
    }
    va_end(ap);
}

/* Refuses {"rules": [GOOD, GOOD, GOOD, @rule]}: the message must name
 * "rules[3]" and hold @want (may be NULL) and @want2 (may be NULL). */
static void refuse_rule(const char *rule, const char *want, const char *want2)
{
    size_t n = strlen(rule) + 4 * sizeof(GOOD_RULE) + 32;
    char *text = malloc(n);
    json_t *j;

    assert_non_null(text);
    snprintf(text, n, "{'rules': [%s, %s, %s, %s]}", GOOD_RULE, GOOD_RULE, GOOD_RULE, rule);
    j = pj(text);
    free(text);
    refuse_json(j, "rules[3]", want != NULL ? want : "", want2 != NULL ? want2 : "",
                (const char *)NULL);
    json_decref(j);
}

/* Asserts that @got equals @want_text (a JSON literal, ' for "). */
static void assert_json(const json_t *got, const char *want_text)
{
    json_t *want = pj(want_text);

    if (!json_equal(got, want)) {
        char *g = json_dumps(got, JSON_SORT_KEYS | JSON_ENCODE_ANY);
        char *w = json_dumps(want, JSON_SORT_KEYS | JSON_ENCODE_ANY);

        fprintf(stderr, "got:  %s\nwant: %s\n", g, w);
        free(g);
        free(w);
        json_decref(want);
        fail_msg("JSON differs");
    }
    json_decref(want);
}

/* ================= normalization ================= */

static void defaults_are_filled_in(void **state)
{
    struct ah_escalations *e =
        compile("{'rules': [{'name': 'on-call', 'levels': [{'member_ids': [7]}]}]}");

    (void)state;
    assert_int_equal(e->n, 1);
    assert_true(e->rules[0].enabled);
    assert_null(e->rules[0].filter);
    assert_null(e->rules[0].window);
    assert_json(e->json, "{'rules': [{'name': 'on-call', 'enabled': true, 'delay_seconds': 0, "
                         "'levels': [{'member_ids': ['7'], 'team_ids': [], 'schedule_ids': [], "
                         "'target_ids': [], 'escalate_after_minutes': 30, "
                         "'escalate_unless': 'acked'}]}]}");
    /* The rule's own snapshot is the same normalized rule; no repeat key. */
    assert_json(e->rules[0].json, "{'name': 'on-call', 'enabled': true, 'delay_seconds': 0, "
                                  "'levels': [{'member_ids': ['7'], 'team_ids': [], "
                                  "'schedule_ids': [], 'target_ids': [], "
                                  "'escalate_after_minutes': 30, 'escalate_unless': 'acked'}]}");
    assert_null(json_object_get(e->rules[0].json, "repeat"));
    assert_json(e->refs,
                "[{'kind': 'member', 'id': '7', 'field': 'rules[0].levels[0].member_ids[0]'}]");
    ah_escalations_free(e);
}

static void every_field_is_normalized(void **state)
{
    /* Numeric ids become strings; "12", 12 and "012" are one id; null
     * optional fields count as absent. */
    struct ah_escalations *e = compile(
        "{'rules': ["
        " {'name': 'full', 'enabled': false, 'delay_seconds': 3600,"
        "  'if': [[{'key': 'labels.service', 'oper': 'IN', 'vals': ['payment']}]],"
        "  'time_window': [{'days': [5], 'start': '07:00', 'end': '09:00', 'tz': 'UTC'}],"
        "  'levels': ["
        "   {'member_ids': ['12', 12, '012', 5], 'team_ids': null, 'schedule_ids': [9, '9'],"
        "    'target_ids': ['4'], 'escalate_after_minutes': 1440, 'escalate_unless': 'closed'},"
        "   {'target_ids': [9223372036854775807], 'escalate_after_minutes': 1}],"
        "  'repeat': {'times': 10, 'interval_minutes': 1440}},"
        " {'name': 'no interval', 'enabled': true, 'delay_seconds': null,"
        "  'levels': [{'team_ids': [3]}], 'repeat': {'times': 2}},"
        " {'name': 'null repeat', 'if': null, 'time_window': null,"
        "  'levels': [{'schedule_ids': ['6']}], 'repeat': null}]}");

    (void)state;
    assert_int_equal(e->n, 3);
    assert_false(e->rules[0].enabled);
    assert_non_null(e->rules[0].filter);
    assert_non_null(e->rules[0].window);
    assert_true(e->rules[1].enabled);
    assert_null(e->rules[2].filter);
    assert_null(e->rules[2].window);
    assert_json(
        e->json,
        "{'rules': ["
        " {'name': 'full', 'enabled': false, 'delay_seconds': 3600,"
        "  'if': [[{'key': 'labels.service', 'oper': 'IN', 'vals': ['payment']}]],"
        "  'time_window': [{'days': [5], 'start': '07:00', 'end': '09:00', 'tz': 'UTC'}],"
        "  'levels': ["
        "   {'member_ids': ['12', '5'], 'team_ids': [], 'schedule_ids': ['9'],"
        "    'target_ids': ['4'], 'escalate_after_minutes': 1440, 'escalate_unless': 'closed'},"
        "   {'member_ids': [], 'team_ids': [], 'schedule_ids': [],"
        "    'target_ids': ['9223372036854775807'], 'escalate_after_minutes': 1,"
        "    'escalate_unless': 'acked'}],"
        "  'repeat': {'times': 10, 'interval_minutes': 1440}},"
        " {'name': 'no interval', 'enabled': true, 'delay_seconds': 0,"
        "  'levels': [{'member_ids': [], 'team_ids': ['3'], 'schedule_ids': [], 'target_ids': [],"
        "    'escalate_after_minutes': 30, 'escalate_unless': 'acked'}],"
        "  'repeat': {'times': 2, 'interval_minutes': null}},"
        " {'name': 'null repeat', 'enabled': true, 'delay_seconds': 0,"
        "  'levels': [{'member_ids': [], 'team_ids': [], 'schedule_ids': ['6'], 'target_ids': [],"
        "    'escalate_after_minutes': 30, 'escalate_unless': 'acked'}]}]}");
    assert_null(json_object_get(e->rules[2].json, "repeat"));
    assert_null(json_object_get(e->rules[2].json, "if"));
    assert_null(json_object_get(e->rules[2].json, "time_window"));
    ah_escalations_free(e);
}

static void limits_are_inclusive(void **state)
{
    json_t *body = json_object(), *rules = json_array(), *ids = json_array(), *levels, *out;
    struct ah_escalations *e;
    char name[301];
    size_t i;

    (void)state;
    /* 50 distinct ids in one list, 10 levels in one rule, 50 rules. */
    for (i = 1; i <= AH_ESC_MAX_RECIPIENTS; i++)
        json_array_append_new(ids, json_integer((json_int_t)i));
    levels = json_array();
    for (i = 0; i < AH_ESC_MAX_LEVELS; i++)
        json_array_append_new(levels, json_pack("{sO}", "target_ids", ids));
    json_array_append_new(rules, json_pack("{sssO}", "name", "ten levels", "levels", levels));
    /* A name of exactly 100 characters, and one of 100 two-byte characters. */
    memset(name, 'n', 100);
    name[100] = '\0';
    json_array_append_new(rules,
                          json_pack("{sss[{s[i]}]}", "name", name, "levels", "member_ids", 1));
    for (i = 0; i < 100; i++)
        memcpy(name + 2 * i, "\xc3\xa9", 2); /* é */
    name[200] = '\0';
    json_array_append_new(rules,
                          json_pack("{sss[{s[i]}]}", "name", name, "levels", "member_ids", 1));
    while (json_array_size(rules) < AH_ESC_MAX_RULES)
        json_array_append_new(rules, json_pack("{sss[{s[i]}]si}", "name", "r", "levels",
                                               "member_ids", 1, "delay_seconds", 0));
    json_object_set_new(body, "rules", rules);
    e = compile_json(body);
    assert_int_equal(e->n, AH_ESC_MAX_RULES);
    assert_int_equal(json_array_size(json_object_get(e->json, "rules")), AH_ESC_MAX_RULES);
    out = json_object_get(e->rules[0].json, "levels");
    assert_int_equal(json_array_size(out), AH_ESC_MAX_LEVELS);
    assert_int_equal(json_array_size(json_object_get(json_array_get(out, 9), "target_ids")),
                     AH_ESC_MAX_RECIPIENTS);
    assert_string_equal(json_string_value(json_object_get(e->rules[2].json, "name")), name);
    /* 10 levels x 50 targets + 49 single members. */
    assert_int_equal(json_array_size(e->refs), 10 * 50 + 49);
    ah_escalations_free(e);
    json_decref(body);
    json_decref(levels);
    json_decref(ids);
}

static void no_rules_is_valid(void **state)
{
    struct ah_escalations *e = compile("{'rules': []}");

    (void)state;
    assert_int_equal(e->n, 0);
    assert_json(e->json, "{'rules': []}");
    assert_json(e->refs, "[]");
    assert_null(
        ah_escalations_match(e, &(struct ah_filter_subject){.severity = "Critical"}, FRI_0800Z));
    ah_escalations_free(e);
    ah_escalations_free(NULL);
}

/* ================= references ================= */

static void refs_name_each_distinct_id(void **state)
{
    struct ah_escalations *e =
        compile("{'rules': ["
                " {'name': 'a', 'levels': [{'member_ids': [1, '1', 2], 'team_ids': ['3']}]},"
                " {'name': 'b', 'levels': ["
                "   {'target_ids': [5, '5', 9], 'schedule_ids': [4], 'member_ids': ['8']},"
                "   {'member_ids': [1], 'team_ids': [3, 3]}]}]}");

    (void)state;
    /* In order: rule, level, then member, team, schedule, target; the field
     * is where the id stands in the input (duplicates skipped). */
    assert_json(e->refs,
                "["
                " {'kind': 'member', 'id': '1', 'field': 'rules[0].levels[0].member_ids[0]'},"
                " {'kind': 'member', 'id': '2', 'field': 'rules[0].levels[0].member_ids[2]'},"
                " {'kind': 'team', 'id': '3', 'field': 'rules[0].levels[0].team_ids[0]'},"
                " {'kind': 'member', 'id': '8', 'field': 'rules[1].levels[0].member_ids[0]'},"
                " {'kind': 'schedule', 'id': '4', 'field': 'rules[1].levels[0].schedule_ids[0]'},"
                " {'kind': 'target', 'id': '5', 'field': 'rules[1].levels[0].target_ids[0]'},"
                " {'kind': 'target', 'id': '9', 'field': 'rules[1].levels[0].target_ids[2]'},"
                " {'kind': 'member', 'id': '1', 'field': 'rules[1].levels[1].member_ids[0]'},"
                " {'kind': 'team', 'id': '3', 'field': 'rules[1].levels[1].team_ids[0]'}]");
    ah_escalations_free(e);
}

/* ================= refusals ================= */

static void refuses_bad_body(void **state)
{
    json_t *j;
    size_t i;

    (void)state;
    refuse_json(NULL, "rules", (const char *)NULL);
    j = pj("[{'name': 'x', 'levels': [{'member_ids': [1]}]}]");
    refuse_json(j, "rules", (const char *)NULL);
    json_decref(j);
    j = pj("'rules'");
    refuse_json(j, "rules", (const char *)NULL);
    json_decref(j);
    j = pj("{}");
    refuse_json(j, "rules", (const char *)NULL);
    json_decref(j);
    j = pj("{'rules': {'name': 'x', 'levels': [{'member_ids': [1]}]}}");
    refuse_json(j, "rules", (const char *)NULL);
    json_decref(j);
    j = pj("{'rules': null}");
    refuse_json(j, "rules", (const char *)NULL);
    json_decref(j);
    /* 51 valid rules. */
    j = json_pack("{s[]}", "rules");
    for (i = 0; i <= AH_ESC_MAX_RULES; i++)
        json_array_append_new(json_object_get(j, "rules"),
                              json_pack("{sss[{s[i]}]}", "name", "r", "levels", "member_ids", 1));
    refuse_json(j, "rules", "50", (const char *)NULL);
    json_decref(j);
}

static void refuses_bad_rule(void **state)
{
    char text[256], name[102];

    (void)state;
    refuse_rule("7", "object", NULL);
    refuse_rule("[]", "object", NULL);
    refuse_rule("null", "object", NULL);
    /* name */
    refuse_rule("{'levels': [{'member_ids': [1]}]}", "name", NULL);
    refuse_rule("{'name': '', 'levels': [{'member_ids': [1]}]}", "name", NULL);
    refuse_rule("{'name': null, 'levels': [{'member_ids': [1]}]}", "name", NULL);
    refuse_rule("{'name': 5, 'levels': [{'member_ids': [1]}]}", "name", NULL);
    memset(name, 'n', 101);
    name[101] = '\0';
    snprintf(text, sizeof(text), "{'name': '%s', 'levels': [{'member_ids': [1]}]}", name);
    refuse_rule(text, "name", "100");
    /* enabled */
    refuse_rule("{'name': 'x', 'enabled': 'yes', 'levels': [{'member_ids': [1]}]}", "enabled",
                NULL);
    refuse_rule("{'name': 'x', 'enabled': 1, 'levels': [{'member_ids': [1]}]}", "enabled", NULL);
    /* delay_seconds */
    refuse_rule("{'name': 'x', 'delay_seconds': -1, 'levels': [{'member_ids': [1]}]}",
                "delay_seconds", NULL);
    refuse_rule("{'name': 'x', 'delay_seconds': 3601, 'levels': [{'member_ids': [1]}]}",
                "delay_seconds", NULL);
    refuse_rule("{'name': 'x', 'delay_seconds': 1.5, 'levels': [{'member_ids': [1]}]}",
                "delay_seconds", NULL);
    refuse_rule("{'name': 'x', 'delay_seconds': '10', 'levels': [{'member_ids': [1]}]}",
                "delay_seconds", NULL);
}

static void refuses_bad_levels(void **state)
{
    json_t *j, *levels;
    size_t i;

    (void)state;
    refuse_rule("{'name': 'x'}", "levels", NULL);
    refuse_rule("{'name': 'x', 'levels': null}", "levels", NULL);
    refuse_rule("{'name': 'x', 'levels': []}", "levels", NULL);
    refuse_rule("{'name': 'x', 'levels': {'member_ids': [1]}}", "levels", NULL);
    /* 11 levels. */
    j = pj("{'rules': [{'name': 'x', 'levels': []}]}");
    levels = json_object_get(json_array_get(json_object_get(j, "rules"), 0), "levels");
    for (i = 0; i <= AH_ESC_MAX_LEVELS; i++)
        json_array_append_new(levels, json_pack("{s[i]}", "member_ids", 1));
    refuse_json(j, "rules[0]", "levels", "10", (const char *)NULL);
    json_decref(j);
    /* A level that is not an object, or names nobody. */
    refuse_rule("{'name': 'x', 'levels': [5]}", "levels[0]", "object");
    refuse_rule("{'name': 'x', 'levels': [{}]}", "levels[0]", "must name someone");
    refuse_rule("{'name': 'x', 'levels': [{'member_ids': [], 'team_ids': [], 'schedule_ids': [],"
                " 'target_ids': []}]}",
                "levels[0]", "must name someone");
    refuse_rule("{'name': 'x', 'levels': [{'member_ids': null, 'escalate_after_minutes': 5}]}",
                "levels[0]", "must name someone");
    refuse_rule("{'name': 'x', 'levels': [{'member_ids': [1]}, {'team_ids': []}]}",
                "rules[3].levels[1]", "must name someone");
}

static void refuses_bad_ids(void **state)
{
    static const char *const bad[] = {"0",
                                      "-3",
                                      "'abc'",
                                      "'-3'",
                                      "'0'",
                                      "''",
                                      "1.5",
                                      "true",
                                      "null",
                                      "[1]",
                                      "'12x'",
                                      "' 5'",
                                      "'99999999999999999999'"};
    char text[256];
    json_t *j, *ids;
    size_t i;

    (void)state;
    refuse_rule("{'name': 'x', 'levels': [{'member_ids': '7'}]}", "levels[0].member_ids", NULL);
    refuse_rule("{'name': 'x', 'levels': [{'team_ids': 7}]}", "levels[0].team_ids", NULL);
    refuse_rule("{'name': 'x', 'levels': [{'member_ids': [1], 'schedule_ids': {'a': 1}}]}",
                "levels[0].schedule_ids", NULL);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(text, sizeof(text),
                 "{'name': 'x', 'levels': [{'member_ids': [1]}, {'team_ids': [2, %s]}]}", bad[i]);
        refuse_rule(text, "rules[3].levels[1].team_ids[1]", "id");
    }
    /* 51 ids in one list, even when duplicates would leave fewer. */
    j = pj("{'rules': [{'name': 'x', 'levels': [{'target_ids': []}]}]}");
    ids = json_object_get(
        json_array_get(json_object_get(json_array_get(json_object_get(j, "rules"), 0), "levels"),
                       0),
        "target_ids");
    for (i = 0; i <= AH_ESC_MAX_RECIPIENTS; i++)
        json_array_append_new(ids, json_integer((json_int_t)(i % 3 + 1)));
    refuse_json(j, "rules[0].levels[0].target_ids", "50", (const char *)NULL);
    json_decref(j);
}

static void refuses_bad_level_fields(void **state)
{
    (void)state;
    refuse_rule("{'name': 'x', 'levels': [{'member_ids': [1], 'escalate_after_minutes': 0}]}",
                "rules[3].levels[0].escalate_after_minutes", NULL);
    refuse_rule("{'name': 'x', 'levels': [{'member_ids': [1], 'escalate_after_minutes': 1441}]}",
                "rules[3].levels[0].escalate_after_minutes", NULL);
    refuse_rule("{'name': 'x', 'levels': [{'member_ids': [1], 'escalate_after_minutes': '30'}]}",
                "rules[3].levels[0].escalate_after_minutes", NULL);
    refuse_rule("{'name': 'x', 'levels': [{'member_ids': [1]},"
                " {'member_ids': [2], 'escalate_unless': 'never'}]}",
                "rules[3].levels[1].escalate_unless", NULL);
    refuse_rule("{'name': 'x', 'levels': [{'member_ids': [1], 'escalate_unless': 1}]}",
                "rules[3].levels[0].escalate_unless", NULL);
}

static void refuses_bad_repeat(void **state)
{
    (void)state;
    refuse_rule("{'name': 'x', 'levels': [{'member_ids': [1]}], 'repeat': 3}", "repeat", "object");
    refuse_rule("{'name': 'x', 'levels': [{'member_ids': [1]}], 'repeat': []}", "repeat", "object");
    refuse_rule("{'name': 'x', 'levels': [{'member_ids': [1]}], 'repeat': {'times': 11}}",
                "repeat.times", NULL);
    refuse_rule("{'name': 'x', 'levels': [{'member_ids': [1]}], 'repeat': {'times': -1}}",
                "repeat.times", NULL);
    refuse_rule("{'name': 'x', 'levels': [{'member_ids': [1]}],"
                " 'repeat': {'times': 2, 'interval_minutes': 0}}",
                "repeat.interval_minutes", NULL);
    refuse_rule("{'name': 'x', 'levels': [{'member_ids': [1]}],"
                " 'repeat': {'times': 2, 'interval_minutes': 1441}}",
                "repeat.interval_minutes", NULL);
    /* Fails last, after the filter, window and levels are built. */
    refuse_rule("{'name': 'x', 'if': [[{'key': 'title', 'oper': 'IN', 'vals': ['/db/']}]],"
                " 'time_window': [{'days': [], 'start': '00:00', 'end': '12:00', "
                "'tz': 'Asia/Shanghai'}],"
                " 'levels': [{'member_ids': [1]}, {'team_ids': [2]}], 'repeat': {'times': 'x'}}",
                "repeat.times", NULL);
}

static void refuses_bad_filter(void **state)
{
    (void)state;
    refuse_rule("{'name': 'x', 'if': [[{'key': 'title', 'oper': 'IN', 'vals': ['/(/']}]],"
                " 'levels': [{'member_ids': [1]}]}",
                "rules[3].if", "/(/");
    refuse_rule("{'name': 'x', 'if': {'key': 'title'}, 'levels': [{'member_ids': [1]}]}",
                "rules[3].if", NULL);
    refuse_rule("{'name': 'x', 'if': [[{'key': 'nope', 'oper': 'IN', 'vals': ['a']}]],"
                " 'levels': [{'member_ids': [1]}]}",
                "rules[3].if", "nope");
    refuse_rule("{'name': 'x', 'if': [[{'key': 'title', 'oper': 'LIKE', 'vals': ['a']}]],"
                " 'levels': [{'member_ids': [1]}]}",
                "rules[3].if", NULL);
    /* A good filter, then bad levels: the filter must be freed. */
    refuse_rule("{'name': 'x', 'if': [[{'key': 'title', 'oper': 'IN', 'vals': ['/db/']}]],"
                " 'levels': []}",
                "levels", NULL);
}

static void refuses_bad_time_window(void **state)
{
    (void)state;
    refuse_rule("{'name': 'x', 'time_window': [{'days': [5], 'start': '07:00', 'end': '09:00',"
                " 'tz': 'Mars/Olympus_Mons'}], 'levels': [{'member_ids': [1]}]}",
                "rules[3].time_window", "Mars/Olympus_Mons");
    refuse_rule("{'name': 'x', 'time_window': [{'days': [5], 'start': '25:00', 'end': '09:00'}],"
                " 'levels': [{'member_ids': [1]}]}",
                "rules[3].time_window", "25:00");
    refuse_rule("{'name': 'x', 'time_window': [{'days': [5], 'start': '07:00', 'end': '9:00'}],"
                " 'levels': [{'member_ids': [1]}]}",
                "rules[3].time_window", "9:00");
    refuse_rule("{'name': 'x', 'time_window': [{'days': [7], 'start': '07:00', 'end': '09:00'}],"
                " 'levels': [{'member_ids': [1]}]}",
                "rules[3].time_window", "days");
    refuse_rule("{'name': 'x', 'time_window': [], 'levels': [{'member_ids': [1]}]}",
                "rules[3].time_window", NULL);
    refuse_rule("{'name': 'x', 'time_window': {'days': [5], 'start': '07:00', 'end': '09:00'},"
                " 'levels': [{'member_ids': [1]}]}",
                "rules[3].time_window", NULL);
    /* A good window (with a zone loaded), then a bad level id. */
    refuse_rule("{'name': 'x', 'time_window': [{'start': '07:00', 'end': '09:00',"
                " 'tz': 'Europe/Berlin'}], 'levels': [{'member_ids': [0]}]}",
                "levels[0].member_ids[0]", NULL);
}

static void first_rule_is_rules_0(void **state)
{
    json_t *j =
        pj("{'rules': [{'name': 'x', 'delay_seconds': 3601, 'levels': [{'member_ids': [1]}]},"
           " " GOOD_RULE "]}");

    (void)state;
    refuse_json(j, "rules[0]", "delay_seconds", (const char *)NULL);
    json_decref(j);
    j = pj("{'rules': [" GOOD_RULE ", {'name': 'x', 'levels': [{'member_ids': ['x']}]}]}");
    refuse_json(j, "rules[1].levels[0].member_ids[0]", (const char *)NULL);
    json_decref(j);
}

/* ================= matching ================= */

/* Typos are refused, not dropped; a NULL error struct is allowed (start-up
 * compiles stored rules that way); repeat needs its times. */
static void refuses_unknown_fields_and_takes_null_err(void **state)
{
    struct ah_escalations *e = (struct ah_escalations *)1;
    json_t *j;

    (void)state;
    refuse_rule("{'name': 'r', 'levels': [{'member_ids': [1]}], 'delay': 5}", "\"delay\"",
                "escalation rule");
    refuse_rule("{'name': 'r', 'levels': [{'member_ids': [1], 'escalate_after_minute': 5}]}",
                "escalate_after_minute", "rules[3].levels[0]");
    refuse_rule("{'name': 'r', 'levels': [{'member_ids': [1]}], 'repeat': {}}", "repeat.times",
                NULL);
    refuse_rule("7", "rules[3] must be an object", NULL);
    j = pj("{'rules': [7]}");
    assert_int_equal(ah_escalations_compile(j, &e, NULL), AH_EINVAL);
    json_decref(j);
}

static const char *matched_name(const struct ah_escalations *e, const struct ah_filter_subject *s,
                                int64_t now)
{
    const struct ah_esc_rule *r = ah_escalations_match(e, s, now);

    return r != NULL ? json_string_value(json_object_get(r->json, "name")) : NULL;
}

static void first_enabled_match_wins(void **state)
{
    struct ah_escalations *e = compile(
        "{'rules': ["
        " {'name': 'off', 'enabled': false, 'levels': [{'member_ids': [1]}]},"
        " {'name': 'pay', 'if': [[{'key': 'labels.service', 'oper': 'IN', 'vals': ['payment']}]],"
        "  'levels': [{'member_ids': [2]}]},"
        " {'name': 'all', 'levels': [{'member_ids': [3]}]},"
        " {'name': 'all again', 'levels': [{'member_ids': [4]}]}]}");
    json_t *pay = pj("{'service': 'payment'}"), *web = pj("{'service': 'web'}");
    struct ah_filter_subject s = {.severity = "Critical", .title = "t", .labels = pay};

    (void)state;
    assert_ptr_equal(ah_escalations_match(e, &s, FRI_0800Z), &e->rules[1]);
    assert_string_equal(matched_name(e, &s, FRI_0800Z), "pay");
    s.labels = web;
    assert_ptr_equal(ah_escalations_match(e, &s, FRI_0800Z), &e->rules[2]);
    s.labels = NULL; /* no labels: the filter's IN is false */
    assert_string_equal(matched_name(e, &s, FRI_0800Z), "all");
    ah_escalations_free(e);

    /* Only disabled rules, or only a non-matching filter: nothing. */
    e = compile("{'rules': ["
                " {'name': 'off', 'enabled': false, 'levels': [{'member_ids': [1]}]},"
                " {'name': 'pay', 'if': [[{'key': 'labels.service', 'oper': 'IN',"
                "  'vals': ['payment']}]], 'levels': [{'member_ids': [2]}]}]}");
    s.labels = web;
    assert_null(ah_escalations_match(e, &s, FRI_0800Z));
    s.labels = pay;
    assert_string_equal(matched_name(e, &s, FRI_0800Z), "pay");
    ah_escalations_free(e);
    assert_null(ah_escalations_match(NULL, &s, FRI_0800Z));
    json_decref(pay);
    json_decref(web);
}

static void filter_groups_are_or_of_and(void **state)
{
    struct ah_escalations *e =
        compile("{'rules': [{'name': 'crit payment or any db', 'if': ["
                "   [{'key': 'severity', 'oper': 'IN', 'vals': ['Critical']},"
                "    {'key': 'labels.service', 'oper': 'IN', 'vals': ['payment']}],"
                "   [{'key': 'title', 'oper': 'IN', 'vals': ['/db/']}]],"
                "  'levels': [{'member_ids': [1]}]}]}");
    json_t *pay = pj("{'service': 'payment'}");
    struct ah_filter_subject s = {.severity = "Critical", .title = "cpu high", .labels = pay};

    (void)state;
    assert_non_null(ah_escalations_match(e, &s, FRI_0800Z));
    s.severity = "Warning"; /* first group fails, second too */
    assert_null(ah_escalations_match(e, &s, FRI_0800Z));
    s.title = "db1 down"; /* second group holds */
    assert_non_null(ah_escalations_match(e, &s, FRI_0800Z));
    ah_escalations_free(e);
    json_decref(pay);
}

static void time_window_utc(void **state)
{
    struct ah_escalations *e = compile(
        "{'rules': ["
        " {'name': 'weekend', 'time_window': [{'days': [0, 6], 'start': '00:00', 'end': '23:59'}],"
        "  'levels': [{'member_ids': [1]}]},"
        " {'name': 'friday morning', 'time_window': [{'days': [5], 'start': '07:00',"
        "  'end': '09:00', 'tz': 'UTC'}], 'levels': [{'member_ids': [2]}]}]}");
    struct ah_filter_subject s = {.severity = "Critical", .title = "t"};

    (void)state;
    assert_string_equal(matched_name(e, &s, FRI_0800Z), "friday morning");
    assert_string_equal(matched_name(e, &s, FRI_0700Z), "friday morning"); /* start inside */
    assert_null(ah_escalations_match(e, &s, FRI_0659Z));
    assert_null(ah_escalations_match(e, &s, FRI_0900Z)); /* end outside */
    assert_string_equal(matched_name(e, &s, NEXT_FRI), "friday morning");
    assert_string_equal(matched_name(e, &s, SAT_0800Z), "weekend");
    ah_escalations_free(e);
}

static void time_window_in_zone(void **state)
{
    struct ah_escalations *e = compile(
        "{'rules': ["
        " {'name': 'ny 02-04', 'time_window': [{'days': [5], 'start': '02:00', 'end': '04:00',"
        "  'tz': 'America/New_York'}], 'levels': [{'member_ids': [1]}]},"
        " {'name': 'ny friday 07-09', 'time_window': [{'days': [5], 'start': '07:00',"
        "  'end': '09:00', 'tz': 'America/New_York'}], 'levels': [{'member_ids': [2]}]},"
        " {'name': 'ny thursday evening', 'time_window': [{'days': [4], 'start': '20:00',"
        "  'end': '22:00', 'tz': 'America/New_York'}], 'levels': [{'member_ids': [3]}]}]}");
    struct ah_filter_subject s = {.severity = "Critical", .title = "t"};

    (void)state;
    /* 08:00Z is 03:00 in New York: inside 02-04, not inside 07-09 local. */
    assert_string_equal(matched_name(e, &s, FRI_0800Z), "ny 02-04");
    assert_string_equal(matched_name(e, &s, FRI_1300Z), "ny friday 07-09");
    /* Friday 02:00Z is still Thursday 21:00 in New York. */
    assert_string_equal(matched_name(e, &s, FRI_0200Z), "ny thursday evening");
    assert_null(ah_escalations_match(e, &s, SAT_0800Z));
    ah_escalations_free(e);
}

static void filter_and_window_both_needed(void **state)
{
    struct ah_escalations *e =
        compile("{'rules': ["
                " {'name': 'pay friday', 'if': [[{'key': 'labels.service', 'oper': 'IN',"
                "  'vals': ['payment']}]], 'time_window': [{'days': [5], 'start': '07:00',"
                "  'end': '09:00'}], 'levels': [{'member_ids': [1]}]},"
                " {'name': 'off friday', 'enabled': false, 'time_window': [{'days': [5],"
                "  'start': '00:00', 'end': '23:59'}], 'levels': [{'member_ids': [2]}]},"
                " {'name': 'fallback', 'if': [], 'levels': [{'member_ids': [3]}]}]}");
    json_t *pay = pj("{'service': 'payment'}"), *web = pj("{'service': 'web'}");
    struct ah_filter_subject s = {.severity = "Critical", .title = "t", .labels = pay};

    (void)state;
    assert_string_equal(matched_name(e, &s, FRI_0800Z), "pay friday");
    assert_string_equal(matched_name(e, &s, SAT_0800Z), "fallback"); /* window fails */
    s.labels = web;
    assert_string_equal(matched_name(e, &s, FRI_0800Z), "fallback"); /* filter fails */
    ah_escalations_free(e);
    json_decref(pay);
    json_decref(web);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_are_filled_in),
        cmocka_unit_test(every_field_is_normalized),
        cmocka_unit_test(limits_are_inclusive),
        cmocka_unit_test(no_rules_is_valid),
        cmocka_unit_test(refs_name_each_distinct_id),
        cmocka_unit_test(refuses_bad_body),
        cmocka_unit_test(refuses_bad_rule),
        cmocka_unit_test(refuses_bad_levels),
        cmocka_unit_test(refuses_bad_ids),
        cmocka_unit_test(refuses_bad_level_fields),
        cmocka_unit_test(refuses_bad_repeat),
        cmocka_unit_test(refuses_bad_filter),
        cmocka_unit_test(refuses_bad_time_window),
        cmocka_unit_test(refuses_unknown_fields_and_takes_null_err),
        cmocka_unit_test(first_rule_is_rules_0),
        cmocka_unit_test(first_enabled_match_wins),
        cmocka_unit_test(filter_groups_are_or_of_and),
        cmocka_unit_test(time_window_utc),
        cmocka_unit_test(time_window_in_zone),
        cmocka_unit_test(filter_and_window_both_needed),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
