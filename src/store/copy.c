/* copy.c - every row of one store into another (store.h, ah_store_copy):
 * `alerthub migrate` moves a SQLite installation to PostgreSQL.
 *
 * The source is read in one read transaction (one consistent state); the
 * destination, freshly migrated and empty, is written in one transaction,
 * table by table in the order of the schema, ids kept, so that nothing
 * half-copied is ever visible. Afterwards the destination's id sequences
 * continue after the highest copied id (the driver's after_copy). */
#include "store/db.h"
#include "store/sql.h"
#include "store/store.h"

#include "util/alloc.h"
#include "util/buf.h"

#include <string.h>

/* Every table, parents first. schema_version and SQLite's own tables are
 * the engines' business, not copied. */
static const char *const tables[] = {
    "meta",
    "channels",
    "integrations",
    "incidents",
    "alerts",
    "events",
    "push_retries",
    "silences",
    "inhibits",
    "incident_feed",
    "route_channels",
    "mapping_schemas",
    "enrich_mappings",
    "members",
    "notify_targets",
    "target_channels",
    "escalation_refs",
    "escalations",
    "timers",
    "deliveries",
    "teams",
    "schedules",
    "schedule_overrides",
    "member_refs",
    "target_cursors",
    "api_tokens",
    "flaps",
    "sessions",
};

#define NTABLES (sizeof(tables) / sizeof(tables[0]))

struct table_copy {
    const char *table;
    struct ah_db *to;
    char **insert; /* built from the first row's columns; freed at the end */
    int64_t rows;
    int rc;
    struct ah_error *err;
};

static char *insert_sql(const char *table, const struct ah_db_col *cols, int n)
{
    struct ah_buf b;
    int i;

    ah_buf_init(&b);
    ah_buf_printf(&b, "INSERT INTO %s(", table);
    for (i = 0; i < n; i++)
        ah_buf_printf(&b, "%s\"%s\"", i ? ", " : "", cols[i].name);
    ah_buf_printf(&b, ") VALUES (");
    for (i = 0; i < n; i++)
        ah_buf_printf(&b, "%s?%d", i ? ", " : "", i + 1);
    ah_buf_printf(&b, ")");
    return ah_buf_steal(&b);
}

static void copy_row(const struct ah_db_col *cols, int n, void *arg)
{
    struct table_copy *t = arg;
    struct ah_db_value p[AH_DB_MAX_COLS];
    int i;

    if (t->rc < 0)
        return;
    if (n > AH_DB_MAX_COLS) {
        t->rc = ah_error_set(t->err, AH_ESTORE, "%s has more than %d columns", t->table,
                             AH_DB_MAX_COLS);
        return;
    }
    if (*t->insert == NULL)
        *t->insert = insert_sql(t->table, cols, n);
    for (i = 0; i < n; i++) {
        p[i] = cols[i].v;
        /* Typed by the value (a NULL by the server, from the column). */
        p[i].decl = cols[i].v.type;
    }
    t->rc = t->to->drv->query(t->to, *t->insert, p, n, NULL, NULL, t->err);
    t->rows++;
}

/* The destination must be new: a copy over data would mix two histories. */
static int refuse_unless_empty(struct ah_db *to, struct ah_error *err)
{
    int64_t n = 0;
    int rc = ah_sql_int(to,
                        "SELECT (SELECT count(*) FROM meta) + (SELECT count(*) FROM channels)"
                        " + (SELECT count(*) FROM events)",
                        &n, err, "");

    if (rc == AH_OK && n > 0)
        return ah_error_set(err, AH_ECONFLICT,
                            "the destination database is not empty (%lld rows): migrate into a"
                            " new database",
                            (long long)n);
    return rc;
}

static int copy_all(struct ah_db *from, struct ah_db *to, char **inserts,
                    void (*progress)(const char *table, int64_t rows, void *arg), void *arg,
                    struct ah_error *err)
{
    size_t i;
    int rc = AH_OK;

    for (i = 0; rc == AH_OK && i < NTABLES; i++) {
        char sql[64];
        struct table_copy t = {.table = tables[i], .to = to, .insert = &inserts[i], .err = err};

        snprintf(sql, sizeof(sql), "SELECT * FROM %s", tables[i]);
        rc = from->drv->query(from, sql, NULL, 0, copy_row, &t, err);
        if (rc == AH_OK)
            rc = t.rc;
        if (rc == AH_OK && to->drv->after_copy != NULL)
            rc = to->drv->after_copy(to, tables[i], err);
        if (rc == AH_OK && progress != NULL)
            progress(tables[i], t.rows, arg);
    }
    return rc;
}

int ah_store_copy(struct ah_store *from, struct ah_store *to,
                  void (*progress)(const char *table, int64_t rows, void *arg), void *arg,
                  struct ah_error *err)
{
    struct ah_db *src, *dst = ah_store_wdb(to);
    char *inserts[NTABLES] = {0};
    size_t i;
    int rc = ah_store_reader_get(from, &src, err);

    if (rc < 0)
        return rc;
    rc = ah_sql_exec(src, "BEGIN", err);
    if (rc == AH_OK)
        rc = ah_sql_exec(dst, "BEGIN", err);
    if (rc == AH_OK)
        rc = refuse_unless_empty(dst, err);
    if (rc == AH_OK)
        rc = copy_all(src, dst, inserts, progress, arg, err);
    if (rc == AH_OK)
        rc = ah_sql_exec(dst, "COMMIT", err);
    else
        (void)ah_sql_exec(dst, "ROLLBACK", NULL);
    (void)ah_sql_exec(src, "COMMIT", NULL);
    ah_store_reader_put(from, src);
    for (i = 0; i < NTABLES; i++)
        ah_free(inserts[i]);
    return rc;
}
