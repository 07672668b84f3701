/* admin_people.c - /api/v1/members and /api/v1/notify-targets: the people
 * and the systems (chat bots, outbound webhooks) that notifications reach.
 *
 *   GET    /members, /notify-targets            list, newest first
 *   POST   /members, /notify-targets            create: 201
 *   GET    /members/{id}, /notify-targets/{id}
 *   PATCH  /members/{id}, /notify-targets/{id}  the fields given replace
 *   DELETE /members/{id}, /notify-targets/{id}  409 ReferenceExist while a
 *                                               channel's escalation rules
 *                                               name it
 *
 * Bodies are checked on the HTTP thread (unknown fields, shapes, e-mail
 * addresses, URLs, time zones); the writer checks what needs the database
 * (that channel_ids name channels), merges a PATCH into the stored row and
 * tells the reducer that its subscription cache is stale. A target's
 * secret is write-only: answers carry settings {url, has_secret}. */
#include "http/admin.h"

#include "util/text.h"
#include "util/tz.h"

#include <string.h>
#include <strings.h>

#define PEOPLE_MAX_NAME     100
#define PEOPLE_MAX_CONTACTS 10
#define PEOPLE_MAX_EMAIL    254 /* bytes (RFC 5321 path limit) */
#define PEOPLE_MAX_PHONE    32
#define PEOPLE_MAX_URL      2048 /* bytes */
#define PEOPLE_MAX_SECRET   256  /* bytes */
#define PEOPLE_MAX_CHANNELS 50

static const char *const target_kinds[] = {"webhook", "slack", "feishu", "dingtalk", "wecom", NULL};
static const char *const event_types[] = {"i_new",    "i_assign", "i_esc",   "i_ack",
                                          "i_unack",  "i_snooze", "i_wake",  "i_rslv",
                                          "i_reopen", "i_storm",  "i_merge", NULL};

/* ================= value checks (pure) ================= */

/* No spaces, control characters or DEL anywhere. */
static int printable(const char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s <= 0x20 || *s == 0x7f)
            return 0;
    }
    return 1;
}

/* Something that looks like an address: one '@' with text either side. */
static int email_ok(const char *s)
{
    const char *at = strchr(s, '@');
    size_t n = strlen(s);

    return n <= PEOPLE_MAX_EMAIL && printable(s) && at != NULL && at != s && at[1] != '\0' &&
           strchr(at + 1, '@') == NULL;
}

/* Digits, '+', '-', spaces and parentheses, with at least one digit. */
static int phone_ok(const char *s)
{
    return ah_utf8_len(s) <= PEOPLE_MAX_PHONE && strspn(s, "0123456789+-() ") == strlen(s) &&
           strpbrk(s, "0123456789") != NULL;
}

/* The port after a host: empty string, or ":" and 1..65535. */
static int port_ok(const char *p, const char *end)
{
    long v = 0;

    if (p == end)
        return 1;
    if (*p++ != ':' || p == end || end - p > 5)
        return 0;
    for (; p < end; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        v = v * 10 + (*p - '0');
    }
    return v >= 1 && v <= 65535;
}

/* An http:// or https:// URL of at most PEOPLE_MAX_URL bytes, without
 * spaces or control characters, whose authority has a host. */
static int url_ok(const char *s)
{
    const char *p, *end, *host, *at;

    if (strlen(s) > PEOPLE_MAX_URL || !printable(s))
        return 0;
    if (strncasecmp(s, "http://", 7) == 0)
        p = s + 7;
    else if (strncasecmp(s, "https://", 8) == 0)
        p = s + 8;
    else
        return 0;
    end = p + strcspn(p, "/?#");
    host = p;
    for (at = p; at < end; at++) { /* userinfo@ */
        if (*at == '@')
            host = at + 1;
    }
    if (host < end && *host == '[') { /* [IPv6] */
        const char *close = memchr(host, ']', (size_t)(end - host));

        return close != NULL && close > host + 1 && port_ok(close + 1, end);
    }
    p = memchr(host, ':', (size_t)(end - host));
    if (p == NULL)
        p = end;
    return p > host && memchr(host, '[', (size_t)(p - host)) == NULL &&
           memchr(host, ']', (size_t)(p - host)) == NULL && port_ok(p, end);
}

