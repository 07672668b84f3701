/* db_postgres.c - the PostgreSQL driver (db.h), through libpq, for a store
 * that several nodes share (api.md section 8).
 *
 * The store's SQL is SQLite's dialect kept to what both engines accept; this
 * driver rewrites the parameters (?N into $N), maps the schema's column
 * types (INTEGER into BIGINT, AUTOINCREMENT ids into identity columns) and
 * adds, in a schema prelude, the few SQLite functions the store calls. The
 * writer's statements are prepared once per connection. A connection that
 * breaks (the server restarted, the network failed) makes the call fail
 * with AH_ESTORE, and the next call reconnects: nothing is acknowledged
 * meanwhile, since every write fails. */
#include "store/db.h"

#include "store/schema.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Ids taken from a table's sequence at once (pg_next_id). */
#define ID_BLOCK 64

/* Statements sent in pipeline mode before the writer reads their results:
 * their answers (a few dozen bytes each) stay well inside the sockets'
 * buffers, so neither side blocks on the other. */
#define MAX_PIPED 512

/* PostgreSQL's type oids (pg_type.h is not in libpq-dev's headers). */
#define OID_BOOL    16
#define OID_INT8    20
#define OID_INT2    21
#define OID_INT4    23
#define OID_TEXT    25
#define OID_OID     26
#define OID_FLOAT4  700
#define OID_FLOAT8  701
#define OID_NUMERIC 1700

/* The advisory locks' keys: migrations ("alerth"); every node's writer
 * transaction ("alerthc"), so that they run one at a time; the sending
 * node's lease ("alerthw"), held for the life of its writer connection. */
#define MIGRATE_LOCK 0x616c65727468ULL
#define CLUSTER_LOCK 0x616c6572746863ULL
#define LEAD_LOCK    0x616c6572746877ULL

/* How often a node that does not send tries to take the lease, and how
 * long one that gave it up waits before it tries again. */
#define LEAD_TRY_US    1000000
#define LEAD_RESIGN_US 10000000

struct prepared {
    const char *sql; /* the caller's literal: the key */
    char name[16];
};

/* Ids taken from a table's identity sequence and not used yet. Unused ones
 * are lost when the node stops: ids have gaps, as after a rollback. */
struct id_block {
    const char *table; /* a string literal: the key */
    int64_t ids[ID_BLOCK];
    int next, n;
};

struct pg {
    struct ah_db base;
    struct id_block blocks[4];
    int nblocks;
    PGconn *conn;
    int writer;
    /* The shared versions (the cluster table) this node's memory is in
     * step with (-1: none yet), and those read at this transaction's
     * begin; whether the transaction wrote. */
    int64_t seen, seen_config, at, at_config;
    int dirty;
    int leader; /* holds LEAD_LOCK; atomic: the sender asks */
    int64_t lead_tried_us;
    int64_t changes;
    /* Deferred statements (pg_defer) sent in pipeline mode, results unread. */
    int piped;
    /* A deferred statement failed: the transaction cannot commit, and every
     * statement but ROLLBACK fails until it ran (@why says what failed). */
    int poisoned;
    char why[sizeof(((struct ah_error *)0)->msg)];
    struct prepared cache[160];
    int ncache, serial;
};

#define PG(d) ((struct pg *)(d))

/* SQLite's functions that the store's statements use, for PostgreSQL:
 * json_extract of a '$.key' path on JSON text, json_object of two pairs,
 * json_each of a JSON array's elements, instr, and the one printf format
 * used (two ids as 32 hex digits). */
static const char prelude[] =
    "CREATE OR REPLACE FUNCTION json_extract(doc text, path text) RETURNS text"
    " LANGUAGE sql IMMUTABLE AS"
    " $$ SELECT doc::jsonb #>> string_to_array(substr(path, 3), '.') $$;"
    "CREATE OR REPLACE FUNCTION json_object(k1 text, v1 anyelement, k2 text, v2 anyelement)"
    " RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT json_build_object(k1, v1, k2, v2)::text $$;"
    "CREATE OR REPLACE FUNCTION json_each(doc text) RETURNS TABLE(value text)"
    " LANGUAGE sql IMMUTABLE AS $$ SELECT json_array_elements_text(doc::json) $$;"
    "CREATE OR REPLACE FUNCTION instr(a text, b text) RETURNS bigint LANGUAGE sql IMMUTABLE"
    " AS $$ SELECT strpos(a, b) $$;"
    "CREATE OR REPLACE FUNCTION printf(fmt text, a bigint, b bigint) RETURNS text"
    " LANGUAGE sql IMMUTABLE AS"
    " $$ SELECT lpad(to_hex(a), 16, '0') || lpad(to_hex(b), 16, '0') $$;";

