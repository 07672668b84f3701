/* subs.h - the sender's bookkeeping of subscriptions (private to
 * src/notify/): for each subscribed target, where in its channels'
 * timelines it stands. A target reads entries after its cursor, in order,
 * with at most AH_SUBS_WINDOW of them in flight; its cursor moves over the
 * longest run of entries whose outcome is known, so that after a crash it
 * starts again at the first entry not yet handled. Thread-only (the
 * sender's); pure bookkeeping, no I/O. */
#ifndef AH_NOTIFY_SUBS_H
#define AH_NOTIFY_SUBS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define AH_SUBS_WINDOW 4 /* entries of one target in flight at once */

struct ah_subs;

struct ah_subs *ah_subs_new(void);
void ah_subs_free(struct ah_subs *s); /* NULL is a no-op */

/* Takes the list of subscribed targets ([{id, cursor, ...}], from the
 * store): targets that went away are forgotten, new ones start at their
 * stored cursor, known ones keep their progress. */
void ah_subs_reload(struct ah_subs *s, const json_t *targets);

/* Forgets all progress not yet committed: the next reload starts every
 * target at its stored cursor (after a failed write of outcomes). */
void ah_subs_reset(struct ah_subs *s);

size_t ah_subs_count(const struct ah_subs *s);
/* The @i-th target: its id, how many more entries it may start (*@room),
 * and the entry to read after (*@after). */
int64_t ah_subs_target(const struct ah_subs *s, size_t i, int *room, int64_t *after);

/* Entry @feed_id of @target was started. */
void ah_subs_started(struct ah_subs *s, int64_t target, int64_t feed_id);
/* Every entry of @target up to @head that was not started is not for it. */
void ah_subs_skipped(struct ah_subs *s, int64_t target, int64_t head);
/* The outcome of entry @feed_id of @target is known: returns the cursor to
 * store (the end of the longest run of handled entries), or 0 when it does
 * not move. */
int64_t ah_subs_done(struct ah_subs *s, int64_t target, int64_t feed_id);

#endif
