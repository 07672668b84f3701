/* main.c - command line, configuration, wiring and signals.
 *
 *   alerthub serve [--listen ADDR:PORT] [--data DIR] [--admin-token-file PATH]
 *                  [--log-format text|logfmt|json] [--tls-cert FILE --tls-key FILE]
 *                  ...                                    run the server
 *   alerthub push URL [--severity S] [--title T]          send one test event
 *   alerthub backup PATH [--data DIR]                     copy the database
 *   alerthub migrate --from sqlite:DIR --to postgres://…   copy SQLite into PostgreSQL
 *   alerthub --help | --version
 *
 * Each command's options are one table of rows (flag, value, environment
 * variable, default, meaning); the usage is printed from the same tables, so
 * it cannot drift from what is parsed. Every serve option is also read from
 * the environment (ALERTHUB_LISTEN, ...); the command line wins. Configuration
 * is read once into struct config and never changes afterwards. Usage errors
 * exit 2, a failed command 1. */
#include "http/app.h"
#include "http/config.h"
#include "http/server.h"
#include "ingest/integrations.h"
#include "notify/post.h"
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
#include <sys/stat.h>

#ifndef AH_VERSION
#error "AH_VERSION is set by the Makefile, from the file VERSION"
#endif

#define TOKEN_FILE_MAX 4096 /* bytes; a token is 64 hex digits, a file of more is a mistake */

struct config {
    const char *listen;
    const char *data;
    const char *public_url;
    const char *admin_token;
    const char *admin_token_file;
    const char *synchronous;
    const char *log_level;
    const char *log_format;
    const char *database_url;
    const char *test_clock;
    const char *smtp_url;
    const char *smtp_from;
    const char *tls_cert; /* with tls_key: serve HTTPS */
    const char *tls_key;
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
    char *token_read; /* owned: the token read from admin_token_file */
};

/* ================= option tables ================= */

/* One row per option: the flag, what its value is, its environment variable
 * (or none), the field it sets (a string, or a long within min..max), its
 * default (set as if given; NULL leaves the field unset, and unset then says
 * what that means) and one line of help. */
enum option_kind { OPT_STR, OPT_NUM };

/* An empty value is refused rather than taken for "unset": an empty admin
 * token in a unit file is a mistake, and guessing would either lock every
 * admin out or let anyone in. */
enum option_flags { OPT_REFUSE_EMPTY = 1 };

struct option_row {
    const char *flag, *arg, *env;
    enum option_kind kind;
    size_t offset;
    long min, max;
    const char *def, *unset, *help;
    int flags;
};

#define CONF(field) offsetof(struct config, field)

