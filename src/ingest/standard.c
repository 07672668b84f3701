/* standard.c - the Flashduty standard alert event (api.md section 1): one
 * event per request, fields checked for type here; lengths and counts are
 * enforced later by ah_event_check, in push.c. */
#include "ingest/adapter.h"

#include "util/alloc.h"
#include "util/clock.h"

#include <string.h>

/* A JSON null is taken as an absent optional field: clients that fill a
 * fixed struct send null for what they do not have. */
static const json_t *optional(const json_t *body, const char *name)
{
    const json_t *v = json_object_get(body, name);

    return json_is_null(v) ? NULL : v;
}

static int parse_status(const json_t *body, struct ah_event *ev, struct ah_error *err)
{
    const char *s = json_string_value(json_object_get(body, "event_status"));

    if (s != NULL && strcmp(s, "Ok") == 0) {
        /* an Ok event still records a level; Info is the mildest */
        ev->severity = AH_SEV_INFO;
        ev->recovered = 1;
        return AH_OK;
    }
    ev->severity = ah_severity_parse(s);
    if (ev->severity == AH_SEV_NONE)
        return ah_error_set(err, AH_EINVAL,
                            "event_status must be one of Critical, Warning, Info, Ok");
    return AH_OK;
}

/* Copies the optional string field @name into *@ret. */
static int optional_string(const json_t *body, const char *name, char **ret, struct ah_error *err)
{
    const json_t *v = optional(body, name);

    if (v == NULL)
        return AH_OK;
    if (!json_is_string(v))
        return ah_error_set(err, AH_EINVAL, "%s must be a string", name);
    *ret = ah_xstrdup(json_string_value(v));
    return AH_OK;
}

static int parse_labels(const json_t *body, struct ah_event *ev, struct ah_error *err)
{
    const json_t *labels = optional(body, "labels");
    const char *key;
    json_t *value;

    if (labels == NULL)
        return AH_OK;
    if (!json_is_object(labels))
        return ah_error_set(err, AH_EINVAL, "labels must be an object");
    /* refused here, before any copy, rather than after copying them all */
    if (json_object_size(labels) > AH_MAX_LABELS)
        return ah_error_set(err, AH_EINVAL, "labels has %zu entries, at most %d are allowed",
                            json_object_size(labels), AH_MAX_LABELS);
    json_object_foreach((json_t *)labels, key, value)
    {
        if (!json_is_string(value))
            return ah_error_set(err, AH_EINVAL, "label \"%.60s\" must be a string", key);
        ah_event_set_label(ev, key, json_string_value(value));
    }
    return AH_OK;
}

static int parse_event_time(const json_t *body, struct ah_event *ev, struct ah_error *err)
{
    const json_t *v = optional(body, "event_time");
    double d;

    if (v == NULL)
        return AH_OK;
    if (!json_is_number(v) || json_number_value(v) < 0)
        return ah_error_set(err, AH_EINVAL, "event_time must be a non-negative integer");
    if (json_is_integer(v) && json_integer_value(v) < 100000000000LL) {
        ev->event_time = json_integer_value(v);
        return AH_OK;
    }
    /* a real is truncated; milliseconds (past the year 5000 as seconds)
     * are scaled down to seconds */
    d = json_number_value(v);
    ev->event_time = ah_time_from_number(d);
    return AH_OK;
}

static int parse_images(const json_t *body, struct ah_event *ev, struct ah_error *err)
{
    const json_t *images = optional(body, "images");

    if (images == NULL)
        return AH_OK;
    if (!json_is_array(images))
        return ah_error_set(err, AH_EINVAL, "images must be an array");
    /* copied as sent; ah_event_check discards and deduplicates */
    ev->images = json_deep_copy(images);
    return AH_OK;
}

static int parse_standard(const struct ah_push_input *in, struct ah_event_list *out,
                          struct ah_error *reterr)
{
    const json_t *body = in->body;
    const char *title_rule;
    struct ah_event *ev;
    int rc;

    if (!json_is_object(body))
        return ah_error_set(reterr, AH_EINVAL, "body must be a JSON object");
    ev = ah_event_list_add(out);
    rc = parse_status(body, ev, reterr);
    if (rc < 0)
        return rc;
    title_rule = json_string_value(json_object_get(body, "title_rule"));
    if (title_rule == NULL || title_rule[0] == '\0')
        return ah_error_set(reterr, AH_EINVAL, "title_rule must be a non-empty string");
    ev->title_rule = ah_xstrdup(title_rule);
    rc = optional_string(body, "alert_key", &ev->alert_key, reterr);
    if (rc == AH_OK)
        rc = optional_string(body, "description", &ev->description, reterr);
    if (rc == AH_OK)
        rc = parse_labels(body, ev, reterr);
    if (rc == AH_OK)
        rc = parse_event_time(body, ev, reterr);
    if (rc == AH_OK)
        rc = parse_images(body, ev, reterr);
    return rc;
}

const struct ah_adapter ah_adapter_standard = {
    .type = "standard",
    .path = "standard",
    .display_name = "Standard alert",
    .parse = parse_standard,
    .retry_id = NULL,
};
