/* store.h - persistence: channels, integrations, events, alerts, incidents.
 *
 * Two kinds of calls. Writes (ah_store_tx_*, and everything taking a
 * `struct ah_store_tx *`) run on the writer thread only, inside a transaction
 * that the writer commits once per batch (design.md section 3). Reads
 * (ah_store_read_*) may run on any thread: each takes a connection from a
 * pool and sees only committed data. Reads answer JSON objects in the API's
 * shapes (api.md section 2): ids as strings, times as Unix seconds.
 *
 * Errors: AH_ESTORE (the database failed; the client may retry),
 * AH_ENOTFOUND, AH_ECONFLICT, AH_EINVAL, each with a message. */
#ifndef AH_STORE_STORE_H
#define AH_STORE_STORE_H

#include "model/alert.h"
#include "model/integration.h"
#include "util/error.h"

#include <jansson.h>
#include <stdint.h>

struct ah_store;

struct ah_store_conf {
    /* postgres://… or postgresql://… selects PostgreSQL; NULL or anything
     * else the embedded SQLite database in @dir. */
    const char *database_url;
    const char *dir;         /* folder of alerthub.db; created if missing */
    const char *synchronous; /* "full" (default) or "normal" */
    int busy_timeout_ms;     /* how long a write waits for a lock */
};

/* 1 when @url selects PostgreSQL (postgres:// or postgresql://). */
int ah_store_url_is_postgres(const char *url);

/* Opens (creating and migrating) the database. Returns a new store; free
 * with ah_store_free(). */
int ah_store_open(const struct ah_store_conf *conf, struct ah_store **ret_store,
                  struct ah_error *reterr);
void ah_store_free(struct ah_store *store); /* NULL is a no-op */

/* Copies the database of the data folder @dir into a new file @path with
 * SQLite's online backup API: one consistent committed state, taken while a
 * server may go on writing. Refuses (AH_ECONFLICT) when @path exists; a
 * failed copy leaves no file behind. Opens its own connections; needs no
 * store. */
int ah_store_backup(const char *dir, const char *path, struct ah_error *reterr);

/* Copies every row of @from into @to (`alerthub migrate`), ids kept: one
 * consistent state of @from, written in one transaction, so @to has all of
 * it or nothing. Refuses (AH_ECONFLICT) unless @to is empty. @progress (may
 * be NULL) hears each table's row count. */
int ah_store_copy(struct ah_store *from, struct ah_store *to,
                  void (*progress)(const char *table, int64_t rows, void *arg), void *arg,
                  struct ah_error *reterr);

/* 1 while this node sends the deliveries and fires the timers: always on
 * SQLite; on PostgreSQL the one node holding a lease that ends with its
 * connection (when it dies, another takes it within seconds). Any thread. */
int ah_store_leads(struct ah_store *store);
/* The writer thread, outside a transaction: tries to take the lease if this
 * node does not hold it (at most once a second); returns ah_store_leads(). */
int ah_store_lead(struct ah_store *store);
/* The writer thread, outside a transaction: gives the lease up (another
 * node takes it within a second or two); this node tries for it again
 * only after about ten seconds. */
void ah_store_resign(struct ah_store *store);

/* Returns AH_OK when a read connection answers. */
int ah_store_ping(struct ah_store *store, struct ah_error *reterr);

/* SQLite's library version ("3.40.1"), for /metrics. A static string. */
const char *ah_store_engine_version(void);

/* ---- transactions (writer thread only) ---- */

struct ah_store_tx; /* the write connection while a transaction is open */

/* Begins the writer's transaction. On PostgreSQL, where several nodes
 * write one database (docs/deploy.md), it also waits until no other node's
 * transaction is open, so that every node's transactions run one after the
 * other, each on all the others committed. */
int ah_store_tx_begin(struct ah_store *store, struct ah_store_tx **ret_tx, struct ah_error *reterr);
/* What other nodes committed since this node's memory was last in step,
 * as seen at begin: AH_STORE_STALE_DATA (any row: the reducer and the
 * pipeline's inhibit sources must be rebuilt) and AH_STORE_STALE_CONFIG
 * (integrations, their rules, mapping tables, channel names or tokens: the
 * HTTP side's caches must be reloaded). Always 0 on SQLite. */
#define AH_STORE_STALE_DATA   1
#define AH_STORE_STALE_CONFIG 2
int ah_store_tx_stale(const struct ah_store_tx *tx);
/* 1 when several nodes may write the database (PostgreSQL). */
int ah_store_shared(const struct ah_store *store);
/* The writer thread, outside a transaction: what ah_store_tx_stale would
 * say now, without waiting for the other nodes (0 when it cannot tell). */
int ah_store_peek(struct ah_store *store);
/* The caller rebuilt, inside this transaction, what @what covers. A
 * transaction that writes while stale leaves the node stale. */
void ah_store_tx_synced(struct ah_store_tx *tx, int what);
/* This transaction changes what the HTTP side caches (the store's own
 * writers of those rows say so): the other nodes reload it. */
void ah_store_tx_config_changed(struct ah_store_tx *tx);
int ah_store_tx_commit(struct ah_store_tx *tx, struct ah_error *reterr);

/* What a transaction changes of the reducer's memory, logged for the other
 * nodes (PostgreSQL; nothing on SQLite): the store's writers of alerts,
 * incidents and flapping histories call these; @all for anything else the
 * reducer keeps (a channel's rules). */
void ah_store_tx_touch_alert(struct ah_store_tx *tx, int64_t id);
void ah_store_tx_touch_incident(struct ah_store_tx *tx, int64_t id);
void ah_store_tx_touch_flap(struct ah_store_tx *tx, int64_t channel_id, const char *alert_key);
void ah_store_tx_touch_all(struct ah_store_tx *tx);

