/* trc_index_vtab.c — the `objects` and `frames` virtual tables (trc_index_vtab.h). */
#include "trc_index_vtab.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hr_mem.h"
#include "hr_status.h"

/* Per relation (enum trc_index_rel): each is made, and looked for in the
** trace, only when a query needs it. */
struct trc_index_state {
  sqlite3 *db;                 /* borrowed */
  int refs;                    /* one per module registered */
  trc_index *built[2];         /* owned: made from the events here */
  trc_index_cache *cache[2];   /* owned: the trace's cached blocks, checked */
  int looked[2];               /* the trace's cache was looked for */
  trc_index_sum sum;           /* the chunks' CRC, once */
  char ignored[2][200];        /* why a cache in the trace was not used */
  void (*on_ignored)(void *ctx, int rel, const char *why);
  void *on_ignored_ctx;
};

static const char *const decl[2] = {
  "CREATE TABLE x(id INTEGER, address INTEGER, type INTEGER, size INTEGER, alloc_seq INTEGER,"
  " alloc_step INTEGER, free_seq INTEGER, free_step INTEGER, free_by_gc INTEGER,"
  " preexisting INTEGER)",
  "CREATE TABLE x(id INTEGER, location INTEGER, parent INTEGER, thread INTEGER,"
  " call_seq INTEGER, call_step INTEGER, return_seq INTEGER, return_step INTEGER)"};

typedef struct ix_vtab {
  sqlite3_vtab base;           /* first, as SQLite expects */
  trc_index_state *s;
  int rel;                     /* enum trc_index_rel */
} ix_vtab;

typedef struct ix_cursor {
  sqlite3_vtab_cursor base;
  const char *rows;            /* the run of rows the cursor walks */
  size_t n, i;
  void *buf;                   /* owned: a decoded cached block */
  size_t blk;                  /* the block in buf; SIZE_MAX: none */
  size_t blk_n;                /* its rows */
  int cached;                  /* rows come from cache blocks */
  int single;                  /* an id lookup: one run, no next block */
  int has_hi;
  uint64_t hi;                 /* last id to give (has_hi) */
} ix_cursor;

/* xBestIndex plan bits, for constraints on id (or the rowid, the same). */
#define IX_EQ 1
#define IX_LO 2
#define IX_HI 4

static size_t row_size(int rel) {
  return rel == TRC_REL_OBJECTS ? sizeof(trc_obj_row) : sizeof(trc_frame_row);
}

static uint64_t row_id(const char *row) { return *(const uint64_t *)row; }   /* id is first */

/* The trace's cache of rel, looked for once: HR_OK whether or not there is
** one that checks out (s->ignored[rel] says why one did not). */
static int look(trc_index_state *s, int rel) {
  if (s->looked[rel]) return HR_OK;
  int rc = trc_index_cache_open(s->db, rel, &s->sum, &s->cache[rel], s->ignored[rel],
                                sizeof s->ignored[rel]);
  s->looked[rel] = rc == HR_OK;
  return rc;
}

/* Make t's relation: the trace's cache when it checks out, else from the
** events. Gathering the objects is a pass over every event, which gathers
** the frames too at no cost worth naming (when the trace has none that
** check out); the frames alone skip the objects' work. */
static int ensure(ix_vtab *t) {
  trc_index_state *s = t->s;
  int rel = t->rel;
  if (s->built[rel] || s->cache[rel]) return SQLITE_OK;
  int rc = look(s, rel);
  if (rc == HR_OK && s->cache[rel]) return SQLITE_OK;
  unsigned rels = TRC_REL_BIT(rel);
  if (rc == HR_OK && rel == TRC_REL_OBJECTS && !s->built[TRC_REL_FRAMES]) {
    rc = look(s, TRC_REL_FRAMES);
    if (rc == HR_OK && !s->cache[TRC_REL_FRAMES]) rels |= TRC_REL_BIT(TRC_REL_FRAMES);
  }
  if (rc == HR_OK) {
    char *err = NULL;
    trc_index *x[2] = {NULL, NULL};
    rc = trc_index_build(s->db, rels, x, &err);
    for (int r = 0; r < 2; r++) {
      if (!x[r]) continue;
      s->built[r] = x[r];
      /* Said once the events gave the index again: when they cannot, their
      ** error is the one line to say. */
      if (s->ignored[r][0] && s->on_ignored) s->on_ignored(s->on_ignored_ctx, r, s->ignored[r]);
    }
    if (rc != HR_OK) {
      sqlite3_free(t->base.zErrMsg);
      t->base.zErrMsg = sqlite3_mprintf("%s", err ? err : hr_status_str(rc));
    }
    hr_free(err);
  }
  if (rc == HR_OK) return SQLITE_OK;
  if (!t->base.zErrMsg) t->base.zErrMsg = sqlite3_mprintf("%s", hr_status_str(rc));
  return rc == HR_ENOMEM ? SQLITE_NOMEM : rc == HR_ECORRUPT ? SQLITE_CORRUPT : SQLITE_ERROR;
}

