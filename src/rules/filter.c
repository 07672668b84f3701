/* filter.c - see filter.h. Everything that can be decided once (the field a
 * key names, regexes, CIDR masks, numbers) is decided at compile time, so
 * matching only reads the compiled filter. Depends on util/, jansson and
 * rules/regex (which wraps PCRE2). */
#include "rules/filter.h"

#include "model/alert.h"
#include "rules/regex.h"
#include "util/alloc.h"
#include "util/hex.h"
#include "util/sha256.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LABEL_PREFIX     "labels."
#define LABEL_PREFIX_LEN (sizeof(LABEL_PREFIX) - 1)
#define QUOTE_MAX        64 /* bytes of a user value echoed in a message */

enum field {
    FIELD_NONE,
    FIELD_SEVERITY,
    FIELD_TITLE,
    FIELD_DESCRIPTION,
    FIELD_ALERT_KEY,
    FIELD_INTEGRATION_ID,
    FIELD_LABEL,
};

enum value_kind { VAL_EXACT, VAL_EXISTS, VAL_WILDCARD, VAL_REGEX, VAL_CIDR, VAL_NUM };

enum num_op { NUM_GT, NUM_GE, NUM_LT, NUM_LE };

struct value {
    enum value_kind kind;
    char *text;          /* VAL_EXACT, VAL_WILDCARD: the value as written */
    struct ah_regex *re; /* VAL_REGEX */
    int family;          /* VAL_CIDR: AF_INET or AF_INET6 */
    unsigned bits;       /* VAL_CIDR: prefix length */
    unsigned char addr[16];
    enum num_op op; /* VAL_NUM */
    double num;
};

struct cond {
    char *key;
    enum field field;
    const char *label; /* FIELD_LABEL: the name, inside @key */
    int notin;
    size_t nvals;
    struct value *vals;
};

struct group {
    size_t nconds;
    struct cond *conds;
};

struct ah_filter {
    size_t ngroups;
    struct group *groups;
};

/* Where a condition sits, for messages: "filter group 2 condition 1". */
struct where {
    char text[48];
};

/* Returns how many bytes of user text @s to quote in a message: at most
 * QUOTE_MAX, cut between characters so that the message stays UTF-8 (the
 * HTTP layer sends it as JSON) and leaves room for the rest. */
static int quote_len(const char *s)
{
    size_t n = strnlen(s, QUOTE_MAX + 1);

    if (n > QUOTE_MAX)
        for (n = QUOTE_MAX; n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80; n--)
            ;
    return (int)n;
}

/* Sets @reterr to AH_EINVAL for a bad user @value, quoted. */
static int bad_value(struct ah_error *reterr, const struct where *w, const char *what,
                     const char *value, const char *detail)
{
    int n = quote_len(value);

    return ah_error_set(reterr, AH_EINVAL, "%s: invalid %s \"%.*s%s\"%s", w->text, what, n, value,
                        value[n] != '\0' ? "..." : "", detail);
}

/* ---- fields ---- */

static enum field field_of(const char *key)
{
    static const struct {
        const char *name;
        enum field field;
    } plain[] = {
        {"severity", FIELD_SEVERITY},
        {"title", FIELD_TITLE},
        {"description", FIELD_DESCRIPTION},
        {"alert_key", FIELD_ALERT_KEY},
        {"integration_id", FIELD_INTEGRATION_ID},
    };
    size_t i;

    if (strncmp(key, LABEL_PREFIX, LABEL_PREFIX_LEN) == 0)
        return key[LABEL_PREFIX_LEN] != '\0' ? FIELD_LABEL : FIELD_NONE;
    for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
        if (strcmp(key, plain[i].name) == 0)
            return plain[i].field;
    return FIELD_NONE;
}

static const char *field_get(const struct ah_filter_subject *s, enum field field, const char *label,
                             char buf[24])
{
    switch (field) {
    case FIELD_SEVERITY:
        return s->severity;
    case FIELD_TITLE:
        return s->title;
    case FIELD_DESCRIPTION:
        return s->description;
    case FIELD_ALERT_KEY:
        return s->alert_key;
    case FIELD_INTEGRATION_ID:
        /* 0 is "no integration" (manual incidents), so it is absent. */
        if (s->integration_id == 0)
            return NULL;
        snprintf(buf, 24, "%" PRId64, s->integration_id);
        return buf;
    case FIELD_LABEL:
        return s->labels != NULL ? json_string_value(json_object_get(s->labels, label)) : NULL;
    case FIELD_NONE:
        break;
    }
    return NULL;
}

