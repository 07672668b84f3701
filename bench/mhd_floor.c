/* mhd_floor.c - the floor of alerthub's HTTP stack on this machine (make
 * bench, the "libmicrohttpd floor" rows): a server on the libraries the
 * project's standards name, with alerthub's daemon flags, that does nothing
 * else. Whatever alerthub adds (guards, adapters, rules, the writer and the
 * database) can only cost more, so these rows bound what any push can reach.
 *
 *   mhd_floor PORT MODE
 *
 * MODE:
 *   plain     collect the POST body, answer 200 with a push-sized JSON body
 *   json      the same, after json_loadb of the body (jansson), as a push does
 *   handoff   json, then suspend the connection and queue it for a second
 *             thread that resumes every waiting connection at once (the
 *             writer's hand-off, with no database: a commit that costs
 *             nothing)
 *
 * Stops on SIGTERM or SIGINT. */
#include <jansson.h>
#include <microhttpd.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum mode { PLAIN, JSON, HANDOFF };

struct req {
    char *body;
    size_t len, cap;
    int queued; /* handoff: suspended and queued; answered when resumed */
    struct MHD_Connection *conn;
    struct req *next;
};

struct floor {
    enum mode mode;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct req *head; /* LIFO: the order does not matter here */
    int stopping;
};

static const char answer[] = "{\"request_id\":\"00000000000000000000000000000000\","
                             "\"data\":{\"alert_key\":\"floor\"}}";

static enum MHD_Result respond(struct MHD_Connection *conn)
{
    struct MHD_Response *res =
        MHD_create_response_from_buffer(sizeof(answer) - 1, (void *)answer, MHD_RESPMEM_PERSISTENT);
    enum MHD_Result rc;

    MHD_add_response_header(res, "Content-Type", "application/json");
    rc = MHD_queue_response(conn, MHD_HTTP_OK, res);
    MHD_destroy_response(res);
    return rc;
}

static int append(struct req *r, const char *data, size_t n)
{
    if (r->len + n > r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 1024;
        char *p;

        while (cap < r->len + n)
            cap *= 2;
        p = realloc(r->body, cap);
        if (p == NULL)
            return -1;
        r->body = p;
        r->cap = cap;
    }
    memcpy(r->body + r->len, data, n);
    r->len += n;
    return 0;
}

static int parse(const struct req *r)
{
    json_t *doc = json_loadb(r->body, r->len, 0, NULL);

    if (doc == NULL)
        return -1;
    json_decref(doc);
    return 0;
}

static void handoff(struct floor *f, struct req *r, struct MHD_Connection *conn)
{
    r->conn = conn;
    r->queued = 1;
    MHD_suspend_connection(conn);
    pthread_mutex_lock(&f->lock);
    r->next = f->head;
    f->head = r;
    pthread_cond_signal(&f->wake);
    pthread_mutex_unlock(&f->lock);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn, const char *url,
                               const char *method, const char *version, const char *data,
                               size_t *size, void **state)
{
    struct floor *f = cls;
    struct req *r = *state;

    (void)url;
    (void)version;
    if (strcmp(method, "GET") == 0) /* bench/run.sh's readiness check */
        return respond(conn);
    if (r == NULL) {
        r = calloc(1, sizeof(*r));
        if (r == NULL)
            return MHD_NO;
        *state = r;
        return MHD_YES;
    }
    if (*size > 0) {
        if (append(r, data, *size) < 0)
            return MHD_NO;
        *size = 0;
        return MHD_YES;
    }
    if (r->queued) /* resumed: the "commit" is done */
        return respond(conn);
    if (f->mode != PLAIN && parse(r) < 0)
        return MHD_NO;
    if (f->mode == HANDOFF) {
        handoff(f, r, conn);
        return MHD_YES;
    }
    return respond(conn);
}

static void completed(void *cls, struct MHD_Connection *conn, void **state,
                      enum MHD_RequestTerminationCode why)
{
    struct req *r = *state;

    (void)cls;
    (void)conn;
    (void)why;
    if (r != NULL) {
        free(r->body);
        free(r);
    }
    *state = NULL;
}

/* The "writer": takes every queued connection and resumes it. */
static void *resumer(void *arg)
{
    struct floor *f = arg;

    pthread_mutex_lock(&f->lock);
    while (!f->stopping) {
        struct req *batch = f->head;

        f->head = NULL;
        pthread_mutex_unlock(&f->lock);
        while (batch != NULL) {
            struct req *next = batch->next;

            MHD_resume_connection(batch->conn);
            batch = next;
        }
        pthread_mutex_lock(&f->lock);
        while (f->head == NULL && !f->stopping)
            pthread_cond_wait(&f->wake, &f->lock);
    }
    pthread_mutex_unlock(&f->lock);
    return NULL;
}

int main(int argc, char **argv)
{
    struct floor f = {.mode = PLAIN};
    struct MHD_Daemon *d;
    pthread_t thread;
    sigset_t set;
    int sig;

    if (argc != 3) {
        fprintf(stderr, "usage: %s PORT plain|json|handoff\n", argv[0]);
        return 2;
    }
    if (strcmp(argv[2], "json") == 0)
        f.mode = JSON;
    else if (strcmp(argv[2], "handoff") == 0)
        f.mode = HANDOFF;
    else if (strcmp(argv[2], "plain") != 0)
        return 2;
    pthread_mutex_init(&f.lock, NULL);
    pthread_cond_init(&f.wake, NULL);
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    if (pthread_create(&thread, NULL, resumer, &f) != 0)
        return 1;
    /* alerthub's flags and pool (src/http/server.c). */
    d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                             MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG,
                         (uint16_t)atoi(argv[1]), NULL, NULL, handler, &f,
                         MHD_OPTION_NOTIFY_COMPLETED, completed, &f, MHD_OPTION_THREAD_POOL_SIZE,
                         2u, MHD_OPTION_CONNECTION_LIMIT, 4096u, MHD_OPTION_END);
    if (d == NULL) {
        fprintf(stderr, "mhd_floor: could not listen on port %s\n", argv[1]);
        return 1;
    }
    sigwait(&set, &sig);
    MHD_stop_daemon(d);
    pthread_mutex_lock(&f.lock);
    f.stopping = 1;
    pthread_cond_signal(&f.wake);
    pthread_mutex_unlock(&f.lock);
    pthread_join(thread, NULL);
    return 0;
}
