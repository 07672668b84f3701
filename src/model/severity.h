/* severity.h - alert severities and event statuses. A status is either a
 * severity (the alert is firing at that level) or Ok (it has recovered). */
#ifndef AH_MODEL_SEVERITY_H
#define AH_MODEL_SEVERITY_H

/* Ordered: a larger value is more severe, so max() picks the highest. */
enum ah_severity {
    AH_SEV_NONE = 0,
    AH_SEV_INFO = 1,
    AH_SEV_WARNING = 2,
    AH_SEV_CRITICAL = 3,
};

/* Returns "Critical", "Warning", "Info" (or "" for AH_SEV_NONE). */
const char *ah_severity_name(enum ah_severity s);

/* Parses the exact, case-sensitive wire names Critical, Warning, Info;
 * returns AH_SEV_NONE for anything else. */
enum ah_severity ah_severity_parse(const char *s);

/* The event_status / alert status string: "Ok" when @recovered, else the
 * severity's name. */
const char *ah_status_name(enum ah_severity s, int recovered);

#endif
