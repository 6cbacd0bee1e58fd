/* rnd_board.c — storyboards with one shared layout (rnd_board.h). */
#include "rnd_board.h"
#include "rnd_board_order.h"
#include "rnd_board_routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <graphviz/gvc.h>

#include "ana_map.h"
#include "hr_mem.h"
#include "hr_status.h"
#include "rnd_graph.h"
#include "rnd_internal.h"
#include "rnd_output.h"
#include "rnd_scene.h"
#include "trc_scan.h"


/* --- choosing points -------------------------------------------------------------- */
struct pick {
  ana_trace *t;
  uint64_t main_file;
  ana_map last_line;        /* frame id -> line of its latest step + 1 */
  rnd_point *v;
  size_t n, cap;
};

static int pick_push(struct pick *p, uint64_t step, uint64_t seq) {
  if (p->n == p->cap) {
    rnd_point *v = hr_grow(p->v, &p->cap, p->n + 1, sizeof *v, 64);
    if (!v) return HR_ENOMEM;
    p->v = v;
  }
  p->v[p->n].step = step;
  p->v[p->n].seq = seq;
  p->n++;
  return HR_OK;
}

static int on_line(void *ctx, const trc_event *ev) {
  struct pick *p = ctx;
  if (ev->kind != TRC_EV_STEP) return 0;
  ana_loc at = ana_trace_location(p->t, ev->f[1]);
  uintptr_t last = (uintptr_t)ana_map_get(&p->last_line, ev->f[0]);
  int rc = ana_map_put(&p->last_line, ev->f[0], (void *)(uintptr_t)(at.line + 1));
  if (rc) return rc;
  if (at.file_sid != p->main_file || last == (uintptr_t)at.line + 1) return 0;
  return pick_push(p, ev->step, 0);
}

static int on_mark(void *ctx, const trc_event *ev) {
  return ev->kind == TRC_EV_MARK ? pick_push(ctx, ev->step, ev->seq) : 0;
}

static int pick_all(ana_trace *t, int marks, rnd_point **pts, size_t *n) {
  struct pick p;
  memset(&p, 0, sizeof p);
  p.t = t;
  p.main_file = ana_trace_main_file(t);
  int rc = ana_trace_scan(t, TRC_SCAN_SEQ, 1, UINT64_MAX, marks ? on_mark : on_line, &p);
  ana_map_reset(&p.last_line);
  if (rc == HR_OK && !p.n)
    rc = ana_trace_fail(t, HR_ENOTFOUND, marks ? "the program made no marks"
                                               : "no line of the main script ran");
  if (rc) { hr_free(p.v); return rc; }
  *pts = p.v;
  *n = p.n;
  return HR_OK;
}

int rnd_board_every_line(ana_trace *t, rnd_point **pts, size_t *n) { return pick_all(t, 0, pts, n); }
int rnd_board_every_mark(ana_trace *t, rnd_point **pts, size_t *n) { return pick_all(t, 1, pts, n); }

void rnd_board_name(ana_trace *t, const rnd_point *p, size_t i, int fmt, char *buf, size_t n) {
  trc_event ev;
  uint32_t line = 0;
  if (ana_trace_step_event(t, p->step, &ev) == HR_OK) line = ana_trace_location(t, ev.f[1]).line;
  if (line) snprintf(buf, n, "%03zu-line%u.%s", i + 1, line, rnd_format_ext(fmt));
  else snprintf(buf, n, "%03zu-step%llu.%s", i + 1, (unsigned long long)p->step, rnd_format_ext(fmt));
}

/* --- drawing ----------------------------------------------------------------------- */
/* Objects in the order the storyboard first showed them: dot starts its
** ordering from the order nodes are made, so a point's first, free layout
** (rnd_board_order.h) starts near the previous point's. */
static int cmp_seen(const void *pa, const void *pb, const ana_map *seen) {
  const rnd_box *a = pa, *b = pb;
  uintptr_t x = (uintptr_t)ana_map_get(seen, a->id), y = (uintptr_t)ana_map_get(seen, b->id);
  return x < y ? -1 : x > y;
}

/* An insertion sort: scenes are small and mostly in order already. */
static void sort_objs(rnd_scene *sc, const ana_map *seen) {
  for (size_t i = 1; i < sc->nobjs; i++) {
    rnd_box x = sc->objs[i];
    size_t j = i;
    for (; j > 0 && cmp_seen(&sc->objs[j - 1], &x, seen) > 0; j--) sc->objs[j] = sc->objs[j - 1];
    sc->objs[j] = x;
  }
}

