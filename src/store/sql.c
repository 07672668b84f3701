/* sql.c - see sql.h. */
#include "store/sql.h"
#include "store/store.h"

#include "util/alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ah_sql_exec(struct ah_db *db, const char *sql, struct ah_error *err)
{
    return db->drv->exec(db, sql, err);
}

int64_t ah_sql_last_id(struct ah_db *db)
{
    return db->drv->last_id(db);
}

int64_t ah_sql_changes(struct ah_db *db)
{
    return db->drv->changes(db);
}

/* Turns the arguments described by @fmt into @p; JSON dumped here is
 * owned by @dumped[] (freed by the caller). Returns the count, or -1 when
 * @fmt is longer than @max. */
static int params(const char *fmt, va_list ap, struct ah_db_value *p, char **dumped, int max)
{
    int i;

    for (i = 0; fmt[i]; i++) {
        if (i == max)
            return -1;
        memset(&p[i], 0, sizeof(p[i]));
        dumped[i] = NULL;
        p[i].decl = fmt[i] == 'i' || fmt[i] == 'z' ? AH_DB_INT : AH_DB_TEXT;
        if (fmt[i] == 'i') {
            p[i].type = AH_DB_INT;
            p[i].i = va_arg(ap, int64_t);
        } else if (fmt[i] == 'z') {
            p[i].i = va_arg(ap, int64_t);
            p[i].type = p[i].i ? AH_DB_INT : AH_DB_NULL;
        } else if (fmt[i] == 's') {
            p[i].s = va_arg(ap, const char *);
            p[i].type = p[i].s ? AH_DB_TEXT : AH_DB_NULL;
        } else if (fmt[i] == 'j' || fmt[i] == 'J') {
            const json_t *j = va_arg(ap, const json_t *);
            const char *ready = fmt[i] == 'J' ? va_arg(ap, const char *) : NULL;

            if (ready == NULL && j != NULL)
                ready = dumped[i] = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
            p[i].s = ready;
            p[i].type = ready ? AH_DB_TEXT : AH_DB_NULL;
        }
    }
    return i;
}

/* Runs @n parameters @p through the driver: its defer (db.h) when @defer,
 * which may not wait for the answer. */
static int run_p(struct ah_db *db, const char *sql, int defer, struct ah_db_value *p, int n,
                 ah_db_row_fn fn, void *arg, struct ah_error *err)
{
    if (defer && db->drv->defer != NULL)
        return db->drv->defer(db, sql, n > 0 ? p : NULL, n, err);
    return db->drv->query(db, sql, n > 0 ? p : NULL, n, fn, arg, err);
}

/* Runs @sql with @first (when not NULL) and then the arguments of @fmt. */
static int run_v(struct ah_db *db, const char *sql, int defer, const struct ah_db_value *first,
                 ah_db_row_fn fn, void *arg, struct ah_error *err, const char *fmt, va_list ap)
{
    struct ah_db_value p[AH_DB_MAX_PARAMS];
    char *dumped[AH_DB_MAX_PARAMS];
    int i, rc, k = first != NULL, n = params(fmt, ap, p + k, dumped + k, AH_DB_MAX_PARAMS - k);

    if (n < 0)
        return ah_error_set(err, AH_ESTORE, "a statement has more than %d parameters",
                            AH_DB_MAX_PARAMS);
    if (first != NULL) {
        p[0] = *first;
        dumped[0] = NULL;
    }
    rc = run_p(db, sql, defer, p, n + k, fn, arg, err);
    for (i = 0; i < n + k; i++)
        free(dumped[i]);
    return rc;
}

static int query_v(struct ah_db *db, const char *sql, ah_db_row_fn fn, void *arg,
                   struct ah_error *err, const char *fmt, va_list ap)
{
    return run_v(db, sql, 0, NULL, fn, arg, err, fmt, ap);
}

int ah_sql_query(struct ah_db *db, const char *sql, ah_db_row_fn fn, void *arg,
                 struct ah_error *err, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = query_v(db, sql, fn, arg, err, fmt, ap);
    va_end(ap);
    return rc;
}

int ah_sql_run(struct ah_db *db, const char *sql, struct ah_error *err, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = query_v(db, sql, NULL, NULL, err, fmt, ap);
    va_end(ap);
    return rc;
}