const char *ah_filter_field(const struct ah_filter_subject *s, const char *key, char buf[24])
{
    enum field field = field_of(key);

    return field_get(s, field, field == FIELD_LABEL ? key + LABEL_PREFIX_LEN : NULL, buf);
}

int ah_filter_key_valid(const char *key)
{
    return key != NULL && field_of(key) != FIELD_NONE;
}

/* ---- compiling values ---- */

/* Parses @s as a decimal number with optional surrounding blanks. Hex, inf
 * and nan, which strtod would take, are refused: "0x10" or "nan" in a label
 * is text, not a number. Returns 1 and sets *@ret on success. */
static int parse_number(const char *s, double *ret)
{
    const char *end;
    char *stop;
    double d;

    while (*s == ' ' || *s == '\t')
        s++;
    end = s + strspn(s, "0123456789+-.eE");
    if (end == s || end[strspn(end, " \t")] != '\0')
        return 0;
    d = strtod(s, &stop);
    if (stop != end || !isfinite(d))
        return 0;
    *ret = d;
    return 1;
}

static int compile_num(struct value *v, const char *text, const struct where *w,
                       struct ah_error *reterr)
{
    static const char *const ops[] = {"gt:", "ge:", "lt:", "le:"};
    const char *rest = text + 4; /* after "num:" */
    size_t i;

    for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
        if (strncmp(rest, ops[i], 3) == 0)
            break;
    if (i == sizeof(ops) / sizeof(ops[0]))
        return bad_value(reterr, w, "number comparison", text, ": expected num:gt|ge|lt|le:NUMBER");
    if (!parse_number(rest + 3, &v->num))
        return bad_value(reterr, w, "number comparison", text, ": not a finite decimal number");
    v->kind = VAL_NUM;
    v->op = (enum num_op)i;
    return AH_OK;
}

/* Parses a prefix length of 0..@max written in decimal; -1 if it is not. */
static int parse_bits(const char *s, unsigned max)
{
    unsigned n = 0;

    if (*s == '\0' || strlen(s) > 3)
        return -1;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        n = n * 10 + (unsigned)(*s - '0');
    }
    return n <= max ? (int)n : -1;
}

/* Rewrites an IPv4-mapped IPv6 address (::ffff:a.b.c.d) as IPv4, so that
 * dual-stack sockets' addresses match IPv4 ranges. */
static void unmap_v4(int *family, unsigned char addr[16], unsigned *bits)
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

    if (*family != AF_INET6 || memcmp(addr, mapped, 12) != 0 || (bits != NULL && *bits < 96))
        return;
    memmove(addr, addr + 12, 4);
    *family = AF_INET;
    if (bits != NULL)
        *bits -= 96;
}

/* Parses @s as an IPv4 or IPv6 address; returns 0 if it is neither. */
static int parse_addr(const char *s, int *family, unsigned char addr[16])
{
    memset(addr, 0, 16);
    if (inet_pton(AF_INET, s, addr) == 1)
        *family = AF_INET;
    else if (inet_pton(AF_INET6, s, addr) == 1)
        *family = AF_INET6;
    else
        return 0;
    return 1;
}

static int compile_cidr(struct value *v, const char *text, const struct where *w,
                        struct ah_error *reterr)
{
    const char *spec = text + 5; /* after "cidr:" */
    const char *slash = strchr(spec, '/');
    size_t alen = slash != NULL ? (size_t)(slash - spec) : strlen(spec);
    char abuf[INET6_ADDRSTRLEN];
    unsigned max;
    int bits;

    if (alen >= sizeof(abuf))
        return bad_value(reterr, w, "CIDR", text, "");
    memcpy(abuf, spec, alen);
    abuf[alen] = '\0';
    if (!parse_addr(abuf, &v->family, v->addr))
        return bad_value(reterr, w, "CIDR", text, "");
    max = v->family == AF_INET ? 32 : 128;
    bits = slash != NULL ? parse_bits(slash + 1, max) : (int)max;
    if (bits < 0)
        return bad_value(reterr, w, "CIDR", text, "");
    v->kind = VAL_CIDR;
    v->bits = (unsigned)bits;
    unmap_v4(&v->family, v->addr, &v->bits);
    return AH_OK;
}

