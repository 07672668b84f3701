/* message.c - see message.h. A message is built in two steps: the input is
 * read into a view of plain UTF-8 strings (the title cut and put on one line,
 * the event in words, the labels sorted and cut, the console link), then the
 * builder of the kind renders the view, escaping for its platform. JSON is
 * always built with jansson, never printed. */
#include "notify/message.h"

#include "model/event.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/hex.h"
#include "util/text.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define ELLIPSIS           "\xE2\x80\xA6" /* U+2026, marks a cut */
#define SHA256_LEN         32
#define B64_DIGEST_LEN     44   /* base64 of a SHA-256 digest */
#define EVENT_ID_MAX       128  /* bytes of an event id */
#define SECRET_MAX         4096 /* bytes of a secret */
#define EVENT_WORDS_MAX    256  /* bytes of the event in words (names included) */
#define SEVERITY_MAX       64   /* bytes of the severity */
#define CHANNEL_MAX        256  /* bytes of the channel name in messages */
#define LABEL_KEY_MAX      128  /* bytes of a label key in messages */
#define LABEL_VALUE_MAX    256  /* bytes of a label value in messages */
#define MORE_LINE_RESERVE  64   /* room kept for the "... and N more" line */
#define SLACK_HEADER_CHARS 150  /* Slack's limit for a header block's text */
#define SLACK_SECTION_MAX  2900 /* Slack allows 3000 characters per section (bytes >= chars) */
#define CHAT_LABELS_MAX    8000 /* bytes of label lines in Feishu and DingTalk */
#define EMAIL_LINE_MAX     990  /* wrap point: RFC 5322 allows 998 bytes per line */
#define ENCODED_WORD_BYTES 45   /* bytes per RFC 2047 word: 60 base64 chars, 72 in all (<= 75) */
#define LINK_TEXT          "Open in alerthub"

/* ==== Crypto and encodings ==== */

/* HMAC() fails only when OpenSSL cannot allocate, which is handled like our
 * own out-of-memory (alloc.h): log and abort. */
static void hmac_sha256(const void *key, size_t key_len, const void *msg, size_t len,
                        unsigned char out[SHA256_LEN])
{
    static const unsigned char empty[1];
    unsigned int out_len = 0;

    if (key_len > INT_MAX ||
        HMAC(EVP_sha256(), key_len ? key : empty, (int)key_len, len ? msg : empty, len, out,
             &out_len) == NULL ||
        out_len != SHA256_LEN) {
        fprintf(stderr, "alerthub: HMAC-SHA256 failed\n");
        abort();
    }
}

void ah_msg_hmac_sha256_hex(const char *key, const void *msg, size_t len, char out[65])
{
    unsigned char d[SHA256_LEN];

    hmac_sha256(key, strlen(key), msg, len, d);
    ah_hex_encode(d, SHA256_LEN, out);
}

/* Writes the base64 of HMAC-SHA256(@key, @msg) and a NUL into @out. */
static void hmac_sha256_base64(const char *key, const char *msg, char out[B64_DIGEST_LEN + 1])
{
    unsigned char d[SHA256_LEN];

    hmac_sha256(key, strlen(key), msg, strlen(msg), d);
    EVP_EncodeBlock((unsigned char *)out, d, SHA256_LEN);
}

static int is_cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

/* Returns the length of the longest prefix of the @len UTF-8 bytes at @s
 * that holds at most @max bytes and ends on a character boundary. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    while (max > 0 && is_cont((unsigned char)s[max]))
        max--;
    return max;
}

/* Returns a new copy of the UTF-8 string @s on one line (control characters
 * become spaces), cut to at most @max bytes (@max > 3) with an ellipsis
 * marking the cut. */
static char *one_line(const char *s, size_t max)
{
    size_t len = strlen(s), n = utf8_cut(s, len, max);
    struct ah_buf b;
    size_t i;

    if (n < len)
        n = utf8_cut(s, len, max - strlen(ELLIPSIS));
    ah_buf_init(&b);
    ah_buf_append(&b, s, n);
    if (n < len)
        ah_buf_puts(&b, ELLIPSIS);
    for (i = 0; i < b.len; i++)
        if ((unsigned char)b.data[i] < 0x20 || b.data[i] == 0x7f)
            b.data[i] = ' ';
    return ah_buf_steal(&b);
}

/* Appends @s percent-encoded except for RFC 3986 unreserved characters. */
static void put_url_component(struct ah_buf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~')
            ah_buf_append(b, s, 1);
        else
            ah_buf_printf(b, "%%%02X", c);
    }
}

/* ==== Escaping: one function per platform, all with the same shape ==== */

typedef void (*put_fn)(struct ah_buf *b, const char *s);

static void put_plain(struct ah_buf *b, const char *s)
{
    ah_buf_puts(b, s);
}

/* Slack mrkdwn: the three characters Slack says must be sent as entities. */
static void put_mrkdwn(struct ah_buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '&')
            ah_buf_puts(b, "&amp;");
        else if (*s == '<')
            ah_buf_puts(b, "&lt;");
        else if (*s == '>')
            ah_buf_puts(b, "&gt;");
        else
            ah_buf_append(b, s, 1);
    }
}

