/* sql.h - helpers shared by the store's files, on any driver (db.h):
 * statements with parameters given by a format string, and rows as JSON
 * objects in the API's shapes. Private to src/store/. */
#ifndef AH_STORE_SQL_H
#define AH_STORE_SQL_H

#include "store/db.h"

#include "util/error.h"

#include <jansson.h>
#include <stdint.h>

struct ah_store;
struct ah_store_tx;
struct ah_alert_view;
struct ah_incident_view;
struct ah_event_view;
struct ah_hold_rule_view;

/* Parameters, one letter each in @fmt:
 *   i int64_t, s const char * (NULL binds NULL), j const json_t * (dumped
 *   compactly; NULL binds NULL), J two arguments: a const json_t * and its
 *   compact text when the caller already has it (used instead of dumping;
 *   may be NULL), z int64_t bound as NULL when 0.
 * Strings are bound without a copy: they must stay valid until the call
 * returns. On the writer's connection @sql must be a string literal (its
 * address keys the prepared statement). */
int ah_sql_exec(struct ah_db *db, const char *sql, struct ah_error *reterr);
/* Runs a statement to completion. */
int ah_sql_run(struct ah_db *db, const char *sql, struct ah_error *reterr, const char *fmt, ...);
/* As ah_sql_run for a write whose changes and id nobody reads: on
 * PostgreSQL it is pipelined, and a failure surfaces at a later statement
 * of the transaction (at the latest its COMMIT), which then cannot commit
 * (db.h). Not for a write that may fail on a constraint the caller means
 * to report. */
int ah_sql_defer(struct ah_db *db, const char *sql, struct ah_error *reterr, const char *fmt, ...);
/* Inserts a row of @table with an id: @sql's first parameter is the id,
 * @fmt describes the others. Either the driver gives the id (PostgreSQL,
 * from a block of the sequence: the insert is then deferred, as
 * ah_sql_defer, with no round trip of its own) or NULL is bound and the
 * engine picks it (SQLite's last insert rowid, which costs nothing). Sets
 * *@ret_id to the row's id. */
int ah_sql_insert(struct ah_db *db, const char *table, const char *sql, int64_t *ret_id,
                  struct ah_error *reterr, const char *fmt, ...);
/* Runs a one-value query; *@ret unchanged when there is no row. */
int ah_sql_int(struct ah_db *db, const char *sql, int64_t *ret, struct ah_error *reterr,
               const char *fmt, ...);
/* As ah_sql_int for text; *@ret is a new string or NULL when no row. */
int ah_sql_text(struct ah_db *db, const char *sql, char **ret, struct ah_error *reterr,
                const char *fmt, ...);
/* Runs a query and answers a new JSON array of row objects (ah_sql_row). */
int ah_sql_rows(struct ah_db *db, const char *sql, json_t **ret, struct ah_error *reterr,
                const char *fmt, ...);
/* As ah_sql_rows, but hands @fn one row at a time (borrowed), so that a
 * large result is never held whole. */
int ah_sql_each(struct ah_db *db, const char *sql, void (*fn)(json_t *row, void *arg), void *arg,
                struct ah_error *reterr, const char *fmt, ...);
/* As ah_sql_rows, but answers only the first row (a new object), or NULL
 * when there is none. */
int ah_sql_first(struct ah_db *db, const char *sql, json_t **ret, struct ah_error *reterr,
                 const char *fmt, ...);
/* Runs a query whose rows' first column is an integer: the first @max
 * go into @ids, their count into *@n. */
int ah_sql_ids(struct ah_db *db, const char *sql, int64_t *ids, int max, int *n,
               struct ah_error *reterr, const char *fmt, ...);
/* The id of the row the last INSERT on @db made; rows its last statement
 * changed. */
int64_t ah_sql_last_id(struct ah_db *db);
int64_t ah_sql_changes(struct ah_db *db);

/* A typed query: @fn gets each row's columns (borrowed for the call). */
int ah_sql_query(struct ah_db *db, const char *sql, ah_db_row_fn fn, void *arg,
                 struct ah_error *reterr, const char *fmt, ...);

/* Typed rows (rows.c): the columns to SELECT, in this order, and their
 * decoders. Strings stay borrowed from the columns. */
#define AH_SQL_ALERT_COLS                                                                          \
    "id, incident_id, channel_id, integration_id, alert_key, title, description, severity,"        \
    " status, labels, event_count, start_time, last_time, end_time, close_time, group_key,"        \
    " reason, held, flapping"
#define AH_SQL_INCIDENT_COLS                                                                       \
    "id, channel_id, title, description, severity, status, progress, labels, alert_count,"         \
    " active_alert_count, event_count, start_time, last_time, ack_time, close_time, group_key,"    \
    " first_alert_id, flapping, muted_until, snooze_until"
/* The same positions with only what the reducer's index keeps (the
 * start-up scans): no labels or reason for alerts, no title, description or
 * labels for incidents. At 10^6 open alerts, reading labels was most of the
 * start-up. */
#define AH_SQL_ALERT_INDEX_COLS                                                                    \
    "id, incident_id, channel_id, integration_id, alert_key, title, description, severity,"        \
    " status, NULL, event_count, start_time, last_time, end_time, close_time, group_key, NULL,"    \
    " held, flapping"
