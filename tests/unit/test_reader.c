/* test_reader.c — the trace reader, the chunk scan and the events table, on good and hostile traces. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hr_mem.h"
#include "hr_status.h"
#include "hr_test.h"
#include "trc_reader.h"
#include "trc_scan.h"
#include "trc_writer.h"

#define N_EVENTS 1000
#define CHUNK 64

/* ---- fixtures ----------------------------------------------------------------- */

static char tmp_dir[1024];

/* Leave the files of a failed run for a look; clear up after a clean one. */
static void remove_tmp_dir(void) {
  if (hr_test_failures || !tmp_dir[0]) return;
  DIR *d = opendir(tmp_dir);
  if (!d) return;
  struct dirent *e;
  char p[1400];
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    snprintf(p, sizeof p, "%s/%s", tmp_dir, e->d_name);
    unlink(p);
  }
  closedir(d);
  rmdir(tmp_dir);
}

static const char *tmp_path(const char *name) {
  static char paths[8][1200];
  static int next;
  if (!tmp_dir[0]) {
    const char *d = getenv("HEAPREEL_TEST_TMP");
    snprintf(tmp_dir, sizeof tmp_dir, "%s/test_reader.%ld", d && *d ? d : "/tmp", (long)getpid());
    char parent[1024];
    snprintf(parent, sizeof parent, "%s", d && *d ? d : "/tmp");
    mkdir(parent, 0777);
    mkdir(tmp_dir, 0777);
    atexit(remove_tmp_dir);
  }
  char *p = paths[next++ % 8];
  snprintf(p, sizeof paths[0], "%s/%s", tmp_dir, name);
  return p;
}

/* The synthetic stream: three events a step, so steps straddle the 64-event
** chunks; kinds cycle through all of them; fields follow from seq. */
static uint64_t step_of(uint64_t seq) { return (seq + 2) / 3; }
static int kind_of(uint64_t seq) { return 1 + (int)(seq % TRC_EV_KIND_MAX); }
static uint64_t field_of(uint64_t seq, int f) { return seq * 10 + (uint64_t)f; }

static int write_trace(const char *path, uint64_t n, uint32_t chunk) {
  trc_writer_options opt = {.chunk_events = chunk};
  trc_writer *w = NULL;
  char *err = NULL;
  unlink(path);
  if (trc_writer_open(path, &opt, &w, &err) != HR_OK) {
    fprintf(stderr, "cannot create %s: %s\n", path, err ? err : "?");
    hr_free(err);
    return -1;
  }
  for (uint64_t s = 1; s <= n; s++)
    trc_writer_append(w, kind_of(s), step_of(s), field_of(s, 0), field_of(s, 1),
                      field_of(s, 2), field_of(s, 3));
  int st = trc_writer_close(w, 1, &err);
  if (st != HR_OK) fprintf(stderr, "cannot finish %s: %s\n", path, err ? err : "?");
  hr_free(err);
  return st == HR_OK ? 0 : -1;
}

static const char *standard_trace(void) {
  static char path[1200];
  if (!path[0]) {
    snprintf(path, sizeof path, "%s", tmp_path("standard.heapreel"));
    if (write_trace(path, N_EVENTS, CHUNK) != 0) {
      path[0] = 0;
      return NULL;
    }
  }
  return path;
}

static int copy_file(const char *from, const char *to, long limit) {
  FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
  int ok = a && b;
  char buf[8192];
  long total = 0;
  size_t n;
  while (ok && (limit < 0 || total < limit) && (n = fread(buf, 1, sizeof buf, a)) > 0) {
    if (limit >= 0 && total + (long)n > limit) n = (size_t)(limit - total);
    ok = fwrite(buf, 1, n, b) == n;
    total += (long)n;
  }
  if (a) fclose(a);
  if (b && fclose(b) != 0) ok = 0;
  return ok ? 0 : -1;
}

/* A copy of the standard trace with `sql` run on it through a writable
** connection, as someone tampering with the file would. */
static const char *tampered(const char *name, const char *sql) {
  const char *src = standard_trace();
  const char *dst = tmp_path(name);
  if (!src || copy_file(src, dst, -1) != 0) return NULL;
  sqlite3 *db = NULL;
  int rc = sqlite3_open(dst, &db);
  if (rc == SQLITE_OK) rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
  if (rc != SQLITE_OK) fprintf(stderr, "tampering failed: %s\n", sqlite3_errmsg(db));
  sqlite3_close(db);
  return rc == SQLITE_OK ? dst : NULL;
}

