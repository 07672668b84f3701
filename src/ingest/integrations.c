/* integrations.c - see integrations.h. The map is keyed by the SHA-256 of
 * the integration key, not the key itself: the lookup's string compares then
 * reveal nothing about the secret, and the final compare of the key is done
 * in constant time. Limits use fixed one-second and one-minute windows. */
#include "ingest/integrations.h"

#include "util/alloc.h"
#include "util/hex.h"
#include "util/map.h"
#include "util/sha256.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

struct entry {
    struct ah_integration intg;
    char hash[2 * AH_SHA256_LEN + 1];
    int64_t sec_window, min_window;
    int sec_count, min_count;
    uint64_t stats[AH_STAT_COUNT];
};

struct ah_integrations {
    pthread_mutex_t lock;
    struct ah_map *by_hash; /* sha256(key) -> entry */
    struct ah_map *by_id;   /* "<id>" -> entry (same entries) */
};

static void id_key(int64_t id, char out[24])
{
    snprintf(out, 24, "%lld", (long long)id);
}

struct ah_integrations *ah_integrations_new(void)
{
    struct ah_integrations *set = ah_xcalloc(1, sizeof(*set));

    pthread_mutex_init(&set->lock, NULL);
    set->by_hash = ah_map_new();
    set->by_id = ah_map_new();
    return set;
}

static void free_entry(const char *key, void *value, void *arg)
{
    struct entry *e = value;

    (void)key;
    (void)arg;
    ah_integration_done(&e->intg);
    ah_free(e);
}

void ah_integrations_free(struct ah_integrations *set)
{
    if (set == NULL)
        return;
    ah_map_each(set->by_id, free_entry, NULL);
    ah_map_free(set->by_id);
    ah_map_free(set->by_hash);
    pthread_mutex_destroy(&set->lock);
    ah_free(set);
}

/* Unlinks the entry of @id and returns it (the caller frees), or NULL. */
static struct entry *unlink_id(struct ah_integrations *set, int64_t id)
{
    struct entry *e;
    char k[24];

    id_key(id, k);
    e = ah_map_remove(set->by_id, k);
    if (e != NULL)
        ah_map_remove(set->by_hash, e->hash);
    return e;
}

/* What was counted for an integration passes from @from to @to, its
 * replacement: its limits' windows and its card's statistics. */
static void carry(struct entry *to, const struct entry *from)
{
    to->sec_window = from->sec_window;
    to->sec_count = from->sec_count;
    to->min_window = from->min_window;
    to->min_count = from->min_count;
    memcpy(to->stats, from->stats, sizeof(to->stats));
}

void ah_integrations_put(struct ah_integrations *set, const struct ah_integration *intg)
{
    struct entry *e = ah_xcalloc(1, sizeof(*e)), *old;
    char k[24];

    ah_integration_copy(&e->intg, intg);
    ah_sha256_hex(intg->key, e->hash);
    id_key(intg->id, k);
    pthread_mutex_lock(&set->lock);
    old = unlink_id(set, intg->id);
    if (old != NULL) {
        carry(e, old);
        free_entry(NULL, old, NULL);
    }
    ah_map_put(set->by_id, k, e);
    ah_map_put(set->by_hash, e->hash, e);
    pthread_mutex_unlock(&set->lock);
}

void ah_integrations_remove(struct ah_integrations *set, int64_t id)
{
    struct entry *e;

    pthread_mutex_lock(&set->lock);
    e = unlink_id(set, id);
    pthread_mutex_unlock(&set->lock);
    if (e != NULL)
        free_entry(NULL, e, NULL);
}

/* @fresh's entry takes over what was counted for its integration. */
static void carry_counts(const char *key, void *value, void *arg)
{
    struct entry *old = ah_map_find(arg, key);

    if (old != NULL)
        carry(value, old);
}

void ah_integrations_take(struct ah_integrations *set, struct ah_integrations *fresh)
{
    struct ah_map *by_id, *by_hash;

    pthread_mutex_lock(&set->lock);
    ah_map_each(fresh->by_id, carry_counts, set->by_id);
    by_id = set->by_id;
    by_hash = set->by_hash;
    set->by_id = fresh->by_id;
    set->by_hash = fresh->by_hash;
    pthread_mutex_unlock(&set->lock);
    fresh->by_id = by_id;
    fresh->by_hash = by_hash;
    ah_integrations_free(fresh);
}

int ah_integrations_find_key(struct ah_integrations *set, const char *key,
                             struct ah_integration *ret)
{
    char hash[2 * AH_SHA256_LEN + 1];
    struct entry *e;
    int rc = AH_ENOTFOUND;

    ah_sha256_hex(key, hash);
    pthread_mutex_lock(&set->lock);
    e = ah_map_find(set->by_hash, hash);
    if (e != NULL && ah_secret_equal(e->intg.key, key)) {
        ah_integration_copy(ret, &e->intg);
        rc = AH_OK;
    }
    pthread_mutex_unlock(&set->lock);
    return rc;
}

int ah_integrations_admit(struct ah_integrations *set, int64_t id, int64_t now_ms,
                          int *ret_retry_after, struct ah_error *err)
{
    int64_t sec = now_ms / 1000, min = sec / 60;
    struct entry *e;
    char k[24];
    int rc = AH_OK;

    id_key(id, k);
    pthread_mutex_lock(&set->lock);
    e = ah_map_find(set->by_id, k);
    if (e == NULL)
        goto out;
    if (e->sec_window != sec) {
        e->sec_window = sec;
        e->sec_count = 0;
    }
    if (e->min_window != min) {
        e->min_window = min;
        e->min_count = 0;
    }
    if (e->sec_count >= e->intg.rate_per_sec) {
        *ret_retry_after = 1;
        rc = ah_error_set(err, AH_EBUSY, "integration is over its limit of %d requests per second",
                          e->intg.rate_per_sec);
    } else if (e->min_count >= e->intg.rate_per_min) {
        *ret_retry_after = (int)(60 - sec % 60);
        rc = ah_error_set(err, AH_EBUSY, "integration is over its limit of %d requests per minute",
                          e->intg.rate_per_min);
    } else {
        e->sec_count++;
        e->min_count++;
    }
out:
    pthread_mutex_unlock(&set->lock);
    return rc;
}

static struct entry *by_id(struct ah_integrations *set, int64_t id)
{
    char k[24];

    id_key(id, k);
    return ah_map_find(set->by_id, k);
}

void ah_integrations_count(struct ah_integrations *set, int64_t id, enum ah_intg_stat stat,
                           uint64_t n)
{
    struct entry *e;

    pthread_mutex_lock(&set->lock);
    e = by_id(set, id);
    if (e != NULL)
        e->stats[stat] += n;
    pthread_mutex_unlock(&set->lock);
}

json_t *ah_integrations_stats(struct ah_integrations *set, int64_t id)
{
    static const char *const names[AH_STAT_COUNT] = {
        "events_accepted",  "events_dropped", "events_inhibited", "refused_invalid",
        "refused_no_route", "rate_limited",   "unavailable"};
    uint64_t copy[AH_STAT_COUNT] = {0};
    json_t *out = json_object();
    struct entry *e;
    int i;

    pthread_mutex_lock(&set->lock);
    e = by_id(set, id);
    if (e != NULL)
        memcpy(copy, e->stats, sizeof(copy));
    pthread_mutex_unlock(&set->lock);
    for (i = 0; i < AH_STAT_COUNT; i++)
        json_object_set_new(out, names[i], json_integer((json_int_t)copy[i]));
    return out;
}
