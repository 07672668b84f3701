/* hold.c - see hold.h. Inhibit sources are indexed per rule by a digest of
 * their `equals` values, so that checking a new alert costs one lookup per
 * rule, not a scan of the channel's alerts. */
#include "reduce/hold.h"

#include "util/alloc.h"
#include "util/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "<rule>:<digest of the equals values>"; missing values count as empty. */
static void source_key(const struct ah_inhibit *in, const struct ah_filter_subject *s, char out[64])
{
    char hex[33];

    ah_filter_values_digest(s, in->equals.keys, in->equals.nkeys, hex);
    snprintf(out, 64, "%lld:%s", (long long)in->id, hex);
}

static int silenced(struct channel_state *ch, const struct ah_filter_subject *s, int64_t now,
                    struct ah_hold_verdict *ret)
{
    size_t i;

    for (i = 0; i < ch->nsilences; i++) {
        const struct ah_silence *sl = ch->silences[i];

        if (!sl->enabled || !ah_schedule_active(sl->schedule, now) ||
            !ah_filter_match(sl->filter, s))
            continue;
        ret->held = AH_HOLD_SILENCED;
        ret->mode = sl->mode;
        ret->rule_id = sl->id;
        ret->rule_name = sl->name;
        return 1;
    }
    return 0;
}

/* A source counts while its alert is open, not acknowledged, and was
 * active within AH_INHIBIT_SOURCE_AGE. Returns the live one's alert id. */
static int64_t source_live(struct ah_reduce *r, const struct ah_source *seen, int n, int64_t now)
{
    int i;

    for (i = 0; i < n; i++) {
        const struct open_alert *a = ah_map_find(r->alerts, seen[i].alert);
        const struct open_incident *inc;

        if (a == NULL || a->id != seen[i].alert_id ||
            now - seen[i].last_time > AH_INHIBIT_SOURCE_AGE)
            continue;
        inc = a->incident_id ? ah_reduce_incident_find(r, a->incident_id) : NULL;
        if (inc == NULL || inc->row.progress != AH_PROGRESS_PROCESSING)
            return a->id;
    }
    return 0;
}

void ah_hold_check(struct ah_reduce *r, struct channel_state *ch, const struct ah_filter_subject *s,
                   int64_t now, struct ah_hold_verdict *ret)
{
    char key[64];
    size_t i;

    memset(ret, 0, sizeof(*ret));
    if (silenced(ch, s, now, ret))
        return;
    for (i = 0; i < ch->ninhibits; i++) {
        const struct ah_inhibit *in = ch->inhibits[i];
        const struct ah_source *seen;
        int64_t source;
        int n;

        if (!in->enabled || !ah_filter_match(in->target, s))
            continue;
        source_key(in, s, key);
        seen = ah_sources_get(ch->sources, key, &n);
        source = source_live(r, seen, n, now);
        if (source == 0)
            continue;
        ret->held = AH_HOLD_INHIBITED;
        ret->mode = in->mode;
        ret->rule_id = in->id;
        ret->rule_name = in->name;
        ret->source_alert_id = source;
        return;
    }
}

void ah_hold_note_source(struct channel_state *ch, const struct ah_filter_subject *s,
                         const struct open_alert *a, int64_t now)
{
    char key[64];
    size_t i;

    for (i = 0; i < ch->ninhibits; i++) {
        const struct ah_inhibit *in = ch->inhibits[i];

        if (!in->enabled || !ah_filter_match(in->source, s))
            continue;
        source_key(in, s, key);
        ah_sources_note(ch->sources, key, 0, a->map_key, a->id, now);
    }
}

json_t *ah_hold_reason(const struct ah_hold_verdict *v)
{
    char id[24];

    snprintf(id, sizeof(id), "%lld", (long long)v->rule_id);
    if (v->held == AH_HOLD_SILENCED)
        return json_pack("{s{ssssss}}", "silenced_by", "id", id, "name", v->rule_name, "mode",
                         v->mode == AH_HOLD_DROP ? "drop" : "mark");
    return json_pack("{s{ssssssso}}", "inhibited_by", "id", id, "name", v->rule_name, "mode",
                     v->mode == AH_HOLD_DROP ? "drop" : "mark", "source_alert_id",
                     json_sprintf("%lld", (long long)v->source_alert_id));
}

/* Appends @t to the key's ring of change times. */
static void flap_push(struct flap_state *f, int64_t t)
{
    f->changes[f->head] = t;
    f->head = (f->head + 1) % f->cap;
    if (f->n < f->cap)
        f->n++;
}

/* The key's history, or NULL when it has none that counts (none, or one
 * counted under another max_changes: a change of the setting starts every
 * key afresh). */
static struct flap_state *flap_history(struct channel_state *ch, const char *alert_key)
{
    struct flap_state *f = ah_map_find(ch->flaps, alert_key);

    return f != NULL && f->cap == ch->flapping->max_changes ? f : NULL;
}

/* The key's history, started when it has none: with the opening of its
 * open alert at @opened_at (0: none), the change no history held. */
