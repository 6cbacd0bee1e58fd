/* test_heap.c — cycles (iterative Tarjan), leaks and peak on hand-built heaps
** and on the synthetic trace (hr_synth.h), including allocation failures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ana_cycles.h"
#include "ana_garbage.h"
#include "ana_leaks.h"
#include "ana_peak.h"
#include "ana_scc.h"
#include "ana_state.h"
#include "ana_trace.h"
#include "hr_mem.h"
#include "hr_status.h"
#include "hr_synth.h"
#include "hr_test.h"

static ana_trace *open_synth(const char *name) {
  static char path[600];
  const char *env = getenv("HEAPREEL_TEST_TMP");
  const char *dir = env && *env ? env : "/tmp";
  mkdir(dir, 0777);
  snprintf(path, sizeof path, "%s/heap_%ld_%s", dir, (long)getpid(), name);
  char *err = NULL;
  int rc = hr_synth_write(path, NULL, &err);
  hr_free(err);
  CHECK_EQ_U64(rc, HR_OK);
  if (rc) return NULL;
  ana_trace *t = NULL;
  rc = ana_trace_open(path, &t, &err);
  hr_free(err);
  CHECK_EQ_U64(rc, HR_OK);
  return t;
}

static uint64_t seq;

static void ev(ana_state *s, int kind, uint64_t a, uint64_t b, uint64_t c, uint64_t d) {
  trc_event e = {++seq, 1, {a, b, c, d}, (uint8_t)kind};
  CHECK_EQ_U64(ana_state_apply(s, &e), HR_OK);
}

/* A ring far longer than any C stack would survive recursing over, a pair,
** a self-reference, and a tail that only points into the ring. */
static void test_scc_shapes(void) {
  enum { RING = 300000 };
  ana_state *s = ana_state_new();
  REQUIRE(s);
  for (uint64_t i = 1; i <= RING + 4; i++) ev(s, TRC_EV_ALLOC, i, 1, 56, 0x1000 + i);
  for (uint64_t i = 1; i <= RING; i++) ev(s, TRC_EV_BIND, i, TRC_SLOT_ITEM, 0, i == RING ? 1 : i + 1);
  ev(s, TRC_EV_BIND, RING + 1, TRC_SLOT_ATTR, 7, RING + 2);   /* a pair */
  ev(s, TRC_EV_BIND, RING + 2, TRC_SLOT_ATTR, 7, RING + 1);
  ev(s, TRC_EV_BIND, RING + 3, TRC_SLOT_VALUE, 9, RING + 3);  /* a dict holding itself */
  ev(s, TRC_EV_BIND, RING + 4, TRC_SLOT_ITEM, 0, 5);          /* not in any cycle */
  ana_scc c;
  REQUIRE(ana_scc_find(s, NULL, 0, &c) == HR_OK);
  REQUIRE(c.ncomp == 3);
  CHECK_EQ_U64(c.start[1] - c.start[0], RING);
  CHECK_EQ_U64(c.ids[c.start[0]], 1);
  CHECK_EQ_U64(c.ids[c.start[1]], RING + 1);
  CHECK_EQ_U64(c.start[2] - c.start[1], 2);
  CHECK_EQ_U64(c.ids[c.start[2]], RING + 3);
  CHECK_EQ_U64(c.start[3] - c.start[2], 1);
  ana_scc_reset(&c);
  /* Restricted to a subset, the ring is broken and only the pair remains. */
  uint64_t some[] = {1, 2, 3, RING + 1, RING + 2};
  REQUIRE(ana_scc_find(s, some, 5, &c) == HR_OK);
  CHECK_EQ_U64(c.ncomp, 1);
  if (c.ncomp == 1) CHECK_EQ_U64(c.ids[0], RING + 1);
  ana_scc_reset(&c);
  ana_state_free(s);
}

/* Garbage is what no reference reaches, counting the references the trace
** cannot see through the objects' counts. */
static int garbage_once(void *s);

