/* sqlite_util.c - see sqlite_util.h. */
#include "store/sqlite_util.h"

#include "util/alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void ah_sql_cache_init(struct ah_sql_cache *c, sqlite3 *db)
{
    c->db = db;
    c->n = 0;
}

void ah_sql_cache_done(struct ah_sql_cache *c)
{
    int i;

    for (i = 0; i < c->n; i++)
        sqlite3_finalize(c->e[i].st);
    c->n = 0;
}

int ah_sql_error(sqlite3 *db, const char *what, struct ah_error *err)
{
    int code = sqlite3_extended_errcode(db);

    if ((code & 0xff) == SQLITE_CONSTRAINT)
        return ah_error_set(err, AH_ECONFLICT, "could not %s: %s", what, sqlite3_errmsg(db));
    return ah_error_set(err, AH_ESTORE, "could not %s: %s", what, sqlite3_errmsg(db));
}

int ah_sql_exec(sqlite3 *db, const char *sql, struct ah_error *err)
{
    char *msg = NULL;

    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        ah_error_set(err, AH_ESTORE, "could not run \"%.40s\": %s", sql,
                     msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return AH_ESTORE;
    }
    return AH_OK;
}

static int bind(sqlite3_stmt *st, const char *fmt, va_list ap)
{
    int i, rc = SQLITE_OK;

    for (i = 0; fmt[i] && rc == SQLITE_OK; i++) {
        int pos = i + 1;

        if (fmt[i] == 'i') {
            rc = sqlite3_bind_int64(st, pos, va_arg(ap, int64_t));
        } else if (fmt[i] == 'z') {
            int64_t v = va_arg(ap, int64_t);

            rc = v ? sqlite3_bind_int64(st, pos, v) : sqlite3_bind_null(st, pos);
        } else if (fmt[i] == 's') {
            const char *s = va_arg(ap, const char *);

            rc = s ? sqlite3_bind_text(st, pos, s, -1, SQLITE_TRANSIENT)
                   : sqlite3_bind_null(st, pos);
        } else if (fmt[i] == 'j') {
            const json_t *j = va_arg(ap, const json_t *);
            char *text = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

            rc = text ? sqlite3_bind_text(st, pos, text, -1, free) : sqlite3_bind_null(st, pos);
        }
    }
    return rc;
}

/* Returns a ready statement: from the cache (reset) or newly prepared (the
 * caller finalizes it when @c is NULL). */
static int prepare(sqlite3 *db, struct ah_sql_cache *c, const char *sql, sqlite3_stmt **ret,
                   struct ah_error *err)
{
    int i;

    if (c != NULL) {
        for (i = 0; i < c->n; i++) {
            if (c->e[i].sql == sql) {
                sqlite3_reset(c->e[i].st);
                sqlite3_clear_bindings(c->e[i].st);
                *ret = c->e[i].st;
                return AH_OK;
            }
        }
        db = c->db;
    }
    if (sqlite3_prepare_v3(db, sql, -1, c ? SQLITE_PREPARE_PERSISTENT : 0, ret, NULL) != SQLITE_OK)
        return ah_sql_error(db, "prepare a statement", err);
    if (c != NULL && c->n < (int)(sizeof(c->e) / sizeof(c->e[0]))) {
        c->e[c->n].sql = sql;
        c->e[c->n].st = *ret;
        c->n++;
    }
    return AH_OK;
}

/* Statements outside the cache are finalized; cached ones just reset. */
static void finish(struct ah_sql_cache *c, sqlite3_stmt *st)
{
    int i;

    if (c != NULL) {
        for (i = 0; i < c->n; i++) {
            if (c->e[i].st == st) {
                sqlite3_reset(st);
                return;
            }
        }
    }
    sqlite3_finalize(st);
}

static int start(sqlite3 *db, struct ah_sql_cache *c, const char *sql, sqlite3_stmt **st,
                 struct ah_error *err, const char *fmt, va_list ap)
{
    int rc = prepare(db, c, sql, st, err);

    if (rc < 0)
        return rc;
    if (bind(*st, fmt, ap) != SQLITE_OK) {
        rc = ah_sql_error(sqlite3_db_handle(*st), "bind a parameter", err);
        finish(c, *st);
        return rc;
    }
    return AH_OK;
}

