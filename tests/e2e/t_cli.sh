#!/usr/bin/env bash
# t_cli.sh - the command line (issue #13): --help and --version, usage
# errors, the admin token's sources (an empty one refused, a token file),
# `alerthub push`, `alerthub backup` while pushes go on, log formats, and
# `make install` (binary, man page, systemd unit).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 BIN}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

# run ARGS...: runs the binary (20 s at most); sets RC, OUT (stdout), ERR.
run()
{
    timeout 20 "$BIN" "$@" >"$AH_TMP/run.out" 2>"$AH_TMP/run.err"
    RC=$?
    OUT=$(cat "$AH_TMP/run.out")
    ERR=$(cat "$AH_TMP/run.err")
}

# Every flag and environment variable of the option tables in main.c.
table_flags() { grep -o '^ *{"--[a-z-]*"' "$ROOT/src/main.c" | grep -o -- '--[a-z-]*'; }
table_envs() { grep -o '"ALERTHUB_[A-Z_]*"' "$ROOT/src/main.c" | tr -d '"' | sort -u; }

test_help_version()
{
    local args name
    for args in "--help" "serve --help" "push --help" "-h"; do
        section "alerthub $args"
        # shellcheck disable=SC2086 # whole argument lists
        run $args
        assert_eq "exit status" 0 "$RC"
        assert_eq "nothing on stderr" "" "$ERR"
        assert_contains "usage on stdout" "usage: alerthub serve" "$OUT"
        for name in $(table_flags) $(table_envs); do
            assert_contains "help names $name" "$name" "$OUT"
        done
    done
    assert_true "option table read (flags)" test "$(table_flags | wc -l)" -ge 20
    assert_true "option table read (environment)" test "$(table_envs | wc -l)" -ge 18
    section "help gives defaults"
    assert_contains "--listen default" "default: 127.0.0.1:8080; environment: ALERTHUB_LISTEN" \
        "$OUT"
    assert_contains "--log-format default" "default: text; environment: ALERTHUB_LOG_FORMAT" "$OUT"

    section "alerthub --version"
    run --version
    assert_eq "exit status" 0 "$RC"
    assert_eq "version from the VERSION file" "alerthub $(cat "$ROOT/VERSION")" "$OUT"

    section "documentation names every flag and variable"
    for name in $(table_flags) $(table_envs); do
        assert_true "README names $name" grep -q -e "$name" "$ROOT/README.md"
        # roff writes a hyphen in a flag as \-
        assert_true "alerthub.1 names $name" grep -qF -e "$(printf '%s' "$name" | sed 's/-/\\-/g')" \
            "$ROOT/docs/alerthub.1"
    done
}

test_usage_errors()
{
    local args
    mkdir -p "$AH_TMP/bad"
    while read -r args; do
        section "usage error: alerthub $args"
        # shellcheck disable=SC2086 # whole argument lists
        run $args
        assert_eq "exit status" 2 "$RC"
        assert_contains "usage on stderr" "usage: alerthub" "$ERR"
        assert_eq "nothing on stdout" "" "$OUT"
    done <<EOF
serve --no-such-option --data $AH_TMP/bad
serve --data
no-such-command
push
push http://127.0.0.1:1/ --no-such-option x
backup
backup --data $AH_TMP/bad
EOF
    section "bad values exit 2 with a message"
    run serve --log-format yaml --data "$AH_TMP/bad"
    assert_eq "--log-format yaml exit status" 2 "$RC"
    assert_contains "--log-format yaml message" "--log-format" "$ERR"
    run serve --admin-token x --admin-token-file "$ROOT/VERSION" --data "$AH_TMP/bad"
    assert_eq "token and token file exit status" 2 "$RC"
    assert_contains "token and token file message" "not both" "$ERR"
    assert_true "no database was made" test ! -e "$AH_TMP/bad/alerthub.db"
}

