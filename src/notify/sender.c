/* sender.c - see sender.h. One thread drives a curl multi handle: it takes
 * due rows from the outbox (skipping those in flight or being recorded),
 * builds each message (message.h) from the incident as it is now, sends it,
 * classifies the outcome, and hands outcomes to the writer in batches. */
#include "notify/sender.h"

#include "model/alert.h"
#include "model/event.h"
#include "notify/message.h"
#include "notify/subs.h"
#include "util/alloc.h"
#include "util/log.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#define RESPONSE_KEEP 2048 /* bytes of an answer kept for the error message */
#define BACKOFF_MAX   300

const char *const ah_sender_kinds[AH_SENDER_KINDS] = {"webhook",  "slack", "feishu",
                                                      "dingtalk", "wecom", "email"};

/* A subscription's delivery before its first outcome: the row to write
 * with it (every member owned). */
struct sub_row {
    int64_t feed_id;
    struct ah_delivery d;
    char event_id[33];
    char *event_type, *kind, *address;
    json_t *person;
};

struct transfer {
    int64_t id;          /* the outbox row; 0 for a subscription's first attempt */
    struct sub_row *sub; /* that first attempt's row, else NULL */
    int kind;            /* index in ah_sender_kinds */
    int attempts;
    int64_t created_at;
    CURL *easy;
    struct curl_slist *headers, *rcpt;
    struct ah_msg msg;
    size_t sent; /* email: bytes of msg.body read by curl */
    char answer[RESPONSE_KEEP + 1];
    size_t answer_len;
    char errbuf[CURL_ERROR_SIZE];
};

/* Outcomes handed to the writer together. */
struct batch {
    struct ah_sender *s;
    struct ah_sender_outcome *res;
    char **owned;          /* error strings of res */
    struct sub_row **rows; /* rows of res (or NULL) */
    size_t n, cap;
    int done, committed; /* under s->lock */
};

struct ah_sender {
    struct ah_sender_conf conf;
    pthread_t thread;
    CURLM *multi;
    pthread_mutex_t lock;
    int stopping, woken; /* under lock */
    /* Thread-only below. */
    struct transfer **xfers;
    size_t nxfers;
    int64_t *busy; /* ids in flight or being recorded */
    size_t nbusy, capbusy;
    struct batch *outcomes;  /* collected, not yet handed over */
    struct batch *recording; /* handed over, not yet committed */
    int64_t last_fetch_us, record_retry_us;
    struct ah_subs *subs;
    int64_t subs_pumped_us;
    int leading; /* held the lease at the last look (leads()) */
    atomic_uint_least64_t sent[AH_SENDER_KINDS], failed[AH_SENDER_KINDS], retried[AH_SENDER_KINDS];
};

/* ================= bookkeeping ================= */

static int busy_has(struct ah_sender *s, int64_t id)
{
    size_t i;

    for (i = 0; i < s->nbusy; i++) {
        if (s->busy[i] == id)
            return 1;
    }
    return 0;
}

static void busy_add(struct ah_sender *s, int64_t id)
{
    if (s->nbusy == s->capbusy) {
        s->capbusy = s->capbusy ? 2 * s->capbusy : 64;
        s->busy = ah_xrealloc(s->busy, s->capbusy * sizeof(*s->busy));
    }
    s->busy[s->nbusy++] = id;
}

static void busy_remove(struct ah_sender *s, int64_t id)
{
    size_t i;

    for (i = 0; i < s->nbusy; i++) {
        if (s->busy[i] == id) {
            s->busy[i] = s->busy[--s->nbusy];
            return;
        }
    }
}

static struct batch *batch_new(struct ah_sender *s)
{
    struct batch *b = ah_xcalloc(1, sizeof(*b));

    b->s = s;
    return b;
}

static void sub_row_free(struct sub_row *r)
{
    if (r == NULL)
        return;
    ah_free(r->event_type);
    ah_free(r->kind);
    ah_free(r->address);
    json_decref(r->person);
    ah_free(r);
}

