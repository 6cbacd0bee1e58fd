/* rec_map.h — the recorder's hash map from a nonzero machine word to a word. */
#ifndef REC_MAP_H
#define REC_MAP_H

#include <stddef.h>
#include <stdint.h>

/* Open addressing with linear probing and backward-shift deletion, so
** deletions leave no tombstones. Keys are addresses, never 0. Memory comes
** from hr_malloc. Not thread-safe: each map names its own protection. */
typedef struct rec_map_ent {
  uintptr_t key;     /* 0 = empty */
  uintptr_t val;
} rec_map_ent;

/* A key and its value share a cache line: a lookup in a big map (a million
** live objects) costs one miss, not two. */
typedef struct rec_map {
  rec_map_ent *ent;
  size_t cap;        /* a power of two, or 0 before the first put */
  size_t n;
} rec_map;

/* Pointer to the value stored for key, NULL when absent. */
uintptr_t *rec_map_get(const rec_map *m, uintptr_t key);
/* Insert or replace; HR_OK or HR_ENOMEM. */
int rec_map_put(rec_map *m, uintptr_t key, uintptr_t val);
/* The value slot of key, inserted with value 0 when absent (*created then
** 1); NULL when out of memory. Valid until the next put or del. The table
** grows exactly when rec_map_put would, so a map filled either way ends
** up laid out the same. */
uintptr_t *rec_map_slot(rec_map *m, uintptr_t key, int *created);
/* Remove key; returns 1 and its value in *old (may be NULL) when present. */
int rec_map_del(rec_map *m, uintptr_t key, uintptr_t *old);
/* Free the tables; the map is empty and usable again. */
void rec_map_reset(rec_map *m);

#endif /* REC_MAP_H */
