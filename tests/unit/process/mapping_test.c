/* mapping_test.c - label-mapping tables (process/mapping.c): schema checks of
 * ah_mapping_new with their exact messages, CSV uploads (header in any
 * order, every refusal naming its line), lookups (found, not found, missing
 * or empty source labels, empty result cells, multi-column keys that must
 * not collide), re-uploads replacing the rows, lookups racing an upload,
 * and reference counting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "json_fixture.h"

#include "process/mapping.h"
#include "util/alloc.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* ---- helpers ---- */

/* A new table for @schema, which must be valid. */
static struct ah_mapping *table(int64_t id, const char *schema)
{
    struct ah_error err = {AH_OK, ""};
    struct ah_mapping *m = NULL;
    json_t *j = parse_json(schema);

    if (ah_mapping_new(id, j, &m, &err) != AH_OK)
        fail_msg("%s: %s", schema, err.msg);
    json_decref(j);
    assert_non_null(m);
    return m;
}

/* @schema (a JSON text, or NULL for no JSON at all) must be refused with
 * exactly @msg, leaving *ret untouched. */
static void refuse_new(const char *schema, const char *msg)
{
    struct ah_error err = {AH_OK, ""};
    struct ah_mapping *m = (struct ah_mapping *)&err; /* sentinel */
    json_t *j = schema ? parse_json(schema) : NULL;

    assert_int_equal(ah_mapping_new(1, j, &m, &err), AH_EINVAL);
    assert_int_equal(err.code, AH_EINVAL);
    assert_string_equal(err.msg, msg);
    assert_ptr_equal(m, (struct ah_mapping *)&err);
    /* no error structure at all: still refused */
    assert_int_equal(ah_mapping_new(1, j, &m, NULL), AH_EINVAL);
    assert_ptr_equal(m, (struct ah_mapping *)&err);
    json_decref(j);
}

static struct ah_mapping_rows *parse_ok(const struct ah_mapping *m, const char *csv)
{
    struct ah_error err = {AH_OK, ""};
    struct ah_mapping_rows *rows = NULL;

    if (ah_mapping_parse(m, csv, strlen(csv), &rows, &err) != AH_OK)
        fail_msg("csv refused: %s\n%s", err.msg, csv);
    assert_non_null(rows);
    return rows;
}

/* Parses @len bytes of @csv, which must be refused with exactly @msg. */
static void refuse_parse_n(const struct ah_mapping *m, const char *csv, size_t len, const char *msg)
{
    struct ah_error err = {AH_OK, ""};
    struct ah_mapping_rows *rows = NULL;

    assert_int_equal(ah_mapping_parse(m, csv, len, &rows, &err), AH_EINVAL);
    assert_int_equal(err.code, AH_EINVAL);
    assert_string_equal(err.msg, msg);
    assert_null(rows);
}

static void refuse_parse(const struct ah_mapping *m, const char *csv, const char *msg)
{
    refuse_parse_n(m, csv, strlen(csv), msg);
}

/* Parses @csv and makes it @m's rows; returns the row count. */
static size_t load(struct ah_mapping *m, const char *csv)
{
    struct ah_mapping_rows *rows = parse_ok(m, csv);
    size_t n = ah_mapping_rows_count(rows);

    ah_mapping_set_rows(m, rows);
    assert_int_equal(ah_mapping_rows(m), n);
    return n;
}

/* Looks up @labels (JSON object text) in @m; the result must equal @want (a
 * JSON object text), or be NULL when @want is NULL. */
static void expect(struct ah_mapping *m, const char *labels, const char *want)
{
    json_t *l = parse_json(labels);
    json_t *got = ah_mapping_lookup(m, l);

    if (want == NULL) {
        if (got != NULL) {
            char *s = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);

            fail_msg("lookup %s: want nothing, got %s", labels, s);
        }
    } else {
        json_t *w = parse_json(want);

        if (got == NULL)
            fail_msg("lookup %s: want %s, got nothing", labels, want);
        if (!json_equal(got, w)) {
            char *s = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);

            fail_msg("lookup %s: want %s, got %s", labels, want, s);
        }
        json_decref(w);
    }
    json_decref(got);
    json_decref(l);
}

#define HOST_SCHEMA "{\"source_labels\": [\"host\"], \"result_labels\": [\"owner\", \"team\"]}"

/* ---- ah_mapping_new ---- */