/* ================= body checks (HTTP thread) ================= */

/* An optional string field (null unsets it) that @ok accepts. */
static int check_optional(const json_t *body, const char *field, int (*ok)(const char *s),
                          const char *what, struct ah_error *err)
{
    const json_t *v = json_object_get(body, field);

    if (v == NULL || json_is_null(v) || (json_is_string(v) && ok(json_string_value(v))))
        return AH_OK;
    return ah_error_set(err, AH_EINVAL, "%s must be %s", field, what);
}

static const char email_what[] =
    "an email address (one @, no spaces or line breaks, at most 254 bytes)";
static const char url_what[] = "an http or https URL with a host, at most 2048 bytes";

static int check_contact(json_t *c, size_t i, struct ah_error *err)
{
    static const char *const keys[] = {"kind", "address", NULL};
    const char *kind = json_string_value(json_object_get(c, "kind"));
    const char *address = json_string_value(json_object_get(c, "address"));
    char prefix[32];

    snprintf(prefix, sizeof(prefix), "contacts[%zu].", i);
    if (!json_is_object(c))
        return ah_error_set(err, AH_EINVAL, "contacts[%zu] must be an object {kind, address}", i);
    if (ah_admin_only_keys(c, keys, prefix, err) < 0)
        return AH_EINVAL;
    if (kind == NULL || (strcmp(kind, "email") != 0 && strcmp(kind, "webhook") != 0))
        return ah_error_set(err, AH_EINVAL, "contacts[%zu].kind must be \"email\" or \"webhook\"",
                            i);
    if (address == NULL || !(strcmp(kind, "email") == 0 ? email_ok(address) : url_ok(address)))
        return ah_error_set(err, AH_EINVAL, "contacts[%zu].address must be %s", i,
                            strcmp(kind, "email") == 0 ? email_what : url_what);
    return AH_OK;
}

/* contacts: absent, null (none) or at most PEOPLE_MAX_CONTACTS contacts. */
static int check_contacts(json_t *body, struct ah_error *err)
{
    json_t *v = json_object_get(body, "contacts"), *c;
    size_t i;

    if (v == NULL)
        return AH_OK;
    if (json_is_null(v)) {
        json_object_set_new(body, "contacts", json_array());
        return AH_OK;
    }
    if (!json_is_array(v) || json_array_size(v) > PEOPLE_MAX_CONTACTS)
        return ah_error_set(err, AH_EINVAL,
                            "contacts must be an array of at most %d {kind, address} objects",
                            PEOPLE_MAX_CONTACTS);
    json_array_foreach(v, i, c)
    {
        if (check_contact(c, i, err) < 0)
            return AH_EINVAL;
    }
    return AH_OK;
}

/* A name: required on create, never null. */
static int check_name(const json_t *body, int create, struct ah_error *err)
{
    return ah_admin_string_field(body, "name", create, 1, PEOPLE_MAX_NAME, NULL, err);
}

int ah_admin_member_check(json_t *body, int create, struct ah_error *err)
{
    static const char *const keys[] = {"name", "email", "phone", "timezone", "contacts", NULL};

    if (ah_admin_only_keys(body, keys, "", err) < 0 || check_name(body, create, err) < 0 ||
        check_optional(body, "email", email_ok, email_what, err) < 0 ||
        check_optional(body, "phone", phone_ok,
                       "at most 32 characters of digits, +, -, spaces and parentheses", err) < 0 ||
        check_optional(body, "timezone", ah_tz_valid,
                       "an IANA time zone name such as \"Europe/Berlin\"", err) < 0 ||
        check_contacts(body, err) < 0)
        return AH_EINVAL;
    return AH_OK;
}

static int check_member(struct ah_request *req, struct ah_error *err)
{
    return ah_admin_member_check(req->json, req->id == 0, err);
}

/* settings {url, secret?}: required on create; a PATCH that gives it gives
 * the url (the secret may be left out to keep the stored one). */
