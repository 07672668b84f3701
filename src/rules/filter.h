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

/* Budgets (docs/security.md): a hostile rule must not stall a thread.
 * - Per rule, at save time: its regular expressions share AH_RULE_STEPS
 *   PCRE2 match steps (about 20 ms here): each pattern's match limit is
 *   AH_RULE_STEPS / (patterns in the rule), at most AH_REGEX_MATCH_LIMIT;
 *   a rule needing a limit under AH_REGEX_MIN_STEPS (more than 1,000
 *   patterns) is refused.
 * - Per event, at run time: every rule the event meets shares
 *   AH_EVENT_RULE_NS of the thread's CPU time. Once it is spent, each
 *   filter still to be matched does not match (as if the rule did not
 *   apply), and the budget says so, for a counter and a log line. */
#define AH_RULE_STEPS      1000000
#define AH_REGEX_MIN_STEPS 1000
#define AH_EVENT_RULE_NS   (50 * 1000000LL)

struct ah_rule_budget {
    int64_t ns;
    int64_t deadline_ns; /* CLOCK_THREAD_CPUTIME_ID; -1: not started */
    int exhausted;
};

/* Starts a budget of @ns of this thread's CPU time (AH_EVENT_RULE_NS),
 * counted from the first regex the event meets. */
void ah_rule_budget_start(struct ah_rule_budget *b, int64_t ns);

/* What a filter looks at: an event or an alert (strings may be NULL when the
 * field is absent; @labels may be NULL). Borrowed for the call. */
struct ah_filter_subject {
    const char *severity;
    const char *title;
    const char *description;
    const char *alert_key;
    int64_t integration_id;
    const json_t *labels;
    struct ah_rule_budget *budget; /* NULL: unbounded (previews, tests) */
};

/* The subject of an alert as its row holds it: its current status, title,
 * description, key, integration and labels (parsed from @a->labels_text
 * into *@ret_labels, NULL when it has none; the caller json_decref()s it).
 * The row's strings stay borrowed. */
struct ah_alert;
void ah_filter_subject_of_alert(const struct ah_alert *a, struct ah_filter_subject *ret,
                                json_t **ret_labels);

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