static void test_new_valid(void **state)
{
    struct ah_mapping *m;
    const json_t *res;

    (void)state;
    m = table(42, HOST_SCHEMA);
    assert_int_equal(ah_mapping_id(m), 42);
    res = ah_mapping_result_labels(m);
    assert_true(json_is_array(res));
    assert_int_equal(json_array_size(res), 2);
    assert_string_equal(json_string_value(json_array_get(res, 0)), "owner");
    assert_string_equal(json_string_value(json_array_get(res, 1)), "team");
    /* a new table has no rows and finds nothing */
    assert_int_equal(ah_mapping_rows(m), 0);
    expect(m, "{\"host\": \"db-1\"}", NULL);
    ah_mapping_unref(m);

    /* source labels are vendor label names: any non-empty name, not only
     * the rule-made ^[a-z][a-z0-9_]*$ form that result labels need */
    m = table(1, "{\"source_labels\": [\"Host Name\", \"1x\", \"a.b\"],"
                 " \"result_labels\": [\"o\", \"a_1\"]}");
    assert_int_equal(ah_mapping_rows(m), 0);
    ah_mapping_unref(m);

    /* the limits themselves are allowed: 5 source, 20 result columns, a
     * result name of 63 characters */
    m = table(2, "{\"source_labels\": [\"s1\", \"s2\", \"s3\", \"s4\", \"s5\"],"
                 " \"result_labels\": [\"r1\", \"r2\", \"r3\", \"r4\", \"r5\", \"r6\", \"r7\","
                 " \"r8\", \"r9\", \"r10\", \"r11\", \"r12\", \"r13\", \"r14\", \"r15\","
                 " \"r16\", \"r17\", \"r18\", \"r19\","
                 " \"r23456789012345678901234567890123456789012345678901234567890123\"]}");
    assert_int_equal(json_array_size(ah_mapping_result_labels(m)), AH_MAPPING_MAX_RESULT);
    ah_mapping_unref(m);
}

static void test_new_refuse_lists(void **state)
{
    (void)state;
    refuse_new(NULL, "source_labels must be an array of 1 to 5 label names");
    refuse_new("[]", "source_labels must be an array of 1 to 5 label names");
    refuse_new("{\"result_labels\": [\"owner\"]}",
               "source_labels must be an array of 1 to 5 label names");
    refuse_new("{\"source_labels\": [], \"result_labels\": [\"owner\"]}",
               "source_labels must be an array of 1 to 5 label names");
    refuse_new("{\"source_labels\": \"host\", \"result_labels\": [\"owner\"]}",
               "source_labels must be an array of 1 to 5 label names");
    refuse_new("{\"source_labels\": [\"host\"], \"result_labels\": []}",
               "result_labels must be an array of 1 to 20 label names");
    refuse_new("{\"source_labels\": [\"host\"]}",
               "result_labels must be an array of 1 to 20 label names");
    refuse_new("{\"source_labels\": [\"a\", \"b\", \"c\", \"d\", \"e\", \"f\"],"
               " \"result_labels\": [\"owner\"]}",
               "source_labels must be an array of 1 to 5 label names");
    refuse_new(
        "{\"source_labels\": [\"host\"], \"result_labels\": [\"r1\", \"r2\", \"r3\","
        " \"r4\", \"r5\", \"r6\", \"r7\", \"r8\", \"r9\", \"r10\", \"r11\", \"r12\", \"r13\","
        " \"r14\", \"r15\", \"r16\", \"r17\", \"r18\", \"r19\", \"r20\", \"r21\"]}",
        "result_labels must be an array of 1 to 20 label names");
}

