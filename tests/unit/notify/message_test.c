/* message_test.c - the notification message builder (notify/message.c).
 * Every JSON body is parsed back with jansson and its fields checked; the
 * signatures are checked against values computed independently: the RFC 4231
 * HMAC-SHA256 vectors and Python's hmac module (commands in the comments). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_fixture.h"
#include "notify/message.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/text.h"

#define INCIDENT                                                                                   \
    "{\"id\":\"42\",\"channel_id\":\"1\",\"title\":\"payment-api 5xx rate above 5%\","             \
    "\"severity\":\"Critical\",\"status\":\"Critical\",\"progress\":\"Triggered\","                \
    "\"labels\":{\"service\":\"payment-api\",\"env\":\"prod\",\"resource\":\"10.0.3.17\"},"        \
    "\"alert_count\":3,\"active_alert_count\":2,\"event_count\":5,\"start_time\":1795732338,"      \
    "\"last_time\":1795732345,\"ack_time\":0,\"close_time\":0,\"group_key\":\"\","                 \
    "\"description\":\"5xx ratio is 5.6% over the last 5 minutes\"}"

#define SECRET    "SEC-test-secret"
#define NOW_MS    1795732345123 /* Thu, 26 Nov 2026 22:32:25.123 UTC */
#define DING_HOOK "https://oapi.dingtalk.com/robot/send?access_token=abc"
#define LINK      "https://alerthub.example.com/#/incidents/42"

/* An input for the sample incident: event i_new, channel "Payments". */
static struct ah_msg_input sample(const json_t *incident, const char *kind)
{
    struct ah_msg_input in = {
        .kind = kind,
        .event_id = "evt-42.7",
        .event_type = "i_new",
        .event_time_ms = 1795732338000,
        .incident = incident,
        .channel_name = "Payments",
        .console_url = "https://alerthub.example.com",
        .url = "https://hooks.example.com/alerthub",
        .now_ms = NOW_MS,
        .email_from = "alerthub <alerthub@example.com>",
        .email_to = "oncall@example.com",
    };

    return in;
}

/* Builds @in, which must succeed. */
static void build_ok(const struct ah_msg_input *in, struct ah_msg *m)
{
    struct ah_error err;
    int rc;

    ah_error_clear(&err);
    rc = ah_msg_build(in, m, &err);
    if (rc != AH_OK)
        fail_msg("build of %s failed: %s", in->kind, err.msg);
    assert_non_null(m->body);
    assert_int_equal(strlen(m->body), m->body_len);
}

/* Builds @in, which must be refused with AH_EINVAL, an error message that
 * contains @msg_part, and the message left zeroed. */
static void build_refused(const struct ah_msg_input *in, const char *msg_part)
{
    struct ah_msg m;
    struct ah_error err;

    ah_error_clear(&err);
    memset(&m, 0xA5, sizeof(m));
    assert_int_equal(ah_msg_build(in, &m, &err), AH_EINVAL);
    assert_int_equal(err.code, AH_EINVAL);
    if (strstr(err.msg, msg_part) == NULL)
        fail_msg("error \"%s\" does not contain \"%s\"", err.msg, msg_part);
    assert_null(m.body);
    assert_null(m.url);
    assert_null(m.headers);
    assert_null(m.subject);
    ah_msg_done(&m);
}

/* Builds a JSON kind for @in and returns its parsed body (json_decref). */
static json_t *build_json(const struct ah_msg_input *in, struct ah_msg *m)
{
    json_t *j;

    build_ok(in, m);
    j = parse_json(m->body);
    assert_true(json_is_object(j));
    return j;
}

static size_t header_count(const struct ah_msg *m)
{
    size_t n = 0;

    while (m->headers[n])
        n++;
    return n;
}

/* Returns the value of header @name, or NULL. */
static const char *header(const struct ah_msg *m, const char *name)
{
    size_t i, len = strlen(name);

    for (i = 0; m->headers[i]; i++)
        if (strncmp(m->headers[i], name, len) == 0 && strncmp(m->headers[i] + len, ": ", 2) == 0)
            return m->headers[i] + len + 2;
    return NULL;
}

/* Returns a borrowed string at a path of object keys and array indexes
 * ("blocks", "#1", "text", "text"), failing the test when it is missing. */
static const char *str_at(const json_t *j, const char *const *path, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (path[i][0] == '#')
            j = json_array_get(j, (size_t)strtoul(path[i] + 1, NULL, 10));
        else
            j = json_object_get(j, path[i]);
        if (j == NULL)
            fail_msg("no %s (step %zu)", path[i], i);
    }
    if (!json_is_string(j))
        fail_msg("not a string at step %zu", n);
    return json_string_value(j);
}

