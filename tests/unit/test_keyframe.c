/* test_keyframe.c — full and delta keyframes against the replay they stand for.
**
** Random event streams (objects made and freed, slots bound, rebound and
** unbound until tables compact, counts, sizes and values changed, frames
** called and returned) are replayed into one state that writes a delta
** keyframe every few events; a second state rebuilt from the chain of
** keyframes alone must equal it exactly, field by field and slot by slot
** in order, which is what its full encoding compares. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "ana_keyframe.h"
#include "ana_state.h"
#include "hr_mem.h"
#include "hr_status.h"
#include "hr_test.h"
#include "trc_codec.h"

static uint64_t rng = 88172645463325252ull;
static uint64_t rnd(uint64_t n) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return n ? rng % n : 0;
}

/* The stream's own memory of what it made, to aim events at live things. */
#define MAXLIVE 4096
typedef struct gen {
  uint64_t seq, step, next_id, next_frame;
  uint64_t live[MAXLIVE];
  size_t nlive;
  uint64_t frames[64];
  size_t nframes;
} gen;

static trc_event next_event(gen *g) {
  trc_event ev;
  memset(&ev, 0, sizeof ev);
  ev.seq = ++g->seq;
  ev.step = g->step;
  uint64_t r = rnd(100);
  uint64_t holder = g->nlive ? g->live[rnd(g->nlive)] : 0;
  uint64_t target = g->nlive ? g->live[rnd(g->nlive)] : 0;
  if (!g->nframes || (r < 3 && g->nframes < 64)) {
    ev.kind = TRC_EV_CALL;
    ev.f[0] = g->frames[g->nframes++] = ++g->next_frame;
    ev.f[1] = 100 + rnd(5);
    ev.f[2] = g->nframes > 1 ? g->frames[g->nframes - 2] : 0;
    ev.f[3] = 1;
  } else if (r < 5 && g->nframes > 1) {
    ev.kind = TRC_EV_RETURN;
    ev.f[0] = g->frames[--g->nframes];
  } else if (r < 12) {
    ev.kind = TRC_EV_STEP;
    ev.step = ++g->step;
    ev.f[0] = g->frames[rnd(g->nframes)];
    ev.f[1] = 200 + rnd(30);
  } else if (r < 30 || !g->nlive) {
    ev.kind = rnd(10) ? TRC_EV_ALLOC : TRC_EV_TRACK;
    ev.f[0] = g->next_id += 1 + rnd(3);
    ev.f[1] = 1 + rnd(4);
    ev.f[2] = 16 + 8 * rnd(8);
    ev.f[3] = 0x7f0000000000ull + ev.f[0] * 32 + rnd(2) * 4096;
    if (g->nlive < MAXLIVE) g->live[g->nlive++] = ev.f[0];
  } else if (r < 38) {
    size_t i = rnd(g->nlive);
    ev.kind = TRC_EV_FREE;
    ev.f[0] = g->live[i];
    g->live[i] = g->live[--g->nlive];
  } else if (r < 70) {
    /* Binds to objects (lists grow item by item; other kinds by name),
    ** now and then an unbind of what is there, so tables shrink and compact. */
    static const int kinds[] = {TRC_SLOT_ITEM, TRC_SLOT_ITEM, TRC_SLOT_ITEM, TRC_SLOT_VALUE,
                                TRC_SLOT_KEY, TRC_SLOT_ATTR, TRC_SLOT_ELEMENT, TRC_SLOT_OTHER};
    ev.kind = rnd(4) ? TRC_EV_BIND : TRC_EV_UNBIND;
    ev.f[0] = holder;
    ev.f[1] = (uint64_t)kinds[rnd(8)];
    ev.f[2] = rnd(ev.f[1] == TRC_SLOT_ITEM ? 60 : 20);
    ev.f[3] = target;
  } else if (r < 78) {
    ev.kind = rnd(4) ? TRC_EV_BIND : TRC_EV_UNBIND;
    ev.f[0] = g->frames[rnd(g->nframes)];
    ev.f[1] = TRC_SLOT_LOCAL + rnd(3);
    ev.f[2] = 1 + rnd(10);
    ev.f[3] = target;
  } else if (r < 90) {
    ev.kind = rnd(2) ? TRC_EV_INCREF : TRC_EV_DECREF;
    ev.f[0] = target;
    ev.f[1] = rnd(6);
  } else if (r < 94) {
    ev.kind = TRC_EV_RESIZE;
    ev.f[0] = target;
    ev.f[1] = 8 * rnd(100);
  } else {
    ev.kind = rnd(2) ? TRC_EV_VALUE : TRC_EV_INTVALUE;
    ev.f[0] = target;
    ev.f[1] = rnd(3) ? rnd(1000) : UINT64_MAX - rnd(5);
  }
  return ev;
}

