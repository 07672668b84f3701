/* filter.h - the filter language that every rule kind uses (spec section 8;
 * api.md section 3): an OR of AND-groups of conditions
 *
 *   [[{"key": "labels.service", "oper": "IN", "vals": ["payment"]}, ...], ...]
 *
 * Keys: severity, title, description, alert_key, integration_id,
 * labels.NAME. Operators: IN (some value matches), NOTIN (no value
 * matches). A value is, in this order of recognition:
 *   "/re/"               PCRE2 regex, unanchored search, with match and depth
 *                        limits so that a hostile pattern cannot stall a thread
 *                        (rules/regex.h)
 *   "cidr:10.0.0.0/8"    the field parsed as an IPv4 or IPv6 address is inside
 *   "num:gt:90"          gt ge lt le: the field parsed as a number compares
 *   contains * or ?      wildcard over the whole field (* any run, ? one char)
 *   "*" alone            the field exists (IN) / does not exist (NOTIN)
 *   anything else        exact, case-sensitive equality
 * A missing field matches no value: IN is false and NOTIN is true.
 *
 * Filters are compiled once per configuration change (ah_filter_compile),
 * never per event; a compiled filter is immutable and may be matched from
 * any thread. */
#ifndef AH_RULES_FILTER_H
#define AH_RULES_FILTER_H

#include "util/error.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Limits on what one filter may hold; over them compile refuses. */
#define AH_FILTER_MAX_GROUPS 20
#define AH_FILTER_MAX_CONDS  20  /* per group */
#define AH_FILTER_MAX_VALS   100 /* per condition */
#define AH_FILTER_MAX_VALUE  1024

struct ah_filter;

/* What a filter looks at: an event or an alert (strings may be NULL when the
 * field is absent; @labels may be NULL). Borrowed for the call. */
struct ah_filter_subject {
    const char *severity;
    const char *title;
    const char *description;
    const char *alert_key;
    int64_t integration_id;
    const json_t *labels;
};

enum ah_filter_shape {
    AH_FILTER_OR_OF_AND, /* [[cond, ...], ...] */
    AH_FILTER_AND,       /* [cond, ...]: one group (grouping cases, enrichment) */
};

/* Compiles @json (NULL or [] = a filter that matches everything). On error
 * returns AH_EINVAL with a message naming the bad key, operator or value
 * (e.g. `invalid regex "/(/" at offset 1: missing closing parenthesis`), and
 * sets nothing. Returns a new filter; free with ah_filter_free(). */
int ah_filter_compile(const json_t *json, enum ah_filter_shape shape, struct ah_filter **ret,
                      struct ah_error *reterr);
void ah_filter_free(struct ah_filter *f); /* NULL is a no-op */

/* Returns 1 when @s matches @f (any group whose every condition holds), else
 * 0. A regex that hits its match limit counts as not matching. */
int ah_filter_match(const struct ah_filter *f, const struct ah_filter_subject *s);

/* Looks up field @key ("title", "labels.host", ...) of @s; NULL if absent.
 * *@buf receives integration_id formatted (24 bytes). Shared with grouping,
 * which compares the same fields. */
const char *ah_filter_field(const struct ah_filter_subject *s, const char *key, char buf[24]);

/* A digest of the values of fields @keys (@n of them) of @s, as 32 hex
 * digits: equal values give equal digests. A missing field counts as empty.
 * Inhibit rules index their sources by it. */
void ah_filter_values_digest(const struct ah_filter_subject *s, char *const *keys, size_t n,
                             char hex[33]);

/* Returns 1 when @key is a key the language knows. */
int ah_filter_key_valid(const char *key);

#endif
