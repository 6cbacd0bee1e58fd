/* ana_map.h — the analyzer's hash map: 64-bit ids to pointers.
**
** Objects and frames are keyed by their trace ids, which are >= 1, so key 0
** marks an empty bucket. Open addressing with linear probing and
** backward-shift deletion: no tombstones, so a map that sees millions of
** inserts and removes (a loop allocating and freeing) stays as fast as a
** fresh one.
*/
#ifndef ANA_MAP_H
#define ANA_MAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct ana_map {
  uint64_t *keys;   /* 0: empty */
  void **vals;
  size_t cap;       /* power of two, or 0 before the first insert */
  size_t n;
} ana_map;

void ana_map_init(ana_map *m);
void ana_map_reset(ana_map *m);                /* frees the buckets, not the values */

void *ana_map_get(const ana_map *m, uint64_t key);     /* NULL when absent */
/* Insert or replace; key must be >= 1. Returns HR_OK or HR_ENOMEM. */
int ana_map_put(ana_map *m, uint64_t key, void *val);
/* Remove and return the value (NULL when absent). */
void *ana_map_del(ana_map *m, uint64_t key);

/* Iterate: start with *pos = 0; returns 0 at the end. Do not insert or
** delete while iterating. */
int ana_map_next(const ana_map *m, size_t *pos, uint64_t *key, void **val);

static inline uint64_t ana_hash64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return x;
}

#endif /* ANA_MAP_H */
