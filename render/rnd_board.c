/* rnd_board.c — storyboards with one shared layout (rnd_board.h). */
#include "rnd_board.h"

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

#define STACK_KEY UINT64_MAX          /* the map key of the `stack` node */
#define NCLUSTERS 3
static const char *const clusters[NCLUSTERS] = {"cluster_stack", "cluster_heap", "cluster_unreached"};

/* Where the shared layout put a node: its centre and size, in points. */
typedef struct place { double x, y, w, h; } place;

struct board {
  rnd_ctx *c;
  const rnd_point *pts;
  size_t n;
  Agraph_t *u;              /* the union graph, laid out once */
  ana_map *sizes;           /* per point: node key -> place * (w, h) in that point's graph */
  ana_map places;           /* node key -> place * in the union layout */
  ana_map maxes;            /* node key -> place * (w, h): biggest appearance */
  boxf cbb[NCLUSTERS];      /* the union's cluster boxes */
  int has_cbb[NCLUSTERS];
  boxf bb;
};

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

/* --- the shared layout ----------------------------------------------------------------- */
static uint64_t node_key(Agnode_t *n) {
  const char *name = agnameof(n);
  if (name[0] == 'o') return strtoull(name + 1, NULL, 10);
  return STACK_KEY;
}

static place *put_place(ana_map *m, uint64_t key) {
  place *p = ana_map_get(m, key);
  if (p) return p;
  if (!(p = hr_calloc(1, sizeof *p))) return NULL;
  if (ana_map_put(m, key, p)) { hr_free(p); return NULL; }
  return p;
}

static void free_places(ana_map *m) {
  size_t pos = 0;
  uint64_t key;
  void *val;
  while (ana_map_next(m, &pos, &key, &val)) hr_free(val);
  ana_map_reset(m);
}

/* Which of clusters[] holds node n of g, 0 when none does. */
static int cluster_of(Agraph_t *g, Agnode_t *n) {
  for (int k = 0; k < NCLUSTERS; k++) {
    Agraph_t *s = agsubg(g, (char *)clusters[k], 0);
    if (s && agsubnode(s, n, 0)) return k;
  }
  return 0;
}

static Agraph_t *union_cluster(struct board *b, Agraph_t *g, int k) {
  Agraph_t *s = agsubg(b->u, (char *)clusters[k], 0);
  if (s) return s;
  if (!(s = agsubg(b->u, (char *)clusters[k], 1))) return NULL;
  Agraph_t *from = agsubg(g, (char *)clusters[k], 0);
  const char *label = from ? agget(from, "label") : NULL;
  if (label && rnd_graph_set_html(s, "label", label)) return NULL;
  if (k == 2) agsafeset(s, "style", "rounded,dashed", "");
  return s;
}

/* The graph of point i, built afresh. NULL with the reason on the context. */
static Agraph_t *point_graph(struct board *b, size_t i) {
  rnd_scene sc;
  const rnd_options *o = rnd_ctx_options(b->c);
  int rc = rnd_scene_build(rnd_ctx_trace(b->c), &b->pts[i], o, &sc);
  if (rc) {
    rnd_ctx_fail(b->c, rc, hr_strdup(ana_trace_errmsg(rnd_ctx_trace(b->c))));
    return NULL;
  }
  Agraph_t *g = rnd_graph_build(&sc, o);
  rnd_scene_reset(&sc);
  if (!g) rnd_ctx_fail(b->c, HR_ENOMEM, hr_strdup("out of memory"));
  return g;
}

