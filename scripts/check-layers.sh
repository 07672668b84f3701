#!/bin/sh
# Fails when a file includes a header from a layer above its own
# (design.md section 2: dependencies point down only).
set -u
cd "$(dirname "$0")/.." || exit 2
allowed() {
    case $1 in
    util) echo "util" ;;
    model) echo "util model" ;;
    rules) echo "util model rules" ;;
    ingest) echo "util model rules ingest" ;;
    process) echo "util model rules process" ;;
    store) echo "util model store" ;;
    reduce) echo "util model rules store reduce" ;;
    notify) echo "util model store notify" ;;
    http) echo "util model rules ingest process reduce store notify http" ;;
    esac
}
bad=0
for f in $(find src -mindepth 2 -name '*.[ch]'); do
    layer=$(echo "$f" | cut -d/ -f2)
    ok=$(allowed "$layer")
    for inc in $(grep -o '^#include "[a-z_]*/' "$f" | sed 's/#include "//; s/\///'); do
        case " $ok " in
        *" $inc "*) ;;
        *) echo "layer violation: $f ($layer) includes $inc/"; bad=1 ;;
        esac
    done
done
# Each third-party header belongs to one layer.
# check_lib HEADER GLOB...: only files matching one of the globs include it.
check_lib() {
    lib=$1
    shift
    for f in $(grep -l "#include <$lib" -r src); do
        ok=0
        for g in "$@"; do
            # shellcheck disable=SC2254 # $g is a glob on purpose
            case $f in $g) ok=1 ;; esac
        done
        [ $ok -eq 1 ] || { echo "$f includes <$lib> outside $*"; bad=1; }
    done
}
check_lib microhttpd.h 'src/http/*'
check_lib sqlite3.h 'src/store/*'
check_lib libpq-fe.h 'src/store/*'
check_lib pcre2.h 'src/rules/*'
check_lib curl/curl.h 'src/notify/*'
check_lib yaml.h 'src/http/config*.c'
check_lib openssl/ 'src/notify/*' src/util/sha256.c
exit $bad