static void test_new_refuse_names(void **state)
{
    char schema[512];

    (void)state;
    refuse_new("{\"source_labels\": [\"host\", \"\"], \"result_labels\": [\"owner\"]}",
               "source_labels[1] must be a label name");
    refuse_new("{\"source_labels\": [\"host\", 3], \"result_labels\": [\"owner\"]}",
               "source_labels[1] must be a label name");
    refuse_new("{\"source_labels\": [\"host\"], \"result_labels\": [\"owner\", null]}",
               "result_labels[1] must be a label name");
    refuse_new("{\"source_labels\": [\"host\"], \"result_labels\": [\"Owner\"]}",
               "result_labels[0] \"Owner\" must match ^[a-z][a-z0-9_]{0,62}$");
    refuse_new("{\"source_labels\": [\"host\"], \"result_labels\": [\"team\", \"1x\"]}",
               "result_labels[1] \"1x\" must match ^[a-z][a-z0-9_]{0,62}$");
    refuse_new("{\"source_labels\": [\"host\"], \"result_labels\": [\"owner-name\"]}",
               "result_labels[0] \"owner-name\" must match ^[a-z][a-z0-9_]{0,62}$");
    /* 64 characters: one too many for a result label */
    refuse_new(
        "{\"source_labels\": [\"host\"], \"result_labels\":"
        " [\"r234567890123456789012345678901234567890123456789012345678901234\"]}",
        "result_labels[0] \"r234567890123456789012345678901234567890123456789012345678901234\""
        " must match ^[a-z][a-z0-9_]{0,62}$");
    /* a source name longer than AH_MAX_LABEL_KEY (128) bytes */
    snprintf(schema, sizeof(schema),
             "{\"source_labels\": [\"%0129d\"], \"result_labels\": [\"owner\"]}", 0);
    refuse_new(schema, "source_labels[0] must be a label name");
}

static void test_new_refuse_duplicates(void **state)
{
    (void)state;
    refuse_new("{\"source_labels\": [\"host\", \"dc\", \"host\"], \"result_labels\": [\"owner\"]}",
               "source_labels names \"host\" twice");
    refuse_new(
        "{\"source_labels\": [\"host\"], \"result_labels\": [\"owner\", \"team\", \"owner\"]}",
        "result_labels names \"owner\" twice");
    refuse_new("{\"source_labels\": [\"dc\", \"owner\"], \"result_labels\": [\"team\", \"owner\"]}",
               "\"owner\" is both a source and a result label");
}

/* ---- ah_mapping_parse ---- */

static void test_parse_header_any_order(void **state)
{
    struct ah_mapping *m;

    (void)state;
    m = table(1, HOST_SCHEMA);
    /* columns in another order than the schema, a BOM and CRLF */
    assert_int_equal(load(m, "\xEF\xBB\xBFteam,host,owner\r\n"
                             "storage,db-1,alice\r\n"
                             "web,web-1,bob\r\n"),
                     2);
    expect(m, "{\"host\": \"db-1\"}", "{\"owner\": \"alice\", \"team\": \"storage\"}");
    expect(m, "{\"host\": \"web-1\"}", "{\"owner\": \"bob\", \"team\": \"web\"}");
    /* the source column in the middle, no final line break, blank lines */
    assert_int_equal(load(m, "owner,host,team\n\nalice,db-2,dba\n\ncarol,db-3,dba"), 2);
    expect(m, "{\"host\": \"db-2\"}", "{\"owner\": \"alice\", \"team\": \"dba\"}");
    expect(m, "{\"host\": \"db-3\"}", "{\"owner\": \"carol\", \"team\": \"dba\"}");
    /* a header alone is an empty table */
    assert_int_equal(load(m, "host,team,owner\n"), 0);
    expect(m, "{\"host\": \"db-2\"}", NULL);
    ah_mapping_unref(m);
}

static void test_parse_refuse_header(void **state)
{
    struct ah_mapping *m;

    (void)state;
    m = table(1, HOST_SCHEMA);
    refuse_parse(m, "host,owner\ndb-1,alice\n",
                 "line 1: the header must name result label \"team\" once");
    refuse_parse(m, "owner,team\nalice,storage\n",
                 "line 1: the header must name source label \"host\" once");
    refuse_parse(m, "host,owner,team,extra\ndb-1,alice,storage,x\n",
                 "line 1: the header has 4 columns; the schema has 3 labels");
    refuse_parse(m, "host,owner,team,host\n",
                 "line 1: the header must name source label \"host\" once");
    refuse_parse(m, "host,owner,team,team\n",
                 "line 1: the header must name result label \"team\" once");
    /* names are case-sensitive and not trimmed */
    refuse_parse(m, "Host,owner,team\n", "line 1: the header must name source label \"host\" once");
    refuse_parse(m, "host,owner , team\n",
                 "line 1: the header must name result label \"owner\" once");
    /* the header is the first non-empty line: its line number is given */
    refuse_parse(m, "\n\nhost,owner\n", "line 3: the header must name result label \"team\" once");
    /* a failed parse leaves the table as it was */
    assert_int_equal(ah_mapping_rows(m), 0);
    ah_mapping_unref(m);
}

