/* rec_ablock.h — the live allocator blocks of a recording, indexed by page.
**
** Every block handed out by the MEM and OBJ allocators while recording has
** one 64-bit word here: its requested size and, when it holds an object, the
** object's trace id and where the object header sits in the block. The
** words live in a radix table keyed by address: a 4 KiB page of address
** space has one 2 KiB leaf of 256 words, one per 16-byte granule (pymalloc
** and glibc both align blocks to 16 bytes, so a granule holds at most one
** block start). A lookup is two dependent loads into small tables and one
** into the leaf, and neighbouring blocks (a pymalloc pool is one page) share
** a leaf: no probing, and no cache miss per block once a million are live.
** Blocks the table cannot index (unaligned addresses, sizes of 1 MiB and
** more) keep their word, or their size, in side maps.
** One user at a time: an alloc-mode recording (MEM and OBJ blocks, under
** the GIL) or a full one (every domain's blocks, sizes only, under
** rec_blocks.c's spinlock, since the RAW domain runs without the GIL).
*/
#ifndef REC_ABLOCK_H
#define REC_ABLOCK_H

#include <stddef.h>
#include <stdint.h>

/* A block's word. 0 means no block. */
#define REC_AB_PRESENT  ((uint64_t)1 << 63)
#define REC_AB_TYPE     ((uint64_t)1 << 62)   /* the object is a type object */
#define REC_AB_OFF_SHIFT 60                    /* 2 bits: header offset / 16 */
#define REC_AB_ID_SHIFT 20                     /* 40 bits of object id, 0: no object */
#define REC_AB_ID_MASK  ((((uint64_t)1 << 40) - 1) << REC_AB_ID_SHIFT)
#define REC_AB_SIZE_BIG 0xFFFFFu               /* the size lives in the side map */
/* A full recording in regions (rec_origin.h): a block handed out outside
** them, its id bits holding the Python stack it was made with (0: none). */
#define REC_AB_OLD ((uint64_t)1 << REC_AB_OFF_SHIFT)

static inline uint64_t rec_ab_id(uint64_t w) { return (w & REC_AB_ID_MASK) >> REC_AB_ID_SHIFT; }
static inline size_t rec_ab_off(uint64_t w) { return (size_t)((w >> REC_AB_OFF_SHIFT) & 3) * 16; }

/* Prepare / free the table; fini drops every word. HR_OK or HR_ENOMEM. */
int rec_ablock_init(void);
void rec_ablock_fini(void);

/* The word slot of block p: created (zero) when create, else NULL when p
** has none. A slot for p with a zero word is no block. Valid until the next
** add or del (only an unaligned block's slot moves). */
uint64_t *rec_ablock_slot(uintptr_t p, int create);

/* The radix table, for rec_ablock_find's inline lookup only. */
extern uint64_t ***rec_ablock_l1;

/* Whether p is an address the leaves can index (16-byte aligned, 48 bits);
** the others live in side maps. */
static inline int rec_ablock_indexable(uintptr_t p) {
  return (p & 15) == 0 && ((uint64_t)p >> 48) == 0;
}

/* The slot of an aligned block p in a page that has a leaf, else NULL
** (whether or not p has a block elsewhere: see rec_ablock_find). */
static inline uint64_t *rec_ablock_leaf_slot(uintptr_t p) {
  if (!rec_ablock_indexable(p) || rec_ablock_l1 == NULL) return NULL;
  uint64_t **l2 = rec_ablock_l1[p >> 30];
  uint64_t *leaf = l2 ? l2[(p >> 12) & ((1u << 18) - 1)] : NULL;
  return leaf ? &leaf[(p >> 4) & 255] : NULL;
}

/* rec_ablock_slot(p, 0), inline for 16-byte aligned addresses. */
static inline uint64_t *rec_ablock_find(uintptr_t p) {
  if (!rec_ablock_indexable(p) || rec_ablock_l1 == NULL) return rec_ablock_slot(p, 0);
  return rec_ablock_leaf_slot(p);
}

/* Record a new block p of n bytes: its slot (word = present + size), or
** NULL when out of memory (the block is then not followed). */
uint64_t *rec_ablock_add(uintptr_t p, size_t n);

/* The size of a block of REC_AB_SIZE_BIG bytes or more, at p. */
size_t rec_ablock_big_size(uintptr_t p);

/* The size of the block with word w at p. */
static inline size_t rec_ablock_size(uintptr_t p, uint64_t w) {
  size_t sz = (size_t)(w & REC_AB_SIZE_BIG);
  return sz != REC_AB_SIZE_BIG ? sz : rec_ablock_big_size(p);
}

/* Forget block p; returns its word (0: not a followed block) and its size
** in *size (borrowed). */
uint64_t rec_ablock_del(uintptr_t p, size_t *size);

/* Forget every block whose word lacks bit (a region's own blocks at its
** end, REC_AB_OLD kept). */
void rec_ablock_keep_only(uint64_t bit);

/* Number of blocks followed now. */
size_t rec_ablock_count(void);

/* Every block, without a call per block: the leaves in use one at a time
** (word k of a leaf is block page | k << 4; 0 is none; the slabs' leaves,
** no walk of the mostly empty radix tables), then the blocks no leaf holds
** one by one. Nothing may be added or deleted meanwhile. */
#define REC_AB_LEAF_WORDS 256
typedef struct rec_ablock_iter {
  const void *slab;      /* the slab of the next leaf; NULL when past the last */
  size_t leaf;           /* the next leaf in it */
  size_t odd;            /* the next side-map entry */
} rec_ablock_iter;
void rec_ablock_iter_init(rec_ablock_iter *it);
/* The next leaf's words (borrowed) and its page in *page; NULL after the last. */
const uint64_t *rec_ablock_next_leaf(rec_ablock_iter *it, uintptr_t *page);
/* The next block no leaf holds, once the leaves are done: 1, or 0 after the last. */
int rec_ablock_next_odd(rec_ablock_iter *it, uintptr_t *p, uint64_t *w);

/* rec_ablock_find for a run of neighbouring addresses (the items of one
** list often share a page): the leaf found last is kept in *near, whose
** page starts as UINTPTR_MAX (none). Valid while nothing is added or
** deleted. */
typedef struct rec_ablock_near {
  uintptr_t page;
  uint64_t *leaf;
} rec_ablock_near;

static inline uint64_t *rec_ablock_find_near(uintptr_t p, rec_ablock_near *near) {
  /* One compare for "same page and 16-byte aligned": the granule bits are
  ** masked off, the low four must be zero like a page's. */
  if ((p & ~(uintptr_t)0xFF0) == near->page) return &near->leaf[(p >> 4) & (REC_AB_LEAF_WORDS - 1)];
  uint64_t *s = rec_ablock_find(p);
  if (s != NULL && rec_ablock_indexable(p)) {
    near->page = p & ~(uintptr_t)4095;
    near->leaf = s - ((p >> 4) & (REC_AB_LEAF_WORDS - 1));
  }
  return s;
}

#endif /* REC_ABLOCK_H */