static const struct option_row serve_options[] = {
    {"--listen", "ADDR:PORT", "ALERTHUB_LISTEN", OPT_STR, CONF(listen), 0, 0, "127.0.0.1:8080",
     NULL, "where to serve (IPv4, or [v6]:port)", 0},
    {"--data", "DIR", "ALERTHUB_DATA", OPT_STR, CONF(data), 0, 0, "./data", NULL,
     "folder of the SQLite database alerthub.db", 0},
    {"--public-url", "URL", "ALERTHUB_PUBLIC_URL", OPT_STR, CONF(public_url), 0, 0, NULL,
     "http://ADDR:PORT of --listen", "base of the push URLs and console links shown to users", 0},
    {"--admin-token", "TOKEN", "ALERTHUB_ADMIN_TOKEN", OPT_STR, CONF(admin_token), 0, 0, NULL,
     "the stored one, or a new one printed at first start",
     "use this admin token (only its hash is stored); empty is refused", OPT_REFUSE_EMPTY},
    {"--admin-token-file", "PATH", "ALERTHUB_ADMIN_TOKEN_FILE", OPT_STR, CONF(admin_token_file), 0,
     0, NULL, "none",
     "read the admin token from this file (trailing line breaks dropped; empty is refused)",
     OPT_REFUSE_EMPTY},
    {"--max-body-bytes", "N", "ALERTHUB_MAX_BODY_BYTES", OPT_NUM, CONF(max_body_bytes), 1024,
     64L << 20, "1048576", NULL, "larger push bodies get 413 EntityTooLarge", 0},
    {"--queue-max", "N", "ALERTHUB_QUEUE_MAX", OPT_NUM, CONF(queue_max), 1, 1000000, "8192", NULL,
     "writes waiting for the writer; more get 503", 0},
    {"--busy-timeout-ms", "N", "ALERTHUB_BUSY_TIMEOUT_MS", OPT_NUM, CONF(busy_timeout_ms), 1,
     600000, "5000", NULL, "how long a commit waits for a database lock before 503", 0},
    {"--synchronous", "full|normal", "ALERTHUB_SYNCHRONOUS", OPT_STR, CONF(synchronous), 0, 0,
     "full", NULL, "SQLite durability: full survives power loss, normal only process crashes", 0},
    {"--threads", "N", "ALERTHUB_THREADS", OPT_NUM, CONF(threads), 1, 64, "4", NULL,
     "HTTP threads (parsing and normalizing run there)", 0},
    {"--max-connections-per-ip", "N", "ALERTHUB_MAX_CONNECTIONS_PER_IP", OPT_NUM,
     CONF(max_connections_per_ip), 1, 4096, "128", NULL,
     "connections one client address may hold at once", 0},
    {"--log-level", "L", "ALERTHUB_LOG_LEVEL", OPT_STR, CONF(log_level), 0, 0, "info", NULL,
     "debug, info, warn or error", 0},
    {"--log-format", "F", "ALERTHUB_LOG_FORMAT", OPT_STR, CONF(log_format), 0, 0, "text", NULL,
     "log lines on stderr as text, logfmt or json (one object per line)", 0},
    {"--smtp-url", "URL", "ALERTHUB_SMTP_URL", OPT_STR, CONF(smtp_url), 0, 0, NULL,
     "none: emails are logged as suppressed", "SMTP server for email, smtp://host:port or smtps://",
     0},
    {"--smtp-from", "ADDR", "ALERTHUB_SMTP_FROM", OPT_STR, CONF(smtp_from), 0, 0,
     "alerthub@localhost", NULL, "From of notification emails", 0},
    {"--notify-timeout-ms", "N", "ALERTHUB_NOTIFY_TIMEOUT_MS", OPT_NUM, CONF(notify_timeout_ms),
     100, 600000, "10000", NULL, "a notification receiver that takes longer is cut off, retried",
     0},
    {"--notify-retry-for", "N", "ALERTHUB_NOTIFY_RETRY_FOR", OPT_NUM, CONF(notify_retry_for), 1,
     7 * 24 * 3600, "3600", NULL, "seconds a notification is retried before it has failed", 0},
    {"--retention-days", "N", "ALERTHUB_RETENTION_DAYS", OPT_NUM, CONF(retention_days), 0, 36500,
     "30", NULL, "events older than this are deleted by housekeeping (0: kept)", 0},
    {"--incident-retention-days", "N", "ALERTHUB_INCIDENT_RETENTION_DAYS", OPT_NUM,
     CONF(incident_retention_days), 0, 36500, "180", NULL,
     "closed incidents older than this are deleted with their alerts and events (0: kept)", 0},
    {"--retention-seconds", "N", "ALERTHUB_RETENTION_SECONDS", OPT_NUM, CONF(retention_seconds), 0,
     36500L * 86400, NULL, "--retention-days",
     "tests and bench only: the events' retention in seconds", 0},
    {"--incident-retention-seconds", "N", "ALERTHUB_INCIDENT_RETENTION_SECONDS", OPT_NUM,
     CONF(incident_retention_seconds), 0, 36500L * 86400, NULL, "--incident-retention-days",
     "tests and bench only: the closed incidents' retention in seconds", 0},
    {"--tls-cert", "FILE", "ALERTHUB_TLS_CERT", OPT_STR, CONF(tls_cert), 0, 0, NULL,
     "none: plain HTTP", "PEM certificate (chain) of the listener; with --tls-key, HTTPS only", 0},
    {"--tls-key", "FILE", "ALERTHUB_TLS_KEY", OPT_STR, CONF(tls_key), 0, 0, NULL, "none",
     "PEM private key of that certificate (unencrypted); give both TLS flags or neither", 0},
    {"--config", "FILE", "ALERTHUB_CONFIG", OPT_STR, CONF(config_file), 0, 0, NULL, "none",
     "objects declared as code (docs/config.md), applied at start and on SIGHUP", 0},
    {"--test-clock", "on", "ALERTHUB_TEST_CLOCK", OPT_STR, CONF(test_clock), 0, 0, NULL, "off",
     "tests only: PUT /api/v1/test/clock sets the server's clock", 0},
    {"--database-url", "URL", "ALERTHUB_DATABASE_URL", OPT_STR, CONF(database_url), 0, 0, NULL,
     "none: SQLite in --data",
     "PostgreSQL store, postgres://USER@HOST:PORT/DB (libpq URL; docs/deploy.md)", 0},
};

