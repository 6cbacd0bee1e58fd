/* test_writer.c — unit tests of the trace writer: the file it leaves, read back with plain SQL. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hr_mem.h"
#include "hr_status.h"
#include "hr_test.h"
#include "trc_codec.h"
#include "trc_index_vtab.h"
#include "trc_writer.h"

static char test_dir[4096];

/* A fresh directory for this run under $HEAPREEL_TEST_TMP (or /tmp). */
static const char *tmp_dir(void) {
  if (test_dir[0]) return test_dir;
  const char *base = getenv("HEAPREEL_TEST_TMP");
  if (!base || !*base) base = "/tmp";
  mkdir(base, 0777);
  snprintf(test_dir, sizeof test_dir, "%s/test_writer-XXXXXX", base);
  if (!mkdtemp(test_dir)) {
    perror("mkdtemp");
    exit(1);
  }
  chmod(test_dir, 0755);           /* the unwritable-directory test runs as nobody */
  return test_dir;
}

static void tmp_path(char *buf, size_t n, const char *name) {
  snprintf(buf, n, "%s/%s", tmp_dir(), name);
}

static int exists(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0;
}

static int exists_beside(const char *path, const char *suffix) {
  char p[4300];
  snprintf(p, sizeof p, "%s%s", path, suffix);
  return exists(p);
}

/* Files in dir whose name contains part. */
static int count_named(const char *dir, const char *part) {
  DIR *d = opendir(dir);
  if (!d) return -1;
  int n = 0;
  for (struct dirent *e; (e = readdir(d)) != NULL;)
    if (strstr(e->d_name, part)) n++;
  closedir(d);
  return n;
}

/* The trace read-only, with the objects and frames relations a reader
** makes from the events (format 2 stores no row of either). */
static sqlite3 *open_ro(const char *path) {
  sqlite3 *db = NULL;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
      trc_index_register(db, NULL) != SQLITE_OK) {
    fprintf(stderr, "cannot open %s: %s\n", path, db ? sqlite3_errmsg(db) : "?");
    sqlite3_close(db);
    return NULL;
  }
  return db;
}

/* One integer from a query with an optional text parameter; -1 on error. */
static long long q_int(sqlite3 *db, const char *sql, const char *arg) {
  sqlite3_stmt *st = NULL;
  long long v = -1;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
    fprintf(stderr, "prepare %s: %s\n", sql, sqlite3_errmsg(db));
    return -1;
  }
  if (arg) sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
    v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

