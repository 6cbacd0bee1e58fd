/* ana_dom.c — dominators by Cooper, Harvey and Kennedy; retained sizes from them. */
#include "ana_dom.h"

#include <string.h>

#include "hr_mem.h"
#include "hr_status.h"

#define UNDEF UINT32_MAX

/* Successors in compressed rows: succ[start[v] .. start[v + 1]). */
struct graph {
  uint32_t *start, *succ;
  size_t nedges;
};

static uint32_t node_of(const ana_dom *d, uint64_t id) {
  return (uint32_t)(uintptr_t)ana_map_get(&d->index, id);   /* node numbers are 1-based: 0 absent */
}

/* Count (succ NULL) or fill the edges of object nodes 1..n-1. */
static size_t object_edges(const ana_dom *d, const ana_state *s, struct graph *g, int fill) {
  size_t e = 0;
  for (size_t v = 1; v < d->n; v++) {
    const ana_obj *o = ana_state_obj(s, d->ids[v]);
    if (fill) g->start[v] = (uint32_t)e;
    for (uint32_t k = 0; o && k < o->slots.n; k++) {
      uint32_t w = o->slots.v[k].obj ? node_of(d, o->slots.v[k].obj) : 0;
      if (!w) continue;
      if (fill) g->succ[e] = w;
      e++;
    }
  }
  return e;
}

/* Mark everything reachable from v (iterative, with the given stack). */
static void mark_from(const struct graph *g, uint32_t v, uint8_t *seen, uint32_t *stack) {
  size_t sp = 0;
  if (seen[v]) return;
  seen[v] = 1;
  stack[sp++] = v;
  while (sp) {
    uint32_t u = stack[--sp];
    for (uint32_t i = g->start[u]; i < g->start[u + 1]; i++)
      if (!seen[g->succ[i]]) {
        seen[g->succ[i]] = 1;
        stack[sp++] = g->succ[i];
      }
  }
}

static uint32_t intersect(const uint32_t *idom, const uint32_t *po, uint32_t a, uint32_t b) {
  while (a != b) {
    while (po[a] < po[b]) a = idom[a];
    while (po[b] < po[a]) b = idom[b];
  }
  return a;
}

