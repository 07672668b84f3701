/* fuzz.h - what the libFuzzer targets in tests/fuzz share: the entry point
 * (defined by each target, called by libFuzzer or by replay.c), a body parsed
 * as the server parses it, and a fixed subject, event and integration to
 * match and apply rules against. Targets print nothing and free everything. */
#ifndef AH_FUZZ_H
#define AH_FUZZ_H

#include "ingest/adapter.h"
#include "model/event.h"
#include "model/integration.h"
#include "rules/filter.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* One input; returns 0 (libFuzzer reserves other values). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* @data parsed like a request body (json_loadb, no flags): a new value, or
 * NULL when it is not JSON. */
json_t *fuzz_json(const uint8_t *data, size_t size);

/* A subject with every field set and labels of every kind (those of
 * fuzz_event; borrowed, lives for the process). */
struct ah_filter_subject fuzz_subject(void);

/* Initialises @ev as a firing event with a title, a description, a key and
 * the labels of every kind that fuzz_subject() has (ah_event_done frees it). */
void fuzz_event(struct ah_event *ev);

/* The integration rules are applied for (id 42, "standard", "prod"). */
extern const struct ah_integration fuzz_integration;

/* The push targets: @data[0] picks the overrides and headers, the rest is
 * the body given to @adapter through ah_push_prepare. */
void fuzz_push(const struct ah_adapter *adapter, const uint8_t *data, size_t size);

#endif
