/* store.c - the store (store.h) over a database driver (db.h): the
 * writer's connection, used by the writer thread only, and a pool of
 * readers, each used by one thread at a time. */
#include "store/store.h"

#include "store/db.h"
#include "store/sql.h"
#include "util/alloc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct ah_store_tx {
    struct ah_store *store;
    int stale;  /* what other nodes changed (AH_STORE_STALE_*), at begin */
    int config; /* this transaction changed what the HTTP side caches */
    /* What it changed of the reducer's rows, logged for the other nodes
     * (shared databases only), each list NULL while empty; or everything. */
    struct ah_store_changes changed;
    int everything;
};

struct ah_store {
    const struct ah_db_driver *drv;
    struct ah_store_conf conf; /* strings borrowed from the caller's */
    struct ah_db *wdb;
    struct ah_store_tx tx;
    int64_t log_pruned; /* cluster_log rows up to this version are gone */
    pthread_mutex_t pool_lock;
    struct ah_db **idle;
    size_t nidle, capidle;
};

int ah_store_url_is_postgres(const char *url)
{
    return url != NULL &&
           (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0);
}

const struct ah_db_driver *ah_db_driver_for(const struct ah_store_conf *conf)
{
    return ah_store_url_is_postgres(conf->database_url) ? &ah_db_postgres : &ah_db_sqlite;
}

static void forget_changes(struct ah_store_tx *tx)
{
    ah_store_changes_done(&tx->changed);
    tx->everything = 0;
}

int ah_store_open(const struct ah_store_conf *conf, struct ah_store **ret, struct ah_error *err)
{
    struct ah_store *s = ah_xcalloc(1, sizeof(*s));
    int rc;

    s->drv = ah_db_driver_for(conf);
    s->conf = *conf;
    s->tx.store = s;
    pthread_mutex_init(&s->pool_lock, NULL);
    rc = s->drv->connect(&s->conf, 1, &s->wdb, err);
    if (rc < 0)
        goto fail;
    rc = s->drv->migrate(s->wdb, err);
    if (rc < 0)
        goto fail;
    *ret = s;
    return AH_OK;
fail:
    ah_store_free(s);
    return rc;
}

void ah_store_free(struct ah_store *s)
{
    size_t i;

    if (s == NULL)
        return;
    s->drv->close(s->wdb);
    forget_changes(&s->tx);
    for (i = 0; i < s->nidle; i++)
        s->drv->close(s->idle[i]);
    ah_free(s->idle);
    pthread_mutex_destroy(&s->pool_lock);
    ah_free(s);
}

int ah_store_reader_get(struct ah_store *s, struct ah_db **ret, struct ah_error *err)
{
    pthread_mutex_lock(&s->pool_lock);
    if (s->nidle > 0) {
        *ret = s->idle[--s->nidle];
        pthread_mutex_unlock(&s->pool_lock);
        return AH_OK;
    }
    pthread_mutex_unlock(&s->pool_lock);
    return s->drv->connect(&s->conf, 0, ret, err);
}

void ah_store_reader_put(struct ah_store *s, struct ah_db *db)
{
    pthread_mutex_lock(&s->pool_lock);
    if (s->nidle == s->capidle) {
        s->capidle = s->capidle ? 2 * s->capidle : 8;
        s->idle = ah_xrealloc(s->idle, s->capidle * sizeof(*s->idle));
    }
    s->idle[s->nidle++] = db;
    pthread_mutex_unlock(&s->pool_lock);
}

int ah_store_ping(struct ah_store *s, struct ah_error *err)
{
    struct ah_db *db;
    int64_t one = 0;
    int rc = ah_store_reader_get(s, &db, err);

    if (rc < 0)
        return rc;
    rc = ah_sql_int(db, "SELECT count(*) FROM meta", &one, err, "");
    /* A connection that failed may be broken (a PostgreSQL server gone):
     * it is closed, and the next reader connects afresh. */
    if (rc < 0)
        s->drv->close(db);
    else
        ah_store_reader_put(s, db);
    return rc;
}

/* SQLite's: it is linked in whatever the database, for /metrics. */
const char *ah_store_engine_version(void)
{
    return ah_db_sqlite.version();
}

/* ================= transactions ================= */

/* BEGIN, SAVEPOINT and RELEASE are deferred: on PostgreSQL they travel
 * with the job's writes instead of costing a round trip each. */
