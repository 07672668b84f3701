/* histogram.c - see histogram.h. */
#include "util/histogram.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

void ah_histogram_init(struct ah_histogram *h, const uint64_t *bounds, size_t nbounds,
                       unsigned decimals)
{
    size_t i;

    /* A programming error in a static table: fail at start-up, loudly. */
    if (nbounds > AH_HISTOGRAM_MAX) {
        fprintf(stderr, "alerthub: a histogram has %zu bounds, over %d\n", nbounds,
                AH_HISTOGRAM_MAX);
        abort();
    }
    h->bounds = bounds;
    h->nbounds = nbounds;
    h->decimals = decimals;
    for (i = 0; i <= AH_HISTOGRAM_MAX; i++)
        atomic_init(&h->buckets[i], 0);
    atomic_init(&h->sum, 0);
}

void ah_histogram_observe(struct ah_histogram *h, uint64_t value)
{
    size_t b = 0;

    while (b < h->nbounds && value > h->bounds[b])
        b++;
    atomic_fetch_add_explicit(&h->buckets[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->sum, value, memory_order_relaxed);
}

void ah_buf_put_fixed(struct ah_buf *out, uint64_t value, unsigned decimals)
{
    uint64_t scale = 1, frac;
    unsigned d;

    for (d = 0; d < decimals; d++)
        scale *= 10;
    ah_buf_printf(out, "%" PRIu64, value / scale);
    frac = value % scale;
    if (frac == 0)
        return;
    for (d = decimals; frac % 10 == 0; d--)
        frac /= 10;
    ah_buf_printf(out, ".%0*" PRIu64, (int)d, frac);
}

void ah_histogram_format(struct ah_histogram *h, const char *name, const char *help,
                         struct ah_buf *out)
{
    uint64_t cum = 0;
    size_t b;

    ah_buf_printf(out, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
    for (b = 0; b < h->nbounds; b++) {
        cum += atomic_load_explicit(&h->buckets[b], memory_order_relaxed);
        ah_buf_printf(out, "%s_bucket{le=\"", name);
        ah_buf_put_fixed(out, h->bounds[b], h->decimals);
        ah_buf_printf(out, "\"} %" PRIu64 "\n", cum);
    }
    /* The count is the sum of the buckets read here, not a counter of its
     * own: read apart, the two could disagree during an observation and
     * make +Inf smaller than the last bucket. */
    cum += atomic_load_explicit(&h->buckets[h->nbounds], memory_order_relaxed);
    ah_buf_printf(out, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n%s_sum ", name, cum, name);
    ah_buf_put_fixed(out, atomic_load_explicit(&h->sum, memory_order_relaxed), h->decimals);
    ah_buf_printf(out, "\n%s_count %" PRIu64 "\n", name, cum);
}
