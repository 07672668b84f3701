/* schema.c - see schema.h. */
#include "store/schema.h"

const char *const ah_schema_migrations[] = {
    /* 1: the core tables. Ids are AUTOINCREMENT: a deleted channel's or
     * integration's id must never be given to a new one, which would inherit
     * its alerts and incidents. An alert is open while end_time = 0 (not
     * recovered) and close_time = 0 (not closed); the partial unique index
     * guarantees one open alert per (channel, alert_key). */
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE channels ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE,"
    "  description TEXT NOT NULL DEFAULT '',"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE TABLE integrations ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, type TEXT NOT NULL,"
    "  channel_id INTEGER REFERENCES channels(id),"
    "  integration_key TEXT NOT NULL UNIQUE,"
    "  rate_limit_per_sec INTEGER NOT NULL, rate_limit_per_min INTEGER NOT NULL,"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, last_event_at INTEGER);"
    "CREATE TABLE incidents ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, channel_id INTEGER NOT NULL,"
    "  title TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',"
    "  severity TEXT NOT NULL, status TEXT NOT NULL, progress TEXT NOT NULL,"
    "  labels TEXT NOT NULL DEFAULT '{}',"
    "  alert_count INTEGER NOT NULL, active_alert_count INTEGER NOT NULL,"
    "  event_count INTEGER NOT NULL,"
    "  start_time INTEGER NOT NULL, last_time INTEGER NOT NULL,"
    "  ack_time INTEGER NOT NULL DEFAULT 0, close_time INTEGER NOT NULL DEFAULT 0,"
    "  group_key TEXT NOT NULL DEFAULT '', first_alert_id INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX incidents_channel ON incidents(channel_id, id);"
    "CREATE INDEX incidents_open ON incidents(id) WHERE progress <> 'Closed';"
    "CREATE TABLE alerts ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, incident_id INTEGER NOT NULL,"
    "  channel_id INTEGER NOT NULL, integration_id INTEGER NOT NULL,"
    "  alert_key TEXT NOT NULL, title TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',"
    "  severity TEXT NOT NULL, status TEXT NOT NULL, labels TEXT NOT NULL DEFAULT '{}',"
    "  event_count INTEGER NOT NULL,"
    "  start_time INTEGER NOT NULL, last_time INTEGER NOT NULL,"
    "  end_time INTEGER NOT NULL DEFAULT 0, close_time INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX alerts_incident ON alerts(incident_id, id);"
    "CREATE UNIQUE INDEX alerts_open ON alerts(channel_id, alert_key)"
    "  WHERE end_time = 0 AND close_time = 0;"
    "CREATE TABLE events ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, alert_id INTEGER NOT NULL,"
    "  channel_id INTEGER NOT NULL, integration_id INTEGER NOT NULL,"
    "  alert_key TEXT NOT NULL, event_status TEXT NOT NULL, severity TEXT NOT NULL,"
    "  title TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',"
    "  labels TEXT NOT NULL DEFAULT '{}', images TEXT,"
    "  event_time INTEGER NOT NULL, received_at INTEGER NOT NULL);"
    "CREATE INDEX events_alert ON events(alert_id, id);"
    "CREATE INDEX events_integration ON events(integration_id, id);"
    "CREATE TABLE push_retries ("
    "  integration_id INTEGER NOT NULL, retry_id TEXT NOT NULL,"
    "  alert_keys TEXT NOT NULL, created_at INTEGER NOT NULL,"
    "  PRIMARY KEY (integration_id, retry_id));"
    "CREATE INDEX push_retries_age ON push_retries(created_at);",
    /* 2: noise reduction (issue #3): per-channel grouping and flapping
     * settings, silence and inhibit rules, why each alert went where it
     * went, and the incidents' timelines. */
    "ALTER TABLE channels ADD COLUMN grouping TEXT;"
    "ALTER TABLE channels ADD COLUMN flapping TEXT;"
    "ALTER TABLE alerts ADD COLUMN group_key TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE alerts ADD COLUMN reason TEXT NOT NULL DEFAULT '{}';"
    "ALTER TABLE alerts ADD COLUMN held TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE alerts ADD COLUMN flapping INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE incidents ADD COLUMN flapping INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE incidents ADD COLUMN muted_until INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE silences ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, channel_id INTEGER NOT NULL,"
    "  rule TEXT NOT NULL, hits INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE INDEX silences_channel ON silences(channel_id, id);"
    "CREATE TABLE inhibits ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, channel_id INTEGER NOT NULL,"
    "  rule TEXT NOT NULL, hits INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE INDEX inhibits_channel ON inhibits(channel_id, id);"
    "CREATE TABLE incident_feed ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, incident_id INTEGER NOT NULL,"
    "  time INTEGER NOT NULL, type TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '{}');"
    "CREATE INDEX incident_feed_incident ON incident_feed(incident_id, id);",
    /* 3: routing of shared integrations (issue #4). route_channels lists
     * every channel an integration's routes name, so that a channel in use
     * cannot be deleted. */
    "ALTER TABLE integrations ADD COLUMN routes TEXT;"
    "CREATE TABLE route_channels ("
    "  integration_id INTEGER NOT NULL, channel_id INTEGER NOT NULL,"
    "  PRIMARY KEY (integration_id, channel_id));"
    "CREATE INDEX route_channels_channel ON route_channels(channel_id);",
    /* 4: label enrichment and alert pipelines (issue #4). A mapping table
     * keeps the CSV as uploaded; enrich_mappings lists the tables each
     * integration's enrichment uses, so that a table in use cannot be
     * deleted. */
    "ALTER TABLE integrations ADD COLUMN enrichment TEXT;"
    "ALTER TABLE integrations ADD COLUMN pipeline TEXT;"
    "CREATE TABLE mapping_schemas ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE,"
    "  description TEXT NOT NULL DEFAULT '', source_labels TEXT NOT NULL,"
    "  result_labels TEXT NOT NULL, data TEXT NOT NULL DEFAULT '',"
    "  row_count INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL, uploaded_at INTEGER);"
    "CREATE TABLE enrich_mappings ("
    "  integration_id INTEGER NOT NULL, schema_id INTEGER NOT NULL,"
    "  PRIMARY KEY (integration_id, schema_id));"
    "CREATE INDEX enrich_mappings_schema ON enrich_mappings(schema_id);",
    /* 5: notifications (issue #8). People (members) and notify targets;
     * escalation rules and auto-resolve settings per channel, with
     * escalation_refs listing every member and target a channel's rules
     * name (so that one in use cannot be deleted); per incident the
     * escalation in progress (a snapshot of the matched rule) and its
     * durable timers; and deliveries, which is both the outbox and the
     * delivery log: a row is written in the same commit as the incident
     * change that caused it, and a worker sends the pending ones. */
    "CREATE TABLE members ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE,"
    "  email TEXT, phone TEXT, timezone TEXT, contacts TEXT NOT NULL DEFAULT '[]',"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE TABLE notify_targets ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,"
    "  settings TEXT NOT NULL, channel_ids TEXT NOT NULL DEFAULT '[]', event_types TEXT,"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE TABLE target_channels ("
    "  target_id INTEGER NOT NULL, channel_id INTEGER NOT NULL,"
    "  PRIMARY KEY (channel_id, target_id));"
    "ALTER TABLE channels ADD COLUMN escalations TEXT;"
    "ALTER TABLE channels ADD COLUMN auto_resolve_timeout INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE channels ADD COLUMN auto_resolve_mode TEXT NOT NULL DEFAULT 'trigger';"
    "ALTER TABLE channels ADD COLUMN disable_auto_close INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE escalation_refs ("
    "  kind TEXT NOT NULL, ref_id INTEGER NOT NULL, channel_id INTEGER NOT NULL,"
    "  PRIMARY KEY (kind, ref_id, channel_id));"
    "CREATE TABLE escalations ("
    "  incident_id INTEGER PRIMARY KEY, channel_id INTEGER NOT NULL, rule TEXT NOT NULL,"
    "  level INTEGER NOT NULL DEFAULT 0, round INTEGER NOT NULL DEFAULT 0,"
    "  state TEXT NOT NULL, started_at INTEGER NOT NULL);"
    "CREATE TABLE timers ("
    "  incident_id INTEGER NOT NULL, kind TEXT NOT NULL, due INTEGER NOT NULL,"
    "  PRIMARY KEY (incident_id, kind));"
    "CREATE INDEX timers_due ON timers(due);"
    "ALTER TABLE incidents ADD COLUMN snooze_until INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE deliveries ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, incident_id INTEGER NOT NULL,"
    "  channel_id INTEGER NOT NULL, event_id TEXT NOT NULL, event_type TEXT NOT NULL,"
    "  event_time INTEGER NOT NULL, kind TEXT NOT NULL, target_id INTEGER, member_id INTEGER,"
    "  address TEXT NOT NULL DEFAULT '', person TEXT, detail TEXT, status TEXT NOT NULL,"
    "  attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL DEFAULT 0,"
    "  last_status_code INTEGER, last_error TEXT, sent_at INTEGER, reason TEXT,"
    "  created_at INTEGER NOT NULL);"
    "CREATE INDEX deliveries_incident ON deliveries(incident_id, id);"
    "CREATE INDEX deliveries_pending ON deliveries(next_at, id) WHERE status = 'pending';",
    /* 6: on-call (issue #9). Teams (an ordered list of members), schedules
     * (a time zone and rotation layers, as rules/rota.h normalizes them)
     * and their overrides; member_refs lists every member a team or a
     * schedule names (a schedule's: its layers' and its overrides'), kept in
     * step on every write, so that a member in use cannot be deleted. */
    "CREATE TABLE teams ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE,"
    "  member_ids TEXT NOT NULL DEFAULT '[]',"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE TABLE schedules ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE,"
    "  timezone TEXT NOT NULL, layers TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE TABLE schedule_overrides ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, schedule_id INTEGER NOT NULL,"
    "  member_id INTEGER NOT NULL, start INTEGER NOT NULL, \"end\" INTEGER NOT NULL,"
    "  created_at INTEGER NOT NULL);"
    "CREATE INDEX schedule_overrides_schedule ON schedule_overrides(schedule_id, start);"
    "CREATE TABLE member_refs ("
    "  kind TEXT NOT NULL, owner_id INTEGER NOT NULL, member_id INTEGER NOT NULL,"
    "  PRIMARY KEY (kind, owner_id, member_id));"
    "CREATE INDEX member_refs_member ON member_refs(member_id);",
    /* 7: subscriptions read the timeline (issue #8). A target subscribed to
     * channels consumes their incidents' timeline entries in order, like a
     * queue consumer: target_cursors holds, per target, the last entry whose
     * outcome is committed. The timeline row written with the incident
     * change is the outbox entry, so a subscriber costs ingest nothing. A
     * new target starts at the newest entry (no history). */
    "CREATE TABLE target_cursors ("
    "  target_id INTEGER PRIMARY KEY, feed_id INTEGER NOT NULL);"
    "INSERT INTO target_cursors(target_id, feed_id)"
    "  SELECT id, (SELECT coalesce(max(id), 0) FROM incident_feed) FROM notify_targets;"
    "CREATE INDEX deliveries_event ON deliveries(event_id);",
    /* 8: scoped API tokens (issue #12, api.md section 7): only the SHA-256
     * of a token is kept; the token itself is shown once, when made. */
    "CREATE TABLE api_tokens ("
    "  id INTEGER PRIMARY KEY, name TEXT NOT NULL, scope TEXT NOT NULL,"
    "  token_hash TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL);",
    /* 9: flapping histories (issue #11): the state changes of each (channel,
     * alert_key) that may still count, kept with the change that made them,
     * so that a restart, a failover or a rebuilt reducer counts on where it
     * was. changes: the change times, oldest first, space-separated. */
    "CREATE TABLE flaps ("
    "  channel_id INTEGER NOT NULL, alert_key TEXT NOT NULL, changes TEXT NOT NULL,"
    "  last_change INTEGER NOT NULL, muted_until INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (channel_id, alert_key));",
    /* 10: the version of what the nodes on one database share (PostgreSQL,
     * docs/deploy.md): each write transaction that changed rows counts
     * @version up, and @config too when it changed what the HTTP side
     * caches (integrations, rules, mapping tables, channel names, tokens),
     * so a node sees at its next transaction whether another one wrote. */
    "CREATE TABLE cluster (id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  version INTEGER NOT NULL, config INTEGER NOT NULL);"
    "INSERT INTO cluster(id, version, config) VALUES (1, 0, 0);",
    /* 11: the console's sign-in sessions (http/sessions.h), kept here so
     * that every node knows them: the SHA-256 of the session id and of the
     * token it was made from, when it was opened and last used (wall-clock
     * seconds; the last use is written back every few minutes). */
    "CREATE TABLE sessions (id_hash TEXT PRIMARY KEY, token_hash TEXT NOT NULL,"
    "  opened INTEGER NOT NULL, used INTEGER NOT NULL);",
    /* 12: what each write transaction changed of what the nodes keep in
     * memory (PostgreSQL), by the version it made: the ids of the alerts and
     * incidents it wrote (JSON arrays), the flapping histories it wrote (a
     * JSON array of {"c": channel_id, "k": alert_key}), or @everything (a
     * channel's rules): a node catches up by those rows instead of
     * rebuilding all (store.c, ah_store_tx_changes). */
    "CREATE TABLE cluster_log (version INTEGER PRIMARY KEY, alerts TEXT NOT NULL,"
    "  incidents TEXT NOT NULL, flaps TEXT NOT NULL, everything INTEGER NOT NULL);",
};

const size_t ah_schema_migration_count =
    sizeof(ah_schema_migrations) / sizeof(ah_schema_migrations[0]);
