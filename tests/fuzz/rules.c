/* rules.c - fuzz target: the admin bodies that carry rules. The first byte
 * picks the kind (grouping, flapping, silence, inhibit, escalations,
 * enrichment, pipeline, routes); the rest is the JSON body, compiled as the
 * admin API compiles it and, when it compiles, applied to a fixed event. */
#include "fuzz.h"

#include "process/enrich.h"
#include "process/mapping.h"
#include "process/pipeline.h"
#include "process/route.h"
#include "reduce/rules.h"

#include <string.h>

static void grouping(const json_t *json)
{
    struct ah_grouping *g = NULL;
    struct ah_error err;

    if (ah_grouping_compile(json, &g, &err) == AH_OK)
        ah_grouping_free(g);
}

static void flapping(const json_t *json)
{
    struct ah_flapping *f = NULL;
    struct ah_error err;

    if (ah_flapping_compile(json, &f, &err) == AH_OK)
        ah_flapping_free(f);
}

static void silence(const json_t *json)
{
    struct ah_filter_subject s = fuzz_subject();
    struct ah_silence *si = NULL;
    struct ah_error err;

    if (ah_silence_compile(json, 7, &si, &err) != AH_OK)
        return;
    (void)ah_filter_match(si->filter, &s);
    (void)ah_schedule_active(si->schedule, 1730595600);
    ah_silence_free(si);
}

static void inhibit(const json_t *json)
{
    struct ah_filter_subject s = fuzz_subject();
    struct ah_inhibit *in = NULL;
    struct ah_error err;
    char hex[33];

    if (ah_inhibit_compile(json, 7, &in, &err) != AH_OK)
        return;
    (void)ah_filter_match(in->source, &s);
    (void)ah_filter_match(in->target, &s);
    ah_filter_values_digest(&s, in->equals.keys, in->equals.nkeys, hex);
    ah_inhibit_free(in);
}

static void escalations(const json_t *json)
{
    struct ah_filter_subject s = fuzz_subject();
    struct ah_escalations *e = NULL;
    struct ah_error err;

    if (ah_escalations_compile(json, &e, &err) != AH_OK)
        return;
    (void)ah_escalations_match(e, &s, 1730595600);
    ah_escalations_free(e);
}

/* The one mapping table enrichment rules may name (id 3), made once. */
static struct ah_mapping *find_table(void *ctx, int64_t id)
{
    static const char csv[] = "host,owner,team\ndb-1,alice,storage\ndb-2,,web\n";
    static struct ah_mapping *table;
    struct ah_mapping_rows *rows = NULL;
    struct ah_error err;
    json_t *schema;

    (void)ctx;
    if (table == NULL) {
        schema =
            json_pack("{s[s] s[ss]}", "source_labels", "host", "result_labels", "owner", "team");
        if (ah_mapping_new(3, schema, &table, &err) == AH_OK &&
            ah_mapping_parse(table, csv, strlen(csv), &rows, &err) == AH_OK)
            ah_mapping_set_rows(table, rows);
        json_decref(schema);
    }
    return id == 3 && table != NULL ? ah_mapping_ref(table) : NULL;
}

static void enrichment(const json_t *json)
{
    struct ah_enrichment *e = NULL;
    struct ah_error err;
    struct ah_event ev;

    if (ah_enrichment_compile(json, find_table, NULL, &e, &err) != AH_OK)
        return;
    fuzz_event(&ev);
    ah_enrichment_apply(e, &ev, &fuzz_integration);
    ah_event_done(&ev);
    ah_enrichment_unref(e);
}

static void pipeline(const json_t *json)
{
    struct ah_pipeline_verdict v;
    struct ah_pipeline *p = NULL;
    struct ah_error err;
    struct ah_event ev;

    if (ah_pipeline_compile(json, &p, &err) != AH_OK)
        return;
    fuzz_event(&ev);
    ah_pipeline_apply(p, &ev, &fuzz_integration, &v);
    ah_event_done(&ev);
    ah_pipeline_unref(p);
}

static int64_t channel_by_name(void *ctx, const char *name)
{
    (void)ctx;
    return strcmp(name, "ops") == 0 ? 9 : 0;
}

static void routes(const json_t *json)
{
    struct ah_filter_subject s = fuzz_subject();
    int64_t out[AH_ROUTE_MAX_CHANNELS];
    struct ah_routes *r = NULL;
    struct ah_error err;
    size_t n;

    if (ah_routes_compile(json, &r, &err) != AH_OK)
        return;
    (void)ah_routes_channels(r, &n);
    (void)ah_routes_match(r, &s, channel_by_name, NULL, out);
    ah_routes_unref(r);
}

static void (*const kinds[])(const json_t *) = {
    grouping, flapping, silence, inhibit, escalations, enrichment, pipeline, routes,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *json;

    if (size == 0)
        return 0;
    json = fuzz_json(data + 1, size - 1);
    if (json == NULL)
        return 0;
    kinds[data[0] % (sizeof(kinds) / sizeof(kinds[0]))](json);
    json_decref(json);
    return 0;
}
