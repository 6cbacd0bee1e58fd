/* ana_kfcheck.c — keyframes checked against the events they summarise (ana_kfcheck.h). */
#include "ana_kfcheck.h"

#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "hr_mem.h"
#include "hr_opt.h"
#include "hr_status.h"

typedef struct kf_entry {
  uint64_t step, seq, len;
  uint32_t blob_crc, prefix_crc;
} kf_entry;

/* The running CRC over the chunks, read forward once. */
typedef struct kf_prefix {
  int started;
  uint64_t last_first;   /* first_seq of the last chunk hashed */
  uint32_t crc;
} kf_prefix;

struct ana_kfcheck {
  char *text;            /* owned; NULL: no meta entry */
  kf_entry *v;
  size_t n;
  size_t prefix_done;    /* entries v[0..prefix_done) matched their chunks */
  int prefix_bad;        /* a prefix did not match: no keyframe is used */
  kf_prefix pf;
};

static const char sql_check[] = "SELECT value FROM meta WHERE key = 'keyframes_check'";
/* length() of a blob reads its size from the record header, not the blob. */
static const char sql_rows[] = "SELECT step, seq, length(data) FROM keyframes ORDER BY seq, step";
static const char sql_chunks[] =
  "SELECT first_seq, data FROM chunks WHERE first_seq > ?1 AND first_seq <= ?2 ORDER BY first_seq";


/* Parse the meta text; 0 when it is not a well-formed, ascending list. */
static int parse(ana_kfcheck *c, const char *s) {
  size_t cap = 0;
  while (*s) {
    kf_entry e;
    uint64_t bc, pc;
    if (!hr_scan_u64(&s, ":", &e.step) || !hr_scan_u64(&s, ":", &e.seq) || !hr_scan_u64(&s, ":", &e.len) ||
        !hr_scan_u64(&s, ":", &bc) || !hr_scan_u64(&s, " ", &pc) || bc > UINT32_MAX || pc > UINT32_MAX)
      return 0;
    e.blob_crc = (uint32_t)bc;
    e.prefix_crc = (uint32_t)pc;
    if (c->n && (e.seq <= c->v[c->n - 1].seq || e.step <= c->v[c->n - 1].step)) return 0;
    if (c->n == cap) {
      kf_entry *nv = hr_grow(c->v, &cap, c->n + 1, sizeof *nv, 16);
      if (!nv) return -1;
      c->v = nv;
    }
    c->v[c->n++] = e;
  }
  return 1;
}

static uint32_t blob_crc(const void *p, size_t n) {
  return (uint32_t)crc32_z(0, p, n);
}

/* Hash the chunks with first_seq <= upto not hashed yet. */
static int advance(kf_prefix *pf, sqlite3 *db, uint64_t upto) {
  sqlite3_stmt *st = NULL;
  if (upto > (uint64_t)INT64_MAX) upto = (uint64_t)INT64_MAX;
  if (sqlite3_prepare_v2(db, sql_chunks, -1, &st, NULL) != SQLITE_OK) return HR_ESQL;
  sqlite3_bind_int64(st, 1, pf->started ? (sqlite3_int64)pf->last_first : INT64_MIN);
  sqlite3_bind_int64(st, 2, (sqlite3_int64)upto);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    sqlite3_int64 first = sqlite3_column_int64(st, 0);
    uint8_t le[8];
    for (int i = 0; i < 8; i++) le[i] = (uint8_t)((uint64_t)first >> (8 * i));
    pf->crc = (uint32_t)crc32_z(pf->crc, le, sizeof le);
    const void *data = sqlite3_column_blob(st, 1);
    int n = sqlite3_column_bytes(st, 1);
    if (data && n > 0) pf->crc = (uint32_t)crc32_z(pf->crc, data, (size_t)n);
    pf->started = 1;
    pf->last_first = (uint64_t)first;
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? HR_OK : rc == SQLITE_NOMEM ? HR_ENOMEM : HR_ESQL;
}

