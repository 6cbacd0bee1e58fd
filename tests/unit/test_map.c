/* test_map.c — the recorder's hash map and address map against a plain array. */
#include <stdint.h>
#include <string.h>

#include "hr_mem.h"
#include "hr_status.h"
#include "hr_test.h"
#include "rec_map.h"

/* The reference: key -> value over a small key universe, 0 = absent. */
enum { KEYS = 6000 };
static uintptr_t g_key[KEYS];
static uintptr_t g_ref[KEYS];

static uint64_t g_rng = 88172645463325252ull;
static uint64_t rnd(void) {
  g_rng ^= g_rng << 13;
  g_rng ^= g_rng >> 7;
  g_rng ^= g_rng << 17;
  return g_rng;
}

/* Keys as a heap has them: runs of 16-byte granules in a few pages (a
** pymalloc pool), pages far apart (other arenas, above 4 GiB), unaligned
** addresses and ones above 2^48 that no leaf can index. */
static void keys_make(void) {
  for (int i = 0; i < KEYS; i++) {
    uintptr_t k;
    switch (i % 6) {
    case 0: case 1: case 2: k = (uintptr_t)0x7f1200000000ull + (uintptr_t)i * 16; break;
    case 3: k = (uintptr_t)0x55aa00000000ull + (uintptr_t)(i % 97) * 4096 * 1021 + (uintptr_t)(i / 97) * 48; break;
    case 4: k = (uintptr_t)0x1000 + (uintptr_t)i * 8 + 8; break;      /* 8-aligned only */
    default: k = ((uintptr_t)1 << 50) + (uintptr_t)i * 32; break;      /* past 48 bits */
    }
    g_key[i] = k;
  }
  for (int i = 0; i < KEYS; i++)       /* the universe must not repeat a key */
    for (int j = i + 1; j < KEYS && j < i + 8; j++) REQUIRE(g_key[i] != g_key[j]);
}

static void test_amap_matches_reference(void) {
  keys_make();
  memset(g_ref, 0, sizeof g_ref);
  rec_amap m = {0};
  size_t n = 0;
  for (int op = 0; op < 60000; op++) {
    int i = (int)(rnd() % KEYS);
    uintptr_t v = (uintptr_t)(rnd() | 2);
    switch (rnd() % 4) {
    case 0:
      REQUIRE(rec_amap_put(&m, g_key[i], v) == HR_OK);
      n += g_ref[i] == 0;
      g_ref[i] = v;
      break;
    case 1: {
      int created;
      uintptr_t *s = rec_amap_slot(&m, g_key[i], &created);
      REQUIRE(s != NULL);
      CHECK(created == (g_ref[i] == 0));
      if (created) {
        CHECK(*s == 1);   /* held until the caller stores its value */
        *s = v;
        g_ref[i] = v;
        n++;
      } else {
        CHECK(*s == g_ref[i]);
      }
      break;
    }
    case 2: {
      uintptr_t old = 0;
      int had = rec_amap_del(&m, g_key[i], &old);
      CHECK(had == (g_ref[i] != 0));
      if (had) CHECK(old == g_ref[i]);
      n -= g_ref[i] != 0;
      g_ref[i] = 0;
      break;
    }
    default: {
      uintptr_t *s = rec_amap_get(&m, g_key[i]);
      CHECK(g_ref[i] ? s != NULL && *s == g_ref[i] : s == NULL);
      break;
    }
    }
  }
  CHECK_EQ_U64(m.n, n);
  /* The walk yields each present key once, with its value. */
  static unsigned char seen[KEYS];
  memset(seen, 0, sizeof seen);
  rec_amap_iter it = {0};
  uintptr_t k, v;
  size_t walked = 0, wrong = 0;
  while (rec_amap_next(&m, &it, &k, &v)) {
    walked++;
    int i = 0;
    while (i < KEYS && g_key[i] != k) i++;
    if (i == KEYS || g_ref[i] != v || seen[i]++) wrong++;
  }
  CHECK_EQ_U64(walked, n);
  CHECK_EQ_U64(wrong, 0);
  rec_amap_reset(&m);
  CHECK(rec_amap_get(&m, g_key[0]) == NULL);
  CHECK_EQ_U64(m.n, 0);
  rec_amap_iter it2 = {0};
  CHECK(!rec_amap_next(&m, &it2, &k, &v));
}

/* A million neighbouring keys (a loop's ints) in thousands of pages: more
** leaves than one chunk holds. */
static void test_amap_many_leaves(void) {
  rec_amap m = {0};
  const uintptr_t base = (uintptr_t)0x7f3400000000ull;
  enum { N = 1000000 };
  for (uintptr_t i = 0; i < N; i++) REQUIRE(rec_amap_put(&m, base + i * 32, i + 1) == HR_OK);
  CHECK_EQ_U64(m.n, N);
  size_t bad = 0;
  for (uintptr_t i = 0; i < N; i++) {
    uintptr_t *s = rec_amap_get(&m, base + i * 32);
    bad += s == NULL || *s != i + 1;
    bad += rec_amap_get(&m, base + i * 32 + 16) != NULL;
  }
  CHECK_EQ_U64(bad, 0);
  for (uintptr_t i = 0; i < N; i += 2) CHECK(rec_amap_del(&m, base + i * 32, NULL));
  rec_amap_iter it = {0};
  uintptr_t k, v, walked = 0;
  while (rec_amap_next(&m, &it, &k, &v)) {
    walked++;
    bad += k != base + (v - 1) * 32 || (v - 1) % 2 != 1;
  }
  CHECK_EQ_U64(walked, N / 2);
  CHECK_EQ_U64(bad, 0);
  rec_amap_reset(&m);
}

static int amap_oom_body(void *ctx) {
  (void)ctx;
  rec_amap m = {0};
  int rc = HR_OK;
  for (int i = 0; i < 300 && rc == HR_OK; i++) {
    uintptr_t k = (i % 3 == 0 ? (uintptr_t)0x1008 : (uintptr_t)0x7f0000000000ull) + (uintptr_t)i * 4096 * 7;
    rc = rec_amap_put(&m, k, 5);
    if (rc == HR_OK && (rec_amap_get(&m, k) == NULL || *rec_amap_get(&m, k) != 5)) rc = HR_ECORRUPT;
  }
  rec_amap_reset(&m);
  return rc;
}

static void test_amap_out_of_memory(void) {
  CHECK(hr_test_oom("rec_amap_put", 200, 0, amap_oom_body, NULL) > 0);
}

HR_TEST_MAIN(test_amap_matches_reference, test_amap_many_leaves, test_amap_out_of_memory)
