/* index.c - the reducer's indexes (index.h) and their rebuild from the
 * store (ah_reduce_load). */
#include "reduce/index.h"
#include "reduce/hold.h"

#include "reduce/escalate.h"

#include "util/alloc.h"
#include "util/sha256.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ah_reduce_digest(enum ah_severity level, const char *title, const char *description,
                      unsigned char out[AH_DIGEST_LEN])
{
    unsigned char full[AH_SHA256_LEN];
    struct ah_sha256 c;
    unsigned char lv = (unsigned char)level;

    /* NUL separators keep ("ab", "c") and ("a", "bc") apart. */
    ah_sha256_init(&c);
    ah_sha256_update(&c, &lv, 1);
    ah_sha256_update(&c, title, strlen(title) + 1);
    ah_sha256_update(&c, description ? description : "", description ? strlen(description) + 1 : 1);
    ah_sha256_final(&c, full);
    memcpy(out, full, AH_DIGEST_LEN);
}

/* Exactly as long as it is: a million open alerts each keep one. */
char *ah_reduce_alert_key(int64_t channel_id, const char *alert_key)
{
    int n = snprintf(NULL, 0, "%lld\x1f%s", (long long)channel_id, alert_key);
    char *k = ah_xmalloc((size_t)n + 1);

    snprintf(k, (size_t)n + 1, "%lld\x1f%s", (long long)channel_id, alert_key);
    return k;
}

struct open_alert *ah_reduce_alert_find(struct ah_reduce *r, int64_t channel_id,
                                        const char *alert_key)
{
    char *key = ah_reduce_alert_key(channel_id, alert_key);
    struct open_alert *a = ah_map_find(r->alerts, key);

    ah_free(key);
    return a;
}

struct open_incident *ah_reduce_incident_find(struct ah_reduce *r, int64_t id)
{
    return ah_map_find_id(r->incidents, id);
}

struct open_incident *ah_reduce_incident_add(struct ah_reduce *r, const struct ah_incident *row)
{
    struct open_incident *inc = ah_xcalloc(1, sizeof(*inc));

    inc->row = *row;
    /* Only counts, times and states live here; strings belong to the row's
     * caller and are not kept. */
    inc->row.title = inc->row.description = inc->row.group_key = NULL;
    inc->row.labels = NULL;
    inc->row.labels_text = NULL;
    ah_map_put_id(r->incidents, row->id, inc);
    return inc;
}

/* Most incidents have one alert: it is kept in the incident itself. */
static void free_alert_list(struct open_incident *inc)
{
    if (inc->alerts != &inc->one)
        ah_free(inc->alerts);
}

void ah_reduce_incident_drop(struct ah_reduce *r, struct open_incident *inc)
{
    struct channel_state *ch = ah_reduce_channel(r, inc->row.channel_id);
    size_t i;

    /* A key may meanwhile point at a newer incident: only remove our own. */
    for (i = 0; i < inc->ngroup_keys; i++) {
        if (ah_map_find(ch->groups, inc->group_keys[i]) == inc)
            ah_map_remove(ch->groups, inc->group_keys[i]);
    }
    ah_free(inc->group_keys);
    ah_map_remove_id(r->incidents, inc->row.id);
    for (i = 0; i < inc->nalerts; i++)
        inc->alerts[i]->incident_id = 0; /* orphans: their incident is gone */
    free_alert_list(inc);
    ah_free(inc);
}

void ah_reduce_alert_add(struct ah_reduce *r, struct open_alert *a)
{
    struct open_incident *inc = ah_reduce_incident_find(r, a->incident_id);

    ah_map_put(r->alerts, a->map_key, a);
    if (inc == NULL)
        return;
    if (inc->capalerts == 0) {
        inc->alerts = &inc->one;
        inc->capalerts = 1;
    } else if (inc->nalerts == inc->capalerts) {
        struct open_alert **more = ah_xmalloc(2 * inc->capalerts * sizeof(*more));

        memcpy(more, inc->alerts, inc->nalerts * sizeof(*more));
        free_alert_list(inc);
        inc->alerts = more;
        inc->capalerts *= 2;
    }
    inc->alerts[inc->nalerts++] = a;
}

