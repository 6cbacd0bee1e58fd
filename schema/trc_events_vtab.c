/* trc_events_vtab.c — the eponymous `events` virtual table: one row per event, chunks decoded on demand. */
#include "trc_events_vtab.h"

#include <stdio.h>

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "hr_mem.h"
#include "hr_status.h"
#include "trc_event.h"
#include "trc_scan.h"

/* Column numbers, in the order of events_schema. */
enum {
  EV_SEQ, EV_STEP, EV_KIND, EV_FRAME, EV_LOCATION, EV_OPCODE, EV_PARENT,
  EV_THREAD, EV_OBJECT, EV_HOLDER, EV_SLOT_KIND, EV_SLOT_ARG, EV_SLOT, EV_TYPE,
  EV_SIZE, EV_ADDRESS, EV_REFCOUNT, EV_FLAGS, EV_GENERATION, EV_PHASE,
  EV_COLLECTED, EV_LABEL, EV_EXC_TYPE, EV_MESSAGE, EV_BYTES, EV_PEAK_BYTES, EV_VALUE,
  EV_STACK, EV_NCOLUMNS
};

/* Columns carry no declared type on purpose: with no affinity, SQLite hands
** xFilter the constraint value exactly as written, and compares `seq < 'x'`
** by storage class as it would for any untyped column. */
static const char events_schema[] =
  "CREATE TABLE x(seq, step, kind, frame, location, opcode, parent, thread,"
  " object, holder, slot_kind, slot_arg, slot, type, size, address, refcount,"
  " flags, generation, phase, collected, label, exc_type, message, bytes, peak_bytes,"
  " value, stack)";

#define NO_COL (-1)

/* Where fields a..d of each kind appear (trc_event.h gives their meaning). */
static const signed char kind_columns[TRC_EV_KIND_MAX + 1][4] = {
  [TRC_EV_STEP] = {EV_FRAME, EV_LOCATION, EV_OPCODE, NO_COL},
  [TRC_EV_CALL] = {EV_FRAME, EV_LOCATION, EV_PARENT, EV_THREAD},
  [TRC_EV_RETURN] = {EV_FRAME, EV_OBJECT, NO_COL, NO_COL},
  [TRC_EV_BIND] = {EV_HOLDER, EV_SLOT_KIND, EV_SLOT_ARG, EV_OBJECT},
  [TRC_EV_UNBIND] = {EV_HOLDER, EV_SLOT_KIND, EV_SLOT_ARG, EV_OBJECT},
  [TRC_EV_ALLOC] = {EV_OBJECT, EV_TYPE, EV_SIZE, EV_ADDRESS},
  [TRC_EV_INCREF] = {EV_OBJECT, EV_REFCOUNT, NO_COL, NO_COL},
  [TRC_EV_DECREF] = {EV_OBJECT, EV_REFCOUNT, NO_COL, NO_COL},
  [TRC_EV_FREE] = {EV_OBJECT, EV_FLAGS, NO_COL, NO_COL},
  [TRC_EV_GC] = {EV_GENERATION, EV_PHASE, EV_COLLECTED, NO_COL},
  [TRC_EV_MARK] = {EV_LABEL, NO_COL, NO_COL, NO_COL},
  [TRC_EV_EXCEPTION] = {EV_EXC_TYPE, EV_MESSAGE, EV_FLAGS, EV_OBJECT},
  [TRC_EV_MEM] = {EV_BYTES, EV_PEAK_BYTES, NO_COL, NO_COL},
  [TRC_EV_TRACK] = {EV_OBJECT, EV_TYPE, EV_SIZE, EV_ADDRESS},
  [TRC_EV_RESIZE] = {EV_OBJECT, EV_SIZE, NO_COL, NO_COL},
  [TRC_EV_VALUE] = {EV_OBJECT, EV_VALUE, NO_COL, NO_COL},
  [TRC_EV_SITE] = {EV_STACK, NO_COL, NO_COL, NO_COL},
  [TRC_EV_INTVALUE] = {EV_OBJECT, EV_VALUE, NO_COL, NO_COL},
};

