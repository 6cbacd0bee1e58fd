/* rnd_scene.c — build what one diagram shows from the analyzer's state (rnd_scene.h). */
#include "rnd_scene.h"

#include <stdlib.h>
#include <string.h>

#include "ana_finished.h"
#include "ana_garbage.h"
#include "ana_map.h"
#include "ana_stacks.h"
#include "ana_state.h"
#include "ana_threads.h"
#include "ana_view.h"
#include "hr_mem.h"
#include "hr_status.h"
#include "trc_scan.h"

#define UNREACHED_MAX 300   /* --all-objects draws at most this many garbage objects */

struct build {
  ana_trace *t;
  const rnd_options *o;
  rnd_scene *sc;
  ana_state *s, *prev;      /* owned; prev NULL when changes are not shown */
  ana_view v, pv;
  uint64_t frame, location; /* the running frame and the line it is about to run */
  ana_map vindex;           /* object id -> index in v.objs + 1 */
  ana_map depth;            /* object id -> depth from the frames (included objects) */
  ana_map binds, unbinds;   /* slot key -> 1: slots bound / unbound since the previous step */
  ana_map born, freed;      /* object id -> 1: allocated / freed since the previous step */
  uint64_t ret_obj;         /* the running frame returns this object in this step */
  uint64_t held_frame, held_obj; /* a callee returned held_obj in the previous step */
  ana_map garbage, pgarbage;/* object id -> 1: garbage now / at the previous step */
  uint64_t *queue;          /* object ids in breadth-first order */
  size_t nq, capq;
  size_t cap_objs;
  ana_threads threads;      /* loaded when a frame of another thread is drawn */
  int threads_loaded;
};

static void *one = (void *)(uintptr_t)1;

static uint64_t slot_key(uint64_t holder, int kind, uint64_t arg) {
  uint64_t k = ana_hash64(holder * 0x9e3779b97f4a7c15ull + (uint64_t)kind) ^ ana_hash64(arg + 1);
  return k ? k : 1;
}

/* --- the kind of an object, for its colour -------------------------------- */
static int type_in(const char *type, const char *const *names) {
  for (; *names; names++)
    if (strcmp(type, *names) == 0) return 1;
  return 0;
}

static int kind_of(const char *type, const ana_obj *o) {
  static const char *const scalar[] = {"int", "float", "complex", "str", "bytes", "bool", "NoneType", NULL};
  static const char *const seq[] = {"list", "tuple", "deque", "range", "bytearray", NULL};
  static const char *const map[] = {"dict", "set", "frozenset", "mappingproxy", "defaultdict",
                                    "OrderedDict", "Counter", NULL};
  static const char *const code[] = {"function", "type", "module", "cell", "method", "code",
                                     "builtin_function_or_method", "classmethod", "staticmethod",
                                     "property", "generator", "coroutine", NULL};
  if (type_in(type, scalar)) return RND_K_SCALAR;
  if (type_in(type, seq)) return RND_K_SEQ;
  if (type_in(type, map)) return RND_K_MAP;
  if (type_in(type, code)) return RND_K_CODE;
  for (uint32_t k = 0; k < o->slots.n; k++)
    if (o->slots.v[k].kind == TRC_SLOT_ATTR) return RND_K_INSTANCE;
  return RND_K_OTHER;
}

/* --- small helpers ---------------------------------------------------------- */
static int queue_push(struct build *b, uint64_t id) {
  if (b->nq == b->capq) {
    uint64_t *q = hr_grow(b->queue, &b->capq, b->nq + 1, sizeof *q, 64);
    if (!q) return HR_ENOMEM;
    b->queue = q;
  }
  b->queue[b->nq++] = id;
  return HR_OK;
}

static rnd_box *new_obj_box(struct build *b) {
  rnd_scene *sc = b->sc;
  if (sc->nobjs == b->cap_objs) {
    rnd_box *v = hr_grow(sc->objs, &b->cap_objs, sc->nobjs + 1, sizeof *v, 32);
    if (!v) return NULL;
    sc->objs = v;
  }
  rnd_box *x = &sc->objs[sc->nobjs++];
  memset(x, 0, sizeof *x);
  return x;
}

