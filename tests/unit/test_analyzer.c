/* test_analyzer.c — replay, keyframes and analyses on the synthetic trace (hr_synth.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "ana_diff.h"
#include "ana_history.h"
#include "ana_keyframe.h"
#include "ana_map.h"
#include "ana_state.h"
#include "ana_steps.h"
#include "ana_summary.h"
#include "ana_trace.h"
#include "ana_view.h"
#include "hr_mem.h"
#include "hr_status.h"
#include "hr_synth.h"
#include "hr_test.h"
#include "trc_codec.h"

/* Object and frame ids of the synthetic program. */
enum { MOD = 1, FN = 2 };
enum { ONE = 1, TWO = 2, X = 3, F = 4, B = 5, NONE = 6, JUNK = 7 };

static char tmpdir[512];

static const char *tmp_path(const char *name) {
  static char buf[8][600];
  static int next;
  char *p = buf[next++ % 8];
  if (!tmpdir[0]) {
    const char *env = getenv("HEAPREEL_TEST_TMP");
    snprintf(tmpdir, sizeof tmpdir, "%s", env && *env ? env : "/tmp");
    mkdir(tmpdir, 0777);
  }
  snprintf(p, 600, "%s/ana_%ld_%s", tmpdir, (long)getpid(), name);
  return p;
}

/* Write the synthetic trace and open it; NULL (with a failed check) on error. */
static ana_trace *open_synth(const char *name, const hr_synth_options *opt) {
  const char *path = tmp_path(name);
  char *err = NULL;
  int rc = hr_synth_write(path, opt, &err);
  if (rc) fprintf(stderr, "synth: %s\n", err ? err : "?");
  hr_free(err);
  CHECK_EQ_U64(rc, HR_OK);
  if (rc) return NULL;
  ana_trace *t = NULL;
  rc = ana_trace_open(path, &t, &err);
  if (rc) fprintf(stderr, "open: %s\n", err ? err : "?");
  hr_free(err);
  CHECK_EQ_U64(rc, HR_OK);
  return t;
}

/* The object bound to a name of a frame in s (0 when unbound or absent). */
static uint64_t name_of(ana_trace *t, ana_state *s, uint64_t frame, int kind, const char *name) {
  const ana_frame *f = ana_state_frame(s, frame);
  if (!f) return 0;
  for (uint32_t i = 0; i < f->slots.n; i++)
    if (f->slots.v[i].kind == kind && strcmp(ana_trace_string(t, f->slots.v[i].arg), name) == 0)
      return f->slots.v[i].obj;
  return 0;
}

static int64_t refcount_of(ana_state *s, uint64_t id) {
  const ana_obj *o = ana_state_obj(s, id);
  return o ? o->refcount : -100;
}

/* --- the map and slot tables on their own ------------------------------------- */

static void test_map_churn(void) {
  ana_map m;
  ana_map_init(&m);
  for (uint64_t i = 1; i <= 20000; i++) REQUIRE(ana_map_put(&m, i, (void *)(uintptr_t)(i * 3)) == HR_OK);
  for (uint64_t i = 1; i <= 20000; i += 2) CHECK(ana_map_del(&m, i) == (void *)(uintptr_t)(i * 3));
  CHECK_EQ_U64(m.n, 10000);
  int ok = 1;
  for (uint64_t i = 1; i <= 20000; i++) {
    void *v = ana_map_get(&m, i);
    if (i % 2 ? v != NULL : v != (void *)(uintptr_t)(i * 3)) ok = 0;
  }
  CHECK(ok);
  CHECK(ana_map_del(&m, 99999) == NULL);
  CHECK(ana_map_put(&m, 0, NULL) != HR_OK);
  ana_map_reset(&m);
}

static void test_slots_big_list(void) {
  ana_slots t;
  memset(&t, 0, sizeof t);
  uint64_t old;
  for (uint64_t i = 0; i < 5000; i++) REQUIRE(ana_slots_set(&t, TRC_SLOT_ITEM, i, 100 + i, &old) == HR_OK);
  CHECK_EQ_U64(t.nbound, 5000);
  CHECK_EQ_U64(t.v[ana_slots_find(&t, TRC_SLOT_ITEM, 4321)].obj, 4421);
  for (uint64_t i = 0; i < 5000; i += 3) ana_slots_set(&t, TRC_SLOT_ITEM, i, 0, &old);
  CHECK(ana_slots_compact(&t) == HR_OK);
  CHECK_EQ_U64(t.n, t.nbound);
  CHECK(ana_slots_find(&t, TRC_SLOT_ITEM, 3) < 0);
  CHECK_EQ_U64(t.v[ana_slots_find(&t, TRC_SLOT_ITEM, 4000)].obj, 4100);
  CHECK(ana_slots_find(&t, TRC_SLOT_ATTR, 4000) < 0);
  ana_slots_reset(&t);
}

