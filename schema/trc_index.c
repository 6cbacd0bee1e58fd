/* trc_index.c — objects and frames rows gathered from the event stream, and their cached blocks. */
#include "trc_index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "hr_mem.h"
#include "hr_opt.h"
#include "hr_status.h"
#include "trc_codec.h"
#include "trc_event.h"
#include "trc_scan.h"

struct trc_index {
  int rel;                        /* enum trc_index_rel: which rows are there */
  trc_obj_row *obj;
  size_t nobj, obj_cap;
  trc_frame_row *fr;
  size_t nfr, fr_cap;
  /* id -> row + 1, open addressing over the rows (build only). */
  uint32_t *oslot, *fslot;
  size_t oslot_cap, fslot_cap;
};

/* --- build --------------------------------------------------------------------- */

static inline size_t id_hash(uint64_t id, size_t mask) {
  return (size_t)((id * 0x9E3779B97F4A7C15ull) >> 17) & mask;
}

/* The slot of id in tab (rows' ids read through `id_at`), or its empty slot. */
#define FIND_SLOT(tab, cap, rows, key, h)                                         \
  do {                                                                            \
    size_t mask_ = (cap) - 1;                                                     \
    for (h = id_hash(key, mask_); (tab)[h] && (rows)[(tab)[h] - 1].id != (key);   \
         h = (h + 1) & mask_) {}                                                  \
  } while (0)

/* Rehash into a table twice as large when half full. Rows are < 2^32. */
static int grow_slots(uint32_t **tab, size_t *cap, size_t n, const void *rows, size_t row_size) {
  if ((n + 1) * 2 <= *cap) return HR_OK;
  if (n >= UINT32_MAX - 1) return HR_ENOMEM;
  size_t ncap = *cap ? *cap * 2 : 4096;
  uint32_t *nt = hr_calloc(ncap, sizeof *nt);
  if (!nt) return HR_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    uint64_t id = *(const uint64_t *)((const char *)rows + i * row_size);   /* id first */
    size_t h = id_hash(id, ncap - 1);
    while (nt[h]) h = (h + 1) & (ncap - 1);
    nt[h] = (uint32_t)i + 1;
  }
  hr_free(*tab);
  *tab = nt;
  *cap = ncap;
  return HR_OK;
}

static trc_obj_row *find_obj(trc_index *x, uint64_t id) {
  if (!x->oslot_cap) return NULL;
  size_t h;
  FIND_SLOT(x->oslot, x->oslot_cap, x->obj, id, h);
  return x->oslot[h] ? &x->obj[x->oslot[h] - 1] : NULL;
}

static trc_frame_row *find_frame(trc_index *x, uint64_t id) {
  if (!x->fslot_cap) return NULL;
  size_t h;
  FIND_SLOT(x->fslot, x->fslot_cap, x->fr, id, h);
  return x->fslot[h] ? &x->fr[x->fslot[h] - 1] : NULL;
}

/* An alloc or track event: a new row. An id seen before keeps its first row
** (ids are never reused; a second birth is a damaged trace). */
static int add_obj(trc_index *x, const trc_event *e) {
  if (grow_slots(&x->oslot, &x->oslot_cap, x->nobj, x->obj, sizeof *x->obj) != HR_OK)
    return HR_ENOMEM;
  size_t h;
  FIND_SLOT(x->oslot, x->oslot_cap, x->obj, e->f[0], h);
  if (x->oslot[h]) return HR_OK;
  trc_obj_row *r = hr_grow(x->obj, &x->obj_cap, x->nobj + 1, sizeof *r, 4096);
  if (!r) return HR_ENOMEM;
  x->obj = r;
  r = &x->obj[x->nobj];
  memset(r, 0, sizeof *r);
  r->id = e->f[0];
  r->type = e->f[1];
  r->size = e->f[2];
  r->address = e->f[3];
  r->alloc_seq = e->seq;
  r->alloc_step = e->step;
  r->flags = e->kind == TRC_EV_TRACK ? TRC_OBJ_PREEXISTING : 0;
  x->oslot[h] = (uint32_t)++x->nobj;
  return HR_OK;
}

