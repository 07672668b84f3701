/* post.h - one blocking HTTP POST of a JSON body, for the command line
 * (`alerthub push`). The delivery worker (sender.h) has its own transfers;
 * this one is for a single request from a thread that may wait. Uses libcurl,
 * which may only be included under src/notify/. */
#ifndef AH_NOTIFY_POST_H
#define AH_NOTIFY_POST_H

#include "util/error.h"

#define AH_POST_ANSWER_MAX (64 * 1024) /* bytes of the answer kept; the rest is dropped */

/* POSTs @body (borrowed) to @url (http or https) as application/json, giving
 * up after @timeout_ms. On AH_OK, *@ret_status is the HTTP status and
 * *@ret_answer the answer's body (a new string, ah_free; at most
 * AH_POST_ANSWER_MAX bytes). AH_EIO with a message when no answer came
 * (refused, time-out, TLS). Not thread-safe on its first call: libcurl
 * initializes itself then. */
int ah_post_json(const char *url, const char *body, long timeout_ms, long *ret_status,
                 char **ret_answer, struct ah_error *reterr);

#endif
