/* alertmanager.c - the Prometheus Alertmanager webhook adapter (payload
 * version 4): one event per alert of a group notification, keyed by the
 * alert's fingerprint so that its firing and resolved notifications meet in
 * one alert. Depends on model/ and util/ only. */
#include "ingest/adapter.h"

#include "util/alloc.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/text.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ANNOTATION_PREFIX "annotation_"
/* The level of an alert whose severity label is absent or unrecognized (the
 * label itself stays visible). Integrations have no default severity yet;
 * Warning is what the other webhook adapters use. */
#define DEFAULT_SEVERITY AH_SEV_WARNING

/* Prometheus' label-set fingerprint: FNV-1a 64 with 0xff after each name and
 * value (prometheus/common model/signature.go). */
#define FNV_OFFSET    14695981039346656037ull
#define FNV_PRIME     1099511628211ull
#define FNV_SEPARATOR 0xffu

struct severity_word {
    const char *word;
    enum ah_severity severity;
};

/* The usual values of the severity label in Prometheus rule sets and in the
 * kube-prometheus, PagerDuty and Opsgenie conventions. */
/* clang-format off */
static const struct severity_word severity_words[] = {
    {"critical", AH_SEV_CRITICAL}, {"crit", AH_SEV_CRITICAL}, {"error", AH_SEV_CRITICAL},
    {"fatal", AH_SEV_CRITICAL}, {"emergency", AH_SEV_CRITICAL}, {"alert", AH_SEV_CRITICAL},
    {"p1", AH_SEV_CRITICAL}, {"page", AH_SEV_CRITICAL},
    {"warning", AH_SEV_WARNING}, {"warn", AH_SEV_WARNING}, {"major", AH_SEV_WARNING},
    {"minor", AH_SEV_WARNING}, {"p2", AH_SEV_WARNING}, {"p3", AH_SEV_WARNING},
    {"info", AH_SEV_INFO}, {"informational", AH_SEV_INFO}, {"notice", AH_SEV_INFO},
    {"low", AH_SEV_INFO}, {"none", AH_SEV_INFO}, {"p4", AH_SEV_INFO}, {"p5", AH_SEV_INFO},
};
/* clang-format on */

/* What the notification says once for all its alerts. */
struct group {
    const json_t *common_labels; /* may be NULL */
    const char *status;          /* for an alert without its own; may be NULL */
};

/* ---- helpers --------------------------------------------------------------- */

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Returns a new array of the names of @obj (borrowed from it), sorted
 * bytewise as Go sorts strings, and stores their number in *@ret_n. Iterating
 * in this order makes the labels kept under the cap independent of the order
 * of the body's keys. */
static const char **sorted_names(const json_t *obj, size_t *ret_n)
{
    const char **names = ah_xcalloc(json_object_size(obj) + 1, sizeof(*names));
    const char *key;
    json_t *value;
    size_t n = 0;

    json_object_foreach((json_t *)obj, key, value) names[n++] = key;
    qsort(names, n, sizeof(*names), compare_names);
    *ret_n = n;
    return names;
}

static uint64_t fnv_add(uint64_t h, const char *s)
{
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * FNV_PRIME;
    return (h ^ FNV_SEPARATOR) * FNV_PRIME;
}

/* The fingerprint Alertmanager itself would compute from @labels (16 hex
 * digits), so that bodies with and without "fingerprint" agree. */
static char *derive_key(const json_t *labels)
{
    size_t n, i;
    const char **names = sorted_names(labels, &n);
    uint64_t h = FNV_OFFSET;
    struct ah_buf b;

    for (i = 0; i < n; i++) {
        char *text = ah_json_scalar_text(json_object_get(labels, names[i]));

        if (text != NULL) {
            h = fnv_add(fnv_add(h, names[i]), text);
            ah_free(text);
        }
    }
    ah_free(names);
    ah_buf_init(&b);
    ah_buf_printf(&b, "%016" PRIx64, h);
    return ah_buf_steal(&b);
}

/* ---- one event ------------------------------------------------------------ */

static enum ah_severity map_severity(const json_t *labels)
{
    const char *text = json_string_value(json_object_get(labels, "severity"));
    size_t i;

    for (i = 0; text != NULL && i < sizeof(severity_words) / sizeof(severity_words[0]); i++) {
        if (ah_str_ieq(text, severity_words[i].word))
            return severity_words[i].severity;
    }
    return DEFAULT_SEVERITY;
}

/* Sets label @name unless it exists, is not a usable name, or the labels are
 * full: a label set earlier always wins, so the order of the calls decides
 * what is dropped. */
static void put_label(struct ah_event *ev, const char *name, const char *value)
{
    if (value == NULL || name[0] == '\0' || ah_utf8_len(name) > AH_MAX_LABEL_KEY)
        return;
    if (json_object_get(ev->labels, name) != NULL || json_object_size(ev->labels) >= AH_MAX_LABELS)
        return;
    ah_event_set_label(ev, name, value);
}

/* Copies the scalar fields of @obj, in name order, as labels "@prefix<name>". */
static void put_labels(struct ah_event *ev, const json_t *obj, const char *prefix)
{
    size_t n, i;
    const char **names = sorted_names(obj, &n);
    struct ah_buf name;

    ah_buf_init(&name);
    for (i = 0; i < n; i++) {
        char *text = ah_json_scalar_text(json_object_get(obj, names[i]));

        ah_buf_done(&name);
        ah_buf_printf(&name, "%s%s", prefix, names[i]);
        put_label(ev, ah_buf_str(&name), text);
        ah_free(text);
    }
    ah_buf_done(&name);
    ah_free(names);
}

