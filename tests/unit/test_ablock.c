/* test_ablock.c — the recorder's block table: its walks and neighbour lookups. */
#include <stdint.h>
#include <string.h>

#include "hr_mem.h"
#include "hr_status.h"
#include "hr_test.h"
#include "rec_ablock.h"

/* Blocks as (address, word) pairs. */
typedef struct seen {
  uintptr_t p[4096];
  uint64_t w[4096];
  size_t n;
} seen;

static void seen_put(seen *s, uintptr_t p, uint64_t w) {
  if (s->n < 4096) {
    s->p[s->n] = p;
    s->w[s->n] = w;
  }
  s->n++;
}

static void seen_drop(seen *s, uintptr_t p) {
  for (size_t i = 0; i < s->n && i < 4096; i++)
    if (s->p[i] == p) {
      s->p[i] = s->p[s->n - 1];
      s->w[i] = s->w[s->n - 1];
      s->n--;
      return;
    }
}

/* p's word is now w: an add at an address already held replaces its word. */
static void seen_set(seen *s, uintptr_t p, uint64_t w) {
  seen_drop(s, p);
  seen_put(s, p, w);
}

static void seen_sort(seen *s) {
  for (size_t i = 1; i < s->n && i < 4096; i++)
    for (size_t j = i; j > 0 && s->p[j - 1] > s->p[j]; j--) {
      uintptr_t tp = s->p[j];
      uint64_t tw = s->w[j];
      s->p[j] = s->p[j - 1], s->w[j] = s->w[j - 1];
      s->p[j - 1] = tp, s->w[j - 1] = tw;
    }
}

/* Blocks on several pages, some holding objects, an unaligned one and a big
** one; some deleted again. What the table must hold goes into *expect. */
static void fill(seen *expect) {
  static seen scratch;
  if (expect == NULL) expect = &scratch;
  expect->n = 0;
  const uintptr_t base = (uintptr_t)0x7f0000000000ull;
  for (uintptr_t pg = 0; pg < 40; pg++)
    for (uintptr_t k = 0; k < 4096; k += 32 + 16 * (pg % 3)) {
      uintptr_t p = base + pg * 4096 * (1 + pg % 5) + k;
      uint64_t *s = rec_ablock_add(p, 24 + pg);
      if (s && (k / 32) % 3 != 0) *s |= (((uint64_t)(pg * 1000 + k) << REC_AB_ID_SHIFT) & REC_AB_ID_MASK);
      if (s) seen_set(expect, p, *s);
    }
  for (uintptr_t pg = 0; pg < 40; pg += 7) {
    size_t sz;
    uintptr_t p = base + pg * 4096 * (1 + pg % 5) + 64;
    if (rec_ablock_del(p, &sz)) seen_drop(expect, p);
  }
  uint64_t *s = rec_ablock_add(base + 3, 10);          /* unaligned: the side map */
  if (s) seen_set(expect, base + 3, *s);
  s = rec_ablock_add(base + ((uintptr_t)1 << 30), (size_t)3 << 20);   /* big */
  if (s) *s |= ((uint64_t)77 << REC_AB_ID_SHIFT);
  if (s) seen_set(expect, base + ((uintptr_t)1 << 30), *s);
}

