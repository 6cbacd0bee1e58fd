/* ana_heap.c — replay with allocation sites, kept module globals and reachability. */
#include "ana_heap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ana_map.h"
#include "ana_stacks.h"
#include "ana_view.h"
#include "hr_mem.h"
#include "hr_status.h"

struct ana_heap {
  ana_state *s;
  ana_site *sites;      /* sites[i] is site i + 1 */
  uint32_t nsites, capsites;
  ana_map site_index;   /* hash of (location, stack) -> site id */
  ana_map kept;         /* returned frame id -> ana_slots * (owned): its globals */
  uint64_t step_loc;    /* where the running code is: its latest step's location */
  uint64_t cur_frame;   /* the running frame: the latest step's, or its caller once it returned */
  ana_trace *t;         /* borrowed, set by ana_heap_replay: an alloc trace's stacks come from it */
  int alloc_trace;      /* t is an alloc trace: its site events place allocations */
  ana_stacks *stacks;   /* alloc traces: loaded at the first site event */
  uint64_t site_stack;  /* alloc traces: the stack of the latest site event */
  uint64_t *scratch;    /* stack being built */
  uint32_t capscratch;
};

ana_heap *ana_heap_new(void) {
  ana_heap *h = hr_calloc(1, sizeof *h);
  if (!h) return NULL;
  h->s = ana_state_new();
  if (!h->s) {
    hr_free(h);
    return NULL;
  }
  ana_map_init(&h->site_index);
  ana_map_init(&h->kept);
  return h;
}

void ana_heap_free(ana_heap *h) {
  if (!h) return;
  ana_state_free(h->s);
  for (uint32_t i = 0; i < h->nsites; i++) hr_free(h->sites[i].stack);
  hr_free(h->sites);
  size_t pos = 0;
  void *v;
  while (ana_map_next(&h->kept, &pos, NULL, &v)) {
    ana_slots_reset(v);
    hr_free(v);
  }
  ana_map_reset(&h->kept);
  ana_map_reset(&h->site_index);
  hr_free(h->scratch);
  ana_stacks_free(h->stacks);
  hr_free(h);
}

const ana_state *ana_heap_state(const ana_heap *h) { return h->s; }
uint64_t ana_heap_step_location(const ana_heap *h) { return h->step_loc; }

uint32_t ana_heap_site_id(const ana_heap *h, uint64_t obj) {
  const ana_obj *o = ana_state_obj(h->s, obj);   /* live objects carry their site as tag */
  return o ? o->tag : 0;
}

const ana_site *ana_heap_site(const ana_heap *h, uint32_t id) {
  return id && id <= h->nsites ? &h->sites[id - 1] : NULL;
}

const ana_site *ana_heap_site_of(const ana_heap *h, uint64_t obj) {
  return ana_heap_site(h, ana_heap_site_id(h, obj));
}

int ana_heap_is_programs(const ana_heap *h, const ana_obj *o, int has_steps) {
  if (!ana_obj_is_programs(o, has_steps)) return 0;
  const ana_site *site = ana_heap_site_of(h, o->id);
  return !has_steps || (site && site->depth);
}

/* --- sites ------------------------------------------------------------------------ */

static int site_equal(const ana_site *a, uint64_t loc, const uint64_t *stack, uint32_t depth,
                      int importer) {
  return a->location == loc && a->depth == depth && a->importer == importer &&
         (!depth || memcmp(a->stack, stack, depth * sizeof *stack) == 0);
}

static int scratch_reserve(ana_heap *h, uint32_t n) {
  if (n <= h->capscratch) return HR_OK;
  uint64_t *ns = hr_realloc(h->scratch, n * sizeof *ns);
  if (!ns) return HR_ENOMEM;
  h->scratch = ns;
  h->capscratch = n;
  return HR_OK;
}

