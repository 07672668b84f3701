/* push_test.c - ah_push_prepare and alert-key derivation (ingest/push.c):
 * overrides, title rendering, the Ok-without-key refusal and event counts,
 * with the standard adapter and small fake adapters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ingest/adapter.h"
#include "ingest/push.h"
#include "util/alloc.h"
#include "util/hex.h"
#include "util/sha256.h"

#include <string.h>

static const struct ah_push_integration intg = {.id = 42, .name = "prod", .type = "standard"};

static int prepare_ov(const char *json, const char *severity, const char *title_rule,
                      struct ah_event_list *out, struct ah_error *err)
{
    json_t *body = json_loads(json, 0, NULL);
    struct ah_push_input in = {.body = body};
    struct ah_push_overrides ov = {.severity = severity, .title_rule = title_rule};
    int rc;

    assert_non_null(body);
    ah_event_list_init(out);
    ah_error_clear(err);
    rc = ah_push_prepare(&ah_adapter_standard, &in, &ov, &intg, out, err);
    json_decref(body);
    return rc;
}

static void test_derive_format(void **state)
{
    json_t *labels = json_pack("{ss ss}", "b", "2", "a", "1");
    /* NUL-separated fields, labels sorted by name (sizeof keeps the NULs) */
    static const char pre[] = "42\0hello\0a\0"
                              "1\0b\0"
                              "2";
    unsigned char digest[AH_SHA256_LEN];
    char want[33];
    char *key;

    (void)state;
    ah_sha256(pre, sizeof(pre), digest);
    ah_hex_encode(digest, 16, want);
    key = ah_push_derive_alert_key(42, "hello", labels);
    assert_int_equal(strlen(key), 32);
    assert_string_equal(key, want);
    ah_free(key);
    json_decref(labels);
}

static void test_derive_deterministic(void **state)
{
    json_t *l[4] = {
        json_pack("{ss ss ss}", "host", "a", "check", "cpu", "dc", "x"),
        json_pack("{ss ss ss}", "dc", "x", "check", "cpu", "host", "a"),
        json_pack("{ss ss ss}", "dc", "y", "check", "cpu", "host", "a"),
        json_object(),
    };
    char *k[7] = {
        ah_push_derive_alert_key(1, "t", l[0]),  ah_push_derive_alert_key(1, "t", l[1]),
        ah_push_derive_alert_key(1, "t2", l[0]), ah_push_derive_alert_key(2, "t", l[0]),
        ah_push_derive_alert_key(1, "t", l[2]),  ah_push_derive_alert_key(1, "t", l[3]),
        ah_push_derive_alert_key(1, "t", NULL),
    };
    size_t i;

    (void)state;
    assert_string_equal(k[0], k[1]);     /* insertion order does not matter */
    assert_string_not_equal(k[0], k[2]); /* title */
    assert_string_not_equal(k[0], k[3]); /* integration */
    assert_string_not_equal(k[0], k[4]); /* a label value */
    assert_string_not_equal(k[0], k[5]); /* no labels */
    assert_string_equal(k[5], k[6]);     /* NULL labels are no labels */
    for (i = 0; i < 7; i++)
        ah_free(k[i]);
    for (i = 0; i < 4; i++)
        json_decref(l[i]);
}

/* The same push twice, labels in another order: the same alert key. */
static void test_prepare_deterministic(void **state)
{
    struct ah_event_list a, b;
    struct ah_error err;

    (void)state;
    assert_int_equal(prepare_ov("{\"event_status\":\"Critical\",\"title_rule\":\"t\","
                                "\"labels\":{\"x\":\"1\",\"y\":\"2\"}}",
                                NULL, NULL, &a, &err),
                     AH_OK);
    assert_int_equal(prepare_ov("{\"event_status\":\"Warning\",\"title_rule\":\"t\","
                                "\"labels\":{\"y\":\"2\",\"x\":\"1\"}}",
                                NULL, NULL, &b, &err),
                     AH_OK);
    assert_string_equal(a.items[0].alert_key, b.items[0].alert_key);
    ah_event_list_done(&a);
    ah_event_list_done(&b);
}

