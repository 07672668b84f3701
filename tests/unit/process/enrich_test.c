/* enrich_test.c - label enrichment (process/enrich.c): the exact messages of
 * every compile refusal, extraction (title, description, labels.x; the
 * "result" group or the whole match), composition, mapping through a
 * finder over test tables, drop, `if` AND-lists, override, chaining, the
 * AH_MAX_LABELS limit, value truncation and reference counting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "json_fixture.h"

#include "process/enrich.h"
#include "process/mapping.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/text.h"

#include <stdio.h>
#include <string.h>

/* ---- a finder over test tables ---- */

struct finder {
    struct ah_mapping *tables[4]; /* found by ah_mapping_id */
    int calls;
    int64_t last_id;
};

static struct ah_mapping *find_table(void *ctx, int64_t id)
{
    struct finder *f = ctx;
    size_t i;

    f->calls++;
    f->last_id = id;
    for (i = 0; i < sizeof(f->tables) / sizeof(f->tables[0]); i++) {
        if (f->tables[i] != NULL && ah_mapping_id(f->tables[i]) == id)
            return ah_mapping_ref(f->tables[i]);
    }
    return NULL;
}

/* Table @id: source host, results owner and team, with @csv as its rows. */
static struct ah_mapping *host_table(int64_t id, const char *csv)
{
    json_t *schema = parse_json("{\"source_labels\": [\"host\"],"
                                " \"result_labels\": [\"owner\", \"team\"]}");
    struct ah_error err = {AH_OK, ""};
    struct ah_mapping_rows *rows = NULL;
    struct ah_mapping *m = NULL;

    if (ah_mapping_new(id, schema, &m, &err) != AH_OK)
        fail_msg("%s", err.msg);
    if (ah_mapping_parse(m, csv, strlen(csv), &rows, &err) != AH_OK)
        fail_msg("%s", err.msg);
    ah_mapping_set_rows(m, rows);
    json_decref(schema);
    return m;
}

static struct finder finder;

static int setup(void **state)
{
    (void)state;
    memset(&finder, 0, sizeof(finder));
    finder.tables[0] = host_table(3, "host,owner,team\n"
                                     "db-1,alice,storage\n"
                                     "db-2,,web\n"
                                     "web-1,bob,web\n");
    finder.tables[1] = host_table(7, "team,host,owner\nops,db-1,carol\n");
    return 0;
}

static int teardown(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(finder.tables) / sizeof(finder.tables[0]); i++)
        ah_mapping_unref(finder.tables[i]);
    return 0;
}

/* ---- helpers ---- */

static struct ah_enrichment *compile(const char *text)
{
    struct ah_error err = {AH_OK, ""};
    struct ah_enrichment *e = NULL;
    json_t *j = parse_json(text);

    if (ah_enrichment_compile(j, find_table, &finder, &e, &err) != AH_OK)
        fail_msg("%s: %s", text, err.msg);
    json_decref(j);
    assert_non_null(e);
    return e;
}

/* @text (NULL: no JSON) must be refused with exactly @msg, setting nothing. */
static void refuse(const char *text, const char *msg)
{
    struct ah_error err = {AH_OK, ""};
    struct ah_enrichment *e = (struct ah_enrichment *)&err; /* sentinel */
    json_t *j = text ? parse_json(text) : NULL;

    assert_int_equal(ah_enrichment_compile(j, find_table, &finder, &e, &err), AH_EINVAL);
    assert_int_equal(err.code, AH_EINVAL);
    if (strcmp(err.msg, msg) != 0)
        fail_msg("%s\n want: %s\n  got: %s", text, msg, err.msg);
    assert_ptr_equal(e, (struct ah_enrichment *)&err);
    json_decref(j);
}

/* A firing event with @title, @desc (may be NULL) and @labels (JSON). */
static void event(struct ah_event *ev, const char *title, const char *desc, const char *labels)
{
    json_t *l = parse_json(labels);

    ah_event_init(ev);
    ev->title = ah_xstrdup(title);
    ev->description = ah_xstrdup(desc);
    ev->alert_key = ah_xstrdup("k-1");
    ev->severity = AH_SEV_WARNING;
    assert_int_equal(json_object_update(ev->labels, l), 0);
    json_decref(l);
}

static void expect_labels(const struct ah_event *ev, const char *want)
{
    json_t *w = parse_json(want);

    if (!json_equal(ev->labels, w)) {
        char *got = json_dumps(ev->labels, JSON_COMPACT | JSON_SORT_KEYS);

        fail_msg("labels: want %s\n got %s", want, got);
    }
    json_decref(w);
}

/* Compiles @rules, applies them (integration 42, "std-42" of type standard) to an event with
 * @title,
 * @desc and @labels, and checks the labels afterwards against @want. */
static void check(const char *rules, const char *title, const char *desc, const char *labels,
                  const char *want)
{
    struct ah_enrichment *e = compile(rules);
    struct ah_event ev;

    event(&ev, title, desc, labels);
    ah_enrichment_apply(e, &ev,
                        &(struct ah_integration){.id = 42, .name = "std-42", .type = "standard"});
    expect_labels(&ev, want);
    /* only labels change */
    assert_string_equal(ev.title, title);
    if (desc == NULL)
        assert_null(ev.description);
    else
        assert_string_equal(ev.description, desc);
    assert_int_equal(ev.severity, AH_SEV_WARNING);
    assert_string_equal(ev.alert_key, "k-1");
    ah_event_done(&ev);
    ah_enrichment_unref(e);
}