/* What other nodes changed since this node's memory was in step, when
 * ah_store_tx_stale() says AH_STORE_STALE_DATA: JSON arrays of the alerts'
 * and incidents' ids (repeats possible) and of the flapping keys
 * ({"c": channel_id, "k": alert_key}). Returns 1 when that is all of it, 0
 * when memory must be rebuilt whole, or a failure. Free with
 * ah_store_changes_done() whatever it returned. */
struct ah_store_changes {
    json_t *alerts, *incidents, *flaps;
};
int ah_store_tx_changes(struct ah_store_tx *tx, struct ah_store_changes *ret,
                        struct ah_error *reterr);
void ah_store_changes_done(struct ah_store_changes *ch);
/* Housekeeping: drops the change log's oldest rows, keeping the last
 * 100,000 versions (a node further behind rebuilds whole). */
int ah_store_tx_log_prune(struct ah_store_tx *tx, struct ah_error *reterr);

/* The rows a catch-up reloads, inside the writer's transaction. @ids: a
 * JSON array of ids; @keys: one of {"c": channel_id, "k": alert_key}.
 * The open incidents among @ids; every alert among @ids, open or not, or
 * the open alerts of the incidents @ids (@of_incidents); the flapping
 * histories of @keys; the last a_merge of the incidents @ids. */
int ah_store_tx_incidents_open_in(struct ah_store_tx *tx, const char *ids,
                                  void (*fn)(const struct ah_incident_view *inc, void *arg),
                                  void *arg, struct ah_error *reterr);
int ah_store_tx_alerts_in(struct ah_store_tx *tx, const char *ids, int of_incidents,
                          void (*fn)(const struct ah_alert_view *a, void *arg), void *arg,
                          struct ah_error *reterr);
int ah_store_tx_flaps_in(struct ah_store_tx *tx, const char *keys,
                         void (*fn)(int64_t channel_id, const char *alert_key, const char *changes,
                                    int64_t muted_until, void *arg),
                         void *arg, struct ah_error *reterr);
int ah_store_tx_last_merges_in(struct ah_store_tx *tx, const char *ids,
                               void (*fn)(int64_t incident_id, int64_t time, void *arg), void *arg,
                               struct ah_error *reterr);
void ah_store_tx_rollback(struct ah_store_tx *tx);
/* A savepoint per job, so that one refused job does not undo the batch. */
int ah_store_tx_savepoint(struct ah_store_tx *tx, struct ah_error *reterr);
void ah_store_tx_release(struct ah_store_tx *tx);
void ah_store_tx_rollback_savepoint(struct ah_store_tx *tx);

/* ---- settings (meta) ---- */

/* *@ret_value is a new string (ah_free) or NULL when unset. */
int ah_store_tx_meta_get(struct ah_store_tx *tx, const char *key, char **ret_value,
                         struct ah_error *reterr);
int ah_store_tx_meta_set(struct ah_store_tx *tx, const char *key, const char *value,
                         struct ah_error *reterr);

/* ---- channels and integrations ---- */

/* AH_ECONFLICT when the name is taken. */
int ah_store_tx_channel_insert(struct ah_store_tx *tx, const char *name, const char *description,
                               int64_t now, int64_t *ret_id, struct ah_error *reterr);
/* NULL fields are left unchanged. */
int ah_store_tx_channel_update(struct ah_store_tx *tx, int64_t id, const char *name,
                               const char *description, int64_t now, struct ah_error *reterr);
/* AH_ECONFLICT when integrations point at the channel. */
int ah_store_tx_channel_delete(struct ah_store_tx *tx, int64_t id, struct ah_error *reterr);
int ah_store_tx_channel_exists(struct ah_store_tx *tx, int64_t id, struct ah_error *reterr);

int ah_store_tx_integration_insert(struct ah_store_tx *tx, struct ah_integration *intg, int64_t now,
                                   struct ah_error *reterr); /* sets intg->id */
int ah_store_tx_integration_update(struct ah_store_tx *tx, const struct ah_integration *intg,
                                   int64_t now, struct ah_error *reterr);
int ah_store_tx_integration_delete(struct ah_store_tx *tx, int64_t id, struct ah_error *reterr);
/* Fills @ret (new strings; ah_integration_done) from the row @id. */
int ah_store_tx_integration_get(struct ah_store_tx *tx, int64_t id, struct ah_integration *ret,
                                struct ah_error *reterr);
int ah_store_tx_integration_touch(struct ah_store_tx *tx, int64_t id, int64_t now,
                                  struct ah_error *reterr);

/* Calls @fn for every integration (start-up). */
int ah_store_integrations_each(struct ah_store *store,
                               void (*fn)(const struct ah_integration *intg, void *arg), void *arg,
                               struct ah_error *reterr);

/* ---- push retries: a vendor's retry id seen before ---- */

/* *@ret_keys: a new JSON array of alert keys answered the first time, or NULL
 * when @retry_id is new. */
int ah_store_tx_retry_find(struct ah_store_tx *tx, int64_t integration_id, const char *retry_id,
                           json_t **ret_keys, struct ah_error *reterr);
int ah_store_tx_retry_insert(struct ah_store_tx *tx, int64_t integration_id, const char *retry_id,
                             const json_t *keys, int64_t now, struct ah_error *reterr);
/* Forgets retry ids older than @before. */
int ah_store_tx_retry_prune(struct ah_store_tx *tx, int64_t before, struct ah_error *reterr);

/* ---- retention (housekeeping, docs/architecture.md) ---- */

struct ah_prune {
    int64_t events_before;    /* events received before this go; 0: events are kept */
    int64_t incidents_before; /* closed incidents closed before this go; 0: kept */
    int64_t limit;            /* rows deleted per call at most (> 0) */
};