/* Compiles the pattern between the slashes of @text. */
static int compile_regex(struct value *v, const char *text, const struct where *w,
                         struct ah_error *reterr)
{
    struct ah_error err = {AH_OK, ""};
    char detail[sizeof(err.msg) + 1];
    int rc;

    rc = ah_regex_compile(text + 1, strlen(text) - 2, &v->re, &err);
    if (rc == AH_EINVAL) {
        /* err.msg is "at offset N: <PCRE2's message>". */
        snprintf(detail, sizeof(detail), " %s", err.msg);
        return bad_value(reterr, w, "regex", text, detail);
    }
    if (rc < 0)
        return ah_error_set(reterr, rc, "%s", err.msg);
    v->kind = VAL_REGEX;
    return AH_OK;
}

/* Recognises the form of @text in the order filter.h gives. */
static int compile_value(struct value *v, const char *text, const struct where *w,
                         struct ah_error *reterr)
{
    size_t len = strlen(text);

    if (len >= 2 && text[0] == '/' && text[len - 1] == '/')
        return compile_regex(v, text, w, reterr);
    if (strncmp(text, "cidr:", 5) == 0)
        return compile_cidr(v, text, w, reterr);
    if (strncmp(text, "num:", 4) == 0)
        return compile_num(v, text, w, reterr);
    if (strcmp(text, "*") == 0) {
        v->kind = VAL_EXISTS;
        return AH_OK;
    }
    v->kind = strpbrk(text, "*?") != NULL ? VAL_WILDCARD : VAL_EXACT;
    v->text = ah_xstrdup(text);
    return AH_OK;
}

/* ---- compiling conditions and groups ---- */

/* Returns the string in @j, or NULL after setting @reterr, calling it @name.
 * Embedded NULs are refused: fields are C strings, so such a value could
 * never match and would only hide part of itself from messages. */
static const char *string_of(const json_t *j, const char *name, const struct where *w,
                             struct ah_error *reterr)
{
    const char *s = json_string_value(j);

    if (s == NULL)
        ah_error_set(reterr, AH_EINVAL, "%s: %s must be a string", w->text, name);
    else if (strlen(s) != json_string_length(j))
        ah_error_set(reterr, AH_EINVAL, "%s: %s must not contain NUL", w->text, name);
    else if (strlen(s) > AH_FILTER_MAX_VALUE)
        ah_error_set(reterr, AH_EINVAL, "%s: %s is %zu bytes, at most %d are allowed", w->text,
                     name, strlen(s), AH_FILTER_MAX_VALUE);
    else
        return s;
    return NULL;
}

/* Refuses members other than key, oper and vals, so that a misspelt "val"
 * or "op" fails loudly instead of being ignored. */
static int cond_members(const json_t *obj, const struct where *w, struct ah_error *reterr)
{
    const char *name;
    json_t *j;

    if (!json_is_object(obj))
        return ah_error_set(reterr, AH_EINVAL, "%s: must be an object with key, oper and vals",
                            w->text);
    json_object_foreach((json_t *)obj, name, j)
    {
        (void)j;
        if (strcmp(name, "key") != 0 && strcmp(name, "oper") != 0 && strcmp(name, "vals") != 0)
            return ah_error_set(reterr, AH_EINVAL, "%s: unrecognized field \"%.*s\"", w->text,
                                quote_len(name), name);
    }
    return AH_OK;
}

static int compile_key_oper(struct cond *c, const json_t *obj, const struct where *w,
                            struct ah_error *reterr)
{
    const char *key = string_of(json_object_get(obj, "key"), "key", w, reterr);
    const char *oper;

    if (key == NULL)
        return AH_EINVAL;
    c->field = field_of(key);
    if (c->field == FIELD_NONE && strcmp(key, LABEL_PREFIX) == 0)
        return ah_error_set(reterr, AH_EINVAL, "%s: key \"%s\" needs a label name", w->text, key);
    if (c->field == FIELD_NONE)
        return ah_error_set(reterr, AH_EINVAL, "%s: unrecognized key \"%.*s\"", w->text,
                            quote_len(key), key);
    c->key = ah_xstrdup(key);
    c->label = c->field == FIELD_LABEL ? c->key + LABEL_PREFIX_LEN : NULL;
    oper = string_of(json_object_get(obj, "oper"), "oper", w, reterr);
    if (oper == NULL)
        return AH_EINVAL;
    if (strcmp(oper, "IN") != 0 && strcmp(oper, "NOTIN") != 0)
        return ah_error_set(reterr, AH_EINVAL, "%s: oper must be IN or NOTIN, not \"%.*s\"",
                            w->text, quote_len(oper), oper);
    c->notin = oper[0] == 'N';
    return AH_OK;
}

