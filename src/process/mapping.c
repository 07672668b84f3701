/* mapping.c - see mapping.h. The rows live in an immutable snapshot (a hash
 * map from the source values to the result values); an upload builds a new
 * snapshot aside and swaps it in under a write lock, so that a lookup holds
 * the read lock for one map probe only. */
#include "process/mapping.h"

#include "model/event.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/csv.h"
#include "util/map.h"
#include "util/text.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

struct ah_mapping_rows {
    struct ah_map *map; /* source key -> char *[nresult] (owned) */
    size_t count;
    size_t nresult;
};

struct ah_mapping {
    atomic_int refs;
    int64_t id;
    json_t *source; /* array of label names */
    json_t *result;
    pthread_rwlock_t lock;
    struct ah_mapping_rows *rows; /* under @lock */
};

static void free_row(const char *key, void *value, void *arg)
{
    struct ah_mapping_rows *r = arg;
    char **cells = value;
    size_t i;

    (void)key;
    for (i = 0; i < r->nresult; i++)
        ah_free(cells[i]);
    ah_free(cells);
}

static void rows_free(struct ah_mapping_rows *r)
{
    if (r == NULL)
        return;
    ah_map_each(r->map, free_row, r);
    ah_map_free(r->map);
    ah_free(r);
}

static struct ah_mapping_rows *rows_new(size_t nresult)
{
    struct ah_mapping_rows *r = ah_xcalloc(1, sizeof(*r));

    r->map = ah_map_new();
    r->nresult = nresult;
    return r;
}

/* The map key of source values: each value with its length before it, so
 * that no value can fake a boundary ("a,b" + "c" differs from "a" + "b,c"). */
static void source_key(struct ah_buf *b, const char *const *vals, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        ah_buf_printf(b, "%zu:%s;", strlen(vals[i]), vals[i]);
}

static int check_names(const json_t *names, const char *what, size_t max, int strict,
                       struct ah_error *err)
{
    size_t i, j;
    json_t *v;

    if (!json_is_array(names) || json_array_size(names) == 0 || json_array_size(names) > max)
        return ah_error_set(err, AH_EINVAL, "%s must be an array of 1 to %zu label names", what,
                            max);
    json_array_foreach(names, i, v)
    {
        const char *s = json_string_value(v);

        if (s == NULL || s[0] == '\0' || strlen(s) > AH_MAX_LABEL_KEY)
            return ah_error_set(err, AH_EINVAL, "%s[%zu] must be a label name", what, i);
        if (strict && !ah_label_name_valid(s))
            return ah_error_set(err, AH_EINVAL, "%s[%zu] \"%s\" must match ^[a-z][a-z0-9_]{0,62}$",
                                what, i, s);
        for (j = 0; j < i; j++) {
            if (strcmp(s, json_string_value(json_array_get(names, j))) == 0)
                return ah_error_set(err, AH_EINVAL, "%s names \"%s\" twice", what, s);
        }
    }
    return AH_OK;
}

int ah_mapping_new(int64_t id, const json_t *schema, struct ah_mapping **ret, struct ah_error *err)
{
    const json_t *src = json_object_get(schema, "source_labels");
    const json_t *res = json_object_get(schema, "result_labels");
    struct ah_mapping *m;
    size_t i, j;

    if (check_names(src, "source_labels", AH_MAPPING_MAX_SOURCE, 0, err) < 0 ||
        check_names(res, "result_labels", AH_MAPPING_MAX_RESULT, 1, err) < 0)
        return err ? err->code : AH_EINVAL;
    for (i = 0; i < json_array_size(src); i++) {
        for (j = 0; j < json_array_size(res); j++) {
            if (json_equal(json_array_get(src, i), json_array_get(res, j)))
                return ah_error_set(err, AH_EINVAL, "\"%s\" is both a source and a result label",
                                    json_string_value(json_array_get(src, i)));
        }
    }
    m = ah_xcalloc(1, sizeof(*m));
    atomic_init(&m->refs, 1);
    m->id = id;
    m->source = json_deep_copy(src);
    m->result = json_deep_copy(res);
    pthread_rwlock_init(&m->lock, NULL);
    m->rows = rows_new(json_array_size(res));
    *ret = m;
    return AH_OK;
}

struct ah_mapping *ah_mapping_ref(struct ah_mapping *m)
{
    atomic_fetch_add(&m->refs, 1);
    return m;
}

void ah_mapping_unref(struct ah_mapping *m)
{
    if (m == NULL || atomic_fetch_sub(&m->refs, 1) != 1)
        return;
    rows_free(m->rows);
    json_decref(m->source);
    json_decref(m->result);
    pthread_rwlock_destroy(&m->lock);
    ah_free(m);
}

int64_t ah_mapping_id(const struct ah_mapping *m)
{
    return m->id;
}

const json_t *ah_mapping_result_labels(const struct ah_mapping *m)
{
    return m->result;
}

/* ================= CSV upload ================= */

struct load {
    const struct ah_mapping *m;
    struct ah_mapping_rows *rows;
    size_t ncols;
    /* For each source / result label, its column in the CSV. */
    size_t src_col[AH_MAPPING_MAX_SOURCE];
    size_t res_col[AH_MAPPING_MAX_RESULT];
};

static int column_of(char **fields, size_t n, const char *name, size_t *ret)
{
    size_t i, found = 0;

    for (i = 0; i < n; i++) {
        if (strcmp(fields[i], name) == 0) {
            *ret = i;
            found++;
        }
    }
    return found == 1;
}

