#!/usr/bin/env bash
# run-unit-pg.sh DIR NAME... - the unit tests built on the store fixture
# (tests/unit/store_fixture.h) again, on PostgreSQL: a throw-away cluster
# (scripts/pg-cluster.sh), a fresh database per test, the cluster stopped
# and removed at the end whatever happens. The same tests on both drivers
# are the store's contract.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cluster=$(mktemp -d "${TMPDIR:-/tmp}/alerthub-pg-unit.XXXXXX") || exit 2
trap '"$root/scripts/pg-cluster.sh" stop "$cluster"' EXIT
trap 'exit 130' INT TERM
AH_TEST_PG_URL=$("$root/scripts/pg-cluster.sh" start "$cluster") || exit 2
export AH_TEST_PG_URL
echo "unit on PostgreSQL: $AH_TEST_PG_URL"
"$root/scripts/run-unit.sh" "$@"
