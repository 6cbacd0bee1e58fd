/* ana_diff.c — replay from step A to step B, noting every change. */
#include "ana_diff.h"

#include <string.h>

#include "ana_state.h"
#include "hr_mem.h"
#include "hr_status.h"
#include "trc_scan.h"

struct diff_pass {
  ana_state *s;
  ana_diff *d;
  size_t cap;
  uint64_t step_loc;
  int oom;
};

static ana_diff_item *add(struct diff_pass *p, int kind, const trc_event *ev) {
  ana_diff *d = p->d;
  if (d->n == p->cap) {
    size_t ncap = p->cap ? p->cap * 2 : 64;
    ana_diff_item *ni = hr_realloc(d->items, ncap * sizeof *ni);
    if (!ni) {
      p->oom = 1;
      return NULL;
    }
    d->items = ni;
    p->cap = ncap;
  }
  ana_diff_item *it = &d->items[d->n++];
  memset(it, 0, sizeof *it);
  it->kind = kind;
  it->seq = ev->seq;
  it->step = ev->step;
  it->location = p->step_loc;
  return it;
}

static void add_slot(struct diff_pass *p, int kind, const trc_event *ev, uint64_t holder,
                     int slot_kind, uint64_t arg, uint64_t obj) {
  ana_diff_item *it = add(p, kind, ev);
  if (!it) return;
  it->holder = holder;
  it->slot_kind = slot_kind;
  it->slot_arg = arg;
  it->object = obj;
}

static void note(struct diff_pass *p, const trc_event *ev) {
  ana_diff_item *it;
  switch (ev->kind) {
  case TRC_EV_STEP: p->step_loc = ev->f[1]; break;
  case TRC_EV_ALLOC:
    if ((it = add(p, ANA_DIFF_ALLOC, ev))) {
      it->object = ev->f[0];
      it->type = ev->f[1];
      it->size = ev->f[2];
    }
    break;
  case TRC_EV_FREE: {
    const ana_obj *o = ana_state_obj(p->s, ev->f[0]);
    if ((it = add(p, ANA_DIFF_FREE, ev))) {
      it->object = ev->f[0];
      it->type = o ? o->type : 0;
      it->size = o ? o->size : 0;
      it->by_gc = (ev->f[1] & TRC_FREE_GC) != 0;
    }
    break;
  }
  case TRC_EV_BIND: {
    /* A rebinding lets go of the old object first. */
    uint64_t old = ana_state_slot(p->s, ev->f[0], (int)ev->f[1], ev->f[2]);
    if (old == ev->f[3]) break;
    if (old) add_slot(p, ANA_DIFF_UNBIND, ev, ev->f[0], (int)ev->f[1], ev->f[2], old);
    add_slot(p, ANA_DIFF_BIND, ev, ev->f[0], (int)ev->f[1], ev->f[2], ev->f[3]);
    break;
  }
  case TRC_EV_UNBIND: {
    uint64_t old = ana_state_slot(p->s, ev->f[0], (int)ev->f[1], ev->f[2]);
    if (old) add_slot(p, ANA_DIFF_UNBIND, ev, ev->f[0], (int)ev->f[1], ev->f[2], old);
    break;
  }
  case TRC_EV_RETURN: {
    const ana_frame *f = ana_state_frame(p->s, ev->f[0]);
    for (uint32_t k = 0; f && k < f->slots.n; k++)
      if (f->slots.v[k].obj)
        add_slot(p, ANA_DIFF_UNBIND, ev, f->id, f->slots.v[k].kind, f->slots.v[k].arg,
                 f->slots.v[k].obj);
    break;
  }
  default: break;
  }
}

static int diff_cb(void *ctx, const trc_event *ev) {
  struct diff_pass *p = ctx;
  note(p, ev);
  if (p->oom) return HR_ENOMEM;
  return ana_state_apply(p->s, ev);
}

int ana_diff_compute(ana_trace *t, uint64_t from, uint64_t to, ana_diff *d) {
  memset(d, 0, sizeof *d);
  d->from = from;
  d->to = to;
  trc_event a, b;
  int rc = ana_trace_step_event(t, from, &a);
  if (rc == HR_OK) rc = ana_trace_step_event(t, to, &b);
  if (rc) return rc;
  if (from > to)
    return ana_trace_fail(t, HR_ERANGE, "step %llu is after step %llu", (unsigned long long)from,
                          (unsigned long long)to);
  struct diff_pass p;
  memset(&p, 0, sizeof p);
  p.d = d;
  p.s = ana_state_new();
  if (!p.s) return ana_trace_fail(t, HR_ENOMEM, "out of memory");
  rc = ana_trace_state_at_seq(t, a.seq - 1, p.s);
  p.step_loc = ana_state_location(p.s);
  if (rc == HR_OK) rc = ana_trace_scan(t, TRC_SCAN_SEQ, a.seq, b.seq - 1, diff_cb, &p);
  if (rc == HR_ENOMEM) ana_trace_fail(t, rc, "out of memory");
  ana_state_free(p.s);
  if (rc) ana_diff_reset(d);
  return rc;
}

void ana_diff_reset(ana_diff *d) {
  hr_free(d->items);
  memset(d, 0, sizeof *d);
}