static void batch_free(struct batch *b)
{
    size_t i;

    if (b == NULL)
        return;
    for (i = 0; i < b->n; i++) {
        ah_free(b->owned[i]);
        sub_row_free(b->rows[i]);
    }
    ah_free(b->owned);
    ah_free(b->rows);
    ah_free(b->res);
    ah_free(b);
}

/* Adds @o; the batch takes @error and @row. */
static void batch_add(struct batch *b, const struct ah_sender_outcome *o, char *error,
                      struct sub_row *row)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 16;
        b->res = ah_xrealloc(b->res, b->cap * sizeof(*b->res));
        b->owned = ah_xrealloc(b->owned, b->cap * sizeof(*b->owned));
        b->rows = ah_xrealloc(b->rows, b->cap * sizeof(*b->rows));
    }
    b->res[b->n] = *o;
    b->res[b->n].res.error = error;
    b->owned[b->n] = error;
    b->rows[b->n++] = row;
}

static int kind_index(const char *kind)
{
    int i;

    for (i = 0; kind != NULL && i < AH_SENDER_KINDS; i++) {
        if (strcmp(kind, ah_sender_kinds[i]) == 0)
            return i;
    }
    return 0;
}

/* ================= outcomes ================= */

static void record_done(void *ctx, int committed)
{
    struct batch *b = ctx;
    struct ah_sender *s = b->s;

    pthread_mutex_lock(&s->lock);
    b->done = 1;
    b->committed = committed;
    pthread_mutex_unlock(&s->lock);
    curl_multi_wakeup(s->multi);
}

/* Forgets a committed batch's rows (a failed record: they are retried). */
static void reap_recording(struct ah_sender *s)
{
    struct batch *b = s->recording;
    size_t i;
    int done;

    if (b == NULL)
        return;
    pthread_mutex_lock(&s->lock);
    done = b->done;
    pthread_mutex_unlock(&s->lock);
    if (!done)
        return;
    for (i = 0; i < b->n; i++) {
        if (b->res[i].res.id != 0)
            busy_remove(s, b->res[i].res.id);
        /* A subscription's outcome was lost: read its entries again. */
        if (b->rows[i] != NULL && !b->committed)
            ah_subs_reset(s->subs);
    }
    batch_free(b);
    s->recording = NULL;
}

static void hand_over(struct ah_sender *s)
{
    struct batch *b = s->outcomes;

    if (s->recording != NULL || b == NULL || b->n == 0 || s->record_retry_us > ah_monotonic_us())
        return;
    if (s->conf.record(s->conf.record_arg, b->res, b->n, record_done, b) < 0) {
        s->record_retry_us = ah_monotonic_us() + 1000000; /* the writer's queue is full */
        return;
    }
    s->recording = b;
    s->outcomes = NULL;
}

static void outcome(struct ah_sender *s, struct transfer *t, const char *status, int retry,
                    long code, char *error, const char *reason)
{
    int64_t now = ah_clock_now(s->conf.clock);
    struct ah_sender_outcome o = {.res = {.id = t->id,
                                          .status = status,
                                          .attempts = t->attempts + 1,
                                          .status_code = code,
                                          .reason = reason}};
    struct ah_delivery_result r = o.res;

    if (retry) {
        int shift = r.attempts - 1 < 9 ? r.attempts - 1 : 9;
        int64_t wait = (int64_t)1 << shift;

        r.next_at = now + (wait < BACKOFF_MAX ? wait : BACKOFF_MAX);
        if (r.next_at - t->created_at > s->conf.retry_for) {
            r.status = "failed";
            r.next_at = 0;
            retry = 0;
        } else {
            r.status = "pending";
        }
    }
    if (strcmp(r.status, "suppressed") == 0)
        r.attempts = t->attempts; /* nothing was tried */
    if (strcmp(r.status, "sent") == 0) {
        r.sent_at = now;
        atomic_fetch_add(&s->sent[t->kind], 1);
    } else if (strcmp(r.status, "failed") == 0) {
        atomic_fetch_add(&s->failed[t->kind], 1);
    } else if (retry) {
        atomic_fetch_add(&s->retried[t->kind], 1);
    }
    o.res = r;
    if (t->sub != NULL) {
        o.row = &t->sub->d;
        o.cursor_target = t->sub->d.target_id;
        o.cursor_feed = ah_subs_done(s->subs, t->sub->d.target_id, t->sub->feed_id);
    }
    if (s->outcomes == NULL)
        s->outcomes = batch_new(s);
    batch_add(s->outcomes, &o, error, t->sub);
    t->sub = NULL; /* the batch's now */
}