static int add_frame(trc_index *x, const trc_event *e) {
  if (grow_slots(&x->fslot, &x->fslot_cap, x->nfr, x->fr, sizeof *x->fr) != HR_OK)
    return HR_ENOMEM;
  size_t h;
  FIND_SLOT(x->fslot, x->fslot_cap, x->fr, e->f[0], h);
  if (x->fslot[h]) return HR_OK;
  trc_frame_row *r = hr_grow(x->fr, &x->fr_cap, x->nfr + 1, sizeof *r, 1024);
  if (!r) return HR_ENOMEM;
  x->fr = r;
  r = &x->fr[x->nfr];
  memset(r, 0, sizeof *r);
  r->id = e->f[0];
  r->location = e->f[1];
  r->parent = e->f[2];
  r->thread = e->f[3];
  r->call_seq = e->seq;
  r->call_step = e->step;
  x->fslot[h] = (uint32_t)++x->nfr;
  return HR_OK;
}

/* One event into the rows of its relation, x[rel] (NULL: not gathered). A
** resize, free or return of an id without a row changes nothing; a later
** one replaces an earlier one (as format 1's UPDATEs did). */
static int index_event(trc_index *const xs[2], const trc_event *e) {
  trc_index *x = xs[e->kind == TRC_EV_CALL || e->kind == TRC_EV_RETURN];
  if (!x) return HR_OK;
  switch (e->kind) {
  case TRC_EV_ALLOC:
  case TRC_EV_TRACK:
    return add_obj(x, e);
  case TRC_EV_RESIZE: {
    trc_obj_row *r = find_obj(x, e->f[0]);
    if (r) r->size = e->f[1];
    return HR_OK;
  }
  case TRC_EV_FREE: {
    trc_obj_row *r = find_obj(x, e->f[0]);
    if (r) {
      r->free_seq = e->seq;
      r->free_step = e->step;
      r->flags = (uint8_t)((r->flags & TRC_OBJ_PREEXISTING) | TRC_OBJ_FREED |
                           ((e->f[1] & TRC_FREE_GC) ? TRC_OBJ_FREE_GC : 0));
    }
    return HR_OK;
  }
  case TRC_EV_CALL:
    return add_frame(x, e);
  case TRC_EV_RETURN: {
    trc_frame_row *r = find_frame(x, e->f[0]);
    if (r) {
      r->return_seq = e->seq;
      r->return_step = e->step;
      r->returned = 1;
    }
    return HR_OK;
  }
  default:
    return HR_OK;
  }
}

static int obj_cmp(const void *a, const void *b) {
  uint64_t x = ((const trc_obj_row *)a)->id, y = ((const trc_obj_row *)b)->id;
  return (x > y) - (x < y);
}

static int frame_cmp(const void *a, const void *b) {
  uint64_t x = ((const trc_frame_row *)a)->id, y = ((const trc_frame_row *)b)->id;
  return (x > y) - (x < y);
}

/* Ids come mostly in ascending order (the recorder counts them): sort only
** when they do not. */
static void sort_rows(void *rows, size_t n, size_t size, int (*cmp)(const void *, const void *)) {
  for (size_t i = 1; i < n; i++)
    if (cmp((char *)rows + (i - 1) * size, (char *)rows + i * size) > 0) {
      qsort(rows, n, size, cmp);
      return;
    }
}

/* The event kinds each relation is made from, as a bit per kind. */
static const uint32_t rel_kinds[2] = {
  1u << TRC_EV_ALLOC | 1u << TRC_EV_TRACK | 1u << TRC_EV_RESIZE | 1u << TRC_EV_FREE,
  1u << TRC_EV_CALL | 1u << TRC_EV_RETURN};

