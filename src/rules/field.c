/* field.c - see field.h. */
#include "rules/field.h"

#include <string.h>

const json_t *ah_field_get(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);

    return json_is_null(v) ? NULL : v;
}

const char *ah_field_unknown(const json_t *obj, const char *const *known)
{
    const char *key;
    json_t *v;
    size_t i;

    json_object_foreach((json_t *)obj, key, v)
    {
        (void)v;
        for (i = 0; known[i] != NULL && strcmp(known[i], key) != 0; i++)
            ;
        if (known[i] == NULL)
            return key;
    }
    return NULL;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

int ah_field_clock(const json_t *v)
{
    const char *s = json_string_value(v);
    int h, m;

    /* (A string that holds a NUL is refused: C would cut it off.) */
    if (s == NULL || json_string_length(v) != 5 || strlen(s) != 5 || !is_digit(s[0]) ||
        !is_digit(s[1]) || s[2] != ':' || !is_digit(s[3]) || !is_digit(s[4]))
        return -1;
    h = (s[0] - '0') * 10 + (s[1] - '0');
    m = (s[3] - '0') * 10 + (s[4] - '0');
    return h < 24 && m < 60 ? h * 3600 + m * 60 : -1;
}

int ah_field_days(const json_t *days, int first, unsigned *ret)
{
    unsigned mask = 0;
    const json_t *v;
    size_t i;

    json_array_foreach(days, i, v)
    {
        if (!json_is_integer(v) || json_integer_value(v) < first ||
            json_integer_value(v) > first + 6)
            return -1;
        mask |= 1u << (json_integer_value(v) - first);
    }
    *ret = mask;
    return 0;
}
