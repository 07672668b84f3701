/* channel.c - the reducer's per-channel state: compiled rules (rules.h)
 * and the indexes they need (group keys, inhibit sources, flapping). Rules
 * come from the store at start-up and from the admin API afterwards. */
#include "reduce/index.h"

#include "util/alloc.h"

#include <stdio.h>
#include <string.h>

static void free_flap(const char *key, void *value, void *arg)
{
    (void)key;
    (void)arg;
    ah_free(value);
}

static void channel_free(const char *key, void *value, void *arg)
{
    struct channel_state *ch = value;
    size_t i;

    (void)key;
    (void)arg;
    ah_grouping_free(ch->grouping);
    ah_flapping_free(ch->flapping);
    for (i = 0; i < ch->nsilences; i++)
        ah_silence_free(ch->silences[i]);
    for (i = 0; i < ch->ninhibits; i++)
        ah_inhibit_free(ch->inhibits[i]);
    ah_free(ch->silences);
    ah_free(ch->inhibits);
    ah_map_free(ch->groups);
    ah_sources_free(ch->sources);
    ah_map_each(ch->flaps, free_flap, NULL);
    ah_map_free(ch->flaps);
    ah_escalations_free(ch->escalations);
    ah_free(ch);
}

struct channel_state *ah_reduce_channel(struct ah_reduce *r, int64_t channel_id)
{
    struct channel_state *ch;
    char k[24];

    snprintf(k, sizeof(k), "%lld", (long long)channel_id);
    ch = ah_map_find(r->channels, k);
    if (ch != NULL)
        return ch;
    ch = ah_xcalloc(1, sizeof(*ch));
    ch->id = channel_id;
    /* Defaults cannot fail to compile. */
    (void)ah_grouping_compile(NULL, &ch->grouping, NULL);
    (void)ah_flapping_compile(NULL, &ch->flapping, NULL);
    ch->groups = ah_map_new();
    ch->sources = ah_sources_new();
    ch->flaps = ah_map_new();
    ah_map_put(r->channels, k, ch);
    return ch;
}

void ah_reduce_channels_clear(struct ah_reduce *r)
{
    ah_map_each(r->channels, channel_free, NULL);
    ah_map_free(r->channels);
    r->channels = ah_map_new();
}

void ah_reduce_group_register(struct channel_state *ch, struct open_incident *inc,
                              const char (*keys)[33], size_t nkeys)
{
    size_t i;

    inc->group_keys = ah_xrealloc(inc->group_keys, (inc->ngroup_keys + nkeys) * 33);
    for (i = 0; i < nkeys; i++) {
        const struct open_incident *held;

        if (keys[i][0] == '\0')
            continue;
        memcpy(inc->group_keys[inc->ngroup_keys++], keys[i], 33);
        /* The newest incident of a group holds its key, as it did when it
         * opened, whatever order a rebuild or a catch-up loads them in. */
        held = ah_map_find(ch->groups, keys[i]);
        if (held == NULL || held->row.id < inc->row.id)
            ah_map_put(ch->groups, keys[i], inc);
    }
}

/* ================= rule changes ================= */

void ah_reduce_set_grouping(struct ah_reduce *r, int64_t channel_id, struct ah_grouping *g)
{
    struct channel_state *ch = ah_reduce_channel(r, channel_id);

    ah_grouping_free(ch->grouping);
    ch->grouping = g;
}

void ah_reduce_set_flapping(struct ah_reduce *r, int64_t channel_id, struct ah_flapping *f)
{
    struct channel_state *ch = ah_reduce_channel(r, channel_id);

    ah_flapping_free(ch->flapping);
    ch->flapping = f;
}

/* Silences and inhibits share the list logic through these two helpers. */
static void list_put(void ***list, size_t *n, void *item, int64_t id, int64_t (*id_of)(void *),
                     void (*free_fn)(void *))
{
    size_t i;

    for (i = 0; i < *n; i++) {
        if (id_of((*list)[i]) == id) {
            free_fn((*list)[i]);
            (*list)[i] = item;
            return;
        }
    }
    *list = ah_xrealloc(*list, (*n + 1) * sizeof(void *));
    (*list)[(*n)++] = item;
}

