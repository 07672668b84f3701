/* subs.c - see subs.h. */
#include "notify/subs.h"

#include "model/event.h"
#include "util/alloc.h"

#include <string.h>

struct sub {
    int64_t id;
    int64_t cursor;  /* stored, or about to be */
    int64_t fetched; /* entries up to here were started or skipped */
    int64_t queue[AH_SUBS_WINDOW];
    int done[AH_SUBS_WINDOW];
    int n; /* started, oldest first; a prefix of done ones is popped */
};

struct ah_subs {
    struct sub *subs;
    size_t n;
    int reset;
};

struct ah_subs *ah_subs_new(void)
{
    return ah_xcalloc(1, sizeof(struct ah_subs));
}

void ah_subs_free(struct ah_subs *s)
{
    if (s == NULL)
        return;
    ah_free(s->subs);
    ah_free(s);
}

static struct sub *find(const struct ah_subs *s, int64_t id)
{
    size_t i;

    for (i = 0; i < s->n; i++) {
        if (s->subs[i].id == id)
            return &s->subs[i];
    }
    return NULL;
}

void ah_subs_reload(struct ah_subs *s, const json_t *targets)
{
    struct sub *next = ah_xcalloc(json_array_size(targets) + 1, sizeof(*next));
    const json_t *t;
    size_t i;

    json_array_foreach(targets, i, t)
    {
        int64_t id = ah_json_id(json_object_get(t, "id"));
        int64_t cursor = json_integer_value(json_object_get(t, "cursor"));
        struct sub *old = s->reset ? NULL : find(s, id);

        if (old != NULL) {
            next[i] = *old;
            if (cursor > next[i].cursor)
                next[i].cursor = cursor;
        } else {
            next[i] = (struct sub){.id = id, .cursor = cursor, .fetched = cursor};
        }
    }
    ah_free(s->subs);
    s->subs = next;
    s->n = json_array_size(targets);
    s->reset = 0;
}

void ah_subs_reset(struct ah_subs *s)
{
    s->reset = 1;
}

size_t ah_subs_count(const struct ah_subs *s)
{
    return s->n;
}

int64_t ah_subs_target(const struct ah_subs *s, size_t i, int *room, int64_t *after)
{
    const struct sub *u = &s->subs[i];

    *room = s->reset ? 0 : AH_SUBS_WINDOW - u->n;
    *after = u->fetched;
    return u->id;
}

void ah_subs_started(struct ah_subs *s, int64_t target, int64_t feed_id)
{
    struct sub *u = find(s, target);

    if (u == NULL || u->n == AH_SUBS_WINDOW)
        return;
    u->queue[u->n] = feed_id;
    u->done[u->n++] = 0;
    if (feed_id > u->fetched)
        u->fetched = feed_id;
}

void ah_subs_skipped(struct ah_subs *s, int64_t target, int64_t head)
{
    struct sub *u = find(s, target);

    if (u != NULL && head > u->fetched)
        u->fetched = head;
}

int64_t ah_subs_done(struct ah_subs *s, int64_t target, int64_t feed_id)
{
    struct sub *u = find(s, target);
    int64_t moved = 0;
    int i;

    if (u == NULL)
        return 0;
    for (i = 0; i < u->n; i++) {
        if (u->queue[i] == feed_id)
            u->done[i] = 1;
    }
    while (u->n > 0 && u->done[0]) {
        moved = u->queue[0];
        memmove(u->queue, u->queue + 1, (size_t)(u->n - 1) * sizeof(u->queue[0]));
        memmove(u->done, u->done + 1, (size_t)(u->n - 1) * sizeof(u->done[0]));
        u->n--;
    }
    /* Nothing left in flight: everything up to what was read is handled. */
    if (moved != 0 && u->n == 0)
        moved = u->fetched;
    if (moved > u->cursor) {
        u->cursor = moved;
        return moved;
    }
    return 0;
}