/* Lay point i's graph out alone to learn its nodes' sizes, and add its nodes
** and edges to the union graph. */
static int measure(struct board *b, size_t i) {
  Agraph_t *g = point_graph(b, i);
  if (!g) return HR_EIO;
  GVC_t *gvc = rnd_ctx_gvc(b->c);
  if (gvLayout(gvc, g, "dot") != 0) {
    agclose(g);
    return rnd_ctx_fail(b->c, HR_EIO, hr_sprintf("graphviz cannot lay out the diagram: %s",
                                                 rnd_output_last_error()));
  }
  int rc = HR_OK;
  const char *label = agget(g, "label");   /* NULL when drawn without a caption */
  if (i == 0 && label && rnd_graph_set_html(b->u, "label", label)) rc = HR_ENOMEM;
  for (Agnode_t *n = agfstnode(g); n && rc == HR_OK; n = agnxtnode(g, n)) {
    uint64_t key = node_key(n);
    place *sz = put_place(&b->sizes[i], key), *mx = put_place(&b->maxes, key);
    Agraph_t *s = union_cluster(b, g, cluster_of(g, n));
    if (!sz || !mx || !s || !agnode(s, agnameof(n), 1)) { rc = HR_ENOMEM; break; }
    sz->w = ND_width(n) * 72.0;
    sz->h = ND_height(n) * 72.0;
    if (sz->w > mx->w) mx->w = sz->w;
    if (sz->h > mx->h) mx->h = sz->h;
  }
  for (Agnode_t *n = agfstnode(g); n && rc == HR_OK; n = agnxtnode(g, n))
    for (Agedge_t *e = agfstout(g, n); e && rc == HR_OK; e = agnxtout(g, e)) {
      Agnode_t *t = agnode(b->u, agnameof(agtail(e)), 0), *h = agnode(b->u, agnameof(aghead(e)), 0);
      if (!t || !h) continue;
      if (!agedge(b->u, t, h, NULL, 0) && !agedge(b->u, t, h, NULL, 1)) rc = HR_ENOMEM;
    }
  gvFreeLayout(gvc, g);
  agclose(g);
  return rc == HR_ENOMEM ? rnd_ctx_fail(b->c, rc, NULL) : rc;
}

static void union_defaults(Agraph_t *u, Agraph_t *like) {
  static const char *const copy[] = {"rankdir", "nodesep", "ranksep", "pad", "fontname", "fontsize",
                                     "labelloc", "labeljust", NULL};
  for (int k = 0; copy[k]; k++) agattr(u, AGRAPH, (char *)copy[k], agget(like, (char *)copy[k]));
  agattr(u, AGNODE, "shape", "box");
  agattr(u, AGNODE, "fixedsize", "true");
  agattr(u, AGNODE, "label", "");
}

/* Lay the union out once and keep where everything went. */
static int lay_out_union(struct board *b) {
  char num[32];
  for (Agnode_t *n = agfstnode(b->u); n; n = agnxtnode(b->u, n)) {
    place *mx = ana_map_get(&b->maxes, node_key(n));
    snprintf(num, sizeof num, "%.4f", mx->w / 72.0);
    agsafeset(n, "width", num, "");
    snprintf(num, sizeof num, "%.4f", mx->h / 72.0);
    agsafeset(n, "height", num, "");
  }
  GVC_t *gvc = rnd_ctx_gvc(b->c);
  if (gvLayout(gvc, b->u, "dot") != 0)
    return rnd_ctx_fail(b->c, HR_EIO, hr_sprintf("graphviz cannot lay out the storyboard: %s",
                                                 rnd_output_last_error()));
  int rc = HR_OK;
  for (Agnode_t *n = agfstnode(b->u); n && rc == HR_OK; n = agnxtnode(b->u, n)) {
    place *p = put_place(&b->places, node_key(n));
    if (!p) { rc = HR_ENOMEM; break; }
    p->x = ND_coord(n).x;
    p->y = ND_coord(n).y;
    p->w = ND_width(n) * 72.0;
    p->h = ND_height(n) * 72.0;
  }
  for (int k = 0; k < NCLUSTERS; k++) {
    Agraph_t *s = agsubg(b->u, (char *)clusters[k], 0);
    if (s) { b->cbb[k] = GD_bb(s); b->has_cbb[k] = 1; }
  }
  b->bb = GD_bb(b->u);
  gvFreeLayout(gvc, b->u);
  return rc == HR_ENOMEM ? rnd_ctx_fail(b->c, rc, NULL) : rc;
}

static void set_bb(void *obj, boxf bb) {
  char buf[128];
  snprintf(buf, sizeof buf, "%.2f,%.2f,%.2f,%.2f", bb.LL.x, bb.LL.y, bb.UR.x, bb.UR.y);
  agsafeset(obj, "bb", buf, "");
}