static int is_leaf(struct build *b, const ana_obj *o) {
  uintptr_t i = (uintptr_t)ana_map_get(&b->vindex, o->id);
  if (i) return b->v.leaf[i - 1];
  return o->preexisting && !b->o->expand;
}

/* An object's inline text for --inline-primitives: its value when it is a scalar. */
static const char *inline_value(struct build *b, uint64_t id, char *buf, size_t n) {
  if (!b->o->inline_primitives) return NULL;
  const ana_obj *x = ana_state_obj(b->s, id);
  if (!x || !ana_obj_has_value(x)) return NULL;
  if (kind_of(ana_trace_type_name(b->t, x->type), x) != RND_K_SCALAR) return NULL;
  return ana_value_short(b->t, x, buf, n);
}

/* --- rows of an object --------------------------------------------------------- */
struct slot_ref { const ana_slot *sl; uint32_t pos; };

static int slot_rank(int kind) {
  switch (kind) {
    case TRC_SLOT_ITEM: return 0;
    case TRC_SLOT_VALUE: return 1;
    case TRC_SLOT_ATTR: return 2;
    case TRC_SLOT_ELEMENT: return 3;
    case TRC_SLOT_CONTENTS: return 4;
    case TRC_SLOT_CLOSURE: return 5;
    default: return 6;
  }
}

static int cmp_slot(const void *pa, const void *pb) {
  const struct slot_ref *a = pa, *b = pb;
  int ra = slot_rank(a->sl->kind), rb = slot_rank(b->sl->kind);
  if (ra != rb) return ra < rb ? -1 : 1;
  if (ra == 0 || ra == 5) {
    if (a->sl->arg != b->sl->arg) return a->sl->arg < b->sl->arg ? -1 : 1;
  }
  return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* The left cell of an object's row. */
static char *row_key(struct build *b, const ana_slot *sl) {
  char buf[512], val[512];
  switch (sl->kind) {
    case TRC_SLOT_ITEM: return hr_sprintf("%llu", (unsigned long long)sl->arg);
    case TRC_SLOT_ATTR: return hr_strdup(ana_trace_string(b->t, sl->arg));
    case TRC_SLOT_ELEMENT: return hr_strdup("");
    case TRC_SLOT_CONTENTS: return hr_strdup("cell");
    case TRC_SLOT_VALUE: {
      const ana_obj *k = ana_state_obj(b->s, sl->arg);
      const char *v = k ? ana_value_short(b->t, k, val, sizeof val) : NULL;
      if (v) return hr_strdup(v);
      if (k) return hr_sprintf("%s #%llu", ana_trace_type_name(b->t, k->type), (unsigned long long)k->id);
      return hr_strdup("?");
    }
    default:
      ana_slot_label(b->t, b->s, sl->kind, sl->arg, buf, sizeof buf);
      return hr_strdup(buf);
  }
}

/* Against the state shown before (b->prev): a slot is new when it now holds
** another object than then, gone when it held one then and is unbound now. */
static int mark_of_slot(struct build *b, uint64_t holder, const ana_slot *sl) {
  if (!b->prev) return RND_SAME;
  uint64_t key = slot_key(holder, sl->kind, sl->arg);
  uint64_t was = ana_state_slot(b->prev, holder, sl->kind, sl->arg);
  if (sl->obj) return ana_map_get(&b->binds, key) && was != sl->obj ? RND_NEW : RND_SAME;
  return ana_map_get(&b->unbinds, key) && was ? RND_GONE : -1;
}

/* Fill x's rows from o's bound slots (dict keys are shown in their value's row). */
static int object_rows(struct build *b, const ana_obj *o, rnd_box *x) {
  if (x->leaf || !o->slots.n) return HR_OK;
  struct slot_ref *refs = hr_malloc(o->slots.n * sizeof *refs);
  if (!refs) return HR_ENOMEM;
  uint32_t n = 0;
  for (uint32_t k = 0; k < o->slots.n; k++) {
    const ana_slot *sl = &o->slots.v[k];
    if (!sl->obj || sl->kind == TRC_SLOT_KEY || !ana_view_shows_ref(b->t, &b->v, sl)) continue;
    refs[n].sl = sl;
    refs[n].pos = k;
    n++;
  }
  qsort(refs, n, sizeof *refs, cmp_slot);
  uint32_t keep = n;
  if (b->o->max_items && keep > b->o->max_items) keep = b->o->max_items;
  x->more = n - keep;
  x->rows = keep ? hr_calloc(keep, sizeof *x->rows) : NULL;
  if (keep && !x->rows) { hr_free(refs); return HR_ENOMEM; }
  char val[512];
  for (uint32_t k = 0; k < keep; k++) {
    const ana_slot *sl = refs[k].sl;
    rnd_row *r = &x->rows[x->nrows++];
    r->key = row_key(b, sl);
    const char *iv = inline_value(b, sl->obj, val, sizeof val);
    if (iv) r->text = hr_strdup(iv);
    else r->obj = sl->obj;
    int m = mark_of_slot(b, o->id, sl);
    r->mark = (uint8_t)(m < 0 ? RND_SAME : m);
    if (!r->key || (iv && !r->text)) { hr_free(refs); return HR_ENOMEM; }
  }
  hr_free(refs);
  return HR_OK;
}

/* The header of a named object (function, class, module, builtin) reads as
** Python Tutor's does, `function add_item(lst, item)`, `class Node`, from its
** recorded name; a nested function by its own name, not `f.<locals>.g`.
** Sets x->title and returns 1, or 0 when o is no named object. */
static int named_title(ana_trace *t, const char *type, const ana_obj *o, rnd_box *x) {
  static const char *const kinds[][2] = {
    {"function", "function"}, {"type", "class"}, {"module", "module"},
    {"builtin_function_or_method", "builtin"}, {"method", "method"}, {"code", "code"},
    {"cell", "cell"}};   /* a cell by the variable it holds: `cell count` */
  if (!o->value) return 0;
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
    if (strcmp(type, kinds[i][0]) != 0) continue;
    const char *name = ana_trace_string(t, o->value);
    const char *paren = strchr(name, '('), *cut = name;
    for (const char *p = name; (p = strstr(p, ".<locals>.")) && (!paren || p < paren); p++)
      cut = p + strlen(".<locals>.");
    x->title = hr_sprintf("%s %s", kinds[i][1], cut);
    return 1;
  }
  return 0;
}

