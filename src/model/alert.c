/* alert.c - see alert.h. */
#include "model/alert.h"

#include <string.h>

static const char *const progress_names[] = {"Triggered", "Processing", "Closed"};

const char *ah_progress_name(enum ah_progress p)
{
    return progress_names[p];
}

int ah_progress_parse(const char *s)
{
    int i;

    for (i = 0; i < 3; i++) {
        if (strcmp(s, progress_names[i]) == 0)
            return i;
    }
    return -1;
}
