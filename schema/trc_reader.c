/* trc_reader.c — open an untrusted trace read-only and defensively, and check it is one. */
#include "trc_reader.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <libgen.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hr_mem.h"
#include "hr_status.h"
#include "trc_events_vtab.h"
#include "trc_index_vtab.h"
#include "trc_schema.h"

static const char sql_table_exists[] =
  "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1";
static const char sql_meta[] = "SELECT key, value FROM meta";
/* The unique first_seq index makes the last chunk one seek; max(last_step)
** reads only the (first_step, last_step) index, never chunk data. */
static const char sql_last_seq[] =
  "SELECT last_seq FROM chunks ORDER BY first_seq DESC LIMIT 1";
static const char sql_last_step[] = "SELECT max(last_step) FROM chunks";
static const char sql_string[] = "SELECT text FROM strings WHERE id = ?1";

struct meta_entry {
  char *key, *value;         /* owned */
};

struct string_entry {
  uint64_t id;               /* 0: empty slot */
  char *text;                /* owned */
};

struct trc_reader {
  sqlite3 *db;
  struct meta_entry *meta;
  size_t nmeta;
  uint64_t last_seq, last_step;
  int complete;
  long major;                /* format_major */
  trc_index_state *index;    /* borrowed: objects / frames (trc_index_vtab.h) */
  char *note;                /* owned; see trc_reader_note */
  sqlite3_stmt *string_stmt;
  struct string_entry *strings;  /* open addressing; grows at half full */
  size_t strings_cap, strings_n;
};

/* Set *errmsg to a copy of msg; the status is handed through. */
static int fail(char **errmsg, int status, char *owned_msg) {
  if (errmsg) *errmsg = owned_msg;
  else hr_free(owned_msg);
  return status;
}

/* strerror() with a lowercase first letter, as heapreel's messages are. */
static char *errno_text(int err) {
  char *s = hr_strdup(strerror(err));
  if (s && s[0]) s[0] = (char)tolower((unsigned char)s[0]);
  return s;
}

static int check_regular(const char *path, char **errmsg) {
  struct stat st;
  if (stat(path, &st) != 0) return fail(errmsg, HR_EIO, errno_text(errno));
  if (S_ISDIR(st.st_mode)) return fail(errmsg, HR_EIO, hr_strdup("is a directory"));
  if (!S_ISREG(st.st_mode)) return fail(errmsg, HR_EIO, hr_strdup("not a regular file"));
  return HR_OK;
}

