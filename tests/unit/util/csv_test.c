/* csv_test.c - the RFC 4180 reader (util/csv.c) behind label-mapping table
 * uploads. Each record is rendered as "LINE:[f1][f2]...\n" so that one
 * string comparison checks line numbers, field counts and field values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <string.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "util/csv.h"

struct collect {
    struct ah_buf out; /* the rendered records */
    size_t stop_at;    /* refuse the record with this number (1-based); 0 never */
    size_t seen;
};

static int collect_record(void *ctx, size_t line, char **fields, size_t n, struct ah_error *reterr)
{
    struct collect *c = ctx;
    size_t i;

    c->seen++;
    if (c->seen == c->stop_at)
        return ah_error_set(reterr, AH_ELIMIT, "stopped at line %zu", line);
    ah_buf_printf(&c->out, "%zu:", line);
    for (i = 0; i < n; i++)
        ah_buf_printf(&c->out, "[%s]", fields[i]);
    ah_buf_puts(&c->out, "\n");
    return AH_OK;
}

/* Parses @len bytes of @text; returns the rendered records (free with
 * ah_free) and stores the result code in @rc. */
static char *parse_n(const char *text, size_t len, size_t max_fields, size_t stop_at, int *rc,
                     struct ah_error *err)
{
    struct collect c = {.stop_at = stop_at};

    ah_buf_init(&c.out);
    ah_error_clear(err);
    *rc = ah_csv_parse(text, len, max_fields, collect_record, &c, err);
    return ah_buf_steal(&c.out);
}

/* Parses @text, which must succeed, and checks the rendered records. */
static void expect_records(const char *text, const char *want)
{
    struct ah_error err;
    int rc;
    char *got = parse_n(text, strlen(text), 16, 0, &rc, &err);

    assert_int_equal(rc, AH_OK);
    assert_string_equal(got, want);
    ah_free(got);
}

/* Parses @len bytes of @text, which must be refused with @msg after the
 * records @want were delivered. */
static void expect_refusal_n(const char *text, size_t len, size_t max_fields, const char *msg,
                             const char *want)
{
    struct ah_error err;
    int rc;
    char *got = parse_n(text, len, max_fields, 0, &rc, &err);

    assert_int_equal(rc, AH_EINVAL);
    assert_int_equal(err.code, AH_EINVAL);
    assert_string_equal(err.msg, msg);
    assert_string_equal(got, want);
    ah_free(got);
}

static void expect_refusal(const char *text, size_t max_fields, const char *msg, const char *want)
{
    expect_refusal_n(text, strlen(text), max_fields, msg, want);
}

static void simple_records(void **state)
{
    (void)state;
    expect_records("a,b,c\nd,e,f\n", "1:[a][b][c]\n2:[d][e][f]\n");
    expect_records("severity,level\n", "1:[severity][level]\n");
    expect_records("single\n", "1:[single]\n");
    expect_records("进房,失败\n", "1:[进房][失败]\n");
}

static void crlf_and_lf(void **state)
{
    (void)state;
    expect_records("a,b\r\nc,d\ne,f\r\n", "1:[a][b]\n2:[c][d]\n3:[e][f]\n");
    expect_records("a,b\r\nc,d\r\n", "1:[a][b]\n2:[c][d]\n");
    /* A CR not followed by LF is data, not a line end. */
    expect_records("a\rb,c\n", "1:[a\rb][c]\n");
}

static void quoted_comma(void **state)
{
    (void)state;
    expect_records("\"a,b\",c\n", "1:[a,b][c]\n");
    expect_records("x,\"1,2,3\"\n", "1:[x][1,2,3]\n");
    expect_records("\"\",x\n", "1:[][x]\n");
}

static void quoted_newline(void **state)
{
    (void)state;
    /* The record after a field spanning two lines starts on line 3. */
    expect_records("\"x\ny\",z\nnext\n", "1:[x\ny][z]\n3:[next]\n");
    expect_records("\"x\r\ny\"\r\nnext\r\n", "1:[x\r\ny]\n3:[next]\n");
    expect_records("a\n\"1\n2\n3\"\nb\n", "1:[a]\n2:[1\n2\n3]\n5:[b]\n");
}

static void doubled_quotes(void **state)
{
    (void)state;
    expect_records("\"say \"\"hi\"\"\",\"\"\"\"\n", "1:[say \"hi\"][\"]\n");
    expect_records("\"\"\"\"\"\"\n", "1:[\"\"]\n");
}