int trc_index_build(sqlite3 *db, unsigned rels, trc_index *out[2], char **errmsg) {
  out[0] = out[1] = NULL;
  *errmsg = NULL;
  trc_index *x[2] = {NULL, NULL};
  uint32_t kinds = 0;
  int rc = HR_OK;
  for (int r = 0; r < 2 && rc == HR_OK; r++)
    if (rels & TRC_REL_BIT(r)) {
      if (!(x[r] = hr_calloc(1, sizeof *x[r]))) rc = HR_ENOMEM;
      else x[r]->rel = r;
      kinds |= rel_kinds[r];
    }
  trc_scan *s = NULL;
  if (rc == HR_OK) rc = trc_scan_open(db, TRC_SCAN_SEQ, 1, UINT64_MAX, &s, errmsg);
  /* A program's calls are rare among its events: gathering frames alone
  ** decodes only the chunks that hold some. */
  if (rc == HR_OK) trc_scan_only_kinds(s, kinds);
  const trc_event *ev;
  size_t n;
  int got = 0;
  while (rc == HR_OK && (got = trc_scan_next_batch(s, &ev, &n)) == 1)
    for (size_t i = 0; i < n && rc == HR_OK; i++)
      if (ev[i].kind < 32 && (kinds >> ev[i].kind & 1)) rc = index_event(x, &ev[i]);
  if (rc == HR_OK && got < 0) {
    rc = -got;
    *errmsg = hr_strdup(trc_scan_errmsg(s));
  }
  trc_scan_free(s);
  for (int r = 0; r < 2; r++) {
    if (!x[r]) continue;
    hr_free(x[r]->oslot);
    hr_free(x[r]->fslot);
    x[r]->oslot = x[r]->fslot = NULL;
    x[r]->oslot_cap = x[r]->fslot_cap = 0;
  }
  if (rc != HR_OK) {
    if (!*errmsg) *errmsg = hr_strdup(hr_status_str(rc));
    trc_index_free(x[0]);
    trc_index_free(x[1]);
    return rc;
  }
  if (x[0]) sort_rows(x[0]->obj, x[0]->nobj, sizeof *x[0]->obj, obj_cmp);
  if (x[1]) sort_rows(x[1]->fr, x[1]->nfr, sizeof *x[1]->fr, frame_cmp);
  out[0] = x[0];
  out[1] = x[1];
  return HR_OK;
}

int trc_index_rel(const trc_index *x) { return x->rel; }

void trc_index_free(trc_index *x) {
  if (!x) return;
  hr_free(x->obj);
  hr_free(x->fr);
  hr_free(x->oslot);
  hr_free(x->fslot);
  hr_free(x);
}

const trc_obj_row *trc_index_objects(const trc_index *x, size_t *n) {
  *n = x->nobj;
  return x->obj;
}

const trc_frame_row *trc_index_frames(const trc_index *x, size_t *n) {
  *n = x->nfr;
  return x->fr;
}

/* --- blocks ---------------------------------------------------------------------
** A block is a zlib stream of: a magic byte ('O' objects, 'F' frames), the
** version (1), the row count n (varint, 1..TRC_INDEX_BLOCK), then each
** column's n values (FORMAT.md "Cached index"). */

#define NCOLS 9
#define BLOCK_MAGIC_OBJ 0x4f
#define BLOCK_MAGIC_FRAME 0x46
#define BLOCK_VERSION 1
#define BLOCK_RAW_MAX (3 + 10 + (size_t)TRC_INDEX_BLOCK * NCOLS * 10)

/* The columns of row i as encoded, and back. Ids ascend: each is coded as
** its distance from the previous one less 1; the others as zigzag deltas
** from the previous row's value of the column; a free or return against
** its row's alloc or call; flags as they are. Column 8 exists only for
** rows whose flags say so (freed / returned): cols[8] says whether. */
static void obj_cols(const trc_obj_row *r, uint64_t v[NCOLS]) {
  v[0] = r->id;
  v[1] = r->address;
  v[2] = r->type;
  v[3] = r->size;
  v[4] = r->alloc_seq;
  v[5] = r->alloc_step;
  v[6] = r->flags;
  v[7] = r->free_seq - r->alloc_seq;
  v[8] = r->free_step - r->alloc_step;
}

