/* sqlite_notify.c - the notification tables (store.h, issue #8): a
 * channel's escalation rules and auto-resolve settings, escalations in
 * progress, durable timers, and deliveries (the outbox and delivery log). */
#include "store/sqlite_util.h"
#include "store/store.h"

#include "model/event.h"
#include "util/alloc.h"

#include <stdio.h>
#include <string.h>

#define W(tx) ah_sqlite_wcache(tx)

/* ================= channel settings ================= */

int ah_store_tx_escalations_set(struct ah_store_tx *tx, int64_t channel_id, const json_t *rules,
                                const json_t *refs, struct ah_error *err)
{
    const json_t *ref;
    size_t i;
    int rc = ah_sql_run(W(tx), "UPDATE channels SET escalations = ? WHERE id = ?", err, "ji", rules,
                        channel_id);

    if (rc == AH_OK && sqlite3_changes(ah_sqlite_wcache(tx)->db) == 0)
        return ah_error_set(err, AH_ENOTFOUND, "channel \"%lld\" does not exist",
                            (long long)channel_id);
    if (rc == AH_OK)
        rc = ah_sql_run(W(tx), "DELETE FROM escalation_refs WHERE channel_id = ?", err, "i",
                        channel_id);
    json_array_foreach(refs, i, ref)
    {
        if (rc < 0)
            break;
        rc = ah_sql_run(W(tx),
                        "INSERT OR IGNORE INTO escalation_refs(kind, ref_id, channel_id)"
                        " VALUES (?, ?, ?)",
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
        ah_sql_rows(NULL, W(tx),
                    "UPDATE channels SET"
                    " auto_resolve_timeout = CASE WHEN ?1 < 0 THEN auto_resolve_timeout"
                    "  ELSE ?1 END, auto_resolve_mode = coalesce(?2, auto_resolve_mode),"
                    " disable_auto_close = CASE WHEN ?3 < 0 THEN disable_auto_close"
                    "  ELSE ?3 END WHERE id = ?4"
                    " RETURNING auto_resolve_timeout, auto_resolve_mode, disable_auto_close",
                    &rows, err, "isii", timeout, mode, (int64_t)disable_auto_close, channel_id);

    if (rc < 0)
        return rc;
    row = json_array_get(rows, 0);
    if (row == NULL) {
        json_decref(rows);
        return ah_error_set(err, AH_ENOTFOUND, "channel \"%lld\" does not exist",
                            (long long)channel_id);
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
    int rc = ah_sql_rows(ah_sqlite_wdb(s), NULL,
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

static int escalations(sqlite3 *db, int64_t id, json_t **ret, struct ah_error *err)
{
    json_t *rows, *e;
    int rc =
        ah_sql_rows(db, NULL, "SELECT escalations FROM channels WHERE id = ?", &rows, err, "i", id);

    if (rc < 0)
        return rc;
    if (json_array_size(rows) == 0) {
        json_decref(rows);
        return ah_error_set(err, AH_ENOTFOUND, "channel \"%lld\" does not exist", (long long)id);
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
    int rc = ah_sql_rows(NULL, W(tx),
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
    return ah_sql_rows(NULL, W(tx),
                       "SELECT incident_id, kind, due FROM timers WHERE due <= ?"
                       " ORDER BY due, incident_id LIMIT ?",
                       ret, err, "ii", now, (int64_t)limit);
}

static const char timer_next_sql[] = "SELECT coalesce(min(due), 0) FROM timers";

int ah_store_tx_timer_next(struct ah_store_tx *tx, int64_t *ret, struct ah_error *err)
{
    *ret = 0;
    return ah_sql_int(NULL, W(tx), timer_next_sql, ret, err, "");
}

int ah_store_timer_next(struct ah_store *s, int64_t *ret, struct ah_error *err)
{
    *ret = 0;
    WITH_READER(s, err, ah_sql_int(db_, NULL, timer_next_sql, ret, err, ""));
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

int ah_store_read_deliveries_due(struct ah_store *s, int64_t now, int64_t after_id, int limit,
                                 json_t **ret, struct ah_error *err)
{
    WITH_READER(s, err,
                ah_sql_rows(db_, NULL,
                            "SELECT * FROM deliveries WHERE status = 'pending' AND next_at <= ?"
                            " AND id > ? ORDER BY next_at, id LIMIT ?",
                            ret, err, "iii", now, after_id, (int64_t)limit));
}

static int deliveries(sqlite3 *db, int64_t incident_id, json_t **ret, struct ah_error *err)
{
    json_t *rows;
    int64_t exists = 0;
    int rc = ah_sql_int(db, NULL, "SELECT count(*) FROM incidents WHERE id = ?", &exists, err, "i",
                        incident_id);

    if (rc == AH_OK && exists == 0)
        return ah_error_set(err, AH_ENOTFOUND, "incident \"%lld\" does not exist",
                            (long long)incident_id);
    if (rc == AH_OK)
        rc = ah_sql_rows(db, NULL,
                         "SELECT id, created_at, event_id, event_type, event_time, kind AS channel,"
                         " target_id, member_id, address, status, attempts, last_status_code,"
                         " last_error, sent_at, next_at, reason, person, detail"
                         " FROM deliveries WHERE incident_id = ? ORDER BY id LIMIT 5000",
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

static int outbox(sqlite3 *db, int64_t *depth, int64_t *oldest, struct ah_error *err)
{
    int rc = ah_sql_int(db, NULL, "SELECT count(*) FROM deliveries WHERE status = 'pending'", depth,
                        err, "");

    if (rc == AH_OK)
        rc = ah_sql_int(db, NULL,
                        "SELECT coalesce(min(created_at), 0) FROM deliveries"
                        " WHERE status = 'pending'",
                        oldest, err, "");
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
    WITH_READER(
        s, err,
        ah_sql_text(db_, NULL, "SELECT name FROM channels WHERE id = ?", ret, err, "i", id));
}
