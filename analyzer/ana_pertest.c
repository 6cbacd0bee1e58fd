/* ana_pertest.c — the tests whose objects are alive at the end of the run. */
#include "ana_pertest.h"

#include <string.h>

#include "hr_mem.h"
#include "hr_status.h"

static const char sql_marks[] = "SELECT seq, label FROM markers ORDER BY seq";

/* The nodeid of a plugin label ending in suffix, into a new string; NULL when
** label is not one (or out of memory: *nomem set). */
static char *nodeid_of(const char *label, const char *suffix, int *nomem) {
  size_t lp = strlen(ANA_PERTEST_PREFIX), ls = strlen(suffix), n = strlen(label);
  if (n <= lp + ls || strncmp(label, ANA_PERTEST_PREFIX, lp) != 0 ||
      strcmp(label + n - ls, suffix) != 0)
    return NULL;
  char *id = hr_malloc(n - lp - ls + 1);
  if (!id) {
    *nomem = 1;
    return NULL;
  }
  memcpy(id, label + lp, n - lp - ls);
  id[n - lp - ls] = '\0';
  return id;
}

/* Pair each start mark with the next end mark of the same test. */
static int load_tests(ana_trace *t, ana_pertest *p) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(ana_trace_db(t), sql_marks, -1, &st, NULL) != SQLITE_OK)
    return ana_trace_fail(t, HR_ESQL, "cannot read trace: %s", sqlite3_errmsg(ana_trace_db(t)));
  size_t cap = 0;
  char *open_id = NULL;
  uint64_t open_seq = 0;
  int nomem = 0;
  while (!nomem && sqlite3_step(st) == SQLITE_ROW) {
    uint64_t seq = (uint64_t)sqlite3_column_int64(st, 0);
    const char *label = (const char *)sqlite3_column_text(st, 1);
    if (!label) continue;
    char *id = nodeid_of(label, ANA_PERTEST_START, &nomem);
    if (id) {
      hr_free(open_id);      /* a start without its end (a crash inside the test) */
      open_id = id;
      open_seq = seq;
      continue;
    }
    if (nomem || !open_id || !(id = nodeid_of(label, ANA_PERTEST_END, &nomem))) continue;
    int same = strcmp(id, open_id) == 0;
    hr_free(id);
    if (!same) continue;
    if (p->ntests == cap) {
      size_t ncap = cap ? cap * 2 : 16;
      ana_test_leak *nt = hr_realloc(p->tests, ncap * sizeof *nt);
      if (!nt) {
        nomem = 1;
        break;
      }
      p->tests = nt;
      cap = ncap;
    }
    p->tests[p->ntests++] = (ana_test_leak){.nodeid = open_id, .start_seq = open_seq, .end_seq = seq};
    open_id = NULL;
  }
  hr_free(open_id);
  sqlite3_finalize(st);
  return nomem ? HR_ENOMEM : HR_OK;
}

/* The test whose marks enclose seq (tests sorted by start, not overlapping), or -1. */
static long test_of(const ana_pertest *p, uint64_t seq) {
  size_t lo = 0, hi = p->ntests;
  while (lo < hi) {          /* the first test starting after seq */
    size_t mid = lo + (hi - lo) / 2;
    if (p->tests[mid].start_seq < seq) lo = mid + 1;
    else hi = mid;
  }
  if (lo == 0) return -1;
  const ana_test_leak *x = &p->tests[lo - 1];
  return seq < x->end_seq ? (long)(lo - 1) : -1;
}

int ana_pertest_compute(ana_trace *t, const ana_leaks *l, ana_pertest *p) {
  memset(p, 0, sizeof *p);
  int rc = load_tests(t, p);
  if (rc || !p->ntests) return rc == HR_ENOMEM ? ana_trace_fail(t, rc, "out of memory") : rc;
  size_t n;
  const ana_state *s = ana_heap_state(l->heap);
  const ana_obj **all = ana_state_objs(s, &n);
  if (!all) return ana_state_nobjs(s) ? ana_trace_fail(t, HR_ENOMEM, "out of memory") : HR_OK;
  /* The objects of each test, in one array ordered by test (a counting sort). */
  size_t *first = hr_calloc(p->ntests + 1, sizeof *first);
  long *owner = hr_malloc((n ? n : 1) * sizeof *owner);
  uint64_t *ids = hr_malloc((n ? n : 1) * sizeof *ids);
  int has_steps = trc_reader_last_step(ana_trace_reader(t)) > 0;
  if (!first || !owner || !ids) rc = HR_ENOMEM;
  for (size_t i = 0; rc == HR_OK && i < n; i++) {
    owner[i] = all[i]->preexisting || !ana_heap_is_programs(l->heap, all[i], has_steps) ||
               strcmp(ana_trace_type_name(t, all[i]->type), "code") == 0
             ? -1 : test_of(p, all[i]->alloc_seq);
    if (owner[i] >= 0) first[owner[i] + 1]++;
  }
  for (size_t k = 0; rc == HR_OK && k < p->ntests; k++) first[k + 1] += first[k];
  for (size_t i = 0; rc == HR_OK && i < n; i++) {
    if (owner[i] < 0) continue;
    ana_test_leak *x = &p->tests[owner[i]];
    if (!ana_map_get(&l->reach, all[i]->id)) {
      x->unreached_count++;
      x->unreached_bytes += all[i]->size;
      continue;
    }
    ids[first[owner[i]] + x->count++] = all[i]->id;
    x->bytes += all[i]->size;
  }
  for (size_t k = 0; rc == HR_OK && k < p->ntests; k++) {
    ana_test_leak *x = &p->tests[k];
    if (!x->count) continue;
    p->nleaking++;
    rc = ana_leaks_group(l->heap, &l->reach, ids + first[k], x->count, NULL, &x->groups, &x->ngroups);
  }
  hr_free(all);
  hr_free(first);
  hr_free(owner);
  hr_free(ids);
  if (rc == HR_ENOMEM) ana_trace_fail(t, rc, "out of memory");
  return rc;
}

void ana_pertest_reset(ana_pertest *p) {
  for (size_t i = 0; i < p->ntests; i++) {
    hr_free(p->tests[i].nodeid);
    hr_free(p->tests[i].groups);
  }
  hr_free(p->tests);
  memset(p, 0, sizeof *p);
}