/* Deletes at most @p->limit rows, then returns their count in *@ret_rows
 * (fewer than @p->limit: nothing old is left for now). First the oldest
 * events, in arrival (rowid) order, whatever alert they belong to; then
 * closed incidents closed before @p->incidents_before that no open alert
 * belongs to, each with its alerts, their events, its timeline, deliveries,
 * escalation and timers (the incident row last, so one cut short by the
 * budget is finished by a later call). Nothing else of an open alert or an
 * open incident is touched. */
int ah_store_tx_prune(struct ah_store_tx *tx, const struct ah_prune *p, int64_t *ret_rows,
                      struct ah_error *reterr);

/* ---- events, alerts, incidents (the reducer's writes) ---- */

int ah_store_tx_event_insert(struct ah_store_tx *tx, const struct ah_event_row *ev,
                             struct ah_error *reterr);
int ah_store_tx_alert_insert(struct ah_store_tx *tx, struct ah_alert *a,
                             struct ah_error *reterr); /* sets a->id */
/* Writes every mutable field of @a (title, description, labels, severity,
 * level, recovered, event_count, last/end/close times). */
int ah_store_tx_alert_update(struct ah_store_tx *tx, const struct ah_alert *a,
                             struct ah_error *reterr);
/* A firing alert's new event: writes title, description, labels, severity,
 * level (firing), event_count and last_time only. */
int ah_store_tx_alert_refresh(struct ah_store_tx *tx, const struct ah_alert *a,
                              struct ah_error *reterr);
/* Reads the alert @id: strings in @ret are borrowed from *@ret_row, a new
 * JSON object that owns them (json_decref it). */
int ah_store_tx_alert_get(struct ah_store_tx *tx, int64_t id, struct ah_alert *ret,
                          json_t **ret_row, struct ah_error *reterr);
/* Closes every open alert of @incident_id (manual resolve). */
int ah_store_tx_alerts_close(struct ah_store_tx *tx, int64_t incident_id, int64_t now,
                             struct ah_error *reterr);
int ah_store_tx_incident_insert(struct ah_store_tx *tx, struct ah_incident *inc,
                                struct ah_error *reterr); /* sets inc->id */
/* Writes the mutable fields of @inc: severity, status, progress, labels (when
 * non-NULL), counts and times. */
int ah_store_tx_incident_update(struct ah_store_tx *tx, const struct ah_incident *inc,
                                struct ah_error *reterr);
/* As ah_store_tx_alert_get, for incidents. */
int ah_store_tx_incident_get(struct ah_store_tx *tx, int64_t id, struct ah_incident *ret,
                             json_t **ret_row, struct ah_error *reterr);

/* Start-up: calls @fn for every open alert (not recovered, not closed) and
 * every incident that is not closed, with what the reducer's index keeps:
 * no labels or reason (alerts), no labels, title or description
 * (incidents). Pointers are valid during the call. */
int ah_store_alerts_open_each(struct ah_store *store,
                              void (*fn)(const struct ah_alert_view *a, void *arg), void *arg,
                              struct ah_error *reterr);
int ah_store_incidents_open_each(struct ah_store *store,
                                 void (*fn)(const struct ah_incident_view *inc, void *arg),
                                 void *arg, struct ah_error *reterr);

/* ---- noise-reduction rules and timelines (issue #3) ---- */

enum ah_store_hold_kind { AH_STORE_SILENCE, AH_STORE_INHIBIT };

/* Sets the channel's "grouping" or "flapping" settings (@column is one of
 * those two literals). AH_ENOTFOUND when there is no such channel. */
int ah_store_tx_channel_set(struct ah_store_tx *tx, int64_t id, const char *column,
                            const json_t *config, int64_t now, struct ah_error *reterr);
int ah_store_tx_hold_rule_insert(struct ah_store_tx *tx, enum ah_store_hold_kind kind,
                                 int64_t channel_id, const json_t *rule, int64_t now,
                                 int64_t *ret_id, struct ah_error *reterr);
/* AH_ENOTFOUND when rule @id is not in @channel_id. */
int ah_store_tx_hold_rule_update(struct ah_store_tx *tx, enum ah_store_hold_kind kind,
                                 int64_t channel_id, int64_t id, const json_t *rule, int64_t now,
                                 struct ah_error *reterr);
int ah_store_tx_hold_rule_delete(struct ah_store_tx *tx, enum ah_store_hold_kind kind,
                                 int64_t channel_id, int64_t id, struct ah_error *reterr);
/* Counts an alert the rule held back (dropped ones leave no other trace). */
int ah_store_tx_hold_rule_hit(struct ah_store_tx *tx, enum ah_store_hold_kind kind, int64_t id,
                              struct ah_error *reterr);
/* Adds an entry to an incident's timeline; @detail may be NULL. */
int ah_store_tx_feed_insert(struct ah_store_tx *tx, int64_t incident_id, int64_t time,
                            const char *type, const json_t *detail, struct ah_error *reterr);

/* Start-up: every channel's settings (NULL when never set) and rules. */
int ah_store_channel_rules_each(struct ah_store *store,
                                void (*fn)(int64_t channel_id, const json_t *grouping,
                                           const json_t *flapping, void *arg),
                                void *arg, struct ah_error *reterr);
/* A key's flapping history (reduce/hold.c): its change times, oldest first,
 * space-separated, and the end of its mute (0: none). Written with the
 * change, without waiting (ah_sql_defer). */
int ah_store_tx_flap_put(struct ah_store_tx *tx, int64_t channel_id, const char *alert_key,
                         const char *changes, int64_t last_change, int64_t muted_until,
                         struct ah_error *reterr);
/* Forgets the channel's histories whose last change is before @before and
 * whose mute ended by @now. */
