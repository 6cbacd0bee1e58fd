/* test_dom.c — dominators and retained sizes (ana_dom.h) on hand-built heaps:
** a diamond, a chain, a cycle, an older object, and objects no root reaches;
** then growth, diff, referrers and the leak groups' paths on the synthetic
** trace (hr_synth.h), with every allocation failing in turn. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ana_diff.h"
#include "ana_dom.h"
#include "ana_growth.h"
#include "ana_heap.h"
#include "ana_leakpaths.h"
#include "ana_refs.h"
#include "hr_mem.h"
#include "hr_status.h"
#include "hr_synth.h"
#include "hr_test.h"

static uint64_t seq;

static void ev(ana_heap *h, int kind, uint64_t a, uint64_t b, uint64_t c, uint64_t d) {
  trc_event e = {++seq, 1, {a, b, c, d}, (uint8_t)kind};
  CHECK_EQ_U64(ana_heap_apply(h, &e), HR_OK);
}

/* global g -> A; A -> B, C; B -> D; C -> D; D -> E; E -> D (a cycle under D);
** B -> P, an object older than the recording; U -> V with no root. Sizes are
** 10 * id so each sum names its members. */
static void test_diamond(void) {
  ana_heap *h = ana_heap_new();
  REQUIRE(h);
  enum { A = 1, B, C, D, E, P, U, V };
  ev(h, TRC_EV_CALL, 100, 0, 0, 1);
  for (uint64_t id = A; id <= V; id++)
    ev(h, id == P ? TRC_EV_TRACK : TRC_EV_ALLOC, id, 1, 10 * id, 0x1000 * id);
  ev(h, TRC_EV_BIND, 100, TRC_SLOT_GLOBAL, 7, A);
  ev(h, TRC_EV_BIND, A, TRC_SLOT_ITEM, 0, B);
  ev(h, TRC_EV_BIND, A, TRC_SLOT_ITEM, 1, C);
  ev(h, TRC_EV_BIND, B, TRC_SLOT_ITEM, 0, D);
  ev(h, TRC_EV_BIND, B, TRC_SLOT_ITEM, 1, P);
  ev(h, TRC_EV_BIND, C, TRC_SLOT_ITEM, 0, D);
  ev(h, TRC_EV_BIND, D, TRC_SLOT_ITEM, 0, E);
  ev(h, TRC_EV_BIND, E, TRC_SLOT_ITEM, 0, D);
  ev(h, TRC_EV_BIND, U, TRC_SLOT_ITEM, 0, V);
  ana_root *roots = NULL;
  size_t nroots = 0;
  REQUIRE(ana_heap_roots(h, &roots, &nroots) == HR_OK);
  CHECK_EQ_U64(nroots, 1);
  ana_dom d;
  REQUIRE(ana_dom_build(h, roots, nroots, &d) == HR_OK);
  uint64_t count;
  CHECK_EQ_U64(ana_dom_idom(&d, A), 0);
  CHECK_EQ_U64(ana_dom_idom(&d, B), A);
  CHECK_EQ_U64(ana_dom_idom(&d, D), A);   /* two ways in: neither B nor C dominates it */
  CHECK_EQ_U64(ana_dom_idom(&d, E), D);
  CHECK_EQ_U64(ana_dom_idom(&d, P), 0);   /* the interpreter holds it */
  CHECK_EQ_U64(ana_dom_idom(&d, V), U);
  CHECK_EQ_U64(ana_dom_retained(&d, A, &count), 10 * (A + B + C + D + E));
  CHECK_EQ_U64(count, 5);
  CHECK_EQ_U64(ana_dom_retained(&d, B, &count), 10 * B);
  CHECK_EQ_U64(count, 1);
  CHECK_EQ_U64(ana_dom_retained(&d, D, NULL), 10 * (D + E));
  CHECK_EQ_U64(ana_dom_retained(&d, U, NULL), 10 * (U + V));
  CHECK_EQ_U64(ana_dom_retained(&d, P, NULL), 10 * P);
  CHECK_EQ_U64(ana_dom_retained(&d, 999, &count), 0);
  CHECK_EQ_U64(count, 0);
  ana_dom_reset(&d);
  hr_free(roots);
  ana_heap_free(h);
}

