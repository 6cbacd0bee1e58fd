/* ana_cycles.c — cycles alive at the end and cycles the collector freed. */
#include "ana_cycles.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ana_heap.h"
#include "ana_scc.h"
#include "ana_stacks.h"
#include "ana_view.h"
#include "hr_mem.h"
#include "hr_status.h"

/* --- building cycles ----------------------------------------------------------------- */

struct build {
  ana_trace *t;
  ana_heap *h;         /* borrowed: the heap the cycles are found in */
  int has_steps;       /* the trace has steps: step-0 objects are not the program's */
  ana_cycle **v;       /* the list being built (alive or collected) */
  size_t *n, cap;
};

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static void cycle_reset(ana_cycle *c) {
  for (size_t i = 0; i < c->nedges; i++) hr_free(c->edges[i].label);
  hr_free(c->members);
  hr_free(c->types);
  hr_free(c->edges);
  hr_free(c->loop);
  hr_free(c->shape);
}

/* One cycle from component ids[0..n) (ascending) of b's heap. */
static int make_cycle(const struct build *b, const uint64_t *ids, size_t n, uint64_t at_seq,
                      ana_cycle *c) {
  const ana_state *s = ana_heap_state(b->h);
  memset(c, 0, sizeof *c);
  c->at_seq = at_seq;
  c->members = hr_malloc(n * sizeof *c->members);
  c->types = hr_malloc(n * sizeof *c->types);
  if (!c->members || !c->types) return HR_ENOMEM;
  memcpy(c->members, ids, n * sizeof *ids);
  c->nmembers = n;
  size_t cap = 0;
  for (size_t i = 0; i < n; i++) {
    const ana_obj *o = ana_state_obj(s, ids[i]);
    c->types[i] = o ? o->type : 0;
    if (o && !o->preexisting && o->alloc_seq >= c->made_seq) {
      const ana_site *site = ana_heap_site_of(b->h, o->id);
      c->made_seq = o->alloc_seq;
      c->made_step = o->alloc_step;
      c->made_location = site ? site->location : 0;
    }
    for (uint32_t k = 0; o && k < o->slots.n; k++) {
      const ana_slot *sl = &o->slots.v[k];
      if (!sl->obj || !bsearch(&sl->obj, ids, n, sizeof *ids, cmp_u64)) continue;
      if (c->nedges == cap) {
        ana_cyc_edge *ne = hr_grow(c->edges, &cap, c->nedges + 1, sizeof *ne, 8);
        if (!ne) return HR_ENOMEM;
        c->edges = ne;
      }
      ana_cyc_edge *e = &c->edges[c->nedges++];
      e->holder = ids[i];
      e->kind = sl->kind;
      e->arg = sl->arg;
      e->obj = sl->obj;
      e->label = NULL;
      if (sl->kind == TRC_SLOT_KEY || sl->kind == TRC_SLOT_VALUE) {
        /* The key's value is in this heap; the trace may not say it later
        ** (an alloc trace has no objects rows to look it up by). */
        char buf[200];
        ana_slot_label(b->t, s, sl->kind, sl->arg, buf, sizeof buf);
        if (!(e->label = hr_strdup(buf))) return HR_ENOMEM;
      }
    }
  }
  return HR_OK;
}

/* Append the cycles of s among nodes (NULL: all objects) to b's list. */
static int add_cycles(struct build *b, const uint64_t *nodes, size_t n, uint64_t at_seq,
                      uint64_t gc_step) {
  const ana_state *s = ana_heap_state(b->h);
  ana_scc scc;
  int rc = ana_scc_find(s, nodes, n, &scc);
  for (size_t k = 0; rc == HR_OK && k < scc.ncomp; k++) {
    const uint64_t *ids = scc.ids + scc.start[k];
    size_t m = scc.start[k + 1] - scc.start[k];
    int ours = 0;
    for (size_t i = 0; i < m && !ours; i++) {
      const ana_obj *o = ana_state_obj(s, ids[i]);
      ours = o && ana_obj_is_programs(o, b->has_steps);
    }
    if (!ours) continue;
    if (*b->n == b->cap) {
      size_t ncap = b->cap ? b->cap * 2 : 16;
      ana_cycle *nv = hr_realloc(*b->v, ncap * sizeof *nv);
      if (!nv) {
        rc = HR_ENOMEM;
        break;
      }
      *b->v = nv;
      b->cap = ncap;
    }
    ana_cycle *c = &(*b->v)[*b->n];
    rc = make_cycle(b, ids, m, at_seq, c);
    c->gc_step = gc_step;
    (*b->n)++;
  }
  ana_scc_reset(&scc);
  return rc;
}

