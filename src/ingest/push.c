/* push.c - the pure part of a push request (see push.h): adapter, query
 * overrides, title rendering, limits and alert-key derivation. No store, no
 * HTTP: everything it needs arrives in its arguments. */
#include "ingest/push.h"

#include "rules/template.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/hex.h"
#include "util/sha256.h"
#include "util/text.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* The key is the first 16 bytes of the digest: 128 bits is plenty against
 * accidental collisions and keeps the key short. */
#define KEY_BYTES 16

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char *ah_push_derive_alert_key(int64_t integration_id, const char *title, const json_t *labels)
{
    unsigned char digest[AH_SHA256_LEN];
    size_t n = json_object_size(labels), i = 0;
    const char **keys = ah_xcalloc(n ? n : 1, sizeof(*keys));
    char *hex = ah_xmalloc(2 * KEY_BYTES + 1);
    const char *key;
    json_t *value;
    struct ah_buf b;

    ah_buf_init(&b);
    /* NUL-separated fields: no title or label text can imitate a boundary. */
    ah_buf_printf(&b, "%" PRId64, integration_id);
    ah_buf_append(&b, "", 1);
    ah_buf_append(&b, title ? title : "", strlen(title ? title : "") + 1);
    json_object_foreach((json_t *)labels, key, value) keys[i++] = key;
    /* sorted, so that the order the labels were sent in does not matter */
    qsort(keys, n, sizeof(*keys), cmp_str);
    for (i = 0; i < n; i++) {
        const char *v = json_string_value(json_object_get(labels, keys[i]));

        ah_buf_append(&b, keys[i], strlen(keys[i]) + 1);
        ah_buf_append(&b, v ? v : "", strlen(v ? v : "") + 1);
    }
    ah_sha256(ah_buf_str(&b), b.len, digest);
    ah_hex_encode(digest, KEY_BYTES, hex);
    ah_buf_done(&b);
    ah_free(keys);
    return hex;
}

/* Replaces the title by @ev's title_rule rendered against the event. {{.Title}}
 * is the title before this rendering: the adapter's or the body's rendered
 * title for a ?title_rule= override, empty for the body's own title_rule. */
static void render_title(struct ah_event *ev, const struct ah_push_integration *intg)
{
    struct ah_template_vars vars = {
        .title = ev->title ? ev->title : "",
        .description = ev->description,
        .event_severity = ah_severity_name(ev->severity),
        .event_status = ah_status_name(ev->severity, ev->recovered),
        .alert_key = ev->alert_key,
        .title_rule = ev->title_rule,
        .integration_type = intg ? intg->type : NULL,
        .integration_name = intg ? intg->name : NULL,
        .labels = ev->labels,
    };
    char *title = ah_template_render(ev->title_rule, &vars);

    /* a template whose variables are all missing must not block the alert
     * (spec 11.1): keep the rule's own text rather than an empty title */
    if (title[0] == '\0') {
        ah_free(title);
        title = ah_xstrdup(ev->title_rule);
    }
    ah_free(ev->title);
    ev->title = title;
}

static int prepare_event(struct ah_event *ev, enum ah_severity sev,
                         const struct ah_push_overrides *ov, const struct ah_push_integration *intg,
                         struct ah_error *reterr)
{
    int rc;

    /* the override sets the recorded level of Ok events too, but an Ok
     * event stays a recovery */
    if (sev != AH_SEV_NONE)
        ev->severity = sev;
    if (ev->title_rule != NULL)
        render_title(ev, intg);
    if (ov != NULL && ov->title_rule != NULL && ov->title_rule[0] != '\0') {
        ah_free(ev->title_rule);
        ev->title_rule = ah_xstrdup(ov->title_rule);
        render_title(ev, intg);
    }
    rc = ah_event_check(ev, reterr);
    if (rc < 0)
        return rc;
    if (ev->alert_key != NULL)
        return AH_OK;
    /* a recovery must name the alert it recovers: a derived key could only
     * match by accident */
    if (ev->recovered)
        return ah_error_set(reterr, AH_EINVAL, "alert_key is required when event_status is Ok");
    ev->alert_key = ah_push_derive_alert_key(intg ? intg->id : 0, ev->title, ev->labels);
    return AH_OK;
}

int ah_push_prepare(const struct ah_adapter *adapter, const struct ah_push_input *in,
                    const struct ah_push_overrides *ov, const struct ah_push_integration *intg,
                    struct ah_event_list *out, struct ah_error *reterr)
{
    enum ah_severity sev = AH_SEV_NONE;
    size_t i;
    int rc;

    rc = adapter->parse(in, out, reterr);
    if (rc < 0)
        return rc;
    if (out->count == 0)
        return ah_error_set(reterr, AH_EINVAL, "body holds no event");
    if (out->count > AH_MAX_EVENTS)
        return ah_error_set(reterr, AH_ELIMIT, "body holds %zu events, at most %d are allowed",
                            out->count, AH_MAX_EVENTS);
    if (ov != NULL && ov->title_rule != NULL && !ah_utf8_valid(ov->title_rule))
        return ah_error_set(reterr, AH_EINVAL, "title_rule must be valid UTF-8");
    if (ov != NULL && ov->severity != NULL) {
        sev = ah_severity_parse(ov->severity);
        if (sev == AH_SEV_NONE)
            return ah_error_set(reterr, AH_EINVAL,
                                "severity must be one of Critical, Warning, Info");
    }
    for (i = 0; i < out->count; i++) {
        rc = prepare_event(&out->items[i], sev, ov, intg, reterr);
        if (rc < 0)
            return rc;
    }
    return AH_OK;
}
