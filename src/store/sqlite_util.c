/* sqlite_util.c - see sqlite_util.h. */
#include "store/sqlite_util.h"
#include "store/store.h"

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

            /* Static: every string outlives the call that binds it, and
             * SQLite reads it only while stepping: no copy. */
            rc = s ? sqlite3_bind_text(st, pos, s, -1, SQLITE_STATIC) : sqlite3_bind_null(st, pos);
        } else if (fmt[i] == 'j' || fmt[i] == 'J') {
            const json_t *j = va_arg(ap, const json_t *);
            const char *ready = fmt[i] == 'J' ? va_arg(ap, const char *) : NULL;
            char *text = ready == NULL && j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

            rc = ready  ? sqlite3_bind_text(st, pos, ready, -1, SQLITE_STATIC)
                 : text ? sqlite3_bind_text(st, pos, text, -1, free)
                        : sqlite3_bind_null(st, pos);
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

static void take_int(sqlite3_stmt *st, void *ret)
{
    *(int64_t *)ret = sqlite3_column_int64(st, 0);
}

static void take_text(sqlite3_stmt *st, void *ret)
{
    if (sqlite3_column_type(st, 0) != SQLITE_NULL)
        *(char **)ret = ah_xstrdup((const char *)sqlite3_column_text(st, 0));
}

/* Runs a one-value query; @take stores the first column of its row in
 * @ret, and is not called when there is no row. */
static int one_value(sqlite3 *db, struct ah_sql_cache *c, const char *sql,
                     void (*take)(sqlite3_stmt *st, void *ret), void *ret, struct ah_error *err,
                     const char *fmt, va_list ap)
{
    sqlite3_stmt *st;
    int rc = start(db, c, sql, &st, err, fmt, ap);

    if (rc < 0)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        take(st, ret);
    rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? AH_OK
                                               : ah_sql_error(sqlite3_db_handle(st), "query", err);
    finish(c, st);
    return rc;
}

int ah_sql_int(sqlite3 *db, struct ah_sql_cache *c, const char *sql, int64_t *ret,
               struct ah_error *err, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = one_value(db, c, sql, take_int, ret, err, fmt, ap);
    va_end(ap);
    return rc;
}

int ah_sql_text(sqlite3 *db, struct ah_sql_cache *c, const char *sql, char **ret,
                struct ah_error *err, const char *fmt, ...)
{
    va_list ap;
    int rc;

    *ret = NULL;
    va_start(ap, fmt);
    rc = one_value(db, c, sql, take_text, ret, err, fmt, ap);
    va_end(ap);
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

/* Calls @fn with each row as an object (row_json), one at a time. */
static int each_v(sqlite3 *db, struct ah_sql_cache *c, const char *sql,
                  void (*fn)(json_t *row, void *arg), void *arg, struct ah_error *err,
                  const char *fmt, va_list ap)
{
    sqlite3_stmt *st;
    int i, rc = start(db, c, sql, &st, err, fmt, ap);

    if (rc < 0)
        return rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *row = json_object();

        for (i = 0; i < sqlite3_column_count(st); i++)
            json_object_set_new(row, sqlite3_column_name(st, i), column_json(st, i));
        fn(row, arg);
        json_decref(row);
    }
    rc = rc == SQLITE_DONE ? AH_OK : ah_sql_error(sqlite3_db_handle(st), "query", err);
    finish(c, st);
    return rc;
}

static void append_row(json_t *row, void *rows)
{
    json_array_append(rows, row);
}

static int rows_v(sqlite3 *db, struct ah_sql_cache *c, const char *sql, json_t **ret,
                  struct ah_error *err, const char *fmt, va_list ap)
{
    json_t *rows = json_array();
    int rc = each_v(db, c, sql, append_row, rows, err, fmt, ap);

    if (rc < 0) {
        json_decref(rows);
        return rc;
    }
    *ret = rows;
    return AH_OK;
}

int ah_sql_each(sqlite3 *db, const char *sql, void (*fn)(json_t *row, void *arg), void *arg,
                struct ah_error *err, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = each_v(db, NULL, sql, fn, arg, err, fmt, ap);
    va_end(ap);
    return rc;
}

int ah_sql_rows(sqlite3 *db, struct ah_sql_cache *c, const char *sql, json_t **ret,
                struct ah_error *err, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = rows_v(db, c, sql, ret, err, fmt, ap);
    va_end(ap);
    return rc;
}

int ah_sql_first(sqlite3 *db, struct ah_sql_cache *c, const char *sql, json_t **ret,
                 struct ah_error *err, const char *fmt, ...)
{
    json_t *rows = NULL;
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = rows_v(db, c, sql, &rows, err, fmt, ap);
    va_end(ap);
    if (rc < 0)
        return rc;
    *ret = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    return AH_OK;
}

/* ================= rows of the API's resources ================= */

const char *ah_sql_str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

const json_t *ah_sql_array_or_null(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);

    return json_is_array(v) ? v : NULL;
}

