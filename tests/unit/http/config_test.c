/* config_test.c - reading and checking a configuration file without a
 * server (http/config.c): a sound file, every error of a bad one with its
 * JSON path, a syntax error with its line and column, and names translated
 * into ids; YAML (config_yaml.c): scalars and nesting into the JSON tree,
 * what is refused, and the positions of errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/config_walk.h"

/* Writes @text to a new temporary file named *@suffix ("" or ".yaml") in
 * @path. */
static void write_temp(char *path, const char *suffix, const char *text)
{
    int fd = mkstemps(path, (int)strlen(suffix));

    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

/* Loads @text from a temporary file ending in @suffix; returns the number
 * of errors and leaves the report's text in @out (freed by the caller). */
static size_t load_as(const char *suffix, const char *text, char **out)
{
    char path[64];
    struct ah_config_report r;
    json_t *doc = NULL;
    size_t n;

    snprintf(path, sizeof(path), "/tmp/ah-config-test.XXXXXX%s", suffix);
    write_temp(path, suffix, text);
    ah_config_report_init(&r, path);
    (void)ah_config_load(&r, NULL, &doc);
    n = r.errors;
    *out = strdup(ah_buf_str(&r.text));
    json_decref(doc);
    ah_config_report_done(&r);
    unlink(path);
    return n;
}

static size_t load(const char *text, char **out)
{
    return load_as("", text, out);
}

/* Parses @yaml (no checks) and compares it with the JSON @expected. */
static void parses_to(const char *yaml, const char *expected)
{
    char path[] = "/tmp/ah-config-test.XXXXXX.yaml";
    struct ah_config_report r;
    json_t *doc = NULL, *want = json_loads(expected, JSON_DECODE_ANY, NULL);

    assert_non_null(want);
    write_temp(path, ".yaml", yaml);
    ah_config_report_init(&r, path);
    assert_int_equal(ah_config_parse(&r, &doc), AH_OK);
    if (!json_equal(doc, want)) {
        char *got = json_dumps(doc, JSON_SORT_KEYS);

        fail_msg("%s parses to %s, not %s", yaml, got, expected);
    }
    json_decref(doc);
    json_decref(want);
    ah_config_report_done(&r);
    unlink(path);
}

static void yaml_scalars(void **state)
{
    (void)state;
    parses_to("a: 1\nb: -12\nc: 0x1f\nd: 0o17\ne: 1.5\nf: -2e3\ng: .5\n",
              "{\"a\": 1, \"b\": -12, \"c\": 31, \"d\": 15, \"e\": 1.5, \"f\": -2000.0, "
              "\"g\": 0.5}");
    parses_to("a: true\nb: False\nc: null\nd: ~\ne:\nf: yes\ng: off\n",
              "{\"a\": true, \"b\": false, \"c\": null, \"d\": null, \"e\": null, "
              "\"f\": \"yes\", \"g\": \"off\"}");
    parses_to("a: '1'\nb: \"true\"\nc: !!str 2\nd: 09:00\ne: 1.2.3\nf: |\n  x\n  y\n",
              "{\"a\": \"1\", \"b\": \"true\", \"c\": \"2\", \"d\": \"09:00\", "
              "\"e\": \"1.2.3\", \"f\": \"x\\ny\\n\"}");
    parses_to("1: a\nnull: b\n", "{\"1\": \"a\", \"null\": \"b\"}"); /* keys as written */
}

static void yaml_nesting(void **state)
{
    (void)state;
    parses_to(
        "channels:\n  - name: a\n    silences:\n      - {name: s, vals: [x, 2]}\n  - name: b\n"
        "members: []\n",
        "{\"channels\": [{\"name\": \"a\", \"silences\": [{\"name\": \"s\", "
        "\"vals\": [\"x\", 2]}]}, {\"name\": \"b\"}], \"members\": []}");
    parses_to("[[1, [2]], {}]\n", "[[1, [2]], {}]");
    parses_to("", "null");
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

/* Each refused file, with its one error (position and message). */
static void yaml_refusals(void **state)
{
    static const struct {
        const char *text, *error;
    } cases[] = {
        {"members: []\nchannels: []\nmembers: []\n", ":3:1: duplicate key \"members\""},
        {"a: &x [1]\nb: *x\n", ":1:4: anchors and aliases are not allowed"},
        {"a: !!binary aGk=\n", ":1:4: tag \"tag:yaml.org,2002:binary\" is not allowed"},
        {"a: !local x\n", ":1:4: tag \"!local\" is not allowed"},
        {"a: 99999999999999999999\n", ":1:4: integer \"99999999999999999999\" is out of range"},
        {"a: 1\n---\nb: 2\n", ":2:1: a file holds one document"},
        {"? [1]\n: x\n", ":1:3: a key must be a string"},
        {"channels:\n  - name: [\n", ":3:1: did not find expected node content"},
    };
    size_t i;
    char *out;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(load_as(".yaml", cases[i].text, &out), 1);
        if (strstr(out, cases[i].error) == NULL)
            fail_msg("%s: %s, not %s", cases[i].text, out, cases[i].error);
        free(out);
    }
}

static void positions(void **state)
{
    char *out;

    (void)state;
    assert_int_equal(load_as(".yaml",
                             "# a comment\n"
                             "channels:\n"
                             "  - name: a\n"
                             "  - name: b\n"
                             "    silences:\n"
                             "      - name: s\n"
                             "        filters: []\n"
                             "    grouping: {method: x}\n"
                             "colour: 1\n",
                             &out),
                     3);
    assert_non_null(strstr(out, ":2:1: (top): unknown field \"colour\""));
    assert_non_null(strstr(out, ":6:9: channels[1].silences[0]: "));
    assert_non_null(strstr(out, ":8:15: channels[1].grouping: method must be"));
    free(out);
    /* JSON: the same positions through libyaml. */
    assert_int_equal(load("{\"channels\": [\n {\"name\": \"a\"},\n {\"name\": \"b\", \"grouping\": "
                          "{\"method\": \"x\"}}]}",
                          &out),
                     1);
    assert_non_null(strstr(out, ":3:28: channels[1].grouping: method must be"));
    free(out);
    /* A name that no object declares: reported where the list is. */
    assert_int_equal(load_as(".yaml",
                             "teams:\n"
                             "  - name: t\n"
                             "    members: 3\n",
                             &out),
                     1);
    assert_non_null(strstr(out, ":3:14: teams[0].members: must be an array of names"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sound_file),
        cmocka_unit_test(every_error_with_its_path),
        cmocka_unit_test(syntax_error_line_and_column),
        cmocka_unit_test(yaml_scalars),
        cmocka_unit_test(yaml_nesting),
        cmocka_unit_test(yaml_refusals),
        cmocka_unit_test(positions),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