#define EXTRACT(field, pattern, label)                                                             \
    "{\"kind\": \"extraction\", \"settings\": {\"source_field\": \"" field "\","                   \
    " \"pattern\": \"" pattern "\", \"result_label\": \"" label "\"}}"

/* ---- compiling ---- */

static void test_compile_refuse_shape(void **state)
{
    char *many;
    struct ah_buf b;
    int i;

    (void)state;
    refuse(NULL, "rules must be an array of at most 50 rules");
    refuse("{}", "rules must be an array of at most 50 rules");
    refuse("{\"rules\": {}}", "rules must be an array of at most 50 rules");
    refuse("{\"rules\": [42]}", "rules[0] must be an object with kind and settings");
    refuse("{\"rules\": [" EXTRACT("title", "x", "a") ", {\"kind\": \"drop\"}]}",
           "rules[1] must be an object with kind and settings");
    refuse("{\"rules\": [{\"kind\": \"drop\", \"settings\": [\"a\"]}]}",
           "rules[0] must be an object with kind and settings");
    refuse("{\"rules\": [{\"settings\": {}}]}",
           "rules[0].kind must be extraction, composition, mapping or drop");
    refuse(
        "{\"rules\": [" EXTRACT("title", "x", "a") "," EXTRACT(
            "title", "x", "b") ","
                               " {\"kind\": \"Drop\", \"settings\": {\"drop_labels\": [\"a\"]}}]}",
        "rules[2].kind must be extraction, composition, mapping or drop");
    refuse("{\"rules\": [{\"kind\": \"drop\", \"settings\": {\"drop_labels\": [\"a\"],"
           " \"override\": \"yes\"}}]}",
           "rules[0].override must be true or false");

    /* 50 rules compile, 51 do not */
    ah_buf_init(&b);
    ah_buf_printf(&b, "{\"rules\": [");
    for (i = 0; i < AH_ENRICH_MAX_RULES; i++)
        ah_buf_printf(&b, "%s" EXTRACT("title", "x", "a"), i ? "," : "");
    ah_buf_printf(&b, "]}");
    ah_enrichment_unref(compile(ah_buf_str(&b)));
    ah_buf_done(&b);
    ah_buf_init(&b);
    ah_buf_printf(&b, "{\"rules\": [");
    for (i = 0; i < AH_ENRICH_MAX_RULES + 1; i++)
        ah_buf_printf(&b, "%s" EXTRACT("title", "x", "a"), i ? "," : "");
    ah_buf_printf(&b, "]}");
    many = ah_buf_steal(&b);
    refuse(many, "rules must be an array of at most 50 rules");
    ah_free(many);
}

static void test_compile_refuse_extraction(void **state)
{
    (void)state;
    refuse("{\"rules\": [" EXTRACT("severity", "x", "a") "]}",
           "rules[0].source_field must be title, description or labels.NAME");
    refuse("{\"rules\": [" EXTRACT("labels.", "x", "a") "]}",
           "rules[0].source_field must be title, description or labels.NAME");
    refuse("{\"rules\": [" EXTRACT("Title", "x", "a") "]}",
           "rules[0].source_field must be title, description or labels.NAME");
    refuse("{\"rules\": [{\"kind\": \"extraction\", \"settings\": {\"pattern\": \"x\","
           " \"result_label\": \"a\"}}]}",
           "rules[0].source_field must be title, description or labels.NAME");
    refuse("{\"rules\": [{\"kind\": \"extraction\", \"settings\": {\"source_field\": \"title\","
           " \"g_json\": \"a.b\", \"result_label\": \"a\"}}]}",
           "rules[0]: g_json is not supported; use pattern");
    refuse("{\"rules\": [" EXTRACT("title", "", "a") "]}",
           "rules[0].pattern must be a regular expression");
    refuse("{\"rules\": [{\"kind\": \"extraction\", \"settings\": {\"source_field\": \"title\","
           " \"result_label\": \"a\"}}]}",
           "rules[0].pattern must be a regular expression");
    refuse("{\"rules\": [" EXTRACT("title", "x", "a") "," EXTRACT("title", "(", "a") "]}",
           "rules[1].pattern is not a valid regex at offset 1: missing closing parenthesis");
    refuse("{\"rules\": [" EXTRACT("title", "x", "Owner") "]}",
           "rules[0].result_label must be a label name matching ^[a-z][a-z0-9_]{0,62}$");
    refuse("{\"rules\": [" EXTRACT("title", "x", "1x") "]}",
           "rules[0].result_label must be a label name matching ^[a-z][a-z0-9_]{0,62}$");
    refuse("{\"rules\": [{\"kind\": \"extraction\", \"settings\": {\"source_field\": \"title\","
           " \"pattern\": \"x\"}}]}",
           "rules[0].result_label must be a label name matching ^[a-z][a-z0-9_]{0,62}$");
}