/* Whether a and b hold the same state: their full encodings are equal
** (every field, every slot in order, unbound ones too). */
static int compare(const ana_state *a, const ana_state *b, int *eq) {
  uint8_t *da = NULL, *db = NULL;
  size_t la = 0, lb = 0;
  int rc = ana_keyframe_encode(a, &da, &la);
  if (rc == HR_OK) rc = ana_keyframe_encode(b, &db, &lb);
  *eq = rc == HR_OK && la == lb && memcmp(da, db, la) == 0 &&
        ana_state_nobjs(a) == ana_state_nobjs(b) && ana_state_seq(a) == ana_state_seq(b);
  hr_free(da);
  hr_free(db);
  return rc;
}

static int same(const ana_state *a, const ana_state *b) {
  int eq = 0;
  return compare(a, b, &eq) == HR_OK && eq;
}

typedef struct blob {
  uint8_t *p;
  size_t n;
} blob;

/* A chain of deltas every `every` events over a random stream of n events:
** after each, the chain rebuilds the live state exactly. */
static void run_chain(uint64_t seed, size_t n, size_t every) {
  rng = seed;
  gen g;
  memset(&g, 0, sizeof g);
  ana_state *a = ana_state_new(), *b = ana_state_new(), *c = ana_state_new();
  REQUIRE(a && b && c);
  blob chain[4096];
  size_t nchain = 0, deltas = 0, compacted = 0;
  for (size_t i = 1; i <= n; i++) {
    trc_event ev = next_event(&g);
    REQUIRE(ana_state_apply(a, &ev) == HR_OK);
    if (rnd(500) == 0 && g.nlive > 1) {
      /* A list grows to 40 items, then loses 30: its table compacts. */
      uint64_t holder = g.live[rnd(g.nlive)], item = g.live[rnd(g.nlive)];
      for (int k = 0; k < 70; k++) {
        ev = (trc_event){++g.seq, g.step, {holder, TRC_SLOT_ITEM, (uint64_t)(k < 40 ? k : k - 40), item},
                         k < 40 ? TRC_EV_BIND : TRC_EV_UNBIND};
        REQUIRE(ana_state_apply(a, &ev) == HR_OK);
      }
      const ana_obj *o = ana_state_obj(a, holder);
      compacted += o && o->slots.n < 40;
    }
    if (i % every || nchain == 4096) continue;
    blob k = {NULL, 0};
    size_t nrec = 0;
    if (!nchain) REQUIRE(ana_keyframe_encode(a, &k.p, &k.n) == HR_OK);
    else REQUIRE(ana_keyframe_encode_delta(a, &k.p, &k.n, &nrec) == HR_OK);
    REQUIRE(ana_state_mark(a) == HR_OK);
    chain[nchain++] = k;
    uint64_t base = 1;
    CHECK(ana_keyframe_base(k.p, k.n, &base) == HR_OK);
    CHECK((base == 0) == (nchain == 1));
    /* The running restore: one more delta over the state before it. */
    int rc = ana_keyframe_apply(b, k.p, k.n);
    CHECK_EQ_U64(rc, HR_OK);
    if (!same(a, b)) {
      fprintf(stderr, "seed %llu: delta %zu restores another state\n", (unsigned long long)seed, nchain);
      CHECK(0);
      break;
    }
    deltas += nchain > 1;
  }
  /* From scratch, the whole chain again; and a delta over the wrong base
  ** is refused, the state reset. */
  ana_state_reset(c);
  for (size_t i = 0; i < nchain; i++) CHECK_EQ_U64(ana_keyframe_apply(c, chain[i].p, chain[i].n), HR_OK);
  CHECK(same(b, c));
  if (nchain > 2) {
    ana_state_reset(c);
    CHECK_EQ_U64(ana_keyframe_apply(c, chain[0].p, chain[0].n), HR_OK);
    CHECK_EQ_U64(ana_keyframe_apply(c, chain[2].p, chain[2].n), HR_ECORRUPT);
    CHECK_EQ_U64(ana_state_nobjs(c), 0);
    CHECK_EQ_U64(ana_keyframe_decode(c, chain[1].p, chain[1].n), HR_ECORRUPT);
  }
  CHECK(deltas > 10);
  CHECK(compacted > 0);   /* some tables were compacted between keyframes */
  for (size_t i = 0; i < nchain; i++) hr_free(chain[i].p);
  ana_state_free(a);
  ana_state_free(b);
  ana_state_free(c);
}

