/* db_sqlite.c - the SQLite driver (db.h): the embedded default, a file
 * alerthub.db in the data folder, in WAL mode.
 *
 * The writer's connection keeps its prepared statements; readers never
 * block it (WAL). synchronous=FULL by default: a commit is on disk before
 * the writer acknowledges the batch, so an HTTP 200 survives kill -9 and
 * power loss. */
#include "store/db.h"

#include "store/schema.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/buf.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

struct lite {
    struct ah_db base;
    sqlite3 *db;
    int writer;
    /* The writer's statements, keyed by the address of their SQL text. */
    struct {
        const char *sql;
        sqlite3_stmt *st;
    } cache[160];
    int ncache;
};

#define LITE(d) ((struct lite *)(d))

static int lite_error(sqlite3 *db, const char *what, struct ah_error *err)
{
    int code = sqlite3_extended_errcode(db);

    if ((code & 0xff) == SQLITE_CONSTRAINT)
        return ah_error_set(err, AH_ECONFLICT, "could not %s: %s", what, sqlite3_errmsg(db));
    return ah_error_set(err, AH_ESTORE, "could not %s: %s", what, sqlite3_errmsg(db));
}

static int lite_exec(struct ah_db *d, const char *sql, struct ah_error *err)
{
    char *msg = NULL;

    if (sqlite3_exec(LITE(d)->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        ah_error_set(err, AH_ESTORE, "could not run \"%.40s\": %s", sql,
                     msg ? msg : sqlite3_errmsg(LITE(d)->db));
        sqlite3_free(msg);
        return AH_ESTORE;
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

static void lite_close(struct ah_db *d)
{
    struct lite *l = LITE(d);
    int i;

    if (l == NULL)
        return;
    for (i = 0; i < l->ncache; i++)
        sqlite3_finalize(l->cache[i].st);
    sqlite3_close(l->db);
    ah_free(l);
}

static int lite_connect(const struct ah_store_conf *conf, int writer, struct ah_db **ret,
                        struct ah_error *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    struct lite *l;
    struct ah_buf path, pragmas;
    int rc;

    pthread_once(&once, configure);
    if (writer && mkdir(conf->dir, 0750) < 0 && errno != EEXIST)
        return ah_error_set(err, AH_EIO, "could not create data folder \"%s\": %s", conf->dir,
                            strerror(errno));
    l = ah_xcalloc(1, sizeof(*l));
    l->base.drv = &ah_db_sqlite;
    l->writer = writer;
    ah_buf_init(&path);
    ah_buf_printf(&path, "%s/alerthub.db", conf->dir);
    rc = sqlite3_open_v2(ah_buf_str(&path), &l->db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        ah_error_set(err, AH_ESTORE, "could not open database \"%s\": %s", ah_buf_str(&path),
                     l->db ? sqlite3_errmsg(l->db) : sqlite3_errstr(rc));
        ah_buf_done(&path);
        lite_close(&l->base);
        return AH_ESTORE;
    }
    ah_buf_done(&path);
    sqlite3_busy_timeout(l->db, conf->busy_timeout_ms > 0 ? conf->busy_timeout_ms : 5000);
    ah_buf_init(&pragmas);
    ah_buf_printf(&pragmas,
                  "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s; PRAGMA foreign_keys=ON;"
                  "PRAGMA temp_store=MEMORY; %s",
                  conf->synchronous && strcmp(conf->synchronous, "normal") == 0 ? "NORMAL" : "FULL",
                  writer ? "" : "PRAGMA query_only=1;");
    rc = lite_exec(&l->base, ah_buf_str(&pragmas), err);
    ah_buf_done(&pragmas);
    if (rc < 0) {
        lite_close(&l->base);
        return rc;
    }
    *ret = &l->base;
    return AH_OK;
}

/* The statement for @sql: the writer's cached one (reset), or a new one
 * (finalized by done()). */
static int prepare(struct lite *l, const char *sql, sqlite3_stmt **ret, struct ah_error *err)
{
    int i;

    if (l->writer) {
        for (i = 0; i < l->ncache; i++) {
            if (l->cache[i].sql == sql) {
                *ret = l->cache[i].st;
                return AH_OK;
            }
        }
    }
    if (sqlite3_prepare_v3(l->db, sql, -1, l->writer ? SQLITE_PREPARE_PERSISTENT : 0, ret, NULL) !=
        SQLITE_OK)
        return lite_error(l->db, "prepare a statement", err);
    if (l->writer && l->ncache < (int)(sizeof(l->cache) / sizeof(l->cache[0]))) {
        l->cache[l->ncache].sql = sql;
        l->cache[l->ncache].st = *ret;
        l->ncache++;
    }
    return AH_OK;
}

static void done(struct lite *l, sqlite3_stmt *st)
{
    int i;

    for (i = 0; i < l->ncache; i++) {
        if (l->cache[i].st == st) {
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            return;
        }
    }
    sqlite3_finalize(st);
}

static int bind(sqlite3_stmt *st, const struct ah_db_value *p, int n)
{
    int i, rc = SQLITE_OK;

    for (i = 0; i < n && rc == SQLITE_OK; i++) {
        /* Static: every parameter outlives the query that binds it. */
        rc = p[i].type == AH_DB_INT    ? sqlite3_bind_int64(st, i + 1, p[i].i)
             : p[i].type == AH_DB_REAL ? sqlite3_bind_double(st, i + 1, p[i].r)
             : p[i].type == AH_DB_TEXT ? sqlite3_bind_text(st, i + 1, p[i].s, -1, SQLITE_STATIC)
                                       : sqlite3_bind_null(st, i + 1);
    }
    return rc;
}

static void column(sqlite3_stmt *st, int i, struct ah_db_col *c)
{
    c->name = sqlite3_column_name(st, i);
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER:
        c->v.type = AH_DB_INT;
        c->v.i = sqlite3_column_int64(st, i);
        break;
    case SQLITE_FLOAT:
        c->v.type = AH_DB_REAL;
        c->v.r = sqlite3_column_double(st, i);
        break;
    case SQLITE_NULL:
        c->v.type = AH_DB_NULL;
        break;
    default:
        c->v.type = AH_DB_TEXT;
        c->v.s = (const char *)sqlite3_column_text(st, i);
    }
}

static int lite_query(struct ah_db *d, const char *sql, const struct ah_db_value *params, int n,
                      ah_db_row_fn fn, void *arg, struct ah_error *err)
{
    struct lite *l = LITE(d);
    struct ah_db_col cols[AH_DB_MAX_COLS];
    sqlite3_stmt *st;
    int i, ncols, rc = prepare(l, sql, &st, err);

    if (rc < 0)
        return rc;
    if (bind(st, params, n) != SQLITE_OK) {
        rc = lite_error(l->db, "bind a parameter", err);
        done(l, st);
        return rc;
    }
    ncols = sqlite3_column_count(st);
    if (ncols > AH_DB_MAX_COLS) {
        done(l, st);
        return ah_error_set(err, AH_ESTORE, "a query answers %d columns (at most %d)", ncols,
                            AH_DB_MAX_COLS);
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (fn == NULL)
            continue;
        for (i = 0; i < ncols; i++)
            column(st, i, &cols[i]);
        fn(cols, ncols, arg);
    }
    rc = rc == SQLITE_DONE ? AH_OK : lite_error(l->db, "run a statement", err);
    done(l, st);
    return rc;
}

static int64_t lite_last_id(struct ah_db *d)
{
    return sqlite3_last_insert_rowid(LITE(d)->db);
}

static int64_t lite_changes(struct ah_db *d)
{
    return sqlite3_changes(LITE(d)->db);
}

static int lite_in_tx(struct ah_db *d)
{
    return !sqlite3_get_autocommit(LITE(d)->db);
}

static void take_version(const struct ah_db_col *cols, int n, void *arg)
{
    if (n > 0 && cols[0].v.type == AH_DB_INT)
        *(int64_t *)arg = cols[0].v.i;
}

/* The schema's version is PRAGMA user_version; each migration moves it by
 * one in its own transaction. */
static int lite_migrate(struct ah_db *d, struct ah_error *err)
{
    int64_t version = 0;
    size_t i;
    int rc = lite_query(d, "PRAGMA user_version", NULL, 0, take_version, &version, err);

    if (rc < 0)
        return rc;
    if (version > (int64_t)ah_schema_migration_count)
        return ah_error_set(err, AH_ESTORE,
                            "database schema version %lld is newer than this alerthub (%zu)",
                            (long long)version, ah_schema_migration_count);
    for (i = (size_t)version; i < ah_schema_migration_count; i++) {
        char sql[64];

        rc = lite_exec(d, "BEGIN IMMEDIATE", err);
        if (rc < 0)
            return rc;
        snprintf(sql, sizeof(sql), "PRAGMA user_version=%zu", i + 1);
        rc = lite_exec(d, ah_schema_migrations[i], err);
        if (rc == AH_OK)
            rc = lite_exec(d, sql, err);
        if (rc == AH_OK)
            rc = lite_exec(d, "COMMIT", err);
        if (rc < 0) {
            lite_exec(d, "ROLLBACK", NULL);
            return rc;
        }
    }
    return AH_OK;
}

const struct ah_db_driver ah_db_sqlite = {
    .engine = "sqlite",
    .version = sqlite3_libversion,
    .connect = lite_connect,
    .close = lite_close,
    .query = lite_query,
    .exec = lite_exec,
    .last_id = lite_last_id,
    .changes = lite_changes,
    .in_tx = lite_in_tx,
    .migrate = lite_migrate,
    /* IMMEDIATE takes the write lock now, so a locked database fails here,
     * before any work, rather than at COMMIT. */
    .begin_sql = "BEGIN IMMEDIATE",
    /* Only a database created with auto_vacuum=INCREMENTAL gives pages
     * back (else a no-op); freed pages are reused by new rows anyway. */
    .reclaim_sql = "PRAGMA incremental_vacuum(256)",
};
