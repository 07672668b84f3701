/* pipeline_test.c - the alert processing pipeline (process/pipeline.c): the
 * exact messages of compile refusals, severity_reset, title_reset and
 * description_reset templates, alert_drop, Ok events and disabled
 * pipelines left alone, chaining, alert_inhibit checks (rule index and the
 * exact key), and the writer's memory of inhibit sources with a fake "is
 * this alert open" callback: age, closed sources, self-inhibition, keys per
 * equals values, keys shared between pipelines, slot reuse and the sweep. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "json_fixture.h"

#include "process/pipeline.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/hex.h"
#include "util/sha256.h"
#include "util/text.h"

#include <stdio.h>
#include <string.h>

/* ---- helpers ---- */

static struct ah_pipeline *compile(const char *text)
{
    struct ah_error err = {AH_OK, ""};
    struct ah_pipeline *p = NULL;
    json_t *j = parse_json(text);

    if (ah_pipeline_compile(j, &p, &err) != AH_OK)
        fail_msg("%s: %s", text, err.msg);
    json_decref(j);
    assert_non_null(p);
    return p;
}

/* Compiles @text, which must fail; copies the message to @msg. */
static void refuse_msg(const char *text, char msg[256])
{
    struct ah_error err = {AH_OK, ""};
    struct ah_pipeline *p = (struct ah_pipeline *)&err; /* sentinel */
    json_t *j = text ? parse_json(text) : NULL;

    assert_int_equal(ah_pipeline_compile(j, &p, &err), AH_EINVAL);
    assert_int_equal(err.code, AH_EINVAL);
    assert_ptr_equal(p, (struct ah_pipeline *)&err);
    snprintf(msg, 256, "%s", err.msg);
    json_decref(j);
}

static void refuse(const char *text, const char *want)
{
    char msg[256];

    refuse_msg(text, msg);
    if (strcmp(msg, want) != 0)
        fail_msg("%s\n want: %s\n  got: %s", text, want, msg);
}

/* A firing event. */
static void event(struct ah_event *ev, enum ah_severity sev, const char *title, const char *desc,
                  const char *alert_key, const char *labels)
{
    json_t *l = parse_json(labels);

    ah_event_init(ev);
    ev->title = ah_xstrdup(title);
    ev->description = ah_xstrdup(desc);
    ev->alert_key = ah_xstrdup(alert_key);
    ev->severity = sev;
    assert_int_equal(json_object_update(ev->labels, l), 0);
    json_decref(l);
}

static void verdict_clean(const struct ah_pipeline_verdict *v)
{
    assert_int_equal(v->dropped, 0);
    assert_int_equal(v->rule, 0);
    assert_int_equal(v->nchecks, 0);
}

/* The key a check must have, computed from its definition: "<integration>:
 * <first 16 bytes of SHA-256 of the rule's canonical JSON, hex>:<first 16
 * bytes of SHA-256 of the values, each with its NUL, hex>". */
static void want_key(char out[AH_PIPELINE_KEY_LEN], int64_t integration, const char *canon,
                     const char *const *vals, size_t n)
{
    unsigned char d[AH_SHA256_LEN];
    char rule_hex[33], val_hex[33];
    struct ah_sha256 c;
    size_t i;

    ah_sha256(canon, strlen(canon), d);
    ah_hex_encode(d, 16, rule_hex);
    ah_sha256_init(&c);
    for (i = 0; i < n; i++)
        ah_sha256_update(&c, vals[i], strlen(vals[i]) + 1);
    ah_sha256_final(&c, d);
    ah_hex_encode(d, 16, val_hex);
    snprintf(out, AH_PIPELINE_KEY_LEN, "%lld:%s:%s", (long long)integration, rule_hex, val_hex);
}

/* The fake "is this alert open" of the writer. */
struct opener {
    struct {
        int64_t channel;
        const char *key;
        int64_t id;
    } open[12];
    size_t nopen;
    int calls;
    int64_t last_channel;
    char last_key[64];
};

static int64_t is_open(void *ctx, int64_t channel_id, const char *alert_key)
{
    struct opener *o = ctx;
    size_t i;

    o->calls++;
    o->last_channel = channel_id;
    snprintf(o->last_key, sizeof(o->last_key), "%s", alert_key);
    for (i = 0; i < o->nopen; i++) {
        if (o->open[i].channel == channel_id && strcmp(o->open[i].key, alert_key) == 0)
            return o->open[i].id;
    }
    return 0;
}

#define INHIBIT_SF "[[{\"key\": \"severity\", \"oper\": \"IN\", \"vals\": [\"Critical\"]}]]"
/* source_filters and equals of INHIBIT, as pipeline.c canonicalises them
 * (sorted keys, compact) */
#define INHIBIT_CANON                                                                              \
    "{\"equals\":[\"labels.host\"],\"source_filters\":[[{\"key\":\"severity\",\"oper\":\"IN\","    \
    "\"vals\":[\"Critical\"]}]]}"
#define INHIBIT                                                                                    \
    "{\"kind\": \"alert_inhibit\", \"settings\": {\"source_filters\": " INHIBIT_SF ","             \
    " \"equals\": [\"labels.host\"]}}"

/* ---- compiling ---- */

