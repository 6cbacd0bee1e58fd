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

/* An address-keyed map whose neighbouring keys share memory: a radix table
** by page for 16-byte aligned addresses below 2^48 (every object pymalloc
** or glibc hands out), a rec_map for the others. A 4 KiB page of address
** space has one leaf of 256 words, one per 16-byte granule, so a lookup is
** three dependent loads into tables that stay small, no probing, and the
** objects a loop makes one after another (a pymalloc pool fills in address
** order) land in the same leaf: a million live keys cost no cache miss
** each, and growing never rehashes. Leaves last until the map is reset: the
** memory follows the pages that ever held a key, at most half their size.
** Values are nonzero (0 is "absent"). Not thread-safe. */
#define REC_AMAP_LEAF_WORDS 256
typedef struct rec_amap_leaf {
  uintptr_t page;        /* the address of the page it covers */
  uintptr_t *words;      /* REC_AMAP_LEAF_WORDS values, 0 = absent */
} rec_amap_leaf;
typedef struct rec_amap {
  uintptr_t ***l1;       /* address bits 47..30 -> L2 table, or NULL */
  uint32_t *l2_used;     /* the l1 indices that have an L2 table */
  size_t n_l2, cap_l2;
  void **chunks;         /* the leaves' memory: the first malloc'd, the others huge */
  size_t nchunks, capchunks;
  uintptr_t *chunk_next; /* the last chunk's first unused leaf */
  size_t chunk_left;     /* and how many it has left */
  rec_amap_leaf *leaves; /* every leaf, in the order made */
  size_t nleaves, capleaves;
  rec_map odd;           /* keys no leaf can index */
  size_t n;              /* keys present */
} rec_amap;

static inline int rec_amap_indexable(uintptr_t k) {
  return (k & 15) == 0 && ((uint64_t)k >> 48) == 0;
}

uintptr_t *rec_amap_get_slow(const rec_amap *m, uintptr_t key);

/* Pointer to the value stored for key, NULL when absent. */
static inline uintptr_t *rec_amap_get(const rec_amap *m, uintptr_t key) {
  if (!rec_amap_indexable(key) || m->l1 == NULL) return rec_amap_get_slow(m, key);
  uintptr_t **l2 = m->l1[key >> 30];
  uintptr_t *leaf = l2 ? l2[(key >> 12) & ((1u << 18) - 1)] : NULL;
  if (leaf == NULL) return NULL;
  uintptr_t *v = &leaf[(key >> 4) & (REC_AMAP_LEAF_WORDS - 1)];
  return *v ? v : NULL;
}
/* The value slot of key; when absent it is made, holding 1 until the
** caller stores the value (or deletes the key), and *created is 1. NULL
** when out of memory. Valid until the next slot or del. */
uintptr_t *rec_amap_slot(rec_amap *m, uintptr_t key, int *created);
/* Insert or replace (val nonzero); HR_OK or HR_ENOMEM. */
int rec_amap_put(rec_amap *m, uintptr_t key, uintptr_t val);
/* Remove key; returns 1 and its value in *old (may be NULL) when present. */
int rec_amap_del(rec_amap *m, uintptr_t key, uintptr_t *old);
/* Free everything; the map is empty and usable again. */
void rec_amap_reset(rec_amap *m);

/* Every key, leaves first in the order they were made, then the others.
** Nothing may be added or deleted meanwhile. */
typedef struct rec_amap_iter {
  size_t leaf, word, odd;
} rec_amap_iter;
/* The next key and its value: 1, or 0 after the last. Start from {0}. */
int rec_amap_next(const rec_amap *m, rec_amap_iter *it, uintptr_t *key, uintptr_t *val);

#endif /* REC_MAP_H */