/* --- one replay, holding back each gc run until it ends ----------------------------- */

/* The events of a collector run are held back from the heap while the run
** goes on: at its end the heap is still the one just before the run, with
** the cycles intact, and the run's collector frees say which objects to look
** at. Then the held events are applied. One pass, no scan ahead for frees. */
struct snap {
  struct build b;
  int in_run;
  uint64_t run_seq, run_step;
  trc_event *held;
  size_t nheld, capheld;
  uint64_t *ids;       /* the run's collector frees */
  size_t nids, capids;
  uint64_t *frames;    /* frames called inside the run: finalizers (__del__) */
  size_t nframes, capframes;
  size_t runs;         /* runs that freed objects */
  ana_map groups;      /* hash of (type, site location) -> group index + 1 */
  ana_gc_group **freed;
  size_t *nfreed, capfreed;
  uint64_t nfree, collected;
};

static uint64_t group_key(uint64_t type, uint64_t location, uint64_t probe) {
  uint64_t k = ana_hash64(type * 0x9e3779b97f4a7c15ull ^ ana_hash64(location + probe * 0x632be59bd9b4e019ull));
  return k ? k : 1;
}

/* Count collector free ev (its object still in h) in its type and site's group. */
static int count_free(struct snap *sn, ana_heap *h, const trc_event *ev, uint64_t run_seq) {
  const ana_obj *o = ana_state_obj(ana_heap_state(h), ev->f[0]);
  const ana_site *site = o ? ana_heap_site_of(h, o->id) : NULL;
  uint64_t type = o ? o->type : 0, loc = site ? site->location : 0;
  ana_gc_group *g = NULL;
  uint64_t probe = 0, key;
  for (;; probe++) {
    key = group_key(type, loc, probe);
    uintptr_t k = (uintptr_t)ana_map_get(&sn->groups, key);
    if (!k) break;
    g = &(*sn->freed)[k - 1];
    if (g->type == type && g->location == loc) break;
    g = NULL;
  }
  if (!g) {
    if (*sn->nfreed == sn->capfreed) {
      ana_gc_group *nv = hr_grow(*sn->freed, &sn->capfreed, *sn->nfreed + 1, sizeof *nv, 16);
      if (!nv) return HR_ENOMEM;
      *sn->freed = nv;
    }
    g = &(*sn->freed)[(*sn->nfreed)++];
    memset(g, 0, sizeof *g);
    g->type = type;
    g->location = loc;
    g->example = ev->f[0];
    if (ana_map_put(&sn->groups, key, (void *)(uintptr_t)*sn->nfreed)) return HR_ENOMEM;
  }
  g->count++;
  if (!g->runs || g->last_run != run_seq) g->runs++;
  g->last_run = run_seq;
  sn->nfree++;
  return HR_OK;
}

static int push_u64(uint64_t **v, size_t *n, size_t *cap, uint64_t x) {
  if (*n == *cap) {
    uint64_t *nv = hr_grow(*v, &*cap, *n + 1, sizeof *nv, 64);
    if (!nv) return HR_ENOMEM;
    *v = nv;
  }
  (*v)[(*n)++] = x;
  return HR_OK;
}

/* End the held run: its cycles from the heap before it, then its events. */
static int end_run(struct snap *sn, ana_heap *h) {
  int rc = HR_OK;
  if (sn->nids) {
    sn->runs++;
    rc = add_cycles(&sn->b, sn->ids, sn->nids, sn->run_seq, sn->run_step);
  }
  for (size_t i = 0; rc == HR_OK && i < sn->nheld; i++) rc = ana_heap_apply(h, &sn->held[i]);
  sn->in_run = 0;
  sn->nheld = sn->nids = sn->nframes = 0;
  return rc;
}

static int run_frame(const struct snap *sn, uint64_t frame) {
  for (size_t i = sn->nframes; i-- > 0;)
    if (sn->frames[i] == frame) return 1;
  return 0;
}