/* Whether a non-empty write-ahead log lies beside path. */
static int has_wal(const char *path) {
  struct stat st;
  char *wal = hr_sprintf("%s-wal", path);
  int there = wal && stat(wal, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
  hr_free(wal);
  return there;
}

/* The file must start like an SQLite database and be as long as its header
** says: a trace cut short (a failed copy, a full disk) is told apart from a
** damaged one before SQLite reads a missing page. With a write-ahead log
** beside it the header may count pages that are still only in the log (a
** checkpoint cut short writes page 1 first), and SQLite reads them there. */
static int check_file(const char *path, char **errmsg) {
  struct stat st;
  int st_rc = check_regular(path, errmsg);
  if (st_rc != HR_OK) return st_rc;
  if (stat(path, &st) != 0) return fail(errmsg, HR_EIO, errno_text(errno));
  FILE *f = fopen(path, "rb");
  if (!f) return fail(errmsg, HR_EIO, errno_text(errno));
  unsigned char h[100];
  size_t n = fread(h, 1, sizeof h, f);
  fclose(f);
  if (n < sizeof h || memcmp(h, "SQLite format 3", 16) != 0)
    return fail(errmsg, HR_EFORMAT, hr_strdup("not a heapreel trace"));
  uint32_t page_size = (uint32_t)h[16] << 8 | h[17];
  if (page_size == 1) page_size = 65536;
  uint32_t pages = (uint32_t)h[28] << 24 | (uint32_t)h[29] << 16 | (uint32_t)h[30] << 8 | h[31];
  /* SQLite trusts the header's page count only while the version-valid-for
  ** number matches the change counter; so do we. */
  int count_valid = memcmp(h + 92, h + 24, 4) == 0 && pages > 0;
  if (count_valid && (uint64_t)st.st_size < (uint64_t)pages * page_size && !has_wal(path))
    return fail(errmsg, HR_ECORRUPT,
                hr_sprintf("trace is damaged: file is truncated (%llu of %llu bytes)",
                           (unsigned long long)st.st_size,
                           (unsigned long long)pages * page_size));
  return HR_OK;
}

/* A log that could not be merged is read in place, which SQLite can do only
** with its index file '-shm' beside it or a directory it may create it in. */
static int check_wal_readable(const char *path, char **errmsg) {
  if (!has_wal(path)) return HR_OK;
  char *shm = hr_sprintf("%s-shm", path), *dir = hr_strdup(path);
  if (!shm || !dir) {
    hr_free(shm);
    hr_free(dir);
    return fail(errmsg, HR_ENOMEM, hr_strdup("out of memory"));
  }
  struct stat st;
  int ok = stat(shm, &st) == 0 || access(dirname(dir), W_OK) == 0;
  hr_free(dir);
  int status = ok ? HR_OK
                  : fail(errmsg, HR_EIO,
                         hr_sprintf("its write-ahead log '%s-wal' can be read only with '%s' "
                                    "beside it or in a writable directory: copy the trace and "
                                    "its -wal to one", path, shm));
  hr_free(shm);
  return status;
}

/* Map an SQLite failure met while checking the trace to a status and a line. */
static int sql_fail(trc_reader *r, int rc, char **errmsg) {
  int prim = rc & 0xff;
  if (prim == SQLITE_NOMEM) return fail(errmsg, HR_ENOMEM, hr_strdup("out of memory"));
  if (prim == SQLITE_NOTADB)
    return fail(errmsg, HR_EFORMAT, hr_strdup("not a heapreel trace"));
  if (prim == SQLITE_CORRUPT || rc == SQLITE_IOERR_SHORT_READ)
    return fail(errmsg, HR_ECORRUPT, hr_sprintf("trace is damaged: %s", sqlite3_errmsg(r->db)));
  return fail(errmsg, HR_ESQL, hr_sprintf("cannot read trace: %s", sqlite3_errmsg(r->db)));
}

/* SQLite's settings for a database file from elsewhere: nothing in the file
** (triggers, views, functions named by its schema) runs with privileges, the
** schema cannot be altered, and no extension can be loaded through it. */
int trc_reader_harden(sqlite3 *db) {
  static const int off_ops[] = {
    SQLITE_DBCONFIG_TRUSTED_SCHEMA, SQLITE_DBCONFIG_ENABLE_TRIGGER,
    SQLITE_DBCONFIG_ENABLE_VIEW, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION};
  int rc = sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
  for (size_t i = 0; rc == SQLITE_OK && i < sizeof off_ops / sizeof off_ops[0]; i++)
    rc = sqlite3_db_config(db, off_ops[i], 0, (int *)NULL);
  if (rc == SQLITE_OK) rc = sqlite3_enable_load_extension(db, 0);
  if (rc == SQLITE_OK) rc = sqlite3_exec(db, "PRAGMA cell_size_check = ON", NULL, NULL, NULL);
  return rc;
}

/* Anything in the file named like a relation heapreel provides would hide
** it (SQLite finds a schema's table before an eponymous virtual one): a
** format 2 trace has no objects or frames of its own, a 1.x trace has them
** as tables, which is what they were then. */
static const char sql_shadow[] =
  "SELECT type, name FROM sqlite_schema WHERE name = 'events' COLLATE NOCASE"
  " OR (?1 >= 2 AND lower(name) IN ('objects', 'frames')) LIMIT 1";

/* Tables format 1 kept rows of objects and frames in. */
static const char *const v1_tables[] = {"objects", "frames", NULL};

static int require_tables(trc_reader *r, sqlite3_stmt *q, const char *const *names, char **errmsg) {
  for (const char *const *t = names; *t; t++) {
    sqlite3_bind_text(q, 1, *t, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc == SQLITE_DONE)
      return fail(errmsg, HR_EFORMAT, hr_sprintf("not a heapreel trace: missing table '%s'", *t));
    if (rc != SQLITE_ROW) return sql_fail(r, rc, errmsg);
  }
  return HR_OK;
}

static int require_meta(trc_reader *r, char **errmsg) {
  static const char *const meta[] = {"meta", NULL};
  sqlite3_stmt *q = NULL;
  int rc = sqlite3_prepare_v2(r->db, sql_table_exists, -1, &q, NULL);
  if (rc != SQLITE_OK) return sql_fail(r, rc, errmsg);
  int st = require_tables(r, q, meta, errmsg);
  sqlite3_finalize(q);
  return st;
}

static int check_tables(trc_reader *r, char **errmsg) {
  sqlite3_stmt *q = NULL;
  int rc = sqlite3_prepare_v2(r->db, sql_shadow, -1, &q, NULL);
  if (rc != SQLITE_OK) return sql_fail(r, rc, errmsg);
  sqlite3_bind_int64(q, 1, r->major);
  rc = sqlite3_step(q);
  if (rc == SQLITE_ROW) {
    const char *type = (const char *)sqlite3_column_text(q, 0);
    const char *name = (const char *)sqlite3_column_text(q, 1);
    char *msg = hr_sprintf("not a heapreel trace: it holds a %s named '%s', which would hide "
                           "heapreel's own '%s'", type ? type : "thing", name ? name : "",
                           name && sqlite3_stricmp(name, "events") != 0
                             ? (sqlite3_stricmp(name, "objects") == 0 ? "objects" : "frames")
                             : "events");
    sqlite3_finalize(q);
    return fail(errmsg, HR_EFORMAT, msg);
  }
  sqlite3_finalize(q);
  if (rc != SQLITE_DONE) return sql_fail(r, rc, errmsg);
  q = NULL;
  rc = sqlite3_prepare_v2(r->db, sql_table_exists, -1, &q, NULL);
  if (rc != SQLITE_OK) return sql_fail(r, rc, errmsg);
  int st = require_tables(r, q, trc_schema_tables, errmsg);
  if (st == HR_OK && r->major == 1) st = require_tables(r, q, v1_tables, errmsg);
  sqlite3_finalize(q);
  return st;
}

static int load_meta(trc_reader *r, char **errmsg) {
  sqlite3_stmt *q = NULL;
  int rc = sqlite3_prepare_v2(r->db, sql_meta, -1, &q, NULL);
  if (rc != SQLITE_OK) return sql_fail(r, rc, errmsg);
  size_t cap = 0;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    const char *k = (const char *)sqlite3_column_text(q, 0);
    const char *v = (const char *)sqlite3_column_text(q, 1);
    if (!k) continue;
    if (r->nmeta == cap) {
      size_t ncap = cap ? cap * 2 : 16;
      struct meta_entry *m = hr_realloc(r->meta, ncap * sizeof *m);
      if (!m) break;
      r->meta = m;
      cap = ncap;
    }
    struct meta_entry *e = &r->meta[r->nmeta];
    e->key = hr_strdup(k);
    e->value = hr_strdup(v ? v : "");
    if (!e->key || !e->value) {
      hr_free(e->key);
      hr_free(e->value);
      break;
    }
    r->nmeta++;
  }
  sqlite3_finalize(q);
  if (rc == SQLITE_ROW) return fail(errmsg, HR_ENOMEM, hr_strdup("out of memory"));
  if (rc != SQLITE_DONE) return sql_fail(r, rc, errmsg);
  return HR_OK;
}

