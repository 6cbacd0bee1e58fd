/* ana_kfcache.c — keyframes built on the first long replay and cached in the trace.
**
** The recorder writes no keyframes (its writer thread would need the whole
** replay engine), so the analyzer makes them: the first time a replay would
** start more than 1.5 spacings (ANA_KEYFRAME_EVERY events unless set) before
** its target, one pass over the trace snapshots the state before a step
** every spacing (most snapshots as deltas over the one before) and stores
** them in the `keyframes` table, with meta `keyframes` saying who made
** them, until they would take more than a quarter of the events' size.
** Later opens find them there.
**
** The analyzer otherwise never writes, and the file is untrusted, so the
** write is kept narrow: only a finished recording (a cut-short one may still
** be being written), through a second connection with the reader's defensive
** settings (no triggers, no trusted schema, no extensions), bound parameters
** only, one transaction that first checks nobody else stored keyframes. A
** file or directory that cannot be written is no error: the replay runs
** from the start, as before, and a note says why.
*/
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ana_kfcheck.h"
#include "ana_keyframe.h"
#include "ana_trace.h"
#include "hr_mem.h"
#include "hr_status.h"

typedef struct kf_blob {
  uint64_t step, seq;
  uint8_t *data;       /* owned */
  size_t len;
} kf_blob;

/* A delta chain is cut by a full keyframe once the records the deltas since
** the last full one carry pass twice the live objects (churn: most of them
** were freed again), or it is this long, so restoring any keyframe costs
** at most about three full decodes. */
#define KF_CHAIN_MAX 256

struct kf_build {
  ana_state *s;
  kf_blob *v;
  size_t n, cap;
  uint64_t last_seq;   /* seq of the previous keyframe (0: none) */
  uint64_t every;      /* spacing in events */
  uint64_t bytes;      /* sum of the kept blobs' lengths */
  uint64_t budget;     /* bytes the cache may take */
  uint64_t chain_recs; /* object records in the deltas since the last full keyframe */
  size_t chain_len;    /* deltas since the last full keyframe */
  uint64_t stop_step;  /* the budget was reached before this step's keyframe (0: never) */
};

/* Snapshot the state before step `step` (its step event has seq `seq`). */
static int snapshot(struct kf_build *b, uint64_t step, uint64_t seq) {
  if (b->n == b->cap) {
    kf_blob *nv = hr_grow(b->v, &b->cap, b->n + 1, sizeof *nv, 32);
    if (!nv) return HR_ENOMEM;
    b->v = nv;
  }
  kf_blob *k = &b->v[b->n];
  size_t nrec = 0;
  int full = !b->n || b->chain_len >= KF_CHAIN_MAX ||
             b->chain_recs > 2 * (uint64_t)ana_state_nobjs(b->s) + 4096;
  int rc = full ? ana_keyframe_encode(b->s, &k->data, &k->len)
                : ana_keyframe_encode_delta(b->s, &k->data, &k->len, &nrec);
  if (rc) return rc;
  if (b->bytes + k->len > b->budget) {
    /* The keyframes so far stay usable: a replay past the last one is
    ** longer, never wrong. */
    hr_free(k->data);
    b->stop_step = step;
    return ANA_SCAN_STOP;
  }
  b->chain_recs = full ? 0 : b->chain_recs + nrec;
  b->chain_len = full ? 0 : b->chain_len + 1;
  k->step = step;
  k->seq = seq - 1;
  b->n++;
  b->last_seq = seq - 1;
  b->bytes += k->len;
  return ana_state_mark(b->s);
}

static int build_cb(void *ctx, const trc_event *ev, size_t n) {
  struct kf_build *b = ctx;
  for (size_t i = 0; i < n; i++) {
    /* The state before step N is everything before its step event. */
    if (ev[i].kind == TRC_EV_STEP && ev[i].seq > 1 && ev[i].seq - 1 >= b->last_seq + b->every) {
      int rc = snapshot(b, ev[i].step, ev[i].seq);
      if (rc) return rc;
    }
    int rc = ana_state_apply(b->s, &ev[i]);
    if (rc) return rc;
  }
  return 0;
}

