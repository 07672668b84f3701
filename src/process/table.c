/* table.c - see table.h. One mutex guards the three maps; it is held only
 * to find or swap a pointer and take a reference, never while rules run. */
#include "process/table.h"

#include "util/alloc.h"
#include "util/map.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

struct bundle {
    struct ah_intg_rules pub; /* first: the public view */
    atomic_int refs;
};

struct ah_process_table {
    pthread_mutex_t lock;
    struct ah_map *rules;    /* "<integration id>" -> struct bundle (a reference) */
    struct ah_map *mappings; /* "<id>" -> struct ah_mapping (a reference) */
    struct ah_map *names;    /* channel name -> (intptr_t) id */
};

struct ah_process_table *ah_process_table_new(void)
{
    struct ah_process_table *t = ah_xcalloc(1, sizeof(*t));

    pthread_mutex_init(&t->lock, NULL);
    t->rules = ah_map_new();
    t->mappings = ah_map_new();
    t->names = ah_map_new();
    return t;
}

void ah_intg_rules_unref(struct ah_intg_rules *r)
{
    struct bundle *b = (struct bundle *)r;

    if (b == NULL || atomic_fetch_sub(&b->refs, 1) != 1)
        return;
    ah_enrichment_unref(b->pub.enrichment);
    ah_pipeline_unref(b->pub.pipeline);
    ah_routes_unref(b->pub.routes);
    ah_free(b);
}

static void unref_rules(const char *key, void *value, void *arg)
{
    (void)key;
    (void)arg;
    ah_intg_rules_unref(value);
}

static void unref_mapping(const char *key, void *value, void *arg)
{
    (void)key;
    (void)arg;
    ah_mapping_unref(value);
}

void ah_process_table_free(struct ah_process_table *t)
{
    if (t == NULL)
        return;
    ah_map_each(t->rules, unref_rules, NULL);
    ah_map_each(t->mappings, unref_mapping, NULL);
    ah_map_free(t->rules);
    ah_map_free(t->mappings);
    ah_map_free(t->names);
    pthread_mutex_destroy(&t->lock);
    ah_free(t);
}

void ah_process_table_take(struct ah_process_table *t, struct ah_process_table *fresh)
{
    struct ah_map *rules, *mappings, *names;

    pthread_mutex_lock(&t->lock);
    rules = t->rules;
    mappings = t->mappings;
    names = t->names;
    t->rules = fresh->rules;
    t->mappings = fresh->mappings;
    t->names = fresh->names;
    pthread_mutex_unlock(&t->lock);
    fresh->rules = rules;
    fresh->mappings = mappings;
    fresh->names = names;
    ah_process_table_free(fresh);
}

enum part { PART_ENRICHMENT, PART_PIPELINE, PART_ROUTES };

/* Swaps in a copy of the integration's bundle with part @which set to
 * @value (a new reference is taken); an empty bundle is removed. */
static void set_part(struct ah_process_table *t, int64_t id, enum part which, void *value)
{
    struct bundle *old, *b = ah_xcalloc(1, sizeof(*b));
    char k[24];

    atomic_init(&b->refs, 1);
    snprintf(k, sizeof(k), "%lld", (long long)id);
    pthread_mutex_lock(&t->lock);
    old = ah_map_remove(t->rules, k);
    if (old != NULL)
        b->pub = old->pub;
    if (which == PART_ENRICHMENT)
        b->pub.enrichment = value;
    else if (which == PART_PIPELINE)
        b->pub.pipeline = value;
    else
        b->pub.routes = value;
    if (b->pub.enrichment)
        ah_enrichment_ref(b->pub.enrichment);
    if (b->pub.pipeline)
        ah_pipeline_ref(b->pub.pipeline);
    if (b->pub.routes)
        ah_routes_ref(b->pub.routes);
    if (b->pub.enrichment || b->pub.pipeline || b->pub.routes)
        ah_map_put(t->rules, k, b);
    pthread_mutex_unlock(&t->lock);
    if (!(b->pub.enrichment || b->pub.pipeline || b->pub.routes))
        ah_intg_rules_unref(&b->pub);
    ah_intg_rules_unref(old ? &old->pub : NULL);
}

void ah_process_table_set_enrichment(struct ah_process_table *t, int64_t integration_id,
                                     struct ah_enrichment *e)
{
    set_part(t, integration_id, PART_ENRICHMENT, e);
}