int rnd_scene_obj_header(ana_trace *t, const ana_obj *o, rnd_box *x) {
  char val[512];
  const char *type = ana_trace_type_name(t, o->type);
  x->id = o->id;
  x->refcount = o->refcount;
  x->size = o->size;
  x->address = o->address;
  x->kind = (uint8_t)kind_of(type, o);
  if (named_title(t, type, o, x)) return x->title ? HR_OK : HR_ENOMEM;
  x->title = hr_strdup(type);
  int valued = ana_obj_has_value(o);
  if (valued && ana_value_short(t, o, val, sizeof val)) x->sub = hr_strdup(val);
  return !x->title || (valued && !x->sub) ? HR_ENOMEM : HR_OK;
}

/* Fill an object box from o. */
static int object_box(struct build *b, const ana_obj *o, rnd_box *x, int group) {
  int rc = rnd_scene_obj_header(b->t, o, x);
  if (rc) return rc;
  x->group = (uint8_t)group;
  x->leaf = (uint8_t)is_leaf(b, o);
  /* A slide draws a function, class or module no name points at as its
  ** header only: what it holds is rarely the lesson. */
  static const char *const named[] = {"function", "type", "module", "builtin_function_or_method",
                                      "method", "code", NULL};
  if (b->o->slide && (uintptr_t)ana_map_get(&b->depth, o->id) > 1 &&
      type_in(ana_trace_type_name(b->t, o->type), named))
    x->leaf = 1;
  if (b->prev && ana_map_get(&b->born, o->id)) x->mark = RND_NEW;
  return object_rows(b, o, x);
}

