/* log_test.c - the three line formats of util/log.c: a message holding
 * quotes, backslashes, line breaks and control characters still makes one
 * line and one JSON string or logfmt value; a cut message ends on a whole
 * UTF-8 character. stderr is pointed at a temporary file to read the lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "util/log.h"
#include "util/text.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Logs one message in @format and reads the line back into @out. */
static void log_line(enum ah_log_format format, const char *msg, char *out, size_t n)
{
    FILE *f = tmpfile();
    int saved = dup(fileno(stderr));
    size_t got;

    assert_non_null(f);
    fflush(stderr);
    dup2(fileno(f), fileno(stderr));
    ah_log_format = format;
    ah_log_write(AH_LOG_WARN, "%s", msg);
    fflush(stderr);
    dup2(saved, fileno(stderr));
    close(saved);
    ah_log_format = AH_LOG_TEXT;
    rewind(f);
    got = fread(out, 1, n - 1, f);
    out[got] = '\0';
    fclose(f);
}

/* The part of @line after its time stamp. */
static const char *after_ts(const char *line, const char *ts_end)
{
    const char *p = strstr(line, ts_end);

    assert_non_null(p);
    return p + strlen(ts_end);
}

static void formats(void **state)
{
    static const char msg[] = "a \"quoted\" \\ path\nsecond\tline\x01 \xe8\xbf\x9b";
    char line[8192];

    (void)state;
    log_line(AH_LOG_JSON, msg, line, sizeof(line));
    assert_int_equal(strncmp(line, "{\"ts\":\"", 7), 0);
    assert_string_equal(after_ts(line, "Z\","),
                        "\"level\":\"warn\",\"msg\":\"a \\\"quoted\\\" \\\\ path\\nsecond\\tline"
                        "\\u0001 \xe8\xbf\x9b\"}\n");
    log_line(AH_LOG_LOGFMT, msg, line, sizeof(line));
    assert_int_equal(strncmp(line, "ts=", 3), 0);
    assert_string_equal(after_ts(line, "Z "), "level=warn msg=\"a \\\"quoted\\\" \\\\ path\\nsecond"
                                              "\\tline\\u0001 \xe8\xbf\x9b\"\n");
    log_line(AH_LOG_TEXT, "plain", line, sizeof(line));
    assert_string_equal(after_ts(line, "Z "), "warn plain\n");
}

/* Logs @x_count bytes of 'x', then U+8FDB (3 bytes) and a tail, cut at
 * 1023 bytes; answers the logged message's length up to the closing quote. */
static size_t cut_length(size_t x_count, char *line, size_t n)
{
    static const char rest[] = "\xe8\xbf\x9b tail";
    char msg[1100], *m, *end;

    memset(msg, 'x', x_count);
    memcpy(msg + x_count, rest, sizeof(rest));
    log_line(AH_LOG_JSON, msg, line, n);
    assert_true(ah_utf8_valid(line));
    m = strstr(line, "\"msg\":\"");
    assert_non_null(m);
    end = strstr(m + 7, "\"}\n");
    assert_non_null(end);
    return (size_t)(end - (m + 7));
}

static void cut_on_a_character(void **state)
{
    char line[8192];

    (void)state;
    /* The character straddles the cut: it goes. */
    assert_int_equal(cut_length(1022, line, sizeof(line)), 1022);
    /* It ends right at the cut: it stays. */
    assert_int_equal(cut_length(1020, line, sizeof(line)), 1023);
    assert_non_null(strstr(line, "x\xe8\xbf\x9b\"}"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(formats),
        cmocka_unit_test(cut_on_a_character),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
