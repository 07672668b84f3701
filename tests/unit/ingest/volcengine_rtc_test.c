/* volcengine_rtc_test.c - the Volcengine RTC adapter: every fixture pair in
 * tests/fixtures/ingest/volcengine-rtc (found by listing the folder, so a new
 * pair needs no new C), every bad-* fixture, and the mapping tables. Runs
 * with the repository root as the working directory. */
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

#define FIXTURES "tests/fixtures/ingest/volcengine-rtc"
#define EXPECTED FIXTURE_EXPECTED

/* ---- helpers --------------------------------------------------------------- */

/* @ctx is the x-volc-trace-id value, or NULL. */
static const char *fake_header(void *ctx, const char *name)
{
    return ah_str_ieq(name, "x-volc-trace-id") ? ctx : NULL;
}

/* Runs the adapter and, on success, ah_event_check on every event. */
static int run(const json_t *body, struct ah_event_list *out, struct ah_error *err)
{
    struct ah_push_input in = {.body = body, .header = fake_header, .header_ctx = NULL};
    size_t i;
    int rc;

    ah_event_list_init(out);
    ah_error_clear(err);
    rc = ah_adapter_volcengine_rtc.parse(&in, out, err);
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

static void check_key_shape(const char *key)
{
    size_t i;

    assert_non_null(key);
    assert_int_equal(strlen(key), 32);
    for (i = 0; i < 32; i++)
        assert_non_null(strchr("0123456789abcdef", key[i]));
}

static void check_labels(const struct ah_event *ev, const json_t *want)
{
    const char *key;
    json_t *value;

    json_object_foreach((json_t *)want, key, value)
    {
        assert_non_null(label(ev, key));
        assert_string_equal(label(ev, key), json_string_value(value));
    }
}

static void check_event(const struct ah_event *ev, const json_t *want)
{
    const json_t *v;
    const char *same_as;
    size_t i;

    check_key_shape(ev->alert_key);
    assert_true(json_object_size(ev->labels) <= AH_MAX_LABELS);
    v = json_object_get(want, "event_status");
    if (v != NULL)
        assert_string_equal(ah_status_name(ev->severity, ev->recovered), json_string_value(v));
    v = json_object_get(want, "severity");
    if (v != NULL)
        assert_string_equal(ah_severity_name(ev->severity), json_string_value(v));
    json_array_foreach(json_object_get(want, "title_contains"), i, v)
    {
        if (strstr(ev->title, json_string_value(v)) == NULL)
            fail_msg("title \"%s\" lacks \"%s\"", ev->title, json_string_value(v));
    }
    check_labels(ev, json_object_get(want, "labels_include"));
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
    assert_true(fixture_walk(FIXTURES, check_good_fixture, check_bad_fixture) >= 9);
}

/* Different resources must not share a key; the recovery shares its
 * trigger's key (checked by alert_key_same_as in the fixtures). */
static void test_fixture_keys_differ(void **state)
{
    json_t *body = load_fixture("cm-two-resources", ".json");
    char *trigger = first_key("cm-trigger");
    struct ah_event_list out;
    struct ah_error err;

    (void)state;
    assert_int_equal(run(body, &out, &err), AH_OK);
    assert_int_equal(out.count, 3);
    assert_string_not_equal(trigger, out.items[0].alert_key);
    assert_string_not_equal(out.items[0].alert_key, out.items[1].alert_key);
    assert_string_not_equal(out.items[1].alert_key, out.items[2].alert_key);
    ah_event_list_done(&out);
    ah_free(trigger);
    json_decref(body);
}

/* ---- mapping tables -------------------------------------------------------- */

static void test_levels(void **state)
{
    static const struct {
        const char *body;
        enum ah_severity want;
        const char *raw_level;
    } cases[] = {
        {"{\"RuleName\":\"r\",\"Level\":\"Critical\"}", AH_SEV_CRITICAL, NULL},
        {"{\"RuleName\":\"r\",\"Level\":\"严重\"}", AH_SEV_CRITICAL, NULL},
        {"{\"RuleName\":\"r\",\"level\":\"CRITICAL\"}", AH_SEV_CRITICAL, NULL},
        {"{\"RuleName\":\"r\",\"grade\":\"P0\"}", AH_SEV_CRITICAL, NULL},
        {"{\"RuleName\":\"r\",\"Rules\":[{\"Level\":\"critical\"}]}", AH_SEV_CRITICAL, NULL},
        {"{\"RuleName\":\"r\",\"Level\":\"Warning\"}", AH_SEV_WARNING, NULL},
        {"{\"RuleName\":\"r\",\"AlertLevel\":\"警告\"}", AH_SEV_WARNING, NULL},
        {"{\"RuleName\":\"r\",\"Level\":\"Notice\"}", AH_SEV_INFO, NULL},
        {"{\"RuleName\":\"r\",\"AlarmLevel\":\"通知\"}", AH_SEV_INFO, NULL},
        {"{\"RuleName\":\"r\",\"Level\":\"提示\"}", AH_SEV_INFO, NULL},
        {"{\"RuleName\":\"r\",\"Severity\":\"notice\"}", AH_SEV_INFO, NULL},
        {"{\"RuleName\":\"r\",\"Level\":\"提醒\"}", AH_SEV_INFO, NULL},
        {"{\"RuleName\":\"r\",\"Level\":\"bogus\"}", AH_SEV_WARNING, "bogus"},
        {"{\"RuleName\":\"r\",\"Level\":3}", AH_SEV_WARNING, "3"},
        {"{\"RuleName\":\"r\"}", AH_SEV_WARNING, NULL},
    };
    struct ah_event_list out;
    struct ah_event *ev;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ev = run_one(cases[i].body, &out);
        assert_int_equal(ev->severity, cases[i].want);
        assert_false(ev->recovered);
        if (cases[i].raw_level != NULL)
            assert_string_equal(label(ev, "raw_level"), cases[i].raw_level);
        else
            assert_null(label(ev, "raw_level"));
        ah_event_list_done(&out);
    }
}