int ah_store_tx_begin(struct ah_store *s, struct ah_store_tx **ret_tx, struct ah_error *err)
{
    int rc = ah_sql_defer(s->wdb, s->drv->begin_sql, err, "");

    s->tx.stale = 0;
    s->tx.config = 0;
    forget_changes(&s->tx);
    if (rc == AH_OK && s->drv->sync != NULL)
        rc = s->drv->sync(s->wdb, &s->tx.stale, err);
    if (rc < 0) {
        ah_store_tx_rollback(&s->tx);
        return rc;
    }
    *ret_tx = &s->tx;
    return AH_OK;
}

int ah_store_shared(const struct ah_store *s)
{
    return s->drv->sync != NULL;
}

int ah_store_peek(struct ah_store *s)
{
    return s->drv->peek != NULL ? s->drv->peek(s->wdb) : 0;
}

int ah_store_tx_stale(const struct ah_store_tx *tx)
{
    return tx->stale;
}

void ah_store_tx_synced(struct ah_store_tx *tx, int what)
{
    if (tx->store->drv->synced != NULL)
        tx->store->drv->synced(tx->store->wdb, what);
    tx->stale &= ~what;
}

void ah_store_tx_config_changed(struct ah_store_tx *tx)
{
    tx->config = 1;
}

int ah_store_leads(struct ah_store *s)
{
    return s->drv->leads == NULL || s->drv->leads(s->wdb);
}

int ah_store_lead(struct ah_store *s)
{
    return s->drv->lead == NULL || s->drv->lead(s->wdb);
}

void ah_store_resign(struct ah_store *s)
{
    if (s->drv->resign != NULL)
        s->drv->resign(s->wdb);
}

/* ---- what a transaction changed, for the other nodes ---- */

/* One node (SQLite) logs nothing: these run for every stored event, so
 * they cost nothing there, not even an allocation. */
static void touch(json_t **list, json_t *item)
{
    if (*list == NULL)
        *list = json_array();
    json_array_append_new(*list, item);
}

void ah_store_tx_touch_alert(struct ah_store_tx *tx, int64_t id)
{
    if (ah_store_shared(tx->store))
        touch(&tx->changed.alerts, json_integer((json_int_t)id));
}

void ah_store_tx_touch_incident(struct ah_store_tx *tx, int64_t id)
{
    if (ah_store_shared(tx->store))
        touch(&tx->changed.incidents, json_integer((json_int_t)id));
}

void ah_store_tx_touch_flap(struct ah_store_tx *tx, int64_t channel_id, const char *alert_key)
{
    if (ah_store_shared(tx->store))
        touch(&tx->changed.flaps, json_pack("{sIss}", "c", (json_int_t)channel_id, "k", alert_key));
}

void ah_store_tx_touch_all(struct ah_store_tx *tx)
{
    tx->everything = 1;
}

static char *list_text(const json_t *list)
{
    return list != NULL ? json_dumps(list, JSON_COMPACT) : NULL;
}

int ah_store_tx_commit(struct ah_store_tx *tx, struct ah_error *err)
{
    struct ah_db_log log = {.config = tx->config, .everything = tx->everything};
    char *alerts, *incidents, *flaps;
    int rc;

    if (tx->store->drv->commit == NULL)
        return ah_sql_run(tx->store->wdb, "COMMIT", err, "");
    alerts = list_text(tx->changed.alerts);
    incidents = list_text(tx->changed.incidents);
    flaps = list_text(tx->changed.flaps);
    log.alerts = alerts != NULL ? alerts : "[]";
    log.incidents = incidents != NULL ? incidents : "[]";
    log.flaps = flaps != NULL ? flaps : "[]";
    rc = tx->store->drv->commit(tx->store->wdb, &log, err);
    free(alerts);
    free(incidents);
    free(flaps);
    forget_changes(tx);
    return rc;
}

/* Reading cluster_log: the rows seen, and whether one needs a rebuild. */
struct log_read {
    struct ah_store_changes *ch;
    int64_t rows;
    int everything;
};

static void log_list(json_t *into, const struct ah_db_col *c, int *everything)
{
    json_t *list = c->v.type == AH_DB_TEXT ? json_loads(c->v.s, 0, NULL) : NULL;

    if (json_is_array(list))
        json_array_extend(into, list);
    else
        *everything = 1;
    json_decref(list);
}