static int pg_fail(struct pg *p, PGresult *res, const char *what, struct ah_error *err)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    char text[200];
    size_t n;

    if (msg == NULL || *msg == '\0')
        msg = PQerrorMessage(p->conn);
    snprintf(text, sizeof(text), "%s", msg && *msg ? msg : "connection lost");
    n = strlen(text);
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' '))
        text[--n] = '\0';
    /* Class 23: integrity constraint violation (a unique name taken). */
    if (state != NULL && strncmp(state, "23", 2) == 0)
        return ah_error_set(err, AH_ECONFLICT, "could not %s: %s", what, text);
    return ah_error_set(err, AH_ESTORE, "could not %s: %s", what, text);
}

static int one_bool(PGconn *conn, const char *sql)
{
    PGresult *res = PQexec(conn, sql);
    int yes = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
              PQgetvalue(res, 0, 0)[0] == 't';

    PQclear(res);
    return yes;
}

/* A broken connection is reset before it is used again; its prepared
 * statements are gone with it, and so is a writer's lease: another node
 * may send meanwhile, and may write, so this node's memory is no longer in
 * step (its next transaction rebuilds it). */
static int pg_alive(struct pg *p, struct ah_error *err)
{
    if (PQstatus(p->conn) == CONNECTION_OK)
        return AH_OK;
    if (__atomic_exchange_n(&p->leader, 0, __ATOMIC_RELEASE))
        ah_log(AH_LOG_ERROR, "PostgreSQL: connection lost; this node no longer sends"
                             " deliveries until it takes the lease again");
    PQreset(p->conn);
    p->ncache = 0;
    p->piped = 0;
    p->poisoned = 0;
    p->nblocks = 0;
    p->seen = p->seen_config = -1;
    if (PQstatus(p->conn) != CONNECTION_OK)
        return pg_fail(p, NULL, "reach the database", err);
    return AH_OK;
}

/* A deferred statement failed: nothing of this transaction may commit. */
static int poison(struct pg *p, struct ah_error *err)
{
    p->poisoned = 1;
    memcpy(p->why, err->msg, sizeof(p->why));
    err->code = AH_ESTORE; /* even a constraint: memory already moved on */
    return AH_ESTORE;
}

/* Reads the answers of the deferred statements and leaves pipeline mode.
 * Their rows are not wanted; the first failure poisons the transaction. */
static int drain(struct pg *p, struct ah_error *err)
{
    struct ah_error mine;
    PGresult *res;
    int nulls = 0, rc = AH_OK;

    if (err == NULL)
        err = &mine;
    if (PQpipelineSync(p->conn) != 1)
        rc = pg_fail(p, NULL, "send statements", err);
    /* Each statement's result is followed by a NULL; the sync ends it all.
     * Two NULLs in a row: the connection broke. */
    for (;;) {
        ExecStatusType st;

        res = PQgetResult(p->conn);
        if (res == NULL) {
            if (++nulls >= 2)
                break;
            continue;
        }
        nulls = 0;
        st = PQresultStatus(res);
        if (st == PGRES_PIPELINE_SYNC) {
            PQclear(res);
            break;
        }
        if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
            p->changes = strtoll(PQcmdTuples(res), NULL, 10);
        else if (rc == AH_OK)
            rc = pg_fail(p, res, "run a deferred statement", err);
        PQclear(res);
    }
    p->piped = 0;
    if (PQexitPipelineMode(p->conn) != 1 && rc == AH_OK)
        rc = pg_fail(p, NULL, "leave pipeline mode", err);
    return rc < 0 ? poison(p, err) : AH_OK;
}

/* Before a statement that waits for its answer: the deferred ones are read
 * first, and a poisoned transaction refuses everything but its ROLLBACK. */
