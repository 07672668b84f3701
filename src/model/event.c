/* event.c - see event.h. */
#include "model/event.h"

#include "util/alloc.h"
#include "util/buf.h"
#include "util/text.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void ah_event_init(struct ah_event *ev)
{
    memset(ev, 0, sizeof(*ev));
    ev->labels = json_object();
}

void ah_event_done(struct ah_event *ev)
{
    ah_free(ev->title_rule);
    ah_free(ev->title);
    ah_free(ev->description);
    ah_free(ev->alert_key);
    json_decref(ev->labels);
    json_decref(ev->images);
    ah_free(ev->labels_text);
    ah_free(ev->images_text);
    memset(ev, 0, sizeof(*ev));
}

void ah_event_seal(struct ah_event *ev)
{
    ah_free(ev->labels_text);
    ah_free(ev->images_text);
    ev->labels_text = json_dumps(ev->labels, JSON_COMPACT);
    ev->images_text = ev->images ? json_dumps(ev->images, JSON_COMPACT) : NULL;
}

void ah_event_set_label(struct ah_event *ev, const char *key, const char *value)
{
    ah_free(ev->labels_text); /* no longer the labels' text */
    ev->labels_text = NULL;
    json_object_set_new(ev->labels, key, json_string(value));
}

int ah_event_put_label(struct ah_event *ev, const char *key, const char *value, int override)
{
    json_t *old = json_object_get(ev->labels, key);
    char *cut;
    int rc;

    if (value == NULL || value[0] == '\0' || (old != NULL && !override) ||
        (old == NULL && json_object_size(ev->labels) >= AH_MAX_LABELS) || !ah_utf8_valid(value))
        return 0;
    cut = ah_utf8_truncate(value, AH_MAX_LABEL_VALUE, NULL);
    ah_free(ev->labels_text);
    ev->labels_text = NULL;
    rc = json_object_set_new(ev->labels, key, json_string(cut)) == 0;
    ah_free(cut);
    return rc;
}