/* DingTalk and WeCom markdown. Neither documents an escape mechanism, so this
 * uses CommonMark backslash escapes for the characters that can open inline
 * formatting, a link or image ([), or an HTML tag such as WeCom's <font>.
 * Untrusted text is always on one line (one_line) and never starts a line, so
 * it cannot open a heading, quote or list. */
static void put_md(struct ah_buf *b, const char *s)
{
    for (; *s; s++) {
        if (strchr("\\`*_[]<>~", *s))
            ah_buf_append(b, "\\", 1);
        ah_buf_append(b, s, 1);
    }
}

/* Returns a new string: @pre, then @s through @put, then @post. */
static char *concat(const char *pre, put_fn put, const char *s, const char *post)
{
    struct ah_buf b;

    ah_buf_init(&b);
    ah_buf_puts(&b, pre);
    put(&b, s);
    ah_buf_puts(&b, post);
    return ah_buf_steal(&b);
}

/* ==== The view: what every human-readable format says ==== */

enum words_how {
    WORDS_PLAIN,  /* the words as they are */
    WORDS_BY,     /* " by <person>" when a person is given */
    WORDS_ASSIGN, /* " to <detail.recipient>" */
    WORDS_ESC,    /* " to level <detail.level>" and " (repeat <detail.round>)" */
    WORDS_STORM,  /* ": N alerts" from detail.alert_count or the incident */
};

struct event_kind {
    const char *type;
    const char *words;  /* the event in words, before any detail */
    const char *suffix; /* ends the email subject */
    enum words_how how;
};

static const struct event_kind events[] = {
    {"i_new", "New incident", "new", WORDS_PLAIN},
    {"i_assign", "Assigned", "assigned", WORDS_ASSIGN},
    {"i_esc", "Escalated", "escalated", WORDS_ESC},
    {"i_ack", "Acknowledged", "acknowledged", WORDS_BY},
    {"i_unack", "Unacknowledged", "unacknowledged", WORDS_BY},
    {"i_snooze", "Snoozed", "snoozed", WORDS_BY},
    {"i_wake", "Woke up", "woke up", WORDS_PLAIN},
    {"i_rslv", "Resolved", "resolved", WORDS_BY},
    {"i_reopen", "Reopened", "reopened", WORDS_BY},
    {"i_storm", "Storm warning", "storm warning", WORDS_STORM},
    {"i_merge", "Merged", "merged", WORDS_BY},
};

static const struct event_kind *find_event(const char *type)
{
    size_t i;

    for (i = 0; type && i < sizeof(events) / sizeof(events[0]); i++)
        if (strcmp(events[i].type, type) == 0)
            return &events[i];
    return NULL;
}

struct label {
    const char *raw_key; /* borrowed from the incident, for sorting */
    char *key;           /* one line, cut */
    char *value;         /* one line, cut */
};

struct view {
    const struct ah_msg_input *in;
    const struct event_kind *ev;
    char *title;          /* one line, at most AH_MSG_TITLE_MAX bytes */
    char *severity;       /* one line; "Unknown" when the incident has none */
    char *channel;        /* one line; "-" when unknown */
    json_int_t alerts;    /* the incident's alert_count */
    char *event;          /* the event in words, one line */
    char *link;           /* the console link, or NULL */
    const char *desc;     /* the description as given ("" when none) */
    struct label *labels; /* sorted by key, at most AH_MSG_LABELS_MAX */
    size_t nlabels;
    size_t more; /* labels left out of @labels */
};

/* Returns the non-empty "name" of @who ({id, name}), or NULL. */
static const char *name_of(const json_t *who)
{
    const char *name = json_string_value(json_object_get(who, "name"));

    return name && *name ? name : NULL;
}

/* Appends @pre and the text of the scalar @v (a number or a string) when
 * there is one; returns 1 when something was appended. */
static int put_scalar(struct ah_buf *b, const char *pre, const json_t *v)
{
    char *text = json_is_boolean(v) ? NULL : ah_json_scalar_text(v);

    if (text == NULL || *text == '\0') {
        ah_free(text);
        return 0;
    }
    ah_buf_puts(b, pre);
    ah_buf_puts(b, text);
    ah_free(text);
    return 1;
}

static char *event_words(const struct event_kind *ev, const struct ah_msg_input *in)
{
    const json_t *round = json_object_get(in->detail, "round");
    const char *name = NULL;
    struct ah_buf b;
    char *words;

    ah_buf_init(&b);
    ah_buf_puts(&b, ev->words);
    switch (ev->how) {
    case WORDS_PLAIN:
        break;
    case WORDS_BY:
        name = name_of(in->person);
        break;
    case WORDS_ASSIGN:
        name = name_of(json_object_get(in->detail, "recipient"));
        if (name)
            ah_buf_puts(&b, " to ");
        break;
    case WORDS_ESC:
        put_scalar(&b, " to level ", json_object_get(in->detail, "level"));
        /* round counts repeats of the escalation from 0 */
        if (json_is_integer(round) && json_integer_value(round) > 0)
            ah_buf_printf(&b, " (repeat %" JSON_INTEGER_FORMAT ")", json_integer_value(round));
        break;
    case WORDS_STORM:
        if (put_scalar(&b, ": ", json_object_get(in->detail, "alert_count")) ||
            put_scalar(&b, ": ", json_object_get(in->incident, "alert_count")))
            ah_buf_puts(&b, " alerts");
        break;
    }
    if (ev->how == WORDS_BY && name)
        ah_buf_puts(&b, " by ");
    if (name)
        ah_buf_puts(&b, name);
    words = one_line(ah_buf_str(&b), EVENT_WORDS_MAX);
    ah_buf_done(&b);
    return words;
}