/* Whether the trace's file and its directory (for SQLite's journal) can be
** written; *why gets the reason when not. */
static int writable(const char *path, const char **why) {
  if (access(path, W_OK) != 0) {
    *why = errno == EROFS ? "read-only file system" : "the file is read-only";
    return 0;
  }
  char *copy = hr_strdup(path);
  if (!copy) {
    *why = "out of memory";
    return 0;
  }
  int ok = access(dirname(copy), W_OK) == 0;
  hr_free(copy);
  if (!ok) *why = "its directory is read-only";
  return ok;
}

static const char sql_seen[] = "SELECT value FROM meta WHERE key = 'keyframes_check'";
static const char sql_clear[] = "DELETE FROM keyframes";
static const char sql_insert[] = "INSERT INTO keyframes(step, seq, data) VALUES(?1, ?2, ?3)";
static const char sql_meta[] = "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)";

/* Whether the file's keyframe check is still `seen` (NULL: none): nobody
** stored keyframes since this process looked. */
static int unchanged(sqlite3 *db, const char *seen, int *same) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, sql_seen, -1, &st, NULL);
  if (rc != SQLITE_OK) return rc;
  rc = sqlite3_step(st);
  const char *now = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
  if (rc == SQLITE_ROW && !now) now = "";
  *same = (!now && !seen) || (now && seen && strcmp(now, seen) == 0);
  rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
  sqlite3_finalize(st);
  return rc;
}

static int put_meta(sqlite3 *db, const char *key, const char *value) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, sql_meta, -1, &st, NULL);
  if (rc == SQLITE_OK) {
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
  }
  sqlite3_finalize(st);
  return rc;
}

/* Store the keyframes and their check in one transaction, replacing the
** keyframes this process saw (`seen`: their check, NULL for none); when
** another process stored keyframes meanwhile, *stored is 0 and the file is
** left to theirs. HR_OK, or a status with *why set. */
static int store(const char *path, const struct kf_build *b, const char *check, const char *seen,
                 int *stored, char *why, size_t whylen) {
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  *stored = 0;
  int rc = trc_reader_open_cache_txn(path, &db);
  if (rc == SQLITE_NOMEM && db == NULL) return HR_ENOMEM;
  int same = 0;
  if (rc == SQLITE_OK) rc = unchanged(db, seen, &same);
  if (rc == SQLITE_OK && same) rc = sqlite3_exec(db, sql_clear, NULL, NULL, NULL);
  if (rc == SQLITE_OK && same) rc = sqlite3_prepare_v2(db, sql_insert, -1, &st, NULL);
  for (size_t i = 0; rc == SQLITE_OK && same && i < b->n; i++) {
    sqlite3_bind_int64(st, 1, (sqlite3_int64)b->v[i].step);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)b->v[i].seq);
    sqlite3_bind_blob(st, 3, b->v[i].data, (int)b->v[i].len, SQLITE_STATIC);
    rc = sqlite3_step(st);
    rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  if (rc == SQLITE_OK && same) {
    char desc[96];
    snprintf(desc, sizeof desc, "analyzer, every %llu events", (unsigned long long)b->every);
    rc = put_meta(db, "keyframes", desc);
    if (rc == SQLITE_OK) rc = put_meta(db, "keyframes_check", check);
  }
  if (rc == SQLITE_OK) rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
  if (rc != SQLITE_OK) {
    snprintf(why, whylen, "%s", db ? sqlite3_errmsg(db) : "out of memory");
    if (db) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  }
  sqlite3_close_v2(db);
  *stored = rc == SQLITE_OK && same;
  return rc == SQLITE_OK ? HR_OK : HR_EIO;
}

