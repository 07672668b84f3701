/* db.h - the database drivers under the store: one ops table per engine
 * (SQLite, embedded, the default; PostgreSQL, for several nodes), as curl's
 * TLS back ends and redis's connection types are. Private to src/store/.
 *
 * The store's statements are written once, in the SQL both engines accept
 * (numbered parameters ?1, ON CONFLICT, RETURNING, coalesce; JSON columns
 * are text), and run through a driver: a driver binds parameters, steps
 * rows and hands each row over as typed columns, keeps the schema's
 * migrations and says what a failure means (AH_ECONFLICT for a constraint,
 * else AH_ESTORE). What differs between engines stays in the drivers: the
 * PostgreSQL one rewrites ?N into $N and maps SQLite's DDL types. */
#ifndef AH_STORE_DB_H
#define AH_STORE_DB_H

#include "util/error.h"

#include <stdint.h>

struct ah_store_conf;

enum ah_db_type { AH_DB_NULL, AH_DB_INT, AH_DB_REAL, AH_DB_TEXT };

/* A parameter or a column value. Text is borrowed: a parameter's lives until
 * the query returns, a column's until the row callback returns. */
struct ah_db_value {
    enum ah_db_type type;
    /* A parameter's declared type (INT, REAL or TEXT), also when its value
     * is NULL: PostgreSQL types its parameters from it. */
    enum ah_db_type decl;
    int64_t i;
    double r;
    const char *s;
};

struct ah_db_col {
    const char *name;
    struct ah_db_value v;
};

/* Columns of one row a driver hands over at most: more than any table has
 * (a query answering more fails with AH_ESTORE). */
#define AH_DB_MAX_COLS 64

/* Parameters of one statement at most: more than any statement has (a
 * statement with more fails with AH_ESTORE, in sql.c and in the drivers). */
#define AH_DB_MAX_PARAMS 32

/* Called once per result row with its @n columns (borrowed). */
typedef void (*ah_db_row_fn)(const struct ah_db_col *cols, int n, void *arg);

struct ah_db;

/* What a write transaction changed, for the other nodes (cluster_log). */
struct ah_db_log {
    int config;                     /* the HTTP side's configuration */
    const char *alerts, *incidents; /* JSON arrays of ids */
    const char *flaps;              /* JSON array of {"c": channel_id, "k": alert_key} */
    int everything;                 /* more than those: rebuild all */
};

struct ah_db_driver {
    const char *engine; /* "sqlite" or "postgres" */
    /* The engine library's version, a static string (for /metrics). */
    const char *(*version)(void);
    /* Opens one connection. A @writer connection keeps its prepared
     * statements (keyed by the address of their SQL text, so every
     * statement run on it must be a string literal); a reader does not. */
    int (*connect)(const struct ah_store_conf *conf, int writer, struct ah_db **ret,
                   struct ah_error *reterr);
    void (*close)(struct ah_db *db); /* NULL is a no-op */
    /* Runs one statement with @n @params, calling @fn (may be NULL) per row. */
    int (*query)(struct ah_db *db, const char *sql, const struct ah_db_value *params, int n,
                 ah_db_row_fn fn, void *arg, struct ah_error *reterr);
    /* Runs a statement whose rows, changes and id nobody reads. A driver
     * may send it and return at once (PostgreSQL's pipeline mode): it then
     * reports a failure at the next statement that waits, and refuses
     * everything but ROLLBACK from then on, so the transaction cannot
     * commit. NULL: the store runs it with query. */
    int (*defer)(struct ah_db *db, const char *sql, const struct ah_db_value *params, int n,
                 struct ah_error *reterr);
    /* Runs a script of statements without parameters. */
    int (*exec)(struct ah_db *db, const char *sql, struct ah_error *reterr);
    /* A new id for a row of @table (a string literal) that the caller
     * inserts with it, so that the insert need not answer one, or 0 (also
     * when NULL): the engine picks it, and the insert answers it. */
    int (*next_id)(struct ah_db *db, const char *table, int64_t *ret, struct ah_error *reterr);
    /* The id of the row the last INSERT made; rows the last statement changed. */
    int64_t (*last_id)(struct ah_db *db);
    int64_t (*changes)(struct ah_db *db);
    /* 1 while a transaction is open. */
    int (*in_tx)(struct ah_db *db);
    /* Applies the schema's migrations that are missing (schema.h), once even
     * when several nodes start together; on a shared database, also waits
     * to be the one node that writes (db_postgres.c). */
    int (*migrate)(struct ah_db *db, struct ah_error *reterr);
    /* Starts the writer's transaction (SQLite takes the write lock at once). */
    const char *begin_sql;
    /* On a database that several nodes write (PostgreSQL), run right after
     * begin_sql: waits until no other node's writer transaction is open,
     * then says what other nodes committed since this node's memory was
     * last in step (AH_STORE_STALE_* bits, store.h). NULL: one node writes,
     * nothing is ever stale. */
    int (*sync)(struct ah_db *db, int *ret_stale, struct ah_error *reterr);
    /* Outside a transaction, on the writer's connection: what sync would
     * say now, without waiting for other nodes (0 when it cannot tell). */
    int (*peek)(struct ah_db *db);
    /* The caller rebuilt what @what (AH_STORE_STALE_* bits) covers from
     * the state sync saw. */
    void (*synced)(struct ah_db *db, int what);
    /* Commits; with sync, a transaction that wrote counts the shared version
     * up (and the configuration's when @log->config), so that the other
     * nodes see it, and logs what it changed (@log). NULL: COMMIT. */
    int (*commit)(struct ah_db *db, const struct ah_db_log *log, struct ah_error *reterr);
    /* With sync: the version this node's memory is in step with (-1: none)
     * and the one read at the transaction's begin. */
    void (*versions)(struct ah_db *db, int64_t *ret_seen, int64_t *ret_at);
    /* 1 while this node is the one that sends deliveries and fires timers
     * (a lease that ends with its connection); NULL: always. Any thread
     * may ask. */
    int (*leads)(struct ah_db *db);
    /* On the writer's connection, outside a transaction: tries to take the
     * lease when this node does not hold it (at most once a second), and
     * says whether it does. NULL: always. */
    int (*lead)(struct ah_db *db);
    /* On the writer's connection: gives the lease up, and takes it again
     * only if no other node did within a while. NULL: never. */
    void (*resign)(struct ah_db *db);
    /* Run after retention deleted rows, to give space back, or NULL. */
    const char *reclaim_sql;
    /* After rows with their ids were copied into @table (ah_store_copy):
     * new ids continue after the highest. NULL when the engine does so by
     * itself. */
    int (*after_copy)(struct ah_db *db, const char *table, struct ah_error *reterr);
};

/* Every driver's connection begins with this. */
struct ah_db {
    const struct ah_db_driver *drv;
};

extern const struct ah_db_driver ah_db_sqlite;
extern const struct ah_db_driver ah_db_postgres;

/* The driver for @conf: PostgreSQL when conf->database_url is a postgres://
 * or postgresql:// URL, else SQLite. */
const struct ah_db_driver *ah_db_driver_for(const struct ah_store_conf *conf);

#endif
