/* subs_test.c - the sender's subscription bookkeeping (notify/subs.c):
 * cursors move only over entries whose outcome is known, windows, skips,
 * reloads and resets. */
#include "notify/subs.h"

#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

static struct ah_subs *with_targets(const char *json)
{
    struct ah_subs *s = ah_subs_new();
    json_t *t = json_loads(json, 0, NULL);

    assert_non_null(t);
    ah_subs_reload(s, t);
    json_decref(t);
    return s;
}

static void reload(struct ah_subs *s, const char *json)
{
    json_t *t = json_loads(json, 0, NULL);

    ah_subs_reload(s, t);
    json_decref(t);
}

static void starts_at_the_stored_cursor(void **state)
{
    struct ah_subs *s = with_targets("[{\"id\": \"7\", \"cursor\": 40}]");
    int64_t after;
    int room;

    (void)state;
    assert_int_equal(ah_subs_count(s), 1);
    assert_int_equal(ah_subs_target(s, 0, &room, &after), 7);
    assert_int_equal(room, AH_SUBS_WINDOW);
    assert_int_equal(after, 40);
    ah_subs_free(s);
}

static void cursor_moves_over_the_handled_run_only(void **state)
{
    struct ah_subs *s = with_targets("[{\"id\": \"7\", \"cursor\": 40}]");
    int64_t after;
    int room;

    (void)state;
    ah_subs_started(s, 7, 42);
    ah_subs_started(s, 7, 45);
    ah_subs_started(s, 7, 47);
    (void)ah_subs_target(s, 0, &room, &after);
    assert_int_equal(room, AH_SUBS_WINDOW - 3);
    assert_int_equal(after, 47);
    /* 45 done first: 42 is still in flight, the cursor stays. */
    assert_int_equal(ah_subs_done(s, 7, 45), 0);
    /* 42 done: the run 42, 45 is handled. */
    assert_int_equal(ah_subs_done(s, 7, 42), 45);
    /* 47 done: nothing left in flight, everything read is handled. */
    assert_int_equal(ah_subs_done(s, 7, 47), 47);
    (void)ah_subs_target(s, 0, &room, &after);
    assert_int_equal(room, AH_SUBS_WINDOW);
    ah_subs_free(s);
}

static void window_is_bounded(void **state)
{
    struct ah_subs *s = with_targets("[{\"id\": 3, \"cursor\": 0}]");
    int64_t after;
    int room, i;

    (void)state;
    for (i = 1; i <= AH_SUBS_WINDOW + 2; i++)
        ah_subs_started(s, 3, i);
    (void)ah_subs_target(s, 0, &room, &after);
    assert_int_equal(room, 0);
    assert_int_equal(after, AH_SUBS_WINDOW); /* the extra ones were not taken */
    ah_subs_free(s);
}

static void skips_move_the_cursor_when_idle(void **state)
{
    struct ah_subs *s = with_targets("[{\"id\": 3, \"cursor\": 10}]");
    int64_t after;
    int room;

    (void)state;
    ah_subs_started(s, 3, 12);
    ah_subs_skipped(s, 3, 90); /* nothing else up to 90 was for it */
    (void)ah_subs_target(s, 0, &room, &after);
    assert_int_equal(after, 90);
    assert_int_equal(ah_subs_done(s, 3, 12), 90);
    ah_subs_skipped(s, 3, 50); /* never backwards */
    (void)ah_subs_target(s, 0, &room, &after);
    assert_int_equal(after, 90);
    ah_subs_free(s);
}

static void reload_keeps_progress_and_drops_gone_targets(void **state)
{
    struct ah_subs *s = with_targets("[{\"id\": 1, \"cursor\": 5}, {\"id\": 2, \"cursor\": 9}]");
    int64_t after;
    int room;

    (void)state;
    ah_subs_started(s, 2, 20);
    reload(s, "[{\"id\": 2, \"cursor\": 9}, {\"id\": 4, \"cursor\": 30}]");
    assert_int_equal(ah_subs_count(s), 2);
    assert_int_equal(ah_subs_target(s, 0, &room, &after), 2);
    assert_int_equal(after, 20);
    assert_int_equal(room, AH_SUBS_WINDOW - 1);
    assert_int_equal(ah_subs_target(s, 1, &room, &after), 4);
    assert_int_equal(after, 30);
    /* An outcome for a target that went away moves nothing. */
    assert_int_equal(ah_subs_done(s, 1, 6), 0);
    ah_subs_free(s);
}

static void reset_starts_again_at_the_stored_cursor(void **state)
{
    struct ah_subs *s = with_targets("[{\"id\": 2, \"cursor\": 9}]");
    int64_t after;
    int room;

    (void)state;
    ah_subs_started(s, 2, 20);
    ah_subs_reset(s);
    (void)ah_subs_target(s, 0, &room, &after);
    assert_int_equal(room, 0); /* nothing starts until the reload */
    reload(s, "[{\"id\": 2, \"cursor\": 9}]");
    (void)ah_subs_target(s, 0, &room, &after);
    assert_int_equal(after, 9);
    assert_int_equal(room, AH_SUBS_WINDOW);
    ah_subs_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(starts_at_the_stored_cursor),
        cmocka_unit_test(cursor_moves_over_the_handled_run_only),
        cmocka_unit_test(window_is_bounded),
        cmocka_unit_test(skips_move_the_cursor_when_idle),
        cmocka_unit_test(reload_keeps_progress_and_drops_gone_targets),
        cmocka_unit_test(reset_starts_again_at_the_stored_cursor),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