struct push_conf {
    const char *severity, *title;
    long timeout_ms;
};

static const struct option_row push_options[] = {
    {"--severity", "S", NULL, OPT_STR, offsetof(struct push_conf, severity), 0, 0, "Info", NULL,
     "event_status: Critical, Warning, Info or Ok", 0},
    {"--title", "T", NULL, OPT_STR, offsetof(struct push_conf, title), 0, 0, "alerthub test event",
     NULL, "title_rule of the event", 0},
    {"--timeout-ms", "N", NULL, OPT_NUM, offsetof(struct push_conf, timeout_ms), 100, 600000,
     "10000", NULL, "give up when the server takes longer", 0},
};

struct backup_conf {
    const char *data;
};

static const struct option_row backup_options[] = {
    {"--data", "DIR", "ALERTHUB_DATA", OPT_STR, offsetof(struct backup_conf, data), 0, 0, "./data",
     NULL, "the server's data folder (its alerthub.db is copied)", 0},
};

struct migrate_conf {
    const char *from, *to;
};

static const struct option_row migrate_options[] = {
    {"--from", "sqlite:DIR", NULL, OPT_STR, offsetof(struct migrate_conf, from), 0, 0, NULL,
     "required", "the SQLite installation: its data folder (or its alerthub.db)", 0},
    {"--to", "URL", NULL, OPT_STR, offsetof(struct migrate_conf, to), 0, 0, NULL, "required",
     "a new, empty PostgreSQL database, postgres://USER@HOST:PORT/DB", 0},
};

#define NROWS(t) (sizeof(t) / sizeof((t)[0]))

static void usage(FILE *out);

static int set_option(void *conf, const struct option_row *o, const char *value)
{
    char *end;
    long v;

    if (value[0] == '\0' && (o->flags & OPT_REFUSE_EMPTY)) {
        fprintf(stderr,
                "alerthub: %s (%s) is empty, and an empty value is refused; give one, or leave it "
                "unset\n",
                o->flag, o->env);
        return -1;
    }
    if (o->kind == OPT_STR) {
        *(const char **)((char *)conf + o->offset) = value;
        return 0;
    }
    errno = 0;
    v = strtol(value, &end, 10);
    if (errno != 0 || *end != '\0' || v < o->min || v > o->max) {
        fprintf(stderr, "alerthub: %s must be an integer from %ld to %ld, not \"%s\"\n", o->flag,
                o->min, o->max, value);
        return -1;
    }
    *(long *)((char *)conf + o->offset) = v;
    return 0;
}

/* Defaults, then the environment (an empty variable counts as unset unless
 * the row refuses empty values), then the command line. Arguments that are
 * not options fill @positional (@npos of them, all required). */
