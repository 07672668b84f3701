/* read_test.c - the typed reads (store.h, "typed reads") on both drivers
 * (store_fixture.h): every column comes back in its field, lists page by
 * id with a cursor that ends, gets of a missing row say so, and nothing of
 * it is JSON until the HTTP layer shapes it (http/rows.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "store_fixture.h"

/* What a visitor saw: the ids in order, and copies of one row's fields. */
struct seen {
    int64_t ids[16];
    int n;
    struct ah_incident_view inc;
    struct ah_alert_view alert;
    struct ah_event_view ev;
    char title[64], labels[128], reason[64], images[64], rule[128];
};

static void copy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "(null)");
}

static void on_incident(const struct ah_incident_view *v, void *arg)
{
    struct seen *s = arg;

    s->ids[s->n++] = v->row.id;
    s->inc = *v;
    copy(s->title, sizeof(s->title), v->row.title);
    copy(s->labels, sizeof(s->labels), v->row.labels_text);
}

static void on_alert(const struct ah_alert_view *v, void *arg)
{
    struct seen *s = arg;

    s->ids[s->n++] = v->row.id;
    s->alert = *v;
    copy(s->title, sizeof(s->title), v->row.title);
    copy(s->reason, sizeof(s->reason), v->reason_text);
}

static void on_event(const struct ah_event_view *v, void *arg)
{
    struct seen *s = arg;

    s->ids[s->n++] = v->id;
    s->ev = *v;
    copy(s->images, sizeof(s->images), v->row.images_text);
}

static void on_rule(const struct ah_hold_rule_view *v, void *arg)
{
    struct seen *s = arg;

    s->ids[s->n++] = v->id;
    copy(s->rule, sizeof(s->rule), v->rule_text);
}

static struct ah_read_visitor visitor(struct seen *s)
{
    memset(s, 0, sizeof(*s));
    return (struct ah_read_visitor){on_incident, on_alert, on_event, on_rule, s};
}

/* The channel populate() makes (the first, in a new database). */
static int64_t ch;

/* Three incidents in a new channel, one alert each (the second recovered,
 * with two events, one with images), and a silence. */
static void populate(struct fx *fx, int64_t inc_ids[3], int64_t alert_ids[3])
{
    struct ah_store_tx *tx;
    struct ah_error err;
    json_t *labels = json_pack("{ss}", "host", "h1"), *rule;
    int64_t rule_id;
    int i;

    assert_int_equal(ah_store_tx_begin(fx->store, &tx, &err), AH_OK);
    assert_int_equal(ah_store_tx_channel_insert(tx, "reads", "", 900, &ch, &err), AH_OK);
    for (i = 0; i < 3; i++) {
        struct ah_incident inc = {.channel_id = ch,
                                  .title = "disk full",
                                  .labels = labels,
                                  .severity = AH_SEV_WARNING,
                                  .progress = i == 0 ? AH_PROGRESS_CLOSED : AH_PROGRESS_TRIGGERED,
                                  .alert_count = 1,
                                  .active_alert_count = 1,
                                  .event_count = 1 + i,
                                  .start_time = 1000 + i,
                                  .last_time = 2000 + i,
                                  .group_key = ""};
        struct ah_alert a = {.channel_id = ch,
                             .integration_id = 9,
                             .alert_key = i == 0   ? "k0"
                                          : i == 1 ? "k1"
                                                   : "k2",
                             .title = "disk full",
                             .labels = labels,
                             .severity = AH_SEV_CRITICAL,
                             .level = AH_SEV_WARNING,
                             .recovered = i == 1,
                             .event_count = 1,
                             .start_time = 1000 + i,
                             .last_time = 2000 + i,
                             .end_time = i == 1 ? 3000 : 0,
                             .group_key = "",
                             .held = i == 2 ? AH_HOLD_SILENCED : AH_HOLD_NONE,
                             .flapping = i == 2};

        assert_int_equal(ah_store_tx_incident_insert(tx, &inc, &err), AH_OK);
        a.incident_id = inc_ids[i] = inc.id;
        a.reason = json_pack("{si}", "n", i);
        assert_int_equal(ah_store_tx_alert_insert(tx, &a, &err), AH_OK);
        json_decref(a.reason);
        alert_ids[i] = a.id;
    }
    for (i = 0; i < 2; i++) {
        json_t *images = i ? json_pack("[s]", "https://img/1.png") : NULL;
        struct ah_event_row e = {.alert_id = alert_ids[1],
                                 .channel_id = ch,
                                 .integration_id = 9,
                                 .alert_key = "k1",
                                 .title = "disk full",
                                 .labels = labels,
                                 .images = images,
                                 .severity = AH_SEV_WARNING,
                                 .recovered = i == 1,
                                 .event_time = 1500 + i,
                                 .received_at = 1600 + i};

        assert_int_equal(ah_store_tx_event_insert(tx, &e, &err), AH_OK);
        json_decref(images);
    }
    rule = json_pack("{ss}", "name", "night");
    assert_int_equal(
        ah_store_tx_hold_rule_insert(tx, AH_STORE_SILENCE, ch, rule, 4000, &rule_id, &err), AH_OK);
    json_decref(rule);
    assert_int_equal(ah_store_tx_commit(tx, &err), AH_OK);
    json_decref(labels);
}

