/* ana_history.c — one scan over an object's lifetime, following its holders. */
#include "ana_history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ana_finished.h"
#include "ana_point.h"
#include "ana_region.h"
#include "ana_state.h"
#include "hr_mem.h"
#include "hr_status.h"
#include "trc_scan.h"

typedef struct hold {
  uint64_t holder, arg;
  int kind;
} hold;

struct hist_pass {
  ana_trace *t;
  ana_history *h;
  uint64_t step_loc;
  uint64_t site, site_seq;   /* the latest site event's stack and seq */
  int64_t refcount;
  int found;
  hold *holds;        /* slots that refer to the object now */
  size_t nholds, capholds;
  size_t cap;
  int oom;
};

static void add_event(struct hist_pass *p, const trc_event *ev, int kind, int slot_kind,
                      uint64_t arg, uint64_t holder) {
  ana_history *h = p->h;
  if (h->nev == p->cap) {
    size_t ncap = p->cap ? p->cap * 2 : 32;
    ana_hist_event *ne = hr_realloc(h->ev, ncap * sizeof *ne);
    if (!ne) {
      p->oom = 1;
      return;
    }
    h->ev = ne;
    p->cap = ncap;
  }
  ana_hist_event *e = &h->ev[h->nev++];
  e->seq = ev->seq;
  e->step = ev->step;
  e->location = p->step_loc;
  e->kind = kind;
  e->slot_kind = slot_kind;
  e->slot_arg = arg;
  e->holder = holder;
  e->refcount = p->refcount;
}

static long find_hold(struct hist_pass *p, uint64_t holder, int kind, uint64_t arg) {
  for (size_t i = 0; i < p->nholds; i++)
    if (p->holds[i].holder == holder && p->holds[i].kind == kind && p->holds[i].arg == arg)
      return (long)i;
  return -1;
}

static void drop_hold(struct hist_pass *p, size_t i, const trc_event *ev) {
  hold hd = p->holds[i];
  p->holds[i] = p->holds[--p->nholds];
  add_event(p, ev, ANA_HIST_UNBIND, hd.kind, hd.arg, hd.holder);
}

/* Every slot of holder (a frame that returned, an object freed) lets go. */
static void drop_holder(struct hist_pass *p, uint64_t holder, int frames, const trc_event *ev) {
  for (size_t i = p->nholds; i-- > 0;)
    if (p->holds[i].holder == holder && TRC_SLOT_HOLDER_IS_FRAME(p->holds[i].kind) == frames)
      drop_hold(p, i, ev);
}

static void on_bind(struct hist_pass *p, const trc_event *ev) {
  uint64_t obj = p->h->object;
  int kind = (int)ev->f[1];
  long i = find_hold(p, ev->f[0], kind, ev->f[2]);
  if (ev->kind == TRC_EV_UNBIND || ev->f[3] != obj) {
    /* An unbind of one of its slots, or a rebinding that replaces it. */
    if (i >= 0) drop_hold(p, (size_t)i, ev);
    else if (ev->kind == TRC_EV_UNBIND && ev->f[3] == obj)
      add_event(p, ev, ANA_HIST_UNBIND, kind, ev->f[2], ev->f[0]);
    return;
  }
  if (i < 0) {
    if (p->nholds == p->capholds) {
      size_t ncap = p->capholds ? p->capholds * 2 : 16;
      hold *nh = hr_realloc(p->holds, ncap * sizeof *nh);
      if (!nh) {
        p->oom = 1;
        return;
      }
      p->holds = nh;
      p->capholds = ncap;
    }
    p->holds[p->nholds].holder = ev->f[0];
    p->holds[p->nholds].kind = kind;
    p->holds[p->nholds].arg = ev->f[2];
    p->nholds++;
  }
  add_event(p, ev, ANA_HIST_BIND, kind, ev->f[2], ev->f[0]);
}

static void on_own(struct hist_pass *p, const trc_event *ev) {
  ana_history *h = p->h;
  if (!p->found) {
    p->found = 1;
    h->type = ev->f[1];
    h->size = h->alloc_size = ev->f[2];
    h->address = ev->f[3];
    h->preexisting = ev->kind == TRC_EV_TRACK;
    h->alloc_seq = ev->seq;
    h->alloc_step = ev->step;
    h->alloc_location = p->step_loc;
    p->refcount = h->preexisting ? -1 : 1;
    /* A site event right before a track event: where it was made, seen
    ** outside the regions (FORMAT.md, "Full traces in regions"). */
    if (h->preexisting && p->site_seq && p->site_seq + 1 == ev->seq) h->made_stack = p->site;
  }
}

