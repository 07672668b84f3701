/* template.h - title and description templates (spec section 11.1).
 *
 *   literal        "cpu idle low"                    -> unchanged
 *   simplified     "$resource::$check"               -> "127.0.0.1 / cpu idle low"
 *                  (parts split on "::"; a part "$name" is label name's
 *                   value; a missing label keeps the text "$name")
 *   [TPL] ${var}   "[TPL]${resource} / ${check}"     (labels; missing -> "<no value>")
 *   [TPL] {{...}}  "[TPL]{{.Labels.resource}} {{.Title}}"
 *                  fields .Title .Description .EventSeverity .EventStatus
 *                  .AlertKey .TitleRule .IntegrationType .IntegrationName
 *                  .Labels.x and (index .Labels "x"); missing -> ""
 *
 * Rendering never fails: what cannot be resolved is rendered as documented
 * above, so a bad template cannot block an alert. */
#ifndef AH_RULES_TEMPLATE_H
#define AH_RULES_TEMPLATE_H

#include <jansson.h>

struct ah_template_vars {
    const char *title;
    const char *description;
    const char *event_severity;
    const char *event_status;
    const char *alert_key;
    const char *title_rule;
    const char *integration_type;
    const char *integration_name;
    const json_t *labels; /* object of string -> string, or NULL */
};

/* Returns a new string (free with ah_free): @tpl rendered against @vars. */
char *ah_template_render(const char *tpl, const struct ah_template_vars *vars);

/* Label composition (spec 11.2): the whole of @tpl is a template, without
 * the [TPL] marker, and the lower-case fields {{.title}}, {{.description}}
 * and {{.labels.x}} are known besides those above. Returns a new string. */
char *ah_template_render_go(const char *tpl, const struct ah_template_vars *vars);

#endif
