/* ana_state.c — replaying events into frames, objects and their slots. */
#include "ana_state.h"

#include <stdlib.h>
#include <string.h>

#include "hr_mem.h"
#include "hr_status.h"

struct ana_state {
  ana_map frames;      /* frame id -> ana_frame * (owned) */
  ana_map objs;        /* object id -> ana_obj * (owned) */
  uint64_t seq, step;
  uint64_t frame, location;  /* of the latest step event */
  uint64_t anomalies;
};

/* --- slot tables ------------------------------------------------------------ */

static size_t slot_hash(int kind, uint64_t arg) {
  return (size_t)ana_hash64(arg * 0x9e3779b97f4a7c15ull + (uint64_t)kind);
}

long ana_slots_find(const ana_slots *t, int kind, uint64_t arg) {
  if (t->index) {
    size_t mask = t->index_cap - 1;
    for (size_t i = slot_hash(kind, arg) & mask; t->index[i]; i = (i + 1) & mask) {
      const ana_slot *e = &t->v[t->index[i] - 1];
      if (e->kind == kind && e->arg == arg) return (long)t->index[i] - 1;
    }
    return -1;
  }
  for (uint32_t i = 0; i < t->n; i++)
    if (t->v[i].kind == kind && t->v[i].arg == arg) return (long)i;
  return -1;
}

static void index_insert(ana_slots *t, uint32_t pos) {
  size_t mask = t->index_cap - 1;
  size_t i = slot_hash(t->v[pos].kind, t->v[pos].arg) & mask;
  while (t->index[i]) i = (i + 1) & mask;
  t->index[i] = pos + 1;
}

/* Rebuild the index for the current entries, sized for at least `want`. */
static int index_rebuild(ana_slots *t, uint32_t want) {
  hr_free(t->index);
  t->index = NULL;
  t->index_cap = 0;
  if (want <= ANA_SLOTS_LINEAR) return HR_OK;
  uint32_t cap = 32;
  while (cap < want * 2) cap *= 2;
  t->index = hr_calloc(cap, sizeof *t->index);
  if (!t->index) return HR_ENOMEM;
  t->index_cap = cap;
  for (uint32_t i = 0; i < t->n; i++) index_insert(t, i);
  return HR_OK;
}

int ana_slots_add(ana_slots *t, int kind, uint64_t arg, uint64_t obj) {
  if (t->n == UINT32_MAX - 1) return HR_ENOMEM;
  if (t->n == t->cap) {
    uint32_t ncap = t->cap ? t->cap * 2 : 4;
    ana_slot *nv = hr_realloc(t->v, (size_t)ncap * sizeof *nv);
    if (!nv) return HR_ENOMEM;
    t->v = nv;
    t->cap = ncap;
  }
  t->v[t->n].kind = (uint8_t)kind;
  t->v[t->n].arg = arg;
  t->v[t->n].obj = obj;
  t->n++;
  if (t->n > ANA_SLOTS_LINEAR) {
    if (t->index && (size_t)t->n * 2 <= t->index_cap) index_insert(t, t->n - 1);
    else if (index_rebuild(t, t->n)) {
      t->n--;
      return HR_ENOMEM;
    }
  }
  if (obj) t->nbound++;
  return HR_OK;
}

int ana_slots_set(ana_slots *t, int kind, uint64_t arg, uint64_t obj, uint64_t *old) {
  long pos = ana_slots_find(t, kind, arg);
  *old = 0;
  if (pos >= 0) {
    ana_slot *e = &t->v[pos];
    *old = e->obj;
    if (e->obj && !obj) t->nbound--;
    if (!e->obj && obj) t->nbound++;
    e->obj = obj;
    return HR_OK;
  }
  if (!obj) return HR_OK;
  return ana_slots_add(t, kind, arg, obj);
}

int ana_slots_compact(ana_slots *t) {
  uint32_t w = 0;
  for (uint32_t i = 0; i < t->n; i++)
    if (t->v[i].obj) t->v[w++] = t->v[i];
  t->n = w;
  return index_rebuild(t, w);
}

void ana_slots_reset(ana_slots *t) {
  hr_free(t->v);
  hr_free(t->index);
  memset(t, 0, sizeof *t);
}

/* --- the state ---------------------------------------------------------------- */

ana_state *ana_state_new(void) {
  ana_state *s = hr_calloc(1, sizeof *s);
  if (!s) return NULL;
  ana_map_init(&s->frames);
  ana_map_init(&s->objs);
  return s;
}

void ana_state_reset(ana_state *s) {
  size_t pos = 0;
  void *v;
  while (ana_map_next(&s->frames, &pos, NULL, &v)) {
    ana_slots_reset(&((ana_frame *)v)->slots);
    hr_free(v);
  }
  pos = 0;
  while (ana_map_next(&s->objs, &pos, NULL, &v)) {
    ana_slots_reset(&((ana_obj *)v)->slots);
    hr_free(v);
  }
  ana_map_reset(&s->frames);
  ana_map_reset(&s->objs);
  s->seq = s->step = s->frame = s->location = s->anomalies = 0;
}