static int settle(struct pg *p, const char *sql, struct ah_error *err)
{
    if (p->piped > 0 && drain(p, err) < 0 && strcmp(sql, "ROLLBACK") != 0)
        return AH_ESTORE;
    if (p->poisoned) {
        if (strcmp(sql, "ROLLBACK") != 0)
            return ah_error_set(err, AH_ESTORE,
                                "an earlier statement of this transaction"
                                " failed: %s",
                                p->why);
        p->poisoned = 0;
    }
    return pg_alive(p, err);
}

/* A writer transaction that changed rows counts the shared version up at
 * its commit. Every statement of the store that changes rows begins with
 * INSERT, UPDATE or DELETE; its others are SELECTs and the transaction's
 * own (BEGIN, SAVEPOINT, RELEASE, ROLLBACK, COMMIT). */
static void note_write(struct pg *p, const char *sql)
{
    if (p->writer && (strncmp(sql, "INSERT", 6) == 0 || strncmp(sql, "UPDATE", 6) == 0 ||
                      strncmp(sql, "DELETE", 6) == 0))
        p->dirty = 1;
}

static int pg_exec(struct ah_db *d, const char *sql, struct ah_error *err)
{
    struct pg *p = PG(d);
    PGresult *res;
    int rc = settle(p, sql, err);

    if (rc < 0)
        return rc;
    res = PQexec(p->conn, sql);
    rc = PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK
             ? AH_OK
             : pg_fail(p, res, "run a statement", err);
    PQclear(res);
    return rc;
}

static void pg_close(struct ah_db *d)
{
    if (d == NULL)
        return;
    PQfinish(PG(d)->conn);
    ah_free(d);
}

/* Notices (e.g. "relation already exists, skipping") are not errors. */
static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static int pg_connect(const struct ah_store_conf *conf, int writer, struct ah_db **ret,
                      struct ah_error *err)
{
    struct pg *p = ah_xcalloc(1, sizeof(*p));
    int rc;

    p->base.drv = &ah_db_postgres;
    p->writer = writer;
    p->seen = p->seen_config = -1;
    p->conn = PQconnectdb(conf->database_url);
    if (PQstatus(p->conn) != CONNECTION_OK) {
        rc = pg_fail(p, NULL, "connect to PostgreSQL", err);
        pg_close(&p->base);
        return rc;
    }
    PQsetNoticeProcessor(p->conn, quiet, NULL);
    /* Every commit is durable before the writer answers (synchronous=full). */
    rc = pg_exec(&p->base,
                 writer ? "SET synchronous_commit = on; SET client_min_messages = warning"
                        : "SET default_transaction_read_only = on;"
                          " SET client_min_messages = warning",
                 err);
    if (rc < 0) {
        pg_close(&p->base);
        return rc;
    }
    *ret = &p->base;
    return AH_OK;
}

/* @sql with SQLite's parameters (?, ?N) as PostgreSQL's ($N), outside
 * quoted text. A bare ? is one more than the largest number so far, as in
 * SQLite. */
static char *translate(const char *sql)
{
    struct ah_buf out;
    int largest = 0;
    char quote = 0;
    const char *s;

    ah_buf_init(&out);
    for (s = sql; *s; s++) {
        if (quote) {
            if (*s == quote)
                quote = 0;
            ah_buf_append(&out, s, 1);
        } else if (*s == '\'' || *s == '"') {
            quote = *s;
            ah_buf_append(&out, s, 1);
        } else if (*s == '?') {
            char *end;
            long n = strtol(s + 1, &end, 10);

            if (end == s + 1)
                n = largest + 1;
            if (n > largest)
                largest = (int)n;
            ah_buf_printf(&out, "$%ld", n);
            s = end - 1;
        } else {
            ah_buf_append(&out, s, 1);
        }
    }
    return ah_buf_steal(&out);
}

/* The writer's prepared statement for @sql, if it was made already. */
static const char *known(const struct pg *p, const char *sql)
{
    int i;

    for (i = 0; i < p->ncache; i++)
        if (p->cache[i].sql == sql)
            return p->cache[i].name;
    return NULL;
}

/* The writer's prepared statement for @sql, made on first use. */
static int prepared(struct pg *p, const char *sql, const Oid *types, int n, const char **ret,
                    struct ah_error *err)
{
    PGresult *res;
    char *text;
    int i, rc;

