/* json_fixture.h - test JSON written inline. Include after <cmocka.h>. */
#ifndef AH_TESTS_JSON_FIXTURE_H
#define AH_TESTS_JSON_FIXTURE_H

#include <jansson.h>

/* Returns a new JSON value for @text (any type); a typo in a test's JSON
 * fails the test with jansson's message instead of passing NULL along. */
static inline json_t *parse_json(const char *text)
{
    json_error_t jerr;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &jerr);

    if (j == NULL)
        fail_msg("bad test JSON %s: %s", text, jerr.text);
    return j;
}

#endif
