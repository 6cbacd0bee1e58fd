/* rnd_render.c — the render library's entry points (rnd_render.h). */
#include "rnd_render.h"

#include <string.h>

#include <graphviz/gvc.h>

#include "hr_mem.h"
#include "hr_status.h"
#include "ana_region.h"
#include "rnd_graph.h"
#include "rnd_internal.h"
#include "rnd_output.h"
#include "rnd_scene.h"

struct rnd_ctx {
  ana_trace *t;       /* borrowed */
  rnd_options o;
  GVC_t *gvc;         /* owned */
  char *err;          /* owned: the last failure's reason */
  rnd_progress_fn progress;
  void *progress_arg;
};

void rnd_ctx_set_progress(rnd_ctx *c, rnd_progress_fn fn, void *arg) {
  c->progress = fn;
  c->progress_arg = arg;
}

void rnd_ctx_progress(rnd_ctx *c, size_t done, size_t total) {
  if (c->progress) c->progress(c->progress_arg, done, total);
}

void rnd_ctx_copy_progress(rnd_ctx *to, const rnd_ctx *from) {
  to->progress = from->progress;
  to->progress_arg = from->progress_arg;
}

void rnd_options_init(rnd_options *o) {
  memset(o, 0, sizeof *o);
  o->show = RND_SHOW_REFCOUNT;
  o->max_items = RND_MAX_ITEMS;
  o->max_objects = RND_MAX_OBJECTS;
  o->theme = RND_THEME_LIGHT;
}

int rnd_name_in_list(const char *name, const char *list) {
  size_t n = strlen(name);
  for (const char *p = list; p && *p;) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len == n && strncmp(p, name, n) == 0) return 1;
    p = end ? end + 1 : NULL;
  }
  return 0;
}

int rnd_point_before(const rnd_point *a, const rnd_point *b) {
  /* A step point (seq 0) is the state before its step's first event, so
  ** before every mark inside that step. */
  if (a->step != b->step) return a->step < b->step;
  return a->seq < b->seq;
}

int rnd_point_step(ana_trace *t, uint64_t step, rnd_point *p) {
  trc_event ev;
  int rc = ana_trace_step_event(t, step, &ev);
  if (rc) return rc;
  p->step = step;
  p->seq = 0;
  return HR_OK;
}

int rnd_point_line(ana_trace *t, uint32_t line, uint64_t k, rnd_point *p) {
  uint64_t step;
  int rc = ana_trace_line_step(t, line, k, &step);
  if (rc) return rc;
  p->step = step;
  p->seq = 0;
  return HR_OK;
}

int rnd_point_mark(ana_trace *t, const char *label, rnd_point *p) {
  uint64_t seq, step;
  int rc = ana_trace_mark(t, label, &seq, &step);
  if (rc == HR_OK) rc = ana_region_check(t, seq - 1, label);
  if (rc) return rc;
  p->step = step;
  p->seq = seq;
  return HR_OK;
}

int rnd_ctx_new(ana_trace *t, const rnd_options *o, rnd_ctx **out) {
  *out = NULL;
  rnd_ctx *c = hr_calloc(1, sizeof *c);
  if (!c) return HR_ENOMEM;
  c->t = t;
  c->o = *o;
  rnd_output_capture_errors();
  c->gvc = gvContext();
  if (!c->gvc) {
    hr_free(c);
    return HR_EUSAGE;
  }
  *out = c;
  return HR_OK;
}

void rnd_ctx_free(rnd_ctx *c) {
  if (!c) return;
  gvFreeContext(c->gvc);
  hr_free(c->err);
  hr_free(c);
}

ana_trace *rnd_ctx_trace(rnd_ctx *c) { return c->t; }
const rnd_options *rnd_ctx_options(const rnd_ctx *c) { return &c->o; }
const char *rnd_ctx_errmsg(const rnd_ctx *c) { return c->err ? c->err : ""; }

/* Keep msg (owned) as the context's reason and return status. */
int rnd_ctx_fail(rnd_ctx *c, int status, char *msg) {
  hr_free(c->err);
  c->err = msg ? msg : hr_strdup(hr_status_str(status));
  return status;
}

GVC_t *rnd_ctx_gvc(rnd_ctx *c) { return c->gvc; }

int rnd_render_point(rnd_ctx *c, const rnd_point *p, int fmt, char **bytes, size_t *len) {
  rnd_scene sc;
  *bytes = NULL;
  *len = 0;
  int rc = rnd_scene_build(c->t, p, &c->o, &sc);
  if (rc) return rnd_ctx_fail(c, rc, hr_strdup(ana_trace_errmsg(c->t)));
  Agraph_t *g = rnd_graph_build(&sc, &c->o);
  rnd_scene_reset(&sc);
  if (!g) return rnd_ctx_fail(c, HR_ENOMEM, hr_strdup("out of memory"));
  char *err = NULL;
  rc = rnd_output_render(c->gvc, g, fmt, NULL, 0, bytes, len, &err);
  agclose(g);
  return rc ? rnd_ctx_fail(c, rc, err ? err : hr_strdup(hr_status_str(rc))) : HR_OK;
}

int rnd_render_step(rnd_ctx *c, uint64_t step, int fmt, char **bytes, size_t *len) {
  rnd_point p;
  int rc = rnd_point_step(c->t, step, &p);
  if (rc) return rnd_ctx_fail(c, rc, hr_strdup(ana_trace_errmsg(c->t)));
  return rnd_render_point(c, &p, fmt, bytes, len);
}