/* Flip one bit in the middle of chunk `nth` (0-based by seq) of a copy. */
static const char *flipped(const char *name, int nth, sqlite3_int64 *chunk_id) {
  const char *dst = tampered(name, "SELECT 1");
  if (!dst) return NULL;
  sqlite3 *db = NULL;
  sqlite3_stmt *q = NULL;
  sqlite3_open(dst, &db);
  int ok = sqlite3_prepare_v2(db, "SELECT id, data FROM chunks ORDER BY first_seq LIMIT 1 OFFSET ?1",
                              -1, &q, NULL) == SQLITE_OK;
  sqlite3_bind_int(q, 1, nth);
  ok = ok && sqlite3_step(q) == SQLITE_ROW;
  unsigned char *blob = NULL;
  int len = 0;
  if (ok) {
    *chunk_id = sqlite3_column_int64(q, 0);
    len = sqlite3_column_bytes(q, 1);
    blob = malloc((size_t)len);
    memcpy(blob, sqlite3_column_blob(q, 1), (size_t)len);
    blob[len / 2] ^= 0x10;
  }
  sqlite3_finalize(q);
  q = NULL;
  ok = ok && sqlite3_prepare_v2(db, "UPDATE chunks SET data = ?1 WHERE id = ?2", -1, &q, NULL) == SQLITE_OK;
  if (ok) {
    sqlite3_bind_blob(q, 1, blob, len, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 2, *chunk_id);
    ok = sqlite3_step(q) == SQLITE_DONE;
  }
  sqlite3_finalize(q);
  sqlite3_close(db);
  free(blob);
  return ok ? dst : NULL;
}

static trc_reader *open_ok(const char *path) {
  trc_reader *r = NULL;
  char *err = NULL;
  int st = path ? trc_reader_open(path, &r, &err) : HR_EIO;
  if (st != HR_OK) fprintf(stderr, "cannot open %s: %s\n", path ? path : "(none)", err ? err : "?");
  hr_free(err);
  return r;
}

/* Open must fail with `status` and a one-line message containing `want`. */
static void expect_open_error(const char *path, int status, const char *want) {
  trc_reader *r = NULL;
  char *err = NULL;
  int st = trc_reader_open(path, &r, &err);
  CHECK_EQ_U64(st, status);
  CHECK(r == NULL);
  CHECK(err != NULL);
  if (err) {
    if (!strstr(err, want)) fprintf(stderr, "message \"%s\" lacks \"%s\"\n", err, want);
    CHECK(strstr(err, want) != NULL);
    CHECK(strchr(err, '\n') == NULL);
  }
  hr_free(err);
  trc_reader_free(r);
}

/* Scan and count, checking each event against the synthetic stream. */
static long scan_count(sqlite3 *db, int by, uint64_t lo, uint64_t hi, int *bad) {
  trc_scan *s = NULL;
  char *err = NULL;
  if (trc_scan_open(db, by, lo, hi, &s, &err) != HR_OK) {
    fprintf(stderr, "scan_open: %s\n", err ? err : "?");
    hr_free(err);
    *bad = 1;
    return -1;
  }
  trc_event ev;
  long n = 0;
  uint64_t prev = 0;
  int r;
  while ((r = trc_scan_next(s, &ev)) == 1) {
    uint64_t key = by == TRC_SCAN_SEQ ? ev.seq : ev.step;
    int nf = trc_kind_nfields(ev.kind);
    if (key < lo || key > hi || ev.seq <= prev || ev.step != step_of(ev.seq) ||
        ev.kind != kind_of(ev.seq))
      *bad = 1;
    for (int f = 0; f < 4; f++)
      if (ev.f[f] != (f < nf ? field_of(ev.seq, f) : 0)) *bad = 1;
    prev = ev.seq;
    n++;
  }
  if (r < 0) {
    fprintf(stderr, "scan_next: %s\n", trc_scan_errmsg(s));
    *bad = 1;
  }
  trc_scan_free(s);
  return n;
}

/* ---- scans ---------------------------------------------------------------------- */

static void test_scan_by_seq(void) {
  trc_reader *r = open_ok(standard_trace());
  REQUIRE(r);
  sqlite3 *db = trc_reader_db(r);
  static const uint64_t ranges[][2] = {
    {1, N_EVENTS}, {0, UINT64_MAX}, {1, 1}, {63, 65}, {64, 64}, {65, 65}, {64, 129},
    {65, 128}, {100, 300}, {N_EVENTS, N_EVENTS}, {N_EVENTS - 5, N_EVENTS + 50},
    {N_EVENTS + 1, N_EVENTS + 100}, {10, 9}, {0, 0}, {5, (uint64_t)INT64_MAX + 7}};
  for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
    uint64_t lo = ranges[i][0], hi = ranges[i][1];
    uint64_t a = lo < 1 ? 1 : lo, b = hi > N_EVENTS ? N_EVENTS : hi;
    long want = a <= b ? (long)(b - a + 1) : 0;
    int bad = 0;
    long got = scan_count(db, TRC_SCAN_SEQ, lo, hi, &bad);
    if (got != want || bad)
      fprintf(stderr, "seq %llu..%llu: %ld events (want %ld)%s\n", (unsigned long long)lo,
              (unsigned long long)hi, got, want, bad ? ", wrong values" : "");
    CHECK(got == want && !bad);
  }
  trc_reader_free(r);
}

