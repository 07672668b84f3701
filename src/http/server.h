/* server.h - the HTTP server (libmicrohttpd): accepts requests, keeps their
 * state, routes them to the push, admin and operations handlers. */
#ifndef AH_HTTP_SERVER_H
#define AH_HTTP_SERVER_H

#include "http/app.h"
#include "http/tls.h"
#include "util/error.h"

#include <stddef.h>

struct ah_server;

struct ah_server_conf {
    const char *host; /* IPv4 or IPv6 address to bind */
    unsigned port;
    unsigned threads;                /* HTTP threads: parsing and preparing runs here */
    unsigned max_connections_per_ip; /* 0: 128 */
    size_t body_budget;              /* bytes of bodies buffered at once; 0: 64 MiB */
    const struct ah_tls *tls;        /* borrowed, read at start; NULL: plain HTTP */
};

/* Starts serving @app (borrowed; must outlive the server). */
int ah_server_start(const struct ah_server_conf *conf, struct ah_app *app, struct ah_server **ret,
                    struct ah_error *reterr);

/* Stops accepting connections; requests already queued still finish. */
void ah_server_quiesce(struct ah_server *srv);

/* Closes every connection and frees the server. Call after the writer has
 * finished its jobs (so that no connection is left suspended). */
void ah_server_free(struct ah_server *srv); /* NULL is a no-op */

#endif