int ana_dom_build(const ana_heap *h, const ana_root *roots, size_t nroots, ana_dom *d) {
  memset(d, 0, sizeof *d);
  ana_map_init(&d->index);
  const ana_state *s = ana_heap_state(h);
  size_t nobj = 0;
  const ana_obj **all = ana_state_objs(s, &nobj);
  if (!all && ana_state_nobjs(s)) return HR_ENOMEM;
  size_t n = nobj + 1;
  d->n = n;
  d->ids = hr_calloc(n, sizeof *d->ids);
  d->idom = hr_malloc(n * sizeof *d->idom);
  d->bytes = hr_calloc(n, sizeof *d->bytes);
  d->count = hr_calloc(n, sizeof *d->count);
  struct graph g = {hr_calloc(n + 1, sizeof(uint32_t)), NULL, 0};
  uint32_t *stack = NULL, *order = NULL, *po = NULL, *pstart = NULL, *pred = NULL;
  uint8_t *seen = hr_calloc(n, 1);
  int rc = d->ids && d->idom && d->bytes && d->count && g.start && seen ? HR_OK : HR_ENOMEM;
  for (size_t i = 0; rc == HR_OK && i < nobj; i++) {
    d->ids[i + 1] = all[i]->id;
    if (ana_map_put(&d->index, all[i]->id, (void *)(uintptr_t)(i + 1))) rc = HR_ENOMEM;
  }
  /* The pseudo-root's edges: roots, objects older than the recording, then
  ** (below) the first unreached object of each unreached part. At most
  ** nroots + 2 * nobj of them; the object edges follow. */
  size_t nobj_edges = rc == HR_OK ? object_edges(d, s, &g, 0) : 0;
  size_t cap = nroots + 2 * nobj + nobj_edges + 1;
  if (rc == HR_OK && !(g.succ = hr_malloc(cap * sizeof *g.succ))) rc = HR_ENOMEM;
  if (rc == HR_OK && !(stack = hr_malloc((cap + n) * sizeof *stack))) rc = HR_ENOMEM;
  size_t e0 = 0;
  uint32_t *root_succ = NULL;
  if (rc == HR_OK && !(root_succ = hr_malloc((nroots + 2 * nobj + 1) * sizeof *root_succ))) rc = HR_ENOMEM;
  for (size_t i = 0; rc == HR_OK && i < nroots; i++) {
    uint32_t w = roots[i].obj ? node_of(d, roots[i].obj) : 0;
    if (w) root_succ[e0++] = w;
  }
  for (size_t i = 0; rc == HR_OK && i < nobj; i++)
    if (all[i]->preexisting) root_succ[e0++] = (uint32_t)(i + 1);
  if (rc == HR_OK) {
    object_edges(d, s, &g, 1);
    /* Node 0 has no row yet (an empty one): mark from its targets by hand. */
    g.start[0] = 0;
    g.start[n] = (uint32_t)nobj_edges;
    seen[0] = 1;
    for (size_t i = 0; i < e0; i++) mark_from(&g, root_succ[i], seen, stack);
    for (size_t v = 1; v < n; v++)
      if (!seen[v]) {
        root_succ[e0++] = (uint32_t)v;
        mark_from(&g, (uint32_t)v, seen, stack);
      }
  }
  hr_free(all);
  all = NULL;
  /* Rebuild the rows with node 0's edges first. */
  if (rc == HR_OK) {
    uint32_t *succ = hr_malloc((e0 + nobj_edges + 1) * sizeof *succ);
    if (!succ) rc = HR_ENOMEM;
    else {
      memcpy(succ, root_succ, e0 * sizeof *succ);
      memcpy(succ + e0, g.succ, nobj_edges * sizeof *succ);
      hr_free(g.succ);
      g.succ = succ;
      for (size_t v = 1; v <= n; v++) g.start[v] += (uint32_t)e0;
      g.start[0] = 0;
      g.nedges = e0 + nobj_edges;
    }
  }
  hr_free(root_succ);
  /* Postorder numbers by an iterative depth-first walk from node 0. */
  size_t norder = 0;
  if (rc == HR_OK) {
    order = hr_malloc(n * sizeof *order);
    po = hr_malloc(n * sizeof *po);
    uint32_t *next = hr_malloc(n * sizeof *next);
    if (!order || !po || !next) rc = HR_ENOMEM;
    if (rc == HR_OK) {
      memset(seen, 0, n);
      size_t sp = 0;
      stack[sp++] = 0;
      seen[0] = 1;
      next[0] = g.start[0];
      while (sp) {
        uint32_t u = stack[sp - 1];
        if (next[u] < g.start[u + 1]) {
          uint32_t w = g.succ[next[u]++];
          if (!seen[w]) {
            seen[w] = 1;
            next[w] = g.start[w];
            stack[sp++] = w;
          }
        } else {
          po[u] = (uint32_t)norder;
          order[norder++] = u;   /* postorder */
          sp--;
        }
      }
    }
    hr_free(next);
  }
  /* Predecessors, in compressed rows. */
  if (rc == HR_OK) {
    pstart = hr_calloc(n + 1, sizeof *pstart);
    pred = hr_malloc((g.nedges + 1) * sizeof *pred);
    if (!pstart || !pred) rc = HR_ENOMEM;
  }
  if (rc == HR_OK) {
    for (size_t i = 0; i < g.nedges; i++) pstart[g.succ[i] + 1]++;
    for (size_t v = 0; v < n; v++) pstart[v + 1] += pstart[v];
    uint32_t *fillp = stack;   /* reused as a cursor per node */
    memcpy(fillp, pstart, n * sizeof *fillp);
    for (size_t u = 0; u < n; u++)
      for (uint32_t i = g.start[u]; i < g.start[u + 1]; i++) pred[fillp[g.succ[i]]++] = (uint32_t)u;
    for (size_t v = 0; v < n; v++) d->idom[v] = UNDEF;
    d->idom[0] = 0;
    int changed = 1;
    while (changed) {
      changed = 0;
      for (size_t k = norder; k-- > 0;) {   /* reverse postorder */
        uint32_t v = order[k];
        if (v == 0) continue;
        uint32_t nd = UNDEF;
        for (uint32_t i = pstart[v]; i < pstart[v + 1]; i++) {
          uint32_t p = pred[i];
          if (d->idom[p] == UNDEF) continue;
          nd = nd == UNDEF ? p : intersect(d->idom, po, p, nd);
        }
        if (nd != UNDEF && d->idom[v] != nd) {
          d->idom[v] = nd;
          changed = 1;
        }
      }
    }
    /* Retained sizes: children before parents, which postorder gives. */
    for (size_t k = 0; k < norder; k++) {
      uint32_t v = order[k];
      if (v == 0) continue;
      const ana_obj *o = ana_state_obj(s, d->ids[v]);
      d->bytes[v] += o ? o->size : 0;
      d->count[v] += 1;
      uint32_t up = d->idom[v] == UNDEF ? 0 : d->idom[v];
      d->bytes[up] += d->bytes[v];
      d->count[up] += d->count[v];
    }
  }
  hr_free(all);
  hr_free(g.start);
  hr_free(g.succ);
  hr_free(stack);
  hr_free(order);
  hr_free(po);
  hr_free(pstart);
  hr_free(pred);
  hr_free(seen);
  if (rc) ana_dom_reset(d);
  return rc;
}

void ana_dom_reset(ana_dom *d) {
  hr_free(d->ids);
  hr_free(d->idom);
  hr_free(d->bytes);
  hr_free(d->count);
  ana_map_reset(&d->index);
  memset(d, 0, sizeof *d);
}

uint64_t ana_dom_retained(const ana_dom *d, uint64_t obj, uint64_t *count) {
  uint32_t v = d->n ? node_of(d, obj) : 0;
  if (count) *count = v ? d->count[v] : 0;
  return v ? d->bytes[v] : 0;
}

uint64_t ana_dom_idom(const ana_dom *d, uint64_t obj) {
  uint32_t v = d->n ? node_of(d, obj) : 0;
  return v && d->idom[v] != UNDEF ? d->ids[d->idom[v]] : 0;
}
