/* tz.c - see tz.h. A reader for TZif files (RFC 8536) and an evaluator for
 * the POSIX TZ string in their footer, which governs every instant after the
 * last listed transition ("slim" zone files list none past 2007). Chosen over
 * setenv("TZ") + localtime_r because that needs process-wide state and a lock
 * around every call. Depends on libc only. */
#include "util/tz.h"

#include "util/alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ZONEINFO   "/usr/share/zoneinfo/"
#define FILE_MAX   (256 * 1024) /* Debian's largest zone file is under 4 KiB */
#define FOOTER_MAX 128
/* Instants are clamped to about +-34,000 years so that adding an offset or
 * converting to days can never overflow. */
#define T_LIMIT ((int64_t)1 << 40)

/* A footer date rule: "Jn" (1..365, Feb 29 never counted), "n" (0..365) or
 * "Mm.w.d", and the local time of day of the change, which TZif v3 lets be
 * negative or past 24 h. */
struct rule_date {
    char kind; /* 'J', 'D' or 'M' */
    int n, m, w, d;
    int32_t time;
};

struct posix_tz {
    int32_t std_off, dst_off; /* seconds east of UTC */
    int has_dst;
    struct rule_date start, end;
};

struct ah_tz {
    int64_t *times; /* transition instants, strictly ascending */
    uint8_t *types; /* local time type (index into offs) from each transition */
    int32_t *offs;  /* UTC offset of each local time type */
    size_t ntimes, ntypes;
    int has_footer;
    struct posix_tz footer;
};

/* ---- calendar arithmetic (proleptic Gregorian, H. Hinnant's algorithms) ---- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;

    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to @y-@m-@d. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy;

    y -= m <= 2;
    era = floor_div(y, 400);
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

/* The date of day @days since 1970-01-01 (the inverse of days_from_civil). */
static void civil_from_days(int64_t days, int64_t *ret_y, int *ret_m, int *ret_d)
{
    int64_t z = days + 719468, era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;

    /* The era's years start on March 1, so January and February (month
     * index 10 and 11) belong to the next calendar year. */
    *ret_y = era * 400 + yoe + (mp >= 10);
    *ret_m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *ret_d = (int)(doy - (153 * mp + 2) / 5 + 1);
}

/* The year that holds day @days since 1970-01-01. */
static int64_t year_of_days(int64_t days)
{
    int64_t y;
    int m, d;

    civil_from_days(days, &y, &m, &d);
    return y;
}

