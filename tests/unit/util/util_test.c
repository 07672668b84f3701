/* util_test.c - the small utilities under src/util/: SHA-256 (NIST
 * vectors), the string-keyed hash map, time parsing, UTF-8 truncation,
 * constant-time secret comparison and the growable buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/hex.h"
#include "util/map.h"
#include "util/sha256.h"
#include "util/sources.h"
#include "util/text.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ================= SHA-256 ================= */

static void digest_hex(const void *p, size_t n, char out[65])
{
    unsigned char d[AH_SHA256_LEN];

    ah_sha256(p, n, d);
    ah_hex_encode(d, sizeof(d), out);
}

/* FIPS 180-4 / NIST CSRC example vectors. */
static void sha256_nist_vectors(void **state)
{
    static const struct {
        const char *msg, *hex;
    } v[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
        {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopq"
         "rlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
    };
    char hex[65];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        digest_hex(v[i].msg, strlen(v[i].msg), hex);
        assert_string_equal(hex, v[i].hex);
        ah_sha256_hex(v[i].msg, hex);
        assert_string_equal(hex, v[i].hex);
    }
}

/* One million 'a', fed in uneven chunks that straddle block boundaries. */
static void sha256_million_a_in_chunks(void **state)
{
    static const size_t chunks[] = {1, 63, 64, 65, 7, 128, 55, 56, 1000, 3, 4096, 9};
    char *a = ah_xmalloc(1000000);
    unsigned char d[AH_SHA256_LEN];
    struct ah_sha256 c;
    size_t off = 0, k = 0;
    char hex[65];

    (void)state;
    memset(a, 'a', 1000000);
    ah_sha256_init(&c);
    while (off < 1000000) {
        size_t n = chunks[k++ % (sizeof(chunks) / sizeof(chunks[0]))];

        if (n > 1000000 - off)
            n = 1000000 - off;
        ah_sha256_update(&c, a + off, n);
        off += n;
    }
    ah_sha256_final(&c, d);
    ah_hex_encode(d, sizeof(d), hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    /* The one-shot call agrees. */
    digest_hex(a, 1000000, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    ah_free(a);
}

/* Byte-at-a-time and one-shot agree for every length around the padding
 * boundaries (55, 56, 63, 64, ...), and different inputs differ. */
static void sha256_streaming_matches_one_shot(void **state)
{
    unsigned char msg[200], d1[AH_SHA256_LEN], d2[AH_SHA256_LEN], prev[AH_SHA256_LEN];
    size_t n, i;

    (void)state;
    for (i = 0; i < sizeof(msg); i++)
        msg[i] = (unsigned char)(i * 31 + 7);
    for (n = 0; n <= sizeof(msg); n++) {
        struct ah_sha256 c;

        ah_sha256(msg, n, d1);
        ah_sha256_init(&c);
        for (i = 0; i < n; i++)
            ah_sha256_update(&c, msg + i, 1);
        ah_sha256_final(&c, d2);
        assert_memory_equal(d1, d2, AH_SHA256_LEN);
        if (n > 0)
            assert_memory_not_equal(d1, prev, AH_SHA256_LEN);
        memcpy(prev, d1, AH_SHA256_LEN);
    }
}

/* ================= ah_map ================= */

static void map_basics(void **state)
{
    struct ah_map *m = ah_map_new();
    int a = 1, b = 2, c = 3;
    char key[8] = "alpha";

    (void)state;
    assert_int_equal(ah_map_count(m), 0);
    assert_null(ah_map_find(m, "alpha"));
    assert_null(ah_map_remove(m, "alpha"));
    ah_map_put(m, key, &a);
    key[0] = 'X'; /* the map keeps its own copy of the key */
    assert_ptr_equal(ah_map_find(m, "alpha"), &a);
    assert_null(ah_map_find(m, "Xlpha"));
    ah_map_put(m, "beta", &b);
    assert_int_equal(ah_map_count(m), 2);
    ah_map_put(m, "alpha", &c); /* replace */
    assert_int_equal(ah_map_count(m), 2);
    assert_ptr_equal(ah_map_find(m, "alpha"), &c);
    ah_map_put(m, "", &a); /* the empty key is a key */
    assert_ptr_equal(ah_map_find(m, ""), &a);
    assert_ptr_equal(ah_map_remove(m, "alpha"), &c);
    assert_null(ah_map_find(m, "alpha"));
    assert_null(ah_map_remove(m, "alpha"));
    assert_ptr_equal(ah_map_find(m, "beta"), &b);
    assert_int_equal(ah_map_count(m), 2);
    ah_map_free(m);
    ah_map_free(NULL);
}

static void count_entries(const char *key, void *value, void *arg)
{
    size_t *n = arg;

    /* Values are the key's number + 1, as put below. */
    assert_int_equal((uintptr_t)value, (uintptr_t)strtoul(key + 2, NULL, 10) + 1);
    (*n)++;
}

/* 10000 keys (the table grows many times), every other one removed: the
 * rest are all found (backward shift kept every probe run intact), the
 * removed ones are not, and re-inserting works. */
static void map_many_keys_remove_every_other(void **state)
{
    struct ah_map *m = ah_map_new();
    char key[32];
    size_t i, seen = 0;

    (void)state;
    for (i = 0; i < 10000; i++) {
        snprintf(key, sizeof(key), "k-%zu", i);
        ah_map_put(m, key, (void *)(uintptr_t)(i + 1));
    }
    assert_int_equal(ah_map_count(m), 10000);
    for (i = 0; i < 10000; i += 2) {
        snprintf(key, sizeof(key), "k-%zu", i);
        assert_ptr_equal(ah_map_remove(m, key), (void *)(uintptr_t)(i + 1));
    }
    assert_int_equal(ah_map_count(m), 5000);
    for (i = 0; i < 10000; i++) {
        snprintf(key, sizeof(key), "k-%zu", i);
        if (i % 2 == 0)
            assert_null(ah_map_find(m, key));
        else
            assert_ptr_equal(ah_map_find(m, key), (void *)(uintptr_t)(i + 1));
    }
    ah_map_each(m, count_entries, &seen);
    assert_int_equal(seen, 5000);
    for (i = 0; i < 10000; i += 2) {
        snprintf(key, sizeof(key), "k-%zu", i);
        ah_map_put(m, key, (void *)(uintptr_t)(i + 1));
    }
    assert_int_equal(ah_map_count(m), 10000);
    for (i = 0; i < 10000; i++) {
        snprintf(key, sizeof(key), "k-%zu", i);
        assert_ptr_equal(ah_map_find(m, key), (void *)(uintptr_t)(i + 1));
    }
    ah_map_free(m);
}

static void xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
}

/* Random churn against a reference: a small table kept crowded (many
 * collisions and wrapping runs), checked after every operation. */
static void map_churn_matches_reference(void **state)
{
    enum { KEYS = 300, OPS = 60000 };
    struct ah_map *m = ah_map_new();
    uintptr_t ref[KEYS] = {0};
    uint64_t rng = 88172645463325252ULL;
    size_t live = 0, i;
    int op;
    char key[32];

    (void)state;
    for (op = 0; op < OPS; op++) {
        size_t k;
        uintptr_t v;

        xorshift(&rng);
        k = (size_t)(rng % KEYS);
        snprintf(key, sizeof(key), "key:%zu", k);
        if ((rng >> 32) % 3 != 0) {
            v = (uintptr_t)op + 1;
            ah_map_put(m, key, (void *)v);
            live += ref[k] == 0;
            ref[k] = v;
        } else {
            assert_ptr_equal(ah_map_remove(m, key), (void *)ref[k]);
            live -= ref[k] != 0;
            ref[k] = 0;
        }
        assert_ptr_equal(ah_map_find(m, key), (void *)ref[k]);
        assert_int_equal(ah_map_count(m), live);
        if (op % 997 == 0) {
            for (i = 0; i < KEYS; i++) {
                snprintf(key, sizeof(key), "key:%zu", i);
                assert_ptr_equal(ah_map_find(m, key), (void *)ref[i]);
            }
        }
    }
    for (i = 0; i < KEYS; i++) {
        snprintf(key, sizeof(key), "key:%zu", i);
        assert_ptr_equal(ah_map_find(m, key), (void *)ref[i]);
    }
    ah_map_free(m);
}

/* An id map against a reference under churn: ids far apart, negative and
 * huge ones too (the hash alone tells entries apart), then remove_if. */
static int drop_odd(const void *value, void *arg)
{
    (void)arg;
    return ((uintptr_t)value & 1) != 0;
}

/* Ids spread over the whole range, half of them negative. */
static int64_t spread_id(size_t k)
{
    return (int64_t)(k * 0x9e3779b97f4a7c15ULL - (k % 2 ? (uint64_t)INT64_MAX / 3 : 0));
}

static void map_ids_churn_matches_reference(void **state)
{
    enum { IDS = 300, OPS = 60000 };
    struct ah_map *m = ah_map_new_ids();
    uintptr_t ref[IDS] = {0};
    uint64_t rng = 2463534242ULL;
    size_t live = 0, i, odd = 0;
    int op;

    (void)state;
    for (op = 0; op < OPS; op++) {
        int64_t id;
        size_t k;

        xorshift(&rng);
        k = (size_t)(rng % IDS);
        id = spread_id(k);
        if ((rng >> 32) % 3 != 0) {
            ah_map_put_id(m, id, (void *)((uintptr_t)op + 1));
            live += ref[k] == 0;
            ref[k] = (uintptr_t)op + 1;
        } else {
            assert_ptr_equal(ah_map_remove_id(m, id), (void *)ref[k]);
            live -= ref[k] != 0;
            ref[k] = 0;
        }
        assert_int_equal(ah_map_count(m), live);
    }
    for (i = 0; i < IDS; i++) {
        assert_ptr_equal(ah_map_find_id(m, spread_id(i)), (void *)ref[i]);
        odd += ref[i] & 1;
    }
    assert_int_equal(ah_map_remove_if(m, drop_odd, NULL, NULL), odd);
    for (i = 0; i < IDS; i++) {
        assert_ptr_equal(ah_map_find_id(m, spread_id(i)), (void *)(ref[i] & 1 ? 0 : ref[i]));
    }
    ah_map_free(m);
}

/* A borrowing map keeps the key inside each value: replacing a value moves
 * the entry to the new value's key, so the old value can go (ASan would
 * see a read of it), and remove_if may free values with their keys. */
struct keyed {
    char key[16];
    uintptr_t n;
};

static int drop_keyed(const void *value, void *arg)
{
    (void)arg;
    return ((const struct keyed *)value)->n % 2 == 0;
}

static void map_borrowing_uses_the_values_keys(void **state)
{
    struct ah_map *m = ah_map_new_borrowing();
    struct keyed *v[64], *again;
    size_t i;

    (void)state;
    for (i = 0; i < 64; i++) {
        v[i] = ah_xcalloc(1, sizeof(*v[i]));
        snprintf(v[i]->key, sizeof(v[i]->key), "k%zu", i);
        v[i]->n = i;
        ah_map_put(m, v[i]->key, v[i]);
    }
    again = ah_xcalloc(1, sizeof(*again));
    snprintf(again->key, sizeof(again->key), "k7");
    again->n = 1007;
    ah_map_put(m, again->key, again);
    ah_free(v[7]);
    v[7] = again;
    assert_int_equal(ah_map_count(m), 64);
    assert_ptr_equal(ah_map_find(m, "k7"), again);
    assert_int_equal(ah_map_remove_if(m, drop_keyed, NULL, ah_free), 32);
    for (i = 0; i < 64; i++) {
        char key[16];

        snprintf(key, sizeof(key), "k%zu", i);
        if (i % 2 == 0) {
            assert_null(ah_map_find(m, key));
        } else {
            assert_ptr_equal(ah_map_find(m, key), v[i]);
            assert_ptr_equal(ah_map_remove(m, key), v[i]);
            ah_free(v[i]);
        }
    }
    assert_int_equal(ah_map_count(m), 0);
    ah_map_free(m);
}

/* ================= ah_time_parse ================= */

static void time_parse_formats(void **state)
{
    static const struct {
        const char *in;
        int64_t want;
    } v[] = {
        {"1795157461", 1795157461},
        {"1795157461000", 1795157461}, /* milliseconds */
        {"0", 0},
        {"2026-11-20T06:51:01Z", 1795157461},
        {"2026-11-20t06:51:01z", 1795157461},
        {"2026-11-20T14:51:01+08:00", 1795157461},
        {"2026-11-20T01:51:01-05:00", 1795157461},
        {"2026-11-20T14:51:01+0800", 1795157461},
        {"2026-11-20T06:51:01.000000000Z", 1795157461},
        {"2026-11-20T06:51:01.999999999Z", 1795157461}, /* fractions are dropped */
        {"2026-11-20T14:51:01.123456789+08:00", 1795157461},
        {"2026-11-20 14:51:01(UTC+08:00)", 1795157461},
        {"2026-11-20 14:51:01 (UTC+08:00)", 1795157461},
        {"2026-11-20 06:51:01", 1795157461}, /* no zone: UTC */
        {"2026-11-20 06:51:01 UTC", 1795157461},
        {"1970-01-01T00:00:00Z", 0},
        {"2024-02-29T12:00:00Z", 1709208000},      /* leap day */
        {"2000-03-01T00:00:00+00:00", 951868800},  /* after a 400-year leap */
        {"2026-01-01T00:30:00+01:00", 1767223800}, /* the zone crosses the year */
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        int64_t t = -12345;

        if (ah_time_parse(v[i].in, &t) != 0)
            fail_msg("\"%s\" was refused", v[i].in);
        if (t != v[i].want)
            fail_msg("\"%s\": got %lld, want %lld", v[i].in, (long long)t, (long long)v[i].want);
    }
}

static void time_parse_refuses_garbage(void **state)
{
    static const char *const bad[] = {
        "",
        "   ",
        "abc",
        "1795157461x",
        "17951574 61",
        "-5",
        "2026-11-20",
        "2026-11-20X06:51:01Z",
        "2026/11/20 06:51:01",
        "2026-13-20T06:51:01Z",
        "2026-00-20T06:51:01Z",
        "2026-11-32T06:51:01Z",
        "2026-11-20T24:00:00Z",
        "2026-11-20T06:60:00Z",
        "2026-11-20T06:51:01+8",
        "2026-11-20T06:51:01+08:00junk",
        "2026-11-20T06:51:01Q",
        "2026-11-20 14:51:01(UTC+08:00",
        "2026-11-20 14:51:01(UTC+08:00)x",
        "2026-1x-20T06:51:01Z",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t t = 777;

        if (ah_time_parse(bad[i], &t) != -1)
            fail_msg("\"%s\" was accepted as %lld", bad[i], (long long)t);
    }
}

/* Parses @s in a child process with a 1-second alarm, so that a hang or a
 * crash is a failure of this test and not of the run. Returns the child's
 * exit status: 0 refused, 1 accepted, 2 hung, 3 crashed. */
static int parse_in_child(const char *s)
{
    pid_t pid = fork();
    int status;

    assert_true(pid >= 0);
    if (pid == 0) {
        int64_t t;

        alarm(1);
        _exit(ah_time_parse(s, &t) == -1 ? 0 : 1);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM ? 2 : 3;
}

/* Not-a-number and infinite values are not times. strtod() accepts "nan",
 * "inf", "infinity" and overflowing exponents, which then either loop
 * forever in ah_time_from_number (inf / 1000 stays inf) or convert NaN to an
 * integer (undefined). */
static void time_parse_refuses_non_finite(void **state)
{
    static const char *const bad[] = {"inf", "infinity", "1e999", "nan", "NaN"};
    static const char *const what[] = {"refused", "accepted", "hung", "crashed"};
    size_t i;
    int failures = 0;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int r = parse_in_child(bad[i]);

        if (r != 0) {
            fprintf(stderr, "ah_time_parse(\"%s\") %s\n", bad[i], r >= 0 && r <= 3 ? what[r] : "?");
            failures++;
        }
    }
    assert_int_equal(failures, 0);
}

/* ================= UTF-8 ================= */

static void utf8_truncate_multibyte(void **state)
{
    /* 2-, 3- and 4-byte characters: é (C3 A9), 进 (E8 BF 9B), 🔥 (F0 9F 94 A5). */
    const char *s = "h\xC3\xA9\xE8\xBF\x9B\xF0\x9F\x94\xA5!";
    static const struct {
        size_t max;
        const char *want;
        int cut;
    } v[] = {
        {0, "", 1},
        {1, "h", 1},
        {2, "h\xC3\xA9", 1},
        {3, "h\xC3\xA9\xE8\xBF\x9B", 1},
        {4, "h\xC3\xA9\xE8\xBF\x9B\xF0\x9F\x94\xA5", 1},
        {5, "h\xC3\xA9\xE8\xBF\x9B\xF0\x9F\x94\xA5!", 0},
        {99, "h\xC3\xA9\xE8\xBF\x9B\xF0\x9F\x94\xA5!", 0},
    };
    size_t i;

    (void)state;
    assert_int_equal(ah_utf8_len(s), 5);
    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        int cut = -1;
        char *t = ah_utf8_truncate(s, v[i].max, &cut);

        assert_string_equal(t, v[i].want);
        assert_int_equal(cut, v[i].cut);
        assert_true(ah_utf8_valid(t));
        assert_int_equal(ah_utf8_len(t), v[i].max < 5 ? v[i].max : 5);
        assert_int_equal(ah_utf8_prefix(s, v[i].max), strlen(v[i].want));
        ah_free(t);
    }
    /* A NULL ret_cut is allowed; the empty string stays empty. */
    {
        char *t = ah_utf8_truncate("", 3, NULL);

        assert_string_equal(t, "");
        ah_free(t);
    }
    {
        /* 512 CJK characters cut to 500: 1500 bytes, never a split one. */
        struct ah_buf b;
        char *t;
        int cut = 0, i2;

        ah_buf_init(&b);
        for (i2 = 0; i2 < 512; i2++)
            ah_buf_puts(&b, "\xE5\xA4\xB1");
        t = ah_utf8_truncate(ah_buf_str(&b), 500, &cut);
        assert_int_equal(strlen(t), 1500);
        assert_int_equal(cut, 1);
        assert_true(ah_utf8_valid(t));
        ah_free(t);
        ah_buf_done(&b);
    }
}

