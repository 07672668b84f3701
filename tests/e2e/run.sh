#!/usr/bin/env bash
# run.sh BIN [SUITE...] - run the end-to-end suites (tests/e2e/t_*.sh, or the
# named ones, e.g. t_incidents) against the alerthub binary BIN. Prints one
# line per suite, the failures of a failed suite, and exits non-zero when any
# suite failed. E2E_VERBOSE=1 prints every suite's output.
set -u

if [ $# -lt 1 ]; then
    echo "usage: $0 BIN [SUITE...]" >&2
    exit 2
fi
bin=$(realpath "$1") || exit 2
shift
if [ ! -x "$bin" ]; then
    echo "$0: $bin is not an executable" >&2
    exit 2
fi
for tool in curl jq sqlite3; do
    command -v "$tool" >/dev/null || { echo "$0: $tool is required" >&2; exit 2; }
done

dir=$(cd "$(dirname "$0")" && pwd)
if [ $# -gt 0 ]; then
    suites=()
    for s in "$@"; do suites+=("$dir/${s%.sh}.sh"); done
else
    suites=("$dir"/t_*.sh)
fi

out=$(mktemp "${TMPDIR:-/tmp}/alerthub-e2e-out.XXXXXX")
trap 'rm -f "$out"' EXIT
failed=0
echo "e2e: $bin"
for t in "${suites[@]}"; do
    name=$(basename "$t" .sh)
    start=$SECONDS
    if bash "$t" "$bin" >"$out" 2>&1; then
        status=ok
    else
        status=FAIL
        failed=$((failed + 1))
    fi
    printf '%-4s %-20s %3ds  %s\n' "$status" "$name" $((SECONDS - start)) "$(tail -n 1 "$out")"
    if [ "$status" = FAIL ] || [ "${E2E_VERBOSE:-0}" = 1 ]; then
        sed 's/^/    /' "$out"
    fi
done
echo "e2e: ${#suites[@]} suites, $failed failed"
[ "$failed" -eq 0 ]