static int label_cmp(const void *a, const void *b)
{
    return strcmp(((const struct label *)a)->raw_key, ((const struct label *)b)->raw_key);
}

/* Reads the labels whose values are strings or numbers, sorted by key; keeps
 * the first AH_MSG_LABELS_MAX and counts the rest in @v->more. */
static void read_labels(struct view *v, const json_t *labels)
{
    size_t n = json_object_size(labels), i = 0, k;
    const char *key;
    json_t *val;

    if (n == 0)
        return;
    v->labels = ah_xcalloc(n, sizeof(*v->labels));
    /* jansson's iteration macros take a non-const object but do not modify it */
    json_object_foreach((json_t *)labels, key, val)
    {
        char *text = json_is_boolean(val) ? NULL : ah_json_scalar_text(val);

        if (text == NULL)
            continue;
        v->labels[i].raw_key = key;
        v->labels[i].key = one_line(key, LABEL_KEY_MAX);
        v->labels[i].value = one_line(text, LABEL_VALUE_MAX);
        ah_free(text);
        i++;
    }
    qsort(v->labels, i, sizeof(*v->labels), label_cmp);
    v->nlabels = i < AH_MSG_LABELS_MAX ? i : AH_MSG_LABELS_MAX;
    v->more = i - v->nlabels;
    for (k = v->nlabels; k < i; k++) {
        ah_free(v->labels[k].key);
        ah_free(v->labels[k].value);
    }
}

/* Returns the incident's id as text (a string or an integer). */
static char *incident_id(const json_t *incident)
{
    return ah_json_scalar_text(json_object_get(incident, "id"));
}

static char *console_link(const char *base, const json_t *incident)
{
    char *id = incident_id(incident);
    struct ah_buf b;

    ah_buf_init(&b);
    ah_buf_puts(&b, base);
    ah_buf_puts(&b, "/#/incidents/");
    put_url_component(&b, id);
    ah_free(id);
    return ah_buf_steal(&b);
}

/* Reads @in, which check_input() accepted. */
static void view_init(struct view *v, const struct ah_msg_input *in)
{
    const json_t *inc = in->incident;
    const char *sev = json_string_value(json_object_get(inc, "severity"));
    const char *desc = json_string_value(json_object_get(inc, "description"));

    memset(v, 0, sizeof(*v));
    v->in = in;
    v->ev = find_event(in->event_type);
    v->title = one_line(json_string_value(json_object_get(inc, "title")), AH_MSG_TITLE_MAX);
    v->severity = one_line(sev && *sev ? sev : "Unknown", SEVERITY_MAX);
    v->channel =
        one_line(in->channel_name && *in->channel_name ? in->channel_name : "-", CHANNEL_MAX);
    v->alerts = json_integer_value(json_object_get(inc, "alert_count"));
    v->event = event_words(v->ev, in);
    if (in->console_url && *in->console_url)
        v->link = console_link(in->console_url, inc);
    v->desc = desc ? desc : "";
    read_labels(v, json_object_get(inc, "labels"));
}

static void view_done(struct view *v)
{
    size_t i;

    ah_free(v->title);
    ah_free(v->severity);
    ah_free(v->channel);
    ah_free(v->event);
    ah_free(v->link);
    for (i = 0; i < v->nlabels; i++) {
        ah_free(v->labels[i].key);
        ah_free(v->labels[i].value);
    }
    ah_free(v->labels);
}

/* Appends one line per label (@pre, key, ": ", value, through @put) while @b
 * stays within @max bytes, then, when labels were left out, a line saying how
 * many. */
static void put_labels(struct ah_buf *b, const struct view *v, put_fn put, const char *pre,
                       size_t max)
{
    struct ah_buf line;
    size_t i, shown = 0;

    ah_buf_init(&line);
    for (i = 0; i < v->nlabels; i++) {
        line.len = 0; /* keeps the allocation for the next line */
        ah_buf_puts(&line, pre);
        put(&line, v->labels[i].key);
        ah_buf_puts(&line, ": ");
        put(&line, v->labels[i].value);
        ah_buf_puts(&line, "\n");
        if (b->len + line.len + MORE_LINE_RESERVE > max)
            break;
        ah_buf_append(b, line.data, line.len);
        shown++;
    }
    if (shown < v->nlabels + v->more)
        ah_buf_printf(b, "%s" ELLIPSIS " and %zu more\n", pre, v->nlabels + v->more - shown);
    ah_buf_done(&line);
}

/* ==== Output helpers ==== */