static int compile_cond(struct cond *c, const json_t *obj, const struct where *w,
                        struct ah_error *reterr)
{
    const json_t *vals = json_object_get(obj, "vals");
    char name[24];
    size_t i;
    int rc;

    rc = cond_members(obj, w, reterr);
    if (rc == AH_OK)
        rc = compile_key_oper(c, obj, w, reterr);
    if (rc < 0)
        return rc;
    if (!json_is_array(vals) || json_array_size(vals) == 0)
        return ah_error_set(reterr, AH_EINVAL, "%s: vals must be a non-empty array of strings",
                            w->text);
    if (json_array_size(vals) > AH_FILTER_MAX_VALS)
        return ah_error_set(reterr, AH_EINVAL, "%s: vals holds %zu values, at most %d are allowed",
                            w->text, json_array_size(vals), AH_FILTER_MAX_VALS);
    c->vals = ah_xcalloc(json_array_size(vals), sizeof(*c->vals));
    for (i = 0; i < json_array_size(vals); i++) {
        const char *text;

        snprintf(name, sizeof(name), "vals[%u]", (unsigned)i);
        text = string_of(json_array_get(vals, i), name, w, reterr);
        if (text == NULL)
            return AH_EINVAL;
        c->nvals = i + 1;
        rc = compile_value(&c->vals[i], text, w, reterr);
        if (rc < 0)
            return rc;
    }
    return AH_OK;
}

static int compile_group(struct group *g, const json_t *conds, const char *gname,
                         struct ah_error *reterr)
{
    struct where w;
    size_t i;
    int rc;

    if (!json_is_array(conds))
        return ah_error_set(reterr, AH_EINVAL, "%s must be an array of conditions", gname);
    /* An empty group would hold vacuously and match everything: refuse it,
     * since a silence or drop rule saved half-edited must not take all. */
    if (json_array_size(conds) == 0)
        return ah_error_set(reterr, AH_EINVAL, "%s is empty", gname);
    if (json_array_size(conds) > AH_FILTER_MAX_CONDS)
        return ah_error_set(reterr, AH_EINVAL, "%s holds %zu conditions, at most %d are allowed",
                            gname, json_array_size(conds), AH_FILTER_MAX_CONDS);
    g->conds = ah_xcalloc(json_array_size(conds), sizeof(*g->conds));
    for (i = 0; i < json_array_size(conds); i++) {
        snprintf(w.text, sizeof(w.text), "%s condition %u", gname, (unsigned)(i + 1));
        g->nconds = i + 1;
        rc = compile_cond(&g->conds[i], json_array_get(conds, i), &w, reterr);
        if (rc < 0)
            return rc;
    }
    return AH_OK;
}

static int compile_groups(struct ah_filter *f, const json_t *json, struct ah_error *reterr)
{
    char gname[24];
    size_t i;
    int rc;

    if (json_array_size(json) > AH_FILTER_MAX_GROUPS)
        return ah_error_set(reterr, AH_EINVAL, "filter holds %zu groups, at most %d are allowed",
                            json_array_size(json), AH_FILTER_MAX_GROUPS);
    f->groups = ah_xcalloc(json_array_size(json), sizeof(*f->groups));
    for (i = 0; i < json_array_size(json); i++) {
        snprintf(gname, sizeof(gname), "filter group %u", (unsigned)(i + 1));
        f->ngroups = i + 1;
        rc = compile_group(&f->groups[i], json_array_get(json, i), gname, reterr);
        if (rc < 0)
            return rc;
    }
    return AH_OK;
}

/* Calls @fn on each regex of @f; returns how many there are. */
static size_t each_regex(struct ah_filter *f, void (*fn)(struct ah_regex *re, uint32_t arg),
                         uint32_t arg)
{
    size_t g, c, v, n = 0;

    for (g = 0; g < f->ngroups; g++) {
        for (c = 0; c < f->groups[g].nconds; c++) {
            const struct cond *cond = &f->groups[g].conds[c];

            for (v = 0; v < cond->nvals; v++) {
                if (cond->vals[v].kind != VAL_REGEX)
                    continue;
                n++;
                if (fn != NULL)
                    fn(cond->vals[v].re, arg);
            }
        }
    }
    return n;
}