    if ((*ret = known(p, sql)) != NULL)
        return AH_OK;
    if (p->ncache == (int)(sizeof(p->cache) / sizeof(p->cache[0]))) {
        *ret = NULL; /* run unprepared */
        return AH_OK;
    }
    i = p->ncache;
    snprintf(p->cache[i].name, sizeof(p->cache[i].name), "s%d", ++p->serial);
    text = translate(sql);
    res = PQprepare(p->conn, p->cache[i].name, text, n, types);
    ah_free(text);
    rc = PQresultStatus(res) == PGRES_COMMAND_OK ? AH_OK
                                                 : pg_fail(p, res, "prepare a statement", err);
    PQclear(res);
    if (rc < 0)
        return rc;
    p->cache[i].sql = sql;
    p->ncache++;
    *ret = p->cache[i].name;
    return AH_OK;
}

static void column(PGresult *res, int row, int i, struct ah_db_col *c)
{
    const char *v = PQgetvalue(res, row, i);

    c->name = PQfname(res, i);
    if (PQgetisnull(res, row, i)) {
        c->v.type = AH_DB_NULL;
        return;
    }
    switch (PQftype(res, i)) {
    case OID_BOOL:
        c->v.type = AH_DB_INT;
        c->v.i = v[0] == 't';
        return;
    case OID_INT2:
    case OID_INT4:
    case OID_INT8:
    case OID_OID:
        c->v.type = AH_DB_INT;
        c->v.i = strtoll(v, NULL, 10);
        return;
    case OID_NUMERIC:
        /* sum() of integers is numeric: a whole number stays an integer. */
        if (strpbrk(v, ".eE") == NULL) {
            c->v.type = AH_DB_INT;
            c->v.i = strtoll(v, NULL, 10);
            return;
        }
        /* fall through */
    case OID_FLOAT4:
    case OID_FLOAT8:
        c->v.type = AH_DB_REAL;
        c->v.r = strtod(v, NULL);
        return;
    default:
        c->v.type = AH_DB_TEXT;
        c->v.s = v;
    }
}

/* Parameters as text, with their declared types. */
static void params_text(const struct ah_db_value *params, int n, Oid *types, const char **values,
                        char (*nums)[32])
{
    int i;

    for (i = 0; i < n; i++) {
        types[i] = params[i].decl == AH_DB_INT    ? OID_INT8
                   : params[i].decl == AH_DB_REAL ? OID_FLOAT8
                   : params[i].decl == AH_DB_TEXT ? OID_TEXT
                                                  : 0;
        values[i] = NULL;
        if (params[i].type == AH_DB_INT) {
            snprintf(nums[i], sizeof(nums[i]), "%lld", (long long)params[i].i);
            values[i] = nums[i];
        } else if (params[i].type == AH_DB_REAL) {
            snprintf(nums[i], sizeof(nums[i]), "%.17g", params[i].r);
            values[i] = nums[i];
        } else if (params[i].type == AH_DB_TEXT) {
            values[i] = params[i].s;
        }
    }
}

static int pg_query(struct ah_db *d, const char *sql, const struct ah_db_value *params, int n,
                    ah_db_row_fn fn, void *arg, struct ah_error *err)
{
    struct pg *p = PG(d);
    struct ah_db_col cols[AH_DB_MAX_COLS];
    const char *values[AH_DB_MAX_PARAMS], *name = NULL;
    char nums[AH_DB_MAX_PARAMS][32];
    Oid types[AH_DB_MAX_PARAMS];
    PGresult *res;
    int row, i, ncols,
        rc = n > AH_DB_MAX_PARAMS ? ah_error_set(err, AH_ESTORE, "too many parameters")
                                  : settle(p, sql, err);

    if (rc < 0)
        return rc;
    note_write(p, sql);
    params_text(params, n, types, values, nums);
    if (p->writer && (rc = prepared(p, sql, types, n, &name, err)) < 0)
        return rc;
    if (name != NULL) {
        res = PQexecPrepared(p->conn, name, n, values, NULL, NULL, 0);
    } else {
        char *text = translate(sql);

        res = PQexecParams(p->conn, text, n, types, values, NULL, NULL, 0);
        ah_free(text);
    }
    if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
        rc = pg_fail(p, res, "run a statement", err);
        PQclear(res);
        return rc;
    }
    p->changes = strtoll(PQcmdTuples(res), NULL, 10);
    ncols = PQnfields(res);
    if (ncols > AH_DB_MAX_COLS) {
        PQclear(res);
        return ah_error_set(err, AH_ESTORE, "a query answers %d columns (at most %d)", ncols,
                            AH_DB_MAX_COLS);
    }
    for (row = 0; fn != NULL && row < PQntuples(res); row++) {
        for (i = 0; i < ncols; i++)
            column(res, row, i, &cols[i]);
        fn(cols, ncols, arg);
    }
    PQclear(res);
    return AH_OK;
}