#define STR_AT(j, ...)                                                                             \
    str_at((j), (const char *const[]){__VA_ARGS__},                                                \
           sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

/* ==== HMAC ==== */

static void hmac_rfc4231_vectors(void **state)
{
    char hex[65], key[21];
    static const char data2[] = "what do ya want for nothing?";

    (void)state;
    /* RFC 4231 test case 1: key = 20 bytes of 0x0b, data = "Hi There". */
    memset(key, 0x0b, 20);
    key[20] = '\0';
    ah_msg_hmac_sha256_hex(key, "Hi There", 8, hex);
    assert_string_equal(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    /* Test case 2: key = "Jefe". */
    ah_msg_hmac_sha256_hex("Jefe", data2, sizeof(data2) - 1, hex);
    assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

/* ==== webhook ==== */

static void webhook_body(void **state)
{
    json_t *inc = parse_json(INCIDENT);
    struct ah_msg_input in = sample(inc, "webhook");
    json_t *want_inc = json_deep_copy(inc);
    json_t *body, *got_inc = NULL;
    struct ah_msg m;
    const char *id = NULL, *type = NULL;
    json_int_t time = 0;
    json_error_t jerr;

    (void)state;
    body = build_json(&in, &m);
    /* "!" refuses other keys: no person or detail when none is given */
    if (json_unpack_ex(body, &jerr, 0, "{s:s, s:s, s:I, s:o !}", "event_id", &id, "event_type",
                       &type, "event_time", &time, "incident", &got_inc) != 0)
        fail_msg("webhook body: %s", jerr.text);
    assert_string_equal(id, "evt-42.7");
    assert_string_equal(type, "i_new");
    assert_true(time == 1795732338000);
    json_object_set_new(want_inc, "channel_name", json_string("Payments"));
    json_object_set_new(want_inc, "url", json_string(LINK));
    assert_true(json_equal(got_inc, want_inc));
    assert_string_equal(m.url, "https://hooks.example.com/alerthub");
    assert_null(m.subject);
    assert_int_equal(header_count(&m), 3);
    assert_string_equal(m.headers[0], "Content-Type: application/json");
    assert_string_equal(m.headers[1], "X-Alerthub-Event: i_new");
    assert_string_equal(m.headers[2], "X-Alerthub-Delivery: evt-42.7");
    json_decref(body);
    json_decref(want_inc);
    ah_msg_done(&m);
    json_decref(inc);
}

static void webhook_person_detail_and_nulls(void **state)
{
    json_t *inc = parse_json("{\"id\":7,\"title\":\"t\"}");
    json_t *person = parse_json("{\"id\":\"3\",\"name\":\"Alice\"}");
    json_t *detail = parse_json("{\"rule\":\"Primary\",\"level\":2,\"round\":0}");
    struct ah_msg_input in = sample(inc, "webhook");
    json_t *body;
    struct ah_msg m;

    (void)state;
    in.event_type = "i_esc";
    in.person = person;
    in.detail = detail;
    in.channel_name = NULL;
    in.console_url = NULL;
    body = build_json(&in, &m);
    assert_true(json_equal(json_object_get(body, "person"), person));
    assert_true(json_equal(json_object_get(body, "detail"), detail));
    assert_true(json_is_null(json_object_get(json_object_get(body, "incident"), "channel_name")));
    assert_true(json_is_null(json_object_get(json_object_get(body, "incident"), "url")));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(body, "incident"), "id")),
                     7);
    json_decref(body);
    ah_msg_done(&m);
    json_decref(inc);
    json_decref(person);
    json_decref(detail);
}

/* The exact body of the sample, and its signature with key SECRET computed
 * by Python:
 *   python3 -c 'import hmac,hashlib,sys; print(hmac.new(b"SEC-test-secret",
 *     sys.stdin.buffer.read(), hashlib.sha256).hexdigest())' < body */
#define WEBHOOK_BODY                                                                               \
    "{\"event_id\":\"evt-42.7\",\"event_type\":\"i_new\",\"event_time\":1795732338000,"            \
    "\"incident\":{\"id\":\"42\",\"channel_id\":\"1\",\"title\":\"payment-api 5xx rate above "     \
    "5%\",\"severity\":\"Critical\",\"status\":\"Critical\",\"progress\":\"Triggered\","           \
    "\"labels\":{\"service\":\"payment-api\",\"env\":\"prod\",\"resource\":\"10.0.3.17\"},"        \
    "\"alert_count\":3,\"active_alert_count\":2,\"event_count\":5,\"start_time\":1795732338,"      \
    "\"last_time\":1795732345,\"ack_time\":0,\"close_time\":0,\"group_key\":\"\","                 \
    "\"description\":\"5xx ratio is 5.6% over the last 5 minutes\",\"channel_name\":"              \
    "\"Payments\",\"url\":\"" LINK "\"}}"
#define WEBHOOK_SIG "sha256=af1f492a48ff0b5557d177271c5850740d261304c205ea5a8f79699c0494b2ef"

static void webhook_signature(void **state)
{
    json_t *inc = parse_json(INCIDENT);
    struct ah_msg_input in = sample(inc, "webhook");
    struct ah_msg m;
    char hex[65], want[80];

    (void)state;
    in.secret = SECRET;
    build_ok(&in, &m);
    assert_string_equal(m.body, WEBHOOK_BODY);
    assert_int_equal(header_count(&m), 4);
    assert_string_equal(header(&m, "X-Alerthub-Signature"), WEBHOOK_SIG);
    /* and the same through the vector-checked function, over the raw body */
    ah_msg_hmac_sha256_hex(SECRET, m.body, m.body_len, hex);
    snprintf(want, sizeof(want), "sha256=%s", hex);
    assert_string_equal(header(&m, "X-Alerthub-Signature"), want);
    ah_msg_done(&m);
    /* an empty secret means unsigned */
    in.secret = "";
    build_ok(&in, &m);
    assert_int_equal(header_count(&m), 3);
    assert_null(header(&m, "X-Alerthub-Signature"));
    ah_msg_done(&m);
    json_decref(inc);
}

