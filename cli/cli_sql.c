/* cli_sql.c — `heapreel sql`: run SQL on a trace, with the events, objects and frames tables. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_json.h"
#include "cli_out.h"
#include "hr_escape.h"
#include "hr_mem.h"
#include "hr_status.h"
#include "trc_reader.h"

static const char usage[] =
  "usage: heapreel sql [--json] <trace> <query>\n"
  "\n"
  "    --json    print {format, rows} as JSON, rows an array of objects keyed by column name\n"
  "\n"
  "<query> may hold several statements; the rows of the last one are printed.\n"
  "The events, objects and frames tables are made from the event stream. They\n"
  "and queries are read-only (other commands may keep keyframes and the objects\n"
  "index in the file). NULL prints as an empty cell (null in JSON), blobs as hex\n"
  "digits.\n";

/* Text output aligns columns to the widest cell among the first rows, then
** streams the rest with those widths: a query over millions of events must
** not be held in memory just to line it up. */
#define ALIGN_ROWS 1000

/* ---- text cells ------------------------------------------------------------ */

struct buf {
  char *p;
  size_t n, cap;
  int failed;
};

static void buf_put(struct buf *b, const char *s, size_t n) {
  if (b->failed) return;
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 32;
    while (cap < b->n + n + 1) cap *= 2;
    char *p = hr_realloc(b->p, cap);
    if (!p) {
      b->failed = 1;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = 0;
}

/* Text made safe for a terminal: control characters and bytes that are not
** UTF-8 become escapes, so a string from the traced program cannot move the
** cursor or break a line of the table. */
static void put_escaped(struct buf *b, const unsigned char *s, size_t n) {
  for (size_t i = 0; i < n;) {
    char esc[4];
    size_t used, k = hr_term_step(s + i, n - i, 0, esc, &used);
    if (k) buf_put(b, esc, k);
    else buf_put(b, (const char *)s + i, used);
    i += used;
  }
}

static void put_hex(struct buf *b, const unsigned char *p, size_t n) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    char two[2] = {digits[p[i] >> 4], digits[p[i] & 15]};
    buf_put(b, two, 2);
  }
}

/* A cell of the current row as text (owned), NULL as "". */
static char *cell_text(sqlite3_stmt *q, int i) {
  struct buf b = {0};
  buf_put(&b, "", 0);
  switch (sqlite3_column_type(q, i)) {
  case SQLITE_NULL:
    break;
  case SQLITE_BLOB:
    put_hex(&b, sqlite3_column_blob(q, i), (size_t)sqlite3_column_bytes(q, i));
    break;
  default: {
    const unsigned char *t = sqlite3_column_text(q, i);
    if (t) put_escaped(&b, t, (size_t)sqlite3_column_bytes(q, i));
    break;
  }
  }
  if (b.failed) {
    hr_free(b.p);
    return NULL;
  }
  return b.p;
}

/* Display width: code points, as escapes left only printable UTF-8. */
static size_t text_width(const char *s) {
  size_t w = 0;
  for (; *s; s++) w += ((unsigned char)*s & 0xc0) != 0x80;
  return w;
}

struct table {
  int ncol;
  size_t *width;
  int *numeric;          /* right-aligned: every value seen is a number */
  char **cells;          /* ALIGN_ROWS x ncol, owned */
  int nrows;
};

static void put_cell(struct buf *line, const char *s, size_t width, int right, int last) {
  size_t w = text_width(s);
  size_t pad = width > w ? width - w : 0;
  if (right) for (size_t k = 0; k < pad; k++) buf_put(line, " ", 1);
  buf_put(line, s, strlen(s));
  if (!right && !last) for (size_t k = 0; k < pad; k++) buf_put(line, " ", 1);
  if (!last) buf_put(line, "  ", 2);
}

/* Print a line without the blanks that padding left at its end. */
static void put_line(struct buf *line) {
  size_t n = line->p && !line->failed ? line->n : 0;
  while (n > 0 && line->p[n - 1] == ' ') n--;
  if (n) fwrite(line->p, 1, n, stdout);
  putchar('\n');
  line->n = 0;
  line->failed = 0;
}

static void print_row(const struct table *t, char *const *cells, struct buf *line) {
  for (int i = 0; i < t->ncol; i++)
    put_cell(line, cells[i], t->width[i], t->numeric[i], i == t->ncol - 1);
  put_line(line);
}