static void test_scan_by_step(void) {
  trc_reader *r = open_ok(standard_trace());
  REQUIRE(r);
  sqlite3 *db = trc_reader_db(r);
  uint64_t last = step_of(N_EVENTS);
  static const uint64_t ranges[][2] = {
    {1, 1}, {21, 22}, {22, 22}, {21, 43}, {1, 400}, {0, UINT64_MAX}, {333, 334}, {334, 400},
    {335, 400}, {50, 49}};
  for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
    uint64_t lo = ranges[i][0], hi = ranges[i][1];
    long want = 0;
    for (uint64_t s = 1; s <= N_EVENTS; s++) want += step_of(s) >= lo && step_of(s) <= hi;
    int bad = 0;
    long got = scan_count(db, TRC_SCAN_STEP, lo, hi, &bad);
    if (got != want || bad)
      fprintf(stderr, "step %llu..%llu: %ld events (want %ld)\n", (unsigned long long)lo,
              (unsigned long long)hi, got, want);
    CHECK(got == want && !bad);
  }
  CHECK_EQ_U64(trc_reader_last_step(r), last);
  CHECK_EQ_U64(trc_reader_last_seq(r), N_EVENTS);
  CHECK(trc_reader_complete(r) == 1);
  CHECK_STR(trc_reader_meta(r, "format_major"), "2");
  CHECK(trc_reader_format_major(r) == 2);
  CHECK(trc_reader_meta(r, "no such key") == NULL);
  trc_reader_free(r);
}

static long query_long(sqlite3 *db, const char *sql, char **errmsg) {
  sqlite3_stmt *q = NULL;
  long v = -1;
  if (errmsg) *errmsg = NULL;
  int rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);
  if (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) v = (long)sqlite3_column_int64(q, 0);
  if (rc != SQLITE_ROW && errmsg) *errmsg = hr_strdup(sqlite3_errmsg(db));
  sqlite3_finalize(q);
  return v;
}

static void test_empty_trace(void) {
  const char *path = tmp_path("empty.heapreel");
  REQUIRE(write_trace(path, 0, CHUNK) == 0);
  trc_reader *r = open_ok(path);
  REQUIRE(r);
  CHECK_EQ_U64(trc_reader_last_seq(r), 0);
  CHECK_EQ_U64(trc_reader_last_step(r), 0);
  int bad = 0;
  CHECK(scan_count(trc_reader_db(r), TRC_SCAN_SEQ, 0, UINT64_MAX, &bad) == 0 && !bad);
  CHECK(scan_count(trc_reader_db(r), TRC_SCAN_STEP, 1, 10, &bad) == 0 && !bad);
  CHECK(query_long(trc_reader_db(r), "SELECT count(*) FROM events", NULL) == 0);
  trc_reader_free(r);
}

/* ---- the events table ---------------------------------------------------------- */

/* Every constraint shape, answered by the events table (with pushdown) and by
** a plain copy of the same rows (SQLite's own comparisons): they must agree. */
static void test_vtab_ranges_match_plain_table(void) {
  trc_reader *r = open_ok(standard_trace());
  REQUIRE(r);
  sqlite3 *db = trc_reader_db(r);
  REQUIRE(sqlite3_exec(db, "CREATE TEMP TABLE plain AS SELECT seq, step, kind FROM events",
                       NULL, NULL, NULL) == SQLITE_OK);
  CHECK(query_long(db, "SELECT count(*) FROM plain", NULL) == N_EVENTS);
  static const char *const where[] = {
    "seq BETWEEN 60 AND 70", "seq > 63 AND seq < 129", "seq = 64", "seq = 0", "seq >= 990",
    "seq > 1000", "seq < 1", "seq <= 2.5", "seq > 2.5", "seq >= 2.5", "seq < 2.5",
    "seq = 3.0", "seq = 3.5", "seq < 'a'", "seq > 'a'", "seq = 'a'", "seq = NULL",
    "seq > NULL", "seq > -5", "seq < -5", "seq <= 0", "step BETWEEN 20 AND 22",
    "step = 22", "step > 330", "step < 2", "seq > 100 AND step < 40",
    "seq BETWEEN 10 AND 900 AND step BETWEEN 100 AND 110", "seq > 9223372036854775807",
    "seq <= 9223372036854775807", "seq >= -9223372036854775808", "seq IN (5, 64, 65, 2000)",
    "seq > 5 AND seq > 500", "seq < 500 AND seq < 50", "seq = 5 AND seq > 1",
    "seq = 5 AND seq > 7", "step >= 1e300", "step <= 1e300", "seq > 1e19", "kind = 'step'",
    "seq BETWEEN 10 AND 20 OR seq = 999", "step = 21 AND seq = 63", "5 < seq AND 9 >= seq",
    "seq > 0.5 AND seq < 1.5"};
  for (size_t i = 0; i < sizeof where / sizeof where[0]; i++) {
    char a[512], b[512];
    snprintf(a, sizeof a, "SELECT count(*) * 1000003 + total(seq) * 7 + total(step) FROM events WHERE %s", where[i]);
    snprintf(b, sizeof b, "SELECT count(*) * 1000003 + total(seq) * 7 + total(step) FROM plain WHERE %s", where[i]);
    char *ea = NULL, *eb = NULL;
    long va = query_long(db, a, &ea), vb = query_long(db, b, &eb);
    if (va != vb || ea || eb)
      fprintf(stderr, "WHERE %s: events %ld, plain %ld (%s / %s)\n", where[i], va, vb,
              ea ? ea : "", eb ? eb : "");
    CHECK(va == vb && !ea && !eb);
    hr_free(ea);
    hr_free(eb);
  }
  trc_reader_free(r);
}