static void test_garbage(void) {
  ana_state *s = ana_state_new();
  REQUIRE(s);
  ev(s, TRC_EV_CALL, 1, 1, 0, 1);
  for (uint64_t i = 1; i <= 8; i++) ev(s, TRC_EV_ALLOC, i, 1, 56, 0x1000 + i);
  ev(s, TRC_EV_TRACK, 9, 1, 56, 0x2000);
  ev(s, TRC_EV_BIND, 1, TRC_SLOT_LOCAL, 5, 1);   /* a name holds 1, 1 holds 2 */
  ev(s, TRC_EV_BIND, 1, TRC_SLOT_ITEM, 0, 2);
  ev(s, TRC_EV_BIND, 3, TRC_SLOT_ITEM, 0, 4);    /* 3 <-> 4: garbage */
  ev(s, TRC_EV_BIND, 4, TRC_SLOT_ITEM, 0, 3);
  ev(s, TRC_EV_BIND, 5, TRC_SLOT_ITEM, 0, 6);    /* 5 on the value stack holds 6 */
  ev(s, TRC_EV_BIND, 7, TRC_SLOT_ITEM, 0, 8);    /* 7 <-> 8, 7 held from outside too */
  ev(s, TRC_EV_BIND, 8, TRC_SLOT_ITEM, 0, 7);
  ev(s, TRC_EV_INCREF, 7, 2, 0, 0);
  ev(s, TRC_EV_BIND, 9, TRC_SLOT_ITEM, 0, 9);    /* older than the program */
  ana_map g;
  ana_map_init(&g);
  REQUIRE(ana_garbage_find(s, &g) == HR_OK);
  CHECK_EQ_U64(g.n, 2);
  CHECK(ana_map_get(&g, 3) && ana_map_get(&g, 4));
  ana_map_reset(&g);
  /* One decref later 7 and 8 are garbage too. */
  ev(s, TRC_EV_DECREF, 7, 1, 0, 0);
  REQUIRE(ana_garbage_find(s, &g) == HR_OK);
  CHECK_EQ_U64(g.n, 4);
  CHECK(ana_map_get(&g, 7) && ana_map_get(&g, 8) && !ana_map_get(&g, 5));
  ana_map_reset(&g);
  CHECK(hr_test_oom("garbage", 200, 0, garbage_once, s) > 0);
  ana_state_free(s);
}

static void test_synth_cycles(void) {
  ana_trace *t = open_synth("cycles.heapreel");
  REQUIRE(t);
  ana_cycles c;
  REQUIRE(ana_cycles_compute(t, &c) == HR_OK);
  CHECK_EQ_U64(c.nalive, 0);
  REQUIRE(c.ncollected == 1);
  CHECK_EQ_U64(c.collected[0].nmembers, 1);
  CHECK_EQ_U64(c.collected[0].members[0], 7);
  CHECK_EQ_U64(c.collected[0].close_step, 10);
  CHECK_EQ_U64(ana_trace_location(t, c.collected[0].close_location).line, 9);
  CHECK_EQ_U64(c.collected[0].nloop, 1);
  CHECK_STR(c.collected[0].shape, "dict: value[]");
  CHECK_EQ_U64(c.gc_runs, 1);
  ana_cycles_reset(&c);
  ana_trace_free(t);
}

static void test_synth_leaks_and_peak(void) {
  ana_trace *t = open_synth("leaks.heapreel");
  REQUIRE(t);
  ana_leaks l;
  REQUIRE(ana_leaks_compute(t, &l) == HR_OK);
  CHECK(l.end_is_mark);
  REQUIRE(l.ngroups == 1);
  CHECK_EQ_U64(l.groups[0].count, 1);
  CHECK_EQ_U64(l.groups[0].example, 4);   /* the function f */
  char labels[4][160];
  size_t n = ana_heap_path(t, l.heap, &l.reach, l.roots, 4, labels, 4);
  CHECK_EQ_U64(n, 1);
  if (n == 1) CHECK_STR(labels[0], "global 'f'");
  CHECK_EQ_U64(l.ngarbage, 0);
  ana_leaks_reset(&l);
  ana_peak p;
  REQUIRE(ana_peak_compute(t, &p) == HR_OK);
  CHECK_EQ_U64(p.peak_bytes, 5000);
  CHECK_EQ_U64(p.step, 6);
  CHECK_EQ_U64(ana_trace_location(t, p.location).line, 4);
  CHECK_EQ_U64(p.depth, 2);
  CHECK_EQ_U64(p.live_count, 3);
  CHECK(p.nseries > 0);
  ana_peak_reset(&p);
  ana_trace_free(t);
}

/* Each analysis once, its result released whatever happened. */
static int cycles_once(void *t) {
  ana_cycles c;
  int rc = ana_cycles_compute(t, &c);
  ana_cycles_reset(&c);
  return rc;
}
static int garbage_once(void *s) {
  ana_map g;
  ana_map_init(&g);
  int rc = ana_garbage_find(s, &g);
  ana_map_reset(&g);
  return rc;
}
static int leaks_once(void *t) {
  ana_leaks l;
  int rc = ana_leaks_compute(t, &l);
  ana_leaks_reset(&l);
  return rc;
}
static int peak_once(void *t) {
  ana_peak p;
  int rc = ana_peak_compute(t, &p);
  ana_peak_reset(&p);
  return rc;
}

/* Every allocation in turn fails: an HR_ENOMEM, never a crash or a leak. */
static void test_heap_oom(void) {
  ana_trace *t = open_synth("oom.heapreel");
  REQUIRE(t);
  CHECK(hr_test_oom("cycles", 2000, 0, cycles_once, t) > 0);
  CHECK(hr_test_oom("leaks", 2000, 0, leaks_once, t) > 0);
  CHECK(hr_test_oom("peak", 2000, 0, peak_once, t) > 0);
  ana_trace_free(t);
}

HR_TEST_MAIN(test_scc_shapes, test_garbage, test_synth_cycles, test_synth_leaks_and_peak, test_heap_oom)