/* A list filled in order is found by index; one other slot turns on the hash
** index, and every entry is still found. */
static void test_slots_dense_then_mixed(void) {
  ana_slots t;
  memset(&t, 0, sizeof t);
  uint64_t old;
  for (uint64_t i = 0; i < 100; i++) REQUIRE(ana_slots_set(&t, TRC_SLOT_ITEM, i, 10 + i, &old) == HR_OK);
  CHECK(!t.mixed && !t.index);
  CHECK(ana_slots_find(&t, TRC_SLOT_ITEM, 100) < 0);
  CHECK(ana_slots_find(&t, TRC_SLOT_KEY, 5) < 0);
  REQUIRE(ana_slots_set(&t, TRC_SLOT_ITEM, 500, 7, &old) == HR_OK);   /* a gap */
  CHECK(t.mixed && t.index);
  int ok = 1;
  for (uint64_t i = 0; i < 100; i++) ok &= ana_slots_find(&t, TRC_SLOT_ITEM, i) == (long)i;
  CHECK(ok);
  CHECK_EQ_U64(t.v[ana_slots_find(&t, TRC_SLOT_ITEM, 500)].obj, 7);
  ana_slots_reset(&t);
  CHECK(!t.mixed);
}

/* Objects by id: scattered ids past the page budget, ids past the directory,
** in id order, found and freed; a state reused after reset. */
static void test_state_object_ids(void) {
  ana_state *s = ana_state_new();
  REQUIRE(s != NULL);
  uint64_t ids[] = {5, (uint64_t)1 << 40, 3, 70000, (uint64_t)1 << 34, 4096, UINT64_MAX - 1, 1};
  size_t nids = sizeof ids / sizeof ids[0];
  for (int round = 0; round < 2; round++) {
    for (size_t i = 0; i < nids; i++) {
      ana_obj o;
      memset(&o, 0, sizeof o);
      o.id = ids[i];
      o.size = ids[i] % 1000;
      REQUIRE(ana_state_add_obj(s, &o) == HR_OK);
    }
    /* One object in each of 200 distant pages: more pages than the budget allows. */
    for (uint64_t k = 1; k <= 200; k++) {
      ana_obj o;
      memset(&o, 0, sizeof o);
      o.id = k * 1000003;
      REQUIRE(ana_state_add_obj(s, &o) == HR_OK);
    }
    ana_obj dup;
    memset(&dup, 0, sizeof dup);
    dup.id = 70000;
    CHECK(ana_state_add_obj(s, &dup) == HR_ECORRUPT);
    CHECK_EQ_U64(ana_state_nobjs(s), nids + 200);
    size_t n;
    const ana_obj **all = ana_state_objs(s, &n);
    REQUIRE(all != NULL);
    CHECK_EQ_U64(n, nids + 200);
    int sorted = 1;
    for (size_t i = 1; i < n; i++) sorted &= all[i - 1]->id < all[i]->id;
    CHECK(sorted);
    hr_free(all);
    for (size_t i = 0; i < nids; i++) {
      const ana_obj *o = ana_state_obj(s, ids[i]);
      CHECK(o && o->id == ids[i] && o->size == ids[i] % 1000);
    }
    trc_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = TRC_EV_FREE;
    ev.seq = 1;
    ev.f[0] = (uint64_t)1 << 40;
    CHECK(ana_state_apply(s, &ev) == HR_OK);
    CHECK(ana_state_obj(s, (uint64_t)1 << 40) == NULL);
    ev.f[0] = 2 * 1000003;
    CHECK(ana_state_apply(s, &ev) == HR_OK);
    CHECK(ana_state_obj(s, 2 * 1000003) == NULL);
    CHECK(ana_state_obj(s, 3 * 1000003) != NULL);
    CHECK_EQ_U64(ana_state_nobjs(s), nids + 198);
    CHECK_EQ_U64(ana_state_anomalies(s), 0);
    ana_state_reset(s);
    CHECK_EQ_U64(ana_state_nobjs(s), 0);
  }
  ana_state_free(s);
}

/* --- replay ------------------------------------------------------------------------ */