static int check_settings(json_t *body, int create, struct ah_error *err)
{
    static const char *const keys[] = {"url", "secret", NULL};
    json_t *v = json_object_get(body, "settings");
    const json_t *secret;
    const char *url;

    if (v == NULL && !create)
        return AH_OK;
    if (!json_is_object(v))
        return ah_error_set(err, AH_EINVAL, "settings must be an object {url, secret?}");
    if (ah_admin_only_keys(v, keys, "settings.", err) < 0)
        return AH_EINVAL;
    url = json_string_value(json_object_get(v, "url"));
    if (url == NULL || !url_ok(url))
        return ah_error_set(err, AH_EINVAL, "settings.url must be %s", url_what);
    secret = json_object_get(v, "secret");
    if (secret != NULL && !json_is_null(secret) &&
        !(json_is_string(secret) && strlen(json_string_value(secret)) <= PEOPLE_MAX_SECRET))
        return ah_error_set(err, AH_EINVAL, "settings.secret must be a string of at most %d bytes",
                            PEOPLE_MAX_SECRET);
    return AH_OK;
}

/* A channel id as a string ("12") or a number (12); 0 when it is neither. */
static int64_t channel_id_of(const json_t *c)
{
    const char *s = json_string_value(c);

    if (s != NULL)
        return ah_admin_parse_id(s, strlen(s));
    return json_is_integer(c) && json_integer_value(c) > 0 ? (int64_t)json_integer_value(c) : 0;
}

/* event_types: absent or null (every event), or distinct known types. */
static int check_event_types(const json_t *body, struct ah_error *err)
{
    const json_t *v = json_object_get(body, "event_types"), *t;
    size_t i, j;

    if (v == NULL || json_is_null(v))
        return AH_OK;
    if (!json_is_array(v))
        return ah_error_set(err, AH_EINVAL, "event_types must be null or an array of event types");
    json_array_foreach(v, i, t)
    {
        if (!ah_admin_one_of(json_string_value(t), event_types))
            return ah_error_set(err, AH_EINVAL,
                                "event_types[%zu] must be one of i_new, i_assign, i_esc, i_ack, "
                                "i_unack, i_snooze, i_wake, i_rslv, i_reopen, i_storm, i_merge",
                                i);
        for (j = 0; j < i; j++) {
            if (json_equal(t, json_array_get(v, j)))
                return ah_error_set(err, AH_EINVAL, "event_types[%zu] repeats \"%s\"", i,
                                    json_string_value(t));
        }
    }
    return AH_OK;
}

/* channel_ids: distinct channel ids (null becomes []). Whether they name
 * channels is the writer's check. */
static const struct ah_admin_ids channel_list = {"channel_ids", "channel", PEOPLE_MAX_CHANNELS,
                                                 channel_id_of};

int ah_admin_target_check(json_t *body, int create, struct ah_error *err)
{
    static const char *const keys[] = {"name",        "kind",        "settings",
                                       "channel_ids", "event_types", NULL};
    const json_t *kind = json_object_get(body, "kind");

    if (ah_admin_only_keys(body, keys, "", err) < 0 || check_name(body, create, err) < 0)
        return AH_EINVAL;
    if ((kind != NULL || create) && !ah_admin_one_of(json_string_value(kind), target_kinds))
        return ah_error_set(err, AH_EINVAL,
                            "kind must be one of webhook, slack, feishu, dingtalk, wecom");
    if (check_settings(body, create, err) < 0 || ah_admin_check_ids(body, &channel_list, err) < 0 ||
        check_event_types(body, err) < 0)
        return AH_EINVAL;
    return AH_OK;
}

static int check_target(struct ah_request *req, struct ah_error *err)
{
    return ah_admin_target_check(req->json, req->id == 0, err);
}

/* ================= writer jobs ================= */

static const struct ah_admin_rows member_rows = {ah_store_tx_member_get, ah_store_tx_member_insert,
                                                 ah_store_tx_member_update,
                                                 ah_store_tx_member_delete, NULL};

