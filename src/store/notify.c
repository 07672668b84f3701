/* notify.c - the notification tables (store.h, issue #8): a
 * channel's escalation rules and auto-resolve settings, escalations in
 * progress, durable timers, and deliveries (the outbox and delivery log). */
#include "store/sql.h"
#include "store/store.h"

#include "model/event.h"
#include "util/alloc.h"

#include <stdio.h>
#include <string.h>

#define W(tx) ah_store_wdb_of(tx)

/* ================= channel settings ================= */

int ah_store_tx_escalations_set(struct ah_store_tx *tx, int64_t channel_id, const json_t *rules,
                                const json_t *refs, struct ah_error *err)
{
    const json_t *ref;
    size_t i;
    int rc = ah_sql_run(W(tx), "UPDATE channels SET escalations = ? WHERE id = ?", err, "ji", rules,
                        channel_id);

    ah_store_tx_touch_all(tx); /* a channel's rules: every node rebuilds */
    if (rc == AH_OK && ah_sql_changes(ah_store_wdb_of(tx)) == 0)
        return ah_sql_not_found(err, "channel", channel_id);
    if (rc == AH_OK)
        rc = ah_sql_run(W(tx), "DELETE FROM escalation_refs WHERE channel_id = ?", err, "i",
                        channel_id);
    json_array_foreach(refs, i, ref)
    {
        if (rc < 0)
            break;
        rc = ah_sql_run(W(tx),
                        "INSERT INTO escalation_refs(kind, ref_id, channel_id)"
                        " VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                        err, "sii", json_string_value(json_object_get(ref, "kind")),
                        ah_json_id(json_object_get(ref, "id")), channel_id);
    }
    return rc;
}

int ah_store_tx_channel_notify_set(struct ah_store_tx *tx, int64_t channel_id, int64_t timeout,
                                   const char *mode, int disable_auto_close,
                                   struct ah_auto_resolve *ret, struct ah_error *err)
{
    json_t *rows, *row;
    int rc =
        ah_sql_rows(W(tx),
                    "UPDATE channels SET"
                    " auto_resolve_timeout = CASE WHEN ?1 < 0 THEN auto_resolve_timeout"
                    "  ELSE ?1 END, auto_resolve_mode = coalesce(?2, auto_resolve_mode),"
                    " disable_auto_close = CASE WHEN ?3 < 0 THEN disable_auto_close"
                    "  ELSE ?3 END WHERE id = ?4"
                    " RETURNING auto_resolve_timeout, auto_resolve_mode, disable_auto_close",
                    &rows, err, "isii", timeout, mode, (int64_t)disable_auto_close, channel_id);

    ah_store_tx_touch_all(tx); /* a channel's rules: every node rebuilds */
    if (rc < 0)
        return rc;
    row = json_array_get(rows, 0);
    if (row == NULL) {
        json_decref(rows);
        return ah_sql_not_found(err, "channel", channel_id);
    }
    ret->timeout = json_integer_value(json_object_get(row, "auto_resolve_timeout"));
    snprintf(ret->mode, sizeof(ret->mode), "%s",
             json_string_value(json_object_get(row, "auto_resolve_mode")));
    ret->disable_auto_close = (int)json_integer_value(json_object_get(row, "disable_auto_close"));
    json_decref(rows);
    return AH_OK;
}

int ah_store_channel_notify_each(struct ah_store *s,
                                 void (*fn)(int64_t channel_id, const json_t *escalations,
                                            int64_t timeout, const char *mode,
                                            int disable_auto_close, void *arg),
                                 void *arg, struct ah_error *err)
{
    json_t *rows, *row;
    size_t i;
    int rc = ah_sql_rows(ah_store_wdb(s),
                         "SELECT id, escalations, auto_resolve_timeout, auto_resolve_mode,"
                         " disable_auto_close FROM channels",
                         &rows, err, "");

    if (rc < 0)
        return rc;
    json_array_foreach(rows, i, row)
    {
        const json_t *e = json_object_get(row, "escalations");

        fn(ah_json_id(json_object_get(row, "id")), json_is_null(e) ? NULL : e,
           json_integer_value(json_object_get(row, "auto_resolve_timeout")),
           json_string_value(json_object_get(row, "auto_resolve_mode")),
           (int)json_integer_value(json_object_get(row, "disable_auto_close")), arg);
    }
    json_decref(rows);
    return AH_OK;
}

