/* rnd_board_order.c — one vertical order of objects for a storyboard (rnd_board_order.h). */
#include "rnd_board_order.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hr_mem.h"
#include "hr_status.h"
#include "rnd_graph.h"

void rnd_order_init(rnd_order *o) {
  memset(o, 0, sizeof *o);
  ana_map_init(&o->at);
  ana_map_init(&o->col);
}

void rnd_order_reset(rnd_order *o) {
  ana_map_reset(&o->at);
  ana_map_reset(&o->col);
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
  for (size_t i = 0; i < o->n; i++) {
    if (!ana_map_get(moved, o->ids[i])) s[m++] = (struct slot){(double)i, 0, o->ids[i]};
    else ana_map_del(&o->at, o->ids[i]);   /* back below if this slide draws it */
  }
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

/* Chain every column of v (sorted by cmp_placed) in the storyboard's order;
** with known_only, only the objects already in it (the others stay free).
** dot's last pass over the whole graph (remincross) would reorder within
** clusters without regard to the chains: it is turned off. */
static int hold(Agraph_t *g, const struct placed *v, size_t n, int known_only) {
  if (!agattr(g, AGRAPH, "remincross", "false")) return HR_ENOMEM;
  struct placed *run = hr_calloc(n + 1, sizeof *run);
  if (!run) return HR_ENOMEM;
  int rc = HR_OK;
  for (size_t i = 0; rc == HR_OK && i < n;) {
    size_t m = 0, j = i;
    for (; j < n && v[j].group == v[i].group && v[j].rank == v[i].rank; j++)
      if (v[j].known || !known_only) run[m++] = v[j];
    if (m > 1) rc = chain(g, run, m);
    i = j;
  }
  hr_free(run);
  return rc;
}

/* Fill moved (see rnd_order_graph) from the rows of sc's frames and objects. */
static int count_arrows(const rnd_scene *sc, ana_map *moved) {
  ana_map seen;    /* id -> 1: every arrow to it so far is new; 2: one is not */
  ana_map_init(&seen);
  int rc = HR_OK;
  for (int pass = 0; pass < 2 && rc == HR_OK; pass++) {
    const rnd_box *boxes = pass ? sc->objs : sc->frames;
    size_t nb = pass ? sc->nobjs : sc->nframes;
    for (size_t i = 0; rc == HR_OK && i < nb; i++)
      for (uint32_t k = 0; rc == HR_OK && k < boxes[i].nrows; k++) {
        const rnd_row *r = &boxes[i].rows[k];
        if (!r->obj) continue;
        uintptr_t was = (uintptr_t)ana_map_get(&seen, r->obj);
        rc = ana_map_put(&seen, r->obj, (void *)(uintptr_t)(was == 2 || r->mark != RND_NEW ? 2 : 1));
        if (rc == HR_OK && pass && r->mark == RND_NEW) rc = ana_map_put(moved, r->obj, (void *)1);
      }
  }
  size_t pos = 0;
  uint64_t id;
  void *val;
  while (rc == HR_OK && ana_map_next(&seen, &pos, &id, &val))
    if ((uintptr_t)val == 1) rc = ana_map_put(moved, id, (void *)1);
  ana_map_reset(&seen);
  return rc;
}

/* Where the last layout put each object of v: its rank and height. */
static void read_layout(Agraph_t *g, struct placed *v, size_t n) {
  for (size_t i = 0; i < n; i++) {
    Agnode_t *x = node_of(g, v[i].id);
    v[i].rank = ND_rank(x);
    v[i].y = ND_coord(x).y;
  }
}

/* Whether some column holds both a newcomer and two objects already in the
** storyboard's order: those two may come out of a free layout swapped, which
** would misplace the newcomer among them. */
static int needs_second_look(const struct placed *v, size_t n) {
  for (size_t i = 0; i < n;) {
    size_t known = 0, fresh = 0, j = i;
    for (; j < n && v[j].group == v[i].group && v[j].rank == v[i].rank; j++) {
      known += v[j].known != 0;
      fresh += !v[j].known;
    }
    if (known > 1 && fresh) return 1;
    i = j;
  }
  return 0;
}

static int lay_out(GVC_t *gvc, Agraph_t *g, struct placed *v, size_t n) {
  if (gvLayout(gvc, g, "dot") != 0) return HR_EIO;
  read_layout(g, v, n);
  gvFreeLayout(gvc, g);
  qsort(v, n, sizeof *v, cmp_placed);
  return HR_OK;
}

void rnd_order_pin(const rnd_order *o, rnd_scene *sc) {
  /* Objects with a column of their own whatever their arrows: those a frame
  ** points at, and garbage and hidden ones (ranked by an invisible arrow
  ** from the stack, rnd_graph.c). Another, without the arrows that rank it,
  ** would slip left into the stack's column. */
  ana_map framed;
  ana_map_init(&framed);
  int rc = HR_OK;
  for (size_t i = 0; rc == HR_OK && i < sc->nframes; i++)
    for (uint32_t k = 0; rc == HR_OK && k < sc->frames[i].nrows; k++)
      if (sc->frames[i].rows[k].obj) rc = ana_map_put(&framed, sc->frames[i].rows[k].obj, (void *)1);
  for (size_t i = 0; rc == HR_OK && i < sc->nobjs; i++)
    if (sc->objs[i].group != RND_G_HEAP) rc = ana_map_put(&framed, sc->objs[i].id, (void *)1);
  for (size_t i = 0; rc == HR_OK && i < sc->nobjs; i++) {
    uintptr_t from = (uintptr_t)ana_map_get(&o->col, sc->objs[i].id);
    for (uint32_t k = 0; from && k < sc->objs[i].nrows; k++) {
      rnd_row *r = &sc->objs[i].rows[k];
      uintptr_t to = r->obj ? (uintptr_t)ana_map_get(&o->col, r->obj) : 0;
      r->back = to && to < from && ana_map_get(&framed, r->obj);
    }
  }
  ana_map_reset(&framed);   /* out of memory: fewer columns kept, nothing worse */
}

/* Remember v's columns for the next slide's rnd_order_pin. */
static int keep_columns(rnd_order *o, const struct placed *v, size_t n) {
  ana_map_reset(&o->col);
  int rc = HR_OK;
  for (size_t i = 0; rc == HR_OK && i < n; i++)
    if (v[i].rank >= 0)
      rc = ana_map_put(&o->col, v[i].id, (void *)(uintptr_t)(v[i].rank + 1));
  return rc;
}

int rnd_order_graph(rnd_order *o, GVC_t *gvc, const rnd_scene *sc, const rnd_options *opt,
                    Agraph_t **out) {
  *out = NULL;
  Agraph_t *g = rnd_graph_build(sc, opt);
  if (!g) return HR_ENOMEM;
  if (sc->nobjs < 2) {
    ana_map_reset(&o->col);
    *out = g;
    return HR_OK;
  }
  struct placed *v = hr_calloc(sc->nobjs, sizeof *v);
  if (!v) {
    agclose(g);
    return HR_ENOMEM;
  }
  /* An object is placed anew, where dot puts it next to its new neighbours,
  ** when a container took it in since the previous slide (a list's items
  ** stay in slot order), or when every arrow to it is new (a list a call
  ** built and returned, now bound by the caller). Everything else keeps its
  ** place. moved: the ids placed anew. */
  ana_map moved;
  ana_map_init(&moved);
  int rc = count_arrows(sc, &moved);
  size_t n = 0;
  for (size_t i = 0; i < sc->nobjs; i++) {
    uint64_t id = sc->objs[i].id;
    if (!node_of(g, id)) continue;
    v[n++] = (struct placed){id, sc->objs[i].group, 0, 0,
                             ana_map_get(&moved, id) ? 0 : (uintptr_t)ana_map_get(&o->at, id)};
  }
  /* First a free layout, for the columns; then, when newcomers share a
  ** column with known objects, one with the known ones held in order, so
  ** that each newcomer lands where dot puts it among them. */
  if (rc == HR_OK) rc = lay_out(gvc, g, v, n);
  if (rc == HR_OK && needs_second_look(v, n)) {
    rc = hold(g, v, n, 1);
    if (rc == HR_OK) rc = lay_out(gvc, g, v, n);
    agclose(g);   /* the final chains start from a graph without these */
    g = rnd_graph_build(sc, opt);
    if (!g) rc = HR_ENOMEM;
  }
  if (rc == HR_OK) rc = admit(o, v, n, &moved);
  if (rc == HR_OK) rc = keep_columns(o, v, n);
  if (rc == HR_OK) rc = hold(g, v, n, 0);
  ana_map_reset(&moved);
  hr_free(v);
  /* A graph Graphviz cannot lay out is handed on as it is, to fail there. */
  if (rc == HR_EIO) rc = HR_OK;
  if (rc != HR_OK) {
    if (g) agclose(g);
    return rc;
  }
  *out = g;
  return HR_OK;
}
