/* subject.h - what the filters of the integration layer see of an event:
 * its fields as they are at that point of enrichment, pipeline or routing. */
#ifndef AH_PROCESS_SUBJECT_H
#define AH_PROCESS_SUBJECT_H

#include "model/event.h"
#include "model/severity.h"
#include "rules/filter.h"

#include <stdint.h>

static inline struct ah_filter_subject ah_event_subject(const struct ah_event *ev,
                                                        int64_t integration_id)
{
    struct ah_filter_subject s = {.severity = ah_severity_name(ev->severity),
                                  .title = ev->title,
                                  .description = ev->description,
                                  .alert_key = ev->alert_key,
                                  .integration_id = integration_id,
                                  .labels = ev->labels,
                                  .budget = ev->budget};

    return s;
}

#endif
