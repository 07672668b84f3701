/* sqlite.c - the embedded store (store.h) on SQLite in WAL mode.
 *
 * One write connection, used by the writer thread only, keeps its prepared
 * statements; readers take a connection from a small pool and never block the
 * writer (WAL). synchronous=FULL by default: a commit is on disk before the
 * writer acknowledges the batch, so an HTTP 200 survives kill -9 and power
 * loss. */
#include "store/store.h"

#include "store/schema.h"
#include "store/sqlite_util.h"
#include "util/alloc.h"
#include "util/buf.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>

struct ah_store_tx {
    struct ah_store *store;
};

struct ah_store {
    char *path;
    int busy_timeout_ms;
    const char *synchronous;
    sqlite3 *wdb;
    struct ah_sql_cache wcache;
    struct ah_store_tx tx;
    pthread_mutex_t pool_lock;
    sqlite3 **idle;
    size_t nidle, capidle;
};

/* ================= connections ================= */

static int open_conn(struct ah_store *s, int reader, sqlite3 **ret, struct ah_error *err)
{
    sqlite3 *db = NULL;
    struct ah_buf pragmas;
    int rc;

    rc = sqlite3_open_v2(s->path, &db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        ah_error_set(err, AH_ESTORE, "could not open database \"%s\": %s", s->path,
                     db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return AH_ESTORE;
    }
    sqlite3_busy_timeout(db, s->busy_timeout_ms);
    ah_buf_init(&pragmas);
    ah_buf_printf(&pragmas,
                  "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s; PRAGMA foreign_keys=ON;"
                  "PRAGMA temp_store=MEMORY; %s",
                  s->synchronous, reader ? "PRAGMA query_only=1;" : "");
    rc = ah_sql_exec(db, ah_buf_str(&pragmas), err);
    ah_buf_done(&pragmas);
    if (rc < 0) {
        sqlite3_close(db);
        return rc;
    }
    *ret = db;
    return AH_OK;
}

static int migrate(struct ah_store *s, struct ah_error *err)
{
    int64_t version = 0;
    size_t i;
    int rc;

    rc = ah_sql_int(s->wdb, NULL, "PRAGMA user_version", &version, err, "");
    if (rc < 0)
        return rc;
    if (version > (int64_t)ah_schema_migration_count)
        return ah_error_set(err, AH_ESTORE,
                            "database schema version %lld is newer than this alerthub (%zu)",
                            (long long)version, ah_schema_migration_count);
    for (i = (size_t)version; i < ah_schema_migration_count; i++) {
        char sql[64];

        rc = ah_sql_exec(s->wdb, "BEGIN IMMEDIATE", err);
        if (rc < 0)
            return rc;
        snprintf(sql, sizeof(sql), "PRAGMA user_version=%zu", i + 1);
        rc = ah_sql_exec(s->wdb, ah_schema_migrations[i], err);
        if (rc == AH_OK)
            rc = ah_sql_exec(s->wdb, sql, err);
        if (rc == AH_OK)
            rc = ah_sql_exec(s->wdb, "COMMIT", err);
        if (rc < 0) {
            ah_sql_exec(s->wdb, "ROLLBACK", NULL);
            return rc;
        }
    }
    return AH_OK;
}

/* Library-wide settings, before SQLite initializes: no memory statistics
 * (they take a global mutex on every allocation, a measurable share of the
 * writer's time), and no connection mutexes (each connection is used by one
 * thread at a time: the writer's, or a reader taken from the pool). */
static void configure(void)
{
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    (void)sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
}

int ah_store_open(const struct ah_store_conf *conf, struct ah_store **ret, struct ah_error *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    struct ah_store *s;
    struct ah_buf path;
    int rc;

    pthread_once(&once, configure);
    if (mkdir(conf->dir, 0750) < 0 && errno != EEXIST)
        return ah_error_set(err, AH_EIO, "could not create data folder \"%s\": %s", conf->dir,
                            strerror(errno));
    s = ah_xcalloc(1, sizeof(*s));
    ah_buf_init(&path);
    ah_buf_printf(&path, "%s/alerthub.db", conf->dir);
    s->path = ah_buf_steal(&path);
    s->busy_timeout_ms = conf->busy_timeout_ms > 0 ? conf->busy_timeout_ms : 5000;
    s->synchronous =
        conf->synchronous && strcmp(conf->synchronous, "normal") == 0 ? "NORMAL" : "FULL";
    s->tx.store = s;
    pthread_mutex_init(&s->pool_lock, NULL);
    rc = open_conn(s, 0, &s->wdb, err);
    if (rc < 0)
        goto fail;
    ah_sql_cache_init(&s->wcache, s->wdb);
    rc = migrate(s, err);
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
    ah_sql_cache_done(&s->wcache);
    sqlite3_close(s->wdb);
    for (i = 0; i < s->nidle; i++)
        sqlite3_close(s->idle[i]);
    ah_free(s->idle);
    pthread_mutex_destroy(&s->pool_lock);
    ah_free(s->path);
    ah_free(s);
}

static int reader_get(struct ah_store *s, sqlite3 **ret, struct ah_error *err)
{
    pthread_mutex_lock(&s->pool_lock);
    if (s->nidle > 0) {
        *ret = s->idle[--s->nidle];
        pthread_mutex_unlock(&s->pool_lock);
        return AH_OK;
    }
    pthread_mutex_unlock(&s->pool_lock);
    return open_conn(s, 1, ret, err);
}

static void reader_put(struct ah_store *s, sqlite3 *db)
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
    sqlite3 *db;
    int64_t one = 0;
    int rc = reader_get(s, &db, err);

    if (rc < 0)
        return rc;
    rc = ah_sql_int(db, NULL, "SELECT count(*) FROM meta", &one, err, "");
    reader_put(s, db);
    return rc;
}

