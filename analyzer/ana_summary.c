/* ana_summary.c — one pass over a trace's events for its summary. */
#include "ana_summary.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ana_map.h"
#include "ana_peak.h"
#include "ana_stacks.h"
#include "hr_mem.h"
#include "hr_status.h"
#include "trc_scan.h"

/* One pass over a range of events. A big trace is summed in two halves at
** once, each on its own connection; the second half cannot know the track
** events of the first, so it lists the frees it counted (maybe_tracked) for
** the first half to take back. */
struct pass {
  ana_summary *s;        /* the counts of this pass */
  ana_map tracked;       /* ids from track events: their frees are not the program's */
  uint64_t step_loc;     /* location of the latest step event, or (alloc
                            traces) the innermost location of the latest site */
  ana_peak_pick pick;    /* where the peak was, as peak finds it */
  ana_stacks *stacks;    /* alloc traces: site events name stacks */
  uint64_t frees_before_end, allocs_before_end;
  int second;            /* 1: the second half */
  uint64_t *maybe;       /* frees counted by the second half: id << 1 | before_end */
  size_t nmaybe, capmaybe;
};

static int summary_one(struct pass *p, const trc_event *ev) {
  ana_summary *s = p->s;
  int before_end = ev->seq <= s->end_seq;
  switch (ev->kind) {
  case TRC_EV_STEP: p->step_loc = ev->f[1]; break;
  case TRC_EV_SITE: {
    uint64_t buf[1];
    if (p->stacks) p->step_loc = ana_stacks_get(p->stacks, ev->f[0], buf, 1) ? buf[0] : 0;
    break;
  }
  case TRC_EV_ALLOC:
    s->objects_allocated++;
    p->allocs_before_end += before_end;
    break;
  case TRC_EV_TRACK:
    s->objects_tracked++;
    if (ev->f[0] && ana_map_put(&p->tracked, ev->f[0], (void *)1)) return HR_ENOMEM;
    break;
  case TRC_EV_FREE:
    ana_peak_pick_free(&p->pick, ev, p->step_loc);
    if (ana_map_get(&p->tracked, ev->f[0])) break;
    s->objects_freed++;
    p->frees_before_end += before_end;
    if (p->second) {
      if (p->nmaybe == p->capmaybe) {
        uint64_t *nv = hr_grow(p->maybe, &p->capmaybe, p->nmaybe + 1, sizeof *nv, 1024);
        if (!nv) return HR_ENOMEM;
        p->maybe = nv;
      }
      p->maybe[p->nmaybe++] = ev->f[0] << 1 | (uint64_t)before_end;
    }
    break;
  case TRC_EV_GC:
    if (ev->f[1] == TRC_GC_START) s->gc_runs++;
    if (ev->f[1] == TRC_GC_END) s->gc_collected += ev->f[2];
    break;
  case TRC_EV_MARK: s->marks++; break;
  case TRC_EV_EXCEPTION: s->exceptions_unhandled += (ev->f[2] & TRC_EXC_UNHANDLED) != 0; break;
  case TRC_EV_MEM: {
    if (ana_peak_pick_mem(&p->pick, ev, p->step_loc)) {
      s->peak_bytes = p->pick.bytes;
      s->peak_step = p->pick.step;
    }
    break;
  }
  default: break;
  }
  return 0;
}

static int summary_cb(void *ctx, const trc_event *ev, size_t n) {
  for (size_t i = 0; i < n; i++) {
    int rc = summary_one(ctx, &ev[i]);
    if (rc) return rc;
  }
  return 0;
}

static void read_meta(ana_trace *t, ana_summary *s) {
  trc_reader *r = ana_trace_reader(t);
  s->program = trc_reader_meta(r, "program");
  s->python_version = trc_reader_meta(r, "python_version");
  s->detail = trc_reader_meta(r, "detail");
  s->complete = trc_reader_complete(r);
  s->gap = trc_reader_meta(r, "trace_gap");
  const char *v = trc_reader_meta(r, "exit_status");
  char *end;
  if (v && *v) {
    long x = strtol(v, &end, 10);
    if (!*end) {
      s->exit_status = x;
      s->has_exit_status = 1;
    }
  }
  v = trc_reader_meta(r, "duration_s");
  if (v && *v) {
    double d = strtod(v, &end);
    if (!*end) {
      s->duration_s = d;
      s->has_duration = 1;
    }
  }
  v = trc_reader_meta(r, "argv");
  if (v && ana_json_string_array(ana_trace_db(t), v, &s->argv, &s->argc) != HR_OK) {
    s->argv = NULL;
    s->argc = 0;
  }
}