int ah_store_tx_flaps_prune(struct ah_store_tx *tx, int64_t channel_id, int64_t before, int64_t now,
                            struct ah_error *reterr);
/* Start-up: when an alert last joined each open incident of the channel
 * (its newest a_merge timeline entry); incidents no alert joined are left
 * out. */
int ah_store_last_merges_each(struct ah_store *store, int64_t channel_id,
                              void (*fn)(int64_t incident_id, int64_t time, void *arg), void *arg,
                              struct ah_error *reterr);
/* Start-up: every kept history. */
int ah_store_flaps_each(struct ah_store *store,
                        void (*fn)(int64_t channel_id, const char *alert_key, const char *changes,
                                   int64_t muted_until, void *arg),
                        void *arg, struct ah_error *reterr);
int ah_store_hold_rules_each(struct ah_store *store, enum ah_store_hold_kind kind,
                             void (*fn)(int64_t id, int64_t channel_id, const json_t *rule,
                                        void *arg),
                             void *arg, struct ah_error *reterr);

/* ---- the integration layer: routes, enrichment, pipelines (issue #4) ---- */

struct ah_page;

/* Stores @routes (NULL clears them) and the channels they name. */
int ah_store_tx_routes_set(struct ah_store_tx *tx, int64_t integration_id, const json_t *routes,
                           const int64_t *channels, size_t nchannels, struct ah_error *reterr);
/* Stores @enrichment and the mapping tables it uses. */
int ah_store_tx_enrichment_set(struct ah_store_tx *tx, int64_t integration_id,
                               const json_t *enrichment, const int64_t *schemas, size_t nschemas,
                               struct ah_error *reterr);
int ah_store_tx_pipeline_set(struct ah_store_tx *tx, int64_t integration_id, const json_t *pipeline,
                             struct ah_error *reterr);
/* Start-up: every integration's rules (each NULL when never set), and every
 * channel's name. */
int ah_store_integration_rules_each(struct ah_store *store,
                                    void (*fn)(int64_t integration_id, const json_t *routes,
                                               const json_t *enrichment, const json_t *pipeline,
                                               void *arg),
                                    void *arg, struct ah_error *reterr);
/* Start-up: every open alert whose last event came at or after @since,
 * oldest first, as a typed row (model/alert.h; borrowed for the call): the
 * pipeline's inhibit sources are rebuilt from them. */
int ah_store_recent_alerts_each(struct ah_store *store, int64_t since,
                                void (*fn)(const struct ah_alert_view *alert, void *arg), void *arg,
                                struct ah_error *reterr);
int ah_store_channels_each(struct ah_store *store,
                           void (*fn)(int64_t id, const char *name, void *arg), void *arg,
                           struct ah_error *reterr);
/* {"routes": ...|null, "enrichment": ...|null, "pipeline": ...|null} of an
 * integration (AH_ENOTFOUND when there is none). */
int ah_store_read_integration_rules(struct ah_store *store, int64_t integration_id, json_t **ret,
                                    struct ah_error *reterr);

/* Mapping tables. @schema is {name, description?, source_labels,
 * result_labels}; a name is unique (AH_ECONFLICT). */
int ah_store_tx_mapping_insert(struct ah_store_tx *tx, const json_t *schema, int64_t now,
                               int64_t *ret_id, struct ah_error *reterr);
/* AH_OK when table @id exists, else AH_ENOTFOUND. */
int ah_store_tx_mapping_exists(struct ah_store_tx *tx, int64_t id, struct ah_error *reterr);
/* NULL leaves a field as it is. */
int ah_store_tx_mapping_update(struct ah_store_tx *tx, int64_t id, const char *name,
                               const char *description, int64_t now, struct ah_error *reterr);
/* Replaces the table's CSV (already checked) and row count. */
int ah_store_tx_mapping_data(struct ah_store_tx *tx, int64_t id, const char *csv, size_t rows,
                             int64_t now, struct ah_error *reterr);
/* AH_ECONFLICT while an enrichment uses the table. */
int ah_store_tx_mapping_delete(struct ah_store_tx *tx, int64_t id, struct ah_error *reterr);
/* Start-up: every table with its CSV. */
int ah_store_mappings_each(struct ah_store *store,
                           void (*fn)(int64_t id, const json_t *schema, const char *csv, void *arg),
                           void *arg, struct ah_error *reterr);
/* Tables without their CSV: {id, name, description, source_labels,
 * result_labels, row_count, created_at, updated_at, uploaded_at}. */
int ah_store_read_mappings(struct ah_store *store, const struct ah_page *page, json_t **ret,
                           struct ah_error *reterr);
int ah_store_read_mapping(struct ah_store *store, int64_t id, json_t **ret,
                          struct ah_error *reterr);
/* The table's CSV as uploaded: a new string (ah_free). */
int ah_store_read_mapping_csv(struct ah_store *store, int64_t id, char **ret,
                              struct ah_error *reterr);

/* ---- notifications: escalations, timers, deliveries (issue #8) ---- */

/* A channel's escalation rules (@rules, normalized; NULL clears them) and
 * the members and targets they name (@refs: [{"kind", "id"}], kept in
 * escalation_refs so that one in use cannot be deleted). */
int ah_store_tx_escalations_set(struct ah_store_tx *tx, int64_t channel_id, const json_t *rules,
                                const json_t *refs, struct ah_error *reterr);
/* A channel's escalation rules as stored ({"rules": []} when never set). */
int ah_store_read_escalations(struct ah_store *store, int64_t channel_id, json_t **ret,
                              struct ah_error *reterr);
/* A channel's auto-resolve settings (PATCH /channels/{id}): @timeout -1,
 * @mode NULL and @disable_auto_close -1 keep the stored value. *@ret gets
 * the settings as they are after the change. */