void ana_state_free(ana_state *s) {
  if (!s) return;
  ana_state_reset(s);
  hr_free(s);
}

static int on_call(ana_state *s, const trc_event *ev) {
  ana_frame *f = ana_map_get(&s->frames, ev->f[0]);
  if (f) {
    s->anomalies++;     /* a frame id called twice: keep the first */
    return HR_OK;
  }
  ana_frame nf = {0};
  nf.id = ev->f[0];
  nf.location = ev->f[1];
  nf.parent = ev->f[2];
  nf.thread = ev->f[3];
  nf.call_seq = ev->seq;
  nf.call_step = ev->step;
  if (!nf.id) {
    s->anomalies++;
    return HR_OK;
  }
  return ana_state_add_frame(s, &nf);
}

static void on_return(ana_state *s, const trc_event *ev) {
  ana_frame *f = ana_map_del(&s->frames, ev->f[0]);
  if (!f) {
    s->anomalies++;
    return;
  }
  ana_slots_reset(&f->slots);
  hr_free(f);
}

static int on_alloc(ana_state *s, const trc_event *ev, int preexisting) {
  ana_obj *o = ana_map_get(&s->objs, ev->f[0]);
  if (o || !ev->f[0]) {
    s->anomalies++;     /* ids are never reused: keep the first */
    return HR_OK;
  }
  ana_obj no = {0};
  no.id = ev->f[0];
  no.type = ev->f[1];
  no.size = ev->f[2];
  no.address = ev->f[3];
  no.alloc_seq = ev->seq;
  no.alloc_step = ev->step;
  /* CPython hands out a new object holding one reference; a tracked
  ** older object's count is unknown until it changes. */
  no.refcount = preexisting ? -1 : 1;
  no.preexisting = (uint8_t)preexisting;
  return ana_state_add_obj(s, &no);
}

static void on_free(ana_state *s, const trc_event *ev) {
  ana_obj *o = ana_map_del(&s->objs, ev->f[0]);
  if (!o) {
    s->anomalies++;
    return;
  }
  ana_slots_reset(&o->slots);
  hr_free(o);
}

static int on_bind(ana_state *s, const trc_event *ev, int bind) {
  int kind = (int)ev->f[1];
  ana_slots *t;
  int is_obj = 0;
  if (kind < TRC_SLOT_LOCAL || kind > TRC_SLOT_MAX) {
    s->anomalies++;
    return HR_OK;
  }
  if (TRC_SLOT_HOLDER_IS_FRAME(kind)) {
    ana_frame *f = ana_map_get(&s->frames, ev->f[0]);
    t = f ? &f->slots : NULL;
  } else {
    ana_obj *o = ana_map_get(&s->objs, ev->f[0]);
    t = o ? &o->slots : NULL;
    is_obj = 1;
  }
  if (!t) {
    s->anomalies++;
    return HR_OK;
  }
  uint64_t old;
  int rc = ana_slots_set(t, kind, ev->f[2], bind ? ev->f[3] : 0, &old);
  if (rc) return rc;
  if (!bind && old != ev->f[3]) s->anomalies++;   /* unbound something else */
  /* Objects shed unbound slots once they dominate (a list that shrank);
  ** frames keep them so a deleted name shows as unbound. */
  if (is_obj && t->n >= 32 && t->nbound * 2 < t->n) rc = ana_slots_compact(t);
  return rc;
}

static void on_refcount(ana_state *s, const trc_event *ev) {
  ana_obj *o = ana_map_get(&s->objs, ev->f[0]);
  if (!o) {
    s->anomalies++;
    return;
  }
  o->refcount = (int64_t)ev->f[1];
}

static void on_resize(ana_state *s, const trc_event *ev) {
  ana_obj *o = ana_map_get(&s->objs, ev->f[0]);
  if (!o) {
    s->anomalies++;
    return;
  }
  o->size = ev->f[1];
}

static void on_value(ana_state *s, const trc_event *ev) {
  ana_obj *o = ana_map_get(&s->objs, ev->f[0]);
  if (!o) {
    s->anomalies++;
    return;
  }
  o->value = ev->f[1];
  o->is_int = ev->kind == TRC_EV_INTVALUE;
}

static void on_step(ana_state *s, const trc_event *ev) {
  s->step = ev->step;
  s->frame = ev->f[0];
  s->location = ev->f[1];
  ana_frame *f = ana_map_get(&s->frames, ev->f[0]);
  if (!f) {
    s->anomalies++;
    return;
  }
  f->cur_location = ev->f[1];
  f->cur_step = ev->step;
}