/* idxNum bits chosen by events_best_index and read by events_filter. The
** arguments arrive in this order: seq bound(s), then step bound(s).
**
**   0x001  seq lower bound (seq >= x, or seq > x with 0x010)
**   0x002  seq upper bound (seq <= x, or seq < x with 0x020)
**   0x004  step lower bound (0x040: exclusive)
**   0x008  step upper bound (0x080: exclusive)
**   0x100  seq = x: one argument is both bounds (0x001, 0x002 clear)
**   0x200  step = x
**   0x400  the planner relies on output in seq order (always true)
*/
#define IDX_SEQ_LO 0x001
#define IDX_SEQ_HI 0x002
#define IDX_STEP_LO 0x004
#define IDX_STEP_HI 0x008
#define IDX_SEQ_LO_X 0x010
#define IDX_SEQ_HI_X 0x020
#define IDX_STEP_LO_X 0x040
#define IDX_STEP_HI_X 0x080
#define IDX_SEQ_EQ 0x100
#define IDX_STEP_EQ 0x200
#define IDX_ORDERED 0x400

#define STRING_CACHE 64   /* direct-mapped: names repeat heavily in a range */

typedef struct events_vtab {
  sqlite3_vtab base;       /* must be first */
  sqlite3 *db;             /* borrowed: the connection the table lives on */
} events_vtab;

typedef struct events_cursor {
  sqlite3_vtab_cursor base;  /* must be first */
  trc_scan *scan;            /* owned; NULL for an empty result */
  trc_event ev;              /* the current row */
  int eof;
  int by;                    /* enum trc_scan_by the scan runs on */
  uint64_t seq_lo, seq_hi, step_lo, step_hi;
  sqlite3_stmt *string_stmt; /* prepared on first use */
  struct {
    uint64_t id;             /* 0: empty */
    char *text;              /* owned */
  } cache[STRING_CACHE];
} events_cursor;

/* ---- strings ------------------------------------------------------------- */

/* Interned string by id (borrowed from the cursor's cache) or NULL when the
** id is unknown or the lookup failed. */
static const char *cursor_string(events_cursor *c, uint64_t id) {
  if (id == 0) return NULL;
  unsigned h = (unsigned)(id * 0x9E3779B97F4A7C15ull >> 58) % STRING_CACHE;
  if (c->cache[h].id == id) return c->cache[h].text;
  sqlite3 *db = ((events_vtab *)c->base.pVtab)->db;
  if (!c->string_stmt &&
      sqlite3_prepare_v2(db, "SELECT text FROM strings WHERE id = ?1", -1,
                         &c->string_stmt, NULL) != SQLITE_OK)
    return NULL;
  char *text = NULL;
  sqlite3_bind_int64(c->string_stmt, 1, id > (uint64_t)INT64_MAX ? -1 : (sqlite3_int64)id);
  if (sqlite3_step(c->string_stmt) == SQLITE_ROW) {
    const unsigned char *t = sqlite3_column_text(c->string_stmt, 0);
    if (t) text = hr_strndup((const char *)t, (size_t)sqlite3_column_bytes(c->string_stmt, 0));
  }
  sqlite3_reset(c->string_stmt);
  if (!text) return NULL;
  hr_free(c->cache[h].text);
  c->cache[h].id = id;
  c->cache[h].text = text;
  return text;
}

/* The slot of a bind or unbind as people write it: `local 'x'`, `item[3]`,
** `value[17]` (the key's object id); NULL when a name cannot be found. */
static char *slot_text(events_cursor *c, uint64_t slot, uint64_t arg) {
  const char *kind = trc_slot_name((int)(slot <= TRC_SLOT_MAX ? slot : 0));
  if (!kind) return NULL;
  switch (slot) {
  case TRC_SLOT_LOCAL:
  case TRC_SLOT_GLOBAL:
  case TRC_SLOT_CELL:
  case TRC_SLOT_ATTR: {
    const char *name = cursor_string(c, arg);
    return name ? sqlite3_mprintf("%s '%s'", kind, name) : NULL;
  }
  case TRC_SLOT_ITEM:
  case TRC_SLOT_KEY:
  case TRC_SLOT_VALUE:
  case TRC_SLOT_CLOSURE:
    return sqlite3_mprintf("%s[%llu]", kind, (unsigned long long)arg);
  case TRC_SLOT_ELEMENT:
    return sqlite3_mprintf("element");
  case TRC_SLOT_CONTENTS:
    return sqlite3_mprintf("cell");
  case TRC_SLOT_OTHER: {
    const char *label = cursor_string(c, arg);
    return label ? sqlite3_mprintf("%s", label) : NULL;
  }
  default:
    return NULL;
  }
}