test_empty_token()
{
    local dir=$AH_TMP/empty-token
    mkdir -p "$dir"
    : >"$AH_TMP/empty.token"
    printf '\n' >"$AH_TMP/newline.token"

    section "--admin-token \"\" is refused"
    run serve --listen 127.0.0.1:1 --data "$dir" --admin-token ""
    assert_eq "exit status" 2 "$RC"
    assert_contains "message" "--admin-token (ALERTHUB_ADMIN_TOKEN) is empty" "$ERR"

    section "ALERTHUB_ADMIN_TOKEN=\"\" is refused"
    ALERTHUB_ADMIN_TOKEN='' run serve --listen 127.0.0.1:1 --data "$dir"
    assert_eq "exit status" 2 "$RC"
    assert_contains "message" "ALERTHUB_ADMIN_TOKEN" "$ERR"
    assert_contains "message says empty" "empty" "$ERR"

    section "an empty token file is refused"
    for f in "$AH_TMP/empty.token" "$AH_TMP/newline.token"; do
        run serve --listen 127.0.0.1:1 --data "$dir" --admin-token-file "$f"
        assert_eq "$(basename "$f") exit status" 2 "$RC"
        assert_contains "$(basename "$f") message" "--admin-token-file" "$ERR"
    done
    ALERTHUB_ADMIN_TOKEN_FILE='' run serve --listen 127.0.0.1:1 --data "$dir"
    assert_eq "ALERTHUB_ADMIN_TOKEN_FILE=\"\" exit status" 2 "$RC"
    run serve --listen 127.0.0.1:1 --data "$dir" --admin-token-file "$AH_TMP/no-such-file"
    assert_eq "missing token file exit status" 2 "$RC"
    assert_contains "missing token file message" "No such file" "$ERR"
    assert_true "nothing was stored" test ! -e "$dir/alerthub.db"
}

test_token_file()
{
    local given=$AH_TOKEN
    section "--admin-token-file"
    AH_TOKEN=file-token-8e1f4a
    printf '%s\n' "$AH_TOKEN" >"$AH_TMP/admin.token"
    AH_TOKEN_FILE=$AH_TMP/admin.token start_server "$BIN"
    api GET /channels
    assert_status 200 "the token from the file authorizes"
    http GET "$AH_URL/api/v1/channels" -H "Authorization: Bearer $given"
    assert_status 401 "another token does not"
    assert_eq "the stored hash is the token's, without the newline" \
        "$(printf '%s' "$AH_TOKEN" | sha256sum | cut -d' ' -f1)" \
        "$(db "SELECT value FROM meta WHERE key = 'admin_token_sha256';")"
    stop_server

    section "ALERTHUB_ADMIN_TOKEN_FILE"
    AH_TOKEN=env-file-token-2b7c
    printf '%s\r\n' "$AH_TOKEN" >"$AH_TMP/admin.token"
    AH_USE_ENV=1 AH_TOKEN_FILE=$AH_TMP/admin.token restart_server
    api GET /channels
    assert_status 200 "the token from the file (CRLF dropped) authorizes"
    stop_server
}

test_push_command()
{
    local url
    section "alerthub push"
    start_server "$BIN"
    std_channel cli
    url="$AH_URL/event/push/alert/standard?integration_key=$IKEY"
    run push "$url" --severity Critical --title "CLI check"
    assert_eq "exit status" 0 "$RC"
    H_BODY=$OUT
    assert_json "the server's answer is printed" .data.alert_key alerthub-cli-test
    assert_contains "HTTP status on stderr" "HTTP 200" "$ERR"
    api GET "/alerts/$(alert_id_for alerthub-cli-test)"
    assert_status 200 "the alert is stored"
    assert_json "title" .data.title "CLI check"
    assert_json "severity" .data.severity Critical
    assert_json "description" .data.description \
        "A test event sent with \`alerthub push\` (alerthub $(cat "$ROOT/VERSION"))."
    assert_eq "one event stored" 1 "$(events_for alerthub-cli-test)"

    section "alerthub push: defaults"
    run push "$url"
    assert_eq "exit status" 0 "$RC"
    api GET "/alerts/$(alert_id_for alerthub-cli-test)"
    assert_json "default severity (the alert's status)" .data.status Info
    assert_json "default title" .data.title "alerthub test event"

    section "alerthub push: refused"
    run push "$AH_URL/event/push/alert/standard?integration_key=no-such-key"
    assert_eq "bad key exit status" 1 "$RC"
    H_BODY=$OUT
    assert_match "the refusal is printed" '^[A-Za-z]+$' "$(jb .error.code)"
    assert_contains "HTTP status on stderr" "HTTP 4" "$ERR"
    run push "$url" --severity Loud
    assert_eq "bad severity exit status" 1 "$RC"
    run push "http://127.0.0.1:1/event/push/alert/standard?integration_key=x" --timeout-ms 2000
    assert_eq "no server exit status" 1 "$RC"
    assert_contains "no server message" "127.0.0.1:1" "$ERR"
}

