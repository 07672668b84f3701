/* main.c - command line, configuration, wiring and signals.
 *
 *   alerthub serve [--listen ADDR:PORT] [--data DIR] [--public-url URL]
 *                  [--admin-token TOKEN] [--max-body-bytes N] [--queue-max N]
 *                  [--busy-timeout-ms N] [--synchronous full|normal]
 *                  [--threads N] [--max-connections-per-ip N]
 *                  [--log-level debug|info|warn|error]
 *                  [--retention-days N] [--incident-retention-days N]
 *
 * Every option is also read from the environment (ALERTHUB_LISTEN, ...);
 * the command line wins. Configuration is read once into struct config and
 * never changes afterwards. */
#include "http/app.h"
#include "http/config.h"
#include "http/server.h"
#include "ingest/integrations.h"
#include "notify/sender.h"
#include "process/table.h"
#include "reduce/reduce.h"
#include "reduce/writer.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/hex.h"
#include "util/log.h"
#include "util/sha256.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct config {
    const char *listen;
    const char *data;
    const char *public_url;
    const char *admin_token;
    const char *synchronous;
    const char *log_level;
    const char *database_url;
    const char *test_clock;
    const char *smtp_url;
    const char *smtp_from;
    const char *config_file; /* --config: objects declared as code (docs/config.md) */
    long max_body_bytes;
    long queue_max;
    long busy_timeout_ms;
    long threads;
    long max_connections_per_ip;
    long notify_timeout_ms;
    long notify_retry_for;
    long retention_days;
    long incident_retention_days;
    long retention_seconds; /* tests and bench only: replace the days when set */
    long incident_retention_seconds;
};

/* One row per option: the flag, its environment variable, the field it sets
 * (a string, or a long within min..max). */
enum option_kind { OPT_STR, OPT_NUM };

static const struct option_row {
    const char *flag;
    const char *env;
    enum option_kind kind;
    size_t offset;
    long min, max;
} options[] = {
    {"--listen", "ALERTHUB_LISTEN", OPT_STR, offsetof(struct config, listen), 0, 0},
    {"--data", "ALERTHUB_DATA", OPT_STR, offsetof(struct config, data), 0, 0},
    {"--public-url", "ALERTHUB_PUBLIC_URL", OPT_STR, offsetof(struct config, public_url), 0, 0},
    {"--admin-token", "ALERTHUB_ADMIN_TOKEN", OPT_STR, offsetof(struct config, admin_token), 0, 0},
    {"--synchronous", "ALERTHUB_SYNCHRONOUS", OPT_STR, offsetof(struct config, synchronous), 0, 0},
    {"--log-level", "ALERTHUB_LOG_LEVEL", OPT_STR, offsetof(struct config, log_level), 0, 0},
    {"--database-url", "ALERTHUB_DATABASE_URL", OPT_STR, offsetof(struct config, database_url), 0,
     0},
    {"--config", "ALERTHUB_CONFIG", OPT_STR, offsetof(struct config, config_file), 0, 0},
    {"--max-body-bytes", "ALERTHUB_MAX_BODY_BYTES", OPT_NUM,
     offsetof(struct config, max_body_bytes), 1024, 64L << 20},
    {"--queue-max", "ALERTHUB_QUEUE_MAX", OPT_NUM, offsetof(struct config, queue_max), 1, 1000000},
    {"--busy-timeout-ms", "ALERTHUB_BUSY_TIMEOUT_MS", OPT_NUM,
     offsetof(struct config, busy_timeout_ms), 1, 600000},
    {"--threads", "ALERTHUB_THREADS", OPT_NUM, offsetof(struct config, threads), 1, 64},
    {"--max-connections-per-ip", "ALERTHUB_MAX_CONNECTIONS_PER_IP", OPT_NUM,
     offsetof(struct config, max_connections_per_ip), 1, 4096},
    {"--test-clock", "ALERTHUB_TEST_CLOCK", OPT_STR, offsetof(struct config, test_clock), 0, 0},
    {"--smtp-url", "ALERTHUB_SMTP_URL", OPT_STR, offsetof(struct config, smtp_url), 0, 0},
    {"--smtp-from", "ALERTHUB_SMTP_FROM", OPT_STR, offsetof(struct config, smtp_from), 0, 0},
    {"--notify-timeout-ms", "ALERTHUB_NOTIFY_TIMEOUT_MS", OPT_NUM,
     offsetof(struct config, notify_timeout_ms), 100, 600000},
    {"--notify-retry-for", "ALERTHUB_NOTIFY_RETRY_FOR", OPT_NUM,
     offsetof(struct config, notify_retry_for), 1, 7 * 24 * 3600},
    {"--retention-days", "ALERTHUB_RETENTION_DAYS", OPT_NUM,
     offsetof(struct config, retention_days), 0, 36500},
    {"--incident-retention-days", "ALERTHUB_INCIDENT_RETENTION_DAYS", OPT_NUM,
     offsetof(struct config, incident_retention_days), 0, 36500},
    {"--retention-seconds", "ALERTHUB_RETENTION_SECONDS", OPT_NUM,
     offsetof(struct config, retention_seconds), 0, 36500L * 86400},
    {"--incident-retention-seconds", "ALERTHUB_INCIDENT_RETENTION_SECONDS", OPT_NUM,
     offsetof(struct config, incident_retention_seconds), 0, 36500L * 86400},
};