/* ---- connect and plan ----------------------------------------------------- */

static int events_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                          sqlite3_vtab **out, char **err) {
  int rc = sqlite3_declare_vtab(db, events_schema);
  if (rc != SQLITE_OK) return rc;
  events_vtab *t = sqlite3_malloc(sizeof *t);
  if (!t) return SQLITE_NOMEM;
  memset(t, 0, sizeof *t);
  t->db = db;
  /* Reading the trace has no side effects, so views and triggers of the
  ** user's own (trusted) schema may use it. */
  sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
  *out = &t->base;
  return SQLITE_OK;
}

static int events_disconnect(sqlite3_vtab *vtab) {
  sqlite3_free(vtab);
  return SQLITE_OK;
}

/* Bits for a constraint on seq (col_shift 0) or step (col_shift 2). */
static int bound_bits(int op, int col_shift, int *is_eq) {
  *is_eq = 0;
  switch (op) {
  case SQLITE_INDEX_CONSTRAINT_EQ: *is_eq = 1; return col_shift ? IDX_STEP_EQ : IDX_SEQ_EQ;
  case SQLITE_INDEX_CONSTRAINT_GE: return IDX_SEQ_LO << col_shift;
  case SQLITE_INDEX_CONSTRAINT_GT: return (IDX_SEQ_LO | IDX_SEQ_LO_X) << col_shift;
  case SQLITE_INDEX_CONSTRAINT_LE: return IDX_SEQ_HI << col_shift;
  case SQLITE_INDEX_CONSTRAINT_LT: return (IDX_SEQ_HI | IDX_SEQ_HI_X) << col_shift;
  default: return 0;
  }
}

/* Pick at most one lower and one upper bound (or one equality) per column,
** hand them to xFilter in the order the idxNum bits list, and estimate what
** reading only the chunks they select costs. Every used constraint is
** omitted: events_filter applies it exactly, whatever the value's type. */
static int events_best_index(sqlite3_vtab *vtab, sqlite3_index_info *info) {
  int use[4] = {-1, -1, -1, -1};   /* seq lo/eq, seq hi, step lo/eq, step hi */
  int idx = 0;
  for (int i = 0; i < info->nConstraint; i++) {
    const struct sqlite3_index_constraint *k = &info->aConstraint[i];
    if (!k->usable || (k->iColumn != EV_SEQ && k->iColumn != EV_STEP)) continue;
    int shift = k->iColumn == EV_STEP ? 2 : 0;
    int base = k->iColumn == EV_STEP ? 2 : 0;
    int is_eq;
    int bits = bound_bits(k->op, shift, &is_eq);
    if (!bits) continue;
    int eq_bit = shift ? IDX_STEP_EQ : IDX_SEQ_EQ;
    if (idx & eq_bit) continue;                  /* an equality already pins it */
    if (is_eq) {
      /* An equality beats any range found so far on the same column. */
      idx &= ~((IDX_SEQ_LO | IDX_SEQ_HI | IDX_SEQ_LO_X | IDX_SEQ_HI_X) << shift);
      use[base] = i;
      use[base + 1] = -1;
      idx |= bits;
    } else if (bits & (IDX_SEQ_LO << shift)) {
      if (use[base] >= 0) continue;
      use[base] = i;
      idx |= bits;
    } else {
      if (use[base + 1] >= 0) continue;
      use[base + 1] = i;
      idx |= bits;
    }
  }
  int argc = 0;
  for (int j = 0; j < 4; j++) {
    if (use[j] < 0) continue;
    info->aConstraintUsage[use[j]].argvIndex = ++argc;
    info->aConstraintUsage[use[j]].omit = 1;
  }
  /* Rows: a whole trace is taken to hold a million events; a closed range a
  ** thousand; one step a handful. Cost adds a decoded chunk's worth of work. */
  double rows = 1e6;
  int seq_closed = (idx & IDX_SEQ_EQ) || (idx & (IDX_SEQ_LO | IDX_SEQ_HI)) == (IDX_SEQ_LO | IDX_SEQ_HI);
  int step_closed = (idx & IDX_STEP_EQ) ||
                    (idx & (IDX_STEP_LO | IDX_STEP_HI)) == (IDX_STEP_LO | IDX_STEP_HI);
  if (idx & IDX_SEQ_EQ) rows = 1;
  else if (idx & IDX_STEP_EQ) rows = 10;
  else if (seq_closed || step_closed) rows = 1000;
  else if (idx & (IDX_SEQ_LO | IDX_SEQ_HI | IDX_STEP_LO | IDX_STEP_HI)) rows = 5e5;
  info->estimatedRows = (sqlite3_int64)rows;
  info->estimatedCost = rows + 100.0;
  if (idx & IDX_SEQ_EQ) info->idxFlags |= SQLITE_INDEX_SCAN_UNIQUE;
  /* Rows come in seq order; seq is unique, so later ORDER BY terms never
  ** matter once seq (or the rowid, which is seq) leads ascending. */
  if (info->nOrderBy >= 1 && !info->aOrderBy[0].desc &&
      (info->aOrderBy[0].iColumn == EV_SEQ || info->aOrderBy[0].iColumn == -1)) {
    info->orderByConsumed = 1;
    idx |= IDX_ORDERED;
  }
  info->idxNum = idx;
  return SQLITE_OK;
}