const char *ah_store_engine_version(void)
{
    return sqlite3_libversion();
}

/* ================= transactions ================= */

int ah_store_tx_begin(struct ah_store *s, struct ah_store_tx **ret_tx, struct ah_error *err)
{
    /* IMMEDIATE takes the write lock now, so a locked database fails here,
     * before any work, rather than at COMMIT. */
    int rc = ah_sql_run(&s->wcache, "BEGIN IMMEDIATE", err, "");

    if (rc < 0)
        return rc;
    *ret_tx = &s->tx;
    return AH_OK;
}

int ah_store_tx_commit(struct ah_store_tx *tx, struct ah_error *err)
{
    return ah_sql_run(&tx->store->wcache, "COMMIT", err, "");
}

void ah_store_tx_rollback(struct ah_store_tx *tx)
{
    if (!sqlite3_get_autocommit(tx->store->wdb))
        (void)ah_sql_run(&tx->store->wcache, "ROLLBACK", NULL, "");
}

int ah_store_tx_savepoint(struct ah_store_tx *tx, struct ah_error *err)
{
    return ah_sql_run(&tx->store->wcache, "SAVEPOINT job", err, "");
}

void ah_store_tx_release(struct ah_store_tx *tx)
{
    (void)ah_sql_run(&tx->store->wcache, "RELEASE job", NULL, "");
}

void ah_store_tx_rollback_savepoint(struct ah_store_tx *tx)
{
    (void)ah_sql_run(&tx->store->wcache, "ROLLBACK TO job", NULL, "");
    (void)ah_sql_run(&tx->store->wcache, "RELEASE job", NULL, "");
}

/* ================= meta ================= */

int ah_store_tx_meta_get(struct ah_store_tx *tx, const char *key, char **ret, struct ah_error *err)
{
    return ah_sql_text(tx->store->wdb, &tx->store->wcache, "SELECT value FROM meta WHERE key = ?",
                       ret, err, "s", key);
}

int ah_store_tx_meta_set(struct ah_store_tx *tx, const char *key, const char *value,
                         struct ah_error *err)
{
    return ah_sql_run(&tx->store->wcache,
                      "INSERT INTO meta(key, value) VALUES (?, ?)"
                      " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                      err, "ss", key, value);
}

/* The write-side functions for channels, integrations, alerts and incidents
 * live in sqlite_write.c; the API reads in sqlite_read.c. They reach the
 * connections through these two accessors. */
struct ah_sql_cache *ah_sqlite_wcache(struct ah_store_tx *tx)
{
    return &tx->store->wcache;
}

sqlite3 *ah_sqlite_wdb(struct ah_store *s)
{
    return s->wdb;
}

int ah_sqlite_reader_get(struct ah_store *s, sqlite3 **ret, struct ah_error *err)
{
    return reader_get(s, ret, err);
}

void ah_sqlite_reader_put(struct ah_store *s, sqlite3 *db)
{
    reader_put(s, db);
}
