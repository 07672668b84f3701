#!/usr/bin/env bash
# p_migrate.sh BIN - PostgreSQL only (run-pg.sh): `alerthub migrate` copies a
# SQLite installation into a new PostgreSQL database; a server on the copy
# answers as the old one did and goes on from there (same keys, same
# alerts, new ids after the copied ones); a second migrate into the same
# database is refused and changes nothing.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

BIN=$1
[ -n "${AH_PG_URL:-}" ] || { echo "p_migrate: run it with tests/e2e/run-pg.sh" >&2; exit 2; }
PG_BASE=$AH_PG_URL

section "a SQLite installation with some history"
unset AH_PG_URL ALERTHUB_DATABASE_URL
AH_DB_URL=
start_server "$BIN"
new_channel payments
CH=$CH_ID
new_integration pay-std standard "$CH"
KEY=$INT_KEY
push_std "$KEY" '{"event_status":"Critical","title_rule":"db down","alert_key":"m-1","labels":{"host":"db-1"}}'
assert_status 200
push_std "$KEY" '{"event_status":"Warning","title_rule":"db down","alert_key":"m-1","labels":{"host":"db-1"}}'
assert_status 200
push_std "$KEY" '{"event_status":"Critical","title_rule":"disk full","alert_key":"m-2"}'
assert_status 200
INC=$(incident_id_for m-1)
api POST "/incidents/$INC/ack" '{}'
api GET "/incidents?limit=100"
before=$(jb '[.data.items[] | {id, title, progress, alert_count, event_count, severity}] | tostring')
SQLITE_DATA=$AH_DATA
stop_server

section "alerthub migrate into a new database"
DB=ah_migrate_$$
psql "$PG_BASE" -X -q -c "CREATE DATABASE $DB" >/dev/null
URL=${PG_BASE%/*}/$DB
out=$("$BIN" migrate --from "sqlite:$SQLITE_DATA" --to "$URL" 2>&1)
assert_eq "exit status" 0 $?
assert_contains "reports the events copied" "events               3 rows" "$out"
out=$("$BIN" migrate --from "sqlite:$SQLITE_DATA/alerthub.db" --to "$URL" 2>&1)
assert_eq "a second migrate into it fails" 1 $?
assert_contains "it says why" "not empty" "$out"
AH_DB_URL=$URL
assert_eq "and copied nothing twice" 3 "$(db "SELECT count(*) FROM events;")"
out=$("$BIN" migrate --from "sqlite:$AH_TMP/nowhere" --to "$URL" 2>&1)
assert_eq "a missing source fails" 1 $?
"$BIN" migrate --from "$SQLITE_DATA" --to "$URL" >/dev/null 2>&1
assert_eq "a source without sqlite: is a usage error" 2 $?

section "a server on the copy answers as the old one and goes on"
export ALERTHUB_DATABASE_URL=$URL
AH_DATA=$(mktemp -d "$AH_TMP/data.XXXXXX")
launch_server
api GET "/incidents?limit=100"
assert_eq "the incidents, as listed before" "$before" \
    "$(jb '[.data.items[] | {id, title, progress, alert_count, event_count, severity}] | tostring')"
push_std "$KEY" '{"event_status":"Critical","title_rule":"db down","alert_key":"m-1","labels":{"host":"db-1"}}'
assert_status 200
assert_eq "the same integration key works; the event joins the copied alert" 3 \
    "$(db "SELECT event_count FROM alerts WHERE alert_key = 'm-1';")"
new_channel after-migrate
assert_true "new ids continue after the copied ones ($CH_ID > $CH)" [ "$CH_ID" -gt "$CH" ]
push_std "$KEY" '{"event_status":"Critical","title_rule":"new","alert_key":"m-3"}'
assert_status 200
assert_eq "a new alert gets a new id" 1 \
    "$(db "SELECT count(*) FROM alerts WHERE alert_key = 'm-3' AND id > (SELECT max(id) FROM alerts WHERE alert_key <> 'm-3');")"
stop_server
finish