/* One text value (copied into buf, "" when none). */
static const char *q_text(sqlite3 *db, const char *sql, const char *arg, char *buf, size_t n) {
  sqlite3_stmt *st = NULL;
  buf[0] = 0;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return buf;
  if (arg) sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
    snprintf(buf, n, "%s", (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  return buf;
}

static const char sql_meta[] = "SELECT value FROM meta WHERE key = ?1";

/* Deterministic pseudo-random numbers for event fields. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

/* Check the chunks of a trace: dense seq ranges from 1, each decodes, and
** (when expect is given) the events equal expect[0..n). Returns events seen. */
static uint64_t check_chunks(sqlite3 *db, const trc_event *expect, uint64_t n,
                             uint32_t max_per_chunk, uint64_t *nchunks) {
  static const char sql[] =
    "SELECT first_seq, last_seq, first_step, last_step, nevents, encoding, data"
    " FROM chunks ORDER BY first_seq";
  sqlite3_stmt *st = NULL;
  trc_codec *c = trc_codec_new();
  uint64_t next = 1, chunks = 0;
  int bad = 0;
  if (!c || sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
    CHECK(!"prepare chunks");
    trc_codec_free(c);
    return 0;
  }
  while (!bad && sqlite3_step(st) == SQLITE_ROW) {
    uint64_t first = (uint64_t)sqlite3_column_int64(st, 0);
    uint64_t last = (uint64_t)sqlite3_column_int64(st, 1);
    uint64_t lo = (uint64_t)sqlite3_column_int64(st, 2);
    uint64_t hi = (uint64_t)sqlite3_column_int64(st, 3);
    uint64_t nev = (uint64_t)sqlite3_column_int64(st, 4);
    chunks++;
    CHECK_EQ_U64(first, next);
    CHECK_EQ_U64(nev, last - first + 1);
    CHECK_EQ_U64(sqlite3_column_int(st, 5), TRC_CHUNK_DEFLATE);
    if (max_per_chunk) CHECK(nev <= max_per_chunk);
    const trc_event *ev = NULL;
    int rc = trc_codec_decode(c, sqlite3_column_blob(st, 6), (size_t)sqlite3_column_bytes(st, 6),
                              first, (size_t)nev, &ev);
    CHECK_EQ_U64(rc, HR_OK);
    if (first != next || rc != HR_OK) {
      bad = 1;
      break;
    }
    uint64_t mn = UINT64_MAX, mx = 0;
    for (uint64_t i = 0; i < nev; i++) {
      if (ev[i].step < mn) mn = ev[i].step;
      if (ev[i].step > mx) mx = ev[i].step;
      CHECK_EQ_U64(ev[i].seq, first + i);
      if (!expect) continue;
      uint64_t k = first + i - 1;
      if (k >= n) {
        CHECK(!"more events than appended");
        bad = 1;
        break;
      }
      const trc_event *x = &expect[k];
      if (ev[i].kind != x->kind || ev[i].step != x->step || ev[i].f[0] != x->f[0] ||
          ev[i].f[1] != x->f[1] || ev[i].f[2] != x->f[2] || ev[i].f[3] != x->f[3]) {
        fprintf(stderr, "event %llu differs\n", (unsigned long long)(k + 1));
        CHECK(!"event round trip");
        bad = 1;
        break;
      }
    }
    CHECK_EQ_U64(lo, mn);
    CHECK_EQ_U64(hi, mx);
    next = last + 1;
  }
  sqlite3_finalize(st);
  trc_codec_free(c);
  if (nchunks) *nchunks = chunks;
  return next - 1;
}

/* The meta rows every trace opens with: complete as given, the format's
** version, and a start time in UTC. */
static void check_opening_meta(sqlite3 *db, const char *complete) {
  char buf[64];
  CHECK_STR(q_text(db, sql_meta, "complete", buf, sizeof buf), complete);
  CHECK_EQ_U64(q_int(db, sql_meta, "format_major"), TRC_VERSION_MAJOR);
  CHECK_EQ_U64(q_int(db, sql_meta, "format_minor"), TRC_VERSION_MINOR);
  q_text(db, sql_meta, "start_time", buf, sizeof buf);
  CHECK(strlen(buf) == 20 && buf[4] == '-' && buf[10] == 'T' && buf[19] == 'Z');
}

static void test_empty_trace(void) {
  char path[4200];
  tmp_path(path, sizeof path, "empty.heapreel");
  trc_writer *w = NULL;
  char *msg = NULL;
  REQUIRE(trc_writer_open(path, NULL, &w, &msg) == HR_OK);
  CHECK(msg == NULL);
  CHECK(exists(path));
  CHECK_EQ_U64(trc_writer_events(w), 0);
  CHECK_EQ_U64(trc_writer_close(w, 1, &msg), HR_OK);
  CHECK(msg == NULL);
  /* A finished trace is one self-contained file. */
  CHECK(!exists_beside(path, "-wal"));
  CHECK(!exists_beside(path, "-shm"));
  CHECK_EQ_U64(count_named(tmp_dir(), "empty.heapreel.tmp-"), 0);
  sqlite3 *db = open_ro(path);
  REQUIRE(db);
  char buf[64];
  check_opening_meta(db, "1");
  CHECK_EQ_U64(q_int(db, "SELECT count(*) FROM chunks", NULL), 0);
  CHECK_STR(q_text(db, "PRAGMA journal_mode", NULL, buf, sizeof buf), "delete");
  sqlite3_close(db);
  CHECK_EQ_U64(trc_writer_close(NULL, 1, &msg), HR_OK);
}

/* sqlite_schema's rows of the trace at path, one text; NULL when unreadable. */
static char *schema_text(const char *path) {
  sqlite3 *db = NULL;
  char *out = NULL;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
    static const char sql[] =
      "SELECT group_concat(type || '|' || name || '|' || tbl_name || '|' || ifnull(sql, ''), char(10))"
      " FROM (SELECT * FROM sqlite_schema ORDER BY name)";
    char buf[65536];
    q_text(db, sql, NULL, buf, sizeof buf);
    if (buf[0]) out = hr_strdup(buf);
  }
  sqlite3_close(db);
  return out;
}

/* A new trace at SQLite's default page size starts from the file heapreel's
** build made (trc_fresh_image), another page size from schema.sql at once:
** both hold the same schema and opening rows, in WAL mode, and start_time
** is committed before the first block, so a trace killed at once has it. */
static void test_fresh_file(void) {
  char path[4200], other[4200];
  tmp_path(path, sizeof path, "fresh.heapreel");
  tmp_path(other, sizeof other, "fresh8k.heapreel");
  trc_writer *w = NULL, *w8 = NULL;
  char *msg = NULL;
  trc_writer_options big = {.page_size = 8192};
  REQUIRE(trc_writer_open(path, NULL, &w, &msg) == HR_OK);
  REQUIRE(trc_writer_open(other, &big, &w8, &msg) == HR_OK);
  /* Read while both are open: what a reader of a killed recording sees. */
  const char *paths[2] = {path, other};
  for (int i = 0; i < 2; i++) {
    sqlite3 *db = NULL;
    REQUIRE(sqlite3_open_v2(paths[i], &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    char buf[64];
    check_opening_meta(db, "0");
    CHECK_EQ_U64(q_int(db, "SELECT count(*) FROM meta", NULL), 4);
    CHECK_STR(q_text(db, "PRAGMA journal_mode", NULL, buf, sizeof buf), "wal");
    CHECK_EQ_U64(q_int(db, "PRAGMA page_size", NULL), i ? 8192 : 4096);
    CHECK_STR(q_text(db, "PRAGMA integrity_check", NULL, buf, sizeof buf), "ok");
    sqlite3_close(db);
  }
  char *a = schema_text(path), *b = schema_text(other);
  REQUIRE(a && b);
  CHECK(strstr(a, "table|chunks|chunks|CREATE TABLE") != NULL);
  CHECK_STR(a, b);
  hr_free(a);
  hr_free(b);
  CHECK_EQ_U64(trc_writer_close(w, 1, &msg), HR_OK);
  CHECK_EQ_U64(trc_writer_close(w8, 1, &msg), HR_OK);
  CHECK(!exists_beside(path, "-wal"));
  CHECK(!exists_beside(other, "-wal"));
}

static int nfields(int kind) { return trc_kind_nfields(kind); }

/* Append n random events (with strings interned between them, so blocks mix
** dimension entries and events) and check they come back exactly. With
** runs, they are stored through trc_writer_run_* wherever a run has room,
** and through trc_writer_append where it has none (a block's last entry).
** With items, now and then a batch of item binds (up to three chunks of
** them, and with items == 2 one of 150,000: three chunks, its ids mapped present) goes
** through trc_writer_items instead. */
static void roundtrip_with(uint32_t chunk_events, uint32_t ring_blocks, uint64_t n, int sync_every,
                           int runs, int items) {
  char path[4200];
  tmp_path(path, sizeof path, "roundtrip.heapreel");
  trc_event *expect = malloc(n * sizeof *expect);
  REQUIRE(expect);
  trc_writer_options opt = {.chunk_events = chunk_events, .ring_blocks = ring_blocks};
  trc_writer *w = NULL;
  char *msg = NULL;
  REQUIRE(trc_writer_open(path, &opt, &w, &msg) == HR_OK);
  uint64_t step = 1, nstrings = 0;
  trc_writer_run run = {0};
  int open = 0;
  uint64_t nitems = 0;
  for (uint64_t i = 0; i < n; i++) {
    trc_event *x = &expect[i];
    memset(x, 0, sizeof *x);
    if (items && rng() % 499 == 0) {
      if (open) trc_writer_run_end(w, &run);
      open = 0;
      uint64_t m = 1 + rng() % (rng() % 4 == 0 ? 40000 : 50);
      if (items == 2 && nitems == 0) m = 150000;
      if (m > n - i) m = n - i;
      uint64_t *ids = trc_writer_ids_alloc(m), holder = 1 + rng() % 1000, first = rng() % 10;
      REQUIRE(ids);
      for (uint64_t j = 0; j < m; j++) {
        ids[j] = 1 + rng() % 100000;
        expect[i + j] = (trc_event){.seq = i + j + 1, .step = step, .kind = TRC_EV_BIND,
                                    .f = {holder, TRC_SLOT_ITEM, first + j, ids[j]}};
      }
      uint64_t last = trc_writer_items(w, step, holder, first, ids, m);
      CHECK_EQ_U64(last, i + m);
      nitems += m;
      i += m - 1;
      continue;
    }
    x->kind = (uint8_t)(1 + rng() % TRC_EV_KIND_MAX);
    if (x->kind == TRC_EV_STEP) step += 1 + rng() % 3;
    x->step = step;
    for (int f = 0; f < nfields(x->kind); f++) {
      uint64_t r = rng();
      /* Mostly small values as an interpreter makes, sometimes anything. */
      x->f[f] = r % 8 == 0 ? r : r % 1000;
    }
    /* Object and frame ids are unique where the derived tables need them. */
    if (x->kind == TRC_EV_ALLOC || x->kind == TRC_EV_TRACK || x->kind == TRC_EV_CALL)
      x->f[0] = 1000000 + i;
    x->seq = i + 1;
    if (rng() % 5 == 0) {
      if (open) trc_writer_run_end(w, &run);
      open = 0;
      char s[32];
      snprintf(s, sizeof s, "name%llu", (unsigned long long)(rng() % 50));
      uint64_t sid = trc_writer_string(w, s, strlen(s));
      CHECK(sid >= 1);
      if (sid > nstrings) nstrings = sid;
    }
    uint64_t seq;
    if (runs && !open) {
      trc_writer_run_begin(w, &run);
      open = 1;
    }
    if (runs && trc_writer_run_room(&run)) {
      trc_writer_run_put(&run, x->kind, x->step, x->f[0], x->f[1], x->f[2], x->f[3]);
      seq = run.seq;
    } else {
      if (open) trc_writer_run_end(w, &run);
      open = 0;
      seq = trc_writer_append(w, x->kind, x->step, x->f[0], x->f[1], x->f[2], x->f[3]);
    }
    if (seq != i + 1) {
      CHECK_EQ_U64(seq, i + 1);
      break;
    }
    if (sync_every && (i + 1) % sync_every == 0) {
      if (open) trc_writer_run_end(w, &run);
      open = 0;
      CHECK_EQ_U64(trc_writer_sync(w), HR_OK);
    }
  }
  if (open) trc_writer_run_end(w, &run);
  CHECK_EQ_U64(trc_writer_events(w), n);
  CHECK_EQ_U64(trc_writer_sync(w), HR_OK);
  uint64_t bytes = trc_writer_chunk_bytes(w);
  CHECK(bytes > 0);
  CHECK_EQ_U64(trc_writer_close(w, 1, &msg), HR_OK);
  if (msg) fprintf(stderr, "close: %s\n", msg);
  hr_free(msg);
  sqlite3 *db = open_ro(path);
  REQUIRE(db);
  uint64_t chunks = 0;
  /* Item binds come in chunks of their own (payload version 3), of up to 65536. */
  uint32_t most = items && chunk_events < 65536 ? 65536 : chunk_events;
  CHECK_EQ_U64(check_chunks(db, expect, n, most, &chunks), n);
  if (chunk_events) CHECK(chunks >= (n - nitems + chunk_events - 1) / chunk_events);
  if (items) CHECK(nitems > 40000);
  CHECK_EQ_U64(q_int(db, "SELECT sum(length(data)) FROM chunks", NULL), bytes);
  CHECK_EQ_U64(q_int(db, "SELECT count(*) FROM strings", NULL), nstrings);
  sqlite3_close(db);
  free(expect);
}

static void roundtrip(uint32_t chunk_events, uint32_t ring_blocks, uint64_t n, int sync_every) {
  roundtrip_with(chunk_events, ring_blocks, n, sync_every, 0, 0);
}

static void test_roundtrip_small_chunks(void) { roundtrip(7, 2, 20011, 997); }
static void test_roundtrip_runs(void) {
  roundtrip_with(7, 2, 20011, 997, 1, 0);     /* a run meets a block's end every few events */
  roundtrip_with(0, 0, 200000, 0, 1, 0);
}
/* Item binds between events, runs and strings, in blocks of every size. */
static void test_roundtrip_items(void) {
  roundtrip_with(7, 2, 200011, 997, 1, 1);
  roundtrip_with(0, 0, 300000, 0, 1, 2);
  roundtrip_with(64, 1, 100000, 0, 0, 1);
}
static void test_roundtrip_default_chunks(void) { roundtrip(0, 0, 300000, 0); }
static void test_roundtrip_one_block_ring(void) { roundtrip(64, 1, 5000, 0); }

static void test_interning(void) {
  char path[4200];
  tmp_path(path, sizeof path, "intern.heapreel");
  trc_writer_options opt = {.chunk_events = 5, .ring_blocks = 2};
  trc_writer *w = NULL;
  REQUIRE(trc_writer_open(path, &opt, &w, NULL) == HR_OK);
  uint64_t a = trc_writer_string(w, "alpha", 5);
  uint64_t b = trc_writer_string(w, "beta", 4);
  uint64_t a2 = trc_writer_string(w, "alphabet", 5);       /* a prefix: same string */
  uint64_t e = trc_writer_string(w, "", 0);
  uint64_t z = trc_writer_string(w, "a\0b", 3);            /* bytes after a NUL count */
  uint64_t z2 = trc_writer_string(w, "a\0c", 3);
  CHECK(a >= 1 && b >= 1 && e >= 1 && z >= 1 && z2 >= 1);
  CHECK_EQ_U64(a2, a);
  CHECK(a != b && a != e && z != z2 && z != a);
  /* Enough strings to grow the table several times; each asked for twice. */
  uint64_t ids[3000];
  char s[64];
  for (int i = 0; i < 3000; i++) {
    snprintf(s, sizeof s, "/usr/lib/python3.11/module_%d.py", i);
    ids[i] = trc_writer_string(w, s, strlen(s));
    if (i % 3 == 0) trc_writer_append(w, TRC_EV_STEP, (uint64_t)i, 1, ids[i], 0, 0);
  }
  for (int i = 2999; i >= 0; i--) {
    snprintf(s, sizeof s, "/usr/lib/python3.11/module_%d.py", i);
    CHECK_EQ_U64(trc_writer_string(w, s, strlen(s)), ids[i]);
  }
  uint64_t l1 = trc_writer_location(w, a, 10, b);
  uint64_t l2 = trc_writer_location(w, a, 11, b);
  uint64_t l3 = trc_writer_location(w, b, 10, a);
  CHECK_EQ_U64(trc_writer_location(w, a, 10, b), l1);
  CHECK(l1 != l2 && l1 != l3 && l2 != l3);
  uint64_t t1 = trc_writer_type(w, a), t2 = trc_writer_type(w, b);
  CHECK_EQ_U64(trc_writer_type(w, a), t1);
  CHECK(t1 != t2);
  REQUIRE(trc_writer_close(w, 1, NULL) == HR_OK);

  sqlite3 *db = open_ro(path);
  REQUIRE(db);
  char buf[128], num[32];
  CHECK_EQ_U64(q_int(db, "SELECT count(*) FROM strings", NULL), 3005);
  CHECK_EQ_U64(q_int(db, "SELECT count(DISTINCT CAST(text AS BLOB)) FROM strings", NULL), 3005);
  snprintf(num, sizeof num, "%llu", (unsigned long long)a);
  CHECK_STR(q_text(db, "SELECT text FROM strings WHERE id = ?1", num, buf, sizeof buf), "alpha");
  snprintf(num, sizeof num, "%llu", (unsigned long long)e);
  CHECK_EQ_U64(q_int(db, "SELECT length(text) FROM strings WHERE id = ?1", num), 0);
  snprintf(num, sizeof num, "%llu", (unsigned long long)z);
  CHECK_EQ_U64(q_int(db, "SELECT length(CAST(text AS BLOB)) FROM strings WHERE id = ?1", num), 3);
  snprintf(num, sizeof num, "%llu", (unsigned long long)ids[1234]);
  CHECK_STR(q_text(db, "SELECT text FROM strings WHERE id = ?1", num, buf, sizeof buf),
            "/usr/lib/python3.11/module_1234.py");
  CHECK_EQ_U64(q_int(db, "SELECT count(*) FROM locations", NULL), 3);
  snprintf(num, sizeof num, "%llu", (unsigned long long)l3);
  snprintf(buf, sizeof buf, "%llu|10|%llu", (unsigned long long)b, (unsigned long long)a);
  char got[128];
  CHECK_STR(q_text(db, "SELECT file || '|' || line || '|' || function FROM locations WHERE id = ?1",
                   num, got, sizeof got), buf);
  CHECK_EQ_U64(q_int(db, "SELECT count(*) FROM types", NULL), 2);
  snprintf(num, sizeof num, "%llu", (unsigned long long)t2);
  CHECK_EQ_U64(q_int(db, "SELECT name FROM types WHERE id = ?1", num), b);
  CHECK_EQ_U64(check_chunks(db, NULL, 0, 5, NULL), 1000);
  sqlite3_close(db);
}

static void test_derived_tables(void) {
  char path[4200];
  tmp_path(path, sizeof path, "derived.heapreel");
  trc_writer_options opt = {.chunk_events = 4, .ring_blocks = 3};
  trc_writer *w = NULL;
  REQUIRE(trc_writer_open(path, &opt, &w, NULL) == HR_OK);
  uint64_t file = trc_writer_string(w, "demo.py", 7);
  uint64_t fn = trc_writer_string(w, "<module>", 8);
  uint64_t loc = trc_writer_location(w, file, 1, fn);
  uint64_t tlist = trc_writer_type(w, trc_writer_string(w, "list", 4));
  trc_writer_thread(w, 1, trc_writer_string(w, "MainThread", 10), 4242);
  trc_writer_source(w, file, "x = [1]\ndel x\n", 14);
  uint64_t c1 = trc_writer_append(w, TRC_EV_CALL, 1, 1, loc, 0, 1);
  trc_writer_append(w, TRC_EV_STEP, 1, 1, loc, 100, 0);
  uint64_t a1 = trc_writer_append(w, TRC_EV_ALLOC, 1, 7, tlist, 72, 0x7f0000001000ull);
  uint64_t a2 = trc_writer_append(w, TRC_EV_ALLOC, 2, 8, tlist, 56, 0x7f0000002000ull);
  uint64_t a3 = trc_writer_append(w, TRC_EV_ALLOC, 2, 9, 0, 40, 0x7f0000003000ull);
  trc_writer_append(w, TRC_EV_RESIZE, 2, 9, 88, 0, 0);
  uint64_t t4 = trc_writer_append(w, TRC_EV_TRACK, 2, 10, tlist, 64, 0x7f0000004000ull);
  trc_writer_append(w, TRC_EV_RESIZE, 3, 10, 120, 0, 0);
  trc_writer_append(w, TRC_EV_RESIZE, 3, 10, 96, 0, 0);
  uint64_t m1 = trc_writer_mark(w, 3, "before free");
  uint64_t c2 = trc_writer_append(w, TRC_EV_CALL, 3, 2, loc, 1, 1);
  uint64_t f1 = trc_writer_append(w, TRC_EV_FREE, 3, 7, 0, 0, 0);
  trc_writer_append(w, TRC_EV_GC, 4, 2, TRC_GC_START, 0, 0);
  uint64_t f2 = trc_writer_append(w, TRC_EV_FREE, 4, 8, TRC_FREE_GC, 0, 0);
  trc_writer_append(w, TRC_EV_GC, 4, 2, TRC_GC_END, 1, 0);
  uint64_t r2 = trc_writer_append(w, TRC_EV_RETURN, 5, 2, 9, 0, 0);
  uint64_t m2 = trc_writer_mark(w, 5, "after");
  trc_writer_output(w, 5, TRC_STREAM_STDOUT, "[1]\n", 4);
  trc_writer_output(w, 5, TRC_STREAM_STDERR, "h\xc3\xa9!xx", 4);   /* n bytes, not to the NUL */
  trc_writer_keyframe(w, 5, m2, "\x01\x02\x00\x03", 4);
  trc_writer_meta(w, "program", "demo.py");
  trc_writer_meta(w, "argv", "[\"demo.py\"]");
  trc_writer_meta(w, "program", "demo2.py");                 /* the latest wins */
  CHECK_EQ_U64(trc_writer_sync(w), HR_OK);
  REQUIRE(trc_writer_close(w, 1, NULL) == HR_OK);

  sqlite3 *db = open_ro(path);
  REQUIRE(db);
  char buf[256], want[256];
  CHECK_EQ_U64(q_int(db, "SELECT count(*) FROM objects", NULL), 4);
  /* Format 2: no row per object or frame in the file, only their events. */
  CHECK_EQ_U64(q_int(db, "SELECT count(*) FROM sqlite_schema WHERE name IN ('objects', 'frames')",
                     NULL), 0);
  CHECK_EQ_U64(q_int(db, "SELECT id FROM objects WHERE address = 0x7f0000003000", NULL), 9);
  CHECK_EQ_U64(q_int(db, "SELECT count(*) FROM objects WHERE preexisting = 1", NULL), 1);
  /* A track event makes a preexisting row; a resize leaves the latest size. */
  snprintf(want, sizeof want, "%lld|%llu|96|%llu|2|1|1", (long long)0x7f0000004000ll,
           (unsigned long long)tlist, (unsigned long long)t4);
  CHECK_STR(q_text(db, "SELECT address || '|' || type || '|' || size || '|' || alloc_seq || '|'"
                       " || alloc_step || '|' || preexisting || '|' || (free_seq IS NULL)"
                       " FROM objects WHERE id = 10", NULL, buf, sizeof buf), want);
  CHECK_EQ_U64(q_int(db, "SELECT size FROM objects WHERE id = 9", NULL), 88);
  CHECK_EQ_U64(q_int(db, "SELECT preexisting FROM objects WHERE id = 7", NULL), 0);
  snprintf(want, sizeof want, "%d|%lld|%llu|72|%llu|1|%llu|3|0", 0x1000,
           (long long)0x7f0000001000ll, (unsigned long long)tlist, (unsigned long long)a1,
           (unsigned long long)f1);
  CHECK_STR(q_text(db, "SELECT (address & 65535) || '|' || address || '|' || type || '|' || size"
                       " || '|' || alloc_seq || '|' || alloc_step || '|' || free_seq || '|' ||"
                       " free_step || '|' || free_by_gc FROM objects WHERE id = 7",
                   NULL, buf, sizeof buf), want);
  snprintf(want, sizeof want, "%llu|2|%llu|4|1", (unsigned long long)a2, (unsigned long long)f2);
  CHECK_STR(q_text(db, "SELECT alloc_seq || '|' || alloc_step || '|' || free_seq || '|' ||"
                       " free_step || '|' || free_by_gc FROM objects WHERE id = 8",
                   NULL, buf, sizeof buf), want);
  snprintf(want, sizeof want, "%llu|1|1|0", (unsigned long long)a3);
  CHECK_STR(q_text(db, "SELECT alloc_seq || '|' || (type IS NULL) || '|' || (free_seq IS NULL)"
                       " || '|' || free_by_gc FROM objects WHERE id = 9", NULL, buf, sizeof buf),
            want);
  CHECK_EQ_U64(q_int(db, "SELECT count(*) FROM frames", NULL), 2);
  snprintf(want, sizeof want, "%llu|1|%llu|1|1|1", (unsigned long long)loc, (unsigned long long)c1);
  CHECK_STR(q_text(db, "SELECT location || '|' || (parent IS NULL) || '|' || call_seq || '|' ||"
                       " call_step || '|' || thread || '|' || (return_seq IS NULL) FROM frames"
                       " WHERE id = 1", NULL, buf, sizeof buf), want);
  snprintf(want, sizeof want, "1|%llu|3|%llu|5", (unsigned long long)c2, (unsigned long long)r2);
  CHECK_STR(q_text(db, "SELECT parent || '|' || call_seq || '|' || call_step || '|' ||"
                       " return_seq || '|' || return_step FROM frames WHERE id = 2",
                   NULL, buf, sizeof buf), want);
  CHECK_EQ_U64(q_int(db, "SELECT count(*) FROM markers", NULL), 2);
  CHECK_EQ_U64(q_int(db, "SELECT seq FROM markers WHERE label = ?1", "before free"), m1);
  CHECK_EQ_U64(q_int(db, "SELECT step FROM markers WHERE label = ?1", "before free"), 3);
  CHECK_EQ_U64(q_int(db, "SELECT seq FROM markers WHERE label = ?1", "after"), m2);
  CHECK_STR(q_text(db, "SELECT text FROM strings s JOIN threads t ON t.name = s.id"
                       " WHERE t.id = 1 AND t.native_id = 4242", NULL, buf, sizeof buf),
            "MainThread");
  CHECK_STR(q_text(db, "SELECT text FROM sources", NULL, buf, sizeof buf), "x = [1]\ndel x\n");
  /* Output rows: after the last event appended (the mark), in write order. */
  snprintf(want, sizeof want, "%llu|5|1|[1]\n;%llu|5|2|h\xc3\xa9!", (unsigned long long)m2,
           (unsigned long long)m2);
  CHECK_STR(q_text(db, "SELECT group_concat(seq || '|' || step || '|' || stream || '|' || text, ';')"
                       " FROM (SELECT * FROM output ORDER BY rowid)", NULL, buf, sizeof buf), want);
  CHECK_STR(q_text(db, "SELECT hex(data) || '|' || seq FROM keyframes WHERE step = 5", NULL,
                   buf, sizeof buf), (snprintf(want, sizeof want, "01020003|%llu",
                                              (unsigned long long)m2), want));
  CHECK_STR(q_text(db, sql_meta, "program", buf, sizeof buf), "demo2.py");
  CHECK_STR(q_text(db, sql_meta, "argv", buf, sizeof buf), "[\"demo.py\"]");
  CHECK_EQ_U64(check_chunks(db, NULL, 0, 4, NULL), m2);
  sqlite3_close(db);
}

static void test_incomplete_and_flush_timer(void) {
  char path[4200];
  tmp_path(path, sizeof path, "timer.heapreel");
  trc_writer_options opt = {.flush_ms = 30};
  trc_writer *w = NULL;
  REQUIRE(trc_writer_open(path, &opt, &w, NULL) == HR_OK);
  for (int i = 0; i < 10; i++) trc_writer_append(w, TRC_EV_STEP, 1, 1, 1, 1, 0);
  /* The writer thread raises its flag after 30 ms without a block; the next
  ** append hands the partial block over, and it commits without a sync. */
  struct timespec ts = {0, 150 * 1000000L};
  nanosleep(&ts, NULL);
  trc_writer_append(w, TRC_EV_STEP, 2, 1, 1, 1, 0);
  long long got = 0;
  for (int tries = 0; tries < 100 && got != 11; tries++) {
    nanosleep(&ts, NULL);
    sqlite3 *db = open_ro(path);
    if (db) got = q_int(db, "SELECT max(last_seq) FROM chunks", NULL);
    sqlite3_close(db);
  }
  CHECK_EQ_U64(got, 11);
  REQUIRE(trc_writer_close(w, 0, NULL) == HR_OK);
  sqlite3 *db = open_ro(path);
  REQUIRE(db);
  char buf[16];
  CHECK_STR(q_text(db, sql_meta, "complete", buf, sizeof buf), "0");
  CHECK_EQ_U64(check_chunks(db, NULL, 0, 0, NULL), 11);
  sqlite3_close(db);
}

static void test_bad_kind(void) {
  char path[4200];
  tmp_path(path, sizeof path, "badkind.heapreel");
  trc_writer *w = NULL;
  REQUIRE(trc_writer_open(path, NULL, &w, NULL) == HR_OK);
  CHECK_EQ_U64(trc_writer_append(w, TRC_EV_STEP, 1, 1, 1, 1, 0), 1);
  CHECK_EQ_U64(trc_writer_append(w, 64, 1, 0, 0, 0, 0), 0);
  CHECK_EQ_U64(trc_writer_append(w, TRC_EV_STEP, 1, 1, 1, 1, 0), 0);
  char *msg = NULL;
  CHECK_EQ_U64(trc_writer_close(w, 1, &msg), HR_EUSAGE);
  CHECK(msg && strstr(msg, "kind 64"));
  hr_free(msg);
  sqlite3 *db = open_ro(path);
  REQUIRE(db);
  char buf[16];
  CHECK_STR(q_text(db, sql_meta, "complete", buf, sizeof buf), "0");
  sqlite3_close(db);
}

static int write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  fputs(text, f);
  return fclose(f);
}

static int file_is(const char *path, const char *text) {
  char buf[256] = {0};
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  return n == strlen(text) && memcmp(buf, text, n) == 0;
}

/* Try to open path where the caller cannot write; returns the status. As
** root (who writes anywhere) the attempt runs in a child that gives up root. */
static int open_unwritable(const char *dir, const char *path) {
  if (geteuid() != 0) {
    chmod(dir, 0555);
    trc_writer *w = NULL;
    char *msg = NULL;
    int rc = trc_writer_open(path, NULL, &w, &msg);
    if (rc == HR_OK) trc_writer_close(w, 1, NULL);
    else if (!msg || !strstr(msg, path)) rc = -1;
    hr_free(msg);
    chmod(dir, 0755);
    return rc;
  }
  fflush(stdout);                  /* the child must not print our buffered lines again */
  pid_t pid = fork();
  if (pid == 0) {
    if (setgid(65534) != 0 || setuid(65534) != 0) _exit(100);
    trc_writer *w = NULL;
    char *msg = NULL;
    int rc = trc_writer_open(path, NULL, &w, &msg);
    if (rc == HR_OK) _exit(0);
    _exit(msg && strstr(msg, path) && strstr(msg, "cannot create trace") ? rc : 101);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_replace_only_on_success(void) {
  char dir[4200], path[4300];
  tmp_path(dir, sizeof dir, "ro-dir");
  REQUIRE(mkdir(dir, 0755) == 0);
  snprintf(path, sizeof path, "%s/old.heapreel", dir);
  REQUIRE(write_file(path, "old trace\n") == 0);
  int rc = open_unwritable(dir, path);
  CHECK(rc != HR_OK && rc != 100 && rc != 101 && rc != -1);
  CHECK(file_is(path, "old trace\n"));
  CHECK_EQ_U64(count_named(dir, "tmp-"), 0);

  /* A directory where the trace should go: a clear error, nothing created. */
  trc_writer *w = NULL;
  char *msg = NULL;
  CHECK(trc_writer_open(dir, NULL, &w, &msg) != HR_OK);
  CHECK(w == NULL);
  CHECK(msg && strstr(msg, "is a directory") && !strchr(msg, '\n'));
  hr_free(msg);
  msg = NULL;
  CHECK_EQ_U64(count_named(tmp_dir(), "ro-dir.tmp-"), 0);

  /* A missing directory. */
  char missing[4400];
  snprintf(missing, sizeof missing, "%s/nowhere/x.heapreel", dir);
  CHECK(trc_writer_open(missing, NULL, &w, &msg) == HR_EIO);
  CHECK(msg && strstr(msg, "No such file"));
  hr_free(msg);
  msg = NULL;

  /* A successful open replaces the old file and ignores a stale WAL beside it. */
  char wal[4400];
  snprintf(wal, sizeof wal, "%s-wal", path);
  REQUIRE(write_file(wal, "garbage that is not a write-ahead log") == 0);
  REQUIRE(trc_writer_open(path, NULL, &w, &msg) == HR_OK);
  trc_writer_append(w, TRC_EV_STEP, 1, 1, 1, 1, 0);
  CHECK_EQ_U64(trc_writer_close(w, 1, &msg), HR_OK);
  CHECK(!exists(wal));
  sqlite3 *db = open_ro(path);
  REQUIRE(db);
  char buf[16];
  CHECK_STR(q_text(db, sql_meta, "complete", buf, sizeof buf), "1");
  CHECK_EQ_U64(check_chunks(db, NULL, 0, 0, NULL), 1);
  sqlite3_close(db);
  CHECK_EQ_U64(count_named(dir, "tmp-"), 0);
}

/* A child records, syncs after N events, says so, and keeps recording until
** it is killed; the file must hold at least those N events. */
static void test_crash_safety(void) {
  char path[4200];
  tmp_path(path, sizeof path, "crash.heapreel");
  enum { N = 250000 };
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  fflush(stdout);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    trc_writer_options opt = {.chunk_events = 4096, .ring_blocks = 4};
    trc_writer *w = NULL;
    if (trc_writer_open(path, &opt, &w, NULL) != HR_OK) _exit(2);
    uint64_t sid = trc_writer_string(w, "crash.py", 8);
    uint64_t step = 0;
    for (uint64_t i = 0;; i++) {
      if (i % 4 == 0) trc_writer_append(w, TRC_EV_STEP, ++step, 1, sid, i % 7, 0);
      else if (i % 64 == 1) trc_writer_append(w, TRC_EV_ALLOC, step, i, 0, 32, 0x1000 + i);
      else trc_writer_append(w, TRC_EV_INCREF, step, i, i % 5, 0, 0);
      if (i + 1 == N) {
        if (trc_writer_sync(w) != HR_OK) _exit(3);
        if (write(fds[1], "synced", 6) != 6) _exit(4);
      }
    }
  }
  close(fds[1]);
  char buf[16] = {0};
  ssize_t got = read(fds[0], buf, 6);
  close(fds[0]);
  CHECK(got == 6 && memcmp(buf, "synced", 6) == 0);
  struct timespec ts = {0, 50 * 1000000L};
  nanosleep(&ts, NULL);              /* let it write on past the sync */
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  sqlite3 *db = open_ro(path);
  REQUIRE(db);
  char text[16];
  CHECK_STR(q_text(db, sql_meta, "complete", text, sizeof text), "0");
  uint64_t chunks = 0;
  uint64_t events = check_chunks(db, NULL, 0, 4096, &chunks);
  CHECK(events >= N);
  CHECK(chunks >= N / 4096);
  CHECK_EQ_U64(q_int(db, "SELECT count(*) FROM strings", NULL), 1);
  /* The objects rows come from the committed chunks' events; lookups by
  ** address answer by a scan. */
  uint64_t objects = q_int(db, "SELECT count(*) FROM objects", NULL);
  CHECK(objects >= N / 64);
  CHECK_EQ_U64(q_int(db, "SELECT count(*) FROM objects WHERE id != alloc_seq - 1"
                     " OR address != 0x1000 + id", NULL), 0);
  CHECK_EQ_U64(q_int(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'objects_address'",
                     NULL), 0);
  CHECK_EQ_U64(q_int(db, "SELECT id FROM objects WHERE address = 0x1000 + 65", NULL), 65);
  sqlite3_close(db);
}

/* A process that forks while its writer works: the child inherits the
** writer inert (appends beyond the ring's size, sync and close return at
** once, its file is never touched) and can open a trace of its own, with
** the parent's meta copied; the parent's trace holds exactly its events. */
static int g_fork_handlers;
static void test_fork(void) {
  char path[4200], kid[4200];
  tmp_path(path, sizeof path, "fork.heapreel");
  tmp_path(kid, sizeof kid, "fork.kid.heapreel");
  if (!g_fork_handlers)
    REQUIRE(pthread_atfork(trc_writer_fork_prepare, trc_writer_fork_parent, trc_writer_fork_child) == 0);
  g_fork_handlers = 1;
  trc_writer_options opt = {.chunk_events = 1024, .ring_blocks = 2};
  trc_writer *w = NULL;
  REQUIRE(trc_writer_open(path, &opt, &w, NULL) == HR_OK);
  trc_writer_meta(w, "who", "parent");
  for (uint64_t i = 1; i <= 10000; i++) trc_writer_append(w, TRC_EV_INCREF, i, i, 2, 0, 0);
  trc_writer_flush(w);                 /* the writer thread is busy with them at the fork */
  fflush(stdout);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (!trc_writer_forked(w)) _exit(10);
    for (uint64_t i = 1; i <= 100000; i++) trc_writer_append(w, TRC_EV_DECREF, i, i, 1, 0, 0);
    trc_writer_meta(w, "who", "child");
    trc_writer_flush(w);
    if (trc_writer_sync(w) != HR_OK) _exit(11);
    trc_writer *k = NULL;
    if (trc_writer_open(kid, &opt, &k, NULL) != HR_OK) _exit(12);
    trc_writer_meta_copy(k, w);
    trc_writer_meta(k, "pid", "kid");
    for (uint64_t i = 1; i <= 3000; i++) trc_writer_append(k, TRC_EV_DECREF, i, i, 1, 0, 0);
    if (trc_writer_close(k, 1, NULL) != HR_OK) _exit(13);
    if (trc_writer_close(w, 1, NULL) != HR_OK) _exit(14);
    _exit(0);
  }
  int status = -1;
  for (int t = 0; t < 200 && waitpid(pid, &status, WNOHANG) == 0; t++) {
    struct timespec ts = {0, 50 * 1000000L};
    nanosleep(&ts, NULL);
  }
  if (status == -1) {                  /* hung: the failure this test is for */
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    CHECK(!"the forked child hung in the writer");
  } else {
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status)) fprintf(stderr, "child status %d\n", status);
  }
  CHECK(!trc_writer_forked(w));
  for (uint64_t i = 10001; i <= 15000; i++) trc_writer_append(w, TRC_EV_INCREF, i, i, 2, 0, 0);
  REQUIRE(trc_writer_close(w, 1, NULL) == HR_OK);
  char text[64];
  sqlite3 *db = open_ro(path);
  REQUIRE(db);
  CHECK_STR(q_text(db, sql_meta, "complete", text, sizeof text), "1");
  CHECK_STR(q_text(db, sql_meta, "who", text, sizeof text), "parent");
  CHECK_EQ_U64(check_chunks(db, NULL, 0, 1024, NULL), 15000);
  sqlite3_close(db);
  db = open_ro(kid);
  REQUIRE(db);
  CHECK_STR(q_text(db, sql_meta, "complete", text, sizeof text), "1");
  /* The copy: the inert writer's values, never written to the parent's file. */
  CHECK_STR(q_text(db, sql_meta, "who", text, sizeof text), "child");
  CHECK_STR(q_text(db, sql_meta, "pid", text, sizeof text), "kid");
  CHECK_EQ_U64(check_chunks(db, NULL, 0, 1024, NULL), 3000);
  sqlite3_close(db);
}