/* Point i's graph with every node pinned at its top-left corner in the
** shared layout, rendered by neato's no-op mode (which only routes edges). */
static int render_pinned(struct board *b, size_t i, int fmt, char **bytes, size_t *len) {
  Agraph_t *g = point_graph(b, i);
  if (!g) return HR_EIO;
  char buf[64];
  for (Agnode_t *n = agfstnode(g); n; n = agnxtnode(g, n)) {
    uint64_t key = node_key(n);
    place *at = ana_map_get(&b->places, key), *sz = ana_map_get(&b->sizes[i], key);
    if (!at || !sz) continue;
    snprintf(buf, sizeof buf, "%.2f,%.2f!", at->x - at->w / 2 + sz->w / 2, at->y + at->h / 2 - sz->h / 2);
    agsafeset(n, "pos", buf, "");
  }
  for (int k = 0; k < NCLUSTERS; k++) {
    Agraph_t *s = agsubg(g, (char *)clusters[k], 0);
    if (s && b->has_cbb[k]) set_bb(s, b->cbb[k]);
  }
  set_bb(g, b->bb);
  agsafeset(g, "splines", "true", "");
  char *err = NULL;
  int rc = rnd_output_render(rnd_ctx_gvc(b->c), g, fmt, "nop2", 0, bytes, len, &err);
  agclose(g);
  return rc ? rnd_ctx_fail(b->c, rc, err) : HR_OK;
}

static void board_reset(struct board *b) {
  for (size_t i = 0; b->sizes && i < b->n; i++) free_places(&b->sizes[i]);
  hr_free(b->sizes);
  free_places(&b->places);
  free_places(&b->maxes);
  if (b->u) agclose(b->u);
}

int rnd_board_render(rnd_ctx *c, const rnd_point *pts, size_t n, int fmt,
                     char ***out, size_t **lens) {
  struct board b;
  memset(&b, 0, sizeof b);
  b.c = c;
  b.pts = pts;
  b.n = n;
  *out = NULL;
  *lens = NULL;
  char **bufs = hr_calloc(n ? n : 1, sizeof *bufs);
  size_t *ls = hr_calloc(n ? n : 1, sizeof *ls);
  b.sizes = hr_calloc(n ? n : 1, sizeof *b.sizes);
  b.u = agopen("storyboard", Agdirected, NULL);
  int rc = bufs && ls && b.sizes && b.u ? HR_OK : rnd_ctx_fail(c, HR_ENOMEM, NULL);
  if (rc == HR_OK && n) {
    Agraph_t *first = point_graph(&b, 0);
    if (!first) rc = HR_EIO;
    else { union_defaults(b.u, first); agclose(first); }
  }
  for (size_t i = 0; rc == HR_OK && i < n; i++) rc = measure(&b, i);
  if (rc == HR_OK && n) rc = lay_out_union(&b);
  for (size_t i = 0; rc == HR_OK && i < n; i++) rc = render_pinned(&b, i, fmt, &bufs[i], &ls[i]);
  board_reset(&b);
  if (rc) {
    for (size_t i = 0; bufs && i < n; i++) hr_free(bufs[i]);
    hr_free(bufs);
    hr_free(ls);
    return rc;
  }
  *out = bufs;
  *lens = ls;
  return HR_OK;
}

int rnd_board_write(rnd_ctx *c, const rnd_point *pts, size_t n, int fmt, const char *dir) {
  char **bufs = NULL;
  size_t *lens = NULL;
  int rc = rnd_board_render(c, pts, n, fmt, &bufs, &lens);
  if (rc) return rc;
  size_t dl = strlen(dir);
  for (size_t i = 0; i < n; i++) {
    char name[64];
    rnd_board_name(rnd_ctx_trace(c), &pts[i], i, fmt, name, sizeof name);
    char *path = hr_sprintf("%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", name);
    char *err = NULL;
    if (rc == HR_OK) {
      rc = path ? rnd_output_write(path, bufs[i], lens[i], &err) : HR_ENOMEM;
      if (rc) rnd_ctx_fail(c, rc, err);
    }
    hr_free(path);
    hr_free(bufs[i]);
  }
  hr_free(bufs);
  hr_free(lens);
  return rc;
}
