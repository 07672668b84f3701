#!/bin/sh
# Runs fuzz targets built by `make fuzz` (build/fuzz/<target>), each for
# SECONDS on a copy of its committed corpus (tests/fuzz/corpus/<target>) in
# build/fuzz/corpus/<target>, where new inputs go; crash inputs go to
# build/fuzz/crashes/<target>/. Prints one line per target: executions,
# exec/s, corpus size and whether it crashed; the whole log of a run is
# build/fuzz/log/<target>.log. Exits 1 when a target crashed.
# Usage: tests/fuzz/run.sh SECONDS TARGET...
set -u
cd "$(dirname "$0")/../.." || exit 2

secs=$1
shift
status=0
printf '%-22s %12s %10s %8s  %s\n' target executions exec/s corpus result
for t in "$@"; do
    work=build/fuzz/corpus/$t
    crashes=build/fuzz/crashes/$t
    log=build/fuzz/log/$t.log
    mkdir -p "$work" "$crashes" build/fuzz/log
    cp -n tests/fuzz/corpus/"$t"/* "$work"/ 2>/dev/null
    # The regex and rule budgets bound one input well under a second; 10 s
    # is a hang. -rss_limit_mb keeps a leak from eating the machine.
    build/fuzz/"$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$crashes"/ "$work" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    size=$(find "$work" -type f | wc -l)
    result=ok
    if [ "$rc" -ne 0 ]; then
        result="CRASHED (exit $rc; see $log and $crashes/)"
        status=1
    fi
    printf '%-22s %12s %10s %8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "$size" "$result"
done
exit $status