static void test_compile_refuse_composition(void **state)
{
    char text[1024], tpl[AH_ENRICH_MAX_TEMPLATE + 2];

    (void)state;
    refuse("{\"rules\": [{\"kind\": \"composition\", \"settings\": {\"template\": \"\","
           " \"result_label\": \"a\"}}]}",
           "rules[0].template must be 1 to 500 bytes of text");
    refuse("{\"rules\": [{\"kind\": \"composition\", \"settings\": {\"result_label\": \"a\"}}]}",
           "rules[0].template must be 1 to 500 bytes of text");
    refuse("{\"rules\": [{\"kind\": \"composition\", \"settings\": {\"template\": \"x\","
           " \"result_label\": \"a-b\"}}]}",
           "rules[0].result_label must be a label name matching ^[a-z][a-z0-9_]{0,62}$");
    /* 500 bytes compile, 501 do not */
    memset(tpl, 'x', sizeof(tpl) - 1);
    tpl[AH_ENRICH_MAX_TEMPLATE] = '\0';
    snprintf(text, sizeof(text),
             "{\"rules\": [{\"kind\": \"composition\", \"settings\": {\"template\": \"%s\","
             " \"result_label\": \"a\"}}]}",
             tpl);
    ah_enrichment_unref(compile(text));
    tpl[AH_ENRICH_MAX_TEMPLATE] = 'x';
    tpl[AH_ENRICH_MAX_TEMPLATE + 1] = '\0';
    snprintf(text, sizeof(text),
             "{\"rules\": [{\"kind\": \"composition\", \"settings\": {\"template\": \"%s\","
             " \"result_label\": \"a\"}}]}",
             tpl);
    refuse(text, "rules[0].template must be 1 to 500 bytes of text");
}

static void test_compile_refuse_mapping(void **state)
{
    (void)state;
    finder.calls = 0;
    refuse("{\"rules\": [{\"kind\": \"mapping\", \"settings\": {\"schema_id\": \"9\"}}]}",
           "rules[0].schema_id must name an existing mapping schema");
    assert_int_equal(finder.calls, 1);
    assert_int_equal(finder.last_id, 9);
    /* no id, or no valid one: the finder is not even asked */
    refuse("{\"rules\": [{\"kind\": \"mapping\", \"settings\": {}}]}",
           "rules[0].schema_id must name an existing mapping schema");
    refuse("{\"rules\": [{\"kind\": \"mapping\", \"settings\": {\"schema_id\": \"x3\"}}]}",
           "rules[0].schema_id must name an existing mapping schema");
    refuse("{\"rules\": [{\"kind\": \"mapping\", \"settings\": {\"schema_id\": -3}}]}",
           "rules[0].schema_id must name an existing mapping schema");
    assert_int_equal(finder.calls, 1);
    refuse("{\"rules\": [{\"kind\": \"mapping\", \"settings\": {\"schema_id\": 3,"
           " \"mapping_type\": \"api\"}}]}",
           "rules[0].mapping_type must be \"schema\" (API mappings are not supported)");
    /* result_labels: only columns of the table, at least one, none empty.
     * These refusals come after the finder gave a reference: LeakSanitizer
     * checks that the failed compile gives it back. */
    refuse("{\"rules\": [{\"kind\": \"mapping\", \"settings\": {\"schema_id\": 3,"
           " \"result_labels\": [\"owner\", \"host\"]}}]}",
           "rules[0].result_labels: \"host\" is not a column of the table");
    refuse("{\"rules\": [{\"kind\": \"mapping\", \"settings\": {\"schema_id\": 3,"
           " \"result_labels\": []}}]}",
           "rules[0].result_labels must be an array of 1 to 50 label names");
    refuse("{\"rules\": [{\"kind\": \"mapping\", \"settings\": {\"schema_id\": 3,"
           " \"result_labels\": \"owner\"}}]}",
           "rules[0].result_labels must be an array of 1 to 50 label names");
    refuse("{\"rules\": [{\"kind\": \"mapping\", \"settings\": {\"schema_id\": 3,"
           " \"result_labels\": [\"owner\", \"\"]}}]}",
           "rules[0].result_labels[1] must be a label name");
    /* a later rule fails after a mapping rule compiled */
    refuse("{\"rules\": [{\"kind\": \"mapping\", \"settings\": {\"schema_id\": 3}},"
           " {\"kind\": \"nope\", \"settings\": {}}]}",
           "rules[1].kind must be extraction, composition, mapping or drop");
}

static void test_compile_refuse_drop(void **state)
{
    (void)state;
    refuse("{\"rules\": [{\"kind\": \"drop\", \"settings\": {}}]}",
           "rules[0].drop_labels must be an array of 1 to 50 label names");
    refuse("{\"rules\": [{\"kind\": \"drop\", \"settings\": {\"drop_labels\": []}}]}",
           "rules[0].drop_labels must be an array of 1 to 50 label names");
    refuse("{\"rules\": [{\"kind\": \"drop\", \"settings\": {\"drop_labels\": [\"a\", 3]}}]}",
           "rules[0].drop_labels[1] must be a label name");
    refuse("{\"rules\": [{\"kind\": \"drop\", \"settings\": {\"drop_labels\": [\"\"]}}]}",
           "rules[0].drop_labels[0] must be a label name");
}