static int scan_db(sqlite3 *db, uint64_t lo, uint64_t hi, struct pass *p, char **err) {
  trc_scan *sc = NULL;
  int rc = trc_scan_open(db, TRC_SCAN_SEQ, lo, hi, &sc, err);
  if (rc) return rc;
  const trc_event *ev;
  size_t n;
  int got;
  while ((got = trc_scan_next_batch(sc, &ev, &n)) == 1 && (rc = summary_cb(p, ev, n)) == HR_OK) {
  }
  if (got < 0) {
    rc = -got;
    if (err) *err = hr_strdup(trc_scan_errmsg(sc));
  }
  trc_scan_free(sc);
  return rc;
}

struct half {
  const char *path;
  uint64_t lo, hi;
  struct pass p;
  int rc;
  char *err;           /* owned */
};

static void *second_half(void *arg) {
  struct half *h = arg;
  trc_reader *r = NULL;
  h->rc = trc_reader_open(h->path, &r, &h->err);
  if (h->rc == HR_OK) h->rc = scan_db(trc_reader_db(r), h->lo, h->hi, &h->p, &h->err);
  trc_reader_free(r);
  return NULL;
}

/* Add the second half's counts (b, with its pass q) into the first's. */
static void merge(struct pass *p, const struct pass *q) {
  ana_summary *s = p->s;
  const ana_summary *b = q->s;
  s->objects_allocated += b->objects_allocated;
  s->objects_tracked += b->objects_tracked;
  s->objects_freed += b->objects_freed;
  p->allocs_before_end += q->allocs_before_end;
  p->frees_before_end += q->frees_before_end;
  for (size_t i = 0; i < q->nmaybe; i++)
    if (ana_map_get(&p->tracked, q->maybe[i] >> 1)) {
      s->objects_freed--;
      p->frees_before_end -= q->maybe[i] & 1;
    }
  s->gc_runs += b->gc_runs;
  s->gc_collected += b->gc_collected;
  s->marks += b->marks;
  s->exceptions_unhandled += b->exceptions_unhandled;
  /* As one pass would: a later peak wins only when higher, or when the
  ** first half's is from the recorder's start-up (step 0). */
  if (q->pick.found && (!p->pick.found || b->peak_bytes > s->peak_bytes || !s->peak_step)) {
    s->peak_bytes = b->peak_bytes;
    s->peak_step = b->peak_step;
    uint64_t free_seq = p->pick.free_seq, free_step = p->pick.free_step, free_loc = p->pick.free_loc;
    p->pick = q->pick;
    /* The high the second half's first mem event carries was reached before
    ** the first half's last free, as one pass would place it. */
    if (q->pick.unresolved && free_seq) {
      p->pick.step = s->peak_step = free_step;
      p->pick.location = free_loc;
    }
    if (!p->pick.location) p->pick.location = p->step_loc;
  }
}

/* Below this many events one pass is quicker than starting a second one. */
#define SUMMARY_SPLIT_EVENTS 4000000

int ana_summary_compute(ana_trace *t, ana_summary *s) {
  memset(s, 0, sizeof *s);
  read_meta(t, s);
  trc_reader *r = ana_trace_reader(t);
  s->steps = trc_reader_last_step(r);
  s->events = trc_reader_last_seq(r);
  uint64_t mseq, mstep;
  if (ana_trace_mark(t, "end", &mseq, &mstep) == HR_OK) {
    s->end_seq = mseq;
    s->end_is_mark = 1;
  } else {
    s->end_seq = s->events;
    ana_trace_fail(t, HR_OK, "%s", "");
  }
  struct pass p;
  memset(&p, 0, sizeof p);
  p.s = s;
  ana_map_init(&p.tracked);
  ana_summary second_counts;
  memset(&second_counts, 0, sizeof second_counts);
  second_counts.end_seq = s->end_seq;
  struct half h;
  memset(&h, 0, sizeof h);
  h.path = ana_trace_path(t);
  h.p.s = &second_counts;
  h.p.second = 1;
  ana_map_init(&h.p.tracked);
  int rc = HR_OK;
  if (ana_trace_is_alloc(t)) {
    /* Site events advance the step counter: an alloc trace has no steps. */
    s->alloc_detail = 1;
    s->steps = 0;
    rc = ana_stacks_load(t, &p.stacks);
  }
  uint64_t mid = s->events;
  pthread_t th;
  int threaded = 0;
  if (rc == HR_OK && !p.stacks && s->events >= SUMMARY_SPLIT_EVENTS) {   /* alloc traces: one pass, with the stacks */
    mid = s->events / 2;
    h.lo = mid + 1;
    h.hi = s->events;
    threaded = pthread_create(&th, NULL, second_half, &h) == 0;
    if (!threaded) mid = s->events;
  }
  if (rc == HR_OK) rc = ana_trace_scan_batch(t, TRC_SCAN_SEQ, 1, mid, summary_cb, &p);
  if (threaded) {
    pthread_join(th, NULL);
    if (rc == HR_OK && h.rc != HR_OK) {
      rc = h.rc;
      ana_trace_fail(t, rc, "cannot read events: %s", h.err ? h.err : hr_status_str(rc));
    }
    if (rc == HR_OK) merge(&p, &h.p);
  }
  if (rc == HR_OK && p.pick.found) s->peak_loc = ana_trace_location(t, p.pick.location);
  ana_map_reset(&p.tracked);
  ana_stacks_free(p.stacks);
  ana_map_reset(&h.p.tracked);
  hr_free(h.p.maybe);
  hr_free(h.err);
  if (rc == HR_ENOMEM) ana_trace_fail(t, rc, "out of memory");
  if (rc) return rc;
  s->objects_alive_at_end = p.allocs_before_end >= p.frees_before_end
                              ? p.allocs_before_end - p.frees_before_end : 0;
  struct stat sb;
  if (stat(ana_trace_path(t), &sb) == 0) s->trace_bytes = (uint64_t)sb.st_size;
  /* A write-ahead log left beside an incomplete trace is part of it. */
  char *wal = hr_sprintf("%s-wal", ana_trace_path(t));
  if (wal && stat(wal, &sb) == 0) s->trace_bytes += (uint64_t)sb.st_size;
  hr_free(wal);
  s->bytes_per_event = s->events ? (double)s->trace_bytes / (double)s->events : 0;
  return HR_OK;
}