/* ==== slack ==== */

static void slack_blocks(void **state)
{
    json_t *inc = parse_json(INCIDENT);
    struct ah_msg_input in = sample(inc, "slack");
    json_t *body;
    struct ah_msg m;

    (void)state;
    in.secret = SECRET; /* Slack has no signing: ignored */
    body = build_json(&in, &m);
    assert_string_equal(STR_AT(body, "text"),
                        "[Critical] payment-api 5xx rate above 5% - New incident");
    assert_int_equal(json_array_size(json_object_get(body, "blocks")), 5);
    assert_string_equal(STR_AT(body, "blocks", "#0", "type"), "header");
    assert_string_equal(STR_AT(body, "blocks", "#0", "text", "type"), "plain_text");
    assert_string_equal(STR_AT(body, "blocks", "#0", "text", "text"), "New incident");
    assert_string_equal(STR_AT(body, "blocks", "#1", "text", "type"), "mrkdwn");
    assert_string_equal(STR_AT(body, "blocks", "#1", "text", "text"),
                        "*payment-api 5xx rate above 5%*");
    assert_string_equal(STR_AT(body, "blocks", "#2", "fields", "#0", "text"),
                        "*Severity*\nCritical");
    assert_string_equal(STR_AT(body, "blocks", "#2", "fields", "#1", "text"),
                        "*Channel*\nPayments");
    assert_string_equal(STR_AT(body, "blocks", "#2", "fields", "#2", "text"), "*Alerts*\n3");
    assert_string_equal(STR_AT(body, "blocks", "#3", "text", "text"),
                        "*Labels*\nenv: prod\nresource: 10.0.3.17\nservice: payment-api\n");
    assert_string_equal(STR_AT(body, "blocks", "#4", "text", "text"),
                        "<" LINK "|Open in alerthub>");
    assert_string_equal(m.url, "https://hooks.example.com/alerthub");
    assert_int_equal(header_count(&m), 1);
    assert_string_equal(m.headers[0], "Content-Type: application/json");
    json_decref(body);
    ah_msg_done(&m);
    json_decref(inc);
}

/* ==== feishu ==== */

static void feishu_card_unsigned(void **state)
{
    json_t *inc = parse_json(INCIDENT);
    struct ah_msg_input in = sample(inc, "feishu");
    json_t *body;
    struct ah_msg m;

    (void)state;
    body = build_json(&in, &m);
    assert_null(json_object_get(body, "timestamp"));
    assert_null(json_object_get(body, "sign"));
    assert_string_equal(STR_AT(body, "msg_type"), "interactive");
    assert_string_equal(STR_AT(body, "card", "header", "template"), "red");
    assert_string_equal(STR_AT(body, "card", "header", "title", "tag"), "plain_text");
    assert_string_equal(STR_AT(body, "card", "header", "title", "content"),
                        "[Critical] payment-api 5xx rate above 5%");
    assert_string_equal(STR_AT(body, "card", "elements", "#0", "text", "content"), "New incident");
    assert_string_equal(STR_AT(body, "card", "elements", "#1", "fields", "#0", "text", "content"),
                        "Severity: Critical");
    assert_string_equal(STR_AT(body, "card", "elements", "#1", "fields", "#1", "text", "content"),
                        "Channel: Payments");
    assert_string_equal(STR_AT(body, "card", "elements", "#1", "fields", "#2", "text", "content"),
                        "Alerts: 3");
    assert_string_equal(STR_AT(body, "card", "elements", "#2", "text", "content"),
                        "Labels:\nenv: prod\nresource: 10.0.3.17\nservice: payment-api\n");
    assert_string_equal(STR_AT(body, "card", "elements", "#3", "tag"), "action");
    assert_string_equal(STR_AT(body, "card", "elements", "#3", "actions", "#0", "url"), LINK);
    assert_string_equal(m.url, "https://hooks.example.com/alerthub");
    assert_int_equal(header_count(&m), 1);
    json_decref(body);
    ah_msg_done(&m);
    json_decref(inc);
}

static void feishu_signed(void **state)
{
    json_t *inc = parse_json(INCIDENT);
    struct ah_msg_input in = sample(inc, "feishu");
    json_t *body;
    struct ah_msg m;

    (void)state;
    in.secret = SECRET;
    in.event_type = "i_rslv";
    body = build_json(&in, &m);
    /* Feishu signs timestamp (seconds) + "\n" + secret as the key of an
     * empty message:
     *   python3 -c 'import hmac,hashlib,base64; print(base64.b64encode(hmac.new(
     *     b"1795732345\nSEC-test-secret", b"", hashlib.sha256).digest()).decode())' */
    assert_string_equal(STR_AT(body, "timestamp"), "1795732345");
    assert_string_equal(STR_AT(body, "sign"), "3RSc9SbIgHO1cYZ/xeMm5tL9S5zgzdTbSogf42Ni4GY=");
    assert_string_equal(STR_AT(body, "card", "header", "template"), "green");
    assert_string_equal(m.url, "https://hooks.example.com/alerthub");
    json_decref(body);
    ah_msg_done(&m);
    json_decref(inc);
}

