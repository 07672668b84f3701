/* app.h - what the HTTP layer serves from: configuration and the long-lived
 * parts, wired by main.c. One instance per process, passed explicitly (no
 * global). */
#ifndef AH_HTTP_APP_H
#define AH_HTTP_APP_H

#include "http/metrics.h"
#include "http/sessions.h"
#include "http/tokens.h"
#include "ingest/integrations.h"
#include "notify/sender.h"
#include "process/table.h"
#include "reduce/reduce.h"
#include "reduce/writer.h"
#include "store/store.h"

#include <stddef.h>

struct ah_app {
    /* configuration (read-only after start) */
    const char *public_url; /* base of push URLs, no trailing slash */
    size_t max_body_bytes;
    char admin_token_hash[65]; /* SHA-256 hex of the admin token */
    /* parts */
    struct ah_store *store;
    struct ah_writer *writer;
    struct ah_sender *sender; /* the delivery worker (its counters for /metrics) */
    struct ah_integrations *integrations;
    struct ah_tokens *tokens;             /* scoped API tokens (tokens.h) */
    struct ah_sessions *sessions;         /* the console's cookie sessions (sessions.h) */
    struct ah_process_table *process;     /* integrations' rules, mapping tables, channel names */
    struct ah_pipe_sources *pipe_sources; /* pipeline inhibit sources: writer thread only */
    struct ah_metrics metrics;
    struct ah_clock clock; /* the writer's "now" */
    int test_clock;        /* PUT /api/v1/test/clock may set @clock */
};

#endif