int ana_kfcheck_load(sqlite3 *db, ana_kfcheck **out, int *trusted, char *why, size_t whylen) {
  *out = NULL;
  *trusted = 0;
  why[0] = 0;
  ana_kfcheck *c = hr_calloc(1, sizeof *c);
  if (!c) return HR_ENOMEM;
  sqlite3_stmt *st = NULL;
  int rc = HR_OK, parsed = 1;
  if (sqlite3_prepare_v2(db, sql_check, -1, &st, NULL) != SQLITE_OK) rc = HR_ESQL;
  if (rc == HR_OK && sqlite3_step(st) == SQLITE_ROW) {
    const char *t = (const char *)sqlite3_column_text(st, 0);
    c->text = hr_strdup(t ? t : "");
    if (!c->text) rc = HR_ENOMEM;
    else parsed = parse(c, c->text);
    if (parsed < 0) rc = HR_ENOMEM;
  }
  sqlite3_finalize(st);
  st = NULL;
  size_t i = 0;
  int match = parsed == 1;
  uint64_t bad_step = 0, rows = 0;
  if (rc == HR_OK && sqlite3_prepare_v2(db, sql_rows, -1, &st, NULL) != SQLITE_OK) rc = HR_ESQL;
  int step_rc = SQLITE_DONE;
  while (rc == HR_OK && (step_rc = sqlite3_step(st)) == SQLITE_ROW) {
    uint64_t step = (uint64_t)sqlite3_column_int64(st, 0), seq = (uint64_t)sqlite3_column_int64(st, 1);
    uint64_t len = (uint64_t)sqlite3_column_int64(st, 2);
    rows++;
    if (match && (i >= c->n || c->v[i].step != step || c->v[i].seq != seq || c->v[i].len != len)) {
      match = 0;
      bad_step = step;
    }
    i++;
  }
  if (rc == HR_OK && step_rc != SQLITE_DONE) rc = step_rc == SQLITE_NOMEM ? HR_ENOMEM : HR_ESQL;
  sqlite3_finalize(st);
  if (rc != HR_OK) {
    ana_kfcheck_free(c);
    return rc;
  }
  if (!rows) {
    /* Nothing to trust or distrust. */
  } else if (!c->text) {
    snprintf(why, whylen, "they carry no check of the events they stand for");
  } else if (parsed != 1) {
    snprintf(why, whylen, "their check is malformed");
  } else if (!match) {
    snprintf(why, whylen, "the keyframe of step %llu is not the one that was checked",
             (unsigned long long)bad_step);
  } else if (i != c->n) {
    snprintf(why, whylen, "%llu keyframes for %zu checks", (unsigned long long)rows, c->n);
  } else {
    *trusted = 1;
  }
  *out = c;
  return HR_OK;
}

void ana_kfcheck_free(ana_kfcheck *c) {
  if (!c) return;
  hr_free(c->text);
  hr_free(c->v);
  hr_free(c);
}

const char *ana_kfcheck_text(const ana_kfcheck *c) { return c ? c->text : NULL; }

int ana_kfcheck_row(ana_kfcheck *c, sqlite3 *db, uint64_t step, const void *blob, size_t len,
                    int *valid, char *why, size_t whylen) {
  *valid = 0;
  size_t k = 0;
  while (k < c->n && c->v[k].step != step) k++;
  if (k == c->n) {
    snprintf(why, whylen, "the keyframe of step %llu has no check", (unsigned long long)step);
    return HR_OK;
  }
  if (c->v[k].len != len || c->v[k].blob_crc != blob_crc(blob, len)) {
    snprintf(why, whylen, "the keyframe of step %llu is not the one that was checked",
             (unsigned long long)step);
    return HR_OK;
  }
  while (!c->prefix_bad && c->prefix_done <= k) {
    const kf_entry *e = &c->v[c->prefix_done];
    int rc = advance(&c->pf, db, e->seq);
    if (rc != HR_OK) return rc;
    if (c->pf.crc != e->prefix_crc) c->prefix_bad = 1;
    else c->prefix_done++;
  }
  if (c->prefix_bad) {
    snprintf(why, whylen, "the events up to seq %llu are not those they were built from",
             (unsigned long long)c->v[c->prefix_done].seq);
    return HR_OK;
  }
  *valid = 1;
  return HR_OK;
}

char *ana_kfcheck_format(sqlite3 *db, size_t n, const uint64_t *steps, const uint64_t *seqs,
                         uint8_t *const *blobs, const size_t *lens) {
  kf_prefix pf = {0, 0, 0};
  size_t cap = 64 * n + 1, used = 0;
  char *s = hr_malloc(cap);
  if (!s) return NULL;
  s[0] = 0;
  for (size_t i = 0; i < n; i++) {
    if (advance(&pf, db, seqs[i]) != HR_OK) {
      hr_free(s);
      return NULL;
    }
    int w = snprintf(s + used, cap - used, "%s%llu:%llu:%llu:%lu:%lu", i ? " " : "",
                     (unsigned long long)steps[i], (unsigned long long)seqs[i],
                     (unsigned long long)lens[i], (unsigned long)blob_crc(blobs[i], lens[i]),
                     (unsigned long)pf.crc);
    if (w < 0 || (size_t)w >= cap - used) {
      hr_free(s);
      return NULL;
    }
    used += (size_t)w;
  }
  return s;
}