void ah_reduce_alert_drop(struct ah_reduce *r, struct open_alert *a)
{
    struct open_incident *inc = a->incident_id ? ah_reduce_incident_find(r, a->incident_id) : NULL;
    size_t i;

    ah_map_remove(r->alerts, a->map_key);
    for (i = 0; inc != NULL && i < inc->nalerts; i++) {
        if (inc->alerts[i] == a) {
            inc->alerts[i] = inc->alerts[--inc->nalerts];
            break;
        }
    }
    ah_free(a->map_key);
    ah_free(a);
}

/* ================= life of the reducer ================= */

struct ah_reduce *ah_reduce_new(void)
{
    struct ah_reduce *r = ah_xcalloc(1, sizeof(*r));

    r->alerts = ah_map_new_borrowing(); /* keys: struct open_alert's map_key */
    r->incidents = ah_map_new_ids();
    r->channels = ah_map_new();
    ah_esc_reset(r);
    return r;
}

static void free_alert(const char *key, void *value, void *arg)
{
    struct open_alert *a = value;

    (void)key;
    (void)arg;
    ah_free(a->map_key);
    ah_free(a);
}

static void free_incident(const char *key, void *value, void *arg)
{
    struct open_incident *inc = value;

    (void)key;
    (void)arg;
    ah_free(inc->group_keys);
    free_alert_list(inc);
    ah_free(inc);
}

static void clear(struct ah_reduce *r)
{
    ah_map_each(r->alerts, free_alert, NULL);
    ah_map_each(r->incidents, free_incident, NULL);
    ah_map_free(r->alerts);
    ah_map_free(r->incidents);
    r->alerts = ah_map_new_borrowing();
    r->incidents = ah_map_new_ids();
    ah_reduce_channels_clear(r);
    ah_esc_reset(r);
}

void ah_reduce_free(struct ah_reduce *r)
{
    if (r == NULL)
        return;
    clear(r);
    ah_map_free(r->alerts);
    ah_map_free(r->incidents);
    ah_map_free(r->channels);
    ah_free(r);
}

/* What a rebuild carries from one step to the next. */
struct load {
    struct ah_reduce *r;
    int64_t newest; /* the newest last_time of the open alerts */
};

/* The incident's group_key column lists the keys it is indexed under,
 * separated by spaces. */
static void load_incident(const struct ah_incident_view *v, void *arg)
{
    struct load *ld = arg;
    const struct ah_incident *row = &v->row;
    struct open_incident *inc = ah_reduce_incident_add(ld->r, row);
    const char *p = row->group_key ? row->group_key : "";
    char keys[AH_GROUP_MAX_SETS][33];
    size_t n = 0;

    inc->last_merge_time = row->start_time; /* load_merges() finds later joins */
    while (n < AH_GROUP_MAX_SETS && strlen(p) >= 32) {
        memcpy(keys[n], p, 32);
        keys[n++][32] = '\0';
        p += 32;
        while (*p == ' ')
            p++;
    }
    if (n > 0)
        ah_reduce_group_register(ah_reduce_channel(ld->r, row->channel_id), inc,
                                 (const char(*)[33])keys, n);
}

static void load_alert(const struct ah_alert_view *v, void *arg)
{
    struct load *ld = arg;
    const struct ah_alert *row = &v->row;
    struct open_alert *a = ah_xcalloc(1, sizeof(*a));

    a->map_key = ah_reduce_alert_key(row->channel_id, row->alert_key);
    a->id = row->id;
    a->incident_id = row->incident_id;
    a->severity = row->severity;
    a->level = row->level;
    a->event_count = row->event_count;
    a->start_time = row->start_time;
    a->last_time = row->last_time;
    ah_reduce_digest(row->level, row->title, row->description, a->digest);
    ah_reduce_alert_add(ld->r, a);
    if (row->last_time > ld->newest)
        ld->newest = row->last_time;
}

static void load_flap(int64_t channel_id, const char *alert_key, const char *changes,
                      int64_t muted_until, void *arg)
{
    ah_flap_restore(ah_reduce_channel(arg, channel_id), alert_key, changes, muted_until);
}

/* An open alert's last firing event made it an inhibit source (dedup.c): its
 * row holds that event's level, title, description and labels, and its
 * last_time that event's time. */
