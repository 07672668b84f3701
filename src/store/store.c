/* store.c - the store (store.h) over a database driver (db.h): the
 * writer's connection, used by the writer thread only, and a pool of
 * readers, each used by one thread at a time. */
#include "store/store.h"

#include "store/db.h"
#include "store/sql.h"
#include "util/alloc.h"

#include <pthread.h>
#include <string.h>

struct ah_store_tx {
    struct ah_store *store;
    int stale;  /* what other nodes changed (AH_STORE_STALE_*), at begin */
    int config; /* this transaction changed what the HTTP side caches */
};

struct ah_store {
    const struct ah_db_driver *drv;
    struct ah_store_conf conf; /* strings borrowed from the caller's */
    struct ah_db *wdb;
    struct ah_store_tx tx;
    pthread_mutex_t pool_lock;
    struct ah_db **idle;
    size_t nidle, capidle;
};

int ah_store_url_is_postgres(const char *url)
{
    return url != NULL &&
           (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0);
}

const struct ah_db_driver *ah_db_driver_for(const struct ah_store_conf *conf)
{
    return ah_store_url_is_postgres(conf->database_url) ? &ah_db_postgres : &ah_db_sqlite;
}

int ah_store_open(const struct ah_store_conf *conf, struct ah_store **ret, struct ah_error *err)
{
    struct ah_store *s = ah_xcalloc(1, sizeof(*s));
    int rc;

    s->drv = ah_db_driver_for(conf);
    s->conf = *conf;
    s->tx.store = s;
    pthread_mutex_init(&s->pool_lock, NULL);
    rc = s->drv->connect(&s->conf, 1, &s->wdb, err);
    if (rc < 0)
        goto fail;
    rc = s->drv->migrate(s->wdb, err);
    if (rc < 0)
        goto fail;
    *ret = s;
    return AH_OK;
fail:
    ah_store_free(s);
    return rc;
}

void ah_store_free(struct ah_store *s)
{
    size_t i;

    if (s == NULL)
        return;
    s->drv->close(s->wdb);
    for (i = 0; i < s->nidle; i++)
        s->drv->close(s->idle[i]);
    ah_free(s->idle);
    pthread_mutex_destroy(&s->pool_lock);
    ah_free(s);
}

int ah_store_reader_get(struct ah_store *s, struct ah_db **ret, struct ah_error *err)
{
    pthread_mutex_lock(&s->pool_lock);
    if (s->nidle > 0) {
        *ret = s->idle[--s->nidle];
        pthread_mutex_unlock(&s->pool_lock);
        return AH_OK;
    }
    pthread_mutex_unlock(&s->pool_lock);
    return s->drv->connect(&s->conf, 0, ret, err);
}

void ah_store_reader_put(struct ah_store *s, struct ah_db *db)
{
    pthread_mutex_lock(&s->pool_lock);
    if (s->nidle == s->capidle) {
        s->capidle = s->capidle ? 2 * s->capidle : 8;
        s->idle = ah_xrealloc(s->idle, s->capidle * sizeof(*s->idle));
    }
    s->idle[s->nidle++] = db;
    pthread_mutex_unlock(&s->pool_lock);
}

int ah_store_ping(struct ah_store *s, struct ah_error *err)
{
    struct ah_db *db;
    int64_t one = 0;
    int rc = ah_store_reader_get(s, &db, err);

    if (rc < 0)
        return rc;
    rc = ah_sql_int(db, "SELECT count(*) FROM meta", &one, err, "");
    /* A connection that failed may be broken (a PostgreSQL server gone):
     * it is closed, and the next reader connects afresh. */
    if (rc < 0)
        s->drv->close(db);
    else
        ah_store_reader_put(s, db);
    return rc;
}

/* SQLite's: it is linked in whatever the database, for /metrics. */
const char *ah_store_engine_version(void)
{
    return ah_db_sqlite.version();
}

/* ================= transactions ================= */