/* The detail column of EXPLAIN QUERY PLAN, all rows joined. */
static void query_plan(sqlite3 *db, const char *sql, char *out, size_t cap) {
  char eqp[512];
  snprintf(eqp, sizeof eqp, "EXPLAIN QUERY PLAN %s", sql);
  sqlite3_stmt *q = NULL;
  out[0] = 0;
  if (sqlite3_prepare_v2(db, eqp, -1, &q, NULL) != SQLITE_OK) return;
  while (sqlite3_step(q) == SQLITE_ROW) {
    const char *d = (const char *)sqlite3_column_text(q, 3);
    size_t n = strlen(out);
    snprintf(out + n, cap - n, "%s|", d ? d : "");
  }
  sqlite3_finalize(q);
}

static void test_vtab_pushdown_plan(void) {
  trc_reader *r = open_ok(standard_trace());
  REQUIRE(r);
  sqlite3 *db = trc_reader_db(r);
  char plan[1024];
  /* idxNum bits: 0x1 seq lower, 0x2 seq upper, 0x10/0x20 exclusive,
  ** 0x4/0x8 step, 0x100 seq =, 0x200 step =, 0x400 ordered. */
  query_plan(db, "SELECT * FROM events WHERE seq BETWEEN 10 AND 20", plan, sizeof plan);
  CHECK(strstr(plan, "INDEX 3:") != NULL);
  query_plan(db, "SELECT * FROM events WHERE seq > 10 AND seq < 20", plan, sizeof plan);
  CHECK(strstr(plan, "INDEX 51:") != NULL);
  query_plan(db, "SELECT * FROM events WHERE seq = 10", plan, sizeof plan);
  CHECK(strstr(plan, "INDEX 256:") != NULL);
  query_plan(db, "SELECT * FROM events WHERE step >= 4 AND step <= 9", plan, sizeof plan);
  CHECK(strstr(plan, "INDEX 12:") != NULL);
  query_plan(db, "SELECT * FROM events WHERE step = 4 AND seq <= 100", plan, sizeof plan);
  CHECK(strstr(plan, "INDEX 514:") != NULL);
  query_plan(db, "SELECT * FROM events WHERE step = 4 AND seq < 100", plan, sizeof plan);
  CHECK(strstr(plan, "INDEX 546:") != NULL);
  query_plan(db, "SELECT * FROM events", plan, sizeof plan);
  CHECK(strstr(plan, "INDEX 0:") != NULL);
  query_plan(db, "SELECT seq FROM events WHERE seq BETWEEN 60 AND 70 ORDER BY seq", plan, sizeof plan);
  CHECK(strstr(plan, "INDEX 1027:") != NULL);
  CHECK(strstr(plan, "ORDER BY") == NULL);
  query_plan(db, "SELECT seq FROM events ORDER BY seq DESC", plan, sizeof plan);
  CHECK(strstr(plan, "ORDER BY") != NULL);
  /* The order the table promises is real. */
  CHECK(query_long(db, "SELECT count(*) FROM (SELECT seq, lag(seq) OVER () AS p FROM events"
                       " WHERE seq BETWEEN 50 AND 300) WHERE p IS NOT NULL AND seq != p + 1",
                   NULL) == 0);
  trc_reader_free(r);
}

/* With the first chunk damaged, ranges that do not touch it still answer:
** proof that a range reads only the chunks it needs. */
static void test_vtab_reads_only_needed_chunks(void) {
  sqlite3_int64 id = 0;
  const char *path = flipped("first_chunk.heapreel", 0, &id);
  REQUIRE(path);
  trc_reader *r = open_ok(path);
  REQUIRE(r);
  sqlite3 *db = trc_reader_db(r);
  char *err = NULL;
  CHECK(query_long(db, "SELECT count(*) FROM events WHERE seq BETWEEN 500 AND 600", &err) == 101);
  hr_free(err);
  CHECK(query_long(db, "SELECT count(*) FROM events WHERE seq > 64", &err) == N_EVENTS - 64);
  hr_free(err);
  CHECK(query_long(db, "SELECT count(*) FROM events WHERE step BETWEEN 200 AND 210", &err) == 33);
  hr_free(err);
  CHECK(query_long(db, "SELECT count(*) FROM events", &err) == -1);
  char want[64];
  snprintf(want, sizeof want, "chunk %lld is corrupt", (long long)id);
  CHECK(err && strstr(err, want));
  hr_free(err);
  trc_reader_free(r);
}

