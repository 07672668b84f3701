#!/bin/sh
# Writes a C file holding every file of the web console (web/*) and a table
# of them, so that console.c serves each one at /NAME (index.html at /) with
# the Content-Type its extension gives. A file of another kind is refused,
# so that nothing is served as an unknown type.
# Usage: scripts/embed-web.sh FILE... > OUT.c
set -eu
here=$(dirname "$0")
printf '/* generated from web/ by scripts/embed-web.sh; do not edit */\n'
printf '#include "http/routes.h"\n\n'
i=0
for f in "$@"; do
    "$here/embed.sh" "$f" "ah_web_$i" | sed 's/^const char/static const char/'
    i=$((i + 1))
done
printf 'const struct ah_web_asset ah_web_assets[] = {\n'
i=0
for f in "$@"; do
    name=$(basename "$f")
    case $name in
    *.html) type='text/html; charset=utf-8' ;;
    *.js) type='text/javascript; charset=utf-8' ;;
    *.css) type='text/css; charset=utf-8' ;;
    *.svg) type='image/svg+xml' ;;
    *) echo "embed-web.sh: no Content-Type for $f" >&2; exit 1 ;;
    esac
    path=/$name
    [ "$name" = index.html ] && path=/
    printf '    {"%s", "%s", ah_web_%d},\n' "$path" "$type" "$i"
    i=$((i + 1))
done
printf '    {NULL, NULL, NULL}};\n'
