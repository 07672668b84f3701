#!/usr/bin/env bash
# run-pg.sh BIN [SUITE...] - the end-to-end suites again, on PostgreSQL: a
# throw-away cluster (scripts/pg-cluster.sh) on a free loopback port, a new
# database for every server a suite starts (lib.sh), the cluster stopped and
# removed at the end whatever happens. Arguments as for run.sh; without
# suites, the t_*.sh (but t_ready) and the PostgreSQL-only p_*.sh.
set -u

dir=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$dir/../.." && pwd)
cluster=$(mktemp -d "${TMPDIR:-/tmp}/alerthub-pg.XXXXXX") || exit 2
trap '"$root/scripts/pg-cluster.sh" stop "$cluster"' EXIT
trap 'exit 130' INT TERM
AH_PG_URL=$("$root/scripts/pg-cluster.sh" start "$cluster") || exit 2
# AH_PG_DIR: the cluster, for the suites that stop and start it.
AH_PG_DIR=$cluster
export AH_PG_URL AH_PG_DIR
echo "e2e on PostgreSQL: $AH_PG_URL"
# Every suite but t_ready (a full disk and a lock in the SQLite file; its
# PostgreSQL counterpart is p_failover's outage), and the p_*.sh ones that
# only a shared database has.
if [ $# -gt 1 ]; then
    "$dir/run.sh" "$@"
else
    # shellcheck disable=SC2046 # one suite name per word
    "$dir/run.sh" "$1" $(cd "$dir" && ls t_*.sh p_*.sh | grep -vx t_ready.sh)
fi