static int ix_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                      sqlite3_vtab **out, char **err, int rel) {
  (void)argc;
  (void)argv;
  (void)err;
  int rc = sqlite3_declare_vtab(db, decl[rel]);
  if (rc != SQLITE_OK) return rc;
  ix_vtab *t = sqlite3_malloc(sizeof *t);
  if (!t) return SQLITE_NOMEM;
  memset(t, 0, sizeof *t);
  t->s = aux;
  t->rel = rel;
  sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
  *out = &t->base;
  return SQLITE_OK;
}

static int obj_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                       sqlite3_vtab **out, char **err) {
  return ix_connect(db, aux, argc, argv, out, err, TRC_REL_OBJECTS);
}

static int frame_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                         sqlite3_vtab **out, char **err) {
  return ix_connect(db, aux, argc, argv, out, err, TRC_REL_FRAMES);
}

static int ix_disconnect(sqlite3_vtab *vt) {
  sqlite3_free(vt->zErrMsg);
  sqlite3_free(vt);
  return SQLITE_OK;
}

/* Constraints on id become a lookup or a range; everything else is checked
** by SQLite on the rows given (nothing is omitted, so a bound only needs to
** give a superset). Rows always come by ascending id. */
static int ix_best_index(sqlite3_vtab *vt, sqlite3_index_info *info) {
  int eq = -1, lo = -1, hi = -1;
  for (int i = 0; i < info->nConstraint; i++) {
    const struct sqlite3_index_constraint *c = &info->aConstraint[i];
    if (!c->usable || (c->iColumn != 0 && c->iColumn != -1)) continue;
    switch (c->op) {
    case SQLITE_INDEX_CONSTRAINT_EQ: if (eq < 0) eq = i; break;
    case SQLITE_INDEX_CONSTRAINT_GT:
    case SQLITE_INDEX_CONSTRAINT_GE: if (lo < 0) lo = i; break;
    case SQLITE_INDEX_CONSTRAINT_LT:
    case SQLITE_INDEX_CONSTRAINT_LE: if (hi < 0) hi = i; break;
    default: break;
    }
  }
  int plan = 0, argn = 1;
  if (eq >= 0) {
    plan = IX_EQ;
    info->aConstraintUsage[eq].argvIndex = argn++;
    info->estimatedCost = 10;
    info->estimatedRows = 1;
    info->idxFlags = SQLITE_INDEX_SCAN_UNIQUE;
  } else {
    if (lo >= 0) {
      plan |= IX_LO;
      info->aConstraintUsage[lo].argvIndex = argn++;
    }
    if (hi >= 0) {
      plan |= IX_HI;
      info->aConstraintUsage[hi].argvIndex = argn++;
    }
    double rows = 1e6;
    if (lo >= 0 && hi >= 0) rows = 1e3;
    else if (lo >= 0 || hi >= 0) rows = 2.5e5;
    info->estimatedCost = rows;
    info->estimatedRows = (sqlite3_int64)rows;
  }
  info->idxNum = plan;
  if (info->nOrderBy == 1 && (info->aOrderBy[0].iColumn == 0 || info->aOrderBy[0].iColumn == -1) &&
      !info->aOrderBy[0].desc)
    info->orderByConsumed = 1;
  (void)vt;
  return SQLITE_OK;
}

