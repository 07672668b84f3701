/* map.h - a hash map from string keys to pointers (open addressing, linear
 * probing, FNV-1a). Lookups cost O(1) whatever the number of entries: it is
 * the index behind (channel, alert_key) -> active alert. Not thread-safe: one
 * owner (the writer thread, or a lock the owner holds). */
#ifndef AH_UTIL_MAP_H
#define AH_UTIL_MAP_H

#include <stddef.h>

struct ah_map;

/* Returns a new empty map; free with ah_map_free(). */
struct ah_map *ah_map_new(void);
/* Frees the map and its copies of the keys; values are the caller's. */
void ah_map_free(struct ah_map *m);
/* Returns the value stored under @key, or NULL. */
void *ah_map_find(const struct ah_map *m, const char *key);
/* Stores @value under a copy of @key, replacing any earlier value. */
void ah_map_put(struct ah_map *m, const char *key, void *value);
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
