#!/bin/sh
# Runs each unit-test binary in its own process; fails if any fails.
# Usage: scripts/run-unit.sh DIR NAME...
set -u
dir=$1
shift
failed=""
for t in "$@"; do
    if ! "$dir/$t" >"$dir/$t.log" 2>&1; then
        cat "$dir/$t.log"
        failed="$failed $t"
    else
        printf 'unit %-40s ok (%s)\n' "$t" "$dir"
    fi
done
if [ -n "$failed" ]; then
    echo "unit tests failed:$failed"
    exit 1
fi