/* One recording with allocation number `nth` failing (and every later one
** when sticky). Returns the close (or open) status. */
static char long_text[20000];

static int oom_run(const char *path, long nth, int sticky, long *allocs) {
  if (!long_text[0]) memset(long_text, 'x', sizeof long_text - 1);
  unlink(path);
  long before = hr_mem_count();
  hr_mem_fail_at(nth, sticky);
  trc_writer_options opt = {.chunk_events = 16, .ring_blocks = 2};
  trc_writer *w = NULL;
  char *msg = NULL;
  int rc = trc_writer_open(path, &opt, &w, &msg);
  if (rc != HR_OK) {
    hr_mem_fail_at(0, 0);
    CHECK(w == NULL);
    CHECK(!exists(path));
    CHECK(!exists_beside(path, "-wal"));
    hr_free(msg);
    return rc;
  }
  for (int i = 0; i < 300; i++) {
    char s[32];
    snprintf(s, sizeof s, "s%d", i % 150);
    uint64_t sid = trc_writer_string(w, s, strlen(s));
    if (i % 60 == 0) trc_writer_string(w, long_text, sizeof long_text - 1 - (size_t)i);
    trc_writer_location(w, sid, (uint32_t)i % 9, sid);
    trc_writer_type(w, sid);
    trc_writer_append(w, TRC_EV_STEP, (uint64_t)i, 1, sid, 0, 0);
    if (i % 50 == 0) {
      trc_writer_meta(w, "k", s);
      trc_writer_source(w, sid, "pass\n", 5);
      trc_writer_keyframe(w, (uint64_t)i, (uint64_t)i, "kf", 2);
      trc_writer_mark(w, (uint64_t)i, s);
    }
  }
  trc_writer_sync(w);
  rc = trc_writer_close(w, 1, &msg);
  hr_mem_fail_at(0, 0);
  if (allocs) *allocs = hr_mem_count() - before;
  if (rc != HR_OK && msg) CHECK(!strchr(msg, '\n'));
  CHECK(!exists_beside(path, "-wal"));   /* even a failed recording ends as one file */
  hr_free(msg);
  sqlite3 *db = open_ro(path);
  if (db) {
    char buf[8];
    q_text(db, sql_meta, "complete", buf, sizeof buf);
    CHECK(strcmp(buf, rc == HR_OK ? "1" : "0") == 0);
    check_chunks(db, NULL, 0, 16, NULL);
    sqlite3_close(db);
  }
  return rc;
}

