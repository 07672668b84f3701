/* error.h - the one error convention: an int return code plus a caller-owned
 * struct ah_error that carries a message. No allocation on error paths. */
#ifndef AH_UTIL_ERROR_H
#define AH_UTIL_ERROR_H

enum ah_rc {
    AH_OK = 0,
    AH_ENOMEM = -1,
    AH_EINVAL = -2,    /* bad input: maps to 400 InvalidParameter */
    AH_ENOTFOUND = -3, /* no such object: 404 */
    AH_ELIMIT = -4,    /* an input limit was hit: 413 or 400, as the caller says */
    AH_ESTORE = -5,    /* the store failed: 503, the client may retry */
    AH_EIO = -6,       /* a system call failed */
    AH_ECONFLICT = -7, /* the object is in a state that forbids this: 409 */
    AH_EBUSY = -8,     /* a queue is full or a limit of rate: 503 / 429 */
};

struct ah_error {
    enum ah_rc code;
    char msg[256];
};

/* Fills @e (may be NULL) with @code and a printf-style message; returns @code
 * so that callers can write `return ah_error_set(e, AH_EINVAL, "...")`. */
int ah_error_set(struct ah_error *e, enum ah_rc code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Puts @prefix before @e's message, to say where a lower layer's error
 * happened (e.g. "rules[2].if: "); returns @code. @e may be NULL. */
int ah_error_prefix(struct ah_error *e, int code, const char *prefix);

/* Resets @e to AH_OK with an empty message. */
void ah_error_clear(struct ah_error *e);

#endif