static void test_compile_refuse(void **state)
{
    struct ah_buf b;
    char *text;
    int i;

    (void)state;
    refuse(NULL, "rules must be an array of at most 50 rules");
    refuse("{\"status\": \"enabled\"}", "rules must be an array of at most 50 rules");
    refuse("{\"rules\": {}}", "rules must be an array of at most 50 rules");
    refuse("{\"rules\": [], \"status\": \"paused\"}", "status must be enabled or disabled");
    refuse("{\"rules\": [], \"status\": true}", "status must be enabled or disabled");
    refuse("{\"rules\": [\"alert_drop\"]}", "rules[0] must be an object with kind and settings");
    refuse("{\"rules\": [{\"kind\": \"alert_drop\"}, {\"settings\": {}}]}",
           "rules[1] must be an object with kind and settings");
    refuse("{\"rules\": [{\"kind\": \"alert_drop\", \"settings\": []}]}",
           "rules[0] must be an object with kind and settings");
    refuse("{\"rules\": [{\"kind\": \"alert_drop\"}, {\"kind\": \"alert_drop\"},"
           " {\"kind\": \"drop\", \"settings\": {}}]}",
           "rules[2].kind must be severity_reset, title_reset, description_reset, "
           "alert_drop or alert_inhibit");
    /* severity_reset */
    refuse("{\"rules\": [{\"kind\": \"severity_reset\", \"settings\": {\"severity\": "
           "\"critical\"}}]}",
           "rules[0].severity must be Critical, Warning or Info");
    refuse("{\"rules\": [{\"kind\": \"severity_reset\", \"settings\": {\"severity\": \"Ok\"}}]}",
           "rules[0].severity must be Critical, Warning or Info");
    refuse("{\"rules\": [{\"kind\": \"severity_reset\"}]}",
           "rules[0].severity must be Critical, Warning or Info");
    /* title_reset, description_reset */
    refuse("{\"rules\": [{\"kind\": \"title_reset\", \"settings\": {\"title\": \"\"}}]}",
           "rules[0].title must be a template of 1 to 4096 bytes");
    refuse("{\"rules\": [{\"kind\": \"title_reset\", \"settings\": {\"description\": \"x\"}}]}",
           "rules[0].title must be a template of 1 to 4096 bytes");
    refuse("{\"rules\": [{\"kind\": \"description_reset\", \"settings\": {\"description\": 5}}]}",
           "rules[0].description must be a template of 1 to 4096 bytes");
    /* alert_inhibit */
    refuse(
        "{\"rules\": [{\"kind\": \"alert_inhibit\", \"settings\": {\"source_filters\": " INHIBIT_SF
        "}}]}",
        "rules[0].equals must be an array of 1 to 20 keys");
    refuse(
        "{\"rules\": [{\"kind\": \"alert_inhibit\", \"settings\": {\"source_filters\": " INHIBIT_SF
        ", \"equals\": []}}]}",
        "rules[0].equals must be an array of 1 to 20 keys");
    refuse(
        "{\"rules\": [{\"kind\": \"alert_inhibit\", \"settings\": {\"source_filters\": " INHIBIT_SF
        ", \"equals\": [\"labels.host\", \"host\"]}}]}",
        "rules[0].equals[1] must be severity, title, description, alert_key or labels.NAME");
    refuse(
        "{\"rules\": [{\"kind\": \"alert_inhibit\", \"settings\": {\"source_filters\": " INHIBIT_SF
        ", \"equals\": [\"labels.\"]}}]}",
        "rules[0].equals[0] must be severity, title, description, alert_key or labels.NAME");

    /* template sizes: 4096 bytes compile, 4097 do not */
    for (i = 0; i < 2; i++) {
        ah_buf_init(&b);
        ah_buf_printf(&b, "{\"rules\": [{\"kind\": \"title_reset\", \"settings\": {\"title\": \"");
        for (int k = 0; k < 4096 + i; k++)
            ah_buf_printf(&b, "x");
        ah_buf_printf(&b, "\"}}]}");
        text = ah_buf_steal(&b);
        if (i == 0)
            ah_pipeline_unref(compile(text));
        else
            refuse(text, "rules[0].title must be a template of 1 to 4096 bytes");
        ah_free(text);
    }
    /* 50 rules compile, 51 do not */
    for (i = 0; i < 2; i++) {
        ah_buf_init(&b);
        ah_buf_printf(&b, "{\"rules\": [");
        for (int k = 0; k < AH_PIPELINE_MAX_RULES + i; k++)
            ah_buf_printf(&b, "%s{\"kind\": \"alert_drop\"}", k ? "," : "");
        ah_buf_printf(&b, "]}");
        text = ah_buf_steal(&b);
        if (i == 0)
            ah_pipeline_unref(compile(text));
        else
            refuse(text, "rules must be an array of at most 50 rules");
        ah_free(text);
    }
    /* 10 alert_inhibit rules compile, the 11th is refused by its index */
    for (i = 0; i < 2; i++) {
        ah_buf_init(&b);
        ah_buf_printf(&b, "{\"rules\": [{\"kind\": \"alert_drop\", \"if\": [[{\"key\": \"title\","
                          " \"oper\": \"IN\", \"vals\": [\"never\"]}]]}");
        for (int k = 0; k < AH_PIPELINE_MAX_INHIBITS + i; k++)
            ah_buf_printf(&b, "," INHIBIT);
        ah_buf_printf(&b, "]}");
        text = ah_buf_steal(&b);
        if (i == 0)
            ah_pipeline_unref(compile(text));
        else
            refuse(text, "rules[11]: at most 10 alert_inhibit rules");
        ah_free(text);
    }
}

/* A bad filter (`if` or source_filters) is refused with the filter's
 * message, after the rule and field it belongs to. */
static void test_compile_refuse_filters(void **state)
{
    char bad_if[256], bad_source[256];

    (void)state;
    refuse_msg("{\"rules\": [{\"kind\": \"alert_drop\"}, {\"kind\": \"alert_drop\","
               " \"if\": [[{\"key\": \"nope\", \"oper\": \"IN\", \"vals\": [\"x\"]}]]}]}",
               bad_if);
    assert_non_null(strstr(bad_if, "filter group 1 condition 1: unrecognized key \"nope\""));
    /* `if` is an OR of AND groups here: a flat list is refused */
    refuse_msg("{\"rules\": [{\"kind\": \"alert_drop\","
               " \"if\": [{\"key\": \"title\", \"oper\": \"IN\", \"vals\": [\"x\"]}]}]}",
               bad_source);
    assert_non_null(strstr(bad_source, "filter group 1 must be an array of conditions"));
    refuse_msg("{\"rules\": [{\"kind\": \"alert_inhibit\", \"settings\": {\"source_filters\":"
               " [[{\"key\": \"title\", \"oper\": \"LIKE\", \"vals\": [\"x\"]}]],"
               " \"equals\": [\"title\"]}}]}",
               bad_source);
    assert_non_null(strstr(bad_source, "filter group 1 condition 1: oper must be IN or NOTIN"));
    assert_non_null(strstr(bad_if, "rules[1].if: "));
    assert_non_null(strstr(bad_source, "rules[0].source_filters: "));
}

