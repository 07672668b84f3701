/* fuzz_util.c - the fixtures the fuzz targets share (fuzz.h). */
#include "fuzz.h"

#include "ingest/push.h"
#include "process/subject.h"
#include "util/alloc.h"

#include <string.h>

/* Labels that exercise every kind of filter value: text, numbers, addresses,
 * non-ASCII, empty. */
static const char labels_text[] =
    "{\"service\": \"payment\", \"host\": \"db-1\", \"check\": \"cpu idle\","
    " \"ip\": \"10.1.2.3\", \"ip6\": \"fd12:3456::1\", \"value\": \"95\","
    " \"cpu\": \" 90.5 \", \"team\": \"ops\", \"city\": \"\xe6\x9d\xb1\xe4\xba\xac\","
    " \"resource\": \"127.0.0.1\", \"a.b\": \"dotted\", \"k-1\": \"dash\", \"empty\": \"\"}";

/* The event every target matches and applies rules to, made once and kept
 * (reachable memory is not a leak). */
static struct ah_event fixed;

const struct ah_integration fuzz_integration = {
    .id = 42,
    .name = "prod",
    .type = "standard",
};

json_t *fuzz_json(const uint8_t *data, size_t size)
{
    return json_loadb((const char *)data, size, 0, NULL);
}

void fuzz_event(struct ah_event *ev)
{
    ah_event_init(ev);
    ev->title = ah_xstrdup("System Downtime");
    ev->description = ah_xstrdup("disk full on db-1");
    ev->alert_key = ah_xstrdup("k-1");
    ev->severity = AH_SEV_CRITICAL;
    json_object_update_new(ev->labels, json_loads(labels_text, 0, NULL));
}

struct ah_filter_subject fuzz_subject(void)
{
    if (fixed.title == NULL)
        fuzz_event(&fixed);
    return ah_event_subject(&fixed, fuzz_integration.id);
}

static const char *fuzz_header(void *ctx, const char *name)
{
    (void)ctx;
    return strcmp(name, "x-volc-trace-id") == 0 ? "trace-1" : NULL;
}

void fuzz_push(const struct ah_adapter *adapter, const uint8_t *data, size_t size)
{
    static const char *const severities[] = {"Critical", "Warning", "Info", "critical"};
    static const char *const titles[] = {
        "plain title", "$resource::$check", "[TPL]${host} / ${check}",
        "[TPL]{{.Labels.host}} {{.Title}} {{index .Labels \"x\"}}"};
    struct ah_push_integration intg = {.id = 42, .name = "prod", .type = adapter->type};
    struct ah_push_overrides ov = {NULL, NULL};
    struct ah_push_input in = {NULL, NULL, NULL};
    struct ah_event_list out;
    struct ah_error err;
    uint8_t flags;

    if (size == 0)
        return;
    flags = data[0];
    if (flags & 0x01)
        ov.severity = severities[(flags >> 1) & 3];
    if (flags & 0x08)
        ov.title_rule = titles[(flags >> 4) & 3];
    if (flags & 0x40)
        in.header = fuzz_header;
    in.body = fuzz_json(data + 1, size - 1);
    if (in.body == NULL)
        return;
    if (adapter->retry_id != NULL)
        ah_free(adapter->retry_id(&in));
    ah_event_list_init(&out);
    ah_error_clear(&err);
    (void)ah_push_prepare(adapter, &in, &ov, &intg, &out, &err);
    ah_event_list_done(&out);
    json_decref((json_t *)in.body);
}