/* The key is derived from the rendered title, not from the template. */
static void test_key_uses_rendered_title(void **state)
{
    struct ah_event_list out;
    struct ah_error err;
    char *want;

    (void)state;
    assert_int_equal(
        prepare_ov("{\"event_status\":\"Critical\",\"title_rule\":\"$resource::$check\","
                   "\"labels\":{\"resource\":\"127.0.0.1\",\"check\":\"cpu idle low\"}}",
                   NULL, NULL, &out, &err),
        AH_OK);
    assert_string_equal(out.items[0].title, "127.0.0.1 / cpu idle low");
    want = ah_push_derive_alert_key(42, "127.0.0.1 / cpu idle low", out.items[0].labels);
    assert_string_equal(out.items[0].alert_key, want);
    ah_free(want);
    ah_event_list_done(&out);
}

static void test_severity_override(void **state)
{
    struct ah_event_list out;
    struct ah_error err;

    (void)state;
    assert_int_equal(prepare_ov("{\"event_status\":\"Critical\",\"title_rule\":\"t\"}", "Info",
                                NULL, &out, &err),
                     AH_OK);
    assert_int_equal(out.items[0].severity, AH_SEV_INFO);
    assert_int_equal(out.items[0].recovered, 0);
    ah_event_list_done(&out);
    /* an Ok event records the level but stays a recovery */
    assert_int_equal(
        prepare_ov("{\"event_status\":\"Ok\",\"title_rule\":\"t\",\"alert_key\":\"k\"}", "Critical",
                   NULL, &out, &err),
        AH_OK);
    assert_int_equal(out.items[0].severity, AH_SEV_CRITICAL);
    assert_int_equal(out.items[0].recovered, 1);
    ah_event_list_done(&out);
}

static void test_bad_severity_override(void **state)
{
    static const char *bad[] = {"warning", "Ok", "", "CRITICAL", "Critical "};
    struct ah_event_list out;
    struct ah_error err;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(prepare_ov("{\"event_status\":\"Critical\",\"title_rule\":\"t\"}", bad[i],
                                    NULL, &out, &err),
                         AH_EINVAL);
        assert_string_equal(err.msg, "severity must be one of Critical, Warning, Info");
        ah_event_list_done(&out);
    }
}

static void test_title_rule_override(void **state)
{
    struct ah_event_list out;
    struct ah_error err;

    (void)state;
    assert_int_equal(prepare_ov("{\"event_status\":\"Warning\",\"title_rule\":\"body title\","
                                "\"alert_key\":\"k9\",\"labels\":{\"host\":\"web1\"}}",
                                NULL,
                                "[TPL]{{.Labels.host}} {{.EventSeverity}} {{.AlertKey}} "
                                "{{.IntegrationName}}/{{.IntegrationType}} ${nope}",
                                &out, &err),
                     AH_OK);
    assert_string_equal(out.items[0].title, "web1 Warning k9 prod/standard <no value>");
    assert_string_equal(out.items[0].title_rule, "[TPL]{{.Labels.host}} {{.EventSeverity}} "
                                                 "{{.AlertKey}} {{.IntegrationName}}/"
                                                 "{{.IntegrationType}} ${nope}");
    ah_event_list_done(&out);
    /* an empty override is no override */
    assert_int_equal(
        prepare_ov("{\"event_status\":\"Info\",\"title_rule\":\"kept\"}", NULL, "", &out, &err),
        AH_OK);
    assert_string_equal(out.items[0].title, "kept");
    ah_event_list_done(&out);
}

static void test_template_fields(void **state)
{
    struct ah_event_list out;
    struct ah_error err;

    (void)state;
    assert_int_equal(
        prepare_ov("{\"event_status\":\"Ok\",\"title_rule\":"
                   "\"[TPL]{{.Title}}|{{.TitleRule}}|{{.EventStatus}}|{{.Description}}\","
                   "\"alert_key\":\"k\",\"description\":\"d\"}",
                   NULL, NULL, &out, &err),
        AH_OK);
    /* .Title is the title before rendering: none yet for the body's own rule */
    assert_string_equal(out.items[0].title,
                        "|[TPL]{{.Title}}|{{.TitleRule}}|{{.EventStatus}}|{{.Description}}|Ok|d");
    ah_event_list_done(&out);
}

/* A template whose every variable is missing falls back to its own text
 * instead of refusing the event for an empty title. */
static void test_empty_render_falls_back(void **state)
{
    struct ah_event_list out;
    struct ah_error err;

    (void)state;
    assert_int_equal(prepare_ov("{\"event_status\":\"Info\",\"title_rule\":\"[TPL]{{.Labels.x}}\"}",
                                NULL, NULL, &out, &err),
                     AH_OK);
    assert_string_equal(out.items[0].title, "[TPL]{{.Labels.x}}");
    ah_event_list_done(&out);
}

