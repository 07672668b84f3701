/* adapter.h - integration types and their adapters. An adapter turns a
 * vendor's parsed JSON body into standard events; it never touches the store
 * or the HTTP request (it sees headers through @header only). The registry
 * (registry.c) maps push paths and type names to adapters. */
#ifndef AH_INGEST_ADAPTER_H
#define AH_INGEST_ADAPTER_H

#include "model/event.h"
#include "util/error.h"

#include <jansson.h>

struct ah_push_input {
    const json_t *body; /* the parsed body: any JSON value (borrowed) */
    /* Returns the value of request header @name (case-insensitive) or NULL. */
    const char *(*header)(void *header_ctx, const char *name);
    void *header_ctx;
};

/* Parses @in into one or more events appended to @out. Adapters set title
 * (or title_rule, for templates to render), severity, recovered, labels and,
 * where the vendor gives one, alert_key, event_time and description. On
 * failure returns AH_EINVAL with a message for the client, and @out may hold
 * partial events (the caller frees the list). */
typedef int (*ah_adapter_parse_fn)(const struct ah_push_input *in, struct ah_event_list *out,
                                   struct ah_error *reterr);

/* Returns a retry identity for the request (e.g. "EventId:..." or
 * "trace:..."): a vendor that retries a callback sends the same one, and the
 * retry must not create a second event. NULL when there is none. The string
 * is new (free with ah_free). */
typedef char *(*ah_adapter_retry_id_fn)(const struct ah_push_input *in);

struct ah_adapter {
    const char *type; /* the integration type: "standard", "volcengine_rtc" */
    const char *path; /* after /event/push/alert/: "standard", "volcengine/rtc" */
    const char *display_name;
    ah_adapter_parse_fn parse;
    ah_adapter_retry_id_fn retry_id; /* may be NULL */
};

/* Registered adapters at most (counters sized per type use it). */
#define AH_ADAPTER_MAX 16

/* Return the registered adapter, or NULL when none matches. */
const struct ah_adapter *ah_adapter_by_path(const char *path);
const struct ah_adapter *ah_adapter_by_type(const char *type);
/* Every registered adapter, in registration order: @i in 0..count-1. */
size_t ah_adapter_count(void);
const struct ah_adapter *ah_adapter_at(size_t i);

/* The adapters, defined in their own files. */
extern const struct ah_adapter ah_adapter_standard;
extern const struct ah_adapter ah_adapter_volcengine_rtc;
extern const struct ah_adapter ah_adapter_alertmanager;

#endif