int ah_sql_run(struct ah_sql_cache *c, const char *sql, struct ah_error *err, const char *fmt, ...)
{
    sqlite3_stmt *st;
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = start(c->db, c, sql, &st, err, fmt, ap);
    va_end(ap);
    if (rc < 0)
        return rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        ;
    rc = rc == SQLITE_DONE ? AH_OK : ah_sql_error(c->db, "write to the database", err);
    finish(c, st);
    return rc;
}

int ah_sql_int(sqlite3 *db, struct ah_sql_cache *c, const char *sql, int64_t *ret,
               struct ah_error *err, const char *fmt, ...)
{
    sqlite3_stmt *st;
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = start(db, c, sql, &st, err, fmt, ap);
    va_end(ap);
    if (rc < 0)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *ret = sqlite3_column_int64(st, 0);
    rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? AH_OK
                                               : ah_sql_error(sqlite3_db_handle(st), "query", err);
    finish(c, st);
    return rc;
}

int ah_sql_text(sqlite3 *db, struct ah_sql_cache *c, const char *sql, char **ret,
                struct ah_error *err, const char *fmt, ...)
{
    sqlite3_stmt *st;
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = start(db, c, sql, &st, err, fmt, ap);
    va_end(ap);
    if (rc < 0)
        return rc;
    *ret = NULL;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        *ret = ah_xstrdup((const char *)sqlite3_column_text(st, 0));
    rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? AH_OK
                                               : ah_sql_error(sqlite3_db_handle(st), "query", err);
    finish(c, st);
    return rc;
}

/* Columns that hold JSON text. */
static int is_json_column(const char *name)
{
    static const char *const names[] = {"labels",
                                        "images",
                                        "reason",
                                        "rule",
                                        "detail",
                                        "grouping",
                                        "flapping",
                                        "routes",
                                        "enrichment",
                                        "pipeline",
                                        "source_labels",
                                        "result_labels",
                                        "contacts",
                                        "settings",
                                        "channel_ids",
                                        "event_types",
                                        "person",
                                        "escalations",
                                        "disable_auto_close",
                                        "member_ids",
                                        "layers"};
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(name, names[i]) == 0)
            return 1;
    }
    return 0;
}

/* A column as JSON: ids become strings (api.md: ids are strings), labels and
 * images are parsed back into JSON, other values keep their type. */
static json_t *column_json(sqlite3_stmt *st, int i)
{
    const char *name = sqlite3_column_name(st, i);
    size_t n = strlen(name);
    int type = sqlite3_column_type(st, i);

    if (type == SQLITE_NULL)
        return json_null();
    /* (Only integers: an "event_id" is text, 32 hex digits.) */
    if (type == SQLITE_INTEGER &&
        (strcmp(name, "id") == 0 || (n > 3 && strcmp(name + n - 3, "_id") == 0))) {
        char id[24];

        /* 0 in a reference column means "none" (a held alert's incident). */
        if (sqlite3_column_int64(st, i) == 0 && type == SQLITE_INTEGER)
            return json_null();
        snprintf(id, sizeof(id), "%lld", (long long)sqlite3_column_int64(st, i));
        return json_string(id);
    }
    if (type == SQLITE_TEXT && is_json_column(name)) {
        json_t *j = json_loads((const char *)sqlite3_column_text(st, i), JSON_DECODE_ANY, NULL);

        /* A plain word in a column of that name (a delivery's "reason"). */
        return j ? j : json_string((const char *)sqlite3_column_text(st, i));
    }
    if (type == SQLITE_INTEGER)
        return json_integer((json_int_t)sqlite3_column_int64(st, i));
    if (type == SQLITE_FLOAT)
        return json_real(sqlite3_column_double(st, i));
    return json_string((const char *)sqlite3_column_text(st, i));
}

int ah_sql_rows(sqlite3 *db, struct ah_sql_cache *c, const char *sql, json_t **ret,
                struct ah_error *err, const char *fmt, ...)
{
    sqlite3_stmt *st;
    json_t *rows;
    va_list ap;
    int rc, i;

    va_start(ap, fmt);
    rc = start(db, c, sql, &st, err, fmt, ap);
    va_end(ap);
    if (rc < 0)
        return rc;
    rows = json_array();
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *row = json_object();

        for (i = 0; i < sqlite3_column_count(st); i++)
            json_object_set_new(row, sqlite3_column_name(st, i), column_json(st, i));
        json_array_append_new(rows, row);
    }
    if (rc != SQLITE_DONE) {
        rc = ah_sql_error(sqlite3_db_handle(st), "query", err);
        json_decref(rows);
        finish(c, st);
        return rc;
    }
    finish(c, st);
    *ret = rows;
    return AH_OK;
}
