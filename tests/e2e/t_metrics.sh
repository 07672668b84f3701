#!/usr/bin/env bash
# t_metrics.sh - GET /metrics: every family has HELP and TYPE, every
# registered integration type is its own label value (and an unknown path
# counts as type="unknown"), the noise-reduction counters move exactly as the
# pushes say (deduplicated, grouped, silenced, inhibited, dropped by a
# silence and by the pipeline, flapping), the writer's histograms and the
# ingest latency histogram are well formed, build_info carries the version,
# and `promtool check metrics` (Debian package prometheus) finds no error and
# no lint problem in the real scrape. A missing promtool fails the suite.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 BIN}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FIXTURES=$ROOT/tests/fixtures/ingest
PROMTOOL=${PROMTOOL:-/usr/bin/promtool}

# scrape: GET /metrics into $AH_TMP/metrics.txt (and SCRAPE).
scrape()
{
    http GET "$AH_URL/metrics"
    assert_status 200 "GET /metrics"
    SCRAPE=$H_BODY
    printf '%s\n' "$SCRAPE" >"$AH_TMP/metrics.txt"
}

# metric SERIES: the value of the sample named exactly SERIES (name and
# labels as written), or "missing".
metric() { awk -v s="$1" '$1 == s { v = $2 } END { print (v == "" ? "missing" : v) }' <<<"$SCRAPE"; }

# noise ACTION: alerthub_noise_reduced_total{action="ACTION"}.
noise() { metric "alerthub_noise_reduced_total{action=\"$1\"}"; }
pushes() { metric "alerthub_push_requests_total{type=\"$1\",code=\"$2\"}"; }

lbl() { jq -nc --arg k "labels.$1" --arg v "$2" '[[{key: $k, oper: "IN", vals: [$v]}]]'; }
sev() { jq -nc --arg v "$1" '[[{key: "severity", oper: "IN", vals: [$v]}]]'; }

# silence NAME FILTERS MODE: a one-time silence around the test clock's T0.
silence()
{
    jq -nc --arg n "$1" --argjson f "$2" --arg m "$3" --argjson s $((T0 - 60)) \
        --argjson e $((T0 + 86400)) \
        '{name: $n, filters: $f, mode: $m, enabled: true, time: {start: $s, end: $e}}'
}

setup()
{
    section setup
    at "$T0"
    # G: grouping by labels.check. N: no grouping; silences, an inhibit, a
    # pipeline drop, flapping (the defaults: 4 changes in 60 minutes).
    std_channel m-group
    G_CH=$CH G_KEY=$IKEY
    api PUT "/channels/$G_CH/grouping" '{"method":"rules","equals":[["labels.check"]]}'
    assert_status 200 "PUT grouping"
    std_channel m-noise
    N_CH=$CH N_KEY=$IKEY
    N_INT=$(db "SELECT id FROM integrations WHERE channel_id = $N_CH AND type = 'standard';")
    api POST "/channels/$N_CH/silences" "$(silence "pay maint" "$(lbl svc pay)" mark)"
    assert_status 201 "silence, mark"
    api POST "/channels/$N_CH/silences" "$(silence "junk" "$(lbl svc junk)" drop)"
    assert_status 201 "silence, drop"
    api POST "/channels/$N_CH/inhibits" "$(jq -nc --argjson s "$(sev Critical)" \
        --argjson t "$(sev Warning)" '{name: "crit over warn", source_filters: $s,
        target_filters: $t, equals: ["labels.check"], mode: "mark", enabled: true}')"
    assert_status 201 "inhibit, mark"
    api PUT "/integrations/$N_INT/pipeline" \
        '{"rules":[{"kind":"alert_drop","if":[[{"key":"labels.env","oper":"IN","vals":["dev"]}]]}]}'
    assert_status 200 "pipeline: drop env=dev"
    new_integration m-am alertmanager "$N_CH"
    AM_KEY=$INT_KEY
    new_integration m-volc volcengine_rtc "$N_CH"
    VOLC_KEY=$INT_KEY
}

