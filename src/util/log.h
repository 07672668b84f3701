/* log.h - one line per message on stderr: time, level, message. The level and
 * the sink are the only mutable globals besides configuration. Lower layers
 * (util, model, rules, ingest, process, reduce, store) do not log above debug;
 * they return an ah_error and the edge (http, main) logs it once. */
#ifndef AH_UTIL_LOG_H
#define AH_UTIL_LOG_H

enum ah_log_level { AH_LOG_DEBUG = 0, AH_LOG_INFO, AH_LOG_WARN, AH_LOG_ERROR };

extern enum ah_log_level ah_log_min_level;

void ah_log_write(enum ah_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Checks the level before the arguments are evaluated. */
#define ah_log(level, ...)                                                                         \
    do {                                                                                           \
        if ((level) >= ah_log_min_level)                                                           \
            ah_log_write((level), __VA_ARGS__);                                                    \
    } while (0)

#endif
