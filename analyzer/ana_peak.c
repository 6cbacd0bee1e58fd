/* ana_peak.c — the peak of the mem events, the heap then, and the series. */
#include "ana_peak.h"

#include <string.h>

#include "ana_stacks.h"
#include "hr_mem.h"
#include "hr_status.h"

struct find {
  ana_peak *p;
  uint64_t step_loc;
  ana_stacks *stacks;  /* alloc traces: site events name stacks */
  uint64_t site, first_free_site, peak_site;
  ana_peak_pick pick;
  uint64_t width;      /* steps per bucket */
  int in_bucket;       /* the series' current bucket has points */
  uint64_t bucket;
  ana_mem_point hi, lo;/* its highest and lowest bytes, and where */
};

/* Close the current bucket: its low and high points, in the order they came. */
static void bucket_flush(struct find *f) {
  ana_peak *p = f->p;
  if (!f->in_bucket) return;
  f->in_bucket = 0;
  ana_mem_point a = f->lo, b = f->hi;
  if (a.step >= b.step) a = f->hi, b = f->lo;   /* one event's high came before its now */
  p->series[p->nseries++] = a;
  if (b.step != a.step || b.bytes != a.bytes) p->series[p->nseries++] = b;
}

/* A mem event at step: bytes now, and high, the highest since the one before. */
static void add_point(struct find *f, uint64_t step, uint64_t now, uint64_t high) {
  uint64_t b = step / f->width;
  if (b >= ANA_PEAK_BUCKETS) b = ANA_PEAK_BUCKETS - 1;
  if (f->in_bucket && step < f->hi.step && step < f->lo.step) return;   /* steps went back */
  if (f->in_bucket && b != f->bucket) bucket_flush(f);
  if (!f->in_bucket) {
    f->in_bucket = 1;
    f->bucket = b;
    f->hi = (ana_mem_point){step, high};
    f->lo = (ana_mem_point){step, now};
    return;
  }
  if (high > f->hi.bytes) f->hi = (ana_mem_point){step, high};
  if (now < f->lo.bytes) f->lo = (ana_mem_point){step, now};
}

void ana_peak_pick_free(ana_peak_pick *k, const trc_event *ev, uint64_t location) {
  if (k->free_seq) return;
  k->free_seq = ev->seq;
  k->free_step = ev->step;
  k->free_loc = location;
}

int ana_peak_pick_mem(ana_peak_pick *k, const trc_event *ev, uint64_t location) {
  uint64_t now = ev->f[0], high = ev->f[1] > now ? ev->f[1] : now;
  int moved = 0;
  k->nmem++;
  /* A peak at step 0 (the recorder's own start-up, before the program's
  ** first instruction) gives way to any later one. */
  if (!k->found || high > k->bytes || !k->step) {
    moved = 1;
    k->found = 1;
    k->bytes = high;
    /* A high above the count now was reached before memory fell: just
    ** before the first free since the previous mem event. */
    k->at_free = high > now && k->free_seq;
    k->unresolved = high > now && !k->free_seq && k->nmem == 1;
    if (k->at_free) {
      k->at_seq = k->free_seq - 1;
      k->step = k->free_step;
      k->location = k->free_loc;
    } else {
      k->at_seq = ev->seq;
      k->step = ev->step;
      k->location = location;
    }
  }
  k->free_seq = 0;
  return moved;
}

static int find_cb(void *ctx, const trc_event *ev) {
  struct find *f = ctx;
  ana_peak *p = f->p;
  switch (ev->kind) {
  case TRC_EV_STEP: f->step_loc = ev->f[1]; break;
  case TRC_EV_SITE:
    if (f->stacks) {
      uint64_t buf[1];
      f->site = ev->f[0];
      f->step_loc = ana_stacks_get(f->stacks, f->site, buf, 1) ? buf[0] : 0;
    }
    break;
  case TRC_EV_FREE:
    if (!f->pick.free_seq) f->first_free_site = f->site;
    ana_peak_pick_free(&f->pick, ev, f->step_loc);
    break;
  case TRC_EV_MEM: {
    uint64_t now = ev->f[0], high = ev->f[1] > now ? ev->f[1] : now;
    add_point(f, ev->step, now, high);
    if (ana_peak_pick_mem(&f->pick, ev, f->step_loc)) {
      p->found = 1;
      p->peak_bytes = f->pick.bytes;
      p->at_seq = f->pick.at_seq;
      p->step = f->pick.step;
      p->location = f->pick.location;
      f->peak_site = f->pick.at_free ? f->first_free_site : f->site;
    }
    break;
  }
  default: break;
  }
  return 0;
}

static int find_batch(void *ctx, const trc_event *ev, size_t n) {
  for (size_t i = 0; i < n; i++) find_cb(ctx, &ev[i]);
  return 0;
}

static const char sql_marks[] = "SELECT step, label FROM markers ORDER BY seq";