/* Parse a decimal version number; -1 when it is not one. */
static long parse_version(const char *s) {
  if (!s || !*s || strlen(s) > 9) return -1;
  long v = 0;
  for (; *s; s++) {
    if (!isdigit((unsigned char)*s)) return -1;
    v = v * 10 + (*s - '0');
  }
  return v;
}

/* Format 2 reads format 1's traces too: the same chunks, and objects and
** frames as the tables those traces hold. */
static int check_version(trc_reader *r, char **errmsg) {
  const char *major = trc_reader_meta(r, "format_major");
  const char *minor = trc_reader_meta(r, "format_minor");
  long m = parse_version(major);
  if (m < 0)
    return fail(errmsg, HR_EFORMAT, hr_strdup("not a heapreel trace: no format version"));
  if (m != 1 && m != TRC_VERSION_MAJOR)
    return fail(errmsg, HR_EVERSION,
                hr_sprintf("trace version %ld.%ld is not supported (this heapreel reads 1.x and %d.x)",
                           m, parse_version(minor) < 0 ? 0 : parse_version(minor),
                           TRC_VERSION_MAJOR));
  r->major = m;
  return HR_OK;
}

/* Run a one-value query; *out gets 0 for NULL. Reading the last chunk and the
** step index also proves the pages a truncated file would lack are there. */
static int query_u64(trc_reader *r, const char *sql, uint64_t *out, char **errmsg) {
  sqlite3_stmt *q = NULL;
  int rc = sqlite3_prepare_v2(r->db, sql, -1, &q, NULL);
  if (rc != SQLITE_OK) return sql_fail(r, rc, errmsg);
  rc = sqlite3_step(q);
  *out = 0;
  if (rc == SQLITE_ROW) {
    sqlite3_int64 v = sqlite3_column_int64(q, 0);
    *out = v > 0 ? (uint64_t)v : 0;
    rc = SQLITE_DONE;
  }
  if (rc != SQLITE_DONE) rc = sqlite3_errcode(r->db);
  sqlite3_finalize(q);
  return rc == SQLITE_DONE ? HR_OK : sql_fail(r, rc, errmsg);
}

