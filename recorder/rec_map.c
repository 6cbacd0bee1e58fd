/* rec_map.c — open-addressing word-to-word hash map for the recorder. */
#include "rec_map.h"

#include <string.h>

#include "hr_mem.h"
#include "hr_status.h"

static inline size_t map_hash(uintptr_t k, size_t mask) {
  uint64_t h = (uint64_t)k * 0x9E3779B97F4A7C15ull;
  return (size_t)(h >> 17) & mask;
}

uintptr_t *rec_map_get(const rec_map *m, uintptr_t key) {
  if (m->cap == 0) return NULL;
  size_t mask = m->cap - 1;
  for (size_t i = map_hash(key, mask);; i = (i + 1) & mask) {
    rec_map_ent *e = &m->ent[i];
    if (e->key == key) return &e->val;
    if (e->key == 0) return NULL;
  }
}

static int map_grow(rec_map *m) {
  size_t ncap = m->cap ? m->cap * 2 : 64;
  rec_map_ent *ne = hr_malloc(ncap * sizeof *ne);
  if (ne == NULL) return HR_ENOMEM;
  /* Written, not calloc'd: calloc's untouched pages are first read (mapped
  ** to the shared zero page) and faulted again on the first write, which
  ** costs a TLB shootdown on every CPU the process's threads run on. */
  memset(ne, 0, ncap * sizeof *ne);
  size_t mask = ncap - 1;
  for (size_t j = 0; j < m->cap; j++) {
    if (m->ent[j].key == 0) continue;
    size_t i = map_hash(m->ent[j].key, mask);
    while (ne[i].key != 0) i = (i + 1) & mask;
    ne[i] = m->ent[j];
  }
  hr_free(m->ent);
  m->ent = ne;
  m->cap = ncap;
  return HR_OK;
}

int rec_map_put(rec_map *m, uintptr_t key, uintptr_t val) {
  if ((m->n + 1) * 4 > m->cap * 3) {
    int rc = map_grow(m);
    if (rc != HR_OK) return rc;
  }
  size_t mask = m->cap - 1;
  size_t i = map_hash(key, mask);
  while (m->ent[i].key != 0 && m->ent[i].key != key) i = (i + 1) & mask;
  if (m->ent[i].key == 0) {
    m->ent[i].key = key;
    m->n++;
  }
  m->ent[i].val = val;
  return HR_OK;
}

uintptr_t *rec_map_slot(rec_map *m, uintptr_t key, int *created) {
  *created = 0;
  size_t i = 0, mask = m->cap ? m->cap - 1 : 0;
  if (m->cap != 0) {
    for (i = map_hash(key, mask); m->ent[i].key != 0; i = (i + 1) & mask)
      if (m->ent[i].key == key) return &m->ent[i].val;
  }
  if ((m->n + 1) * 4 > m->cap * 3) {
    if (map_grow(m) != HR_OK) return NULL;
    mask = m->cap - 1;
    for (i = map_hash(key, mask); m->ent[i].key != 0;) i = (i + 1) & mask;
  }
  m->ent[i].key = key;
  m->ent[i].val = 0;
  m->n++;
  *created = 1;
  return &m->ent[i].val;
}

int rec_map_del(rec_map *m, uintptr_t key, uintptr_t *old) {
  if (m->cap == 0) return 0;
  size_t mask = m->cap - 1;
  size_t i = map_hash(key, mask);
  while (m->ent[i].key != key) {
    if (m->ent[i].key == 0) return 0;
    i = (i + 1) & mask;
  }
  if (old) *old = m->ent[i].val;
  /* Backward shift: pull later members of the probe run into the hole. */
  size_t j = i;
  for (;;) {
    j = (j + 1) & mask;
    if (m->ent[j].key == 0) break;
    size_t home = map_hash(m->ent[j].key, mask);
    /* Move j into i when its home is not cyclically in (i, j]. */
    if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
      m->ent[i] = m->ent[j];
      i = j;
    }
  }
  m->ent[i].key = 0;
  m->n--;
  return 1;
}

void rec_map_reset(rec_map *m) {
  hr_free(m->ent);
  m->ent = NULL;
  m->cap = 0;
  m->n = 0;
}

/* ---- rec_amap ---------------------------------------------------------------- */

#define AMAP_L1_BITS 18            /* address bits 47..30 */
#define AMAP_L2_BITS 18            /* address bits 29..12 */
#define AMAP_LEAF_BYTES (REC_AMAP_LEAF_WORDS * sizeof(uintptr_t))
/* The first chunk is small and malloc'd (a short recording needs a few
** leaves); the others are 2 MiB of huge pages, present at once: no fault
** per leaf when a million objects spread over thousands of pages. */
#define AMAP_FIRST_LEAVES 32
#define AMAP_CHUNK_BYTES ((size_t)2 << 20)
#define AMAP_CHUNK_LEAVES (AMAP_CHUNK_BYTES / AMAP_LEAF_BYTES)

uintptr_t *rec_amap_get_slow(const rec_amap *m, uintptr_t key) {
  if (rec_amap_indexable(key)) return NULL;   /* no leaf table yet */
  return rec_map_get(&m->odd, key);
}

