/* alertmanager_test.c - the Prometheus Alertmanager adapter: every fixture
 * pair in tests/fixtures/ingest/alertmanager (found by listing the folder, so a
 * new pair needs no new C), every bad-* fixture, the severity table, the
 * derived fingerprint and the limits. Runs with the repository root as the
 * working directory. */
#include "ingest/adapter.h"
#include "model/event.h"
#include "model/severity.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/text.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fixture_dir.h"

#define FIXTURES "tests/fixtures/ingest/alertmanager"
#define EXPECTED FIXTURE_EXPECTED

/* ---- helpers --------------------------------------------------------------- */

/* Runs the adapter and, on success, ah_event_check on every event. */
static int run(const json_t *body, struct ah_event_list *out, struct ah_error *err)
{
    struct ah_push_input in = {.body = body, .header = NULL, .header_ctx = NULL};
    size_t i;
    int rc;

    ah_event_list_init(out);
    ah_error_clear(err);
    rc = ah_adapter_alertmanager.parse(&in, out, err);
    for (i = 0; rc == AH_OK && i < out->count; i++)
        rc = ah_event_check(&out->items[i], err);
    return rc;
}

/* Runs the adapter on @text, which must succeed; returns the events. */
static void run_ok(const char *text, struct ah_event_list *out)
{
    json_t *body = json_loads(text, 0, NULL);
    struct ah_error err;
    int rc;

    assert_non_null(body);
    rc = run(body, out, &err);
    if (rc != AH_OK)
        print_error("body %s: %s\n", text, err.msg);
    assert_int_equal(rc, AH_OK);
    json_decref(body);
}

/* Returns the only event of @text (the list must be freed by the caller). */
static struct ah_event *run_one(const char *text, struct ah_event_list *out)
{
    run_ok(text, out);
    assert_int_equal(out->count, 1);
    return &out->items[0];
}

/* Runs the adapter on @text, which must be refused with @want_msg. */
static void run_refused(const char *text, const char *want_msg)
{
    json_t *body = json_loads(text, JSON_DECODE_ANY, NULL);
    struct ah_event_list out;
    struct ah_error err;

    assert_non_null(body);
    assert_int_equal(run(body, &out, &err), AH_EINVAL);
    assert_string_equal(err.msg, want_msg);
    ah_event_list_done(&out);
    json_decref(body);
}

static const char *label(const struct ah_event *ev, const char *key)
{
    return json_string_value(json_object_get(ev->labels, key));
}

static json_t *load_fixture(const char *stem, const char *suffix)
{
    return fixture_load(FIXTURES, stem, suffix);
}

/* Returns a new copy of the alert_key of the first event of fixture @stem. */
static char *first_key(const char *stem)
{
    json_t *body = load_fixture(stem, ".json");
    struct ah_event_list out;
    struct ah_error err;
    char *key;

    assert_non_null(body);
    assert_int_equal(run(body, &out, &err), AH_OK);
    assert_true(out.count > 0);
    key = ah_xstrdup(out.items[0].alert_key);
    ah_event_list_done(&out);
    json_decref(body);
    return key;
}

/* ---- fixtures -------------------------------------------------------------- */

static void check_labels(const struct ah_event *ev, const json_t *want, const json_t *absent)
{
    const char *key;
    json_t *value;
    size_t i;

    json_object_foreach((json_t *)want, key, value)
    {
        if (label(ev, key) == NULL)
            fail_msg("label \"%s\" is missing", key);
        assert_string_equal(label(ev, key), json_string_value(value));
    }
    json_array_foreach(absent, i, value)
    {
        if (label(ev, json_string_value(value)) != NULL)
            fail_msg("label \"%s\" is set", json_string_value(value));
    }
}

/* Compares the string field @name of @want, when present, with @have. */
static void check_text(const json_t *want, const char *name, const char *have)
{
    const json_t *v = json_object_get(want, name);

    if (v == NULL)
        return;
    if (json_is_null(v)) {
        assert_null(have);
        return;
    }
    assert_non_null(have);
    assert_string_equal(have, json_string_value(v));
}