static void test_parse_refuse_rows(void **state)
{
    struct ah_mapping *m;

    (void)state;
    m = table(1, HOST_SCHEMA);
    load(m, "host,owner,team\nold,zed,z\n");

    refuse_parse(m, "host,owner,team\ndb-1,alice,storage\ndb-2,bob\n",
                 "line 3: 2 fields where the header has 3");
    refuse_parse(m, "host,owner,team\ndb-1,alice,storage,extra\n",
                 "line 2: 4 fields where the header has 3");
    /* a line number counts physical lines: a quoted cell over two lines */
    refuse_parse(m, "host,owner,team\n\"db\n1\",alice,storage\n\ndb-2,bob\n",
                 "line 5: 2 fields where the header has 3");
    refuse_parse(m, "host,owner,team\ndb-1,alice,storage\ndb-2,bob,web\ndb-1,carol,dba\n",
                 "line 4: these source values appear twice");
    /* not UTF-8: a lone continuation byte, an overlong form, a surrogate */
    refuse_parse(m, "host,owner,team\ndb-1,alice,storage\ndb-2,b\x80ob,web\n",
                 "line 3: field 2 is not UTF-8");
    refuse_parse(m, "host,owner,team\n\xC0\xAF,alice,storage\n", "line 2: field 1 is not UTF-8");
    refuse_parse(m, "host,owner,team\ndb-1,alice,\xED\xA0\x80\n", "line 2: field 3 is not UTF-8");
    /* the CSV reader's own refusals pass through with their line */
    refuse_parse(m, "host,owner,team\ndb-1,\"alice,storage\n", "line 2: unterminated quoted field");
    /* empty */
    refuse_parse(m, "", "the CSV is empty: it needs at least a header row");
    refuse_parse(m, "\n\r\n\n", "the CSV is empty: it needs at least a header row");
    refuse_parse_n(m, "host,owner,team", 0, "the CSV is empty: it needs at least a header row");
    /* the length bounds the text: a header cut short is a bad header */
    refuse_parse_n(m, "host,owner,team", 10,
                   "line 1: the header must name result label \"team\" once");

    /* none of these touched the rows in place */
    assert_int_equal(ah_mapping_rows(m), 1);
    expect(m, "{\"host\": \"old\"}", "{\"owner\": \"zed\", \"team\": \"z\"}");
    expect(m, "{\"host\": \"db-1\"}", NULL);
    ah_mapping_unref(m);
}

static void test_parse_good_utf8(void **state)
{
    struct ah_mapping *m;

    (void)state;
    m = table(1, HOST_SCHEMA);
    assert_int_equal(load(m, "host,owner,team\n東京-1,José,🚀 ops\n"), 1);
    expect(m, "{\"host\": \"東京-1\"}", "{\"owner\": \"José\", \"team\": \"🚀 ops\"}");
    ah_mapping_unref(m);
}

/* Rows parsed but never installed are freed by ah_mapping_rows_free. */
static void test_rows_free(void **state)
{
    struct ah_mapping *m;
    struct ah_mapping_rows *rows;

    (void)state;
    m = table(1, HOST_SCHEMA);
    rows = parse_ok(m, "host,owner,team\ndb-1,alice,storage\ndb-2,bob,web\n");
    assert_int_equal(ah_mapping_rows_count(rows), 2);
    ah_mapping_rows_free(rows);
    ah_mapping_rows_free(NULL);
    assert_int_equal(ah_mapping_rows(m), 0);
    expect(m, "{\"host\": \"db-1\"}", NULL);
    ah_mapping_unref(m);
}

/* ---- lookups ---- */

static void test_lookup(void **state)
{
    struct ah_mapping *m;

    (void)state;
    m = table(1, HOST_SCHEMA);
    assert_int_equal(load(m, "host,owner,team\n"
                             "db-1,alice,storage\n"
                             "db-2,,storage\n"
                             "db-3,,\n"
                             ",nobody,void\n"
                             " db-4 ,dan,web\n"),
                     5);
    /* found; other labels of the event do not matter */
    expect(m, "{\"host\": \"db-1\", \"team\": \"other\", \"x\": \"y\"}",
           "{\"owner\": \"alice\", \"team\": \"storage\"}");
    /* an empty result cell is left out; all empty gives an empty object */
    expect(m, "{\"host\": \"db-2\"}", "{\"team\": \"storage\"}");
    expect(m, "{\"host\": \"db-3\"}", "{}");
    /* not found: other value, case differs, spaces matter */
    expect(m, "{\"host\": \"db-9\"}", NULL);
    expect(m, "{\"host\": \"DB-1\"}", NULL);
    expect(m, "{\"host\": \"db-4\"}", NULL);
    expect(m, "{\"host\": \" db-4 \"}", "{\"owner\": \"dan\", \"team\": \"web\"}");
    /* the source label missing, empty, or not a string: nothing, even
     * though a row with an empty source cell exists */
    expect(m, "{}", NULL);
    expect(m, "{\"hostname\": \"db-1\"}", NULL);
    expect(m, "{\"host\": \"\"}", NULL);
    expect(m, "{\"host\": 1}", NULL);
    assert_null(ah_mapping_lookup(m, NULL));
    ah_mapping_unref(m);
}

