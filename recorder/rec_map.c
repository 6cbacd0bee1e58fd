/* rec_map.c — open-addressing word-to-word hash map for the recorder. */
#include "rec_map.h"

#include <string.h>

#include "hr_mem.h"
#include "hr_status.h"

static inline size_t
map_hash(uintptr_t k, size_t mask)
{
  uint64_t h = (uint64_t)k * 0x9E3779B97F4A7C15ull;
  return (size_t)(h >> 17) & mask;
}

uintptr_t *
rec_map_get(const rec_map *m, uintptr_t key)
{
  if (m->cap == 0) return NULL;
  size_t mask = m->cap - 1;
  for (size_t i = map_hash(key, mask);; i = (i + 1) & mask) {
    rec_map_ent *e = &m->ent[i];
    if (e->key == key) return &e->val;
    if (e->key == 0) return NULL;
  }
}

static int
map_grow(rec_map *m)
{
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

int
rec_map_put(rec_map *m, uintptr_t key, uintptr_t val)
{
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

uintptr_t *
rec_map_slot(rec_map *m, uintptr_t key, int *created)
{
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

int
rec_map_del(rec_map *m, uintptr_t key, uintptr_t *old)
{
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

void
rec_map_reset(rec_map *m)
{
  hr_free(m->ent);
  m->ent = NULL;
  m->cap = 0;
  m->n = 0;
}
