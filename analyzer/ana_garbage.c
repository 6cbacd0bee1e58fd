/* ana_garbage.c — the objects only the cyclic collector can free now (ana_garbage.h). */
#include "ana_garbage.h"

#include "ana_view.h"
#include "hr_mem.h"
#include "hr_status.h"

static void *const one = (void *)(uintptr_t)1;

struct walk {
  ana_map seen;      /* id -> 1: reached */
  uint64_t *q;
  size_t n, cap;
};

static int reach(struct walk *w, uint64_t id) {
  if (!id || ana_map_get(&w->seen, id)) return HR_OK;
  if (ana_map_put(&w->seen, id, one)) return HR_ENOMEM;
  if (w->n == w->cap) {
    uint64_t *q = hr_grow(w->q, &w->cap, w->n + 1, sizeof *q, 256);
    if (!q) return HR_ENOMEM;
    w->q = q;
  }
  w->q[w->n++] = id;
  return HR_OK;
}

/* Whether something outside the recorded graph holds o. */
static int held_outside(const ana_obj *o, uintptr_t incoming) {
  return o->preexisting || o->refcount < 0 || ana_refcount_is_static(o->refcount) ||
         (uint64_t)o->refcount > incoming;
}

int ana_garbage_find(const ana_state *s, ana_map *out) {
  size_t n = 0, nf = 0;
  const ana_obj **objs = ana_state_objs(s, &n);
  const ana_frame **frames = ana_state_frames(s, &nf);
  struct walk w = {0};
  ana_map in;        /* id -> recorded references to it + 1 */
  ana_map_init(&in);
  ana_map_init(&w.seen);
  int rc = (objs || !ana_state_nobjs(s)) && (frames || !ana_state_nframes(s)) ? HR_OK : HR_ENOMEM;
  for (size_t i = 0; rc == HR_OK && i < n; i++)
    for (uint32_t k = 0; rc == HR_OK && k < objs[i]->slots.n; k++) {
      uint64_t to = objs[i]->slots.v[k].obj;
      if (!to) continue;
      uintptr_t c = (uintptr_t)ana_map_get(&in, to);
      rc = ana_map_put(&in, to, (void *)(c ? c + 1 : 2));
    }
  for (size_t i = 0; rc == HR_OK && i < nf; i++)
    for (uint32_t k = 0; rc == HR_OK && k < frames[i]->slots.n; k++)
      rc = reach(&w, frames[i]->slots.v[k].obj);
  for (size_t i = 0; rc == HR_OK && i < n; i++) {
    uintptr_t c = (uintptr_t)ana_map_get(&in, objs[i]->id);
    if (held_outside(objs[i], c ? c - 1 : 0)) rc = reach(&w, objs[i]->id);
  }
  for (size_t q = 0; rc == HR_OK && q < w.n; q++) {
    const ana_obj *o = ana_state_obj(s, w.q[q]);
    for (uint32_t k = 0; o && rc == HR_OK && k < o->slots.n; k++) rc = reach(&w, o->slots.v[k].obj);
  }
  for (size_t i = 0; rc == HR_OK && i < n; i++)
    if (!ana_map_get(&w.seen, objs[i]->id)) rc = ana_map_put(out, objs[i]->id, one);
  hr_free(objs);
  hr_free(frames);
  hr_free(w.q);
  ana_map_reset(&w.seen);
  ana_map_reset(&in);
  return rc ? HR_ENOMEM : HR_OK;
}