static int set_option(struct config *c, const struct option_row *o, const char *value)
{
    char *end;
    long v;

    if (o->kind == OPT_STR) {
        *(const char **)((char *)c + o->offset) = value;
        return 0;
    }
    errno = 0;
    v = strtol(value, &end, 10);
    if (errno != 0 || *end != '\0' || v < o->min || v > o->max) {
        fprintf(stderr, "alerthub: %s must be an integer from %ld to %ld, not \"%s\"\n", o->flag,
                o->min, o->max, value);
        return -1;
    }
    *(long *)((char *)c + o->offset) = v;
    return 0;
}

static int parse_config(int argc, char **argv, struct config *c)
{
    size_t i;
    int a;

    *c = (struct config){.listen = "127.0.0.1:8080",
                         .data = "./data",
                         .synchronous = "full",
                         .log_level = "info",
                         .max_body_bytes = 1L << 20,
                         .queue_max = 8192,
                         .busy_timeout_ms = 5000,
                         .threads = 4,
                         .max_connections_per_ip = 128,
                         .smtp_from = "alerthub@localhost",
                         .notify_timeout_ms = 10000,
                         .notify_retry_for = 3600,
                         .retention_days = 30,
                         .incident_retention_days = 180};
    for (i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
        const char *v = getenv(options[i].env);

        if (v != NULL && v[0] != '\0' && set_option(c, &options[i], v) < 0)
            return -1;
    }
    for (a = 2; a < argc; a++) {
        for (i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
            if (strcmp(argv[a], options[i].flag) == 0)
                break;
        }
        if (i == sizeof(options) / sizeof(options[0]) || a + 1 >= argc) {
            fprintf(stderr, "alerthub: unrecognized or incomplete option \"%s\"\n", argv[a]);
            return -1;
        }
        if (set_option(c, &options[i], argv[++a]) < 0)
            return -1;
    }
    return 0;
}

/* "host:port", "[v6]:port". */
static int split_listen(const char *listen, char *host, size_t hostlen, unsigned *port)
{
    const char *colon = strrchr(listen, ':');
    const char *h = listen;
    size_t n;
    long p;

    if (colon == NULL)
        return -1;
    n = (size_t)(colon - listen);
    if (h[0] == '[' && n >= 2 && h[n - 1] == ']') {
        h++;
        n -= 2;
    }
    p = strtol(colon + 1, NULL, 10);
    if (n == 0 || n >= hostlen || p < 1 || p > 65535)
        return -1;
    memcpy(host, h, n);
    host[n] = '\0';
    *port = (unsigned)p;
    return 0;
}

/* The admin token: --admin-token wins (its hash is stored); else the stored
 * hash; else a new random token, printed once, only its hash stored.
 * *@ret_new_token is set (ah_free) when one was generated. */
static int init_admin_token(struct ah_store *store, const char *given, char hash[65],
                            char **ret_new_token, struct ah_error *err)
{
    struct ah_store_tx *tx;
    char *stored = NULL, token[65];
    int rc = ah_store_tx_begin(store, &tx, err);

    *ret_new_token = NULL;
    if (rc < 0)
        return rc;
    rc = ah_store_tx_meta_get(tx, "admin_token_sha256", &stored, err);
    if (rc == AH_OK && given == NULL && stored != NULL) {
        snprintf(hash, 65, "%s", stored);
        ah_store_tx_rollback(tx);
        ah_free(stored);
        return AH_OK;
    }
    ah_free(stored);
    if (rc == AH_OK && given == NULL) {
        if (ah_random_hex(32, token) < 0)
            rc = ah_error_set(err, AH_EIO, "could not read random bytes for the admin token");
        else
            *ret_new_token = ah_xstrdup(token);
    }
    if (rc == AH_OK) {
        ah_sha256_hex(given ? given : token, hash);
        rc = ah_store_tx_meta_set(tx, "admin_token_sha256", hash, err);
    }
    if (rc == AH_OK)
        rc = ah_store_tx_commit(tx, err);
    if (rc < 0) {
        ah_store_tx_rollback(tx);
        ah_free(*ret_new_token);
        *ret_new_token = NULL;
    }
    return rc;
}