int ah_sql_one(json_t *rows, const char *what, int64_t id, json_t **ret, struct ah_error *err)
{
    if (json_array_size(rows) == 0) {
        json_decref(rows);
        return ah_error_set(err, AH_ENOTFOUND, "%s \"%lld\" does not exist", what, (long long)id);
    }
    *ret = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    return AH_OK;
}

int ah_sql_get(sqlite3 *db, struct ah_sql_cache *c, const char *sql, const char *what, int64_t id,
               json_t **ret, struct ah_error *err)
{
    json_t *rows;
    int rc = ah_sql_rows(db, c, sql, &rows, err, "i", id);

    return rc < 0 ? rc : ah_sql_one(rows, what, id, ret, err);
}

json_t *ah_sql_page_of(json_t *rows, const struct ah_page *page)
{
    json_t *next = json_null();
    size_t n = json_array_size(rows);

    if (n > (size_t)page->limit) {
        json_array_remove(rows, n - 1);
        next = json_incref(json_object_get(json_array_get(rows, n - 2), "id"));
    }
    return json_pack("{soso}", "items", rows, "next_cursor", next);
}

int ah_sql_list(sqlite3 *db, const char *sql, const struct ah_page *page, json_t **ret,
                struct ah_error *err)
{
    json_t *rows;
    int rc = ah_sql_rows(db, NULL, sql, &rows, err, "ii", page->cursor, (int64_t)page->limit + 1);

    if (rc < 0)
        return rc;
    *ret = ah_sql_page_of(rows, page);
    return AH_OK;
}

int ah_sql_exists(sqlite3 *db, struct ah_sql_cache *c, const char *sql, const char *what,
                  int64_t id, struct ah_error *err)
{
    int64_t n = 0;
    int rc = ah_sql_int(db, c, sql, &n, err, "i", id);

    if (rc < 0)
        return rc;
    if (n == 0)
        return ah_error_set(err, AH_ENOTFOUND, "%s \"%lld\" does not exist", what, (long long)id);
    return AH_OK;
}

int ah_sql_saved(struct ah_sql_cache *c, int rc, const char *what, const char *name, int64_t *id,
                 struct ah_error *err)
{
    if (rc == AH_ECONFLICT)
        return ah_error_set(err, AH_ECONFLICT, "a %s named \"%s\" already exists", what, name);
    if (rc < 0)
        return rc;
    if (*id == 0)
        *id = sqlite3_last_insert_rowid(c->db);
    else if (sqlite3_changes(c->db) == 0)
        return ah_error_set(err, AH_ENOTFOUND, "%s \"%lld\" does not exist", what, (long long)*id);
    return AH_OK;
}

void ah_sql_conflict_others(struct ah_error *err, int64_t others, const char *things)
{
    size_t used;

    if (others <= 0 || err == NULL)
        return;
    used = strlen(err->msg);
    snprintf(err->msg + used, sizeof(err->msg) - used, " and %lld other %s", (long long)others,
             things);
}

int ah_sql_refused_while_used(struct ah_store_tx *tx, const char *kind, const char *what,
                              int64_t id, struct ah_error *err)
{
    json_t *row = NULL;
    const char *name;
    int rc = ah_sql_first(NULL, ah_sqlite_wcache(tx),
                          "SELECT r.channel_id AS channel_id, c.name AS name,"
                          " (SELECT count(*) FROM escalation_refs WHERE kind = ?1 AND ref_id = ?2)"
                          " AS uses FROM escalation_refs r LEFT JOIN channels c"
                          " ON c.id = r.channel_id WHERE r.kind = ?1 AND r.ref_id = ?2"
                          " ORDER BY r.channel_id LIMIT 1",
                          &row, err, "si", kind, id);

    if (rc < 0 || row == NULL)
        return rc;
    name = ah_sql_str(row, "name");
    rc = ah_error_set(err, AH_ECONFLICT,
                      "%s \"%lld\" is used by the escalation rules of channel \"%s\"%s%s%s", what,
                      (long long)id, ah_sql_str(row, "channel_id"), name ? " (" : "",
                      name ? name : "", name ? ")" : "");
    ah_sql_conflict_others(err, json_integer_value(json_object_get(row, "uses")) - 1, "channel(s)");
    json_decref(row);
    return rc;
}
