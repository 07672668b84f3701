/* event.h - the standard event: what every adapter produces from a vendor
 * payload, and what the rest of the house consumes. Caller-embedded
 * (ah_event_init / ah_event_done); all pointers are owned by the event. */
#ifndef AH_MODEL_EVENT_H
#define AH_MODEL_EVENT_H

#include "model/severity.h"
#include "util/error.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Limits of the Flashduty standard event (api.md section 1). Counts are in
 * Unicode code points, not bytes. */
#define AH_MAX_TITLE       512  /* truncated */
#define AH_MAX_DESCRIPTION 2048 /* truncated */
#define AH_MAX_ALERT_KEY   255  /* refused */
#define AH_MAX_LABELS      50   /* refused */
#define AH_MAX_LABEL_KEY   128  /* refused */
#define AH_MAX_LABEL_VALUE 2048 /* truncated */
#define AH_MAX_IMAGES      20   /* refused */
#define AH_MAX_IMAGE_SRC   256  /* image discarded */
#define AH_MAX_IMAGE_ALT   128  /* truncated */
#define AH_MAX_IMAGE_HREF  256  /* truncated */
#define AH_MAX_EVENTS      100  /* events one request may carry; refused */

struct ah_event {
    char *title_rule;          /* the title template as sent, or NULL when the
                                  adapter set @title directly */
    char *title;               /* rendered title; never NULL once prepared */
    char *description;         /* may be NULL */
    char *alert_key;           /* NULL until given or derived */
    enum ah_severity severity; /* the level; kept on Ok events for the record */
    int recovered;             /* 1: event_status Ok, recovers the alert */
    int64_t event_time;        /* Unix seconds; 0 = not given (now) */
    json_t *labels;            /* object of string -> string; never NULL */
    json_t *images;            /* array of {src, alt?, href?} or NULL */
    /* @labels and @images as compact JSON, set by ah_event_seal once nothing
     * changes them any more, so that the writer binds text: NULL before. */
    char *labels_text;
    char *images_text;
    /* While the integration layer runs: the request's budget for rules
     * (rules/filter.h), borrowed; NULL otherwise. */
    struct ah_rule_budget *budget;
};

void ah_event_init(struct ah_event *ev);
void ah_event_done(struct ah_event *ev);

/* Serializes @labels and @images once the event is final (after the
 * integration layer, on the HTTP thread). Changing either afterwards needs
 * another call. */
void ah_event_seal(struct ah_event *ev);

/* Sets label @key to a copy of @value (replacing any value). */
void ah_event_set_label(struct ah_event *ev, const char *key, const char *value);

/* The label a rule makes (enrichment, spec 7.1): sets @key to @value cut to
 * AH_MAX_LABEL_VALUE code points, unless @key exists and !@override, or the
 * event already has AH_MAX_LABELS labels, or @value is empty or not UTF-8.
 * Returns 1 when the label was set, else 0. */
int ah_event_put_label(struct ah_event *ev, const char *key, const char *value, int override);

/* Returns 1 when @name may name a label that a rule makes:
 * ^[a-z][a-z0-9_]{0,62}$ (spec 7.1). */
int ah_label_name_valid(const char *name);

/* Enforces the limits above: truncates what the contract says to truncate,
 * refuses (AH_EINVAL with a message naming the field) what it says to refuse,
 * and checks that a title exists. Labels must already be strings. */
int ah_event_check(struct ah_event *ev, struct ah_error *reterr);

/* Returns a new string (ah_free) for a JSON string, number or boolean, as a
 * label value: 7.4 gives "7.4", 1830 gives "1830"; NULL for anything else.
 * Adapters flatten vendor fields into labels with it. */
char *ah_json_scalar_text(const json_t *v);

/* An object id as rules name it: a positive integer, or a string of one
 * ("12"); 0 for anything else. */
int64_t ah_json_id(const json_t *v);

/* A growable list of events. */
struct ah_event_list {
    struct ah_event *items;
    size_t count;
    size_t cap;
};

void ah_event_list_init(struct ah_event_list *l);
void ah_event_list_done(struct ah_event_list *l);
/* Appends an initialised event and returns it; valid until the next add. */
struct ah_event *ah_event_list_add(struct ah_event_list *l);

#endif