/* Several source columns: the key is the whole tuple, and no separator in
 * a value can make two different tuples meet. */
static void test_lookup_multi_column(void **state)
{
    struct ah_mapping *m;

    (void)state;
    m = table(1, "{\"source_labels\": [\"a\", \"b\"], \"result_labels\": [\"r\"]}");
    assert_int_equal(load(m, "b,r,a\n"
                             "c,first,\"a,b\"\n"
                             "\"b,c\",second,a\n"
                             "b,third,a\n"
                             "\";b\",fourth,\"1:a\"\n"
                             "b,fifth,\"1:a;\"\n"
                             "\"1:b;\",sixth,a\n"
                             "\";1:b;\",seventh,a\n"
                             "\"\"\"q\"\"\",eighth,\"x\n"
                             "y\"\n"),
                     8);
    expect(m, "{\"a\": \"a,b\", \"b\": \"c\"}", "{\"r\": \"first\"}");
    expect(m, "{\"a\": \"a\", \"b\": \"b,c\"}", "{\"r\": \"second\"}");
    expect(m, "{\"a\": \"a\", \"b\": \"b\"}", "{\"r\": \"third\"}");
    expect(m, "{\"a\": \"1:a\", \"b\": \";b\"}", "{\"r\": \"fourth\"}");
    expect(m, "{\"a\": \"1:a;\", \"b\": \"b\"}", "{\"r\": \"fifth\"}");
    expect(m, "{\"a\": \"a\", \"b\": \"1:b;\"}", "{\"r\": \"sixth\"}");
    expect(m, "{\"a\": \"a\", \"b\": \";1:b;\"}", "{\"r\": \"seventh\"}");
    expect(m, "{\"a\": \"x\\ny\", \"b\": \"\\\"q\\\"\"}", "{\"r\": \"eighth\"}");
    /* near misses */
    expect(m, "{\"a\": \"a,b,c\", \"b\": \"\"}", NULL);
    expect(m, "{\"a\": \"a\", \"b\": \"b;\"}", NULL);
    expect(m, "{\"a\": \"b\", \"b\": \"a\"}", NULL);
    expect(m, "{\"a\": \"a,b\"}", NULL);
    expect(m, "{\"b\": \"b\"}", NULL);
    expect(m, "{\"a\": \"a\", \"b\": \"\"}", NULL);
    ah_mapping_unref(m);

    /* the same tuple twice is still a duplicate, whatever the quoting */
    m = table(1, "{\"source_labels\": [\"a\", \"b\"], \"result_labels\": [\"r\"]}");
    refuse_parse(m, "a,b,r\nx,\"y,z\",1\n\"x,y\",z,2\n\"x\",\"y,z\",3\n",
                 "line 4: these source values appear twice");
    ah_mapping_unref(m);
}

/* A re-upload replaces every row: nothing of the old table remains. */
static void test_reupload_replaces(void **state)
{
    struct ah_mapping *m;

    (void)state;
    m = table(1, HOST_SCHEMA);
    assert_int_equal(load(m, "host,owner,team\ndb-1,alice,storage\ndb-2,bob,web\n"), 2);
    expect(m, "{\"host\": \"db-2\"}", "{\"owner\": \"bob\", \"team\": \"web\"}");
    assert_int_equal(load(m, "team,owner,host\ndba,carol,db-1\nops,dave,db-3\nops,erin,db-4\n"), 3);
    expect(m, "{\"host\": \"db-1\"}", "{\"owner\": \"carol\", \"team\": \"dba\"}");
    expect(m, "{\"host\": \"db-2\"}", NULL);
    expect(m, "{\"host\": \"db-3\"}", "{\"owner\": \"dave\", \"team\": \"ops\"}");
    /* an upload of the header alone empties the table */
    assert_int_equal(load(m, "host,owner,team"), 0);
    expect(m, "{\"host\": \"db-1\"}", NULL);
    expect(m, "{\"host\": \"db-3\"}", NULL);
    ah_mapping_unref(m);
}