/* Vendors retry within minutes; retry ids older than a day only take room. */
static int prune_retries(struct ah_store *store, struct ah_error *err)
{
    struct ah_store_tx *tx;
    int rc = ah_store_tx_begin(store, &tx, err);

    if (rc < 0)
        return rc;
    rc = ah_store_tx_retry_prune(tx, ah_now() - 24 * 3600, err);
    if (rc == AH_OK)
        rc = ah_store_tx_commit(tx, err);
    if (rc < 0)
        ah_store_tx_rollback(tx);
    return rc;
}

static void load_integration(const struct ah_integration *intg, void *arg)
{
    ah_integrations_put(arg, intg);
}

static void load_mapping(int64_t id, const json_t *schema, const char *csv, void *arg)
{
    struct ah_mapping_rows *rows;
    struct ah_mapping *m;
    struct ah_error err;

    if (ah_mapping_new(id, schema, &m, &err) < 0) {
        ah_log(AH_LOG_ERROR, "mapping schema %lld left out: %s", (long long)id, err.msg);
        return;
    }
    if (csv[0] != '\0' && ah_mapping_parse(m, csv, strlen(csv), &rows, &err) == AH_OK)
        ah_mapping_set_rows(m, rows);
    else if (csv[0] != '\0')
        ah_log(AH_LOG_ERROR, "mapping schema %lld: rows left out: %s", (long long)id, err.msg);
    ah_process_table_put_mapping(arg, m);
    ah_mapping_unref(m);
}

/* Saved rules were valid when saved; one that no longer compiles is left
 * out, loudly, rather than guessed (routes left out answer "no route
 * matched"). */
static void load_rules(int64_t id, const json_t *routes, const json_t *enrichment,
                       const json_t *pipeline, void *arg)
{
    struct ah_enrichment *e;
    struct ah_pipeline *p;
    struct ah_routes *r;
    struct ah_error err;

    if (routes != NULL && ah_routes_compile(routes, &r, &err) == AH_OK) {
        ah_process_table_set_routes(arg, id, r);
        ah_routes_unref(r);
    } else if (routes != NULL) {
        ah_log(AH_LOG_ERROR, "integration %lld: routes left out: %s", (long long)id, err.msg);
    }
    if (enrichment != NULL &&
        ah_enrichment_compile(enrichment, ah_process_table_mapping, arg, &e, &err) == AH_OK) {
        ah_process_table_set_enrichment(arg, id, e);
        ah_enrichment_unref(e);
    } else if (enrichment != NULL) {
        ah_log(AH_LOG_ERROR, "integration %lld: enrichment left out: %s", (long long)id, err.msg);
    }
    if (pipeline != NULL && ah_pipeline_compile(pipeline, &p, &err) == AH_OK) {
        ah_process_table_set_pipeline(arg, id, p);
        ah_pipeline_unref(p);
    } else if (pipeline != NULL) {
        ah_log(AH_LOG_ERROR, "integration %lld: pipeline left out: %s", (long long)id, err.msg);
    }
}

struct seed {
    struct ah_process_table *table;
    struct ah_pipe_sources *sources;
};

/* A recent open alert is an inhibit source again after a restart, as it was
 * before: noted at its own last time, so the 600-second window holds. */
static void seed_source(const json_t *a, void *arg)
{
    struct seed *seed = arg;
    int64_t intg = ah_json_id(json_object_get(a, "integration_id"));
    struct ah_intg_rules *rules = ah_process_table_get(seed->table, intg);
    struct ah_filter_subject s = {.severity = json_string_value(json_object_get(a, "status")),
                                  .title = json_string_value(json_object_get(a, "title")),
                                  .description =
                                      json_string_value(json_object_get(a, "description")),
                                  .alert_key = json_string_value(json_object_get(a, "alert_key")),
                                  .integration_id = intg,
                                  .labels = json_object_get(a, "labels")};

    if (rules != NULL && rules->pipeline != NULL)
        ah_pipe_sources_note(seed->sources, rules->pipeline, &s,
                             ah_json_id(json_object_get(a, "channel_id")),
                             json_integer_value(json_object_get(a, "last_time")));
    ah_intg_rules_unref(rules);
}