static void test_compile_json(void **state)
{
    struct ah_pipeline *p, *r;
    json_t *want;

    (void)state;
    /* status defaults to enabled and is written out */
    p = compile("{\"rules\": [{\"kind\": \"alert_drop\"}]}");
    want = parse_json("{\"status\": \"enabled\", \"rules\": [{\"kind\": \"alert_drop\"}]}");
    assert_true(json_equal(ah_pipeline_json(p), want));
    json_decref(want);
    r = ah_pipeline_ref(p);
    assert_ptr_equal(r, p);
    ah_pipeline_unref(p);
    assert_non_null(ah_pipeline_json(r)); /* still whole */
    ah_pipeline_unref(r);
    ah_pipeline_unref(NULL);

    p = compile("{\"status\": \"disabled\", \"rules\": [" INHIBIT "]}");
    want = parse_json("{\"status\": \"disabled\", \"rules\": [" INHIBIT "]}");
    assert_true(json_equal(ah_pipeline_json(p), want));
    json_decref(want);
    ah_pipeline_unref(p);
}

/* ---- rewriting ---- */

static void test_severity_reset(void **state)
{
    struct ah_pipeline *p;
    struct ah_pipeline_verdict v;
    struct ah_event ev;

    (void)state;
    p = compile(
        "{\"rules\": [{\"kind\": \"severity_reset\", \"settings\": {\"severity\": \"Info\"},"
        " \"if\": [[{\"key\": \"labels.env\", \"oper\": \"IN\", \"vals\": [\"dev\"]}]]}]}");
    event(&ev, AH_SEV_CRITICAL, "t", NULL, "k", "{\"env\": \"dev\"}");
    ah_pipeline_apply(p, &ev, &(struct ah_integration){.id = 42}, &v);
    assert_int_equal(ev.severity, AH_SEV_INFO);
    verdict_clean(&v);
    ah_event_done(&ev);
    event(&ev, AH_SEV_CRITICAL, "t", NULL, "k", "{\"env\": \"prod\"}");
    ah_pipeline_apply(p, &ev, &(struct ah_integration){.id = 42}, &v);
    assert_int_equal(ev.severity, AH_SEV_CRITICAL);
    verdict_clean(&v);
    ah_event_done(&ev);
    ah_pipeline_unref(p);
}

/* Applies @rules to a Warning event "CPU high" / "over 90" with @labels;
 * the title and description must then be @want_title and @want_desc. */
static void rewrite_check(const char *rules, const char *labels, const char *want_title,
                          const char *want_desc)
{
    struct ah_pipeline *p = compile(rules);
    struct ah_pipeline_verdict v;
    struct ah_event ev;

    event(&ev, AH_SEV_WARNING, "CPU high", "over 90", "k-1", labels);
    ah_pipeline_apply(p, &ev, &(struct ah_integration){.id = 42}, &v);
    verdict_clean(&v);
    assert_string_equal(ev.title, want_title);
    if (want_desc == NULL)
        assert_null(ev.description);
    else
        assert_string_equal(ev.description, want_desc);
    /* the rest of the event is not a rewrite's business */
    assert_string_equal(ev.alert_key, "k-1");
    assert_int_equal(ev.severity, AH_SEV_WARNING);
    ah_event_done(&ev);
    ah_pipeline_unref(p);
}

static void test_title_reset(void **state)
{
    (void)state;
    rewrite_check("{\"rules\": [{\"kind\": \"title_reset\", \"settings\": {\"title\":"
                  " \"[TPL]{{.Labels.host}}: {{.Title}} ({{.EventSeverity}}, {{.AlertKey}})\"}}]}",
                  "{\"host\": \"db-1\"}", "db-1: CPU high (Warning, k-1)", "over 90");
    rewrite_check("{\"rules\": [{\"kind\": \"title_reset\", \"settings\": {\"title\":"
                  " \"$host::$check::$nope\"}}]}",
                  "{\"host\": \"db-1\", \"check\": \"cpu\"}", "db-1 / cpu / $nope", "over 90");
    rewrite_check("{\"rules\": [{\"kind\": \"title_reset\", \"settings\": {\"title\":"
                  " \"[TPL]${host} ${nope}\"}}]}",
                  "{\"host\": \"db-1\"}", "db-1 <no value>", "over 90");
    rewrite_check("{\"rules\": [{\"kind\": \"title_reset\", \"settings\": {\"title\":"
                  " \"plain text\"}}]}",
                  "{}", "plain text", "over 90");
    /* an empty rendering keeps the old title: an alert always has one */
    rewrite_check("{\"rules\": [{\"kind\": \"title_reset\", \"settings\": {\"title\":"
                  " \"[TPL]{{.Labels.nope}}\"}}]}",
                  "{}", "CPU high", "over 90");
}