/* @text must be refused; copies the message to @msg. */
static void refuse_msg(const char *text, char msg[256])
{
    struct ah_error err = {AH_OK, ""};
    struct ah_enrichment *e = (struct ah_enrichment *)&err; /* sentinel */
    json_t *j = parse_json(text);

    assert_int_equal(ah_enrichment_compile(j, find_table, &finder, &e, &err), AH_EINVAL);
    assert_ptr_equal(e, (struct ah_enrichment *)&err);
    snprintf(msg, 256, "%s", err.msg);
    json_decref(j);
}

/* enrich.h: "On error returns AH_EINVAL with a message naming the rule
 * ("rules[2]: ...")". A bad `if` must say which rule it belongs to. */
static void test_compile_refuse_if_names_rule(void **state)
{
    char bad_key[256], bad_shape[256];

    (void)state;
    refuse_msg("{\"rules\": [" EXTRACT(
                   "title", "x",
                   "a") ","
                        " {\"kind\": \"drop\", \"settings\": {\"drop_labels\": [\"a\"]},"
                        "  \"if\": [{\"key\": \"nope\", \"oper\": \"IN\", \"vals\": [\"x\"]}]}]}",
               bad_key);
    /* `if` takes the AND shape: a list of groups is refused */
    refuse_msg("{\"rules\": [{\"kind\": \"drop\", \"settings\": {\"drop_labels\": [\"a\"]},"
               " \"if\": [[{\"key\": \"title\", \"oper\": \"IN\", \"vals\": [\"x\"]}]]}]}",
               bad_shape);
    /* the filter's own explanation is kept */
    assert_non_null(strstr(bad_key, "filter condition 1: unrecognized key \"nope\""));
    assert_non_null(
        strstr(bad_shape, "filter condition 1: must be an object with key, oper and vals"));
    assert_non_null(strstr(bad_key, "rules[1].if: "));
    assert_non_null(strstr(bad_shape, "rules[0].if: "));
}

static void test_compile_json_and_mappings(void **state)
{
    const char *text =
        "{\"rules\": [{\"kind\": \"mapping\", \"settings\": {\"schema_id\": \"7\"}},"
        " " EXTRACT("title", "x", "a") ","
                                       " {\"kind\": \"mapping\", \"settings\": {\"schema_id\": 3,"
                                       " \"result_labels\": [\"team\"], \"override\": true}}]}";
    json_t *j = parse_json(text);
    struct ah_enrichment *e = compile(text), *r;
    const int64_t *ids;
    size_t n = 99;

    (void)state;
    assert_true(json_equal(ah_enrichment_json(e), j));
    ids = ah_enrichment_mappings(e, &n);
    assert_int_equal(n, 2);
    assert_int_equal(ids[0], 7);
    assert_int_equal(ids[1], 3);
    r = ah_enrichment_ref(e);
    assert_ptr_equal(r, e);
    ah_enrichment_unref(e);
    /* still whole after one unref */
    assert_true(json_equal(ah_enrichment_json(r), j));
    ah_enrichment_unref(r);
    ah_enrichment_unref(NULL);
    json_decref(j);

    /* no rules: nothing to do, no tables; `if` null counts as absent */
    e = compile("{\"rules\": []}");
    ah_enrichment_mappings(e, &n);
    assert_int_equal(n, 0);
    ah_enrichment_unref(e);
    check("{\"rules\": []}", "t", NULL, "{\"a\": \"1\"}", "{\"a\": \"1\"}");
    check("{\"rules\": [{\"kind\": \"drop\", \"if\": null,"
          " \"settings\": {\"drop_labels\": [\"a\"]}}]}",
          "t", NULL, "{\"a\": \"1\", \"b\": \"2\"}", "{\"b\": \"2\"}");
}

/* ---- extraction ---- */

static void test_extraction(void **state)
{
    (void)state;
    /* whole match, from each source field */
    check("{\"rules\": [" EXTRACT("title", "db-[0-9]+", "host") "]}", "disk full on db-12 now",
          NULL, "{}", "{\"host\": \"db-12\"}");
    check("{\"rules\": [" EXTRACT("description", "[0-9]+%", "usage") "]}", "disk", "at 97% used",
          "{}", "{\"usage\": \"97%\"}");
    check("{\"rules\": [" EXTRACT("labels.instance", "^[^:]+", "host") "]}", "t", NULL,
          "{\"instance\": \"10.0.0.1:9100\"}",
          "{\"instance\": \"10.0.0.1:9100\", \"host\": \"10.0.0.1\"}");
    /* the named group "result", in both spellings */
    check("{\"rules\": [" EXTRACT("title", "host=(?P<result>[a-z0-9-]+)", "host") "]}",
          "cpu high host=web-3 dc=x", NULL, "{}", "{\"host\": \"web-3\"}");
    check("{\"rules\": [" EXTRACT("labels.msg", "(\\\\w+)@(?<result>\\\\w+)", "dc") "]}", "t", NULL,
          "{\"msg\": \"svc@fra1\"}", "{\"msg\": \"svc@fra1\", \"dc\": \"fra1\"}");
    /* other groups do not count: without "result", the whole match */
    check("{\"rules\": [" EXTRACT("title", "id=([0-9]+)", "id") "]}", "x id=77 y", NULL, "{}",
          "{\"id\": \"id=77\"}");
    /* a "result" group that took no part in the match extracts nothing */
    check("{\"rules\": [" EXTRACT("title", "a(?<result>x)|b", "v") "]}", "b", NULL, "{}", "{}");
    /* no match, an absent field, an empty match: nothing */
    check("{\"rules\": [" EXTRACT("title", "db-[0-9]+", "host") "]}", "web down", NULL,
          "{\"a\": \"1\"}", "{\"a\": \"1\"}");
    check("{\"rules\": [" EXTRACT("description", ".*", "d") "]}", "t", NULL, "{}", "{}");
    check("{\"rules\": [" EXTRACT("labels.nope", ".*", "d") "]}", "t", NULL, "{\"a\": \"1\"}",
          "{\"a\": \"1\"}");
    check("{\"rules\": [" EXTRACT("title", "x*", "d") "]}", "abc", NULL, "{}", "{}");
    /* UTF-8 text */
    check("{\"rules\": [" EXTRACT("title", "(?<result>\\\\p{Han}+)", "city") "]}",
          "outage in 東京 now", NULL, "{}", "{\"city\": \"東京\"}");
}

