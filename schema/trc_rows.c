/* trc_rows.c — bulk rows: an eponymous virtual table over an array of integer rows. */
#include "trc_rows.h"

#include <string.h>

#include "hr_mem.h"

typedef struct rows_vtab {
  sqlite3_vtab base;       /* first, as SQLite expects */
  trc_rows *rows;          /* borrowed from the module's client data */
} rows_vtab;

typedef struct rows_cursor {
  sqlite3_vtab_cursor base;
  size_t i;                /* the row the cursor is on */
} rows_cursor;

static int rows_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                        sqlite3_vtab **out, char **err) {
  (void)argc;
  (void)argv;
  (void)err;
  int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(c0, c1, c2, c3, c4, c5, c6, c7, c8, c9)");
  if (rc != SQLITE_OK) return rc;
  rows_vtab *t = sqlite3_malloc(sizeof *t);
  if (!t) return SQLITE_NOMEM;
  memset(t, 0, sizeof *t);
  t->rows = aux;
  *out = &t->base;
  return SQLITE_OK;
}

static int rows_disconnect(sqlite3_vtab *vt) {
  sqlite3_free(vt);
  return SQLITE_OK;
}

/* Only full scans: the statements that read it walk every row once. */
static int rows_best_index(sqlite3_vtab *vt, sqlite3_index_info *info) {
  size_t n = ((rows_vtab *)vt)->rows->n;
  info->estimatedCost = (double)n + 1;
  info->estimatedRows = (sqlite3_int64)n + 1;
  return SQLITE_OK;
}

static int rows_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out) {
  (void)vt;
  rows_cursor *c = sqlite3_malloc(sizeof *c);
  if (!c) return SQLITE_NOMEM;
  memset(c, 0, sizeof *c);
  *out = &c->base;
  return SQLITE_OK;
}

static int rows_close(sqlite3_vtab_cursor *cur) {
  sqlite3_free(cur);
  return SQLITE_OK;
}

static int rows_filter(sqlite3_vtab_cursor *cur, int idx, const char *idxstr, int argc,
                       sqlite3_value **argv) {
  (void)idx;
  (void)idxstr;
  (void)argc;
  (void)argv;
  ((rows_cursor *)cur)->i = 0;
  return SQLITE_OK;
}

static int rows_next(sqlite3_vtab_cursor *cur) {
  ((rows_cursor *)cur)->i++;
  return SQLITE_OK;
}

static int rows_eof(sqlite3_vtab_cursor *cur) {
  rows_cursor *c = (rows_cursor *)cur;
  return c->i >= ((rows_vtab *)cur->pVtab)->rows->n;
}

static int rows_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col) {
  rows_cursor *c = (rows_cursor *)cur;
  const trc_row *r = &((rows_vtab *)cur->pVtab)->rows->row[c->i];
  if (col < 0 || col >= TRC_ROWS_COLS || (r->nulls >> col) & 1) sqlite3_result_null(ctx);
  else sqlite3_result_int64(ctx, r->v[col]);
  return SQLITE_OK;
}

static int rows_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid) {
  *rowid = (sqlite3_int64)((rows_cursor *)cur)->i;
  return SQLITE_OK;
}

static const sqlite3_module rows_module = {
  .iVersion = 0,
  .xCreate = NULL,         /* eponymous only: never CREATE VIRTUAL TABLE'd into the file */
  .xConnect = rows_connect,
  .xBestIndex = rows_best_index,
  .xDisconnect = rows_disconnect,
  .xDestroy = NULL,
  .xOpen = rows_open,
  .xClose = rows_close,
  .xFilter = rows_filter,
  .xNext = rows_next,
  .xEof = rows_eof,
  .xColumn = rows_column,
  .xRowid = rows_rowid,
};

int trc_rows_register(sqlite3 *db, const char *name, trc_rows *rows) {
  return sqlite3_create_module(db, name, &rows_module, rows);
}

trc_row *trc_rows_add(trc_rows *rows) {
  if (rows->n == rows->cap) {   /* the call only when full: every objects row comes here */
    trc_row *nr = hr_grow(rows->row, &rows->cap, rows->n + 1, sizeof *nr, 1024);
    if (!nr) return NULL;
    rows->row = nr;
  }
  trc_row *r = &rows->row[rows->n++];
  memset(r, 0, sizeof *r);
  return r;
}

void trc_rows_reset(trc_rows *rows) {
  hr_free(rows->row);
  rows->row = NULL;
  rows->n = rows->cap = 0;
}
