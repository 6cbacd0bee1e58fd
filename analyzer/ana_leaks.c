/* ana_leaks.c — alive at the end, by site, with retention paths. */
#include "ana_leaks.h"

#include <stdlib.h>
#include <string.h>

#include "ana_implied.h"
#include "ana_scc.h"
#include "hr_mem.h"
#include "hr_status.h"

typedef struct member {
  uint32_t site;
  uint64_t type, id, size;
  uint32_t depth;      /* path length; UINT32_MAX when not reached */
} member;

static int cmp_member(const void *a, const void *b) {
  const member *x = a, *y = b;
  if (x->site != y->site) return x->site < y->site ? -1 : 1;
  if (x->type != y->type) return x->type < y->type ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_group(const void *a, const void *b) {
  const ana_leak_group *x = a, *y = b;
  if (x->bytes != y->bytes) return x->bytes > y->bytes ? -1 : 1;
  if (x->count != y->count) return x->count > y->count ? -1 : 1;
  return x->example < y->example ? -1 : x->example > y->example;
}

int ana_leaks_group(const ana_heap *h, const ana_map *reach, const uint64_t *ids, size_t n,
                    const ana_map *cyclic, ana_leak_group **out, size_t *nout) {
  const ana_state *s = ana_heap_state(h);
  *out = NULL;
  *nout = 0;
  if (!n) return HR_OK;
  member *m = hr_malloc(n * sizeof *m);
  if (!m) return HR_ENOMEM;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    const ana_obj *o = ana_state_obj(s, ids[i]);
    if (!o) continue;
    const ana_reach *r = reach ? ana_map_get(reach, o->id) : NULL;
    m[k].site = ana_heap_site_id(h, o->id);
    m[k].type = o->type;
    m[k].id = o->id;
    m[k].size = o->size;
    m[k].depth = r ? r->depth : UINT32_MAX;
    k++;
  }
  qsort(m, k, sizeof *m, cmp_member);
  ana_leak_group *g = hr_calloc(k ? k : 1, sizeof *g);
  if (!g) {
    hr_free(m);
    return HR_ENOMEM;
  }
  size_t ng = 0;
  for (size_t i = 0; i < k;) {
    ana_leak_group *cur = &g[ng++];
    cur->site = m[i].site;
    cur->type = m[i].type;
    uint32_t best = UINT32_MAX;
    cur->example = m[i].id;
    size_t j = i;
    for (; j < k && m[j].site == m[i].site && m[j].type == m[i].type; j++) {
      cur->count++;
      cur->bytes += m[j].size;
      if (m[j].depth < best) {
        best = m[j].depth;
        cur->example = m[j].id;
      }
      if (cyclic && ana_map_get(cyclic, m[j].id)) cur->in_cycle++;
    }
    i = j;
  }
  hr_free(m);
  qsort(g, ng, sizeof *g, cmp_group);
  *out = g;
  *nout = ng;
  return HR_OK;
}

/* Objects the program allocated, alive now, split by whether a root reaches
** them. What was made while none of the program's frames ran is not the
** program's: before its first instruction (step 0: the import machinery
** setting up __main__, its loader, __file__) or after its module frame
** returned (interpreter shutdown). A trace without steps cannot tell. */
static int split(ana_leaks *l, int has_steps, uint64_t **reached, size_t *nr,
                 uint64_t **unreached, size_t *nu) {
  size_t n;
  const ana_obj **all = ana_state_objs(ana_heap_state(l->heap), &n);
  *reached = *unreached = NULL;
  *nr = *nu = 0;
  if (!all) return ana_state_nobjs(ana_heap_state(l->heap)) ? HR_ENOMEM : HR_OK;
  *reached = hr_malloc(n * sizeof **reached);
  *unreached = hr_malloc(n * sizeof **unreached);
  if (!*reached || !*unreached) {
    hr_free(all);
    return HR_ENOMEM;
  }
  for (size_t i = 0; i < n; i++) {
    if (!ana_heap_is_programs(l->heap, all[i], has_steps)) continue;
    /* What the import system made and keeps out of the program's sight (its
    ** finders' caches, the compiler's node types) is the interpreter's. */
    const ana_site *site = ana_heap_site_of(l->heap, all[i]->id);
    if (site && site->importer && !ana_map_get(&l->reach, all[i]->id)) {
      l->import_count++;
      l->import_bytes += all[i]->size;
      continue;
    }
    l->count++;
    l->bytes += all[i]->size;
    if (ana_map_get(&l->reach, all[i]->id)) (*reached)[(*nr)++] = all[i]->id;
    else (*unreached)[(*nu)++] = all[i]->id;
  }
  hr_free(all);
  return HR_OK;
}

