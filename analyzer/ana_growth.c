/* ana_growth.c — two heaps, one replay: note the live objects at A, go on to
** B, and sum by group. */
#include "ana_growth.h"

#include <stdlib.h>
#include <string.h>

#include "hr_mem.h"
#include "hr_status.h"

/* One object at one point, with what groups it. */
typedef struct entry {
  uint64_t id, type, size;
  uint32_t site;
  uint8_t at_b;          /* 0: alive at A, 1: alive at B */
  uint64_t k1, k2;       /* the group key, filled once the sites are known */
} entry;

struct pass {
  uint64_t a_seq;
  int snapped;
  entry *v;
  size_t n, cap;
};

static int push(struct pass *p, const ana_obj *o, uint32_t site, int at_b) {
  if (p->n == p->cap) {
    entry *nv = hr_grow(p->v, &p->cap, p->n + 1, sizeof *nv, 1024);
    if (!nv) return HR_ENOMEM;
    p->v = nv;
  }
  entry *e = &p->v[p->n++];
  memset(e, 0, sizeof *e);
  e->id = o->id;
  e->type = o->type;
  e->size = o->size;
  e->site = site;
  e->at_b = (uint8_t)at_b;
  return HR_OK;
}

/* Every live object the program allocated (not one the trace saw only later). */
static int snapshot(struct pass *p, const ana_heap *h, int at_b) {
  size_t n;
  const ana_obj **all = ana_state_objs(ana_heap_state(h), &n);
  if (!all && ana_state_nobjs(ana_heap_state(h))) return HR_ENOMEM;
  int rc = HR_OK;
  for (size_t i = 0; rc == HR_OK && i < n; i++)
    if (!all[i]->preexisting) rc = push(p, all[i], all[i]->tag, at_b);
  hr_free(all);
  return rc;
}

static int hook(void *ctx, ana_heap *h, const trc_event *ev) {
  struct pass *p = ctx;
  if (!p->snapped && ev->seq > p->a_seq) {
    p->snapped = 1;
    return snapshot(p, h, 0);
  }
  return 0;
}

static int cmp_entry(const void *x, const void *y) {
  const entry *a = x, *b = y;
  if (a->k1 != b->k1) return a->k1 < b->k1 ? -1 : 1;
  if (a->k2 != b->k2) return a->k2 < b->k2 ? -1 : 1;
  if (a->id != b->id) return a->id < b->id ? -1 : 1;
  return (int)a->at_b - (int)b->at_b;
}

static int64_t row_growth(const ana_growth_row *r) { return ana_growth_bytes_diff(r); }

static int cmp_row(const void *x, const void *y) {
  const ana_growth_row *a = x, *b = y;
  int64_t ga = row_growth(a), gb = row_growth(b);
  if (ga != gb) return ga > gb ? -1 : 1;
  int64_t ca = ana_growth_count_diff(a), cb = ana_growth_count_diff(b);
  if (ca != cb) return ca > cb ? -1 : 1;
  if (a->location != b->location) return a->location < b->location ? -1 : 1;
  if (a->site != b->site) return a->site < b->site ? -1 : 1;
  return a->type < b->type ? -1 : a->type > b->type;
}

/* Sort the entries by group and object; sum each group into a row. */
static int summarize(ana_growth *g, entry *v, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const ana_site *s = ana_heap_site(g->heap, v[i].site);
    switch (g->by) {
    case ANA_GROWTH_TYPE: v[i].k1 = v[i].type; v[i].k2 = 0; break;
    case ANA_GROWTH_SITE: v[i].k1 = s ? s->location : 0; v[i].k2 = v[i].type; break;
    default: v[i].k1 = v[i].site; v[i].k2 = v[i].type; break;
    }
  }
  qsort(v, n, sizeof *v, cmp_entry);
  size_t cap = 0;
  for (size_t i = 0; i < n;) {
    ana_growth_row r;
    memset(&r, 0, sizeof r);
    r.type = v[i].type;
    if (g->by != ANA_GROWTH_TYPE) {
      r.site = v[i].site;
      const ana_site *s = ana_heap_site(g->heap, v[i].site);
      r.location = s ? s->location : 0;
    }
    size_t j = i;
    for (; j < n && v[j].k1 == v[i].k1 && v[j].k2 == v[i].k2; j++) {
      /* The same object at both points sorts A first, B second. */
      int both = j + 1 < n && v[j + 1].id == v[j].id && !v[j].at_b && v[j + 1].at_b &&
                 v[j + 1].k1 == v[j].k1 && v[j + 1].k2 == v[j].k2;
      if (v[j].at_b) {
        r.count++;
        r.bytes += v[j].size;
        int was = j > i && v[j - 1].id == v[j].id && !v[j - 1].at_b;
        if (!was) {
          r.count_new++;
          r.bytes_new += v[j].size;
        }
      } else {
        r.count_a++;
        r.bytes_a += v[j].size;
        if (!both) {
          r.count_gone++;
          r.bytes_gone += v[j].size;
        }
      }
    }
    i = j;
    if (r.count == r.count_a && r.bytes == r.bytes_a && !r.count_new) continue;
    if (g->nrows == cap) {
      ana_growth_row *nr = hr_grow(g->rows, &cap, g->nrows + 1, sizeof *nr, 64);
      if (!nr) return HR_ENOMEM;
      g->rows = nr;
    }
    g->rows[g->nrows++] = r;
  }
  if (g->nrows) qsort(g->rows, g->nrows, sizeof *g->rows, cmp_row);
  return HR_OK;
}

int ana_growth_compute(ana_trace *t, const ana_point *a, const ana_point *b, int by, ana_growth *g) {
  memset(g, 0, sizeof *g);
  g->by = by;
  if (a->seq > b->seq)
    return ana_trace_fail(t, HR_EUSAGE, "'%s' comes after '%s' in the run", a->label, b->label);
  g->heap = ana_heap_new();
  if (!g->heap) return ana_trace_fail(t, HR_ENOMEM, "out of memory");
  struct pass p;
  memset(&p, 0, sizeof p);
  p.a_seq = a->seq;
  int rc = b->seq ? ana_heap_replay(t, g->heap, b->seq, hook, &p) : HR_OK;
  /* No event after A up to B: the two heaps are one. */
  if (rc == HR_OK && !p.snapped) rc = snapshot(&p, g->heap, 0);
  if (rc == HR_OK) rc = snapshot(&p, g->heap, 1);
  for (size_t i = 0; i < p.n; i++) {
    if (p.v[i].at_b) {
      g->count_b++;
      g->bytes_b += p.v[i].size;
    } else {
      g->count_a++;
      g->bytes_a += p.v[i].size;
    }
  }
  if (rc == HR_OK) rc = summarize(g, p.v, p.n);
  hr_free(p.v);
  if (rc == HR_ENOMEM) ana_trace_fail(t, rc, "out of memory");
  return rc;
}

void ana_growth_reset(ana_growth *g) {
  ana_heap_free(g->heap);
  hr_free(g->rows);
  memset(g, 0, sizeof *g);
}