/* Appends "@name: @value" to @m's NULL-terminated header list. */
static void add_header(struct ah_msg *m, const char *name, const char *value)
{
    size_t n = 0;
    struct ah_buf b;

    while (m->headers && m->headers[n])
        n++;
    m->headers = ah_xrealloc(m->headers, (n + 2) * sizeof(*m->headers));
    ah_buf_init(&b);
    ah_buf_printf(&b, "%s: %s", name, value);
    m->headers[n] = ah_buf_steal(&b);
    m->headers[n + 1] = NULL;
}

/* Takes @root (NULL when jansson could not build it) and stores it in @m as
 * the compact JSON body. */
static int set_json_body(struct ah_msg *m, json_t *root, const char *kind, struct ah_error *reterr)
{
    size_t n = root ? json_dumpb(root, NULL, 0, JSON_COMPACT) : 0;

    if (n == 0) {
        json_decref(root);
        return ah_error_set(reterr, AH_EINVAL, "could not encode the %s message as JSON", kind);
    }
    m->body = ah_xmalloc(n + 1);
    json_dumpb(root, m->body, n, JSON_COMPACT);
    m->body[n] = '\0';
    m->body_len = n;
    json_decref(root);
    return AH_OK;
}

static int signed_input(const struct ah_msg_input *in)
{
    return in->secret && *in->secret;
}

/* Appends @item (NULL when jansson could not build it) to @arr; sets *@bad
 * when that fails. */
static void push(json_t *arr, json_t *item, int *bad)
{
    if (json_array_append_new(arr, item) < 0)
        *bad = 1;
}

/* Returns a new "[Severity] title" line. */
static char *headline(const struct view *v)
{
    struct ah_buf b;

    ah_buf_init(&b);
    ah_buf_printf(&b, "[%s] %s", v->severity, v->title);
    return ah_buf_steal(&b);
}

/* ==== webhook ==== */

/* Takes @value; returns -1 when it is NULL or could not be set. */
static int set_new(json_t *obj, const char *key, json_t *value)
{
    return value ? json_object_set_new(obj, key, value) : -1;
}

static int build_webhook(const struct view *v, struct ah_msg *m, struct ah_error *reterr)
{
    const struct ah_msg_input *in = v->in;
    json_t *inc = json_deep_copy(in->incident);
    json_t *root = json_object();
    char hex[2 * SHA256_LEN + 1], sig[sizeof("sha256=") + 2 * SHA256_LEN];
    int bad = 0, rc;

    bad |= set_new(inc, "channel_name",
                   in->channel_name ? json_string(in->channel_name) : json_null());
    bad |= set_new(inc, "url", v->link ? json_string(v->link) : json_null());
    bad |= set_new(root, "event_id", json_string(in->event_id));
    bad |= set_new(root, "event_type", json_string(in->event_type));
    bad |= set_new(root, "event_time", json_integer(in->event_time_ms));
    bad |= set_new(root, "incident", inc);
    if (in->person)
        bad |= set_new(root, "person", json_deep_copy(in->person));
    if (in->detail)
        bad |= set_new(root, "detail", json_deep_copy(in->detail));
    if (bad) {
        json_decref(root);
        root = NULL;
    }
    rc = set_json_body(m, root, "webhook", reterr);
    if (rc < 0)
        return rc;
    m->url = ah_xstrdup(in->url);
    add_header(m, "Content-Type", "application/json");
    add_header(m, "X-Alerthub-Event", in->event_type);
    add_header(m, "X-Alerthub-Delivery", in->event_id);
    if (signed_input(in)) {
        ah_msg_hmac_sha256_hex(in->secret, m->body, m->body_len, hex);
        snprintf(sig, sizeof(sig), "sha256=%s", hex);
        add_header(m, "X-Alerthub-Signature", sig);
    }
    return AH_OK;
}

/* ==== slack ==== */

static json_t *slack_text(const char *type, const char *text)
{
    return json_pack("{s:s, s:s}", "type", type, "text", text);
}

static json_t *slack_section(const char *mrkdwn)
{
    return json_pack("{s:s, s:o}", "type", "section", "text", slack_text("mrkdwn", mrkdwn));
}

static json_t *slack_fields(const struct view *v)
{
    char *sev = concat("*Severity*\n", put_mrkdwn, v->severity, "");
    char *chan = concat("*Channel*\n", put_mrkdwn, v->channel, "");
    char alerts[64];
    json_t *j;

    snprintf(alerts, sizeof(alerts), "*Alerts*\n%" JSON_INTEGER_FORMAT, v->alerts);
    j = json_pack("{s:s, s:[o, o, o]}", "type", "section", "fields", slack_text("mrkdwn", sev),
                  slack_text("mrkdwn", chan), slack_text("mrkdwn", alerts));
    ah_free(sev);
    ah_free(chan);
    return j;
}