static void test_vtab_values(void) {
  const char *path = tmp_path("values.heapreel");
  trc_writer *w = NULL;
  char *err = NULL;
  unlink(path);
  REQUIRE(trc_writer_open(path, NULL, &w, &err) == HR_OK);
  uint64_t x = trc_writer_string(w, "x", 1), name = trc_writer_string(w, "name", 4);
  uint64_t g = trc_writer_string(w, "g", 1), lbl = trc_writer_string(w, "__dict__", 8);
  uint64_t vt = trc_writer_string(w, "ValueError", 10), msg = trc_writer_string(w, "bad 'v'", 7);
  trc_writer_append(w, TRC_EV_STEP, 1, 1, 2, 100, 0);                              /* 1 */
  trc_writer_append(w, TRC_EV_CALL, 1, 2, 3, 1, 7);                                /* 2 */
  trc_writer_append(w, TRC_EV_CALL, 1, 1, 3, 0, 7);                                /* 3 */
  trc_writer_append(w, TRC_EV_RETURN, 2, 2, 0, 0, 0);                              /* 4 */
  trc_writer_append(w, TRC_EV_RETURN, 2, 2, 9, 0, 0);                              /* 5 */
  trc_writer_append(w, TRC_EV_BIND, 2, 1, TRC_SLOT_LOCAL, x, 9);                   /* 6 */
  trc_writer_append(w, TRC_EV_BIND, 2, 9, TRC_SLOT_ITEM, 3, 10);                   /* 7 */
  trc_writer_append(w, TRC_EV_UNBIND, 2, 9, TRC_SLOT_ATTR, name, 10);              /* 8 */
  trc_writer_append(w, TRC_EV_BIND, 2, 11, TRC_SLOT_VALUE, 12, 13);                /* 9 */
  trc_writer_append(w, TRC_EV_BIND, 2, 1, TRC_SLOT_GLOBAL, g, 13);                 /* 10 */
  trc_writer_append(w, TRC_EV_BIND, 2, 14, TRC_SLOT_CONTENTS, 0, 13);              /* 11 */
  trc_writer_append(w, TRC_EV_BIND, 2, 14, TRC_SLOT_OTHER, lbl, 13);               /* 12 */
  trc_writer_append(w, TRC_EV_ALLOC, 3, 9, 4, 56, 0x7f00deadbeef);                 /* 13 */
  trc_writer_append(w, TRC_EV_INCREF, 3, 9, 2, 0, 0);                              /* 14 */
  trc_writer_append(w, TRC_EV_DECREF, 3, 9, 1, 0, 0);                              /* 15 */
  trc_writer_append(w, TRC_EV_FREE, 3, 9, TRC_FREE_GC, 0, 0);                      /* 16 */
  trc_writer_append(w, TRC_EV_GC, 3, 2, TRC_GC_END, 5, 0);                         /* 17 */
  trc_writer_mark(w, 4, "here");                                                   /* 18 */
  trc_writer_append(w, TRC_EV_EXCEPTION, 4, vt, msg, TRC_EXC_UNHANDLED, 9);        /* 19 */
  trc_writer_append(w, TRC_EV_MEM, 4, 123456, 234567, 0, 0);                       /* 20 */
  trc_writer_append(w, TRC_EV_TRACK, 5, 21, 4, 64, 0x7f00cafe0000);                /* 21 */
  trc_writer_append(w, TRC_EV_RESIZE, 5, 21, 88, 0, 0);                            /* 22 */
  uint64_t val = trc_writer_string(w, "'it\\'s'", 7);
  trc_writer_append(w, TRC_EV_VALUE, 5, 21, val, 0, 0);                            /* 23 */
  REQUIRE(trc_writer_close(w, 1, &err) == HR_OK);
  trc_reader *r = open_ok(path);
  REQUIRE(r);
  sqlite3 *db = trc_reader_db(r);
  /* Each row, every column, rendered as text with NULL as "~". */
  /* Each row, every column, as text with NULL as "~"; %X, %NAME, %G, %LBL
  ** stand for the string ids the writer gave. */
  static const char *const want[] = {
    "1|1|step|1|2|100|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~",
    "2|1|call|2|3|~|1|7|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~",
    "3|1|call|1|3|~|~|7|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~",
    "4|2|return|2|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~",
    "5|2|return|2|~|~|~|~|9|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~",
    "6|2|bind|~|~|~|~|~|9|1|local|%X|local 'x'|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~",
    "7|2|bind|~|~|~|~|~|10|9|item|3|item[3]|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~",
    "8|2|unbind|~|~|~|~|~|10|9|attr|%NAME|attr 'name'|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~",
    "9|2|bind|~|~|~|~|~|13|11|value|12|value[12]|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~",
    "10|2|bind|~|~|~|~|~|13|1|global|%G|global 'g'|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~",
    "11|2|bind|~|~|~|~|~|13|14|contents|0|cell|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~",
    "12|2|bind|~|~|~|~|~|13|14|other|%LBL|__dict__|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~",
    "13|3|alloc|~|~|~|~|~|9|~|~|~|~|4|56|139641712656111|~|~|~|~|~|~|~|~|~|~|~|~",
    "14|3|incref|~|~|~|~|~|9|~|~|~|~|~|~|~|2|~|~|~|~|~|~|~|~|~|~|~",
    "15|3|decref|~|~|~|~|~|9|~|~|~|~|~|~|~|1|~|~|~|~|~|~|~|~|~|~|~",
    "16|3|free|~|~|~|~|~|9|~|~|~|~|~|~|~|~|1|~|~|~|~|~|~|~|~|~|~",
    "17|3|gc|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|2|2|5|~|~|~|~|~|~|~",
    "18|4|mark|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|here|~|~|~|~|~|~",
    "19|4|exception|~|~|~|~|~|9|~|~|~|~|~|~|~|~|2|~|~|~|~|ValueError|bad 'v'|~|~|~|~",
    "20|4|mem|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|123456|234567|~|~",
    "21|5|track|~|~|~|~|~|21|~|~|~|~|4|64|139641382371328|~|~|~|~|~|~|~|~|~|~|~|~",
    "22|5|resize|~|~|~|~|~|21|~|~|~|~|~|88|~|~|~|~|~|~|~|~|~|~|~|~|~",
    "23|5|value|~|~|~|~|~|21|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|'it\\'s'|~"};
  const char *const tokens[] = {"%X", "%NAME", "%G", "%LBL"};
  const uint64_t ids[] = {x, name, g, lbl};
  sqlite3_stmt *q = NULL;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT * FROM events", -1, &q, NULL) == SQLITE_OK);
  CHECK(sqlite3_column_count(q) == 28);
  CHECK_STR(sqlite3_column_name(q, 27), "stack");
  CHECK_STR(sqlite3_column_name(q, 26), "value");
  CHECK_STR(sqlite3_column_name(q, 25), "peak_bytes");
  CHECK_STR(sqlite3_column_name(q, 12), "slot");
  int row = 0;
  while (sqlite3_step(q) == SQLITE_ROW) {
    char line[512] = "";
    for (int c = 0; c < sqlite3_column_count(q); c++) {
      const char *t = (const char *)sqlite3_column_text(q, c);
      size_t n = strlen(line);
      snprintf(line + n, sizeof line - n, "%s%s", c ? "|" : "", t ? t : "~");
    }
    if (row < (int)(sizeof want / sizeof want[0])) {
      char expect[512];
      snprintf(expect, sizeof expect, "%s", want[row]);
      for (int k = 0; k < 4; k++) {
        char *at = strstr(expect, tokens[k]);
        if (!at) continue;
        char rest[512];
        snprintf(rest, sizeof rest, "%s", at + strlen(tokens[k]));
        snprintf(at, sizeof expect - (size_t)(at - expect), "%llu%s", (unsigned long long)ids[k], rest);
      }
      CHECK_STR(line, expect);
    }
    row++;
  }
  sqlite3_finalize(q);
  CHECK(row == (int)(sizeof want / sizeof want[0]));
  CHECK_STR(trc_reader_string(r, name), "name");
  CHECK_STR(trc_reader_string(r, x), "x");
  CHECK(trc_reader_string(r, 999999) == NULL);
  CHECK(query_long(db, "SELECT count(*) FROM events WHERE kind = 'bind' AND slot LIKE 'local%'", NULL) == 1);
  trc_reader_free(r);
}