/* The site of the running code now: its step's location and the stack (an
** alloc trace: the latest site event's stack, whose innermost location plays
** the step's part). */
static int current_site(ana_heap *h, uint32_t *id) {
  uint32_t depth = 0;
  int importer = 0;
  uint64_t loc = h->step_loc;
  if (h->stacks) {
    if (scratch_reserve(h, 4096)) return HR_ENOMEM;
    depth = ana_stacks_get(h->stacks, h->site_stack, h->scratch, h->capscratch);
    /* Made by the import system's code above the program's frames. */
    importer = ana_stacks_importer(h->stacks, h->site_stack);
    loc = depth ? h->scratch[depth - 1] : 0;
    goto intern;
  }
  for (const ana_frame *f = ana_state_frame(h->s, h->cur_frame); f && depth < 100000;
       f = ana_state_frame(h->s, f->parent)) {
    if (depth == h->capscratch) {
      uint32_t ncap = h->capscratch ? h->capscratch * 2 : 32;
      uint64_t *ns = hr_realloc(h->scratch, ncap * sizeof *ns);
      if (!ns) return HR_ENOMEM;
      h->scratch = ns;
      h->capscratch = ncap;
    }
    h->scratch[depth++] = f->cur_location ? f->cur_location : f->location;
  }
  for (uint32_t i = 0; i < depth / 2; i++) {
    uint64_t x = h->scratch[i];
    h->scratch[i] = h->scratch[depth - 1 - i];
    h->scratch[depth - 1 - i] = x;
  }
intern:;
  uint64_t key = ana_hash64(loc ^ (uint64_t)depth << 48 ^ (uint64_t)importer << 47);
  for (uint32_t i = 0; i < depth; i++) key = ana_hash64(key ^ h->scratch[i]);
  for (;;) {
    if (!key) key = 1;
    uint32_t sid = (uint32_t)(uintptr_t)ana_map_get(&h->site_index, key);
    if (!sid) break;
    if (site_equal(&h->sites[sid - 1], loc, h->scratch, depth, importer)) {
      *id = sid;
      return HR_OK;
    }
    key = ana_hash64(key + 1);   /* a collision: probe another key */
  }
  if (h->nsites == h->capsites) {
    uint32_t ncap = h->capsites ? h->capsites * 2 : 64;
    ana_site *ns = hr_realloc(h->sites, ncap * sizeof *ns);
    if (!ns) return HR_ENOMEM;
    h->sites = ns;
    h->capsites = ncap;
  }
  ana_site *st = &h->sites[h->nsites];
  st->location = loc;
  st->depth = depth;
  st->importer = (uint8_t)importer;
  st->stack = hr_malloc((depth ? depth : 1) * sizeof *st->stack);
  if (!st->stack) return HR_ENOMEM;
  if (depth) memcpy(st->stack, h->scratch, depth * sizeof *st->stack);
  if (ana_map_put(&h->site_index, key, (void *)(uintptr_t)(h->nsites + 1))) {
    hr_free(st->stack);
    return HR_ENOMEM;
  }
  *id = ++h->nsites;
  return HR_OK;
}

/* --- replay ------------------------------------------------------------------------ */

/* A module frame returns; its globals live on in the module. */
static int keep_globals(ana_heap *h, uint64_t frame) {
  const ana_frame *f = ana_state_frame(h->s, frame);
  if (!f) return HR_OK;
  ana_slots *kept = NULL;
  for (uint32_t i = 0; i < f->slots.n; i++) {
    const ana_slot *sl = &f->slots.v[i];
    if (sl->kind != TRC_SLOT_GLOBAL || !sl->obj) continue;
    if (!kept) {
      kept = hr_calloc(1, sizeof *kept);
      if (!kept || ana_map_put(&h->kept, frame, kept)) {
        hr_free(kept);
        return HR_ENOMEM;
      }
    }
    if (ana_slots_add(kept, sl->kind, sl->arg, sl->obj)) return HR_ENOMEM;
  }
  return HR_OK;
}

