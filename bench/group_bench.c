/* group_bench.c - the cost of one grouping decision as the number of open
 * incidents in a channel grows (issue #3): computing the alert's group keys
 * (ah_group_plan) and looking them up among N open incidents, exactly as
 * reduce/incident.c does. Prints nanoseconds per alert for N = 10, 10^3,
 * 10^5. A benchmark, not a test: it asserts nothing. */
#include "reduce/group.h"
#include "reduce/rules.h"
#include "util/map.h"

#include <jansson.h>
#include <stdio.h>
#include <time.h>

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Indexes @n incidents, one per host, then times @m new alerts, half of
 * which join an existing incident and half of which find none. */
static double run(const struct ah_grouping *g, long n, long m)
{
    struct ah_map *groups = ah_map_new();
    struct ah_group_plan plan;
    static int incident;
    json_t *labels = json_object();
    struct ah_filter_subject s = {.severity = "Critical", .title = "cpu idle", .labels = labels};
    double start;
    long i, hits = 0;
    char host[32];

    for (i = 0; i < n; i++) {
        snprintf(host, sizeof(host), "host-%ld", i);
        json_object_set_new(labels, "host", json_string(host));
        ah_group_plan(g, 1, &s, &plan);
        ah_map_put(groups, plan.keys[0], &incident);
    }
    start = now_ns();
    for (i = 0; i < m; i++) {
        snprintf(host, sizeof(host), "host-%ld", (i % 2) ? i % n : n + i);
        json_object_set_new(labels, "host", json_string(host));
        ah_group_plan(g, 1, &s, &plan);
        hits += ah_map_find(groups, plan.keys[0]) != NULL;
    }
    start = (now_ns() - start) / (double)m;
    json_decref(labels);
    ah_map_free(groups);
    return hits > 0 ? start : -1;
}

int main(void)
{
    json_t *cfg = json_loads("{\"method\":\"rules\",\"equals\":[[\"labels.host\"]]}", 0, NULL);
    struct ah_grouping *g;
    long sizes[] = {10, 1000, 100000}, i;

    if (ah_grouping_compile(cfg, &g, NULL) != 0)
        return 1;
    printf("grouping cost per new alert (plan + lookup), one channel:\n");
    for (i = 0; i < 3; i++)
        printf("  %7ld open incidents: %8.0f ns/alert\n", sizes[i], run(g, sizes[i], 200000));
    ah_grouping_free(g);
    json_decref(cfg);
    return 0;
}