static void test_statuses(void **state)
{
    static const char *const ok[] = {"ok",     "resolved", "recovered", "recovery", "恢复",
                                     "已恢复", "normal",   "RESOLVED",  "Ok",       "Recovered"};
    static const char *const keys[] = {"Status", "AlertStatus", "State", "AlarmStatus", "status"};
    static const char *const firing[] = {"alerting", "firing", "Alarm", ""};
    struct ah_event_list out;
    struct ah_buf body;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        ah_buf_init(&body);
        ah_buf_printf(&body, "{\"RuleId\":\"r\",\"Level\":\"warning\",\"%s\":\"%s\"}", keys[i % 5],
                      ok[i]);
        assert_true(run_one(ah_buf_str(&body), &out)->recovered);
        assert_string_equal(ah_status_name(out.items[0].severity, 1), "Ok");
        ah_event_list_done(&out);
        ah_buf_done(&body);
    }
    for (i = 0; i < sizeof(firing) / sizeof(firing[0]); i++) {
        ah_buf_init(&body);
        ah_buf_printf(&body, "{\"RuleId\":\"r\",\"Status\":\"%s\"}", firing[i]);
        assert_false(run_one(ah_buf_str(&body), &out)->recovered);
        ah_event_list_done(&out);
        ah_buf_done(&body);
    }
}

static void test_notify_type(void **state)
{
    struct ah_event_list out;

    (void)state;
    assert_true(
        run_one("{\"AlarmID\":\"a\",\"RuleName\":\"r\",\"NotifyType\":2}", &out)->recovered);
    ah_event_list_done(&out);
    assert_true(run_one("{\"RuleName\":\"r\",\"NotifyType\":\"2\"}", &out)->recovered);
    ah_event_list_done(&out);
    assert_false(run_one("{\"RuleName\":\"r\",\"NotifyType\":1}", &out)->recovered);
    ah_event_list_done(&out);
}

/* ---- retry identity ---------------------------------------------------------- */