# load URL DONE_FILE STOP_FILE: pushes events with distinct keys until
# STOP_FILE exists; appends each key to DONE_FILE once answered 200.
load()
{
    local url=$1 done=$2 stop=$3 i=0 code
    while [ ! -e "$stop" ]; do
        i=$((i + 1))
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 -X POST "$url" \
            -H 'Content-Type: application/json' \
            --data-binary "{\"event_status\":\"Warning\",\"title_rule\":\"load\",\"alert_key\":\"load-$i\"}")
        [ "$code" = 200 ] && echo "load-$i" >>"$done"
    done
}

test_backup()
{
    local url loader before after copy=$AH_TMP/backup.db sum
    section "alerthub backup while pushes go on"
    url="$AH_URL/event/push/alert/standard?integration_key=$IKEY"
    : >"$AH_TMP/acked"
    load "$url" "$AH_TMP/acked" "$AH_TMP/stop" &
    loader=$!
    AH_BG_PIDS+=("$loader")
    while [ "$(wc -l <"$AH_TMP/acked")" -lt 30 ] && kill -0 "$loader" 2>/dev/null; do
        sleep 0.05 # poll interval, waiting for 30 acknowledged events
    done
    sort "$AH_TMP/acked" >"$AH_TMP/acked.before"
    run backup "$copy" --data "$AH_DATA"
    assert_eq "exit status" 0 "$RC"
    assert_contains "says where" "$copy" "$OUT"
    assert_true "the load was still running" kill -0 "$loader"
    touch "$AH_TMP/stop"
    wait "$loader"
    before=$(wc -l <"$AH_TMP/acked.before")
    after=$(wc -l <"$AH_TMP/acked")
    assert_true "events acknowledged during the backup ($before then $after)" test "$after" -gt "$before"

    section "the backup holds every event acknowledged before it started"
    assert_eq "integrity" ok "$(sqlite3 -readonly "$copy" 'PRAGMA integrity_check;')"
    sqlite3 -readonly "$copy" "SELECT alert_key FROM events WHERE alert_key LIKE 'load-%';" |
        sort >"$AH_TMP/backup.keys"
    assert_eq "acknowledged before, missing from the backup" "" \
        "$(comm -23 "$AH_TMP/acked.before" "$AH_TMP/backup.keys" | head -5)"
    assert_true "at least $before load events in the backup" \
        test "$(wc -l <"$AH_TMP/backup.keys")" -ge "$before"
    assert_eq "the CLI test event too" 2 \
        "$(sqlite3 -readonly "$copy" "SELECT count(*) FROM events WHERE alert_key = 'alerthub-cli-test';")"

    section "alerthub backup refuses an existing file"
    sum=$(cksum <"$copy")
    run backup "$copy" --data "$AH_DATA"
    assert_eq "exit status" 1 "$RC"
    assert_contains "message" "exists" "$ERR"
    assert_eq "the file is untouched" "$sum" "$(cksum <"$copy")"
    run backup "$AH_TMP/other.db" --data "$AH_TMP/no-such-dir"
    assert_eq "no database exit status" 1 "$RC"
    assert_true "no file left behind" test ! -e "$AH_TMP/other.db"
    ALERTHUB_DATA=$AH_DATA run backup "$AH_TMP/env.db"
    assert_eq "ALERTHUB_DATA exit status" 0 "$RC"
    stop_server
}