struct ah_auto_resolve {
    int64_t timeout;
    char mode[8]; /* trigger or update */
    int disable_auto_close;
};
int ah_store_tx_channel_notify_set(struct ah_store_tx *tx, int64_t channel_id, int64_t timeout,
                                   const char *mode, int disable_auto_close,
                                   struct ah_auto_resolve *ret, struct ah_error *reterr);
/* Start-up: every channel's escalation rules (NULL when never set) and
 * auto-resolve settings. */
int ah_store_channel_notify_each(struct ah_store *store,
                                 void (*fn)(int64_t channel_id, const json_t *escalations,
                                            int64_t timeout, const char *mode,
                                            int disable_auto_close, void *arg),
                                 void *arg, struct ah_error *reterr);

/* The escalation of an incident: a snapshot of the matched rule, the level
 * reached (0-based), the repeat round and its state. */
struct ah_escalation {
    int64_t incident_id;
    int64_t channel_id;
    json_t *rule; /* owned by the caller of _get (json_decref); borrowed by _put */
    int level;
    int round;
    char state[16]; /* delay, active, acked, snoozed, done */
    int64_t started_at;
};
/* AH_ENOTFOUND when the incident has none. */
int ah_store_tx_escalation_get(struct ah_store_tx *tx, int64_t incident_id,
                               struct ah_escalation *ret, struct ah_error *reterr);
int ah_store_tx_escalation_put(struct ah_store_tx *tx, const struct ah_escalation *e,
                               struct ah_error *reterr);
int ah_store_tx_escalation_delete(struct ah_store_tx *tx, int64_t incident_id,
                                  struct ah_error *reterr);
/* The incident's snooze end (0: not snoozed), shown on the incident. */
int ah_store_tx_incident_snooze(struct ah_store_tx *tx, int64_t incident_id, int64_t until,
                                struct ah_error *reterr);

/* Durable timers, one per (incident, kind): "esc" (the next escalation
 * step or the end of the delay), "wake" (snooze), "resolve" (auto-resolve). */
int ah_store_tx_timer_set(struct ah_store_tx *tx, int64_t incident_id, const char *kind,
                          int64_t due, struct ah_error *reterr);
/* @kind NULL clears every timer of the incident. */
int ah_store_tx_timer_clear(struct ah_store_tx *tx, int64_t incident_id, const char *kind,
                            struct ah_error *reterr);
/* Timers due at @now, earliest first, at most @limit: a new array of
 * {incident_id, kind, due} (incident_id as a string). */
int ah_store_tx_timers_due(struct ah_store_tx *tx, int64_t now, int limit, json_t **ret,
                           struct ah_error *reterr);
/* The earliest due time, or 0 when no timer is set. */
int ah_store_tx_timer_next(struct ah_store_tx *tx, int64_t *ret_due, struct ah_error *reterr);

/* A delivery: one message to one address, the outbox row and its log
 * entry. Strings and JSON are borrowed for the call. */
struct ah_delivery {
    int64_t incident_id;
    int64_t channel_id;
    const char *event_id;   /* 32 hex digits, the same on every retry */
    const char *event_type; /* i_new, i_assign, ... */
    int64_t event_time_ms;
    const char *kind;             /* email, webhook, slack, feishu, dingtalk, wecom; "none" when
                                     nothing could be addressed */
    int64_t target_id, member_id; /* 0: none */
    const char *address;
    const json_t *person; /* who acted, or NULL */
    const json_t *detail; /* escalation rule and level, recipient; or NULL */
    const char *status;   /* pending or suppressed */
    const char *reason;   /* why suppressed; NULL otherwise */
    int64_t created_at;
};
int ah_store_tx_delivery_insert(struct ah_store_tx *tx, const struct ah_delivery *d,
                                struct ah_error *reterr);

/* The outcome of a send attempt. */
struct ah_delivery_result {
    int64_t id;
    const char *status; /* pending (retry at next_at), sent, failed, suppressed */
    int attempts;
    int64_t next_at;
    int64_t status_code; /* 0: no HTTP answer */
    const char *error;   /* NULL when none */
    const char *reason;  /* suppressed only */
    int64_t sent_at;
};
int ah_store_tx_delivery_result(struct ah_store_tx *tx, const struct ah_delivery_result *r,
                                struct ah_error *reterr);
/* A subscription delivery's first outcome: writes row @d with outcome @r
 * (r->id is not used). */
int ah_store_tx_delivery_insert_outcome(struct ah_store_tx *tx, const struct ah_delivery *d,
                                        const struct ah_delivery_result *r,
                                        struct ah_error *reterr);

/* ---- subscriptions: targets consume their channels' timelines ---- */

/* A new target starts after the newest timeline entry. */
int ah_store_tx_target_cursor_init(struct ah_store_tx *tx, int64_t target_id,
                                   struct ah_error *reterr);
/* Moves target @target_id's cursor forward to @feed_id (never back). */
int ah_store_tx_target_cursor_set(struct ah_store_tx *tx, int64_t target_id, int64_t feed_id,
                                  struct ah_error *reterr);
/* Every target subscribed to at least one channel: a new array of {id,
 * kind, url, event_types, cursor} (no secrets). */
int ah_store_read_subscriptions(struct ah_store *store, json_t **ret, struct ah_error *reterr);
/* Timeline entries for target @target_id after entry @after: in its
 * channels, of the types it wants (i_auto_close* read as i_rslv), oldest
 * first, at most @limit: a new array of {feed_id, incident_id, channel_id,
 * time, type, detail}. The i_new of an incident muted for flapping is left
 * out, as escalation leaves it out. */
int ah_store_read_subscription_events(struct ah_store *store, int64_t target_id, int64_t after,
                                      int limit, json_t **ret, struct ah_error *reterr);