int ah_label_name_valid(const char *name)
{
    size_t i;

    if (name == NULL || name[0] < 'a' || name[0] > 'z')
        return 0;
    for (i = 1; name[i] != '\0'; i++) {
        char c = name[i];

        if (i > 62 || !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return 0;
    }
    return 1;
}

/* Replaces *@s by a copy cut to @max code points. */
static void truncate_field(char **s, size_t max)
{
    char *cut;

    if (*s == NULL || ah_utf8_len(*s) <= max)
        return;
    cut = ah_utf8_truncate(*s, max, NULL);
    ah_free(*s);
    *s = cut;
}

static int check_labels(json_t *labels, struct ah_error *err)
{
    const char *key;
    json_t *value;

    if (json_object_size(labels) > AH_MAX_LABELS)
        return ah_error_set(err, AH_EINVAL, "labels has %zu entries, at most %d are allowed",
                            json_object_size(labels), AH_MAX_LABELS);
    json_object_foreach(labels, key, value)
    {
        const char *v = json_string_value(value);

        if (key[0] == '\0')
            return ah_error_set(err, AH_EINVAL, "label names must not be empty");
        if (ah_utf8_len(key) > AH_MAX_LABEL_KEY)
            return ah_error_set(err, AH_EINVAL, "label name \"%.40s...\" is longer than %d", key,
                                AH_MAX_LABEL_KEY);
        if (v == NULL)
            return ah_error_set(err, AH_EINVAL, "label \"%.60s\" must be a string", key);
        if (ah_utf8_len(v) > AH_MAX_LABEL_VALUE) {
            char *cut = ah_utf8_truncate(v, AH_MAX_LABEL_VALUE, NULL);

            json_string_set(value, cut);
            ah_free(cut);
        }
    }
    return AH_OK;
}

/* Images: src is required and an over-long src discards the image; alt and
 * href are truncated; one image per distinct alt, the last one winning. */
static int check_images(json_t **images, struct ah_error *err)
{
    json_t *by_alt, *img, *out;
    const char *alt_key;
    size_t i;

    if (*images == NULL)
        return AH_OK;
    if (!json_is_array(*images))
        return ah_error_set(err, AH_EINVAL, "images must be an array");
    if (json_array_size(*images) > AH_MAX_IMAGES)
        return ah_error_set(err, AH_EINVAL, "images has more than %d entries", AH_MAX_IMAGES);
    by_alt = json_object(); /* keeps first-seen order; a later image replaces */
    json_array_foreach(*images, i, img)
    {
        const char *src = json_string_value(json_object_get(img, "src"));
        const char *alt = json_string_value(json_object_get(img, "alt"));
        const char *href = json_string_value(json_object_get(img, "href"));
        json_t *clean;
        char *s;

        if (src == NULL || src[0] == '\0' || ah_utf8_len(src) > AH_MAX_IMAGE_SRC)
            continue;
        clean = json_pack("{ss}", "src", src);
        if (href != NULL) {
            s = ah_utf8_truncate(href, AH_MAX_IMAGE_HREF, NULL);
            json_object_set_new(clean, "href", json_string(s));
            ah_free(s);
        }
        s = ah_utf8_truncate(alt ? alt : "", AH_MAX_IMAGE_ALT, NULL);
        json_object_set_new(clean, "alt", json_string(s));
        json_object_set_new(by_alt, s, clean);
        ah_free(s);
    }
    out = json_array();
    json_object_foreach(by_alt, alt_key, img) json_array_append(out, img);
    json_decref(by_alt);
    json_decref(*images);
    *images = out;
    return AH_OK;
}

int ah_event_check(struct ah_event *ev, struct ah_error *err)
{
    int rc;

    if (ev->title == NULL || ev->title[0] == '\0')
        return ah_error_set(err, AH_EINVAL, "title_rule must be a non-empty string");
    truncate_field(&ev->title, AH_MAX_TITLE);
    truncate_field(&ev->description, AH_MAX_DESCRIPTION);
    if (ev->alert_key != NULL && ah_utf8_len(ev->alert_key) > AH_MAX_ALERT_KEY)
        return ah_error_set(err, AH_EINVAL, "alert_key is longer than %d characters",
                            AH_MAX_ALERT_KEY);
    if (ev->alert_key != NULL && ev->alert_key[0] == '\0')
        return ah_error_set(err, AH_EINVAL, "alert_key must not be empty");
    if (ev->severity == AH_SEV_NONE)
        return ah_error_set(err, AH_EINVAL, "event has no severity");
    rc = check_labels(ev->labels, err);
    if (rc < 0)
        return rc;
    return check_images(&ev->images, err);
}

void ah_event_list_init(struct ah_event_list *l)
{
    l->items = NULL;
    l->count = 0;
    l->cap = 0;
}

void ah_event_list_done(struct ah_event_list *l)
{
    size_t i;

    for (i = 0; i < l->count; i++)
        ah_event_done(&l->items[i]);
    ah_free(l->items);
    ah_event_list_init(l);
}

struct ah_event *ah_event_list_add(struct ah_event_list *l)
{
    if (l->count == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 4;
        l->items = ah_xrealloc(l->items, l->cap * sizeof(*l->items));
    }
    ah_event_init(&l->items[l->count]);
    return &l->items[l->count++];
}

/* Shortest of %.15g and %.17g that reads back as @d. */
static char *real_text(double d)
{
    struct ah_buf b;

    ah_buf_init(&b);
    ah_buf_printf(&b, "%.15g", d);
    if (strtod(ah_buf_str(&b), NULL) != d) {
        ah_buf_done(&b);
        ah_buf_printf(&b, "%.17g", d);
    }
    return ah_buf_steal(&b);
}

char *ah_json_scalar_text(const json_t *v)
{
    struct ah_buf b;

    if (json_is_string(v))
        return ah_xstrdup(json_string_value(v));
    if (json_is_real(v))
        return real_text(json_real_value(v));
    if (json_is_boolean(v))
        return ah_xstrdup(json_is_true(v) ? "true" : "false");
    if (!json_is_integer(v))
        return NULL;
    ah_buf_init(&b);
    ah_buf_printf(&b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    return ah_buf_steal(&b);
}

int64_t ah_json_id(const json_t *v)
{
    const char *s = json_string_value(v);
    char *end;
    long long n;

    if (json_is_integer(v))
        return json_integer_value(v) > 0 ? json_integer_value(v) : 0;
    if (s == NULL || s[0] < '0' || s[0] > '9')
        return 0;
    errno = 0;
    n = strtoll(s, &end, 10);
    return *end == '\0' && errno == 0 && n > 0 ? n : 0;
}
