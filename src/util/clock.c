/* clock.c - see clock.h. Calendar arithmetic is done by hand (days from
 * civil, after H. Hinnant) rather than with timegm() so that the result never
 * depends on the process's TZ setting. */
#include "util/clock.h"

#include <ctype.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t ah_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec;
}

int64_t ah_clock_now(struct ah_clock *c)
{
    int64_t fixed = c ? atomic_load(&c->fixed) : 0;

    return fixed ? fixed : ah_now();
}

int64_t ah_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t ah_monotonic_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int64_t ah_time_from_number(double v)
{
    if (v != v || v > 9e18 || v < -9e18)
        return 0; /* NaN or infinite: no time */
    /* 10^11 s is the year 5138: anything larger is a finer unit. */
    while (v >= 1e11 || v <= -1e11)
        v /= 1000;
    return (int64_t)v;
}

/* Reads exactly @n digits at *@p into *@ret and advances. */
static int digits(const char **p, int n, int *ret)
{
    int v = 0, i;

    for (i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *ret = v;
    return 0;
}

/* Parses a zone suffix: "", "Z", " UTC", "+08:00", "+0800", "(UTC+08:00)". */
static int zone_offset(const char *p, int64_t *ret_secs)
{
    int h = 0, m = 0, sign, paren = 0;

    while (*p == ' ')
        p++;
    if (*p == '(') {
        paren = 1;
        p++;
    }
    if (strncmp(p, "UTC", 3) == 0 || strncmp(p, "GMT", 3) == 0)
        p += 3;
    else if (*p == 'Z' || *p == 'z')
        p++;
    *ret_secs = 0;
    if (*p == '+' || *p == '-') {
        sign = *p == '-' ? -1 : 1;
        p++;
        if (digits(&p, 2, &h) < 0)
            return -1;
        if (*p == ':')
            p++;
        if (isdigit((unsigned char)*p) && digits(&p, 2, &m) < 0)
            return -1;
        *ret_secs = sign * (h * 3600 + m * 60);
    }
    if (paren && *p++ != ')')
        return -1;
    return *p == '\0' ? 0 : -1;
}

static int parse_calendar(const char *p, int64_t *ret)
{
    int y, mo, d, h, mi, s = 0;
    int64_t off;

    if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' || digits(&p, 2, &d))
        return -1;
    if (*p != 'T' && *p != 't' && *p != ' ')
        return -1;
    p++;
    if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
        return -1;
    if (*p == ':' && (p++, digits(&p, 2, &s)))
        return -1;
    if (*p == '.' || *p == ',') {
        p++;
        while (isdigit((unsigned char)*p))
            p++;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
        return -1;
    if (zone_offset(p, &off) < 0)
        return -1;
    *ret = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - off;
    return 0;
}

int ah_time_parse(const char *s, int64_t *ret)
{
    const char *p = s;
    char *end;
    double v;

    while (*p == ' ')
        p++;
    if (*p == '\0')
        return -1;
    if (strlen(p) >= 10 && p[4] == '-')
        return parse_calendar(p, ret);
    /* Digits and one decimal point only: strtod alone would also take
     * "inf", "nan", hex and exponents. */
    if (p[strspn(p, "0123456789.")] != '\0' || strchr(p, '.') != strrchr(p, '.'))
        return -1;
    v = strtod(p, &end);
    if (end == p || *end != '\0' || v < 0)
        return -1;
    *ret = ah_time_from_number(v);
    return 0;
}
