/* escalate.c - see escalate.h and reduce.h (dispatch). An escalation is a
 * row: the matched rule's snapshot, the level reached (0-based), the repeat
 * round and a state:
 *   delay        waiting for delay_seconds before level 0 is paged
 *   active       a level was paged; the "esc" timer moves it on
 *   acked        stopped by an acknowledgement (unack resumes it)
 *   acked_delay  acknowledged before anyone was paged
 *   snoozed      paused until the "wake" timer
 *   done         nothing more will be paged
 * Timers ("esc", "wake", "resolve") are rows too; the writer fires them. */
#include "reduce/escalate.h"

#include "reduce/incident.h"
#include "rules/rota.h"
#include "util/alloc.h"
#include "util/hex.h"

#include <stdio.h>
#include <string.h>

#define TIMERS_PER_ROUND 256

/* One incident event on its way out. */
struct fanout {
    struct ah_reduce *r;
    struct ah_store_tx *tx;
    const struct ah_incident *inc;
    const char *type;
    const json_t *person;
    int64_t now;
    int64_t targets[AH_ESC_MAX_RECIPIENTS * 2]; /* targets already sent this event */
    size_t ntargets;
    size_t count;   /* deliveries written */
    size_t pending; /* of which to be sent (not suppressed) */
    json_t *paged;  /* members reached while paging a level (NULL: not noted) */
};

static void note_due(struct ah_reduce *r, int64_t due)
{
    if (r->next_due == 0 || due < r->next_due)
        r->next_due = due;
}

static int set_timer(struct fanout *f, const char *kind, int64_t due, struct ah_error *err)
{
    note_due(f->r, due);
    return ah_store_tx_timer_set(f->tx, f->inc->id, kind, due, err);
}

/* Writes one delivery. @status "pending" or "suppressed" (with @reason). */
static int deliver(struct fanout *f, const char *kind, int64_t target_id, int64_t member_id,
                   const char *address, const json_t *detail, const char *reason,
                   struct ah_error *err)
{
    struct ah_delivery d = {.incident_id = f->inc->id,
                            .channel_id = f->inc->channel_id,
                            .event_type = f->type,
                            .event_time_ms = f->now * 1000,
                            .kind = kind,
                            .target_id = target_id,
                            .member_id = member_id,
                            .address = address,
                            .person = f->person,
                            .detail = detail,
                            .status = reason ? "suppressed" : "pending",
                            .reason = reason,
                            .created_at = f->now};
    char event_id[33];
    int rc;

    if (f->r->eid_prefix[0] == '\0' && ah_random_hex(8, f->r->eid_prefix) < 0)
        return ah_error_set(err, AH_ESTORE, "could not read random bytes for event ids");
    snprintf(event_id, sizeof(event_id), "%s%016llx", f->r->eid_prefix,
             (unsigned long long)++f->r->eid_seq);
    d.event_id = event_id;
    rc = ah_store_tx_delivery_insert(f->tx, &d, err);
    if (rc == AH_OK) {
        f->count++;
        if (reason == NULL) {
            f->pending++;
            f->r->outbox_added++;
        }
    }
    return rc;
}

static int sent_to(struct fanout *f, int64_t target_id)
{
    size_t i;

    for (i = 0; i < f->ntargets; i++) {
        if (f->targets[i] == target_id)
            return 1;
    }
    return 0;
}

static int page_target(struct fanout *f, int64_t id, json_t *detail, const char *reason,
                       struct ah_error *err)
{
    json_t *t = NULL;
    int rc;

    if (sent_to(f, id))
        return AH_OK;
    if (f->ntargets < sizeof(f->targets) / sizeof(f->targets[0]))
        f->targets[f->ntargets++] = id;
    rc = ah_store_tx_target_get(f->tx, id, &t, err);
    if (rc == AH_ENOTFOUND)
        return deliver(f, "none", id, 0, "", detail, "target_deleted", err);
    if (rc == AH_OK)
        rc = deliver(f, json_string_value(json_object_get(t, "kind")), id, 0,
                     json_string_value(json_object_get(json_object_get(t, "settings"), "url")),
                     detail, reason, err);
    json_decref(t);
    return rc;
}