/* --- frames --------------------------------------------------------------------- */
static int frame_box(struct build *b, const ana_frame *f, int on_stack, rnd_box *x) {
  ana_loc code = ana_trace_location(b->t, f->location);
  ana_loc at = ana_trace_location(b->t, f->id == b->frame && b->location ? b->location
                                        : f->cur_location ? f->cur_location : f->location);
  x->id = f->id;
  x->kind = RND_K_FRAME;
  x->refcount = -1;
  x->active = f->id == b->frame;
  x->off_stack = !on_stack;
  const ana_frame *run = ana_state_frame(b->s, b->frame);
  if (run && f->thread && f->thread != run->thread) {
    if (!b->threads_loaded) {
      int rc = ana_threads_load(b->t, &b->threads);
      if (rc) return rc;
      b->threads_loaded = 1;
    }
    x->thread_no = (uint32_t)ana_threads_number(&b->threads, f->thread);
  }
  /* A qualified name (make_counter.<locals>.increment) by its last part, as Python Tutor does. */
  const char *name = strrchr(code.function, '.');
  name = name && name[1] && code.function[0] != '<' ? name + 1 : code.function;
  x->title = f->finished ? hr_sprintf("%s (finished)", name) : hr_strdup(name);
  x->sub = hr_sprintf("line %u", at.line);
  if (!x->title || !x->sub) return HR_ENOMEM;
  x->rows = hr_calloc(f->slots.n + 1, sizeof *x->rows);
  if (!x->rows) return HR_ENOMEM;
  char val[512];
  for (uint32_t k = 0; k < f->slots.n; k++) {
    const ana_slot *sl = &f->slots.v[k];
    if (!ana_view_shows_slot(b->t, &b->v, f, sl)) continue;
    const char *name = ana_trace_string(b->t, sl->arg);
    if (b->o->focus && !rnd_name_in_list(name, b->o->focus)) continue;
    int m = mark_of_slot(b, f->id, sl);
    if (!sl->obj && m != RND_GONE) continue;   /* unbound before the previous step */
    rnd_row *r = &x->rows[x->nrows++];
    r->key = hr_strdup(name);
    r->mark = (uint8_t)(m < 0 ? RND_SAME : m);
    const char *iv = sl->obj ? inline_value(b, sl->obj, val, sizeof val) : NULL;
    if (iv) r->text = hr_strdup(iv);
    else r->obj = sl->obj;
    if (!r->key || (iv && !r->text)) return HR_ENOMEM;
  }
  if (x->active && b->ret_obj && ana_state_obj(b->s, b->ret_obj)) {
    rnd_row *r = &x->rows[x->nrows++];
    r->key = hr_strdup("return");
    r->is_return = 1;
    const char *iv = inline_value(b, b->ret_obj, val, sizeof val);
    if (iv) r->text = hr_strdup(iv);
    else r->obj = b->ret_obj;
    if (!r->key || (iv && !r->text)) return HR_ENOMEM;
  }
  return HR_OK;
}

/* A callee that returned in the previous step an object nothing holds yet
** but the value stack (the caller has not bound it): the frame, drawn as
** returned, with its `return` row, so the value does not vanish for a step. */
static int held_return(struct build *b, int *has) {
  *has = 0;
  const ana_obj *o = b->held_obj ? ana_state_obj(b->s, b->held_obj) : NULL;
  if (!o || o->preexisting || b->o->focus) return HR_OK;
  uint64_t holders = 0;   /* recorded references to it: slots of frames and objects */
  size_t n = 0, nf = 0;
  const ana_frame **frames = ana_state_frames(b->s, &nf);
  if (!frames && ana_state_nframes(b->s)) return HR_ENOMEM;
  for (size_t i = 0; i < nf; i++)
    for (uint32_t k = 0; k < frames[i]->slots.n; k++) holders += frames[i]->slots.v[k].obj == o->id;
  hr_free(frames);
  const ana_obj **all = ana_state_objs(b->s, &n);
  if (!all && ana_state_nobjs(b->s)) return HR_ENOMEM;
  for (size_t i = 0; i < n && !holders; i++)
    for (uint32_t k = 0; k < all[i]->slots.n; k++) holders += all[i]->slots.v[k].obj == o->id;
  hr_free(all);
  *has = holders == 0;
  return HR_OK;
}

