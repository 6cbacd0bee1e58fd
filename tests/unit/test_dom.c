/* test_dom.c — dominators and retained sizes (ana_dom.h) on hand-built heaps:
** a diamond, a chain, a cycle, an older object, and objects no root reaches. */
#include <stdio.h>
#include <string.h>

#include "ana_dom.h"
#include "ana_heap.h"
#include "hr_mem.h"
#include "hr_status.h"
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

HR_TEST_MAIN(test_diamond, test_chain, test_empty)