static void test_description_reset(void **state)
{
    struct ah_pipeline *p;
    struct ah_pipeline_verdict v;
    struct ah_event ev;

    (void)state;
    rewrite_check("{\"rules\": [{\"kind\": \"description_reset\", \"settings\": {\"description\":"
                  " \"[TPL]{{.Description}} on {{.Labels.host}}; was: {{.Title}}\"}}]}",
                  "{\"host\": \"db-1\"}", "CPU high", "over 90 on db-1; was: CPU high");
    /* an empty rendering empties the description (only titles are kept) */
    rewrite_check("{\"rules\": [{\"kind\": \"description_reset\", \"settings\": {\"description\":"
                  " \"[TPL]{{.Labels.nope}}\"}}]}",
                  "{}", "CPU high", "");
    /* from no description at all */
    p = compile("{\"rules\": [{\"kind\": \"description_reset\", \"settings\": {\"description\":"
                " \"[TPL]<{{.Description}}>\"}}]}");
    event(&ev, AH_SEV_WARNING, "t", NULL, "k", "{}");
    ah_pipeline_apply(p, &ev, &(struct ah_integration){.id = 42}, &v);
    assert_string_equal(ev.description, "<>");
    ah_event_done(&ev);
    ah_pipeline_unref(p);
}

/* Rewrites are cut to AH_MAX_TITLE / AH_MAX_DESCRIPTION code points. */
static void test_rewrite_truncation(void **state)
{
    struct ah_pipeline *p;
    struct ah_pipeline_verdict v;
    struct ah_event ev;
    struct ah_buf b;
    int i;

    (void)state;
    ah_buf_init(&b);
    for (i = 0; i < 3000; i++)
        ah_buf_printf(&b, "é");
    p = compile("{\"rules\": [{\"kind\": \"title_reset\", \"settings\": {\"title\":"
                " \"[TPL]{{.Labels.long}}\"}}, {\"kind\": \"description_reset\","
                " \"settings\": {\"description\": \"[TPL]{{.Labels.long}}\"}}]}");
    event(&ev, AH_SEV_WARNING, "t", NULL, "k", "{}");
    ah_event_set_label(&ev, "long", ah_buf_str(&b));
    ah_pipeline_apply(p, &ev, &(struct ah_integration){.id = 42}, &v);
    assert_int_equal(ah_utf8_len(ev.title), AH_MAX_TITLE);
    assert_int_equal(strlen(ev.title), 2 * AH_MAX_TITLE);
    assert_int_equal(ah_utf8_len(ev.description), AH_MAX_DESCRIPTION);
    assert_int_equal(strlen(ev.description), 2 * AH_MAX_DESCRIPTION);
    assert_true(ah_utf8_valid(ev.description));
    ah_event_done(&ev);
    ah_pipeline_unref(p);
    ah_buf_done(&b);
}

/* ---- drop, Ok events, disabled ---- */

static void test_alert_drop(void **state)
{
    struct ah_pipeline *p;
    struct ah_pipeline_verdict v;
    struct ah_event ev;

    (void)state;
    p = compile("{\"rules\": ["
                " {\"kind\": \"severity_reset\", \"settings\": {\"severity\": \"Critical\"}},"
                " {\"kind\": \"title_reset\", \"settings\": {\"title\": \"first\"}},"
                " {\"kind\": \"alert_drop\", \"settings\": {},"
                "  \"if\": [[{\"key\": \"labels.env\", \"oper\": \"IN\", \"vals\": [\"dev\"]}]]},"
                " {\"kind\": \"severity_reset\", \"settings\": {\"severity\": \"Info\"}},"
                " " INHIBIT ","
                " {\"kind\": \"alert_drop\"},"
                " {\"kind\": \"title_reset\", \"settings\": {\"title\": \"never\"}}]}");
    /* dropped by rule 2: what rules 0 and 1 did stays, rules 3 on do not run */
    event(&ev, AH_SEV_WARNING, "t", NULL, "k", "{\"env\": \"dev\"}");
    memset(&v, 0x5a, sizeof(v));
    ah_pipeline_apply(p, &ev, &(struct ah_integration){.id = 42}, &v);
    assert_int_equal(v.dropped, 1);
    assert_int_equal(v.rule, 2);
    assert_int_equal(v.nchecks, 0);
    assert_int_equal(ev.severity, AH_SEV_CRITICAL);
    assert_string_equal(ev.title, "first");
    ah_event_done(&ev);
    /* not dev: rules 3 and 4 run, the unconditional drop at 5 stops 6 */
    event(&ev, AH_SEV_WARNING, "t", NULL, "k", "{\"env\": \"prod\", \"host\": \"db-1\"}");
    ah_pipeline_apply(p, &ev, &(struct ah_integration){.id = 42}, &v);
    assert_int_equal(v.dropped, 1);
    assert_int_equal(v.rule, 5);
    assert_int_equal(v.nchecks, 1);
    assert_int_equal(v.checks[0].rule, 4);
    assert_int_equal(ev.severity, AH_SEV_INFO);
    assert_string_equal(ev.title, "first");
    ah_event_done(&ev);
    ah_pipeline_unref(p);
}

static void test_ok_untouched(void **state)
{
    struct ah_pipeline *p;
    struct ah_pipeline_verdict v;
    struct ah_event ev;

    (void)state;
    p = compile(
        "{\"rules\": [{\"kind\": \"severity_reset\", \"settings\": {\"severity\": \"Info\"}},"
        " {\"kind\": \"title_reset\", \"settings\": {\"title\": \"new\"}},"
        " {\"kind\": \"description_reset\", \"settings\": {\"description\": \"new\"}},"
        " " INHIBIT ", {\"kind\": \"alert_drop\"}]}");
    event(&ev, AH_SEV_CRITICAL, "old", "old d", "k", "{\"host\": \"db-1\"}");
    ev.recovered = 1;
    memset(&v, 0x5a, sizeof(v));
    ah_pipeline_apply(p, &ev, &(struct ah_integration){.id = 42}, &v);
    verdict_clean(&v);
    assert_int_equal(ev.severity, AH_SEV_CRITICAL);
    assert_string_equal(ev.title, "old");
    assert_string_equal(ev.description, "old d");
    assert_int_equal(ev.recovered, 1);
    /* the same event firing: every rule applies */
    ev.recovered = 0;
    ah_pipeline_apply(p, &ev, &(struct ah_integration){.id = 42}, &v);
    assert_int_equal(v.dropped, 1);
    assert_int_equal(v.rule, 4);
    assert_int_equal(v.nchecks, 1);
    assert_int_equal(ev.severity, AH_SEV_INFO);
    assert_string_equal(ev.title, "new");
    assert_string_equal(ev.description, "new");
    ah_event_done(&ev);
    ah_pipeline_unref(p);
}