test_log_formats()
{
    local lines
    section "--log-format json"
    start_server "$BIN" --log-format json
    push_std no-such-key '{}' # a refused request may log too
    stop_server
    lines=$(grep -v '^alerthub: ' "$AH_LOG")
    assert_true "log lines were written" test "$(printf '%s\n' "$lines" | grep -c .)" -ge 2
    assert_eq "every line one JSON object with ts, level, msg" "" \
        "$(printf '%s\n' "$lines" | jq -c 'select((.ts|type) != "string" or (.level|test("^(debug|info|warn|error)$")|not) or (.msg|type) != "string")' 2>&1)"
    assert_match "ts is UTC with milliseconds" '^"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}Z"$' \
        "$(printf '%s\n' "$lines" | head -n 1 | jq .ts)"
    assert_contains "the ready line" '"msg":"ready: listening on' "$lines"

    section "ALERTHUB_LOG_FORMAT=logfmt"
    ALERTHUB_LOG_FORMAT=logfmt restart_server --log-level info
    stop_server
    lines=$(grep -v '^alerthub: ' "$AH_LOG")
    assert_eq "every line ts=... level=... msg=\"...\"" "" \
        "$(printf '%s\n' "$lines" | grep -Ev '^ts=[0-9T:.-]+Z level=(debug|info|warn|error) msg="([^"\\]|\\.)*"$')"
    assert_contains "the stop line" 'msg="stopped"' "$lines"
}

test_install()
{
    local dest=$AH_TMP/install unit
    section "make install DESTDIR PREFIX=/usr"
    make -C "$ROOT" --no-print-directory install DESTDIR="$dest" PREFIX=/usr \
        >"$AH_TMP/install.log" 2>&1
    assert_eq "make install exit status" 0 "$?"
    assert_true "bin/alerthub is executable" test -x "$dest/usr/bin/alerthub"
    assert_eq "the installed binary runs" "alerthub $(cat "$ROOT/VERSION")" \
        "$("$dest/usr/bin/alerthub" --version)"
    assert_true "man page installed" test -f "$dest/usr/share/man/man1/alerthub.1"
    assert_true "man page has NAME" grep -q '^\.SH NAME' "$dest/usr/share/man/man1/alerthub.1"
    unit=$dest/usr/lib/systemd/system/alerthub.service
    assert_true "systemd unit installed" test -f "$unit"
    assert_true "ExecStart names the installed binary" \
        grep -qx 'ExecStart=/usr/bin/alerthub serve --data /var/lib/alerthub' "$unit"
    for setting in DynamicUser=yes StateDirectory=alerthub ProtectSystem=strict ProtectHome=yes \
        NoNewPrivileges=yes PrivateTmp=yes PrivateDevices=yes \
        'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' LockPersonality=yes \
        MemoryDenyWriteExecute=yes SystemCallFilter=@system-service Restart=on-failure; do
        assert_true "unit sets $setting" grep -qx "$setting" "$unit"
    done
    if command -v systemd-analyze >/dev/null; then
        # The binary is under DESTDIR, not at /usr/bin: point ExecStart there.
        mkdir -p "$AH_TMP/verify"
        sed "s|^ExecStart=/usr/bin/alerthub|ExecStart=$dest/usr/bin/alerthub|" "$unit" \
            >"$AH_TMP/verify/alerthub.service"
        assert_eq "systemd-analyze verify" "" \
            "$(systemd-analyze verify --man=no "$AH_TMP/verify/alerthub.service" 2>&1)"
    else
        echo "note: systemd-analyze not found; the unit was not verified"
    fi
}

test_help_version
test_usage_errors
test_empty_token
test_token_file
test_push_command
# A PostgreSQL store is backed up with PostgreSQL's tools (docs/deploy.md).
on_sqlite && test_backup
test_log_formats
test_install
finish
