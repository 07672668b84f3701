/* sources.c - see sources.h. */
#include "util/sources.h"

#include "util/alloc.h"
#include "util/map.h"

#include <stddef.h>
#include <string.h>

struct entry {
    int n;
    struct ah_source seen[AH_SOURCES_PER_KEY];
};

struct ah_sources {
    struct ah_map *by_key; /* key -> struct entry */
};

struct ah_sources *ah_sources_new(void)
{
    struct ah_sources *s = ah_xcalloc(1, sizeof(*s));

    s->by_key = ah_map_new();
    return s;
}

static void entry_free(struct entry *e)
{
    int i;

    for (i = 0; i < e->n; i++)
        ah_free(e->seen[i].alert);
    ah_free(e);
}

static void free_one(const char *key, void *value, void *arg)
{
    (void)key;
    (void)arg;
    entry_free(value);
}

void ah_sources_free(struct ah_sources *s)
{
    if (s == NULL)
        return;
    ah_map_each(s->by_key, free_one, NULL);
    ah_map_free(s->by_key);
    ah_free(s);
}

void ah_sources_note(struct ah_sources *s, const char *key, int64_t channel_id, const char *alert,
                     int64_t alert_id, int64_t now)
{
    struct entry *e = ah_map_find(s->by_key, key);
    int i, slot = 0;

    if (e == NULL) {
        e = ah_xcalloc(1, sizeof(*e));
        ah_map_put(s->by_key, key, e);
    }
    for (i = 0; i < e->n; i++) {
        struct ah_source *src = &e->seen[i];

        if (src->channel_id == channel_id && strcmp(src->alert, alert) == 0) {
            src->alert_id = alert_id;
            src->last_time = now;
            return;
        }
        if (src->last_time < e->seen[slot].last_time)
            slot = i;
    }
    if (e->n < AH_SOURCES_PER_KEY)
        slot = e->n++;
    else
        ah_free(e->seen[slot].alert);
    e->seen[slot] = (struct ah_source){channel_id, ah_xstrdup(alert), alert_id, now};
}

const struct ah_source *ah_sources_get(const struct ah_sources *s, const char *key, int *ret_n)
{
    const struct entry *e = ah_map_find(s->by_key, key);

    *ret_n = e ? e->n : 0;
    return e ? e->seen : NULL;
}

size_t ah_sources_count(const struct ah_sources *s)
{
    return ah_map_count(s->by_key);
}

struct sweep {
    int64_t now, max_age;
};

/* 1 when every entry is older than the age. */
static int stale(const void *value, void *arg)
{
    const struct entry *e = value;
    const struct sweep *sw = arg;
    int i;

    for (i = 0; i < e->n; i++) {
        if (sw->now - e->seen[i].last_time <= sw->max_age)
            return 0;
    }
    return 1;
}

static void entry_free_any(void *value)
{
    entry_free(value);
}

void ah_sources_sweep(struct ah_sources *s, int64_t now, int64_t max_age)
{
    struct sweep sw = {now, max_age};

    (void)ah_map_remove_if(s->by_key, stale, &sw, entry_free_any);
}
