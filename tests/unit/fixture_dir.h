/* fixture_dir.h - data-driven adapter tests: a folder of NAME.json inputs,
 * each with NAME.expected.json beside it, and bad-NAME.json inputs that must
 * be refused. A new case is a new pair of files, not new C. Include after
 * <cmocka.h>. */
#ifndef AH_TEST_FIXTURE_DIR_H
#define AH_TEST_FIXTURE_DIR_H

#include "model/event.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"

#include <dirent.h>
#include <jansson.h>
#include <string.h>

#define FIXTURE_EXPECTED ".expected.json"

static int fixture_has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Parses @dir/@stem@suffix; NULL when it is missing or not JSON. */
static json_t *fixture_load(const char *dir, const char *stem, const char *suffix)
{
    struct ah_buf path;
    json_t *j;

    ah_buf_init(&path);
    ah_buf_printf(&path, "%s/%s%s", dir, stem, suffix);
    j = json_load_file(ah_buf_str(&path), 0, NULL);
    ah_buf_done(&path);
    return j;
}

/* Calls @good for every NAME.json (failing when NAME.expected.json is
 * missing) and @bad for every bad-NAME.json in @dir; returns how many. */
static size_t fixture_walk(const char *dir, void (*good)(const char *stem),
                           void (*bad)(const char *stem))
{
    struct dirent *e;
    size_t n = 0;
    DIR *d = opendir(dir);

    assert_non_null(d);
    for (e = readdir(d); e != NULL; e = readdir(d)) {
        char *stem;
        json_t *want;

        if (!fixture_has_suffix(e->d_name, ".json") ||
            fixture_has_suffix(e->d_name, FIXTURE_EXPECTED))
            continue;
        stem = ah_xstrndup(e->d_name, strlen(e->d_name) - strlen(".json"));
        if (strncmp(stem, "bad-", 4) == 0) {
            bad(stem);
        } else {
            want = fixture_load(dir, stem, FIXTURE_EXPECTED);
            if (want == NULL)
                fail_msg("fixture %s has no %s%s", e->d_name, stem, FIXTURE_EXPECTED);
            json_decref(want);
            good(stem);
        }
        ah_free(stem);
        n++;
    }
    closedir(d);
    return n;
}

/* The adapter under test (@body -> @out), and the check of one event it
 * made against that event's entry in NAME.expected.json. */
typedef int (*fixture_run_fn)(const json_t *body, struct ah_event_list *out, struct ah_error *err);
typedef void (*fixture_check_fn)(const struct ah_event *ev, const json_t *want);

/* A good fixture: accepted, with as many events as expected, each passing
 * @check against its expected entry. */
static void fixture_check_good(const char *dir, const char *stem, fixture_run_fn run,
                               fixture_check_fn check)
{
    json_t *body = fixture_load(dir, stem, ".json");
    json_t *want = fixture_load(dir, stem, FIXTURE_EXPECTED);
    struct ah_event_list out;
    struct ah_error err;
    size_t i;

    print_message("fixture %s\n", stem);
    assert_non_null(body);
    assert_true(json_is_array(want));
    if (run(body, &out, &err) != AH_OK)
        fail_msg("fixture %s refused: %s", stem, err.msg);
    assert_int_equal(out.count, json_array_size(want));
    for (i = 0; i < out.count; i++)
        check(&out.items[i], json_array_get(want, i));
    ah_event_list_done(&out);
    json_decref(body);
    json_decref(want);
}

/* A bad fixture. Truncated JSON never reaches an adapter (the HTTP layer
 * answers InvalidParameter); anything that parses must be refused with
 * AH_EINVAL and a message. */
static void fixture_check_bad(const char *dir, const char *stem, fixture_run_fn run)
{
    json_t *body = fixture_load(dir, stem, ".json");
    struct ah_event_list out;
    struct ah_error err;

    print_message("fixture %s (bad)\n", stem);
    if (body == NULL)
        return;
    assert_int_equal(run(body, &out, &err), AH_EINVAL);
    assert_true(err.msg[0] != '\0');
    ah_event_list_done(&out);
    json_decref(body);
}

#endif