#define AH_SQL_INCIDENT_INDEX_COLS                                                                 \
    "id, channel_id, NULL, NULL, severity, status, progress, NULL, alert_count,"                   \
    " active_alert_count, event_count, start_time, last_time, ack_time, close_time, group_key,"    \
    " first_alert_id, flapping, muted_until, snooze_until"
#define AH_SQL_EVENT_COLS                                                                          \
    "id, alert_id, channel_id, integration_id, alert_key, event_status, severity, title,"          \
    " description, labels, images, event_time, received_at"
#define AH_SQL_HOLD_RULE_COLS "id, channel_id, hits, created_at, updated_at, rule"
void ah_sql_alert_of(const struct ah_db_col *cols, int n, struct ah_alert_view *ret);
void ah_sql_incident_of(const struct ah_db_col *cols, int n, struct ah_incident_view *ret);
void ah_sql_event_of(const struct ah_db_col *cols, int n, struct ah_event_view *ret);
void ah_sql_hold_rule_of(const struct ah_db_col *cols, int n, struct ah_hold_rule_view *ret);

/* A row as a JSON object in the API's shapes: ids as strings (0 in a
 * reference column is null), JSON columns parsed, other values typed. */
json_t *ah_sql_row(const struct ah_db_col *cols, int n);

/* ---- rows of the API's resources (members, targets, teams, schedules) ---- */

struct ah_page;

/* The string field @key of @obj, or NULL; borrowed from @obj. */
const char *ah_sql_str(const json_t *obj, const char *key);
/* The field @key of @obj when it is an array, else NULL (which binds SQL
 * NULL); borrowed from @obj. */
const json_t *ah_sql_array_or_null(const json_t *obj, const char *key);

/* AH_ENOTFOUND "@what "@id" does not exist": the store's one wording for a
 * row asked for by id that is not there. */
int ah_sql_not_found(struct ah_error *reterr, const char *what, int64_t id);
/* @rc, unless it is AH_OK and the statement just run (an UPDATE or DELETE
 * by id) changed no row: then ah_sql_not_found(@what, @id). */
int ah_sql_changed(struct ah_db *db, int rc, const char *what, int64_t id, struct ah_error *reterr);
/* Takes the only row of @rows (stolen, also on failure) into *@ret, a new
 * reference; AH_ENOTFOUND "@what "@id" does not exist" without one. */
int ah_sql_one(json_t *rows, const char *what, int64_t id, json_t **ret, struct ah_error *reterr);
/* Runs @sql (one id parameter) and answers its only row as ah_sql_one
 * does. */
int ah_sql_get(struct ah_db *db, const char *sql, const char *what, int64_t id, json_t **ret,
               struct ah_error *reterr);
/* Wraps @rows (limit + 1 at most; stolen) as a new {"items",
 * "next_cursor"}: the extra row only says that a next page exists. */
json_t *ah_sql_page_of(json_t *rows, const struct ah_page *page);
/* Runs the list query @sql (parameters: the cursor and a limit, to which
 * one is added to learn whether a next page exists) and answers a new
 * {"items", "next_cursor"}. */
int ah_sql_list(struct ah_db *db, const char *sql, const struct ah_page *page, json_t **ret,
                struct ah_error *reterr);
/* AH_OK when the count query @sql (one id parameter) counts a row, else
 * AH_ENOTFOUND "@what "@id" does not exist". */
int ah_sql_exists(struct ah_db *db, const char *sql, const char *what, int64_t id,
                  struct ah_error *reterr);
/* Maps the outcome @rc of ah_sql_run for an INSERT (*@id == 0) or an
 * UPDATE of row *@id in a table of unique names: a constraint failure is
 * AH_ECONFLICT "a @what named "@name" already exists", an UPDATE that
 * changed no row AH_ENOTFOUND; after an INSERT *@id is the new row's id. */
int ah_sql_saved(struct ah_db *db, int rc, const char *what, const char *name, int64_t *id,
                 struct ah_error *reterr);
/* Inside a write: AH_ECONFLICT "@what "@id" is used by the escalation
 * rules of channel ..." while escalation_refs holds (@kind, @id), else
 * AH_OK. */
int ah_sql_refused_while_used(struct ah_store_tx *tx, const char *kind, const char *what,
                              int64_t id, struct ah_error *reterr);
/* Appends " and @others other @things" to the message of @err when
 * @others > 0 (a refusal that names the first of several users). */
void ah_sql_conflict_others(struct ah_error *err, int64_t others, const char *things);

/* Accessors into the store (store.c): the writer's connection (writer
 * thread only), and a pooled reader, taken and given back. */
struct ah_db *ah_store_wdb_of(struct ah_store_tx *tx);
struct ah_db *ah_store_wdb(struct ah_store *s);
int ah_store_reader_get(struct ah_store *s, struct ah_db **ret, struct ah_error *reterr);
void ah_store_reader_put(struct ah_store *s, struct ah_db *db);

/* Runs @fn on a pooled reader. */
#define WITH_READER(store, err, call)                                                              \
    do {                                                                                           \
        struct ah_db *db_;                                                                         \
        int rc_ = ah_store_reader_get((store), &db_, (err));                                       \
        if (rc_ < 0)                                                                               \
            return rc_;                                                                            \
        rc_ = call;                                                                                \
        ah_store_reader_put((store), db_);                                                         \
        return rc_;                                                                                \
    } while (0)

#endif