/* A chat platform's "200 but refused": {"code": N} (Feishu) or {"errcode":
 * N} (DingTalk, WeCom) with N != 0. */
static char *chat_refusal(struct transfer *t)
{
    json_t *j;
    json_int_t code = 0;
    const char *msg;
    char *out = NULL;

    if (t->kind == 0 || t->kind == 1 || t->kind == 5)
        return NULL;
    j = json_loadb(t->answer, t->answer_len, 0, NULL);
    if (json_is_integer(json_object_get(j, "errcode")))
        code = json_integer_value(json_object_get(j, "errcode"));
    else if (json_is_integer(json_object_get(j, "code")))
        code = json_integer_value(json_object_get(j, "code"));
    msg = json_string_value(json_object_get(j, "errmsg"));
    if (msg == NULL)
        msg = json_string_value(json_object_get(j, "msg"));
    if (code != 0)
        out = ah_xasprintf("refused with code %lld: %s", (long long)code, msg ? msg : "");
    json_decref(j);
    return out;
}

static void classify(struct ah_sender *s, struct transfer *t, CURLcode cc)
{
    long code = 0;
    char *refusal;

    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
    if (cc != CURLE_OK) {
        /* SMTP 5xx is final; time-outs, connection errors and 4xx retry. */
        int final = ah_sender_kinds[t->kind][0] == 'e' && code >= 500;

        outcome(s, t, final ? "failed" : "pending", !final, code,
                ah_xasprintf("%s%s%s", curl_easy_strerror(cc), t->errbuf[0] ? ": " : "", t->errbuf),
                NULL);
        return;
    }
    if (ah_sender_kinds[t->kind][0] == 'e' || (code >= 200 && code < 300)) {
        refusal = chat_refusal(t);
        outcome(s, t, refusal ? "failed" : "sent", 0, code, refusal, NULL);
        return;
    }
    t->answer[t->answer_len < 200 ? t->answer_len : 200] = '\0';
    outcome(s, t, "failed", code == 408 || code == 429 || code >= 500, code,
            ah_xasprintf("HTTP %ld: %s", code, t->answer), NULL);
}

/* ================= transfers ================= */

static size_t keep_answer(char *ptr, size_t size, size_t nmemb, void *arg)
{
    struct transfer *t = arg;
    size_t n = size * nmemb, room = RESPONSE_KEEP - t->answer_len;

    memcpy(t->answer + t->answer_len, ptr, n < room ? n : room);
    t->answer_len += n < room ? n : room;
    t->answer[t->answer_len] = '\0';
    return n;
}

static size_t read_mail(char *buf, size_t size, size_t nmemb, void *arg)
{
    struct transfer *t = arg;
    size_t n = t->msg.body_len - t->sent;

    if (n > size * nmemb)
        n = size * nmemb;
    memcpy(buf, t->msg.body + t->sent, n);
    t->sent += n;
    return n;
}

static void transfer_free(struct transfer *t)
{
    sub_row_free(t->sub);
    curl_slist_free_all(t->headers);
    curl_slist_free_all(t->rcpt);
    curl_easy_cleanup(t->easy);
    ah_msg_done(&t->msg);
    ah_free(t);
}

