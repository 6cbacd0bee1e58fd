/* ana_refs.c — referrers, paths from roots and retained size of one object. */
#include "ana_refs.h"

#include <stdlib.h>
#include <string.h>

#include "ana_implied.h"
#include "hr_mem.h"
#include "hr_status.h"

/* Steps of the path walk before it gives up, so a much-shared object cannot
** make it run for ever. */
#define WALK_BUDGET 2000000

/* Every reference in the heap, by referent. */
typedef struct edge {
  uint64_t to;
  ana_ref ref;
} edge;

struct walk {
  ana_refs *r;
  const edge *e;
  size_t ne;
  ana_map on_path;     /* object id -> 1 while on the current path */
  ana_ref *stack;      /* the hops from obj up, innermost first */
  size_t depth, max_depth, max_paths, capho, nho;
  uint64_t budget;
  int rc;
};

static int cmp_edge(const void *a, const void *b) {
  const edge *x = a, *y = b;
  if (x->to != y->to) return x->to < y->to ? -1 : 1;
  /* Roots (holder 0) first, then holders by id. */
  if (x->ref.holder != y->ref.holder) return x->ref.holder < y->ref.holder ? -1 : 1;
  return x->ref.root < y->ref.root ? -1 : x->ref.root > y->ref.root;
}

static int collect(const ana_refs *r, edge **out, size_t *n) {
  size_t cap = 0, cnt = 0, nobj = 0;
  edge *v = NULL;
  int rc = HR_OK;
  for (size_t i = 0; rc == HR_OK && i < r->nroots; i++) {
    if (!r->roots[i].obj) continue;
    if (cnt == cap && !(v = hr_grow(v, &cap, cnt + 1, sizeof *v, 1024))) return HR_ENOMEM;
    v[cnt++] = (edge){r->roots[i].obj, {0, i, r->roots[i].kind, r->roots[i].arg}};
  }
  const ana_obj **all = ana_state_objs(ana_heap_state(r->heap), &nobj);
  if (!all && nobj) rc = HR_ENOMEM;
  for (size_t i = 0; rc == HR_OK && i < nobj; i++)
    for (uint32_t k = 0; k < all[i]->slots.n; k++) {
      const ana_slot *sl = &all[i]->slots.v[k];
      if (!sl->obj) continue;
      if (cnt == cap) {
        edge *nv = hr_grow(v, &cap, cnt + 1, sizeof *nv, 1024);
        if (!nv) {
          rc = HR_ENOMEM;
          break;
        }
        v = nv;
      }
      v[cnt++] = (edge){sl->obj, {all[i]->id, 0, sl->kind, sl->arg}};
    }
  hr_free(all);
  if (rc) {
    hr_free(v);
    return rc;
  }
  if (cnt) qsort(v, cnt, sizeof *v, cmp_edge);
  *out = v;
  *n = cnt;
  return HR_OK;
}

static size_t first_edge(const edge *e, size_t n, uint64_t to) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (e[mid].to < to) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/* A whole path: the stack reversed, root first. */
static int emit(struct walk *w) {
  ana_refs *r = w->r;
  size_t need = w->nho + w->depth;
  if (need > w->capho) {
    ana_ref *nh = hr_grow(r->hops, &w->capho, need, sizeof *nh, 256);
    if (!nh) return HR_ENOMEM;
    r->hops = nh;
  }
  size_t *ns = hr_realloc(r->path_start, (r->npaths + 2) * sizeof *ns);
  if (!ns) return HR_ENOMEM;
  r->path_start = ns;
  ns[r->npaths] = w->nho;
  for (size_t i = w->depth; i-- > 0;) r->hops[w->nho++] = w->stack[i];
  ns[++r->npaths] = w->nho;
  return HR_OK;
}