static void load_channel_name(int64_t id, const char *name, void *arg)
{
    ah_process_table_name(arg, name, id);
}

static int set_log_level(const char *name)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    int i;

    for (i = 0; i < 4; i++) {
        if (strcmp(name, names[i]) == 0) {
            ah_log_min_level = (enum ah_log_level)i;
            return 0;
        }
    }
    fprintf(stderr, "alerthub: --log-level must be debug, info, warn or error\n");
    return -1;
}

/* Blocks until SIGTERM, SIGINT or SIGHUP. The signals were blocked in every thread
 * before any was started, so only this sigwait sees them. */
static int wait_for_signal(const sigset_t *set)
{
    int sig = 0;

    sigwait(set, &sig);
    return sig;
}

struct parts {
    struct ah_process_table *process;
    struct ah_pipe_sources *pipe_sources;
    struct ah_tokens *tokens;
    struct ah_store *store;
    struct ah_reduce *reduce;
    struct ah_writer *writer;
    struct ah_integrations *integrations;
    struct ah_sender *sender;
    struct ah_server *server;
};

/* ================= delivery outcomes, through the writer ================= */

struct record_job {
    struct ah_job job;
    const struct ah_sender_outcome *res;
    size_t n;
    void (*done)(void *ctx, int committed);
    void *ctx;
};

static int record_run(struct ah_job *job, struct ah_store_tx *tx, struct ah_reduce *reduce,
                      int64_t now, struct ah_error *err)
{
    struct record_job *rj = (struct record_job *)job;
    size_t i;
    int rc = AH_OK;

    (void)reduce;
    (void)now;
    for (i = 0; rc == AH_OK && i < rj->n; i++) {
        const struct ah_sender_outcome *o = &rj->res[i];

        if (o->row != NULL)
            rc = ah_store_tx_delivery_insert_outcome(tx, o->row, &o->res, err);
        else
            rc = ah_store_tx_delivery_result(tx, &o->res, err);
        if (rc == AH_OK && o->cursor_feed > 0)
            rc = ah_store_tx_target_cursor_set(tx, o->cursor_target, o->cursor_feed, err);
    }
    return rc;
}

static void record_finish(struct ah_job *job)
{
    struct record_job *rj = (struct record_job *)job;

    rj->done(rj->ctx, job->rc == AH_OK);
    ah_free(rj);
}

/* The sender's outcomes are written by the writer, like every other row. */
static int record(void *arg, const struct ah_sender_outcome *res, size_t n,
                  void (*done)(void *ctx, int committed), void *ctx)
{
    struct record_job *rj = ah_xcalloc(1, sizeof(*rj));

    rj->job.run = record_run;
    rj->job.done = record_finish;
    rj->res = res;
    rj->n = n;
    rj->done = done;
    rj->ctx = ctx;
    if (ah_writer_submit(arg, &rj->job, NULL) < 0) {
        ah_free(rj);
        return -1;
    }
    return 0;
}

static void wake_sender(void *arg)
{
    struct parts *p = arg;
    /* The writer starts before the sender exists (the sender needs it). */
    struct ah_sender *sender = __atomic_load_n(&p->sender, __ATOMIC_ACQUIRE);

    if (sender != NULL)
        ah_sender_wake(sender);
}

static int start(const struct config *c, struct ah_app *app, struct parts *p, char **new_token,
                 struct ah_error *err)
{
    struct ah_store_conf sc = {
        .dir = c->data, .synchronous = c->synchronous, .busy_timeout_ms = (int)c->busy_timeout_ms};
    struct ah_writer_conf wc = {
        .queue_max = (size_t)c->queue_max,
        .clock = &app->clock,
        .on_outbox = wake_sender,
        .on_outbox_arg = p,
        .retention_secs =
            c->retention_seconds > 0 ? c->retention_seconds : c->retention_days * 86400,
        .incident_retention_secs = c->incident_retention_seconds > 0
                                       ? c->incident_retention_seconds
                                       : c->incident_retention_days * 86400};
    struct ah_sender_conf nc = {.clock = &app->clock,
                                .console_url = app->public_url,
                                .smtp_url = c->smtp_url,
                                .smtp_from = c->smtp_from,
                                .timeout_ms = c->notify_timeout_ms,
                                .retry_for = c->notify_retry_for,
                                .record = record};
    struct ah_server_conf hc = {.threads = (unsigned)c->threads,
                                .max_connections_per_ip = (unsigned)c->max_connections_per_ip};
    char host[128];
    int rc;

