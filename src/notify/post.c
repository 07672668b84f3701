/* post.c - see post.h. */
#include "notify/post.h"

#include "util/buf.h"

#include <curl/curl.h>
#include <string.h>

static size_t keep(char *ptr, size_t size, size_t nmemb, void *arg)
{
    struct ah_buf *answer = arg;
    size_t n = size * nmemb, room = AH_POST_ANSWER_MAX - answer->len;

    ah_buf_append(answer, ptr, n < room ? n : room);
    return n;
}

int ah_post_json(const char *url, const char *body, long timeout_ms, long *ret_status,
                 char **ret_answer, struct ah_error *err)
{
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *headers;
    struct ah_buf answer;
    CURL *easy = curl_easy_init();
    CURLcode cc;
    int rc = AH_OK;

    if (easy == NULL)
        return ah_error_set(err, AH_ENOMEM, "could not start an HTTP request (curl_easy_init)");
    ah_buf_init(&answer);
    headers = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(easy, CURLOPT_URL, url);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    curl_easy_setopt(easy, CURLOPT_USERAGENT, "alerthub");
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, keep);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &answer);
    cc = curl_easy_perform(easy);
    if (cc != CURLE_OK) {
        rc = ah_error_set(err, AH_EIO, "POST %s: %s", url,
                          errbuf[0] ? errbuf : curl_easy_strerror(cc));
        goto fail;
    }
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, ret_status);
    *ret_answer = ah_buf_steal(&answer);
fail:
    ah_buf_done(&answer);
    curl_slist_free_all(headers);
    curl_easy_cleanup(easy);
    return rc;
}