/* The newest timeline entry's id (0: none). */
int ah_store_read_feed_head(struct ah_store *store, int64_t *ret, struct ah_error *reterr);
/* The event id of a subscription delivery: the same for every attempt,
 * also after a restart (it is derived, not stored until the first outcome). */
void ah_store_subscription_event_id(int64_t target_id, int64_t feed_id, char out[33]);

/* Pending deliveries due at @now with an id above @after_id, oldest first,
 * at most @limit: a new array of rows (every column). */
int ah_store_read_deliveries_due(struct ah_store *store, int64_t now, int64_t after_id, int limit,
                                 json_t **ret, struct ah_error *reterr);
/* An incident's delivery log, oldest first: {"items": [...]}. */
int ah_store_read_deliveries(struct ah_store *store, int64_t incident_id, json_t **ret,
                             struct ah_error *reterr);
/* The outbox: pending deliveries and the creation time of the oldest (0
 * when none). */
int ah_store_read_outbox(struct ah_store *store, int64_t *ret_depth, int64_t *ret_oldest,
                         struct ah_error *reterr);
/* A channel's name (new string). */
int ah_store_read_channel_name(struct ah_store *store, int64_t id, char **ret,
                               struct ah_error *reterr);

/* ---- reads for the API (any thread) ---- */

/* {"grouping": ..., "flapping": ...} of a channel (null when never set). */
int ah_store_read_channel_rules(struct ah_store *store, int64_t channel_id, json_t **ret,
                                struct ah_error *reterr);
/* An incident's timeline, oldest first. */
int ah_store_read_feed(struct ah_store *store, int64_t incident_id, json_t **ret,
                       struct ah_error *reterr);

struct ah_page {
    int limit;      /* 1..500 */
    int64_t cursor; /* 0: first page; else ids below it */
};

struct ah_incident_filter {
    int64_t channel_id;     /* 0: any */
    unsigned progress_mask; /* bit 1<<progress; 0: any */
    unsigned severity_mask; /* bit 1<<severity; 0: any */
    int64_t since, until;   /* on start_time; 0: open */
    const char *q;          /* title substring, or NULL */
};

/* Lists answer a new {"items": [...], "next_cursor": "id"|null}. Gets answer
 * a new object, or AH_ENOTFOUND. */
int ah_store_read_channels(struct ah_store *store, const struct ah_page *page, json_t **ret,
                           struct ah_error *reterr);
int ah_store_read_channel(struct ah_store *store, int64_t id, json_t **ret,
                          struct ah_error *reterr);
/* Integrations come without push_url (the HTTP layer adds it). */
int ah_store_read_integrations(struct ah_store *store, const struct ah_page *page, json_t **ret,
                               struct ah_error *reterr);
int ah_store_read_integration(struct ah_store *store, int64_t id, json_t **ret,
                              struct ah_error *reterr);

/* ---- typed reads: incidents, alerts, events, silence and inhibit rules ----
 * For the API (any thread, committed data). Each row goes to the visitor's
 * function for its kind, borrowed for that call only: its strings and JSON
 * texts belong to the store. The rows are model/alert.h's views, whose
 * JSON (the API's, also in webhooks) model/alert.c shapes; the store builds
 * no JSON for them. */

/* What a read calls per row; a read calls only the functions for the kinds
 * of rows it reads (the others may be NULL). */
struct ah_read_visitor {
    void (*incident)(const struct ah_incident_view *v, void *arg);
    void (*alert)(const struct ah_alert_view *v, void *arg);
    void (*event)(const struct ah_event_view *v, void *arg);
    void (*hold_rule)(const struct ah_hold_rule_view *v, void *arg);
    void *arg;
};

/* Lists visit at most page->limit rows, newest first, and set *@ret_next to
 * the cursor of the next page (the last visited id; 0 when this page is the
 * last). Gets answer AH_ENOTFOUND when there is no such row. */
int ah_store_read_incidents(struct ah_store *store, const struct ah_incident_filter *f,
                            const struct ah_page *page, const struct ah_read_visitor *v,
                            int64_t *ret_next, struct ah_error *reterr);
/* The incident, then its alerts (oldest first, at most 5,000) when the
 * visitor has an alert function. */
int ah_store_read_incident(struct ah_store *store, int64_t id, const struct ah_read_visitor *v,
                           struct ah_error *reterr);
/* The alert, then its events (newest first, at most 500) when the visitor
 * has an event function. */
int ah_store_read_alert(struct ah_store *store, int64_t id, const struct ah_read_visitor *v,
                        struct ah_error *reterr);
int ah_store_read_events(struct ah_store *store, int64_t integration_id, int64_t since,
                         const struct ah_page *page, const struct ah_read_visitor *v,
                         int64_t *ret_next, struct ah_error *reterr);
/* The channel's most recent events (at most @limit), oldest first. */
int ah_store_read_recent_events(struct ah_store *store, int64_t channel_id, int limit,
                                const struct ah_read_visitor *v, struct ah_error *reterr);
/* The channel's silences or inhibits, oldest first; or only rule @id (@id
 * != 0: AH_ENOTFOUND when the channel has no such rule). */
int ah_store_read_hold_rules(struct ah_store *store, enum ah_store_hold_kind kind,
                             int64_t channel_id, int64_t id, const struct ah_read_visitor *v,
                             struct ah_error *reterr);

/* ---- members and notify targets (issue #8) ---- */

