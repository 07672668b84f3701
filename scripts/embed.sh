#!/bin/sh
# Writes a C file defining `const char NAME[]` with the bytes of FILE and a
# final NUL, so that static assets are built into the binary.
# Usage: scripts/embed.sh FILE NAME > OUT.c
set -eu
printf '/* generated from %s by scripts/embed.sh; do not edit */\n' "$1"
printf 'const char %s[] = {\n' "$2"
od -An -v -tx1 "$1" | sed 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g; s/^/    /'
printf '    0x00};\n'
