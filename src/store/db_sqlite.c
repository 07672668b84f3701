/* db_sqlite.c - the SQLite driver (db.h): the embedded default, a file
 * alerthub.db in the data folder, in WAL mode.
 *
 * The writer's connection keeps its prepared statements; readers never
 * block it (WAL). synchronous=FULL by default: a commit is on disk before
 * the writer acknowledges the batch, so an HTTP 200 survives kill -9 and
 * power loss.
 *
 * Checkpoints (copying the WAL back into the database file) run on a thread
 * of their own, with a connection of their own: SQLite's automatic
 * checkpoint would run them inside the writer's commit, where they took 15%
 * of the writer's time under a flood of new alerts (perf, writer_bench) and
 * held every waiting push up while they wrote and synced the file. A
 * PASSIVE checkpoint takes no lock the writer needs, so both go on at once.
 */
#include "store/db.h"

#include "store/schema.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/log.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* WAL pages after a commit that wake the checkpointer (SQLite's own
 * automatic threshold), and how far the WAL may grow past it before the
 * writer checkpoints itself, as SQLite would (the checkpointer failing, or
 * not keeping up). */
#define CHECKPOINT_PAGES    1000
#define CHECKPOINT_BACKSTOP (16 * CHECKPOINT_PAGES)

/* A round: the writer asks for one when its commit leaves the WAL at
 * CHECKPOINT_PAGES or more; the checkpointer runs it; the writer, at its
 * next commit after that, copies what was committed meanwhile. */
enum round_state { ROUND_NONE, ROUND_ASKED, ROUND_RUNNING, ROUND_DONE };

struct checkpointer {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    enum round_state round;
    int stop;
    sqlite3 *db; /* its own connection; used by its thread only */
};

struct lite {
    struct ah_db base;
    sqlite3 *db;
    int writer;
    struct checkpointer *ckpt; /* the writer's; NULL on readers */
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

/* ---- checkpoints, off the writer's thread ---- */

static void *checkpoint_main(void *arg)
{
    struct checkpointer *c = arg;

    pthread_setname_np(pthread_self(), "ah-checkpoint");
    pthread_mutex_lock(&c->lock);
    while (!c->stop) {
        int rc;

        if (c->round != ROUND_ASKED) {
            pthread_cond_wait(&c->cond, &c->lock);
            continue;
        }
        c->round = ROUND_RUNNING;
        pthread_mutex_unlock(&c->lock);
        rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        if (rc != SQLITE_OK && rc != SQLITE_BUSY)
            ah_log(AH_LOG_WARN, "WAL checkpoint failed: %s", sqlite3_errmsg(c->db));
        pthread_mutex_lock(&c->lock);
        c->round = ROUND_DONE;
    }
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

/* Runs in the writer after each commit, with the WAL's length in pages.
 * A round copies what was committed when it started; the writer went on
 * meanwhile, so the WAL is never wholly copied when the writer next
 * begins, and SQLite starts a WAL from its beginning only then. So once a
 * round is over, the writer copies the rest itself (what it committed
 * during the round) and its next transaction starts the WAL afresh: the
 * WAL stays a few rounds' worth long, as with SQLite's own checkpoints. */
static int wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
    struct checkpointer *c = arg;
    int finish;

    pthread_mutex_lock(&c->lock);
    finish = pages >= CHECKPOINT_BACKSTOP || (pages >= CHECKPOINT_PAGES && c->round == ROUND_DONE);
    /* A round over is finished here, or stale (below the threshold: the
     * WAL started afresh since). */
    if (c->round == ROUND_DONE)
        c->round = ROUND_NONE;
    else if (c->round == ROUND_NONE && pages >= CHECKPOINT_PAGES && !finish) {
        c->round = ROUND_ASKED;
        pthread_cond_signal(&c->cond);
    }
    pthread_mutex_unlock(&c->lock);
    if (finish)
        (void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    return SQLITE_OK;
}

static void checkpointer_free(struct checkpointer *c)
{
    if (c == NULL)
        return;
    pthread_mutex_lock(&c->lock);
    c->stop = 1;
    pthread_cond_signal(&c->cond);
    pthread_mutex_unlock(&c->lock);
    pthread_join(c->thread, NULL);
    pthread_cond_destroy(&c->cond);
    pthread_mutex_destroy(&c->lock);
    sqlite3_close(c->db);
    ah_free(c);
}

/* Starts the checkpointer of writer @l, on database file @path. */
static int checkpointer_start(struct lite *l, const char *path, const char *synchronous,
                              struct ah_error *err)
{
    struct checkpointer *c = ah_xcalloc(1, sizeof(*c));
    char pragma[64];
    int rc = sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);

    /* The checkpoint syncs the database file as the writer's setting says. */
    snprintf(pragma, sizeof(pragma), "PRAGMA synchronous=%s", synchronous);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(c->db, pragma, NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        ah_error_set(err, AH_ESTORE, "could not open the checkpointer's connection: %s",
                     c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
        sqlite3_close(c->db);
        ah_free(c);
        return AH_ESTORE;
    }
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->cond, NULL);
    if (pthread_create(&c->thread, NULL, checkpoint_main, c) != 0) {
        pthread_cond_destroy(&c->cond);
        pthread_mutex_destroy(&c->lock);
        sqlite3_close(c->db);
        ah_free(c);
        return ah_error_set(err, AH_ESTORE, "could not start the checkpointer thread");
    }
    l->ckpt = c;
    /* Replaces SQLite's automatic checkpoint, itself a WAL hook. */
    sqlite3_wal_hook(l->db, wal_hook, c);
    return AH_OK;
}

static void lite_close(struct ah_db *d)
{
    struct lite *l = LITE(d);
    int i;

    if (l == NULL)
        return;
    checkpointer_free(l->ckpt);
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
    const char *synchronous =
        conf->synchronous && strcmp(conf->synchronous, "normal") == 0 ? "NORMAL" : "FULL";
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
    sqlite3_busy_timeout(l->db, conf->busy_timeout_ms > 0 ? conf->busy_timeout_ms : 5000);
    ah_buf_init(&pragmas);
    ah_buf_printf(&pragmas,
                  "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s; PRAGMA foreign_keys=ON;"
                  "PRAGMA temp_store=MEMORY; %s",
                  synchronous, writer ? "" : "PRAGMA query_only=1;");
    rc = lite_exec(&l->base, ah_buf_str(&pragmas), err);
    ah_buf_done(&pragmas);
    if (rc == AH_OK && writer)
        rc = checkpointer_start(l, ah_buf_str(&path), synchronous, err);
    ah_buf_done(&path);
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
