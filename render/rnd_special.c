/* rnd_special.c — diagrams of one cycle, one leak's retention path, or who
** holds one object (rnd_special.h).
**
** Both build a scene by hand from the analysis's answer and draw it with
** rnd_graph_build: a cycle is its members with every reference between them
** (the row names the slot, the closing one in the accent colour); a leak is
** its root's frame, then each holder on the path down to the group's
** example object, which is marked.
*/
#include "rnd_special.h"

#include <stdio.h>
#include <string.h>

#include "ana_cycles.h"
#include "ana_leaks.h"
#include "ana_refs.h"
#include "ana_state.h"
#include "hr_mem.h"
#include "hr_status.h"
#include "rnd_graph.h"
#include "rnd_internal.h"
#include "rnd_output.h"
#include "rnd_scene.h"

#define PATH_MAX_OBJS 64   /* a longer retention path keeps its root end */

/* Draws the scene (reset here) unless rc, the status of building it, is a
** failure: then the message is the trace's, or "out of memory". */
static int draw(rnd_ctx *c, int rc, rnd_scene *sc, int fmt, char **bytes, size_t *len) {
  if (rc) {
    rnd_scene_reset(sc);
    return rnd_ctx_fail(c, rc, rc == HR_ENOMEM ? NULL : hr_strdup(ana_trace_errmsg(rnd_ctx_trace(c))));
  }
  Agraph_t *g = rnd_graph_build(sc, rnd_ctx_options(c));
  rnd_scene_reset(sc);
  if (!g) return rnd_ctx_fail(c, HR_ENOMEM, NULL);
  char *err = NULL;
  rc = rnd_output_render(rnd_ctx_gvc(c), g, fmt, NULL, 0, bytes, len, &err);
  agclose(g);
  return rc ? rnd_ctx_fail(c, rc, err) : HR_OK;
}

static int add_row(rnd_box *x, const char *key, uint64_t obj, int mark) {
  rnd_row *r = &x->rows[x->nrows++];
  r->key = hr_strdup(key);
  r->obj = obj;
  r->mark = (uint8_t)mark;
  return r->key ? HR_OK : HR_ENOMEM;
}

/* --- one cycle ---------------------------------------------------------------------- */
static int cycle_scene(ana_trace *t, const ana_cycle *cy, uint64_t n, int alive, rnd_scene *sc) {
  ana_state *s = ana_state_new();
  int rc = s ? ana_trace_state_at_seq(t, cy->at_seq, s) : HR_ENOMEM;
  if (rc == HR_OK && !(sc->objs = hr_calloc(cy->nmembers, sizeof *sc->objs))) rc = HR_ENOMEM;
  char label[256];
  for (size_t i = 0; rc == HR_OK && i < cy->nmembers; i++) {
    const ana_obj *o = ana_state_obj(s, cy->members[i]);
    rnd_box *x = &sc->objs[sc->nobjs++];
    if (o) rc = rnd_scene_obj_header(t, o, x);
    else {
      x->id = cy->members[i];
      x->refcount = -1;
      x->kind = RND_K_OTHER;
      x->title = hr_strdup(ana_trace_type_name(t, cy->types[i]));
      rc = x->title ? HR_OK : HR_ENOMEM;
    }
    if (rc == HR_OK && !(x->rows = hr_calloc(cy->nedges ? cy->nedges : 1, sizeof *x->rows))) rc = HR_ENOMEM;
    for (size_t e = 0; rc == HR_OK && e < cy->nedges; e++) {
      if (cy->edges[e].holder != x->id) continue;
      ana_cycles_edge_label(t, &cy->edges[e], label, sizeof label);
      rc = add_row(x, label, cy->edges[e].obj, cy->close_seq && e == cy->close_edge ? RND_NEW : RND_SAME);
    }
  }
  if (rc == HR_OK) {
    if (!alive) sc->caption = hr_sprintf("cycle %llu: collected by the gc run at step %llu",
                                         (unsigned long long)n, (unsigned long long)cy->gc_step);
    else sc->caption = hr_sprintf("cycle %llu: alive at the end, %s", (unsigned long long)n,
                                  cy->reachable ? "reachable" : "unreachable garbage");
    if (!sc->caption) rc = HR_ENOMEM;
  }
  if (rc == HR_OK && cy->close_seq) {
    ana_loc at = ana_trace_location(t, cy->close_location);
    const char *base = strrchr(at.file, '/');
    sc->source = hr_sprintf("closed at step %llu, %s:%u (the thick reference)",
                            (unsigned long long)cy->close_step, base ? base + 1 : at.file, at.line);
    if (!sc->source) rc = HR_ENOMEM;
  }
  ana_state_free(s);
  return rc;
}