/* ---- composition ---- */

static void test_composition(void **state)
{
    (void)state;
    check("{\"rules\": [{\"kind\": \"composition\", \"settings\": {\"template\":"
          " \"{{.labels.host}}/{{.title}}: {{.description}}\", \"result_label\": \"summary\"}}]}",
          "CPU high", "over 90", "{\"host\": \"db-1\"}",
          "{\"host\": \"db-1\", \"summary\": \"db-1/CPU high: over 90\"}");
    /* spaces inside the braces; a missing label or description is "" */
    check("{\"rules\": [{\"kind\": \"composition\", \"settings\": {\"template\":"
          " \"[{{ .labels.dc }}|{{.labels.host}}|{{.description}}]\", \"result_label\": \"s\"}}]}",
          "t", NULL, "{\"dc\": \"fra\"}", "{\"dc\": \"fra\", \"s\": \"[fra||]\"}");
    /* a template that renders empty sets nothing */
    check("{\"rules\": [{\"kind\": \"composition\", \"settings\": {\"template\":"
          " \"{{.labels.nope}}{{.description}}\", \"result_label\": \"s\"}}]}",
          "t", NULL, "{\"a\": \"1\"}", "{\"a\": \"1\"}");
    /* the integration's name and type */
    check("{\"rules\": [{\"kind\": \"composition\", \"settings\": {\"template\":"
          " \"{{.IntegrationName}}|{{.IntegrationType}}\", \"result_label\": \"src\"}}]}",
          "t", NULL, "{}", "{\"src\": \"std-42|standard\"}");
    /* plain text is a constant label */
    check("{\"rules\": [{\"kind\": \"composition\", \"settings\": {\"template\": \"prod\","
          " \"result_label\": \"env\"}}]}",
          "t", NULL, "{}", "{\"env\": \"prod\"}");
}

/* ---- mapping ---- */

static void test_mapping(void **state)
{
    (void)state;
    /* all the table's columns when result_labels is omitted */
    check("{\"rules\": [{\"kind\": \"mapping\", \"settings\": {\"schema_id\": 3}}]}", "t", NULL,
          "{\"host\": \"db-1\"}",
          "{\"host\": \"db-1\", \"owner\": \"alice\", \"team\": \"storage\"}");
    /* only those named */
    check("{\"rules\": [{\"kind\": \"mapping\", \"settings\": {\"schema_id\": \"3\","
          " \"result_labels\": [\"team\"]}}]}",
          "t", NULL, "{\"host\": \"web-1\"}", "{\"host\": \"web-1\", \"team\": \"web\"}");
    /* an empty cell sets nothing */
    check("{\"rules\": [{\"kind\": \"mapping\", \"settings\": {\"schema_id\": 3}}]}", "t", NULL,
          "{\"host\": \"db-2\"}", "{\"host\": \"db-2\", \"team\": \"web\"}");
    /* no row, no source label, an empty source label: nothing */
    check("{\"rules\": [{\"kind\": \"mapping\", \"settings\": {\"schema_id\": 3}}]}", "t", NULL,
          "{\"host\": \"db-9\"}", "{\"host\": \"db-9\"}");
    check("{\"rules\": [{\"kind\": \"mapping\", \"settings\": {\"schema_id\": 3}}]}", "t", NULL,
          "{\"hostname\": \"db-1\"}", "{\"hostname\": \"db-1\"}");
    check("{\"rules\": [{\"kind\": \"mapping\", \"settings\": {\"schema_id\": 3}}]}", "t", NULL,
          "{\"host\": \"\"}", "{\"host\": \"\"}");
    /* the other table */
    check("{\"rules\": [{\"kind\": \"mapping\", \"settings\": {\"schema_id\": 7,"
          " \"mapping_type\": \"schema\"}}]}",
          "t", NULL, "{\"host\": \"db-1\"}",
          "{\"host\": \"db-1\", \"owner\": \"carol\", \"team\": \"ops\"}");
}

/* A compiled rule holds its table: a later upload is seen, and the table
 * outlives the finder's own reference. */