static void print_head(sqlite3_stmt *q, const struct table *t, struct buf *line) {
  for (int i = 0; i < t->ncol; i++) {
    struct buf b = {0};
    const char *name = sqlite3_column_name(q, i);
    put_escaped(&b, (const unsigned char *)(name ? name : ""), name ? strlen(name) : 0);
    put_cell(line, b.p ? b.p : "", t->width[i], t->numeric[i], i == t->ncol - 1);
    hr_free(b.p);
  }
  put_line(line);
  for (int i = 0; i < t->ncol; i++) {
    for (size_t k = 0; k < t->width[i]; k++) buf_put(line, "-", 1);
    if (i < t->ncol - 1) buf_put(line, "  ", 2);
  }
  put_line(line);
}

static void table_free(struct table *t) {
  if (t->cells)
    for (int i = 0; i < t->nrows * t->ncol; i++) hr_free(t->cells[i]);
  hr_free(t->cells);
  hr_free(t->width);
  hr_free(t->numeric);
}

/* Fill row r of the table from the statement; 0, or -1 out of memory. */
static int table_take(struct table *t, sqlite3_stmt *q, char **row) {
  for (int i = 0; i < t->ncol; i++) {
    row[i] = cell_text(q, i);
    if (!row[i]) return -1;
    int type = sqlite3_column_type(q, i);
    if (type != SQLITE_INTEGER && type != SQLITE_FLOAT && type != SQLITE_NULL) t->numeric[i] = 0;
    size_t w = text_width(row[i]);
    if (w > t->width[i]) t->width[i] = w;
  }
  return 0;
}

static int print_text(sqlite3 *db, sqlite3_stmt *q) {
  struct table t = {0};
  struct buf line = {0};
  t.ncol = sqlite3_column_count(q);
  int rc = SQLITE_ROW;
  if (t.ncol == 0) {
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {}
    goto done;
  }
  t.width = hr_calloc((size_t)t.ncol, sizeof *t.width);
  t.numeric = hr_calloc((size_t)t.ncol, sizeof *t.numeric);
  t.cells = hr_calloc((size_t)t.ncol * ALIGN_ROWS, sizeof *t.cells);
  if (!t.width || !t.numeric || !t.cells) goto oom;
  for (int i = 0; i < t.ncol; i++) {
    const char *name = sqlite3_column_name(q, i);
    t.width[i] = name ? text_width(name) : 0;
    t.numeric[i] = 1;
  }
  while (t.nrows < ALIGN_ROWS && (rc = sqlite3_step(q)) == SQLITE_ROW) {
    char **row = t.cells + (size_t)t.nrows * t.ncol;
    t.nrows++;
    if (table_take(&t, q, row) != 0) goto oom;
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) goto done;
  print_head(q, &t, &line);
  for (int r = 0; r < t.nrows; r++) print_row(&t, t.cells + (size_t)r * t.ncol, &line);
  if (rc == SQLITE_ROW) {
    char **row = hr_calloc((size_t)t.ncol, sizeof *row);
    if (!row) goto oom;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
      int bad = table_take(&t, q, row) != 0;
      if (!bad) print_row(&t, row, &line);
      for (int i = 0; i < t.ncol; i++) {
        hr_free(row[i]);
        row[i] = NULL;
      }
      if (bad) {
        hr_free(row);
        goto oom;
      }
    }
    hr_free(row);
  }
done:
  table_free(&t);
  hr_free(line.p);
  if (rc != SQLITE_DONE) {
    cli_error("cannot run query: %s", sqlite3_errmsg(db));
    return CLI_FAIL;
  }
  return CLI_OK;
oom:
  table_free(&t);
  hr_free(line.p);
  cli_error("cannot run query: %s", hr_status_str(HR_ENOMEM));
  return CLI_FAIL;
}

/* ---- JSON ------------------------------------------------------------------- */

static int print_json(sqlite3 *db, sqlite3_stmt *q) {
  cli_json j;
  cli_json_init(&j, stdout, 2);
  cli_json_begin_document(&j);
  cli_json_key(&j, "rows");
  cli_json_begin_array(&j);
  int ncol = sqlite3_column_count(q);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    cli_json_begin_object(&j);
    for (int i = 0; i < ncol; i++) {
      cli_json_key(&j, sqlite3_column_name(q, i));
      switch (sqlite3_column_type(q, i)) {
      case SQLITE_NULL: cli_json_null(&j); break;
      case SQLITE_INTEGER: cli_json_int(&j, sqlite3_column_int64(q, i)); break;
      case SQLITE_FLOAT: cli_json_double(&j, sqlite3_column_double(q, i)); break;
      case SQLITE_BLOB:
        cli_json_hex(&j, sqlite3_column_blob(q, i), (size_t)sqlite3_column_bytes(q, i));
        break;
      default:
        cli_json_string_n(&j, (const char *)sqlite3_column_text(q, i),
                          (size_t)sqlite3_column_bytes(q, i));
        break;
      }
    }
    cli_json_end_object(&j);
  }
  if (rc != SQLITE_DONE) {
    fflush(stdout);
    cli_error("cannot run query: %s", sqlite3_errmsg(db));
    return CLI_FAIL;
  }
  cli_json_end_array(&j);
  cli_json_end_object(&j);
  if (cli_json_finish(&j) != 0) {
    cli_error("cannot write output: %s", hr_status_str(HR_EIO));
    return CLI_FAIL;
  }
  return CLI_OK;
}

