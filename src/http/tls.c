/* tls.c - loads the listener's PEM certificate and key and has GnuTLS
 * (through a libmicrohttpd daemon that never listens) judge them, so that
 * every TLS problem is found before the store is opened or a port bound. */
#include "http/tls.h"

#include "util/alloc.h"
#include "util/buf.h"

#include <errno.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A certificate chain or a key is a few KiB; anything this large is not one. */
#define PEM_MAX_BYTES (1 << 20)

static int read_pem(const char *what, const char *path, char **ret, struct ah_error *err)
{
    FILE *f = fopen(path, "rb");
    struct ah_buf b;
    char chunk[4096];
    size_t n;
    int bad;

    if (f == NULL)
        return ah_error_set(err, AH_EINVAL, "could not read the TLS %s \"%s\": %s", what, path,
                            strerror(errno));
    ah_buf_init(&b);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len <= PEM_MAX_BYTES)
        ah_buf_append(&b, chunk, n);
    bad = ferror(f);
    fclose(f);
    if (bad || b.len > PEM_MAX_BYTES || strstr(ah_buf_str(&b), "-----BEGIN ") == NULL) {
        ah_buf_done(&b);
        return ah_error_set(err, AH_EINVAL, "the TLS %s \"%s\" is not a PEM file%s", what, path,
                            bad ? " (read error)" : "");
    }
    *ret = ah_buf_steal(&b);
    return AH_OK;
}

/* libmicrohttpd's error log during the probe: keeps the last message. */
static void probe_log(void *cls, const char *fmt, va_list ap)
{
    struct ah_error *err = cls;
    size_t n;

    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    n = strlen(err->msg);
    while (n > 0 && (err->msg[n - 1] == '\n' || err->msg[n - 1] == '.'))
        err->msg[--n] = '\0';
}

static enum MHD_Result probe_handler(void *cls, struct MHD_Connection *conn, const char *url,
                                     const char *method, const char *version,
                                     const char *upload_data, size_t *upload_data_size,
                                     void **con_cls)
{
    (void)cls;
    (void)conn;
    (void)url;
    (void)method;
    (void)version;
    (void)upload_data;
    (void)upload_data_size;
    (void)con_cls;
    return MHD_NO;
}

/* GnuTLS parses the pair, checks that the key belongs to the certificate
 * and that the priorities are valid: the same calls the real daemon makes,
 * on a daemon without a socket or threads. */
static int probe(const struct ah_tls *tls, struct ah_error *err)
{
    struct ah_error log = {.msg = "no reason given"};
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_TLS | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ERROR_LOG, 0, NULL, NULL, probe_handler,
        NULL, MHD_OPTION_EXTERNAL_LOGGER, probe_log, &log, MHD_OPTION_HTTPS_MEM_CERT, tls->cert_pem,
        MHD_OPTION_HTTPS_MEM_KEY, tls->key_pem, MHD_OPTION_HTTPS_PRIORITIES, AH_TLS_PRIORITIES,
        MHD_OPTION_END);

    if (d == NULL)
        return ah_error_set(err, AH_EINVAL,
                            "the TLS certificate and key were refused (is the key the "
                            "certificate's own, unencrypted?): %s",
                            log.msg);
    MHD_stop_daemon(d);
    return AH_OK;
}

int ah_tls_load(const char *cert_file, const char *key_file, struct ah_tls *ret,
                struct ah_error *err)
{
    int rc;

    *ret = (struct ah_tls){0};
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
        return ah_error_set(err, AH_EINVAL,
                            "this libmicrohttpd was built without TLS; --tls-cert cannot be used");
    rc = read_pem("certificate", cert_file, &ret->cert_pem, err);
    if (rc == AH_OK)
        rc = read_pem("key", key_file, &ret->key_pem, err);
    if (rc == AH_OK)
        rc = probe(ret, err);
    if (rc < 0)
        ah_tls_done(ret);
    return rc;
}

void ah_tls_done(struct ah_tls *tls)
{
    if (tls->key_pem != NULL)
        explicit_bzero(tls->key_pem, strlen(tls->key_pem));
    ah_free(tls->cert_pem);
    ah_free(tls->key_pem);
    *tls = (struct ah_tls){0};
}