/* The addresses of a member: email, then each contact, without repeats. */
static json_t *member_addresses(const json_t *m)
{
    json_t *out = json_array(), *c;
    const char *email = json_string_value(json_object_get(m, "email"));
    size_t i, j;

    if (email != NULL && email[0] != '\0')
        json_array_append_new(out, json_pack("{ssss}", "kind", "email", "address", email));
    json_array_foreach(json_object_get(m, "contacts"), i, c)
    {
        for (j = 0; j < json_array_size(out); j++) {
            if (json_equal(json_array_get(out, j), c))
                break;
        }
        if (j == json_array_size(out))
            json_array_append(out, c);
    }
    return out;
}

static int page_member(struct fanout *f, int64_t id, json_t *detail, const char *reason,
                       struct ah_error *err)
{
    json_t *m = NULL, *addrs, *a;
    size_t i;
    int rc = ah_store_tx_member_get(f->tx, id, &m, err);

    if (rc == AH_ENOTFOUND)
        return deliver(f, "none", 0, id, "", detail, "member_deleted", err);
    if (rc < 0)
        return rc;
    json_object_set_new(
        detail, "recipient",
        json_pack("{sOsO}", "id", json_object_get(m, "id"), "name", json_object_get(m, "name")));
    addrs = member_addresses(m);
    if (f->paged != NULL && reason == NULL && json_array_size(addrs) > 0)
        json_array_append_new(f->paged, json_pack("{sOsOsO*}", "id", json_object_get(m, "id"),
                                                  "name", json_object_get(m, "name"), "schedule",
                                                  json_object_get(detail, "schedule")));
    if (json_array_size(addrs) == 0)
        rc = deliver(f, "none", 0, id, "", detail, reason ? reason : "no_contact", err);
    json_array_foreach(addrs, i, a)
    {
        if (rc < 0)
            break;
        rc = deliver(f, json_string_value(json_object_get(a, "kind")), 0, id,
                     json_string_value(json_object_get(a, "address")), detail, reason, err);
    }
    json_object_del(detail, "recipient");
    json_decref(addrs);
    json_decref(m);
    return rc;
}

/* A team: every member. */
static int page_team(struct fanout *f, int64_t id, json_t *detail, const char *reason,
                     struct ah_error *err)
{
    const json_t *m;
    json_t *team = NULL;
    size_t i;
    int rc = ah_store_tx_team_get(f->tx, id, &team, err);

    if (rc == AH_ENOTFOUND)
        return deliver(f, "none", 0, 0, "", detail, "team_deleted", err);
    json_object_set_new(detail, "team",
                        json_pack("{sOsO}", "id", json_object_get(team, "id"), "name",
                                  json_object_get(team, "name")));
    json_array_foreach(json_object_get(team, "member_ids"), i, m)
    {
        if (rc == AH_OK)
            rc = page_member(f, ah_json_id(m), detail, reason, err);
    }
    json_object_del(detail, "team");
    json_decref(team);
    return rc;
}

/* Whoever is on call now in schedule @id: *@ret_member (0: nobody) and
 * *@ret_layer, the layer's name or "override" (a new string; NULL when
 * nobody). */
static int oncall(struct fanout *f, int64_t id, json_t **ret_schedule, int64_t *ret_member,
                  json_t **ret_layer, struct ah_error *err)
{
    struct ah_rota_override *ov;
    struct ah_rota *rota;
    json_t *overrides = NULL, *o;
    size_t i;
    int layer = -1;
    int rc = ah_store_tx_schedule_get(f->tx, id, ret_schedule, &overrides, err);

    *ret_member = 0;
    *ret_layer = NULL;
    if (rc < 0)
        return rc;
    /* It was valid when saved; if it no longer compiles, nobody is on call. */
    o = json_pack("{sOsO}", "timezone", json_object_get(*ret_schedule, "timezone"), "layers",
                  json_object_get(*ret_schedule, "layers"));
    rc = o ? ah_rota_compile(o, &rota, NULL, NULL) : AH_EINVAL;
    json_decref(o);
    if (rc < 0) {
        json_decref(overrides);
        return AH_OK;
    }
    ov = ah_xcalloc(json_array_size(overrides) + 1, sizeof(*ov));
    json_array_foreach(overrides, i, o)
    {
        ov[i].member_id = ah_json_id(json_object_get(o, "member_id"));
        ov[i].start = json_integer_value(json_object_get(o, "start"));
        ov[i].end = json_integer_value(json_object_get(o, "end"));
    }
    *ret_member = ah_rota_oncall(rota, ov, json_array_size(overrides), f->now, &layer);
    if (*ret_member != 0)
        *ret_layer = json_string(layer < 0 ? "override" : ah_rota_layer_name(rota, layer));
    ah_free(ov);
    ah_rota_free(rota);
    json_decref(overrides);
    return AH_OK;
}

