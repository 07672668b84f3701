/* map.c - see map.h. Deletion uses backward-shift so that no tombstones pile
 * up under churn (alerts open and recover all day long). */
#include "util/map.h"

#include "util/alloc.h"

#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

struct slot {
    char *key; /* NULL = empty */
    uint64_t hash;
    void *value;
};

struct ah_map {
    struct slot *slots;
    size_t cap; /* a power of two */
    size_t count;
    uint64_t seed; /* random per map: keys come from clients (alert keys) */
};

/* FNV-1a from a secret starting point, then a finalizer (MurmurHash3's
 * fmix64) mixed with the seed again: without the seed, a client cannot
 * choose alert keys that land in one probe chain and make every lookup
 * slow. */
static uint64_t hash_key(const struct ah_map *m, const char *s)
{
    uint64_t h = 1469598103934665603ULL ^ m->seed;

    while (*s) {
        h ^= (unsigned char)*s++;
        h *= 1099511628211ULL;
    }
    h ^= m->seed >> 17;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

static uint64_t new_seed(const void *salt)
{
    uint64_t seed = 0;
    struct timespec ts;

    if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == (ssize_t)sizeof(seed))
        return seed;
    /* No entropy yet (early boot): weaker, but still not a constant. */
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)(uintptr_t)salt ^ ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec;
}

struct ah_map *ah_map_new(void)
{
    struct ah_map *m = ah_xcalloc(1, sizeof(*m));

    m->seed = new_seed(m);

    m->cap = 16;
    m->slots = ah_xcalloc(m->cap, sizeof(struct slot));
    return m;
}

void ah_map_free(struct ah_map *m)
{
    size_t i;

    if (m == NULL)
        return;
    for (i = 0; i < m->cap; i++)
        ah_free(m->slots[i].key);
    ah_free(m->slots);
    ah_free(m);
}

static size_t find_slot(const struct ah_map *m, const char *key, uint64_t h)
{
    size_t i = h & (m->cap - 1);

    while (m->slots[i].key != NULL) {
        if (m->slots[i].hash == h && strcmp(m->slots[i].key, key) == 0)
            return i;
        i = (i + 1) & (m->cap - 1);
    }
    return i;
}

void *ah_map_find(const struct ah_map *m, const char *key)
{
    size_t i = find_slot(m, key, hash_key(m, key));

    return m->slots[i].key ? m->slots[i].value : NULL;
}

static void grow(struct ah_map *m)
{
    struct slot *old = m->slots;
    size_t oldcap = m->cap, i;

    m->cap *= 2;
    m->slots = ah_xcalloc(m->cap, sizeof(struct slot));
    for (i = 0; i < oldcap; i++) {
        if (old[i].key != NULL)
            m->slots[find_slot(m, old[i].key, old[i].hash)] = old[i];
    }
    ah_free(old);
}

void ah_map_put(struct ah_map *m, const char *key, void *value)
{
    uint64_t h = hash_key(m, key);
    size_t i;

    if ((m->count + 1) * 4 > m->cap * 3)
        grow(m);
    i = find_slot(m, key, h);
    if (m->slots[i].key == NULL) {
        m->slots[i].key = ah_xstrdup(key);
        m->slots[i].hash = h;
        m->count++;
    }
    m->slots[i].value = value;
}

void *ah_map_remove(struct ah_map *m, const char *key)
{
    size_t i = find_slot(m, key, hash_key(m, key)), j;
    void *value;

    if (m->slots[i].key == NULL)
        return NULL;
    value = m->slots[i].value;
    ah_free(m->slots[i].key);
    m->slots[i].key = NULL;
    m->count--;
    /* Backward shift: move later entries of the run into the hole when their
     * home slot does not lie cyclically between the hole and them. */
    for (j = (i + 1) & (m->cap - 1); m->slots[j].key != NULL; j = (j + 1) & (m->cap - 1)) {
        size_t home = m->slots[j].hash & (m->cap - 1);

        if (((j - home) & (m->cap - 1)) >= ((j - i) & (m->cap - 1))) {
            m->slots[i] = m->slots[j];
            m->slots[j].key = NULL;
            i = j;
        }
    }
    return value;
}

size_t ah_map_count(const struct ah_map *m)
{
    return m->count;
}

void ah_map_each(const struct ah_map *m, void (*fn)(const char *key, void *value, void *arg),
                 void *arg)
{
    size_t i;

    for (i = 0; i < m->cap; i++) {
        if (m->slots[i].key != NULL)
            fn(m->slots[i].key, m->slots[i].value, arg);
    }
}

size_t ah_map_remove_if(struct ah_map *m, int (*drop)(const void *value, void *arg), void *arg,
                        void (*free_value)(void *value))
{
    char **keys = NULL;
    size_t i, n = 0;

    /* Keys first, removals after: a removal shifts later slots back. */
    for (i = 0; i < m->cap; i++) {
        if (m->slots[i].key != NULL && drop(m->slots[i].value, arg)) {
            keys = ah_xrealloc(keys, (n + 1) * sizeof(*keys));
            keys[n++] = ah_xstrdup(m->slots[i].key);
        }
    }
    for (i = 0; i < n; i++) {
        void *v = ah_map_remove(m, keys[i]);

        if (free_value != NULL)
            free_value(v);
        ah_free(keys[i]);
    }
    ah_free(keys);
    return n;
}
