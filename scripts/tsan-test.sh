#!/bin/sh
# tsan-test.sh BIN SUITE... - runs e2e suites against a ThreadSanitizer build
# (make tsan). Any report fails the run: the server exits 66 at its first
# report (halt_on_error), which the suites see as a failed stop or a server
# gone mid-test, and every report file is looked for at the end.
set -u
if [ $# -lt 2 ]; then
    echo "usage: $0 BIN SUITE..." >&2
    exit 2
fi
bin=$1
shift
root=$(cd "$(dirname "$0")/.." && pwd)
reports=$(mktemp -d "${TMPDIR:-/tmp}/alerthub-tsan.XXXXXX") || exit 2
trap 'rm -rf "$reports"' EXIT
TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1"
TSAN_OPTIONS="$TSAN_OPTIONS suppressions=$root/tests/tsan.supp log_path=$reports/tsan"
export TSAN_OPTIONS
# TSan's shadow memory needs a fixed layout: kernels with many bits of mmap
# randomization (vm.mmap_rnd_bits > 28) break it, so ASLR is turned off for
# the run (setarch -R, inherited by the servers the suites start).
start=$(date +%s)
setarch "$(uname -m)" -R "$root/tests/e2e/run.sh" "$bin" "$@"
rc=$?
found=$(grep -l 'ThreadSanitizer' "$reports"/* 2>/dev/null)
if [ -n "$found" ]; then
    for f in $found; do
        echo "--- $f"
        cat "$f"
    done
    rc=1
fi
echo "tsan: $# suites in $(($(date +%s) - start))s, $(echo "$found" | grep -c .) report files"
exit $rc
