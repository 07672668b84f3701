#!/usr/bin/env bash
# pg-cluster.sh start DIR | stop DIR | pause DIR | resume DIR - a throw-away PostgreSQL
# cluster for the tests, never the system one: initdb in DIR (as the
# postgres user when run as root, since PostgreSQL refuses to run as root),
# listening on 127.0.0.1 only (a free port, tried until one binds), its
# socket in DIR. `start` prints the
# URL of its database "postgres" for the user "alerthub" (trust
# authentication, loopback only); `stop` stops it (fast shutdown) and removes
# DIR; `pause` stops the server and keeps DIR, `resume` starts it again on
# the same port (a database outage, for the tests). Debian's postgresql package provides the binaries (scripts/deps.sh).
set -eu

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bindir" ] || { echo "$0: PostgreSQL is not installed (scripts/deps.sh test)" >&2; exit 2; }

as_owner()
{
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

case "${1:-}" in
start)
    dir=$2
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    as_owner "$bindir/initdb" -D "$dir/data" -U alerthub -A trust -E UTF8 --locale=C.UTF-8 \
        >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    # Loopback only, the socket in DIR; the defaults keep every commit
    # durable (fsync, synchronous_commit), as a production server would.
    for _ in 1 2 3 4 5 6 7 8; do
        port=$((20000 + RANDOM % 40000))
        if as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=300" \
            start >/dev/null 2>&1; then
            echo "$port" >"$dir/port"
            echo "postgres://alerthub@127.0.0.1:$port/postgres"
            exit 0
        fi
        grep -q "Address already in use" "$dir/server.log" || break
    done
    cat "$dir/server.log" >&2
    exit 1
    ;;
stop)
    dir=$2
    if [ -d "$dir/data" ]; then
        as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
pause)
    as_owner "$bindir/pg_ctl" -D "$2/data" -m fast -w stop >/dev/null
    ;;
resume)
    as_owner "$bindir/pg_ctl" -D "$2/data" -l "$2/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $(cat "$2/port") -k $2 -c max_connections=300" \
        start >/dev/null
    ;;
*)
    echo "usage: $0 start DIR | stop DIR | pause DIR | resume DIR" >&2
    exit 2
    ;;
esac