/* ==== dingtalk ==== */

static void dingtalk_markdown(void **state)
{
    json_t *inc = parse_json(INCIDENT);
    struct ah_msg_input in = sample(inc, "dingtalk");
    json_t *body;
    struct ah_msg m;

    (void)state;
    in.url = DING_HOOK;
    body = build_json(&in, &m);
    assert_string_equal(STR_AT(body, "msgtype"), "markdown");
    assert_string_equal(STR_AT(body, "markdown", "title"),
                        "[Critical] payment-api 5xx rate above 5%");
    assert_string_equal(STR_AT(body, "markdown", "text"),
                        "### New incident\n\n"
                        "**payment-api 5xx rate above 5%**\n\n"
                        "- Severity: Critical\n- Channel: Payments\n- Alerts: 3\n\n"
                        "Labels:\n\n"
                        "- env: prod\n- resource: 10.0.3.17\n- service: payment-api\n\n"
                        "[Open in alerthub](" LINK ")\n");
    /* unsigned: the URL as given */
    assert_string_equal(m.url, DING_HOOK);
    assert_int_equal(header_count(&m), 1);
    json_decref(body);
    ah_msg_done(&m);
    json_decref(inc);
}

/* DingTalk signs timestamp (ms) + "\n" + secret with the secret as key:
 *   python3 -c 'import hmac,hashlib,base64,urllib.parse; print(urllib.parse.quote_plus(
 *     base64.b64encode(hmac.new(b"SEC-test-secret", b"1795732345123\nSEC-test-secret",
 *     hashlib.sha256).digest())))'
 * The value happens to hold all of +, / and =. */
#define DING_SIGN "yqcDlSNxIyFfbSHo%2BZU76p2TC1uq%2B%2B24c%2FeKdADvwq0%3D"

static void dingtalk_signed_url(void **state)
{
    static const struct {
        const char *url, *want;
    } cases[] = {
        {DING_HOOK, DING_HOOK "&timestamp=1795732345123&sign=" DING_SIGN},
        {"https://ding.example.com/hook", "https://ding.example.com/hook?timestamp=1795732345123"
                                          "&sign=" DING_SIGN},
        {"https://ding.example.com/hook?", "https://ding.example.com/hook?timestamp="
                                           "1795732345123&sign=" DING_SIGN},
        {"https://ding.example.com/hook?a=1&", "https://ding.example.com/hook?a=1&timestamp="
                                               "1795732345123&sign=" DING_SIGN},
    };
    json_t *inc = parse_json(INCIDENT);
    struct ah_msg_input in = sample(inc, "dingtalk");
    struct ah_msg m;
    size_t i;

    (void)state;
    in.secret = SECRET;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        in.url = cases[i].url;
        build_ok(&in, &m);
        assert_string_equal(m.url, cases[i].want);
        ah_msg_done(&m);
    }
    json_decref(inc);
}

/* ==== wecom ==== */

static void wecom_markdown(void **state)
{
    json_t *inc = parse_json(INCIDENT);
    struct ah_msg_input in = sample(inc, "wecom");
    json_t *body;
    struct ah_msg m;

    (void)state;
    body = build_json(&in, &m);
    assert_string_equal(STR_AT(body, "msgtype"), "markdown");
    assert_string_equal(STR_AT(body, "markdown", "content"),
                        "### New incident\n"
                        "**payment-api 5xx rate above 5%**\n"
                        "> Severity: <font color=\"warning\">Critical</font>\n"
                        "> Channel: Payments\n> Alerts: 3\n"
                        "Labels:\n> env: prod\n> resource: 10.0.3.17\n> service: payment-api\n"
                        "[Open in alerthub](" LINK ")");
    assert_int_equal(header_count(&m), 1);
    json_decref(body);
    ah_msg_done(&m);
    json_decref(inc);
}

/* Twenty labels with 250-byte values, each full of characters that markdown
 * escaping doubles, far exceed 4096 bytes: labels are dropped instead. */
static void wecom_limit(void **state)
{
    json_t *inc = parse_json(INCIDENT);
    json_t *labels = json_object();
    struct ah_msg_input in = sample(inc, "wecom");
    struct ah_buf value;
    const char *content;
    json_t *body;
    struct ah_msg m;
    char key[8];
    int i;

    (void)state;
    ah_buf_init(&value);
    for (i = 0; i < 60; i++)
        ah_buf_puts(&value, i % 2 ? "**" : "\xE5\x91\x8A"); /* "*" and a CJK character */
    for (i = 0; i < 25; i++) {
        snprintf(key, sizeof(key), "k%02d", i);
        json_object_set_new(labels, key, json_string(ah_buf_str(&value)));
    }
    json_object_set_new(inc, "labels", labels);
    body = build_json(&in, &m);
    content = STR_AT(body, "markdown", "content");
    assert_true(strlen(content) <= AH_MSG_WECOM_MAX);
    assert_true(ah_utf8_valid(content));
    assert_non_null(strstr(content, "> k00: "));
    assert_non_null(strstr(content, " more\n[Open in alerthub](" LINK ")"));
    assert_null(strstr(content, "k19"));
    json_decref(body);
    ah_msg_done(&m);
    ah_buf_done(&value);
    json_decref(inc);
}