static int load_marks(ana_trace *t, ana_peak *p) {
  sqlite3_stmt *st = NULL;
  size_t cap = 0;
  if (sqlite3_prepare_v2(ana_trace_db(t), sql_marks, -1, &st, NULL) != SQLITE_OK)
    return ana_trace_fail(t, HR_ESQL, "cannot read trace: %s", sqlite3_errmsg(ana_trace_db(t)));
  int rc = HR_OK;
  while (rc == HR_OK && sqlite3_step(st) == SQLITE_ROW) {
    if (p->nmarks == cap) {
      size_t ncap = cap ? cap * 2 : 16;
      ana_mark_at *nm = hr_realloc(p->marks, ncap * sizeof *nm);
      if (!nm) {
        rc = HR_ENOMEM;
        break;
      }
      p->marks = nm;
      cap = ncap;
    }
    const char *label = (const char *)sqlite3_column_text(st, 1);
    p->marks[p->nmarks].step = (uint64_t)sqlite3_column_int64(st, 0);
    p->marks[p->nmarks].label = hr_strdup(label ? label : "");
    if (!p->marks[p->nmarks].label) rc = HR_ENOMEM;
    else p->nmarks++;
  }
  sqlite3_finalize(st);
  return rc;
}

/* The stack of the running frame in the heap, outermost first (an alloc
** trace: the stack of the site event before the peak). */
static int take_stack(ana_peak *p, const struct find *fd) {
  if (fd->stacks) {
    p->stack = hr_malloc(4096 * sizeof *p->stack);
    if (!p->stack) return HR_ENOMEM;
    p->depth = ana_stacks_get(fd->stacks, fd->peak_site, p->stack, 4096);
    return HR_OK;
  }
  const ana_state *s = ana_heap_state(p->heap);
  uint32_t n = 0;
  for (const ana_frame *f = ana_state_frame(s, ana_state_frame_id(s)); f && n < 100000;
       f = ana_state_frame(s, f->parent))
    n++;
  p->stack = hr_malloc((n ? n : 1) * sizeof *p->stack);
  if (!p->stack) return HR_ENOMEM;
  uint32_t k = n;
  for (const ana_frame *f = ana_state_frame(s, ana_state_frame_id(s)); f && k > 0;
       f = ana_state_frame(s, f->parent))
    p->stack[--k] = f->cur_location ? f->cur_location : f->location;
  p->depth = n;
  return HR_OK;
}

/* What was live at the peak that the program made: the rule leaks counts by
** (ana_heap_is_programs), so the loader and __file__ of the start-up are not
** the program's here either. */
static int live_groups(ana_peak *p, int has_steps) {
  size_t n;
  const ana_obj **all = ana_state_objs(ana_heap_state(p->heap), &n);
  if (!all) return ana_state_nobjs(ana_heap_state(p->heap)) ? HR_ENOMEM : HR_OK;
  uint64_t *ids = hr_malloc(n * sizeof *ids);
  if (!ids) {
    hr_free(all);
    return HR_ENOMEM;
  }
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (!ana_heap_is_programs(p->heap, all[i], has_steps)) continue;
    ids[k++] = all[i]->id;
    p->live_count++;
    p->live_bytes += all[i]->size;
  }
  hr_free(all);
  int rc = ana_leaks_group(p->heap, NULL, ids, k, NULL, &p->live, &p->nlive);
  hr_free(ids);
  return rc;
}

int ana_peak_compute(ana_trace *t, ana_peak *p) {
  memset(p, 0, sizeof *p);
  struct find f;
  memset(&f, 0, sizeof f);
  f.p = p;
  p->last_step = trc_reader_last_step(ana_trace_reader(t));
  f.width = p->last_step / ANA_PEAK_BUCKETS + 1;
  p->series = hr_malloc(2 * ANA_PEAK_BUCKETS * sizeof *p->series);
  if (!p->series) return ana_trace_fail(t, HR_ENOMEM, "out of memory");
  int rc = load_marks(t, p);
  if (rc == HR_OK && ana_trace_is_alloc(t)) rc = ana_stacks_load(t, &f.stacks);
  if (rc == HR_OK) rc = ana_trace_scan_batch(t, TRC_SCAN_SEQ, 1, trc_reader_last_seq(ana_trace_reader(t)), find_batch, &f);
  bucket_flush(&f);
  if (rc == HR_OK && !p->found) {
    ana_stacks_free(f.stacks);
    return ana_trace_fail(t, HR_ENOTFOUND, "the trace has no memory events");
  }
  if (rc == HR_OK && !(p->heap = ana_heap_new())) rc = HR_ENOMEM;
  if (rc == HR_OK) rc = ana_heap_replay(t, p->heap, p->at_seq, NULL, NULL);
  if (rc == HR_OK) rc = take_stack(p, &f);
  if (rc == HR_OK) rc = live_groups(p, p->last_step > 0);
  ana_stacks_free(f.stacks);
  if (rc == HR_ENOMEM) ana_trace_fail(t, rc, "out of memory");
  return rc;
}

void ana_peak_reset(ana_peak *p) {
  hr_free(p->stack);
  ana_heap_free(p->heap);
  hr_free(p->live);
  hr_free(p->series);
  for (size_t i = 0; i < p->nmarks; i++) hr_free(p->marks[i].label);
  hr_free(p->marks);
  memset(p, 0, sizeof *p);
}