/* Sends the statement in pipeline mode and returns at once: the writer's
 * transaction goes on while the server works, and the answers are read at
 * the next statement that waits (at the latest the COMMIT). The first run
 * of a statement waits, which also prepares it. */
static int pg_defer(struct ah_db *d, const char *sql, const struct ah_db_value *params, int n,
                    struct ah_error *err)
{
    struct pg *p = PG(d);
    const char *values[AH_DB_MAX_PARAMS], *name;
    char nums[AH_DB_MAX_PARAMS][32];
    Oid types[AH_DB_MAX_PARAMS];
    int rc;

    /* A reset connection has lost its prepared statements: look after. */
    if (p->writer && p->piped == 0 && !p->poisoned && (rc = pg_alive(p, err)) < 0)
        return rc;
    name = known(p, sql);
    if (!p->writer || name == NULL || n > AH_DB_MAX_PARAMS || p->piped >= MAX_PIPED || p->poisoned)
        return pg_query(d, sql, params, n, NULL, NULL, err);
    if (p->piped == 0 && PQenterPipelineMode(p->conn) != 1)
        return pg_fail(p, NULL, "enter pipeline mode", err);
    note_write(p, sql);
    params_text(params, n, types, values, nums);
    if (PQsendQueryPrepared(p->conn, name, n, values, NULL, NULL, 0) != 1) {
        (void)pg_fail(p, NULL, "send a statement", err);
        return poison(p, err);
    }
    p->piped++;
    return AH_OK;
}

static void take_ids(const struct ah_db_col *cols, int n, void *arg)
{
    struct id_block *b = arg;

    if (n > 0 && cols[0].v.type == AH_DB_INT && b->n < ID_BLOCK)
        b->ids[b->n++] = cols[0].v.i;
}

/* Ids come from the table's sequence, ID_BLOCK at a time: an insert that
 * carries its id answers nothing, so the writer can pipeline it. */
static int pg_next_id(struct ah_db *d, const char *table, int64_t *ret, struct ah_error *err)
{
    struct pg *p = PG(d);
    struct ah_db_value v[2] = {{.type = AH_DB_TEXT, .decl = AH_DB_TEXT, .s = table},
                               {.type = AH_DB_INT, .decl = AH_DB_INT, .i = ID_BLOCK}};
    struct id_block one = {.table = table}, *b = NULL;
    int i, rc;

    *ret = 0;
    for (i = 0; i < p->nblocks && b == NULL; i++)
        if (p->blocks[i].table == table)
            b = &p->blocks[i];
    if (b == NULL && p->nblocks < (int)(sizeof(p->blocks) / sizeof(p->blocks[0]))) {
        b = &p->blocks[p->nblocks++];
        b->table = table;
    } else if (b == NULL) {
        b = &one; /* more tables than blocks: one id, not kept */
        v[1].i = 1;
    }
    if (b->next == b->n) {
        b->next = b->n = 0;
        rc = pg_query(d,
                      "SELECT nextval(pg_get_serial_sequence(?1, 'id'))"
                      " FROM generate_series(1, ?2)",
                      v, 2, take_ids, b, err);
        if (rc < 0)
            return rc;
        if (b->n == 0)
            return ah_error_set(err, AH_ESTORE, "no ids from the sequence of %s", table);
    }
    *ret = b->ids[b->next++];
    return AH_OK;
}

/* The value the last INSERT took from an identity column's sequence, in
 * this session (lastval()). */