/* Among unreachable objects: those in a cycle, and those a cycle holds
** (reachable from one through other unreachable objects), into garbage;
** *cyclic gets the members of cycles themselves. */
static int find_garbage(const ana_state *s, const uint64_t *u, size_t n, ana_map *garbage,
                        ana_map *cyclic) {
  ana_scc c;
  if (!n) return HR_OK;   /* ana_scc_find would take no nodes as every object */
  int rc = ana_scc_find(s, u, n, &c);
  if (rc) return rc;
  size_t total = c.ncomp ? c.start[c.ncomp] : 0;
  uint64_t *q = hr_malloc((n ? n : 1) * sizeof *q);
  size_t nq = 0;
  if (!q) rc = HR_ENOMEM;
  for (size_t i = 0; rc == HR_OK && i < total; i++) {
    if (ana_map_put(cyclic, c.ids[i], (void *)1) || ana_map_put(garbage, c.ids[i], (void *)1)) rc = HR_ENOMEM;
    else q[nq++] = c.ids[i];
  }
  ana_scc_reset(&c);
  /* The unreachable set is closed under "refers to", except for objects a
  ** root reaches: those are not in it, so the walk checks membership. */
  ana_map in_u;
  ana_map_init(&in_u);
  for (size_t i = 0; rc == HR_OK && i < n; i++)
    if (ana_map_put(&in_u, u[i], (void *)1)) rc = HR_ENOMEM;
  for (size_t i = 0; rc == HR_OK && i < nq; i++) {
    const ana_obj *o = ana_state_obj(s, q[i]);
    for (uint32_t k = 0; rc == HR_OK && o && k < o->slots.n; k++) {
      uint64_t id = o->slots.v[k].obj;
      if (!id || !ana_map_get(&in_u, id) || ana_map_get(garbage, id)) continue;
      if (ana_map_put(garbage, id, (void *)1)) rc = HR_ENOMEM;
      else q[nq++] = id;
    }
  }
  ana_map_reset(&in_u);
  hr_free(q);
  return rc;
}

int ana_leaks_compute(ana_trace *t, ana_leaks *l) {
  memset(l, 0, sizeof *l);
  ana_map_init(&l->reach);
  ana_heap_end(t, &l->end_seq, &l->end_is_mark);
  l->heap = ana_heap_new();
  if (!l->heap) return ana_trace_fail(t, HR_ENOMEM, "out of memory");
  int rc = ana_heap_replay(t, l->heap, l->end_seq, NULL, NULL);
  if (rc) return rc;
  /* A live function holds its closure tuple and code: edges the trace implies. */
  rc = ana_implied_add(t, l->heap, NULL);
  if (rc == HR_OK) rc = ana_heap_roots(l->heap, &l->roots, &l->nroots);
  if (rc == HR_OK) rc = ana_heap_reach(l->heap, l->roots, l->nroots, &l->reach);
  uint64_t *reached = NULL, *unreached = NULL;
  size_t nr = 0, nu = 0;
  int has_steps = trc_reader_last_step(ana_trace_reader(t)) > 0;
  if (rc == HR_OK) rc = split(l, has_steps, &reached, &nr, &unreached, &nu);
  ana_map garbage, cyclic;
  ana_map_init(&garbage);
  ana_map_init(&cyclic);
  if (rc == HR_OK) rc = find_garbage(ana_heap_state(l->heap), unreached, nu, &garbage, &cyclic);
  /* Split unreachable objects into garbage (first) and the rest, in place. */
  size_t ng = 0;
  for (size_t i = 0; rc == HR_OK && i < nu; i++)
    if (ana_map_get(&garbage, unreached[i])) {
      uint64_t x = unreached[ng];
      unreached[ng++] = unreached[i];
      unreached[i] = x;
    }
  if (rc == HR_OK) rc = ana_leaks_group(l->heap, &l->reach, reached, nr, NULL, &l->groups, &l->ngroups);
  if (rc == HR_OK) rc = ana_leaks_group(l->heap, NULL, unreached, ng, &cyclic, &l->garbage, &l->ngarbage);
  if (rc == HR_OK)
    rc = ana_leaks_group(l->heap, NULL, unreached + ng, nu - ng, NULL, &l->unreached, &l->nunreached);
  ana_map_reset(&garbage);
  ana_map_reset(&cyclic);
  hr_free(reached);
  hr_free(unreached);
  if (rc == HR_ENOMEM) ana_trace_fail(t, rc, "out of memory");
  return rc;
}

void ana_leaks_reset(ana_leaks *l) {
  ana_heap_free(l->heap);
  hr_free(l->roots);
  ana_heap_reach_free(&l->reach);
  hr_free(l->groups);
  hr_free(l->garbage);
  hr_free(l->unreached);
  memset(l, 0, sizeof *l);
}
