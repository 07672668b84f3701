/* sessions.c - see sessions.h. The map is keyed by the SHA-256 of the
 * session id, as tokens are: a lookup's timing tells nothing usable about
 * a stored key, and a memory dump holds no id a browser could replay. */
#include "http/sessions.h"

#include "util/alloc.h"
#include "util/map.h"
#include "util/sha256.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

struct session {
    char token_hash[65];
    int64_t opened; /* wall-clock seconds */
    int64_t used;
    int64_t written; /* the last use the store holds (or is being sent) */
};

struct ah_sessions {
    pthread_mutex_t lock;
    struct ah_map *by_hash; /* SHA-256 hex of the id -> struct session */
};

struct ah_sessions *ah_sessions_new(void)
{
    struct ah_sessions *s = ah_xcalloc(1, sizeof(*s));

    pthread_mutex_init(&s->lock, NULL);
    s->by_hash = ah_map_new();
    return s;
}

static int drop_all(const void *value, void *arg)
{
    (void)value;
    (void)arg;
    return 1;
}

void ah_sessions_free(struct ah_sessions *s)
{
    if (s == NULL)
        return;
    ah_map_remove_if(s->by_hash, drop_all, NULL, ah_free);
    ah_map_free(s->by_hash);
    pthread_mutex_destroy(&s->lock);
    ah_free(s);
}

int ah_session_expired(int64_t opened, int64_t used, int64_t now)
{
    return now - used >= AH_SESSION_IDLE_S || now - opened >= AH_SESSION_MAX_S;
}

static int drop_expired(const void *value, void *arg)
{
    const struct session *se = value;

    return ah_session_expired(se->opened, se->used, *(const int64_t *)arg);
}

struct oldest {
    char key[65];
    int64_t used;
};

static void find_oldest(const char *key, void *value, void *arg)
{
    const struct session *se = value;
    struct oldest *o = arg;

    if (o->key[0] == '\0' || se->used < o->used) {
        snprintf(o->key, sizeof(o->key), "%s", key);
        o->used = se->used;
    }
}

/* With the lock held: room for one more session (the least recently used
 * one leaves the cache, not the store). */
static void make_room(struct ah_sessions *s, int64_t now)
{
    struct oldest o = {"", 0};

    if (ah_map_count(s->by_hash) < AH_SESSIONS_MAX)
        return;
    ah_map_remove_if(s->by_hash, drop_expired, &now, ah_free);
    if (ah_map_count(s->by_hash) < AH_SESSIONS_MAX)
        return;
    ah_map_each(s->by_hash, find_oldest, &o);
    ah_free(ah_map_remove(s->by_hash, o.key));
}

void ah_sessions_put(struct ah_sessions *s, const char *key, const char *token_hash, int64_t opened,
                     int64_t used)
{
    struct session *se = ah_xcalloc(1, sizeof(*se));

    snprintf(se->token_hash, sizeof(se->token_hash), "%s", token_hash);
    se->opened = opened;
    se->used = used;
    se->written = used;
    pthread_mutex_lock(&s->lock);
    ah_free(ah_map_remove(s->by_hash, key));
    make_room(s, used);
    ah_map_put(s->by_hash, key, se);
    pthread_mutex_unlock(&s->lock);
}

/* Only ids of the right shape are hashed and looked up. */
int ah_session_key(const char *id, char key[65])
{
    size_t i;

    if (id == NULL)
        return 0;
    for (i = 0; id[i] != '\0'; i++) {
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
            return 0;
    }
    if (i != AH_SESSION_ID_LEN)
        return 0;
    ah_sha256_hex(id, key);
    return 1;
}

int ah_sessions_find(struct ah_sessions *s, const char *key, int64_t now, char ret_hash[65],
                     int *ret_touch)
{
    struct session *se;
    int found = 0;

    *ret_touch = 0;
    pthread_mutex_lock(&s->lock);
    se = ah_map_find(s->by_hash, key);
    if (se != NULL && ah_session_expired(se->opened, se->used, now)) {
        ah_free(ah_map_remove(s->by_hash, key));
        se = NULL;
    }
    if (se != NULL) {
        se->used = now;
        if (now - se->written >= AH_SESSION_TOUCH_S) {
            se->written = now;
            *ret_touch = 1;
        }
        memcpy(ret_hash, se->token_hash, 65);
        found = 1;
    }
    pthread_mutex_unlock(&s->lock);
    return found;
}

void ah_sessions_close(struct ah_sessions *s, const char *key)
{
    pthread_mutex_lock(&s->lock);
    ah_free(ah_map_remove(s->by_hash, key));
    pthread_mutex_unlock(&s->lock);
}

void ah_sessions_clear(struct ah_sessions *s)
{
    pthread_mutex_lock(&s->lock);
    ah_map_remove_if(s->by_hash, drop_all, NULL, ah_free);
    pthread_mutex_unlock(&s->lock);
}

unsigned ah_sessions_count(struct ah_sessions *s)
{
    unsigned n;

    pthread_mutex_lock(&s->lock);
    n = (unsigned)ah_map_count(s->by_hash);
    pthread_mutex_unlock(&s->lock);
    return n;
}