static void frame_cols(const trc_frame_row *r, uint64_t v[NCOLS]) {
  v[0] = r->id;
  v[1] = r->location;
  v[2] = r->parent;
  v[3] = r->thread;
  v[4] = r->call_seq;
  v[5] = r->call_step;
  v[6] = r->returned;
  v[7] = r->return_seq - r->call_seq;
  v[8] = r->return_step - r->call_step;
}

static int has_end(int rel, uint64_t flags) {
  return rel == TRC_REL_OBJECTS ? (flags & TRC_OBJ_FREED) != 0 : flags != 0;
}

/* The raw (uncompressed) block of rows[0..n) into buf (BLOCK_RAW_MAX). */
static size_t encode_raw(int rel, const void *rows, size_t n, uint8_t *buf) {
  uint8_t *p = buf;
  *p++ = rel == TRC_REL_OBJECTS ? BLOCK_MAGIC_OBJ : BLOCK_MAGIC_FRAME;
  *p++ = BLOCK_VERSION;
  p += trc_varint_put(p, n);
  for (int c = 0; c < NCOLS; c++) {
    uint64_t prev = 0;
    for (size_t i = 0; i < n; i++) {
      uint64_t v[NCOLS];
      if (rel == TRC_REL_OBJECTS) obj_cols(&((const trc_obj_row *)rows)[i], v);
      else frame_cols(&((const trc_frame_row *)rows)[i], v);
      if (c >= 7 && !has_end(rel, v[6])) continue;
      if (c == 0) p += trc_varint_put(p, i ? v[0] - prev - 1 : v[0]);
      else if (c == 6) p += trc_varint_put(p, v[6]);
      else if (c >= 7) p += trc_varint_put(p, trc_zigzag((int64_t)v[c]));
      else p += trc_varint_put(p, trc_zigzag((int64_t)(v[c] - prev)));
      prev = v[c];
    }
  }
  return (size_t)(p - buf);
}

/* Decode a raw block; 0 when it is not a valid one for rel. */
static int decode_raw(int rel, const uint8_t *p, const uint8_t *end, void *rows, size_t *nout) {
  uint64_t n;
  if (end - p < 3 || p[0] != (rel == TRC_REL_OBJECTS ? BLOCK_MAGIC_OBJ : BLOCK_MAGIC_FRAME) ||
      p[1] != BLOCK_VERSION)
    return 0;
  p += 2;
  if (trc_varint_get(&p, end, &n) || n == 0 || n > TRC_INDEX_BLOCK) return 0;
  static const size_t off_obj[NCOLS] = {
    offsetof(trc_obj_row, id), offsetof(trc_obj_row, address), offsetof(trc_obj_row, type),
    offsetof(trc_obj_row, size), offsetof(trc_obj_row, alloc_seq),
    offsetof(trc_obj_row, alloc_step), 0, offsetof(trc_obj_row, free_seq),
    offsetof(trc_obj_row, free_step)};
  static const size_t off_fr[NCOLS] = {
    offsetof(trc_frame_row, id), offsetof(trc_frame_row, location),
    offsetof(trc_frame_row, parent), offsetof(trc_frame_row, thread),
    offsetof(trc_frame_row, call_seq), offsetof(trc_frame_row, call_step), 0,
    offsetof(trc_frame_row, return_seq), offsetof(trc_frame_row, return_step)};
  size_t size = rel == TRC_REL_OBJECTS ? sizeof(trc_obj_row) : sizeof(trc_frame_row);
  const size_t *off = rel == TRC_REL_OBJECTS ? off_obj : off_fr;
  memset(rows, 0, (size_t)n * size);
  for (int c = 0; c < NCOLS; c++) {
    uint64_t prev = 0;
    for (size_t i = 0; i < n; i++) {
      char *row = (char *)rows + i * size;
      uint8_t *flags = rel == TRC_REL_OBJECTS ? &((trc_obj_row *)row)->flags
                                              : &((trc_frame_row *)row)->returned;
      if (c >= 7 && !has_end(rel, *flags)) continue;
      uint64_t v;
      if (trc_varint_get(&p, end, &v)) return 0;
      if (c == 0) {
        if (i && (v >= UINT64_MAX - prev)) return 0;
        v = i ? prev + v + 1 : v;
      } else if (c == 6) {
        if (v > (rel == TRC_REL_OBJECTS ? 7u : 1u)) return 0;
        *flags = (uint8_t)v;
        continue;
      } else if (c >= 7) {
        uint64_t base = *(uint64_t *)(row + off[c - 3]);    /* alloc / call seq, step */
        v = base + (uint64_t)trc_unzigzag(v);
      } else {
        v = prev + (uint64_t)trc_unzigzag(v);
      }
      *(uint64_t *)(row + off[c]) = v;
      prev = v;
    }
  }
  if (p != end) return 0;
  *nout = (size_t)n;
  return 1;
}