/* Owner: src/store/sqlite_people.c. The admin API (http/admin_people.c)
 * writes these rows through the writer; the notification code (the lead's
 * escalation and delivery work) only reads them with the *_get, channel
 * targets, ref and secret calls below.
 *
 * A member is {id, name, email, phone, timezone, contacts, created_at,
 * updated_at}: unset fields are null, contacts an array of {kind, address}.
 * A notify target is {id, name, kind, settings, channel_ids, event_types,
 * created_at, updated_at}; channel_ids is an array of id strings (kept in
 * step with the target_channels table), event_types null (every event) or
 * an array. Internally settings is {url, secret?}; every ah_store_read_*
 * call answers it as {url, has_secret} instead, so the secret never leaves
 * through the API. Names are unique (AH_ECONFLICT). */

/* Writes a checked member {name, email?, phone?, timezone?, contacts?}
 * (absent or null fields are stored as NULL, contacts as []). */
int ah_store_tx_member_insert(struct ah_store_tx *tx, const json_t *member, int64_t now,
                              int64_t *ret_id, struct ah_error *reterr);
/* Replaces every field of member @id with @member's (as insert); AH_ENOTFOUND. */
int ah_store_tx_member_update(struct ah_store_tx *tx, int64_t id, const json_t *member, int64_t now,
                              struct ah_error *reterr);
/* AH_ECONFLICT (naming a channel) while escalation_refs names the member:
 * nothing is deleted; AH_ENOTFOUND. */
int ah_store_tx_member_delete(struct ah_store_tx *tx, int64_t id, struct ah_error *reterr);
/* The member in the API shape (a new object), contacts included; AH_ENOTFOUND. */
int ah_store_tx_member_get(struct ah_store_tx *tx, int64_t id, json_t **ret,
                           struct ah_error *reterr);

/* Writes a checked target {name, kind, settings: {url, secret?},
 * channel_ids?, event_types?} and its target_channels rows. */
int ah_store_tx_target_insert(struct ah_store_tx *tx, const json_t *target, int64_t now,
                              int64_t *ret_id, struct ah_error *reterr);
/* Replaces every field of target @id (as insert) and its target_channels
 * rows; AH_ENOTFOUND. */
int ah_store_tx_target_update(struct ah_store_tx *tx, int64_t id, const json_t *target, int64_t now,
                              struct ah_error *reterr);
/* As ah_store_tx_member_delete; the target_channels rows go with it. */
int ah_store_tx_target_delete(struct ah_store_tx *tx, int64_t id, struct ah_error *reterr);
/* The target (a new object) INCLUDING settings.secret (internal: never
 * answer it to a client); AH_ENOTFOUND. */
int ah_store_tx_target_get(struct ah_store_tx *tx, int64_t id, json_t **ret,
                           struct ah_error *reterr);
/* A new array of the targets (each with its secret, as
 * ah_store_tx_target_get) subscribed to channel @channel_id, by id. */
int ah_store_tx_channel_targets(struct ah_store_tx *tx, int64_t channel_id, json_t **ret,
                                struct ah_error *reterr);

/* Reads (any thread). Lists are newest first, {items, next_cursor}. */
int ah_store_read_members(struct ah_store *store, const struct ah_page *page, json_t **ret,
                          struct ah_error *reterr);
int ah_store_read_member(struct ah_store *store, int64_t id, json_t **ret, struct ah_error *reterr);
/* Targets with settings as {url, has_secret}. */
int ah_store_read_targets(struct ah_store *store, const struct ah_page *page, json_t **ret,
                          struct ah_error *reterr);
int ah_store_read_target(struct ah_store *store, int64_t id, json_t **ret, struct ah_error *reterr);
/* Target @id's secret: a new string (ah_free), or NULL when it has none;
 * AH_ENOTFOUND when there is no such target. */
int ah_store_read_target_secret(struct ah_store *store, int64_t id, char **ret_secret,
                                struct ah_error *reterr);

/* ---- on-call: teams and schedules (issue #9) ---- */

/* Owner: src/store/sqlite_oncall.c. The admin API (http/admin_oncall.c)
 * writes these rows through the writer; the escalation engine reads teams
 * and schedules with ah_store_tx_team_get and ah_store_tx_schedule_get.
 *
 * A team is {id, name, member_ids, created_at, updated_at}, member_ids an
 * ordered array of member id strings. A schedule is {id, name, timezone,
 * layers, created_at, updated_at}, layers as rules/rota.h normalizes them
 * (checked by the caller). An override is {id, schedule_id, member_id,
 * start, end, created_at}. Names are unique (AH_ECONFLICT). The table
 * member_refs lists the members each team and schedule names (a
 * schedule's: every layers[].member_ids[] and every override's member),
 * rewritten on every write, so that a member in use cannot be deleted. */

#define AH_STORE_MAX_OVERRIDES 1000 /* per schedule */

/* Writes a checked team {name, member_ids?} (absent or null: []). */
int ah_store_tx_team_insert(struct ah_store_tx *tx, const json_t *team, int64_t now,
                            int64_t *ret_id, struct ah_error *reterr);
/* Replaces every field of team @id with @team's (as insert); AH_ENOTFOUND. */
int ah_store_tx_team_update(struct ah_store_tx *tx, int64_t id, const json_t *team, int64_t now,
                            struct ah_error *reterr);
/* AH_ECONFLICT (naming a channel) while escalation_refs names ("team",
 * @id): nothing is deleted; AH_ENOTFOUND. */
int ah_store_tx_team_delete(struct ah_store_tx *tx, int64_t id, struct ah_error *reterr);
/* The team as stored {id, name, member_ids, created_at, updated_at} (a new
 * object); AH_ENOTFOUND when missing. */
int ah_store_tx_team_get(struct ah_store_tx *tx, int64_t id, json_t **ret, struct ah_error *reterr);

/* Writes a checked schedule {name, timezone, layers} (layers normalized). */
int ah_store_tx_schedule_insert(struct ah_store_tx *tx, const json_t *schedule, int64_t now,
                                int64_t *ret_id, struct ah_error *reterr);