static int escalations(struct ah_db *db, int64_t id, json_t **ret, struct ah_error *err)
{
    json_t *rows, *e;
    int rc = ah_sql_rows(db, "SELECT escalations FROM channels WHERE id = ?", &rows, err, "i", id);

    if (rc < 0)
        return rc;
    if (json_array_size(rows) == 0) {
        json_decref(rows);
        return ah_sql_not_found(err, "channel", id);
    }
    e = json_object_get(json_array_get(rows, 0), "escalations");
    *ret = json_is_object(e) ? json_incref(e) : json_pack("{s[]}", "rules");
    json_decref(rows);
    return AH_OK;
}

int ah_store_read_escalations(struct ah_store *s, int64_t channel_id, json_t **ret,
                              struct ah_error *err)
{
    WITH_READER(s, err, escalations(db_, channel_id, ret, err));
}

/* ================= escalations ================= */

int ah_store_tx_escalation_get(struct ah_store_tx *tx, int64_t incident_id,
                               struct ah_escalation *ret, struct ah_error *err)
{
    json_t *rows, *row;
    int rc = ah_sql_rows(W(tx),
                         "SELECT channel_id, rule, level, round, state, started_at"
                         " FROM escalations WHERE incident_id = ?",
                         &rows, err, "i", incident_id);

    if (rc < 0)
        return rc;
    row = json_array_get(rows, 0);
    if (row == NULL) {
        json_decref(rows);
        return ah_error_set(err, AH_ENOTFOUND, "incident \"%lld\" has no escalation",
                            (long long)incident_id);
    }
    memset(ret, 0, sizeof(*ret));
    ret->incident_id = incident_id;
    ret->channel_id = ah_json_id(json_object_get(row, "channel_id"));
    ret->rule = json_incref(json_object_get(row, "rule"));
    ret->level = (int)json_integer_value(json_object_get(row, "level"));
    ret->round = (int)json_integer_value(json_object_get(row, "round"));
    snprintf(ret->state, sizeof(ret->state), "%s",
             json_string_value(json_object_get(row, "state")));
    ret->started_at = json_integer_value(json_object_get(row, "started_at"));
    json_decref(rows);
    return AH_OK;
}

int ah_store_tx_escalation_put(struct ah_store_tx *tx, const struct ah_escalation *e,
                               struct ah_error *err)
{
    return ah_sql_run(W(tx),
                      "INSERT INTO escalations(incident_id, channel_id, rule, level, round, state,"
                      " started_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                      " ON CONFLICT(incident_id) DO UPDATE SET rule = excluded.rule,"
                      " level = excluded.level, round = excluded.round, state = excluded.state,"
                      " started_at = excluded.started_at",
                      err, "iijiisi", e->incident_id, e->channel_id, e->rule, (int64_t)e->level,
                      (int64_t)e->round, e->state, e->started_at);
}

int ah_store_tx_escalation_delete(struct ah_store_tx *tx, int64_t incident_id, struct ah_error *err)
{
    return ah_sql_run(W(tx), "DELETE FROM escalations WHERE incident_id = ?", err, "i",
                      incident_id);
}

int ah_store_tx_incident_snooze(struct ah_store_tx *tx, int64_t incident_id, int64_t until,
                                struct ah_error *err)
{
    ah_store_tx_touch_incident(tx, incident_id);
    return ah_sql_run(W(tx), "UPDATE incidents SET snooze_until = ? WHERE id = ?", err, "ii", until,
                      incident_id);
}

/* ================= timers ================= */

int ah_store_tx_timer_set(struct ah_store_tx *tx, int64_t incident_id, const char *kind,
                          int64_t due, struct ah_error *err)
{
    return ah_sql_run(W(tx),
                      "INSERT INTO timers(incident_id, kind, due) VALUES (?, ?, ?)"
                      " ON CONFLICT(incident_id, kind) DO UPDATE SET due = excluded.due",
                      err, "isi", incident_id, kind, due);
}

int ah_store_tx_timer_clear(struct ah_store_tx *tx, int64_t incident_id, const char *kind,
                            struct ah_error *err)
{
    if (kind == NULL)
        return ah_sql_run(W(tx), "DELETE FROM timers WHERE incident_id = ?", err, "i", incident_id);
    return ah_sql_run(W(tx), "DELETE FROM timers WHERE incident_id = ? AND kind = ?", err, "is",
                      incident_id, kind);
}