/* ---- cursor ---------------------------------------------------------------- */

static int events_open(sqlite3_vtab *vtab, sqlite3_vtab_cursor **out) {
  events_cursor *c = hr_calloc(1, sizeof *c);
  if (!c) return SQLITE_NOMEM;
  c->eof = 1;
  *out = &c->base;
  return SQLITE_OK;
}

static int events_close(sqlite3_vtab_cursor *cur) {
  events_cursor *c = (events_cursor *)cur;
  trc_scan_free(c->scan);
  sqlite3_finalize(c->string_stmt);
  for (int i = 0; i < STRING_CACHE; i++) hr_free(c->cache[i].text);
  hr_free(c);
  return SQLITE_OK;
}

static int cursor_error(events_cursor *c, const char *msg) {
  sqlite3_vtab *t = c->base.pVtab;
  sqlite3_free(t->zErrMsg);
  t->zErrMsg = sqlite3_mprintf("%s", msg);
  c->eof = 1;
  return SQLITE_ERROR;
}

/* What a constraint value does to an unsigned range: BOUND_SET with *out the
** inclusive bound, BOUND_NONE when it excludes nothing, BOUND_EMPTY when it
** excludes everything (NULL, or a text/blob, which sorts above every number). */
enum { BOUND_SET, BOUND_NONE, BOUND_EMPTY };

static int lower_bound(sqlite3_value *v, int exclusive, uint64_t *out) {
  switch (sqlite3_value_type(v)) {
  case SQLITE_INTEGER: {
    sqlite3_int64 x = sqlite3_value_int64(v);
    if (x < 0) return BOUND_NONE;
    if (exclusive && x == INT64_MAX) return BOUND_EMPTY;
    *out = (uint64_t)x + (exclusive ? 1 : 0);
    return BOUND_SET;
  }
  case SQLITE_FLOAT: {
    double x = sqlite3_value_double(v);
    if (isnan(x)) return BOUND_EMPTY;
    if (x < 0) return BOUND_NONE;
    if (x >= 9.2e18) return BOUND_EMPTY;
    double f = exclusive ? floor(x) + 1 : ceil(x);
    *out = (uint64_t)f;
    return BOUND_SET;
  }
  default:
    return BOUND_EMPTY;
  }
}

static int upper_bound(sqlite3_value *v, int exclusive, uint64_t *out) {
  switch (sqlite3_value_type(v)) {
  case SQLITE_INTEGER: {
    sqlite3_int64 x = sqlite3_value_int64(v);
    if (x < 0 || (exclusive && x == 0)) return BOUND_EMPTY;
    *out = (uint64_t)x - (exclusive ? 1 : 0);
    return BOUND_SET;
  }
  case SQLITE_FLOAT: {
    double x = sqlite3_value_double(v);
    if (isnan(x) || x < 0) return BOUND_EMPTY;
    if (x >= 9.2e18) return BOUND_NONE;
    double f = exclusive ? ceil(x) - 1 : floor(x);
    if (f < 0) return BOUND_EMPTY;
    *out = (uint64_t)f;
    return BOUND_SET;
  }
  case SQLITE_NULL:
    return BOUND_EMPTY;
  default:
    return BOUND_NONE;          /* every number sorts below text and blobs */
  }
}