/* A schedule: whoever is on call when the level fires. */
static int page_schedule(struct fanout *f, int64_t id, json_t *detail, const char *reason,
                         struct ah_error *err)
{
    json_t *schedule = NULL, *layer = NULL;
    int64_t member;
    int rc = oncall(f, id, &schedule, &member, &layer, err);

    if (rc == AH_ENOTFOUND)
        return deliver(f, "none", 0, 0, "", detail, "schedule_deleted", err);
    if (rc < 0)
        return rc;
    json_object_set_new(detail, "schedule",
                        json_pack("{sOsOso}", "id", json_object_get(schedule, "id"), "name",
                                  json_object_get(schedule, "name"), "layer",
                                  layer ? layer : json_null()));
    if (member == 0)
        rc = deliver(f, "none", 0, 0, "", detail, "nobody_on_call", err);
    else
        rc = page_member(f, member, detail, reason, err);
    json_object_del(detail, "schedule");
    json_decref(schedule);
    return rc;
}

static const json_t *level_of(const json_t *rule, int level)
{
    return json_array_get(json_object_get(rule, "levels"), (size_t)level);
}

/* Who a level names, list by list, and how each is paged. */
static const struct {
    const char *list;
    int (*page)(struct fanout *f, int64_t id, json_t *detail, const char *reason,
                struct ah_error *err);
} pagers[] = {{"member_ids", page_member},
              {"team_ids", page_team},
              {"schedule_ids", page_schedule},
              {"target_ids", page_target}};

/* Sends to everyone on @level of @rule; @reason non-NULL writes suppressed
 * entries instead. */
static int page_level(struct fanout *f, const json_t *rule, int level, int round,
                      const char *reason, struct ah_error *err)
{
    const json_t *lv = level_of(rule, level), *id;
    json_t *detail = json_pack("{sOsisi}", "rule", json_object_get(rule, "name"), "level",
                               level + 1, "round", round);
    size_t i, k;
    int rc = AH_OK;

    for (k = 0; k < sizeof(pagers) / sizeof(pagers[0]); k++) {
        json_array_foreach(json_object_get(lv, pagers[k].list), i, id)
        {
            if (rc == AH_OK)
                rc = pagers[k].page(f, ah_json_id(id), detail, reason, err);
        }
    }
    json_decref(detail);
    return rc;
}

void ah_esc_reset(struct ah_reduce *r)
{
    /* Timers live in the store: look there at the next chance. */
    r->next_due = 1;
}

/* ================= escalation steps ================= */

static int feed(struct fanout *f, const char *type, json_t *detail, struct ah_error *err)
{
    int rc = ah_store_tx_feed_insert(f->tx, f->inc->id, f->now, type, detail, err);

    json_decref(detail);
    return rc;
}

/* Pages the escalation's current level, records it (@feed_type i_assign or
 * i_esc; NULL: only i_notify) and arms the next step. */
static int page_now(struct fanout *f, struct ah_escalation *e, const char *feed_type,
                    struct ah_error *err)
{
    const json_t *lv = level_of(e->rule, e->level);
    const json_t *repeat = json_object_get(e->rule, "repeat");
    int nlevels = (int)json_array_size(json_object_get(e->rule, "levels"));
    int64_t after = json_integer_value(json_object_get(lv, "escalate_after_minutes")) * 60;
    int64_t times = json_integer_value(json_object_get(repeat, "times"));
    int64_t interval = json_integer_value(json_object_get(repeat, "interval_minutes")) * 60;
    size_t before = f->count, reached = f->pending;
    json_t *paged = f->paged = json_array();
    int rc = page_level(f, e->rule, e->level, e->round, NULL, err);

