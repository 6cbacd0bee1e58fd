/* rnd_board_routes.c — edge routes kept from slide to slide (rnd_board_routes.h). */
#include "rnd_board_routes.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hr_mem.h"
#include "hr_status.h"

/* Positions are relative to the frames' top-left corner (the drawing's,
** without frames), in points, y upwards as Graphviz has them: a slide that
** grows below or on the right does not move what is above and left. */
#define NEAR 3.0

struct rnd_spot { char *name; double x, y; };

struct rnd_route {
  char *key;
  bezier *bz;      /* the curves, relative to the origin; points owned */
  int n;
};

void rnd_routes_init(rnd_routes *r) { memset(r, 0, sizeof *r); }

static void free_all(struct rnd_spot *s, size_t ns, struct rnd_route *v, size_t nv) {
  for (size_t i = 0; i < ns; i++) hr_free(s[i].name);
  hr_free(s);
  for (size_t i = 0; i < nv; i++) {
    for (int k = 0; v[i].bz && k < v[i].n; k++) hr_free(v[i].bz[k].list);
    hr_free(v[i].bz);
    hr_free(v[i].key);
  }
  hr_free(v);
}

void rnd_routes_reset(rnd_routes *r) {
  free_all(r->spots, r->nspots, r->routes, r->nroutes);
  memset(r, 0, sizeof *r);
}

static pointf top_left(Agnode_t *n) {
  pointf p = {ND_coord(n).x - ND_width(n) * 72 / 2, ND_coord(n).y + ND_height(n) * 72 / 2};
  return p;
}

static pointf origin(Agraph_t *g) {
  Agnode_t *stack = agnode(g, "stack", 0);
  if (stack) return top_left(stack);
  pointf p = {GD_bb(g).LL.x, GD_bb(g).UR.y};
  return p;
}

static const struct rnd_spot *spot_of(const rnd_routes *r, const char *name) {
  for (size_t i = 0; i < r->nspots; i++)
    if (strcmp(r->spots[i].name, name) == 0) return &r->spots[i];
  return NULL;
}

static const struct rnd_route *route_of(const rnd_routes *r, const char *key) {
  for (size_t i = 0; i < r->nroutes; i++)
    if (strcmp(r->routes[i].key, key) == 0) return &r->routes[i];
  return NULL;
}

static int near(double ax, double ay, double bx, double by) {
  return fabs(ax - bx) <= NEAR && fabs(ay - by) <= NEAR;
}

/* Whether n (not tail or head) lies where it was on the previous slide. */
static int stayed(const rnd_routes *r, Agnode_t *n, pointf o) {
  const struct rnd_spot *s = spot_of(r, agnameof(n));
  pointf p = top_left(n);
  return s && near(p.x - o.x, p.y - o.y, s->x, s->y);
}

static pointf first_pt(const splines *s) { return s->list[0].list[0]; }
static pointf last_pt(const splines *s) {
  const bezier *b = &s->list[s->size - 1];
  return b->list[b->size - 1];
}

/* A point of a cubic Bézier segment. */
static pointf bez_at(const pointf *p, double t) {
  double u = 1 - t;
  pointf q = {u * u * u * p[0].x + 3 * u * u * t * p[1].x + 3 * u * t * t * p[2].x + t * t * t * p[3].x,
              u * u * u * p[0].y + 3 * u * u * t * p[1].y + 3 * u * t * t * p[2].y + t * t * t * p[3].y};
  return q;
}

/* Whether the curves bz (absolute) stay clear of every object but the
** arrow's own two and of every group (cluster) that holds neither (the
** garbage group may have appeared since), and inside the drawing: above and left exactly (the
** caption is there), below and right within GROW points, by which the
** drawing then grows (a slide smaller than the previous one may leave a
** curve a few points out; the 0.3 in pad is around it still). */
#define GROW 16.0