static void seed_source(const struct ah_alert_view *v, void *arg)
{
    struct ah_reduce *r = arg;
    const struct ah_alert *row = &v->row;
    const struct open_alert *a = ah_reduce_alert_find(r, row->channel_id, row->alert_key);
    struct ah_filter_subject s;
    json_t *labels;

    ah_filter_subject_of_alert(row, &s, &labels);
    if (a != NULL && a->id == row->id && a->incident_id != 0)
        ah_hold_note_source(ah_reduce_channel(r, row->channel_id), &s, a, row->last_time);
    json_decref(labels);
}

static void has_inhibits(const char *key, void *value, void *arg)
{
    const struct channel_state *ch = value;

    (void)key;
    *(int *)arg |= ch->ninhibits > 0;
}

/* Inhibit sources are noted as events arrive; after a rebuild, the open
 * alerts active within AH_INHIBIT_SOURCE_AGE of the newest activity are
 * noted again from their rows (whether one is still live is checked
 * against the clock when it is used). */
static int seed_sources(struct ah_reduce *r, struct ah_store *store, int64_t newest,
                        struct ah_error *err)
{
    int any = 0;

    ah_map_each(r->channels, has_inhibits, &any);
    if (!any || newest == 0)
        return AH_OK;
    return ah_store_recent_alerts_each(store, newest - AH_INHIBIT_SOURCE_AGE, seed_source, r, err);
}

static void set_merge(int64_t incident_id, int64_t time, void *arg)
{
    struct open_incident *inc = ah_reduce_incident_find(arg, incident_id);

    if (inc != NULL && time > inc->last_merge_time)
        inc->last_merge_time = time;
}

struct sliding {
    int64_t *ids;
    size_t n;
};

static void find_sliding(const char *key, void *value, void *arg)
{
    const struct channel_state *ch = value;
    struct sliding *sl = arg;
    const struct ah_grouping *g = ch->grouping;

    (void)key;
    if (g != NULL && g->enabled && g->window_secs > 0 && g->window_type == AH_WINDOW_SLIDING) {
        sl->ids = ah_xrealloc(sl->ids, (sl->n + 1) * sizeof(*sl->ids));
        sl->ids[sl->n++] = ch->id;
    }
}

/* A sliding window counts from the last alert that joined: its time is the
 * newest a_merge entry of the incident's timeline (the incident's last_time
 * counts its alerts' events too). */
static int load_merges(struct ah_reduce *r, struct ah_store *store, struct ah_error *err)
{
    struct sliding sl = {NULL, 0};
    size_t i;
    int rc = AH_OK;

    ah_map_each(r->channels, find_sliding, &sl);
    for (i = 0; i < sl.n && rc == AH_OK; i++)
        rc = ah_store_last_merges_each(store, sl.ids[i], set_merge, r, err);
    ah_free(sl.ids);
    return rc;
}

int ah_reduce_load(struct ah_reduce *r, struct ah_store *store, struct ah_error *err)
{
    struct load ld = {r, 0};
    int rc;

    clear(r);
    /* Rules first (incidents register their group keys in their channel,
     * flapping histories need their channel's setting), incidents next, so
     * that alerts find theirs. */
    rc = ah_reduce_channels_load(r, store, err);
    if (rc == AH_OK)
        rc = ah_store_flaps_each(store, load_flap, r, err);
    if (rc == AH_OK)
        rc = ah_store_incidents_open_each(store, load_incident, &ld, err);
    if (rc == AH_OK)
        rc = load_merges(r, store, err);
    if (rc == AH_OK)
        rc = ah_store_alerts_open_each(store, load_alert, &ld, err);
    if (rc == AH_OK)
        rc = seed_sources(r, store, ld.newest, err);
    if (rc < 0)
        clear(r);
    return rc;
}

int64_t ah_reduce_alert_open(struct ah_reduce *r, int64_t channel_id, const char *alert_key)
{
    const struct open_alert *a = ah_reduce_alert_find(r, channel_id, alert_key);

    return a ? a->id : 0;
}

size_t ah_reduce_open_alerts(const struct ah_reduce *r)
{
    return ah_map_count(r->alerts);
}

size_t ah_reduce_open_incidents(const struct ah_reduce *r)
{
    return ah_map_count(r->incidents);
}