static void test_disabled(void **state)
{
    struct ah_pipeline *p;
    struct ah_pipeline_verdict v;
    struct ah_event ev;

    (void)state;
    p = compile("{\"status\": \"disabled\", \"rules\": [{\"kind\": \"severity_reset\","
                " \"settings\": {\"severity\": \"Info\"}}, {\"kind\": \"title_reset\","
                " \"settings\": {\"title\": \"new\"}}, " INHIBIT ", {\"kind\": \"alert_drop\"}]}");
    event(&ev, AH_SEV_CRITICAL, "old", NULL, "k", "{\"host\": \"db-1\"}");
    memset(&v, 0x5a, sizeof(v));
    ah_pipeline_apply(p, &ev, &(struct ah_integration){.id = 42}, &v);
    verdict_clean(&v);
    assert_int_equal(ev.severity, AH_SEV_CRITICAL);
    assert_string_equal(ev.title, "old");
    assert_null(ev.description);
    ah_event_done(&ev);
    ah_pipeline_unref(p);
}

/* Each rule sees the event as the rules before it left it. */
static void test_chaining(void **state)
{
    struct ah_pipeline *p;
    struct ah_pipeline_verdict v;
    struct ah_event ev;

    (void)state;
    p = compile(
        "{\"rules\": ["
        " {\"kind\": \"title_reset\", \"settings\": {\"title\": \"[TPL]{{.Labels.host}} down\"}},"
        " {\"kind\": \"severity_reset\", \"settings\": {\"severity\": \"Critical\"},"
        "  \"if\": [[{\"key\": \"title\", \"oper\": \"IN\", \"vals\": [\"db-1 down\"]}]]},"
        " {\"kind\": \"description_reset\", \"settings\": {\"description\":"
        "  \"[TPL]{{.EventSeverity}}: {{.Title}}\"},"
        "  \"if\": [[{\"key\": \"severity\", \"oper\": \"IN\", \"vals\": [\"Critical\"]}]]},"
        " {\"kind\": \"alert_drop\","
        "  \"if\": [[{\"key\": \"description\", \"oper\": \"IN\", \"vals\": [\"Critical: web-1 "
        "down\"]}]]}]}");
    event(&ev, AH_SEV_INFO, "x", NULL, "k", "{\"host\": \"db-1\"}");
    ah_pipeline_apply(p, &ev, &(struct ah_integration){.id = 42}, &v);
    verdict_clean(&v);
    assert_string_equal(ev.title, "db-1 down");
    assert_int_equal(ev.severity, AH_SEV_CRITICAL);
    assert_string_equal(ev.description, "Critical: db-1 down");
    ah_event_done(&ev);
    /* another host: the severity rule's `if` fails, so does the next */
    event(&ev, AH_SEV_INFO, "x", NULL, "k", "{\"host\": \"db-2\"}");
    ah_pipeline_apply(p, &ev, &(struct ah_integration){.id = 42}, &v);
    verdict_clean(&v);
    assert_string_equal(ev.title, "db-2 down");
    assert_int_equal(ev.severity, AH_SEV_INFO);
    assert_null(ev.description);
    ah_event_done(&ev);
    /* a Critical web-1: the drop sees the description rule 2 wrote */
    event(&ev, AH_SEV_CRITICAL, "x", NULL, "k", "{\"host\": \"web-1\"}");
    ah_pipeline_apply(p, &ev, &(struct ah_integration){.id = 42}, &v);
    assert_int_equal(v.dropped, 1);
    assert_int_equal(v.rule, 3);
    ah_event_done(&ev);
    ah_pipeline_unref(p);
}

/* ---- alert_inhibit checks ---- */