void ah_process_table_set_pipeline(struct ah_process_table *t, int64_t integration_id,
                                   struct ah_pipeline *p)
{
    set_part(t, integration_id, PART_PIPELINE, p);
}

void ah_process_table_set_routes(struct ah_process_table *t, int64_t integration_id,
                                 struct ah_routes *r)
{
    set_part(t, integration_id, PART_ROUTES, r);
}

/* Removes entry @id of map @m (one of @t's) under the lock; returns it. */
static void *take(struct ah_process_table *t, struct ah_map *m, int64_t id)
{
    void *old;
    char k[24];

    snprintf(k, sizeof(k), "%lld", (long long)id);
    pthread_mutex_lock(&t->lock);
    old = ah_map_remove(m, k);
    pthread_mutex_unlock(&t->lock);
    return old;
}

void ah_process_table_forget_integration(struct ah_process_table *t, int64_t integration_id)
{
    struct bundle *old = take(t, t->rules, integration_id);

    ah_intg_rules_unref(old ? &old->pub : NULL);
}

struct ah_intg_rules *ah_process_table_get(struct ah_process_table *t, int64_t integration_id)
{
    struct bundle *b;
    char k[24];

    snprintf(k, sizeof(k), "%lld", (long long)integration_id);
    pthread_mutex_lock(&t->lock);
    b = ah_map_find(t->rules, k);
    if (b != NULL)
        atomic_fetch_add(&b->refs, 1);
    pthread_mutex_unlock(&t->lock);
    return b ? &b->pub : NULL;
}

/* ================= mapping tables ================= */

void ah_process_table_put_mapping(struct ah_process_table *t, struct ah_mapping *m)
{
    struct ah_mapping *old;
    char k[24];

    snprintf(k, sizeof(k), "%lld", (long long)ah_mapping_id(m));
    pthread_mutex_lock(&t->lock);
    old = ah_map_remove(t->mappings, k);
    ah_map_put(t->mappings, k, ah_mapping_ref(m));
    pthread_mutex_unlock(&t->lock);
    ah_mapping_unref(old);
}

void ah_process_table_remove_mapping(struct ah_process_table *t, int64_t id)
{
    ah_mapping_unref(take(t, t->mappings, id));
}

struct ah_mapping *ah_process_table_mapping(void *ctx, int64_t id)
{
    struct ah_process_table *t = ctx;
    struct ah_mapping *m;
    char k[24];

    snprintf(k, sizeof(k), "%lld", (long long)id);
    pthread_mutex_lock(&t->lock);
    m = ah_map_find(t->mappings, k);
    if (m != NULL)
        ah_mapping_ref(m);
    pthread_mutex_unlock(&t->lock);
    return m;
}

/* ================= channel names ================= */

void ah_process_table_name(struct ah_process_table *t, const char *name, int64_t id)
{
    pthread_mutex_lock(&t->lock);
    if (id == 0)
        ah_map_remove(t->names, name);
    else
        ah_map_put(t->names, name, (void *)(intptr_t)id);
    pthread_mutex_unlock(&t->lock);
}

int64_t ah_process_table_by_name(void *ctx, const char *name)
{
    struct ah_process_table *t = ctx;
    int64_t id;

    pthread_mutex_lock(&t->lock);
    id = (int64_t)(intptr_t)ah_map_find(t->names, name);
    pthread_mutex_unlock(&t->lock);
    return id;
}

struct forget {
    int64_t id;
    char **names;
    size_t n;
};

static void find_names(const char *key, void *value, void *arg)
{
    struct forget *f = arg;

    if ((int64_t)(intptr_t)value != f->id)
        return;
    f->names = ah_xrealloc(f->names, (f->n + 1) * sizeof(*f->names));
    f->names[f->n++] = ah_xstrdup(key);
}

void ah_process_table_forget_channel(struct ah_process_table *t, int64_t id)
{
    struct forget f = {.id = id};
    size_t i;

    pthread_mutex_lock(&t->lock);
    ah_map_each(t->names, find_names, &f);
    for (i = 0; i < f.n; i++) {
        ah_map_remove(t->names, f.names[i]);
        ah_free(f.names[i]);
    }
    pthread_mutex_unlock(&t->lock);
    ah_free(f.names);
}
