/* guard.h - the front door's limits, checked before a handler sees a
 * request: the raw path, the request line and header sizes, duplicate
 * framing headers, slow clients, and a memory budget shared by every body
 * in flight. Private to src/http/; used by server.c only. */
#ifndef AH_HTTP_GUARD_H
#define AH_HTTP_GUARD_H

#include "http/request.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct ah_guard {
    /* configuration (read-only after ah_guard_init) */
    size_t max_body_bytes; /* one body */
    size_t body_budget;    /* every body buffered at once */
    /* bytes of the budget that requests hold; shared by the HTTP threads */
    atomic_size_t reserved;
};

/* Sets the limits; @body_budget 0 means the default (64 MiB). */
void ah_guard_init(struct ah_guard *g, size_t max_body_bytes, size_t body_budget);

/* Notes what the request's raw URI (@uri, as sent, before libmicrohttpd
 * decodes it) tells: its length and whether its path hides a '/' or NUL. */
void ah_guard_note_uri(struct ah_request *req, const char *uri);

/* Headers are complete, no body byte is read: refuses (answering, returning
 * 1) a bad raw path, an overlong URI or header block, duplicate or
 * conflicting framing headers, a declared body over the limit, and headers
 * that took too long. Returns 0 when the request may go on. */
int ah_guard_headers(struct ah_guard *g, struct ah_request *req, enum MHD_Result *ret);

/* Takes the declared body's share of the budget; answers 503 and returns 1
 * when the budget is spent. Call once the request is authenticated. */
int ah_guard_reserve(struct ah_guard *g, struct ah_request *req, enum MHD_Result *ret);

/* @n more body bytes arrived: keeps them in req->body unless the body is
 * over its limit or the budget is spent (then they are dropped and the
 * request is marked). Returns -1 when the client sends too slowly or for too
 * long: the caller closes the connection, as libmicrohttpd cannot answer
 * in the middle of a body. */
int ah_guard_body(struct ah_guard *g, struct ah_request *req, const char *data, size_t n);

/* Gives the request's share of the budget back (at its end). */
void ah_guard_release(struct ah_guard *g, struct ah_request *req);

#endif