static int build_slack(const struct view *v, struct ah_msg *m, struct ah_error *reterr)
{
    char *head = headline(v);
    char *text = concat("", put_mrkdwn, head, "");
    char *event = ah_xstrndup(v->event, ah_utf8_prefix(v->event, SLACK_HEADER_CHARS));
    char *title = concat("*", put_mrkdwn, v->title, "*");
    json_t *blocks = json_array();
    json_t *root = NULL;
    struct ah_buf b;
    int bad = 0;

    ah_buf_init(&b);
    ah_buf_printf(&b, "%s - ", text);
    put_mrkdwn(&b, v->event);
    push(blocks, json_pack("{s:s, s:o}", "type", "header", "text", slack_text("plain_text", event)),
         &bad);
    push(blocks, slack_section(title), &bad);
    push(blocks, slack_fields(v), &bad);
    if (v->nlabels + v->more > 0) {
        struct ah_buf l;

        ah_buf_init(&l);
        ah_buf_puts(&l, "*Labels*\n");
        put_labels(&l, v, put_mrkdwn, "", SLACK_SECTION_MAX);
        push(blocks, slack_section(ah_buf_str(&l)), &bad);
        ah_buf_done(&l);
    }
    if (v->link) {
        char *link = concat("<", put_mrkdwn, v->link, "|" LINK_TEXT ">");

        push(blocks, slack_section(link), &bad);
        ah_free(link);
    }
    if (bad)
        json_decref(blocks);
    else
        root = json_pack("{s:s, s:o}", "text", ah_buf_str(&b), "blocks", blocks);
    ah_buf_done(&b);
    ah_free(head);
    ah_free(text);
    ah_free(event);
    ah_free(title);
    m->url = ah_xstrdup(v->in->url);
    add_header(m, "Content-Type", "application/json");
    return set_json_body(m, root, "slack", reterr);
}

/* ==== feishu ==== */

static json_t *feishu_text(const char *text)
{
    return json_pack("{s:s, s:s}", "tag", "plain_text", "content", text);
}

static json_t *feishu_div(const char *text)
{
    return json_pack("{s:s, s:o}", "tag", "div", "text", feishu_text(text));
}

static json_t *feishu_field(const char *name, const char *value)
{
    struct ah_buf b;
    json_t *j;

    ah_buf_init(&b);
    ah_buf_printf(&b, "%s: %s", name, value);
    j = json_pack("{s:b, s:o}", "is_short", 1, "text", feishu_text(ah_buf_str(&b)));
    ah_buf_done(&b);
    return j;
}

/* The header colour: green once resolved, else by severity. */
static const char *feishu_template(const struct view *v)
{
    if (strcmp(v->ev->type, "i_rslv") == 0)
        return "green";
    if (strcmp(v->severity, "Critical") == 0)
        return "red";
    if (strcmp(v->severity, "Warning") == 0)
        return "orange";
    return "blue";
}

static json_t *feishu_card(const struct view *v)
{
    json_t *elements = json_array();
    char *head = headline(v);
    json_t *card = NULL;
    char alerts[32];
    int bad = 0;

    snprintf(alerts, sizeof(alerts), "%" JSON_INTEGER_FORMAT, v->alerts);
    push(elements, feishu_div(v->event), &bad);
    push(elements,
         json_pack("{s:s, s:[o, o, o]}", "tag", "div", "fields",
                   feishu_field("Severity", v->severity), feishu_field("Channel", v->channel),
                   feishu_field("Alerts", alerts)),
         &bad);
    if (v->nlabels + v->more > 0) {
        struct ah_buf l;

        ah_buf_init(&l);
        ah_buf_puts(&l, "Labels:\n");
        put_labels(&l, v, put_plain, "", CHAT_LABELS_MAX);
        push(elements, feishu_div(ah_buf_str(&l)), &bad);
        ah_buf_done(&l);
    }
    if (v->link)
        push(elements,
             json_pack("{s:s, s:[{s:s, s:o, s:s, s:s}]}", "tag", "action", "actions", "tag",
                       "button", "text", feishu_text(LINK_TEXT), "type", "primary", "url", v->link),
             &bad);
    if (bad)
        json_decref(elements);
    else
        card = json_pack("{s:{s:b}, s:{s:s, s:o}, s:o}", "config", "wide_screen_mode", 1, "header",
                         "template", feishu_template(v), "title", feishu_text(head), "elements",
                         elements);
    ah_free(head);
    return card;
}

static int build_feishu(const struct view *v, struct ah_msg *m, struct ah_error *reterr)
{
    const struct ah_msg_input *in = v->in;
    json_t *root = json_object();
    int bad = 0;

    if (signed_input(in)) {
        char ts[32], sign[B64_DIGEST_LEN + 1];
        struct ah_buf key;

        /* Feishu: key = timestamp + "\n" + secret, message empty, seconds */
        snprintf(ts, sizeof(ts), "%" PRId64, in->now_ms / 1000);
        ah_buf_init(&key);
        ah_buf_printf(&key, "%s\n%s", ts, in->secret);
        hmac_sha256_base64(ah_buf_str(&key), "", sign);
        ah_buf_done(&key);
        bad |= set_new(root, "timestamp", json_string(ts));
        bad |= set_new(root, "sign", json_string(sign));
    }
    bad |= set_new(root, "msg_type", json_string("interactive"));
    bad |= set_new(root, "card", feishu_card(v));
    if (bad) {
        json_decref(root);
        root = NULL;
    }
    m->url = ah_xstrdup(in->url);
    add_header(m, "Content-Type", "application/json");
    return set_json_body(m, root, "feishu", reterr);
}

