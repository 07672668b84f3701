/* schema.h - the numbered schema migrations, applied in order at start-up.
 * Migration N (1-based) moves PRAGMA user_version from N-1 to N. Never edit
 * a released migration: add a new one. SQL text kept generic enough for the
 * PostgreSQL store to share the table shapes. */
#ifndef AH_STORE_SCHEMA_H
#define AH_STORE_SCHEMA_H

#include <stddef.h>

extern const char *const ah_schema_migrations[];
extern const size_t ah_schema_migration_count;

#endif
