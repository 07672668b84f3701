/* field.h - reading the JSON fields of rules: what the compilers of
 * silence windows (schedule.c) and on-call schedules (rota.c) share. Each
 * compiler words its own refusals; these helpers only parse. Pure
 * functions; any thread. Depends on jansson only. */
#ifndef AH_RULES_FIELD_H
#define AH_RULES_FIELD_H

#include <jansson.h>

/* Member @key of @obj, with JSON null counted as absent (NULL); borrowed
 * from @obj. */
const json_t *ah_field_get(const json_t *obj, const char *key);

/* The first key of object @obj that is not in @known (NULL-terminated), so
 * that a misspelt field fails loudly instead of quietly meaning a default;
 * NULL when there is none. Borrowed from @obj. */
const char *ah_field_unknown(const json_t *obj, const char *const *known);

/* A wall-clock time "HH:MM" from 00:00 to 23:59 in string @v, as seconds
 * after midnight; -1 when @v is anything else. */
int ah_field_clock(const json_t *v);

/* Weekdays in array @days (NULL or not an array: none), each an integer
 * from @first to @first + 6, into *@ret as a bit set: bit d - @first for
 * day d. -1 (and *@ret untouched) when an item is not such a day. */
int ah_field_days(const json_t *days, int first, unsigned *ret);

#endif