static void check_event(const struct ah_event *ev, const json_t *want)
{
    const json_t *v;
    const char *same_as;

    assert_non_null(ev->alert_key);
    assert_true(json_object_size(ev->labels) <= AH_MAX_LABELS);
    assert_null(ev->title_rule);
    check_text(want, "event_status", ah_status_name(ev->severity, ev->recovered));
    check_text(want, "severity", ah_severity_name(ev->severity));
    check_text(want, "title", ev->title);
    check_text(want, "description", ev->description);
    check_text(want, "alert_key", ev->alert_key);
    check_labels(ev, json_object_get(want, "labels_include"),
                 json_object_get(want, "labels_absent"));
    v = json_object_get(want, "event_time");
    if (v != NULL)
        assert_int_equal(ev->event_time, json_integer_value(v));
    same_as = json_string_value(json_object_get(want, "alert_key_same_as"));
    if (same_as != NULL) {
        char *other = first_key(same_as);

        assert_string_equal(ev->alert_key, other);
        ah_free(other);
    }
}

static void check_good_fixture(const char *stem)
{
    fixture_check_good(FIXTURES, stem, run, check_event);
}

static void check_bad_fixture(const char *stem)
{
    fixture_check_bad(FIXTURES, stem, run);
}

static void test_fixtures(void **state)
{
    (void)state;
    assert_true(fixture_walk(FIXTURES, check_good_fixture, check_bad_fixture) >= 11);
}

/* ---- mapping tables -------------------------------------------------------- */

/* One alert with the severity label @severity (none when NULL). */
static enum ah_severity severity_of(const char *severity)
{
    json_t *body = json_pack("{s:[{s:{s:s}}]}", "alerts", "labels", "alertname", "A");
    json_t *labels = json_object_get(json_array_get(json_object_get(body, "alerts"), 0), "labels");
    struct ah_event_list out;
    struct ah_error err;
    enum ah_severity s;

    if (severity != NULL)
        json_object_set_new(labels, "severity", json_string(severity));
    assert_int_equal(run(body, &out, &err), AH_OK);
    s = out.items[0].severity;
    assert_false(out.items[0].recovered);
    ah_event_list_done(&out);
    json_decref(body);
    return s;
}

static void test_severity_table(void **state)
{
    static const struct {
        const char *word;
        enum ah_severity want;
    } cases[] = {
        {"critical", AH_SEV_CRITICAL},
        {"CRITICAL", AH_SEV_CRITICAL},
        {"crit", AH_SEV_CRITICAL},
        {"error", AH_SEV_CRITICAL},
        {"Fatal", AH_SEV_CRITICAL},
        {"emergency", AH_SEV_CRITICAL},
        {"alert", AH_SEV_CRITICAL},
        {"P1", AH_SEV_CRITICAL},
        {"page", AH_SEV_CRITICAL},
        {"warning", AH_SEV_WARNING},
        {"Warn", AH_SEV_WARNING},
        {"major", AH_SEV_WARNING},
        {"minor", AH_SEV_WARNING},
        {"p2", AH_SEV_WARNING},
        {"P3", AH_SEV_WARNING},
        {"info", AH_SEV_INFO},
        {"Informational", AH_SEV_INFO},
        {"notice", AH_SEV_INFO},
        {"LOW", AH_SEV_INFO},
        {"none", AH_SEV_INFO},
        {"p4", AH_SEV_INFO},
        {"p5", AH_SEV_INFO},
        {"p0", AH_SEV_WARNING},
        {"", AH_SEV_WARNING},
        {"critical ", AH_SEV_WARNING},
        {"严重", AH_SEV_WARNING},
        {"informationa", AH_SEV_WARNING},
        {NULL, AH_SEV_WARNING},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (severity_of(cases[i].word) != cases[i].want)
            fail_msg("severity \"%s\" did not map to %s", cases[i].word ? cases[i].word : "(none)",
                     ah_severity_name(cases[i].want));
    }
}

