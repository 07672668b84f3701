/* log.c - see log.h. */
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

enum ah_log_level ah_log_min_level = AH_LOG_INFO;
enum ah_log_format ah_log_format = AH_LOG_TEXT;

#define LOG_MSG_MAX 1024

/* Writes @s into @out as the inside of a JSON string: quote, backslash and
 * every control character escaped, so that a message holding a newline or a
 * quote (request data often does) still makes one line and one value. logfmt
 * quotes its values the same way. Other bytes pass as they are: messages are
 * UTF-8 already. @out holds 6 bytes per byte of @s, plus the NUL. */
static void escape(const char *s, char *out)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p;

    for (p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\') {
            *out++ = '\\';
            *out++ = (char)*p;
        } else if (*p == '\n' || *p == '\t' || *p == '\r') {
            *out++ = '\\';
            *out++ = *p == '\n' ? 'n' : *p == '\t' ? 't' : 'r';
        } else if (*p < 0x20 || *p == 0x7f) {
            *out++ = '\\';
            *out++ = 'u';
            *out++ = '0';
            *out++ = '0';
            *out++ = hex[*p >> 4];
            *out++ = hex[*p & 15];
        } else {
            *out++ = (char)*p;
        }
    }
    *out = '\0';
}

/* A message cut at @len bytes loses the last character too when that was
 * cut in half, so that JSON readers do not meet half a UTF-8 sequence. */
static void cut_whole(char *s, size_t len)
{
    size_t k = len, need;
    unsigned char lead;

    while (k > 0 && ((unsigned char)s[k - 1] & 0xc0) == 0x80)
        k--;
    if (k == 0)
        return;
    lead = (unsigned char)s[k - 1];
    need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    if (len - (k - 1) < need)
        s[k - 1] = '\0';
}

void ah_log_write(enum ah_log_level level, const char *fmt, ...)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    char line[LOG_MSG_MAX], quoted[6 * LOG_MSG_MAX], stamp[32];
    struct timespec ts;
    struct tm tm;
    va_list ap;
    long ms;
    int n;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
    ms = ts.tv_nsec / 1000000;
    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof(line))
        cut_whole(line, sizeof(line) - 1);
    /* One fprintf per line so that lines from threads do not interleave. */
    if (ah_log_format == AH_LOG_TEXT) {
        fprintf(stderr, "%s.%03ldZ %s %s\n", stamp, ms, names[level], line);
        return;
    }
    escape(line, quoted);
    if (ah_log_format == AH_LOG_LOGFMT)
        fprintf(stderr, "ts=%s.%03ldZ level=%s msg=\"%s\"\n", stamp, ms, names[level], quoted);
    else
        fprintf(stderr, "{\"ts\":\"%s.%03ldZ\",\"level\":\"%s\",\"msg\":\"%s\"}\n", stamp, ms,
                names[level], quoted);
}