/* ==== email ==== */

/* Checks that every line of @s ends with CRLF (no bare CR or LF) and holds at
 * most 998 bytes. */
static void expect_crlf_lines(const char *s)
{
    size_t col = 0;

    for (; *s; s++) {
        if (*s == '\r') {
            assert_int_equal(s[1], '\n');
            s++;
            col = 0;
            continue;
        }
        assert_int_not_equal(*s, '\n');
        col++;
        assert_true(col <= 998);
    }
    assert_int_equal(col, 0); /* ends with a line end */
}

static void email_ascii(void **state)
{
    json_t *inc = parse_json(INCIDENT);
    json_t *person = parse_json("{\"id\":\"3\",\"name\":\"Alice\"}");
    struct ah_msg_input in = sample(inc, "email");
    struct ah_msg m;

    (void)state;
    in.event_type = "i_ack";
    in.person = person;
    in.url = NULL; /* not used for email */
    build_ok(&in, &m);
    assert_string_equal(m.subject, "[Critical] payment-api 5xx rate above 5% - acknowledged");
    assert_null(m.url);
    assert_non_null(m.headers);
    assert_null(m.headers[0]);
    expect_crlf_lines(m.body);
    /* Date: python3 -c 'import time; print(time.strftime(
     *   "%a, %d %b %Y %H:%M:%S +0000", time.gmtime(1795732345)))' */
    assert_string_equal(m.body,
                        "From: alerthub <alerthub@example.com>\r\n"
                        "To: oncall@example.com\r\n"
                        "Subject: [Critical] payment-api 5xx rate above 5% - acknowledged\r\n"
                        "Date: Thu, 26 Nov 2026 22:32:25 +0000\r\n"
                        "Message-ID: <evt-42.7@alerthub>\r\n"
                        "MIME-Version: 1.0\r\n"
                        "Content-Type: text/plain; charset=UTF-8\r\n"
                        "Content-Transfer-Encoding: 8bit\r\n"
                        "Auto-Submitted: auto-generated\r\n"
                        "\r\n"
                        "Acknowledged by Alice\r\n"
                        "\r\n"
                        "Title:    payment-api 5xx rate above 5%\r\n"
                        "Severity: Critical\r\n"
                        "Channel:  Payments\r\n"
                        "Alerts:   3\r\n"
                        "Labels:\r\n"
                        "  env: prod\r\n"
                        "  resource: 10.0.3.17\r\n"
                        "  service: payment-api\r\n"
                        "\r\n"
                        "Open in alerthub: " LINK "\r\n"
                        "\r\n"
                        "Description:\r\n"
                        "5xx ratio is 5.6% over the last 5 minutes\r\n");
    ah_msg_done(&m);
    json_decref(person);
    json_decref(inc);
}

/* Returns the Subject header's encoded-words decoded (ah_free), checking
 * that each is a well-formed =?UTF-8?B?...?= of at most 75 characters and
 * that folded lines start with a space. */
static char *decode_subject(const char *body)
{
    const char *p = strstr(body, "\r\nSubject: ");
    struct ah_buf out;

    assert_non_null(p);
    p += strlen("\r\nSubject: ");
    ah_buf_init(&out);
    for (;;) {
        const char *end = strstr(p, "?=");
        unsigned char raw[64];
        size_t n = (size_t)(end - p) - strlen("=?UTF-8?B?");
        int len;

        assert_non_null(end);
        assert_memory_equal(p, "=?UTF-8?B?", 10);
        assert_true((size_t)(end + 2 - p) <= 75);
        assert_true(n % 4 == 0 && n <= 60);
        len = EVP_DecodeBlock(raw, (const unsigned char *)p + 10, (int)n);
        assert_true(len >= 0);
        /* EVP_DecodeBlock counts the padding as zero bytes */
        if (n >= 1 && p[10 + n - 1] == '=')
            len--;
        if (n >= 2 && p[10 + n - 2] == '=')
            len--;
        ah_buf_append(&out, raw, (size_t)len);
        p = end + 2;
        if (strncmp(p, "\r\n ", 3) != 0)
            break;
        p += 3;
    }
    assert_memory_equal(p, "\r\nDate: ", 8);
    return ah_buf_steal(&out);
}

