/* message.h - builds the message that tells one notification target about one
 * incident event: the generic webhook payload (optionally signed with
 * HMAC-SHA256), the chat formats of Slack, Feishu, DingTalk and WeCom, and an
 * RFC 5322 email. Pure code: no network, no threads, no mutable globals, so
 * every function here is thread-safe. Uses util/ and model/, jansson and
 * OpenSSL libcrypto only; sending is the caller's business. The formats are
 * shown with examples in docs/notifications-formats.md. */
#ifndef AH_NOTIFY_MESSAGE_H
#define AH_NOTIFY_MESSAGE_H

#include "util/error.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define AH_MSG_TITLE_MAX  512  /* bytes of the title in chat formats and email */
#define AH_MSG_LABELS_MAX 20   /* labels shown in chat formats and email */
#define AH_MSG_WECOM_MAX  4096 /* bytes of WeCom markdown content */

/* What to say and to whom. Everything is borrowed for the duration of the
 * call only. Strings from the incident (title, labels, description) and the
 * names of people are untrusted: they are escaped for each platform. */
struct ah_msg_input {
    const char *kind;         /* "webhook" | "slack" | "feishu" | "dingtalk" | "wecom" | "email" */
    const char *event_id;     /* stable per delivery (the same on every retry); 1 to 128 of
                                 the characters RFC 5322 allows in a dot-atom (letters, digits,
                                 ".!#$%&'*+-/=?^_`{|}~"), since it is also the Message-ID */
    const char *event_type;   /* i_new i_assign i_esc i_ack i_unack i_snooze i_wake i_rslv
                                 i_reopen i_storm i_merge */
    int64_t event_time_ms;    /* when the event happened, Unix milliseconds */
    const json_t *incident;   /* the incident object as the API shows it; must have "id"
                                 (string or integer) and "title" (string) */
    const char *channel_name; /* may be NULL */
    const json_t *person;     /* {id, name} of who acted (ack, resolve...), or NULL */
    const json_t *detail;     /* extra object or NULL, e.g. {"rule":"Primary","level":2,
                                 "round":0,"recipient":{"id":"3","name":"Alice"}} */
    const char *console_url;  /* base URL without trailing slash, or NULL / "" for no link;
                                 the link is console_url + "/#/incidents/" + id */
    const char *url;          /* the target's URL; required except for email */
    const char *secret;       /* NULL or "" = unsigned */
    int64_t now_ms;           /* signing time and the email's Date, Unix milliseconds */
    const char *email_from;   /* email only: the From and To header values, as */
    const char *email_to;     /* "Name <a@b.c>" or "a@b.c"; no CR or LF */
};

/* A built message. All members are owned by the struct: release them with
 * ah_msg_done(). */
struct ah_msg {
    char *url;       /* where to POST: the input URL, for DingTalk with
                        timestamp=..&sign=.. appended when signed; NULL for email */
    char **headers;  /* NULL-terminated "Name: value" HTTP headers (Content-Type
                        included); an empty list for email */
    char *body;      /* NUL-terminated HTTP body, or for email the whole RFC 5322
                        message (headers and body) with CRLF line ends */
    size_t body_len; /* bytes of body, without the NUL */
    char *subject;   /* email only: the subject as plain UTF-8 (the Subject header
                        holds it RFC 2047-encoded when not ASCII); else NULL */
};

/* Builds the message for @in into @ret_msg (overwritten, not freed first).
 * Returns AH_OK, or AH_EINVAL with a message for: an unrecognized kind or
 * event type, an event id outside the character set above, an incident
 * without "id" or "title", a person or detail that is not an object, a missing
 * or malformed URL, a channel name that is not UTF-8, or (email) a missing
 * From or To or one containing CR, LF or another control character (header
 * injection). On failure @ret_msg is left zeroed and needs no ah_msg_done().
 *
 * The formats:
 * - webhook: compact JSON {"event_id", "event_type", "event_time" (ms),
 *   "incident": the incident as given plus "channel_name" and "url" (the
 *   console link; null when unknown), "person"? and "detail"? (only when
 *   given)}. Headers Content-Type, X-Alerthub-Event, X-Alerthub-Delivery and,
 *   with a secret, X-Alerthub-Signature: sha256=<hex HMAC-SHA256 of the body
 *   keyed with the secret>.
 * - slack: an incoming-webhook message {"text", "blocks"} in mrkdwn, with
 *   &, < and > escaped as Slack requires. No signing: a secret is ignored.
 * - feishu: a custom-bot interactive card {"msg_type":"interactive","card"}
 *   whose texts are all plain_text (so nothing needs escaping); with a secret,
 *   top-level "timestamp" (Unix seconds of @now_ms, as a string) and "sign"
 *   (base64 HMAC-SHA256 keyed with timestamp + "\n" + secret, of no bytes).
 * - dingtalk: a custom-robot markdown message; with a secret the URL gets
 *   timestamp=<ms>&sign=<url-encoded base64 HMAC-SHA256 of timestamp + "\n" +
 *   secret keyed with the secret>.
 * - wecom: a group-robot markdown message; the content is kept within
 *   AH_MSG_WECOM_MAX bytes by dropping labels, cut on a UTF-8 boundary. No
 *   signing: a secret is ignored.
 * - email: From, To, Subject ("[Severity] title - event"), Date, Message-ID
 *   (<event_id@alerthub>), MIME-Version, Content-Type text/plain UTF-8,
 *   Content-Transfer-Encoding 8bit and Auto-Submitted, then a plain-text
 *   body with lines of at most 998 bytes. No dot-stuffing: libcurl does it.
 * Chat formats and email cut the title to AH_MSG_TITLE_MAX bytes, put it on
 * one line, and show at most AH_MSG_LABELS_MAX labels, sorted by key. */
int ah_msg_build(const struct ah_msg_input *in, struct ah_msg *ret_msg, struct ah_error *reterr);

/* Frees what @m owns and zeroes it; NULL and a zeroed message are no-ops. */
void ah_msg_done(struct ah_msg *m);

/* Writes the lower-case hex HMAC-SHA256 of the @len bytes at @msg, keyed with
 * the NUL-terminated @key, and a NUL into @out: the value of the webhook's
 * X-Alerthub-Signature after "sha256=". */
void ah_msg_hmac_sha256_hex(const char *key, const void *msg, size_t len, char out[65]);

#endif
