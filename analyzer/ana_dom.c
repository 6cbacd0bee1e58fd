/* ana_dom.c — dominators by Cooper, Harvey and Kennedy; retained sizes from them. */
#include "ana_dom.h"

#include <string.h>

#include "hr_mem.h"
#include "hr_status.h"

#define UNDEF UINT32_MAX

/* The graph in compressed rows: node v's successors are succ[start[v] ..
** start[v + 1]). The pseudo-root's row sits just before the objects' rows:
** its edges are known only once the objects' rows say what the roots reach. */
struct build {
  const ana_state *s;
  ana_dom *d;
  size_t n;            /* nodes, the pseudo-root included */
  uint32_t *start, *succ;
  size_t nedges;
  uint32_t *stack;     /* n entries: every walk pushes a node at most once */
  uint8_t *seen;
  uint32_t *order, *po;/* postorder, and each node's number in it */
  size_t norder;
  uint32_t *pstart, *pred;
};

static uint32_t node_of(const ana_dom *d, uint64_t id) {
  return (uint32_t)(uintptr_t)ana_map_get(&d->index, id);   /* node numbers are 1-based: 0 absent */
}

/* Count the objects' edges (succ NULL), or fill their rows from offset at. */
static size_t object_edges(struct build *b, uint32_t *succ, size_t at) {
  size_t e = at;
  for (size_t v = 1; v < b->n; v++) {
    const ana_obj *o = ana_state_obj(b->s, b->d->ids[v]);
    if (succ) b->start[v] = (uint32_t)e;
    for (uint32_t k = 0; o && k < o->slots.n; k++) {
      uint32_t w = o->slots.v[k].obj ? node_of(b->d, o->slots.v[k].obj) : 0;
      if (!w) continue;
      if (succ) succ[e] = w;
      e++;
    }
  }
  if (succ) b->start[b->n] = (uint32_t)e;
  return e - at;
}

/* Mark everything reachable from v. */
static void mark_from(struct build *b, uint32_t v) {
  size_t sp = 0;
  if (b->seen[v]) return;
  b->seen[v] = 1;
  b->stack[sp++] = v;
  while (sp) {
    uint32_t u = b->stack[--sp];
    for (uint32_t i = b->start[u]; i < b->start[u + 1]; i++)
      if (!b->seen[b->succ[i]]) {
        b->seen[b->succ[i]] = 1;
        b->stack[sp++] = b->succ[i];
      }
  }
}

/* Nodes for the live objects, in id order. */
static int index_nodes(struct build *b, const ana_obj **all, size_t nobj) {
  ana_dom *d = b->d;
  d->n = b->n = nobj + 1;
  d->ids = hr_calloc(b->n, sizeof *d->ids);
  d->idom = hr_malloc(b->n * sizeof *d->idom);
  d->bytes = hr_calloc(b->n, sizeof *d->bytes);
  d->count = hr_calloc(b->n, sizeof *d->count);
  b->start = hr_calloc(b->n + 1, sizeof *b->start);
  b->stack = hr_malloc(b->n * sizeof *b->stack);
  b->seen = hr_calloc(b->n, 1);
  if (!d->ids || !d->idom || !d->bytes || !d->count || !b->start || !b->stack || !b->seen) return HR_ENOMEM;
  for (size_t i = 0; i < nobj; i++) {
    d->ids[i + 1] = all[i]->id;
    if (ana_map_put(&d->index, all[i]->id, (void *)(uintptr_t)(i + 1))) return HR_ENOMEM;
  }
  return HR_OK;
}

/* The rows: the objects' references, then the pseudo-root's edges to the
** roots, to objects older than the recording, and to the first object of
** each part nothing before reached. */
static int build_graph(struct build *b, const ana_root *roots, size_t nroots, const ana_obj **all) {
  size_t nobj = b->n - 1, most = nroots + 2 * nobj;   /* the pseudo-root's edges at most */
  size_t nobj_edges = object_edges(b, NULL, 0);
  b->succ = hr_malloc((most + nobj_edges + 1) * sizeof *b->succ);
  uint32_t *mine = hr_malloc((most + 1) * sizeof *mine);
  if (!b->succ || !mine) {
    hr_free(mine);
    return HR_ENOMEM;
  }
  object_edges(b, b->succ, most);
  size_t e0 = 0;
  for (size_t i = 0; i < nroots; i++) {
    uint32_t w = roots[i].obj ? node_of(b->d, roots[i].obj) : 0;
    if (w) mine[e0++] = w;
  }
  for (size_t i = 0; i < nobj; i++)
    if (all[i]->preexisting) mine[e0++] = (uint32_t)(i + 1);
  b->start[0] = b->start[1];   /* an empty row while marking */
  b->seen[0] = 1;
  for (size_t i = 0; i < e0; i++) mark_from(b, mine[i]);
  for (size_t v = 1; v < b->n; v++)
    if (!b->seen[v]) {
      mine[e0++] = (uint32_t)v;
      mark_from(b, (uint32_t)v);
    }
  b->start[0] = (uint32_t)(most - e0);
  memcpy(b->succ + b->start[0], mine, e0 * sizeof *mine);
  b->nedges = e0 + nobj_edges;
  hr_free(mine);
  return HR_OK;
}