/* A severity label that is not a string is unrecognized, not refused. */
static void test_severity_not_string(void **state)
{
    struct ah_event_list out;
    struct ah_event *ev;

    (void)state;
    ev = run_one("{\"alerts\":[{\"labels\":{\"alertname\":\"A\",\"severity\":1}}]}", &out);
    assert_int_equal(ev->severity, AH_SEV_WARNING);
    assert_string_equal(label(ev, "severity"), "1");
    ah_event_list_done(&out);
}

static void test_statuses(void **state)
{
    static const struct {
        const char *body;
        int recovered;
    } cases[] = {
        {"{\"alerts\":[{\"status\":\"resolved\"}]}", 1},
        {"{\"alerts\":[{\"status\":\"RESOLVED\"}]}", 1},
        {"{\"alerts\":[{\"status\":\"firing\"}]}", 0},
        {"{\"alerts\":[{\"status\":\"\"}]}", 0},
        {"{\"alerts\":[{}]}", 0},
        /* the group's status stands in for a missing alert status only */
        {"{\"status\":\"resolved\",\"alerts\":[{}]}", 1},
        {"{\"status\":\"resolved\",\"alerts\":[{\"status\":\"firing\"}]}", 0},
        {"{\"status\":\"firing\",\"alerts\":[{\"status\":\"resolved\"}]}", 1},
    };
    struct ah_event_list out;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (run_one(cases[i].body, &out)->recovered != cases[i].recovered)
            fail_msg("body %s: recovered is not %d", cases[i].body, cases[i].recovered);
        ah_event_list_done(&out);
    }
}

/* ---- keys, titles and times ---------------------------------------------------- */

/* Without "fingerprint" the key is Alertmanager's own fingerprint of the
 * labels: known values from a real Alertmanager 0.25, whatever the order of
 * the keys in the body. */
static void test_derived_key(void **state)
{
    static const struct {
        const char *body;
        const char *key;
    } cases[] = {
        {"{\"alerts\":[{\"labels\":{\"alertname\":\"HighLatency\",\"instance\":\"api-1:9100\","
         "\"service\":\"api\",\"severity\":\"critical\"}}]}",
         "51ad6da7369deb4c"},
        {"{\"alerts\":[{\"labels\":{\"severity\":\"critical\",\"service\":\"api\","
         "\"instance\":\"api-2:9100\",\"alertname\":\"HighLatency\"}}]}",
         "33c701e5537d0c21"},
        {"{\"alerts\":[{\"labels\":{}}]}", "cbf29ce484222325"},
        {"{\"alerts\":[{}]}", "cbf29ce484222325"},
        {"{\"alerts\":[{\"fingerprint\":\"\",\"labels\":{}}]}", "cbf29ce484222325"},
        {"{\"alerts\":[{\"fingerprint\":\"abc\",\"labels\":{}}]}", "abc"},
    };
    struct ah_event_list out;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_string_equal(run_one(cases[i].body, &out)->alert_key, cases[i].key);
        ah_event_list_done(&out);
    }
}

/* Annotations and common labels do not change the key: firing and resolved
 * notifications of one alert may differ in both. */
static void test_key_ignores_annotations(void **state)
{
    struct ah_event_list a, b;

    (void)state;
    run_one("{\"alerts\":[{\"labels\":{\"alertname\":\"A\",\"x\":\"1\"},"
            "\"annotations\":{\"summary\":\"one\"}}]}",
            &a);
    run_one("{\"commonLabels\":{\"y\":\"2\"},\"alerts\":[{\"status\":\"resolved\","
            "\"labels\":{\"x\":\"1\",\"alertname\":\"A\"},\"annotations\":{\"summary\":\"two\"}}]}",
            &b);
    assert_string_equal(a.items[0].alert_key, b.items[0].alert_key);
    assert_string_equal(label(&b.items[0], "y"), "2");
    ah_event_list_done(&a);
    ah_event_list_done(&b);
}