static void log_row(const struct ah_db_col *c, int n, void *arg)
{
    struct log_read *lr = arg;

    lr->rows++;
    if (n != 4 || c[3].v.type != AH_DB_INT || c[3].v.i != 0) {
        lr->everything = 1;
        return;
    }
    log_list(lr->ch->alerts, &c[0], &lr->everything);
    log_list(lr->ch->incidents, &c[1], &lr->everything);
    log_list(lr->ch->flaps, &c[2], &lr->everything);
}

int ah_store_tx_changes(struct ah_store_tx *tx, struct ah_store_changes *ch, struct ah_error *err)
{
    struct ah_store *s = tx->store;
    struct log_read lr = {ch, 0, 0};
    int64_t seen = -1, at = -1;
    int rc;

    ch->alerts = json_array();
    ch->incidents = json_array();
    ch->flaps = json_array();
    if (s->drv->versions == NULL)
        return 0;
    s->drv->versions(s->wdb, &seen, &at);
    if (seen < 0 || at <= seen)
        return 0;
    rc = ah_sql_query(s->wdb,
                      "SELECT alerts, incidents, flaps, everything FROM cluster_log"
                      " WHERE version > ? AND version <= ?",
                      log_row, &lr, err, "ii", seen, at);
    if (rc < 0)
        return rc;
    /* Every version has its row unless retention took it: then all. */
    return lr.rows == at - seen && !lr.everything;
}

/* cluster_log keeps the last LOG_KEEP versions, pruned LOG_STEP at a time:
 * a node further behind than that rebuilds its memory whole. */
#define LOG_KEEP 100000
#define LOG_STEP 10000

int ah_store_tx_log_prune(struct ah_store_tx *tx, struct ah_error *err)
{
    struct ah_store *s = tx->store;
    int64_t seen = -1, at = -1;
    int rc;

    if (s->drv->versions == NULL)
        return AH_OK;
    s->drv->versions(s->wdb, &seen, &at);
    if (at - LOG_KEEP < s->log_pruned + LOG_STEP)
        return AH_OK;
    rc = ah_sql_run(s->wdb, "DELETE FROM cluster_log WHERE version <= ?", err, "i", at - LOG_KEEP);
    if (rc == AH_OK)
        s->log_pruned = at - LOG_KEEP;
    return rc;
}

void ah_store_changes_done(struct ah_store_changes *ch)
{
    json_decref(ch->alerts);
    json_decref(ch->incidents);
    json_decref(ch->flaps);
    ch->alerts = ch->incidents = ch->flaps = NULL;
}

void ah_store_tx_rollback(struct ah_store_tx *tx)
{
    forget_changes(tx);
    if (tx->store->drv->in_tx(tx->store->wdb))
        (void)ah_sql_run(tx->store->wdb, "ROLLBACK", NULL, "");
}

int ah_store_tx_savepoint(struct ah_store_tx *tx, struct ah_error *err)
{
    return ah_sql_defer(tx->store->wdb, "SAVEPOINT job", err, "");
}

void ah_store_tx_release(struct ah_store_tx *tx)
{
    (void)ah_sql_defer(tx->store->wdb, "RELEASE job", NULL, "");
}

void ah_store_tx_rollback_savepoint(struct ah_store_tx *tx)
{
    (void)ah_sql_run(tx->store->wdb, "ROLLBACK TO job", NULL, "");
    (void)ah_sql_run(tx->store->wdb, "RELEASE job", NULL, "");
}

/* ================= meta ================= */

int ah_store_tx_meta_get(struct ah_store_tx *tx, const char *key, char **ret, struct ah_error *err)
{
    return ah_sql_text(tx->store->wdb, "SELECT value FROM meta WHERE key = ?", ret, err, "s", key);
}

int ah_store_tx_meta_set(struct ah_store_tx *tx, const char *key, const char *value,
                         struct ah_error *err)
{
    return ah_sql_run(tx->store->wdb,
                      "INSERT INTO meta(key, value) VALUES (?, ?)"
                      " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                      err, "ss", key, value);
}

/* The store's other files reach the connections through these. */
struct ah_db *ah_store_wdb_of(struct ah_store_tx *tx)
{
    return tx->store->wdb;
}

struct ah_db *ah_store_wdb(struct ah_store *s)
{
    return s->wdb;
}