static int ix_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out) {
  ix_cursor *c = sqlite3_malloc(sizeof *c);
  if (!c) return SQLITE_NOMEM;
  memset(c, 0, sizeof *c);
  c->blk = SIZE_MAX;
  *out = &c->base;
  (void)vt;
  return SQLITE_OK;
}

static int ix_close(sqlite3_vtab_cursor *cur) {
  ix_cursor *c = (ix_cursor *)cur;
  hr_free(c->buf);
  sqlite3_free(c);
  return SQLITE_OK;
}

/* First position in rows[0..n) whose id is >= id. */
static size_t lower_bound(const char *rows, size_t n, size_t size, uint64_t id) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (row_id(rows + mid * size) < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/* The cursor's run: the rows built from the events, from id `from` on. */
static void use_built(ix_cursor *c, ix_vtab *t, uint64_t from) {
  const trc_index *x = t->s->built[t->rel];
  size_t n;
  const void *rows = t->rel == TRC_REL_OBJECTS ? (const void *)trc_index_objects(x, &n)
                                               : (const void *)trc_index_frames(x, &n);
  c->cached = 0;
  c->blk = SIZE_MAX;
  c->rows = rows;
  c->n = n;
  c->i = lower_bound(c->rows, n, row_size(t->rel), from);
}

/* A cached block that fails its check when read: the relation's cache is
** dropped and its rows gathered from the events (said once, as for a cache
** passed over when opened), and the cursor goes on from id `from` in them. */
static int fall_back(ix_cursor *c, ix_vtab *t, uint64_t from, const char *why) {
  trc_index_state *s = t->s;
  trc_index_cache_free(s->cache[t->rel]);
  s->cache[t->rel] = NULL;
  snprintf(s->ignored[t->rel], sizeof s->ignored[t->rel], "%s", why);
  int rc = ensure(t);
  if (rc != SQLITE_OK) return rc;
  sqlite3_free(t->base.zErrMsg);
  t->base.zErrMsg = NULL;
  use_built(c, t, from);
  return SQLITE_OK;
}

/* Put cached block k in the cursor's run. */
static int load_block(ix_cursor *c, ix_vtab *t, size_t k) {
  if (k == c->blk) {
    c->rows = c->buf;
    c->n = c->blk_n;
    c->i = 0;
    return SQLITE_OK;
  }
  if (!c->buf && !(c->buf = hr_malloc(TRC_INDEX_BLOCK * row_size(t->rel)))) return SQLITE_NOMEM;
  char why[200] = "";
  size_t n = 0;
  c->blk = SIZE_MAX;
  int rc = trc_index_cache_load(t->s->cache[t->rel], k, c->buf, &n, why, sizeof why);
  if (rc == HR_ECORRUPT && why[0])
    return fall_back(c, t, trc_index_cache_first_id(t->s->cache[t->rel], k), why);
  if (rc != HR_OK) {
    sqlite3_free(t->base.zErrMsg);
    t->base.zErrMsg = sqlite3_mprintf("%s", why[0] ? why : hr_status_str(rc));
    return rc == HR_ENOMEM ? SQLITE_NOMEM : rc == HR_ECORRUPT ? SQLITE_CORRUPT : SQLITE_ERROR;
  }
  c->blk = k;
  c->blk_n = n;
  c->rows = c->buf;
  c->n = n;
  c->i = 0;
  return SQLITE_OK;
}

/* Past the run's end: the next cached block, if the cursor walks on. */
static int settle(ix_cursor *c, ix_vtab *t) {
  /* Another cursor found a damaged block: the rows are the events' now. */
  if (c->i >= c->n && c->cached && !c->single && !t->s->cache[t->rel]) {
    if (c->n) use_built(c, t, row_id(c->rows + (c->n - 1) * row_size(t->rel)) + 1);
    return SQLITE_OK;
  }
  while (c->i >= c->n && c->cached && !c->single && c->blk != SIZE_MAX &&
         c->blk + 1 < trc_index_cache_nblocks(t->s->cache[t->rel])) {
    if (c->has_hi && trc_index_cache_first_id(t->s->cache[t->rel], c->blk + 1) > c->hi) break;
    int rc = load_block(c, t, c->blk + 1);
    if (rc != SQLITE_OK) return rc;
  }
  return SQLITE_OK;
}

/* An SQL value as an id bound: 1 with *v, 0 when no integer id is equal to
** it (for a lower bound: above it), -1 when every id is below it. */
static int bound_of(sqlite3_value *a, int is_lo, uint64_t *v) {
  switch (sqlite3_value_numeric_type(a)) {
  case SQLITE_INTEGER: {
    sqlite3_int64 x = sqlite3_value_int64(a);
    if (x < 0) return is_lo ? -1 : 0;   /* ids are positive: all of them, or none */
    *v = (uint64_t)x;
    return 1;
  }
  case SQLITE_FLOAT: {
    double d = sqlite3_value_double(a);
    if (isnan(d)) return 0;
    if (d < 0) return is_lo ? -1 : 0;
    if (d >= 9.2e18) return is_lo ? 0 : -1;
    *v = (uint64_t)(is_lo ? ceil(d) : floor(d));
    return 1;
  }
  case SQLITE_NULL: return 0;
  default: return is_lo ? 0 : -1;       /* text and blobs sort after every number */
  }
}

static int ix_filter(sqlite3_vtab_cursor *cur, int plan, const char *idxstr, int argc,
                     sqlite3_value **argv) {
  (void)idxstr;
  (void)argc;
  ix_cursor *c = (ix_cursor *)cur;
  ix_vtab *t = (ix_vtab *)cur->pVtab;
  int rc = ensure(t);
  if (rc != SQLITE_OK) return rc;
  size_t size = row_size(t->rel);
  c->cached = t->s->cache[t->rel] != NULL;
  c->single = 0;
  c->has_hi = 0;
  c->n = c->i = 0;
  c->rows = NULL;
  uint64_t lo = 0, id = 0;
  int arg = 0;
  if (plan & IX_EQ) {
    if (bound_of(argv[arg++], 0, &id) != 1 ||
        (sqlite3_value_numeric_type(argv[0]) == SQLITE_FLOAT &&
         sqlite3_value_double(argv[0]) != (double)id))
      return SQLITE_OK;             /* no row */
    c->single = 1;
    lo = id;
    c->has_hi = 1;
    c->hi = id;
  }
  if (plan & IX_LO) {
    int b = bound_of(argv[arg++], 1, &lo);
    if (b == 0) return SQLITE_OK;
    if (b < 0) lo = 0;
  }
  if (plan & IX_HI) {
    int b = bound_of(argv[arg++], 0, &c->hi);
    if (b == 0) return SQLITE_OK;
    c->has_hi = b > 0;
  }
  if (c->cached) {
    size_t k = trc_index_cache_find(t->s->cache[t->rel], lo);
    if (k >= trc_index_cache_nblocks(t->s->cache[t->rel])) return SQLITE_OK;
    rc = load_block(c, t, k);
    if (rc != SQLITE_OK) return rc;
  } else {
    const void *rows;
    size_t n;
    if (t->rel == TRC_REL_OBJECTS) rows = trc_index_objects(t->s->built[t->rel], &n);
    else rows = trc_index_frames(t->s->built[t->rel], &n);
    c->rows = rows;
    c->n = n;
  }
  c->i = lo ? lower_bound(c->rows, c->n, size, lo) : 0;
  return settle(c, t);
}

static int ix_next(sqlite3_vtab_cursor *cur) {
  ix_cursor *c = (ix_cursor *)cur;
  c->i++;
  return settle(c, (ix_vtab *)cur->pVtab);
}

static int ix_eof(sqlite3_vtab_cursor *cur) {
  ix_cursor *c = (ix_cursor *)cur;
  if (c->i >= c->n) return 1;
  return c->has_hi && row_id(c->rows + c->i * row_size(((ix_vtab *)cur->pVtab)->rel)) > c->hi;
}

static void result_u64(sqlite3_context *ctx, uint64_t v) { sqlite3_result_int64(ctx, (sqlite3_int64)v); }

static void result_ref(sqlite3_context *ctx, uint64_t v) {   /* 0: NULL */
  if (v) sqlite3_result_int64(ctx, (sqlite3_int64)v);
  else sqlite3_result_null(ctx);
}

static void obj_column(const trc_obj_row *r, sqlite3_context *ctx, int col) {
  int freed = (r->flags & TRC_OBJ_FREED) != 0;
  switch (col) {
  case 0: result_u64(ctx, r->id); break;
  case 1: result_u64(ctx, r->address); break;
  case 2: result_ref(ctx, r->type); break;
  case 3: result_u64(ctx, r->size); break;
  case 4: result_u64(ctx, r->alloc_seq); break;
  case 5: result_u64(ctx, r->alloc_step); break;
  case 6: if (freed) result_u64(ctx, r->free_seq); break;
  case 7: if (freed) result_u64(ctx, r->free_step); break;
  case 8: sqlite3_result_int(ctx, (r->flags & TRC_OBJ_FREE_GC) != 0); break;
  case 9: sqlite3_result_int(ctx, (r->flags & TRC_OBJ_PREEXISTING) != 0); break;
  default: break;
  }
}

static void frame_column(const trc_frame_row *r, sqlite3_context *ctx, int col) {
  switch (col) {
  case 0: result_u64(ctx, r->id); break;
  case 1: result_ref(ctx, r->location); break;
  case 2: result_ref(ctx, r->parent); break;
  case 3: result_u64(ctx, r->thread); break;
  case 4: result_u64(ctx, r->call_seq); break;
  case 5: result_u64(ctx, r->call_step); break;
  case 6: if (r->returned) result_u64(ctx, r->return_seq); break;
  case 7: if (r->returned) result_u64(ctx, r->return_step); break;
  default: break;
  }
}

static int ix_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col) {
  ix_cursor *c = (ix_cursor *)cur;
  int rel = ((ix_vtab *)cur->pVtab)->rel;
  const char *row = c->rows + c->i * row_size(rel);
  if (rel == TRC_REL_OBJECTS) obj_column((const trc_obj_row *)row, ctx, col);
  else frame_column((const trc_frame_row *)row, ctx, col);
  return SQLITE_OK;
}