static void test_mapping_follows_upload(void **state)
{
    struct ah_mapping *t = host_table(11, "host,owner,team\ndb-1,old,old\n");
    struct finder own = {.tables = {t}};
    struct ah_error err = {AH_OK, ""};
    struct ah_enrichment *e = NULL;
    struct ah_mapping_rows *rows = NULL;
    const char *csv = "owner,team,host\nnew,newer,db-1\n";
    json_t *j = parse_json("{\"rules\": [{\"kind\": \"mapping\", \"settings\":"
                           " {\"schema_id\": 11, \"override\": true}}]}");
    struct ah_event ev;

    (void)state;
    assert_int_equal(ah_enrichment_compile(j, find_table, &own, &e, &err), AH_OK);
    assert_int_equal(own.calls, 1);
    event(&ev, "t", NULL, "{\"host\": \"db-1\"}");
    ah_enrichment_apply(e, &ev, &(struct ah_integration){.id = 1});
    expect_labels(&ev, "{\"host\": \"db-1\", \"owner\": \"old\", \"team\": \"old\"}");
    assert_int_equal(ah_mapping_parse(t, csv, strlen(csv), &rows, &err), AH_OK);
    ah_mapping_set_rows(t, rows);
    ah_mapping_unref(t); /* the rule's reference keeps it */
    ah_enrichment_apply(e, &ev, &(struct ah_integration){.id = 1});
    expect_labels(&ev, "{\"host\": \"db-1\", \"owner\": \"new\", \"team\": \"newer\"}");
    ah_event_done(&ev);
    ah_enrichment_unref(e);
    json_decref(j);
}

/* ---- drop ---- */

static void test_drop(void **state)
{
    (void)state;
    check("{\"rules\": [{\"kind\": \"drop\", \"settings\": {\"drop_labels\":"
          " [\"a\", \"nope\", \"c\"]}}]}",
          "t", NULL, "{\"a\": \"1\", \"b\": \"2\", \"c\": \"3\"}", "{\"b\": \"2\"}");
}

/* ---- override ---- */

static void test_override(void **state)
{
    (void)state;
    /* default and false keep what exists, true replaces */
    check("{\"rules\": [" EXTRACT("title", "db-[0-9]", "host") "]}", "db-1 down", NULL,
          "{\"host\": \"old\"}", "{\"host\": \"old\"}");
    check("{\"rules\": [{\"kind\": \"extraction\", \"settings\": {\"source_field\": \"title\","
          " \"pattern\": \"db-[0-9]\", \"result_label\": \"host\", \"override\": false}}]}",
          "db-1 down", NULL, "{\"host\": \"old\"}", "{\"host\": \"old\"}");
    check("{\"rules\": [{\"kind\": \"extraction\", \"settings\": {\"source_field\": \"title\","
          " \"pattern\": \"db-[0-9]\", \"result_label\": \"host\", \"override\": true}}]}",
          "db-1 down", NULL, "{\"host\": \"old\"}", "{\"host\": \"db-1\"}");
    /* an override that finds nothing keeps the old value */
    check("{\"rules\": [{\"kind\": \"extraction\", \"settings\": {\"source_field\": \"title\","
          " \"pattern\": \"db-[0-9]\", \"result_label\": \"host\", \"override\": true}}]}",
          "web down", NULL, "{\"host\": \"old\"}", "{\"host\": \"old\"}");
    check("{\"rules\": [{\"kind\": \"composition\", \"settings\": {\"template\": \"x\","
          " \"result_label\": \"a\"}}]}",
          "t", NULL, "{\"a\": \"1\"}", "{\"a\": \"1\"}");
    check("{\"rules\": [{\"kind\": \"composition\", \"settings\": {\"template\": \"x\","
          " \"result_label\": \"a\", \"override\": true}}]}",
          "t", NULL, "{\"a\": \"1\"}", "{\"a\": \"x\"}");
    check("{\"rules\": [{\"kind\": \"mapping\", \"settings\": {\"schema_id\": 3}}]}", "t", NULL,
          "{\"host\": \"db-1\", \"owner\": \"me\"}",
          "{\"host\": \"db-1\", \"owner\": \"me\", \"team\": \"storage\"}");
    check("{\"rules\": [{\"kind\": \"mapping\", \"settings\": {\"schema_id\": 3,"
          " \"override\": true}}]}",
          "t", NULL, "{\"host\": \"db-1\", \"owner\": \"me\"}",
          "{\"host\": \"db-1\", \"owner\": \"alice\", \"team\": \"storage\"}");
    /* an empty cell does not override */
    check("{\"rules\": [{\"kind\": \"mapping\", \"settings\": {\"schema_id\": 3,"
          " \"override\": true}}]}",
          "t", NULL, "{\"host\": \"db-2\", \"owner\": \"me\"}",
          "{\"host\": \"db-2\", \"owner\": \"me\", \"team\": \"web\"}");
}

/* ---- conditions ---- */

#define IF_PROD_CRIT                                                                               \
    "\"if\": [{\"key\": \"labels.env\", \"oper\": \"IN\", \"vals\": [\"prod\"]},"                  \
    " {\"key\": \"severity\", \"oper\": \"IN\", \"vals\": [\"Warning\"]},"                         \
    " {\"key\": \"integration_id\", \"oper\": \"IN\", \"vals\": [\"42\"]}]"