static int hist_cb(void *ctx, const trc_event *ev) {
  struct hist_pass *p = ctx;
  uint64_t obj = p->h->object;
  switch (ev->kind) {
  case TRC_EV_STEP: p->step_loc = ev->f[1]; break;
  case TRC_EV_SITE:
    p->site = ev->f[0];
    p->site_seq = ev->seq;
    break;
  case TRC_EV_ALLOC:
  case TRC_EV_TRACK:
    if (ev->f[0] == obj) on_own(p, ev);
    break;
  case TRC_EV_VALUE:
    if (ev->f[0] == obj && p->found) p->h->value = ev->f[1];
    break;
  case TRC_EV_BIND:
  case TRC_EV_UNBIND:
    if (p->found) on_bind(p, ev);
    break;
  case TRC_EV_INCREF:
  case TRC_EV_DECREF:
    if (ev->f[0] != obj || !p->found) break;
    p->refcount = (int64_t)ev->f[1];
    add_event(p, ev, ev->kind == TRC_EV_INCREF ? ANA_HIST_INCREF : ANA_HIST_DECREF, 0, 0, 0);
    break;
  case TRC_EV_RESIZE:
    if (ev->f[0] != obj || !p->found) break;
    p->h->size = ev->f[1];
    add_event(p, ev, ANA_HIST_RESIZE, 0, 0, 0);
    if (!p->oom) p->h->ev[p->h->nev - 1].size = ev->f[1];
    break;
  case TRC_EV_RETURN:
    if (!p->found) break;
    drop_holder(p, ev->f[0], 1, ev);
    if (ev->f[1] == obj) add_event(p, ev, ANA_HIST_RETURN, 0, 0, ev->f[0]);
    break;
  case TRC_EV_FREE:
    if (!p->found) break;
    if (ev->f[0] != obj) {
      drop_holder(p, ev->f[0], 0, ev);
      break;
    }
    p->h->freed = 1;
    p->h->free_by_gc = (ev->f[1] & TRC_FREE_GC) != 0;
    p->h->free_seq = ev->seq;
    p->h->free_step = ev->step;
    p->h->free_location = p->step_loc;
    return ANA_SCAN_STOP;
  default: break;
  }
  return p->oom ? HR_ENOMEM : 0;
}

static const char sql_object_range[] =
  "SELECT alloc_seq, alloc_step, free_seq FROM objects WHERE id = ?1";

/* The seq range to scan: from the step event that opens the alloc's step to
** the free, from the objects table; the whole trace when the table does not
** know the object. */
static void scan_range(ana_trace *t, uint64_t id, uint64_t *lo, uint64_t *hi) {
  sqlite3_stmt *st = NULL;
  *lo = 1;
  *hi = trc_reader_last_seq(ana_trace_reader(t));
  if (sqlite3_prepare_v2(ana_trace_db(t), sql_object_range, -1, &st, NULL) != SQLITE_OK) return;
  sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
  if (sqlite3_step(st) == SQLITE_ROW) {
    uint64_t aseq = (uint64_t)sqlite3_column_int64(st, 0);
    uint64_t astep = (uint64_t)sqlite3_column_int64(st, 1);
    if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
      uint64_t fseq = (uint64_t)sqlite3_column_int64(st, 2);
      if (fseq >= aseq && fseq < *hi) *hi = fseq;
    }
    trc_event ev;
    if (astep && ana_trace_step_event(t, astep, &ev) == HR_OK && ev.seq <= aseq) *lo = ev.seq;
    if (*lo >= aseq && aseq > 1) *lo = aseq - 1;   /* a site event may come just before */
  }
  sqlite3_finalize(st);
  ana_trace_fail(t, HR_OK, "%s", "");
}

/* The Python stack when the object was made, from a replay up to its alloc. */
static int alloc_stack(ana_trace *t, ana_history *h) {
  ana_state *s = ana_state_new();
  if (!s) return HR_ENOMEM;
  int rc = ana_trace_state_at_seq(t, h->alloc_seq, s);
  size_t n = 0;
  for (const ana_frame *f = ana_state_frame(s, ana_state_frame_id(s)); rc == HR_OK && f && n < 10000;
       f = ana_state_frame(s, f->parent))
    n++;
  if (rc == HR_OK && n) {
    h->stack = hr_calloc(n, sizeof *h->stack);
    if (!h->stack) rc = HR_ENOMEM;
  }
  size_t k = n;
  for (const ana_frame *f = ana_state_frame(s, ana_state_frame_id(s)); rc == HR_OK && f && k > 0;
       f = ana_state_frame(s, f->parent)) {
    k--;
    h->stack[k].frame = f->id;
    h->stack[k].location = f->cur_location ? f->cur_location : f->location;
  }
  if (rc == HR_OK) h->nstack = n;
  ana_state_free(s);
  return rc;
}