    if (split_listen(c->listen, host, sizeof(host), &hc.port) < 0)
        return ah_error_set(err, AH_EINVAL, "--listen must be ADDR:PORT, not \"%s\"", c->listen);
    hc.host = host;
    rc = ah_store_open(&sc, &p->store, err);
    if (rc == AH_OK)
        rc = init_admin_token(p->store, c->admin_token, app->admin_token_hash, new_token, err);
    if (rc == AH_OK)
        rc = prune_retries(p->store, err);
    if (rc == AH_OK)
        rc = ah_tokens_new(p->store, &p->tokens, err);
    p->integrations = ah_integrations_new();
    if (rc == AH_OK)
        rc = ah_store_integrations_each(p->store, load_integration, p->integrations, err);
    p->process = ah_process_table_new();
    p->pipe_sources = ah_pipe_sources_new();
    if (rc == AH_OK)
        rc = ah_store_mappings_each(p->store, load_mapping, p->process, err);
    if (rc == AH_OK)
        rc = ah_store_integration_rules_each(p->store, load_rules, p->process, err);
    if (rc == AH_OK) {
        struct seed seed = {p->process, p->pipe_sources};

        rc = ah_store_recent_alerts_each(
            p->store, ah_clock_now(&app->clock) - AH_PIPELINE_SOURCE_AGE, seed_source, &seed, err);
    }
    if (rc == AH_OK)
        rc = ah_store_channels_each(p->store, load_channel_name, p->process, err);
    p->reduce = ah_reduce_new();
    if (rc == AH_OK)
        rc = ah_reduce_load(p->reduce, p->store, err);
    if (rc == AH_OK)
        rc = ah_writer_new(p->store, p->reduce, &wc, &p->writer, err);
    nc.store = p->store;
    nc.record_arg = p->writer;
    if (rc == AH_OK) {
        struct ah_sender *sender;

        rc = ah_sender_new(&nc, &sender, err);
        if (rc == AH_OK)
            __atomic_store_n(&p->sender, sender, __ATOMIC_RELEASE);
    }
    app->sender = p->sender;
    app->store = p->store;
    app->writer = p->writer;
    app->integrations = p->integrations;
    app->process = p->process;
    app->pipe_sources = p->pipe_sources;
    app->tokens = p->tokens;
    if (rc == AH_OK)
        rc = ah_server_start(&hc, app, &p->server, err);
    return rc;
}

/* Order matters: stop taking connections, let the writer finish what it
 * was given (that resumes every waiting request), then close the server. */
static void stop(struct parts *p)
{
    if (p->server != NULL)
        ah_server_quiesce(p->server);
    /* The sender before the writer: its last outcomes are then written. */
    if (p->sender != NULL)
        ah_sender_stop(p->sender);
    if (p->writer != NULL)
        ah_writer_stop(p->writer);
    ah_server_free(p->server);
    ah_writer_free(p->writer);
    ah_sender_free(p->sender);
    ah_reduce_free(p->reduce);
    ah_integrations_free(p->integrations);
    ah_process_table_free(p->process);
    ah_pipe_sources_free(p->pipe_sources);
    ah_tokens_free(p->tokens);
    ah_store_free(p->store);
}

/* ================= the configuration file (docs/config.md) ================= */

/* Checks and applies --config FILE; every error is logged with where it
 * is. On a failure nothing was changed. */
static int apply_config_file(struct ah_app *app, const char *file, const char *refused)
{
    struct ah_config_report r;
    json_t *doc = NULL;
    int rc;

    ah_config_report_init(&r, file);
    rc = ah_config_load(&r, app->process, &doc);
    if (rc == AH_OK)
        rc = ah_config_apply(app, doc, &r);
    if (rc == AH_OK)
        ah_log(AH_LOG_INFO, "configuration %s applied", file);
    else
        ah_log(AH_LOG_ERROR, "%s: configuration %s has %zu error(s):\n%s", refused, file, r.errors,
               ah_buf_str(&r.text));
    json_decref(doc);
    ah_config_report_done(&r);
    return rc;
}

/* Waits for SIGTERM or SIGINT; each SIGHUP on the way re-applies the
 * configuration file (a bad one is refused and the running one kept). */