static void email_non_ascii_subject(void **state)
{
    json_t *inc = parse_json(INCIDENT);
    struct ah_msg_input in = sample(inc, "email");
    struct ah_msg m;
    char *decoded;

    (void)state;
    json_object_set_new(inc, "title", json_string("支付服务 5xx 告警"));
    build_ok(&in, &m);
    assert_string_equal(m.subject, "[Critical] 支付服务 5xx 告警 - new");
    /* checked with python3 -c 'import email.header; print(email.header.decode_header(
     *   "=?UTF-8?B?W0NyaXRpY2FsXSDmlK/ku5jmnI3liqEgNXh4IOWRiuitpiAtIG5ldw==?="))' */
    assert_non_null(strstr(
        m.body, "\r\nSubject: =?UTF-8?B?W0NyaXRpY2FsXSDmlK/ku5jmnI3liqEgNXh4IOWRiuitpiAtIG5ldw==?="
                "\r\nDate: "));
    expect_crlf_lines(m.body);
    ah_msg_done(&m);

    /* A long one folds into several words of whole characters. */
    json_object_set_new(inc, "title",
                        json_string("数据库主库连接数超过阈值，请值班人员立即处理，"
                                    "否则支付链路将受影响"));
    build_ok(&in, &m);
    decoded = decode_subject(m.body);
    assert_string_equal(decoded, m.subject);
    assert_non_null(strstr(m.body, "?=\r\n =?UTF-8?B?"));
    expect_crlf_lines(m.body);
    ah_free(decoded);
    ah_msg_done(&m);

    /* "=?" in an ASCII title could pose as an encoded-word: encoded too */
    json_object_set_new(inc, "title", json_string("=?UTF-8?B?aGk=?= x"));
    build_ok(&in, &m);
    decoded = decode_subject(m.body);
    assert_string_equal(decoded, "[Critical] =?UTF-8?B?aGk=?= x - new");
    ah_free(decoded);
    ah_msg_done(&m);
    json_decref(inc);
}

static void email_header_injection(void **state)
{
    json_t *inc = parse_json(INCIDENT);
    struct ah_msg_input in = sample(inc, "email");
    struct ah_msg m;

    (void)state;
    in.email_from = "a@example.com\r\nBcc: victim@example.com";
    build_refused(&in, "From");
    in.email_from = "a@example.com";
    in.email_to = "b@example.com\nBcc: victim@example.com";
    build_refused(&in, "To");
    in.email_to = "b@example.com\rX";
    build_refused(&in, "To");
    in.email_to = NULL;
    build_refused(&in, "To");
    in.email_to = "";
    build_refused(&in, "To");
    /* A title with line breaks stays on the Subject line. */
    in.email_to = "b@example.com";
    json_object_set_new(inc, "title", json_string("down\r\nBcc: victim@example.com"));
    build_ok(&in, &m);
    assert_string_equal(m.subject, "[Critical] down  Bcc: victim@example.com - new");
    assert_null(strstr(m.body, "\r\nBcc:"));
    expect_crlf_lines(m.body);
    ah_msg_done(&m);
    json_decref(inc);
}

static void email_body_lines(void **state)
{
    json_t *inc = parse_json(INCIDENT);
    struct ah_msg_input in = sample(inc, "email");
    struct ah_buf desc;
    struct ah_msg m;
    int i;

    (void)state;
    ah_buf_init(&desc);
    ah_buf_puts(&desc, "line one\nline two\r\nline three\rfour\n.starts with a dot\n");
    for (i = 0; i < 700; i++)
        ah_buf_puts(&desc, "\xC3\xA9"); /* 1400 bytes on one line */
    json_object_set_new(inc, "description", json_string(ah_buf_str(&desc)));
    build_ok(&in, &m);
    expect_crlf_lines(m.body);
    assert_non_null(strstr(m.body, "\r\nline one\r\nline two\r\nline three\r\nfour\r\n"));
    /* no dot-stuffing: libcurl does it */
    assert_non_null(strstr(m.body, "\r\n.starts with a dot\r\n"));
    /* the long line was broken between characters: the text is intact */
    assert_true(ah_utf8_valid(m.body));
    ah_msg_done(&m);
    ah_buf_done(&desc);
    json_decref(inc);
}

/* ==== the event in words ==== */

static void event_words(void **state)
{
    static const struct {
        const char *type, *person, *detail, *words, *suffix;
    } cases[] = {
        {"i_new", NULL, NULL, "New incident", "new"},
        {"i_assign", NULL, "{\"recipient\":{\"id\":\"3\",\"name\":\"Alice\"}}", "Assigned to Alice",
         "assigned"},
        {"i_esc", NULL, "{\"rule\":\"Primary\",\"level\":2,\"round\":0}", "Escalated to level 2",
         "escalated"},
        {"i_esc", NULL, "{\"level\":3,\"round\":2}", "Escalated to level 3 (repeat 2)",
         "escalated"},
        {"i_ack", "Alice", NULL, "Acknowledged by Alice", "acknowledged"},
        {"i_ack", NULL, NULL, "Acknowledged", "acknowledged"},
        {"i_unack", "Bob", NULL, "Unacknowledged by Bob", "unacknowledged"},
        {"i_snooze", "Alice", NULL, "Snoozed by Alice", "snoozed"},
        {"i_wake", NULL, NULL, "Woke up", "woke up"},
        {"i_rslv", NULL, NULL, "Resolved", "resolved"},
        {"i_rslv", "Alice", NULL, "Resolved by Alice", "resolved"},
        {"i_reopen", "Alice", NULL, "Reopened by Alice", "reopened"},
        {"i_storm", NULL, "{\"alert_count\":25}", "Storm warning: 25 alerts", "storm warning"},
        {"i_storm", NULL, NULL, "Storm warning: 3 alerts", "storm warning"},
        {"i_merge", NULL, NULL, "Merged", "merged"},
    };
    json_t *inc = parse_json(INCIDENT);
    struct ah_msg_input in = sample(inc, "feishu");
    struct ah_buf want;
    size_t i;

    (void)state;
    ah_buf_init(&want);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *person =
            cases[i].person ? json_pack("{s:s, s:s}", "id", "3", "name", cases[i].person) : NULL;
        json_t *detail = cases[i].detail ? parse_json(cases[i].detail) : NULL;
        json_t *body;
        struct ah_msg m;

        in.kind = "feishu";
        in.event_type = cases[i].type;
        in.person = person;
        in.detail = detail;
        body = build_json(&in, &m);
        assert_string_equal(STR_AT(body, "card", "elements", "#0", "text", "content"),
                            cases[i].words);
        json_decref(body);
        ah_msg_done(&m);
        in.kind = "email";
        build_ok(&in, &m);
        want.len = 0;
        ah_buf_printf(&want, "[Critical] payment-api 5xx rate above 5%% - %s", cases[i].suffix);
        assert_string_equal(m.subject, ah_buf_str(&want));
        ah_msg_done(&m);
        json_decref(person);
        json_decref(detail);
    }
    ah_buf_done(&want);
    json_decref(inc);
}

