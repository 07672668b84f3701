/* config_yaml.c - reading a configuration file into a jansson tree, and
 * where each node of it starts (config_walk.h). YAML is read with libyaml's
 * event API into the tree the JSON path produces; a JSON file is read by
 * jansson (its syntax errors and duplicate keys, as before) and by libyaml
 * too, for the positions. libyaml is included here only
 * (scripts/check-layers.sh). */
#include "http/config_walk.h"

#include "util/alloc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define MAX_FILE  (16 * 1024 * 1024) /* bytes of a configuration file */
#define MAX_DEPTH 64                 /* nested mappings and sequences */

/* ================= the side table: node -> start mark ================= */

struct mark {
    const json_t *node;
    int line, col; /* 1-based */
};

struct ah_config_marks {
    struct mark *v;
    size_t n, cap;
    int sorted;
};

void ah_config_marks_free(struct ah_config_marks *m)
{
    if (m == NULL)
        return;
    ah_free(m->v);
    ah_free(m);
}

/* true, false and null are shared by jansson: they have no position of
 * their own, and a lookup falls back on their container's. */
static int shared(const json_t *node)
{
    return json_is_true(node) || json_is_false(node) || json_is_null(node);
}

static void marks_add(struct ah_config_marks *m, const json_t *node, yaml_mark_t at)
{
    if (shared(node))
        return;
    if (m->n == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 256;
        m->v = ah_xrealloc(m->v, m->cap * sizeof(*m->v));
    }
    m->v[m->n++] = (struct mark){node, (int)at.line + 1, (int)at.column + 1};
    m->sorted = 0;
}

static int by_node(const void *a, const void *b)
{
    const json_t *x = ((const struct mark *)a)->node, *y = ((const struct mark *)b)->node;

    return x < y ? -1 : x > y;
}

int ah_config_marks_find(struct ah_config_marks *m, const json_t *node, int *ret_line, int *ret_col)
{
    struct mark key = {.node = node}, *found;

    if (m == NULL || node == NULL)
        return 0;
    if (!m->sorted) {
        qsort(m->v, m->n, sizeof(*m->v), by_node);
        m->sorted = 1;
    }
    found = bsearch(&key, m->v, m->n, sizeof(*m->v), by_node);
    if (found == NULL)
        return 0;
    *ret_line = found->line;
    *ret_col = found->col;
    return 1;
}

/* ================= scalars ================= */

#define TAG_PREFIX "tag:yaml.org,2002:"

/* The standard tag @tag names ("str", "int", ...): NULL when none is given,
 * "" when it is not a standard one. */
static const char *std_tag(const yaml_char_t *tag)
{
    const char *t = (const char *)tag;

    if (t == NULL || strcmp(t, "!") == 0)
        return NULL;
    if (strncmp(t, TAG_PREFIX, strlen(TAG_PREFIX)) != 0)
        return "";
    return t + strlen(TAG_PREFIX);
}

static int one_of(const char *s, const char *const *list)
{
    for (; *list != NULL; list++) {
        if (strcmp(s, *list) == 0)
            return 1;
    }
    return 0;
}

static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
static const char *const trues[] = {"true", "True", "TRUE", NULL};
static const char *const falses[] = {"false", "False", "FALSE", NULL};

/* An integer: decimal with an optional sign, 0x hex or 0o octal. */
static int int_of(const char *s, json_int_t *ret)
{
    const char *digits = s + (s[0] == '-' || s[0] == '+');
    int base = 10;
    long long v;
    char *end;

    if (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'o'))
        base = digits[1] == 'x' ? 16 : 8;
    if (base != 10 && digits != s)
        return 0;
    if (base != 10)
        digits += 2;
    if (!(digits[0] >= '0' && digits[0] <= '9') &&
        !(base == 16 && strchr("abcdefABCDEF", digits[0])))
        return 0;
    errno = 0;
    v = strtoll(base == 10 ? s : digits, &end, base);
    if (*end != '\0' || errno == ERANGE)
        return errno == ERANGE ? -1 : 0;
    *ret = v;
    return 1;
}

