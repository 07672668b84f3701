/* integration.c - see integration.h. */
#include "model/integration.h"

#include "util/alloc.h"

#include <string.h>

void ah_integration_done(struct ah_integration *i)
{
    ah_free(i->name);
    ah_free(i->type);
    ah_free(i->key);
    memset(i, 0, sizeof(*i));
}

void ah_integration_copy(struct ah_integration *dst, const struct ah_integration *src)
{
    *dst = *src;
    dst->name = ah_xstrdup(src->name);
    dst->type = ah_xstrdup(src->type);
    dst->key = ah_xstrdup(src->key);
}