/* ==== cuts and hostile strings ==== */

/* Checks that @title, as a chat format shows it, was cut to at most 512 bytes
 * of whole characters with an ellipsis at the end. */
static void expect_cut_title(const char *title)
{
    size_t len = strlen(title);

    assert_true(len <= AH_MSG_TITLE_MAX);
    assert_true(len > AH_MSG_TITLE_MAX - 8);
    assert_true(ah_utf8_valid(title));
    assert_string_equal(title + len - 3, "\xE2\x80\xA6");
}

static void long_title_and_many_labels(void **state)
{
    json_t *inc = parse_json(INCIDENT);
    json_t *labels = json_object();
    struct ah_msg_input in = sample(inc, "feishu");
    struct ah_buf title;
    json_t *body;
    struct ah_msg m;
    char key[8], value[8];
    const char *labels_text;
    char *cut;
    int i;

    (void)state;
    ah_buf_init(&title);
    ah_buf_puts(&title, "x");
    for (i = 0; i < 300; i++)
        ah_buf_puts(&title, "\xE5\x91\x8A"); /* 901 bytes, cut inside a character */
    json_object_set_new(inc, "title", json_string(ah_buf_str(&title)));
    for (i = 29; i >= 0; i--) { /* inserted in reverse: shown sorted */
        snprintf(key, sizeof(key), "k%02d", i);
        snprintf(value, sizeof(value), "v%02d", i);
        json_object_set_new(labels, key, json_string(value));
    }
    json_object_set_new(inc, "labels", labels);

    body = build_json(&in, &m);
    expect_cut_title(STR_AT(body, "card", "header", "title", "content") + strlen("[Critical] "));
    labels_text = STR_AT(body, "card", "elements", "#2", "text", "content");
    assert_memory_equal(labels_text, "Labels:\nk00: v00\nk01: v01\n", 26);
    assert_non_null(strstr(labels_text, "\nk19: v19\n\xE2\x80\xA6 and 10 more\n"));
    assert_null(strstr(labels_text, "k20"));
    json_decref(body);
    ah_msg_done(&m);

    in.kind = "slack";
    body = build_json(&in, &m);
    labels_text = STR_AT(body, "blocks", "#1", "text", "text"); /* "*title*" */
    cut = ah_xstrndup(labels_text + 1, strlen(labels_text) - 2);
    expect_cut_title(cut);
    ah_free(cut);
    json_decref(body);
    ah_msg_done(&m);

    in.kind = "dingtalk";
    body = build_json(&in, &m);
    expect_cut_title(STR_AT(body, "markdown", "title") + strlen("[Critical] "));
    assert_non_null(
        strstr(STR_AT(body, "markdown", "text"), "- k19: v19\n- \xE2\x80\xA6 and 10 more\n"));
    json_decref(body);
    ah_msg_done(&m);

    in.kind = "email";
    build_ok(&in, &m);
    assert_true(strlen(m.subject) <= strlen("[Critical] ") + AH_MSG_TITLE_MAX + strlen(" - new"));
    assert_non_null(strstr(m.body, "  k19: v19\r\n  \xE2\x80\xA6 and 10 more\r\n"));
    ah_msg_done(&m);

    /* the webhook passes the incident as given */
    in.kind = "webhook";
    body = build_json(&in, &m);
    assert_string_equal(STR_AT(body, "incident", "title"), ah_buf_str(&title));
    assert_int_equal(json_object_size(json_object_get(json_object_get(body, "incident"), "labels")),
                     30);
    json_decref(body);
    ah_msg_done(&m);
    ah_buf_done(&title);
    json_decref(inc);
}

#define HOSTILE "He said \"hi\" <b>&amp;</b> [x](http://evil) *y*\n\tnext \\ end"