static void test_out_of_memory(void) {
  char path[4200];
  tmp_path(path, sizeof path, "oom.heapreel");
  long total = 0;
  REQUIRE(oom_run(path, 0, 0, &total) == HR_OK);
  REQUIRE(total > 10);
  printf("     out of memory at each of %ld allocations\n", total);
  /* Every single failing allocation of a run is reported, none crashes. */
  int failed = 0;
  for (long nth = 1; nth <= total; nth++) {
    int rc = oom_run(path, nth, 0, NULL);
    if (rc == HR_ENOMEM) failed++;
    else fprintf(stderr, "allocation %ld of %ld failing gave status %d\n", nth, total, rc);
  }
  CHECK_EQ_U64(failed, total);
  for (long nth = 1; nth <= total; nth += 7) CHECK(oom_run(path, nth, 1, NULL) == HR_ENOMEM);
  CHECK(oom_run(path, total + 1, 1, NULL) == HR_OK);
}

/* Not a test: leaves nothing behind in the temporary directory. */
static void remove_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return;
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    char p[4400];
    snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
    struct stat sb;
    if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode)) remove_dir(p);
    else unlink(p);
  }
  closedir(d);
  rmdir(dir);
}

static void test_remove_temp_files(void) {
  if (hr_test_failures == 0) remove_dir(tmp_dir());
}