/* ---- damaged and hostile traces ---------------------------------------------------- */

static void expect_scan_corrupt(const char *path, const char *want) {
  trc_reader *r = open_ok(path);
  REQUIRE(r);
  trc_scan *s = NULL;
  char *err = NULL;
  REQUIRE(trc_scan_open(trc_reader_db(r), TRC_SCAN_SEQ, 0, UINT64_MAX, &s, &err) == HR_OK);
  trc_event ev;
  int n = 0, rc;
  while ((rc = trc_scan_next(s, &ev)) == 1) n++;
  CHECK(rc == -HR_ECORRUPT);
  CHECK(trc_scan_next(s, &ev) == -HR_ECORRUPT);       /* the error sticks */
  const char *m = trc_scan_errmsg(s);
  if (!strstr(m, want)) fprintf(stderr, "scan error \"%s\" lacks \"%s\"\n", m, want);
  CHECK(strstr(m, want) != NULL);
  CHECK(strchr(m, '\n') == NULL);
  trc_scan_free(s);
  /* The same through SQL: an error with the message, never a crash. */
  CHECK(query_long(trc_reader_db(r), "SELECT count(*) FROM events", &err) == -1);
  CHECK(err && strstr(err, want));
  hr_free(err);
  trc_reader_free(r);
}

static void test_corrupt_chunks(void) {
  sqlite3_int64 id = 0;
  const char *p = flipped("flip.heapreel", 7, &id);
  REQUIRE(p);
  char want[64];
  snprintf(want, sizeof want, "chunk %lld is corrupt", (long long)id);
  expect_scan_corrupt(p, want);
  /* Rows that lie about their chunk. */
  static const char *const lies[] = {
    "UPDATE chunks SET nevents = nevents + 1 WHERE first_seq = 129",
    "UPDATE chunks SET last_seq = last_seq + 1 WHERE first_seq = 129",
    "UPDATE chunks SET nevents = 2000000, last_seq = first_seq + 1999999 WHERE first_seq = 129",
    "UPDATE chunks SET encoding = 3 WHERE first_seq = 129",
    "UPDATE chunks SET encoding = 1 WHERE first_seq = 129",   /* read as a zlib stream */
    "UPDATE chunks SET first_step = first_step + 1 WHERE first_seq = 129",
    "UPDATE chunks SET last_step = last_step + 5 WHERE first_seq = 129",
    "UPDATE chunks SET data = 'text' WHERE first_seq = 129",
    "UPDATE chunks SET data = x'' WHERE first_seq = 129",
    "UPDATE chunks SET first_seq = 'x' WHERE first_seq = 129",
    "UPDATE chunks SET first_seq = first_seq + 1, nevents = nevents - 1 WHERE first_seq = 129",
    "DELETE FROM chunks WHERE first_seq = 129"};
  for (size_t i = 0; i < sizeof lies / sizeof lies[0]; i++) {
    char name[32];
    snprintf(name, sizeof name, "lie%zu.heapreel", i);
    const char *path = tampered(name, lies[i]);
    REQUIRE(path);
    expect_scan_corrupt(path, "is corrupt");
  }
}