/* ==== dingtalk ==== */

/* DingTalk: sign = base64(HMAC-SHA256(key = secret, timestamp + "\n" +
 * secret)) with the timestamp in milliseconds, both sent in the query. Base64
 * can only produce +, / and = that need encoding. */
static char *dingtalk_url(const struct ah_msg_input *in)
{
    char ts[32], sign[B64_DIGEST_LEN + 1];
    const char *q = strchr(in->url, '?');
    size_t len = strlen(in->url);
    struct ah_buf b;
    char *p;

    if (!signed_input(in))
        return ah_xstrdup(in->url);
    snprintf(ts, sizeof(ts), "%" PRId64, in->now_ms);
    ah_buf_init(&b);
    ah_buf_printf(&b, "%s\n%s", ts, in->secret);
    hmac_sha256_base64(in->secret, ah_buf_str(&b), sign);
    b.len = 0;
    ah_buf_puts(&b, in->url);
    if (q == NULL)
        ah_buf_puts(&b, "?");
    else if (in->url[len - 1] != '?' && in->url[len - 1] != '&')
        ah_buf_puts(&b, "&");
    ah_buf_printf(&b, "timestamp=%s&sign=", ts);
    for (p = sign; *p; p++) {
        if (*p == '+')
            ah_buf_puts(&b, "%2B");
        else if (*p == '/')
            ah_buf_puts(&b, "%2F");
        else if (*p == '=')
            ah_buf_puts(&b, "%3D");
        else
            ah_buf_append(&b, p, 1);
    }
    return ah_buf_steal(&b);
}

static int build_dingtalk(const struct view *v, struct ah_msg *m, struct ah_error *reterr)
{
    char *head = headline(v);
    struct ah_buf b;
    json_t *root;

    ah_buf_init(&b);
    ah_buf_puts(&b, "### ");
    put_md(&b, v->event);
    ah_buf_puts(&b, "\n\n**");
    put_md(&b, v->title);
    ah_buf_puts(&b, "**\n\n- Severity: ");
    put_md(&b, v->severity);
    ah_buf_puts(&b, "\n- Channel: ");
    put_md(&b, v->channel);
    ah_buf_printf(&b, "\n- Alerts: %" JSON_INTEGER_FORMAT "\n", v->alerts);
    if (v->nlabels + v->more > 0) {
        ah_buf_puts(&b, "\nLabels:\n\n");
        put_labels(&b, v, put_md, "- ", b.len + CHAT_LABELS_MAX);
    }
    if (v->link)
        ah_buf_printf(&b, "\n[" LINK_TEXT "](%s)\n", v->link);
    /* the title is what DingTalk shows in the conversation list: plain text */
    root = json_pack("{s:s, s:{s:s, s:s}}", "msgtype", "markdown", "markdown", "title", head,
                     "text", ah_buf_str(&b));
    ah_buf_done(&b);
    ah_free(head);
    m->url = dingtalk_url(v->in);
    add_header(m, "Content-Type", "application/json");
    return set_json_body(m, root, "dingtalk", reterr);
}

/* ==== wecom ==== */

/* WeCom markdown knows three font colours: info (green), comment (grey) and
 * warning (orange-red). */
static const char *wecom_color(const struct view *v)
{
    if (strcmp(v->ev->type, "i_rslv") == 0)
        return "info";
    if (strcmp(v->severity, "Critical") == 0 || strcmp(v->severity, "Warning") == 0)
        return "warning";
    return "comment";
}

static int build_wecom(const struct view *v, struct ah_msg *m, struct ah_error *reterr)
{
    struct ah_buf b, tail;
    json_t *root;

    ah_buf_init(&b);
    ah_buf_init(&tail);
    if (v->link)
        ah_buf_printf(&tail, "[" LINK_TEXT "](%s)", v->link);
    ah_buf_puts(&b, "### ");
    put_md(&b, v->event);
    ah_buf_puts(&b, "\n**");
    put_md(&b, v->title);
    ah_buf_printf(&b, "**\n> Severity: <font color=\"%s\">", wecom_color(v));
    put_md(&b, v->severity);
    ah_buf_puts(&b, "</font>\n> Channel: ");
    put_md(&b, v->channel);
    ah_buf_printf(&b, "\n> Alerts: %" JSON_INTEGER_FORMAT "\n", v->alerts);
    if (v->nlabels + v->more > 0) {
        ah_buf_puts(&b, "Labels:\n");
        if (tail.len < AH_MSG_WECOM_MAX)
            put_labels(&b, v, put_md, "> ", AH_MSG_WECOM_MAX - tail.len);
    }
    ah_buf_append(&b, ah_buf_str(&tail), tail.len);
    /* Only an absurdly long console URL gets here: cut, keeping UTF-8 whole. */
    if (b.len > AH_MSG_WECOM_MAX) {
        b.len = utf8_cut(b.data, b.len, AH_MSG_WECOM_MAX);
        b.data[b.len] = '\0';
    }
    root =
        json_pack("{s:s, s:{s:s}}", "msgtype", "markdown", "markdown", "content", ah_buf_str(&b));
    ah_buf_done(&b);
    ah_buf_done(&tail);
    m->url = ah_xstrdup(v->in->url);
    add_header(m, "Content-Type", "application/json");
    return set_json_body(m, root, "wecom", reterr);
}