static void test_inhibit_checks(void **state)
{
    const char *two_canon = "{\"equals\":[\"labels.host\",\"labels.dc\"],\"source_filters\":"
                            "[[{\"key\":\"title\",\"oper\":\"IN\",\"vals\":[\"/down/\"]}]]}";
    const char *vals[2];
    char want[AH_PIPELINE_KEY_LEN];
    struct ah_pipeline *p;
    struct ah_pipeline_verdict v;
    struct ah_event ev;

    (void)state;
    p = compile(
        "{\"rules\": ["
        " {\"kind\": \"title_reset\", \"settings\": {\"title\": \"x\"}},"
        " " INHIBIT ","
        " {\"kind\": \"severity_reset\", \"settings\": {\"severity\": \"Info\"}},"
        " {\"kind\": \"alert_inhibit\", \"settings\": {\"source_filters\":"
        "  [[{\"key\": \"title\", \"oper\": \"IN\", \"vals\": [\"/down/\"]}]],"
        "  \"equals\": [\"labels.host\", \"labels.dc\"]},"
        "  \"if\": [[{\"key\": \"labels.env\", \"oper\": \"NOTIN\", \"vals\": [\"dev\"]}]]}]}");
    event(&ev, AH_SEV_WARNING, "t", NULL, "k", "{\"host\": \"db-1\", \"dc\": \"fra\"}");
    ah_pipeline_apply(p, &ev, &(struct ah_integration){.id = 42}, &v);
    assert_int_equal(v.dropped, 0);
    assert_int_equal(v.nchecks, 2);
    assert_int_equal(v.checks[0].rule, 1);
    assert_int_equal(v.checks[1].rule, 3);
    vals[0] = "db-1";
    want_key(want, 42, INHIBIT_CANON, vals, 1);
    assert_string_equal(v.checks[0].key, want);
    vals[1] = "fra";
    want_key(want, 42, two_canon, vals, 2);
    assert_string_equal(v.checks[1].key, want);
    /* the integration is part of the key */
    ah_pipeline_apply(p, &ev, &(struct ah_integration){.id = 7}, &v);
    vals[0] = "db-1";
    want_key(want, 7, INHIBIT_CANON, vals, 1);
    assert_string_equal(v.checks[0].key, want);
    assert_int_equal(strncmp(v.checks[0].key, "7:", 2), 0);
    ah_event_done(&ev);

    /* a missing value counts as empty; the `if` of rule 3 fails for dev */
    event(&ev, AH_SEV_WARNING, "t", NULL, "k", "{\"env\": \"dev\"}");
    ah_pipeline_apply(p, &ev, &(struct ah_integration){.id = 42}, &v);
    assert_int_equal(v.nchecks, 1);
    assert_int_equal(v.checks[0].rule, 1);
    vals[0] = "";
    want_key(want, 42, INHIBIT_CANON, vals, 1);
    assert_string_equal(v.checks[0].key, want);
    ah_event_set_label(&ev, "host", "");
    ah_pipeline_apply(p, &ev, &(struct ah_integration){.id = 42}, &v);
    assert_string_equal(v.checks[0].key, want);
    ah_event_done(&ev);

    /* "a" + "bc" and "ab" + "c" are different values */
    {
        char k1[AH_PIPELINE_KEY_LEN];

        event(&ev, AH_SEV_WARNING, "t", NULL, "k", "{\"host\": \"a\", \"dc\": \"bc\"}");
        ah_pipeline_apply(p, &ev, &(struct ah_integration){.id = 42}, &v);
        assert_int_equal(v.nchecks, 2);
        memcpy(k1, v.checks[1].key, sizeof(k1));
        ah_event_set_label(&ev, "host", "ab");
        ah_event_set_label(&ev, "dc", "c");
        ah_pipeline_apply(p, &ev, &(struct ah_integration){.id = 42}, &v);
        assert_string_not_equal(v.checks[1].key, k1);
        ah_event_done(&ev);
    }
    ah_pipeline_unref(p);

    /* ten inhibit rules: ten checks, in order */
    {
        struct ah_buf b;
        char *text;
        int i;

        ah_buf_init(&b);
        ah_buf_printf(&b, "{\"rules\": [");
        for (i = 0; i < AH_PIPELINE_MAX_INHIBITS; i++)
            ah_buf_printf(&b, "%s" INHIBIT, i ? "," : "");
        ah_buf_printf(&b, "]}");
        text = ah_buf_steal(&b);
        p = compile(text);
        ah_free(text);
        event(&ev, AH_SEV_WARNING, "t", NULL, "k", "{\"host\": \"db-1\"}");
        ah_pipeline_apply(p, &ev, &(struct ah_integration){.id = 42}, &v);
        assert_int_equal(v.nchecks, AH_PIPELINE_MAX_INHIBITS);
        for (i = 0; i < AH_PIPELINE_MAX_INHIBITS; i++) {
            assert_int_equal(v.checks[i].rule, i);
            assert_string_equal(v.checks[i].key, v.checks[0].key);
        }
        ah_event_done(&ev);
        ah_pipeline_unref(p);
    }
}

/* ---- the writer's memory of sources ---- */

static const json_t *host_labels(const char *host)
{
    static json_t *l;

    json_decref(l);
    l = host ? json_pack("{ss}", "host", host) : NULL;
    return l;
}

/* A stored Critical alert of integration 42 with @alert_key on @host. */
static struct ah_filter_subject source(const char *alert_key, const char *host)
{
    return (struct ah_filter_subject){.severity = "Critical",
                                      .title = "db down",
                                      .alert_key = alert_key,
                                      .integration_id = 42,
                                      .labels = host_labels(host)};
}

/* The check key that a Warning event of integration 42 on @host gets from
 * @p (which must have exactly one matching inhibit rule). */
static void target_key(const struct ah_pipeline *p, const char *host, char out[AH_PIPELINE_KEY_LEN])
{
    struct ah_pipeline_verdict v;
    struct ah_event ev;

    event(&ev, AH_SEV_WARNING, "t", NULL, "tgt-1", "{}");
    ah_event_set_label(&ev, "host", host);
    ah_pipeline_apply(p, &ev, &(struct ah_integration){.id = 42}, &v);
    assert_int_equal(v.nchecks, 1);
    memcpy(out, v.checks[0].key, AH_PIPELINE_KEY_LEN);
    ah_event_done(&ev);
}

