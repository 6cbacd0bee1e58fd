/* ana_garbage.c — the objects only the cyclic collector can free now (ana_garbage.h). */
#include "ana_garbage.h"

#include "ana_view.h"
#include "hr_mem.h"
#include "hr_status.h"

/* Positions of object ids in objs (ascending ids): where ids are dense
** (most traces: they count up from 1) a direct table id -> position + 1,
** else a binary search. A diagram of a 100,000-object heap asks at every
** point, where hash maps of that size cost more than the walk itself. */
struct index {
  const ana_obj **objs;
  size_t n;
  uint32_t *pos;     /* NULL: binary search */
  uint64_t max;
};

/* The position of id, or n when absent. */
static size_t find(const struct index *x, uint64_t id) {
  if (x->pos) return id <= x->max && x->pos[id] ? x->pos[id] - 1 : x->n;
  size_t lo = 0, hi = x->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (x->objs[mid]->id < id) lo = mid + 1;
    else hi = mid;
  }
  return lo < x->n && x->objs[lo]->id == id ? lo : x->n;
}

/* Whether something outside the recorded graph holds o. */
static int held_outside(const ana_obj *o, uint32_t incoming) {
  return o->preexisting || o->refcount < 0 || ana_refcount_is_static(o->refcount) ||
         (uint64_t)o->refcount > incoming;
}

int ana_garbage_find(const ana_state *s, ana_map *out) {
  size_t n = 0, nf = 0, nq = 0;
  const ana_obj **objs = ana_state_objs(s, &n);
  const ana_frame **frames = ana_state_frames(s, &nf);
  uint32_t *in = n ? hr_calloc(n, sizeof *in) : NULL;   /* recorded references to objs[i] */
  uint8_t *seen = n ? hr_calloc(n, 1) : NULL;
  size_t *queue = n ? hr_malloc(n * sizeof *queue) : NULL;
  int rc = HR_OK;
  struct index x = {objs, n, NULL, n ? objs[n - 1]->id : 0};
  if (n && n < UINT32_MAX && x.max <= 4 * (uint64_t)n + 4096 && (x.pos = hr_calloc(x.max + 1, sizeof *x.pos)))
    for (size_t i = 0; i < n; i++) x.pos[objs[i]->id] = (uint32_t)(i + 1);
  if ((!objs && ana_state_nobjs(s)) || (!frames && ana_state_nframes(s)) ||
      (n && (!in || !seen || !queue)))
    rc = HR_ENOMEM;
  for (size_t i = 0; rc == HR_OK && i < n; i++)
    for (uint32_t k = 0; k < objs[i]->slots.n; k++) {
      uint64_t to = objs[i]->slots.v[k].obj;
      size_t j = to ? find(&x, to) : n;
      if (j < n) in[j]++;
    }
  for (size_t i = 0; rc == HR_OK && i < nf; i++)
    for (uint32_t k = 0; k < frames[i]->slots.n; k++) {
      uint64_t to = frames[i]->slots.v[k].obj;
      size_t j = to ? find(&x, to) : n;
      if (j < n && !seen[j]) seen[j] = 1, queue[nq++] = j;
    }
  for (size_t i = 0; rc == HR_OK && i < n; i++)
    if (!seen[i] && held_outside(objs[i], in[i])) seen[i] = 1, queue[nq++] = i;
  for (size_t q = 0; rc == HR_OK && q < nq; q++) {
    const ana_obj *o = objs[queue[q]];
    for (uint32_t k = 0; k < o->slots.n; k++) {
      uint64_t to = o->slots.v[k].obj;
      size_t j = to ? find(&x, to) : n;
      if (j < n && !seen[j]) seen[j] = 1, queue[nq++] = j;
    }
  }
  for (size_t i = 0; rc == HR_OK && i < n; i++)
    if (!seen[i]) rc = ana_map_put(out, objs[i]->id, (void *)(uintptr_t)1);
  hr_free(x.pos);
  hr_free(objs);
  hr_free(frames);
  hr_free(in);
  hr_free(seen);
  hr_free(queue);
  return rc ? HR_ENOMEM : HR_OK;
}