/* Postorder by an iterative depth-first walk from the pseudo-root. */
static int postorder(struct build *b) {
  uint32_t *next = hr_malloc(b->n * sizeof *next);
  b->order = hr_malloc(b->n * sizeof *b->order);
  b->po = hr_malloc(b->n * sizeof *b->po);
  if (!next || !b->order || !b->po) {
    hr_free(next);
    return HR_ENOMEM;
  }
  memset(b->seen, 0, b->n);
  size_t sp = 0;
  b->stack[sp++] = 0;
  b->seen[0] = 1;
  next[0] = b->start[0];
  while (sp) {
    uint32_t u = b->stack[sp - 1];
    if (next[u] < b->start[u + 1]) {
      uint32_t w = b->succ[next[u]++];
      if (!b->seen[w]) {
        b->seen[w] = 1;
        next[w] = b->start[w];
        b->stack[sp++] = w;
      }
    } else {
      b->po[u] = (uint32_t)b->norder;
      b->order[b->norder++] = u;
      sp--;
    }
  }
  hr_free(next);
  return HR_OK;
}

/* Predecessors in compressed rows, the same way round. */
static int predecessors(struct build *b) {
  b->pstart = hr_calloc(b->n + 1, sizeof *b->pstart);
  b->pred = hr_malloc((b->nedges + 1) * sizeof *b->pred);
  if (!b->pstart || !b->pred) return HR_ENOMEM;
  for (size_t u = 0; u < b->n; u++)
    for (uint32_t i = b->start[u]; i < b->start[u + 1]; i++) b->pstart[b->succ[i] + 1]++;
  for (size_t v = 0; v < b->n; v++) b->pstart[v + 1] += b->pstart[v];
  uint32_t *cur = b->stack;   /* a fill cursor per node */
  memcpy(cur, b->pstart, b->n * sizeof *cur);
  for (size_t u = 0; u < b->n; u++)
    for (uint32_t i = b->start[u]; i < b->start[u + 1]; i++) b->pred[cur[b->succ[i]]++] = (uint32_t)u;
  return HR_OK;
}

static uint32_t intersect(const uint32_t *idom, const uint32_t *po, uint32_t a, uint32_t b) {
  while (a != b) {
    while (po[a] < po[b]) a = idom[a];
    while (po[b] < po[a]) b = idom[b];
  }
  return a;
}

/* Cooper, Harvey and Kennedy: each node's dominator is the intersection of
** its processed predecessors' ones, over reverse postorder until nothing moves. */
static void dominators(struct build *b) {
  uint32_t *idom = b->d->idom;
  for (size_t v = 0; v < b->n; v++) idom[v] = UNDEF;
  idom[0] = 0;
  for (int changed = 1; changed;) {
    changed = 0;
    for (size_t k = b->norder; k-- > 0;) {
      uint32_t v = b->order[k], nd = UNDEF;
      if (v == 0) continue;
      for (uint32_t i = b->pstart[v]; i < b->pstart[v + 1]; i++) {
        uint32_t p = b->pred[i];
        if (idom[p] != UNDEF) nd = nd == UNDEF ? p : intersect(idom, b->po, p, nd);
      }
      if (nd != UNDEF && idom[v] != nd) {
        idom[v] = nd;
        changed = 1;
      }
    }
  }
}

/* Children come before their dominators in postorder: sum upwards. */
static void retained(struct build *b) {
  ana_dom *d = b->d;
  for (size_t k = 0; k < b->norder; k++) {
    uint32_t v = b->order[k];
    if (v == 0) continue;
    const ana_obj *o = ana_state_obj(b->s, d->ids[v]);
    d->bytes[v] += o ? o->size : 0;
    d->count[v] += 1;
    uint32_t up = d->idom[v] == UNDEF ? 0 : d->idom[v];
    d->bytes[up] += d->bytes[v];
    d->count[up] += d->count[v];
  }
}

int ana_dom_build(const ana_heap *h, const ana_root *roots, size_t nroots, ana_dom *d) {
  memset(d, 0, sizeof *d);
  ana_map_init(&d->index);
  struct build b;
  memset(&b, 0, sizeof b);
  b.s = ana_heap_state(h);
  b.d = d;
  size_t nobj = 0;
  const ana_obj **all = ana_state_objs(b.s, &nobj);
  int rc = !all && ana_state_nobjs(b.s) ? HR_ENOMEM : HR_OK;
  if (rc == HR_OK) rc = index_nodes(&b, all, nobj);
  if (rc == HR_OK) rc = build_graph(&b, roots, nroots, all);
  hr_free(all);
  if (rc == HR_OK) rc = postorder(&b);
  if (rc == HR_OK) rc = predecessors(&b);
  if (rc == HR_OK) {
    dominators(&b);
    retained(&b);
  }
  hr_free(b.start);
  hr_free(b.succ);
  hr_free(b.stack);
  hr_free(b.seen);
  hr_free(b.order);
  hr_free(b.po);
  hr_free(b.pstart);
  hr_free(b.pred);
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