    f->paged = NULL;
    if (rc == AH_OK && feed_type != NULL)
        rc = feed(f, feed_type,
                  json_pack("{sOsisisOsOsOsOsO}", "rule", json_object_get(e->rule, "name"), "level",
                            e->level + 1, "round", e->round, "member_ids",
                            json_object_get(lv, "member_ids"), "team_ids",
                            json_object_get(lv, "team_ids"), "schedule_ids",
                            json_object_get(lv, "schedule_ids"), "target_ids",
                            json_object_get(lv, "target_ids"), "paged", paged),
                  err);
    json_decref(paged);
    if (rc == AH_OK)
        rc = feed(f, "i_notify",
                  json_pack("{sssIsi}", "event_type", f->type, "deliveries",
                            (json_int_t)(f->count - before), "level", e->level + 1),
                  err);
    snprintf(e->state, sizeof(e->state), "active");
    /* A level that reached nobody (no one on call, no contact) escalates on
     * at once rather than waiting for nobody to answer. */
    if (rc == AH_OK && f->pending == reached && e->level + 1 < nlevels) {
        e->level++;
        f->type = "i_esc";
        return page_now(f, e, "i_esc", err);
    }
    if (rc == AH_OK && e->level + 1 < nlevels)
        rc = set_timer(f, "esc", f->now + after, err);
    else if (rc == AH_OK && e->round < times)
        rc = set_timer(f, "esc", f->now + (interval > 0 ? interval : after), err);
    else if (rc == AH_OK)
        rc = ah_store_tx_timer_clear(f->tx, f->inc->id, "esc", err);
    return rc == AH_OK ? ah_store_tx_escalation_put(f->tx, e, err) : rc;
}

/* The "esc" timer: the delay ended, or a level's time is up. */
static int step(struct fanout *f, struct ah_escalation *e, struct ah_error *err)
{
    const json_t *lv = level_of(e->rule, e->level);
    const json_t *repeat = json_object_get(e->rule, "repeat");
    int nlevels = (int)json_array_size(json_object_get(e->rule, "levels"));
    int unless_acked =
        strcmp(json_string_value(json_object_get(lv, "escalate_unless")), "acked") == 0;

    if (strcmp(e->state, "delay") == 0) {
        f->type = "i_assign";
        return page_now(f, e, "i_assign", err);
    }
    if (strcmp(e->state, "active") != 0)
        return AH_OK;
    if (unless_acked && f->inc->progress == AH_PROGRESS_PROCESSING) {
        snprintf(e->state, sizeof(e->state), "acked");
        return ah_store_tx_escalation_put(f->tx, e, err);
    }
    f->type = "i_esc";
    if (e->level + 1 < nlevels) {
        e->level++;
        return page_now(f, e, "i_esc", err);
    }
    if (e->round < json_integer_value(json_object_get(repeat, "times"))) {
        e->round++;
        e->level = 0;
        return page_now(f, e, "i_esc", err);
    }
    snprintf(e->state, sizeof(e->state), "done");
    return ah_store_tx_escalation_put(f->tx, e, err);
}

/* Starts @rule for the incident: after its delay, or now. */
static int start(struct fanout *f, const struct ah_esc_rule *rule, struct ah_error *err)
{
    struct ah_escalation e = {.incident_id = f->inc->id,
                              .channel_id = f->inc->channel_id,
                              .rule = rule->json,
                              .started_at = f->now};
    int64_t delay = json_integer_value(json_object_get(rule->json, "delay_seconds"));

    if (delay == 0) {
        f->type = "i_assign";
        return page_now(f, &e, "i_assign", err);
    }
    snprintf(e.state, sizeof(e.state), "delay");
    {
        int rc = ah_store_tx_escalation_put(f->tx, &e, err);

        return rc < 0 ? rc : set_timer(f, "esc", f->now + delay, err);
    }
}

static int match_and_start(struct fanout *f, const struct ah_filter_subject *s,
                           struct ah_error *err)
{
    struct channel_state *ch = ah_reduce_channel(f->r, f->inc->channel_id);
    const struct ah_esc_rule *rule = ah_escalations_match(ch->escalations, s, f->now);
    const char *type = f->type;
    int rc;