/* The bare address in "Name <a@b>" or "a@b", as SMTP wants it: "<a@b>". */
static char *envelope(const char *from)
{
    const char *lt = strchr(from, '<'), *gt = lt ? strchr(lt, '>') : NULL;

    if (lt != NULL && gt != NULL)
        return ah_xstrndup(lt, (size_t)(gt - lt + 1));
    return ah_xasprintf("<%s>", from);
}

static void set_email(struct ah_sender *s, struct transfer *t, const char *address)
{
    char *from = envelope(s->conf.smtp_from), *to = envelope(address);

    t->rcpt = curl_slist_append(NULL, to);
    curl_easy_setopt(t->easy, CURLOPT_URL, s->conf.smtp_url);
    curl_easy_setopt(t->easy, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(t->easy, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(t->easy, CURLOPT_MAIL_RCPT, t->rcpt);
    curl_easy_setopt(t->easy, CURLOPT_READFUNCTION, read_mail);
    curl_easy_setopt(t->easy, CURLOPT_READDATA, t);
    curl_easy_setopt(t->easy, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(t->easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)t->msg.body_len);
    ah_free(from);
    ah_free(to);
}

static void set_http(struct transfer *t)
{
    size_t i;

    for (i = 0; t->msg.headers[i] != NULL; i++)
        t->headers = curl_slist_append(t->headers, t->msg.headers[i]);
    t->headers = curl_slist_append(t->headers, "Expect:");
    curl_easy_setopt(t->easy, CURLOPT_URL, t->msg.url);
    curl_easy_setopt(t->easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->headers);
    curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, t->msg.body);
    curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)t->msg.body_len);
    curl_easy_setopt(t->easy, CURLOPT_USERAGENT, "alerthub");
}

/* The incident as the API shows it (webhooks carry the same object). */
static void take_incident(const struct ah_incident_view *v, void *arg)
{
    *(json_t **)arg = ah_incident_view_json(v);
}

/* What the message is built from: the incident now, its channel's name, the
 * target's secret. */
static int build(struct ah_sender *s, const json_t *row, struct transfer *t, struct ah_error *err)
{
    int64_t target = ah_json_id(json_object_get(row, "target_id"));
    struct ah_msg_input in = {
        .kind = json_string_value(json_object_get(row, "kind")),
        .event_id = json_string_value(json_object_get(row, "event_id")),
        .event_type = json_string_value(json_object_get(row, "event_type")),
        .event_time_ms = json_integer_value(json_object_get(row, "event_time")),
        .person =
            json_is_object(json_object_get(row, "person")) ? json_object_get(row, "person") : NULL,
        .detail =
            json_is_object(json_object_get(row, "detail")) ? json_object_get(row, "detail") : NULL,
        .console_url = s->conf.console_url,
        .url = json_string_value(json_object_get(row, "address")),
        .now_ms = ah_clock_now(s->conf.clock) * 1000,
        .email_from = s->conf.smtp_from,
        .email_to = json_string_value(json_object_get(row, "address"))};
    json_t *incident = NULL;
    struct ah_read_visitor v = {.incident = take_incident, .arg = &incident};
    char *channel = NULL, *secret = NULL;
    int rc = ah_store_read_incident(s->conf.store, ah_json_id(json_object_get(row, "incident_id")),
                                    &v, err);

    if (rc == AH_OK)
        rc = ah_store_read_channel_name(
            s->conf.store, ah_json_id(json_object_get(row, "channel_id")), &channel, err);
    if (rc == AH_OK && target != 0)
        rc = ah_store_read_target_secret(s->conf.store, target, &secret, err);
    if (rc == AH_OK) {
        in.incident = incident;
        in.channel_name = channel;
        in.secret = secret;
        rc = ah_msg_build(&in, &t->msg, err);
    }
    json_decref(incident);
    ah_free(channel);
    ah_free(secret);
    return rc;
}