static void bom_skipped(void **state)
{
    (void)state;
    expect_records("\xEF\xBB\xBFkey,value\n", "1:[key][value]\n");
    expect_records("\xEF\xBB\xBF", "");
    /* Only at the start: elsewhere the same bytes are data. */
    expect_records("a,\xEF\xBB\xBF"
                   "b\n",
                   "1:[a][\xEF\xBB\xBF"
                   "b]\n");
}

static void empty_lines_skipped(void **state)
{
    struct ah_error err;
    int rc;
    char *got;

    (void)state;
    expect_records("\n\na\n\r\n\nb\n\n", "3:[a]\n6:[b]\n");
    expect_records("", "");
    expect_records("\n\r\n", "");
    got = parse_n(NULL, 0, 4, 0, &rc, &err);
    assert_int_equal(rc, AH_OK);
    assert_string_equal(got, "");
    ah_free(got);
}

static void no_final_newline(void **state)
{
    (void)state;
    expect_records("a,b\nc,d", "1:[a][b]\n2:[c][d]\n");
    expect_records("\"q\"", "1:[q]\n");
    expect_records("a,", "1:[a][]\n");
}

static void empty_fields_and_spaces(void **state)
{
    (void)state;
    expect_records(",,\n", "1:[][][]\n");
    expect_records("a,,c\n", "1:[a][][c]\n");
    expect_records("a,\n", "1:[a][]\n");
    expect_records(" \n", "1:[ ]\n");
    expect_records(" a , b \n", "1:[ a ][ b ]\n");
}

static void refusals(void **state)
{
    static const char nul_plain[] = "a\nb\0c\n";
    static const char nul_quoted[] = "\"x\ny\0\"\n";

    (void)state;
    expect_refusal("ok\nab\"c\n", 16, "line 2: quote inside an unquoted field", "1:[ok]\n");
    expect_refusal("a\nb\n\"x\"y\n", 16, "line 3: text after a closing quote", "1:[a]\n2:[b]\n");
    expect_refusal("\"x\" ,y\n", 16, "line 1: text after a closing quote", "");
    /* Reported where the quote opens, not at the end of input. */
    expect_refusal("a\n\"x\ny\nz", 16, "line 2: unterminated quoted field", "1:[a]\n");
    expect_refusal("\"", 16, "line 1: unterminated quoted field", "");
    expect_refusal_n(nul_plain, sizeof(nul_plain) - 1, 16, "line 2: NUL byte", "1:[a]\n");
    expect_refusal_n(nul_quoted, sizeof(nul_quoted) - 1, 16, "line 2: NUL byte", "");
}

static void callback_stops(void **state)
{
    const char *text = "a\nb\nc\n";
    struct ah_error err;
    int rc;
    char *got;

    (void)state;
    got = parse_n(text, strlen(text), 16, 2, &rc, &err);
    assert_int_equal(rc, AH_ELIMIT);
    assert_int_equal(err.code, AH_ELIMIT);
    assert_string_equal(err.msg, "stopped at line 2");
    assert_string_equal(got, "1:[a]\n"); /* the third record is never read */
    ah_free(got);
}

static void max_fields_limit(void **state)
{
    struct ah_error err;
    int rc;
    char *got;

    (void)state;
    got = parse_n("a,b,c\n", 6, 3, 0, &rc, &err);
    assert_int_equal(rc, AH_OK);
    assert_string_equal(got, "1:[a][b][c]\n");
    ah_free(got);
    /* The line is where the record starts, even if the extra field is later. */
    expect_refusal("a,b,c\n\"x\ny\",b,c,d\n", 3, "line 2: record has more than 3 fields",
                   "1:[a][b][c]\n");
    expect_refusal("a,b,", 2, "line 1: record has more than 2 fields", "");
    expect_refusal("a\n", 0, "line 1: record has more than 0 fields", "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(simple_records),
        cmocka_unit_test(crlf_and_lf),
        cmocka_unit_test(quoted_comma),
        cmocka_unit_test(quoted_newline),
        cmocka_unit_test(doubled_quotes),
        cmocka_unit_test(bom_skipped),
        cmocka_unit_test(empty_lines_skipped),
        cmocka_unit_test(no_final_newline),
        cmocka_unit_test(empty_fields_and_spaces),
        cmocka_unit_test(refusals),
        cmocka_unit_test(callback_stops),
        cmocka_unit_test(max_fields_limit),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