static void test_state_steps(void) {
  ana_trace *t = open_synth("steps.heapreel", NULL);
  REQUIRE(t);
  ana_state *s = ana_state_new();
  trc_event ev;
  REQUIRE(s);
  /* Before step 3: x and y share the list, which holds 1 and 2. */
  REQUIRE(ana_trace_state_before_step(t, 3, s, &ev) == HR_OK);
  CHECK_EQ_U64(ev.step, 3);
  CHECK_EQ_U64(ana_trace_location(t, ev.f[1]).line, 3);
  CHECK_EQ_U64(name_of(t, s, MOD, TRC_SLOT_GLOBAL, "x"), X);
  CHECK_EQ_U64(name_of(t, s, MOD, TRC_SLOT_GLOBAL, "y"), X);
  CHECK_EQ_U64(refcount_of(s, X), 2);
  CHECK_EQ_U64(ana_state_slot(s, X, TRC_SLOT_ITEM, 0), ONE);
  CHECK_EQ_U64(ana_state_slot(s, X, TRC_SLOT_ITEM, 1), TWO);
  CHECK(ana_state_obj(s, F) == NULL);
  CHECK_EQ_U64(ana_state_step(s), 2);
  /* Before step 7, inside f: a is x's list, b a new list holding it. */
  REQUIRE(ana_trace_state_before_step(t, 7, s, &ev) == HR_OK);
  CHECK_EQ_U64(ana_state_nframes(s), 2);
  CHECK_EQ_U64(name_of(t, s, FN, TRC_SLOT_LOCAL, "a"), X);
  CHECK_EQ_U64(name_of(t, s, FN, TRC_SLOT_LOCAL, "b"), B);
  CHECK_EQ_U64(ana_state_slot(s, B, TRC_SLOT_ITEM, 0), X);
  CHECK_EQ_U64(refcount_of(s, X), 4);
  CHECK_EQ_U64(ana_state_frame(s, FN)->parent, MOD);
  CHECK_EQ_U64(ana_state_frame_id(s), FN);
  /* Before step 10: f returned, x deleted (its slot kept, unbound). */
  REQUIRE(ana_trace_state_before_step(t, 10, s, &ev) == HR_OK);
  CHECK(ana_state_frame(s, FN) == NULL);
  CHECK_EQ_U64(name_of(t, s, MOD, TRC_SLOT_GLOBAL, "x"), 0);
  CHECK_EQ_U64(name_of(t, s, MOD, TRC_SLOT_GLOBAL, "z"), B);
  CHECK_EQ_U64(refcount_of(s, X), 2);
  /* Before step 12: y rebound without an unbind event, b and x freed. */
  REQUIRE(ana_trace_state_before_step(t, 12, s, &ev) == HR_OK);
  CHECK_EQ_U64(name_of(t, s, MOD, TRC_SLOT_GLOBAL, "y"), NONE);
  CHECK(ana_state_obj(s, X) == NULL);
  CHECK(ana_state_obj(s, B) == NULL);
  CHECK(ana_state_obj(s, JUNK) != NULL);
  CHECK_EQ_U64(ana_state_slot(s, JUNK, TRC_SLOT_VALUE, ana_state_obj(s, JUNK)->slots.v[0].arg), JUNK);
  CHECK_EQ_U64(ana_state_anomalies(s), 0);
  /* Out of range. */
  CHECK_EQ_U64(ana_trace_state_before_step(t, 13, s, &ev), HR_ERANGE);
  CHECK(strstr(ana_trace_errmsg(t), "1 to 12") != NULL);
  CHECK_EQ_U64(ana_trace_state_before_step(t, 0, s, &ev), HR_ERANGE);
  ana_state_free(s);
  ana_trace_free(t);
}

static void test_marks_and_lines(void) {
  ana_trace *t = open_synth("marks.heapreel", NULL);
  REQUIRE(t);
  uint64_t seq = 0, step = 0;
  CHECK_EQ_U64(ana_trace_mark(t, "mid", &seq, &step), HR_OK);
  CHECK_EQ_U64(step, 4);
  CHECK_EQ_U64(ana_trace_mark(t, "end", &seq, &step), HR_OK);
  CHECK_EQ_U64(step, 12);
  ana_state *s = ana_state_new();
  REQUIRE(s);
  /* At the end mark the collector has run and f is still alive. */
  REQUIRE(ana_trace_state_at_seq(t, seq, s) == HR_OK);
  CHECK(ana_state_obj(s, JUNK) == NULL);
  CHECK(ana_state_obj(s, F) != NULL);
  REQUIRE(ana_trace_state_at_seq(t, trc_reader_last_seq(ana_trace_reader(t)), s) == HR_OK);
  CHECK(ana_state_obj(s, F) == NULL);
  CHECK_EQ_U64(ana_state_nframes(s), 0);
  CHECK_EQ_U64(ana_trace_mark(t, "nope", &seq, &step), HR_ENOTFOUND);
  CHECK(strstr(ana_trace_errmsg(t), "'nope'") != NULL);
  /* Line 7 runs once (steps 5 and 8 are one execution around the call). */
  CHECK_EQ_U64(ana_trace_line_step(t, 7, 1, &step), HR_OK);
  CHECK_EQ_U64(step, 5);
  CHECK_EQ_U64(ana_trace_line_step(t, 7, 2, &step), HR_ENOTFOUND);
  CHECK_EQ_U64(ana_trace_line_step(t, 4, 1, &step), HR_OK);
  CHECK_EQ_U64(step, 6);
  CHECK_EQ_U64(ana_trace_line_step(t, 40, 1, &step), HR_ENOTFOUND);
  CHECK(strstr(ana_trace_errmsg(t), "never ran") != NULL);
  CHECK_STR(ana_trace_source_line(t, ana_trace_main_file(t), 4), "    b = [a]");
  CHECK(ana_trace_source_line(t, ana_trace_main_file(t), 12) == NULL);
  const ana_frame_info *fi = ana_trace_frame_info(t, FN);
  REQUIRE(fi);
  CHECK_EQ_U64(fi->depth, 1);
  CHECK_EQ_U64(fi->parent, MOD);
  ana_state_free(s);
  ana_trace_free(t);
}

