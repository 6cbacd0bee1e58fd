/* ana_scc.c — iterative Tarjan over a replayed heap. */
#include "ana_scc.h"

#include <stdlib.h>
#include <string.h>

#include "ana_map.h"
#include "hr_mem.h"
#include "hr_status.h"

struct tarjan {
  const ana_obj **obj;   /* node -> object */
  uint32_t *index;       /* 0: not visited yet */
  uint32_t *low;
  uint8_t *on;           /* on the component stack */
  uint32_t *stack, nstack;
  uint32_t *cs_node, *cs_edge, ncs;   /* the explicit call stack */
  ana_map map;           /* object id -> node + 1 */
  uint32_t counter;
  ana_scc *out;
  size_t nids, capids, capcomp;
};

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static void visit(struct tarjan *tj, uint32_t v) {
  tj->index[v] = tj->low[v] = ++tj->counter;
  tj->stack[tj->nstack++] = v;
  tj->on[v] = 1;
  tj->cs_node[tj->ncs] = v;
  tj->cs_edge[tj->ncs++] = 0;
}

static int self_ref(const ana_obj *o) {
  for (uint32_t k = 0; k < o->slots.n; k++)
    if (o->slots.v[k].obj == o->id) return 1;
  return 0;
}

/* Pop the component rooted at v; keep it when it is a cycle. */
static int emit(struct tarjan *tj, uint32_t v) {
  uint32_t first = tj->nstack;
  do first--; while (tj->stack[first] != v);
  uint32_t size = tj->nstack - first;
  for (uint32_t i = first; i < tj->nstack; i++) tj->on[tj->stack[i]] = 0;
  int keep = size > 1 || self_ref(tj->obj[v]);
  if (keep) {
    ana_scc *o = tj->out;
    if (tj->nids + size > tj->capids) {
      size_t ncap = tj->capids ? tj->capids * 2 : 64;
      while (ncap < tj->nids + size) ncap *= 2;
      uint64_t *ni = hr_realloc(o->ids, ncap * sizeof *ni);
      if (!ni) return HR_ENOMEM;
      o->ids = ni;
      tj->capids = ncap;
    }
    if (o->ncomp + 2 > tj->capcomp) {
      size_t ncap = tj->capcomp ? tj->capcomp * 2 : 16;
      size_t *ns = hr_realloc(o->start, ncap * sizeof *ns);
      if (!ns) return HR_ENOMEM;
      o->start = ns;
      tj->capcomp = ncap;
    }
    o->start[o->ncomp] = tj->nids;
    for (uint32_t i = first; i < tj->nstack; i++) o->ids[tj->nids++] = tj->obj[tj->stack[i]]->id;
    qsort(o->ids + o->start[o->ncomp], size, sizeof *o->ids, cmp_u64);
    o->ncomp++;
    o->start[o->ncomp] = tj->nids;
  }
  tj->nstack = first;
  return HR_OK;
}

static int run(struct tarjan *tj, uint32_t root) {
  visit(tj, root);
  while (tj->ncs) {
    uint32_t v = tj->cs_node[tj->ncs - 1];
    const ana_obj *o = tj->obj[v];
    uint32_t e = tj->cs_edge[tj->ncs - 1];
    if (e < o->slots.n) {
      tj->cs_edge[tj->ncs - 1] = e + 1;
      uint32_t w = (uint32_t)(uintptr_t)ana_map_get(&tj->map, o->slots.v[e].obj);
      if (!w--) continue;
      if (!tj->index[w]) visit(tj, w);
      else if (tj->on[w] && tj->index[w] < tj->low[v]) tj->low[v] = tj->index[w];
      continue;
    }
    tj->ncs--;
    if (tj->ncs) {
      uint32_t u = tj->cs_node[tj->ncs - 1];
      if (tj->low[v] < tj->low[u]) tj->low[u] = tj->low[v];
    }
    if (tj->low[v] == tj->index[v]) {
      int rc = emit(tj, v);
      if (rc) return rc;
    }
  }
  return HR_OK;
}