static char *retry_of(const char *text, const char *trace)
{
    json_t *body = json_loads(text, 0, NULL);
    struct ah_push_input in = {.body = body, .header = fake_header, .header_ctx = (void *)trace};
    char *id;

    assert_non_null(body);
    id = ah_adapter_volcengine_rtc.retry_id(&in);
    json_decref(body);
    return id;
}

static void test_retry_id(void **state)
{
    char *id;

    (void)state;
    id = retry_of("{\"EventId\":\"e-1\",\"RuleName\":\"r\"}", "t-9");
    assert_string_equal(id, "EventId:e-1");
    ah_free(id);
    id = retry_of("{\"RuleName\":\"r\"}", "t-9");
    assert_string_equal(id, "trace:t-9");
    ah_free(id);
    id = retry_of("[1]", "t-9");
    assert_string_equal(id, "trace:t-9");
    ah_free(id);
    assert_null(retry_of("{\"RuleName\":\"r\"}", NULL));
    assert_null(retry_of("{\"RuleName\":\"r\",\"EventId\":\"\"}", ""));
    assert_null(retry_of("{\"EventData\":\"{\\\"EventId\\\":\\\"inner\\\"}\"}", NULL));
}

/* ---- times -------------------------------------------------------------------- */

static void test_times(void **state)
{
    static const char *const bodies[] = {
        "{\"RuleId\":\"r\",\"HappenedAt\":1795157461}",
        "{\"RuleId\":\"r\",\"HappenedAt\":\"1795157461\"}",
        "{\"RuleId\":\"r\",\"EventTime\":1795157461000}",
        "{\"RuleId\":\"r\",\"alarm_time\":\"1795157461000\"}",
        "{\"RuleId\":\"r\",\"EventTime\":\"2026-11-20T06:51:01.123456789Z\"}",
        "{\"RuleId\":\"r\",\"HappenedAt\":\"2026-11-20 14:51:01(UTC+08:00)\"}",
        "{\"RuleId\":\"r\",\"Timestamp\":\"2026-11-20T14:51:01+08:00\"}",
        ("{\"RuleId\":\"r\",\"HappenedAt\":\"soon\",\"Resources\":[{\"Id\":\"x\","
         "\"FirstAlertTime\":1,\"LastAlertTime\":1795157461}]}"),
        "{\"RuleId\":\"r\",\"Resources\":[{\"Id\":\"x\",\"FirstAlertTime\":1795157461}]}",
    };
    struct ah_event_list out;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        assert_int_equal(run_one(bodies[i], &out)->event_time, 1795157461);
        ah_event_list_done(&out);
    }
    /* A recovered resource's alert times are not its recovery time. */
    assert_int_equal(run_one("{\"RuleId\":\"r\",\"RecoveredResources\":[{\"Id\":\"x\","
                             "\"LastAlertTime\":1795157461}]}",
                             &out)
                         ->event_time,
                     0);
    ah_event_list_done(&out);
    assert_int_equal(run_one("{\"RuleId\":\"r\"}", &out)->event_time, 0);
    ah_event_list_done(&out);
}

/* ---- limits ------------------------------------------------------------------- */

/* A body with @firing Resources and @recovered RecoveredResources. */
static json_t *resources_body(size_t firing, size_t recovered)
{
    json_t *body = json_pack("{s:s, s:s, s:[], s:[]}", "RuleId", "r", "Level", "warning",
                             "Resources", "RecoveredResources");
    json_t *res = json_object_get(body, "Resources");
    json_t *rec = json_object_get(body, "RecoveredResources");
    struct ah_buf id;
    size_t i;

    ah_buf_init(&id);
    for (i = 0; i < firing + recovered; i++) {
        ah_buf_done(&id);
        ah_buf_printf(&id, "res-%zu", i);
        json_array_append_new(i < firing ? res : rec,
                              json_pack("{s:s, s:s}", "Id", ah_buf_str(&id), "Name", "n"));
    }
    ah_buf_done(&id);
    return body;
}

