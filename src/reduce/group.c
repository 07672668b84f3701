/* group.c - see group.h. */
#include "reduce/group.h"

#include "util/hex.h"
#include "util/sha256.h"

#include <string.h>

/* Digests one dimension set's values; returns 0 when strict mode refuses a
 * missing or empty value. Missing and empty are the same value otherwise. */
static int set_key(const struct ah_dims *d, int64_t channel_id, int tag,
                   const struct ah_filter_subject *s, int strict, char out[33])
{
    unsigned char digest[AH_SHA256_LEN];
    struct ah_sha256 c;
    char head[48], idbuf[24];
    size_t i;

    ah_sha256_init(&c);
    snprintf(head, sizeof(head), "%lld:%d", (long long)channel_id, tag);
    ah_sha256_update(&c, head, strlen(head) + 1);
    for (i = 0; i < d->nkeys; i++) {
        const char *v = ah_filter_field(s, d->keys[i], idbuf);

        if (strict && (v == NULL || v[0] == '\0')) {
            ah_sha256_final(&c, digest); /* frees the context */
            return 0;
        }
        ah_sha256_update(&c, d->keys[i], strlen(d->keys[i]) + 1);
        ah_sha256_update(&c, v ? v : "", v ? strlen(v) + 1 : 1);
    }
    ah_sha256_final(&c, digest);
    ah_hex_encode(digest, 16, out);
    return 1;
}

void ah_group_plan(const struct ah_grouping *g, int64_t channel_id,
                   const struct ah_filter_subject *alert, struct ah_group_plan *ret)
{
    size_t i;

    memset(ret, 0, sizeof(*ret));
    ret->case_index = -1;
    for (i = 0; i < g->ncases; i++) {
        if (ah_filter_match(g->cases[i].filter, alert)) {
            ret->case_index = (int)i;
            ret->dims[0] = &g->cases[i].dims;
            ret->nkeys = 1;
            /* Tags keep a case's keys apart from the default sets'. */
            if (!set_key(ret->dims[0], channel_id, 1000 + (int)i, alert, g->strict, ret->keys[0]))
                ret->keys[0][0] = '\0';
            return;
        }
    }
    for (i = 0; i < g->nsets; i++) {
        ret->dims[i] = &g->sets[i];
        if (!set_key(&g->sets[i], channel_id, (int)i, alert, g->strict, ret->keys[i]))
            ret->keys[i][0] = '\0';
    }
    ret->nkeys = g->nsets;
}

enum ah_group_verdict ah_group_check(const struct ah_grouping *g,
                                     const struct ah_group_candidate *c, int64_t now)
{
    int64_t since = g->window_type == AH_WINDOW_SLIDING ? c->last_merge_time : c->start_time;

    if (c->alert_count >= g->max_alerts)
        return AH_GROUP_NEW_FULL;
    if (g->window_secs > 0 && now - since > g->window_secs)
        return AH_GROUP_NEW_WINDOW;
    return AH_GROUP_MERGE;
}

int64_t ah_group_storm(const struct ah_grouping *g, int64_t alert_count)
{
    size_t i;

    for (i = 0; i < g->nstorms; i++) {
        if (g->storms[i] == alert_count)
            return alert_count;
    }
    return 0;
}

json_t *ah_group_reason(const struct ah_group_plan *plan, int set, const char *decision)
{
    json_t *dims = json_array();
    size_t i;

    if (set >= 0 && (size_t)set < plan->nkeys) {
        for (i = 0; i < plan->dims[set]->nkeys; i++)
            json_array_append_new(dims, json_string(plan->dims[set]->keys[i]));
    }
    return json_pack("{s:s, s:s?, s:o, s:o, s:s?}", "method", "rules", "group_key",
                     set >= 0 && plan->keys[set][0] ? plan->keys[set] : NULL, "dimensions", dims,
                     "case", plan->case_index >= 0 ? json_integer(plan->case_index) : json_null(),
                     "decision", decision);
}
