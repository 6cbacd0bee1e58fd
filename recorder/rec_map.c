/* rec_map.c — open-addressing word-to-word hash map for the recorder. */
#include "rec_map.h"

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
    if (m->keys[i] == key) return &m->vals[i];
    if (m->keys[i] == 0) return NULL;
  }
}

static int
map_grow(rec_map *m)
{
  size_t ncap = m->cap ? m->cap * 2 : 64;
  uintptr_t *nk = hr_calloc(ncap, sizeof *nk);
  uintptr_t *nv = hr_malloc(ncap * sizeof *nv);
  if (nk == NULL || nv == NULL) {
    hr_free(nk);
    hr_free(nv);
    return HR_ENOMEM;
  }
  size_t mask = ncap - 1;
  for (size_t j = 0; j < m->cap; j++) {
    if (m->keys[j] == 0) continue;
    size_t i = map_hash(m->keys[j], mask);
    while (nk[i] != 0) i = (i + 1) & mask;
    nk[i] = m->keys[j];
    nv[i] = m->vals[j];
  }
  hr_free(m->keys);
  hr_free(m->vals);
  m->keys = nk;
  m->vals = nv;
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
  while (m->keys[i] != 0 && m->keys[i] != key) i = (i + 1) & mask;
  if (m->keys[i] == 0) {
    m->keys[i] = key;
    m->n++;
  }
  m->vals[i] = val;
  return HR_OK;
}

int
rec_map_del(rec_map *m, uintptr_t key, uintptr_t *old)
{
  if (m->cap == 0) return 0;
  size_t mask = m->cap - 1;
  size_t i = map_hash(key, mask);
  while (m->keys[i] != key) {
    if (m->keys[i] == 0) return 0;
    i = (i + 1) & mask;
  }
  if (old) *old = m->vals[i];
  /* Backward shift: pull later members of the probe run into the hole. */
  size_t j = i;
  for (;;) {
    j = (j + 1) & mask;
    if (m->keys[j] == 0) break;
    size_t home = map_hash(m->keys[j], mask);
    /* Move j into i when its home is not cyclically in (i, j]. */
    if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
      m->keys[i] = m->keys[j];
      m->vals[i] = m->vals[j];
      i = j;
    }
  }
  m->keys[i] = 0;
  m->n--;
  return 1;
}

void
rec_map_reset(rec_map *m)
{
  hr_free(m->keys);
  hr_free(m->vals);
  m->keys = NULL;
  m->vals = NULL;
  m->cap = 0;
  m->n = 0;
}