static void walk_up(struct walk *w, uint64_t obj) {
  if (w->rc || w->r->npaths >= w->max_paths) return;
  if (!w->budget--) {
    w->r->truncated = 1;
    return;
  }
  for (size_t i = first_edge(w->e, w->ne, obj); i < w->ne && w->e[i].to == obj && !w->rc; i++) {
    const ana_ref *ref = &w->e[i].ref;
    if (w->r->npaths >= w->max_paths) {
      w->r->truncated = 1;
      return;
    }
    if (ref->holder && ana_map_get(&w->on_path, ref->holder)) continue;
    if (w->depth >= w->max_depth) {
      w->r->truncated = 1;
      return;
    }
    w->stack[w->depth++] = *ref;
    if (!ref->holder) {
      w->rc = emit(w);
    } else if (ana_map_put(&w->on_path, ref->holder, (void *)1)) {
      w->rc = HR_ENOMEM;
    } else {
      walk_up(w, ref->holder);
      ana_map_del(&w->on_path, ref->holder);
    }
    w->depth--;
  }
}

int ana_refs_compute(ana_trace *t, uint64_t seq, uint64_t obj, uint32_t max_depth,
                     size_t max_paths, ana_refs *r) {
  memset(r, 0, sizeof *r);
  r->obj = obj;
  r->heap = ana_heap_new();
  if (!r->heap) return ana_trace_fail(t, HR_ENOMEM, "out of memory");
  int rc = seq ? ana_heap_replay(t, r->heap, seq, NULL, NULL) : HR_OK;
  if (rc) return rc;
  if (!ana_state_obj(ana_heap_state(r->heap), obj))
    return ana_trace_fail(t, HR_ENOTFOUND, "object #%llu is not alive at that point",
                          (unsigned long long)obj);
  rc = ana_implied_add(t, r->heap, NULL);
  if (rc == HR_OK) rc = ana_heap_roots(r->heap, &r->roots, &r->nroots);
  if (rc == HR_OK) rc = ana_dom_build(r->heap, r->roots, r->nroots, &r->dom);
  if (rc == HR_OK) r->retained_bytes = ana_dom_retained(&r->dom, obj, &r->retained_count);
  edge *e = NULL;
  size_t ne = 0;
  if (rc == HR_OK) rc = collect(r, &e, &ne);
  /* Direct referrers. */
  size_t lo = rc == HR_OK ? first_edge(e, ne, obj) : ne, hi = lo;
  while (hi < ne && e[hi].to == obj) hi++;
  if (rc == HR_OK && hi > lo) {
    r->direct = hr_malloc((hi - lo) * sizeof *r->direct);
    if (!r->direct) rc = HR_ENOMEM;
    for (size_t i = lo; rc == HR_OK && i < hi; i++) r->direct[r->ndirect++] = e[i].ref;
  }
  struct walk w;
  memset(&w, 0, sizeof w);
  w.r = r;
  w.e = e;
  w.ne = ne;
  w.max_depth = max_depth ? max_depth : 1;
  w.max_paths = max_paths ? max_paths : 1;
  w.budget = WALK_BUDGET;
  ana_map_init(&w.on_path);
  if (rc == HR_OK && !(w.stack = hr_malloc((w.max_depth + 1) * sizeof *w.stack))) rc = HR_ENOMEM;
  if (rc == HR_OK && ana_map_put(&w.on_path, obj, (void *)1)) rc = HR_ENOMEM;
  if (rc == HR_OK) {
    walk_up(&w, obj);
    rc = w.rc;
  }
  ana_map_reset(&w.on_path);
  hr_free(w.stack);
  hr_free(e);
  if (rc == HR_ENOMEM) ana_trace_fail(t, rc, "out of memory");
  return rc;
}

void ana_refs_reset(ana_refs *r) {
  ana_heap_free(r->heap);
  hr_free(r->roots);
  ana_dom_reset(&r->dom);
  hr_free(r->direct);
  hr_free(r->hops);
  hr_free(r->path_start);
  memset(r, 0, sizeof *r);
}