/* A chain longer than a C stack would survive recursing over. */
static void test_chain(void) {
  enum { N = 200000 };
  ana_heap *h = ana_heap_new();
  REQUIRE(h);
  ev(h, TRC_EV_CALL, 100, 0, 0, 1);
  for (uint64_t id = 1; id <= N; id++) ev(h, TRC_EV_ALLOC, id, 1, 8, 0x1000 * id);
  ev(h, TRC_EV_BIND, 100, TRC_SLOT_GLOBAL, 7, 1);
  for (uint64_t id = 1; id < N; id++) ev(h, TRC_EV_BIND, id, TRC_SLOT_ITEM, 0, id + 1);
  ana_root *roots = NULL;
  size_t nroots = 0;
  REQUIRE(ana_heap_roots(h, &roots, &nroots) == HR_OK);
  ana_dom d;
  REQUIRE(ana_dom_build(h, roots, nroots, &d) == HR_OK);
  CHECK_EQ_U64(ana_dom_retained(&d, 1, NULL), 8ull * N);
  CHECK_EQ_U64(ana_dom_retained(&d, N / 2, NULL), 8ull * (N - N / 2 + 1));
  CHECK_EQ_U64(ana_dom_idom(&d, N), N - 1);
  ana_dom_reset(&d);
  hr_free(roots);
  ana_heap_free(h);
}

/* An empty heap builds, and answers 0. */
static void test_empty(void) {
  ana_heap *h = ana_heap_new();
  REQUIRE(h);
  ana_dom d;
  REQUIRE(ana_dom_build(h, NULL, 0, &d) == HR_OK);
  CHECK_EQ_U64(ana_dom_retained(&d, 1, NULL), 0);
  ana_dom_reset(&d);
  ana_heap_free(h);
}

static ana_trace *open_synth(void) {
  static char path[600];
  const char *env = getenv("HEAPREEL_TEST_TMP");
  const char *dir = env && *env ? env : "/tmp";
  mkdir(dir, 0777);
  snprintf(path, sizeof path, "%s/dom_%ld.heapreel", dir, (long)getpid());
  char *err = NULL;
  int rc = hr_synth_write(path, NULL, &err);
  hr_free(err);
  CHECK_EQ_U64(rc, HR_OK);
  ana_trace *t = NULL;
  if (rc == HR_OK) rc = ana_trace_open(path, &t, &err);
  hr_free(err);
  CHECK_EQ_U64(rc, HR_OK);
  return t;
}

/* Growth from the mark "mid" to the end, and back from start. */
static int growth_once(void *t) {
  ana_point a, b;
  ana_growth g;
  memset(&g, 0, sizeof g);
  int rc = ana_point_resolve(t, "mid", &a);
  if (rc == HR_OK) rc = ana_point_resolve(t, "end", &b);
  if (rc == HR_OK) rc = ana_growth_compute(t, &a, &b, ANA_GROWTH_TRACEBACK, &g);
  ana_growth_reset(&g);
  return rc;
}
static int diff_once(void *t) {
  ana_diff d;
  int rc = ana_diff_compute(t, 1, 12, &d);
  ana_diff_reset(&d);
  return rc;
}
static int refs_once(void *t) {
  ana_refs r;
  uint64_t end;
  int is_mark;
  ana_heap_end(t, &end, &is_mark);
  int rc = ana_refs_compute(t, end, 4, 8, 8, &r);
  ana_refs_reset(&r);
  return rc;
}
static int leak_paths_once(void *t) {
  ana_leaks l;
  ana_leaks_more m;
  memset(&m, 0, sizeof m);
  int rc = ana_leaks_compute(t, &l);
  if (rc == HR_OK) rc = ana_leaks_more_compute(t, &l, &m);
  if (rc == HR_OK) ana_leaks_sort_retained(&l, &m);
  ana_leaks_more_reset(&m);
  ana_leaks_reset(&l);
  return rc;
}

/* The answers on the synthetic trace, then every allocation failing in turn. */
static void test_synth(void) {
  ana_trace *t = open_synth();
  REQUIRE(t);
  CHECK_EQ_U64(growth_once(t), HR_OK);
  CHECK_EQ_U64(diff_once(t), HR_OK);
  /* The function f (#4), held by the global f: one path, one referrer. */
  uint64_t end;
  int is_mark;
  ana_heap_end(t, &end, &is_mark);
  ana_refs r;
  REQUIRE(ana_refs_compute(t, end, 4, 8, 8, &r) == HR_OK);
  CHECK_EQ_U64(r.npaths, 1);
  CHECK_EQ_U64(r.ndirect, 1);
  CHECK(r.retained_bytes > 0);
  ana_refs_reset(&r);
  CHECK_EQ_U64(ana_refs_compute(t, end, 999, 8, 8, &r), HR_ENOTFOUND);
  ana_refs_reset(&r);
  CHECK(hr_test_oom("growth", 3000, 0, growth_once, t) > 0);
  CHECK(hr_test_oom("diff", 3000, 0, diff_once, t) > 0);
  CHECK(hr_test_oom("referrers", 3000, 0, refs_once, t) > 0);
  CHECK(hr_test_oom("leak paths", 3000, 0, leak_paths_once, t) > 0);
  ana_trace_free(t);
}

HR_TEST_MAIN(test_diamond, test_chain, test_empty, test_synth)