static int returned_frame_box(struct build *b, rnd_box *x) {
  const ana_frame_info *fi = ana_trace_frame_info(b->t, b->held_frame);
  ana_loc code = ana_trace_location(b->t, fi ? fi->location : 0);
  const char *name = code.function ? strrchr(code.function, '.') : NULL;
  name = name && name[1] && code.function[0] != '<' ? name + 1 : code.function ? code.function : "?";
  x->id = b->held_frame;
  x->kind = RND_K_FRAME;
  x->refcount = -1;
  x->mark = RND_GONE;
  x->title = hr_strdup(name);
  x->sub = hr_strdup("returned");
  x->rows = hr_calloc(1, sizeof *x->rows);
  if (!x->title || !x->sub || !x->rows) return HR_ENOMEM;
  rnd_row *r = &x->rows[x->nrows++];
  r->key = hr_strdup("return");
  r->is_return = 1;
  char val[512];
  const char *iv = inline_value(b, b->held_obj, val, sizeof val);
  if (iv) r->text = hr_strdup(iv);
  else r->obj = b->held_obj;
  return !r->key || (iv && !r->text) ? HR_ENOMEM : HR_OK;
}

static int build_frames(struct build *b) {
  rnd_scene *sc = b->sc;
  size_t n = b->v.nframes;
  int held = 0, rc = held_return(b, &held);
  if (rc) return rc;
  sc->frames = n + held ? hr_calloc(n + held, sizeof *sc->frames) : NULL;
  if (n + held && !sc->frames) return HR_ENOMEM;
  /* The returned frame where it was: above the running one, newest on top. */
  if (held && !b->o->oldest_on_top && (rc = returned_frame_box(b, &sc->frames[sc->nframes++])))
    return rc;
  for (size_t i = 0; i < n; i++) {
    /* The running stack first (newest or oldest on top), then other live frames. */
    size_t ns = b->v.nstack, src = i;
    if (i < ns && !b->o->oldest_on_top) src = ns - 1 - i;
    int rc = frame_box(b, b->v.frames[src], src < ns, &sc->frames[sc->nframes++]);
    if (rc) return rc;
    if (held && b->o->oldest_on_top && i + 1 == ns &&
        (rc = returned_frame_box(b, &sc->frames[sc->nframes++])))
      return rc;
  }
  return HR_OK;
}

/* --- reachable objects, breadth first ---------------------------------------------- */
/* Depth recorded for an object left out by max_objects: it is counted once
** and drawn nowhere, not even among the unreachable ones. */
#define LEFT_OUT UINTPTR_MAX

static int include(struct build *b, uint64_t id, uintptr_t d) {
  if (!id || ana_map_get(&b->depth, id) || !ana_state_obj(b->s, id)) return HR_OK;
  if (b->o->depth && d > b->o->depth) return HR_OK;
  if (b->o->max_objects && b->nq >= b->o->max_objects) {
    b->sc->omitted++;
    b->sc->drawn_max = b->o->max_objects;
    return ana_map_put(&b->depth, id, (void *)LEFT_OUT);
  }
  int rc = ana_map_put(&b->depth, id, (void *)d);
  return rc ? rc : queue_push(b, id);
}

static int build_reachable(struct build *b) {
  int rc;
  for (size_t i = 0; i < b->sc->nframes; i++) {
    const rnd_box *f = &b->sc->frames[i];
    for (uint32_t k = 0; k < f->nrows; k++)
      if ((rc = include(b, f->rows[k].obj, 1))) return rc;
  }
  for (size_t q = 0; q < b->nq; q++) {
    const ana_obj *o = ana_state_obj(b->s, b->queue[q]);
    uintptr_t d = (uintptr_t)ana_map_get(&b->depth, o->id);
    rnd_box *x = new_obj_box(b);
    if (!x) return HR_ENOMEM;
    if ((rc = object_box(b, o, x, RND_G_HEAP))) return rc;
    for (uint32_t k = 0; k < x->nrows; k++)
      if ((rc = include(b, x->rows[k].obj, d + 1))) return rc;
  }
  return HR_OK;
}

static int ghost_box(struct build *b, const ana_obj *o, int group);