static int clear(Agraph_t *g, const bezier *bz, int n, Agnode_t *tail, Agnode_t *head) {
  boxf bb = GD_bb(g);
  for (int i = 0; i < n; i++)
    for (int k = 0; k + 3 < bz[i].size; k += 3)
      for (int s = 0; s <= 16; s++) {
        pointf p = bez_at(&bz[i].list[k], s / 16.0);
        if (p.x < bb.LL.x || p.x > bb.UR.x + GROW || p.y < bb.LL.y - GROW || p.y > bb.UR.y)
          return 0;
        for (int c = 1; c <= GD_n_cluster(g); c++) {
          Agraph_t *cl = GD_clust(g)[c];
          boxf b = GD_bb(cl);
          if (!agcontains(cl, tail) && !agcontains(cl, head) && p.x > b.LL.x && p.x < b.UR.x &&
              p.y > b.LL.y && p.y < b.UR.y)
            return 0;
        }
        for (Agnode_t *x = agfstnode(g); x; x = agnxtnode(g, x)) {
          if (x == tail || x == head) continue;
          double hw = ND_width(x) * 72 / 2 - 1, hh = ND_height(x) * 72 / 2 - 1;
          if (fabs(p.x - ND_coord(x).x) < hw && fabs(p.y - ND_coord(x).y) < hh) return 0;
        }
      }
  return 1;
}

/* Grow the drawing below and right to hold the curves bz. */
static void grow(Agraph_t *g, const bezier *bz, int n) {
  for (int i = 0; i < n; i++)
    for (int k = 0; k + 3 < bz[i].size; k += 3)
      for (int s = 0; s <= 16; s++) {
        pointf p = bez_at(&bz[i].list[k], s / 16.0);
        if (p.x > GD_bb(g).UR.x) GD_bb(g).UR.x = p.x;
        if (p.y < GD_bb(g).LL.y) GD_bb(g).LL.y = p.y;
      }
}

/* The previous route was, moved so that its ends meet this layout's
** (each point by a blend of the two ends' shifts, within NEAR), made
** absolute; NULL when out of memory. */
static bezier *bend(const struct rnd_route *was, const splines *now, pointf o) {
  pointf a0 = first_pt(now), a1 = last_pt(now);
  const bezier *wl = &was->bz[was->n - 1];
  pointf ds = {a0.x - o.x - was->bz[0].list[0].x, a0.y - o.y - was->bz[0].list[0].y};
  pointf de = {a1.x - o.x - wl->list[wl->size - 1].x, a1.y - o.y - wl->list[wl->size - 1].y};
  bezier *out = hr_calloc((size_t)was->n, sizeof *out);
  if (!out) return NULL;
  int total = 0;
  for (int i = 0; i < was->n; i++) total += was->bz[i].size;
  int at = 0;
  for (int i = 0; i < was->n; i++) {
    out[i] = was->bz[i];
    out[i].list = malloc((size_t)was->bz[i].size * sizeof *out[i].list);   /* Graphviz frees it */
    if (!out[i].list) {
      for (int j = 0; j < i; j++) free(out[j].list);
      hr_free(out);
      return NULL;
    }
    for (int k = 0; k < was->bz[i].size; k++, at++) {
      double t = total > 1 ? (double)at / (total - 1) : 0;
      out[i].list[k].x = was->bz[i].list[k].x + o.x + ds.x + t * (de.x - ds.x);
      out[i].list[k].y = was->bz[i].list[k].y + o.y + ds.y + t * (de.y - ds.y);
    }
    out[i].sp.x += o.x + ds.x; out[i].sp.y += o.y + ds.y;
    out[i].ep.x += o.x + de.x; out[i].ep.y += o.y + de.y;
  }
  return out;
}