/* Starts sending @row (an outbox row, or @sub's first attempt, taken), or
 * records why it cannot be sent. */
static void start(struct ah_sender *s, const json_t *row, struct sub_row *sub)
{
    struct transfer *t = ah_xcalloc(1, sizeof(*t));
    const char *address = json_string_value(json_object_get(row, "address"));
    struct ah_error err;
    int rc;

    t->id = ah_json_id(json_object_get(row, "id"));
    t->sub = sub;
    t->kind = kind_index(json_string_value(json_object_get(row, "kind")));
    t->attempts = (int)json_integer_value(json_object_get(row, "attempts"));
    t->created_at = json_integer_value(json_object_get(row, "created_at"));
    if (t->id != 0)
        busy_add(s, t->id);
    if (t->kind == 5 && s->conf.smtp_url == NULL) {
        outcome(s, t, "suppressed", 0, 0, NULL, "smtp_not_configured");
        transfer_free(t);
        return;
    }
    rc = build(s, row, t, &err);
    if (rc < 0) {
        /* The store may be back soon; a message that cannot be built won't. */
        outcome(s, t, "failed", rc == AH_ESTORE, 0, ah_xstrdup(err.msg), NULL);
        transfer_free(t);
        return;
    }
    t->easy = curl_easy_init();
    curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t);
    curl_easy_setopt(t->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS, s->conf.timeout_ms);
    curl_easy_setopt(t->easy, CURLOPT_CONNECTTIMEOUT_MS, s->conf.timeout_ms);
    curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, t->errbuf);
    curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, keep_answer);
    curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, t);
    if (t->kind == 5)
        set_email(s, t, address);
    else
        set_http(t);
    s->xfers = ah_xrealloc(s->xfers, (s->nxfers + 1) * sizeof(*s->xfers));
    s->xfers[s->nxfers++] = t;
    curl_multi_add_handle(s->multi, t->easy);
}

static void fetch(struct ah_sender *s)
{
    json_t *rows, *row;
    struct ah_error err;
    size_t i, room = (size_t)s->conf.max_inflight - s->nxfers;

    s->last_fetch_us = ah_monotonic_us();
    if (room == 0 || ah_store_read_deliveries_due(s->conf.store, ah_clock_now(s->conf.clock), 0,
                                                  (int)(room + s->nbusy), &rows, &err) < 0)
        return;
    json_array_foreach(rows, i, row)
    {
        if (s->nxfers >= (size_t)s->conf.max_inflight)
            break;
        if (!busy_has(s, ah_json_id(json_object_get(row, "id"))))
            start(s, row, NULL);
    }
    json_decref(rows);
}

/* ================= subscriptions ================= */

/* Timeline entry @e for target @t: its delivery row (*@ret), and the
 * outbox-like row that start() reads. */