static void list_remove(void **list, size_t *n, int64_t id, int64_t (*id_of)(void *),
                        void (*free_fn)(void *))
{
    size_t i;

    for (i = 0; i < *n; i++) {
        if (id_of(list[i]) == id) {
            free_fn(list[i]);
            memmove(list + i, list + i + 1, (*n - i - 1) * sizeof(void *));
            (*n)--;
            return;
        }
    }
}

static int64_t silence_id(void *p)
{
    return ((struct ah_silence *)p)->id;
}

static int64_t inhibit_id(void *p)
{
    return ((struct ah_inhibit *)p)->id;
}

static void silence_free(void *p)
{
    ah_silence_free(p);
}

static void inhibit_free(void *p)
{
    ah_inhibit_free(p);
}

void ah_reduce_put_silence(struct ah_reduce *r, int64_t channel_id, struct ah_silence *s)
{
    struct channel_state *ch = ah_reduce_channel(r, channel_id);

    list_put((void ***)&ch->silences, &ch->nsilences, s, s->id, silence_id, silence_free);
}

void ah_reduce_put_inhibit(struct ah_reduce *r, int64_t channel_id, struct ah_inhibit *i)
{
    struct channel_state *ch = ah_reduce_channel(r, channel_id);

    list_put((void ***)&ch->inhibits, &ch->ninhibits, i, i->id, inhibit_id, inhibit_free);
}

void ah_reduce_remove_silence(struct ah_reduce *r, int64_t channel_id, int64_t id)
{
    struct channel_state *ch = ah_reduce_channel(r, channel_id);

    list_remove((void **)ch->silences, &ch->nsilences, id, silence_id, silence_free);
}

void ah_reduce_remove_inhibit(struct ah_reduce *r, int64_t channel_id, int64_t id)
{
    struct channel_state *ch = ah_reduce_channel(r, channel_id);

    list_remove((void **)ch->inhibits, &ch->ninhibits, id, inhibit_id, inhibit_free);
}

/* ================= start-up ================= */

static void load_settings(int64_t channel_id, const json_t *grouping, const json_t *flapping,
                          void *arg)
{
    struct ah_grouping *g;
    struct ah_flapping *f;

    /* Stored settings were validated when they were saved; a row that no
     * longer compiles (an older version's rule) falls back to the default. */
    if (grouping != NULL && ah_grouping_compile(grouping, &g, NULL) == AH_OK)
        ah_reduce_set_grouping(arg, channel_id, g);
    if (flapping != NULL && ah_flapping_compile(flapping, &f, NULL) == AH_OK)
        ah_reduce_set_flapping(arg, channel_id, f);
    (void)ah_reduce_channel(arg, channel_id);
}

static void load_silence(int64_t id, int64_t channel_id, const json_t *rule, void *arg)
{
    struct ah_silence *s;

    if (ah_silence_compile(rule, id, &s, NULL) == AH_OK)
        ah_reduce_put_silence(arg, channel_id, s);
}

static void load_inhibit(int64_t id, int64_t channel_id, const json_t *rule, void *arg)
{
    struct ah_inhibit *i;

    if (ah_inhibit_compile(rule, id, &i, NULL) == AH_OK)
        ah_reduce_put_inhibit(arg, channel_id, i);
}

/* Escalation rules and auto-resolve settings. */
static void load_notify(int64_t channel_id, const json_t *escalations, int64_t timeout,
                        const char *mode, int disable_auto_close, void *arg)
{
    struct ah_escalations *e;

    if (escalations != NULL && ah_escalations_compile(escalations, &e, NULL) == AH_OK)
        ah_reduce_set_escalations(arg, channel_id, e);
    ah_reduce_load_auto_resolve(arg, channel_id, timeout, mode && strcmp(mode, "update") == 0,
                                disable_auto_close);
}

