/* regex.h - the one place that compiles and runs PCRE2 patterns for rules:
 * filter values written /re/ and label extraction (spec 7.1). Every match
 * runs under a match limit and a depth limit, so that a hostile pattern
 * cannot stall a thread; hitting a limit counts as "no match". A compiled
 * regex is immutable and may be matched from any thread at once. */
#ifndef AH_RULES_REGEX_H
#define AH_RULES_REGEX_H

#include "util/error.h"

#include <stddef.h>
#include <stdint.h>

#define AH_REGEX_MATCH_LIMIT 100000 /* PCRE2 match limit per match, at most */
#define AH_REGEX_DEPTH_LIMIT 10000

struct ah_regex;

/* Compiles @len bytes of @pattern (UTF-8 mode; Go/RE2-style named groups
 * (?P<name>...) are accepted, as PCRE2 accepts them). On error returns
 * AH_EINVAL with "at offset N: <PCRE2's message>" and sets nothing. Returns
 * a new regex; free with ah_regex_free(). */
int ah_regex_compile(const char *pattern, size_t len, struct ah_regex **ret,
                     struct ah_error *reterr);
void ah_regex_free(struct ah_regex *re); /* NULL is a no-op */

/* Lowers @re's match limit to @limit steps (before @re is shared between
 * threads: a rule divides its budget among its patterns). */
void ah_regex_set_limit(struct ah_regex *re, uint32_t limit);

/* Returns 1 when @re matches somewhere in @subject (unanchored), else 0.
 * @subject need not be valid UTF-8: where PCRE2 has PCRE2_MATCH_INVALID_UTF
 * (10.34 on) an invalid sequence matches nothing and the rest matches as
 * usual; with an older PCRE2 such a subject does not match at all. */
int ah_regex_search(const struct ah_regex *re, const char *subject);

/* Searches @subject; on a match returns 1 and sets *@ret_off and *@ret_len
 * to the part extracted (byte offset into @subject and byte length): the
 * named group "result" when the pattern has one (and it took part in the
 * match; with several groups of that name, the first that did), else the
 * whole match. Returns 0 when there is no match or no "result" group took
 * part. */
int ah_regex_extract(const struct ah_regex *re, const char *subject, size_t *ret_off,
                     size_t *ret_len);

#endif