int rnd_render_cycle(rnd_ctx *c, uint64_t n, int fmt, char **bytes, size_t *len) {
  ana_trace *t = rnd_ctx_trace(c);
  ana_cycles cs;
  rnd_scene sc;
  memset(&cs, 0, sizeof cs);
  memset(&sc, 0, sizeof sc);
  int rc = ana_cycles_compute(t, &cs);
  if (rc) {
    ana_cycles_reset(&cs);
    return rnd_ctx_fail(c, rc, hr_strdup(ana_trace_errmsg(t)));
  }
  size_t total = cs.nalive + cs.ncollected;
  if (n < 1 || n > total) {
    ana_cycles_reset(&cs);
    return rnd_ctx_fail(c, HR_ERANGE, total ? hr_sprintf("no cycle %llu: the trace has %zu",
                                                         (unsigned long long)n, total)
                                            : hr_strdup("the trace has no reference cycles"));
  }
  int alive = n <= cs.nalive;
  const ana_cycle *cy = alive ? &cs.alive[n - 1] : &cs.collected[n - 1 - cs.nalive];
  rc = cycle_scene(t, cy, n, alive, &sc);
  ana_cycles_reset(&cs);
  return draw(c, rc, &sc, fmt, bytes, len);
}

/* --- one leak's retention path ------------------------------------------------------- */
static int leak_scene(ana_trace *t, const ana_leaks *l, const ana_leak_group *g, uint64_t n,
                      rnd_scene *sc) {
  const ana_state *s = ana_heap_state(l->heap);
  uint64_t path[PATH_MAX_OBJS];
  const ana_reach *via[PATH_MAX_OBJS];
  size_t np = 0;
  /* Walk up from the example to the root, then draw root first. */
  uint64_t cur = g->example;
  const ana_reach *r = ana_map_get(&l->reach, cur);
  if (!r) return ana_trace_fail(t, HR_ENOTFOUND, "leak group %llu has no retention path",
                                (unsigned long long)n);
  while (r && np < PATH_MAX_OBJS) {
    path[np] = cur;
    via[np] = r;
    np++;
    if (r->depth == 1) break;
    cur = r->from;
    r = ana_map_get(&l->reach, cur);
  }
  const ana_root *root = &l->roots[via[np - 1]->arg];
  sc->frames = hr_calloc(1, sizeof *sc->frames);
  sc->objs = hr_calloc(np, sizeof *sc->objs);
  if (!sc->frames || !sc->objs) return HR_ENOMEM;
  rnd_box *f = &sc->frames[sc->nframes++];
  const ana_frame_info *fi = ana_trace_frame_info(t, root->frame);
  f->id = root->frame;
  f->kind = RND_K_FRAME;
  f->refcount = -1;
  f->active = 1;
  f->title = hr_strdup(fi ? ana_trace_location(t, fi->location).function : "?");
  f->sub = hr_strdup(root->live ? "live" : "returned");
  f->rows = hr_calloc(1, sizeof *f->rows);
  if (!f->title || !f->sub || !f->rows) return HR_ENOMEM;
  int rc = add_row(f, ana_trace_string(t, root->arg), path[np - 1], RND_SAME);
  char label[256];
  for (size_t i = np; rc == HR_OK && i-- > 0;) {
    const ana_obj *o = ana_state_obj(s, path[i]);
    rnd_box *x = &sc->objs[sc->nobjs++];
    if (!o) return HR_ENOTFOUND;
    if ((rc = rnd_scene_obj_header(t, o, x))) return rc;
    if (i == 0) { x->mark = RND_NEW; break; }
    if (!(x->rows = hr_calloc(1, sizeof *x->rows))) return HR_ENOMEM;
    ana_heap_slot_label(t, l->heap, via[i - 1]->kind, via[i - 1]->arg, label, sizeof label);
    rc = add_row(x, label, path[i - 1], RND_SAME);
  }
  if (rc) return rc;
  sc->caption = hr_sprintf("leak %llu: %llu %s object%s, %llu bytes alive at the end",
                           (unsigned long long)n, (unsigned long long)g->count,
                           ana_trace_type_name(t, g->type), g->count == 1 ? "" : "s",
                           (unsigned long long)g->bytes);
  sc->source = hr_strdup("the retention path from a root to one of them (marked)");
  return sc->caption && sc->source ? HR_OK : HR_ENOMEM;
}