/* Two states hold the same frames, slots and objects. */
static int same_state(ana_state *a, ana_state *b) {
  size_t na, nb;
  int same = ana_state_nframes(a) == ana_state_nframes(b) && ana_state_nobjs(a) == ana_state_nobjs(b);
  const ana_frame **fa = ana_state_frames(a, &na), **fb = ana_state_frames(b, &nb);
  for (size_t i = 0; same && i < na; i++) {
    same = fa[i]->id == fb[i]->id && fa[i]->cur_location == fb[i]->cur_location &&
           fa[i]->slots.n == fb[i]->slots.n && fa[i]->parent == fb[i]->parent;
    for (uint32_t k = 0; same && k < fa[i]->slots.n; k++)
      same = fa[i]->slots.v[k].obj == fb[i]->slots.v[k].obj && fa[i]->slots.v[k].arg == fb[i]->slots.v[k].arg;
  }
  const ana_obj **oa = ana_state_objs(a, &na), **ob = ana_state_objs(b, &nb);
  for (size_t i = 0; same && i < na; i++) {
    same = oa[i]->id == ob[i]->id && oa[i]->refcount == ob[i]->refcount &&
           oa[i]->address == ob[i]->address && oa[i]->slots.nbound == ob[i]->slots.nbound &&
           oa[i]->preexisting == ob[i]->preexisting && oa[i]->type == ob[i]->type;
    for (uint32_t k = 0; same && k < oa[i]->slots.nbound; k++)
      same = ana_state_slot(b, oa[i]->id, oa[i]->slots.v[k].kind, oa[i]->slots.v[k].arg) ==
             oa[i]->slots.v[k].obj;
  }
  hr_free(fa);
  hr_free(fb);
  hr_free(oa);
  hr_free(ob);
  return same && ana_state_step(a) == ana_state_step(b) && ana_state_location(a) == ana_state_location(b);
}

struct notes {
  int notes, progress;
};

static void count_note(void *ctx, const char *msg, int is_progress) {
  struct notes *n = ctx;
  if (is_progress) n->progress++;
  else n->notes++;
}

static void test_keyframes(void) {
  hr_synth_options kf = {0, 3, 0, 0}, bad = {0, 3, 9, 0};
  ana_trace *plain = open_synth("plain.heapreel", NULL);
  ana_trace *with = open_synth("kf.heapreel", &kf);
  ana_trace *broken = open_synth("badkf.heapreel", &bad);
  REQUIRE(plain && with && broken);
  ana_state *a = ana_state_new(), *b = ana_state_new();
  trc_event ev;
  REQUIRE(a && b);
  for (uint64_t step = 1; step <= 12; step++) {
    REQUIRE(ana_trace_state_before_step(plain, step, a, &ev) == HR_OK);
    REQUIRE(ana_trace_state_before_step(with, step, b, &ev) == HR_OK);
    if (!same_state(a, b)) fprintf(stderr, "keyframe replay differs before step %llu\n", (unsigned long long)step);
    CHECK(same_state(a, b));
    /* Encoding then decoding gives the same state back. */
    uint8_t *data = NULL;
    size_t len = 0;
    REQUIRE(ana_keyframe_encode(a, &data, &len) == HR_OK);
    CHECK(ana_keyframe_decode(b, data, len) == HR_OK);
    CHECK(same_state(a, b));
    /* Every truncation is refused cleanly. */
    for (size_t cut = 0; cut < len; cut++) CHECK(ana_keyframe_decode(b, data, cut) == HR_ECORRUPT);
    hr_free(data);
  }
  /* Keyframes that carry no check of their events (these were written
  ** without one), a damaged one among them, are never used: every state is
  ** a full replay's, and one note says so. */
  struct notes nt = {0, 0};
  ana_trace_set_note_fn(broken, count_note, &nt);
  ana_trace_set_cache(broken, 0);
  for (uint64_t step = 1; step <= 12; step++) {
    REQUIRE(ana_trace_state_before_step(plain, step, a, &ev) == HR_OK);
    CHECK_EQ_U64(ana_trace_state_before_step(broken, step, b, &ev), HR_OK);
    CHECK(same_state(a, b));
  }
  CHECK_EQ_U64(nt.notes, 1);
  ana_state_free(a);
  ana_state_free(b);
  ana_trace_free(plain);
  ana_trace_free(with);
  ana_trace_free(broken);
}

