/* ana_diff.c — two states, compared object by object and slot by slot. */
#include "ana_diff.h"

#include <stdio.h>
#include <string.h>

#include "ana_state.h"
#include "hr_mem.h"
#include "hr_status.h"

struct diff_pass {
  ana_diff *d;
  size_t cap;
  int oom;
};

static ana_diff_item *add(struct diff_pass *p, int kind) {
  ana_diff *d = p->d;
  if (p->oom) return NULL;
  if (d->n == p->cap) {
    ana_diff_item *ni = hr_grow(d->items, &p->cap, d->n + 1, sizeof *ni, 64);
    if (!ni) {
      p->oom = 1;
      return NULL;
    }
    d->items = ni;
  }
  ana_diff_item *it = &d->items[d->n++];
  memset(it, 0, sizeof *it);
  it->kind = kind;
  return it;
}

static void add_slot(struct diff_pass *p, int kind, uint64_t holder, const ana_slot *sl, uint64_t obj) {
  ana_diff_item *it = add(p, kind);
  if (!it) return;
  it->holder = holder;
  it->slot_kind = sl->kind;
  it->slot_arg = sl->arg;
  it->object = obj;
}

/* Slot differences of one holder between A (may be NULL: new) and B (may
** be NULL: gone). Returns whether any. */
static int compare_slots(struct diff_pass *p, uint64_t holder, const ana_slots *a, const ana_slots *b) {
  int any = 0;
  /* Unbinds first, in A's order: what A held that B does not. */
  for (uint32_t k = 0; a && k < a->n; k++) {
    const ana_slot *sl = &a->v[k];
    if (!sl->obj) continue;
    long at = b ? ana_slots_find(b, sl->kind, sl->arg) : -1;
    if (at >= 0 && b->v[at].obj == sl->obj) continue;
    add_slot(p, ANA_DIFF_UNBIND, holder, sl, sl->obj);
    any = 1;
  }
  for (uint32_t k = 0; b && k < b->n; k++) {
    const ana_slot *sl = &b->v[k];
    if (!sl->obj) continue;
    long at = a ? ana_slots_find(a, sl->kind, sl->arg) : -1;
    if (at >= 0 && a->v[at].obj == sl->obj) continue;
    add_slot(p, ANA_DIFF_BIND, holder, sl, sl->obj);
    any = 1;
  }
  return any;
}

static void compare_objects(struct diff_pass *p, const ana_state *sa, const ana_state *sb) {
  size_t na = 0, nb = 0;
  const ana_obj **a = ana_state_objs(sa, &na), **b = ana_state_objs(sb, &nb);
  if ((!a && ana_state_nobjs(sa)) || (!b && ana_state_nobjs(sb))) p->oom = 1;
  size_t i = 0, j = 0;
  while (!p->oom && (i < na || j < nb)) {
    ana_diff_item *it;
    if (j == nb || (i < na && a[i]->id < b[j]->id)) {   /* gone */
      if ((it = add(p, ANA_DIFF_FREE))) {
        it->object = a[i]->id;
        it->type = a[i]->type;
        it->size = a[i]->size;
      }
      i++;
    } else if (i == na || b[j]->id < a[i]->id) {       /* new, unless older than the trace saw */
      if (!b[j]->preexisting && (it = add(p, ANA_DIFF_ALLOC))) {
        it->object = b[j]->id;
        it->type = b[j]->type;
        it->size = b[j]->size;
        it->step = b[j]->alloc_step;
      }
      compare_slots(p, b[j]->id, NULL, &b[j]->slots);
      j++;
    } else {
      size_t mark = p->d->n;
      if ((it = add(p, ANA_DIFF_CHANGED))) {
        it->object = b[j]->id;
        it->type = b[j]->type;
        it->size = b[j]->size;
        it->size_from = a[i]->size;
      }
      int slots = compare_slots(p, b[j]->id, &a[i]->slots, &b[j]->slots);
      if (!p->oom && !slots && a[i]->size == b[j]->size) p->d->n = mark;   /* unchanged after all */
      i++;
      j++;
    }
  }
  hr_free(a);
  hr_free(b);
}

static void compare_frames(struct diff_pass *p, const ana_state *sa, const ana_state *sb) {
  size_t na = 0, nb = 0;
  const ana_frame **a = ana_state_frames(sa, &na), **b = ana_state_frames(sb, &nb);
  if ((!a && ana_state_nframes(sa)) || (!b && ana_state_nframes(sb))) p->oom = 1;
  size_t i = 0, j = 0;
  while (!p->oom && (i < na || j < nb)) {
    if (j == nb || (i < na && a[i]->id < b[j]->id)) {
      compare_slots(p, a[i]->id, &a[i]->slots, NULL);   /* returned: its names went with it */
      i++;
    } else if (i == na || b[j]->id < a[i]->id) {
      compare_slots(p, b[j]->id, NULL, &b[j]->slots);
      j++;
    } else {
      compare_slots(p, b[j]->id, &a[i]->slots, &b[j]->slots);
      i++;
      j++;
    }
  }
  hr_free(a);
  hr_free(b);
}

int ana_diff_points(ana_trace *t, const ana_point *a, const ana_point *b, ana_diff *d) {
  memset(d, 0, sizeof *d);
  d->from = a->seq;
  d->to = b->seq;
  if (a->seq > b->seq)
    return ana_trace_fail(t, HR_ERANGE, "'%s' comes after '%s' in the run", a->label, b->label);
  ana_state *sa = ana_state_new(), *sb = ana_state_new();
  int rc = sa && sb ? HR_OK : HR_ENOMEM;
  if (rc == HR_OK && a->seq) rc = ana_trace_state_at_seq(t, a->seq, sa);
  if (rc == HR_OK && b->seq) rc = ana_trace_state_at_seq(t, b->seq, sb);
  struct diff_pass p = {d, 0, 0};
  if (rc == HR_OK) {
    compare_objects(&p, sa, sb);
    compare_frames(&p, sa, sb);
    if (p.oom) rc = HR_ENOMEM;
  }
  if (rc == HR_ENOMEM) ana_trace_fail(t, rc, "out of memory");
  ana_state_free(sa);
  ana_state_free(sb);
  if (rc) ana_diff_reset(d);
  return rc;
}

int ana_diff_compute(ana_trace *t, uint64_t from, uint64_t to, ana_diff *d) {
  memset(d, 0, sizeof *d);
  char buf[32];
  ana_point a, b;
  snprintf(buf, sizeof buf, "%llu", (unsigned long long)from);
  int rc = ana_point_resolve(t, buf, &a);
  snprintf(buf, sizeof buf, "%llu", (unsigned long long)to);
  if (rc == HR_OK) rc = ana_point_resolve(t, buf, &b);
  return rc ? rc : ana_diff_points(t, &a, &b, d);
}

void ana_diff_reset(ana_diff *d) {
  hr_free(d->items);
  memset(d, 0, sizeof *d);
}
