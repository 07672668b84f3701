#!/usr/bin/env bash
# run.sh BIN [TEST...] - the console's browser tests: starts the alerthub
# binary BIN on a free port (its push URLs built from that address, so the
# URL copied from a card is the one to push to), then runs every
# tests/browser/*.mjs (or the named ones) with node: playwright-core driving
# Debian's headless Chromium (/usr/bin/chromium). Screenshots go to
# build/browser-shots/ (BROWSER_SHOTS overrides). Exits non-zero when any
# test failed.
set -u

if [ $# -lt 1 ]; then
    echo "usage: $0 BIN [TEST...]" >&2
    exit 2
fi
bin=$(realpath "$1") || exit 2
shift
dir=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$dir/../.." && pwd)
for need in /usr/bin/chromium "$dir/node_modules/playwright-core"; do
    [ -e "$need" ] || { echo "$0: $need is missing (scripts/deps.sh test)" >&2; exit 2; }
done
command -v node >/dev/null || { echo "$0: node is required" >&2; exit 2; }

# lib.sh gives pick_port, the token and the cleanup of its temporary folder.
# shellcheck source=../e2e/lib.sh
. "$root/tests/e2e/lib.sh"

export BROWSER_SHOTS=${BROWSER_SHOTS:-$root/build/browser-shots}
mkdir -p "$BROWSER_SHOTS"
AH_PORT=$(pick_port)
export AH_URL=http://127.0.0.1:$AH_PORT AH_TOKEN
export AH_FIXTURES=$root/tests/fixtures/ingest
"$bin" serve --listen "127.0.0.1:$AH_PORT" --data "$AH_TMP" --admin-token "$AH_TOKEN" \
    --public-url "$AH_URL" >"$AH_TMP/server.log" 2>&1 &
AH_PID=$!
for _ in $(seq 1 300); do
    curl -sf -o /dev/null "$AH_URL/healthz" && break
    kill -0 "$AH_PID" 2>/dev/null || { cat "$AH_TMP/server.log"; exit 1; }
    sleep 0.1
done

if [ $# -gt 0 ]; then
    tests=()
    for t in "$@"; do tests+=("$dir/${t%.mjs}.mjs"); done
else
    tests=("$dir"/t_*.mjs)
fi
failed=0
echo "browser: $bin ($AH_URL), screenshots in $BROWSER_SHOTS"
for t in "${tests[@]}"; do
    name=$(basename "$t" .mjs)
    start=$SECONDS
    if node "$t" >"$AH_TMP/$name.out" 2>&1; then status=ok; else status=FAIL; failed=$((failed + 1)); fi
    printf '%-4s %-22s %3ds  %s\n' "$status" "$name" $((SECONDS - start)) "$(tail -n 1 "$AH_TMP/$name.out")"
    if [ "$status" = FAIL ] || [ "${E2E_VERBOSE:-0}" = 1 ]; then
        sed 's/^/    /' "$AH_TMP/$name.out"
    fi
done
echo "browser: ${#tests[@]} tests, $failed failed"
[ "$failed" -eq 0 ]
