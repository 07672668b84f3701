/* config_test.c - reading and checking a configuration file without a
 * server (http/config.c): a sound file, every error of a bad one with its
 * JSON path, a syntax error with its line and column, and names translated
 * into ids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/config.h"

/* Loads @text from a temporary file; returns the number of errors and
 * leaves the report's text in @out (freed by the caller). */
static size_t load(const char *text, char **out)
{
    char path[] = "/tmp/ah-config-test.XXXXXX";
    int fd = mkstemp(path);
    struct ah_config_report r;
    json_t *doc = NULL;
    size_t n;

    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    ah_config_report_init(&r, path);
    (void)ah_config_load(&r, NULL, &doc);
    n = r.errors;
    *out = strdup(ah_buf_str(&r.text));
    json_decref(doc);
    ah_config_report_done(&r);
    unlink(path);
    return n;
}

static void sound_file(void **state)
{
    char *out;

    (void)state;
    assert_int_equal(
        load("{\"channels\": [{\"name\": \"a\", \"escalations\": {\"rules\": [{\"name\": \"r\", "
             "\"levels\": [{\"members\": [\"alice\"]}]}]}}],"
             " \"members\": [{\"name\": \"alice\"}],"
             " \"integrations\": [{\"name\": \"i\", \"type\": \"standard\", \"key\": "
             "\"0123456789abcdef0123456789abcdef\", \"routes\": {\"cases\": [], \"default\": "
             "{\"channels\": [\"a\"]}}}]}",
             &out),
        0);
    assert_string_equal(out, "");
    free(out);
}

static void every_error_with_its_path(void **state)
{
    char *out;

    (void)state;
    assert_int_equal(load("{\"channels\": [{\"name\": \"a\", \"grouping\": {\"method\": \"x\"}, "
                          "\"silences\": [{\"filters\": []}]}, {\"name\": \"a\"}], \"x\": 1}",
                          &out),
                     5); /* the silence: no name, and its compile error */
    assert_non_null(strstr(out, "(top): unknown field \"x\""));
    assert_non_null(strstr(out, "channels[1]: repeats the name \"a\""));
    assert_non_null(strstr(out, "channels[0].grouping: "));
    assert_non_null(strstr(out, "channels[0].silences[0]: must be an object with a name"));
    free(out);
}

static void syntax_error_line_and_column(void **state)
{
    char *out;

    (void)state;
    assert_int_equal(load("{\"channels\": [\n  {\"name\": \"a\",}\n]}", &out), 1);
    assert_non_null(strstr(out, ":2:16: "));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sound_file),
        cmocka_unit_test(every_error_with_its_path),
        cmocka_unit_test(syntax_error_line_and_column),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