/* ================= ah_secret_equal ================= */

static void secret_equal(void **state)
{
    (void)state;
    assert_true(ah_secret_equal("", ""));
    assert_true(ah_secret_equal("s3cr3t-token", "s3cr3t-token"));
    assert_false(ah_secret_equal("s3cr3t-token", "s3cr3t-tokem")); /* last byte */
    assert_false(ah_secret_equal("s3cr3t-token", "x3cr3t-token")); /* first byte */
    assert_false(ah_secret_equal("s3cr3t", "s3cr3t-token"));       /* a prefix */
    assert_false(ah_secret_equal("s3cr3t-token", "s3cr3t"));
    assert_false(ah_secret_equal("", "a"));
    assert_false(ah_secret_equal("a", ""));
    assert_false(ah_secret_equal("A", "a"));
    /* Differences that cancel in a sum or a single bit must not. */
    assert_false(ah_secret_equal("ab", "ba"));
    assert_false(ah_secret_equal("\x01\x02", "\x02\x01"));
    assert_false(ah_secret_equal("\x80", "\x01"));
}

/* ================= ah_buf ================= */

static void buf_grows(void **state)
{
    struct ah_buf b;
    char *s;
    size_t i;

    (void)state;
    ah_buf_init(&b);
    assert_string_equal(ah_buf_str(&b), "");
    assert_int_equal(b.len, 0);
    for (i = 0; i < 10000; i++) {
        char c = (char)('a' + i % 26);

        ah_buf_append(&b, &c, 1);
        assert_int_equal(b.len, i + 1);
        assert_true(b.cap > b.len);
        assert_int_equal(b.data[b.len], '\0');
    }
    for (i = 0; i < 10000; i++)
        assert_int_equal(b.data[i], 'a' + i % 26);
    ah_buf_done(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);

    /* printf past the first allocation, puts, binary with a NUL inside. */
    ah_buf_init(&b);
    ah_buf_puts(&b, "head:");
    ah_buf_printf(&b, "%0200d|%s", 7, "tail");
    assert_int_equal(b.len, 5 + 200 + 5);
    assert_int_equal(strlen(ah_buf_str(&b)), b.len);
    assert_memory_equal(b.data, "head:000", 8);
    assert_string_equal(b.data + b.len - 5, "|tail");
    assert_int_equal(b.data[5 + 199], '7');
    ah_buf_append(&b, "x\0y", 3);
    assert_int_equal(b.len, 213);
    assert_memory_equal(b.data + 210, "x\0y", 4); /* and the terminating NUL */
    ah_buf_printf(&b, "%s", "");                  /* nothing */
    assert_int_equal(b.len, 213);

    s = ah_buf_steal(&b);
    assert_memory_equal(s, "head:", 5);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_string_equal(ah_buf_str(&b), "");
    ah_free(s);

    /* Stealing an empty buffer gives a new empty string. */
    s = ah_buf_steal(&b);
    assert_non_null(s);
    assert_string_equal(s, "");
    ah_free(s);
    ah_buf_done(&b);
}