/* Replaces every field of schedule @id (as insert); AH_ENOTFOUND. */
int ah_store_tx_schedule_update(struct ah_store_tx *tx, int64_t id, const json_t *schedule,
                                int64_t now, struct ah_error *reterr);
/* As ah_store_tx_team_delete ("schedule"); its overrides go with it. */
int ah_store_tx_schedule_delete(struct ah_store_tx *tx, int64_t id, struct ah_error *reterr);
/* The schedule as stored {id, name, timezone, layers} and its overrides, a
 * new array of {id, member_id, start, end} in creation order (where two
 * overlap the later one wins: pass them to ah_rota_* in this order). Both
 * new; @ret_overrides may be NULL. AH_ENOTFOUND when missing. Compile
 * {timezone, layers} (ah_rota_compile refuses the extra "id"). */
int ah_store_tx_schedule_get(struct ah_store_tx *tx, int64_t id, json_t **ret_schedule,
                             json_t **ret_overrides, struct ah_error *reterr);

/* Adds a checked override {member_id, start, end} to schedule @schedule_id:
 * AH_ENOTFOUND without the schedule, AH_EINVAL when it has
 * AH_STORE_MAX_OVERRIDES already. */
int ah_store_tx_override_insert(struct ah_store_tx *tx, int64_t schedule_id, const json_t *override,
                                int64_t now, int64_t *ret_id, struct ah_error *reterr);
/* AH_ENOTFOUND when @schedule_id has no override @id. */
int ah_store_tx_override_delete(struct ah_store_tx *tx, int64_t schedule_id, int64_t id,
                                struct ah_error *reterr);

/* Called by ah_store_tx_member_delete: AH_ECONFLICT naming a team or a
 * schedule (layer or override) that names member @member_id; AH_OK when
 * none does. */
int ah_store_tx_member_refs_check(struct ah_store_tx *tx, int64_t member_id,
                                  struct ah_error *reterr);

/* Reads (any thread). Lists are newest first, {items, next_cursor}. */
int ah_store_read_teams(struct ah_store *store, const struct ah_page *page, json_t **ret,
                        struct ah_error *reterr);
int ah_store_read_team(struct ah_store *store, int64_t id, json_t **ret, struct ah_error *reterr);
int ah_store_read_schedules(struct ah_store *store, const struct ah_page *page, json_t **ret,
                            struct ah_error *reterr);
/* The schedule {id, name, timezone, layers, created_at, updated_at}; with
 * @ret_overrides non-NULL also its overrides as ah_store_tx_schedule_get
 * gives them (one snapshot). AH_ENOTFOUND. */
int ah_store_read_schedule(struct ah_store *store, int64_t id, json_t **ret, json_t **ret_overrides,
                           struct ah_error *reterr);
/* Schedule @schedule_id's overrides in the API shape, by start:
 * {"items": [...]}; AH_ENOTFOUND without the schedule. With @id != 0 only
 * that override (the object itself; AH_ENOTFOUND). */
int ah_store_read_overrides(struct ah_store *store, int64_t schedule_id, int64_t id, json_t **ret,
                            struct ah_error *reterr);
/* {"<member id>": "<name>"} for the members of @ids (an array of id
 * strings) that exist. */
int ah_store_read_member_names(struct ah_store *store, const json_t *ids, json_t **ret,
                               struct ah_error *reterr);

/* ---- scoped API tokens (issue #12, api.md section 7) ---- */

/* @token_hash is the token's SHA-256 in hex; the token is never stored. */
int ah_store_tx_token_insert(struct ah_store_tx *tx, const char *name, const char *scope,
                             const char *token_hash, int64_t now, int64_t *ret_id,
                             struct ah_error *reterr);
/* Deletes token @id (AH_ENOTFOUND when none) and answers its hash. */
int ah_store_tx_token_delete(struct ah_store_tx *tx, int64_t id, char ret_hash[65],
                             struct ah_error *reterr);
/* {id, name, scope, created_at}: never the hash. Lists newest first. */
int ah_store_read_token(struct ah_store *store, int64_t id, json_t **ret, struct ah_error *reterr);
int ah_store_read_tokens(struct ah_store *store, const struct ah_page *page, json_t **ret,
                         struct ah_error *reterr);
/* Every token's hash and scope, for the cache (start-up). */
int ah_store_tokens_each(struct ah_store *store,
                         void (*fn)(const char *hash, const char *scope, void *arg), void *arg,
                         struct ah_error *reterr);

/* ---- the console's sign-in sessions (http/sessions.h) ----
 * Keyed by the SHA-256 (hex) of the session id; times in wall-clock
 * seconds. */
struct ah_session_row {
    char token_hash[65];
    int64_t opened, used;
};

/* Opens a session, first deleting those last used before @used_before or
 * opened before @opened_before (expired). */
int ah_store_tx_session_open(struct ah_store_tx *tx, const char *id_hash, const char *token_hash,
                             int64_t now, int64_t used_before, int64_t opened_before,
                             struct ah_error *reterr);
/* Its last use (never earlier than the stored one). */
int ah_store_tx_session_touch(struct ah_store_tx *tx, const char *id_hash, int64_t used,
                              struct ah_error *reterr);
/* Ends it; the other nodes forget it within a second (it changes what they
 * cache, ah_store_tx_config_changed). Unknown ids are no error. */
int ah_store_tx_session_close(struct ah_store_tx *tx, const char *id_hash, struct ah_error *reterr);
/* The session @id_hash: AH_OK, or AH_ENOTFOUND. */
int ah_store_read_session(struct ah_store *store, const char *id_hash, struct ah_session_row *ret,
                          struct ah_error *reterr);

#endif
