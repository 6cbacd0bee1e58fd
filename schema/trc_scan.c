/* trc_scan.c — stream a trace's events by seq or step range, one chunk decoded at a time. */
#include "trc_scan.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hr_mem.h"
#include "hr_status.h"
#include "trc_codec.h"

/* Chunks hold dense, disjoint seq runs, so the first chunk that can overlap
** [lo, hi] is the last one starting at or before lo: seek to it through the
** unique first_seq index instead of walking every chunk before the range. */
static const char sql_by_seq[] =
  "SELECT id, first_seq, last_seq, first_step, last_step, nevents, encoding, data"
  " FROM chunks"
  " WHERE first_seq >= coalesce((SELECT max(first_seq) FROM chunks WHERE first_seq <= ?1), 0)"
  "   AND first_seq <= ?2 AND last_seq >= ?1"
  " ORDER BY first_seq";

/* Steps repeat across chunk boundaries (one step's events may straddle
** chunks), so the step query filters on both ends; the (first_step,
** last_step) index covers the test without reading chunk rows. */
static const char sql_by_step[] =
  "SELECT id, first_seq, last_seq, first_step, last_step, nevents, encoding, data"
  " FROM chunks"
  " WHERE first_step <= ?2 AND last_step >= ?1"
  " ORDER BY first_seq";

enum { COL_ID, COL_FIRST_SEQ, COL_LAST_SEQ, COL_FIRST_STEP, COL_LAST_STEP,
       COL_NEVENTS, COL_ENCODING, COL_DATA };


struct trc_scan {
  sqlite3_stmt *stmt;        /* the chunk query; NULL once exhausted or failed */
  trc_codec *codec;
  int by;                    /* enum trc_scan_by */
  uint64_t lo, hi;
  const trc_event *ev;       /* events of the current chunk, owned by codec */
  size_t n, i;               /* events in the current chunk, next to look at */
  uint64_t prev_last_seq;    /* last seq of the previous chunk, 0 before the first */
  int status;                /* sticky: HR_OK, or the error that ended the scan */
  char *errmsg;              /* owned */
};

static int scan_fail(trc_scan *s, int status, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 3, 4)))
#endif
  ;

static int scan_fail(trc_scan *s, int status, const char *fmt, ...) {
  va_list ap;
  char buf[512];
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  hr_free(s->errmsg);
  s->errmsg = hr_strdup(buf);
  s->status = status;
  if (s->stmt) {
    sqlite3_finalize(s->stmt);
    s->stmt = NULL;
  }
  return status;
}

/* SQLite integers are signed: a bound past INT64_MAX means "no bound". */
static sqlite3_int64 clamp_i64(uint64_t v) {
  return v > (uint64_t)INT64_MAX ? INT64_MAX : (sqlite3_int64)v;
}