/* "<alertname>: <summary>"; "alert" stands in for a missing alertname. */
static char *make_title(const json_t *labels, const json_t *annotations)
{
    const char *name = json_string_value(json_object_get(labels, "alertname"));
    const char *summary = json_string_value(json_object_get(annotations, "summary"));
    struct ah_buf t;

    ah_buf_init(&t);
    ah_buf_puts(&t, name != NULL && name[0] != '\0' ? name : "alert");
    if (summary != NULL && summary[0] != '\0')
        ah_buf_printf(&t, ": %s", summary);
    return ah_buf_steal(&t);
}

static char *make_description(const json_t *annotations)
{
    const char *d = json_string_value(json_object_get(annotations, "description"));

    if (d == NULL || d[0] == '\0')
        d = json_string_value(json_object_get(annotations, "summary"));
    return d != NULL && d[0] != '\0' ? ah_xstrdup(d) : NULL;
}

/* Unix seconds of the RFC 3339 field @name, or 0. Alertmanager writes the
 * zero time "0001-01-01T00:00:00Z" for an unset endsAt: that is 0 too. */
static int64_t time_field(const json_t *alert, const char *name)
{
    const char *s = json_string_value(json_object_get(alert, name));
    int64_t t;

    if (s == NULL || ah_time_parse(s, &t) < 0 || t <= 0)
        return 0;
    return t;
}

static char *alert_key(const json_t *alert, const json_t *labels)
{
    const char *fp = json_string_value(json_object_get(alert, "fingerprint"));

    return fp != NULL && fp[0] != '\0' ? ah_xstrdup(fp) : derive_key(labels);
}

/* Labels in priority order: the alert's own, generatorURL, the group's common
 * labels, then the annotations, which go first when AH_MAX_LABELS is hit. */
static void add_event(const struct group *g, const json_t *alert, struct ah_event_list *out)
{
    struct ah_event *ev = ah_event_list_add(out);
    const json_t *labels = json_object_get(alert, "labels");
    const json_t *annotations = json_object_get(alert, "annotations");
    const char *status = json_string_value(json_object_get(alert, "status"));
    const char *url = json_string_value(json_object_get(alert, "generatorURL"));

    if (status == NULL)
        status = g->status;
    ev->recovered = status != NULL && ah_str_ieq(status, "resolved");
    ev->severity = map_severity(labels);
    ev->title = make_title(labels, annotations);
    ev->description = make_description(annotations);
    ev->alert_key = alert_key(alert, labels);
    ev->event_time = time_field(alert, ev->recovered ? "endsAt" : "startsAt");
    put_labels(ev, labels, "");
    if (url != NULL && url[0] != '\0') /* "" for alerts posted without one */
        put_label(ev, "generator_url", url);
    put_labels(ev, g->common_labels, "");
    put_labels(ev, annotations, ANNOTATION_PREFIX);
}

/* ---- the adapter ----------------------------------------------------------- */

/* Refuses a body without alerts, with too many, or with one that is not an
 * object. The payload "version" is not checked: later versions are expected
 * to add fields, not to move these. */
static int check_body(const json_t *body, const json_t **ret_alerts, struct ah_error *err)
{
    const json_t *alerts = json_object_get(body, "alerts");
    size_t n = json_array_size(alerts), i;

    if (!json_is_object(body))
        return ah_error_set(err, AH_EINVAL, "body must be a JSON object");
    if (!json_is_array(alerts))
        return ah_error_set(err, AH_EINVAL,
                            "body has no Alertmanager alerts: expected an array \"alerts\"");
    if (n == 0)
        return ah_error_set(err, AH_EINVAL, "\"alerts\" must not be empty");
    if (n > AH_MAX_EVENTS)
        return ah_error_set(err, AH_EINVAL,
                            "body has %zu alerts, at most %d are allowed in one request "
                            "(set max_alerts in the webhook configuration)",
                            n, AH_MAX_EVENTS);
    for (i = 0; i < n; i++) {
        if (!json_is_object(json_array_get(alerts, i)))
            return ah_error_set(err, AH_EINVAL, "alerts[%zu] must be an object", i);
    }
    *ret_alerts = alerts;
    return AH_OK;
}

static int parse(const struct ah_push_input *in, struct ah_event_list *out, struct ah_error *err)
{
    const json_t *alerts = NULL;
    struct group g;
    size_t i;
    int rc;

    rc = check_body(in->body, &alerts, err);
    if (rc < 0)
        return rc;
    g.common_labels = json_object_get(in->body, "commonLabels");
    g.status = json_string_value(json_object_get(in->body, "status"));
    for (i = 0; i < json_array_size(alerts); i++)
        add_event(&g, json_array_get(alerts, i), out);
    return AH_OK;
}

/* No retry identity: Alertmanager resends whole group notifications (on
 * failure and every repeat_interval), and a resent alert is deduplicated by
 * its alert_key like any repeat. */
const struct ah_adapter ah_adapter_alertmanager = {
    .type = "alertmanager",
    .path = "alertmanager",
    .display_name = "Prometheus Alertmanager",
    .parse = parse,
    .retry_id = NULL,
};