/* A block of rows as a zlib stream: *out (owned), *len. */
static int encode_block(int rel, const void *rows, size_t n, uint8_t *raw, uint8_t **out,
                        size_t *len) {
  size_t rawlen = encode_raw(rel, rows, n, raw);
  uLongf cap = compressBound((uLong)rawlen);
  uint8_t *z = hr_malloc(cap);
  if (!z) return HR_ENOMEM;
  if (compress2(z, &cap, raw, (uLong)rawlen, 6) != Z_OK) {
    hr_free(z);
    return HR_ENOMEM;
  }
  *out = z;
  *len = cap;
  return HR_OK;
}

/* --- the check ------------------------------------------------------------------
** meta `object_index_check`: "1 <chunks> <chunks_crc> O<first>:<last>:<len>:<crc> ...",
** meta `frame_index_check` the same with F entries: the chunk rows the
** index was built from (count and CRC, trc_index_chunks_crc) and one entry
** per cached block, by ascending first id. An older heapreel kept both
** relations under one meta `index_check`, O entries then F entries. */

const char *const trc_index_table[2] = {"object_index", "frame_index"};
const char *const trc_index_check_key[2] = {"object_index_check", "frame_index_check"};
static const char rel_letter[2] = {'O', 'F'};

typedef struct blk_entry {
  uint64_t first, last, len;
  uint32_t crc;
} blk_entry;

int trc_index_chunks_crc(sqlite3 *db, uint32_t *crc, uint64_t *nchunks) {
  sqlite3_stmt *st = NULL;
  *crc = 0;
  *nchunks = 0;
  if (sqlite3_prepare_v2(db, "SELECT first_seq, data FROM chunks ORDER BY first_seq", -1, &st,
                         NULL) != SQLITE_OK)
    return HR_ESQL;
  int rc;
  uint32_t c = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    uint64_t first = (uint64_t)sqlite3_column_int64(st, 0);
    uint8_t le[8];
    for (int i = 0; i < 8; i++) le[i] = (uint8_t)(first >> (8 * i));
    c = (uint32_t)crc32_z(c, le, sizeof le);
    const void *data = sqlite3_column_blob(st, 1);
    int n = sqlite3_column_bytes(st, 1);
    if (data && n > 0) c = (uint32_t)crc32_z(c, data, (size_t)n);
    ++*nchunks;
  }
  sqlite3_finalize(st);
  *crc = c;
  return rc == SQLITE_DONE ? HR_OK : rc == SQLITE_NOMEM ? HR_ENOMEM : HR_ESQL;
}

struct trc_index_cache {
  sqlite3 *db;                     /* borrowed */
  int rel;                         /* enum trc_index_rel */
  blk_entry *blk;
  size_t nblk;
  uint8_t *raw;                    /* BLOCK_RAW_MAX scratch */
};