static void test_bad_files(void) {
  expect_open_error(tmp_path("does-not-exist.heapreel"), HR_EIO, "no such file");
  expect_open_error(tmp_dir, HR_EIO, "is a directory");
  const char *text = tmp_path("text.heapreel");
  FILE *f = fopen(text, "w");
  REQUIRE(f);
  for (int i = 0; i < 50; i++) fputs("this is not a trace at all\n", f);
  fclose(f);
  expect_open_error(text, HR_EFORMAT, "not a heapreel trace");
  const char *zero = tmp_path("zero.heapreel");
  f = fopen(zero, "w");
  REQUIRE(f);
  fclose(f);
  expect_open_error(zero, HR_EFORMAT, "not a heapreel trace");
  /* A database that is not a trace. */
  const char *other = tmp_path("other.sqlite");
  unlink(other);
  sqlite3 *db = NULL;
  sqlite3_open(other, &db);
  sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL);
  sqlite3_close(db);
  expect_open_error(other, HR_EFORMAT, "missing table 'meta'");
  /* Cut at half. */
  const char *src = standard_trace();
  REQUIRE(src);
  struct stat st;
  REQUIRE(stat(src, &st) == 0);
  const char *half = tmp_path("half.heapreel");
  REQUIRE(copy_file(src, half, (long)st.st_size / 2) == 0);
  expect_open_error(half, HR_ECORRUPT, "trace is damaged");
  /* Only the header survives, then noise. */
  const char *noise = tmp_path("noise.heapreel");
  REQUIRE(copy_file(src, noise, 100) == 0);
  f = fopen(noise, "ab");
  REQUIRE(f);
  for (long i = 0; i < st.st_size; i++) fputc((int)((i * 7919) & 0xff), f);
  fclose(f);
  trc_reader *r = NULL;
  char *err = NULL;
  CHECK(trc_reader_open(noise, &r, &err) != HR_OK);
  CHECK(r == NULL && err && !strchr(err, '\n'));
  hr_free(err);
}

static void test_missing_table_and_version(void) {
  const char *p = tampered("nokeyframes.heapreel", "DROP TABLE keyframes");
  REQUIRE(p);
  expect_open_error(p, HR_EFORMAT, "missing table 'keyframes'");
  /* A view dressed up as a table does not count. */
  p = tampered("viewmeta.heapreel", "DROP TABLE meta;"
               "CREATE VIEW meta(key, value) AS SELECT 'format_major', '1'");
  REQUIRE(p);
  expect_open_error(p, HR_EFORMAT, "missing table 'meta'");
  p = tampered("v7.heapreel", "UPDATE meta SET value = '7' WHERE key = 'format_major';"
               "UPDATE meta SET value = '0' WHERE key = 'format_minor'");
  REQUIRE(p);
  expect_open_error(p, HR_EVERSION,
                    "trace version 7.0 is not supported (this heapreel reads 1.x and 2.x)");
  p = tampered("v3.heapreel", "UPDATE meta SET value = '3' WHERE key = 'format_major';"
               "UPDATE meta SET value = '1' WHERE key = 'format_minor'");
  REQUIRE(p);
  expect_open_error(p, HR_EVERSION, "trace version 3.1 is not supported");
  /* Format 2 has no objects or frames table: one in the file would hide
  ** the relations made from the events. */
  p = tampered("shadow_objects.heapreel", "CREATE TABLE objects(id INTEGER PRIMARY KEY)");
  REQUIRE(p);
  expect_open_error(p, HR_EFORMAT,
                    "it holds a table named 'objects', which would hide heapreel's own 'objects'");
  p = tampered("shadow_frames.heapreel", "CREATE VIEW Frames AS SELECT 1 AS id");
  REQUIRE(p);
  expect_open_error(p, HR_EFORMAT,
                    "it holds a view named 'Frames', which would hide heapreel's own 'frames'");
  /* A 1.x trace holds them as tables, and must. */
  p = tampered("v1_noframes.heapreel", "UPDATE meta SET value = '1' WHERE key = 'format_major';"
               "CREATE TABLE objects(id INTEGER PRIMARY KEY)");
  REQUIRE(p);
  expect_open_error(p, HR_EFORMAT, "missing table 'frames'");
  p = tampered("nover.heapreel", "DELETE FROM meta WHERE key = 'format_major'");
  REQUIRE(p);
  expect_open_error(p, HR_EFORMAT, "no format version");
}