/* Objects the previous step's diagram showed, and the previous step's
** garbage, that were freed since: ghosts (the collector's victims among the
** garbage). */
static int build_ghosts(struct build *b) {
  int rc;
  for (size_t i = 0; b->prev && i < b->pv.nobjs; i++) {
    const ana_obj *o = b->pv.objs[i];
    if (!ana_map_get(&b->freed, o->id) || ana_state_obj(b->s, o->id)) continue;
    if (ana_map_get(&b->pgarbage, o->id)) continue;   /* below, with the garbage */
    if ((rc = ghost_box(b, o, RND_G_HEAP))) return rc;
  }
  if (!b->prev || !b->pgarbage.n) return HR_OK;
  size_t n = 0, drawn = 0;
  const ana_obj **all = ana_state_objs(b->prev, &n);   /* by id: a stable order */
  if (!all && n) return HR_ENOMEM;
  for (size_t i = 0; i < n && drawn < UNREACHED_MAX; i++) {
    const ana_obj *o = all[i];
    if (!ana_map_get(&b->pgarbage, o->id) || !ana_map_get(&b->freed, o->id) ||
        ana_state_obj(b->s, o->id))
      continue;
    if ((rc = ghost_box(b, o, RND_G_UNREACHED))) { hr_free(all); return rc; }
    drawn++;
  }
  hr_free(all);
  return HR_OK;
}

static int ghost_box(struct build *b, const ana_obj *o, int group) {
  char val[512];
  {
    rnd_box *x = new_obj_box(b);
    if (!x) return HR_ENOMEM;
    const char *type = ana_trace_type_name(b->t, o->type);
    x->id = o->id;
    x->refcount = 0;
    x->size = o->size;
    x->address = o->address;
    x->kind = (uint8_t)kind_of(type, o);
    x->mark = RND_GONE;
    x->leaf = 1;
    x->group = (uint8_t)group;
    if (!named_title(b->t, type, o, x)) {
      x->title = hr_strdup(type);
      if (ana_value_short(b->t, o, val, sizeof val)) x->sub = hr_strdup(val);
    }
    if (!x->title) return HR_ENOMEM;
  }
  return HR_OK;
}

/* The garbage no reference in the trace reaches, always; with --all-objects
** also the live objects reached only through what is not drawn. */
static int build_unreached(struct build *b) {
  size_t n = 0, drawn = 0;
  const ana_obj **all = ana_state_objs(b->s, &n);
  if (!all && n) return HR_ENOMEM;
  int rc = HR_OK;
  for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < n && rc == HR_OK && drawn < UNREACHED_MAX; i++) {
      const ana_obj *o = all[i];
      int garbage = ana_map_get(&b->garbage, o->id) != NULL;
      if (ana_map_get(&b->depth, o->id) || (o->preexisting && !b->o->expand)) continue;
      if (pass == 0 ? !garbage : garbage || !b->o->all_objects) continue;
      rnd_box *x = new_obj_box(b);
      if (!x) { rc = HR_ENOMEM; break; }
      rc = object_box(b, o, x, garbage ? RND_G_UNREACHED : RND_G_HIDDEN);
      drawn++;
    }
  hr_free(all);
  return rc;
}

/* --- what changed, and the return value ---------------------------------------------- */
static int on_change(void *ctx, const trc_event *ev) {
  struct build *b = ctx;
  switch (ev->kind) {
    case TRC_EV_BIND:
      return ana_map_put(&b->binds, slot_key(ev->f[0], (int)ev->f[1], ev->f[2]), one);
    case TRC_EV_UNBIND:
      return ana_map_put(&b->unbinds, slot_key(ev->f[0], (int)ev->f[1], ev->f[2]), one);
    case TRC_EV_ALLOC: return ana_map_put(&b->born, ev->f[0], one);
    case TRC_EV_FREE: return ana_map_put(&b->freed, ev->f[0], one);
    default: return 0;
  }
}