static void test_too_many_resources(void **state)
{
    struct ah_event_list out;
    struct ah_error err;
    json_t *body;

    (void)state;
    body = resources_body(AH_MAX_EVENTS, 0);
    assert_int_equal(run(body, &out, &err), AH_OK);
    assert_int_equal(out.count, AH_MAX_EVENTS);
    ah_event_list_done(&out);
    json_decref(body);

    body = resources_body(AH_MAX_EVENTS + 1, 0);
    assert_int_equal(run(body, &out, &err), AH_EINVAL);
    assert_non_null(strstr(err.msg, "at most 100"));
    ah_event_list_done(&out);
    json_decref(body);

    body = resources_body(60, 41);
    assert_int_equal(run(body, &out, &err), AH_EINVAL);
    ah_event_list_done(&out);
    json_decref(body);
}

static void test_label_cap(void **state)
{
    json_t *body = resources_body(1, 0);
    json_t *res = json_array_get(json_object_get(body, "Resources"), 0);
    struct ah_event_list out;
    struct ah_error err;
    struct ah_buf key;
    char *long_value = ah_xcalloc(3001, 1);
    int i;

    (void)state;
    memset(long_value, 'v', 3000);
    ah_buf_init(&key);
    for (i = 0; i < 80; i++) {
        ah_buf_done(&key);
        ah_buf_printf(&key, "TopField%d", i);
        json_object_set_new(body, ah_buf_str(&key), json_integer(i));
        ah_buf_done(&key);
        ah_buf_printf(&key, "ResField%d", i);
        json_object_set_new(res, ah_buf_str(&key), json_string(long_value));
    }
    ah_buf_done(&key);
    assert_int_equal(run(body, &out, &err), AH_OK);
    assert_true(json_object_size(out.items[0].labels) <= AH_MAX_LABELS);
    assert_string_equal(label(&out.items[0], "rule_id"), "r");
    assert_string_equal(label(&out.items[0], "resource_id"), "res-0");
    assert_int_equal(ah_utf8_len(label(&out.items[0], "res_field0")), AH_MAX_LABEL_VALUE);
    ah_event_list_done(&out);
    ah_free(long_value);
    json_decref(body);
}

static void test_refusals(void **state)
{
    struct ah_event_list out;
    struct ah_error err;
    json_t *body;

    (void)state;
    body = json_loads("{\"hello\":\"world\"}", 0, NULL);
    assert_int_equal(run(body, &out, &err), AH_EINVAL);
    assert_string_equal(err.msg, "body has no Volcengine RTC alert: expected RuleName or RuleId");
    ah_event_list_done(&out);
    json_decref(body);
    body = json_loads("\"text\"", JSON_DECODE_ANY, NULL);
    assert_int_equal(run(body, &out, &err), AH_EINVAL);
    assert_string_equal(err.msg, "body must be a JSON object");
    ah_event_list_done(&out);
    json_decref(body);
    body = json_loads("{\"RuleId\":\"r\",\"Resources\":[\"x\"]}", 0, NULL);
    assert_int_equal(run(body, &out, &err), AH_EINVAL);
    assert_string_equal(err.msg, "Resources[0] must be an object");
    ah_event_list_done(&out);
    json_decref(body);
}

/* ---- shapes and labels ----------------------------------------------------------- */

static void test_envelope_precedence(void **state)
{
    struct ah_event_list out;
    struct ah_event *ev;

    (void)state;
    ev = run_one("{\"EventId\":\"outer\",\"AppId\":\"app-outer\",\"Level\":\"critical\","
                 "\"Signature\":\"s\",\"Nonce\":\"1\",\"EventData\":\"{\\\"RuleName\\\":\\\"r\\\","
                 "\\\"level\\\":\\\"notice\\\",\\\"EventId\\\":\\\"inner\\\","
                 "\\\"AppId\\\":\\\"app-inner\\\",\\\"RoomId\\\":\\\"room\\\"}\"}",
                 &out);
    assert_int_equal(ev->severity, AH_SEV_INFO);
    assert_string_equal(label(ev, "event_id"), "outer");
    assert_string_equal(label(ev, "app_id"), "app-outer");
    assert_string_equal(ev->title, "r / room");
    assert_null(label(ev, "signature"));
    assert_null(label(ev, "nonce"));
    assert_null(label(ev, "event_data"));
    ah_event_list_done(&out);
    /* EventData that is not JSON is ignored; the envelope still counts. */
    ev = run_one("{\"RuleName\":\"r\",\"EventData\":\"not json\"}", &out);
    assert_string_equal(ev->title, "r");
    assert_null(label(ev, "event_data"));
    ah_event_list_done(&out);
}