static json_t *sub_entry(const json_t *t, const json_t *e, struct sub_row **ret)
{
    struct sub_row *r = ah_xcalloc(1, sizeof(*r));
    const json_t *detail = json_object_get(e, "detail");
    int64_t time = json_integer_value(json_object_get(e, "time"));
    json_t *row;

    r->feed_id = ah_json_id(json_object_get(e, "feed_id"));
    ah_store_subscription_event_id(ah_json_id(json_object_get(t, "id")), r->feed_id, r->event_id);
    r->event_type = ah_xstrdup(json_string_value(json_object_get(e, "type")));
    r->kind = ah_xstrdup(json_string_value(json_object_get(t, "kind")));
    r->address = ah_xstrdup(json_string_value(json_object_get(t, "url")));
    if (json_object_get(detail, "member_id") != NULL)
        r->person = json_pack("{sOsO*}", "id", json_object_get(detail, "member_id"), "name",
                              json_object_get(detail, "name"));
    r->d = (struct ah_delivery){.incident_id = ah_json_id(json_object_get(e, "incident_id")),
                                .channel_id = ah_json_id(json_object_get(e, "channel_id")),
                                .event_id = r->event_id,
                                .event_type = r->event_type,
                                .event_time_ms = time * 1000,
                                .kind = r->kind,
                                .target_id = ah_json_id(json_object_get(t, "id")),
                                .address = r->address,
                                .person = r->person,
                                .created_at = time};
    row = json_object();
    json_object_set_new(row, "kind", json_string(r->kind));
    json_object_set_new(row, "address", json_string(r->address));
    json_object_set_new(row, "event_id", json_string(r->event_id));
    json_object_set_new(row, "event_type", json_string(r->event_type));
    json_object_set_new(row, "event_time", json_integer(time * 1000));
    json_object_set_new(row, "created_at", json_integer(time));
    json_object_set_new(row, "incident_id", json_integer(r->d.incident_id));
    json_object_set_new(row, "channel_id", json_integer(r->d.channel_id));
    json_object_set_new(row, "target_id", json_integer(r->d.target_id));
    if (r->person != NULL)
        json_object_set(row, "person", r->person);
    *ret = r;
    return row;
}

static const json_t *target_by_id(const json_t *targets, int64_t id)
{
    const json_t *t;
    size_t i;

    json_array_foreach(targets, i, t)
    {
        if (ah_json_id(json_object_get(t, "id")) == id)
            return t;
    }
    return NULL;
}

/* Starts the next entries of every subscribed target, in order, as many as
 * its window and the free slots allow. */
static void pump(struct ah_sender *s)
{
    json_t *targets, *entries, *e;
    int64_t head = 0, after;
    size_t i, j;
    int room;

    s->subs_pumped_us = ah_monotonic_us();
    if (ah_store_read_subscriptions(s->conf.store, &targets, NULL) < 0)
        return;
    ah_subs_reload(s->subs, targets);
    if (ah_subs_count(s->subs) > 0)
        (void)ah_store_read_feed_head(s->conf.store, &head, NULL);
    for (i = 0; i < ah_subs_count(s->subs); i++) {
        int64_t id = ah_subs_target(s->subs, i, &room, &after);

        if (room <= 0 || after >= head || s->nxfers >= (size_t)s->conf.max_inflight ||
            ah_store_read_subscription_events(s->conf.store, id, after, room, &entries, NULL) < 0)
            continue;
        json_array_foreach(entries, j, e)
        {
            struct sub_row *r;
            json_t *row = sub_entry(target_by_id(targets, id), e, &r);

            ah_subs_started(s->subs, id, r->feed_id);
            start(s, row, r);
            json_decref(row);
        }
        /* Fewer than asked: nothing else up to head is for this target. */
        if (json_array_size(entries) < (size_t)room)
            ah_subs_skipped(s->subs, id, head);
        json_decref(entries);
    }
    json_decref(targets);
}

static void collect(struct ah_sender *s)
{
    struct CURLMsg *m;
    int left;
    size_t i;

    while ((m = curl_multi_info_read(s->multi, &left)) != NULL) {
        struct transfer *t = NULL;

        if (m->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&t);
        classify(s, t, m->data.result);
        curl_multi_remove_handle(s->multi, t->easy);
        for (i = 0; i < s->nxfers; i++) {
            if (s->xfers[i] == t) {
                s->xfers[i] = s->xfers[--s->nxfers];
                break;
            }
        }
        transfer_free(t);
        s->last_fetch_us = 0; /* a slot is free: look again */
    }
}

/* One node of those sharing a database sends (store.h, ah_store_leads):
 * the others start nothing, and a node that takes the lease over starts
 * every subscription at its committed cursor, since the node before it
 * moved them on. Transfers under way when the lease is lost finish. */
static int leads(struct ah_sender *s)
{
    int now = ah_store_leads(s->conf.store);

    if (now && !s->leading)
        ah_subs_reset(s->subs);
    s->leading = now;
    return now;
}

