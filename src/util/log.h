/* log.h - one line per message on stderr: time, level, message, as plain
 * text, logfmt or JSON. The level and the format (the sink) are the only
 * mutable globals besides configuration; main sets them once before any
 * thread starts. Lower layers (util, model, rules, ingest, process, reduce,
 * store) do not log above debug; they return an ah_error and the edge (http,
 * main) logs it once. */
#ifndef AH_UTIL_LOG_H
#define AH_UTIL_LOG_H

enum ah_log_level { AH_LOG_DEBUG = 0, AH_LOG_INFO, AH_LOG_WARN, AH_LOG_ERROR };

/* text:   2024-05-01T10:00:00.123Z info message
 * logfmt: ts=2024-05-01T10:00:00.123Z level=info msg="message"
 * json:   {"ts":"2024-05-01T10:00:00.123Z","level":"info","msg":"message"} */
enum ah_log_format { AH_LOG_TEXT = 0, AH_LOG_LOGFMT, AH_LOG_JSON };

extern enum ah_log_level ah_log_min_level;
extern enum ah_log_format ah_log_format;

void ah_log_write(enum ah_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Checks the level before the arguments are evaluated. */
#define ah_log(level, ...)                                                                         \
    do {                                                                                           \
        if ((level) >= ah_log_min_level)                                                           \
            ah_log_write((level), __VA_ARGS__);                                                    \
    } while (0)

#endif
