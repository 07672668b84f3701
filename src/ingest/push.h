/* push.h - the pure part of a push request: adapter, query overrides,
 * title templates, field limits and alert-key derivation. Runs on the HTTP
 * threads; touches nothing shared. */
#ifndef AH_INGEST_PUSH_H
#define AH_INGEST_PUSH_H

#include "ingest/adapter.h"
#include "model/event.h"
#include "util/error.h"

#include <stdint.h>

struct ah_push_overrides {
    const char *severity;   /* ?severity=: Critical|Warning|Info, or NULL */
    const char *title_rule; /* ?title_rule=: a title or template, or NULL */
};

struct ah_push_integration {
    int64_t id;
    const char *name;
    const char *type;
};

/* Runs @adapter on @in, then for every event: applies @ov (severity to firing
 * events; title_rule to all), renders title templates (rules/template.h),
 * enforces the standard-event limits (ah_event_check) and derives a missing
 * alert_key with ah_push_derive_alert_key(). Refuses an Ok event without an
 * alert_key, a request with no events and one with more than
 * AH_MAX_EVENTS. On success @out holds the prepared events; on failure
 * returns AH_EINVAL / AH_ELIMIT with a message and @out must still be freed. */
int ah_push_prepare(const struct ah_adapter *adapter, const struct ah_push_input *in,
                    const struct ah_push_overrides *ov, const struct ah_push_integration *intg,
                    struct ah_event_list *out, struct ah_error *reterr);

/* Returns a new alert key (32 hex digits; free with ah_free) derived from the
 * integration id, the rendered title and the labels sorted by name: the same
 * inputs always give the same key, so repeated pushes deduplicate. */
char *ah_push_derive_alert_key(int64_t integration_id, const char *title, const json_t *labels);

#endif
