/* ana_state.c — replaying events into frames, objects and their slots. */
#include "ana_state.h"

#include <stdlib.h>
#include <string.h>

#include "hr_mem.h"
#include "hr_status.h"

/* Objects by id. Ids are handed out in sequence and never reused, so live
** ids cluster: a directory of pages of OBJ_PAGE pointers indexed by id turns
** every lookup into two loads with neighbours next to each other, where a
** hash scatters them over memory. Pages are made on demand and dropped when
** they empty; ids past the directory's reach, or pages beyond a budget tied
** to the live count (a hostile trace with scattered ids), go to a hash map. */
#define OBJ_PAGE_BITS 12
#define OBJ_PAGE ((uint64_t)1 << OBJ_PAGE_BITS)
#define OBJ_DIR_MAX ((uint64_t)1 << 22)   /* pages: ids below 2^34 */

typedef struct obj_page {
  ana_obj *v[OBJ_PAGE];
  uint32_t n;          /* non-NULL entries */
} obj_page;

/* Objects are carved from slabs and recycled through a free list. */
#define OBJ_SLAB 1024
typedef struct obj_slab {
  struct obj_slab *next;
  ana_obj v[OBJ_SLAB];
} obj_slab;

typedef struct obj_table {
  obj_page **dir;      /* dir[id >> OBJ_PAGE_BITS], NULL when empty */
  size_t ndir, npages;
  ana_map far;         /* ids the directory does not hold */
  size_t n;            /* live objects */
  obj_slab *slabs;
  ana_obj *free_list;  /* linked through slots.v */
  size_t slab_used;    /* entries used in slabs (the newest) */
} obj_table;

/* A growable array of fixed-size items. */
typedef struct vec {
  void *v;
  size_t n, cap;
} vec;

static int vec_push(vec *a, const void *item, size_t size) {
  if (a->n == a->cap) {
    void *nv = hr_grow(a->v, &a->cap, a->n + 1, size, 256);
    if (!nv) return HR_ENOMEM;
    a->v = nv;
  }
  memcpy((char *)a->v + a->n * size, item, size);
  a->n++;
  return HR_OK;
}

static void vec_free(vec *a) {
  hr_free(a->v);
  memset(a, 0, sizeof *a);
}

struct ana_state {
  ana_map frames;      /* frame id -> ana_frame * (owned) */
  obj_table objs;
  uint64_t seq, step;
  uint64_t frame, location;  /* of the latest step event */
  uint64_t anomalies;
  /* The frame looked up last: steps and binds mostly name the same one. */
  uint64_t hot_id;
  ana_frame *hot;
  /* Change tracking since the mark (ana_state_mark); off until then. */
  int track;
  uint32_t epoch;
  uint64_t mark_seq;
  vec touched;         /* uint64_t ids made or changed */
  vec freed;           /* uint64_t ids present at the mark, freed */
  vec slot_touch;      /* ana_slot_touch */
  vec ftouched, ffreed, fslot_touch;   /* the same for frames */
};

/* --- slot tables ------------------------------------------------------------ */

static size_t slot_hash(int kind, uint64_t arg) {
  return (size_t)ana_hash64(arg * 0x9e3779b97f4a7c15ull + (uint64_t)kind);
}