static int load_header(struct load *l, size_t line, char **fields, size_t n, struct ah_error *err)
{
    size_t ns = json_array_size(l->m->source), nr = json_array_size(l->m->result), i;

    for (i = 0; i < ns; i++) {
        const char *name = json_string_value(json_array_get(l->m->source, i));

        if (!column_of(fields, n, name, &l->src_col[i]))
            return ah_error_set(err, AH_EINVAL,
                                "line %zu: the header must name source label \"%s\" once", line,
                                name);
    }
    for (i = 0; i < nr; i++) {
        const char *name = json_string_value(json_array_get(l->m->result, i));

        if (!column_of(fields, n, name, &l->res_col[i]))
            return ah_error_set(err, AH_EINVAL,
                                "line %zu: the header must name result label \"%s\" once", line,
                                name);
    }
    if (n != ns + nr)
        return ah_error_set(err, AH_EINVAL,
                            "line %zu: the header has %zu columns; the schema has %zu labels", line,
                            n, ns + nr);
    l->ncols = n;
    return AH_OK;
}

static int load_record(void *ctx, size_t line, char **fields, size_t n, struct ah_error *err)
{
    struct load *l = ctx;
    const char *vals[AH_MAPPING_MAX_SOURCE];
    size_t ns = json_array_size(l->m->source), i;
    struct ah_buf key;
    char **cells;

    if (l->ncols == 0)
        return load_header(l, line, fields, n, err);
    if (n != l->ncols)
        return ah_error_set(err, AH_EINVAL, "line %zu: %zu fields where the header has %zu", line,
                            n, l->ncols);
    for (i = 0; i < n; i++) {
        if (!ah_utf8_valid(fields[i]))
            return ah_error_set(err, AH_EINVAL, "line %zu: field %zu is not UTF-8", line, i + 1);
    }
    if (l->rows->count >= AH_MAPPING_MAX_ROWS)
        return ah_error_set(err, AH_EINVAL, "line %zu: more than %d rows", line,
                            AH_MAPPING_MAX_ROWS);
    l->rows->count++;
    for (i = 0; i < ns; i++) {
        vals[i] = fields[l->src_col[i]];
        if (vals[i][0] == '\0')
            return AH_OK; /* can never match: kept in the CSV, not indexed */
    }
    ah_buf_init(&key);
    source_key(&key, vals, ns);
    if (ah_map_find(l->rows->map, ah_buf_str(&key)) != NULL) {
        ah_buf_done(&key);
        return ah_error_set(err, AH_EINVAL, "line %zu: these source values appear twice", line);
    }
    cells = ah_xcalloc(l->rows->nresult, sizeof(*cells));
    for (i = 0; i < l->rows->nresult; i++)
        cells[i] = ah_xstrdup(fields[l->res_col[i]]);
    ah_map_put(l->rows->map, ah_buf_str(&key), cells);
    ah_buf_done(&key);
    return AH_OK;
}

int ah_mapping_parse(const struct ah_mapping *m, const char *csv, size_t len,
                     struct ah_mapping_rows **ret, struct ah_error *err)
{
    struct load l = {.m = m, .rows = rows_new(json_array_size(m->result))};
    size_t max = AH_MAPPING_MAX_SOURCE + AH_MAPPING_MAX_RESULT;
    int rc = ah_csv_parse(csv, len, max, load_record, &l, err);

    if (rc == AH_OK && l.ncols == 0)
        rc = ah_error_set(err, AH_EINVAL, "the CSV is empty: it needs at least a header row");
    if (rc < 0) {
        rows_free(l.rows);
        return rc;
    }
    *ret = l.rows;
    return AH_OK;
}

size_t ah_mapping_rows_count(const struct ah_mapping_rows *rows)
{
    return rows->count;
}

void ah_mapping_rows_free(struct ah_mapping_rows *rows)
{
    rows_free(rows);
}

void ah_mapping_set_rows(struct ah_mapping *m, struct ah_mapping_rows *rows)
{
    struct ah_mapping_rows *old;

    pthread_rwlock_wrlock(&m->lock);
    old = m->rows;
    m->rows = rows;
    pthread_rwlock_unlock(&m->lock);
    rows_free(old);
}

size_t ah_mapping_rows(struct ah_mapping *m)
{
    size_t n;

    pthread_rwlock_rdlock(&m->lock);
    n = m->rows->count;
    pthread_rwlock_unlock(&m->lock);
    return n;
}

/* ================= lookup ================= */

json_t *ah_mapping_lookup(struct ah_mapping *m, const json_t *labels)
{
    const char *vals[AH_MAPPING_MAX_SOURCE];
    size_t ns = json_array_size(m->source), i;
    json_t *out = NULL;
    struct ah_buf key;
    char **cells;

    for (i = 0; i < ns; i++) {
        vals[i] = json_string_value(
            json_object_get(labels, json_string_value(json_array_get(m->source, i))));
        if (vals[i] == NULL || vals[i][0] == '\0')
            return NULL;
    }
    ah_buf_init(&key);
    source_key(&key, vals, ns);
    pthread_rwlock_rdlock(&m->lock);
    cells = ah_map_find(m->rows->map, ah_buf_str(&key));
    if (cells != NULL) {
        out = json_object();
        for (i = 0; i < m->rows->nresult; i++) {
            if (cells[i][0] != '\0')
                json_object_set_new(out, json_string_value(json_array_get(m->result, i)),
                                    json_string(cells[i]));
        }
    }
    pthread_rwlock_unlock(&m->lock);
    ah_buf_done(&key);
    return out;
}
