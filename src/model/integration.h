/* integration.h - an integration: where events come from (a push URL with a
 * key) and, when private, the one channel they go to. */
#ifndef AH_MODEL_INTEGRATION_H
#define AH_MODEL_INTEGRATION_H

#include <stdint.h>

#define AH_MAX_NAME 59 /* channel and integration names, in code points */

/* Default push rate limits per integration (spec section 2.4). */
#define AH_RATE_PER_SEC_DEFAULT 100
#define AH_RATE_PER_MIN_DEFAULT 1000

struct ah_integration {
    int64_t id;
    char *name;
    char *type;         /* an adapter type: "standard", "volcengine_rtc" */
    int64_t channel_id; /* 0: shared (routed by rules) */
    char *key;          /* the integration key (a secret in the push URL) */
    int rate_per_sec;
    int rate_per_min;
};

/* Frees the strings of @i (not @i itself). */
void ah_integration_done(struct ah_integration *i);
/* Copies @src into @dst (new strings). */
void ah_integration_copy(struct ah_integration *dst, const struct ah_integration *src);

#endif