/* A float: [sign] digits [. digits] [e [sign] digits], with a digit. */
static int real_of(const char *s, double *ret)
{
    const char *p = s + (s[0] == '-' || s[0] == '+');
    size_t digits = 0;
    char *end;

    for (; (*p >= '0' && *p <= '9') || *p == '.'; p++)
        digits += *p != '.';
    if (digits == 0 || strchr(s, '.') != strrchr(s, '.'))
        return 0;
    if (*p == 'e' || *p == 'E') {
        p += 1 + (p[1] == '-' || p[1] == '+');
        if (!(*p >= '0' && *p <= '9'))
            return 0;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p != '\0')
        return 0;
    *ret = strtod(s, &end);
    return isfinite(*ret);
}

/* The value of a scalar: quoted and block scalars are strings; a plain one
 * is null, a boolean, an integer, a float or else a string (YAML 1.2 core
 * schema: yes, no, on and off are strings). A standard tag forces the
 * type. NULL with @msg when the scalar cannot be one. */
static json_t *scalar_of(const yaml_event_t *ev, char *msg, size_t size)
{
    const char *s = (const char *)ev->data.scalar.value;
    const char *tag = std_tag(ev->data.scalar.tag);
    int plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    json_int_t i = 0;
    double d;
    int n;

    if (tag != NULL &&
        !one_of(tag, (const char *const[]){"str", "int", "float", "bool", "null", NULL})) {
        snprintf(msg, size, "tag \"%.80s\" is not allowed (only the standard scalar tags)",
                 (const char *)ev->data.scalar.tag);
        return NULL;
    }
    if (strlen(s) != ev->data.scalar.length) {
        snprintf(msg, size, "a string may not hold a NUL character");
        return NULL;
    }
    if (tag != NULL ? strcmp(tag, "str") == 0 : !plain)
        return json_string(s);
    if ((tag == NULL || strcmp(tag, "null") == 0) && one_of(s, nulls))
        return json_null();
    if ((tag == NULL || strcmp(tag, "bool") == 0) && (one_of(s, trues) || one_of(s, falses)))
        return json_boolean(one_of(s, trues));
    n = tag == NULL || strcmp(tag, "int") == 0 ? int_of(s, &i) : 0;
    if (n < 0) {
        snprintf(msg, size, "integer \"%.60s\" is out of range", s);
        return NULL;
    }
    if (n > 0)
        return json_integer(i);
    if ((tag == NULL || strcmp(tag, "float") == 0) && real_of(s, &d))
        return json_real(d);
    if (tag == NULL)
        return json_string(s);
    snprintf(msg, size, "\"%.60s\" is not a valid !!%s", s, tag);
    return NULL;
}

/* ================= the tree ================= */

struct frame {
    json_t *node; /* an object or an array */
    char *key;    /* in an object: the key read, waiting for its value */
};

struct builder {
    struct ah_config_marks *marks;
    struct frame stack[MAX_DEPTH];
    size_t depth;
    json_t *root;
    char msg[200];
    yaml_mark_t at; /* where msg is about */
};

static int fail(struct builder *b, yaml_mark_t at, const char *msg)
{
    if (msg != b->msg)
        snprintf(b->msg, sizeof(b->msg), "%s", msg);
    b->at = at;
    return -1;
}

/* Puts @v (taken) where the stack says; a key of a mapping when one is
 * expected. */