static void hostile_strings(void **state)
{
    json_t *inc = parse_json(INCIDENT);
    struct ah_msg_input in = sample(inc, "webhook");
    json_t *body;
    struct ah_msg m;

    (void)state;
    json_object_set_new(inc, "title", json_string(HOSTILE));
    json_object_set_new(inc, "labels", json_pack("{s:s}", "k\"<>", HOSTILE));
    in.channel_name = "ops \"<&>\"";

    body = build_json(&in, &m);
    assert_string_equal(STR_AT(body, "incident", "title"), HOSTILE);
    assert_string_equal(STR_AT(body, "incident", "labels", "k\"<>"), HOSTILE);
    assert_string_equal(STR_AT(body, "incident", "channel_name"), "ops \"<&>\"");
    json_decref(body);
    ah_msg_done(&m);

    in.kind = "slack";
    body = build_json(&in, &m);
    assert_string_equal(STR_AT(body, "blocks", "#1", "text", "text"),
                        "*He said \"hi\" &lt;b&gt;&amp;amp;&lt;/b&gt; [x](http://evil) *y*  next "
                        "\\ end*");
    assert_string_equal(STR_AT(body, "blocks", "#2", "fields", "#1", "text"),
                        "*Channel*\nops \"&lt;&amp;&gt;\"");
    assert_non_null(strstr(STR_AT(body, "blocks", "#3", "text", "text"), "k\"&lt;&gt;: He said"));
    json_decref(body);
    ah_msg_done(&m);

    in.kind = "feishu";
    body = build_json(&in, &m);
    assert_string_equal(STR_AT(body, "card", "header", "title", "content"),
                        "[Critical] He said \"hi\" <b>&amp;</b> [x](http://evil) *y*  next \\ end");
    json_decref(body);
    ah_msg_done(&m);

    in.kind = "dingtalk";
    body = build_json(&in, &m);
    assert_non_null(strstr(STR_AT(body, "markdown", "text"),
                           "\n**He said \"hi\" \\<b\\>&amp;\\</b\\> \\[x\\](http://evil) \\*y\\*  "
                           "next \\\\ end**\n"));
    json_decref(body);
    ah_msg_done(&m);

    in.kind = "wecom";
    body = build_json(&in, &m);
    assert_non_null(strstr(STR_AT(body, "markdown", "content"), "> Channel: ops \"\\<&\\>\"\n"));
    assert_null(strstr(STR_AT(body, "markdown", "content"), "<b>"));
    json_decref(body);
    ah_msg_done(&m);
    json_decref(inc);
}

/* ==== refusals ==== */

static void refusals(void **state)
{
    json_t *inc = parse_json(INCIDENT);
    json_t *no_title = parse_json("{\"id\":\"1\"}");
    json_t *no_id = parse_json("{\"title\":\"t\"}");
    json_t *arr = parse_json("[1]");
    struct ah_msg_input in;

    (void)state;
    in = sample(inc, "sms");
    build_refused(&in, "unrecognized notification kind \"sms\"");
    in.kind = NULL;
    build_refused(&in, "unrecognized notification kind");
    in = sample(inc, "webhook");
    in.event_type = "i_explode";
    build_refused(&in, "unrecognized event type \"i_explode\"");
    in.event_type = NULL;
    build_refused(&in, "unrecognized event type");
    in = sample(inc, "webhook");
    in.event_id = "a b";
    build_refused(&in, "invalid event id");
    in.event_id = "<x>";
    build_refused(&in, "invalid event id");
    in.event_id = "";
    build_refused(&in, "invalid event id");
    in = sample(no_title, "slack");
    build_refused(&in, "incident has no \"title\"");
    in = sample(no_id, "slack");
    build_refused(&in, "incident has no \"id\"");
    in = sample(NULL, "slack");
    build_refused(&in, "incident is not a JSON object");
    in = sample(inc, "slack");
    in.person = arr;
    build_refused(&in, "person is not a JSON object");
    in = sample(inc, "slack");
    in.detail = arr;
    build_refused(&in, "detail is not a JSON object");
    in = sample(inc, "slack");
    in.url = "file:///etc/passwd";
    build_refused(&in, "invalid slack URL");
    in.url = NULL;
    build_refused(&in, "invalid slack URL");
    in.url = "https://x.example.com/a b";
    build_refused(&in, "invalid slack URL");
    in = sample(inc, "wecom");
    in.channel_name = "\xff";
    build_refused(&in, "channel name is not valid UTF-8");
    in = sample(inc, "wecom");
    in.console_url = "javascript:alert(1)";
    build_refused(&in, "invalid console URL");
    json_decref(inc);
    json_decref(no_title);
    json_decref(no_id);
    json_decref(arr);
}

static void done_is_safe(void **state)
{
    struct ah_msg m;

    (void)state;
    memset(&m, 0, sizeof(m));
    ah_msg_done(&m);
    ah_msg_done(&m);
    ah_msg_done(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hmac_rfc4231_vectors),
        cmocka_unit_test(webhook_body),
        cmocka_unit_test(webhook_person_detail_and_nulls),
        cmocka_unit_test(webhook_signature),
        cmocka_unit_test(slack_blocks),
        cmocka_unit_test(feishu_card_unsigned),
        cmocka_unit_test(feishu_signed),
        cmocka_unit_test(dingtalk_markdown),
        cmocka_unit_test(dingtalk_signed_url),
        cmocka_unit_test(wecom_markdown),
        cmocka_unit_test(wecom_limit),
        cmocka_unit_test(email_ascii),
        cmocka_unit_test(email_non_ascii_subject),
        cmocka_unit_test(email_header_injection),
        cmocka_unit_test(email_body_lines),
        cmocka_unit_test(event_words),
        cmocka_unit_test(long_title_and_many_labels),
        cmocka_unit_test(hostile_strings),
        cmocka_unit_test(refusals),
        cmocka_unit_test(done_is_safe),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