/* ---- read only ----------------------------------------------------------------- */

/* Pragmas that only read, with or without an argument (a table's name). */
static const char *const read_pragmas_arg[] = {
  "table_info", "table_xinfo", "index_info", "index_xinfo", "index_list", "foreign_key_list",
  "foreign_key_check", "integrity_check", "quick_check", "table_list", NULL};
/* Pragmas that read without an argument and set something with one. */
static const char *const read_pragmas[] = {
  "page_count", "page_size", "freelist_count", "user_version", "application_id",
  "schema_version", "data_version", "encoding", "journal_mode", "compile_options",
  "function_list", "module_list", "pragma_list", "collation_list", "database_list",
  "auto_vacuum", "max_page_count", NULL};

static int listed(const char *const *list, const char *name) {
  for (; *list; list++)
    if (sqlite3_stricmp(*list, name) == 0) return 1;
  return 0;
}

/* `sql` writes nothing whatever the query asks: no statement that writes
** (to the trace or to any other file: VACUUM INTO, ATTACH), no schema
** change, no pragma that sets anything. The connection is read-only
** already; this also stops what a read-only connection still allows. TEMP
** tables and views (kept in memory) stay, for queries in several steps. */
struct auth {
  int temp_write;        /* the statement being prepared writes TEMP objects */
};

static int is_temp(const char *db) { return db && sqlite3_stricmp(db, "temp") == 0; }

static int authorize(void *ctx, int action, const char *a, const char *b, const char *db,
                     const char *trigger) {
  struct auth *au = ctx;
  (void)trigger;
  switch (action) {
  case SQLITE_SELECT:
  case SQLITE_READ:
  case SQLITE_FUNCTION:
  case SQLITE_RECURSIVE:
  case SQLITE_TRANSACTION:
  case SQLITE_SAVEPOINT:
    return SQLITE_OK;
  case SQLITE_CREATE_TEMP_TABLE:
  case SQLITE_CREATE_TEMP_VIEW:
  case SQLITE_CREATE_TEMP_INDEX:
  case SQLITE_DROP_TEMP_TABLE:
  case SQLITE_DROP_TEMP_VIEW:
  case SQLITE_DROP_TEMP_INDEX:
    au->temp_write = 1;
    return SQLITE_OK;
  case SQLITE_INSERT:
  case SQLITE_DELETE:
    if (!is_temp(db)) return SQLITE_DENY;
    au->temp_write = 1;
    return SQLITE_OK;
  case SQLITE_UPDATE:
    if (is_temp(db)) {
      au->temp_write = 1;
      return SQLITE_OK;
    }
    /* SQLite asks this of itself when it first connects an eponymous virtual
    ** table (events, pragma_table_info); a statement that really updates the
    ** schema is refused before it runs (run_query), besides the connection
    ** being read-only and defensive. */
    return a && (sqlite3_stricmp(a, "sqlite_master") == 0 || sqlite3_stricmp(a, "sqlite_schema") == 0)
               ? SQLITE_OK : SQLITE_DENY;
  case SQLITE_PRAGMA:
    if (a && listed(read_pragmas_arg, a)) return SQLITE_OK;
    return a && !b && listed(read_pragmas, a) ? SQLITE_OK : SQLITE_DENY;
  default:
    return SQLITE_DENY;
  }
}

/* Whether the statement is a VACUUM: SQLite runs it with the authorizer
** off (VACUUM INTO attaches and writes its file unseen), and reports
** `VACUUM temp INTO 'f'` as read-only, so it is told by its first word. */
static int is_vacuum(sqlite3_stmt *q) {
  const char *s = sqlite3_sql(q);
  while (s && *s) {
    if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f' || *s == ';') s++;
    else if (s[0] == '-' && s[1] == '-') s += strcspn(s, "\n");
    else if (s[0] == '/' && s[1] == '*') {
      const char *e = strstr(s + 2, "*/");
      s = e ? e + 2 : s + strlen(s);
    } else {
      return sqlite3_strnicmp(s, "vacuum", 6) == 0 && !(isalnum((unsigned char)s[6]) || s[6] == '_');
    }
  }
  return 0;
}