/* Parse a check of rel (both: an older heapreel's check of both relations,
** whose other entries are passed over): 1 when well formed (entries
** ascending, not overlapping). */
static int parse_check(trc_index_cache *c, const char *s, int both, uint64_t *nchunks,
                       uint64_t *crc) {
  uint64_t ver;
  if (!hr_scan_u64(&s, " ", &ver) || ver != 1 || !hr_scan_u64(&s, " ", nchunks) ||
      !hr_scan_u64(&s, " ", crc) || *crc > UINT32_MAX)
    return 0;
  size_t cap = 0;
  int last_rel = 0;
  while (*s) {
    int rel = *s == 'O' ? TRC_REL_OBJECTS : *s == 'F' ? TRC_REL_FRAMES : -1;
    if (rel < 0 || rel < last_rel || (!both && rel != c->rel)) return 0;
    last_rel = rel;
    s++;
    blk_entry e;
    uint64_t bc;
    if (!hr_scan_u64(&s, ":", &e.first) || !hr_scan_u64(&s, ":", &e.last) || !hr_scan_u64(&s, ":", &e.len) ||
        !hr_scan_u64(&s, " ", &bc) || bc > UINT32_MAX || e.last < e.first ||
        e.first > (uint64_t)INT64_MAX || e.last > (uint64_t)INT64_MAX)
      return 0;
    if (rel != c->rel) continue;
    e.crc = (uint32_t)bc;
    size_t n = c->nblk;
    if (n && e.first <= c->blk[n - 1].last) return 0;
    blk_entry *nb = hr_grow(c->blk, &cap, n + 1, sizeof *nb, 64);
    if (!nb) return -1;
    c->blk = nb;
    nb[c->nblk++] = e;
  }
  return 1;
}

char *trc_index_check_split(const char *both, int rel) {
  /* Well formed first: the header, then entries of a letter each. */
  trc_index_cache probe = {.rel = rel};
  uint64_t nchunks, crc;
  int parsed = parse_check(&probe, both, 1, &nchunks, &crc);
  hr_free(probe.blk);
  if (parsed != 1) return NULL;
  char *out = hr_malloc(strlen(both) + 1);
  if (!out) return NULL;
  size_t len = 0;
  int field = 0;
  for (const char *p = both; *p;) {
    const char *end = strchr(p, ' ');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    if (field++ < 3 || *p == rel_letter[rel]) {
      if (len) out[len++] = ' ';
      memcpy(out + len, p, n);
      len += n;
    }
    p += n;
    while (*p == ' ') p++;
  }
  out[len] = 0;
  return out;
}

/* The table's rows (first_id, last_id, length) are exactly the entries. */
static int rows_match(trc_index_cache *c, int *match) {
  char sql[96];
  snprintf(sql, sizeof sql, "SELECT first_id, last_id, length(data) FROM %s ORDER BY first_id",
           trc_index_table[c->rel]);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK) return HR_ESQL;
  size_t i = 0;
  int rc;
  *match = 1;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const blk_entry *e = i < c->nblk ? &c->blk[i] : NULL;
    if (!e || (uint64_t)sqlite3_column_int64(st, 0) != e->first ||
        (uint64_t)sqlite3_column_int64(st, 1) != e->last ||
        (uint64_t)sqlite3_column_int64(st, 2) != e->len)
      *match = 0;
    i++;
  }
  if (i != c->nblk) *match = 0;
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? HR_OK : rc == SQLITE_NOMEM ? HR_ENOMEM : HR_ESQL;
}

void trc_index_cache_free(trc_index_cache *c) {
  if (!c) return;
  hr_free(c->blk);
  hr_free(c->raw);
  hr_free(c);
}

static int have_table(sqlite3 *db, int rel, int *have) {
  sqlite3_stmt *st = NULL;
  *have = 0;
  if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1", -1,
                         &st, NULL) != SQLITE_OK)
    return HR_ESQL;
  sqlite3_bind_text(st, 1, trc_index_table[rel], -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  *have = rc == SQLITE_ROW;
  sqlite3_finalize(st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? HR_OK : rc == SQLITE_NOMEM ? HR_ENOMEM : HR_ESQL;
}

/* The meta value under key (owned), NULL when there is none. */
static char *read_meta(sqlite3 *db, const char *key, int *rc) {
  sqlite3_stmt *st = NULL;
  char *text = NULL;
  *rc = HR_OK;
  if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?1", -1, &st, NULL) != SQLITE_OK) {
    *rc = HR_ESQL;
    return NULL;
  }
  sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  if (sqlite3_step(st) == SQLITE_ROW) {
    const char *t = (const char *)sqlite3_column_text(st, 0);
    text = hr_strdup(t ? t : "");
    if (!text) *rc = HR_ENOMEM;
  }
  sqlite3_finalize(st);
  return text;
}