/* ==== email ==== */

/* Appends "Day, D Mon YYYY HH:MM:SS +0000" (RFC 5322 3.3) for @ms. English
 * names by table, since strftime's follow the locale. */
static void put_date(struct ah_buf *b, int64_t ms)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL) {
        t = 0;
        gmtime_r(&t, &tm);
    }
    ah_buf_printf(b, "%s, %d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
                  months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Appends the subject as it is when it is ASCII, else as RFC 2047
 * encoded-words of whole characters, one per folded line. "=?" also forces
 * encoding, so a title cannot pose as an encoded-word. */
static void put_subject(struct ah_buf *b, const char *s)
{
    unsigned char enc[4 * ((ENCODED_WORD_BYTES + 2) / 3) + 1];
    size_t len = strlen(s), off = 0, n, i;
    int ascii = strstr(s, "=?") == NULL;

    for (i = 0; i < len; i++)
        ascii &= (unsigned char)s[i] < 0x80;
    if (ascii) {
        ah_buf_puts(b, s);
        return;
    }
    while (off < len) {
        n = utf8_cut(s + off, len - off, ENCODED_WORD_BYTES);
        if (n == 0) /* not UTF-8: still make progress */
            n = len - off < ENCODED_WORD_BYTES ? len - off : ENCODED_WORD_BYTES;
        EVP_EncodeBlock(enc, (const unsigned char *)s + off, (int)n);
        ah_buf_printf(b, "%s=?UTF-8?B?%s?=", off ? "\r\n " : "", (const char *)enc);
        off += n;
    }
}

/* Appends @s with every line end (LF, CRLF or a lone CR) as CRLF, and breaks
 * lines before a character that would take them past EMAIL_LINE_MAX bytes. */
static void put_crlf(struct ah_buf *b, const char *s)
{
    size_t col = 0;

    for (; *s; s++) {
        if (*s == '\r' || *s == '\n') {
            if (s[0] == '\r' && s[1] == '\n')
                s++;
            ah_buf_append(b, "\r\n", 2);
            col = 0;
            continue;
        }
        if (col >= EMAIL_LINE_MAX && !is_cont((unsigned char)*s)) {
            ah_buf_append(b, "\r\n", 2);
            col = 0;
        }
        ah_buf_append(b, s, 1);
        col++;
    }
}

/* The plain-text body, with LF line ends. */
static void email_text(struct ah_buf *b, const struct view *v)
{
    ah_buf_printf(b, "%s\n\n", v->event);
    ah_buf_printf(b, "Title:    %s\n", v->title);
    ah_buf_printf(b, "Severity: %s\n", v->severity);
    ah_buf_printf(b, "Channel:  %s\n", v->channel);
    ah_buf_printf(b, "Alerts:   %" JSON_INTEGER_FORMAT "\n", v->alerts);
    if (v->nlabels + v->more > 0) {
        ah_buf_puts(b, "Labels:\n");
        put_labels(b, v, put_plain, "  ", SIZE_MAX);
    }
    if (v->link)
        ah_buf_printf(b, "\n" LINK_TEXT ": %s\n", v->link);
    if (*v->desc)
        ah_buf_printf(b, "\nDescription:\n%s\n", v->desc);
}

static int build_email(const struct view *v, struct ah_msg *m, struct ah_error *reterr)
{
    const struct ah_msg_input *in = v->in;
    struct ah_buf b, text;

    (void)reterr;
    ah_buf_init(&b);
    ah_buf_printf(&b, "[%s] %s - %s", v->severity, v->title, v->ev->suffix);
    m->subject = ah_buf_steal(&b);
    ah_buf_printf(&b, "From: %s\r\nTo: %s\r\nSubject: ", in->email_from, in->email_to);
    put_subject(&b, m->subject);
    ah_buf_puts(&b, "\r\nDate: ");
    put_date(&b, in->now_ms);
    ah_buf_printf(&b, "\r\nMessage-ID: <%s@alerthub>\r\n", in->event_id);
    ah_buf_puts(&b, "MIME-Version: 1.0\r\n"
                    "Content-Type: text/plain; charset=UTF-8\r\n"
                    "Content-Transfer-Encoding: 8bit\r\n"
                    "Auto-Submitted: auto-generated\r\n"
                    "\r\n");
    ah_buf_init(&text);
    email_text(&text, v);
    put_crlf(&b, ah_buf_str(&text));
    ah_buf_done(&text);
    m->body_len = b.len;
    m->body = ah_buf_steal(&b);
    m->headers = ah_xcalloc(1, sizeof(*m->headers));
    return AH_OK;
}

/* ==== Checking the input ==== */

struct kind {
    const char *name;
    int (*build)(const struct view *v, struct ah_msg *m, struct ah_error *reterr);
};

static const struct kind kinds[] = {
    {"webhook", build_webhook},   {"slack", build_slack}, {"feishu", build_feishu},
    {"dingtalk", build_dingtalk}, {"wecom", build_wecom}, {"email", build_email},
};

static const struct kind *find_kind(const char *name)
{
    size_t i;

    for (i = 0; name && i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(kinds[i].name, name) == 0)
            return &kinds[i];
    return NULL;
}

/* RFC 5322 dot-atom text: the event id is also the Message-ID's left part. */
static int event_id_ok(const char *s)
{
    size_t n;

    if (s == NULL || *s == '\0')
        return 0;
    for (n = 0; s[n]; n++) {
        unsigned char c = (unsigned char)s[n];

        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              strchr(".!#$%&'*+-/=?^_`{|}~", c)))
            return 0;
    }
    return n <= EVENT_ID_MAX;
}