static uintptr_t *amap_leaf_new(rec_amap *m, uintptr_t page) {
  if (m->chunk_left == 0) {
    void **c = hr_grow(m->chunks, &m->capchunks, m->nchunks + 1, sizeof *c, 8);
    if (c == NULL) return NULL;
    m->chunks = c;
    void *mem;
    size_t leaves;
    if (m->nchunks == 0) {
      /* Written, not calloc'd: a leaf is read before it is written, and a
      ** calloc'd page read first maps the shared zero page, whose first
      ** write faults again and flushes the other CPUs' TLBs. */
      leaves = AMAP_FIRST_LEAVES;
      if ((mem = hr_malloc(leaves * AMAP_LEAF_BYTES)) != NULL) memset(mem, 0, leaves * AMAP_LEAF_BYTES);
    } else {
      leaves = AMAP_CHUNK_LEAVES;
      mem = hr_huge_alloc(AMAP_CHUNK_BYTES);
    }
    if (mem == NULL) return NULL;
    c[m->nchunks++] = mem;
    m->chunk_next = mem;
    m->chunk_left = leaves;
  }
  rec_amap_leaf *lv = hr_grow(m->leaves, &m->capleaves, m->nleaves + 1, sizeof *lv, 64);
  if (lv == NULL) return NULL;
  m->leaves = lv;
  uintptr_t *words = m->chunk_next;
  m->chunk_next += REC_AMAP_LEAF_WORDS;
  m->chunk_left--;
  lv[m->nleaves].page = page;
  lv[m->nleaves].words = words;
  m->nleaves++;
  return words;
}

/* The slot of an indexable key, its leaf made when create; NULL when
** absent (or out of memory). */
static uintptr_t *amap_leaf_slot(rec_amap *m, uintptr_t key, int create) {
  if (m->l1 == NULL) {
    if (!create) return NULL;
    /* calloc hands back untouched zero pages: only the parts used cost memory. */
    if ((m->l1 = hr_calloc((size_t)1 << AMAP_L1_BITS, sizeof *m->l1)) == NULL) return NULL;
  }
  uintptr_t **l2 = m->l1[key >> 30];
  if (l2 == NULL) {
    if (!create) return NULL;
    uint32_t *u = hr_grow(m->l2_used, &m->cap_l2, m->n_l2 + 1, sizeof *u, 8);
    if (u == NULL) return NULL;
    m->l2_used = u;
    if ((l2 = hr_calloc((size_t)1 << AMAP_L2_BITS, sizeof *l2)) == NULL) return NULL;
    m->l1[key >> 30] = l2;
    m->l2_used[m->n_l2++] = (uint32_t)(key >> 30);
  }
  uintptr_t **lp = &l2[(key >> 12) & (((size_t)1 << AMAP_L2_BITS) - 1)];
  if (*lp == NULL && (!create || (*lp = amap_leaf_new(m, key & ~(uintptr_t)4095)) == NULL))
    return NULL;
  return &(*lp)[(key >> 4) & (REC_AMAP_LEAF_WORDS - 1)];
}

uintptr_t *rec_amap_slot(rec_amap *m, uintptr_t key, int *created) {
  uintptr_t *v;
  *created = 0;
  if (rec_amap_indexable(key)) {
    if ((v = amap_leaf_slot(m, key, 1)) == NULL) return NULL;
  } else {
    int made;
    if ((v = rec_map_slot(&m->odd, key, &made)) == NULL) return NULL;
  }
  if (*v == 0) {
    *v = 1;
    m->n++;
    *created = 1;
  }
  return v;
}

int rec_amap_put(rec_amap *m, uintptr_t key, uintptr_t val) {
  int created;
  uintptr_t *v = rec_amap_slot(m, key, &created);
  if (v == NULL) return HR_ENOMEM;
  *v = val;
  return HR_OK;
}

int rec_amap_del(rec_amap *m, uintptr_t key, uintptr_t *old) {
  if (!rec_amap_indexable(key)) {
    if (!rec_map_del(&m->odd, key, old)) return 0;
    m->n--;
    return 1;
  }
  uintptr_t *v = amap_leaf_slot(m, key, 0);
  if (v == NULL || *v == 0) return 0;
  if (old) *old = *v;
  *v = 0;
  m->n--;
  return 1;
}

void rec_amap_reset(rec_amap *m) {
  /* Only the L2 tables in use are visited, not all of L1. */
  if (m->l1 != NULL)
    for (size_t i = 0; i < m->n_l2; i++) hr_free(m->l1[m->l2_used[i]]);
  hr_free(m->l1);
  hr_free(m->l2_used);
  for (size_t k = 0; k < m->nchunks; k++) {
    if (k == 0) hr_free(m->chunks[k]);
    else hr_huge_free(m->chunks[k], AMAP_CHUNK_BYTES);
  }
  hr_free(m->chunks);
  hr_free(m->leaves);
  rec_map_reset(&m->odd);
  memset(m, 0, sizeof *m);
}

int rec_amap_next(const rec_amap *m, rec_amap_iter *it, uintptr_t *key, uintptr_t *val) {
  for (; it->leaf < m->nleaves; it->leaf++, it->word = 0) {
    const uintptr_t *w = m->leaves[it->leaf].words;
    for (; it->word < REC_AMAP_LEAF_WORDS; it->word++) {
      if (w[it->word] == 0) continue;
      *key = m->leaves[it->leaf].page | (uintptr_t)it->word << 4;
      *val = w[it->word++];
      return 1;
    }
  }
  for (; it->odd < m->odd.cap; it->odd++) {
    if (m->odd.ent[it->odd].key == 0) continue;
    *key = m->odd.ent[it->odd].key;
    *val = m->odd.ent[it->odd++].val;
    return 1;
  }
  return 0;
}