/* Mutate the inflated payload of a real keyframe, recompress it and decode:
** every outcome must be HR_OK or HR_ECORRUPT, never a crash (run under the
** sanitizer build to catch overreads). */
static void test_keyframe_hostile(void) {
  ana_trace *t = open_synth("hostile.heapreel", NULL);
  REQUIRE(t);
  ana_state *s = ana_state_new();
  trc_event ev;
  REQUIRE(s);
  REQUIRE(ana_trace_state_before_step(t, 7, s, &ev) == HR_OK);
  uint8_t *data = NULL;
  size_t len = 0;
  REQUIRE(ana_keyframe_encode(s, &data, &len) == HR_OK);
  const uint8_t *q = data;
  uint64_t rawlen = 0;
  REQUIRE(trc_varint_get(&q, data + len, &rawlen) == 0 && rawlen < 4096);
  uint8_t raw[4096], mut[4096], blob[8192];
  uLongf got = sizeof raw;
  REQUIRE(uncompress(raw, &got, q, (uLong)(data + len - q)) == Z_OK && got == rawlen);
  uint64_t seed = 12345;
  int ok = 0, corrupt = 0;
  for (int round = 0; round < 4000; round++) {
    memcpy(mut, raw, rawlen);
    size_t mlen = rawlen;
    for (int k = 0; k < 1 + round % 4; k++) {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      mut[(seed >> 20) % rawlen] = (uint8_t)(seed >> 56);
    }
    if (round % 5 == 0) mlen = (size_t)((seed >> 8) % rawlen);
    size_t hdr = trc_varint_put(blob, mlen);
    uLongf clen = sizeof blob - hdr;
    REQUIRE(compress(blob + hdr, &clen, mut, (uLong)mlen) == Z_OK);
    int rc = ana_keyframe_decode(s, blob, hdr + clen);
    CHECK(rc == HR_OK || rc == HR_ECORRUPT);
    ok += rc == HR_OK;
    corrupt += rc == HR_ECORRUPT;
  }
  CHECK(corrupt > 0);
  hr_free(data);
  ana_state_free(s);
  ana_trace_free(t);
}

typedef struct { ana_trace *t; ana_state *s; trc_event *ev; } replay_ctx;
static int replay_step12(void *ctx) {
  replay_ctx *c = ctx;
  return ana_trace_state_before_step(c->t, 12, c->s, c->ev);
}

/* Out of memory at every allocation of a replay gives HR_ENOMEM, never a crash. */
static void test_replay_oom(void) {
  ana_trace *t = open_synth("oom.heapreel", NULL);
  REQUIRE(t);
  ana_state *s = ana_state_new();
  trc_event ev;
  REQUIRE(s);
  replay_ctx ctx = {t, s, &ev};
  CHECK(hr_test_oom("replay", 400, 0, replay_step12, &ctx) > 0);
  REQUIRE(ana_trace_state_before_step(t, 12, s, &ev) == HR_OK);
  CHECK_EQ_U64(name_of(t, s, MOD, TRC_SLOT_GLOBAL, "y"), NONE);
  ana_state_free(s);
  ana_trace_free(t);
}

/* --- analyses ------------------------------------------------------------------------ */

static void test_summary(void) {
  ana_trace *t = open_synth("summary.heapreel", NULL);
  REQUIRE(t);
  ana_summary s;
  REQUIRE(ana_summary_compute(t, &s) == HR_OK);
  CHECK_EQ_U64(s.steps, 12);
  CHECK_EQ_U64(s.events, trc_reader_last_seq(ana_trace_reader(t)));
  CHECK_EQ_U64(s.objects_allocated, 4);       /* x's list, f, b's list, the dict */
  CHECK_EQ_U64(s.objects_tracked, 3);         /* 1, 2, None */
  CHECK_EQ_U64(s.objects_freed, 4);           /* f dies in teardown, after the end mark */
  CHECK_EQ_U64(s.objects_alive_at_end, 1);
  CHECK(s.end_is_mark);
  CHECK_EQ_U64(s.peak_bytes, 5000);
  CHECK_EQ_U64(s.peak_step, 6);
  CHECK_EQ_U64(s.peak_loc.line, 4);
  CHECK_STR(s.peak_loc.file, "synth.py");
  CHECK_EQ_U64(s.gc_runs, 1);
  CHECK_EQ_U64(s.gc_collected, 1);
  CHECK_EQ_U64(s.marks, 2);
  CHECK(s.complete);
  CHECK(s.has_exit_status && s.exit_status == 0);
  CHECK(s.has_duration && s.duration_s > 0.24 && s.duration_s < 0.26);
  REQUIRE(s.argc == 2);
  CHECK_STR(s.argv[1], "--fast");
  CHECK(s.trace_bytes > 0);
  ana_summary_reset(&s);
  ana_trace_free(t);

  /* Cut short: no end mark, so the end is the last event and f is alive. */
  hr_synth_options cut = {1, 0, 0, 0};
  t = open_synth("cut.heapreel", &cut);
  REQUIRE(t);
  REQUIRE(ana_summary_compute(t, &s) == HR_OK);
  CHECK(!s.complete);
  CHECK(!s.end_is_mark);
  CHECK(!s.has_exit_status);
  CHECK_EQ_U64(s.objects_freed, 3);
  CHECK_EQ_U64(s.objects_alive_at_end, 1);
  ana_summary_reset(&s);
  ana_trace_free(t);
}