# The scrape's format: HELP and TYPE for every family, histograms whole.
check_format()
{
    local fam name missing=() hist
    section "format: HELP and TYPE for every family"
    for name in $(grep -v '^#' "$AH_TMP/metrics.txt" | sed 's/[{ ].*//' | sort -u); do
        fam=$name
        for s in _bucket _sum _count; do
            if [[ $name == *"$s" ]] && grep -q "^# TYPE ${name%"$s"} histogram$" "$AH_TMP/metrics.txt"; then
                fam=${name%"$s"}
            fi
        done
        grep -q "^# HELP $fam " "$AH_TMP/metrics.txt" || missing+=("HELP $fam")
        grep -q "^# TYPE $fam " "$AH_TMP/metrics.txt" || missing+=("TYPE $fam")
    done
    assert_eq "families without HELP or TYPE" "" "${missing[*]}"
    assert_eq "one HELP per TYPE" "$(grep -c '^# TYPE ' "$AH_TMP/metrics.txt")" \
        "$(grep -c '^# HELP ' "$AH_TMP/metrics.txt")"

    section "format: histograms"
    for hist in $(awk '$1 == "#" && $2 == "TYPE" && $4 == "histogram" { print $3 }' "$AH_TMP/metrics.txt"); do
        assert_ne "$hist has le=+Inf" missing "$(metric "${hist}_bucket{le=\"+Inf\"}")"
        assert_ne "$hist has _sum" missing "$(metric "${hist}_sum")"
        assert_eq "$hist: _count is the +Inf bucket" "$(metric "${hist}_bucket{le=\"+Inf\"}")" \
            "$(metric "${hist}_count")"
        assert_eq "$hist: buckets never decrease" ok "$(awk -v h="${hist}_bucket" '
            index($1, h "{") == 1 { if ($2 + 0 < last) bad = 1; last = $2 + 0 }
            END { print bad ? "decreasing" : "ok" }' "$AH_TMP/metrics.txt")"
    done
    for hist in alerthub_ingest_latency_seconds alerthub_writer_batch_size \
        alerthub_writer_commit_duration_seconds; do
        assert_eq "$hist is a histogram" 1 "$(grep -c "^# TYPE $hist histogram$" "$AH_TMP/metrics.txt")"
    done
}

check_promtool()
{
    local out rc
    section "promtool check metrics"
    if [ ! -x "$PROMTOOL" ]; then
        fail "promtool is missing ($PROMTOOL): scripts/deps.sh test installs the package prometheus"
        return
    fi
    out=$("$PROMTOOL" check metrics <"$AH_TMP/metrics.txt" 2>&1)
    rc=$?
    assert_eq "promtool exit status" 0 "$rc"
    assert_eq "promtool finds no problem" "" "$out"
}