void ana_summary_reset(ana_summary *s) {
  for (size_t i = 0; i < s->argc; i++) hr_free(s->argv[i]);
  hr_free(s->argv);
  s->argv = NULL;
  s->argc = 0;
}

/* --- meta argv: a JSON array of strings ------------------------------------------ */

/* SQLite's JSON functions parse it: the same parser `heapreel sql` users
** query meta with, so the two never disagree about what the text says. */
static const char sql_string_array[] =
  "SELECT CASE WHEN json_valid(?1) AND json_type(?1) = 'array' THEN 1 ELSE 0 END, "
  "       (SELECT count(*) FROM json_each(?1) WHERE json_valid(?1) AND type <> 'text')";
static const char sql_elements[] = "SELECT value FROM json_each(?1) ORDER BY key";

/* Each text of q's rows into a new array (owned); HR_ENOMEM or HR_ECORRUPT. */
static int collect(sqlite3_stmt *q, char ***out, size_t *n) {
  char **arr = NULL;
  size_t cnt = 0, cap = 0;
  int rc, st = HR_OK;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    const char *v = (const char *)sqlite3_column_text(q, 0);
    char *dup = hr_strdup(v ? v : "");
    if (dup && cnt == cap) {
      size_t ncap = cap ? cap * 2 : 8;
      char **na = hr_realloc(arr, ncap * sizeof *na);
      if (na) { arr = na; cap = ncap; }
      else { hr_free(dup); dup = NULL; }
    }
    if (!dup) { st = HR_ENOMEM; break; }
    arr[cnt++] = dup;
  }
  if (st == HR_OK && rc != SQLITE_DONE) st = rc == SQLITE_NOMEM ? HR_ENOMEM : HR_ECORRUPT;
  if (st) {
    for (size_t i = 0; i < cnt; i++) hr_free(arr[i]);
    hr_free(arr);
    return st;
  }
  *out = arr;
  *n = cnt;
  return HR_OK;
}

int ana_json_string_array(sqlite3 *db, const char *json, char ***out, size_t *n) {
  *out = NULL;
  *n = 0;
  sqlite3_stmt *q = NULL;
  int rc = sqlite3_prepare_v2(db, sql_string_array, -1, &q, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_bind_text(q, 1, json, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) rc = sqlite3_step(q);
  int st = rc == SQLITE_ROW ? HR_OK : rc == SQLITE_NOMEM ? HR_ENOMEM : HR_ECORRUPT;
  if (st == HR_OK && (sqlite3_column_int(q, 0) != 1 || sqlite3_column_int64(q, 1) != 0))
    st = HR_ECORRUPT;
  sqlite3_finalize(q);
  q = NULL;
  if (st) return st;
  rc = sqlite3_prepare_v2(db, sql_elements, -1, &q, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_bind_text(q, 1, json, -1, SQLITE_STATIC);
  st = rc == SQLITE_OK ? collect(q, out, n) : rc == SQLITE_NOMEM ? HR_ENOMEM : HR_ECORRUPT;
  sqlite3_finalize(q);
  return st;
}