int trc_reader_open(const char *path, trc_reader **out, char **errmsg) {
  *out = NULL;
  if (errmsg) *errmsg = NULL;
  int st = check_regular(path, errmsg);
  if (st != HR_OK) return st;
  trc_reader *r = hr_calloc(1, sizeof *r);
  if (!r) return fail(errmsg, HR_ENOMEM, hr_strdup("out of memory"));
  /* The log first: the file alone may look cut short while the log beside
  ** it holds the rest. */
  (void)trc_wal_merge(path, &r->note);
  st = check_file(path, errmsg);
  if (st == HR_OK) st = check_wal_readable(path, errmsg);
  if (st != HR_OK) {
    trc_reader_free(r);
    return st;
  }
  /* This SQLite takes "file:" names as URIs; a path is only ever a path. */
  char *name = strncmp(path, "file:", 5) == 0 ? hr_sprintf("./%s", path) : hr_strdup(path);
  if (!name) {
    hr_free(r);
    return fail(errmsg, HR_ENOMEM, hr_strdup("out of memory"));
  }
  int rc = sqlite3_open_v2(name, &r->db, SQLITE_OPEN_READONLY, NULL);
  hr_free(name);
  if (rc == SQLITE_OK) {
    sqlite3_extended_result_codes(r->db, 1);
    rc = trc_reader_harden(r->db);
  }
  if (rc != SQLITE_OK) {
    st = r->db ? sql_fail(r, rc, errmsg) : fail(errmsg, HR_ENOMEM, hr_strdup("out of memory"));
    trc_reader_free(r);
    return st;
  }
  /* A trace still being written holds the write lock only briefly. */
  sqlite3_busy_timeout(r->db, 5000);
  /* meta first: which tables a trace must have depends on its version. A
  ** file without a meta table is not a trace. */
  st = require_meta(r, errmsg);
  if (st == HR_OK) st = load_meta(r, errmsg);
  if (st == HR_OK) st = check_version(r, errmsg);
  if (st == HR_OK) st = check_tables(r, errmsg);
  if (st == HR_OK) st = query_u64(r, sql_last_seq, &r->last_seq, errmsg);
  if (st == HR_OK) st = query_u64(r, sql_last_step, &r->last_step, errmsg);
  if (st == HR_OK) {
    rc = trc_events_register(r->db);
    if (rc == SQLITE_OK) rc = trc_index_register(r->db, &r->index);
    if (rc != SQLITE_OK) st = sql_fail(r, rc, errmsg);
  }
  if (st != HR_OK) {
    trc_reader_free(r);
    return st;
  }
  const char *complete = trc_reader_meta(r, "complete");
  r->complete = complete && strcmp(complete, "1") == 0;
  struct stat wst;
  char *wal = r->note ? NULL : hr_sprintf("%s-wal", path);
  if (wal && !r->complete && stat(wal, &wst) == 0 && wst.st_size > 0)
    r->note = hr_sprintf("'%s' holds part of this incomplete trace and cannot be merged into it "
                         "here (read-only or still being written): keep it beside '%s'",
                         wal, path);
  hr_free(wal);
  *out = r;
  return HR_OK;
}