const char *const ah_noise_names[AH_NOISE_KINDS] = {
    [AH_NOISE_DEDUPLICATED] = "deduplicated", [AH_NOISE_GROUPED] = "grouped",
    [AH_NOISE_SILENCED] = "silenced",         [AH_NOISE_INHIBITED] = "inhibited",
    [AH_NOISE_DROPPED] = "dropped",           [AH_NOISE_FLAPPING] = "flapping",
};

void ah_reduce_take_noise(struct ah_reduce *r, uint64_t into[AH_NOISE_KINDS])
{
    int k;

    for (k = 0; k < AH_NOISE_KINDS; k++) {
        into[k] += r->noise[k];
        r->noise[k] = 0;
    }
}

/* ================= catching up with other nodes ================= */

struct catch_up {
    struct load ld;
    void (*seen)(const struct ah_alert_view *a, void *arg);
    void *seen_arg;
};

/* An open alert loaded again: whatever memory holds under its key goes
 * first (one open alert per key: another one there is closed by now). */
static void reload_alert(const struct ah_alert_view *v, void *arg)
{
    struct load *ld = arg;
    struct open_alert *a = ah_reduce_alert_find(ld->r, v->row.channel_id, v->row.alert_key);

    if (a != NULL)
        ah_reduce_alert_drop(ld->r, a);
    load_alert(v, ld);
}

/* An alert another node changed: a closed one leaves memory (if memory
 * still holds it), an open one is loaded again. */
static void catch_alert(const struct ah_alert_view *v, void *arg)
{
    struct catch_up *cu = arg;

    if (v->row.end_time != 0 || v->row.close_time != 0) {
        struct open_alert *a = ah_reduce_alert_find(cu->ld.r, v->row.channel_id, v->row.alert_key);

        if (a != NULL && a->id == v->row.id)
            ah_reduce_alert_drop(cu->ld.r, a);
        return;
    }
    reload_alert(v, &cu->ld);
    seed_source(v, cu->ld.r);
    if (cu->seen != NULL)
        cu->seen(v, cu->seen_arg);
}

static void drop_incident(struct ah_reduce *r, int64_t id)
{
    struct open_incident *inc = ah_reduce_incident_find(r, id);

    while (inc != NULL && inc->nalerts > 0)
        ah_reduce_alert_drop(r, inc->alerts[inc->nalerts - 1]);
    if (inc != NULL)
        ah_reduce_incident_drop(r, inc);
}

static void restore_flap(int64_t channel_id, const char *alert_key, const char *changes,
                         int64_t muted_until, void *arg)
{
    ah_flap_restore(ah_reduce_channel(arg, channel_id), alert_key, changes, muted_until);
}

int ah_reduce_catch_up(struct ah_reduce *r, struct ah_store_tx *tx,
                       const struct ah_store_changes *ch,
                       void (*seen)(const struct ah_alert_view *a, void *arg), void *seen_arg,
                       struct ah_error *err)
{
    struct catch_up cu = {{r, 0}, seen, seen_arg};
    char *incidents = json_dumps(ch->incidents, JSON_COMPACT);
    char *alerts = json_dumps(ch->alerts, JSON_COMPACT);
    char *flaps = json_dumps(ch->flaps, JSON_COMPACT);
    const json_t *v;
    size_t i;
    int rc = AH_OK;

    /* Incidents first, each with its open alerts (as ah_reduce_load), then
     * the alerts that changed, which may have moved between incidents. */
    json_array_foreach(ch->incidents, i, v) drop_incident(r, (int64_t)json_integer_value(v));
    if (json_array_size(ch->incidents) > 0) {
        rc = ah_store_tx_incidents_open_in(tx, incidents, load_incident, &cu.ld, err);
        if (rc == AH_OK)
            rc = ah_store_tx_last_merges_in(tx, incidents, set_merge, r, err);
        if (rc == AH_OK)
            rc = ah_store_tx_alerts_in(tx, incidents, 1, reload_alert, &cu.ld, err);
    }
    if (rc == AH_OK && json_array_size(ch->alerts) > 0)
        rc = ah_store_tx_alerts_in(tx, alerts, 0, catch_alert, &cu, err);
    if (rc == AH_OK && json_array_size(ch->flaps) > 0)
        rc = ah_store_tx_flaps_in(tx, flaps, restore_flap, r, err);
    ah_esc_reset(r); /* timers live in the store: look there again */
    free(incidents);
    free(alerts);
    free(flaps);
    return rc;
}
