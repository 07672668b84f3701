/* tokens.h - who may call the admin API (issue #12, api.md section 7).
 *
 * Scopes, each including the ones below it:
 *   read   GET only;
 *   write  also changes incidents and alerts (ack, resolve, snooze...) and
 *          rules: channels and their rules, integrations' routes,
 *          enrichment and pipelines, mapping tables, schedules;
 *   admin  also manages tokens, members, teams, notify targets and
 *          integrations themselves (and the test clock).
 * The admin token of the command line has the admin scope. Tokens made
 * through POST /api/v1/tokens are cached here by their SHA-256, for a
 * lookup per request from any thread. */
#ifndef AH_HTTP_TOKENS_H
#define AH_HTTP_TOKENS_H

#include "store/store.h"
#include "util/error.h"

enum ah_scope { AH_SCOPE_NONE = 0, AH_SCOPE_READ, AH_SCOPE_WRITE, AH_SCOPE_ADMIN };

/* "read", "write", "admin"; AH_SCOPE_NONE for anything else (NULL too). */
enum ah_scope ah_scope_parse(const char *name);
const char *ah_scope_name(enum ah_scope scope);

/* The scope a request needs: @method and @path (the part after /api/v1/,
 * e.g. "incidents/12/ack"). */
enum ah_scope ah_scope_needed(const char *method, const char *path);

struct ah_tokens;

/* Loads every stored token. Returns a new cache; free with ah_tokens_free(). */
int ah_tokens_new(struct ah_store *store, struct ah_tokens **ret, struct ah_error *reterr);
void ah_tokens_free(struct ah_tokens *t); /* NULL is a no-op */

/* The scope of the token whose SHA-256 hex is @hash, or AH_SCOPE_NONE. */
enum ah_scope ah_tokens_find(struct ah_tokens *t, const char *hash);
/* After a committed create or delete. */
void ah_tokens_add(struct ah_tokens *t, const char *hash, enum ah_scope scope);
void ah_tokens_remove(struct ah_tokens *t, const char *hash);
/* Reloads every stored token at once (another node changed them, store.h);
 * on a failure @t is unchanged. */
int ah_tokens_reload(struct ah_tokens *t, struct ah_store *store, struct ah_error *reterr);

#endif
