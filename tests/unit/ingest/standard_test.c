/* standard_test.c - the Flashduty standard event adapter (ingest/standard.c),
 * run through ah_push_prepare so that the limits of api.md section 1
 * (enforced by ah_event_check) are checked as a client sees them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ingest/adapter.h"
#include "ingest/push.h"
#include "util/alloc.h"
#include "util/text.h"

#include <string.h>

static const struct ah_push_integration intg = {.id = 7, .name = "std", .type = "standard"};

/* Prepares @body (stolen) and returns the rc; @out must be freed. */
static int prepare_value(json_t *body, struct ah_event_list *out, struct ah_error *err)
{
    struct ah_push_input in = {.body = body};
    struct ah_push_overrides ov = {NULL, NULL};
    int rc;

    assert_non_null(body);
    ah_event_list_init(out);
    ah_error_clear(err);
    rc = ah_push_prepare(&ah_adapter_standard, &in, &ov, &intg, out, err);
    json_decref(body);
    return rc;
}

/* Same, from JSON text. */
static int prepare(const char *json, struct ah_event_list *out, struct ah_error *err)
{
    return prepare_value(json_loads(json, JSON_DECODE_ANY, NULL), out, err);
}

static void expect_refused(const char *json, const char *msg)
{
    struct ah_event_list out;
    struct ah_error err;

    assert_int_equal(prepare(json, &out, &err), AH_EINVAL);
    assert_string_equal(err.msg, msg);
    ah_event_list_done(&out);
}

static void expect_refused_value(json_t *body, const char *msg)
{
    struct ah_event_list out;
    struct ah_error err;

    assert_int_equal(prepare_value(body, &out, &err), AH_EINVAL);
    assert_string_equal(err.msg, msg);
    ah_event_list_done(&out);
}

/* Returns a new string of @n copies of the UTF-8 character @ch. */
static char *repeat(const char *ch, size_t n)
{
    size_t w = strlen(ch), i;
    char *s = ah_xmalloc(w * n + 1);

    for (i = 0; i < n; i++)
        memcpy(s + i * w, ch, w);
    s[w * n] = '\0';
    return s;
}

static json_t *base(const char *status)
{
    return json_pack("{ss ss}", "event_status", status, "title_rule", "disk full");
}

static void test_statuses(void **state)
{
    static const struct {
        const char *status;
        enum ah_severity sev;
    } cases[] = {{"Critical", AH_SEV_CRITICAL}, {"Warning", AH_SEV_WARNING}, {"Info", AH_SEV_INFO}};
    struct ah_event_list out;
    struct ah_error err;
    size_t i;

    (void)state;
    for (i = 0; i < 3; i++) {
        assert_int_equal(prepare_value(base(cases[i].status), &out, &err), AH_OK);
        assert_int_equal(out.count, 1);
        assert_int_equal(out.items[0].severity, cases[i].sev);
        assert_int_equal(out.items[0].recovered, 0);
        assert_string_equal(out.items[0].title, "disk full");
        assert_string_equal(out.items[0].title_rule, "disk full");
        assert_int_equal(strlen(out.items[0].alert_key), 32);
        ah_event_list_done(&out);
    }
}

static void test_ok(void **state)
{
    struct ah_event_list out;
    struct ah_error err;

    (void)state;
    assert_int_equal(prepare("{\"event_status\":\"Ok\",\"title_rule\":\"t\",\"alert_key\":\"k1\","
                             "\"description\":\"d\",\"extra\":[1,2]}",
                             &out, &err),
                     AH_OK);
    assert_int_equal(out.items[0].recovered, 1);
    assert_int_equal(out.items[0].severity, AH_SEV_INFO);
    assert_string_equal(out.items[0].alert_key, "k1");
    assert_string_equal(out.items[0].description, "d");
    assert_int_equal(out.items[0].event_time, 0);
    assert_null(out.items[0].images);
    ah_event_list_done(&out);
}

/* The adapter itself leaves rendering to push.c: it sets title_rule only. */
static void test_parse_direct(void **state)
{
    json_t *body = json_pack("{ss ss s{ss} sn}", "event_status", "Warning", "title_rule", "$h::x",
                             "labels", "h", "web1", "alert_key");
    struct ah_push_input in = {.body = body};
    struct ah_event_list out;
    struct ah_error err;

    (void)state;
    ah_event_list_init(&out);
    assert_int_equal(ah_adapter_standard.parse(&in, &out, &err), AH_OK);
    assert_int_equal(out.count, 1);
    assert_null(out.items[0].title);
    assert_null(out.items[0].alert_key); /* null is absent */
    assert_string_equal(out.items[0].title_rule, "$h::x");
    assert_string_equal(json_string_value(json_object_get(out.items[0].labels, "h")), "web1");
    assert_string_equal(ah_adapter_standard.type, "standard");
    assert_string_equal(ah_adapter_standard.path, "standard");
    assert_null(ah_adapter_standard.retry_id);
    ah_event_list_done(&out);
    json_decref(body);
}