test_empty()
{
    section "a fresh server: every series at 0"
    scrape
    check_format
    check_promtool
    section "a fresh server: every series at 0"
    for a in deduplicated grouped silenced inhibited dropped flapping; do
        assert_eq "noise $a" 0 "$(noise "$a")"
    done
    assert_eq "type label values: the registry, then unknown" \
        "standard volcengine_rtc alertmanager unknown" \
        "$(grep '^alerthub_push_requests_total{' <<<"$SCRAPE" | sed 's/.*type="\([^"]*\)".*/\1/' |
            uniq | paste -sd' ')"
    assert_eq "build_info version is the file VERSION" "$(cat "$ROOT/VERSION")" \
        "$(sed -n 's/^alerthub_build_info{version="\([^"]*\)".*} 1$/\1/p' <<<"$SCRAPE")"
    assert_match "build_info sqlite and microhttpd" \
        'sqlite="3\.[0-9.]+",microhttpd="[0-9]+\.[0-9.]+"\} 1$' \
        "$(grep '^alerthub_build_info{' <<<"$SCRAPE")"
}

test_noise()
{
    local t=$T0 i
    section "noise: grouping channel"
    IKEY=$G_KEY
    send Critical "disk full" g1 "" '{"check":"disk","host":"h1"}'
    send Critical "disk full" g1 "" '{"check":"disk","host":"h1"}'  # identical: deduplicated
    send Critical "disk full" g1 "worse" '{"check":"disk","host":"h1"}' # changed: deduplicated
    send Critical "disk full" g2 "" '{"check":"disk","host":"h2"}'  # grouped
    send Critical "cpu high" g3 "" '{"check":"cpu"}'                # a new incident

    section "noise: silences, inhibit, pipeline"
    IKEY=$N_KEY
    send Critical "pay down" n-pay "" '{"svc":"pay"}'   # silenced (mark)
    send Critical "junk" n-junk "" '{"svc":"junk"}'     # dropped (silence, drop)
    send Critical "dev box" n-dev "" '{"env":"dev"}'    # dropped (pipeline)
    send Critical "db X down" n-src "" '{"check":"X"}'  # inhibit source
    send Warning "db X slow" n-tgt "" '{"check":"X"}'   # inhibited (mark)

    section "noise: flapping"
    # trigger, Ok, trigger, Ok, trigger: the third alert is flapping.
    for i in 1 2 3 4 5; do
        at $((t + 60 * i))
        if ((i % 2)); then send Critical "flappy" n-flap; else send Ok "flappy" n-flap; fi
    done

    section "other integration types"
    push alertmanager "$AM_KEY" "@$FIXTURES/alertmanager/firing-group.json"
    assert_status 200 "alertmanager push"
    push alertmanager not-a-key "@$FIXTURES/alertmanager/firing-group.json"
    assert_code 400 InvalidParameter
    push volcengine/rtc "$VOLC_KEY" "@$FIXTURES/volcengine-rtc/cm-trigger.json"
    assert_status 200 "volcengine push"
    push no/such/type "$N_KEY" '{}'
    assert_code 404 RouteNotFound

    section "noise: the counters"
    scrape
    assert_eq "deduplicated" 2 "$(noise deduplicated)"
    assert_eq "grouped" 1 "$(noise grouped)"
    assert_eq "silenced" 1 "$(noise silenced)"
    assert_eq "inhibited" 1 "$(noise inhibited)"
    assert_eq "dropped (silence drop + pipeline)" 2 "$(noise dropped)"
    assert_eq "flapping" 1 "$(noise flapping)"

    section "pushes by type"
    assert_eq "standard ok" 15 "$(pushes standard ok)"
    assert_eq "alertmanager ok: its own label value" 1 "$(pushes alertmanager ok)"
    assert_eq "alertmanager InvalidParameter" 1 "$(pushes alertmanager InvalidParameter)"
    assert_eq "volcengine_rtc ok" 1 "$(pushes volcengine_rtc ok)"
    assert_eq "unknown path" 1 "$(pushes unknown RouteNotFound)"
    assert_eq "no unknown ok" 0 "$(pushes unknown ok)"
    assert_eq "standard events" 15 "$(metric 'alerthub_events_accepted_total{type="standard"}')"
    assert_eq "alertmanager events" 2 "$(metric 'alerthub_events_accepted_total{type="alertmanager"}')"
    assert_eq "volcengine_rtc events" 1 "$(metric 'alerthub_events_accepted_total{type="volcengine_rtc"}')"

    section "histograms after the pushes"
    assert_eq "ingest latency: one per accepted push" 17 "$(metric alerthub_ingest_latency_seconds_count)"
    assert_eq "writer batches: at least one per accepted push" yes \
        "$(awk -v n="$(metric alerthub_writer_batch_size_count)" 'BEGIN { print (n >= 17 ? "yes" : "no") }')"
    assert_eq "writer batch sizes: at least one job each" yes \
        "$(awk -v s="$(metric alerthub_writer_batch_size_sum)" \
            -v n="$(metric alerthub_writer_batch_size_count)" 'BEGIN { print (s >= n ? "yes" : "no") }')"
    assert_eq "every batch timed" "$(metric alerthub_writer_batch_size_count)" \
        "$(metric alerthub_writer_commit_duration_seconds_count)"
    assert_eq "no failed batch" 0 "$(metric alerthub_writer_failed_batches_total)"
    assert_eq "one node, nothing failed: memory never rebuilt" 0 \
        "$(metric alerthub_writer_rebuilds_total)"
    assert_eq "and never caught up with another node" 0 "$(metric alerthub_writer_catch_ups_total)"
    check_format
    check_promtool
}

start_server "$BIN" --test-clock on
setup
test_empty
test_noise
stop_server
finish