/* An object born, resized and freed inside one block gets one complete row;
** one whose free comes in a later block gets it by update. */
static void test_rows_within_block(void) {
  char path[4200];
  tmp_path(path, sizeof path, "rows.heapreel");
  trc_writer_options opt = {.chunk_events = 8, .ring_blocks = 3};
  trc_writer *w = NULL;
  REQUIRE(trc_writer_open(path, &opt, &w, NULL) == HR_OK);
  uint64_t a = trc_writer_append(w, TRC_EV_ALLOC, 1, 20, 0, 56, 0x1000);        /* block 1 */
  trc_writer_append(w, TRC_EV_ALLOC, 1, 21, 0, 28, 0x2000);
  trc_writer_append(w, TRC_EV_RESIZE, 2, 20, 88, 0, 0);
  trc_writer_append(w, TRC_EV_RESIZE, 2, 20, 120, 0, 0);
  uint64_t f = trc_writer_append(w, TRC_EV_FREE, 3, 20, TRC_FREE_GC, 0, 0);
  trc_writer_append(w, TRC_EV_STEP, 3, 1, 1, 1, 0);
  trc_writer_append(w, TRC_EV_STEP, 4, 1, 1, 1, 0);
  trc_writer_append(w, TRC_EV_STEP, 5, 1, 1, 1, 0);
  trc_writer_append(w, TRC_EV_RESIZE, 6, 21, 32, 0, 0);     /* block 2 */
  uint64_t f21 = trc_writer_append(w, TRC_EV_FREE, 6, 21, 0, 0, 0);
  REQUIRE(trc_writer_close(w, 1, NULL) == HR_OK);
  sqlite3 *db = open_ro(path);
  REQUIRE(db);
  char buf[256], want[256];
  snprintf(want, sizeof want, "120|%llu|%llu|3|1", (unsigned long long)a, (unsigned long long)f);
  CHECK_STR(q_text(db, "SELECT size || '|' || alloc_seq || '|' || free_seq || '|' || free_step"
                       " || '|' || free_by_gc FROM objects WHERE id = 20", NULL, buf, sizeof buf),
            want);
  snprintf(want, sizeof want, "32|%llu|6|0", (unsigned long long)f21);
  CHECK_STR(q_text(db, "SELECT size || '|' || free_seq || '|' || free_step || '|' || free_by_gc"
                       " FROM objects WHERE id = 21", NULL, buf, sizeof buf), want);
  sqlite3_close(db);
}