static int draw_point(rnd_ctx *c, const rnd_point *p, const rnd_point *prev, ana_map *seen,
                      uintptr_t *nseen, rnd_order *order, rnd_routes *routes, int fmt, char **bytes, size_t *len) {
  rnd_scene sc;
  const rnd_options *o = rnd_ctx_options(c);
  ana_trace *t = rnd_ctx_trace(c);
  int rc = rnd_scene_build_since(t, p, prev, o, &sc);
  if (rc) return rnd_ctx_fail(c, rc, hr_strdup(ana_trace_errmsg(t)));
  for (size_t k = 0; k < sc.nobjs && rc == HR_OK; k++)
    if (!ana_map_get(seen, sc.objs[k].id)) rc = ana_map_put(seen, sc.objs[k].id, (void *)++*nseen);
  if (rc) { rnd_scene_reset(&sc); return rnd_ctx_fail(c, rc, NULL); }
  sort_objs(&sc, seen);
  rnd_order_pin(order, &sc);
  Agraph_t *g = NULL;
  rc = rnd_order_graph(order, rnd_ctx_gvc(c), &sc, o, &g);
  rnd_scene_reset(&sc);
  if (rc) return rnd_ctx_fail(c, rc, hr_strdup("out of memory"));
  char *err = NULL;
  /* DOT is the graph before layout; the others keep routes (rnd_board_routes.h). */
  int laid_out = fmt != RND_FMT_DOT;
  if (laid_out) {
    rc = rnd_output_layout(rnd_ctx_gvc(c), g, NULL, &err);
    if (rc == HR_OK && rnd_routes_keep(routes, g) != HR_OK) rnd_routes_reset(routes);
  }
  if (rc == HR_OK) rc = rnd_output_render(rnd_ctx_gvc(c), g, fmt, NULL, laid_out, bytes, len, &err);
  agclose(g);
  return rc ? rnd_ctx_fail(c, rc, err) : HR_OK;
}

/* Draw the n points in order, handing each drawing (owned) to fn. */
typedef int (*drawn_fn)(void *arg, size_t i, char *bytes, size_t len);

static int board_each(rnd_ctx *c, const rnd_point *pts, size_t n, int fmt, drawn_fn fn, void *arg) {
  ana_map seen;
  ana_map_init(&seen);
  uintptr_t nseen = 0;
  rnd_order order;
  rnd_order_init(&order);
  rnd_routes routes;
  rnd_routes_init(&routes);
  int rc = HR_OK;
  for (size_t i = 0; rc == HR_OK && i < n; i++) {
    /* What changed is measured against the previous point shown, when it
    ** comes earlier in the run; else against the previous step. */
    const rnd_point *prev = i && rnd_point_before(&pts[i - 1], &pts[i]) ? &pts[i - 1] : NULL;
    char *bytes = NULL;
    size_t len = 0;
    rc = draw_point(c, &pts[i], prev, &seen, &nseen, &order, &routes, fmt, &bytes, &len);
    if (rc == HR_OK) rc = fn(arg, i, bytes, len);
    rnd_ctx_progress(c, i + 1, n);
  }
  ana_map_reset(&seen);
  rnd_order_reset(&order);
  rnd_routes_reset(&routes);
  return rc;
}

struct keep { char **bufs; size_t *lens; };

static int keep_one(void *arg, size_t i, char *bytes, size_t len) {
  struct keep *k = arg;
  k->bufs[i] = bytes;
  k->lens[i] = len;
  return HR_OK;
}

int rnd_board_render(rnd_ctx *c, const rnd_point *pts, size_t n, int fmt,
                     char ***out, size_t **lens) {
  *out = NULL;
  *lens = NULL;
  struct keep k = {hr_calloc(n ? n : 1, sizeof *k.bufs), hr_calloc(n ? n : 1, sizeof *k.lens)};
  int rc = k.bufs && k.lens ? board_each(c, pts, n, fmt, keep_one, &k)
                            : rnd_ctx_fail(c, HR_ENOMEM, NULL);
  if (rc) {
    for (size_t i = 0; k.bufs && i < n; i++) hr_free(k.bufs[i]);
    hr_free(k.bufs);
    hr_free(k.lens);
    return rc;
  }
  *out = k.bufs;
  *lens = k.lens;
  return HR_OK;
}

/* Each file is written as soon as it is drawn: a storyboard of thousands
** of points never holds more than one drawing. */
struct write_to { rnd_ctx *c; const rnd_point *pts; int fmt; const char *dir; };

static int write_one(void *arg, size_t i, char *bytes, size_t len) {
  struct write_to *w = arg;
  char name[64];
  rnd_board_name(rnd_ctx_trace(w->c), &w->pts[i], i, w->fmt, name, sizeof name);
  size_t dl = strlen(w->dir);
  char *path = hr_sprintf("%s%s%s", w->dir, dl && w->dir[dl - 1] == '/' ? "" : "/", name);
  char *err = NULL;
  int rc = path ? rnd_output_write(path, bytes, len, &err) : HR_ENOMEM;
  hr_free(path);
  hr_free(bytes);
  return rc ? rnd_ctx_fail(w->c, rc, err) : HR_OK;
}

int rnd_board_write(rnd_ctx *c, const rnd_point *pts, size_t n, int fmt, const char *dir) {
  struct write_to w = {c, pts, fmt, dir};
  return board_each(c, pts, n, fmt, write_one, &w);
}
