/* sessions.h - the console's sign-in sessions (docs/security.md, "Console
 * sessions"): POST /api/v1/session trades a token for a random session id
 * that the browser keeps in an HttpOnly, SameSite=Strict cookie, so that
 * no script of the page can read a credential.
 *
 * A session holds the SHA-256 of the token it was made from, never the
 * token, and is resolved to a scope on every request through the same
 * checks as a bearer token (admin token, then tokens.h): revoking the token
 * ends its sessions at once. Sessions are rows of the store (keyed by the
 * SHA-256 of their id), so that every node sharing a database knows them
 * and a restart keeps them; this is each node's cache of them. They end
 * after AH_SESSION_IDLE_S without a request, or AH_SESSION_MAX_S after
 * sign-in. Thread-safe: any HTTP thread. */
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

/* A session's last use is written back to the store at most this often:
 * the idle time-out is that exact across nodes. */
#define AH_SESSION_TOUCH_S 300

struct ah_sessions;

struct ah_sessions *ah_sessions_new(void);
void ah_sessions_free(struct ah_sessions *s); /* NULL is a no-op */

/* 1 when @id has a session id's shape; its key (SHA-256 hex) in @key. */
int ah_session_key(const char *id, char key[65]);
/* 1 when a session opened at @opened and last used at @used (wall-clock
 * seconds) has ended at @now. */
int ah_session_expired(int64_t opened, int64_t used, int64_t now);

/* Caches session @key: its token's hash, when it was opened and when it
 * was last used as the store knows it. */
void ah_sessions_put(struct ah_sessions *s, const char *key, const char *token_hash, int64_t opened,
                     int64_t used);

/* Looks up session @key at @now: 1 with its token's hash in @ret_hash, its
 * idle time restarted, and *@ret_touch 1 when its last use is due to be
 * written back; 0 when it is not cached, or ended by the uses this node saw
 * (the caller asks the store: another node may have seen later ones). */
int ah_sessions_find(struct ah_sessions *s, const char *key, int64_t now, char ret_hash[65],
                     int *ret_touch);

/* Forgets session @key (unknown keys are ignored). */
void ah_sessions_close(struct ah_sessions *s, const char *key);
/* Forgets every session (another node may have ended some). */
void ah_sessions_clear(struct ah_sessions *s);

/* How many sessions are cached, ended ones included until swept. */
unsigned ah_sessions_count(struct ah_sessions *s);

#endif