static int ix_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid) {
  ix_cursor *c = (ix_cursor *)cur;
  *rowid = (sqlite3_int64)row_id(c->rows + c->i * row_size(((ix_vtab *)cur->pVtab)->rel));
  return SQLITE_OK;
}

#define IX_MODULE(connect)                                                               \
  {                                                                                      \
    .iVersion = 0, .xCreate = NULL, .xConnect = connect, .xBestIndex = ix_best_index,    \
    .xDisconnect = ix_disconnect, .xDestroy = NULL, .xOpen = ix_open, .xClose = ix_close, \
    .xFilter = ix_filter, .xNext = ix_next, .xEof = ix_eof, .xColumn = ix_column,        \
    .xRowid = ix_rowid,                                                                  \
  }

/* xCreate NULL: eponymous only, never CREATE VIRTUAL TABLE'd into a file. */
static const sqlite3_module obj_module = IX_MODULE(obj_connect);
static const sqlite3_module frame_module = IX_MODULE(frame_connect);

static void state_release(void *p) {
  trc_index_state *s = p;
  if (--s->refs > 0) return;
  for (int r = 0; r < 2; r++) {
    trc_index_free(s->built[r]);
    trc_index_cache_free(s->cache[r]);
  }
  hr_free(s);
}

int trc_index_register(sqlite3 *db, trc_index_state **state) {
  if (state) *state = NULL;
  trc_index_state *s = hr_calloc(1, sizeof *s);
  if (!s) return SQLITE_NOMEM;
  s->db = db;
  /* create_module_v2 calls the destructor even when it fails. */
  s->refs = 2;
  int rc = sqlite3_create_module_v2(db, "objects", &obj_module, s, state_release);
  int rc2 = sqlite3_create_module_v2(db, "frames", &frame_module, s, state_release);
  if (rc == SQLITE_OK) rc = rc2;
  if (rc == SQLITE_OK && state) *state = s;
  return rc;
}

const trc_index *trc_index_state_built(const trc_index_state *s, int rel) {
  return s ? s->built[rel] : NULL;
}

const char *trc_index_state_ignored(const trc_index_state *s, int rel) {
  return s ? s->ignored[rel] : "";
}

void trc_index_state_on_ignored(trc_index_state *s,
                                void (*fn)(void *ctx, int rel, const char *why), void *ctx) {
  if (!s) return;
  s->on_ignored = fn;
  s->on_ignored_ctx = ctx;
}
