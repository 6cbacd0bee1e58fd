/* rec_ablock.c — the live allocator blocks of a recording, indexed by page. */
#include "rec_ablock.h"

#include <string.h>

#include "hr_mem.h"
#include "hr_status.h"
#include "rec_map.h"

#define L1_BITS 18                 /* address bits 47..30 */
#define L2_BITS 18                 /* address bits 29..12 */
#define LEAF_WORDS REC_AB_LEAF_WORDS /* bits 11..4: one word per 16-byte granule */
#define SLAB_LEAVES 63             /* leaves are carved from slabs of 127 KiB */
#define SMALL_SLABS 8              /* the first slabs are malloc'd, the rest come in chunks */
#define CHUNK_BYTES ((size_t)2 << 20)
#define CHUNK_SLABS (CHUNK_BYTES / sizeof(slab))   /* 16 */

/* A leaf is LEAF_WORDS words, known by the address of its first. */
typedef struct slab {
  struct slab *next;
  uint32_t used;
  uint32_t chunked;                /* carved from a chunk, not malloc'd */
  uintptr_t page[SLAB_LEAVES];     /* the address of the page each leaf covers */
  uint64_t leaves[SLAB_LEAVES][LEAF_WORDS];
} slab;

_Static_assert(CHUNK_BYTES / sizeof(slab) == 16, "a chunk holds 16 slabs");

/* 2^L1_BITS pointers to L2 tables of 2^L2_BITS leaves. Protected by the
** GIL, as is g. */
uint64_t ***rec_ablock_l1;
#define L1 rec_ablock_l1

static struct {
  slab *slabs;
  rec_map odd;             /* unaligned or out-of-range address -> word */
  rec_map big;             /* address -> size, for words with REC_AB_SIZE_BIG */
  size_t n;
  uint32_t *l2_used;       /* owned: the L1 indices that have an L2 table */
  size_t n_l2, cap_l2;
  /* A big heap's leaves fill chunks of huge pages (hr_huge_alloc): with
  ** thousands of leaves the small pages' faults, their TLB misses in the
  ** hooks and their unmapping at the end cost more than the rest. */
  void **chunks;           /* owned, each CHUNK_BYTES */
  size_t nchunks, capchunks, chunk_left, nslabs;
} g;

int rec_ablock_init(void) {
  rec_ablock_fini();
  /* calloc hands back untouched zero pages: only the parts used cost memory. */
  rec_ablock_l1 = hr_calloc((size_t)1 << L1_BITS, sizeof *rec_ablock_l1);
  return rec_ablock_l1 ? HR_OK : HR_ENOMEM;
}

void rec_ablock_fini(void) {
  /* Only the L2 tables in use are visited: a walk of all of L1 costs
  ** a quarter million steps, more than a short program's whole recording. */
  if (rec_ablock_l1) {
    for (size_t i = 0; i < g.n_l2; i++) hr_free(rec_ablock_l1[g.l2_used[i]]);
    hr_free(rec_ablock_l1);
    rec_ablock_l1 = NULL;
  }
  while (g.slabs) {
    slab *nx = g.slabs->next;
    if (!g.slabs->chunked) hr_free(g.slabs);
    g.slabs = nx;
  }
  for (size_t i = 0; i < g.nchunks; i++) hr_huge_free(g.chunks[i], CHUNK_BYTES);
  hr_free(g.chunks);
  rec_map_reset(&g.odd);
  rec_map_reset(&g.big);
  hr_free(g.l2_used);
  memset(&g, 0, sizeof g);
}

/* A new empty slab, zeroed. */
static slab *slab_new(void) {
  if (g.nslabs < SMALL_SLABS) {
    /* Written, not calloc'd: a leaf is read before it is written, and an
    ** untouched calloc'd page read first is mapped to the shared zero page,
    ** so its first write faults again and, with the writer thread running
    ** on another CPU, flushes that CPU's TLB as well. */
    slab *s = hr_malloc(sizeof *s);
    if (s == NULL) return NULL;
    memset(s, 0, sizeof *s);
    g.nslabs++;
    return s;
  }
  if (g.chunk_left == 0) {
    void **c = hr_grow(g.chunks, &g.capchunks, g.nchunks + 1, sizeof *c, 16);
    if (c == NULL) return NULL;
    g.chunks = c;
    /* Zeroed, present, and in huge pages when the kernel has them: no
    ** fault per leaf. */
    if ((c[g.nchunks] = hr_huge_alloc(CHUNK_BYTES)) == NULL) return NULL;
    g.nchunks++;
    g.chunk_left = CHUNK_SLABS;
  }
  slab *s = (slab *)g.chunks[g.nchunks - 1] + (CHUNK_SLABS - g.chunk_left--);
  s->chunked = 1;
  g.nslabs++;
  return s;
}

static uint64_t *leaf_new(uintptr_t page) {
  if (g.slabs == NULL || g.slabs->used == SLAB_LEAVES) {
    slab *s = slab_new();
    if (s == NULL) return NULL;
    s->next = g.slabs;
    g.slabs = s;
  }
  g.slabs->page[g.slabs->used] = page;
  return g.slabs->leaves[g.slabs->used++];
}