int ah_sql_defer(struct ah_db *db, const char *sql, struct ah_error *err, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = run_v(db, sql, 1, NULL, NULL, NULL, err, fmt, ap);
    va_end(ap);
    return rc;
}

struct first_value {
    int seen;
    int64_t *i;
    char **s;
};

static void take_first(const struct ah_db_col *cols, int n, void *arg)
{
    struct first_value *f = arg;

    if (f->seen++ || n == 0)
        return;
    if (f->i != NULL && cols[0].v.type == AH_DB_INT)
        *f->i = cols[0].v.i;
    else if (f->i != NULL && cols[0].v.type == AH_DB_REAL)
        *f->i = (int64_t)cols[0].v.r;
    else if (f->i != NULL && cols[0].v.type == AH_DB_TEXT)
        *f->i = strtoll(cols[0].v.s, NULL, 10);
    else if (f->i != NULL)
        *f->i = 0;
    else if (f->s != NULL && cols[0].v.type == AH_DB_TEXT)
        *f->s = ah_xstrdup(cols[0].v.s);
}

int ah_sql_insert(struct ah_db *db, const char *table, const char *sql, int64_t *ret_id,
                  struct ah_error *err, const char *fmt, ...)
{
    struct ah_db_value id = {.type = AH_DB_NULL, .decl = AH_DB_INT};
    va_list ap;
    int rc = db->drv->next_id != NULL ? db->drv->next_id(db, table, &id.i, err) : AH_OK;

    if (rc < 0)
        return rc;
    if (id.i != 0)
        id.type = AH_DB_INT;
    va_start(ap, fmt);
    rc = run_v(db, sql, id.i != 0, &id, NULL, NULL, err, fmt, ap);
    va_end(ap);
    if (rc == AH_OK)
        *ret_id = id.i != 0 ? id.i : ah_sql_last_id(db);
    return rc;
}

int ah_sql_int(struct ah_db *db, const char *sql, int64_t *ret, struct ah_error *err,
               const char *fmt, ...)
{
    struct first_value f = {.i = ret};
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = query_v(db, sql, take_first, &f, err, fmt, ap);
    va_end(ap);
    return rc;
}

int ah_sql_text(struct ah_db *db, const char *sql, char **ret, struct ah_error *err,
                const char *fmt, ...)
{
    struct first_value f = {.s = ret};
    va_list ap;
    int rc;

    *ret = NULL;
    va_start(ap, fmt);
    rc = query_v(db, sql, take_first, &f, err, fmt, ap);
    va_end(ap);
    if (rc < 0) {
        ah_free(*ret);
        *ret = NULL;
    }
    return rc;
}

struct ids {
    int64_t *ids;
    int max, *n;
};

static void take_id(const struct ah_db_col *cols, int n, void *arg)
{
    struct ids *r = arg;

    if (n > 0 && *r->n < r->max)
        r->ids[(*r->n)++] = cols[0].v.type == AH_DB_INT ? cols[0].v.i : 0;
}

int ah_sql_ids(struct ah_db *db, const char *sql, int64_t *ids, int max, int *n,
               struct ah_error *err, const char *fmt, ...)
{
    struct ids r = {ids, max, n};
    va_list ap;
    int rc;

