/* ana_map.c — open-addressing hash map from 64-bit ids to pointers. */
#include "ana_map.h"

#include "hr_mem.h"
#include "hr_status.h"

void ana_map_init(ana_map *m) {
  m->keys = NULL;
  m->vals = NULL;
  m->cap = 0;
  m->n = 0;
}

void ana_map_reset(ana_map *m) {
  hr_free(m->keys);
  hr_free(m->vals);
  ana_map_init(m);
}

void *ana_map_get(const ana_map *m, uint64_t key) {
  if (!m->cap || !key) return NULL;
  size_t mask = m->cap - 1;
  for (size_t i = ana_hash64(key) & mask;; i = (i + 1) & mask) {
    if (m->keys[i] == key) return m->vals[i];
    if (m->keys[i] == 0) return NULL;
  }
}

static void put_fresh(ana_map *m, uint64_t key, void *val) {
  size_t mask = m->cap - 1, i = ana_hash64(key) & mask;
  while (m->keys[i]) i = (i + 1) & mask;
  m->keys[i] = key;
  m->vals[i] = val;
}

static int grow(ana_map *m) {
  size_t ncap = m->cap ? m->cap * 2 : 16;
  uint64_t *nk = hr_calloc(ncap, sizeof *nk);
  void **nv = hr_calloc(ncap, sizeof *nv);
  if (!nk || !nv) {
    hr_free(nk);
    hr_free(nv);
    return HR_ENOMEM;
  }
  uint64_t *ok = m->keys;
  void **ov = m->vals;
  size_t ocap = m->cap;
  m->keys = nk;
  m->vals = nv;
  m->cap = ncap;
  for (size_t i = 0; i < ocap; i++)
    if (ok[i]) put_fresh(m, ok[i], ov[i]);
  hr_free(ok);
  hr_free(ov);
  return HR_OK;
}

int ana_map_put(ana_map *m, uint64_t key, void *val) {
  if (!key) return HR_EUSAGE;
  if (m->cap) {
    size_t mask = m->cap - 1;
    for (size_t i = ana_hash64(key) & mask; m->keys[i]; i = (i + 1) & mask)
      if (m->keys[i] == key) {
        m->vals[i] = val;
        return HR_OK;
      }
  }
  /* Keep the load at most 3/4 so probe runs stay short. */
  if ((m->n + 1) * 4 > m->cap * 3) {
    int rc = grow(m);
    if (rc) return rc;
  }
  put_fresh(m, key, val);
  m->n++;
  return HR_OK;
}

void *ana_map_del(ana_map *m, uint64_t key) {
  if (!m->cap || !key) return NULL;
  size_t mask = m->cap - 1, i = ana_hash64(key) & mask;
  while (m->keys[i] != key) {
    if (!m->keys[i]) return NULL;
    i = (i + 1) & mask;
  }
  void *val = m->vals[i];
  /* Backward shift: pull later members of the probe run into the hole when
  ** their home bucket does not lie strictly between the hole and them. */
  for (size_t j = (i + 1) & mask; m->keys[j]; j = (j + 1) & mask) {
    size_t home = ana_hash64(m->keys[j]) & mask;
    int between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
    if (between) continue;
    m->keys[i] = m->keys[j];
    m->vals[i] = m->vals[j];
    i = j;
  }
  m->keys[i] = 0;
  m->vals[i] = NULL;
  m->n--;
  return val;
}

int ana_map_next(const ana_map *m, size_t *pos, uint64_t *key, void **val) {
  for (size_t i = *pos; i < m->cap; i++)
    if (m->keys[i]) {
      if (key) *key = m->keys[i];
      if (val) *val = m->vals[i];
      *pos = i + 1;
      return 1;
    }
  *pos = m->cap;
  return 0;
}
