/* ana_flame.c — the stack tree of a set of allocation groups. */
#include "ana_flame.h"

#include <string.h>

#include "hr_mem.h"
#include "hr_status.h"

static uint32_t new_node(ana_flame *f, uint32_t parent, uint64_t location) {
  if (f->n == f->cap) {
    size_t ncap = f->cap ? f->cap * 2 : 256;
    if (ncap >= ANA_FLAME_NONE) return ANA_FLAME_NONE;
    ana_flame_node *nn = hr_realloc(f->nodes, ncap * sizeof *nn);
    if (!nn) return ANA_FLAME_NONE;
    f->nodes = nn;
    f->cap = ncap;
  }
  uint32_t id = (uint32_t)f->n++;
  ana_flame_node *x = &f->nodes[id];
  memset(x, 0, sizeof *x);
  x->location = location;
  x->parent = parent;
  x->child = x->next = ANA_FLAME_NONE;
  if (parent != ANA_FLAME_NONE) {
    ana_flame_node *p = &f->nodes[parent];
    x->depth = p->depth + 1;
    x->next = p->child;
    p->child = id;
  }
  return id;
}

int ana_flame_init(ana_flame *f) {
  memset(f, 0, sizeof *f);
  return new_node(f, ANA_FLAME_NONE, 0) == ANA_FLAME_NONE ? HR_ENOMEM : HR_OK;
}

void ana_flame_reset(ana_flame *f) {
  hr_free(f->nodes);
  memset(f, 0, sizeof *f);
}

/* The child of parent at location, made when missing. */
static uint32_t child_at(ana_flame *f, uint32_t parent, uint64_t location) {
  for (uint32_t c = f->nodes[parent].child; c != ANA_FLAME_NONE; c = f->nodes[c].next)
    if (f->nodes[c].location == location) return c;
  return new_node(f, parent, location);
}

int ana_flame_add(ana_flame *f, const uint64_t *stack, uint32_t depth, uint64_t bytes,
                  uint64_t count) {
  static const uint64_t none = 0;
  if (!depth) {           /* no Python stack: one node of location 0 */
    stack = &none;
    depth = 1;
  }
  uint32_t at = 0;
  f->nodes[0].bytes += bytes;
  f->nodes[0].count += count;
  for (uint32_t i = 0; i < depth; i++) {
    at = child_at(f, at, stack[i]);
    if (at == ANA_FLAME_NONE) return HR_ENOMEM;
    f->nodes[at].bytes += bytes;
    f->nodes[at].count += count;
  }
  f->nodes[at].self_bytes += bytes;
  return HR_OK;
}

int ana_flame_add_groups(ana_flame *f, const ana_heap *h, const ana_leak_group *g, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const ana_site *s = ana_heap_site(h, g[i].site);
    int rc = ana_flame_add(f, s ? s->stack : NULL, s ? s->depth : 0, g[i].bytes, g[i].count);
    if (rc) return rc;
  }
  return HR_OK;
}