int trc_scan_open(sqlite3 *db, int by, uint64_t lo, uint64_t hi,
                  trc_scan **out, char **errmsg) {
  *out = NULL;
  if (errmsg) *errmsg = NULL;
  if (by != TRC_SCAN_SEQ && by != TRC_SCAN_STEP) {
    if (errmsg) *errmsg = hr_strdup("unknown scan kind");
    return HR_EUSAGE;
  }
  trc_scan *s = hr_calloc(1, sizeof *s);
  if (!s) return HR_ENOMEM;
  s->by = by;
  s->lo = lo;
  s->hi = hi;
  if (lo > hi || lo > (uint64_t)INT64_MAX) {
    *out = s;                      /* an empty range: nothing to query */
    return HR_OK;
  }
  s->codec = trc_codec_new();
  if (!s->codec) {
    trc_scan_free(s);
    return HR_ENOMEM;
  }
  const char *sql = by == TRC_SCAN_SEQ ? sql_by_seq : sql_by_step;
  int rc = sqlite3_prepare_v2(db, sql, -1, &s->stmt, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(s->stmt, 1, clamp_i64(lo));
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(s->stmt, 2, clamp_i64(hi));
  if (rc != SQLITE_OK) {
    int status = rc == SQLITE_NOMEM ? HR_ENOMEM : HR_ESQL;
    if (errmsg) *errmsg = hr_sprintf("cannot read chunks: %s", sqlite3_errmsg(db));
    trc_scan_free(s);
    return status;
  }
  *out = s;
  return HR_OK;
}

/* Check a chunk row against what the format promises before trusting it:
** the decoder's allocation is sized from nevents, and the seq arithmetic of
** everything downstream relies on dense, ordered runs. */
static int check_row(trc_scan *s, sqlite3_int64 id) {
  sqlite3_stmt *q = s->stmt;
  for (int c = COL_FIRST_SEQ; c <= COL_ENCODING; c++) {
    if (sqlite3_column_type(q, c) != SQLITE_INTEGER || sqlite3_column_int64(q, c) < 0)
      return scan_fail(s, HR_ECORRUPT, "chunk %lld is corrupt: %s is not a count",
                       (long long)id, sqlite3_column_name(q, c));
  }
  uint64_t first = (uint64_t)sqlite3_column_int64(q, COL_FIRST_SEQ);
  uint64_t last = (uint64_t)sqlite3_column_int64(q, COL_LAST_SEQ);
  uint64_t first_step = (uint64_t)sqlite3_column_int64(q, COL_FIRST_STEP);
  uint64_t last_step = (uint64_t)sqlite3_column_int64(q, COL_LAST_STEP);
  uint64_t nevents = (uint64_t)sqlite3_column_int64(q, COL_NEVENTS);
  sqlite3_int64 encoding = sqlite3_column_int64(q, COL_ENCODING);
  if (encoding != TRC_CHUNK_ZLIB && encoding != TRC_CHUNK_DEFLATE)
    return scan_fail(s, HR_ECORRUPT, "chunk %lld is corrupt: unknown encoding %lld",
                     (long long)id, (long long)encoding);
  if (first == 0 || last < first || nevents != last - first + 1)
    return scan_fail(s, HR_ECORRUPT,
                     "chunk %lld is corrupt: seq %llu..%llu does not hold %llu events",
                     (long long)id, (unsigned long long)first, (unsigned long long)last,
                     (unsigned long long)nevents);
  if (nevents > TRC_CHUNK_MAX_EVENTS)
    return scan_fail(s, HR_ECORRUPT, "chunk %lld is corrupt: %llu events, more than %u",
                     (long long)id, (unsigned long long)nevents, TRC_CHUNK_MAX_EVENTS);
  if (first_step > last_step)
    return scan_fail(s, HR_ECORRUPT, "chunk %lld is corrupt: steps %llu..%llu run backwards",
                     (long long)id, (unsigned long long)first_step,
                     (unsigned long long)last_step);
  if (s->prev_last_seq && first <= s->prev_last_seq)
    return scan_fail(s, HR_ECORRUPT, "chunk %lld is corrupt: seq %llu overlaps the chunk before",
                     (long long)id, (unsigned long long)first);
  /* A seq scan reads consecutive chunks, so a hole is lost events. */
  if (s->by == TRC_SCAN_SEQ && s->prev_last_seq && first != s->prev_last_seq + 1)
    return scan_fail(s, HR_ECORRUPT, "chunk %lld is corrupt: starts at seq %llu, expected %llu",
                     (long long)id, (unsigned long long)first,
                     (unsigned long long)s->prev_last_seq + 1);
  if (sqlite3_column_type(q, COL_DATA) != SQLITE_BLOB)
    return scan_fail(s, HR_ECORRUPT, "chunk %lld is corrupt: data is not a blob", (long long)id);
  return HR_OK;
}

/* Load the next chunk row into s->ev; returns 1, 0 at the end, or -status. */
static int load_chunk(trc_scan *s) {
  if (!s->stmt) return 0;
  int rc = sqlite3_step(s->stmt);
  if (rc == SQLITE_DONE) {
    sqlite3_finalize(s->stmt);
    s->stmt = NULL;
    return 0;
  }
  if (rc != SQLITE_ROW) {
    sqlite3 *db = sqlite3_db_handle(s->stmt);
    int status = rc == SQLITE_NOMEM ? HR_ENOMEM
               : (rc & 0xff) == SQLITE_CORRUPT ? HR_ECORRUPT : HR_ESQL;
    return -scan_fail(s, status, "cannot read chunks: %s", sqlite3_errmsg(db));
  }
  sqlite3_int64 id = sqlite3_column_int64(s->stmt, COL_ID);
  if (check_row(s, id) != HR_OK) return -s->status;
  uint64_t first = (uint64_t)sqlite3_column_int64(s->stmt, COL_FIRST_SEQ);
  uint64_t last = (uint64_t)sqlite3_column_int64(s->stmt, COL_LAST_SEQ);
  uint64_t first_step = (uint64_t)sqlite3_column_int64(s->stmt, COL_FIRST_STEP);
  uint64_t last_step = (uint64_t)sqlite3_column_int64(s->stmt, COL_LAST_STEP);
  size_t n = (size_t)(last - first + 1);
  const void *blob = sqlite3_column_blob(s->stmt, COL_DATA);
  int len = sqlite3_column_bytes(s->stmt, COL_DATA);
  if (!blob && len > 0) return -scan_fail(s, HR_ENOMEM, "out of memory reading chunk %lld",
                                          (long long)id);
  const trc_event *ev = NULL;
  int encoding = (int)sqlite3_column_int64(s->stmt, COL_ENCODING);
  int st = trc_codec_decode_as(s->codec, encoding, blob ? blob : "", (size_t)len, first, n, &ev);
  if (st == HR_ENOMEM) return -scan_fail(s, st, "out of memory decoding chunk %lld", (long long)id);
  if (st != HR_OK)
    return -scan_fail(s, HR_ECORRUPT, "chunk %lld is corrupt: %s", (long long)id,
                      trc_codec_errmsg(s->codec));
  if (!ev) {   /* none of the kinds asked for (trc_scan_only_kinds) */
    s->ev = NULL;
    s->n = s->i = 0;
    s->prev_last_seq = last;
    return 1;
  }
  if (ev[0].step != first_step || ev[n - 1].step != last_step)
    return -scan_fail(s, HR_ECORRUPT,
                      "chunk %lld is corrupt: its events span steps %llu..%llu, its row says %llu..%llu",
                      (long long)id, (unsigned long long)ev[0].step,
                      (unsigned long long)ev[n - 1].step, (unsigned long long)first_step,
                      (unsigned long long)last_step);
  s->ev = ev;
  s->n = n;
  s->i = 0;
  s->prev_last_seq = last;
  return 1;
}

int trc_scan_next(trc_scan *s, trc_event *ev) {
  if (s->status != HR_OK) return -s->status;
  for (;;) {
    while (s->i < s->n) {
      const trc_event *e = &s->ev[s->i++];
      uint64_t key = s->by == TRC_SCAN_SEQ ? e->seq : e->step;
      if (key < s->lo) continue;
      if (key > s->hi) {
        /* Past the end of a seq range nothing later can match. */
        if (s->by == TRC_SCAN_SEQ) {
          s->i = s->n;
          if (s->stmt) {
            sqlite3_finalize(s->stmt);
            s->stmt = NULL;
          }
        }
        continue;
      }
      *ev = *e;
      return 1;
    }
    s->n = s->i = 0;
    int r = load_chunk(s);
    if (r <= 0) return r;
  }
}

int trc_scan_next_batch(trc_scan *s, const trc_event **ev, size_t *n) {
  if (s->status != HR_OK) return -s->status;
  for (;;) {
    /* Events in a chunk come in seq order with steps never going down, so
    ** the ones in range are one run. */
    while (s->i < s->n) {
      const trc_event *e = &s->ev[s->i];
      uint64_t key = s->by == TRC_SCAN_SEQ ? e->seq : e->step;
      if (key < s->lo) {
        s->i++;
        continue;
      }
      size_t j = s->i;
      while (j < s->n && (s->by == TRC_SCAN_SEQ ? s->ev[j].seq : s->ev[j].step) <= s->hi) j++;
      if (j == s->i) {
        s->i = s->n;
        if (s->by == TRC_SCAN_SEQ && s->stmt) {
          sqlite3_finalize(s->stmt);
          s->stmt = NULL;
        }
        continue;
      }
      *ev = e;
      *n = j - s->i;
      s->i = j;
      return 1;
    }
    s->n = s->i = 0;
    int r = load_chunk(s);
    if (r <= 0) return r;
  }
}

void trc_scan_only_kinds(trc_scan *s, uint32_t kinds) { trc_codec_only_kinds(s->codec, kinds); }

const char *trc_scan_errmsg(const trc_scan *s) {
  if (!s) return "no scan";
  if (s->errmsg) return s->errmsg;
  return s->status ? hr_status_str(s->status) : "";
}

void trc_scan_free(trc_scan *s) {
  if (!s) return;
  sqlite3_finalize(s->stmt);
  trc_codec_free(s->codec);
  hr_free(s->errmsg);
  hr_free(s);
}
