/* prune.c - retention (store.h, writer thread only): old events, and
 * closed incidents with everything that belongs only to them, deleted a
 * bounded number of rows at a time so that a housekeeping transaction stays
 * short. No index is added for it: events go in id order (they are
 * inserted in time order), incidents are found in id order, and an
 * incident's rows through the indexes on incident_id that exist already. */
#include "store/sql.h"
#include "store/store.h"

#include <stdint.h>

#define W(tx) ah_store_wdb_of(tx)

/* Incidents looked at per call at most (each may need several calls). */
#define CANDIDATES 64

/* The oldest @limit events by id; of those, the ones received before
 * @before go. A row younger than the cutoff (the clock was set back) only
 * waits until it is old too: the scan never reads more than @limit rows. */
static int prune_events(struct ah_store_tx *tx, int64_t before, int64_t limit, int64_t *n,
                        struct ah_error *err)
{
    int rc = ah_sql_run(W(tx),
                        "DELETE FROM events WHERE id IN (SELECT id FROM events ORDER BY id"
                        " LIMIT ?) AND received_at < ?",
                        err, "ii", limit, before);

    if (rc == AH_OK)
        *n += ah_sql_changes(W(tx));
    return rc;
}

/* Closed incidents closed before @before that no open alert points at, in
 * id order, at most CANDIDATES. The scan stops at the first incident that
 * started at or after @before (one closed before the cutoff started before
 * it too), so it reads only the old incidents that are left: in steady
 * state the few that are still open. */
static int find_incidents(struct ah_store_tx *tx, int64_t before, int64_t *ids, int *nids,
                          struct ah_error *err)
{
    static const char sql[] =
        "SELECT id FROM incidents WHERE id < coalesce((SELECT id FROM incidents"
        " WHERE start_time >= ?1 ORDER BY id LIMIT 1), ?2)"
        " AND progress = 'Closed' AND close_time > 0 AND close_time < ?1"
        " AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.incident_id = incidents.id"
        " AND a.end_time = 0 AND a.close_time = 0) ORDER BY id LIMIT ?3";

    return ah_sql_ids(W(tx), sql, ids, CANDIDATES, nids, err, "iii", before, INT64_MAX,
                      (int64_t)CANDIDATES);
}

/* What belongs to one incident, children first: the incident row goes last,
 * so an incident cut short by the row budget is found again next time.
 * Each statement takes (incident id, rows at most). */
static const char *const incident_parts[] = {
    "DELETE FROM events WHERE id IN (SELECT e.id FROM alerts a JOIN events e"
    " ON e.alert_id = a.id WHERE a.incident_id = ?1 LIMIT ?2)",
    "DELETE FROM alerts WHERE id IN (SELECT id FROM alerts WHERE incident_id = ?1 LIMIT ?2)",
    "DELETE FROM incident_feed WHERE id IN"
    " (SELECT id FROM incident_feed WHERE incident_id = ?1 LIMIT ?2)",
    "DELETE FROM deliveries WHERE id IN"
    " (SELECT id FROM deliveries WHERE incident_id = ?1 LIMIT ?2)",
    "DELETE FROM escalations WHERE incident_id = ?1 AND ?2 > 0",
    /* (An incident has one timer of each kind at most.) */
    "DELETE FROM timers WHERE incident_id = ?1 AND ?2 > 0",
    "DELETE FROM incidents WHERE id = ?1 AND ?2 > 0",
};

/* Deletes incident @id's rows while the budget (@limit - *@n) lasts. */
static int prune_incident(struct ah_store_tx *tx, int64_t id, int64_t limit, int64_t *n,
                          struct ah_error *err)
{
    size_t i;
    int rc = AH_OK;

    for (i = 0; rc == AH_OK && i < sizeof(incident_parts) / sizeof(incident_parts[0]); i++) {
        int64_t budget = limit - *n, done;

        if (budget <= 0)
            break;
        rc = ah_sql_run(W(tx), incident_parts[i], err, "ii", id, budget);
        done = rc == AH_OK ? ah_sql_changes(W(tx)) : 0;
        *n += done;
        /* A statement that used the whole budget may have left rows. */
        if (done == budget)
            break;
    }
    return rc;
}

int ah_store_tx_prune(struct ah_store_tx *tx, const struct ah_prune *p, int64_t *ret_rows,
                      struct ah_error *err)
{
    int64_t n = 0, ids[CANDIDATES];
    int nids = 0, i, rc = AH_OK;

    if (p->events_before > 0)
        rc = prune_events(tx, p->events_before, p->limit, &n, err);
    /* Candidates come CANDIDATES at a time while the budget lasts. */
    while (rc == AH_OK && p->incidents_before > 0 && n < p->limit) {
        rc = find_incidents(tx, p->incidents_before, ids, &nids, err);
        for (i = 0; rc == AH_OK && i < nids && n < p->limit; i++)
            rc = prune_incident(tx, ids[i], p->limit, &n, err);
        if (nids < CANDIDATES)
            break;
    }
    /* Freed pages are reused by new rows; the driver may also give some
     * back (db.h). */
    if (rc == AH_OK && n > 0 && W(tx)->drv->reclaim_sql != NULL)
        rc = ah_sql_exec(W(tx), W(tx)->drv->reclaim_sql, err);
    if (rc == AH_OK)
        *ret_rows = n;
    return rc;
}
