/* tokens.c - see tokens.h. */
#include "http/tokens.h"

#include "util/alloc.h"
#include "util/map.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

struct ah_tokens {
    pthread_rwlock_t lock;
    struct ah_map *by_hash; /* hash -> scope, stored as a pointer-sized integer */
};

static const char *const scope_names[] = {
    [AH_SCOPE_NONE] = "none",
    [AH_SCOPE_READ] = "read",
    [AH_SCOPE_WRITE] = "write",
    [AH_SCOPE_ADMIN] = "admin",
};

enum ah_scope ah_scope_parse(const char *name)
{
    int i;

    for (i = AH_SCOPE_READ; name != NULL && i <= AH_SCOPE_ADMIN; i++) {
        if (strcmp(name, scope_names[i]) == 0)
            return (enum ah_scope)i;
    }
    return AH_SCOPE_NONE;
}

const char *ah_scope_name(enum ah_scope scope)
{
    return scope_names[scope];
}

/* 1 when @path is @resource or starts with "@resource/". */
static int under(const char *path, const char *resource)
{
    size_t n = strlen(resource);

    return strncmp(path, resource, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* An integration's rules are write; the integration itself is admin. */
static int integration_rules(const char *path)
{
    const char *p = strchr(path, '/');

    p = p ? strchr(p + 1, '/') : NULL;
    return p != NULL && (strcmp(p, "/routes") == 0 || strcmp(p, "/enrichment") == 0 ||
                         strcmp(p, "/pipeline") == 0);
}

enum ah_scope ah_scope_needed(const char *method, const char *path)
{
    static const char *const admin_only[] = {"tokens", "test/clock", NULL};
    static const char *const admin_writes[] = {"members", "teams", "notify-targets", NULL};
    int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    size_t i;

    for (i = 0; admin_only[i] != NULL; i++) {
        if (under(path, admin_only[i]))
            return AH_SCOPE_ADMIN;
    }
    if (get)
        return AH_SCOPE_READ;
    for (i = 0; admin_writes[i] != NULL; i++) {
        if (under(path, admin_writes[i]))
            return AH_SCOPE_ADMIN;
    }
    if (under(path, "integrations") && !integration_rules(path))
        return AH_SCOPE_ADMIN;
    return AH_SCOPE_WRITE;
}

static void load_one(const char *hash, const char *scope, void *arg)
{
    enum ah_scope s = ah_scope_parse(scope);

    if (hash != NULL && s != AH_SCOPE_NONE)
        ah_map_put(((struct ah_tokens *)arg)->by_hash, hash, (void *)(intptr_t)s);
}

int ah_tokens_new(struct ah_store *store, struct ah_tokens **ret, struct ah_error *err)
{
    struct ah_tokens *t = ah_xcalloc(1, sizeof(*t));
    int rc;

    pthread_rwlock_init(&t->lock, NULL);
    t->by_hash = ah_map_new();
    rc = ah_store_tokens_each(store, load_one, t, err);
    if (rc < 0) {
        ah_tokens_free(t);
        return rc;
    }
    *ret = t;
    return AH_OK;
}

int ah_tokens_reload(struct ah_tokens *t, struct ah_store *store, struct ah_error *err)
{
    struct ah_tokens *fresh;
    struct ah_map *old;
    int rc = ah_tokens_new(store, &fresh, err);

    if (rc < 0)
        return rc;
    pthread_rwlock_wrlock(&t->lock);
    old = t->by_hash;
    t->by_hash = fresh->by_hash;
    pthread_rwlock_unlock(&t->lock);
    fresh->by_hash = old;
    ah_tokens_free(fresh);
    return AH_OK;
}

void ah_tokens_free(struct ah_tokens *t)
{
    if (t == NULL)
        return;
    ah_map_free(t->by_hash);
    pthread_rwlock_destroy(&t->lock);
    ah_free(t);
}

/* The map is keyed by a digest of a 160-bit random secret: a lookup leaks
 * nothing usable about another token's digest. */
enum ah_scope ah_tokens_find(struct ah_tokens *t, const char *hash)
{
    intptr_t s;

    pthread_rwlock_rdlock(&t->lock);
    s = (intptr_t)ah_map_find(t->by_hash, hash);
    pthread_rwlock_unlock(&t->lock);
    return (enum ah_scope)s;
}

void ah_tokens_add(struct ah_tokens *t, const char *hash, enum ah_scope scope)
{
    pthread_rwlock_wrlock(&t->lock);
    ah_map_put(t->by_hash, hash, (void *)(intptr_t)scope);
    pthread_rwlock_unlock(&t->lock);
}

void ah_tokens_remove(struct ah_tokens *t, const char *hash)
{
    pthread_rwlock_wrlock(&t->lock);
    (void)ah_map_remove(t->by_hash, hash);
    pthread_rwlock_unlock(&t->lock);
}
