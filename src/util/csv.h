/* csv.h - a reader for the CSV that users upload as label-mapping tables
 * (RFC 4180): fields separated by commas, records by CRLF or LF; a field in
 * double quotes may hold commas, line breaks and doubled quotes (""). A
 * UTF-8 byte-order mark at the start is skipped, surrounding spaces of
 * unquoted fields are kept, and a final line break is optional. Empty lines
 * are skipped. A CR not followed by LF is ordinary data. */
#ifndef AH_UTIL_CSV_H
#define AH_UTIL_CSV_H

#include "util/error.h"

#include <stddef.h>

/* Called once per record with its @n fields (n >= 1; NUL-terminated strings,
 * borrowed: valid only during the call, the callback may modify them but not
 * keep them) and the 1-based line number where the record starts; returns
 * AH_OK (or any non-negative value) to go on, or a negative code (with
 * @reterr set) to stop the parse with that error. */
typedef int (*ah_csv_record_fn)(void *ctx, size_t line, char **fields, size_t n,
                                struct ah_error *reterr);

/* Parses @len bytes at @text, calling @fn for each record. Returns AH_OK, a
 * negative code returned by @fn (unchanged), or AH_EINVAL with a message
 * beginning "line N: " for a quote inside an unquoted field, text after a
 * closing quote, an unterminated quoted field (N is the line of its opening
 * quote), a NUL byte, or a record of more than @max_fields fields (N is the
 * line where the record starts). Records before the error have already been
 * passed to @fn. Keeps no state between calls, so it is thread-safe. */
int ah_csv_parse(const char *text, size_t len, size_t max_fields, ah_csv_record_fn fn, void *ctx,
                 struct ah_error *reterr);

#endif