static int take_wake(struct ah_sender *s, int *stopping)
{
    int woken;

    pthread_mutex_lock(&s->lock);
    woken = s->woken;
    s->woken = 0;
    *stopping = s->stopping;
    pthread_mutex_unlock(&s->lock);
    return woken;
}

static void *sender_main(void *arg)
{
    struct ah_sender *s = arg;
    int running, stopping = 0;

    pthread_setname_np(pthread_self(), "ah-sender"); /* for top -H and perf */
    while (1) {
        int woken = take_wake(s, &stopping);

        if (stopping)
            break;
        reap_recording(s);
        if (leads(s)) {
            if (woken || ah_monotonic_us() - s->last_fetch_us >= 1000000)
                fetch(s);
            if (woken || ah_monotonic_us() - s->subs_pumped_us >= 250000)
                pump(s);
        }
        curl_multi_perform(s->multi, &running);
        collect(s);
        hand_over(s);
        curl_multi_poll(s->multi, NULL, 0, s->outcomes ? 100 : 250, NULL);
    }
    return NULL;
}

/* ================= life cycle ================= */

int ah_sender_new(const struct ah_sender_conf *conf, struct ah_sender **ret, struct ah_error *err)
{
    struct ah_sender *s = ah_xcalloc(1, sizeof(*s));

    s->conf = *conf;
    if (s->conf.timeout_ms <= 0)
        s->conf.timeout_ms = 10000;
    if (s->conf.max_inflight <= 0)
        s->conf.max_inflight = 16;
    if (s->conf.retry_for <= 0)
        s->conf.retry_for = 3600;
    if (s->conf.smtp_from == NULL)
        s->conf.smtp_from = "alerthub@localhost";
    s->multi = curl_multi_init();
    s->subs = ah_subs_new();
    pthread_mutex_init(&s->lock, NULL);
    if (s->multi == NULL || pthread_create(&s->thread, NULL, sender_main, s) != 0) {
        curl_multi_cleanup(s->multi);
        ah_subs_free(s->subs);
        pthread_mutex_destroy(&s->lock);
        ah_free(s);
        return ah_error_set(err, AH_EIO, "could not start the delivery worker");
    }
    *ret = s;
    return AH_OK;
}

void ah_sender_wake(struct ah_sender *s)
{
    pthread_mutex_lock(&s->lock);
    s->woken = 1;
    pthread_mutex_unlock(&s->lock);
    curl_multi_wakeup(s->multi);
}

void ah_sender_stop(struct ah_sender *s)
{
    int joined;

    pthread_mutex_lock(&s->lock);
    joined = s->stopping;
    s->stopping = 1;
    pthread_mutex_unlock(&s->lock);
    curl_multi_wakeup(s->multi);
    if (!joined)
        pthread_join(s->thread, NULL);
}

void ah_sender_free(struct ah_sender *s)
{
    size_t i;

    if (s == NULL)
        return;
    ah_sender_stop(s);
    for (i = 0; i < s->nxfers; i++) {
        curl_multi_remove_handle(s->multi, s->xfers[i]->easy);
        transfer_free(s->xfers[i]);
    }
    ah_free(s->xfers);
    curl_multi_cleanup(s->multi);
    batch_free(s->outcomes);
    batch_free(s->recording);
    ah_free(s->busy);
    ah_subs_free(s->subs);
    pthread_mutex_destroy(&s->lock);
    ah_free(s);
}

void ah_sender_stats(struct ah_sender *s, struct ah_sender_stats *ret)
{
    int i;

    for (i = 0; i < AH_SENDER_KINDS; i++) {
        ret->sent[i] = atomic_load(&s->sent[i]);
        ret->failed[i] = atomic_load(&s->failed[i]);
        ret->retried[i] = atomic_load(&s->retried[i]);
    }
}