/* The events' own size: the chunks' data, which is what a trace holds
** when the dimension tables are small. */
static uint64_t events_bytes(ana_trace *t) {
  sqlite3_stmt *st = NULL;
  uint64_t n = 0;
  /* length() of a blob reads its size from the record header, not the blob. */
  if (sqlite3_prepare_v2(ana_trace_db(t), "SELECT sum(length(data)) FROM chunks", -1, &st, NULL) ==
          SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    n = (uint64_t)sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return n;
}

/* The keyframes' check (ana_kfcheck.h), read on the trace's own snapshot. */
static char *kf_check_text(ana_trace *t, const struct kf_build *b) {
  uint64_t *steps = hr_calloc(b->n, sizeof *steps), *seqs = hr_calloc(b->n, sizeof *seqs);
  uint8_t **blobs = hr_calloc(b->n, sizeof *blobs);
  size_t *lens = hr_calloc(b->n, sizeof *lens);
  char *text = NULL;
  if (steps && seqs && blobs && lens) {
    for (size_t i = 0; i < b->n; i++) {
      steps[i] = b->v[i].step;
      seqs[i] = b->v[i].seq;
      blobs[i] = b->v[i].data;
      lens[i] = b->v[i].len;
    }
    text = ana_kfcheck_format(ana_trace_db(t), b->n, steps, seqs, blobs, lens);
  }
  hr_free(steps);
  hr_free(seqs);
  hr_free(blobs);
  hr_free(lens);
  return text;
}

int ana_trace_build_keyframes(ana_trace *t) {
  trc_reader *r = ana_trace_reader(t);
  const char *why = NULL;
  char buf[300];
  if (!ana_trace_cache_enabled(t)) return HR_OK;
  if (!trc_reader_complete(r)) why = "the recording is incomplete";
  else (void)writable(ana_trace_path(t), &why);
  if (why) {
    snprintf(buf, sizeof buf, "keyframes cannot be cached in '%s' (%s); every replay starts "
             "from the first event", ana_trace_path(t), why);
    ana_trace_note(t, buf);
    return HR_OK;
  }
  snprintf(buf, sizeof buf, "building keyframes for '%s' (once: they are kept in the trace)",
           ana_trace_path(t));
  ana_trace_progress(t, buf);
  struct kf_build b;
  memset(&b, 0, sizeof b);
  b.every = ana_trace_keyframe_every(t);
  b.budget = events_bytes(t) / ANA_KEYFRAME_BUDGET;
  if (b.budget < ANA_KEYFRAME_MIN_BUDGET) b.budget = ANA_KEYFRAME_MIN_BUDGET;
  b.s = ana_state_new();
  int rc = b.s ? ana_trace_scan_batch(t, TRC_SCAN_SEQ, 1, trc_reader_last_seq(r), build_cb, &b)
               : HR_ENOMEM;
  ana_state_free(b.s);
  if (rc == HR_OK && !b.n && b.stop_step) {
    snprintf(buf, sizeof buf, "keyframes are not cached in '%s' (one would take more than a "
             "quarter of the events' size); every replay starts from the first event",
             ana_trace_path(t));
    ana_trace_note(t, buf);
  }
  char *check = NULL, *seen = NULL;
  if (rc == HR_OK && b.n) {
    check = kf_check_text(t, &b);
    const char *s0 = ana_trace_keyframe_check(t);
    seen = s0 ? hr_strdup(s0) : NULL;
    if (!check || (s0 && !seen)) rc = HR_ENOMEM;
  }
  if (rc == HR_OK && b.n) {
    /* The reader's long read transaction would keep the writer from committing. */
    rc = ana_trace_pause_read(t);
    int stored = 0;
    char note[640];
    if (rc == HR_OK) {
      if (store(ana_trace_path(t), &b, check, seen, &stored, buf + 100, sizeof buf - 100) != HR_OK) {
        snprintf(note, sizeof note, "keyframes cannot be cached in '%s' (%s); every replay "
                 "starts from the first event", ana_trace_path(t), buf + 100);
        ana_trace_note(t, note);
      } else if (stored) {
        /* Said after the write: a process that finds keyframes stored by
        ** another meanwhile uses those and says nothing. */
        char upto[96] = "";
        if (b.stop_step)
          snprintf(upto, sizeof upto, " (up to step %llu: more would pass their budget, a "
                   "quarter of the events' size)", (unsigned long long)b.stop_step);
        snprintf(note, sizeof note, "caching %zu keyframes in '%s' (+%.1f MB)%s, once; "
                 "HEAPREEL_NO_CACHE=1 leaves the trace as it is", b.n, ana_trace_path(t),
                 (double)b.bytes / 1e6, upto);
        ana_trace_note(t, note);
      }
      rc = ana_trace_resume_read(t);
    }
  }
  hr_free(check);
  hr_free(seen);
  for (size_t i = 0; i < b.n; i++) hr_free(b.v[i].data);
  hr_free(b.v);
  if (rc == HR_ENOMEM) ana_trace_fail(t, rc, "out of memory");
  return rc;
}