static struct flap_state *flap_start(struct channel_state *ch, const char *alert_key,
                                     int64_t opened_at)
{
    struct flap_state *f = flap_history(ch, alert_key);
    int cap = ch->flapping->max_changes;

    if (f != NULL)
        return f;
    ah_free(ah_map_find(ch->flaps, alert_key)); /* one of another setting */
    f = ah_xcalloc(1, sizeof(*f) + (size_t)cap * sizeof(f->changes[0]));
    f->cap = cap;
    ah_map_put(ch->flaps, alert_key, f);
    if (opened_at != 0)
        flap_push(f, opened_at);
    return f;
}

/* Writes the key's history as it is now (oldest change first). */
static int flap_save(struct channel_state *ch, struct ah_store_tx *tx, const char *alert_key,
                     const struct flap_state *f, struct ah_error *err)
{
    struct ah_buf text;
    int k, rc;

    ah_buf_init(&text);
    for (k = 0; k < f->n; k++) {
        int i = f->n < f->cap ? k : (f->head + k) % f->cap;

        ah_buf_printf(&text, "%s%lld", k ? " " : "", (long long)f->changes[i]);
    }
    rc = ah_store_tx_flap_put(tx, ch->id, alert_key, ah_buf_str(&text),
                              f->changes[(f->head + f->cap - 1) % f->cap], f->muted_until, err);
    ah_buf_done(&text);
    return rc;
}

/* Counts change @now in @f: 1 when the key now flaps, else 0. */
static int flap_count(const struct ah_flapping *cfg, struct flap_state *f, int64_t now,
                      int64_t *ret_muted_until)
{
    int i, recent = 0;

    flap_push(f, now);
    for (i = 0; i < f->n; i++) {
        if (now - f->changes[i] <= cfg->in_secs)
            recent++;
    }
    if (recent < cfg->max_changes) {
        /* Still inside an earlier mute: it flaps until the mute ends. */
        *ret_muted_until = now < f->muted_until ? f->muted_until : 0;
        return now < f->muted_until;
    }
    /* Each detection extends the mute: it ends mute_mins after the key
     * last flapped. */
    if (cfg->mode == AH_FLAP_MUTE)
        f->muted_until = now + cfg->mute_secs;
    *ret_muted_until = cfg->mode == AH_FLAP_MUTE ? f->muted_until : 0;
    return 1;
}

/* Counts the change in memory and, with it, in the store. */
static int flap_change(struct channel_state *ch, struct ah_store_tx *tx, const char *alert_key,
                       int64_t opened_at, int64_t now, int64_t *ret_muted_until,
                       struct ah_error *err)
{
    struct flap_state *f = flap_start(ch, alert_key, opened_at);
    int flaps = flap_count(ch->flapping, f, now, ret_muted_until);
    int rc = flap_save(ch, tx, alert_key, f, err);

    return rc < 0 ? rc : flaps;
}

int ah_flap_opened(struct channel_state *ch, struct ah_store_tx *tx, const char *alert_key,
                   int64_t now, int stored, int64_t *ret_muted_until, struct ah_error *err)
{
    *ret_muted_until = 0;
    if (ch->flapping->mode == AH_FLAP_OFF)
        return 0;
    /* A first change needs no history: it is the stored alert's start_time,
     * which the recovery (the second change) reads. One change never flaps
     * (max_changes is at least 2), and a million open alerts keep none. */
    if (stored && flap_history(ch, alert_key) == NULL)
        return 0;
    return flap_change(ch, tx, alert_key, 0, now, ret_muted_until, err);
}

int ah_flap_recovered(struct channel_state *ch, struct ah_store_tx *tx, const char *alert_key,
                      int64_t opened_at, int64_t now, struct ah_error *err)
{
    int64_t muted_until;
    int rc;

    if (ch->flapping->mode == AH_FLAP_OFF)
        return AH_OK;
    rc = flap_change(ch, tx, alert_key, opened_at, now, &muted_until, err);
    return rc < 0 ? rc : AH_OK;
}

int ah_flap_closed(struct channel_state *ch, struct ah_store_tx *tx, const char *alert_key,
                   int64_t opened_at, struct ah_error *err)
{
    /* With a history, the alert's opening is in it already. */
    if (ch->flapping->mode == AH_FLAP_OFF || flap_history(ch, alert_key) != NULL)
        return AH_OK;
    return flap_save(ch, tx, alert_key, flap_start(ch, alert_key, opened_at), err);
}

void ah_flap_restore(struct channel_state *ch, const char *alert_key, const char *changes,
                     int64_t muted_until)
{
    struct flap_state *f;
    const char *p = changes;
    char *end;

    if (ch->flapping->mode == AH_FLAP_OFF)
        return;
    f = flap_start(ch, alert_key, 0);
    f->n = f->head = 0;
    for (;;) {
        long long t = strtoll(p, &end, 10);

        if (end == p)
            break;
        flap_push(f, t);
        p = end;
    }
    f->muted_until = muted_until;
}