/* hr_grow, the one growth path of heapreel's arrays: doubling from its first
** capacity, at least what is needed, and nothing changed on failure. */
static void test_grow(void) {
  size_t cap = 0;
  uint64_t *v = hr_grow(NULL, &cap, 1, sizeof *v, 8);
  REQUIRE(v);
  CHECK_EQ_U64(cap, 8);
  v[7] = 7;
  CHECK(hr_grow(v, &cap, 8, sizeof *v, 8) == v);   /* room already */
  CHECK_EQ_U64(cap, 8);
  uint64_t *w = hr_grow(v, &cap, 9, sizeof *v, 8);
  REQUIRE(w);
  CHECK_EQ_U64(cap, 16);
  CHECK_EQ_U64(w[7], 7);
  v = w;
  w = hr_grow(v, &cap, 100, sizeof *v, 8);
  REQUIRE(w);
  CHECK_EQ_U64(cap, 128);
  v = w;
  hr_mem_fail_at(1, 0);
  CHECK(hr_grow(v, &cap, 129, sizeof *v, 8) == NULL);
  hr_mem_fail_at(0, 0);
  CHECK_EQ_U64(cap, 128);
  CHECK_EQ_U64(v[7], 7);
  size_t one = 0;
  char *c = hr_grow(NULL, &one, 3, 1, 0);   /* a first capacity of 0 still grows */
  CHECK(c && one == 4);
  hr_free(c);
  hr_free(v);
}

HR_TEST_MAIN(test_grow, test_empty_trace, test_fresh_file, test_rows_within_block, test_roundtrip_small_chunks, test_roundtrip_runs, test_roundtrip_items, test_roundtrip_default_chunks,
             test_roundtrip_one_block_ring, test_interning, test_derived_tables,
             test_incomplete_and_flush_timer, test_bad_kind, test_replace_only_on_success,
             test_crash_safety, test_fork, test_out_of_memory, test_remove_temp_files)