static void test_sources_find(void **state)
{
    struct ah_pipe_sources *s = ah_pipe_sources_new();
    struct ah_pipeline *p = compile("{\"rules\": [" INHIBIT "]}");
    struct opener o = {.open = {{11, "src-1", 555}}, .nopen = 1};
    char key[AH_PIPELINE_KEY_LEN], want[AH_PIPELINE_KEY_LEN];
    const char *vals[] = {"db-1"};
    struct ah_filter_subject a = source("src-1", "db-1");

    (void)state;
    target_key(p, "db-1", key);
    want_key(want, 42, INHIBIT_CANON, vals, 1);
    assert_string_equal(key, want);
    /* nothing noted yet */
    assert_int_equal(ah_pipe_sources_find(s, key, "tgt-1", 1000, is_open, &o), 0);
    assert_int_equal(o.calls, 0);

    ah_pipe_sources_note(s, p, &a, 11, 1000);
    /* open and fresh: found, and the callback was asked about the source */
    assert_int_equal(ah_pipe_sources_find(s, key, "tgt-1", 1000, is_open, &o), 555);
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.last_channel, 11);
    assert_string_equal(o.last_key, "src-1");
    /* a target without an alert key yet */
    assert_int_equal(ah_pipe_sources_find(s, key, NULL, 1000, is_open, &o), 555);
    /* still fresh at exactly AH_PIPELINE_SOURCE_AGE, too old one second after */
    assert_int_equal(
        ah_pipe_sources_find(s, key, "tgt-1", 1000 + AH_PIPELINE_SOURCE_AGE, is_open, &o), 555);
    o.calls = 0;
    assert_int_equal(
        ah_pipe_sources_find(s, key, "tgt-1", 1000 + AH_PIPELINE_SOURCE_AGE + 1, is_open, &o), 0);
    assert_int_equal(o.calls, 0);
    /* closed meanwhile: the callback says so */
    o.nopen = 0;
    assert_int_equal(ah_pipe_sources_find(s, key, "tgt-1", 1000, is_open, &o), 0);
    assert_int_equal(o.calls, 1);
    o.nopen = 1;
    /* an alert never inhibits itself */
    o.calls = 0;
    assert_int_equal(ah_pipe_sources_find(s, key, "src-1", 1000, is_open, &o), 0);
    assert_int_equal(o.calls, 0);
    /* another key: nothing */
    assert_int_equal(ah_pipe_sources_find(s, "42:nope:nope", "tgt-1", 1000, is_open, &o), 0);

    /* noting again refreshes */
    ah_pipe_sources_note(s, p, &a, 11, 1500);
    assert_int_equal(ah_pipe_sources_find(s, key, "tgt-1", 2000, is_open, &o), 555);

    /* a second source: the target that is itself src-1 finds src-2 */
    o.open[1].channel = 12;
    o.open[1].key = "src-2";
    o.open[1].id = 777;
    o.nopen = 2;
    a = source("src-2", "db-1");
    ah_pipe_sources_note(s, p, &a, 12, 1500);
    assert_int_equal(ah_pipe_sources_find(s, key, "src-1", 1500, is_open, &o), 777);
    assert_int_equal(o.last_channel, 12);
    assert_string_equal(o.last_key, "src-2");

    ah_pipe_sources_free(s);
    ah_pipe_sources_free(NULL);
    ah_pipeline_unref(p);
    host_labels(NULL);
}

/* What makes a source count or not, and which keys it lands under. */
static void test_sources_keys(void **state)
{
    struct ah_pipe_sources *s = ah_pipe_sources_new();
    struct ah_pipeline *p = compile("{\"rules\": [" INHIBIT "]}");
    /* another pipeline with the same inhibit rule at another index, with
     * its own `if` and other rules around it */
    struct ah_pipeline *same =
        compile("{\"rules\": [{\"kind\": \"title_reset\", \"settings\": {\"title\": \"x\"}},"
                " {\"kind\": \"alert_drop\", \"if\": [[{\"key\": \"title\", \"oper\": \"IN\","
                "  \"vals\": [\"never\"]}]]},"
                " {\"kind\": \"alert_inhibit\", \"if\": [[{\"key\": \"severity\", \"oper\": \"IN\","
                "  \"vals\": [\"Warning\"]}]], \"settings\": {\"equals\": [\"labels.host\"],"
                "  \"source_filters\": " INHIBIT_SF "}}]}");
    /* the same filters but another equals list */
    struct ah_pipeline *other = compile(
        "{\"rules\": [{\"kind\": \"alert_inhibit\", \"settings\": {\"source_filters\": " INHIBIT_SF
        ", \"equals\": [\"labels.host\", \"title\"]}}]}");
    struct ah_pipeline *off = compile("{\"status\": \"disabled\", \"rules\": [" INHIBIT "]}");
    struct opener o = {.open = {{11, "src-1", 555}, {11, "src-w", 556}, {11, "src-9", 557}},
                       .nopen = 3};
    char k1[AH_PIPELINE_KEY_LEN], k2[AH_PIPELINE_KEY_LEN], ks[AH_PIPELINE_KEY_LEN],
        ko[AH_PIPELINE_KEY_LEN];
    struct ah_filter_subject a;

    (void)state;
    target_key(p, "db-1", k1);
    target_key(p, "db-2", k2);
    target_key(same, "db-1", ks);
    target_key(other, "db-1", ko);
    assert_string_not_equal(k1, k2);     /* different equals values */
    assert_string_equal(k1, ks);         /* the same rule content */
    assert_string_not_equal(k1, ko);     /* other rule content */
    assert_memory_equal(k1, k2, 3 + 32); /* same integration and rule digest */

    a = source("src-1", "db-1");
    ah_pipe_sources_note(s, p, &a, 11, 1000);
    /* found through the other pipeline's key as well */
    assert_int_equal(ah_pipe_sources_find(s, ks, "tgt-1", 1000, is_open, &o), 555);
    /* not for a target on another host */
    assert_int_equal(ah_pipe_sources_find(s, k2, "tgt-1", 1000, is_open, &o), 0);
    /* not under the other rule */
    assert_int_equal(ah_pipe_sources_find(s, ko, "tgt-1", 1000, is_open, &o), 0);

    /* a source noted through `same` serves p */
    a = source("src-9", "db-2");
    ah_pipe_sources_note(s, same, &a, 11, 1000);
    assert_int_equal(ah_pipe_sources_find(s, k2, "tgt-1", 1000, is_open, &o), 557);

    /* an alert that does not match source_filters is no source */
    {
        struct ah_pipe_sources *t = ah_pipe_sources_new();

        a = source("src-w", "db-1");
        a.severity = "Warning";
        ah_pipe_sources_note(t, p, &a, 11, 1000);
        assert_int_equal(ah_pipe_sources_find(t, k1, "tgt-1", 1000, is_open, &o), 0);
        /* nor through a disabled pipeline, nor without an alert key */
        a = source("src-w", "db-1");
        ah_pipe_sources_note(t, off, &a, 11, 1000);
        assert_int_equal(ah_pipe_sources_find(t, k1, "tgt-1", 1000, is_open, &o), 0);
        a.alert_key = NULL;
        ah_pipe_sources_note(t, p, &a, 11, 1000);
        assert_int_equal(ah_pipe_sources_find(t, k1, "tgt-1", 1000, is_open, &o), 0);
        /* of another integration: another key */
        a = source("src-w", "db-1");
        a.integration_id = 43;
        ah_pipe_sources_note(t, p, &a, 11, 1000);
        assert_int_equal(ah_pipe_sources_find(t, k1, "tgt-1", 1000, is_open, &o), 0);
        /* the control: the same alert as it should be */
        a.integration_id = 42;
        ah_pipe_sources_note(t, p, &a, 11, 1000);
        assert_int_equal(ah_pipe_sources_find(t, k1, "tgt-1", 1000, is_open, &o), 556);
        ah_pipe_sources_free(t);
    }

    ah_pipe_sources_free(s);
    ah_pipeline_unref(p);
    ah_pipeline_unref(same);
    ah_pipeline_unref(other);
    ah_pipeline_unref(off);
    host_labels(NULL);
}