static int snap_hook(void *ctx, ana_heap *h, const trc_event *ev) {
  struct snap *sn = ctx;
  int is_gc = ev->kind == TRC_EV_GC;
  int gc_free = ev->kind == TRC_EV_FREE && (ev->f[1] & TRC_FREE_GC);
  if (is_gc && ev->f[1] == TRC_GC_END) sn->collected += ev->f[2];
  if (!sn->in_run) {
    if (is_gc && ev->f[1] == TRC_GC_START) {
      sn->in_run = 1;
      sn->run_seq = ev->seq;
      sn->run_step = ev->step;
      return 0;
    }
    /* A collector free outside start / end (a damaged trace): the heap just before it. */
    if (gc_free) {
      sn->runs++;
      int rc = count_free(sn, h, ev, ev->seq);
      return rc ? rc : add_cycles(&sn->b, &ev->f[0], 1, ev->seq, ev->step);
    }
    return 0;
  }
  /* A run ends at its end event. Finalizers (__del__) run inside it, with
  ** steps of frames called in the run; a start with no end before it, or a
  ** step of a frame older than the run, ends it too in a damaged trace, so
  ** what is held stays bounded by one step's events and its finalizers'. */
  if (ev->kind == TRC_EV_CALL && push_u64(&sn->frames, &sn->nframes, &sn->capframes, ev->f[0]))
    return HR_ENOMEM;
  if (is_gc || (ev->kind == TRC_EV_STEP && !run_frame(sn, ev->f[0]))) {
    int rc = end_run(sn, h);
    if (rc) return rc;
    return is_gc && ev->f[1] == TRC_GC_END ? 0 : snap_hook(ctx, h, ev);
  }
  if (gc_free && (push_u64(&sn->ids, &sn->nids, &sn->capids, ev->f[0]) ||
                  count_free(sn, h, ev, sn->run_seq)))
    return HR_ENOMEM;
  if (sn->nheld == sn->capheld) {
    trc_event *nv = hr_grow(sn->held, &sn->capheld, sn->nheld + 1, sizeof *nv, 256);
    if (!nv) return HR_ENOMEM;
    sn->held = nv;
  }
  sn->held[sn->nheld++] = *ev;
  return ANA_HEAP_SKIP;
}

/* --- pass 3: the binds that closed each cycle -------------------------------------- */

static uint64_t edge_key(uint64_t holder, uint64_t kind, uint64_t arg) {
  uint64_t k = ana_hash64(holder * 0x9e3779b97f4a7c15ull ^ ana_hash64(arg + kind * 0x632be59bd9b4e019ull));
  return k ? k : 1;
}

struct closing {
  ana_map edges;       /* edge key -> ana_cyc_edge * */
  ana_map owner;       /* member id -> ana_cycle * */
  uint64_t step_loc;
};

static int index_cycles(struct closing *cl, ana_cycle *v, size_t n) {
  for (size_t i = 0; i < n; i++) {
    for (size_t k = 0; k < v[i].nmembers; k++)
      if (ana_map_put(&cl->owner, v[i].members[k], &v[i])) return HR_ENOMEM;
    for (size_t k = 0; k < v[i].nedges; k++) {
      const ana_cyc_edge *e = &v[i].edges[k];
      if (ana_map_put(&cl->edges, edge_key(e->holder, e->kind, e->arg), (void *)e)) return HR_ENOMEM;
    }
  }
  return HR_OK;
}

static int closing_cb(void *ctx, const trc_event *ev) {
  struct closing *cl = ctx;
  if (ev->kind == TRC_EV_STEP) cl->step_loc = ev->f[1];
  if (ev->kind != TRC_EV_BIND || TRC_SLOT_HOLDER_IS_FRAME(ev->f[1])) return 0;
  const ana_cyc_edge *e = ana_map_get(&cl->edges, edge_key(ev->f[0], ev->f[1], ev->f[2]));
  if (!e || e->holder != ev->f[0] || e->kind != ev->f[1] || e->arg != ev->f[2] || e->obj != ev->f[3])
    return 0;
  ana_cycle *c = ana_map_get(&cl->owner, e->holder);
  if (!c || ev->seq >= c->at_seq || ev->seq < c->close_seq) return 0;
  c->close_seq = ev->seq;
  c->close_step = ev->step;
  c->close_location = cl->step_loc;
  c->close_edge = (size_t)(e - c->edges);
  return 0;
}

/* --- one loop through the closing edge, and the shape ------------------------------- */

static size_t member_index(const ana_cycle *c, uint64_t id) {
  const uint64_t *p = bsearch(&id, c->members, c->nmembers, sizeof id, cmp_u64);
  return p ? (size_t)(p - c->members) : SIZE_MAX;
}

