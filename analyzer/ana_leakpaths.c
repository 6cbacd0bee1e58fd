/* ana_leakpaths.c — shared retention paths and retained bytes per leak group. */
#include "ana_leakpaths.h"

#include <stdlib.h>
#include <string.h>

#include "ana_view.h"
#include "hr_mem.h"
#include "hr_status.h"

/* The idom chain is followed this far looking for a fellow member. */
#define DOM_CHAIN_MAX 256

static uint64_t group_key(uint32_t site, uint64_t type) {
  return ana_hash64(((uint64_t)site << 32) ^ type ^ 0x9e3779b97f4a7c15ull);
}

/* (site, type) -> 1 + index into groups; a collision probes the next key. */
static int index_groups(ana_map *m, const ana_leak_group *g, size_t n) {
  for (size_t i = 0; i < n; i++) {
    uint64_t k = group_key(g[i].site, g[i].type);
    while (ana_map_get(m, k ? k : 1)) k = ana_hash64(k + 1);
    if (ana_map_put(m, k ? k : 1, (void *)(uintptr_t)(i + 1))) return HR_ENOMEM;
  }
  return HR_OK;
}

static long find_group(const ana_map *m, const ana_leak_group *g, uint32_t site, uint64_t type) {
  uint64_t k = group_key(site, type);
  for (;;) {
    uintptr_t v = (uintptr_t)ana_map_get(m, k ? k : 1);
    if (!v) return -1;
    if (g[v - 1].site == site && g[v - 1].type == type) return (long)v - 1;
    k = ana_hash64(k + 1);
  }
}

/* The shape of obj's retention path: its root and each slot's kind, with
** names (attributes, globals, locals) but without indexes and keys. */
static uint64_t path_shape(const ana_leaks *l, uint64_t obj, uint32_t *depth) {
  const ana_reach *r = ana_map_get(&l->reach, obj);
  uint64_t h = 0x84222325cbf29ce4ull;
  *depth = r ? r->depth : 0;
  while (r) {
    uint64_t part = r->kind;
    if (r->depth == 1) {
      const ana_root *root = &l->roots[r->arg];
      part = ana_hash64(root->kind ^ root->arg << 8 ^ (root->kind == TRC_SLOT_GLOBAL ? 0 : root->frame << 20));
      h = ana_hash64(h ^ part);
      break;
    }
    /* Names count; an implied slot's referent id (ana_view.h) does not. */
    if (r->kind == TRC_SLOT_OTHER && (r->arg & ANA_SLOT_IMPLIED)) part ^= (r->arg & 0xff) << 8;
    else if (r->kind == TRC_SLOT_ATTR || r->kind == TRC_SLOT_OTHER) part ^= r->arg << 8;
    h = ana_hash64(h ^ part);
    r = ana_map_get(&l->reach, r->from);
  }
  return h;
}

struct shape { uint64_t hash, example, count; uint32_t depth; };

static int cmp_path(const void *a, const void *b) {
  const ana_leak_path *x = a, *y = b;
  if (x->count != y->count) return x->count > y->count ? -1 : 1;
  return x->example < y->example ? -1 : x->example > y->example;
}

static int add_shape(ana_leak_more *gm, size_t *cap, struct shape **sh, uint64_t hash,
                     uint64_t id, uint32_t depth) {
  for (size_t i = 0; i < gm->npaths; i++)
    if ((*sh)[i].hash == hash) {
      struct shape *s = &(*sh)[i];
      s->count++;
      if (depth < s->depth || (depth == s->depth && id < s->example)) {
        s->depth = depth;
        s->example = id;
      }
      return HR_OK;
    }
  if (gm->npaths == *cap) {
    struct shape *n = hr_grow(*sh, cap, gm->npaths + 1, sizeof *n, 4);
    if (!n) return HR_ENOMEM;
    *sh = n;
  }
  (*sh)[gm->npaths++] = (struct shape){hash, id, 1, depth};
  return HR_OK;
}

/* Whether a strict dominator of obj (close enough) is in the same group. */
static int dominated_in_group(const ana_leaks *l, const ana_dom *d, const ana_map *idx,
                              const ana_leak_group *g, long gi, uint64_t obj) {
  const ana_state *s = ana_heap_state(l->heap);
  uint64_t up = ana_dom_idom(d, obj);
  for (int k = 0; up && k < DOM_CHAIN_MAX; k++, up = ana_dom_idom(d, up)) {
    const ana_obj *o = ana_state_obj(s, up);
    if (o && find_group(idx, g, ana_heap_site_id(l->heap, up), o->type) == gi) return 1;
  }
  return 0;
}