static void test_ok_without_key(void **state)
{
    struct ah_event_list out;
    struct ah_error err;

    (void)state;
    assert_int_equal(
        prepare_ov("{\"event_status\":\"Ok\",\"title_rule\":\"t\"}", NULL, NULL, &out, &err),
        AH_EINVAL);
    assert_string_equal(err.msg, "alert_key is required when event_status is Ok");
    ah_event_list_done(&out);
}

/* ---- fake adapters ---- */

static size_t fake_count;

static int fake_parse(const struct ah_push_input *in, struct ah_event_list *out,
                      struct ah_error *reterr)
{
    struct ah_event *ev;
    size_t i;

    (void)in;
    if (fake_count == (size_t)-1)
        return ah_error_set(reterr, AH_EINVAL, "vendor payload is broken");
    for (i = 0; i < fake_count; i++) {
        ev = ah_event_list_add(out);
        ev->title = ah_xstrdup("direct title"); /* no title_rule: nothing to render */
        ev->severity = AH_SEV_WARNING;
        ah_event_set_label(ev, "n", i % 2 ? "odd" : "even");
    }
    return AH_OK;
}

static const struct ah_adapter fake = {
    .type = "fake", .path = "fake", .display_name = "Fake", .parse = fake_parse};

static int prepare_fake(size_t count, const struct ah_push_overrides *ov, struct ah_event_list *out,
                        struct ah_error *err)
{
    struct ah_push_input in = {.body = NULL};

    fake_count = count;
    ah_event_list_init(out);
    return ah_push_prepare(&fake, &in, ov, &intg, out, err);
}

static void test_event_counts(void **state)
{
    struct ah_event_list out;
    struct ah_error err;

    (void)state;
    assert_int_equal(prepare_fake(0, NULL, &out, &err), AH_EINVAL);
    assert_string_equal(err.msg, "body holds no event");
    ah_event_list_done(&out);
    assert_int_equal(prepare_fake(AH_MAX_EVENTS + 1, NULL, &out, &err), AH_ELIMIT);
    assert_string_equal(err.msg, "body holds 101 events, at most 100 are allowed");
    ah_event_list_done(&out);
    assert_int_equal(prepare_fake(AH_MAX_EVENTS, NULL, &out, &err), AH_OK);
    assert_int_equal(out.count, AH_MAX_EVENTS);
    assert_string_not_equal(out.items[0].alert_key, out.items[1].alert_key);
    assert_string_equal(out.items[0].alert_key, out.items[2].alert_key);
    ah_event_list_done(&out);
    assert_int_equal(prepare_fake((size_t)-1, NULL, &out, &err), AH_EINVAL);
    assert_string_equal(err.msg, "vendor payload is broken");
    ah_event_list_done(&out);
}

/* An adapter title is kept when there is no rule, and is .Title for an
 * overriding rule; the severity override applies to every event. */
static void test_fake_overrides(void **state)
{
    struct ah_push_overrides ov = {.severity = "Critical", .title_rule = NULL};
    struct ah_event_list out;
    struct ah_error err;

    (void)state;
    assert_int_equal(prepare_fake(2, &ov, &out, &err), AH_OK);
    assert_string_equal(out.items[0].title, "direct title");
    assert_null(out.items[0].title_rule);
    assert_int_equal(out.items[1].severity, AH_SEV_CRITICAL);
    ah_event_list_done(&out);
    ov.title_rule = "[TPL]{{.Title}} ({{.Labels.n}})";
    assert_int_equal(prepare_fake(2, &ov, &out, &err), AH_OK);
    assert_string_equal(out.items[0].title, "direct title (even)");
    assert_string_equal(out.items[1].title, "direct title (odd)");
    ah_event_list_done(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_derive_format),
        cmocka_unit_test(test_derive_deterministic),
        cmocka_unit_test(test_prepare_deterministic),
        cmocka_unit_test(test_key_uses_rendered_title),
        cmocka_unit_test(test_severity_override),
        cmocka_unit_test(test_bad_severity_override),
        cmocka_unit_test(test_title_rule_override),
        cmocka_unit_test(test_template_fields),
        cmocka_unit_test(test_empty_render_falls_back),
        cmocka_unit_test(test_ok_without_key),
        cmocka_unit_test(test_event_counts),
        cmocka_unit_test(test_fake_overrides),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
