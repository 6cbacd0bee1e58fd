/* test_flame.c — the flame graph's stack tree (ana_flame.h): inclusive and
** self bytes, shared prefixes merged, no-stack allocations apart, and every
** allocation failure reported, never a crash or a leak. */
#include <string.h>

#include "ana_flame.h"
#include "hr_test.h"

/* The child of node at location, or ANA_FLAME_NONE. */
static uint32_t child(const ana_flame *f, uint32_t node, uint64_t location) {
  for (uint32_t c = f->nodes[node].child; c != ANA_FLAME_NONE; c = f->nodes[c].next)
    if (f->nodes[c].location == location) return c;
  return ANA_FLAME_NONE;
}

static void test_tree(void) {
  ana_flame f;
  REQUIRE(ana_flame_init(&f) == HR_OK);
  const uint64_t a[] = {10, 20, 30}, b[] = {10, 20}, c[] = {10, 40};
  CHECK(ana_flame_add(&f, a, 3, 100, 2) == HR_OK);
  CHECK(ana_flame_add(&f, b, 2, 7, 1) == HR_OK);
  CHECK(ana_flame_add(&f, c, 2, 50, 5) == HR_OK);
  CHECK(ana_flame_add(&f, a, 3, 1, 1) == HR_OK);
  CHECK(ana_flame_add(&f, NULL, 0, 3, 1) == HR_OK);   /* no Python stack */
  CHECK_EQ_U64(f.n, 6);                                /* root, 10, 20, 30, 40, none */
  CHECK_EQ_U64(f.nodes[0].bytes, 161);
  CHECK_EQ_U64(f.nodes[0].count, 10);
  uint32_t n10 = child(&f, 0, 10), n20 = child(&f, n10, 20), n30 = child(&f, n20, 30);
  uint32_t n40 = child(&f, n10, 40), none = child(&f, 0, 0);
  REQUIRE(n10 != ANA_FLAME_NONE && n20 != ANA_FLAME_NONE && n30 != ANA_FLAME_NONE &&
          n40 != ANA_FLAME_NONE && none != ANA_FLAME_NONE);
  CHECK_EQ_U64(f.nodes[n10].bytes, 158);
  CHECK_EQ_U64(f.nodes[n10].self_bytes, 0);
  CHECK_EQ_U64(f.nodes[n20].bytes, 108);
  CHECK_EQ_U64(f.nodes[n20].self_bytes, 7);
  CHECK_EQ_U64(f.nodes[n30].bytes, 101);
  CHECK_EQ_U64(f.nodes[n30].count, 3);
  CHECK_EQ_U64(f.nodes[n40].bytes, 50);
  CHECK_EQ_U64(f.nodes[none].bytes, 3);
  CHECK_EQ_U64(f.nodes[n30].depth, 3);
  CHECK_EQ_U64(f.nodes[n30].parent, n20);
  /* A parent always comes before its children (the page lays out in one pass). */
  for (size_t i = 1; i < f.n; i++) CHECK(f.nodes[i].parent < i);
  /* Every node's bytes are its children's and its own. */
  for (size_t i = 0; i < f.n; i++) {
    uint64_t sum = f.nodes[i].self_bytes;
    for (uint32_t k = f.nodes[i].child; k != ANA_FLAME_NONE; k = f.nodes[k].next) sum += f.nodes[k].bytes;
    CHECK_EQ_U64(f.nodes[i].bytes, sum);
  }
  ana_flame_reset(&f);
  CHECK(f.nodes == NULL && f.n == 0);
}

/* Many distinct stacks, so the node array grows more than once. */
static int build_wide(void *ctx) {
  (void)ctx;
  ana_flame f;
  int rc = ana_flame_init(&f);
  for (uint64_t i = 0; rc == HR_OK && i < 600; i++) {
    uint64_t s[2] = {1 + i % 3, 100 + i};
    rc = ana_flame_add(&f, s, 2, 8, 1);
  }
  if (rc == HR_OK && (f.n != 1 + 3 + 600 || f.nodes[0].bytes != 4800)) rc = HR_EIO;
  ana_flame_reset(&f);
  return rc;
}

static void test_oom(void) {
  CHECK(build_wide(NULL) == HR_OK);
  CHECK(hr_test_oom("ana_flame", 64, 0, build_wide, NULL) > 0);
  CHECK(hr_test_oom("ana_flame sticky", 64, 1, build_wide, NULL) > 0);
}

HR_TEST_MAIN(test_tree, test_oom)