int ah_store_tx_timers_due(struct ah_store_tx *tx, int64_t now, int limit, json_t **ret,
                           struct ah_error *err)
{
    return ah_sql_rows(W(tx),
                       "SELECT incident_id, kind, due FROM timers WHERE due <= ?"
                       " ORDER BY due, incident_id LIMIT ?",
                       ret, err, "ii", now, (int64_t)limit);
}

static const char timer_next_sql[] = "SELECT coalesce(min(due), 0) FROM timers";

int ah_store_tx_timer_next(struct ah_store_tx *tx, int64_t *ret, struct ah_error *err)
{
    *ret = 0;
    return ah_sql_int(W(tx), timer_next_sql, ret, err, "");
}

/* ================= subscriptions ================= */

/* What a subscriber may hear, and how the timeline's types read. Without
 * event_types it hears every incident event but the escalation steps
 * (i_assign, i_esc: those go to whoever a level names), so that a chat
 * group is not told twice about each new incident. */
#define SUB_TYPES                                                                                  \
    "('i_new', 'i_assign', 'i_esc', 'i_ack', 'i_unack', 'i_rslv', 'i_auto_close',"                 \
    " 'i_auto_close_superseded', 'i_reopen', 'i_snooze', 'i_wake', 'i_storm')"
#define SUB_TYPE "CASE WHEN f.type LIKE 'i_auto_close%' THEN 'i_rslv' ELSE f.type END"
/* Entry f of incident i is for target t. */
#define SUB_MATCH                                                                                  \
    " f.type IN " SUB_TYPES " AND NOT (f.type = 'i_new' AND i.muted_until > f.time)"               \
    " AND (CASE WHEN t.event_types IS NULL THEN f.type NOT IN ('i_assign', 'i_esc')"               \
    "  ELSE EXISTS (SELECT 1 FROM json_each(t.event_types) WHERE value = " SUB_TYPE ") END)"

void ah_store_subscription_event_id(int64_t target_id, int64_t feed_id, char out[33])
{
    /* The same digits as printf('%016x%016x', ...) in the SQL below. */
    snprintf(out, 33, "%016llx%016llx", (unsigned long long)target_id, (unsigned long long)feed_id);
}

int ah_store_tx_target_cursor_init(struct ah_store_tx *tx, int64_t target_id, struct ah_error *err)
{
    return ah_sql_run(W(tx),
                      "INSERT INTO target_cursors(target_id, feed_id)"
                      " SELECT ?, coalesce(max(id), 0) FROM incident_feed WHERE true"
                      " ON CONFLICT(target_id) DO UPDATE SET feed_id = excluded.feed_id",
                      err, "i", target_id);
}

int ah_store_tx_target_cursor_set(struct ah_store_tx *tx, int64_t target_id, int64_t feed_id,
                                  struct ah_error *err)
{
    return ah_sql_run(W(tx),
                      "UPDATE target_cursors SET feed_id = CASE WHEN feed_id > ?1 THEN feed_id"
                      " ELSE ?1 END WHERE target_id = ?2",
                      err, "ii", feed_id, target_id);
}

int ah_store_read_subscriptions(struct ah_store *s, json_t **ret, struct ah_error *err)
{
    WITH_READER(s, err,
                ah_sql_rows(db_,
                            "SELECT t.id AS id, t.kind AS kind,"
                            " json_extract(t.settings, '$.url') AS url,"
                            " t.event_types AS event_types, c.feed_id AS cursor"
                            " FROM notify_targets t JOIN target_cursors c ON c.target_id = t.id"
                            " WHERE EXISTS (SELECT 1 FROM target_channels tc"
                            "  WHERE tc.target_id = t.id) ORDER BY t.id",
                            ret, err, ""));
}

int ah_store_read_subscription_events(struct ah_store *s, int64_t target_id, int64_t after,
                                      int limit, json_t **ret, struct ah_error *err)
{
    WITH_READER(s, err,
                ah_sql_rows(db_,
                            "SELECT f.id AS feed_id, f.incident_id AS incident_id,"
                            " i.channel_id AS channel_id, f.time AS time, " SUB_TYPE " AS type,"
                            " f.detail AS detail"
                            " FROM incident_feed f JOIN incidents i ON i.id = f.incident_id,"
                            " notify_targets t WHERE t.id = ?1 AND f.id > ?2"
                            " AND i.channel_id IN (SELECT channel_id FROM target_channels"
                            "  WHERE target_id = ?1) AND" SUB_MATCH " ORDER BY f.id LIMIT ?3",
                            ret, err, "iii", target_id, after, (int64_t)limit));
}