static void test_bad_body(void **state)
{
    (void)state;
    expect_refused("[{\"event_status\":\"Ok\"}]", "body must be a JSON object");
    expect_refused("\"x\"", "body must be a JSON object");
    expect_refused("null", "body must be a JSON object");
}

static void test_bad_status(void **state)
{
    const char *msg = "event_status must be one of Critical, Warning, Info, Ok";

    (void)state;
    expect_refused("{\"title_rule\":\"t\"}", msg);
    expect_refused("{\"event_status\":\"critical\",\"title_rule\":\"t\"}", msg);
    expect_refused("{\"event_status\":\"OK\",\"title_rule\":\"t\"}", msg);
    expect_refused("{\"event_status\":\"\",\"title_rule\":\"t\"}", msg);
    expect_refused("{\"event_status\":3,\"title_rule\":\"t\"}", msg);
    expect_refused("{\"event_status\":\"Critical \",\"title_rule\":\"t\"}", msg);
}

static void test_bad_title_rule(void **state)
{
    const char *msg = "title_rule must be a non-empty string";

    (void)state;
    expect_refused("{\"event_status\":\"Info\"}", msg);
    expect_refused("{\"event_status\":\"Info\",\"title_rule\":\"\"}", msg);
    expect_refused("{\"event_status\":\"Info\",\"title_rule\":42}", msg);
}

static void test_alert_key(void **state)
{
    static const char *chars[] = {"a", "\xc3\xa9", "\xe4\xb8\x80"}; /* a, é, 一 */
    struct ah_event_list out;
    struct ah_error err;
    json_t *body;
    char *k;
    size_t i;

    (void)state;
    expect_refused("{\"event_status\":\"Info\",\"title_rule\":\"t\",\"alert_key\":5}",
                   "alert_key must be a string");
    expect_refused("{\"event_status\":\"Info\",\"title_rule\":\"t\",\"alert_key\":\"\"}",
                   "alert_key must not be empty");
    for (i = 0; i < 3; i++) {
        k = repeat(chars[i], 255);
        body = base("Critical");
        json_object_set_new(body, "alert_key", json_string(k));
        assert_int_equal(prepare_value(body, &out, &err), AH_OK);
        assert_string_equal(out.items[0].alert_key, k);
        ah_event_list_done(&out);
        ah_free(k);
        k = repeat(chars[i], 256);
        body = base("Critical");
        json_object_set_new(body, "alert_key", json_string(k));
        expect_refused_value(body, "alert_key is longer than 255 characters");
        ah_free(k);
    }
}

static void test_labels_refused(void **state)
{
    json_t *body;
    char *key;

    (void)state;
    expect_refused("{\"event_status\":\"Info\",\"title_rule\":\"t\",\"labels\":[\"a\"]}",
                   "labels must be an object");
    expect_refused("{\"event_status\":\"Info\",\"title_rule\":\"t\",\"labels\":\"a=b\"}",
                   "labels must be an object");
    expect_refused("{\"event_status\":\"Info\",\"title_rule\":\"t\","
                   "\"labels\":{\"ok\":\"x\",\"port\":8080}}",
                   "label \"port\" must be a string");
    expect_refused("{\"event_status\":\"Info\",\"title_rule\":\"t\",\"labels\":{\"n\":null}}",
                   "label \"n\" must be a string");
    key = repeat("k", 129);
    body = base("Info");
    json_object_set_new(body, "labels", json_pack("{ss}", key, "v"));
    expect_refused_value(body, "label name \"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...\" is "
                               "longer than 128");
    ah_free(key);
}

static json_t *n_labels(size_t n)
{
    json_t *labels = json_object();
    char key[32];
    size_t i;

    for (i = 0; i < n; i++) {
        snprintf(key, sizeof(key), "l%zu", i);
        json_object_set_new(labels, key, json_string("v"));
    }
    return labels;
}

static void test_label_count(void **state)
{
    struct ah_event_list out;
    struct ah_error err;
    json_t *body;
    char *key;

    (void)state;
    body = base("Info");
    json_object_set_new(body, "labels", n_labels(50));
    assert_int_equal(prepare_value(body, &out, &err), AH_OK);
    assert_int_equal(json_object_size(out.items[0].labels), 50);
    ah_event_list_done(&out);
    body = base("Info");
    json_object_set_new(body, "labels", n_labels(51));
    expect_refused_value(body, "labels has 51 entries, at most 50 are allowed");
    key = repeat("\xe4\xb8\x80", 128);
    body = base("Info");
    json_object_set_new(body, "labels", json_pack("{ss}", key, "v"));
    assert_int_equal(prepare_value(body, &out, &err), AH_OK);
    ah_event_list_done(&out);
    ah_free(key);
}