/* Edges are grouped by holder in member order: the first edge of holder id. */
static size_t first_edge(const ana_cycle *c, uint64_t id) {
  size_t lo = 0, hi = c->nedges;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (c->edges[mid].holder < id) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/* Breadth first from the closing edge's target back to its holder. */
static int find_loop(ana_cycle *c) {
  if (!c->nedges) return HR_OK;
  const ana_cyc_edge *ce = &c->edges[c->close_edge];
  size_t *via = hr_malloc(c->nmembers * sizeof *via);
  size_t *q = hr_malloc(c->nmembers * sizeof *q);
  c->loop = hr_malloc(c->nmembers * sizeof *c->loop + sizeof *c->loop);
  if (!via || !q || !c->loop) {
    hr_free(via);
    hr_free(q);
    return HR_ENOMEM;
  }
  for (size_t i = 0; i < c->nmembers; i++) via[i] = SIZE_MAX;
  size_t start = member_index(c, ce->obj), goal = member_index(c, ce->holder), nq = 0;
  c->loop[0] = c->close_edge;
  c->nloop = 1;
  if (start != goal && start != SIZE_MAX && goal != SIZE_MAX) {
    via[start] = c->close_edge;
    q[nq++] = start;
    for (size_t i = 0; i < nq && via[goal] == SIZE_MAX; i++) {
      uint64_t u = c->members[q[i]];
      for (size_t k = first_edge(c, u); k < c->nedges && c->edges[k].holder == u; k++) {
        size_t w = member_index(c, c->edges[k].obj);
        if (w == SIZE_MAX || via[w] != SIZE_MAX) continue;
        via[w] = k;
        q[nq++] = w;
      }
    }
    /* Read the path back from goal to start, then reverse it after the closing edge. */
    size_t n = 0;
    for (size_t w = goal; via[w] != SIZE_MAX && w != start && n < c->nmembers; n++) {
      c->loop[1 + n] = via[w];
      w = member_index(c, c->edges[via[w]].holder);
    }
    for (size_t i = 0; i < n / 2; i++) {
      size_t x = c->loop[1 + i];
      c->loop[1 + i] = c->loop[n - i];
      c->loop[n - i] = x;
    }
    c->nloop = 1 + n;
  }
  hr_free(via);
  hr_free(q);
  return HR_OK;
}

void ana_cycles_edge_label(ana_trace *t, const ana_cyc_edge *e, char *buf, size_t n) {
  if (e->label) snprintf(buf, n, "%s", e->label);
  else ana_slot_label(t, NULL, e->kind, e->arg, buf, n);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Types sorted, then the loop's slots sorted with indexes and keys left out:
** `Node, Node: attr 'peer', attr 'peer'`. */
static int make_shape(ana_trace *t, ana_cycle *c) {
  size_t n = c->nmembers + c->nloop;
  const char **parts = hr_malloc((n ? n : 1) * sizeof *parts);
  char (*lab)[96] = hr_malloc((c->nloop ? c->nloop : 1) * sizeof *lab);
  if (!parts || !lab) {
    hr_free(parts);
    hr_free(lab);
    return HR_ENOMEM;
  }
  size_t len = 4;
  for (size_t i = 0; i < c->nmembers; i++) {
    parts[i] = ana_trace_type_name(t, c->types[i]);
    len += strlen(parts[i]) + 2;
  }
  for (size_t i = 0; i < c->nloop; i++) {
    const ana_cyc_edge *e = &c->edges[c->loop[i]];
    const char *k = trc_slot_name(e->kind);
    if (e->kind == TRC_SLOT_ITEM || e->kind == TRC_SLOT_KEY || e->kind == TRC_SLOT_VALUE ||
        e->kind == TRC_SLOT_CLOSURE)
      snprintf(lab[i], sizeof lab[i], "%s[]", k);
    else
      ana_slot_label(t, NULL, e->kind, e->arg, lab[i], sizeof lab[i]);
    parts[c->nmembers + i] = lab[i];
    len += strlen(lab[i]) + 2;
  }
  qsort(parts, c->nmembers, sizeof *parts, cmp_str);
  qsort(parts + c->nmembers, c->nloop, sizeof *parts, cmp_str);
  c->shape = hr_malloc(len);
  if (c->shape) {
    char *p = c->shape;
    for (size_t i = 0; i < n; i++) {
      const char *sep = i == 0 ? "" : i == c->nmembers ? ": " : ", ";
      p += sprintf(p, "%s%s", sep, parts[i]);
    }
    *p = '\0';
  }
  hr_free(parts);
  hr_free(lab);
  return c->shape ? HR_OK : HR_ENOMEM;
}

static int finish(ana_trace *t, ana_cycle *v, size_t n) {
  for (size_t i = 0; i < n; i++) {
    int rc = find_loop(&v[i]);
    if (rc == HR_OK) rc = make_shape(t, &v[i]);
    if (rc) return rc;
  }
  return HR_OK;
}

/* --- the whole computation ---------------------------------------------------------- */

static int cmp_group(const void *a, const void *b) {
  const ana_gc_group *x = a, *y = b;
  if (x->count != y->count) return x->count > y->count ? -1 : 1;
  return x->example < y->example ? -1 : x->example > y->example;
}

static int mark_reachable(ana_heap *h, ana_cycles *c) {
  ana_root *roots = NULL;
  size_t nroots = 0;
  ana_map reach;
  int rc = ana_heap_roots(h, &roots, &nroots);
  if (rc == HR_OK) rc = ana_heap_reach(h, roots, nroots, &reach);
  hr_free(roots);
  if (rc) return rc;
  for (size_t i = 0; i < c->nalive; i++)
    for (size_t k = 0; k < c->alive[i].nmembers && !c->alive[i].reachable; k++)
      c->alive[i].reachable = ana_map_get(&reach, c->alive[i].members[k]) != NULL;
  ana_heap_reach_free(&reach);
  return HR_OK;
}

int ana_cycles_compute(ana_trace *t, ana_cycles *c) {
  memset(c, 0, sizeof *c);
  ana_heap_end(t, &c->end_seq, &c->end_is_mark);
  ana_heap *h = ana_heap_new();
  struct snap sn;
  memset(&sn, 0, sizeof sn);
  sn.b.t = t;
  sn.b.h = h;
  sn.b.has_steps = trc_reader_last_step(ana_trace_reader(t)) > 0;
  c->has_steps = !ana_trace_is_alloc(t);
  ana_map_init(&sn.groups);
  sn.freed = &c->freed;
  sn.nfreed = &c->nfreed;
  sn.b.v = &c->collected;
  sn.b.n = &c->ncollected;
  int rc = h ? ana_heap_replay(t, h, c->end_seq, snap_hook, &sn) : HR_ENOMEM;
  if (rc == HR_OK && sn.in_run) rc = end_run(&sn, h);   /* the trace ends inside a run */
  c->gc_runs = sn.runs;
  c->freed_objects = sn.nfree;
  c->gc_collected = sn.collected;
  ana_map_reset(&sn.groups);
  if (c->nfreed) qsort(c->freed, c->nfreed, sizeof *c->freed, cmp_group);
  hr_free(sn.held);
  hr_free(sn.ids);
  hr_free(sn.frames);

  struct build alive = {t, h, sn.b.has_steps, &c->alive, &c->nalive, 0};
  if (rc == HR_OK) rc = add_cycles(&alive, NULL, 0, c->end_seq + 1, 0);
  if (rc == HR_OK) rc = mark_reachable(h, c);
  ana_heap_free(h);

  struct closing cl;
  memset(&cl, 0, sizeof cl);
  ana_map_init(&cl.edges);
  ana_map_init(&cl.owner);
  if (rc == HR_OK) rc = index_cycles(&cl, c->alive, c->nalive);
  if (rc == HR_OK) rc = index_cycles(&cl, c->collected, c->ncollected);
  if (rc == HR_OK && (c->nalive || c->ncollected))
    rc = ana_trace_scan(t, TRC_SCAN_SEQ, 1, c->end_seq, closing_cb, &cl);
  ana_map_reset(&cl.edges);
  ana_map_reset(&cl.owner);
  if (rc == HR_OK) rc = finish(t, c->alive, c->nalive);
  if (rc == HR_OK) rc = finish(t, c->collected, c->ncollected);
  if (rc == HR_ENOMEM) ana_trace_fail(t, rc, "out of memory");
  return rc;
}

void ana_cycles_reset(ana_cycles *c) {
  for (size_t i = 0; i < c->nalive; i++) cycle_reset(&c->alive[i]);
  for (size_t i = 0; i < c->ncollected; i++) cycle_reset(&c->collected[i]);
  hr_free(c->alive);
  hr_free(c->collected);
  hr_free(c->freed);
  memset(c, 0, sizeof *c);
}