/* A reference keeps the table alive after the creator's unref;
 * LeakSanitizer checks that the last unref frees everything. */
static void test_refcount(void **state)
{
    struct ah_mapping *m, *r;

    (void)state;
    m = table(5, HOST_SCHEMA);
    load(m, "host,owner,team\ndb-1,alice,storage\n");
    r = ah_mapping_ref(m);
    assert_ptr_equal(r, m);
    assert_ptr_equal(ah_mapping_ref(m), m);
    ah_mapping_unref(m);
    ah_mapping_unref(m);
    /* one reference left: still whole */
    assert_int_equal(ah_mapping_id(r), 5);
    assert_int_equal(ah_mapping_rows(r), 1);
    expect(r, "{\"host\": \"db-1\"}", "{\"owner\": \"alice\", \"team\": \"storage\"}");
    load(r, "host,owner,team\ndb-2,bob,web\n");
    ah_mapping_unref(r);
    ah_mapping_unref(NULL);
}

/* ---- lookups during uploads ---- */

struct race {
    struct ah_mapping *m;
    int stop;
    pthread_mutex_t lock;
};

/* No cmocka assertion here: they may only run on the test's own thread. */
static void *uploader(void *arg)
{
    struct race *r = arg;
    int i;

    for (i = 0; i < 400; i++) {
        /* two whole versions: every row of one version agrees */
        const char *csv = i % 2 ? "host,owner,team\ndb-1,v1,v1\ndb-2,v1,v1\n"
                                : "host,owner,team\ndb-1,v2,v2\ndb-2,v2,v2\n";
        struct ah_mapping_rows *rows = NULL;

        if (ah_mapping_parse(r->m, csv, strlen(csv), &rows, NULL) == AH_OK)
            ah_mapping_set_rows(r->m, rows);
    }
    pthread_mutex_lock(&r->lock);
    r->stop = 1;
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

static void test_lookup_during_upload(void **state)
{
    struct race r = {.stop = 0};
    json_t *labels = json_pack("{ss}", "host", "db-1");
    pthread_t t;
    size_t seen = 0;
    int stop = 0;

    (void)state;
    r.m = table(1, HOST_SCHEMA);
    pthread_mutex_init(&r.lock, NULL);
    load(r.m, "host,owner,team\ndb-1,v0,v0\n");
    assert_int_equal(pthread_create(&t, NULL, uploader, &r), 0);
    while (!stop) {
        json_t *got = ah_mapping_lookup(r.m, labels);
        const char *o, *tm;

        assert_non_null(got); /* db-1 is in every version */
        o = json_string_value(json_object_get(got, "owner"));
        tm = json_string_value(json_object_get(got, "team"));
        assert_non_null(o);
        assert_non_null(tm);
        assert_string_equal(o, tm); /* never a mix of two versions */
        json_decref(got);
        seen++;
        pthread_mutex_lock(&r.lock);
        stop = r.stop;
        pthread_mutex_unlock(&r.lock);
    }
    pthread_join(t, NULL);
    assert_true(seen > 0);
    /* the last upload (i = 399) was version 1 */
    expect(r.m, "{\"host\": \"db-2\"}", "{\"owner\": \"v1\", \"team\": \"v1\"}");
    pthread_mutex_destroy(&r.lock);
    json_decref(labels);
    ah_mapping_unref(r.m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_valid),
        cmocka_unit_test(test_new_refuse_lists),
        cmocka_unit_test(test_new_refuse_names),
        cmocka_unit_test(test_new_refuse_duplicates),
        cmocka_unit_test(test_parse_header_any_order),
        cmocka_unit_test(test_parse_refuse_header),
        cmocka_unit_test(test_parse_refuse_rows),
        cmocka_unit_test(test_parse_good_utf8),
        cmocka_unit_test(test_rows_free),
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_lookup_multi_column),
        cmocka_unit_test(test_reupload_replaces),
        cmocka_unit_test(test_refcount),
        cmocka_unit_test(test_lookup_during_upload),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