static int hist_batch(void *ctx, const trc_event *ev, size_t n) {
  for (size_t i = 0; i < n; i++) {
    int rc = hist_cb(ctx, &ev[i]);
    if (rc) return rc;
  }
  return 0;
}

int ana_history_compute(ana_trace *t, uint64_t id, ana_history *h) {
  memset(h, 0, sizeof *h);
  h->object = id;
  uint64_t lo, hi;
  scan_range(t, id, &lo, &hi);
  struct hist_pass p;
  memset(&p, 0, sizeof p);
  p.t = t;
  p.h = h;
  int rc = ana_trace_scan_batch(t, TRC_SCAN_SEQ, lo, hi, hist_batch, &p);
  hr_free(p.holds);
  if (rc == HR_OK && !p.found)
    rc = ana_trace_fail(t, HR_ENOTFOUND, "no object #%llu in the trace", (unsigned long long)id);
  if (rc == HR_OK) rc = alloc_stack(t, h);
  if (rc == HR_ENOMEM) ana_trace_fail(t, rc, "out of memory");
  if (rc) ana_history_reset(h);
  return rc;
}

void ana_history_reset(ana_history *h) {
  hr_free(h->ev);
  hr_free(h->stack);
  memset(h, 0, sizeof *h);
}

void ana_holder_label(ana_trace *t, int is_frame, uint64_t holder, char *buf, size_t n) {
  if (is_frame) {
    const ana_frame_info *fi = ana_trace_frame_info(t, holder);
    const char *fn = fi ? ana_trace_location(t, fi->location).function : "?";
    snprintf(buf, n, "frame %llu (%s)", (unsigned long long)holder, fn);
    return;
  }
  snprintf(buf, n, "#%llu %s", (unsigned long long)holder,
           ana_trace_type_name(t, ana_trace_object_type(t, holder)));
}

/* NAME in the slots of f (only its globals unless any_kind). */
static const ana_slot *slot_named(ana_trace *t, const ana_frame *f, const char *name,
                                  int any_kind) {
  for (uint32_t k = 0; k < f->slots.n; k++) {
    const ana_slot *sl = &f->slots.v[k];
    if (!any_kind && sl->kind != TRC_SLOT_GLOBAL) continue;
    if (strcmp(ana_trace_string(t, sl->arg), name) == 0) return sl;
  }
  return NULL;
}

/* NAME in the running frame of s, then as a global of its callers, then as
** a global the main script left when its frame had returned (the end). */
static uint64_t lookup_name(ana_trace *t, const ana_state *s, uint64_t frame, const char *name,
                            int *found) {
  int depth = 0;
  const ana_slot *sl = NULL;
  for (const ana_frame *f = ana_state_frame(s, frame); f && !sl && depth < 100000;
       f = ana_state_frame(s, f->parent), depth++)
    sl = slot_named(t, f, name, depth == 0);
  if (!sl) {
    size_t n = 0;
    const ana_frame **all = ana_state_frames(s, &n);
    for (size_t i = 0; i < n && !sl; i++)
      if (all[i]->finished) sl = slot_named(t, all[i], name, 0);
    hr_free((void *)all);
  }
  *found = sl != NULL;
  return sl ? sl->obj : 0;
}

int ana_history_name_at(ana_trace *t, const char *name, const char *point, uint64_t step,
                        uint64_t *id) {
  ana_state *s = ana_state_new();
  trc_event ev;
  ana_point p;
  char where[160];
  int rc = s ? HR_OK : HR_ENOMEM;
  if (rc == HR_OK && point) {
    rc = ana_point_resolve(t, point, &p);
    if (rc == HR_OK) rc = ana_region_check(t, p.seq, point);
    if (rc == HR_OK) rc = ana_trace_state_at_seq(t, p.seq, s);
    if (rc == HR_OK) rc = ana_finished_add_main(t, s, p.seq);
    ev.f[0] = ana_state_frame_id(s);
    snprintf(where, sizeof where, "at '%s'", point);
  } else if (rc == HR_OK) {
    rc = ana_trace_state_before_step(t, step, s, &ev);
    snprintf(where, sizeof where, "before step %llu", (unsigned long long)step);
  }
  if (rc == HR_OK) {
    int found;
    *id = lookup_name(t, s, ev.f[0], name, &found);
    if (!found) rc = ana_trace_fail(t, HR_ENOTFOUND, "no name '%s' %s", name, where);
    else if (!*id) rc = ana_trace_fail(t, HR_ENOTFOUND, "name '%s' is unbound %s", name, where);
  }
  if (rc == HR_ENOMEM) ana_trace_fail(t, rc, "out of memory");
  ana_state_free(s);
  return rc;
}