    /* No rule: nobody is paged. The delivery log says so from the missing
     * escalation row (store: ah_store_read_deliveries), not from a row
     * written here on every new incident of a channel without rules. */
    if (rule == NULL)
        return AH_OK;
    rc = start(f, rule, err);
    f->type = type;
    return rc;
}

int ah_esc_arm_resolve(struct ah_reduce *r, struct ah_store_tx *tx, const struct ah_incident *inc,
                       int64_t now, struct ah_error *err)
{
    struct channel_state *ch = ah_reduce_channel(r, inc->channel_id);
    int64_t from = ch->resolve_on_update ? inc->last_time : inc->start_time;
    int64_t due = from + ch->resolve_timeout;

    if (ch->resolve_timeout <= 0)
        return ah_store_tx_timer_clear(tx, inc->id, "resolve", err);
    if (due < now)
        due = now;
    note_due(r, due);
    return ah_store_tx_timer_set(tx, inc->id, "resolve", due, err);
}

int ah_esc_new(struct ah_reduce *r, struct ah_store_tx *tx, struct open_incident *inc,
               const struct ah_filter_subject *s, int64_t now, struct ah_error *err)
{
    struct fanout f = {.r = r, .tx = tx, .inc = &inc->row, .type = "i_new", .now = now};
    int rc = AH_OK;

    if (ah_reduce_channel(r, inc->row.channel_id)->resolve_timeout > 0)
        rc = ah_esc_arm_resolve(r, tx, &inc->row, now, err);

    if (rc < 0)
        return rc;
    /* A flapping alert's incident is muted: nobody hears of it. (Subscribers
     * read the timeline themselves: notify/sender.c.) */
    if (inc->row.muted_until > now)
        return deliver(&f, "none", 0, 0, "", NULL, "flapping", err);
    return match_and_start(&f, s, err);
}

/* ================= incident events ================= */

static int on_close(struct fanout *f, struct ah_escalation *e, struct ah_error *err)
{
    int rc = ah_store_tx_timer_clear(f->tx, f->inc->id, NULL, err);

    if (rc == AH_OK)
        rc = ah_store_tx_incident_snooze(f->tx, f->inc->id, 0, err);
    if (e == NULL || rc < 0)
        return rc;
    if (strcmp(e->state, "delay") == 0)
        rc = page_level(f, e->rule, 0, 0, "closed_within_delay", err);
    snprintf(e->state, sizeof(e->state), "done");
    return rc < 0 ? rc : ah_store_tx_escalation_put(f->tx, e, err);
}

static int on_ack(struct fanout *f, struct ah_escalation *e, struct ah_error *err)
{
    const json_t *lv = level_of(e->rule, e->level);
    int rc = AH_OK;

    if (strcmp(e->state, "delay") == 0) {
        rc = page_level(f, e->rule, 0, 0, "acked", err);
        snprintf(e->state, sizeof(e->state), "acked_delay");
    } else if (strcmp(e->state, "active") == 0 &&
               strcmp(json_string_value(json_object_get(lv, "escalate_unless")), "acked") == 0) {
        snprintf(e->state, sizeof(e->state), "acked");
    } else {
        return AH_OK;
    }
    if (rc == AH_OK)
        rc = ah_store_tx_timer_clear(f->tx, f->inc->id, "esc", err);
    return rc < 0 ? rc : ah_store_tx_escalation_put(f->tx, e, err);
}

/* Unack resumes where the escalation stopped: the level reached gets its
 * full time again, or the delay starts over. */
static int on_unack(struct fanout *f, struct ah_escalation *e, struct ah_error *err)
{
    const json_t *lv = level_of(e->rule, e->level);
    int64_t wait;

    if (strcmp(e->state, "acked_delay") == 0) {
        snprintf(e->state, sizeof(e->state), "delay");
        wait = json_integer_value(json_object_get(e->rule, "delay_seconds"));
    } else if (strcmp(e->state, "acked") == 0) {
        snprintf(e->state, sizeof(e->state), "active");
        wait = json_integer_value(json_object_get(lv, "escalate_after_minutes")) * 60;
    } else {
        return AH_OK;
    }
    {
        int rc = ah_store_tx_escalation_put(f->tx, e, err);

        return rc < 0 ? rc : set_timer(f, "esc", f->now + wait, err);
    }
}