/* Divides the rule's step budget among its patterns (filter.h). */
static int share_budget(struct ah_filter *f, struct ah_error *reterr)
{
    size_t n = each_regex(f, NULL, 0);

    if (n == 0)
        return AH_OK;
    if (AH_RULE_STEPS / n < AH_REGEX_MIN_STEPS)
        return ah_error_set(reterr, AH_EINVAL,
                            "filter has %zu regular expressions; at most %d fit in one rule's "
                            "budget of %d match steps",
                            n, AH_RULE_STEPS / AH_REGEX_MIN_STEPS, AH_RULE_STEPS);
    (void)each_regex(f, ah_regex_set_limit, (uint32_t)(AH_RULE_STEPS / n));
    return AH_OK;
}

int ah_filter_compile(const json_t *json, enum ah_filter_shape shape, struct ah_filter **ret,
                      struct ah_error *reterr)
{
    struct ah_filter *f = ah_xcalloc(1, sizeof(*f));
    int rc = AH_OK;

    /* JSON null counts as absent: clients send {"if": null} for "always". */
    if (json != NULL && !json_is_null(json) && !json_is_array(json)) {
        rc = ah_error_set(reterr, AH_EINVAL, "filter must be an array of %s",
                          shape == AH_FILTER_AND ? "conditions" : "groups of conditions");
        goto fail;
    }
    if (json_array_size(json) == 0)
        goto out;
    if (shape == AH_FILTER_AND) {
        f->groups = ah_xcalloc(1, sizeof(*f->groups));
        f->ngroups = 1;
        rc = compile_group(&f->groups[0], json, "filter", reterr);
    } else {
        rc = compile_groups(f, json, reterr);
    }
    if (rc == AH_OK)
        rc = share_budget(f, reterr);
    if (rc < 0)
        goto fail;
out:
    *ret = f;
    return AH_OK;
fail:
    ah_filter_free(f);
    return rc;
}

void ah_filter_free(struct ah_filter *f)
{
    size_t g, c, v;

    if (f == NULL)
        return;
    for (g = 0; g < f->ngroups; g++) {
        for (c = 0; c < f->groups[g].nconds; c++) {
            struct cond *cond = &f->groups[g].conds[c];

            for (v = 0; v < cond->nvals; v++) {
                ah_free(cond->vals[v].text);
                ah_regex_free(cond->vals[v].re);
            }
            ah_free(cond->vals);
            ah_free(cond->key);
        }
        ah_free(f->groups[g].conds);
    }
    ah_free(f->groups);
    ah_free(f);
}

/* ---- matching ---- */

/* Returns the byte length of the UTF-8 character at @s (of @n bytes left);
 * a byte that does not start a well-formed sequence counts as one, so that
 * fields in other encodings still match byte-wise. */