int rnd_render_leak(rnd_ctx *c, uint64_t n, int fmt, char **bytes, size_t *len) {
  ana_trace *t = rnd_ctx_trace(c);
  ana_leaks l;
  rnd_scene sc;
  memset(&l, 0, sizeof l);
  memset(&sc, 0, sizeof sc);
  int rc = ana_leaks_compute(t, &l);
  if (rc == HR_OK && (n < 1 || n > l.ngroups))
    rc = ana_trace_fail(t, HR_ERANGE, l.ngroups ? "no leak group %llu: the trace has %zu"
                                                : "no leak group %llu: nothing the program allocated "
                                                  "is reachable at the end", (unsigned long long)n, l.ngroups);
  if (rc == HR_OK) rc = leak_scene(t, &l, &l.groups[n - 1], n, &sc);
  ana_leaks_reset(&l);
  return draw(c, rc, &sc, fmt, bytes, len);
}

/* --- who holds one object ----------------------------------------------------------- */

/* One reference to draw: from a frame (a root) or an object, to an object. */
struct ref_edge {
  uint64_t from;     /* frame id (is_root) or object id */
  uint8_t is_root;
  uint8_t kind;
  uint64_t arg;
  uint64_t to;
  size_t root;       /* index into the roots when is_root */
};

static int push_edge(struct ref_edge **v, size_t *n, size_t *cap, struct ref_edge e) {
  for (size_t i = 0; i < *n; i++)
    if ((*v)[i].from == e.from && (*v)[i].is_root == e.is_root && (*v)[i].kind == e.kind &&
        (*v)[i].arg == e.arg && (*v)[i].to == e.to) return HR_OK;
  if (*n == *cap) {
    struct ref_edge *nv = hr_grow(*v, cap, *n + 1, sizeof *nv, 16);
    if (!nv) return HR_ENOMEM;
    *v = nv;
  }
  (*v)[(*n)++] = e;
  return HR_OK;
}

static int edge_from_hop(const ana_refs *r, const ana_ref *h, uint64_t to, struct ref_edge *e) {
  memset(e, 0, sizeof *e);
  e->to = to;
  e->kind = h->kind;
  e->arg = h->arg;
  if (h->holder) {
    e->from = h->holder;
    return HR_OK;
  }
  e->is_root = 1;
  e->root = h->root;
  e->from = r->roots[h->root].frame;
  return HR_OK;
}

static int box_rows(rnd_box *x, const struct ref_edge *e, size_t ne, int is_root) {
  size_t n = 0;
  for (size_t i = 0; i < ne; i++) n += e[i].is_root == is_root && e[i].from == x->id;
  x->rows = hr_calloc(n ? n : 1, sizeof *x->rows);
  return x->rows ? HR_OK : HR_ENOMEM;
}