/* A callee of the running frame returning in the previous step. */
static int on_callee_return(void *ctx, const trc_event *ev) {
  struct build *b = ctx;
  if (ev->kind != TRC_EV_RETURN || ev->f[0] == b->frame || !ev->f[1]) return 0;
  const ana_frame_info *fi = ana_trace_frame_info(b->t, ev->f[0]);
  if (fi && fi->parent == b->frame) {
    b->held_frame = ev->f[0];
    b->held_obj = ev->f[1];
  }
  return 0;
}

static int on_return(void *ctx, const trc_event *ev) {
  struct build *b = ctx;
  if (ev->kind == TRC_EV_RETURN && ev->f[0] == b->frame) {
    b->ret_obj = ev->f[1];
    return ANA_SCAN_STOP;
  }
  return 0;
}

/* The state at p, and the state shown before it (the point since, else the
** previous step) with the events between them. */
static int load_states(struct build *b, const rnd_point *p, const rnd_point *since) {
  trc_event ev;
  int rc;
  uint64_t prev_step;
  if (p->seq) {
    if ((rc = ana_trace_state_at_seq(b->t, p->seq - 1, b->s))) return rc;
    b->frame = ana_state_frame_id(b->s);
    b->location = ana_state_location(b->s);
    if (ana_trace_is_alloc(b->t)) {
      /* An alloc trace has references only in its end-of-run graph, whose
      ** module frames start it, and no steps to compare with. */
      if (!ana_state_nframes(b->s))
        return ana_trace_fail(b->t, HR_EUSAGE, "an alloc trace shows the heap only at the end of "
                                               "the main script (--mark end); record with "
                                               "--detail full for earlier points");
      return HR_OK;
    }
    if ((rc = ana_finished_add_main(b->t, b->s, p->seq - 1))) return rc;
    prev_step = p->step;
  } else {
    if ((rc = ana_trace_state_before_step(b->t, p->step, b->s, &ev))) return rc;
    if (!ana_trace_is_alloc(b->t) && (rc = ana_finished_add_main(b->t, b->s, ev.seq - 1))) return rc;
    b->frame = ev.f[0];
    b->location = ev.f[1];
    prev_step = p->step - 1;
    rc = ana_trace_scan(b->t, TRC_SCAN_STEP, p->step, p->step, on_return, b);
    if (rc == HR_OK && p->step > 1)
      rc = ana_trace_scan(b->t, TRC_SCAN_STEP, p->step - 1, p->step - 1, on_callee_return, b);
    if (rc) return rc;
  }
  if ((rc = ana_garbage_find(b->s, &b->garbage))) return rc;
  if (b->o->no_changes || (!since && prev_step < 1)) return HR_OK;
  if (!(b->prev = ana_state_new())) return HR_ENOMEM;
  uint64_t lo;
  if (since && since->seq) {
    if ((rc = ana_trace_state_at_seq(b->t, since->seq - 1, b->prev))) return rc;
    ev.f[0] = ana_state_frame_id(b->prev);
    lo = since->seq;
  } else {
    if ((rc = ana_trace_state_before_step(b->t, since ? since->step : prev_step, b->prev, &ev))) return rc;
    lo = ev.seq;
  }
  uint64_t hi = ana_state_seq(b->s);
  if (hi >= lo && (rc = ana_trace_scan(b->t, TRC_SCAN_SEQ, lo, hi, on_change, b))) return rc;
  /* The previous garbage matters only for the ghosts of what was freed since. */
  if (b->freed.n && (rc = ana_garbage_find(b->prev, &b->pgarbage))) return rc;
  return ana_view_build(b->t, b->prev, ev.f[0], b->v.flags, &b->pv);
}

static int build_caption(struct build *b) {
  if (ana_trace_is_alloc(b->t) && !b->location) {
    b->sc->caption = hr_strdup("the end of the main script (alloc detail: the objects alive then)");
    return b->sc->caption ? HR_OK : HR_ENOMEM;
  }
  ana_loc at = ana_trace_location(b->t, b->location);
  const char *base = strrchr(at.file, '/');
  base = base ? base + 1 : at.file;
  b->sc->caption = hr_sprintf("step %llu   %s:%u   %s", (unsigned long long)b->sc->step,
                              base, at.line, at.function);
  const char *src = ana_trace_source_line(b->t, at.file_sid, at.line);
  if (src) {
    while (*src == ' ' || *src == '\t') src++;
    b->sc->source = hr_strdup(src);
  }
  return b->sc->caption ? HR_OK : HR_ENOMEM;
}