/* A bind or unbind on a returned frame: only kept globals take it. */
static int kept_bind(ana_heap *h, const trc_event *ev) {
  ana_slots *kept = ana_map_get(&h->kept, ev->f[0]);
  if (!kept || ev->f[1] != TRC_SLOT_GLOBAL) return HR_OK;
  uint64_t old;
  return ana_slots_set(kept, (int)ev->f[1], ev->f[2], ev->kind == TRC_EV_BIND ? ev->f[3] : 0, &old);
}

struct replay {
  ana_heap *h;
  ana_heap_hook hook;
  void *ctx;
};

int ana_heap_apply(ana_heap *h, const trc_event *ev) {
  int rc;
  switch (ev->kind) {
  case TRC_EV_STEP:
    h->step_loc = ev->f[1];
    h->cur_frame = ev->f[0];
    break;
  case TRC_EV_SITE:
    /* A full trace's site events name where its tracked objects were made
    ** outside its regions; its allocations are placed by their steps. */
    if (!h->alloc_trace) break;
    if (!h->stacks && h->t && (rc = ana_stacks_load(h->t, &h->stacks)) != 0) return rc;
    h->site_stack = ev->f[0];
    break;
  case TRC_EV_RETURN:
    if ((rc = keep_globals(h, ev->f[0])) != 0) return rc;
    /* What happens between a return and the caller's next step is the
    ** caller's: a class statement makes its class after the body's frame
    ** returned, at the class statement's line. */
    if (ev->f[0] == h->cur_frame) {
      const ana_frame *f = ana_state_frame(h->s, ev->f[0]);
      const ana_frame *up = f ? ana_state_frame(h->s, f->parent) : NULL;
      if (up) {
        h->cur_frame = up->id;
        h->step_loc = up->cur_location ? up->cur_location : up->location;
      }
    }
    break;
  case TRC_EV_BIND:
  case TRC_EV_UNBIND:
    if (TRC_SLOT_HOLDER_IS_FRAME(ev->f[1]) && !ana_state_frame(h->s, ev->f[0]))
      return kept_bind(h, ev);
    break;
  default: break;
  }
  if ((rc = ana_state_apply(h->s, ev)) != 0) return rc;
  if (ev->kind == TRC_EV_ALLOC && ev->f[0]) {
    const ana_obj *o = ana_state_obj(h->s, ev->f[0]);
    uint32_t sid;
    if (o && !o->tag && !o->preexisting) {
      if ((rc = current_site(h, &sid)) != 0) return rc;
      ana_state_set_tag(h->s, ev->f[0], sid);
    }
  }
  return 0;
}

int ana_heap_end(ana_trace *t, uint64_t *seq, int *is_mark) {
  uint64_t step;
  *is_mark = ana_trace_mark(t, "end", seq, &step) == HR_OK;
  if (!*is_mark) {
    ana_trace_fail(t, HR_OK, "%s", "");
    *seq = trc_reader_last_seq(ana_trace_reader(t));
  }
  return HR_OK;
}

static int replay_cb(void *ctx, const trc_event *ev, size_t n) {
  struct replay *r = ctx;
  for (size_t i = 0; i < n; i++) {
    int rc = r->hook ? r->hook(r->ctx, r->h, &ev[i]) : 0;
    if (rc == ANA_HEAP_SKIP) continue;
    if (rc == 0) rc = ana_heap_apply(r->h, &ev[i]);
    if (rc) return rc;
  }
  return 0;
}

int ana_heap_replay(ana_trace *t, ana_heap *h, uint64_t hi, ana_heap_hook hook, void *ctx) {
  struct replay r = {h, hook, ctx};
  h->t = t;
  h->alloc_trace = ana_trace_is_alloc(t);
  int rc = ana_trace_scan_batch(t, TRC_SCAN_SEQ, 1, hi, replay_cb, &r);
  if (rc == HR_ENOMEM) ana_trace_fail(t, rc, "out of memory");
  return rc;
}

/* --- roots and reachability ------------------------------------------------------ */