static int equal_bound(sqlite3_value *v, uint64_t *out) {
  switch (sqlite3_value_type(v)) {
  case SQLITE_INTEGER: {
    sqlite3_int64 x = sqlite3_value_int64(v);
    if (x < 0) return BOUND_EMPTY;
    *out = (uint64_t)x;
    return BOUND_SET;
  }
  case SQLITE_FLOAT: {
    double x = sqlite3_value_double(v);
    if (!(x >= 0) || x >= 9.2e18 || floor(x) != x) return BOUND_EMPTY;
    *out = (uint64_t)x;
    return BOUND_SET;
  }
  default:
    return BOUND_EMPTY;
  }
}

/* Read the bounds of one column (seq or step) from argv into lo/hi. Returns
** 0, or 1 when the constraints exclude every row. */
static int read_bounds(int idx, int shift, sqlite3_value **argv, int *argi,
                       uint64_t *lo, uint64_t *hi) {
  int empty = 0, r;
  uint64_t x = 0;
  if (idx & (shift ? IDX_STEP_EQ : IDX_SEQ_EQ)) {
    r = equal_bound(argv[(*argi)++], &x);
    if (r == BOUND_EMPTY) return 1;
    *lo = *hi = x;
    return 0;
  }
  if (idx & (IDX_SEQ_LO << shift)) {
    r = lower_bound(argv[(*argi)++], (idx & (IDX_SEQ_LO_X << shift)) != 0, &x);
    if (r == BOUND_EMPTY) empty = 1;
    else if (r == BOUND_SET && x > *lo) *lo = x;
  }
  if (idx & (IDX_SEQ_HI << shift)) {
    r = upper_bound(argv[(*argi)++], (idx & (IDX_SEQ_HI_X << shift)) != 0, &x);
    if (r == BOUND_EMPTY) empty = 1;
    else if (r == BOUND_SET && x < *hi) *hi = x;
  }
  return empty;
}

static int cursor_advance(events_cursor *c) {
  for (;;) {
    int r = trc_scan_next(c->scan, &c->ev);
    if (r < 0) return cursor_error(c, trc_scan_errmsg(c->scan));
    if (r == 0) {
      c->eof = 1;
      return SQLITE_OK;
    }
    const trc_event *e = &c->ev;
    if (e->seq > c->seq_hi) {       /* seq only grows: nothing later matches */
      c->eof = 1;
      return SQLITE_OK;
    }
    if (e->seq >= c->seq_lo && e->step >= c->step_lo && e->step <= c->step_hi) return SQLITE_OK;
  }
}

static int events_filter(sqlite3_vtab_cursor *cur, int idx, const char *idx_str,
                         int argc, sqlite3_value **argv) {
  events_cursor *c = (events_cursor *)cur;
  trc_scan_free(c->scan);
  c->scan = NULL;
  c->eof = 1;
  c->seq_lo = c->step_lo = 0;
  c->seq_hi = c->step_hi = UINT64_MAX;
  int argi = 0;
  if (read_bounds(idx, 0, argv, &argi, &c->seq_lo, &c->seq_hi)) return SQLITE_OK;
  if (read_bounds(idx, 2, argv, &argi, &c->step_lo, &c->step_hi)) return SQLITE_OK;
  if (c->seq_lo > c->seq_hi || c->step_lo > c->step_hi) return SQLITE_OK;
  /* Scan on step only when its range is the narrower kind: closed while
  ** seq's is open, or the only one given. Seq wins a tie because its chunks
  ** are found by one index seek. */
  int seq_any = c->seq_lo > 0 || c->seq_hi < UINT64_MAX;
  int seq_both = c->seq_lo > 0 && c->seq_hi < UINT64_MAX;
  int step_any = c->step_lo > 0 || c->step_hi < UINT64_MAX;
  int step_both = c->step_lo > 0 && c->step_hi < UINT64_MAX;
  c->by = step_any && (!seq_any || (step_both && !seq_both)) ? TRC_SCAN_STEP : TRC_SCAN_SEQ;
  uint64_t lo = c->by == TRC_SCAN_SEQ ? c->seq_lo : c->step_lo;
  uint64_t hi = c->by == TRC_SCAN_SEQ ? c->seq_hi : c->step_hi;
  char *err = NULL;
  int st = trc_scan_open(((events_vtab *)cur->pVtab)->db, c->by, lo, hi, &c->scan, &err);
  if (st != HR_OK) {
    int rc = cursor_error(c, err ? err : hr_status_str(st));
    hr_free(err);
    return st == HR_ENOMEM ? SQLITE_NOMEM : rc;
  }
  c->eof = 0;
  return cursor_advance(c);
}

