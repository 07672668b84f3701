#!/bin/sh
# Install the Debian packages alerthub needs to build, run and test.
# Installs only what is missing; does nothing when everything is present.
# Usage: scripts/deps.sh [run|test|bench|fuzz]   (default: test)
set -eu

want=${1:-test}

# Build and run: compiler, pkg-config and the libraries found with pkg-config
# (libyaml reads YAML configuration files; libpq is the PostgreSQL store's
# client).
pkgs="gcc make pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev
      libpcre2-dev libcurl4-openssl-dev libssl-dev libyaml-dev libpq-dev"
# Tests: unit framework, HTTP client, JSON tool for the e2e scripts, the
# SQLite shell to inspect the database, and the real Prometheus Alertmanager
# that the Alertmanager integration is tested against; promtool (package
# prometheus) checks the /metrics scrape; python3 runs the notification
# receivers (an HTTP receiver and an SMTP sink) the tests start, and with
# python3-jsonschema checks every answer against the OpenAPI description
# (tests/e2e/openapi_check.py); systemd gives systemd-analyze, which checks
# the packaged unit file; openssl makes the self-signed certificate of the
# TLS test; chromium (Debian's, at /usr/bin/chromium) runs the console's
# browser tests, driven by npm playwright-core (installed below into
# tests/browser/node_modules from its committed package-lock.json; node
# and npm are the machine's own); postgresql gives initdb and pg_ctl for the
# throw-away clusters of the PostgreSQL runs (scripts/pg-cluster.sh; the
# system cluster is never used).
if [ "$want" = test ] || [ "$want" = bench ]; then
    pkgs="$pkgs libcmocka-dev curl jq sqlite3 procps prometheus-alertmanager prometheus python3
          python3-jsonschema systemd openssl chromium postgresql"
fi
# Bench: the load generator, and nginx as the baseline that bench/run.sh puts
# beside alerthub and Alertmanager (run in the foreground from a temporary
# prefix, never as a service).
if [ "$want" = bench ]; then
    pkgs="$pkgs wrk nginx-light"
fi

# Fuzz: clang and its libFuzzer/sanitizer runtime (make fuzz; the corpus
# replay in make test needs neither).
if [ "$want" = fuzz ]; then
    pkgs="$pkgs clang libclang-rt-14-dev"
fi

# The browser tests' npm packages (playwright-core only: it never downloads
# a browser), pinned by tests/browser/package-lock.json.
npm_deps() {
    [ "$want" = test ] || return 0
    here=$(cd "$(dirname "$0")/.." && pwd)
    if [ ! -d "$here/tests/browser/node_modules/playwright-core" ]; then
        echo "deps: npm ci in tests/browser"
        (cd "$here/tests/browser" && npm ci --no-audit --no-fund --silent)
    fi
}

missing=""
for p in $pkgs; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing="$missing $p"
    fi
done
if [ -z "$missing" ]; then
    npm_deps
    exit 0
fi

echo "deps: installing$missing"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
npm_deps