struct first { uint64_t id; size_t comp; };

static int cmp_first(const void *a, const void *b) {
  uint64_t x = ((const struct first *)a)->id, y = ((const struct first *)b)->id;
  return x < y ? -1 : x > y;
}

/* Sort components by their smallest member (the first, members being sorted). */
static int sort_components(ana_scc *c) {
  if (c->ncomp < 2) return HR_OK;
  struct first *order = hr_malloc(c->ncomp * sizeof *order);
  uint64_t *ids = hr_malloc(c->start[c->ncomp] * sizeof *ids);
  size_t *start = hr_malloc((c->ncomp + 1) * sizeof *start);
  if (!order || !ids || !start) {
    hr_free(order);
    hr_free(ids);
    hr_free(start);
    return HR_ENOMEM;
  }
  for (size_t i = 0; i < c->ncomp; i++) {
    order[i].id = c->ids[c->start[i]];
    order[i].comp = i;
  }
  qsort(order, c->ncomp, sizeof *order, cmp_first);
  size_t w = 0;
  for (size_t i = 0; i < c->ncomp; i++) {
    size_t k = order[i].comp;
    start[i] = w;
    memcpy(ids + w, c->ids + c->start[k], (c->start[k + 1] - c->start[k]) * sizeof *ids);
    w += c->start[k + 1] - c->start[k];
  }
  start[c->ncomp] = w;
  hr_free(order);
  hr_free(c->ids);
  hr_free(c->start);
  c->ids = ids;
  c->start = start;
  return HR_OK;
}

int ana_scc_find(const ana_state *s, const uint64_t *nodes, size_t n, ana_scc *out) {
  struct tarjan tj;
  memset(&tj, 0, sizeof tj);
  memset(out, 0, sizeof *out);
  tj.out = out;
  ana_map_init(&tj.map);
  const ana_obj **all = NULL;
  int rc = HR_OK;
  if (!nodes) {
    all = ana_state_objs(s, &n);
    if (!all && ana_state_nobjs(s)) return HR_ENOMEM;
  }
  if (n > UINT32_MAX - 1) return HR_ENOMEM;
  size_t m = n ? n : 1;
  tj.obj = hr_calloc(m, sizeof *tj.obj);
  tj.index = hr_calloc(m, sizeof *tj.index);
  tj.low = hr_calloc(m, sizeof *tj.low);
  tj.on = hr_calloc(m, 1);
  tj.stack = hr_calloc(m, sizeof *tj.stack);
  tj.cs_node = hr_calloc(m, sizeof *tj.cs_node);
  tj.cs_edge = hr_calloc(m, sizeof *tj.cs_edge);
  if (!tj.obj || !tj.index || !tj.low || !tj.on || !tj.stack || !tj.cs_node || !tj.cs_edge)
    rc = HR_ENOMEM;
  uint32_t nn = 0;
  for (size_t i = 0; rc == HR_OK && i < n; i++) {
    const ana_obj *o = all ? all[i] : ana_state_obj(s, nodes[i]);
    if (!o || ana_map_get(&tj.map, o->id)) continue;
    tj.obj[nn] = o;
    if (ana_map_put(&tj.map, o->id, (void *)(uintptr_t)(nn + 1))) rc = HR_ENOMEM;
    nn++;
  }
  for (uint32_t v = 0; rc == HR_OK && v < nn; v++)
    if (!tj.index[v]) rc = run(&tj, v);
  if (rc == HR_OK) rc = sort_components(out);
  hr_free(all);
  hr_free(tj.obj);
  hr_free(tj.index);
  hr_free(tj.low);
  hr_free(tj.on);
  hr_free(tj.stack);
  hr_free(tj.cs_node);
  hr_free(tj.cs_edge);
  ana_map_reset(&tj.map);
  if (rc) ana_scc_reset(out);
  return rc;
}

void ana_scc_reset(ana_scc *c) {
  hr_free(c->ids);
  hr_free(c->start);
  memset(c, 0, sizeof *c);
}