static int referrers_scene(ana_trace *t, const ana_refs *r, rnd_scene *sc) {
  const ana_state *s = ana_heap_state(r->heap);
  struct ref_edge *e = NULL;
  size_t ne = 0, cap = 0;
  int rc = HR_OK;
  for (size_t p = 0; rc == HR_OK && p < r->npaths; p++)
    for (size_t k = r->path_start[p]; rc == HR_OK && k < r->path_start[p + 1]; k++) {
      uint64_t to = k + 1 < r->path_start[p + 1] ? r->hops[k + 1].holder : r->obj;
      struct ref_edge ed;
      edge_from_hop(r, &r->hops[k], to, &ed);
      rc = push_edge(&e, &ne, &cap, ed);
    }
  for (size_t i = 0; rc == HR_OK && i < r->ndirect; i++) {
    struct ref_edge ed;
    edge_from_hop(r, &r->direct[i], r->obj, &ed);
    rc = push_edge(&e, &ne, &cap, ed);
  }
  /* Boxes: each frame and object that appears, the object itself last. */
  sc->frames = rc == HR_OK ? hr_calloc(ne + 1, sizeof *sc->frames) : NULL;
  sc->objs = rc == HR_OK ? hr_calloc(ne + 2, sizeof *sc->objs) : NULL;
  if (rc == HR_OK && (!sc->frames || !sc->objs)) rc = HR_ENOMEM;
  char label[256];
  for (size_t i = 0; rc == HR_OK && i < ne; i++) {
    rnd_box *x = NULL;
    if (e[i].is_root) {
      for (size_t k = 0; k < sc->nframes && !x; k++) if (sc->frames[k].id == e[i].from) x = &sc->frames[k];
      if (!x) {
        const ana_root *root = &r->roots[e[i].root];
        const ana_frame_info *fi = ana_trace_frame_info(t, root->frame);
        x = &sc->frames[sc->nframes++];
        x->id = root->frame;
        x->kind = RND_K_FRAME;
        x->refcount = -1;
        x->active = 1;
        x->title = hr_strdup(fi ? ana_trace_location(t, fi->location).function : "?");
        x->sub = hr_strdup(root->live ? "live" : "returned");
        if (!x->title || !x->sub || (rc = box_rows(x, e, ne, 1))) { rc = HR_ENOMEM; break; }
      }
      rc = add_row(x, ana_trace_string(t, e[i].arg), e[i].to, RND_SAME);
    } else {
      for (size_t k = 0; k < sc->nobjs && !x; k++) if (sc->objs[k].id == e[i].from) x = &sc->objs[k];
      if (!x) {
        const ana_obj *o = ana_state_obj(s, e[i].from);
        if (!o) continue;
        x = &sc->objs[sc->nobjs++];
        if ((rc = rnd_scene_obj_header(t, o, x)) || (rc = box_rows(x, e, ne, 0))) break;
      }
      ana_heap_slot_label(t, r->heap, e[i].kind, e[i].arg, label, sizeof label);
      rc = add_row(x, label, e[i].to, RND_SAME);
    }
  }
  if (rc == HR_OK) {
    const ana_obj *o = ana_state_obj(s, r->obj);
    rnd_box *x = NULL;
    for (size_t k = 0; k < sc->nobjs && !x; k++) if (sc->objs[k].id == r->obj) x = &sc->objs[k];
    if (!x && o) {
      x = &sc->objs[sc->nobjs++];
      rc = rnd_scene_obj_header(t, o, x);
    }
    if (rc == HR_OK && x) x->mark = RND_NEW;
  }
  hr_free(e);
  if (rc) return rc;
  sc->caption = hr_sprintf("#%llu: %zu referrer%s, %zu path%s from a root%s; retains %llu bytes",
                           (unsigned long long)r->obj, r->ndirect, r->ndirect == 1 ? "" : "s",
                           r->npaths, r->npaths == 1 ? "" : "s", r->truncated ? " (more not drawn)" : "",
                           (unsigned long long)r->retained_bytes);
  sc->source = hr_strdup("who holds the marked object at the end of the main script");
  return sc->caption && sc->source ? HR_OK : HR_ENOMEM;
}

int rnd_render_referrers(rnd_ctx *c, uint64_t obj, int fmt, char **bytes, size_t *len) {
  ana_trace *t = rnd_ctx_trace(c);
  ana_refs r;
  rnd_scene sc;
  memset(&sc, 0, sizeof sc);
  uint64_t end;
  int is_mark;
  ana_heap_end(t, &end, &is_mark);
  int rc = ana_refs_compute(t, end, obj, 32, 20, &r);
  if (rc == HR_OK) rc = referrers_scene(t, &r, &sc);
  ana_refs_reset(&r);
  return draw(c, rc, &sc, fmt, bytes, len);
}