/* An http(s) URL without spaces or control characters, in UTF-8. */
static int url_ok(const char *s)
{
    size_t i;

    if (s == NULL || !((strncasecmp(s, "https://", 8) == 0 && s[8]) ||
                       (strncasecmp(s, "http://", 7) == 0 && s[7])))
        return 0;
    for (i = 0; s[i]; i++)
        if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
            return 0;
    return ah_utf8_valid(s);
}

/* A header value fit to be written as it is: no CR, LF or other control
 * character that could end the header and start another. */
static int header_value_ok(const char *s)
{
    size_t i;

    if (s == NULL || *s == '\0')
        return 0;
    for (i = 0; s[i]; i++)
        if (((unsigned char)s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
            return 0;
    return 1;
}

static int check_incident(const struct ah_msg_input *in, struct ah_error *reterr)
{
    const json_t *id = json_object_get(in->incident, "id");

    if (!json_is_object(in->incident))
        return ah_error_set(reterr, AH_EINVAL, "incident is not a JSON object");
    if (!json_is_integer(id) && !(json_is_string(id) && *json_string_value(id)))
        return ah_error_set(reterr, AH_EINVAL, "incident has no \"id\"");
    if (!json_is_string(json_object_get(in->incident, "title")))
        return ah_error_set(reterr, AH_EINVAL, "incident has no \"title\" string");
    if (in->person && !json_is_object(in->person))
        return ah_error_set(reterr, AH_EINVAL, "person is not a JSON object");
    if (in->detail && !json_is_object(in->detail))
        return ah_error_set(reterr, AH_EINVAL, "detail is not a JSON object");
    if (in->channel_name && !ah_utf8_valid(in->channel_name))
        return ah_error_set(reterr, AH_EINVAL, "channel name is not valid UTF-8");
    return AH_OK;
}

static int check_input(const struct ah_msg_input *in, const struct kind *k, struct ah_error *reterr)
{
    int email = strcmp(k->name, "email") == 0;
    int rc;

    if (!event_id_ok(in->event_id))
        return ah_error_set(reterr, AH_EINVAL,
                            "invalid event id \"%s\": want 1 to %d letters, digits or "
                            "RFC 5322 atext symbols",
                            in->event_id ? in->event_id : "", EVENT_ID_MAX);
    if (find_event(in->event_type) == NULL)
        return ah_error_set(reterr, AH_EINVAL, "unrecognized event type \"%s\"",
                            in->event_type ? in->event_type : "");
    rc = check_incident(in, reterr);
    if (rc < 0)
        return rc;
    if (in->console_url && *in->console_url && !url_ok(in->console_url))
        return ah_error_set(reterr, AH_EINVAL, "invalid console URL \"%s\"", in->console_url);
    if (in->secret && strlen(in->secret) > SECRET_MAX)
        return ah_error_set(reterr, AH_EINVAL, "secret is longer than %d bytes", SECRET_MAX);
    if (!email && !url_ok(in->url))
        return ah_error_set(reterr, AH_EINVAL, "invalid %s URL \"%s\": want http(s)", k->name,
                            in->url ? in->url : "");
    if (email && !header_value_ok(in->email_from))
        return ah_error_set(reterr, AH_EINVAL,
                            "invalid email From: empty, or a line break or control character");
    if (email && !header_value_ok(in->email_to))
        return ah_error_set(reterr, AH_EINVAL,
                            "invalid email To: empty, or a line break or control character");
    return AH_OK;
}

/* ==== Entry points ==== */

int ah_msg_build(const struct ah_msg_input *in, struct ah_msg *ret_msg, struct ah_error *reterr)
{
    const struct kind *k = find_kind(in->kind);
    struct view v;
    int rc;

    memset(ret_msg, 0, sizeof(*ret_msg));
    if (k == NULL)
        return ah_error_set(reterr, AH_EINVAL, "unrecognized notification kind \"%s\"",
                            in->kind ? in->kind : "");
    rc = check_input(in, k, reterr);
    if (rc < 0)
        return rc;
    view_init(&v, in);
    rc = k->build(&v, ret_msg, reterr);
    view_done(&v);
    if (rc < 0)
        ah_msg_done(ret_msg);
    return rc;
}

void ah_msg_done(struct ah_msg *m)
{
    size_t i;

    if (m == NULL)
        return;
    for (i = 0; m->headers && m->headers[i]; i++)
        ah_free(m->headers[i]);
    ah_free(m->headers);
    ah_free(m->url);
    ah_free(m->body);
    ah_free(m->subject);
    memset(m, 0, sizeof(*m));
}