/* A trace carrying a view and a trigger: opening it runs neither, and a query
** naming the view is refused instead of running it with privileges. */
static void test_planted_schema(void) {
  const char *p = tampered("planted.heapreel",
    "CREATE TABLE log(x);"
    "CREATE VIEW evil AS SELECT load_extension('/nonexistent/evil.so') AS x;"
    "CREATE VIEW innocent AS SELECT count(*) AS n FROM strings;"
    "CREATE TRIGGER t AFTER INSERT ON log BEGIN SELECT load_extension('/nonexistent/evil.so'); END;");
  REQUIRE(p);
  trc_reader *r = open_ok(p);
  REQUIRE(r);
  sqlite3 *db = trc_reader_db(r);
  char *err = NULL;
  /* Refused either as an untrusted function or as a view, never run. */
  CHECK(query_long(db, "SELECT x FROM evil", &err) == -1);
  CHECK(err && (strstr(err, "unsafe use") || strstr(err, "prohibited")));
  hr_free(err);
  CHECK(query_long(db, "SELECT n FROM innocent", &err) == -1);
  hr_free(err);
  CHECK(query_long(db, "SELECT load_extension('/nonexistent/evil.so')", &err) == -1);
  CHECK(err && strstr(err, "not authorized"));
  hr_free(err);
  CHECK(sqlite3_exec(db, "INSERT INTO log VALUES(1)", NULL, NULL, NULL) != SQLITE_OK);
  CHECK(sqlite3_exec(db, "PRAGMA writable_schema = ON", NULL, NULL, NULL) == SQLITE_OK);
  CHECK(sqlite3_exec(db, "UPDATE sqlite_schema SET sql = '' WHERE name = 'log'", NULL, NULL, NULL) != SQLITE_OK);
  trc_reader_free(r);
}

/* A recording killed mid-way leaves the file in WAL mode with -wal and -shm
** beside it: it opens read-only, holds every committed event and says it is
** incomplete. */
static void test_killed_recording(void) {
  const char *path = tmp_path("killed.heapreel");
  char wal[1300];
  snprintf(wal, sizeof wal, "%s-wal", path);
  unlink(path);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    trc_writer_options opt = {.chunk_events = CHUNK};
    trc_writer *w = NULL;
    char *err = NULL;
    if (trc_writer_open(path, &opt, &w, &err) != HR_OK) _exit(3);
    for (uint64_t s = 1; s <= 500; s++)
      trc_writer_append(w, kind_of(s), step_of(s), field_of(s, 0), field_of(s, 1),
                        field_of(s, 2), field_of(s, 3));
    if (trc_writer_sync(w) != HR_OK) _exit(4);
    raise(SIGKILL);
    _exit(5);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  CHECK(access(wal, F_OK) == 0);
  trc_reader *r = open_ok(path);
  REQUIRE(r);
  CHECK(trc_reader_complete(r) == 0);
  CHECK_EQ_U64(trc_reader_last_seq(r), 500);
  int bad = 0;
  CHECK(scan_count(trc_reader_db(r), TRC_SCAN_SEQ, 1, 500, &bad) == 500 && !bad);
  CHECK(query_long(trc_reader_db(r), "SELECT count(*) FROM events WHERE step BETWEEN 10 AND 20", NULL) == 33);
  trc_reader_free(r);
  /* The -wal file is still there for the next reader: nothing was lost. */
  r = open_ok(path);
  CHECK(r && trc_reader_last_seq(r) == 500);
  trc_reader_free(r);
}

/* Open the trace and scan seqs 60 to 200: HR_OK with all 141 events, or
** the status of the first failure. */
static int open_and_scan(void *path) {
  trc_reader *r = NULL;
  trc_scan *s = NULL;
  char *err = NULL;
  int rc = trc_reader_open(path, &r, &err);
  if (rc == HR_OK) rc = trc_scan_open(trc_reader_db(r), TRC_SCAN_SEQ, 60, 200, &s, &err);
  if (rc == HR_OK) {
    trc_event ev;
    int n = 0;
    while ((rc = trc_scan_next(s, &ev)) == 1) n++;
    if (rc == 0 && n != 141) rc = -99;
  }
  trc_scan_free(s);
  hr_free(err);
  trc_reader_free(r);
  return rc;
}

/* Fail our allocations one by one: every path reports, none crashes. */
static void test_out_of_memory(void) {
  const char *path = standard_trace();
  REQUIRE(path);
  CHECK(hr_test_oom("open and scan", 400, 1, open_and_scan, (void *)path) > 0);
}

HR_TEST_MAIN(test_scan_by_seq, test_scan_by_step, test_empty_trace,
             test_vtab_ranges_match_plain_table, test_vtab_pushdown_plan,
             test_vtab_reads_only_needed_chunks, test_vtab_values, test_corrupt_chunks,
             test_bad_files, test_missing_table_and_version, test_planted_schema,
             test_killed_recording, test_out_of_memory)