static void test_delta_chains(void) {
  run_chain(1, 20000, 97);
  run_chain(2, 20000, 1000);
  run_chain(3, 5000, 7);
  run_chain(4, 60000, 5000);
}

/* A list that only grows: each delta carries the items since the one
** before, not the whole list again, nor the frames that did not run, so
** the deltas' total stays near one snapshot of the end. */
static void test_delta_size(void) {
  ana_state *s = ana_state_new();
  REQUIRE(s);
  trc_event ev;
  memset(&ev, 0, sizeof ev);
  uint64_t seq = 0;
  ev = (trc_event){++seq, 0, {1, 10, 0, 1}, TRC_EV_CALL};
  REQUIRE(ana_state_apply(s, &ev) == HR_OK);
  ev = (trc_event){++seq, 0, {1, 1, 100, 0x1000}, TRC_EV_ALLOC};
  REQUIRE(ana_state_apply(s, &ev) == HR_OK);
  ev = (trc_event){++seq, 0, {1, TRC_SLOT_GLOBAL, 5, 1}, TRC_EV_BIND};
  REQUIRE(ana_state_apply(s, &ev) == HR_OK);
  /* A thousand suspended generators' frames, each holding the list. */
  for (uint64_t f = 2; f < 1002; f++) {
    ev = (trc_event){++seq, 0, {f, 11, 1, 1}, TRC_EV_CALL};
    REQUIRE(ana_state_apply(s, &ev) == HR_OK);
    ev = (trc_event){++seq, 0, {f, TRC_SLOT_LOCAL, 6, 1}, TRC_EV_BIND};
    REQUIRE(ana_state_apply(s, &ev) == HR_OK);
  }
  size_t total = 0, nrec = 0;
  uint8_t *p = NULL;
  size_t n = 0;
  REQUIRE(ana_keyframe_encode(s, &p, &n) == HR_OK);
  total += n;
  hr_free(p);
  REQUIRE(ana_state_mark(s) == HR_OK);
  for (uint64_t i = 0; i < 200000; i++) {
    uint64_t id = 2 + i;
    ev = (trc_event){++seq, i + 1, {1, 20, 0, 0}, TRC_EV_STEP};
    REQUIRE(ana_state_apply(s, &ev) == HR_OK);
    ev = (trc_event){++seq, i + 1, {id, 2, 28, 0x200000 + 32 * id}, TRC_EV_ALLOC};
    REQUIRE(ana_state_apply(s, &ev) == HR_OK);
    ev = (trc_event){++seq, i + 1, {id, i}, TRC_EV_INTVALUE};
    REQUIRE(ana_state_apply(s, &ev) == HR_OK);
    ev = (trc_event){++seq, i + 1, {1, TRC_SLOT_ITEM, i, id}, TRC_EV_BIND};
    REQUIRE(ana_state_apply(s, &ev) == HR_OK);
    if (i % 10000 == 9999) {
      REQUIRE(ana_keyframe_encode_delta(s, &p, &n, &nrec) == HR_OK);
      CHECK_EQ_U64(nrec, 10002);   /* the new ints, the list and the frame that ran */
      total += n;
      hr_free(p);
      REQUIRE(ana_state_mark(s) == HR_OK);
    }
  }
  REQUIRE(ana_keyframe_encode(s, &p, &n) == HR_OK);
  hr_free(p);
  /* 20 deltas of 10,000 items: about as much as one snapshot of 200,000. */
  fprintf(stderr, "deltas %zu bytes, one snapshot %zu bytes\n", total, n);
  CHECK(total < 2 * n + 20 * 200);
  CHECK(n < 200000 / 4);   /* columns: well under a byte per object */
  ana_state_free(s);
}