uint64_t *rec_ablock_slot(uintptr_t p, int create) {
  if (!rec_ablock_indexable(p)) {
    uintptr_t *v = rec_map_get(&g.odd, p);
    if (v || !create) return (uint64_t *)v;
    if (rec_map_put(&g.odd, p, 0) != HR_OK) return NULL;
    return (uint64_t *)rec_map_get(&g.odd, p);
  }
  if (L1 == NULL) return NULL;
  uint64_t **l2 = L1[p >> 30];
  if (l2 == NULL) {
    if (!create) return NULL;
    if (g.n_l2 == g.cap_l2) {
      size_t cap = g.cap_l2 ? 2 * g.cap_l2 : 16;
      uint32_t *u = hr_realloc(g.l2_used, cap * sizeof *u);
      if (u == NULL) return NULL;
      g.l2_used = u;
      g.cap_l2 = cap;
    }
    if ((l2 = hr_calloc((size_t)1 << L2_BITS, sizeof *l2)) == NULL) return NULL;
    L1[p >> 30] = l2;
    g.l2_used[g.n_l2++] = (uint32_t)(p >> 30);
  }
  uint64_t **lp = &l2[(p >> 12) & (((size_t)1 << L2_BITS) - 1)];
  if (*lp == NULL && (!create || (*lp = leaf_new(p & ~(uintptr_t)4095)) == NULL)) return NULL;
  return &(*lp)[(p >> 4) & (LEAF_WORDS - 1)];
}

static __attribute__((noinline)) uint64_t *add_slow(uintptr_t p, size_t n) {
  uint64_t *s = rec_ablock_find(p);
  if (s == NULL && (s = rec_ablock_slot(p, 1)) == NULL) return NULL;
  if (*s == 0) g.n++;
  uint64_t sz = n;
  if (n >= REC_AB_SIZE_BIG) {
    if (rec_map_put(&g.big, p, n) != HR_OK) {
      if (*s == 0) g.n--;
      return NULL;
    }
    sz = REC_AB_SIZE_BIG;
    s = rec_ablock_slot(p, 0);        /* a put into g.odd may have moved it */
  }
  *s = REC_AB_PRESENT | sz;
  return s;
}

/* The common case inline: an aligned block of a page whose leaf exists,
** with a size the word holds. */
uint64_t *rec_ablock_add(uintptr_t p, size_t n) {
  uint64_t *s = rec_ablock_leaf_slot(p);
  if (__builtin_expect(s == NULL || n >= REC_AB_SIZE_BIG, 0)) return add_slow(p, n);
  g.n += *s == 0;
  *s = REC_AB_PRESENT | n;
  return s;
}

size_t rec_ablock_big_size(uintptr_t p) {
  uintptr_t *v = rec_map_get(&g.big, p);
  return v ? (size_t)*v : 0;
}

static __attribute__((noinline)) uint64_t del_slow(uintptr_t p, size_t *size) {
  uint64_t *s = rec_ablock_find(p);
  if (s == NULL || *s == 0) return 0;
  uint64_t w = *s;
  *s = 0;
  g.n--;
  *size = rec_ablock_size(p, w);
  if ((w & REC_AB_SIZE_BIG) == REC_AB_SIZE_BIG) rec_map_del(&g.big, p, NULL);
  if (!rec_ablock_indexable(p)) rec_map_del(&g.odd, p, NULL);
  return w;
}

uint64_t rec_ablock_del(uintptr_t p, size_t *size) {
  uint64_t *s = rec_ablock_leaf_slot(p);
  if (__builtin_expect(s == NULL, 0)) return del_slow(p, size);
  uint64_t w = *s;
  if (w == 0) return 0;
  size_t sz = (size_t)(w & REC_AB_SIZE_BIG);
  if (__builtin_expect(sz == REC_AB_SIZE_BIG, 0)) return del_slow(p, size);
  *s = 0;
  g.n--;
  *size = sz;
  return w;
}

void rec_ablock_keep_only(uint64_t bit) {
  for (slab *s = g.slabs; s != NULL; s = s->next)
    for (uint32_t i = 0; i < s->used; i++) {
      uint64_t *leaf = s->leaves[i];
      for (size_t k = 0; k < LEAF_WORDS; k++) {
        uint64_t w = leaf[k];
        if (w == 0 || (w & bit)) continue;
        if ((w & REC_AB_SIZE_BIG) == REC_AB_SIZE_BIG) rec_map_del(&g.big, s->page[i] | k << 4, NULL);
        leaf[k] = 0;
        g.n--;
      }
    }
  /* The side map's entries, gathered first: a deletion may move the others. */
  size_t n = 0;
  uintptr_t *gone = g.odd.cap ? hr_malloc(g.odd.cap * sizeof *gone) : NULL;
  for (size_t i = 0; gone != NULL && i < g.odd.cap; i++) {
    uint64_t w = g.odd.ent[i].val;
    if (g.odd.ent[i].key != 0 && w != 0 && !(w & bit)) gone[n++] = g.odd.ent[i].key;
  }
  for (size_t i = 0; i < n; i++) {
    size_t sz;
    rec_ablock_del(gone[i], &sz);
  }
  hr_free(gone);
}

size_t rec_ablock_count(void) {
  return g.n;
}

void rec_ablock_iter_init(rec_ablock_iter *it) {
  it->slab = g.slabs;
  it->leaf = 0;
  it->odd = 0;
}

const uint64_t *rec_ablock_next_leaf(rec_ablock_iter *it, uintptr_t *page) {
  const slab *s = it->slab;
  while (s != NULL && it->leaf >= s->used) {
    s = it->slab = s->next;
    it->leaf = 0;
  }
  if (s == NULL) return NULL;
  *page = s->page[it->leaf];
  return s->leaves[it->leaf++];
}

int rec_ablock_next_odd(rec_ablock_iter *it, uintptr_t *p, uint64_t *w) {
  for (; it->odd < g.odd.cap; it->odd++) {
    if (g.odd.ent[it->odd].key == 0 || g.odd.ent[it->odd].val == 0) continue;
    *p = g.odd.ent[it->odd].key;
    *w = g.odd.ent[it->odd].val;
    it->odd++;
    return 1;
  }
  return 0;
}
