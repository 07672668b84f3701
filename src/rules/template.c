/* template.c - title and description templates (see template.h). A hand
 * scanner rather than a regex: every scan stops at the next delimiter, so a
 * hostile template costs linear time, and the output is capped. Depends on
 * util/ and jansson only. */
#include "rules/template.h"

#include "util/alloc.h"
#include "util/buf.h"

#include <stddef.h>
#include <string.h>

/* Label values are not yet truncated when titles render, so a template that
 * repeats a large label could otherwise grow without bound. */
#define OUT_MAX (64 * 1024)

struct out {
    struct ah_buf b;
    int full; /* the cap was hit: nothing more is appended */
};

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

static int is_cont(char c)
{
    return ((unsigned char)c & 0xC0) == 0x80;
}

/* Appends @n bytes of @p, cut at the cap on a code-point boundary. */
static void emit(struct out *o, const char *p, size_t n)
{
    size_t room = OUT_MAX - o->b.len;

    if (o->full)
        return;
    if (n > room) {
        n = room;
        while (n > 0 && is_cont(p[n]))
            n--;
        o->full = 1;
    }
    if (n > 0)
        ah_buf_append(&o->b, p, n);
}

static void emit_str(struct out *o, const char *s)
{
    if (s != NULL)
        emit(o, s, strlen(s));
}

/* Returns label @name (@n bytes) or NULL when absent or not a string. */
static const char *label(const struct ah_template_vars *v, const char *name, size_t n)
{
    if (v == NULL || v->labels == NULL)
        return NULL;
    return json_string_value(json_object_getn(v->labels, name, n));
}

static void trim(const char **p, size_t *n)
{
    while (*n > 0 && is_space(**p)) {
        (*p)++;
        (*n)--;
    }
    while (*n > 0 && is_space((*p)[*n - 1]))
        (*n)--;
}

/* ---- simplified: "$a::$b" ---- */

static void render_part(struct out *o, const char *p, size_t n, const struct ah_template_vars *v)
{
    const char *val = NULL;

    trim(&p, &n);
    if (n >= 2 && p[0] == '$')
        val = label(v, p + 1, n - 1);
    if (val != NULL)
        emit_str(o, val);
    else
        emit(o, p, n); /* a missing label keeps "$name" */
}

static void render_simplified(struct out *o, const char *s, const struct ah_template_vars *v)
{
    const char *sep;

    for (;;) {
        sep = strstr(s, "::");
        render_part(o, s, sep ? (size_t)(sep - s) : strlen(s), v);
        if (sep == NULL)
            return;
        emit(o, " / ", 3);
        s = sep + 2;
    }
}

/* ---- [TPL]: ${name} and {{ action }} ---- */

/* Returns the text after a "[TPL]" marker, or NULL. The old docs spell it
 * "[ TPL ]", so spaces are allowed around and inside the brackets. */
static const char *after_marker(const char *s)
{
    while (is_space(*s))
        s++;
    if (*s++ != '[')
        return NULL;
    while (is_space(*s))
        s++;
    if (strncmp(s, "TPL", 3) != 0)
        return NULL;
    s += 3;
    while (is_space(*s))
        s++;
    return *s == ']' ? s + 1 : NULL;
}

/* Renders "${name}" at @s; returns the bytes consumed, or 0 when @s does not
 * start a variable. The name stops at '{' or '$' too, so that scanning stays
 * linear on input such as "${${${". */
static size_t render_dollar(struct out *o, const char *s, const struct ah_template_vars *v)
{
    const char *name = s + 2, *close, *val;
    size_t n = strcspn(name, "}{$");

    close = name + n;
    if (*close != '}')
        return 0;
    trim(&name, &n);
    val = n > 0 ? label(v, name, n) : NULL;
    emit_str(o, val ? val : "<no value>");
    return (size_t)(close + 1 - s);
}

#define FIELD(name, member)                                                                        \
    {                                                                                              \
        name, offsetof(struct ah_template_vars, member)                                            \
    }

static const struct {
    const char *name;
    size_t off;
} fields[] = {
    FIELD(".Title", title),
    FIELD(".Description", description),
    /* label composition's spelling (spec 11.2) */
    FIELD(".title", title),
    FIELD(".description", description),
    FIELD(".EventSeverity", event_severity),
    FIELD(".EventStatus", event_status),
    FIELD(".AlertKey", alert_key),
    FIELD(".TitleRule", title_rule),
    FIELD(".IntegrationType", integration_type),
    FIELD(".IntegrationName", integration_name),
};

