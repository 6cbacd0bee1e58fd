/* rnd_special.c — diagrams of one cycle or one leak's retention path (rnd_special.h).
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