static size_t utf8_char_len(const unsigned char *s, size_t n)
{
    size_t len, i;

    if (s[0] < 0xc2 || s[0] > 0xf4)
        return 1;
    len = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
    if (len > n)
        return 1;
    for (i = 1; i < len; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 1;
    return len;
}

/* Whole-string wildcard match: '*' any run, '?' one character. The classic
 * two-pointer walk: on a mismatch only the last '*' is retried, one
 * character further on, so the cost is O(len(p) * len(s)) at worst, with no
 * recursion whatever the pattern. */
static int glob_match(const char *pat, const char *str)
{
    const unsigned char *p = (const unsigned char *)pat, *s = (const unsigned char *)str;
    const unsigned char *star = NULL, *retry = NULL;
    size_t slen = strlen(str), n;

    while (*s != '\0') {
        n = slen - (size_t)(s - (const unsigned char *)str);
        if (*p == '*') {
            star = ++p;
            retry = s;
        } else if (*p == '?') {
            p++;
            s += utf8_char_len(s, n);
        } else if (*p != '\0' && *p == *s) {
            p++;
            s++;
        } else if (star != NULL) {
            retry += utf8_char_len(retry, slen - (size_t)(retry - (const unsigned char *)str));
            p = star;
            s = retry;
        } else {
            return 0;
        }
    }
    while (*p == '*')
        p++;
    return *p == '\0';
}

static int cidr_match(const struct value *v, const char *field)
{
    unsigned char addr[16];
    unsigned whole = v->bits / 8, rest = v->bits % 8;
    int family;

    if (!parse_addr(field, &family, addr))
        return 0;
    /* Only against an IPv4 range: an IPv6 range such as ::/0 keeps taking
     * mapped addresses as the IPv6 addresses they also are. */
    if (v->family == AF_INET)
        unmap_v4(&family, addr, NULL);
    if (family != v->family || memcmp(addr, v->addr, whole) != 0)
        return 0;
    return rest == 0 || ((addr[whole] ^ v->addr[whole]) & (0xff00u >> rest) & 0xffu) == 0;
}

static int num_match(const struct value *v, const char *field)
{
    double d;

    if (!parse_number(field, &d))
        return 0;
    switch (v->op) {
    case NUM_GT:
        return d > v->num;
    case NUM_GE:
        return d >= v->num;
    case NUM_LT:
        return d < v->num;
    case NUM_LE:
        return d <= v->num;
    }
    return 0;
}

void ah_rule_budget_start(struct ah_rule_budget *b, int64_t ns)
{
    b->ns = ns;
    b->deadline_ns = -1;
    b->exhausted = 0;
}

static int64_t thread_cpu_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* 1 while @b (may be NULL) has time left; checked before each regex, the
 * only matching that can take long. The clock starts at the first regex:
 * reading a thread's CPU time is a system call, and most events meet no
 * regex at all. */
static int budget_left(struct ah_rule_budget *b)
{
    if (b == NULL)
        return 1;
    if (b->deadline_ns < 0) {
        b->deadline_ns = thread_cpu_ns() + b->ns;
        if (b->ns > 0)
            return 1;
    }
    if (!b->exhausted)
        b->exhausted = thread_cpu_ns() >= b->deadline_ns;
    return !b->exhausted;
}

static int value_match(const struct value *v, const char *field, struct ah_rule_budget *b)
{
    switch (v->kind) {
    case VAL_EXACT:
        return strcmp(v->text, field) == 0;
    case VAL_EXISTS:
        return 1;
    case VAL_WILDCARD:
        return glob_match(v->text, field);
    case VAL_REGEX:
        /* Hitting the match or depth limit is "no match"; a spent budget
         * makes the whole filter fail (ah_filter_match). */
        return budget_left(b) && ah_regex_search(v->re, field);
    case VAL_CIDR:
        return cidr_match(v, field);
    case VAL_NUM:
        return num_match(v, field);
    }
    return 0;
}

static int cond_match(const struct cond *c, const struct ah_filter_subject *s)
{
    char buf[24];
    const char *field = field_get(s, c->field, c->label, buf);
    int any = 0;
    size_t i;

    /* A missing field matches no value, so IN fails and NOTIN holds. */
    for (i = 0; field != NULL && !any && i < c->nvals; i++)
        any = value_match(&c->vals[i], field, s->budget);
    return c->notin ? !any : any;
}

int ah_filter_match(const struct ah_filter *f, const struct ah_filter_subject *s)
{
    size_t g, c;

    if (f->ngroups == 0)
        return 1;
    for (g = 0; g < f->ngroups; g++) {
        const struct group *grp = &f->groups[g];

        for (c = 0; c < grp->nconds && cond_match(&grp->conds[c], s); c++)
            ;
        /* Once the budget is spent no answer can be trusted (a NOTIN of a
         * skipped pattern would hold): the rule does not match. */
        if (s->budget != NULL && s->budget->exhausted)
            return 0;
        if (c == grp->nconds)
            return 1;
    }
    return 0;
}

void ah_filter_values_digest(const struct ah_filter_subject *s, char *const *keys, size_t n,
                             char hex[33])
{
    unsigned char digest[AH_SHA256_LEN];
    struct ah_sha256 c;
    char idbuf[24];
    size_t i;

    ah_sha256_init(&c);
    for (i = 0; i < n; i++) {
        const char *v = ah_filter_field(s, keys[i], idbuf);

        ah_sha256_update(&c, v ? v : "", v ? strlen(v) + 1 : 1);
    }
    ah_sha256_final(&c, digest);
    ah_hex_encode(digest, 16, hex);
}

void ah_filter_subject_of_alert(const struct ah_alert *a, struct ah_filter_subject *ret,
                                json_t **ret_labels)
{
    *ret_labels = a->labels_text ? json_loads(a->labels_text, 0, NULL) : NULL;
    *ret = (struct ah_filter_subject){.severity = ah_status_name(a->level, a->recovered),
                                      .title = a->title,
                                      .description = a->description,
                                      .alert_key = a->alert_key,
                                      .integration_id = a->integration_id,
                                      .labels = *ret_labels};
}
