/* pipeline.h - the alert processing pipeline of an integration (spec 7.2;
 * api.md section 3): ordered rules that rewrite, drop or inhibit the firing
 * events of one integration after enrichment and before routing. Ok events
 * skip it, so a recovery always reaches the alert it closes.
 *
 *   {"status": "enabled"|"disabled",
 *    "rules": [{"kind": KIND, "if": FILTER (omitted: every event),
 *               "settings": {...}}, ...]}
 *
 *   severity_reset     {"severity": "Critical"|"Warning"|"Info"}
 *   title_reset        {"title": TEMPLATE}        (rules/template.h)
 *   description_reset  {"description": TEMPLATE}
 *   alert_drop         {}       the event is discarded; nothing is stored
 *   alert_inhibit      {"source_filters": FILTER, "equals": ["labels.x"]}
 *                      the event is discarded while an open alert of the
 *                      same integration that matches source_filters, has
 *                      the same values for equals and was active within
 *                      AH_PIPELINE_SOURCE_AGE exists
 *
 * Rules chain: each sees the event as the rules before left it. Compiling
 * and applying are pure and run on the HTTP threads; an inhibit needs the
 * open alerts, so applying only names the inhibit checks the writer must
 * make (struct ah_pipeline_verdict), and the writer remembers sources in an
 * ah_pipe_sources. */
#ifndef AH_PROCESS_PIPELINE_H
#define AH_PROCESS_PIPELINE_H

#include "model/event.h"
#include "model/integration.h"
#include "rules/filter.h"
#include "util/error.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define AH_PIPELINE_MAX_RULES    50
#define AH_PIPELINE_MAX_INHIBITS 10  /* alert_inhibit rules in one pipeline */
#define AH_PIPELINE_SOURCE_AGE   600 /* seconds (spec 7.2) */
#define AH_PIPELINE_KEY_LEN      (24 + 1 + 32 + 1 + 32 + 1)

struct ah_pipeline;

int ah_pipeline_compile(const json_t *json, struct ah_pipeline **ret, struct ah_error *reterr);
struct ah_pipeline *ah_pipeline_ref(struct ah_pipeline *p);
void ah_pipeline_unref(struct ah_pipeline *p); /* NULL is a no-op */

/* The configuration as compiled (borrowed). */
const json_t *ah_pipeline_json(const struct ah_pipeline *p);

/* What the pipeline decided for one event. */
struct ah_pipeline_verdict {
    int dropped;    /* an alert_drop rule matched: discard */
    size_t rule;    /* the index of the dropping rule */
    size_t nchecks; /* alert_inhibit rules the event met, in order */
    struct {
        size_t rule;                   /* its index in the pipeline */
        char key[AH_PIPELINE_KEY_LEN]; /* the rule and the event's equals values */
    } checks[AH_PIPELINE_MAX_INHIBITS];
};

/* Runs the rules on firing event @ev of integration @intg (its id for
 * filters; its type and name for templates), rewriting it in place; fills
 * @ret. Rules after an alert_drop do not run. */
void ah_pipeline_apply(const struct ah_pipeline *p, struct ah_event *ev,
                       const struct ah_integration *intg, struct ah_pipeline_verdict *ret);

/* ---- the writer's memory of inhibit sources ----
 * Keyed by integration, rule content and equals values; entries older than
 * AH_PIPELINE_SOURCE_AGE are forgotten. One owner thread (the writer). */
struct ah_pipe_sources;

struct ah_pipe_sources *ah_pipe_sources_new(void);
void ah_pipe_sources_free(struct ah_pipe_sources *s); /* NULL is a no-op */
/* Forgets every source (before they are noted again from the store). */
void ah_pipe_sources_clear(struct ah_pipe_sources *s);

/* Notes alert (@channel_id, subject @alert) - an event that was just stored
 * or merged as firing - as a source for every alert_inhibit rule of @p whose
 * source_filters it matches. */
void ah_pipe_sources_note(struct ah_pipe_sources *s, const struct ah_pipeline *p,
                          const struct ah_filter_subject *alert, int64_t channel_id, int64_t now);

/* Whether alert (@channel_id, @alert_key) is open; its id, or 0. */
typedef int64_t (*ah_alert_open_fn)(void *ctx, int64_t channel_id, const char *alert_key);

/* The live source behind check @key for a target with @alert_key (an alert
 * never inhibits itself): its alert id, or 0 when there is none. */
int64_t ah_pipe_sources_find(struct ah_pipe_sources *s, const char *key, const char *alert_key,
                             int64_t now, ah_alert_open_fn open, void *ctx);

#endif