static int64_t pg_last_id(struct ah_db *d)
{
    PGresult *res;
    int64_t id = 0;

    if (settle(PG(d), "SELECT lastval()", NULL) < 0)
        return 0;
    res = PQexec(PG(d)->conn, "SELECT lastval()");

    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
        id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return id;
}

static int64_t pg_changes(struct ah_db *d)
{
    if (PG(d)->piped > 0)
        (void)drain(PG(d), NULL);
    return PG(d)->changes;
}

static int pg_in_tx(struct ah_db *d)
{
    if (PG(d)->piped > 0)
        (void)drain(PG(d), NULL);
    return PQtransactionStatus(PG(d)->conn) != PQTRANS_IDLE;
}

/* A migration in PostgreSQL's types: 64-bit integers everywhere (SQLite's
 * INTEGER is 64-bit), identity columns for AUTOINCREMENT ids. */
static char *ddl(const char *sql)
{
    static const struct {
        const char *from, *to;
    } map[] = {
        {"INTEGER PRIMARY KEY AUTOINCREMENT",
         "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"},
        {"id INTEGER PRIMARY KEY,", "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"},
        {"INTEGER", "BIGINT"},
    };
    struct ah_buf out;
    const char *s = sql;
    size_t i;

    ah_buf_init(&out);
    while (*s) {
        for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
            size_t n = strlen(map[i].from);

            if (strncmp(s, map[i].from, n) == 0) {
                ah_buf_printf(&out, "%s", map[i].to);
                s += n;
                break;
            }
        }
        if (i == sizeof(map) / sizeof(map[0]))
            ah_buf_append(&out, s++, 1);
    }
    return ah_buf_steal(&out);
}

static void take_int(const struct ah_db_col *cols, int n, void *arg)
{
    if (n > 0 && cols[0].v.type == AH_DB_INT)
        *(int64_t *)arg = cols[0].v.i;
}

/* All in one transaction under a transaction-scoped advisory lock: nodes
 * that start together wait for each other, and the second finds the schema
 * migrated. */
static int pg_migrate(struct ah_db *d, struct ah_error *err)
{
    char sql[96];
    int64_t version = 0;
    size_t i;
    int rc = pg_exec(d, "BEGIN", err);

    if (rc < 0)
        return rc;
    snprintf(sql, sizeof(sql), "SELECT pg_advisory_xact_lock(%llu)",
             (unsigned long long)MIGRATE_LOCK);
    rc = pg_exec(d, sql, err);
    if (rc == AH_OK)
        rc = pg_exec(d, "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)", err);
    if (rc == AH_OK)
        rc = pg_query(d, "SELECT coalesce(max(version), 0) FROM schema_version", NULL, 0, take_int,
                      &version, err);
    if (rc == AH_OK && version > (int64_t)ah_schema_migration_count)
        rc = ah_error_set(err, AH_ESTORE,
                          "database schema version %lld is newer than this alerthub (%zu)",
                          (long long)version, ah_schema_migration_count);
    if (rc == AH_OK && version == 0)
        rc = pg_exec(d, prelude, err);
    for (i = (size_t)version; rc == AH_OK && i < ah_schema_migration_count; i++) {
        char *text = ddl(ah_schema_migrations[i]);

        rc = pg_exec(d, text, err);
        ah_free(text);
    }
    if (rc == AH_OK && (size_t)version < ah_schema_migration_count) {
        snprintf(sql, sizeof(sql),
                 "DELETE FROM schema_version; INSERT INTO schema_version"
                 " VALUES (%zu)",
                 ah_schema_migration_count);
        rc = pg_exec(d, sql, err);
    }
    if (rc == AH_OK)
        return pg_exec(d, "COMMIT", err);
    (void)pg_exec(d, "ROLLBACK", NULL);
    return rc;
}

static void take_versions(const struct ah_db_col *cols, int n, void *arg)
{
    struct pg *p = arg;

    if (n == 2 && cols[0].v.type == AH_DB_INT && cols[1].v.type == AH_DB_INT) {
        p->at = cols[0].v.i;
        p->at_config = cols[1].v.i;
    }
}

/* Reads the shared versions into p->at and p->at_config. */
static int read_versions(struct pg *p, struct ah_error *err)
{
    int rc;

    p->at = p->at_config = -2;
    rc = pg_query(&p->base, "SELECT version, config FROM cluster WHERE id = 1", NULL, 0,
                  take_versions, p, err);
    if (rc == AH_OK && p->at < 0)
        rc = ah_error_set(err, AH_ESTORE, "the cluster table has no row");
    return rc;
}