static int serve_until_stopped(struct ah_app *app, const struct config *c, const sigset_t *set)
{
    int sig;

    while ((sig = wait_for_signal(set)) == SIGHUP) {
        if (c->config_file == NULL)
            ah_log(AH_LOG_INFO, "SIGHUP ignored: no --config file");
        else
            (void)apply_config_file(app, c->config_file, "SIGHUP refused");
    }
    return sig;
}

/* alerthub check-config FILE: every error, without a server; 0 when the
 * file is sound, 1 when it is not, 2 on a usage error. */
static int check_config(int argc, char **argv)
{
    struct ah_config_report r;
    json_t *doc = NULL;
    int rc;

    if (argc != 3) {
        fprintf(stderr, "usage: alerthub check-config FILE\n");
        return 2;
    }
    ah_config_report_init(&r, argv[2]);
    rc = ah_config_load(&r, NULL, &doc);
    if (rc == AH_OK)
        printf("%s: ok\n", argv[2]);
    else
        fprintf(stderr, "%s%s: %zu error(s)\n", ah_buf_str(&r.text), argv[2], r.errors);
    json_decref(doc);
    ah_config_report_done(&r);
    return rc == AH_OK ? 0 : 1;
}

static void announce(const struct ah_app *app, const char *new_token)
{
    printf("alerthub: console   %s/\n", app->public_url);
    if (new_token != NULL)
        printf("alerthub: admin token (shown once, stored hashed): %s\n", new_token);
    else
        printf("alerthub: admin token: the one printed at first start (or --admin-token)\n");
    fflush(stdout);
}

static int serve(const struct config *c)
{
    struct ah_app app = {.max_body_bytes = (size_t)c->max_body_bytes,
                         .test_clock = c->test_clock != NULL && strcmp(c->test_clock, "on") == 0};
    struct parts p = {0};
    struct ah_error err;
    char *new_token = NULL, url[256];
    sigset_t set;
    int rc, sig;

    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    snprintf(url, sizeof(url), "%s", c->public_url ? c->public_url : "");
    if (url[0] == '\0')
        snprintf(url, sizeof(url), "http://%s", c->listen);
    while (strlen(url) > 0 && url[strlen(url) - 1] == '/')
        url[strlen(url) - 1] = '\0';
    app.public_url = url;
    ah_metrics_init(&app.metrics);
    ah_error_clear(&err);
    rc = start(c, &app, &p, &new_token, &err);
    if (rc < 0) {
        ah_log(AH_LOG_ERROR, "could not start: %s", err.msg);
        stop(&p);
        return 1;
    }
    if (c->config_file != NULL &&
        apply_config_file(&app, c->config_file, "refusing to start") < 0) {
        stop(&p);
        return 2;
    }
    announce(&app, new_token);
    ah_free(new_token);
    ah_log(AH_LOG_INFO, "ready: listening on %s, data in %s (sqlite, synchronous=%s)", c->listen,
           c->data, c->synchronous);
    sig = serve_until_stopped(&app, c, &set);
    ah_log(AH_LOG_INFO, "stopping on signal %d", sig);
    stop(&p);
    ah_log(AH_LOG_INFO, "stopped");
    return 0;
}

static void usage(void)
{
    size_t i;

    fprintf(stderr, "usage: alerthub serve [options]\noptions (each also an environment "
                    "variable):\n");
    for (i = 0; i < sizeof(options) / sizeof(options[0]); i++)
        fprintf(stderr, "  %-20s %s\n", options[i].flag, options[i].env);
}

int main(int argc, char **argv)
{
    struct config c;

    if (argc >= 2 && strcmp(argv[1], "check-config") == 0)
        return check_config(argc, argv);
    if (argc < 2 || strcmp(argv[1], "serve") != 0) {
        usage();
        return 2;
    }
    if (parse_config(argc, argv, &c) < 0 || set_log_level(c.log_level) < 0)
        return 2;
    if (c.database_url != NULL) {
        /* Refuse rather than silently use SQLite: the operator asked for
         * PostgreSQL and would lose the shared state they expect. */
        fprintf(stderr, "alerthub: --database-url (PostgreSQL) is not supported yet; "
                        "leave it unset to use SQLite in --data\n");
        return 2;
    }
    if (strcmp(c.synchronous, "full") != 0 && strcmp(c.synchronous, "normal") != 0) {
        fprintf(stderr, "alerthub: --synchronous must be full or normal\n");
        return 2;
    }
    return serve(&c);
}