static void test_incidents_typed_and_paged(void **state)
{
    struct fx *fx = *state;
    struct ah_incident_filter f = {0};
    struct ah_page page = {.limit = 2};
    int64_t inc_ids[3], alert_ids[3], next = -1;
    struct ah_read_visitor v;
    struct seen s;

    populate(fx, inc_ids, alert_ids);
    f.channel_id = ch;
    v = visitor(&s);
    assert_int_equal(ah_store_read_incidents(fx->store, &f, &page, &v, &next, NULL), AH_OK);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.ids[0], inc_ids[2]); /* newest first */
    assert_int_equal(s.ids[1], inc_ids[1]);
    assert_int_equal(next, inc_ids[1]);
    assert_int_equal(s.inc.row.severity, AH_SEV_WARNING);
    assert_int_equal(s.inc.row.progress, AH_PROGRESS_TRIGGERED);
    assert_int_equal(s.inc.row.event_count, 2);
    assert_int_equal(s.inc.row.start_time, 1001);
    assert_string_equal(s.title, "disk full");
    assert_string_equal(s.labels, "{\"host\":\"h1\"}");

    page.cursor = next;
    v = visitor(&s);
    assert_int_equal(ah_store_read_incidents(fx->store, &f, &page, &v, &next, NULL), AH_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.ids[0], inc_ids[0]);
    assert_int_equal(s.inc.row.progress, AH_PROGRESS_CLOSED);
    assert_int_equal(next, 0); /* the last page */

    f.progress_mask = 1u << AH_PROGRESS_CLOSED;
    page.cursor = 0;
    v = visitor(&s);
    assert_int_equal(ah_store_read_incidents(fx->store, &f, &page, &v, &next, NULL), AH_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.ids[0], inc_ids[0]);
}

static void test_gets_visit_parent_then_children(void **state)
{
    struct fx *fx = *state;
    int64_t inc_ids[3], alert_ids[3];
    struct ah_read_visitor v;
    struct ah_error err;
    struct seen s;

    populate(fx, inc_ids, alert_ids);
    v = visitor(&s);
    assert_int_equal(ah_store_read_incident(fx->store, inc_ids[2], &v, NULL), AH_OK);
    assert_int_equal(s.n, 2); /* the incident, then its alert */
    assert_int_equal(s.ids[0], inc_ids[2]);
    assert_int_equal(s.ids[1], alert_ids[2]);
    assert_int_equal(s.alert.row.held, AH_HOLD_SILENCED);
    assert_int_equal(s.alert.row.flapping, 1);
    assert_int_equal(s.alert.row.severity, AH_SEV_CRITICAL);
    assert_int_equal(s.alert.row.level, AH_SEV_WARNING);
    assert_string_equal(s.reason, "{\"n\":2}");

    v = visitor(&s);
    assert_int_equal(ah_store_read_alert(fx->store, alert_ids[1], &v, NULL), AH_OK);
    assert_int_equal(s.n, 3); /* the alert, then its events newest first */
    assert_int_equal(s.ids[0], alert_ids[1]);
    assert_true(s.ids[1] > s.ids[2]);
    assert_true(s.alert.row.recovered);
    assert_int_equal(s.alert.row.end_time, 3000);
    /* The last visited event is the oldest: no images, not a recovery. */
    assert_false(s.ev.row.recovered);
    assert_int_equal(s.ev.row.received_at, 1600);
    assert_string_equal(s.images, "(null)");

    v = visitor(&s);
    assert_int_equal(ah_store_read_incident(fx->store, 999999, &v, &err), AH_ENOTFOUND);
    assert_int_equal(s.n, 0);
    assert_int_equal(ah_store_read_alert(fx->store, 999999, &v, &err), AH_ENOTFOUND);
}

static void test_events_and_rules(void **state)
{
    struct fx *fx = *state;
    struct ah_page page = {.limit = 1};
    int64_t inc_ids[3], alert_ids[3], next = 0;
    struct ah_read_visitor v;
    struct ah_error err;
    struct seen s;

    populate(fx, inc_ids, alert_ids);
    v = visitor(&s);
    assert_int_equal(ah_store_read_events(fx->store, 9, 0, &page, &v, &next, NULL), AH_OK);
    assert_int_equal(s.n, 1);
    assert_true(s.ev.row.recovered); /* the newest: the recovery */
    assert_string_equal(s.images, "[\"https://img/1.png\"]");
    assert_int_equal(next, s.ids[0]);
    page.cursor = next;
    v = visitor(&s);
    assert_int_equal(ah_store_read_events(fx->store, 9, 0, &page, &v, &next, NULL), AH_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(next, 0);
    v = visitor(&s);
    assert_int_equal(ah_store_read_events(fx->store, 10, 0, &page, &v, &next, NULL), AH_OK);
    assert_int_equal(s.n, 0);

    v = visitor(&s);
    assert_int_equal(ah_store_read_hold_rules(fx->store, AH_STORE_SILENCE, ch, 0, &v, NULL), AH_OK);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.rule, "{\"name\":\"night\"}");
    v = visitor(&s);
    assert_int_equal(ah_store_read_hold_rules(fx->store, AH_STORE_INHIBIT, ch, 0, &v, NULL), AH_OK);
    assert_int_equal(s.n, 0);
    assert_int_equal(ah_store_read_hold_rules(fx->store, AH_STORE_SILENCE, ch, 999, &v, &err),
                     AH_ENOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_incidents_typed_and_paged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gets_visit_parent_then_children, setup, teardown),
        cmocka_unit_test_setup_teardown(test_events_and_rules, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
