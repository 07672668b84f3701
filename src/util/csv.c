/* csv.c - see csv.h. A record's fields are collected in one buffer, each
 * followed by its NUL; since fields may not hold a NUL themselves, the
 * buffer is a run of C strings that emit() turns into the field array. */
#include "util/csv.h"

#include "util/alloc.h"
#include "util/buf.h"

#include <string.h>

struct csv {
    const char *p;      /* cursor */
    const char *end;    /* one past the last byte */
    size_t line;        /* line of the cursor, 1-based */
    size_t rec_line;    /* line where the current record starts */
    size_t max_fields;  /* limit of fields per record */
    size_t n;           /* fields in the current record */
    struct ah_buf text; /* the record's fields, each NUL-terminated */
    char **fields;      /* pointers into text, handed to the callback */
    size_t fields_cap;  /* slots in fields */
    struct ah_error *err;
};

static void csv_init(struct csv *c, const char *text, size_t len, size_t max_fields,
                     struct ah_error *reterr)
{
    memset(c, 0, sizeof(*c));
    c->p = text;
    c->end = len ? text + len : text; /* text may be NULL when len is 0 */
    c->line = 1;
    c->max_fields = max_fields;
    ah_buf_init(&c->text);
    c->err = reterr;
}

static void csv_done(struct csv *c)
{
    ah_buf_done(&c->text);
    ah_free(c->fields);
}

static void skip_bom(struct csv *c)
{
    static const char bom[] = "\xEF\xBB\xBF";

    if ((size_t)(c->end - c->p) >= 3 && memcmp(c->p, bom, 3) == 0)
        c->p += 3;
}

/* A record ends at LF or CRLF; a CR before anything else is data. */
static int at_line_end(const struct csv *c)
{
    if (c->p == c->end)
        return 0;
    if (*c->p == '\n')
        return 1;
    return *c->p == '\r' && c->end - c->p >= 2 && c->p[1] == '\n';
}

static void skip_line_end(struct csv *c)
{
    if (c->p < c->end && *c->p == '\r')
        c->p++;
    if (c->p < c->end && *c->p == '\n') {
        c->p++;
        c->line++;
    }
}

/* Reads an unquoted field: everything up to a comma, a line end or the end
 * of input, spaces included. */
static int read_plain(struct csv *c)
{
    const char *start = c->p;

    while (c->p < c->end && *c->p != ',' && !at_line_end(c)) {
        if (*c->p == '"')
            return ah_error_set(c->err, AH_EINVAL, "line %zu: quote inside an unquoted field",
                                c->line);
        if (*c->p == '\0')
            return ah_error_set(c->err, AH_EINVAL, "line %zu: NUL byte", c->line);
        c->p++;
    }
    ah_buf_append(&c->text, start, (size_t)(c->p - start));
    return AH_OK;
}

/* Reads a quoted field with the cursor on its opening quote, and checks that
 * a comma, a line end or the end of input follows the closing quote. An
 * unterminated field is reported at the line of its opening quote, where the
 * user has to look for the mistake. */
static int read_quoted(struct csv *c)
{
    size_t open_line = c->line;

    for (c->p++; c->p < c->end; c->p++) {
        if (*c->p == '\0')
            return ah_error_set(c->err, AH_EINVAL, "line %zu: NUL byte", c->line);
        if (*c->p == '"') {
            if (c->end - c->p < 2 || c->p[1] != '"')
                break;
            c->p++; /* "" stands for one quote */
        } else if (*c->p == '\n') {
            c->line++;
        }
        ah_buf_append(&c->text, c->p, 1);
    }
    if (c->p == c->end)
        return ah_error_set(c->err, AH_EINVAL, "line %zu: unterminated quoted field", open_line);
    c->p++;
    if (c->p < c->end && *c->p != ',' && !at_line_end(c))
        return ah_error_set(c->err, AH_EINVAL, "line %zu: text after a closing quote", c->line);
    return AH_OK;
}

static int read_field(struct csv *c)
{
    int rc;

    if (c->n == c->max_fields)
        return ah_error_set(c->err, AH_EINVAL, "line %zu: record has more than %zu fields",
                            c->rec_line, c->max_fields);
    if (c->p < c->end && *c->p == '"')
        rc = read_quoted(c);
    else
        rc = read_plain(c);
    if (rc < 0)
        return rc;
    ah_buf_append(&c->text, "", 1);
    c->n++;
    return AH_OK;
}

/* Reads one record, with the cursor at its first byte, and consumes its line
 * end. */
static int read_record(struct csv *c)
{
    int rc;

    c->rec_line = c->line;
    c->n = 0;
    c->text.len = 0; /* keeps the allocation for the next record */
    for (;;) {
        rc = read_field(c);
        if (rc < 0)
            return rc;
        if (c->p == c->end || *c->p != ',')
            break;
        c->p++;
    }
    skip_line_end(c);
    return AH_OK;
}

static int emit(struct csv *c, ah_csv_record_fn fn, void *ctx)
{
    char *s = c->text.data;
    size_t i;
    int rc;

    if (c->n > c->fields_cap) {
        c->fields = ah_xrealloc(c->fields, c->n * sizeof(*c->fields));
        c->fields_cap = c->n;
    }
    for (i = 0; i < c->n; i++) {
        c->fields[i] = s;
        s += strlen(s) + 1;
    }
    rc = fn(ctx, c->rec_line, c->fields, c->n, c->err);
    return rc < 0 ? rc : AH_OK;
}

int ah_csv_parse(const char *text, size_t len, size_t max_fields, ah_csv_record_fn fn, void *ctx,
                 struct ah_error *reterr)
{
    struct csv c;
    int rc = AH_OK;

    csv_init(&c, text, len, max_fields, reterr);
    skip_bom(&c);
    while (c.p < c.end) {
        if (at_line_end(&c)) {
            skip_line_end(&c); /* an empty line */
            continue;
        }
        rc = read_record(&c);
        if (rc < 0)
            goto out;
        rc = emit(&c, fn, ctx);
        if (rc < 0)
            goto out;
    }
out:
    csv_done(&c);
    return rc;
}