int ah_store_read_feed_head(struct ah_store *s, int64_t *ret, struct ah_error *err)
{
    *ret = 0;
    WITH_READER(s, err,
                ah_sql_int(db_, "SELECT coalesce(max(id), 0) FROM incident_feed", ret, err, ""));
}

static int backlog(struct ah_db *db, int64_t *count, int64_t *oldest, struct ah_error *err)
{
    json_t *rows;
    int rc = ah_sql_rows(db,
                         "SELECT count(*) AS n, coalesce(min(f.time), 0) AS oldest"
                         " FROM target_cursors c JOIN notify_targets t ON t.id = c.target_id"
                         " JOIN target_channels tc ON tc.target_id = t.id"
                         " JOIN incidents i ON i.channel_id = tc.channel_id"
                         " JOIN incident_feed f ON f.incident_id = i.id AND f.id > c.feed_id"
                         " WHERE" SUB_MATCH,
                         &rows, err, "");

    if (rc < 0)
        return rc;
    *count = json_integer_value(json_object_get(json_array_get(rows, 0), "n"));
    *oldest = json_integer_value(json_object_get(json_array_get(rows, 0), "oldest"));
    json_decref(rows);
    return AH_OK;
}

/* ================= deliveries ================= */

int ah_store_tx_delivery_insert(struct ah_store_tx *tx, const struct ah_delivery *d,
                                struct ah_error *err)
{
    return ah_sql_run(W(tx),
                      "INSERT INTO deliveries(incident_id, channel_id, event_id, event_type,"
                      " event_time, kind, target_id, member_id, address, person, detail, status,"
                      " next_at, reason, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                      err, "iissiszzsjjsisi", d->incident_id, d->channel_id, d->event_id,
                      d->event_type, d->event_time_ms, d->kind, d->target_id, d->member_id,
                      d->address ? d->address : "", d->person, d->detail, d->status, d->created_at,
                      d->reason, d->created_at);
}

int ah_store_tx_delivery_result(struct ah_store_tx *tx, const struct ah_delivery_result *r,
                                struct ah_error *err)
{
    return ah_sql_run(W(tx),
                      "UPDATE deliveries SET status = ?, attempts = ?, next_at = ?,"
                      " last_status_code = ?, last_error = ?, reason = coalesce(?, reason),"
                      " sent_at = ? WHERE id = ?",
                      err, "siizsszi", r->status, (int64_t)r->attempts, r->next_at, r->status_code,
                      r->error, r->reason, r->sent_at, r->id);
}

int ah_store_tx_delivery_insert_outcome(struct ah_store_tx *tx, const struct ah_delivery *d,
                                        const struct ah_delivery_result *r, struct ah_error *err)
{
    return ah_sql_run(W(tx),
                      "INSERT INTO deliveries(incident_id, channel_id, event_id, event_type,"
                      " event_time, kind, target_id, member_id, address, person, detail, status,"
                      " attempts, next_at, last_status_code, last_error, sent_at, reason,"
                      " created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                      err, "iissiszzsjjsiizszsi", d->incident_id, d->channel_id, d->event_id,
                      d->event_type, d->event_time_ms, d->kind, d->target_id, d->member_id,
                      d->address ? d->address : "", d->person, d->detail, r->status,
                      (int64_t)r->attempts, r->next_at, r->status_code, r->error, r->sent_at,
                      r->reason, d->created_at);
}

int ah_store_read_deliveries_due(struct ah_store *s, int64_t now, int64_t after_id, int limit,
                                 json_t **ret, struct ah_error *err)
{
    WITH_READER(s, err,
                ah_sql_rows(db_,
                            "SELECT * FROM deliveries WHERE status = 'pending' AND next_at <= ?"
                            " AND id > ? ORDER BY next_at, id LIMIT ?",
                            ret, err, "iii", now, after_id, (int64_t)limit));
}