/* Retained bytes and path shapes for the reachable groups g[0..n) into more[]. */
static int fill(const ana_leaks *l, const ana_dom *d, int has_steps, const ana_leak_group *g,
                size_t n, ana_leak_more *more) {
  if (!n) return HR_OK;
  ana_map idx;
  ana_map_init(&idx);
  int rc = index_groups(&idx, g, n);
  struct shape **sh = hr_calloc(n, sizeof *sh);
  size_t *caps = hr_calloc(n, sizeof *caps);
  if (!sh || !caps) rc = HR_ENOMEM;
  size_t nobj = 0;
  const ana_obj **all = rc == HR_OK ? ana_state_objs(ana_heap_state(l->heap), &nobj) : NULL;
  if (rc == HR_OK && !all && nobj) rc = HR_ENOMEM;
  for (size_t i = 0; rc == HR_OK && i < nobj; i++) {
    /* The members: the program's objects a root reaches, of the group's site and type. */
    if (!ana_map_get(&l->reach, all[i]->id) || !ana_heap_is_programs(l->heap, all[i], has_steps)) continue;
    long gi = find_group(&idx, g, ana_heap_site_id(l->heap, all[i]->id), all[i]->type);
    if (gi < 0) continue;
    if (!dominated_in_group(l, d, &idx, g, gi, all[i]->id))
      more[gi].retained += ana_dom_retained(d, all[i]->id, NULL);
    uint32_t depth;
    uint64_t h = path_shape(l, all[i]->id, &depth);
    rc = add_shape(&more[gi], &caps[gi], &sh[gi], h, all[i]->id, depth);
  }
  hr_free(all);
  for (size_t i = 0; sh && i < n; i++) {
    if (rc == HR_OK && more[i].npaths) {
      more[i].paths = hr_malloc(more[i].npaths * sizeof *more[i].paths);
      if (!more[i].paths) rc = HR_ENOMEM;
      for (size_t k = 0; rc == HR_OK && k < more[i].npaths; k++)
        more[i].paths[k] = (ana_leak_path){sh[i][k].example, sh[i][k].count};
      if (rc == HR_OK) qsort(more[i].paths, more[i].npaths, sizeof *more[i].paths, cmp_path);
    }
    if (rc != HR_OK || !more[i].paths) more[i].npaths = 0;
    hr_free(sh[i]);
  }
  hr_free(sh);
  hr_free(caps);
  ana_map_reset(&idx);
  return rc;
}

int ana_leaks_more_compute(ana_trace *t, const ana_leaks *l, ana_leaks_more *m) {
  memset(m, 0, sizeof *m);
  int rc = ana_dom_build(l->heap, l->roots, l->nroots, &m->dom);
  m->ngroups = l->ngroups;
  m->groups = hr_calloc(l->ngroups + 1, sizeof *m->groups);
  if (rc == HR_OK && !m->groups) rc = HR_ENOMEM;
  int has_steps = trc_reader_last_step(ana_trace_reader(t)) > 0;
  if (rc == HR_OK) rc = fill(l, &m->dom, has_steps, l->groups, l->ngroups, m->groups);
  if (rc == HR_ENOMEM) ana_trace_fail(t, rc, "out of memory");
  return rc;
}

void ana_leaks_more_reset(ana_leaks_more *m) {
  ana_dom_reset(&m->dom);
  for (size_t i = 0; m->groups && i < m->ngroups; i++) hr_free(m->groups[i].paths);
  hr_free(m->groups);
  memset(m, 0, sizeof *m);
}

struct pair { ana_leak_group g; ana_leak_more m; };

static int cmp_pair(const void *a, const void *b) {
  const struct pair *x = a, *y = b;
  if (x->m.retained != y->m.retained) return x->m.retained > y->m.retained ? -1 : 1;
  if (x->g.bytes != y->g.bytes) return x->g.bytes > y->g.bytes ? -1 : 1;
  return x->g.example < y->g.example ? -1 : x->g.example > y->g.example;
}

void ana_leaks_sort_retained(ana_leaks *l, ana_leaks_more *m) {
  struct pair *p = hr_malloc((l->ngroups + 1) * sizeof *p);
  if (!p) return;   /* the order stays by bytes: a note-worthy failure is not worth one */
  for (size_t i = 0; i < l->ngroups; i++) p[i] = (struct pair){l->groups[i], m->groups[i]};
  qsort(p, l->ngroups, sizeof *p, cmp_pair);
  for (size_t i = 0; i < l->ngroups; i++) {
    l->groups[i] = p[i].g;
    m->groups[i] = p[i].m;
  }
  hr_free(p);
}