static int on_snooze(struct fanout *f, struct ah_escalation *e, int64_t minutes,
                     struct ah_error *err)
{
    int64_t until = f->now + minutes * 60;
    int rc = set_timer(f, "wake", until, err);

    if (rc == AH_OK)
        rc = ah_store_tx_incident_snooze(f->tx, f->inc->id, until, err);
    if (rc == AH_OK)
        rc = ah_store_tx_timer_clear(f->tx, f->inc->id, "esc", err);
    if (rc < 0 || e == NULL || strcmp(e->state, "done") == 0)
        return rc;
    snprintf(e->state, sizeof(e->state), "snoozed");
    return ah_store_tx_escalation_put(f->tx, e, err);
}

/* Woken from a snooze: the level reached is paged again and escalation
 * goes on from there. */
static int on_wake(struct fanout *f, struct ah_escalation *e, struct ah_error *err)
{
    int rc = ah_store_tx_incident_snooze(f->tx, f->inc->id, 0, err);

    if (rc < 0 || e == NULL || strcmp(e->state, "snoozed") != 0)
        return rc;
    return page_now(f, e, NULL, err);
}

/* A storm warning reaches every level already paged. */
static int on_storm(struct fanout *f, struct ah_escalation *e, struct ah_error *err)
{
    size_t before = f->count;
    int level, rc = AH_OK;

    if (strcmp(e->state, "delay") == 0 || strcmp(e->state, "acked_delay") == 0)
        return AH_OK;
    for (level = 0; rc == AH_OK && level <= e->level; level++)
        rc = page_level(f, e->rule, level, e->round, NULL, err);
    if (rc == AH_OK && f->count > before)
        rc = feed(f, "i_notify",
                  json_pack("{sssI}", "event_type", "i_storm", "deliveries",
                            (json_int_t)(f->count - before)),
                  err);
    return rc;
}

/* The incident's first alert, as a filter subject, for a reopen. */
static int reopen(struct fanout *f, struct ah_error *err)
{
    struct ah_incident row;
    json_t *owner;
    struct ah_filter_subject s;
    int rc = ah_store_tx_escalation_delete(f->tx, f->inc->id, err);

    if (rc == AH_OK)
        rc = ah_esc_arm_resolve(f->r, f->tx, f->inc, f->now, err);
    if (rc == AH_OK)
        rc = ah_store_tx_incident_get(f->tx, f->inc->id, &row, &owner, err);
    if (rc < 0)
        return rc;
    s = (struct ah_filter_subject){.severity = ah_severity_name(row.severity),
                                   .title = row.title,
                                   .description = row.description,
                                   .labels = row.labels};
    rc = match_and_start(f, &s, err);
    json_decref(owner);
    return rc;
}

int ah_esc_event(struct ah_reduce *r, struct ah_store_tx *tx, const struct ah_incident *inc,
                 const char *type, const json_t *person, int64_t minutes, int64_t now,
                 struct ah_error *err)
{
    struct fanout f = {.r = r, .tx = tx, .inc = inc, .type = type, .person = person, .now = now};
    struct ah_escalation e = {0}, *ep = NULL;
    int rc;

    if (strcmp(type, "i_reopen") == 0)
        return reopen(&f, err);
    rc = ah_store_tx_escalation_get(tx, inc->id, &e, err);
    if (rc == AH_OK)
        ep = &e;
    else if (rc != AH_ENOTFOUND)
        return rc;
    rc = AH_OK;
    if (strcmp(type, "i_rslv") == 0)
        rc = on_close(&f, ep, err);
    else if (strcmp(type, "i_snooze") == 0)
        rc = on_snooze(&f, ep, minutes, err);
    else if (strcmp(type, "i_wake") == 0)
        rc = on_wake(&f, ep, err);
    else if (ep != NULL && strcmp(type, "i_ack") == 0)
        rc = on_ack(&f, ep, err);
    else if (ep != NULL && strcmp(type, "i_unack") == 0)
        rc = on_unack(&f, ep, err);
    else if (ep != NULL && strcmp(type, "i_storm") == 0)
        rc = on_storm(&f, ep, err);
    json_decref(e.rule);
    return rc;
}

/* ================= timers ================= */

