/* histogram.h - a Prometheus histogram over fixed buckets (text exposition
 * format 0.0.4). Any thread may observe and format at once: the counts are
 * relaxed atomics. Values are integers in a unit the caller chooses (µs,
 * jobs); @decimals says how many decimal places that unit lies below the
 * exposed one (6: microseconds exposed as seconds), so that bounds and sums
 * print exactly. */
#ifndef AH_UTIL_HISTOGRAM_H
#define AH_UTIL_HISTOGRAM_H

#include "util/buf.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define AH_HISTOGRAM_MAX 16 /* bounds at most */

/* Caller-embedded; ah_histogram_init before use, nothing to free. */
struct ah_histogram {
    const uint64_t *bounds; /* upper bounds, ascending (borrowed: static data) */
    size_t nbounds;
    unsigned decimals;
    /* Per bucket, not cumulative; [nbounds] counts values above every bound. */
    atomic_uint_least64_t buckets[AH_HISTOGRAM_MAX + 1];
    atomic_uint_least64_t sum;
};

/* @bounds must outlive @h; @nbounds <= AH_HISTOGRAM_MAX. */
void ah_histogram_init(struct ah_histogram *h, const uint64_t *bounds, size_t nbounds,
                       unsigned decimals);
void ah_histogram_observe(struct ah_histogram *h, uint64_t value);
/* Appends the family @name: HELP, TYPE, cumulative _bucket lines ending
 * with le="+Inf", _sum and _count. @help is one line of plain text. */
void ah_histogram_format(struct ah_histogram *h, const char *name, const char *help,
                         struct ah_buf *out);

/* Appends @value / 10^@decimals without trailing zeros ("0.00025", "5"). */
void ah_buf_put_fixed(struct ah_buf *out, uint64_t value, unsigned decimals);

#endif