/* Give e the previous slide's route when its ends did not move. */
static void reuse(const rnd_routes *r, Agraph_t *g, Agedge_t *e, const char *key, pointf o) {
  splines *now = ED_spl(e);
  const struct rnd_route *was = route_of(r, key);
  if (!now || !now->size || !was || !was->n) return;
  if (!stayed(r, agtail(e), o) || !stayed(r, aghead(e), o)) return;
  const bezier *wl = &was->bz[was->n - 1];
  pointf a0 = first_pt(now), a1 = last_pt(now);
  if (!near(a0.x - o.x, a0.y - o.y, was->bz[0].list[0].x, was->bz[0].list[0].y) ||
      !near(a1.x - o.x, a1.y - o.y, wl->list[wl->size - 1].x, wl->list[wl->size - 1].y))
    return;
  bezier *bz = bend(was, now, o);
  if (!bz) return;
  if (!clear(g, bz, was->n, agtail(e), aghead(e))) {
    for (int i = 0; i < was->n; i++) free(bz[i].list);
    hr_free(bz);
    return;
  }
  for (int i = 0; i < now->size; i++) free(now->list[i].list);
  free(now->list);
  now->list = malloc((size_t)was->n * sizeof *now->list);
  if (!now->list) {   /* no route at all is worse than dot's: keep none */
    now->size = 0;
    for (int i = 0; i < was->n; i++) free(bz[i].list);
    hr_free(bz);
    return;
  }
  memcpy(now->list, bz, (size_t)was->n * sizeof *bz);
  now->size = was->n;
  hr_free(bz);
  grow(g, now->list, now->size);
  boxf b = {{HUGE_VAL, HUGE_VAL}, {-HUGE_VAL, -HUGE_VAL}};
  for (int i = 0; i < now->size; i++)
    for (int k = 0; k < now->list[i].size; k++) {
      pointf p = now->list[i].list[k];
      if (p.x < b.LL.x) b.LL.x = p.x;
      if (p.y < b.LL.y) b.LL.y = p.y;
      if (p.x > b.UR.x) b.UR.x = p.x;
      if (p.y > b.UR.y) b.UR.y = p.y;
    }
  now->bb = b;
}

static int remember(struct rnd_route *v, const char *key, const splines *s, pointf o) {
  v->key = hr_strdup(key);
  v->bz = hr_calloc((size_t)s->size, sizeof *v->bz);
  if (!v->key || !v->bz) return HR_ENOMEM;
  v->n = s->size;
  for (int i = 0; i < s->size; i++) {
    v->bz[i] = s->list[i];
    v->bz[i].list = hr_calloc((size_t)s->list[i].size + 1, sizeof *v->bz[i].list);
    if (!v->bz[i].list) return HR_ENOMEM;
    for (int k = 0; k < s->list[i].size; k++) {
      v->bz[i].list[k].x = s->list[i].list[k].x - o.x;
      v->bz[i].list[k].y = s->list[i].list[k].y - o.y;
    }
    v->bz[i].sp.x -= o.x; v->bz[i].sp.y -= o.y;
    v->bz[i].ep.x -= o.x; v->bz[i].ep.y -= o.y;
  }
  return HR_OK;
}

int rnd_routes_keep(rnd_routes *r, Agraph_t *g) {
  pointf o = origin(g);
  size_t nn = (size_t)agnnodes(g), ne = (size_t)agnedges(g);
  struct rnd_spot *spots = hr_calloc(nn + 1, sizeof *spots);
  struct rnd_route *routes = hr_calloc(ne + 1, sizeof *routes);
  size_t ns = 0, nr = 0;
  int rc = spots && routes ? HR_OK : HR_ENOMEM;
  for (Agnode_t *n = agfstnode(g); n && rc == HR_OK; n = agnxtnode(g, n)) {
    pointf p = top_left(n);
    spots[ns] = (struct rnd_spot){hr_strdup(agnameof(n)), p.x - o.x, p.y - o.y};
    if (!spots[ns++].name) rc = HR_ENOMEM;
    for (Agedge_t *e = agfstout(g, n); e && rc == HR_OK; e = agnxtout(g, e)) {
      const char *style = agget(e, "style");
      if (style && strstr(style, "invis")) continue;
      const char *port = agget(e, "tailport");
      char *key = hr_sprintf("%s:%s->%s", agnameof(n), port ? port : "", agnameof(aghead(e)));
      if (!key) { rc = HR_ENOMEM; break; }
      reuse(r, g, e, key, o);
      if (agsafeset(e, "id", key, "") != 0) rc = HR_ENOMEM;
      if (rc == HR_OK && ED_spl(e) && ED_spl(e)->size) rc = remember(&routes[nr++], key, ED_spl(e), o);
      hr_free(key);
    }
  }
  rnd_routes_reset(r);
  if (rc != HR_OK) {
    free_all(spots, ns, routes, nr);
    return rc;
  }
  r->spots = spots;
  r->nspots = ns;
  r->routes = routes;
  r->nroutes = nr;
  return HR_OK;
}