void trc_reader_free(trc_reader *r) {
  if (!r) return;
  sqlite3_finalize(r->string_stmt);
  /* close_v2: statements a caller forgot to finalize must not leak the file. */
  sqlite3_close_v2(r->db);
  hr_free(r->note);
  for (size_t i = 0; i < r->nmeta; i++) {
    hr_free(r->meta[i].key);
    hr_free(r->meta[i].value);
  }
  hr_free(r->meta);
  for (size_t i = 0; i < r->strings_cap; i++) hr_free(r->strings[i].text);
  hr_free(r->strings);
  hr_free(r);
}

sqlite3 *trc_reader_db(trc_reader *r) { return r->db; }

const char *trc_reader_meta(trc_reader *r, const char *key) {
  for (size_t i = 0; i < r->nmeta; i++)
    if (strcmp(r->meta[i].key, key) == 0) return r->meta[i].value;
  return NULL;
}

int trc_reader_complete(trc_reader *r) { return r->complete; }
int trc_reader_format_major(trc_reader *r) { return (int)r->major; }
trc_index_state *trc_reader_index(trc_reader *r) { return r->index; }
const char *trc_reader_note(trc_reader *r) { return r->note; }
uint64_t trc_reader_last_seq(trc_reader *r) { return r->last_seq; }
uint64_t trc_reader_last_step(trc_reader *r) { return r->last_step; }

static size_t string_slot(const struct string_entry *tab, size_t cap, uint64_t id) {
  size_t i = (size_t)(id * 0x9E3779B97F4A7C15ull) & (cap - 1);
  while (tab[i].id && tab[i].id != id) i = (i + 1) & (cap - 1);
  return i;
}

static int strings_grow(trc_reader *r) {
  size_t ncap = r->strings_cap ? r->strings_cap * 2 : 256;
  struct string_entry *tab = hr_calloc(ncap, sizeof *tab);
  if (!tab) return HR_ENOMEM;
  for (size_t i = 0; i < r->strings_cap; i++)
    if (r->strings[i].id) tab[string_slot(tab, ncap, r->strings[i].id)] = r->strings[i];
  hr_free(r->strings);
  r->strings = tab;
  r->strings_cap = ncap;
  return HR_OK;
}

/* Strings are kept once looked up, so the pointers handed out stay valid for
** the reader's life. */
const char *trc_reader_string(trc_reader *r, uint64_t sid) {
  if (sid == 0 || sid > (uint64_t)INT64_MAX) return NULL;
  if (r->strings_cap) {
    size_t i = string_slot(r->strings, r->strings_cap, sid);
    if (r->strings[i].id == sid) return r->strings[i].text;
  }
  if (!r->string_stmt &&
      sqlite3_prepare_v2(r->db, sql_string, -1, &r->string_stmt, NULL) != SQLITE_OK)
    return NULL;
  char *text = NULL;
  sqlite3_bind_int64(r->string_stmt, 1, (sqlite3_int64)sid);
  if (sqlite3_step(r->string_stmt) == SQLITE_ROW) {
    const char *t = (const char *)sqlite3_column_text(r->string_stmt, 0);
    if (t) text = hr_strndup(t, (size_t)sqlite3_column_bytes(r->string_stmt, 0));
  }
  sqlite3_reset(r->string_stmt);
  if (!text) return NULL;
  if ((r->strings_n + 1) * 2 > r->strings_cap && strings_grow(r) != HR_OK) {
    hr_free(text);
    return NULL;
  }
  size_t i = string_slot(r->strings, r->strings_cap, sid);
  r->strings[i].id = sid;
  r->strings[i].text = text;
  r->strings_n++;
  return text;
}

int trc_reader_open_cache_txn(const char *path, sqlite3 **db) {
  *db = NULL;
  /* A path that reads as a URI is a file name here. */
  char *name = strncmp(path, "file:", 5) == 0 ? hr_sprintf("./%s", path) : hr_strdup(path);
  if (!name) return SQLITE_NOMEM;
  int rc = sqlite3_open_v2(name, db, SQLITE_OPEN_READWRITE, NULL);
  hr_free(name);
  if (rc == SQLITE_OK) rc = trc_reader_harden(*db);
  if (rc == SQLITE_OK) rc = sqlite3_busy_timeout(*db, 2000);
  if (rc == SQLITE_OK) rc = sqlite3_exec(*db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
  return rc;
}
