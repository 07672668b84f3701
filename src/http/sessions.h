/* sessions.h - the console's sign-in sessions (docs/security.md, "Console
 * sessions"): POST /api/v1/session trades a token for a random session id
 * that the browser keeps in an HttpOnly, SameSite=Strict cookie, so that
 * no script of the page can read a credential.
 *
 * A session holds the SHA-256 of the token it was made from, never the
 * token, and is resolved to a scope on every request through the same
 * checks as a bearer token (admin token, then tokens.h): revoking the token
 * ends its sessions at once. Sessions live in memory only (a restart signs
 * everyone out); they end after AH_SESSION_IDLE_S without a request, or
 * AH_SESSION_MAX_S after sign-in. Thread-safe: any HTTP thread. */
#ifndef AH_HTTP_SESSIONS_H
#define AH_HTTP_SESSIONS_H

#include <stdint.h>

#define AH_SESSION_COOKIE "alerthub_session"
#define AH_SESSION_IDLE_S (12 * 3600)
#define AH_SESSION_MAX_S  (7 * 86400)
/* At most this many sessions; a sign-in beyond it ends the least recently
 * used one (only holders of a valid token can sign in). */
#define AH_SESSIONS_MAX 4096
/* A session id: 32 random bytes as hex (256 bits). */
#define AH_SESSION_ID_LEN 64

struct ah_sessions;

struct ah_sessions *ah_sessions_new(void);
void ah_sessions_free(struct ah_sessions *s); /* NULL is a no-op */

/* Opens a session for the token whose SHA-256 hex is @token_hash at
 * monotonic second @now; writes its id into @ret_id. Returns 0, or -1
 * when no random bytes could be had. */
int ah_sessions_open(struct ah_sessions *s, const char *token_hash, int64_t now,
                     char ret_id[AH_SESSION_ID_LEN + 1]);

/* Looks up session @id at @now: 1 with its token's hash in @ret_hash (and
 * its idle time restarted), or 0 when there is no such live session. */
int ah_sessions_find(struct ah_sessions *s, const char *id, int64_t now, char ret_hash[65]);

/* Ends session @id (unknown ids are ignored). */
void ah_sessions_close(struct ah_sessions *s, const char *id);

/* How many sessions are held, expired ones included until swept. */
unsigned ah_sessions_count(struct ah_sessions *s);

#endif