static int push_root(ana_root **v, size_t *n, size_t *cap, uint64_t frame, const ana_slot *sl, int live) {
  if (*n == *cap) {
    ana_root *nv = hr_grow(*v, &*cap, *n + 1, sizeof *nv, 64);
    if (!nv) return HR_ENOMEM;
    *v = nv;
  }
  ana_root *r = &(*v)[(*n)++];
  r->frame = frame;
  r->kind = sl->kind;
  r->arg = sl->arg;
  r->obj = sl->obj;
  r->live = (uint8_t)live;
  return HR_OK;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

int ana_heap_roots(const ana_heap *h, ana_root **out, size_t *n) {
  ana_root *v = NULL;
  size_t cnt = 0, cap = 0, nf = 0;
  int rc = HR_OK;
  *out = NULL;
  *n = 0;
  const ana_frame **frames = ana_state_frames(h->s, &nf);
  if (!frames && ana_state_nframes(h->s)) return HR_ENOMEM;
  for (size_t i = 0; rc == HR_OK && i < nf; i++)
    for (uint32_t k = 0; rc == HR_OK && k < frames[i]->slots.n; k++)
      if (frames[i]->slots.v[k].obj) rc = push_root(&v, &cnt, &cap, frames[i]->id, &frames[i]->slots.v[k], 1);
  hr_free(frames);
  /* Kept globals by frame id, so the order does not depend on the hash. */
  uint64_t *ids = rc == HR_OK ? hr_malloc((h->kept.n ? h->kept.n : 1) * sizeof *ids) : NULL;
  if (rc == HR_OK && !ids) rc = HR_ENOMEM;
  size_t nk = 0, pos = 0;
  uint64_t key;
  while (rc == HR_OK && ana_map_next(&h->kept, &pos, &key, NULL)) ids[nk++] = key;
  if (rc == HR_OK) qsort(ids, nk, sizeof *ids, cmp_u64);
  for (size_t i = 0; rc == HR_OK && i < nk; i++) {
    const ana_slots *sl = ana_map_get(&h->kept, ids[i]);
    for (uint32_t k = 0; rc == HR_OK && k < sl->n; k++)
      if (sl->v[k].obj) rc = push_root(&v, &cnt, &cap, ids[i], &sl->v[k], 0);
  }
  hr_free(ids);
  if (rc) {
    hr_free(v);
    return rc;
  }
  *out = v;
  *n = cnt;
  return HR_OK;
}

void ana_heap_reach_free(ana_map *m) {
  size_t pos = 0;
  void *v;
  while (ana_map_next(m, &pos, NULL, &v)) hr_free(v);
  ana_map_reset(m);
}

static int reach_one(ana_map *m, uint64_t **q, size_t *n, size_t *cap, uint64_t obj,
                     const ana_reach *how) {
  ana_reach *r = hr_malloc(sizeof *r);
  if (!r) return HR_ENOMEM;
  *r = *how;
  if (ana_map_put(m, obj, r)) {
    hr_free(r);
    return HR_ENOMEM;
  }
  if (*n == *cap) {
    uint64_t *nq = hr_grow(*q, &*cap, *n + 1, sizeof *nq, 256);
    if (!nq) return HR_ENOMEM;
    *q = nq;
  }
  (*q)[(*n)++] = obj;
  return HR_OK;
}

int ana_heap_reach(const ana_heap *h, const ana_root *roots, size_t nroots, ana_map *out) {
  uint64_t *q = NULL;
  size_t n = 0, cap = 0;
  int rc = HR_OK;
  ana_map_init(out);
  for (size_t i = 0; rc == HR_OK && i < nroots; i++) {
    uint64_t id = roots[i].obj;
    if (!id || ana_map_get(out, id) || !ana_state_obj(h->s, id)) continue;
    ana_reach how = {0, i, 1, roots[i].kind};
    rc = reach_one(out, &q, &n, &cap, id, &how);
  }
  /* Breadth first, so the path kept for each object is a shortest one. */
  for (size_t i = 0; rc == HR_OK && i < n; i++) {
    const ana_obj *o = ana_state_obj(h->s, q[i]);
    const ana_reach *from = ana_map_get(out, q[i]);
    for (uint32_t k = 0; rc == HR_OK && o && k < o->slots.n; k++) {
      uint64_t id = o->slots.v[k].obj;
      if (!id || ana_map_get(out, id) || !ana_state_obj(h->s, id)) continue;
      ana_reach how = {q[i], o->slots.v[k].arg, from->depth + 1, o->slots.v[k].kind};
      rc = reach_one(out, &q, &n, &cap, id, &how);
    }
  }
  hr_free(q);
  if (rc) ana_heap_reach_free(out);
  return rc;
}

/* --- labels ------------------------------------------------------------------------ */

void ana_heap_slot_label(ana_trace *t, const ana_heap *h, int kind, uint64_t arg,
                         char *buf, size_t n) {
  ana_slot_label(t, h->s, kind, arg, buf, n);
}

/* The module a file holds, as its importer names it: the file's base name
** less ".py", a package's directory for its __init__.py. */
static void module_of_file(const char *file, char *buf, size_t n) {
  const char *base = strrchr(file, '/');
  const char *dir = file;
  size_t dlen = 0;
  if (base) {
    dlen = (size_t)(base - file);
    base++;
  } else {
    base = file;
  }
  size_t len = strlen(base);
  if (len > 3 && strcmp(base + len - 3, ".py") == 0) len -= 3;
  if (len == 8 && strncmp(base, "__init__", 8) == 0 && dlen) {
    const char *p = dir + dlen;
    while (p > dir && p[-1] != '/') p--;
    base = p;
    len = (size_t)(dir + dlen - p);
  }
  snprintf(buf, n, "%.*s", (int)len, base);
}

void ana_heap_root_label(ana_trace *t, const ana_root *r, char *buf, size_t n) {
  const char *name = ana_trace_string(t, r->arg);
  const char *kind = trc_slot_name(r->kind);
  if (r->kind == TRC_SLOT_GLOBAL) {
    /* Another module's global says whose it is: `global 'helper._registry'`. */
    const ana_frame_info *fi = ana_trace_frame_info(t, r->frame);
    ana_loc l = fi ? ana_trace_location(t, fi->location) : (ana_loc){"?", "?", 0, 0};
    uint64_t main = ana_trace_main_file(t);
    char mod[128];
    if (fi && main && l.file_sid && l.file_sid != main && strcmp(l.file, "?") != 0) {
      module_of_file(l.file, mod, sizeof mod);
      snprintf(buf, n, "global '%s.%s'", mod, name);
    } else {
      snprintf(buf, n, "global '%s'", name);
    }
    return;
  }
  const ana_frame_info *fi = ana_trace_frame_info(t, r->frame);
  const char *fn = fi ? ana_trace_location(t, fi->location).function : "?";
  snprintf(buf, n, "%s '%s' in %s", kind ? kind : "slot", name, fn);
}

size_t ana_heap_path(ana_trace *t, const ana_heap *h, const ana_map *reach,
                     const ana_root *roots, uint64_t obj, char (*labels)[160], size_t max) {
  const ana_reach *r = ana_map_get(reach, obj);
  if (!r || !max) return 0;
  size_t len = r->depth < max ? r->depth : max;   /* deeper paths keep their root end */
  /* Walk up from obj; step d (1 = the root's slot) lands at index d - 1. */
  for (uint64_t cur = obj; r; r = cur ? ana_map_get(reach, cur) : NULL) {
    size_t at = r->depth - 1;
    if (r->depth == 1) {
      ana_heap_root_label(t, &roots[r->arg], labels[0], sizeof labels[0]);
      break;
    }
    if (at < len) ana_heap_slot_label(t, h, r->kind, r->arg, labels[at], sizeof labels[at]);
    cur = r->from;
  }
  return len;
}