static int deliveries(struct ah_db *db, int64_t incident_id, json_t **ret, struct ah_error *err)
{
    json_t *rows;
    int64_t exists = 0;
    int rc = ah_sql_int(db, "SELECT count(*) FROM incidents WHERE id = ?", &exists, err, "i",
                        incident_id);

    if (rc == AH_OK && exists == 0)
        return ah_sql_not_found(err, "incident", incident_id);
    /* An incident that no escalation rule matched (nor muted for flapping)
     * has no escalation row: it is told as one suppressed entry, written
     * by nobody, so that a channel without rules costs ingest no row. Then
     * the rows, then what subscribers have still to hear (no row until the
     * first outcome): pending, no attempt yet. */
    if (rc == AH_OK)
        rc = ah_sql_rows(
            db,
            "SELECT NULL AS id, i.start_time AS created_at, NULL AS event_id,"
            " 'i_new' AS event_type, i.start_time * 1000 AS event_time, 'none' AS channel,"
            " NULL AS target_id, NULL AS member_id, '' AS address, 'suppressed' AS status,"
            " 0 AS attempts, NULL AS last_status_code, NULL AS last_error, NULL AS sent_at,"
            " 0 AS next_at, 'no_rule_matched' AS reason, NULL AS person, NULL AS detail"
            " FROM incidents i WHERE i.id = ?1"
            " AND NOT EXISTS (SELECT 1 FROM escalations e WHERE e.incident_id = i.id)"
            " AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.incident_id = i.id"
            "  AND d.reason = 'flapping')"
            " UNION ALL SELECT * FROM (SELECT id, created_at, event_id, event_type, event_time,"
            " kind AS channel, target_id, member_id, address, status, attempts, last_status_code,"
            " last_error, sent_at, next_at, reason, person, detail"
            " FROM deliveries WHERE incident_id = ?1 ORDER BY id LIMIT 5000) AS sent"
            " UNION ALL SELECT * FROM (SELECT CAST(NULL AS INTEGER), f.time,"
            " printf('%016x%016x', t.id, f.id), " SUB_TYPE ", f.time * 1000, t.kind, t.id,"
            " CAST(NULL AS INTEGER), json_extract(t.settings, '$.url'), 'pending', 0,"
            " CAST(NULL AS INTEGER), CAST(NULL AS TEXT), CAST(NULL AS INTEGER), 0,"
            " CAST(NULL AS TEXT),"
            " CASE WHEN json_extract(f.detail, '$.member_id') IS NOT NULL THEN"
            "  json_object('id', json_extract(f.detail, '$.member_id'),"
            "  'name', json_extract(f.detail, '$.name')) END, CAST(NULL AS TEXT)"
            " FROM incident_feed f JOIN incidents i ON i.id = f.incident_id"
            " JOIN target_channels tc ON tc.channel_id = i.channel_id"
            " JOIN notify_targets t ON t.id = tc.target_id"
            " JOIN target_cursors c ON c.target_id = t.id"
            " WHERE f.incident_id = ?1 AND f.id > c.feed_id AND" SUB_MATCH
            " AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.incident_id = ?1"
            "  AND d.event_id = printf('%016x%016x', t.id, f.id))"
            " ORDER BY f.id, t.id LIMIT 5000) AS due",
            &rows, err, "i", incident_id);
    if (rc < 0)
        return rc;
    *ret = json_pack("{so}", "items", rows);
    return AH_OK;
}

int ah_store_read_deliveries(struct ah_store *s, int64_t incident_id, json_t **ret,
                             struct ah_error *err)
{
    WITH_READER(s, err, deliveries(db_, incident_id, ret, err));
}

/* Pending rows and the subscribers' backlog together. */
static int outbox(struct ah_db *db, int64_t *depth, int64_t *oldest, struct ah_error *err)
{
    int64_t n = 0, t = 0;
    int rc =
        ah_sql_int(db, "SELECT count(*) FROM deliveries WHERE status = 'pending'", depth, err, "");

    if (rc == AH_OK)
        rc = ah_sql_int(db,
                        "SELECT coalesce(min(created_at), 0) FROM deliveries"
                        " WHERE status = 'pending'",
                        oldest, err, "");
    if (rc == AH_OK)
        rc = backlog(db, &n, &t, err);
    *depth += n;
    if (t != 0 && (*oldest == 0 || t < *oldest))
        *oldest = t;
    return rc;
}

int ah_store_read_outbox(struct ah_store *s, int64_t *depth, int64_t *oldest, struct ah_error *err)
{
    *depth = *oldest = 0;
    WITH_READER(s, err, outbox(db_, depth, oldest, err));
}

int ah_store_read_channel_name(struct ah_store *s, int64_t id, char **ret, struct ah_error *err)
{
    *ret = NULL;
    WITH_READER(s, err,
                ah_sql_text(db_, "SELECT name FROM channels WHERE id = ?", ret, err, "i", id));
}