/* The focus name must name a slot of some frame. */
static int check_focus(struct build *b) {
  if (!b->o->focus) return HR_OK;
  for (size_t i = 0; i < b->sc->nframes; i++)
    if (b->sc->frames[i].nrows) return HR_OK;
  int several = strchr(b->o->focus, ',') != NULL;
  return ana_trace_fail(b->t, HR_ENOTFOUND, "no frame has %s '%s' at step %llu",
                        several ? "any of the names" : "a name", b->o->focus,
                        (unsigned long long)b->sc->step);
}

int rnd_scene_build(ana_trace *t, const rnd_point *p, const rnd_options *o, rnd_scene *sc) {
  return rnd_scene_build_since(t, p, NULL, o, sc);
}

int rnd_scene_build_since(ana_trace *t, const rnd_point *p, const rnd_point *since,
                          const rnd_options *o, rnd_scene *sc) {
  struct build b;
  memset(&b, 0, sizeof b);
  memset(sc, 0, sizeof *sc);
  b.t = t;
  b.o = o;
  b.sc = sc;
  sc->step = p->step;
  int flags = (o->expand ? ANA_VIEW_EXPAND : 0) | (o->all_names ? ANA_VIEW_ALL_NAMES : 0);
  int rc = (b.s = ana_state_new()) ? HR_OK : HR_ENOMEM;
  b.v.flags = flags;
  if (rc == HR_OK) rc = load_states(&b, p, since);
  if (rc == HR_OK) rc = ana_view_build(t, b.s, b.frame, flags, &b.v);
  for (size_t i = 0; rc == HR_OK && i < b.v.nobjs; i++)
    rc = ana_map_put(&b.vindex, b.v.objs[i]->id, (void *)(uintptr_t)(i + 1));
  if (rc == HR_OK) rc = build_caption(&b);
  if (rc == HR_OK) rc = build_frames(&b);
  if (rc == HR_OK) rc = check_focus(&b);
  if (rc == HR_OK) rc = build_reachable(&b);
  if (rc == HR_OK) rc = build_ghosts(&b);
  /* --focus shows what one name reaches: the garbage only with --all-objects. */
  if (rc == HR_OK && (!o->focus || o->all_objects)) rc = build_unreached(&b);
  if (rc == HR_ENOMEM) ana_trace_fail(t, rc, "out of memory");
  ana_view_reset(&b.v);
  ana_view_reset(&b.pv);
  ana_state_free(b.s);
  ana_state_free(b.prev);
  ana_map_reset(&b.vindex);
  ana_map_reset(&b.depth);
  ana_map_reset(&b.binds);
  ana_map_reset(&b.unbinds);
  ana_map_reset(&b.born);
  ana_map_reset(&b.freed);
  ana_map_reset(&b.garbage);
  ana_map_reset(&b.pgarbage);
  hr_free(b.queue);
  ana_threads_reset(&b.threads);
  if (rc) rnd_scene_reset(sc);
  return rc;
}

static void box_reset(rnd_box *x) {
  for (uint32_t k = 0; k < x->nrows; k++) {
    hr_free(x->rows[k].key);
    hr_free(x->rows[k].text);
  }
  hr_free(x->rows);
  hr_free(x->title);
  hr_free(x->sub);
}

void rnd_scene_reset(rnd_scene *sc) {
  for (size_t i = 0; i < sc->nframes; i++) box_reset(&sc->frames[i]);
  for (size_t i = 0; i < sc->nobjs; i++) box_reset(&sc->objs[i]);
  hr_free(sc->frames);
  hr_free(sc->objs);
  hr_free(sc->caption);
  hr_free(sc->source);
  memset(sc, 0, sizeof *sc);
}

const rnd_box *rnd_scene_obj(const rnd_scene *sc, uint64_t id) {
  for (size_t i = 0; i < sc->nobjs; i++)
    if (sc->objs[i].id == id) return &sc->objs[i];
  return NULL;
}
