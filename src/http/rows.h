/* rows.h - the API's reads of incidents, alerts, events, silence and
 * inhibit rules: the store's typed reads (store.h) collected into the API's
 * lists and objects, each row shaped by model/alert.h.
 *
 * The reads answer new JSON (the caller json_decref()s it) or an error:
 * lists {"items": [...], "next_cursor": "id"|null}; gets one object, or
 * AH_ENOTFOUND. */
#ifndef AH_HTTP_ROWS_H
#define AH_HTTP_ROWS_H

#include "store/store.h"
#include "util/error.h"

#include <jansson.h>
#include <stdint.h>

int ah_rows_read_incidents(struct ah_store *store, const struct ah_incident_filter *f,
                           const struct ah_page *page, json_t **ret, struct ah_error *reterr);
/* The incident with "alerts": [...] (oldest first). */
int ah_rows_read_incident(struct ah_store *store, int64_t id, json_t **ret,
                          struct ah_error *reterr);
/* The alert with "events": [...] (newest first, at most 500). */
int ah_rows_read_alert(struct ah_store *store, int64_t id, json_t **ret, struct ah_error *reterr);
int ah_rows_read_events(struct ah_store *store, int64_t integration_id, int64_t since,
                        const struct ah_page *page, json_t **ret, struct ah_error *reterr);
/* The channel's most recent events (at most @limit), oldest first: a new
 * array. */
int ah_rows_read_recent_events(struct ah_store *store, int64_t channel_id, int limit, json_t **ret,
                               struct ah_error *reterr);
/* A channel's silences or inhibits as a list (one page: next_cursor null),
 * or rule @id alone (@id != 0). */
int ah_rows_read_hold_rules(struct ah_store *store, enum ah_store_hold_kind kind,
                            int64_t channel_id, int64_t id, json_t **ret, struct ah_error *reterr);

#endif