static void test_truncation(void **state)
{
    struct ah_event_list out;
    struct ah_error err;
    char *value = repeat("\xc3\xa9", 3000), *title = repeat("t", 600);
    char *desc = repeat("\xe4\xb8\x80", 3000);
    const char *big;
    json_t *body = json_pack("{ss ss ss s{ss}}", "event_status", "Warning", "title_rule", title,
                             "description", desc, "labels", "big", value);

    (void)state;
    assert_int_equal(prepare_value(body, &out, &err), AH_OK);
    assert_int_equal(ah_utf8_len(out.items[0].title), 512);
    assert_int_equal(strlen(out.items[0].title), 512);
    assert_int_equal(ah_utf8_len(out.items[0].description), 2048);
    assert_int_equal(strlen(out.items[0].description), 3 * 2048);
    big = json_string_value(json_object_get(out.items[0].labels, "big"));
    assert_int_equal(ah_utf8_len(big), 2048);
    assert_int_equal(strlen(big), 2 * 2048);
    ah_event_list_done(&out);
    ah_free(value);
    ah_free(title);
    ah_free(desc);
    expect_refused("{\"event_status\":\"Info\",\"title_rule\":\"t\",\"description\":1}",
                   "description must be a string");
}

static void test_event_time(void **state)
{
    static const struct {
        const char *json;
        int64_t want;
    } cases[] = {
        {"1795157461", 1795157461},
        {"1795157461000", 1795157461},
        {"1795157461.9", 1795157461},
        {"1795157461123.0", 1795157461},
        {"0", 0},
        {"null", 0},
        {"100000000000", 100000000},
    };
    struct ah_event_list out;
    struct ah_error err;
    json_t *body;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        body = base("Info");
        json_object_set_new(body, "event_time", json_loads(cases[i].json, JSON_DECODE_ANY, NULL));
        assert_int_equal(prepare_value(body, &out, &err), AH_OK);
        assert_int_equal(out.items[0].event_time, cases[i].want);
        ah_event_list_done(&out);
    }
    expect_refused("{\"event_status\":\"Info\",\"title_rule\":\"t\",\"event_time\":-1}",
                   "event_time must be a non-negative integer");
    expect_refused("{\"event_status\":\"Info\",\"title_rule\":\"t\",\"event_time\":-0.5}",
                   "event_time must be a non-negative integer");
    expect_refused("{\"event_status\":\"Info\",\"title_rule\":\"t\",\"event_time\":\"1795157461\"}",
                   "event_time must be a non-negative integer");
}

static void test_images(void **state)
{
    struct ah_event_list out;
    struct ah_error err;
    char *longsrc = repeat("s", 300);
    json_t *body = base("Critical"), *imgs;

    (void)state;
    json_object_set_new(body, "images",
                        json_pack("[{ss ss} {ss} {ss ss} {ss ss ss} {sn}]", "src", "http://a/1",
                                  "alt", "cpu", "src", longsrc, "src", "http://a/2", "alt", "mem",
                                  "src", "http://a/3", "alt", "cpu", "href", "http://h", "src"));
    assert_int_equal(prepare_value(body, &out, &err), AH_OK);
    imgs = out.items[0].images;
    assert_int_equal(json_array_size(imgs), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(imgs, 0), "src")),
                        "http://a/3");
    assert_string_equal(json_string_value(json_object_get(json_array_get(imgs, 0), "href")),
                        "http://h");
    assert_string_equal(json_string_value(json_object_get(json_array_get(imgs, 1), "alt")), "mem");
    ah_event_list_done(&out);
    ah_free(longsrc);
    expect_refused("{\"event_status\":\"Info\",\"title_rule\":\"t\",\"images\":{}}",
                   "images must be an array");
}

static void test_labels_and_template(void **state)
{
    struct ah_event_list out;
    struct ah_error err;

    (void)state;
    assert_int_equal(prepare("{\"event_status\":\"Critical\",\"title_rule\":\"$resource::$check\","
                             "\"labels\":{\"resource\":\"127.0.0.1\",\"check\":\"cpu idle low\"}}",
                             &out, &err),
                     AH_OK);
    assert_string_equal(out.items[0].title, "127.0.0.1 / cpu idle low");
    assert_string_equal(out.items[0].title_rule, "$resource::$check");
    ah_event_list_done(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_statuses),
        cmocka_unit_test(test_ok),
        cmocka_unit_test(test_parse_direct),
        cmocka_unit_test(test_bad_body),
        cmocka_unit_test(test_bad_status),
        cmocka_unit_test(test_bad_title_rule),
        cmocka_unit_test(test_alert_key),
        cmocka_unit_test(test_labels_refused),
        cmocka_unit_test(test_label_count),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_event_time),
        cmocka_unit_test(test_images),
        cmocka_unit_test(test_labels_and_template),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