static void test_json_argv(void) {
  char **v;
  size_t n;
  sqlite3 *db = NULL;
  REQUIRE(sqlite3_open(":memory:", &db) == SQLITE_OK);
  REQUIRE(ana_json_string_array(db, " [\"a\\\"b\", \"\\u00e9\\n\", \"\\ud83d\\ude00\"] ", &v, &n) == HR_OK);
  REQUIRE(n == 3);
  CHECK_STR(v[0], "a\"b");
  CHECK_STR(v[1], "\xc3\xa9\n");
  CHECK_STR(v[2], "\xf0\x9f\x98\x80");
  for (size_t i = 0; i < n; i++) hr_free(v[i]);
  hr_free(v);
  REQUIRE(ana_json_string_array(db, "[]", &v, &n) == HR_OK);
  CHECK_EQ_U64(n, 0);
  CHECK(ana_json_string_array(db, "[\"a\"", &v, &n) == HR_ECORRUPT);
  CHECK(ana_json_string_array(db, "[\"a\\x\"]", &v, &n) == HR_ECORRUPT);
  CHECK(ana_json_string_array(db, "[1]", &v, &n) == HR_ECORRUPT);
  CHECK(ana_json_string_array(db, "[\"a\"] x", &v, &n) == HR_ECORRUPT);
  CHECK(ana_json_string_array(db, "{\"a\": \"b\"}", &v, &n) == HR_ECORRUPT);
  CHECK(ana_json_string_array(db, "[\"a\", null]", &v, &n) == HR_ECORRUPT);
  CHECK(ana_json_string_array(db, "[\"a\x01" "b\"]", &v, &n) == HR_ECORRUPT);
  /* Order is the array's, past ten elements too. */
  REQUIRE(ana_json_string_array(db, "[\"0\",\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\",\"11\"]",
                                &v, &n) == HR_OK);
  REQUIRE(n == 12);
  CHECK_STR(v[2], "2");
  CHECK_STR(v[10], "10");
  for (size_t i = 0; i < n; i++) hr_free(v[i]);
  hr_free(v);
  sqlite3_close(db);
}

static int count_rows(void *ctx, const ana_step_row *r) {
  uint64_t *n = ctx;
  (*n)++;
  CHECK(r->source != NULL);
  if (r->step == 6) {
    CHECK_EQ_U64(r->depth, 1);
    CHECK_STR(r->loc.function, "f");
    CHECK_STR(r->source, "    b = [a]");
    CHECK_EQ_U64(r->thread, 1);
  }
  return 0;
}

static void test_steps_and_view(void) {
  ana_trace *t = open_synth("view.heapreel", NULL);
  REQUIRE(t);
  uint64_t n = 0;
  CHECK(ana_steps_each(t, 1, 0, 0, count_rows, &n) == HR_OK);
  CHECK_EQ_U64(n, 12);
  n = 0;
  CHECK(ana_steps_each(t, 1, 0, 7, count_rows, &n) == HR_OK);
  CHECK_EQ_U64(n, 2);
  n = 0;
  CHECK(ana_steps_each(t, 6, 8, 0, count_rows, &n) == HR_OK);
  CHECK_EQ_U64(n, 3);

  ana_state *s = ana_state_new();
  trc_event ev;
  ana_view v;
  REQUIRE(s && ana_trace_state_before_step(t, 7, s, &ev) == HR_OK);
  REQUIRE(ana_view_build(t, s, ev.f[0], 0, &v) == HR_OK);
  REQUIRE(v.nframes == 2);
  CHECK_EQ_U64(v.nstack, 2);
  CHECK_EQ_U64(v.frames[0]->id, MOD);         /* outermost first */
  CHECK_EQ_U64(v.frames[1]->id, FN);
  /* Reached from the frames: x's list, f, b's list, and the ints as leaves. */
  CHECK_EQ_U64(v.nobjs, 5);
  CHECK_EQ_U64(v.objs[0]->id, X);
  int leaves = 0;
  for (size_t i = 0; i < v.nobjs; i++) leaves += v.leaf[i];
  CHECK_EQ_U64(leaves, 2);
  char buf[64];
  CHECK_STR(ana_value_short(t, v.objs[0], buf, sizeof buf), "len 2");
  /* An older list whose items the trace never saw has no known length. */
  ana_obj older = *v.objs[0];
  memset(&older.slots, 0, sizeof older.slots);
  older.preexisting = 1;
  CHECK(ana_value_short(t, &older, buf, sizeof buf) == NULL);
  older.preexisting = 0;
  CHECK_STR(ana_value_short(t, &older, buf, sizeof buf), "len 0");
  ana_slot_label(t, NULL, TRC_SLOT_ITEM, 3, buf, sizeof buf);
  CHECK_STR(buf, "item[3]");
  ana_view_reset(&v);
  /* The dict that only refers to itself is unreachable before step 11. */
  REQUIRE(ana_trace_state_before_step(t, 11, s, &ev) == HR_OK);
  REQUIRE(ana_view_build(t, s, ev.f[0], ANA_VIEW_EXPAND, &v) == HR_OK);
  for (size_t i = 0; i < v.nobjs; i++) CHECK(v.objs[i]->id != JUNK);
  CHECK(ana_state_obj(s, JUNK) != NULL);
  ana_view_reset(&v);
  ana_state_free(s);
  ana_trace_free(t);
}