/* The iterator yields every block once, with its word, and nothing else. */
static void test_iter_yields_every_block(void) {
  REQUIRE(rec_ablock_init() == HR_OK);
  static seen a, b;
  a.n = b.n = 0;
  fill(&a);
  rec_ablock_iter it;
  rec_ablock_iter_init(&it);
  uintptr_t page, p;
  uint64_t w;
  const uint64_t *lf;
  while ((lf = rec_ablock_next_leaf(&it, &page)) != NULL)
    for (size_t k = 0; k < REC_AB_LEAF_WORDS; k++)
      if (lf[k]) seen_put(&b, page | (k << 4), lf[k]);
  while (rec_ablock_next_odd(&it, &p, &w)) seen_put(&b, p, w);
  CHECK_EQ_U64(b.n, rec_ablock_count());
  REQUIRE(a.n == b.n && a.n < 4096 && a.n > 1000);
  seen_sort(&a);
  seen_sort(&b);
  size_t same = 0;
  for (size_t i = 0; i < a.n; i++) same += a.p[i] == b.p[i] && a.w[i] == b.w[i];
  CHECK_EQ_U64(same, a.n);
  /* A finished iterator stays finished. */
  CHECK(rec_ablock_next_leaf(&it, &page) == NULL);
  CHECK(rec_ablock_next_odd(&it, &p, &w) == 0);
  rec_ablock_fini();
}

static void test_find_near(void) {
  REQUIRE(rec_ablock_init() == HR_OK);
  fill(NULL);
  const uintptr_t base = (uintptr_t)0x7f0000000000ull;
  rec_ablock_near near = {UINTPTR_MAX, NULL};
  size_t checked = 0, differ = 0;
  /* Runs within a page, jumps between pages, unaligned and absent addresses. */
  for (uintptr_t i = 0; i < 200000; i++) {
    uintptr_t p = base + (i * 2654435761u % (300 * 4096));
    if (i % 11 == 0) p += 8;
    if (i % 13 == 0) p = base + 3;
    if (i % 17 == 0) p = (uintptr_t)0x100000000000ull + i * 16;   /* no table there */
    differ += rec_ablock_find_near(p, &near) != rec_ablock_find(p);
    checked++;
  }
  for (uintptr_t p = base; p < base + 8 * 4096; p += 16) differ += rec_ablock_find_near(p, &near) != rec_ablock_find(p);
  CHECK_EQ_U64(differ, 0);
  CHECK(checked > 0);
  rec_ablock_fini();
}

/* A heap of thousands of pages: leaves past the first slabs come from
** chunks of huge pages; every block is found and walked once, and the
** table can be built again after fini. */
static void test_many_pages(void) {
  enum { PAGES = 3000 };
  static unsigned char hits[PAGES];
  const uintptr_t base = (uintptr_t)0x7e0000000000ull;
  for (int round = 0; round < 2; round++) {
    REQUIRE(rec_ablock_init() == HR_OK);
    for (uintptr_t pg = 0; pg < PAGES; pg++) {
      uint64_t *s = rec_ablock_add(base + pg * 4096 + 16 * (pg % 200), 32);
      REQUIRE(s != NULL);
      *s |= ((uint64_t)(pg + 1) << REC_AB_ID_SHIFT) & REC_AB_ID_MASK;
    }
    CHECK_EQ_U64(rec_ablock_count(), PAGES);
    size_t found = 0;
    for (uintptr_t pg = 0; pg < PAGES; pg++) {
      const uint64_t *s = rec_ablock_find(base + pg * 4096 + 16 * (pg % 200));
      found += s != NULL && rec_ab_id(*s) == pg + 1;
    }
    CHECK_EQ_U64(found, PAGES);
    memset(hits, 0, sizeof hits);
    rec_ablock_iter it;
    rec_ablock_iter_init(&it);
    uintptr_t page;
    const uint64_t *lf;
    size_t walked = 0, wrong = 0;
    while ((lf = rec_ablock_next_leaf(&it, &page)) != NULL)
      for (size_t k = 0; k < REC_AB_LEAF_WORDS; k++) {
        if (!lf[k]) continue;
        uintptr_t pg = (page - base) / 4096;
        walked++;
        if (pg >= PAGES || k != pg % 200 || rec_ab_id(lf[k]) != pg + 1 || hits[pg]++) wrong++;
      }
    CHECK_EQ_U64(walked, PAGES);
    CHECK_EQ_U64(wrong, 0);
    rec_ablock_fini();
  }
}

HR_TEST_MAIN(test_iter_yields_every_block, test_find_near, test_many_pages)