static void test_if(void **state)
{
    const char *rules = "{\"rules\": [{\"kind\": \"composition\", " IF_PROD_CRIT ","
                        " \"settings\": {\"template\": \"yes\", \"result_label\": \"hit\"}}]}";
    struct ah_enrichment *e;
    struct ah_event ev;

    (void)state;
    /* every condition holds (check() applies as integration 42) */
    check(rules, "t", NULL, "{\"env\": \"prod\"}", "{\"env\": \"prod\", \"hit\": \"yes\"}");
    /* one fails: the rule does nothing */
    check(rules, "t", NULL, "{\"env\": \"dev\"}", "{\"env\": \"dev\"}");
    check(rules, "t", NULL, "{}", "{}");
    e = compile(rules);
    event(&ev, "t", NULL, "{\"env\": \"prod\"}");
    ah_enrichment_apply(e, &ev, &(struct ah_integration){.id = 43}); /* another integration */
    expect_labels(&ev, "{\"env\": \"prod\"}");
    ev.severity = AH_SEV_CRITICAL;
    ah_enrichment_apply(e, &ev, &(struct ah_integration){.id = 42}); /* another severity */
    expect_labels(&ev, "{\"env\": \"prod\"}");
    ev.severity = AH_SEV_WARNING;
    ah_enrichment_apply(e, &ev, &(struct ah_integration){.id = 42});
    expect_labels(&ev, "{\"env\": \"prod\", \"hit\": \"yes\"}");
    ah_event_done(&ev);
    ah_enrichment_unref(e);
    /* a failed condition skips only its own rule */
    check("{\"rules\": [{\"kind\": \"drop\", \"if\": [{\"key\": \"title\", \"oper\": \"IN\","
          " \"vals\": [\"other\"]}], \"settings\": {\"drop_labels\": [\"a\"]}},"
          " {\"kind\": \"drop\", \"settings\": {\"drop_labels\": [\"b\"]}}]}",
          "t", NULL, "{\"a\": \"1\", \"b\": \"2\"}", "{\"a\": \"1\"}");
}

/* ---- chaining ---- */

static void test_chaining(void **state)
{
    /* extract host from the title, map it, compose from the mapped owner,
     * condition on a made label, then drop the intermediate one */
    const char *rules = "{\"rules\": [" EXTRACT(
        "title", "on (?<result>\\\\S+)",
        "host") ","
                " {\"kind\": \"mapping\", \"settings\": {\"schema_id\": 3}},"
                " {\"kind\": \"composition\", \"settings\": {\"template\": "
                "\"{{.labels.owner}}@{{.labels.team}}\","
                "  \"result_label\": \"contact\"}},"
                " {\"kind\": \"composition\", \"if\": [{\"key\": \"labels.team\", \"oper\": \"IN\","
                "  \"vals\": [\"storage\"]}], \"settings\": {\"template\": \"page\", "
                "\"result_label\": \"notify\"}},"
                " {\"kind\": \"drop\", \"settings\": {\"drop_labels\": [\"host\", \"team\"]}},"
                " {\"kind\": \"composition\", \"settings\": {\"template\": \"[{{.labels.host}}]\","
                "  \"result_label\": \"after\"}}]}";

    (void)state;
    check(rules, "disk full on db-1", NULL, "{}",
          "{\"owner\": \"alice\", \"contact\": \"alice@storage\", \"notify\": \"page\","
          " \"after\": \"[]\"}");
    /* another host: its row has another team, so no notify */
    check(rules, "disk full on web-1", NULL, "{}",
          "{\"owner\": \"bob\", \"contact\": \"bob@web\", \"after\": \"[]\"}");
    /* no host: nothing to map; the composition renders "@" */
    check(rules, "disk full", NULL, "{}", "{\"contact\": \"@\", \"after\": \"[]\"}");
    /* the same rules again on an event that went through them once */
    check("{\"rules\": [" EXTRACT("labels.a", ".", "b") "," EXTRACT("labels.b", ".", "c") "]}", "t",
          NULL, "{\"a\": \"xyz\"}", "{\"a\": \"xyz\", \"b\": \"x\", \"c\": \"x\"}");
}

/* ---- limits ---- */

/* An event with @n labels l0 .. l(n-1). */
static void event_n(struct ah_event *ev, int n)
{
    char key[16];
    int i;

    event(ev, "db-1 down", NULL, "{}");
    for (i = 0; i < n; i++) {
        snprintf(key, sizeof(key), "l%d", i);
        ah_event_set_label(ev, key, "v");
    }
}