static int events_next(sqlite3_vtab_cursor *cur) {
  return cursor_advance((events_cursor *)cur);
}

static int events_eof(sqlite3_vtab_cursor *cur) {
  return ((events_cursor *)cur)->eof;
}

static void result_u64(sqlite3_context *ctx, uint64_t v) {
  sqlite3_result_int64(ctx, (sqlite3_int64)v);
}

static void result_string(sqlite3_context *ctx, events_cursor *c, uint64_t id) {
  const char *s = cursor_string(c, id);
  if (s) sqlite3_result_text(ctx, s, -1, SQLITE_TRANSIENT);
  else sqlite3_result_null(ctx);
}

static int events_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col) {
  events_cursor *c = (events_cursor *)cur;
  const trc_event *e = &c->ev;
  int kind = e->kind <= TRC_EV_KIND_MAX ? e->kind : 0;
  switch (col) {
  case EV_SEQ: result_u64(ctx, e->seq); return SQLITE_OK;
  case EV_STEP: result_u64(ctx, e->step); return SQLITE_OK;
  case EV_KIND: {
    const char *name = trc_kind_name(kind);
    if (name) sqlite3_result_text(ctx, name, -1, SQLITE_STATIC);
    return SQLITE_OK;
  }
  case EV_SLOT:
    if (kind == TRC_EV_BIND || kind == TRC_EV_UNBIND) {
      char *s = slot_text(c, e->f[1], e->f[2]);
      if (s) sqlite3_result_text(ctx, s, -1, sqlite3_free);
    }
    return SQLITE_OK;
  default:
    break;
  }
  int f = 0;
  while (f < 4 && (kind == 0 || kind_columns[kind][f] != col)) f++;
  if (f == 4) return SQLITE_OK;                      /* NULL: the kind lacks it */
  uint64_t v = e->f[f];
  switch (col) {
  case EV_SLOT_KIND: {
    const char *name = trc_slot_name((int)(v <= TRC_SLOT_MAX ? v : 0));
    if (name) sqlite3_result_text(ctx, name, -1, SQLITE_STATIC);
    break;
  }
  case EV_VALUE:
    if (kind == TRC_EV_INTVALUE) {   /* the same text a value event would hold */
      char buf[24];
      snprintf(buf, sizeof buf, "%lld", (long long)(int64_t)v);
      sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
    } else {
      result_string(ctx, c, v);
    }
    break;
  case EV_LABEL:
  case EV_EXC_TYPE:
  case EV_MESSAGE:
    result_string(ctx, c, v);
    break;
  case EV_PARENT:                  /* 0: an outermost frame */
    if (v) result_u64(ctx, v);
    break;
  case EV_OBJECT:                  /* 0 on a return: no object returned */
    if (v || kind != TRC_EV_RETURN) result_u64(ctx, v);
    break;
  default:
    result_u64(ctx, v);
    break;
  }
  return SQLITE_OK;
}

static int events_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid) {
  *rowid = (sqlite3_int64)((events_cursor *)cur)->ev.seq;
  return SQLITE_OK;
}

static sqlite3_module events_module = {
  0,                    /* iVersion */
  0,                    /* xCreate: none, so the table is eponymous only */
  events_connect,       /* xConnect */
  events_best_index,    /* xBestIndex */
  events_disconnect,    /* xDisconnect */
  0,                    /* xDestroy */
  events_open,          /* xOpen - open a cursor */
  events_close,         /* xClose - close a cursor */
  events_filter,        /* xFilter - start a scan of a seq/step range */
  events_next,          /* xNext - advance a cursor */
  events_eof,           /* xEof - check for end of scan */
  events_column,        /* xColumn - read data */
  events_rowid,         /* xRowid - the event's seq */
  0,                    /* xUpdate: read-only */
  0,                    /* xBegin */
  0,                    /* xSync */
  0,                    /* xCommit */
  0,                    /* xRollback */
  0,                    /* xFindFunction */
  0,                    /* xRename */
  0,                    /* xSavepoint */
  0,                    /* xRelease */
  0,                    /* xRollbackTo */
  0,                    /* xShadowName */
};

int trc_events_register(sqlite3 *db) {
  return sqlite3_create_module(db, "events", &events_module, NULL);
}
