/* registry.c - the table of integration types. Adding a vendor is one row
 * here plus its adapter file. */
#include "ingest/adapter.h"

#include <string.h>

static const struct ah_adapter *const adapters[] = {
    &ah_adapter_standard,
    &ah_adapter_volcengine_rtc,
    &ah_adapter_alertmanager,
};

#define NADAPTERS (sizeof(adapters) / sizeof(adapters[0]))
_Static_assert(NADAPTERS <= AH_ADAPTER_MAX, "raise AH_ADAPTER_MAX in adapter.h");

const struct ah_adapter *ah_adapter_by_path(const char *path)
{
    size_t i;

    for (i = 0; i < NADAPTERS; i++) {
        if (strcmp(adapters[i]->path, path) == 0)
            return adapters[i];
    }
    return NULL;
}

const struct ah_adapter *ah_adapter_by_type(const char *type)
{
    size_t i;

    for (i = 0; i < NADAPTERS; i++) {
        if (strcmp(adapters[i]->type, type) == 0)
            return adapters[i];
    }
    return NULL;
}

size_t ah_adapter_count(void)
{
    return NADAPTERS;
}

const struct ah_adapter *ah_adapter_at(size_t i)
{
    return i < NADAPTERS ? adapters[i] : NULL;
}
