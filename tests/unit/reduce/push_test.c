/* push_test.c - a push's writer-side work without HTTP (reduce/push.c):
 * fan-out to every routed channel, a vendor retry answered from the first
 * time, pipeline drops, and inhibit checks through the callbacks. A real
 * SQLite store per test (store_fixture.h). */
#include "reduce/push.h"
#include "http/rows.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store_fixture.h"

#define NOW 1800000000

static void ev_make(struct ah_event *ev, const char *key, const char *title)
{
    ah_event_init(ev);
    ev->alert_key = ah_xstrdup(key);
    ev->severity = AH_SEV_CRITICAL;
    ev->title = ah_xstrdup(title);
}

/* Runs @b in its own committed transaction; returns the result. */
static struct ah_push_result run(struct fx *fx, const struct ah_push_batch *b, int64_t now)
{
    struct ah_push_result res;
    struct ah_store_tx *tx;
    struct ah_error err;
    int rc;

    ah_error_clear(&err);
    assert_int_equal(ah_store_tx_begin(fx->store, &tx, NULL), AH_OK);
    rc = ah_reduce_push(fx->reduce, tx, b, now, &res, &err);
    if (rc != AH_OK)
        fail_msg("ah_reduce_push: %s", err.msg);
    assert_int_equal(ah_store_tx_commit(tx, NULL), AH_OK);
    return res;
}

/* Incidents committed, every channel. */
static int64_t incidents(struct fx *fx)
{
    json_t *page;
    struct ah_page p = {.limit = 500};
    struct ah_incident_filter f = {0};
    int64_t n;

    assert_int_equal(ah_rows_read_incidents(fx->store, &f, &p, &page, NULL), AH_OK);
    n = (int64_t)json_array_size(json_object_get(page, "items"));
    json_decref(page);
    return n;
}

static void fans_out_to_every_routed_channel(void **state)
{
    struct fx *fx = *state;
    struct ah_event ev;
    const int64_t channels[] = {3, 4};
    struct ah_push_event pe = {.channels = channels, .nchannels = 2};
    struct ah_push_batch b = {.integration_id = 7, .events = &pe, .nevents = 1};
    struct ah_push_result res;

    ev_make(&ev, "k1", "disk full");
    pe.ev = &ev;
    res = run(fx, &b, NOW);
    assert_int_equal(res.replayed, 0);
    assert_string_equal(json_string_value(json_array_get(res.keys, 0)), "k1");
    assert_int_equal(incidents(fx), 2); /* one per channel */
    assert_true(ah_reduce_alert_open(fx->reduce, 3, "k1") != 0);
    assert_true(ah_reduce_alert_open(fx->reduce, 4, "k1") != 0);
    json_decref(res.keys);
    ah_event_done(&ev);
}

static void a_retry_seen_before_answers_the_first_keys(void **state)
{
    struct fx *fx = *state;
    struct ah_event ev1, ev2;
    const int64_t ch = 3;
    struct ah_push_event pe = {.channels = &ch, .nchannels = 1};
    struct ah_push_batch b = {
        .integration_id = 7, .retry_id = "rtc-42", .events = &pe, .nevents = 1};
    struct ah_push_result res;

    ev_make(&ev1, "first", "cpu");
    ev_make(&ev2, "second", "cpu again");
    pe.ev = &ev1;
    res = run(fx, &b, NOW);
    assert_int_equal(res.replayed, 0);
    json_decref(res.keys);
    /* The vendor retries with the same id but another body: nothing new. */
    pe.ev = &ev2;
    res = run(fx, &b, NOW + 5);
    assert_int_equal(res.replayed, 1);
    assert_string_equal(json_string_value(json_array_get(res.keys, 0)), "first");
    assert_int_equal(incidents(fx), 1);
    assert_int_equal(ah_reduce_alert_open(fx->reduce, 3, "second"), 0);
    json_decref(res.keys);
    /* Another retry id is a new push. */
    b.retry_id = "rtc-43";
    res = run(fx, &b, NOW + 6);
    assert_int_equal(res.replayed, 0);
    assert_true(ah_reduce_alert_open(fx->reduce, 3, "second") != 0);
    json_decref(res.keys);
    ah_event_done(&ev1);
    ah_event_done(&ev2);
}

/* Inhibit callbacks: event index 1 is held while a source was noted. */
struct inhibit_state {
    int noted;
    int64_t noted_channel;
};

static int64_t held(void *arg, size_t i, struct ah_reduce *r, int64_t now)
{
    struct inhibit_state *st = arg;

    (void)r;
    (void)now;
    return i == 1 && st->noted ? 99 : 0;
}

static void noted(void *arg, size_t i, int64_t channel_id, int64_t now)
{
    struct inhibit_state *st = arg;

    (void)now;
    if (i == 0) {
        st->noted++;
        st->noted_channel = channel_id;
    }
}

static void drops_and_inhibits_store_nothing(void **state)
{
    struct fx *fx = *state;
    struct ah_event ev[3];
    const int64_t ch = 5;
    struct ah_push_event pe[3];
    struct inhibit_state st = {0};
    struct ah_push_inhibit inh = {held, noted, &st};
    struct ah_push_batch b = {.integration_id = 7, .events = pe, .nevents = 3, .inhibit = &inh};
    struct ah_push_result res;
    int i;

    ev_make(&ev[0], "source", "db down");
    ev_make(&ev[1], "target", "api errors");
    ev_make(&ev[2], "dropped", "noise");
    for (i = 0; i < 3; i++)
        pe[i] = (struct ah_push_event){.ev = &ev[i], .channels = &ch, .nchannels = 1};
    pe[2].dropped = 1;
    res = run(fx, &b, NOW);
    assert_int_equal(st.noted, 1);
    assert_int_equal(st.noted_channel, 5);
    assert_int_equal(res.inhibited, 1);
    assert_int_equal(res.pipeline_dropped, 1);
    assert_int_equal(json_array_size(res.keys), 3); /* every event is answered */
    assert_true(ah_reduce_alert_open(fx->reduce, 5, "source") != 0);
    assert_int_equal(ah_reduce_alert_open(fx->reduce, 5, "target"), 0);
    assert_int_equal(ah_reduce_alert_open(fx->reduce, 5, "dropped"), 0);
    assert_int_equal(incidents(fx), 1);
    json_decref(res.keys);
    for (i = 0; i < 3; i++)
        ah_event_done(&ev[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(fans_out_to_every_routed_channel, setup, teardown),
        cmocka_unit_test_setup_teardown(a_retry_seen_before_answers_the_first_keys, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(drops_and_inhibits_store_nothing, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
