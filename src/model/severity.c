/* severity.c - see severity.h. */
#include "model/severity.h"

#include <string.h>

const char *ah_severity_name(enum ah_severity s)
{
    switch (s) {
    case AH_SEV_CRITICAL:
        return "Critical";
    case AH_SEV_WARNING:
        return "Warning";
    case AH_SEV_INFO:
        return "Info";
    default:
        return "";
    }
}

enum ah_severity ah_severity_parse(const char *s)
{
    if (s == NULL)
        return AH_SEV_NONE;
    if (strcmp(s, "Critical") == 0)
        return AH_SEV_CRITICAL;
    if (strcmp(s, "Warning") == 0)
        return AH_SEV_WARNING;
    if (strcmp(s, "Info") == 0)
        return AH_SEV_INFO;
    return AH_SEV_NONE;
}

const char *ah_status_name(enum ah_severity s, int recovered)
{
    return recovered ? "Ok" : ah_severity_name(s);
}
