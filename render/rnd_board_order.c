/* rnd_board_order.c — one vertical order of objects for a storyboard (rnd_board_order.h). */
#include "rnd_board_order.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hr_mem.h"
#include "hr_status.h"

void rnd_order_init(rnd_order *o) {
  memset(o, 0, sizeof *o);
  ana_map_init(&o->at);
}

void rnd_order_reset(rnd_order *o) {
  ana_map_reset(&o->at);
  hr_free(o->ids);
  memset(o, 0, sizeof *o);
}

/* An object as the first layout placed it. */
struct placed {
  uint64_t id;
  int group, rank;
  double y;            /* Graphviz's y grows upwards */
  size_t known;        /* index in the storyboard's order + 1; 0 for a newcomer */
};

/* Columns (group, then rank), each top to bottom. */
static int cmp_placed(const void *pa, const void *pb) {
  const struct placed *a = pa, *b = pb;
  if (a->group != b->group) return a->group < b->group ? -1 : 1;
  if (a->rank != b->rank) return a->rank < b->rank ? -1 : 1;
  if (a->y != b->y) return a->y > b->y ? -1 : 1;
  return a->id < b->id ? -1 : a->id > b->id;
}

/* Within a column, the storyboard's order. */
static int cmp_known(const void *pa, const void *pb) {
  const struct placed *a = pa, *b = pb;
  return a->known < b->known ? -1 : a->known > b->known;
}

/* A place in the storyboard's order being rebuilt: old objects keep their
** index as key; a newcomer goes half a place after the known object above
** it in its column (or before the one below), ties in column order. */
struct slot { double key; size_t tie; uint64_t id; };

static int cmp_slot(const void *pa, const void *pb) {
  const struct slot *a = pa, *b = pb;
  if (a->key != b->key) return a->key < b->key ? -1 : 1;
  return a->tie < b->tie ? -1 : a->tie > b->tie;
}

static int admit(rnd_order *o, struct placed *v, size_t n, const ana_map *moved) {
  size_t fresh = 0;
  for (size_t i = 0; i < n; i++) fresh += !v[i].known;
  if (!fresh) return HR_OK;
  struct slot *s = hr_calloc(o->n + fresh, sizeof *s);
  if (!s) return HR_ENOMEM;
  size_t m = 0;
  for (size_t i = 0; i < o->n; i++)
    if (!ana_map_get(moved, o->ids[i])) s[m++] = (struct slot){(double)i, 0, o->ids[i]};
  for (size_t i = 0; i < n; i++) {
    if (v[i].known) continue;
    double key = (double)o->n;   /* a column of newcomers only: at the end */
    int found = 0;
    for (size_t j = i; !found && j-- > 0 && v[j].group == v[i].group && v[j].rank == v[i].rank;)
      if (v[j].known) key = (double)(v[j].known - 1) + 0.5, found = 1;
    for (size_t j = i + 1; !found && j < n && v[j].group == v[i].group && v[j].rank == v[i].rank; j++)
      if (v[j].known) key = (double)(v[j].known - 1) - 0.5, found = 1;
    s[m++] = (struct slot){key, i + 1, v[i].id};
  }
  qsort(s, m, sizeof *s, cmp_slot);
  if (m > o->cap) {
    uint64_t *ids = hr_grow(o->ids, &o->cap, m, sizeof *ids, 64);
    if (!ids) { hr_free(s); return HR_ENOMEM; }
    o->ids = ids;
  }
  int rc = HR_OK;
  for (size_t i = 0; i < m && rc == HR_OK; i++) {
    o->ids[i] = s[i].id;
    rc = ana_map_put(&o->at, s[i].id, (void *)(uintptr_t)(i + 1));
  }
  o->n = m;
  hr_free(s);
  for (size_t i = 0; i < n && rc == HR_OK; i++)
    v[i].known = (uintptr_t)ana_map_get(&o->at, v[i].id);
  return rc;
}