static void test_title_and_description(void **state)
{
    static const struct {
        const char *alert;
        const char *title, *description;
    } cases[] = {
        {"{\"labels\":{\"alertname\":\"A\"},\"annotations\":{\"summary\":\"s\","
         "\"description\":\"d\"}}",
         "A: s", "d"},
        {"{\"labels\":{\"alertname\":\"A\"},\"annotations\":{\"summary\":\"s\"}}", "A: s", "s"},
        {"{\"labels\":{\"alertname\":\"A\"},\"annotations\":{\"description\":\"d\"}}", "A", "d"},
        {"{\"labels\":{\"alertname\":\"A\"}}", "A", NULL},
        {"{\"labels\":{\"alertname\":\"\"},\"annotations\":{\"summary\":\"s\"}}", "alert: s", "s"},
        {"{\"annotations\":{\"summary\":\"\",\"description\":\"\"}}", "alert", NULL},
        {"{\"labels\":\"oops\",\"annotations\":[1]}", "alert", NULL},
    };
    struct ah_event_list out;
    struct ah_event *ev;
    struct ah_buf body;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ah_buf_init(&body);
        ah_buf_printf(&body, "{\"alerts\":[%s]}", cases[i].alert);
        ev = run_one(ah_buf_str(&body), &out);
        assert_string_equal(ev->title, cases[i].title);
        if (cases[i].description == NULL)
            assert_null(ev->description);
        else
            assert_string_equal(ev->description, cases[i].description);
        ah_event_list_done(&out);
        ah_buf_done(&body);
    }
}

static void test_times(void **state)
{
    static const struct {
        const char *alert;
        int64_t want;
    } cases[] = {
        {"{\"startsAt\":\"2026-11-20T08:30:00Z\",\"endsAt\":\"0001-01-01T00:00:00Z\"}", 1795163400},
        {"{\"startsAt\":\"2026-11-20T16:30:00.123456789+08:00\"}", 1795163400},
        {"{\"status\":\"resolved\",\"startsAt\":\"2026-11-20T08:00:00Z\","
         "\"endsAt\":\"2026-11-20T08:30:00Z\"}",
         1795163400},
        /* firing uses startsAt even when endsAt (the expiry) is set */
        {"{\"startsAt\":\"2026-11-20T08:30:00Z\",\"endsAt\":\"2026-11-20T08:35:00Z\"}", 1795163400},
        {"{\"status\":\"resolved\",\"startsAt\":\"2026-11-20T08:00:00Z\","
         "\"endsAt\":\"0001-01-01T00:00:00Z\"}",
         0},
        {"{\"startsAt\":\"0001-01-01T00:00:00Z\"}", 0},
        {"{\"startsAt\":\"soon\"}", 0},
        {"{\"startsAt\":1795163400}", 0},
        {"{}", 0},
    };
    struct ah_event_list out;
    struct ah_buf body;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ah_buf_init(&body);
        ah_buf_printf(&body, "{\"alerts\":[%s]}", cases[i].alert);
        assert_int_equal(run_one(ah_buf_str(&body), &out)->event_time, cases[i].want);
        ah_event_list_done(&out);
        ah_buf_done(&body);
    }
}

/* ---- labels and limits ------------------------------------------------------- */

/* An alert with @n_labels labels l00.., @n_common common labels c00.. and
 * @n_annotations annotations a00.., all with value "v", and a generatorURL. */