/* Returns 1 and sets *@ret (NULL = missing) when @p names a field. */
static int field_value(const char *p, size_t n, const struct ah_template_vars *v, const char **ret)
{
    size_t i;

    for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        if (strlen(fields[i].name) == n && memcmp(fields[i].name, p, n) == 0) {
            *ret = v ? *(const char *const *)((const char *)v + fields[i].off) : NULL;
            return 1;
        }
    }
    return 0;
}

/* Skips @word and the spaces after it; returns 0 when @word is not there. */
static int eat(const char **p, const char *end, const char *word)
{
    size_t n = strlen(word);

    if ((size_t)(end - *p) < n || memcmp(*p, word, n) != 0)
        return 0;
    *p += n;
    while (*p < end && is_space(**p))
        (*p)++;
    return 1;
}

/* Recognises `index .Labels "x"` (or a raw `x` string); returns 1 and sets
 * *@ret to the label's value (NULL when missing). */
static int index_value(const char *p, size_t n, const struct ah_template_vars *v, const char **ret)
{
    const char *end = p + n, *key;
    char quote;

    if (!eat(&p, end, "index") || !is_space(p[-1]) ||
        !(eat(&p, end, ".Labels") || eat(&p, end, ".labels")))
        return 0;
    if (p == end || (*p != '"' && *p != '`') || !is_space(p[-1]))
        return 0;
    quote = *p++;
    key = p;
    while (p < end && *p != quote && *p != '\\')
        p++;
    /* escapes are not supported: such an action stays literal */
    if (p == end || *p != quote || p + 1 != end)
        return 0;
    *ret = label(v, key, (size_t)(p - key));
    return 1;
}

/* Evaluates the action @p (@n bytes, between the braces); returns 0 when it
 * is not one we know, so that the caller keeps it literally. */
static int render_action(struct out *o, const char *p, size_t n, const struct ah_template_vars *v)
{
    const char *val = NULL;
    size_t i;

    trim(&p, &n);
    if (n > 8 && (memcmp(p, ".Labels.", 8) == 0 || memcmp(p, ".labels.", 8) == 0)) {
        for (i = 8; i < n; i++) {
            if (is_space(p[i]) || p[i] == '"')
                return 0;
        }
        val = label(v, p + 8, n - 8);
    } else if (!field_value(p, n, v, &val) && !index_value(p, n, v, &val)) {
        return 0;
    }
    emit_str(o, val); /* missing is the empty string, as the newer docs say */
    return 1;
}

/* Renders "{{ action }}" at @s; returns the bytes consumed, or 0 when @s
 * does not start a closed action. The action ends at "}}", and a "{{"
 * before it means this one is not closed (keeps the scan linear). */
static size_t render_braces(struct out *o, const char *s, const struct ah_template_vars *v)
{
    const char *p = s + 2;

    while (*p != '\0' && !(p[0] == '}' && p[1] == '}') && !(p[0] == '{' && p[1] == '{'))
        p++;
    if (p[0] != '}')
        return 0;
    if (!render_action(o, s + 2, (size_t)(p - s - 2), v))
        emit(o, s, (size_t)(p + 2 - s));
    return (size_t)(p + 2 - s);
}

static void render_tpl(struct out *o, const char *s, const struct ah_template_vars *v)
{
    const char *lit = s;
    size_t used;

    while (*s != '\0' && !o->full) {
        used = 0;
        if (s[0] == '$' && s[1] == '{') {
            emit(o, lit, (size_t)(s - lit));
            used = render_dollar(o, s, v);
        } else if (s[0] == '{' && s[1] == '{') {
            emit(o, lit, (size_t)(s - lit));
            used = render_braces(o, s, v);
        } else {
            s++;
            continue;
        }
        /* on no match the literal run simply goes on from here */
        lit = used ? s + used : s;
        s += used ? used : 1;
    }
    emit(o, lit, strlen(lit));
}

char *ah_template_render_go(const char *tpl, const struct ah_template_vars *vars)
{
    struct out o = {.full = 0};

    ah_buf_init(&o.b);
    render_tpl(&o, tpl ? tpl : "", vars);
    return ah_buf_steal(&o.b);
}

char *ah_template_render(const char *tpl, const struct ah_template_vars *vars)
{
    struct out o = {.full = 0};
    const char *body;

    ah_buf_init(&o.b);
    if (tpl == NULL)
        tpl = "";
    body = after_marker(tpl);
    if (body != NULL)
        render_tpl(&o, body, vars);
    else if (tpl[0] == '$' || strstr(tpl, "::") != NULL)
        render_simplified(&o, tpl, vars);
    else
        emit_str(&o, tpl);
    return ah_buf_steal(&o.b);
}