/* What the versions just read say that this node has not seen. */
static int stale_bits(const struct pg *p)
{
    return (p->at != p->seen ? AH_STORE_STALE_DATA : 0) |
           (p->at_config != p->seen_config ? AH_STORE_STALE_CONFIG : 0);
}

/* The lease of the node that sends deliveries: a session advisory lock on
 * the writer's connection, so it ends when the node dies or its connection
 * breaks. A node without it tries again at most once a second (at its next
 * transaction: the writer begins one every few seconds even when idle). */
static void try_lead(struct pg *p)
{
    char sql[80];

    if (__atomic_load_n(&p->leader, __ATOMIC_ACQUIRE) ||
        ah_monotonic_us() - p->lead_tried_us < LEAD_TRY_US)
        return;
    p->lead_tried_us = ah_monotonic_us();
    snprintf(sql, sizeof(sql), "SELECT pg_try_advisory_lock(%llu)", (unsigned long long)LEAD_LOCK);
    if (one_bool(p->conn, sql)) {
        __atomic_store_n(&p->leader, 1, __ATOMIC_RELEASE);
        ah_log(AH_LOG_INFO, "PostgreSQL: this node now sends the deliveries");
    }
}

/* Every node writes (docs/deploy.md), one transaction at a time: each
 * takes a transaction-scoped advisory lock, so it runs on everything the
 * others committed, and reads the shared versions to see whether any did
 * since this node's memory was in step. The lock is asked in the same
 * round trip as BEGIN; the versions are read after it was granted (a
 * statement's snapshot is taken when it starts). */
static int pg_sync(struct ah_db *d, int *stale, struct ah_error *err)
{
    struct pg *p = PG(d);
    struct ah_db_value key = {.type = AH_DB_INT, .decl = AH_DB_INT, .i = (int64_t)CLUSTER_LOCK};
    int rc = pg_defer(d, "SELECT pg_advisory_xact_lock(?1)", &key, 1, err);

    *stale = 0;
    p->dirty = 0;
    if (rc == AH_OK)
        rc = read_versions(p, err);
    if (rc < 0)
        return rc;
    try_lead(p);
    *stale = stale_bits(p);
    /* Ids taken before another node wrote would sort before its rows: new
     * ones keep ids in commit order across the nodes. */
    if (*stale & AH_STORE_STALE_DATA)
        p->nblocks = 0;
    return AH_OK;
}

static int pg_peek(struct ah_db *d)
{
    struct pg *p = PG(d);

    return read_versions(p, NULL) == AH_OK ? stale_bits(p) : 0;
}

static void pg_synced(struct ah_db *d, int what)
{
    struct pg *p = PG(d);

    if (what & AH_STORE_STALE_DATA)
        p->seen = p->at;
    if (what & AH_STORE_STALE_CONFIG)
        p->seen_config = p->at_config;
}

/* A transaction that wrote counts the versions up and logs what it
 * changed with its last statements (no round trip of their own). Memory
 * in step before it is in step after; memory that was not stays so. */
static int pg_commit(struct ah_db *d, const struct ah_db_log *log, struct ah_error *err)
{
    struct pg *p = PG(d);
    struct ah_db_value row[5] = {{.type = AH_DB_INT, .decl = AH_DB_INT, .i = p->at + 1},
                                 {.type = AH_DB_TEXT, .decl = AH_DB_TEXT, .s = log->alerts},
                                 {.type = AH_DB_TEXT, .decl = AH_DB_TEXT, .s = log->incidents},
                                 {.type = AH_DB_TEXT, .decl = AH_DB_TEXT, .s = log->flaps},
                                 {.type = AH_DB_INT, .decl = AH_DB_INT, .i = log->everything}};
    int rc = AH_OK, config = log->config;

    if (p->dirty)
        rc = pg_defer(d,
                      config ? "UPDATE cluster SET version = version + 1,"
                               " config = config + 1 WHERE id = 1"
                             : "UPDATE cluster SET version = version + 1 WHERE id = 1",
                      NULL, 0, err);
    if (rc == AH_OK && p->dirty)
        rc = pg_defer(d,
                      "INSERT INTO cluster_log(version, alerts, incidents, flaps, everything)"
                      " VALUES (?1, ?2, ?3, ?4, ?5)",
                      row, 5, err);
    if (rc == AH_OK)
        rc = pg_exec(d, "COMMIT", err);
    if (rc < 0)
        return rc;
    if (p->dirty && p->seen == p->at)
        p->seen++;
    if (p->dirty && config && p->seen_config == p->at_config)
        p->seen_config++;
    p->dirty = 0;
    return AH_OK;
}