static json_t *labels_body(int n_labels, int n_common, int n_annotations)
{
    json_t *alert = json_pack("{s:{}, s:{}, s:s}", "labels", "annotations", "generatorURL", "g");
    json_t *body = json_pack("{s:{}, s:[o]}", "commonLabels", "alerts", alert);
    struct ah_buf key;
    int i;

    ah_buf_init(&key);
    for (i = 0; i < n_labels + n_common + n_annotations; i++) {
        const char *prefix = i < n_labels ? "l" : i < n_labels + n_common ? "c" : "a";
        json_t *obj = i < n_labels              ? json_object_get(alert, "labels")
                      : i < n_labels + n_common ? json_object_get(body, "commonLabels")
                                                : json_object_get(alert, "annotations");

        ah_buf_done(&key);
        /* inserted in reverse name order: the kept ones must not depend on it */
        ah_buf_printf(&key, "%s%02d", prefix, 99 - i);
        json_object_set_new(obj, ah_buf_str(&key), json_string("v"));
    }
    ah_buf_done(&key);
    return body;
}

static int count_prefix(const struct ah_event *ev, const char *prefix)
{
    const char *key;
    json_t *value;
    int n = 0;

    json_object_foreach(ev->labels, key, value) n += strncmp(key, prefix, strlen(prefix)) == 0;
    return n;
}

/* Alert labels first, then generator_url, common labels and annotations, each
 * in name order, until AH_MAX_LABELS. */
static void test_label_cap(void **state)
{
    struct ah_event_list out;
    struct ah_error err;
    json_t *body;

    (void)state;
    body = labels_body(45, 10, 10);
    assert_int_equal(run(body, &out, &err), AH_OK);
    assert_int_equal(json_object_size(out.items[0].labels), AH_MAX_LABELS);
    assert_int_equal(count_prefix(&out.items[0], "l"), 45);
    assert_string_equal(label(&out.items[0], "generator_url"), "g");
    assert_int_equal(count_prefix(&out.items[0], "c"), 4);
    assert_non_null(label(&out.items[0], "c45")); /* the lowest names of 45..54 */
    assert_non_null(label(&out.items[0], "c48"));
    assert_int_equal(count_prefix(&out.items[0], "annotation_"), 0);
    ah_event_list_done(&out);
    json_decref(body);

    body = labels_body(60, 5, 5);
    assert_int_equal(run(body, &out, &err), AH_OK);
    assert_int_equal(json_object_size(out.items[0].labels), AH_MAX_LABELS);
    assert_non_null(label(&out.items[0], "l40"));
    assert_non_null(label(&out.items[0], "l89"));
    assert_null(label(&out.items[0], "l90"));
    assert_null(label(&out.items[0], "generator_url"));
    ah_event_list_done(&out);
    json_decref(body);

    body = labels_body(3, 2, 2);
    assert_int_equal(run(body, &out, &err), AH_OK);
    assert_int_equal(json_object_size(out.items[0].labels), 8);
    assert_string_equal(label(&out.items[0], "annotation_a93"), "v");
    ah_event_list_done(&out);
    json_decref(body);
}

/* Names too long (or empty) for a label are dropped, not refused; long
 * values are cut by ah_event_check. */
static void test_label_sizes(void **state)
{
    json_t *body = labels_body(1, 0, 0);
    json_t *alert = json_array_get(json_object_get(body, "alerts"), 0);
    char *long_name = ah_xcalloc(AH_MAX_LABEL_KEY + 1, 1);
    char *long_value = ah_xcalloc(3001, 1);
    struct ah_event_list out;
    struct ah_error err;

    (void)state;
    memset(long_name, 'k', AH_MAX_LABEL_KEY);
    memset(long_value, 'v', 3000);
    json_object_set_new(json_object_get(alert, "labels"), long_name, json_string("fits"));
    json_object_set_new(json_object_get(alert, "labels"), "", json_string("empty"));
    json_object_set_new(json_object_get(alert, "labels"), "nested", json_pack("{s:i}", "a", 1));
    json_object_set_new(json_object_get(alert, "annotations"), long_name, json_string("x"));
    json_object_set_new(json_object_get(alert, "annotations"), "long", json_string(long_value));
    assert_int_equal(run(body, &out, &err), AH_OK);
    assert_string_equal(label(&out.items[0], long_name), "fits");
    assert_null(label(&out.items[0], ""));
    assert_null(label(&out.items[0], "nested"));
    assert_int_equal(json_object_size(out.items[0].labels), 4);
    assert_int_equal(ah_utf8_len(label(&out.items[0], "annotation_long")), AH_MAX_LABEL_VALUE);
    ah_event_list_done(&out);
    ah_free(long_name);
    ah_free(long_value);
    json_decref(body);
}

