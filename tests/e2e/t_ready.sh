#!/usr/bin/env bash
# t_ready.sh - /readyz means it (issue #12, item 6): it fails while the last
# commit failed (a full disk, here a small tmpfs made by the test) and while
# the writer has been stuck on one batch for over 10 s (a write lock held
# from outside), and it recovers by itself once the cause is gone, with no
# traffic needed.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/receiver.sh
. "$(dirname "$0")/receiver.sh"
BIN=${1:?usage: $0 BIN}

MNT=''
unmount() { [ -n "$MNT" ] && umount "$MNT" 2>/dev/null; MNT=''; }
trap 'unmount; ah_cleanup' EXIT

readyz() { curl -s -o "$AH_TMP/ready.body" -w '%{http_code}' "$AH_URL/readyz"; }

push_one() # KEY: prints the status
{
    curl -s -o /dev/null -w '%{http_code}' --max-time 30 -H 'Content-Type: application/json' \
        --data-binary "{\"event_status\":\"Critical\",\"title_rule\":\"disk $1\",\"alert_key\":\"$1\",\"description\":\"$(printf 'x%.0s' $(seq 1 1500))\"}" \
        "$AH_URL/event/push/alert/standard?integration_key=$IKEY"
}

test_full_disk()
{
    local i st=200 filler
    section "a full disk: not ready until a commit writes again"
    MNT=$AH_TMP/small
    mkdir -p "$MNT"
    if ! mount -t tmpfs -o size=8m tmpfs "$MNT" 2>/dev/null; then
        MNT=''
        echo "    skipped: cannot mount a tmpfs here (needs root)"
        return
    fi
    AH_BIN=$BIN AH_ARGS=() AH_DATA=$MNT/data
    launch_server
    std_channel disk
    assert_eq "ready at first" 200 "$(readyz)"
    filler=$MNT/filler
    dd if=/dev/zero of="$filler" bs=64k 2>/dev/null # fills the tmpfs
    for i in $(seq 1 400); do
        st=$(push_one "full-$i")
        [ "$st" = 503 ] && break
    done
    assert_eq "a push on the full disk is refused with 503" 503 "$st"
    assert_eq "not ready" 503 "$(readyz)"
    assert_contains "readyz says the last commit failed" "the last commit failed" \
        "$(jq -r .error.message "$AH_TMP/ready.body")"
    rm -f "$filler"
    assert_wait "ready again once space is back, without traffic" readyz 200 20
    assert_eq "pushes work again" 200 "$(push_one after-full)"
    stop_server
    unmount
}

test_stuck_writer()
{
    local bg st
    section "a stuck writer: not ready after 10 s"
    start_server "$BIN" --busy-timeout-ms 20000
    std_channel stuck
    assert_eq "a push first" 200 "$(push_one before-lock)"
    # An outside process holds the write lock for 14 s.
    (printf 'BEGIN IMMEDIATE;\nSELECT 1;\n'; sleep 14; printf 'COMMIT;\n') |
        sqlite3 "$AH_DATA/alerthub.db" >/dev/null 2>&1 &
    AH_BG_PIDS+=($!)
    sleep 0.5
    push_one during-lock >"$AH_TMP/stuck.status" &
    bg=$!
    assert_eq "still ready at first (a batch may wait a little)" 200 "$(readyz)"
    assert_wait "not ready once the batch has waited over 10 s" readyz 503 15
    assert_contains "readyz says why" "on one batch for" "$(jq -r .error.message "$AH_TMP/ready.body")"
    wait "$bg"
    st=$(cat "$AH_TMP/stuck.status")
    assert_eq "the waiting push is stored once the lock is gone" 200 "$st"
    assert_wait "ready again" readyz 200 10
    stop_server
}

test_full_disk
test_stuck_writer
finish