int trc_index_cache_open(sqlite3 *db, int rel, trc_index_sum *sum, trc_index_cache **out,
                         char *why, size_t whylen) {
  *out = NULL;
  why[0] = 0;
  int have, rc = have_table(db, rel, &have);
  if (rc != HR_OK || !have) return rc;
  int both = 0;
  char *check = read_meta(db, trc_index_check_key[rel], &rc);
  if (rc == HR_OK && !check) {
    both = 1;
    check = read_meta(db, TRC_INDEX_CHECK_BOTH, &rc);
  }
  if (rc != HR_OK) return rc;
  if (!check) {
    snprintf(why, whylen, "it carries no check of the events it stands for");
    return HR_OK;
  }
  trc_index_cache *c = hr_calloc(1, sizeof *c);
  if (!c) {
    hr_free(check);
    return HR_ENOMEM;
  }
  c->db = db;
  c->rel = rel;
  uint64_t nchunks = 0, crc = 0;
  int parsed = parse_check(c, check, both, &nchunks, &crc);
  hr_free(check);
  int match = 0;
  if (parsed < 0) rc = HR_ENOMEM;
  if (rc == HR_OK && parsed == 1) rc = rows_match(c, &match);
  trc_index_sum own = {0, 0, 0};
  if (!sum) sum = &own;
  if (rc == HR_OK && parsed == 1 && match && !sum->known) {
    rc = trc_index_chunks_crc(db, &sum->crc, &sum->nchunks);
    sum->known = rc == HR_OK;
  }
  if (rc == HR_OK) {
    if (parsed != 1) snprintf(why, whylen, "its check is malformed");
    else if (!match) snprintf(why, whylen, "its blocks are not the ones that were checked");
    else if (sum->crc != crc || sum->nchunks != nchunks)
      snprintf(why, whylen, "the events are not those it was built from");
  }
  if (rc == HR_OK && !why[0]) {
    c->raw = hr_malloc(BLOCK_RAW_MAX);
    if (!c->raw) rc = HR_ENOMEM;
  }
  if (rc != HR_OK || why[0]) {
    trc_index_cache_free(c);
    return rc;
  }
  *out = c;
  return HR_OK;
}

size_t trc_index_cache_nblocks(const trc_index_cache *c) { return c->nblk; }

uint64_t trc_index_cache_first_id(const trc_index_cache *c, size_t k) { return c->blk[k].first; }

size_t trc_index_cache_find(const trc_index_cache *c, uint64_t id) {
  size_t lo = 0, hi = c->nblk;   /* the last block with first <= id */
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (c->blk[mid].first <= id) lo = mid + 1;
    else hi = mid;
  }
  return lo ? lo - 1 : 0;
}

