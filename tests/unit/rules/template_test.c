/* template_test.c - title templates (rules/template.c): each syntax, each
 * missing-variable rule, and the examples of spec section 11.1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "rules/template.h"
#include "util/alloc.h"

#include <string.h>

static json_t *labels;

static int setup(void **state)
{
    (void)state;
    labels = json_pack("{ss ss ss ss ss}", "resource", "127.0.0.1", "check", "cpu idle low", "a.b",
                       "dotted", "主机", "服务器一", "k-1", "dash");
    return labels ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    json_decref(labels);
    return 0;
}

static const struct ah_template_vars vars_full = {
    .title = "the title",
    .description = "the description",
    .event_severity = "Critical",
    .event_status = "Ok",
    .alert_key = "key-1",
    .title_rule = "the rule",
    .integration_type = "standard",
    .integration_name = "my integration",
};

/* Renders @tpl with the shared labels and checks the result. */
static void expect(const char *tpl, const char *want)
{
    struct ah_template_vars v = vars_full;
    char *got;

    v.labels = labels;
    got = ah_template_render(tpl, &v);
    assert_string_equal(got, want);
    ah_free(got);
}

static void test_literal(void **state)
{
    (void)state;
    expect("cpu idle low than 20%", "cpu idle low than 20%");
    expect("", "");
    expect("costs 5$ and ${resource}", "costs 5$ and ${resource}");
    expect("see {{.Labels.resource}}", "see {{.Labels.resource}}");
    expect("a: b", "a: b");
    expect("TPL] {{.Title}}", "TPL] {{.Title}}");
}

static void test_spec_examples(void **state)
{
    (void)state;
    expect("$resource::$check", "127.0.0.1 / cpu idle low");
    expect("[TPL]${resource} / ${check}", "127.0.0.1 / cpu idle low");
    expect("[TPL]{{.Labels.resource}} / {{.Labels.check}}", "127.0.0.1 / cpu idle low");
}

static void test_simplified(void **state)
{
    (void)state;
    expect("$resource", "127.0.0.1");
    expect("  $resource  ::  $check ", "127.0.0.1 / cpu idle low");
    expect("host::$resource", "host / 127.0.0.1");
    expect("$resource::$missing", "127.0.0.1 / $missing");
    expect("$missing", "$missing");
    expect("$::x", "$ / x");
    expect("a::::b", "a /  / b");
    expect("$主机::$a.b", "服务器一 / dotted");
    expect("$resource is down", "$resource is down");
}

static void test_dollar(void **state)
{
    (void)state;
    expect("[TPL]${missing}", "<no value>");
    expect("[TPL]${ resource }", "127.0.0.1");
    expect("[TPL]${}", "<no value>");
    expect("[TPL]${主机} up", "服务器一 up");
    expect("[TPL]cost $5 ${resource", "cost $5 ${resource");
    expect("[TPL]${${resource}", "${127.0.0.1");
    expect("[TPL]$resource::$check", "$resource::$check");
}

static void test_marker(void **state)
{
    (void)state;
    expect("[ TPL ]${resource}", "127.0.0.1");
    expect("[TPL] ${resource}", " 127.0.0.1");
    expect(" [TPL]${resource}", "127.0.0.1");
    expect("[tpl]${resource}", "[tpl]${resource}");
    expect("[TPL]", "");
}

static void test_fields(void **state)
{
    (void)state;
    expect("[TPL]{{.Title}}|{{.Description}}|{{.EventSeverity}}|{{.EventStatus}}",
           "the title|the description|Critical|Ok");
    expect("[TPL]{{.AlertKey}}|{{.TitleRule}}|{{.IntegrationType}}|{{.IntegrationName}}",
           "key-1|the rule|standard|my integration");
}

static void test_fields_missing(void **state)
{
    struct ah_template_vars v = {.labels = NULL};
    char *got;

    (void)state;
    got = ah_template_render("[TPL]<{{.Title}}{{.Description}}{{.AlertKey}}{{.Labels.x}}>", &v);
    assert_string_equal(got, "<>");
    ah_free(got);
    got = ah_template_render("[TPL]${x}|$x::y", NULL);
    assert_string_equal(got, "<no value>|$x::y");
    ah_free(got);
    got = ah_template_render("$x::y", NULL);
    assert_string_equal(got, "$x / y");
    ah_free(got);
}

static void test_labels(void **state)
{
    (void)state;
    expect("[TPL]{{.Labels.missing}}!", "!");
    expect("[TPL]{{ .Labels.resource }}", "127.0.0.1");
    expect("[TPL]{{.Labels.a.b}}", "dotted");
    expect("[TPL]{{.Labels.k-1}}", "dash");
    expect("[TPL]{{.Labels.主机}}", "服务器一");
    expect("[TPL]{{   .Title\t}}", "the title");
}