static int fire_one(struct ah_reduce *r, struct ah_store_tx *tx, int64_t id, const char *kind,
                    int64_t now, struct ah_error *err)
{
    struct open_incident *inc = ah_reduce_incident_find(r, id);
    struct fanout f = {.r = r, .tx = tx, .type = "i_esc", .now = now};
    struct ah_escalation e;
    int rc = ah_store_tx_timer_clear(tx, id, kind, err);

    if (rc < 0 || inc == NULL) /* closed meanwhile: nothing is due */
        return rc;
    f.inc = &inc->row;
    if (strcmp(kind, "wake") == 0)
        return ah_incident_wake(r, inc, tx, now, err);
    if (strcmp(kind, "resolve") == 0) {
        struct channel_state *ch = ah_reduce_channel(r, inc->row.channel_id);
        int64_t from = ch->resolve_on_update ? inc->row.last_time : inc->row.start_time;

        if (ch->resolve_timeout <= 0)
            return AH_OK;
        if (from + ch->resolve_timeout > now) /* an event came since it was armed */
            return ah_esc_arm_resolve(r, tx, &inc->row, now, err);
        return ah_incident_auto_resolve(r, inc, tx, now, err);
    }
    rc = ah_store_tx_escalation_get(tx, id, &e, err);
    if (rc == AH_ENOTFOUND)
        return AH_OK;
    if (rc == AH_OK)
        rc = step(&f, &e, err);
    json_decref(e.rule);
    return rc;
}

int ah_reduce_fire_timers(struct ah_reduce *r, struct ah_store_tx *tx, int64_t now,
                          struct ah_error *err)
{
    json_t *due, *t;
    size_t i, n;
    int rc;

    do {
        rc = ah_store_tx_timers_due(tx, now, TIMERS_PER_ROUND, &due, err);
        if (rc < 0)
            return rc;
        n = json_array_size(due);
        json_array_foreach(due, i, t)
        {
            if (rc < 0)
                break;
            rc = fire_one(r, tx, ah_json_id(json_object_get(t, "incident_id")),
                          json_string_value(json_object_get(t, "kind")), now, err);
        }
        json_decref(due);
    } while (rc == AH_OK && n == TIMERS_PER_ROUND);
    if (rc == AH_OK)
        rc = ah_store_tx_timer_next(tx, &r->next_due, err);
    return rc;
}

int64_t ah_reduce_next_due(const struct ah_reduce *r)
{
    return r->next_due;
}

size_t ah_reduce_take_outbox(struct ah_reduce *r)
{
    size_t n = r->outbox_added;

    r->outbox_added = 0;
    return n;
}

/* ================= channel settings ================= */

void ah_reduce_set_escalations(struct ah_reduce *r, int64_t channel_id, struct ah_escalations *e)
{
    struct channel_state *ch = ah_reduce_channel(r, channel_id);

    ah_escalations_free(ch->escalations);
    ch->escalations = e;
}

void ah_reduce_load_auto_resolve(struct ah_reduce *r, int64_t channel_id, int64_t timeout,
                                 int on_update, int disable_auto_close)
{
    struct channel_state *ch = ah_reduce_channel(r, channel_id);

    ch->resolve_timeout = timeout;
    ch->resolve_on_update = on_update;
    ch->disable_auto_close = disable_auto_close;
}

struct rearm {
    struct ah_reduce *r;
    struct ah_store_tx *tx;
    int64_t channel_id, now;
    int rc;
    struct ah_error *err;
};

static void rearm_one(const char *key, void *value, void *arg)
{
    struct open_incident *inc = value;
    struct rearm *x = arg;

    (void)key;
    if (x->rc == AH_OK && inc->row.channel_id == x->channel_id)
        x->rc = ah_esc_arm_resolve(x->r, x->tx, &inc->row, x->now, x->err);
}

int ah_reduce_set_auto_resolve(struct ah_reduce *r, struct ah_store_tx *tx, int64_t channel_id,
                               int64_t timeout, int on_update, int disable_auto_close, int64_t now,
                               struct ah_error *err)
{
    struct rearm x = {r, tx, channel_id, now, AH_OK, err};

    ah_reduce_load_auto_resolve(r, channel_id, timeout, on_update, disable_auto_close);
    ah_map_each(r->incidents, rearm_one, &x);
    return x.rc;
}
