/* template.c - fuzz target: the input as a title template and as a label
 * composition template (rules/template.h), rendered against fixed fields
 * and labels. Rendering never fails, so every input renders. */
#include "fuzz.h"

#include "rules/template.h"
#include "util/alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ah_filter_subject s = fuzz_subject();
    struct ah_template_vars vars = {
        .title = s.title,
        .description = s.description,
        .event_severity = s.severity,
        .event_status = "Firing",
        .alert_key = s.alert_key,
        .title_rule = "$host::$check",
        .integration_type = fuzz_integration.type,
        .integration_name = fuzz_integration.name,
        .labels = s.labels,
    };
    char *tpl = ah_xstrndup((const char *)data, size); /* ends at the first NUL */

    ah_free(ah_template_render(tpl, &vars));
    ah_free(ah_template_render_go(tpl, &vars));
    vars.labels = NULL;
    vars.description = NULL;
    ah_free(ah_template_render(tpl, &vars));
    ah_free(ah_template_render_go(tpl, &vars));
    ah_free(tpl);
    return 0;
}