static int parse_options(const struct option_row *rows, size_t nrows, void *conf, int argc,
                         char **argv, const char **positional, int npos)
{
    int a, got = 0;
    size_t i;

    for (i = 0; i < nrows; i++) {
        const char *v = rows[i].env ? getenv(rows[i].env) : NULL;

        if (rows[i].def != NULL && set_option(conf, &rows[i], rows[i].def) < 0)
            return -1;
        if (v == NULL || (v[0] == '\0' && !(rows[i].flags & OPT_REFUSE_EMPTY)))
            continue;
        if (set_option(conf, &rows[i], v) < 0)
            return -1;
    }
    for (a = 0; a < argc; a++) {
        for (i = 0; i < nrows && strcmp(argv[a], rows[i].flag) != 0; i++)
            ;
        if (i < nrows && a + 1 < argc) {
            if (set_option(conf, &rows[i], argv[++a]) < 0)
                return -1;
        } else if (argv[a][0] != '-' && got < npos) {
            positional[got++] = argv[a];
        } else {
            fprintf(stderr, "alerthub: unrecognized or incomplete option \"%s\"\n", argv[a]);
            usage(stderr);
            return -1;
        }
    }
    if (got < npos) {
        fprintf(stderr, "alerthub: missing argument\n");
        usage(stderr);
        return -1;
    }
    return 0;
}

/* Sets *@ret to the index of @value in @names (NULL-terminated). */
static int pick(const char *value, const char *const *names, const char *what, int *ret)
{
    int i;

    for (i = 0; names[i] != NULL; i++) {
        if (strcmp(value, names[i]) == 0) {
            *ret = i;
            return 0;
        }
    }
    fprintf(stderr, "alerthub: %s cannot be \"%s\"; see alerthub --help\n", what, value);
    return -1;
}

/* The admin token from --admin-token-file: the file's text without its
 * trailing line break, so that `echo TOKEN > file` works. */