/* Mutate the inflated payload of a real delta, recompress it and apply it
** over its base: every outcome is HR_OK or HR_ECORRUPT, never a crash (run
** under the sanitizer build to catch overreads). */
static void test_delta_hostile(void) {
  rng = 7;
  gen g;
  memset(&g, 0, sizeof g);
  ana_state *a = ana_state_new(), *b = ana_state_new();
  REQUIRE(a && b);
  uint8_t *base = NULL, *delta = NULL;
  size_t nbase = 0, ndelta = 0, nrec = 0;
  for (int i = 0; i < 3000; i++) {
    trc_event ev = next_event(&g);
    REQUIRE(ana_state_apply(a, &ev) == HR_OK);
    if (i == 1500) {
      REQUIRE(ana_keyframe_encode(a, &base, &nbase) == HR_OK);
      REQUIRE(ana_state_mark(a) == HR_OK);
    }
  }
  REQUIRE(ana_keyframe_encode_delta(a, &delta, &ndelta, &nrec) == HR_OK);
  const uint8_t *q = delta;
  uint64_t rawlen = 0;
  REQUIRE(trc_varint_get(&q, delta + ndelta, &rawlen) == 0 && rawlen < 65536);
  uint8_t *raw = hr_malloc(rawlen), *mut = hr_malloc(rawlen), *out = hr_malloc(2 * rawlen + 64);
  REQUIRE(raw && mut && out);
  uLongf got = rawlen;
  REQUIRE(uncompress(raw, &got, q, (uLong)(delta + ndelta - q)) == Z_OK && got == rawlen);
  int corrupt = 0;
  for (int round = 0; round < 3000; round++) {
    memcpy(mut, raw, rawlen);
    size_t mlen = rawlen;
    for (int k = 0; k < 1 + round % 4; k++) mut[rnd(rawlen)] = (uint8_t)rnd(256);
    if (round % 5 == 0) mlen = rnd(rawlen);
    size_t hdr = trc_varint_put(out, mlen);
    uLongf clen = 2 * rawlen + 64 - hdr;
    REQUIRE(compress(out + hdr, &clen, mut, (uLong)mlen) == Z_OK);
    REQUIRE(ana_keyframe_apply(b, base, nbase) == HR_OK);
    int rc = ana_keyframe_apply(b, out, hdr + clen);
    CHECK(rc == HR_OK || rc == HR_ECORRUPT);
    corrupt += rc == HR_ECORRUPT;
  }
  CHECK(corrupt > 0);
  /* Unharmed, it gives the state back. */
  REQUIRE(ana_keyframe_apply(b, base, nbase) == HR_OK);
  CHECK_EQ_U64(ana_keyframe_apply(b, delta, ndelta), HR_OK);
  CHECK(same(a, b));
  hr_free(raw);
  hr_free(mut);
  hr_free(out);
  hr_free(base);
  hr_free(delta);
  ana_state_free(a);
  ana_state_free(b);
}

/* Out of memory anywhere in tracking, encoding a full keyframe and a
** delta, and applying them: HR_ENOMEM, never a crash or a leak. */
static int oom_body(void *ctx) {
  (void)ctx;
  rng = 99;
  gen g;
  memset(&g, 0, sizeof g);
  ana_state *a = ana_state_new(), *b = ana_state_new();
  uint8_t *k0 = NULL, *k1 = NULL;
  size_t n0 = 0, n1 = 0, nrec = 0;
  int rc = a && b ? HR_OK : HR_ENOMEM;
  for (int i = 0; rc == HR_OK && i < 600; i++) {
    trc_event ev = next_event(&g);
    rc = ana_state_apply(a, &ev);
    if (rc == HR_OK && i == 300) {
      rc = ana_keyframe_encode(a, &k0, &n0);
      if (rc == HR_OK) rc = ana_state_mark(a);
    }
  }
  if (rc == HR_OK) rc = ana_keyframe_encode_delta(a, &k1, &n1, &nrec);
  if (rc == HR_OK) rc = ana_keyframe_apply(b, k0, n0);
  if (rc == HR_OK) rc = ana_keyframe_apply(b, k1, n1);
  int eq = 0;
  if (rc == HR_OK) rc = compare(a, b, &eq);
  if (rc == HR_OK && !eq) rc = HR_ECORRUPT;
  hr_free(k0);
  hr_free(k1);
  ana_state_free(a);
  ana_state_free(b);
  return rc;
}

static void test_delta_oom(void) {
  CHECK(hr_test_oom("delta keyframes", 5000, 0, oom_body, NULL) > 0);
}

HR_TEST_MAIN(test_delta_chains, test_delta_size, test_delta_hostile, test_delta_oom)
