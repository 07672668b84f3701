/* map.c - see map.h. Deletion uses backward-shift so that no tombstones pile
 * up under churn (alerts open and recover all day long). An id map keeps no
 * key at all: its slot's hash is a bijection of the id (a seeded XOR, then
 * fmix64, both invertible), so equal hashes are equal ids. */
#include "util/map.h"

#include "util/alloc.h"

#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

struct slot {
    char *key; /* NULL = empty; an id map's: ID_KEY */
    uint64_t hash;
    void *value;
};

enum keys { COPIED, BORROWED, IDS };

struct ah_map {
    struct slot *slots;
    size_t cap; /* a power of two */
    size_t count;
    uint64_t seed; /* random per map: keys come from clients (alert keys) */
    enum keys keys;
};

/* The key of every entry of an id map (what ah_map_each hands over). */
static char ID_KEY[] = "";

static uint64_t fmix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

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
    return fmix64(h);
}

static uint64_t hash_id(const struct ah_map *m, int64_t id)
{
    return fmix64((uint64_t)id ^ m->seed);
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

static struct ah_map *map_new(enum keys keys)
{
    struct ah_map *m = ah_xcalloc(1, sizeof(*m));

    m->seed = new_seed(m);
    m->keys = keys;
    m->cap = 16;
    m->slots = ah_xcalloc(m->cap, sizeof(struct slot));
    return m;
}

struct ah_map *ah_map_new(void)
{
    return map_new(COPIED);
}

struct ah_map *ah_map_new_borrowing(void)
{
    return map_new(BORROWED);
}

struct ah_map *ah_map_new_ids(void)
{
    return map_new(IDS);
}

void ah_map_free(struct ah_map *m)
{
    size_t i;

    if (m == NULL)
        return;
    for (i = 0; m->keys == COPIED && i < m->cap; i++)
        ah_free(m->slots[i].key);
    ah_free(m->slots);
    ah_free(m);
}

/* The slot of @key (NULL in an id map: the hash alone decides), or the
 * empty slot where it would go. */
static size_t find_slot(const struct ah_map *m, const char *key, uint64_t h)
{
    size_t i = h & (m->cap - 1);

    while (m->slots[i].key != NULL) {
        if (m->slots[i].hash == h && (key == NULL || strcmp(m->slots[i].key, key) == 0))
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

/* Stores @value in @key's slot (@key NULL: an id map's). */
static void put(struct ah_map *m, const char *key, uint64_t h, void *value)
{
    size_t i;

    if ((m->count + 1) * 4 > m->cap * 3)
        grow(m);
    i = find_slot(m, key, h);
    if (m->slots[i].key == NULL) {
        m->slots[i].hash = h;
        m->slots[i].key = m->keys == IDS        ? ID_KEY
                          : m->keys == BORROWED ? (char *)key
                                                : ah_xstrdup(key);
        m->count++;
    } else if (m->keys == BORROWED) {
        m->slots[i].key = (char *)key; /* the new value's own */
    }
    m->slots[i].value = value;
}

void ah_map_put(struct ah_map *m, const char *key, void *value)
{
    put(m, key, hash_key(m, key), value);
}

void ah_map_put_id(struct ah_map *m, int64_t id, void *value)
{
    put(m, NULL, hash_id(m, id), value);
}

/* Empties slot @i (which holds an entry) and returns its value. */
static void *remove_slot(struct ah_map *m, size_t i)
{
    void *value = m->slots[i].value;
    size_t j;

    if (m->keys == COPIED)
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

void *ah_map_remove(struct ah_map *m, const char *key)
{
    size_t i = find_slot(m, key, hash_key(m, key));

    return m->slots[i].key == NULL ? NULL : remove_slot(m, i);
}

void *ah_map_find_id(const struct ah_map *m, int64_t id)
{
    size_t i = find_slot(m, NULL, hash_id(m, id));

    return m->slots[i].key ? m->slots[i].value : NULL;
}

void *ah_map_remove_id(struct ah_map *m, int64_t id)
{
    size_t i = find_slot(m, NULL, hash_id(m, id));

    return m->slots[i].key == NULL ? NULL : remove_slot(m, i);
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
    /* Hashes and keys first, removals after: a removal shifts later slots
     * back. A borrowed key may go with its value: it is copied. */
    struct gone {
        uint64_t hash;
        char *key;
    } *gone = NULL;
    size_t i, n = 0;

    for (i = 0; i < m->cap; i++) {
        if (m->slots[i].key != NULL && drop(m->slots[i].value, arg)) {
            gone = ah_xrealloc(gone, (n + 1) * sizeof(*gone));
            gone[n].hash = m->slots[i].hash;
            gone[n++].key = m->keys == IDS ? NULL : ah_xstrdup(m->slots[i].key);
        }
    }
    for (i = 0; i < n; i++) {
        void *v = remove_slot(m, find_slot(m, gone[i].key, gone[i].hash));

        if (free_value != NULL)
            free_value(v);
        ah_free(gone[i].key);
    }
    ah_free(gone);
    return n;
}