static int member_run(struct ah_job *job, struct ah_store_tx *tx, struct ah_reduce *reduce,
                      int64_t now, struct ah_error *err)
{
    (void)reduce; /* members, targets and rotas are read from the store */
    return ah_admin_rows_write(ah_request_of(job), tx, now, &member_rows, err);
}

/* Every id of @channel_ids (strings, see channel_list) names a channel. */
static int channels_exist(struct ah_store_tx *tx, const json_t *channel_ids, struct ah_error *err)
{
    const json_t *c;
    size_t i;

    json_array_foreach(channel_ids, i, c)
    {
        const char *s = json_string_value(c);
        int rc = ah_store_tx_channel_exists(tx, ah_admin_parse_id(s, strlen(s)), err);

        if (rc == AH_ENOTFOUND)
            return ah_error_set(err, AH_EINVAL, "channel_ids[%zu]: channel \"%s\" does not exist",
                                i, s);
        if (rc < 0)
            return rc;
    }
    return AH_OK;
}

/* The settings to store: the given url, and the given secret ("" or null
 * clears it) or, when none is given, the stored one. */
static json_t *merge_settings(const json_t *given, const json_t *stored)
{
    json_t *s = json_pack("{s:O}", "url", json_object_get(given, "url"));
    const json_t *v = json_object_get(given, "secret");
    const char *secret = json_string_value(v ? v : json_object_get(stored, "secret"));

    if (secret != NULL && secret[0] != '\0')
        json_object_set_new(s, "secret", json_string(secret));
    return s;
}

/* Puts the body's fields over target @t (settings through merge_settings). */
static void overlay(json_t *t, json_t *body)
{
    const char *key;
    json_t *v;

    json_object_foreach(body, key, v)
    {
        if (strcmp(key, "settings") == 0)
            json_object_set_new(t, key, merge_settings(v, json_object_get(t, key)));
        else
            json_object_set(t, key, v);
    }
}

int ah_admin_target_write(struct ah_store_tx *tx, int64_t id, json_t *body, int64_t now,
                          int64_t *ret_id, struct ah_error *err)
{
    json_t *t = NULL;
    int rc = AH_OK;

    /* An update starts from the stored target, secret included. */
    if (id != 0)
        rc = ah_store_tx_target_get(tx, id, &t, err);
    else
        t = json_object();
    if (rc == AH_OK)
        rc = channels_exist(tx, json_object_get(body, "channel_ids"), err);
    if (rc == AH_OK) {
        overlay(t, body);
        rc = id != 0 ? ah_store_tx_target_update(tx, id, t, now, err)
                     : ah_store_tx_target_insert(tx, t, now, ret_id, err);
    }
    json_decref(t);
    return rc;
}

static int target_run(struct ah_job *job, struct ah_store_tx *tx, struct ah_reduce *reduce,
                      int64_t now, struct ah_error *err)
{
    struct ah_request *req = ah_request_of(job);

    (void)reduce; /* members, targets and rotas are read from the store */
    if (strcmp(req->method, "DELETE") == 0)
        return ah_store_tx_target_delete(tx, req->id, err);
    return ah_admin_target_write(tx, strcmp(req->method, "PATCH") == 0 ? req->id : 0, req->json,
                                 now, &req->id, err);
}

/* ================= the two resources ================= */

static enum MHD_Result member_finish(struct ah_request *req)
{
    return ah_admin_finish(req, ah_store_read_member);
}

static enum MHD_Result target_finish(struct ah_request *req)
{
    return ah_admin_finish(req, ah_store_read_target);
}

static const struct ah_admin_crud members = {ah_store_read_members, ah_store_read_member,
                                             check_member, member_run, member_finish};
static const struct ah_admin_crud targets = {ah_store_read_targets, ah_store_read_target,
                                             check_target, target_run, target_finish};

enum MHD_Result ah_admin_members(struct ah_request *req, int64_t id, const char *action)
{
    return ah_admin_crud(req, id, action, &members);
}

enum MHD_Result ah_admin_notify_targets(struct ah_request *req, int64_t id, const char *action)
{
    return ah_admin_crud(req, id, action, &targets);
}