/* Inhibit sources: an entry per (channel, alert) under a key, refreshed in
 * place, the stalest replaced past AH_SOURCES_PER_KEY, stale keys swept. */
static void sources_keep_the_latest(void **state)
{
    struct ah_sources *s = ah_sources_new();
    const struct ah_source *seen;
    char alert[16];
    int i, n;

    (void)state;
    assert_null(ah_sources_get(s, "k", &n));
    assert_int_equal(n, 0);
    ah_sources_note(s, "k", 1, "a", 10, 100);
    ah_sources_note(s, "k", 2, "a", 11, 101); /* another channel: another source */
    ah_sources_note(s, "k", 1, "a", 12, 150); /* refreshed, with its new id */
    seen = ah_sources_get(s, "k", &n);
    assert_int_equal(n, 2);
    assert_int_equal(seen[0].alert_id, 12);
    assert_int_equal(seen[0].last_time, 150);
    for (i = 0; i < AH_SOURCES_PER_KEY; i++) {
        snprintf(alert, sizeof(alert), "b%d", i);
        ah_sources_note(s, "k", 1, alert, 20 + i, 200 + i);
    }
    seen = ah_sources_get(s, "k", &n);
    assert_int_equal(n, AH_SOURCES_PER_KEY);
    for (i = 0; i < n; i++) /* the two oldest made room */
        assert_true(seen[i].last_time >= 200);
    ah_sources_note(s, "old", 1, "c", 30, 10);
    assert_int_equal(ah_sources_count(s), 2);
    ah_sources_sweep(s, 700, 600); /* "old" was last seen 690 s ago */
    assert_int_equal(ah_sources_count(s), 1);
    assert_null(ah_sources_get(s, "old", &n));
    ah_sources_sweep(s, 900, 600);
    assert_int_equal(ah_sources_count(s), 0);
    ah_sources_free(s);
    ah_sources_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sha256_nist_vectors),
        cmocka_unit_test(sha256_million_a_in_chunks),
        cmocka_unit_test(sha256_streaming_matches_one_shot),
        cmocka_unit_test(map_basics),
        cmocka_unit_test(map_many_keys_remove_every_other),
        cmocka_unit_test(map_churn_matches_reference),
        cmocka_unit_test(map_ids_churn_matches_reference),
        cmocka_unit_test(map_borrowing_uses_the_values_keys),
        cmocka_unit_test(time_parse_formats),
        cmocka_unit_test(time_parse_refuses_garbage),
        cmocka_unit_test(time_parse_refuses_non_finite),
        cmocka_unit_test(utf8_truncate_multibyte),
        cmocka_unit_test(secret_equal),
        cmocka_unit_test(buf_grows),
        cmocka_unit_test(sources_keep_the_latest),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