static int place(struct builder *b, json_t *v, yaml_mark_t at)
{
    struct frame *top = b->depth ? &b->stack[b->depth - 1] : NULL;
    int rc = 0;

    if (top == NULL || json_is_array(top->node) || top->key != NULL)
        marks_add(b->marks, v, at); /* not a key: keys are freed below */
    if (top == NULL) {
        b->root = v;
    } else if (json_is_array(top->node)) {
        json_array_append_new(top->node, v);
    } else if (top->key == NULL) {
        char msg[200];

        if (!json_is_string(v)) {
            json_decref(v);
            return fail(b, at, "a key must be a string, not a mapping, sequence, number or null");
        }
        top->key = ah_xstrdup(json_string_value(v));
        if (json_object_get(top->node, top->key) != NULL) {
            snprintf(msg, sizeof(msg), "duplicate key \"%.100s\"", top->key);
            rc = fail(b, at, msg);
        }
        json_decref(v);
    } else {
        json_object_set_new(top->node, top->key, v);
        ah_free(top->key);
        top->key = NULL;
    }
    return rc;
}

/* A key is read as written: its text, whatever it would resolve to. */
static int scalar(struct builder *b, const yaml_event_t *ev)
{
    struct frame *top = b->depth ? &b->stack[b->depth - 1] : NULL;
    json_t *v;

    if (top != NULL && json_is_object(top->node) && top->key == NULL)
        v = json_string((const char *)ev->data.scalar.value);
    else
        v = scalar_of(ev, b->msg, sizeof(b->msg));
    if (v == NULL)
        return fail(b, ev->start_mark, b->msg);
    return place(b, v, ev->start_mark);
}

static int open_node(struct builder *b, const yaml_event_t *ev, int mapping)
{
    const char *tag = std_tag(mapping ? ev->data.mapping_start.tag : ev->data.sequence_start.tag);
    json_t *v;

    if (tag != NULL && strcmp(tag, mapping ? "map" : "seq") != 0)
        return fail(b, ev->start_mark, "only the standard tags are allowed");
    if (b->depth == MAX_DEPTH)
        return fail(b, ev->start_mark, "nested too deep (at most 64 levels)");
    v = mapping ? json_object() : json_array();
    if (place(b, json_incref(v), ev->start_mark) < 0) {
        json_decref(v);
        return -1;
    }
    b->stack[b->depth++] = (struct frame){.node = v};
    return 0;
}

static void close_node(struct builder *b)
{
    struct frame *top = &b->stack[--b->depth];

    json_decref(top->node);
    ah_free(top->key);
}

static const yaml_char_t *anchor_of(const yaml_event_t *ev)
{
    if (ev->type == YAML_SCALAR_EVENT)
        return ev->data.scalar.anchor;
    if (ev->type == YAML_MAPPING_START_EVENT)
        return ev->data.mapping_start.anchor;
    if (ev->type == YAML_SEQUENCE_START_EVENT)
        return ev->data.sequence_start.anchor;
    return NULL;
}

/* One event; 1 at the end of the stream, -1 on an error (in b->msg). */
static int event(struct builder *b, const yaml_event_t *ev)
{
    if (anchor_of(ev) != NULL || ev->type == YAML_ALIAS_EVENT)
        return fail(b, ev->start_mark, "anchors and aliases are not allowed");
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        return b->root != NULL ? fail(b, ev->start_mark, "a file holds one document") : 0;
    case YAML_SCALAR_EVENT:
        return scalar(b, ev);
    case YAML_MAPPING_START_EVENT:
    case YAML_SEQUENCE_START_EVENT:
        return open_node(b, ev, ev->type == YAML_MAPPING_START_EVENT);
    case YAML_MAPPING_END_EVENT:
    case YAML_SEQUENCE_END_EVENT:
        close_node(b);
        return 0;
    case YAML_STREAM_END_EVENT:
        return 1;
    default:
        return 0;
    }
}

static void builder_done(struct builder *b)
{
    while (b->depth > 0)
        close_node(b);
}

/* Parses @text into *@ret_doc (an empty file gives null) and its marks, or
 * answers -1 with the message and where in @b. */