/* Many sources under one key: the stalest gives its place to a new one. */
static void test_sources_slots(void **state)
{
    struct ah_pipe_sources *s = ah_pipe_sources_new();
    struct ah_pipeline *p = compile("{\"rules\": [" INHIBIT "]}");
    char key[AH_PIPELINE_KEY_LEN], names[9][8];
    struct opener o = {.nopen = 1};
    struct ah_filter_subject a;
    int i;

    (void)state;
    target_key(p, "db-1", key);
    for (i = 0; i < 9; i++) {
        snprintf(names[i], sizeof(names[i]), "s%d", i);
        a = source(names[i], "db-1");
        ah_pipe_sources_note(s, p, &a, 11, 1000 + i);
    }
    /* s0, noted first, was replaced by s8; every other is still known */
    for (i = 0; i < 9; i++) {
        o.open[0].channel = 11;
        o.open[0].key = names[i];
        o.open[0].id = 100 + i;
        assert_int_equal(ah_pipe_sources_find(s, key, "tgt-1", 1010, is_open, &o),
                         i == 0 ? 0 : 100 + i);
    }
    ah_pipe_sources_free(s);
    ah_pipeline_unref(p);
    host_labels(NULL);
}

/* After 4096 notes with 4096 keys, sets whose sources are all too old are
 * forgotten; fresh ones stay. */
static void test_sources_sweep(void **state)
{
    struct ah_pipe_sources *s = ah_pipe_sources_new();
    struct ah_pipeline *p = compile("{\"rules\": [" INHIBIT "]}");
    struct opener o = {.open = {{11, "old-0", 1}, {11, "keep", 2}, {11, "new", 3}}, .nopen = 3};
    char k_old[AH_PIPELINE_KEY_LEN], k_keep[AH_PIPELINE_KEY_LEN], k_new[AH_PIPELINE_KEY_LEN];
    struct ah_filter_subject a;
    char host[16];
    int i;

    (void)state;
    a = source("old-0", "h0");
    ah_pipe_sources_note(s, p, &a, 11, 0);
    for (i = 1; i < 4094; i++) {
        snprintf(host, sizeof(host), "h%d", i);
        a = source("old", host);
        ah_pipe_sources_note(s, p, &a, 11, 0);
    }
    a = source("keep", "keep-host");
    ah_pipe_sources_note(s, p, &a, 11, 900);
    target_key(p, "h0", k_old);
    target_key(p, "keep-host", k_keep);
    target_key(p, "new-host", k_new);
    /* before the sweep, h0 is known (asked at its own time) */
    assert_int_equal(ah_pipe_sources_find(s, k_old, "tgt-1", 0, is_open, &o), 1);
    /* the 4096th note, the 4096th key */
    a = source("new", "new-host");
    ah_pipe_sources_note(s, p, &a, 11, 1000);
    assert_int_equal(ah_pipe_sources_find(s, k_keep, "tgt-1", 1000, is_open, &o), 2);
    assert_int_equal(ah_pipe_sources_find(s, k_new, "tgt-1", 1000, is_open, &o), 3);
    /* h0 is gone: not even a lookup at its own time finds it now */
    assert_int_equal(ah_pipe_sources_find(s, k_old, "tgt-1", 0, is_open, &o), 0);
    ah_pipe_sources_free(s);
    ah_pipeline_unref(p);
    host_labels(NULL);
}

/* alert_inhibit without source_filters is refused: inhibiting by any alert
 * must be asked for ([]), not fall out of a forgotten field. */
static void test_inhibit_without_source_filters(void **state)
{
    char msg[256];

    (void)state;
    refuse_msg("{\"rules\": [{\"kind\": \"alert_inhibit\","
               " \"settings\": {\"equals\": [\"labels.host\"]}}]}",
               msg);
    assert_non_null(strstr(msg, "rules[0].source_filters is required"));
}

int main(void)
{
    /* clang-format off */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compile_refuse),
        cmocka_unit_test(test_compile_json),
        cmocka_unit_test(test_severity_reset),
        cmocka_unit_test(test_title_reset),
        cmocka_unit_test(test_description_reset),
        cmocka_unit_test(test_rewrite_truncation),
        cmocka_unit_test(test_alert_drop),
        cmocka_unit_test(test_ok_untouched),
        cmocka_unit_test(test_disabled),
        cmocka_unit_test(test_chaining),
        cmocka_unit_test(test_inhibit_checks),
        cmocka_unit_test(test_sources_find),
        cmocka_unit_test(test_sources_keys),
        cmocka_unit_test(test_sources_slots),
        cmocka_unit_test(test_sources_sweep),
        cmocka_unit_test(test_compile_refuse_filters),
        cmocka_unit_test(test_inhibit_without_source_filters),
    };
    /* clang-format on */

    return cmocka_run_group_tests(tests, NULL, NULL);
}
