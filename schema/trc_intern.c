/* trc_intern.c — the writer's intern tables: open addressing over an arena of keys. */
#include "trc_intern.h"

#include <string.h>

#include "hr_mem.h"

#define ARENA_BLOCK 65536          /* keys larger than a quarter get a block of their own */
#define MIN_SLOTS 64

typedef struct arena_block {
  struct arena_block *next;
  size_t used, cap;
  char data[];
} arena_block;

typedef struct key_ref {
  const char *p;                   /* into the arena, NUL-terminated */
  size_t n;
  uint64_t h;
} key_ref;

struct trc_intern {
  uint32_t *slots;                 /* id or 0 (empty); nslots is a power of two */
  size_t nslots;
  key_ref *keys;                   /* keys[id - 1] */
  size_t nkeys, keys_cap;
  arena_block *arena;              /* newest first; the head is the one being filled */
};

/* A multiply-xorshift mix over 8-byte words: fast on the short names and
** paths we intern, and good enough spread for a table kept half empty. */
static uint64_t hash_bytes(const void *p, size_t n) {
  const unsigned char *s = p;
  uint64_t h = 0x243f6a8885a308d3ull ^ (n * 0x9e3779b97f4a7c15ull);
  while (n >= 8) {
    uint64_t w;
    memcpy(&w, s, 8);
    h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
    h ^= h >> 31;
    s += 8;
    n -= 8;
  }
  /* The last 0-7 bytes without a memcpy of variable length (a call): two
  ** overlapping loads, or three single bytes (n is in the hash already). */
  uint64_t w = 0;
  if (n >= 4) {
    uint32_t lo, hi;
    memcpy(&lo, s, 4);
    memcpy(&hi, s + n - 4, 4);
    w = lo | (uint64_t)hi << 32;
  } else if (n) {
    w = s[0] | (uint64_t)s[n / 2] << 8 | (uint64_t)s[n - 1] << 16;
  }
  h = (h ^ w) * 0x94d049bb133111ebull;
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9ull;
  return h ^ (h >> 32);
}

trc_intern *trc_intern_new(void) {
  trc_intern *t = hr_calloc(1, sizeof *t);
  if (!t) return NULL;
  t->slots = hr_calloc(MIN_SLOTS, sizeof *t->slots);
  if (!t->slots) {
    hr_free(t);
    return NULL;
  }
  t->nslots = MIN_SLOTS;
  return t;
}

void trc_intern_free(trc_intern *t) {
  if (!t) return;
  for (arena_block *b = t->arena, *next; b; b = next) {
    next = b->next;
    hr_free(b);
  }
  hr_free(t->keys);
  hr_free(t->slots);
  hr_free(t);
}

static int grow_slots(trc_intern *t) {
  size_t n = t->nslots * 2;
  uint32_t *s = hr_calloc(n, sizeof *s);
  if (!s) return -1;
  for (size_t i = 0; i < t->nslots; i++) {
    uint32_t id = t->slots[i];
    if (!id) continue;
    size_t j = (size_t)t->keys[id - 1].h & (n - 1);
    while (s[j]) j = (j + 1) & (n - 1);
    s[j] = id;
  }
  hr_free(t->slots);
  t->slots = s;
  t->nslots = n;
  return 0;
}

/* A stable copy of p[0..n) plus a NUL, or NULL when out of memory. */
static char *arena_copy(trc_intern *t, const void *p, size_t n) {
  arena_block *b = t->arena;
  if (!b || b->cap - b->used < n + 1) {
    size_t cap = n + 1 > ARENA_BLOCK / 4 ? n + 1 : ARENA_BLOCK;
    arena_block *nb = hr_malloc(sizeof *nb + cap);
    if (!nb) return NULL;
    nb->used = 0;
    nb->cap = cap;
    if (cap == ARENA_BLOCK || !b) {
      nb->next = b;
      t->arena = nb;
    } else {
      /* A big key's private block goes behind the head so the head keeps filling. */
      nb->next = b->next;
      b->next = nb;
    }
    b = nb;
  }
  char *d = b->data + b->used;
  if (n) memcpy(d, p, n);
  d[n] = 0;
  b->used += n + 1;
  return d;
}

uint64_t trc_intern_get(trc_intern *t, const void *p, size_t n, int *is_new) {
  uint64_t h = hash_bytes(p, n);
  size_t mask = t->nslots - 1, i = (size_t)h & mask;
  for (uint32_t id; (id = t->slots[i]) != 0; i = (i + 1) & mask) {
    const key_ref *k = &t->keys[id - 1];
    if (k->h == h && k->n == n && memcmp(k->p, p, n) == 0) {
      if (is_new) *is_new = 0;
      return id;
    }
  }
  if (t->nkeys >= UINT32_MAX - 1) return 0;
  /* Make every allocation before changing anything, so failure leaves the
  ** table as it was. */
  if ((t->nkeys + 1) * 2 > t->nslots) {
    if (grow_slots(t) != 0) return 0;
    mask = t->nslots - 1;
    for (i = (size_t)h & mask; t->slots[i]; i = (i + 1) & mask) {}
  }
  if (t->nkeys == t->keys_cap) {
    size_t cap = t->keys_cap ? t->keys_cap * 2 : 64;
    key_ref *k = hr_realloc(t->keys, cap * sizeof *k);
    if (!k) return 0;
    t->keys = k;
    t->keys_cap = cap;
  }
  char *copy = arena_copy(t, p, n);
  if (!copy) return 0;
  t->keys[t->nkeys] = (key_ref){copy, n, h};
  uint32_t id = (uint32_t)++t->nkeys;
  t->slots[i] = id;
  if (is_new) *is_new = 1;
  return id;
}

const char *trc_intern_key(const trc_intern *t, uint64_t id, size_t *n) {
  if (id == 0 || id > t->nkeys) return NULL;
  if (n) *n = t->keys[id - 1].n;
  return t->keys[id - 1].p;
}

uint64_t trc_intern_count(const trc_intern *t) { return t->nkeys; }