static void test_index(void **state)
{
    (void)state;
    expect("[TPL]{{index .Labels \"a.b\"}}", "dotted");
    expect("[TPL]{{ index  .Labels  \"resource\" }}", "127.0.0.1");
    expect("[TPL]{{index .Labels `check`}}", "cpu idle low");
    expect("[TPL]{{index .Labels \"missing\"}}.", ".");
    expect("[TPL]{{index .Labels \"主机\"}}", "服务器一");
}

static void test_unrecognised(void **state)
{
    (void)state;
    expect("[TPL]{{.Unknown}} x", "{{.Unknown}} x");
    expect("[TPL]{{ if .Title }}y{{ end }}", "{{ if .Title }}y{{ end }}");
    expect("[TPL]{{.Labels}}", "{{.Labels}}");
    expect("[TPL]{{.Labels.}}", "{{.Labels.}}");
    expect("[TPL]{{.Labels.a | upper}}", "{{.Labels.a | upper}}");
    expect("[TPL]{{index .Labels \"a\" \"b\"}}", "{{index .Labels \"a\" \"b\"}}");
    expect("[TPL]{{index .Labels a}}", "{{index .Labels a}}");
    expect("[TPL]{{indexx .Labels \"a\"}}", "{{indexx .Labels \"a\"}}");
    expect("[TPL]{{index .Labels \"a\\\"b\"}}", "{{index .Labels \"a\\\"b\"}}");
    expect("[TPL]{{.Title", "{{.Title");
    expect("[TPL]{{ {{.Title}}", "{{ the title");
    expect("[TPL]}}{{.Title}}}}", "}}the title}}");
}

static void test_no_rescan(void **state)
{
    json_t *l = json_pack("{ss ss}", "a", "${b}", "b", "B");
    struct ah_template_vars v = {.labels = l};
    char *got;

    (void)state;
    got = ah_template_render("[TPL]${a} {{.Labels.a}}", &v);
    assert_string_equal(got, "${b} ${b}");
    ah_free(got);
    json_decref(l);
}

static void test_non_string_label(void **state)
{
    json_t *l = json_pack("{si}", "n", 5);
    struct ah_template_vars v = {.labels = l};
    char *got;

    (void)state;
    got = ah_template_render("[TPL]${n}|{{.Labels.n}}", &v);
    assert_string_equal(got, "<no value>|");
    ah_free(got);
    json_decref(l);
}

/* A template that repeats a large label is capped at 64 KiB, cut on a code
 * point boundary. */
static void test_output_cap(void **state)
{
    char big[3001];
    json_t *l;
    struct ah_template_vars v;
    char *tpl, *got;
    size_t i;

    (void)state;
    for (i = 0; i + 3 <= 3000; i += 3)
        memcpy(big + i, "\xe4\xb8\x80", 3); /* U+4E00 */
    big[3000] = '\0';
    l = json_pack("{ss}", "x", big);
    v = (struct ah_template_vars){.labels = l};
    tpl = ah_xcalloc(1, 5 + 4 * 100 + 1);
    memcpy(tpl, "[TPL]", 5);
    for (i = 0; i < 100; i++)
        memcpy(tpl + 5 + 4 * i, "${x}", 4);
    got = ah_template_render(tpl, &v);
    assert_true(strlen(got) <= 64 * 1024);
    assert_true(strlen(got) > 64 * 1024 - 3);
    assert_int_equal(strlen(got) % 3, 0);
    ah_free(got);
    ah_free(tpl);
    json_decref(l);
}

/* Inputs that would make a naive scanner quadratic finish quickly. */
static void test_hostile_linear(void **state)
{
    size_t n = 1 << 20, i;
    char *tpl = ah_xmalloc(n + 1);
    char *got;

    (void)state;
    memcpy(tpl, "[TPL]", 5);
    for (i = 5; i < n; i++)
        tpl[i] = (i % 2) ? '$' : '{';
    tpl[n - 1] = '}';
    tpl[n] = '\0';
    got = ah_template_render(tpl, NULL);
    assert_true(strlen(got) <= 64 * 1024);
    ah_free(got);
    for (i = 5; i < n; i++)
        tpl[i] = '{';
    got = ah_template_render(tpl, NULL);
    assert_true(strlen(got) <= 64 * 1024);
    ah_free(got);
    ah_free(tpl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literal),        cmocka_unit_test(test_spec_examples),
        cmocka_unit_test(test_simplified),     cmocka_unit_test(test_dollar),
        cmocka_unit_test(test_marker),         cmocka_unit_test(test_fields),
        cmocka_unit_test(test_fields_missing), cmocka_unit_test(test_labels),
        cmocka_unit_test(test_index),          cmocka_unit_test(test_unrecognised),
        cmocka_unit_test(test_no_rescan),      cmocka_unit_test(test_non_string_label),
        cmocka_unit_test(test_output_cap),     cmocka_unit_test(test_hostile_linear),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