static int read_token_file(struct config *c)
{
    FILE *f = fopen(c->admin_token_file, "r");
    char buf[TOKEN_FILE_MAX + 1];
    size_t n;

    if (f == NULL) {
        fprintf(stderr, "alerthub: --admin-token-file \"%s\": %s\n", c->admin_token_file,
                strerror(errno));
        return -1;
    }
    n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    if (n == 0 || n > TOKEN_FILE_MAX || memchr(buf, '\0', n) != NULL) {
        fprintf(stderr,
                "alerthub: --admin-token-file \"%s\" must hold one token of 1 to %d bytes\n",
                c->admin_token_file, TOKEN_FILE_MAX);
        return -1;
    }
    c->token_read = ah_xstrndup(buf, n);
    c->admin_token = c->token_read;
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
static void seed_source(const struct ah_alert_view *v, void *arg)
{
    struct seed *seed = arg;
    const struct ah_alert *a = &v->row;
    struct ah_intg_rules *rules = ah_process_table_get(seed->table, a->integration_id);
    struct ah_filter_subject s;
    json_t *labels;

    ah_filter_subject_of_alert(a, &s, &labels);
    if (rules != NULL && rules->pipeline != NULL)
        ah_pipe_sources_note(seed->sources, rules->pipeline, &s, a->channel_id, a->last_time);
    ah_intg_rules_unref(rules);
    json_decref(labels);
}

static void load_channel_name(int64_t id, const char *name, void *arg)
{
    ah_process_table_name(arg, name, id);
}

/* What the HTTP side caches of the configuration: integrations (push
 * keys), their rules, mapping tables and channel names. */
static int load_config(struct ah_store *store, struct ah_integrations *intg,
                       struct ah_process_table *process, struct ah_error *err)
{
    int rc = ah_store_integrations_each(store, load_integration, intg, err);

    if (rc == AH_OK)
        rc = ah_store_mappings_each(store, load_mapping, process, err);
    if (rc == AH_OK)
        rc = ah_store_integration_rules_each(store, load_rules, process, err);
    if (rc == AH_OK)
        rc = ah_store_channels_each(store, load_channel_name, process, err);
    return rc;
}

/* The pipeline's inhibit sources, noted again from the recent open alerts. */
static int seed_sources(struct ah_store *store, struct ah_process_table *process,
                        struct ah_pipe_sources *sources, int64_t now, struct ah_error *err)
{
    struct seed seed = {process, sources};

    return ah_store_recent_alerts_each(store, now - AH_PIPELINE_SOURCE_AGE, seed_source, &seed,
                                       err);
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
    struct ah_clock *clock;
    struct ah_process_table *process;
    struct ah_pipe_sources *pipe_sources;
    struct ah_tokens *tokens;
    struct ah_sessions *sessions;
    struct ah_store *store;
    struct ah_reduce *reduce;
    struct ah_writer *writer;
    struct ah_integrations *integrations;
    struct ah_sender *sender;
    struct ah_server *server;
    struct ah_tls tls;
};

/* ================= other nodes' writes (PostgreSQL) ================= */

/* The writer found that another node changed what this one keeps in
 * memory beside the reducer (store.h): it is loaded again, inside the
 * writer's transaction. The caches are replaced whole, each at once. */
static int catch_up(void *arg, int what, struct ah_error *err)
{
    struct parts *p = arg;
    int rc = AH_OK;

    if (what & AH_STORE_STALE_CONFIG) {
        struct ah_integrations *intg = ah_integrations_new();
        struct ah_process_table *process = ah_process_table_new();

        rc = load_config(p->store, intg, process, err);
        if (rc == AH_OK)
            rc = ah_tokens_reload(p->tokens, p->store, err);
        if (rc == AH_OK) {
            ah_integrations_take(p->integrations, intg);
            ah_process_table_take(p->process, process);
            /* A session another node ended: asked of the store again. */
            ah_sessions_clear(p->sessions);
        } else {
            ah_integrations_free(intg);
            ah_process_table_free(process);
        }
    }
    if (rc == AH_OK && (what & AH_STORE_STALE_DATA)) {
        ah_pipe_sources_clear(p->pipe_sources);
        rc = seed_sources(p->store, p->process, p->pipe_sources, ah_clock_now(p->clock), err);
    }
    return rc;
}

/* An open alert another node changed is an inhibit source for the
 * pipeline here too, as it was on that node. */
static void caught_up(const struct ah_alert_view *v, void *arg)
{
    struct parts *p = arg;
    struct seed seed = {p->process, p->pipe_sources};

    seed_source(v, &seed);
}

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

static int apply_config_file(struct ah_app *app, const char *file, const char *refused);

static int start(const struct config *c, struct ah_app *app, struct parts *p, char **new_token,
                 struct ah_error *err)
{
    struct ah_store_conf sc = {.database_url = c->database_url,
                               .dir = c->data,
                               .synchronous = c->synchronous,
                               .busy_timeout_ms = (int)c->busy_timeout_ms};
    struct ah_writer_conf wc = {
        .queue_max = (size_t)c->queue_max,
        .clock = &app->clock,
        .on_outbox = wake_sender,
        .on_outbox_arg = p,
        .on_stale = catch_up,
        .on_caught_up = caught_up,
        .on_stale_arg = p,
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
    /* Before the store: a first start that fails here generates no token. */
    if (c->tls_cert != NULL) {
        rc = ah_tls_load(c->tls_cert, c->tls_key, &p->tls, err);
        if (rc < 0)
            return rc;
        hc.tls = &p->tls;
    }
    rc = ah_store_open(&sc, &p->store, err);
    if (rc == AH_OK)
        rc = init_admin_token(p->store, c->admin_token, app->admin_token_hash, new_token, err);
    if (rc == AH_OK)
        rc = prune_retries(p->store, err);
    if (rc == AH_OK)
        rc = ah_tokens_new(p->store, &p->tokens, err);
    p->clock = &app->clock;
    p->sessions = ah_sessions_new(); /* before the writer, whose catch_up clears it */
    p->integrations = ah_integrations_new();
    p->process = ah_process_table_new();
    p->pipe_sources = ah_pipe_sources_new();
    if (rc == AH_OK)
        rc = load_config(p->store, p->integrations, p->process, err);
    if (rc == AH_OK)
        rc = seed_sources(p->store, p->process, p->pipe_sources, ah_clock_now(p->clock), err);
    p->reduce = ah_reduce_new();
    if (rc == AH_OK)
        rc = ah_reduce_load(p->reduce, p->store, err);
    ah_release_unused();
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
    app->sessions = p->sessions;
    /* The configuration file before the port opens: no client ever sees
     * the state before it (a fixed integration key not yet known). */
    if (rc == AH_OK && c->config_file != NULL &&
        apply_config_file(app, c->config_file, "refusing to start") < 0)
        rc = ah_error_set(err, AH_EINVAL, "the configuration file %s was refused", c->config_file);
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
    ah_sessions_free(p->sessions);
    ah_store_free(p->store);
    ah_tls_done(&p->tls);
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

/* alerthub check-config FILE (@argv after the command): every error,
 * without a server; 0 when the file is sound, 1 when it is not, 2 on a
 * usage error. */
static int cmd_check_config(int argc, char **argv)
{
    struct ah_config_report r;
    json_t *doc = NULL;
    int rc;

    if (argc != 1) {
        fprintf(stderr, "usage: alerthub check-config FILE\n");
        return 2;
    }
    ah_config_report_init(&r, argv[0]);
    rc = ah_config_load(&r, NULL, &doc);
    if (rc == AH_OK)
        printf("%s: ok\n", argv[0]);
    else
        fprintf(stderr, "%s%s: %zu error(s)\n", ah_buf_str(&r.text), argv[0], r.errors);
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

    ah_alloc_configure();
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    snprintf(url, sizeof(url), "%s", c->public_url ? c->public_url : "");
    if (url[0] == '\0')
        snprintf(url, sizeof(url), "%s://%s", c->tls_cert ? "https" : "http", c->listen);
    while (strlen(url) > 0 && url[strlen(url) - 1] == '/')
        url[strlen(url) - 1] = '\0';
    app.public_url = url;
    ah_metrics_init(&app.metrics);
    ah_error_clear(&err);
    rc = start(c, &app, &p, &new_token, &err);
    if (rc < 0) {
        ah_log(AH_LOG_ERROR, "could not start: %s", err.msg);
        stop(&p);
        return err.code == AH_EINVAL ? 2 : 1; /* 2: a configuration error */
    }
    announce(&app, new_token);
    ah_free(new_token);
    if (c->database_url != NULL)
        ah_log(AH_LOG_INFO, "ready: listening on %s, data in PostgreSQL", c->listen);
    else
        ah_log(AH_LOG_INFO, "ready: listening on %s, data in %s (sqlite, synchronous=%s)",
               c->listen, c->data, c->synchronous);
    sig = serve_until_stopped(&app, c, &set);
    ah_log(AH_LOG_INFO, "stopping on signal %d", sig);
    stop(&p);
    ah_log(AH_LOG_INFO, "stopped");
    return 0;
}

/* ================= the commands ================= */

static void print_options(FILE *out, const char *title, const struct option_row *rows, size_t nrows)
{
    size_t i;

    fprintf(out, "\n%s\n", title);
    for (i = 0; i < nrows; i++) {
        const struct option_row *o = &rows[i];
        char flag[64];

        snprintf(flag, sizeof(flag), "%s %s", o->flag, o->arg);
        fprintf(out, "  %-30s %s\n  %-30s default: %s", flag, o->help, "",
                o->def ? o->def : o->unset);
        if (o->env != NULL)
            fprintf(out, "; environment: %s", o->env);
        fputc('\n', out);
    }
}

static void usage(FILE *out)
{
    fprintf(out, "usage: alerthub serve [options]          run the server\n"
                 "       alerthub push URL [options]       send one test event to a push URL\n"
                 "       alerthub backup PATH [options]    copy the database into a new file\n"
                 "       alerthub migrate --from sqlite:DIR --to postgres://...\n"
                 "                                         copy a SQLite installation into "
                 "PostgreSQL\n"
                 "       alerthub check-config FILE        check a --config file, listing every "
                 "error\n"
                 "       alerthub --help | --version\n");
    print_options(out, "serve options (each also an environment variable; the flag wins):",
                  serve_options, NROWS(serve_options));
    print_options(out, "push options:", push_options, NROWS(push_options));
    print_options(out, "backup options:", backup_options, NROWS(backup_options));
    print_options(out, "migrate options:", migrate_options, NROWS(migrate_options));
    fprintf(out, "\nexit status: 0 done, 1 failed (push: any answer but HTTP 200), 2 bad usage\n");
}

/* Checks what the option table cannot: choices, and one source of token. */
static int check_config(struct config *c)
{
    static const char *const levels[] = {"debug", "info", "warn", "error", NULL};
    static const char *const formats[] = {"text", "logfmt", "json", NULL};
    static const char *const syncs[] = {"full", "normal", NULL};
    int level, format, sync;

    if (pick(c->log_level, levels, "--log-level", &level) < 0 ||
        pick(c->log_format, formats, "--log-format", &format) < 0 ||
        pick(c->synchronous, syncs, "--synchronous", &sync) < 0)
        return -1;
    ah_log_min_level = (enum ah_log_level)level;
    ah_log_format = (enum ah_log_format)format;
    if (c->database_url != NULL && !ah_store_url_is_postgres(c->database_url)) {
        /* Refuse rather than silently use SQLite: the operator asked for a
         * shared database and would lose the shared state they expect. */
        fprintf(stderr, "alerthub: --database-url must be a postgres:// or postgresql:// URL\n");
        return -1;
    }
    if (c->admin_token != NULL && c->admin_token_file != NULL) {
        fprintf(stderr, "alerthub: give --admin-token or --admin-token-file, not both\n");
        return -1;
    }
    if ((c->tls_cert == NULL) != (c->tls_key == NULL)) {
        fprintf(stderr, "alerthub: --tls-cert and --tls-key go together: give both (HTTPS) "
                        "or neither (HTTP)\n");
        return -1;
    }
    return c->admin_token_file != NULL ? read_token_file(c) : 0;
}

static int cmd_serve(int argc, char **argv)
{
    struct config c = {0};
    int rc = 2;

    if (parse_options(serve_options, NROWS(serve_options), &c, argc, argv, NULL, 0) == 0 &&
        check_config(&c) == 0)
        rc = serve(&c);
    ah_free(c.token_read);
    return rc;
}

static int cmd_push(int argc, char **argv)
{
    struct push_conf pc = {0};
    const char *url;
    json_t *event;
    char *body, *answer = NULL;
    struct ah_error err;
    long status = 0;
    int rc;

    if (parse_options(push_options, NROWS(push_options), &pc, argc, argv, &url, 1) < 0)
        return 2;
    event = json_pack("{s:s, s:s, s:s, s:s}", "event_status", pc.severity, "title_rule", pc.title,
                      "alert_key", "alerthub-cli-test", "description",
                      "A test event sent with `alerthub push` (alerthub " AH_VERSION ").");
    body = event ? json_dumps(event, JSON_COMPACT) : NULL;
    json_decref(event);
    if (body == NULL) {
        fprintf(stderr, "alerthub: could not build the event (is --title valid UTF-8?)\n");
        return 2;
    }
    rc = ah_post_json(url, body, pc.timeout_ms, &status, &answer, &err);
    free(body);
    if (rc < 0) {
        fprintf(stderr, "alerthub: %s\n", err.msg);
        return 1;
    }
    printf("%s\n", answer);
    fprintf(stderr, "alerthub: HTTP %ld%s\n", status, status == 200 ? "" : ": not accepted");
    ah_free(answer);
    return status == 200 ? 0 : 1;
}

static int cmd_backup(int argc, char **argv)
{
    struct backup_conf bc = {0};
    struct ah_error err;
    const char *path;

    if (parse_options(backup_options, NROWS(backup_options), &bc, argc, argv, &path, 1) < 0)
        return 2;
    if (ah_store_backup(bc.data, path, &err) < 0) {
        fprintf(stderr, "alerthub: %s\n", err.msg);
        return 1;
    }
    printf("alerthub: %s/alerthub.db copied to %s\n", bc.data, path);
    return 0;
}

static void migrated(const char *table, int64_t rows, void *arg)
{
    (void)arg;
    printf("alerthub: %-20s %lld rows\n", table, (long long)rows);
}

/* The data folder of a sqlite:DIR (or sqlite:DIR/alerthub.db) source, a new
 * string. */
static char *sqlite_dir(const char *from)
{
    const char *path = from + strlen("sqlite:");
    size_t n = strlen(path);
    static const char file[] = "/alerthub.db";

    if (n >= sizeof(file) - 1 && strcmp(path + n - (sizeof(file) - 1), file) == 0)
        n -= sizeof(file) - 1;
    return ah_xstrndup(path, n);
}

static int cmd_migrate(int argc, char **argv)
{
    struct migrate_conf mc = {0};
    struct ah_store_conf from = {0}, to = {0};
    struct ah_store *src = NULL, *dst = NULL;
    struct ah_error err;
    struct stat st;
    char *dir;
    int rc;

    if (parse_options(migrate_options, NROWS(migrate_options), &mc, argc, argv, NULL, 0) < 0)
        return 2;
    if (mc.from == NULL || strncmp(mc.from, "sqlite:", 7) != 0 || mc.to == NULL ||
        !ah_store_url_is_postgres(mc.to)) {
        fprintf(stderr, "alerthub: migrate needs --from sqlite:DIR and --to postgres://...\n");
        return 2;
    }
    dir = sqlite_dir(mc.from);
    from.dir = dir;
    to.database_url = mc.to;
    /* Opening would create an empty database where none is: refuse. */
    if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "alerthub: %s is not a data folder\n", dir);
        ah_free(dir);
        return 1;
    }
    rc = ah_store_open(&from, &src, &err);
    if (rc == AH_OK)
        rc = ah_store_open(&to, &dst, &err);
    if (rc == AH_OK)
        rc = ah_store_copy(src, dst, migrated, NULL, &err);
    if (rc < 0)
        fprintf(stderr, "alerthub: %s\n", err.msg);
    else
        printf("alerthub: %s/alerthub.db copied into PostgreSQL\n", dir);
    ah_store_free(dst);
    ah_store_free(src);
    ah_free(dir);
    return rc < 0 ? 1 : 0;
}

static int asks_for_help(int argc, char **argv)
{
    int a;

    for (a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--help") == 0 || strcmp(argv[a], "-h") == 0)
            return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int argc, char **argv);
    } commands[] = {{"serve", cmd_serve},
                    {"push", cmd_push},
                    {"backup", cmd_backup},
                    {"migrate", cmd_migrate},
                    {"check-config", cmd_check_config}};
    size_t i;
    int rc;

    if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
        printf("alerthub %s\n", AH_VERSION);
        return 0;
    }
    if (asks_for_help(argc, argv)) {
        usage(stdout);
        return 0;
    }
    for (i = 0; argc >= 2 && i < NROWS(commands); i++) {
        if (strcmp(argv[1], commands[i].name) == 0) {
            rc = commands[i].run(argc - 2, argv + 2);
            return rc;
        }
    }
    if (argc >= 2)
        fprintf(stderr, "alerthub: unknown command \"%s\"\n", argv[1]);
    usage(stderr);
    return 2;
}