static int weekday(int64_t days)
{
    return (int)(((days + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
}

/* The day (since 1970-01-01) on which rule @r falls in year @y. */
static int64_t rule_day(int64_t y, const struct rule_date *r)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t first;
    int len, day;

    if (r->kind == 'J')
        return days_from_civil(y, 1, 1) + r->n - 1 + (is_leap(y) && r->n >= 60);
    if (r->kind == 'D')
        return days_from_civil(y, 1, 1) + r->n;
    first = days_from_civil(y, r->m, 1);
    len = mdays[r->m - 1] + (r->m == 2 && is_leap(y));
    day = (r->d - weekday(first) + 7) % 7 + (r->w - 1) * 7;
    if (day >= len) /* week 5 means the last such weekday */
        day -= 7;
    return first + day;
}

/* ---- offsets at an instant ---- */

static int32_t footer_offset(const struct posix_tz *p, int64_t utc)
{
    int64_t y, start, end;

    if (!p->has_dst)
        return p->std_off;
    y = year_of_days(floor_div(utc + p->std_off, 86400));
    /* DST starts by the standard-time clock and ends by the DST clock. */
    start = rule_day(y, &p->start) * 86400 + p->start.time - p->std_off;
    end = rule_day(y, &p->end) * 86400 + p->end.time - p->dst_off;
    if (start <= end)
        return (utc >= start && utc < end) ? p->dst_off : p->std_off;
    /* Southern hemisphere (or negative DST as in Europe/Dublin): the DST
     * period wraps the new year. */
    return (utc >= end && utc < start) ? p->std_off : p->dst_off;
}

static int32_t offset_at(const struct ah_tz *tz, int64_t utc)
{
    size_t lo = 0, hi, mid;

    if (tz->ntimes == 0 || utc > tz->times[tz->ntimes - 1]) {
        if (tz->has_footer)
            return footer_offset(&tz->footer, utc);
        return tz->offs[tz->ntimes == 0 ? 0 : tz->types[tz->ntimes - 1]];
    }
    if (utc < tz->times[0]) /* RFC 8536: type 0 holds before the first */
        return tz->offs[0];
    /* Invariant: times[lo] <= utc <= times[hi]. */
    hi = tz->ntimes - 1;
    while (hi - lo > 1) {
        mid = lo + (hi - lo) / 2;
        if (tz->times[mid] <= utc)
            lo = mid;
        else
            hi = mid;
    }
    return tz->offs[tz->types[utc >= tz->times[hi] ? hi : lo]];
}

void ah_tz_convert(const struct ah_tz *tz, int64_t utc, struct ah_tz_local_time *ret)
{
    int64_t local, days, sod, year;

    utc = utc > T_LIMIT ? T_LIMIT : utc < -T_LIMIT ? -T_LIMIT : utc;
    ret->utc_offset = offset_at(tz, utc);
    local = utc + ret->utc_offset;
    days = floor_div(local, 86400);
    sod = local - days * 86400;
    civil_from_days(days, &year, &ret->month, &ret->day);
    ret->year = (int)year; /* |year| < 40,000 after the clamp */
    ret->wday = weekday(days);
    ret->hour = (int)(sod / 3600);
    ret->min = (int)(sod / 60 % 60);
    ret->sec = (int)(sod % 60);
}

/* Every instant whose offset makes the clock read @local is local - o for
 * one of the offsets in force around it. Offsets change at most once within
 * a day of any instant (zones change their rules months apart), so the
 * offsets a day before and a day after the first guess are the candidates:
 * both fit in a fold, neither in a gap. */
int64_t ah_tz_to_utc(const struct ah_tz *tz, int64_t local)
{
    int64_t guess, early, late;
    int32_t before, after;
    int early_ok, late_ok;

    local = local > T_LIMIT ? T_LIMIT : local < -T_LIMIT ? -T_LIMIT : local;
    guess = local - offset_at(tz, local);
    before = offset_at(tz, guess - 86400);
    after = offset_at(tz, guess + 86400);
    early = local - before;
    late = local - after;
    early_ok = offset_at(tz, early) == before;
    late_ok = offset_at(tz, late) == after;
    if (early_ok && late_ok)
        return early < late ? early : late; /* the fold: the first reading */
    if (late_ok)
        return late;
    /* Valid with the earlier offset, or inside the gap: read with the
     * offset from before the gap, the instant lands past it by as much as
     * the reading lay inside it. */
    return early;
}

/* ---- the POSIX TZ footer, e.g. "EST5EDT,M3.2.0,M11.1.0" ---- */

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int expect(const char **s, char c)
{
    if (**s != c)
        return -1;
    (*s)++;
    return 0;
}

/* A zone abbreviation: three or more letters, or "<...>" of [A-Za-z0-9+-]. */
static int parse_name(const char **s)
{
    const char *p = *s;
    size_t n = 0;

    if (*p == '<') {
        for (p++; *p != '>'; p++, n++)
            if (!is_alpha(*p) && !is_digit(*p) && *p != '+' && *p != '-')
                return -1; /* also stops at the terminating NUL */
        p++;
    } else {
        for (; is_alpha(*p); p++)
            n++;
    }
    if (n < 3)
        return -1;
    *s = p;
    return 0;
}

static int parse_num(const char **s, int lo, int hi, int *ret)
{
    int v = 0, digits = 0;

    for (; is_digit(**s) && digits < 3; (*s)++, digits++)
        v = v * 10 + (**s - '0');
    if (digits == 0 || v < lo || v > hi)
        return -1;
    *ret = v;
    return 0;
}

/* "[+-]h[h[h]][:mm[:ss]]" as signed seconds; hours up to 167 (TZif v3). */
static int parse_hms(const char **s, int32_t *ret)
{
    int sign = 1, part[3] = {0, 0, 0}, i;

    if (**s == '+' || **s == '-')
        sign = *(*s)++ == '-' ? -1 : 1;
    for (i = 0; i < 3; i++) {
        if (i > 0 && expect(s, ':') < 0)
            break;
        if (parse_num(s, 0, i == 0 ? 167 : 59, &part[i]) < 0)
            return -1;
    }
    *ret = sign * (part[0] * 3600 + part[1] * 60 + part[2]);
    return 0;
}

static int parse_date(const char **s, struct rule_date *r)
{
    r->time = 2 * 3600; /* POSIX default: 02:00 local */
    r->kind = (**s == 'J' || **s == 'M') ? *(*s)++ : 'D';
    if (r->kind == 'M') {
        if (parse_num(s, 1, 12, &r->m) < 0 || expect(s, '.') < 0 || parse_num(s, 1, 5, &r->w) < 0 ||
            expect(s, '.') < 0 || parse_num(s, 0, 6, &r->d) < 0)
            return -1;
    } else if (parse_num(s, r->kind == 'J' ? 1 : 0, 365, &r->n) < 0) {
        return -1;
    }
    if (expect(s, '/') == 0)
        return parse_hms(s, &r->time);
    return 0;
}

static int parse_posix(const char *s, struct posix_tz *p)
{
    static const struct rule_date us_start = {'M', 0, 3, 2, 0, 7200};
    static const struct rule_date us_end = {'M', 0, 11, 1, 0, 7200};
    int32_t off;

    if (parse_name(&s) < 0 || parse_hms(&s, &off) < 0)
        return -1;
    p->std_off = -off; /* POSIX offsets count west of UTC */
    if (*s == '\0')
        return 0;
    if (parse_name(&s) < 0)
        return -1;
    p->has_dst = 1;
    p->dst_off = p->std_off + 3600;
    if (*s != ',' && *s != '\0') {
        if (parse_hms(&s, &off) < 0)
            return -1;
        p->dst_off = -off;
    }
    /* DST without rules: tzcode's fallback is the US rules since 2007. */
    p->start = us_start;
    p->end = us_end;
    if (*s == '\0')
        return 0;
    if (expect(&s, ',') < 0 || parse_date(&s, &p->start) < 0 || expect(&s, ',') < 0 ||
        parse_date(&s, &p->end) < 0)
        return -1;
    return *s == '\0' ? 0 : -1;
}

/* ---- the TZif file ---- */

struct cur {
    const unsigned char *p;
    size_t len, off;
    int bad;
};

struct counts {
    size_t isut, isstd, leap, time, type, chr;
};

/* Returns the next @n bytes, or NULL (and marks @c bad) past the end. */
static const unsigned char *take(struct cur *c, size_t n)
{
    const unsigned char *p = c->p + c->off;

    if (c->bad || n > c->len - c->off) {
        c->bad = 1;
        return NULL;
    }
    c->off += n;
    return p;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int read_header(struct cur *c, struct counts *n, int *ret_version)
{
    const unsigned char *h = take(c, 44);

    if (h == NULL || memcmp(h, "TZif", 4) != 0)
        return -1;
    *ret_version = h[4];
    n->isut = be32(h + 20);
    n->isstd = be32(h + 24);
    n->leap = be32(h + 28);
    n->time = be32(h + 32);
    n->type = be32(h + 36);
    n->chr = be32(h + 40);
    /* Counts above the file size cannot be honest; bounding them here also
     * keeps the block-size sums below far from overflow. */
    if (n->type == 0 || n->type > 256 || n->chr == 0 || n->time > FILE_MAX || n->leap > FILE_MAX ||
        n->chr > FILE_MAX || (n->isut != 0 && n->isut != n->type) ||
        (n->isstd != 0 && n->isstd != n->type))
        return -1;
    return 0;
}

/* Reads a data block whose times are @w bytes wide. Leap-second records are
 * skipped, so zones under right/ are off by up to 27 seconds. */
static int read_block(struct cur *c, const struct counts *n, size_t w, struct ah_tz *tz)
{
    const unsigned char *t = take(c, n->time * w), *ix = take(c, n->time);
    const unsigned char *ty = take(c, n->type * 6);
    size_t i;

    (void)take(c, n->chr + n->leap * (w + 4) + n->isstd + n->isut);
    if (c->bad)
        return -1;
    tz->times = ah_xcalloc(n->time + 1, sizeof(*tz->times));
    tz->types = ah_xcalloc(n->time + 1, sizeof(*tz->types));
    tz->offs = ah_xcalloc(n->type, sizeof(*tz->offs));
    tz->ntimes = n->time;
    tz->ntypes = n->type;
    for (i = 0; i < n->time; i++) {
        uint64_t v = w == 8 ? (uint64_t)be32(t + 8 * i) << 32 | be32(t + 8 * i + 4)
                            : (uint64_t)(int64_t)(int32_t)be32(t + 4 * i);

        tz->times[i] = (int64_t)v; /* two's complement, as gcc and clang define it */
        tz->types[i] = ix[i];
        if (ix[i] >= n->type || (i > 0 && tz->times[i] <= tz->times[i - 1]))
            return -1;
    }
    for (i = 0; i < n->type; i++) {
        tz->offs[i] = (int32_t)be32(ty + 6 * i);
        if (tz->offs[i] < -26 * 3600 || tz->offs[i] > 26 * 3600)
            return -1;
    }
    return 0;
}

static int read_footer(struct cur *c, struct ah_tz *tz)
{
    char buf[FOOTER_MAX];
    const unsigned char *p = take(c, 1);
    size_t n = 0;

    if (p == NULL || *p != '\n')
        return -1;
    while ((p = take(c, 1)) != NULL && *p != '\n') {
        if (n + 1 >= sizeof(buf))
            return -1;
        buf[n++] = (char)*p;
    }
    if (p == NULL)
        return -1;
    buf[n] = '\0';
    if (n == 0) /* no rule: the last transition's type holds for ever */
        return 0;
    tz->has_footer = 1;
    return parse_posix(buf, &tz->footer);
}

static int parse_tzif(const unsigned char *data, size_t len, struct ah_tz *tz)
{
    struct cur c = {data, len, 0, 0};
    struct counts n;
    int version;

    if (read_header(&c, &n, &version) < 0)
        return -1;
    if (version == 0)
        return read_block(&c, &n, 4, tz);
    /* Version 2+: skip the 32-bit block for the 64-bit one and the footer. */
    (void)take(&c, n.time * 5 + n.type * 6 + n.chr + n.leap * 8 + n.isstd + n.isut);
    if (read_header(&c, &n, &version) < 0 || read_block(&c, &n, 8, tz) < 0)
        return -1;
    return read_footer(&c, tz);
}

static int read_file(const char *path, unsigned char **ret, size_t *ret_len)
{
    unsigned char *data = NULL;
    struct stat st;
    size_t len = 0, size;
    ssize_t got;
    /* O_NONBLOCK so that a FIFO planted in the tree cannot hang open(). */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

    if (fd < 0)
        return -1;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < 44 || st.st_size > FILE_MAX)
        goto fail;
    size = (size_t)st.st_size;
    data = ah_xmalloc(size);
    while (len < size) {
        got = read(fd, data + len, size - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            goto fail;
        len += (size_t)got;
    }
    close(fd);
    *ret = data;
    *ret_len = len;
    return 0;
fail:
    ah_free(data);
    close(fd);
    return -1;
}

/* Only names that stay inside the zoneinfo tree: '.' is not in the allowed
 * set, so "..", "zone.tab" and "tzdata.zi" are all refused. */
static int name_ok(const char *name)
{
    size_t i, n = strnlen(name, AH_TZ_NAME_MAX + 1);

    if (n == 0 || n > AH_TZ_NAME_MAX || name[0] == '/' || name[n - 1] == '/' ||
        strstr(name, "//") != NULL || strstr(name, "..") != NULL)
        return 0;
    for (i = 0; i < n; i++)
        if (!is_alpha(name[i]) && !is_digit(name[i]) && strchr("/_-+", name[i]) == NULL)
            return 0;
    return 1;
}

/* ---- public ---- */

int ah_tz_open(const char *name, struct ah_tz **ret, struct ah_error *reterr)
{
    char path[sizeof(ZONEINFO) + AH_TZ_NAME_MAX];
    struct ah_tz *tz = ah_xcalloc(1, sizeof(*tz));
    unsigned char *data = NULL;
    size_t len;

    if (name != NULL && strcmp(name, "UTC") == 0) { /* valid without tzdata */
        tz->offs = ah_xcalloc(1, sizeof(*tz->offs));
        tz->ntypes = 1;
        *ret = tz;
        return AH_OK;
    }
    if (name == NULL || !name_ok(name))
        goto fail;
    snprintf(path, sizeof(path), ZONEINFO "%s", name);
    if (read_file(path, &data, &len) < 0 || parse_tzif(data, len, tz) < 0)
        goto fail;
    ah_free(data);
    *ret = tz;
    return AH_OK;
fail:
    ah_free(data);
    ah_tz_free(tz);
    return ah_error_set(reterr, AH_EINVAL, "unrecognized time zone \"%.*s\"", AH_TZ_NAME_MAX + 16,
                        name != NULL ? name : "");
}

void ah_tz_free(struct ah_tz *tz)
{
    if (tz == NULL)
        return;
    ah_free(tz->times);
    ah_free(tz->types);
    ah_free(tz->offs);
    ah_free(tz);
}

int64_t ah_tz_days_from_civil(int year, int month, int day)
{
    return days_from_civil(year, month, day);
}

int ah_tz_valid(const char *name)
{
    struct ah_tz *tz;

    if (ah_tz_open(name, &tz, NULL) < 0)
        return 0;
    ah_tz_free(tz);
    return 1;
}

int ah_tz_local(const char *name, int64_t utc, struct ah_tz_local_time *ret)
{
    struct ah_tz *tz;
    int rc = ah_tz_open(name, &tz, NULL);

    if (rc < 0)
        return rc;
    ah_tz_convert(tz, utc, ret);
    ah_tz_free(tz);
    return AH_OK;
}
