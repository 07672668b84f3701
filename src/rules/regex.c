/* regex.c - see regex.h. The only file that includes PCRE2. Patterns are
 * interpreted, never JIT-compiled, so that the match limit always applies. */
#include "rules/regex.h"

#include "util/alloc.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#define RESULT_GROUP "result"

struct ah_regex {
    pcre2_code *code;
    /* Holds the limits; pcre2_match only reads it, so it is shared by all
     * threads that match this regex. */
    pcre2_match_context *mctx;
    /* The name table entries for the groups named "result" (first to last;
     * several only under (?J) or (?|...)), or NULL when there is none. They
     * point into @code. */
    PCRE2_SPTR result_first, result_last;
    size_t result_entry; /* bytes per entry */
};

int ah_regex_compile(const char *pattern, size_t len, struct ah_regex **ret,
                     struct ah_error *reterr)
{
    uint32_t opts = PCRE2_UTF | PCRE2_NEVER_BACKSLASH_C;
    PCRE2_UCHAR emsg[160];
    PCRE2_SIZE off;
    struct ah_regex *re;
    pcre2_code *code;
    int ecode, n;

#ifdef PCRE2_MATCH_INVALID_UTF
    /* Subjects are not guaranteed valid UTF-8; such a subject simply does
     * not match there instead of making every match fail with a UTF error. */
    opts |= PCRE2_MATCH_INVALID_UTF;
#endif
    code = pcre2_compile((PCRE2_SPTR)pattern, len, opts, &ecode, &off, NULL);
    if (code == NULL) {
        if (pcre2_get_error_message(ecode, emsg, sizeof(emsg)) < 0)
            snprintf((char *)emsg, sizeof(emsg), "error %d", ecode);
        return ah_error_set(reterr, AH_EINVAL, "at offset %zu: %s", (size_t)off,
                            (const char *)emsg);
    }
    re = ah_xcalloc(1, sizeof(*re));
    re->code = code;
    re->mctx = pcre2_match_context_create(NULL);
    if (re->mctx == NULL) {
        ah_regex_free(re);
        return ah_error_set(reterr, AH_ENOMEM, "could not allocate a regex match context");
    }
    pcre2_set_match_limit(re->mctx, AH_REGEX_MATCH_LIMIT);
    pcre2_set_depth_limit(re->mctx, AH_REGEX_DEPTH_LIMIT);
    n = pcre2_substring_nametable_scan(code, (PCRE2_SPTR)RESULT_GROUP, &re->result_first,
                                       &re->result_last);
    if (n > 0)
        re->result_entry = (size_t)n;
    else
        re->result_first = re->result_last = NULL;
    *ret = re;
    return AH_OK;
}

void ah_regex_set_limit(struct ah_regex *re, uint32_t limit)
{
    pcre2_set_match_limit(re->mctx, limit < AH_REGEX_MATCH_LIMIT ? limit : AH_REGEX_MATCH_LIMIT);
}

void ah_regex_free(struct ah_regex *re)
{
    if (re == NULL)
        return;
    pcre2_match_context_free(re->mctx);
    pcre2_code_free(re->code);
    ah_free(re);
}

/* Runs @re on @subject into @md. Returns 1 on a match, 0 otherwise: hitting
 * the match or depth limit, like any other error, is "no match". */
static int run(const struct ah_regex *re, const char *subject, pcre2_match_data *md)
{
    /* 0 means "matched, but the ovector was too small": still a match. */
    return pcre2_match(re->code, (PCRE2_SPTR)subject, strlen(subject), 0, 0, md, re->mctx) >= 0;
}

/* Match data is made per call so that one compiled regex can serve many
 * threads at once. */
int ah_regex_search(const struct ah_regex *re, const char *subject)
{
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    int matched;

    if (md == NULL)
        return 0;
    matched = run(re, subject, md);
    pcre2_match_data_free(md);
    return matched;
}

/* Returns the number of the first group named "result" that took part in
 * the match in @md (as PCRE2's own *_byname calls choose), or -1. */
static int result_group(const struct ah_regex *re, pcre2_match_data *md)
{
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    uint32_t pairs = pcre2_get_ovector_count(md);
    PCRE2_SPTR e;
    uint32_t g;

    for (e = re->result_first; e <= re->result_last; e += re->result_entry) {
        g = ((uint32_t)e[0] << 8) | e[1]; /* entries begin with the number */
        if (g < pairs && ov[2 * g] != PCRE2_UNSET)
            return (int)g;
    }
    return -1;
}

int ah_regex_extract(const struct ah_regex *re, const char *subject, size_t *ret_off,
                     size_t *ret_len)
{
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re->code, NULL);
    PCRE2_SIZE *ov;
    int g = 0, found = 0;

    if (md == NULL)
        return 0;
    if (run(re, subject, md)) {
        if (re->result_first != NULL)
            g = result_group(re, md);
        ov = pcre2_get_ovector_pointer(md);
        /* End before start is possible only with \K in a lookaround. */
        if (g >= 0 && ov[2 * g + 1] >= ov[2 * g]) {
            *ret_off = ov[2 * g];
            *ret_len = ov[2 * g + 1] - ov[2 * g];
            found = 1;
        }
    }
    pcre2_match_data_free(md);
    return found;
}