/* BEGIN, SAVEPOINT and RELEASE are deferred: on PostgreSQL they travel
 * with the job's writes instead of costing a round trip each. */
int ah_store_tx_begin(struct ah_store *s, struct ah_store_tx **ret_tx, struct ah_error *err)
{
    int rc = ah_sql_defer(s->wdb, s->drv->begin_sql, err, "");

    s->tx.stale = 0;
    s->tx.config = 0;
    if (rc == AH_OK && s->drv->sync != NULL)
        rc = s->drv->sync(s->wdb, &s->tx.stale, err);
    if (rc < 0) {
        if (s->drv->in_tx(s->wdb))
            (void)ah_sql_run(s->wdb, "ROLLBACK", NULL, "");
        return rc;
    }
    *ret_tx = &s->tx;
    return AH_OK;
}

int ah_store_shared(const struct ah_store *s)
{
    return s->drv->sync != NULL;
}

int ah_store_peek(struct ah_store *s)
{
    return s->drv->peek != NULL ? s->drv->peek(s->wdb) : 0;
}

int ah_store_tx_stale(const struct ah_store_tx *tx)
{
    return tx->stale;
}

void ah_store_tx_synced(struct ah_store_tx *tx, int what)
{
    if (tx->store->drv->synced != NULL)
        tx->store->drv->synced(tx->store->wdb, what);
    tx->stale &= ~what;
}

void ah_store_tx_config_changed(struct ah_store_tx *tx)
{
    tx->config = 1;
}

int ah_store_leads(struct ah_store *s)
{
    return s->drv->leads == NULL || s->drv->leads(s->wdb);
}

int ah_store_lead(struct ah_store *s)
{
    return s->drv->lead == NULL || s->drv->lead(s->wdb);
}

void ah_store_resign(struct ah_store *s)
{
    if (s->drv->resign != NULL)
        s->drv->resign(s->wdb);
}

int ah_store_tx_commit(struct ah_store_tx *tx, struct ah_error *err)
{
    if (tx->store->drv->commit != NULL)
        return tx->store->drv->commit(tx->store->wdb, tx->config, err);
    return ah_sql_run(tx->store->wdb, "COMMIT", err, "");
}

void ah_store_tx_rollback(struct ah_store_tx *tx)
{
    if (tx->store->drv->in_tx(tx->store->wdb))
        (void)ah_sql_run(tx->store->wdb, "ROLLBACK", NULL, "");
}

int ah_store_tx_savepoint(struct ah_store_tx *tx, struct ah_error *err)
{
    return ah_sql_defer(tx->store->wdb, "SAVEPOINT job", err, "");
}

void ah_store_tx_release(struct ah_store_tx *tx)
{
    (void)ah_sql_defer(tx->store->wdb, "RELEASE job", NULL, "");
}

void ah_store_tx_rollback_savepoint(struct ah_store_tx *tx)
{
    (void)ah_sql_run(tx->store->wdb, "ROLLBACK TO job", NULL, "");
    (void)ah_sql_run(tx->store->wdb, "RELEASE job", NULL, "");
}

/* ================= meta ================= */

int ah_store_tx_meta_get(struct ah_store_tx *tx, const char *key, char **ret, struct ah_error *err)
{
    return ah_sql_text(tx->store->wdb, "SELECT value FROM meta WHERE key = ?", ret, err, "s", key);
}

int ah_store_tx_meta_set(struct ah_store_tx *tx, const char *key, const char *value,
                         struct ah_error *err)
{
    return ah_sql_run(tx->store->wdb,
                      "INSERT INTO meta(key, value) VALUES (?, ?)"
                      " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                      err, "ss", key, value);
}

/* The store's other files reach the connections through these. */
struct ah_db *ah_store_wdb_of(struct ah_store_tx *tx)
{
    return tx->store->wdb;
}

struct ah_db *ah_store_wdb(struct ah_store *s)
{
    return s->wdb;
}