int ana_state_apply(ana_state *s, const trc_event *ev) {
  int rc = HR_OK;
  s->seq = ev->seq;
  switch (ev->kind) {
  case TRC_EV_STEP: on_step(s, ev); break;
  case TRC_EV_CALL: rc = on_call(s, ev); break;
  case TRC_EV_RETURN: on_return(s, ev); break;
  case TRC_EV_BIND: rc = on_bind(s, ev, 1); break;
  case TRC_EV_UNBIND: rc = on_bind(s, ev, 0); break;
  case TRC_EV_ALLOC: rc = on_alloc(s, ev, 0); break;
  case TRC_EV_TRACK: rc = on_alloc(s, ev, 1); break;
  case TRC_EV_INCREF:
  case TRC_EV_DECREF: on_refcount(s, ev); break;
  case TRC_EV_FREE: on_free(s, ev); break;
  case TRC_EV_RESIZE: on_resize(s, ev); break;
  case TRC_EV_VALUE:
  case TRC_EV_INTVALUE: on_value(s, ev); break;
  default: break;   /* gc, mark, exception, mem: no state of their own */
  }
  return rc;
}

/* --- access ------------------------------------------------------------------ */

uint64_t ana_state_seq(const ana_state *s) { return s->seq; }
uint64_t ana_state_step(const ana_state *s) { return s->step; }
uint64_t ana_state_frame_id(const ana_state *s) { return s->frame; }
uint64_t ana_state_location(const ana_state *s) { return s->location; }
uint64_t ana_state_anomalies(const ana_state *s) { return s->anomalies; }
size_t ana_state_nframes(const ana_state *s) { return s->frames.n; }
size_t ana_state_nobjs(const ana_state *s) { return s->objs.n; }

const ana_frame *ana_state_frame(const ana_state *s, uint64_t id) {
  return ana_map_get(&s->frames, id);
}

const ana_obj *ana_state_obj(const ana_state *s, uint64_t id) {
  return ana_map_get(&s->objs, id);
}

uint64_t ana_state_slot(const ana_state *s, uint64_t holder, int kind, uint64_t arg) {
  const ana_slots *t = NULL;
  if (TRC_SLOT_HOLDER_IS_FRAME(kind)) {
    const ana_frame *f = ana_map_get(&s->frames, holder);
    if (f) t = &f->slots;
  } else {
    const ana_obj *o = ana_map_get(&s->objs, holder);
    if (o) t = &o->slots;
  }
  if (!t) return 0;
  long pos = ana_slots_find(t, kind, arg);
  return pos < 0 ? 0 : t->v[pos].obj;
}

/* Frames and objects both start with their uint64_t id. */
static int cmp_by_id(const void *a, const void *b) {
  uint64_t x = **(const uint64_t *const *)a, y = **(const uint64_t *const *)b;
  return x < y ? -1 : x > y;
}

static void **sorted_values(const ana_map *m, size_t *n) {
  *n = 0;
  if (!m->n) return NULL;
  void **arr = hr_malloc(m->n * sizeof *arr);
  if (!arr) return NULL;
  size_t pos = 0, k = 0;
  void *v;
  while (ana_map_next(m, &pos, NULL, &v)) arr[k++] = v;
  qsort(arr, k, sizeof *arr, cmp_by_id);
  *n = k;
  return arr;
}

const ana_frame **ana_state_frames(const ana_state *s, size_t *n) {
  return (const ana_frame **)sorted_values(&s->frames, n);
}

const ana_obj **ana_state_objs(const ana_state *s, size_t *n) {
  return (const ana_obj **)sorted_values(&s->objs, n);
}

/* --- restoring ---------------------------------------------------------------- */

int ana_state_add_frame(ana_state *s, const ana_frame *f) {
  if (!f->id || ana_map_get(&s->frames, f->id)) return HR_ECORRUPT;
  ana_frame *nf = hr_malloc(sizeof *nf);
  if (!nf) return HR_ENOMEM;
  *nf = *f;
  if (ana_map_put(&s->frames, f->id, nf)) {
    hr_free(nf);
    return HR_ENOMEM;
  }
  return HR_OK;
}

int ana_state_add_obj(ana_state *s, const ana_obj *o) {
  if (!o->id || ana_map_get(&s->objs, o->id)) return HR_ECORRUPT;
  ana_obj *no = hr_malloc(sizeof *no);
  if (!no) return HR_ENOMEM;
  *no = *o;
  if (ana_map_put(&s->objs, o->id, no)) {
    hr_free(no);
    return HR_ENOMEM;
  }
  return HR_OK;
}

void ana_state_set_position(ana_state *s, uint64_t seq, uint64_t step,
                            uint64_t frame, uint64_t location) {
  s->seq = seq;
  s->step = step;
  s->frame = frame;
  s->location = location;
}