int trc_index_cache_load(trc_index_cache *c, size_t k, void *rows, size_t *n, char *why,
                         size_t whylen) {
  *n = 0;
  int rel = c->rel;
  if (k >= c->nblk) return HR_OK;
  const blk_entry *e = &c->blk[k];
  /* Prepared for each block, not kept: a statement left on the connection
  ** would keep it (and so this cache, freed with the connection) open. */
  char sql[80];
  snprintf(sql, sizeof sql, "SELECT data FROM %s WHERE first_id = ?1", trc_index_table[rel]);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK) return HR_ESQL;
  sqlite3_bind_int64(st, 1, (sqlite3_int64)e->first);
  int rc = sqlite3_step(st);
  int status = HR_OK;
  if (rc != SQLITE_ROW) {
    status = rc == SQLITE_DONE ? HR_ECORRUPT : rc == SQLITE_NOMEM ? HR_ENOMEM : HR_ESQL;
  } else {
    const uint8_t *data = sqlite3_column_blob(st, 0);
    size_t len = (size_t)sqlite3_column_bytes(st, 0);
    uLongf rawlen = BLOCK_RAW_MAX;
    size_t got = 0;
    if (len != e->len || (uint32_t)crc32_z(0, data, len) != e->crc ||
        uncompress(c->raw, &rawlen, data, (uLong)len) != Z_OK ||
        !decode_raw(rel, c->raw, c->raw + rawlen, rows, &got))
      status = HR_ECORRUPT;
    else if (rel == TRC_REL_OBJECTS ? ((trc_obj_row *)rows)[0].id != e->first ||
                                          ((trc_obj_row *)rows)[got - 1].id != e->last
                                    : ((trc_frame_row *)rows)[0].id != e->first ||
                                          ((trc_frame_row *)rows)[got - 1].id != e->last)
      status = HR_ECORRUPT;
    else
      *n = got;
  }
  sqlite3_finalize(st);
  if (status == HR_ECORRUPT)
    snprintf(why, whylen, "the cached %s block from id %llu is not the one that was checked",
             rel == TRC_REL_OBJECTS ? "object" : "frame", (unsigned long long)e->first);
  return status;
}

/* --- encoding a whole index for the store ------------------------------------ */

int trc_index_encode(const trc_index *x, uint32_t chunks_crc, uint64_t nchunks,
                     trc_index_blocks **out, size_t *nout, char **check) {
  int rel = x->rel;
  size_t n = rel == TRC_REL_OBJECTS ? x->nobj : x->nfr;
  size_t size = rel == TRC_REL_OBJECTS ? sizeof(trc_obj_row) : sizeof(trc_frame_row);
  const char *rows = rel == TRC_REL_OBJECTS ? (const char *)x->obj : (const char *)x->fr;
  size_t nb = (n + TRC_INDEX_BLOCK - 1) / TRC_INDEX_BLOCK;
  trc_index_blocks *b = hr_calloc(nb ? nb : 1, sizeof *b);
  uint8_t *raw = hr_malloc(BLOCK_RAW_MAX);
  size_t cap = 64 + nb * 80, used = 0;
  char *text = hr_malloc(cap);
  int rc = b && raw && text ? HR_OK : HR_ENOMEM;
  if (rc == HR_OK)
    used = (size_t)snprintf(text, cap, "1 %llu %lu", (unsigned long long)nchunks,
                            (unsigned long)chunks_crc);
  size_t k = 0;
  for (size_t at = 0; at < n && rc == HR_OK; at += TRC_INDEX_BLOCK, k++) {
    size_t m = n - at < TRC_INDEX_BLOCK ? n - at : TRC_INDEX_BLOCK;
    const char *r0 = rows + at * size;
    b[k].first = *(const uint64_t *)r0;
    b[k].last = *(const uint64_t *)(r0 + (m - 1) * size);
    rc = encode_block(rel, r0, m, raw, &b[k].data, &b[k].len);
    if (rc == HR_OK)
      used += (size_t)snprintf(text + used, cap - used, " %c%llu:%llu:%zu:%lu", rel_letter[rel],
                               (unsigned long long)b[k].first, (unsigned long long)b[k].last,
                               b[k].len, (unsigned long)crc32_z(0, b[k].data, b[k].len));
  }
  hr_free(raw);
  if (rc != HR_OK) {
    for (size_t i = 0; b && i < nb; i++) hr_free(b[i].data);
    hr_free(b);
    hr_free(text);
    return rc;
  }
  *out = b;
  *nout = nb;
  *check = text;
  return HR_OK;
}

void trc_index_blocks_free(trc_index_blocks *b, size_t n) {
  for (size_t i = 0; b && i < n; i++) hr_free(b[i].data);
  hr_free(b);
}
