/* schedule.c - fuzz target: a silence rule's time part (any JSON) compiled
 * with ah_schedule_compile and asked whether it is active or expired at a
 * few instants: the epoch, around a daylight-saving change, and now-ish. */
#include "fuzz.h"

#include "rules/schedule.h"

static const int64_t instants[] = {
    0,          /* 1970-01-01 Thursday */
    1711846800, /* 2024-03-31 01:00 UTC: Europe's spring change */
    1730595600, /* 2024-11-03 01:00 UTC: before US fall change */
    1767225599, /* 2025-12-31 23:59:59 UTC */
    4102444800, /* 2100-01-01 */
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *json = fuzz_json(data, size);
    struct ah_schedule *s = NULL;
    struct ah_error err;
    size_t i;

    if (json == NULL)
        return 0;
    if (ah_schedule_compile(json, &s, &err) == AH_OK) {
        for (i = 0; i < sizeof(instants) / sizeof(instants[0]); i++) {
            (void)ah_schedule_active(s, instants[i]);
            (void)ah_schedule_expired(s, instants[i]);
        }
        ah_schedule_free(s);
    }
    json_decref(json);
    return 0;
}