static int parse_yaml(const char *text, size_t len, struct builder *b)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    int rc = 0;

    if (!yaml_parser_initialize(&parser))
        return fail(b, (yaml_mark_t){0}, "could not start the YAML parser");
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    while (rc == 0) {
        if (!yaml_parser_parse(&parser, &ev)) {
            char msg[200];

            snprintf(msg, sizeof(msg), "%s%s%s", parser.problem ? parser.problem : "syntax error",
                     parser.context ? " " : "", parser.context ? parser.context : "");
            rc = fail(b, parser.problem_mark, msg);
            break;
        }
        rc = event(b, &ev);
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    builder_done(b);
    if (rc < 0) {
        json_decref(b->root);
        b->root = NULL;
    }
    return rc < 0 ? -1 : 0;
}

/* ================= the file ================= */

static char *read_file(const char *file, size_t *ret_len, char *msg, size_t size)
{
    FILE *f = fopen(file, "rb");
    struct ah_buf b;
    char chunk[8192];
    size_t n;

    if (f == NULL) {
        snprintf(msg, size, "could not open: %s", strerror(errno));
        return NULL;
    }
    ah_buf_init(&b);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len <= MAX_FILE)
        ah_buf_append(&b, chunk, n);
    if (ferror(f) || b.len > MAX_FILE) {
        snprintf(msg, size, ferror(f) ? "could not read: %s" : "is larger than 16 MiB%.0s",
                 strerror(errno));
        fclose(f);
        ah_buf_done(&b);
        return NULL;
    }
    fclose(f);
    *ret_len = b.len;
    return ah_buf_steal(&b);
}

/* JSON when the name ends in .json, or when it does not end in .yaml or
 * .yml and the first character that is not a space is '{'. */
static int is_json(const char *file, const char *text)
{
    size_t n = strlen(file);

    if (n >= 5 && strcmp(file + n - 5, ".json") == 0)
        return 1;
    if ((n >= 5 && strcmp(file + n - 5, ".yaml") == 0) ||
        (n >= 4 && strcmp(file + n - 4, ".yml") == 0))
        return 0;
    text += strspn(text, " \t\r\n");
    return text[0] == '{';
}

/* JSON: jansson's tree when libyaml's differs (no positions then). */
static json_t *parse_json(struct ah_config_report *r, const char *text, size_t len,
                          struct builder *b)
{
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);

    if (doc == NULL) {
        r->errors++;
        ah_buf_printf(&r->text, "%s:%d:%d: %s\n", r->file, jerr.line, jerr.column, jerr.text);
        return NULL;
    }
    if (parse_yaml(text, len, b) == 0 && json_equal(doc, b->root)) {
        json_decref(doc);
        return b->root;
    }
    json_decref(b->root);
    b->root = NULL;
    b->marks->n = 0;
    return doc;
}

int ah_config_parse(struct ah_config_report *r, json_t **ret_doc)
{
    struct builder b = {.marks = ah_xcalloc(1, sizeof(*b.marks))};
    size_t len = 0;
    char msg[200];
    char *text = read_file(r->file, &len, msg, sizeof(msg));
    json_t *doc = NULL;

    if (text == NULL) {
        r->errors++;
        ah_buf_printf(&r->text, "%s: %s\n", r->file, msg);
    } else if (is_json(r->file, text)) {
        doc = parse_json(r, text, len, &b);
    } else if (parse_yaml(text, len, &b) == 0) {
        doc = b.root != NULL ? b.root : json_null();
    } else {
        r->errors++;
        ah_buf_printf(&r->text, "%s:%d:%d: %s\n", r->file, (int)b.at.line + 1, (int)b.at.column + 1,
                      b.msg);
    }
    ah_free(text);
    if (doc == NULL) {
        ah_config_marks_free(b.marks);
        return AH_EINVAL;
    }
    json_decref(r->doc);
    ah_config_marks_free(r->marks);
    r->doc = json_incref(doc);
    r->marks = b.marks;
    *ret_doc = doc;
    return AH_OK;
}
