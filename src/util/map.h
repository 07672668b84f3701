/* map.h - a hash map from string keys to pointers (open addressing, linear
 * probing, FNV-1a). Lookups cost O(1) whatever the number of entries: it is
 * the index behind (channel, alert_key) -> active alert. Not thread-safe: one
 * owner (the writer thread, or a lock the owner holds). */
#ifndef AH_UTIL_MAP_H
#define AH_UTIL_MAP_H

#include <stddef.h>
#include <stdint.h>

struct ah_map;

/* Returns a new empty map; free with ah_map_free(). */
struct ah_map *ah_map_new(void);
/* As ah_map_new, but the map keeps the caller's key pointers, not copies:
 * a key must stay valid and unchanged while its entry is in the map (a
 * string inside the value). Saves a copy per entry of a large index. */
struct ah_map *ah_map_new_borrowing(void);
/* A map from int64 ids (rows of the store, not chosen by clients) that
 * keeps no key at all: use the _id functions only; ah_map_each hands ""
 * as every key. */
struct ah_map *ah_map_new_ids(void);
/* Frees the map and its copies of the keys; values are the caller's. */
void ah_map_free(struct ah_map *m);
/* Returns the value stored under @key, or NULL. */
void *ah_map_find(const struct ah_map *m, const char *key);
/* Stores @value under a copy of @key (a borrowing map: @key itself),
 * replacing any earlier value. */
void ah_map_put(struct ah_map *m, const char *key, void *value);
void *ah_map_find_id(const struct ah_map *m, int64_t id);
void ah_map_put_id(struct ah_map *m, int64_t id, void *value);
void *ah_map_remove_id(struct ah_map *m, int64_t id);
/* Removes @key; returns its value, or NULL when absent. */
void *ah_map_remove(struct ah_map *m, const char *key);
size_t ah_map_count(const struct ah_map *m);
/* Calls @fn for every entry, in no particular order. @fn must not change @m. */
void ah_map_each(const struct ah_map *m, void (*fn)(const char *key, void *value, void *arg),
                 void *arg);
/* Removes every entry for which @drop returns 1, passing its value to
 * @free_value (may be NULL). Returns how many went. */
size_t ah_map_remove_if(struct ah_map *m, int (*drop)(const void *value, void *arg), void *arg,
                        void (*free_value)(void *value));

#endif