static void test_labels_and_title(void **state)
{
    struct ah_event_list out;
    struct ah_event *ev;

    (void)state;
    ev = run_one("{\"RuleId\":\"r-1\",\"AccountId\":2100012345,\"SubNamespace\":\"App\","
                 "\"HappenedAt\":\"2026-11-20 14:51:01(UTC+08:00)\",\"Ratio\":7.4,"
                 "\"Small\":0.1,\"On\":true,\"Nested\":{\"a\":1},\"RuleCondition\":\"x > 1\"}",
                 &out);
    assert_string_equal(label(ev, "rule_id"), "r-1");
    assert_string_equal(label(ev, "account_id"), "2100012345");
    assert_string_equal(label(ev, "sub_namespace"), "App");
    assert_string_equal(label(ev, "happened_at"), "2026-11-20 14:51:01(UTC+08:00)");
    assert_string_equal(label(ev, "ratio"), "7.4");
    assert_string_equal(label(ev, "small"), "0.1");
    assert_string_equal(label(ev, "on"), "true");
    assert_null(label(ev, "nested"));
    assert_string_equal(ev->title, "r-1");
    assert_string_equal(ev->description, "x > 1");
    ah_event_list_done(&out);

    run_ok("{\"RuleName\":\"rule\",\"Resources\":[{\"Id\":\"id-1\",\"Region\":\"cn\","
           "\"Metrics\":[{\"Name\":\"Rate\",\"Value\":7.4,\"Unit\":\"Percent\"}]}]}",
           &out);
    ev = &out.items[0];
    assert_string_equal(ev->title, "rule / id-1");
    assert_string_equal(label(ev, "metric_name"), "Rate");
    assert_string_equal(label(ev, "metric_value"), "7.4");
    assert_string_equal(label(ev, "metric_unit"), "Percent");
    assert_string_equal(label(ev, "region"), "cn");
    ah_event_list_done(&out);

    ev = run_one("{\"rule_name\":\"r\",\"app_id\":\"a-1\"}", &out);
    assert_string_equal(ev->title, "r / a-1");
    ah_event_list_done(&out);
}

/* Trigger and recovery of one rule on one room share a key; another user in
 * the room does not. */
static void test_body_keys(void **state)
{
    struct ah_event_list a, b, c;

    (void)state;
    run_one("{\"RuleId\":\"r\",\"AppId\":\"a\",\"RoomId\":\"room\",\"Status\":\"alerting\"}", &a);
    run_one("{\"RuleId\":\"r\",\"AppId\":\"a\",\"RoomId\":\"room\",\"Status\":\"恢复\"}", &b);
    run_one("{\"RuleId\":\"r\",\"AppId\":\"a\",\"RoomId\":\"room\",\"UserId\":\"u\"}", &c);
    assert_string_equal(a.items[0].alert_key, b.items[0].alert_key);
    assert_string_not_equal(a.items[0].alert_key, c.items[0].alert_key);
    assert_true(b.items[0].recovered);
    ah_event_list_done(&a);
    ah_event_list_done(&b);
    ah_event_list_done(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixtures),
        cmocka_unit_test(test_fixture_keys_differ),
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_statuses),
        cmocka_unit_test(test_notify_type),
        cmocka_unit_test(test_retry_id),
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_too_many_resources),
        cmocka_unit_test(test_label_cap),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_envelope_precedence),
        cmocka_unit_test(test_labels_and_title),
        cmocka_unit_test(test_body_keys),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
