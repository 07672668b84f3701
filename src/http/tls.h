/* tls.h - the listener's certificate and key (HTTPS through libmicrohttpd,
 * which uses GnuTLS): read from PEM files at start and checked by GnuTLS
 * itself before the server listens, so that a bad pair stops the start with
 * a clear message instead of a daemon that cannot serve. */
#ifndef AH_HTTP_TLS_H
#define AH_HTTP_TLS_H

#include "util/error.h"

/* TLS 1.2 and 1.3 only (GnuTLS priority string). */
#define AH_TLS_PRIORITIES "NORMAL:-VERS-SSL3.0:-VERS-TLS1.0:-VERS-TLS1.1:-VERS-DTLS-ALL"

struct ah_tls {
    char *cert_pem; /* the certificate chain, PEM, NUL-terminated */
    char *key_pem;  /* its private key, PEM (unencrypted) */
};

/* Reads @cert_file and @key_file into *@ret (free with ah_tls_done) and
 * checks that libmicrohttpd has TLS and that GnuTLS accepts the pair with
 * AH_TLS_PRIORITIES. Every failure is a configuration error: AH_EINVAL with
 * a message naming the file or the reason. Not thread-safe (call at start). */
int ah_tls_load(const char *cert_file, const char *key_file, struct ah_tls *ret,
                struct ah_error *reterr);

/* Frees the PEM texts (wiping the key first); a zeroed struct is a no-op. */
void ah_tls_done(struct ah_tls *tls);

#endif