    *n = 0;
    va_start(ap, fmt);
    rc = query_v(db, sql, take_id, &r, err, fmt, ap);
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
static json_t *column_json(const struct ah_db_col *c)
{
    size_t n = strlen(c->name);

    if (c->v.type == AH_DB_NULL)
        return json_null();
    /* (Only integers: an "event_id" is text, 32 hex digits.) */
    if (c->v.type == AH_DB_INT &&
        (strcmp(c->name, "id") == 0 || (n > 3 && strcmp(c->name + n - 3, "_id") == 0))) {
        char id[24];

        /* 0 in a reference column means "none" (a held alert's incident). */
        if (c->v.i == 0)
            return json_null();
        snprintf(id, sizeof(id), "%lld", (long long)c->v.i);
        return json_string(id);
    }
    if (c->v.type == AH_DB_TEXT && is_json_column(c->name)) {
        json_t *j = json_loads(c->v.s, JSON_DECODE_ANY, NULL);

        /* A plain word in a column of that name (a delivery's "reason"). */
        return j ? j : json_string(c->v.s);
    }
    if (c->v.type == AH_DB_INT)
        return json_integer((json_int_t)c->v.i);
    if (c->v.type == AH_DB_REAL)
        return json_real(c->v.r);
    return json_string(c->v.s);
}

json_t *ah_sql_row(const struct ah_db_col *cols, int n)
{
    json_t *row = json_object();
    int i;

    for (i = 0; i < n; i++)
        json_object_set_new(row, cols[i].name, column_json(&cols[i]));
    return row;
}

struct json_rows {
    void (*fn)(json_t *row, void *arg);
    void *arg;
};

static void each_row(const struct ah_db_col *cols, int n, void *arg)
{
    struct json_rows *r = arg;
    json_t *row = ah_sql_row(cols, n);

    r->fn(row, r->arg);
    json_decref(row);
}

static void append_row(json_t *row, void *rows)
{
    json_array_append(rows, row);
}

static int rows_v(struct ah_db *db, const char *sql, json_t **ret, struct ah_error *err,
                  const char *fmt, va_list ap)
{
    json_t *rows = json_array();
    struct json_rows r = {append_row, rows};
    int rc = query_v(db, sql, each_row, &r, err, fmt, ap);

    if (rc < 0) {
        json_decref(rows);
        return rc;
    }
    *ret = rows;
    return AH_OK;
}

int ah_sql_each(struct ah_db *db, const char *sql, void (*fn)(json_t *row, void *arg), void *arg,
                struct ah_error *err, const char *fmt, ...)
{
    struct json_rows r = {fn, arg};
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = query_v(db, sql, each_row, &r, err, fmt, ap);
    va_end(ap);
    return rc;
}

int ah_sql_rows(struct ah_db *db, const char *sql, json_t **ret, struct ah_error *err,
                const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = rows_v(db, sql, ret, err, fmt, ap);
    va_end(ap);
    return rc;
}

int ah_sql_first(struct ah_db *db, const char *sql, json_t **ret, struct ah_error *err,
                 const char *fmt, ...)
{
    json_t *rows = NULL;
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = rows_v(db, sql, &rows, err, fmt, ap);
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

int ah_sql_not_found(struct ah_error *err, const char *what, int64_t id)
{
    return ah_error_set(err, AH_ENOTFOUND, "%s \"%lld\" does not exist", what, (long long)id);
}

int ah_sql_changed(struct ah_db *db, int rc, const char *what, int64_t id, struct ah_error *err)
{
    return rc == AH_OK && ah_sql_changes(db) == 0 ? ah_sql_not_found(err, what, id) : rc;
}

int ah_sql_one(json_t *rows, const char *what, int64_t id, json_t **ret, struct ah_error *err)
{
    if (json_array_size(rows) == 0) {
        json_decref(rows);
        return ah_sql_not_found(err, what, id);
    }
    *ret = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    return AH_OK;
}

int ah_sql_get(struct ah_db *db, const char *sql, const char *what, int64_t id, json_t **ret,
               struct ah_error *err)
{
    json_t *rows;
    int rc = ah_sql_rows(db, sql, &rows, err, "i", id);

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

int ah_sql_list(struct ah_db *db, const char *sql, const struct ah_page *page, json_t **ret,
                struct ah_error *err)
{
    json_t *rows;
    int rc = ah_sql_rows(db, sql, &rows, err, "ii", page->cursor, (int64_t)page->limit + 1);

    if (rc < 0)
        return rc;
    *ret = ah_sql_page_of(rows, page);
    return AH_OK;
}

int ah_sql_exists(struct ah_db *db, const char *sql, const char *what, int64_t id,
                  struct ah_error *err)
{
    int64_t n = 0;
    int rc = ah_sql_int(db, sql, &n, err, "i", id);

    if (rc < 0)
        return rc;
    return n == 0 ? ah_sql_not_found(err, what, id) : AH_OK;
}

int ah_sql_saved(struct ah_db *db, int rc, const char *what, const char *name, int64_t *id,
                 struct ah_error *err)
{
    if (rc == AH_ECONFLICT)
        return ah_error_set(err, AH_ECONFLICT, "a %s named \"%s\" already exists", what, name);
    if (rc < 0)
        return rc;
    if (*id == 0)
        *id = ah_sql_last_id(db);
    else if (ah_sql_changes(db) == 0)
        return ah_sql_not_found(err, what, *id);
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
    int rc = ah_sql_first(ah_store_wdb_of(tx),
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