/* Keyframes built on the first long replay, cached in the file, and the
** same states as a full replay; a second open finds them. */
static void test_keyframe_cache(void) {
  ana_trace *t = open_synth("kfcache.heapreel", NULL);
  REQUIRE(t);
  struct notes nt = {0, 0};
  ana_trace_set_note_fn(t, count_note, &nt);
  ana_trace_set_keyframe_every(t, 5);
  ana_state *a = ana_state_new(), *b = ana_state_new();
  REQUIRE(a && b);
  trc_event ev;
  REQUIRE(ana_trace_state_before_step(t, 12, a, &ev) == HR_OK);
  CHECK_EQ_U64(nt.notes, 1);      /* "caching N keyframes ..." */
  CHECK_EQ_U64(nt.progress, 1);
  sqlite3_stmt *st = NULL;
  REQUIRE(sqlite3_prepare_v2(ana_trace_db(t), "SELECT count(*) FROM keyframes", -1, &st, NULL) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  int64_t n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  CHECK(n >= 3);
  /* Every step: the cached keyframes give what a replay from event 1 gives. */
  for (uint64_t step = 1; step <= 12; step++) {
    REQUIRE(ana_trace_state_before_step(t, step, a, &ev) == HR_OK);
    ana_state_reset(b);
    REQUIRE(ana_trace_replay(t, b, 1, ev.seq - 1) == HR_OK);
    uint8_t *da = NULL, *db = NULL;
    size_t la = 0, lb = 0;
    REQUIRE(ana_keyframe_encode(a, &da, &la) == HR_OK && ana_keyframe_encode(b, &db, &lb) == HR_OK);
    CHECK(la == lb && memcmp(da, db, la) == 0);
    hr_free(da);
    hr_free(db);
  }
  ana_trace_free(t);
  char *err = NULL;
  REQUIRE(ana_trace_open(tmp_path("kfcache.heapreel"), &t, &err) == HR_OK);
  nt.progress = 0;
  ana_trace_set_note_fn(t, count_note, &nt);
  ana_trace_set_keyframe_every(t, 5);
  REQUIRE(ana_trace_state_before_step(t, 12, a, &ev) == HR_OK);
  CHECK_EQ_U64(nt.progress, 0);   /* found, not built again */
  ana_trace_free(t);
  /* A cut-short recording gets a note and no keyframes. */
  hr_synth_options opt;
  memset(&opt, 0, sizeof opt);
  opt.incomplete = 1;
  t = open_synth("kfcut.heapreel", &opt);
  REQUIRE(t);
  nt.notes = nt.progress = 0;
  ana_trace_set_note_fn(t, count_note, &nt);
  ana_trace_set_keyframe_every(t, 2);
  REQUIRE(ana_trace_state_before_step(t, trc_reader_last_step(ana_trace_reader(t)), a, &ev) == HR_OK);
  CHECK_EQ_U64(nt.notes, 1);
  CHECK_EQ_U64(nt.progress, 0);
  ana_trace_free(t);
  ana_state_free(a);
  ana_state_free(b);
}

static void test_history(void) {
  ana_trace *t = open_synth("history.heapreel", NULL);
  REQUIRE(t);
  ana_history h;
  REQUIRE(ana_history_compute(t, X, &h) == HR_OK);
  CHECK_EQ_U64(h.alloc_step, 1);
  CHECK_EQ_U64(ana_trace_location(t, h.alloc_location).line, 1);
  CHECK(h.freed && !h.free_by_gc);
  CHECK_EQ_U64(h.free_step, 11);
  CHECK_EQ_U64(ana_trace_location(t, h.free_location).line, 10);
  int binds = 0, unbinds = 0, implicit = 0;
  int64_t last_rc = -1;
  for (size_t i = 0; i < h.nev; i++) {
    binds += h.ev[i].kind == ANA_HIST_BIND;
    unbinds += h.ev[i].kind == ANA_HIST_UNBIND;
    if (h.ev[i].kind == ANA_HIST_UNBIND && h.ev[i].step == 10) implicit++;  /* y = None */
    if (h.ev[i].kind == ANA_HIST_INCREF || h.ev[i].kind == ANA_HIST_DECREF) last_rc = h.ev[i].refcount;
  }
  CHECK_EQ_U64(binds, 4);       /* x, y, a, b's item[0] */
  CHECK_EQ_U64(unbinds, 4);     /* a, x, y (by rebinding), item[0] */
  CHECK_EQ_U64(implicit, 1);
  CHECK_EQ_U64(last_rc, 0);
  CHECK_EQ_U64(h.nstack, 1);
  ana_history_reset(&h);

  REQUIRE(ana_history_compute(t, B, &h) == HR_OK);
  REQUIRE(h.nstack == 2);       /* made inside f, called from the module */
  CHECK_EQ_U64(h.stack[0].frame, MOD);
  CHECK_EQ_U64(ana_trace_location(t, h.stack[0].location).line, 7);
  CHECK_EQ_U64(h.stack[1].frame, FN);
  int returned = 0;
  for (size_t i = 0; i < h.nev; i++) returned += h.ev[i].kind == ANA_HIST_RETURN;
  CHECK_EQ_U64(returned, 1);
  ana_history_reset(&h);

  REQUIRE(ana_history_compute(t, JUNK, &h) == HR_OK);
  CHECK(h.freed && h.free_by_gc);
  ana_history_reset(&h);
  REQUIRE(ana_history_compute(t, F, &h) == HR_OK);
  CHECK(h.freed);
  ana_history_reset(&h);
  CHECK_EQ_U64(ana_history_compute(t, 99, &h), HR_ENOTFOUND);

  uint64_t id = 0;
  CHECK(ana_history_name_at(t, "x", NULL, 3, &id) == HR_OK && id == X);
  CHECK(ana_history_name_at(t, "b", NULL, 7, &id) == HR_OK && id == B);
  CHECK(ana_history_name_at(t, "x", NULL, 7, &id) == HR_OK && id == X);   /* a global, from inside f */
  CHECK_EQ_U64(ana_history_name_at(t, "x", NULL, 10, &id), HR_ENOTFOUND);
  CHECK(strstr(ana_trace_errmsg(t), "unbound") != NULL);
  CHECK_EQ_U64(ana_history_name_at(t, "q", NULL, 3, &id), HR_ENOTFOUND);
  CHECK_EQ_U64(ana_history_name_at(t, "x", NULL, 99, &id), HR_ERANGE);
  ana_trace_free(t);
}

static void test_diff(void) {
  ana_trace *t = open_synth("diff.heapreel", NULL);
  REQUIRE(t);
  ana_diff d;
  REQUIRE(ana_diff_compute(t, 9, 11, &d) == HR_OK);
  int counts[5] = {0};
  for (size_t i = 0; i < d.n; i++) counts[d.items[i].kind]++;
  CHECK_EQ_U64(counts[ANA_DIFF_ALLOC], 1);
  CHECK_EQ_U64(counts[ANA_DIFF_FREE], 0);
  CHECK_EQ_U64(counts[ANA_DIFF_BIND], 2);
  CHECK_EQ_U64(counts[ANA_DIFF_UNBIND], 2);    /* del x, and y rebound */
  ana_diff_reset(&d);
  REQUIRE(ana_diff_compute(t, 11, 12, &d) == HR_OK);
  memset(counts, 0, sizeof counts);
  for (size_t i = 0; i < d.n; i++) counts[d.items[i].kind]++;
  CHECK_EQ_U64(counts[ANA_DIFF_FREE], 2);
  ana_diff_reset(&d);
  REQUIRE(ana_diff_compute(t, 4, 4, &d) == HR_OK);
  CHECK_EQ_U64(d.n, 0);
  ana_diff_reset(&d);
  CHECK_EQ_U64(ana_diff_compute(t, 5, 40, &d), HR_ERANGE);
  CHECK_EQ_U64(ana_diff_compute(t, 6, 5, &d), HR_ERANGE);
  ana_trace_free(t);
}

/* A resize event changes the replayed object's size; one for an unknown
** object is an anomaly, never a crash. */
static void test_state_resize(void) {
  ana_state *s = ana_state_new();
  REQUIRE(s);
  trc_event ev = {.seq = 1, .step = 1, .kind = TRC_EV_ALLOC, .f = {40, 3, 56, 0x1000}};
  REQUIRE(ana_state_apply(s, &ev) == HR_OK);
  ev = (trc_event){.seq = 2, .step = 2, .kind = TRC_EV_RESIZE, .f = {40, 88}};
  REQUIRE(ana_state_apply(s, &ev) == HR_OK);
  const ana_obj *o = ana_state_obj(s, 40);
  REQUIRE(o);
  CHECK_EQ_U64(o->size, 88);
  CHECK_EQ_U64(o->address, 0x1000);
  ev = (trc_event){.seq = 3, .step = 2, .kind = TRC_EV_RESIZE, .f = {41, 120}};
  REQUIRE(ana_state_apply(s, &ev) == HR_OK);
  CHECK_EQ_U64(ana_state_anomalies(s), 1);
  ana_state_free(s);
}

HR_TEST_MAIN(test_map_churn, test_state_resize, test_slots_big_list, test_slots_dense_then_mixed,
             test_state_object_ids, test_state_steps, test_marks_and_lines,
             test_keyframes, test_keyframe_hostile, test_replay_oom, test_summary,
             test_json_argv, test_steps_and_view, test_keyframe_cache, test_history, test_diff)