static const char *cluster_of(int group) {
  return group == RND_G_UNREACHED ? "cluster_unreached"
       : group == RND_G_HIDDEN    ? "cluster_hidden" : "cluster_heap";
}

static Agnode_t *node_of(Agraph_t *g, uint64_t id) {
  char name[32];
  snprintf(name, sizeof name, "o%llu", (unsigned long long)id);
  return agnode(g, name, 0);
}

/* Chain the column v[0..n) (one group, one rank) in the storyboard's order:
** a same-rank edge puts its tail below its head when the graph runs left to
** right, so each object points at the one above it. */
static int chain(Agraph_t *g, struct placed *v, size_t n) {
  qsort(v, n, sizeof *v, cmp_known);
  Agraph_t *c = agsubg(g, (char *)cluster_of(v[0].group), 0);
  if (!c) return HR_OK;   /* not drawn in a cluster: nothing to keep */
  char name[48];
  snprintf(name, sizeof name, "order_%d_%d", v[0].group, v[0].rank);
  Agraph_t *col = agsubg(c, name, 1);
  if (!col || agsafeset(col, "rank", "same", "") != 0) return HR_ENOMEM;
  Agnode_t *above = NULL;
  for (size_t i = 0; i < n; i++) {
    Agnode_t *x = node_of(g, v[i].id);
    if (!x || !agsubnode(col, x, 1)) return HR_ENOMEM;
    if (above) {
      snprintf(name, sizeof name, "k%llu", (unsigned long long)v[i].id);
      Agedge_t *e = agedge(col, x, above, name, 1);
      if (!e || agsafeset(e, "style", "invis", "") != 0) return HR_ENOMEM;
    }
    above = x;
  }
  return HR_OK;
}

int rnd_order_constrain(rnd_order *o, GVC_t *gvc, Agraph_t *g, const rnd_scene *sc) {
  if (sc->nobjs < 2) return HR_OK;
  struct placed *v = hr_calloc(sc->nobjs, sizeof *v);
  if (!v) return HR_ENOMEM;
  if (gvLayout(gvc, g, "dot") != 0) {
    hr_free(v);
    return HR_EIO;
  }
  /* An object a container took in since the previous slide is placed anew,
  ** where dot puts it next to that container's other items: a list's items
  ** stay in slot order. Everything else keeps its place. */
  ana_map moved;
  ana_map_init(&moved);
  int rc = HR_OK;
  for (size_t i = 0; rc == HR_OK && i < sc->nobjs; i++)
    for (uint32_t k = 0; rc == HR_OK && k < sc->objs[i].nrows; k++) {
      const rnd_row *r = &sc->objs[i].rows[k];
      if (r->mark == RND_NEW && r->obj) rc = ana_map_put(&moved, r->obj, (void *)1);
    }
  size_t n = 0;
  for (size_t i = 0; i < sc->nobjs; i++) {
    Agnode_t *x = node_of(g, sc->objs[i].id);
    if (!x) continue;
    uint64_t id = sc->objs[i].id;
    v[n++] = (struct placed){id, sc->objs[i].group, ND_rank(x), ND_coord(x).y,
                             ana_map_get(&moved, id) ? 0 : (uintptr_t)ana_map_get(&o->at, id)};
  }
  gvFreeLayout(gvc, g);
  qsort(v, n, sizeof *v, cmp_placed);
  if (rc == HR_OK) rc = admit(o, v, n, &moved);
  ana_map_reset(&moved);
  for (size_t i = 0; rc == HR_OK && i < n;) {
    size_t j = i + 1;
    while (j < n && v[j].group == v[i].group && v[j].rank == v[i].rank) j++;
    if (j - i > 1) rc = chain(g, v + i, j - i);
    i = j;
  }
  /* dot's last pass over the whole graph would reorder within clusters
  ** without regard to the chains. */
  if (rc == HR_OK && !agattr(g, AGRAPH, "remincross", "false")) rc = HR_ENOMEM;
  hr_free(v);
  return rc;
}