long ana_slots_find(const ana_slots *t, int kind, uint64_t arg) {
  if (!t->mixed) return kind == TRC_SLOT_ITEM && arg < t->n ? (long)arg : -1;
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

int ana_slots_reserve(ana_slots *t, uint32_t n) {
  if (n <= t->cap) return HR_OK;
  ana_slot *nv = hr_realloc(t->v, (size_t)n * sizeof *nv);
  if (!nv) return HR_ENOMEM;
  t->v = nv;
  t->cap = n;
  if (t->mixed && n > ANA_SLOTS_LINEAR && (size_t)n * 2 > t->index_cap) return index_rebuild(t, n);
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
  if (!t->mixed && (kind != TRC_SLOT_ITEM || arg != t->n - 1)) {
    t->mixed = 1;
    if (t->n > ANA_SLOTS_LINEAR && index_rebuild(t, t->n)) {
      t->n--;
      t->mixed = 0;
      return HR_ENOMEM;
    }
  } else if (t->mixed && t->n > ANA_SLOTS_LINEAR) {
    if (t->index && (size_t)t->n * 2 <= t->index_cap) index_insert(t, t->n - 1);
    else if (index_rebuild(t, t->n)) {
      t->n--;
      return HR_ENOMEM;
    }
  }
  if (obj) t->nbound++;
  return HR_OK;
}

/* ana_slots_set; *at gets the position of an entry that was there, else -1. */
static int slots_set(ana_slots *t, int kind, uint64_t arg, uint64_t obj, uint64_t *old, long *at) {
  long pos = ana_slots_find(t, kind, arg);
  *old = 0;
  *at = pos;
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

int ana_slots_set(ana_slots *t, int kind, uint64_t arg, uint64_t obj, uint64_t *old) {
  long at;
  return slots_set(t, kind, arg, obj, old, &at);
}

int ana_slots_compact(ana_slots *t) {
  uint32_t w = 0;
  int mixed = 0;
  for (uint32_t i = 0; i < t->n; i++)
    if (t->v[i].obj) {
      t->v[w] = t->v[i];
      mixed |= t->v[w].kind != TRC_SLOT_ITEM || t->v[w].arg != w;
      w++;
    }
  t->n = w;
  t->mixed = (uint8_t)mixed;
  return index_rebuild(t, mixed ? w : 0);
}

void ana_slots_reset(ana_slots *t) {
  hr_free(t->v);
  hr_free(t->index);
  memset(t, 0, sizeof *t);
}

/* --- the object table --------------------------------------------------------- */

static ana_obj *obj_get(const obj_table *t, uint64_t id) {
  uint64_t p = id >> OBJ_PAGE_BITS;
  if (p < t->ndir) {
    const obj_page *pg = t->dir[p];
    ana_obj *o = pg ? pg->v[id & (OBJ_PAGE - 1)] : NULL;
    if (o || !t->far.n) return o;
  }
  return t->far.n ? ana_map_get(&t->far, id) : NULL;
}

static ana_obj *obj_alloc(obj_table *t) {
  ana_obj *o = t->free_list;
  if (o) {
    t->free_list = (ana_obj *)(void *)o->slots.v;
    return o;
  }
  if (!t->slabs || t->slab_used == OBJ_SLAB) {
    obj_slab *sl = hr_malloc(sizeof *sl);
    if (!sl) return NULL;
    sl->next = t->slabs;
    t->slabs = sl;
    t->slab_used = 0;
  }
  return &t->slabs->v[t->slab_used++];
}

static void obj_release(obj_table *t, ana_obj *o) {
  ana_slots_reset(&o->slots);
  o->id = 0;   /* free: obj_reset skips it */
  o->slots.v = (ana_slot *)(void *)t->free_list;
  t->free_list = o;
}

/* Store o (already filled) under its id; HR_ENOMEM leaves the table as it was. */
static int obj_put(obj_table *t, ana_obj *o) {
  uint64_t p = o->id >> OBJ_PAGE_BITS;
  if (p < OBJ_DIR_MAX) {
    if (p >= t->ndir) {
      size_t nd = t->ndir ? t->ndir : 64;
      while (nd <= p) nd *= 2;
      obj_page **d = hr_realloc(t->dir, nd * sizeof *d);
      if (!d) return HR_ENOMEM;
      memset(d + t->ndir, 0, (nd - t->ndir) * sizeof *d);
      t->dir = d;
      t->ndir = nd;
    }
    obj_page *pg = t->dir[p];
    if (!pg && t->npages < 16 + t->n / 64) {
      pg = hr_calloc(1, sizeof *pg);
      if (!pg) return HR_ENOMEM;
      t->dir[p] = pg;
      t->npages++;
    }
    if (pg) {
      pg->v[o->id & (OBJ_PAGE - 1)] = o;
      pg->n++;
      t->n++;
      return HR_OK;
    }
  }
  if (ana_map_put(&t->far, o->id, o)) return HR_ENOMEM;
  t->n++;
  return HR_OK;
}

static ana_obj *obj_del(obj_table *t, uint64_t id) {
  uint64_t p = id >> OBJ_PAGE_BITS;
  if (p < t->ndir && t->dir[p]) {
    obj_page *pg = t->dir[p];
    ana_obj *o = pg->v[id & (OBJ_PAGE - 1)];
    if (o) {
      pg->v[id & (OBJ_PAGE - 1)] = NULL;
      t->n--;
      if (--pg->n == 0) {
        hr_free(pg);
        t->dir[p] = NULL;
        t->npages--;
      }
      return o;
    }
  }
  ana_obj *o = t->far.n ? ana_map_del(&t->far, id) : NULL;
  if (o) t->n--;
  return o;
}

static void obj_reset(obj_table *t) {
  for (size_t p = 0; p < t->ndir; p++) hr_free(t->dir[p]);
  ana_map_reset(&t->far);
  /* Every object lives in a slab: walking them in memory order is much
  ** quicker than following the directory to a million of them. */
  size_t used = t->slab_used;
  for (obj_slab *sl = t->slabs; sl; sl = sl->next, used = OBJ_SLAB)
    for (size_t i = 0; i < used; i++)
      if (sl->v[i].id && (sl->v[i].slots.v || sl->v[i].slots.index)) ana_slots_reset(&sl->v[i].slots);
  hr_free(t->dir);
  while (t->slabs) {
    obj_slab *next = t->slabs->next;
    hr_free(t->slabs);
    t->slabs = next;
  }
  memset(t, 0, sizeof *t);
  ana_map_init(&t->far);
}

/* --- the state ---------------------------------------------------------------- */

ana_state *ana_state_new(void) {
  ana_state *s = hr_calloc(1, sizeof *s);
  if (!s) return NULL;
  ana_map_init(&s->frames);
  ana_map_init(&s->objs.far);
  return s;
}

static void track_off(ana_state *s) {
  s->track = 0;
  vec_free(&s->touched);
  vec_free(&s->freed);
  vec_free(&s->slot_touch);
  vec_free(&s->ftouched);
  vec_free(&s->ffreed);
  vec_free(&s->fslot_touch);
}

static void drop_frames(ana_state *s) {
  size_t pos = 0;
  void *v;
  while (ana_map_next(&s->frames, &pos, NULL, &v)) {
    ana_slots_reset(&((ana_frame *)v)->slots);
    hr_free(v);
  }
  ana_map_reset(&s->frames);
  s->hot_id = 0;
  s->hot = NULL;
}

void ana_state_reset(ana_state *s) {
  track_off(s);
  drop_frames(s);
  obj_reset(&s->objs);
  s->seq = s->step = s->frame = s->location = s->anomalies = 0;
}

void ana_state_free(ana_state *s) {
  if (!s) return;
  ana_state_reset(s);
  hr_free(s);
}

static ana_frame *frame_get(ana_state *s, uint64_t id) {
  if (id == s->hot_id && id) return s->hot;
  ana_frame *f = ana_map_get(&s->frames, id);
  if (f) {
    s->hot_id = id;
    s->hot = f;
  }
  return f;
}

static int ftouch(ana_state *s, ana_frame *f) {
  if (!s->track || f->mark == s->epoch) return HR_OK;
  f->mark = s->epoch;
  f->base_n = f->born ? 0 : f->slots.n;
  return vec_push(&s->ftouched, &f->id, sizeof f->id);
}

/* Note that o changes (before it does): the first change in an epoch
** records the slot count it had at the mark. */
static int touch(ana_state *s, ana_obj *o) {
  if (!s->track || o->mark == s->epoch) return HR_OK;
  o->mark = s->epoch;
  o->base_n = o->born ? 0 : o->slots.n;
  return vec_push(&s->touched, &o->id, sizeof o->id);
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
  if (!s->track) return ana_state_add_frame(s, &nf);
  nf.born = 1;
  nf.mark = s->epoch;
  int rc = vec_push(&s->ftouched, &nf.id, sizeof nf.id);
  return rc ? rc : ana_state_add_frame(s, &nf);
}

static int on_return(ana_state *s, const trc_event *ev) {
  ana_frame *f = ana_map_del(&s->frames, ev->f[0]);
  if (ev->f[0] == s->hot_id) {
    s->hot_id = 0;
    s->hot = NULL;
  }
  if (!f) {
    s->anomalies++;
    return HR_OK;
  }
  int rc = s->track && !f->born ? vec_push(&s->ffreed, &f->id, sizeof f->id) : HR_OK;
  ana_slots_reset(&f->slots);
  hr_free(f);
  return rc;
}

static int on_alloc(ana_state *s, const trc_event *ev, int preexisting) {
  ana_obj *o = obj_get(&s->objs, ev->f[0]);
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
  if (!s->track) return ana_state_add_obj(s, &no);
  no.born = 1;
  no.mark = s->epoch;
  int rc = vec_push(&s->touched, &no.id, sizeof no.id);
  return rc ? rc : ana_state_add_obj(s, &no);
}

static int on_free(ana_state *s, const trc_event *ev) {
  ana_obj *o = obj_del(&s->objs, ev->f[0]);
  if (!o) {
    s->anomalies++;
    return HR_OK;
  }
  int rc = s->track && !o->born ? vec_push(&s->freed, &o->id, sizeof o->id) : HR_OK;
  obj_release(&s->objs, o);
  return rc;
}

static int on_bind(ana_state *s, const trc_event *ev, int bind) {
  int kind = (int)ev->f[1];
  ana_slots *t;
  ana_obj *o = NULL;
  ana_frame *f = NULL;
  if (kind < TRC_SLOT_LOCAL || kind > TRC_SLOT_MAX) {
    s->anomalies++;
    return HR_OK;
  }
  if (TRC_SLOT_HOLDER_IS_FRAME(kind)) {
    f = frame_get(s, ev->f[0]);
    t = f ? &f->slots : NULL;
  } else {
    o = obj_get(&s->objs, ev->f[0]);
    t = o ? &o->slots : NULL;
  }
  if (!t) {
    s->anomalies++;
    return HR_OK;
  }
  uint64_t old;
  long pos = -1;
  int rc = o ? touch(s, o) : ftouch(s, f);
  if (rc == HR_OK) rc = slots_set(t, kind, ev->f[2], bind ? ev->f[3] : 0, &old, &pos);
  if (rc) return rc;
  if (!bind && old != ev->f[3]) s->anomalies++;   /* unbound something else */
  if (s->track && pos >= 0 && (uint64_t)pos < (o ? o->base_n : f->base_n)) {
    ana_slot_touch st = {o ? o->id : f->id, (uint32_t)pos};
    if ((rc = vec_push(o ? &s->slot_touch : &s->fslot_touch, &st, sizeof st)) != HR_OK) return rc;
  }
  /* Objects shed unbound slots once they dominate (a list that shrank);
  ** frames keep them so a deleted name shows as unbound. */
  if (o && t->n >= 32 && t->nbound * 2 < t->n) {
    rc = ana_slots_compact(t);
    o->base_n = 0;   /* positions moved: a delta rewrites its slots */
  }
  return rc;
}

static int on_refcount(ana_state *s, const trc_event *ev) {
  ana_obj *o = obj_get(&s->objs, ev->f[0]);
  if (!o) {
    s->anomalies++;
    return HR_OK;
  }
  o->refcount = (int64_t)ev->f[1];
  return touch(s, o);
}

static int on_resize(ana_state *s, const trc_event *ev) {
  ana_obj *o = obj_get(&s->objs, ev->f[0]);
  if (!o) {
    s->anomalies++;
    return HR_OK;
  }
  o->size = ev->f[1];
  return touch(s, o);
}

static int on_value(ana_state *s, const trc_event *ev) {
  ana_obj *o = obj_get(&s->objs, ev->f[0]);
  if (!o) {
    s->anomalies++;
    return HR_OK;
  }
  o->value = ev->f[1];
  o->is_int = ev->kind == TRC_EV_INTVALUE;
  return touch(s, o);
}

static int on_step(ana_state *s, const trc_event *ev) {
  s->step = ev->step;
  s->frame = ev->f[0];
  s->location = ev->f[1];
  ana_frame *f = frame_get(s, ev->f[0]);
  if (!f) {
    s->anomalies++;
    return HR_OK;
  }
  f->cur_location = ev->f[1];
  f->cur_step = ev->step;
  return ftouch(s, f);
}

int ana_state_apply(ana_state *s, const trc_event *ev) {
  int rc = HR_OK;
  s->seq = ev->seq;
  switch (ev->kind) {
  case TRC_EV_STEP: rc = on_step(s, ev); break;
  case TRC_EV_CALL: rc = on_call(s, ev); break;
  case TRC_EV_RETURN: rc = on_return(s, ev); break;
  case TRC_EV_BIND: rc = on_bind(s, ev, 1); break;
  case TRC_EV_UNBIND: rc = on_bind(s, ev, 0); break;
  case TRC_EV_ALLOC: rc = on_alloc(s, ev, 0); break;
  case TRC_EV_TRACK: rc = on_alloc(s, ev, 1); break;
  case TRC_EV_INCREF:
  case TRC_EV_DECREF: rc = on_refcount(s, ev); break;
  case TRC_EV_FREE: rc = on_free(s, ev); break;
  case TRC_EV_RESIZE: rc = on_resize(s, ev); break;
  case TRC_EV_VALUE:
  case TRC_EV_INTVALUE: rc = on_value(s, ev); break;
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
  return obj_get(&s->objs, id);
}

int ana_state_set_tag(ana_state *s, uint64_t id, uint32_t tag) {
  ana_obj *o = obj_get(&s->objs, id);
  if (o) o->tag = tag;
  return o != NULL;
}

uint64_t ana_state_slot(const ana_state *s, uint64_t holder, int kind, uint64_t arg) {
  const ana_slots *t = NULL;
  if (TRC_SLOT_HOLDER_IS_FRAME(kind)) {
    const ana_frame *f = ana_map_get(&s->frames, holder);
    if (f) t = &f->slots;
  } else {
    const ana_obj *o = obj_get(&s->objs, holder);
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
  const obj_table *t = &s->objs;
  *n = 0;
  if (!t->n) return NULL;
  const ana_obj **arr = hr_malloc(t->n * sizeof *arr);
  if (!arr) return NULL;
  size_t k = 0;
  for (size_t p = 0; p < t->ndir; p++) {
    const obj_page *pg = t->dir[p];
    for (size_t i = 0; pg && i < OBJ_PAGE && k < t->n; i++)
      if (pg->v[i]) arr[k++] = pg->v[i];
  }
  /* The directory walk is in id order; ids kept apart need a sort. */
  size_t pos = 0;
  void *v;
  int far = 0;
  while (k < t->n && ana_map_next(&t->far, &pos, NULL, &v)) {
    arr[k++] = v;
    far = 1;
  }
  if (far) qsort(arr, k, sizeof *arr, cmp_by_id);
  *n = k;
  return arr;
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
  if (!o->id || obj_get(&s->objs, o->id)) return HR_ECORRUPT;
  ana_obj *no = obj_alloc(&s->objs);
  if (!no) return HR_ENOMEM;
  *no = *o;
  if (obj_put(&s->objs, no)) {
    memset(&no->slots, 0, sizeof no->slots);   /* the slots stay the caller's */
    obj_release(&s->objs, no);
    return HR_ENOMEM;
  }
  return HR_OK;
}

ana_obj *ana_state_obj_edit(ana_state *s, uint64_t id) { return obj_get(&s->objs, id); }

ana_frame *ana_state_frame_edit(ana_state *s, uint64_t id) { return ana_map_get(&s->frames, id); }

int ana_state_del_frame(ana_state *s, uint64_t id) {
  ana_frame *f = ana_map_del(&s->frames, id);
  if (id == s->hot_id) {
    s->hot_id = 0;
    s->hot = NULL;
  }
  if (!f) return 0;
  ana_slots_reset(&f->slots);
  hr_free(f);
  return 1;
}

int ana_state_del_obj(ana_state *s, uint64_t id) {
  ana_obj *o = obj_del(&s->objs, id);
  if (o) obj_release(&s->objs, o);
  return o != NULL;
}

void ana_state_set_position(ana_state *s, uint64_t seq, uint64_t step,
                            uint64_t frame, uint64_t location) {
  s->seq = seq;
  s->step = step;
  s->frame = frame;
  s->location = location;
}

/* --- change tracking ------------------------------------------------------------ */

int ana_state_mark(ana_state *s) {
  const uint64_t *ids = s->touched.v;
  for (size_t i = 0; i < s->touched.n; i++) {
    ana_obj *o = obj_get(&s->objs, ids[i]);
    if (o) o->born = 0;
  }
  ids = s->ftouched.v;
  for (size_t i = 0; i < s->ftouched.n; i++) {
    ana_frame *f = ana_map_get(&s->frames, ids[i]);
    if (f) f->born = 0;
  }
  s->touched.n = s->freed.n = s->slot_touch.n = 0;
  s->ftouched.n = s->ffreed.n = s->fslot_touch.n = 0;
  /* Objects start in epoch 0, which is never current. */
  if (++s->epoch == 0) s->epoch = 1;
  s->mark_seq = s->seq;
  s->track = 1;
  return HR_OK;
}

int ana_state_changes(const ana_state *s, ana_changes *out) {
  memset(out, 0, sizeof *out);
  if (!s->track) return 0;
  out->base_seq = s->mark_seq;
  out->touched = s->touched.v;
  out->ntouched = s->touched.n;
  out->freed = s->freed.v;
  out->nfreed = s->freed.n;
  out->slots = s->slot_touch.v;
  out->nslots = s->slot_touch.n;
  out->ftouched = s->ftouched.v;
  out->nftouched = s->ftouched.n;
  out->ffreed = s->ffreed.v;
  out->nffreed = s->ffreed.n;
  out->fslots = s->fslot_touch.v;
  out->nfslots = s->fslot_touch.n;
  return 1;
}

uint32_t ana_state_epoch(const ana_state *s) { return s->epoch; }
