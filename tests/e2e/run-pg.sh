#!/usr/bin/env bash
# run-pg.sh BIN [SUITE...] - the end-to-end suites again, on PostgreSQL: a
# throw-away cluster (scripts/pg-cluster.sh) on a free loopback port, a new
# database for every server a suite starts (lib.sh), the cluster stopped and
# removed at the end whatever happens. Arguments as for run.sh.
set -u

dir=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$dir/../.." && pwd)
cluster=$(mktemp -d "${TMPDIR:-/tmp}/alerthub-pg.XXXXXX") || exit 2
trap '"$root/scripts/pg-cluster.sh" stop "$cluster"' EXIT
trap 'exit 130' INT TERM
port=$((20000 + RANDOM % 40000))
AH_PG_URL=$("$root/scripts/pg-cluster.sh" start "$cluster" "$port") || exit 2
export AH_PG_URL
echo "e2e on PostgreSQL: $AH_PG_URL"
"$dir/run.sh" "$@"