int ah_reduce_channels_load(struct ah_reduce *r, struct ah_store *store, struct ah_error *err)
{
    int rc = ah_store_channel_rules_each(store, load_settings, r, err);

    if (rc == AH_OK)
        rc = ah_store_channel_notify_each(store, load_notify, r, err);

    if (rc == AH_OK)
        rc = ah_store_hold_rules_each(store, AH_STORE_SILENCE, load_silence, r, err);
    if (rc == AH_OK)
        rc = ah_store_hold_rules_each(store, AH_STORE_INHIBIT, load_inhibit, r, err);
    return rc;
}

size_t ah_reduce_rule_count(struct ah_reduce *r, int64_t channel_id, int silences)
{
    struct channel_state *ch = ah_reduce_channel(r, channel_id);

    return silences ? ch->nsilences : ch->ninhibits;
}

/* ================= quick silences ================= */

int64_t ah_reduce_quick_silence_of(struct ah_reduce *r, int64_t channel_id, int64_t incident_id)
{
    struct channel_state *ch = ah_reduce_channel(r, channel_id);
    size_t i;

    for (i = 0; i < ch->nsilences; i++) {
        if (ch->silences[i]->from_incident_id == incident_id)
            return ch->silences[i]->id;
    }
    return 0;
}

struct expiry {
    int64_t now;
    int64_t (*ids)[2]; /* (channel, silence) pairs */
    size_t n;
};

static void find_expired(const char *key, void *value, void *arg)
{
    struct channel_state *ch = value;
    struct expiry *x = arg;
    size_t i;

    (void)key;
    for (i = 0; i < ch->nsilences; i++) {
        if (ch->silences[i]->from_incident_id == 0 ||
            !ah_schedule_expired(ch->silences[i]->schedule, x->now))
            continue;
        x->ids = ah_xrealloc(x->ids, (x->n + 1) * sizeof(*x->ids));
        x->ids[x->n][0] = ch->id;
        x->ids[x->n++][1] = ch->silences[i]->id;
    }
}

struct stale {
    int64_t now, window;
};

static int flap_stale(const void *value, void *arg)
{
    const struct flap_state *f = value;
    const struct stale *x = arg;
    int64_t newest = 0;
    int i;

    for (i = 0; i < f->n; i++)
        newest = f->changes[i] > newest ? f->changes[i] : newest;
    return x->now - newest > x->window && f->muted_until <= x->now;
}

/* Flapping histories that can no longer count are forgotten, in memory
 * and in the store, so that both hold only keys that changed within the
 * window; so are inhibit sources too old to count. */
struct forget {
    int64_t now;
    struct ah_store_tx *tx;
    struct ah_error *err;
    int rc;
};

static void forget_stale(const char *key, void *value, void *arg)
{
    struct channel_state *ch = value;
    struct forget *fg = arg;
    struct stale x = {.now = fg->now, .window = ch->flapping->in_secs};

    (void)key;
    (void)ah_map_remove_if(ch->flaps, flap_stale, &x, ah_free);
    ah_sources_sweep(ch->sources, x.now, AH_INHIBIT_SOURCE_AGE);
    if (fg->rc == AH_OK)
        fg->rc = ah_store_tx_flaps_prune(fg->tx, ch->id, x.now - x.window, x.now, fg->err);
}

/* Quick silences exist only for their window (spec 9.1): once it ends they
 * are deleted, not kept as inactive rules. */
int ah_reduce_maintain(struct ah_reduce *r, struct ah_store_tx *tx, int64_t now,
                       struct ah_error *err)
{
    struct expiry x = {.now = now};
    struct forget fg = {now, tx, err, AH_OK};
    size_t i;
    int rc;

    ah_map_each(r->channels, forget_stale, &fg);
    rc = fg.rc;
    ah_map_each(r->channels, find_expired, &x);
    for (i = 0; i < x.n && rc == AH_OK; i++) {
        rc = ah_store_tx_hold_rule_delete(tx, AH_STORE_SILENCE, x.ids[i][0], x.ids[i][1], err);
        if (rc == AH_OK)
            ah_reduce_remove_silence(r, x.ids[i][0], x.ids[i][1]);
    }
    ah_free(x.ids);
    return rc;
}