static void pg_resign(struct ah_db *d)
{
    struct pg *p = PG(d);
    char sql[80];

    if (!__atomic_exchange_n(&p->leader, 0, __ATOMIC_RELEASE))
        return;
    snprintf(sql, sizeof(sql), "SELECT pg_advisory_unlock(%llu)", (unsigned long long)LEAD_LOCK);
    (void)one_bool(p->conn, sql);
    p->lead_tried_us = ah_monotonic_us() + LEAD_RESIGN_US - LEAD_TRY_US;
    ah_log(AH_LOG_INFO, "PostgreSQL: other nodes do the writing; this node hands the"
                        " deliveries and timers over to one of them");
}

static void pg_versions(struct ah_db *d, int64_t *seen, int64_t *at)
{
    *seen = PG(d)->seen;
    *at = PG(d)->at;
}

static int pg_leads(struct ah_db *d)
{
    return __atomic_load_n(&PG(d)->leader, __ATOMIC_ACQUIRE);
}

static int pg_lead(struct ah_db *d)
{
    struct pg *p = PG(d);

    if (pg_alive(p, NULL) == AH_OK)
        try_lead(p);
    return pg_leads(d);
}

/* Migrates, then notes the versions the node starts in step with (its
 * start-up loads read after this) and tries for the lease. */
static int pg_setup(struct ah_db *d, struct ah_error *err)
{
    struct pg *p = PG(d);
    int rc = pg_migrate(d, err);

    if (rc == AH_OK)
        rc = read_versions(p, err);
    if (rc < 0)
        return rc;
    p->seen = p->at;
    p->seen_config = p->at_config;
    try_lead(p);
    return AH_OK;
}

/* An identity column keeps its own counter: after ids were copied in, it
 * must continue after the highest. */
static int pg_after_copy(struct ah_db *d, const char *table, struct ah_error *err)
{
    struct ah_db_value name = {.type = AH_DB_TEXT, .decl = AH_DB_TEXT, .s = table};
    char sql[256];
    int64_t identity = 0;
    int rc = pg_query(d,
                      "SELECT count(*) FROM information_schema.columns WHERE table_name = ?1"
                      " AND column_name = 'id' AND is_identity = 'YES'",
                      &name, 1, take_int, &identity, err);

    if (rc < 0 || identity == 0)
        return rc;
    snprintf(sql, sizeof(sql),
             "SELECT setval(pg_get_serial_sequence('%s', 'id'),"
             " (SELECT coalesce(max(id), 0) + 1 FROM %s), false)",
             table, table);
    return pg_exec(d, sql, err);
}

static char version_text[16];

static void version_once(void)
{
    int v = PQlibVersion();

    snprintf(version_text, sizeof(version_text), "%d.%d", v / 10000, v % 10000);
}

static const char *pg_version(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;

    pthread_once(&once, version_once);
    return version_text;
}

const struct ah_db_driver ah_db_postgres = {
    .engine = "postgres",
    .version = pg_version,
    .connect = pg_connect,
    .close = pg_close,
    .query = pg_query,
    .defer = pg_defer,
    .next_id = pg_next_id,
    .exec = pg_exec,
    .last_id = pg_last_id,
    .changes = pg_changes,
    .in_tx = pg_in_tx,
    .migrate = pg_setup,
    .begin_sql = "BEGIN",
    .sync = pg_sync,
    .peek = pg_peek,
    .synced = pg_synced,
    .commit = pg_commit,
    .versions = pg_versions,
    .leads = pg_leads,
    .lead = pg_lead,
    .resign = pg_resign,
    .reclaim_sql = NULL, /* autovacuum's work */
    .after_copy = pg_after_copy,
};