static void query_error(sqlite3 *db) {
  if (sqlite3_errcode(db) == SQLITE_AUTH)
    cli_error("cannot run query: not authorized: sql reads the trace and writes nothing "
              "(TEMP tables excepted)");
  else
    cli_error("cannot run query: %s", sqlite3_errmsg(db));
}

/* ---- statements -------------------------------------------------------------- */

/* True when s holds nothing but blanks, semicolons and comments: the
** statement before it was the last one. */
static int only_blank(const char *s) {
  for (;;) {
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f' || *s == ';') s++;
    if (s[0] == '-' && s[1] == '-') {
      while (*s && *s != '\n') s++;
    } else if (s[0] == '/' && s[1] == '*') {
      const char *e = strstr(s + 2, "*/");
      if (!e) return 1;              /* an unterminated comment runs to the end */
      s = e + 2;
    } else {
      return *s == 0;
    }
  }
}

static int run_query(sqlite3 *db, struct auth *au, const char *sql, int json) {
  int ran = 0;
  while (sql && *sql) {
    sqlite3_stmt *q = NULL;
    const char *next = NULL;
    au->temp_write = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &q, &next) != SQLITE_OK) {
      query_error(db);
      return CLI_FAIL;
    }
    sql = next;
    if (!q) continue;                /* a comment or a stray semicolon */
    /* What the authorizer does not see (VACUUM, VACUUM INTO) still shows as
    ** a statement that writes, and one that wrote nothing but TEMP objects. */
    if (is_vacuum(q) || (!sqlite3_stmt_readonly(q) && !au->temp_write)) {
      cli_error("cannot run query: not authorized: sql reads the trace and writes nothing "
                "(TEMP tables excepted)");
      sqlite3_finalize(q);
      return CLI_FAIL;
    }
    ran = 1;
    int status = CLI_OK;
    if (only_blank(next)) {
      status = json ? print_json(db, q) : print_text(db, q);
    } else {
      int rc;
      while ((rc = sqlite3_step(q)) == SQLITE_ROW) {}
      if (rc != SQLITE_DONE) {
        query_error(db);
        status = CLI_FAIL;
      }
    }
    sqlite3_finalize(q);
    if (status != CLI_OK) return status;
  }
  if (!ran) {
    return cli_usage_error(usage, "query is empty");
  }
  return CLI_OK;
}

int cli_sql(int argc, char **argv) {
  if (cli_help_requested(argc, argv, usage)) return CLI_OK;
  static const hr_opt options[] = {{"json", 0, 0, 1, NULL}, {NULL, 0, 0, 0, NULL}};
  int json = 0, nargs = 0, id;
  const char *args[2] = {NULL, NULL};
  hr_opts o;
  hr_opts_init(&o, argc, argv, options, 0);
  while ((id = cli_opts_next(&o, usage)) > 0) json = 1;
  if (id < 0) return CLI_USAGE;
  if ((nargs = cli_opts_operands(&o, usage, args, 2)) < 0) return CLI_USAGE;
  if (nargs == 0) return cli_usage_error(usage, "no trace given");
  if (nargs == 1) return cli_usage_error(usage, "no query given");

  trc_reader *r = NULL;
  char *err = NULL;
  int st = trc_reader_open(args[0], &r, &err);
  if (st != HR_OK) {
    cli_error("cannot open trace '%s': %s", args[0], err ? err : hr_status_str(st));
    hr_free(err);
    return CLI_FAIL;
  }
  if (trc_reader_note(r)) cli_note("%s", trc_reader_note(r));
  int status = CLI_OK;
  struct auth au = {0};
  /* TEMP objects in memory: nothing of a query lands in a file. */
  if (sqlite3_exec(trc_reader_db(r), "PRAGMA temp_store = MEMORY", NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_set_authorizer(trc_reader_db(r), authorize, &au) != SQLITE_OK) {
    cli_error("cannot run query: %s", sqlite3_errmsg(trc_reader_db(r)));
    status = CLI_FAIL;
  }
  if (status == CLI_OK) status = run_query(trc_reader_db(r), &au, args[1], json);
  trc_reader_free(r);
  if (status == CLI_OK && (fflush(stdout) != 0 || ferror(stdout))) {
    cli_error("cannot write output: %s", hr_status_str(HR_EIO));
    status = CLI_FAIL;
  }
  return status;
}