/* A body with @n alerts that differ in one label. */
static json_t *alerts_body(size_t n)
{
    json_t *body = json_pack("{s:s, s:[]}", "version", "4", "alerts");
    json_t *alerts = json_object_get(body, "alerts");
    size_t i;

    for (i = 0; i < n; i++)
        json_array_append_new(
            alerts, json_pack("{s:{s:s, s:I}}", "labels", "alertname", "A", "n", (json_int_t)i));
    return body;
}

static void test_too_many_alerts(void **state)
{
    struct ah_event_list out;
    struct ah_error err;
    json_t *body;

    (void)state;
    body = alerts_body(AH_MAX_EVENTS);
    assert_int_equal(run(body, &out, &err), AH_OK);
    assert_int_equal(out.count, AH_MAX_EVENTS);
    assert_string_not_equal(out.items[0].alert_key, out.items[1].alert_key);
    ah_event_list_done(&out);
    json_decref(body);

    body = alerts_body(AH_MAX_EVENTS + 1);
    assert_int_equal(run(body, &out, &err), AH_EINVAL);
    assert_string_equal(err.msg, "body has 101 alerts, at most 100 are allowed in one request "
                                 "(set max_alerts in the webhook configuration)");
    assert_int_equal(out.count, 0);
    ah_event_list_done(&out);
    json_decref(body);
}

static void test_refusals(void **state)
{
    (void)state;
    run_refused("\"text\"", "body must be a JSON object");
    run_refused("[{\"alerts\":[{}]}]", "body must be a JSON object");
    run_refused("{\"version\":\"4\"}",
                "body has no Alertmanager alerts: expected an array \"alerts\"");
    run_refused("{\"alerts\":{}}", "body has no Alertmanager alerts: expected an array \"alerts\"");
    run_refused("{\"alerts\":null}",
                "body has no Alertmanager alerts: expected an array \"alerts\"");
    run_refused("{\"alerts\":[]}", "\"alerts\" must not be empty");
    run_refused("{\"alerts\":[{},[]]}", "alerts[1] must be an object");
}

/* Other payload versions are read the same way. */
static void test_versions(void **state)
{
    struct ah_event_list out;

    (void)state;
    assert_string_equal(
        run_one("{\"version\":\"5\",\"alerts\":[{\"labels\":{\"alertname\":\"A\"}}]}", &out)->title,
        "A");
    ah_event_list_done(&out);
    assert_string_equal(
        run_one("{\"version\":4,\"alerts\":[{\"labels\":{\"alertname\":\"B\"}}]}", &out)->title,
        "B");
    ah_event_list_done(&out);
}

static void test_adapter(void **state)
{
    (void)state;
    assert_string_equal(ah_adapter_alertmanager.type, "alertmanager");
    assert_string_equal(ah_adapter_alertmanager.path, "alertmanager");
    assert_string_equal(ah_adapter_alertmanager.display_name, "Prometheus Alertmanager");
    assert_null(ah_adapter_alertmanager.retry_id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixtures),
        cmocka_unit_test(test_severity_table),
        cmocka_unit_test(test_severity_not_string),
        cmocka_unit_test(test_statuses),
        cmocka_unit_test(test_derived_key),
        cmocka_unit_test(test_key_ignores_annotations),
        cmocka_unit_test(test_title_and_description),
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_label_cap),
        cmocka_unit_test(test_label_sizes),
        cmocka_unit_test(test_too_many_alerts),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_adapter),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