static void test_label_limit(void **state)
{
    struct ah_enrichment *e;
    struct ah_event ev;

    (void)state;
    e = compile("{\"rules\": [" EXTRACT(
        "title", "db-[0-9]",
        "host") ","
                " {\"kind\": \"composition\", \"settings\": {\"template\": \"x\","
                "  \"result_label\": \"extra\"}},"
                " {\"kind\": \"composition\", \"settings\": {\"template\": \"y\","
                "  \"result_label\": \"l0\", \"override\": true}}]}");
    /* 49 labels: the first new label is the 50th, the second has no room;
     * replacing an existing label is still allowed */
    event_n(&ev, AH_MAX_LABELS - 1);
    ah_enrichment_apply(e, &ev, &(struct ah_integration){.id = 1});
    assert_int_equal(json_object_size(ev.labels), AH_MAX_LABELS);
    assert_string_equal(json_string_value(json_object_get(ev.labels, "host")), "db-1");
    assert_null(json_object_get(ev.labels, "extra"));
    assert_string_equal(json_string_value(json_object_get(ev.labels, "l0")), "y");
    ah_event_done(&ev);
    /* already full */
    event_n(&ev, AH_MAX_LABELS);
    ah_enrichment_apply(e, &ev, &(struct ah_integration){.id = 1});
    assert_int_equal(json_object_size(ev.labels), AH_MAX_LABELS);
    assert_null(json_object_get(ev.labels, "host"));
    assert_string_equal(json_string_value(json_object_get(ev.labels, "l0")), "y");
    ah_event_done(&ev);
    ah_enrichment_unref(e);

    /* a mapping that brings two labels with room for one: the first column */
    e = compile("{\"rules\": [{\"kind\": \"mapping\", \"settings\": {\"schema_id\": 3}}]}");
    event_n(&ev, AH_MAX_LABELS - 2);
    ah_event_set_label(&ev, "host", "db-1");
    ah_enrichment_apply(e, &ev, &(struct ah_integration){.id = 1});
    assert_int_equal(json_object_size(ev.labels), AH_MAX_LABELS);
    assert_string_equal(json_string_value(json_object_get(ev.labels, "owner")), "alice");
    assert_null(json_object_get(ev.labels, "team"));
    ah_event_done(&ev);
    ah_enrichment_unref(e);
}

static void test_value_truncation(void **state)
{
    struct ah_enrichment *e;
    struct ah_event ev;
    struct ah_buf b;
    const char *v;
    int i;

    (void)state;
    /* 3000 two-byte code points in a label; extraction and composition
     * both cut to AH_MAX_LABEL_VALUE code points, never inside one */
    ah_buf_init(&b);
    for (i = 0; i < 3000; i++)
        ah_buf_printf(&b, "é");
    e = compile("{\"rules\": [" EXTRACT(
        "labels.long", ".+",
        "cut") ","
               " {\"kind\": \"composition\", \"settings\": {\"template\": \"{{.labels.long}}!\","
               "  \"result_label\": \"tpl\"}},"
               " " EXTRACT("labels.cut", "!", "bang") "]}");
    event(&ev, "t", NULL, "{}");
    ah_event_set_label(&ev, "long", ah_buf_str(&b));
    ah_enrichment_apply(e, &ev, &(struct ah_integration){.id = 1});
    v = json_string_value(json_object_get(ev.labels, "cut"));
    assert_non_null(v);
    assert_int_equal(ah_utf8_len(v), AH_MAX_LABEL_VALUE);
    assert_int_equal(strlen(v), 2 * AH_MAX_LABEL_VALUE);
    assert_true(ah_utf8_valid(v));
    assert_memory_equal(v, ah_buf_str(&b), strlen(v));
    v = json_string_value(json_object_get(ev.labels, "tpl"));
    assert_non_null(v);
    assert_int_equal(ah_utf8_len(v), AH_MAX_LABEL_VALUE);
    assert_null(strchr(v, '!')); /* the tail was cut */
    assert_null(json_object_get(ev.labels, "bang"));
    /* the source label itself is not the rules' business */
    assert_int_equal(ah_utf8_len(json_string_value(json_object_get(ev.labels, "long"))), 3000);
    ah_event_done(&ev);
    ah_enrichment_unref(e);

    /* exactly the limit is kept whole */
    ah_buf_done(&b);
    ah_buf_init(&b);
    for (i = 0; i < AH_MAX_LABEL_VALUE; i++)
        ah_buf_printf(&b, "%c", 'a' + i % 26);
    e = compile("{\"rules\": [" EXTRACT("labels.long", ".+", "cut") "]}");
    event(&ev, "t", NULL, "{}");
    ah_event_set_label(&ev, "long", ah_buf_str(&b));
    ah_enrichment_apply(e, &ev, &(struct ah_integration){.id = 1});
    assert_string_equal(json_string_value(json_object_get(ev.labels, "cut")), ah_buf_str(&b));
    ah_event_done(&ev);
    ah_enrichment_unref(e);
    ah_buf_done(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compile_refuse_shape),
        cmocka_unit_test(test_compile_refuse_extraction),
        cmocka_unit_test(test_compile_refuse_composition),
        cmocka_unit_test(test_compile_refuse_mapping),
        cmocka_unit_test(test_compile_refuse_drop),
        cmocka_unit_test(test_compile_json_and_mappings),
        cmocka_unit_test(test_extraction),
        cmocka_unit_test(test_composition),
        cmocka_unit_test(test_mapping),
        cmocka_unit_test(test_mapping_follows_upload),
        cmocka_unit_test(test_drop),
        cmocka_unit_test(test_override),
        cmocka_unit_test(test_if),
        cmocka_unit_test(test_chaining),
        cmocka_unit_test(test_label_limit),
        cmocka_unit_test(test_value_truncation),
        cmocka_unit_test(test_compile_refuse_if_names_rule),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
