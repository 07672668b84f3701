/* filter.c - fuzz target: a filter (any JSON) compiled in both shapes
 * (rules/filter.h) and matched against a fixed subject, with and without a
 * rule budget; compile errors are expected and ignored. */
#include "fuzz.h"

#include "rules/filter.h"

static void compile_and_match(const json_t *json, enum ah_filter_shape shape)
{
    struct ah_filter_subject s = fuzz_subject();
    struct ah_rule_budget budget;
    struct ah_filter *f = NULL;
    struct ah_error err;

    if (ah_filter_compile(json, shape, &f, &err) != AH_OK)
        return;
    (void)ah_filter_match(f, &s);
    ah_rule_budget_start(&budget, AH_EVENT_RULE_NS);
    s.budget = &budget;
    s.labels = NULL;
    s.description = NULL;
    (void)ah_filter_match(f, &s);
    ah_filter_free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *json = fuzz_json(data, size);

    if (json == NULL)
        return 0;
    compile_and_match(json, AH_FILTER_OR_OF_AND);
    compile_and_match(json, AH_FILTER_AND);
    json_decref(json);
    return 0;
}
