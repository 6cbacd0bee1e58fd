/* trc_wdb.c — the trace writer's SQLite side: file creation, one transaction per block, finishing. */
#include "trc_wdb.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hr_mem.h"
#include "hr_status.h"
#include "trc_codec.h"
#include "trc_fresh.h"
#include "trc_writer.h"

/* Statements the writer thread runs for every block, prepared once. */
enum {
  ST_BEGIN, ST_COMMIT, ST_ROLLBACK, ST_CHUNK,
  ST_STRING, ST_LOCATION, ST_TYPE, ST_THREAD, ST_SOURCE, ST_META, ST_KEYFRAME,
  ST_STACK, ST_MARKER, ST_OUTPUT, ST_COUNT
};

static const char sql_begin[] = "BEGIN";
static const char sql_commit[] = "COMMIT";
static const char sql_rollback[] = "ROLLBACK";
static const char sql_chunk[] =
  "INSERT INTO chunks(first_seq, last_seq, first_step, last_step, nevents, encoding, data)"
  " VALUES(?1, ?2, ?3, ?4, ?5, ?7, ?6)";
static const char sql_string[] = "INSERT INTO strings(id, text) VALUES(?1, ?2)";
static const char sql_location[] =
  "INSERT INTO locations(id, file, line, function) VALUES(?1, ?2, ?3, ?4)";
static const char sql_type[] = "INSERT INTO types(id, name) VALUES(?1, ?2)";
static const char sql_stack[] = "INSERT INTO stacks(id, parent, location) VALUES(?1, ?2, ?3)";
/* Threads, sources, meta and keyframes may be described again; the latest wins. */
static const char sql_thread[] =
  "INSERT OR REPLACE INTO threads(id, name, native_id) VALUES(?1, ?2, ?3)";
static const char sql_source[] = "INSERT OR REPLACE INTO sources(file, text) VALUES(?1, ?2)";
static const char sql_keyframe[] =
  "INSERT OR REPLACE INTO keyframes(step, seq, data) VALUES(?1, ?2, ?3)";
/* The label's string row is in this transaction or an earlier one. */
static const char sql_marker[] =
  "INSERT INTO markers(seq, step, label)"
  " VALUES(?1, ?2, COALESCE((SELECT text FROM strings WHERE id = ?3), ''))";

static const char sql_output[] = "INSERT INTO output(seq, step, stream, text) VALUES(?1, ?2, ?3, ?4)";

static const char *const stmt_sql[ST_COUNT] = {
  sql_begin, sql_commit, sql_rollback, sql_chunk,
  sql_string, sql_location, sql_type, sql_thread, sql_source, trc_fresh_meta_sql, sql_keyframe,
  sql_stack, sql_marker, sql_output};

/* Pragmas run once the file has its final name. A trace must survive its
** recording process being killed (kill -9, os._exit, a crash), not a power
** cut: a commit written into the WAL is in the kernel's page cache and the
** kernel writes it out whatever becomes of the process, so no commit, nor
** the checkpoint and the switch back to a rollback journal at the close,
** needs an fsync (synchronous=OFF). The busy timeout lets a reader look at a
** live trace. */
static const char sql_open_wal[] = "PRAGMA journal_mode=WAL";
static const char sql_open_sync[] = "PRAGMA synchronous=OFF";
static const char sql_checkpoint[] = "PRAGMA wal_checkpoint(TRUNCATE)";
/* Out of WAL without a journal: the switch writes the header's two bytes
** in one page write, which a killed process cannot leave half done, and the
** file then opens in the default rollback (DELETE) mode; a journal would be
** one more file made, written and removed at every close. */
static const char sql_out_of_wal[] = "PRAGMA journal_mode=OFF";

struct trc_wdb {
  sqlite3 *db;
  sqlite3_stmt *st[ST_COUNT];
  trc_codec *codec;
  int zlevel;
  int hurry;                       /* trc_wdb_hurry: level 1 for now */
  char *path;                      /* owned, for messages */
  /* The trace that was at path before, kept under a hidden name beside it
  ** (a hard link) until this one is finished, and put back if this one
  ** fails; NULL when there was none. side: path's -wal and -shm. All owned
  ** and made at create, so a signal handler needs no allocation. */
  char *previous, *previous_wal;   /* previous_wal: its -wal, kept too (a killed one) */
  char *side[2];
  int settled;                     /* trc_wdb_settle ran */
};

static int status_of(int rc) {
  switch (rc & 0xff) {
  case SQLITE_NOMEM: return HR_ENOMEM;
  case SQLITE_FULL: case SQLITE_IOERR: case SQLITE_CANTOPEN: case SQLITE_READONLY:
    return HR_EIO;
  default: return HR_ESQL;
  }
}

static int db_fail(trc_wdb *w, int rc, char **errmsg) {
  if (errmsg && !*errmsg)
    *errmsg = hr_sprintf("cannot write trace '%s': %s", w->path,
                         w->db ? sqlite3_errmsg(w->db) : sqlite3_errstr(rc));
  return status_of(rc);
}

/* No allocation here: cleanup must work when memory has just run out. */
static void remove_beside(const char *path) {
  static const char *const suffix[] = {"-wal", "-shm", "-journal"};
  char p[PATH_MAX + 16];
  for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++)
    if ((size_t)snprintf(p, sizeof p, "%s%s", path, suffix[i]) < sizeof p) unlink(p);
}

/* "<dir>/.<name>.previous" for path "<dir>/<name>". Owned; NULL when out of memory. */
static char *previous_name(const char *path) {
  const char *slash = strrchr(path, '/');
  size_t dir = slash ? (size_t)(slash - path) + 1 : 0;
  return hr_sprintf("%.*s.%s.previous", (int)dir, path, path + dir);
}

/* Keep the trace at path (checked by trc_target before: a trace, or empty)
** under a hidden name while the new one is written. A link, so it costs no
** room on a full disk; where links are not supported nothing is kept. */
static char *keep_previous(const char *path, char **wal) {
  *wal = NULL;
  struct stat st;
  /* A symlink is kept as itself (link does not follow it): put back, it
  ** points where it pointed. */
  if (lstat(path, &st) != 0 || !(S_ISLNK(st.st_mode) || (S_ISREG(st.st_mode) && st.st_size > 0)))
    return NULL;
  char *prev = previous_name(path);
  if (!prev) return NULL;
  /* One left by a recording killed with SIGKILL is stale: replaced. */
  if (link(path, prev) != 0 && !(errno == EEXIST && unlink(prev) == 0 && link(path, prev) == 0)) {
    hr_free(prev);
    return NULL;
  }
  char *from = hr_sprintf("%s-wal", path), *to = hr_sprintf("%s-wal", prev);
  if (from && to) unlink(to);
  if (from && to && link(from, to) == 0) {
    *wal = to;
    to = NULL;
  }
  hr_free(from);
  hr_free(to);
  return prev;
}

void trc_wdb_free(trc_wdb *w) {
  if (!w) return;
  hr_free(w->previous);
  hr_free(w->previous_wal);
  hr_free(w->side[0]);
  hr_free(w->side[1]);
  for (int i = 0; i < ST_COUNT; i++) sqlite3_finalize(w->st[i]);
  sqlite3_close(w->db);
  trc_codec_free(w->codec);
  hr_free(w->path);
  hr_free(w);
}

static void close_db(trc_wdb *w) {
  for (int i = 0; i < ST_COUNT; i++) {
    sqlite3_finalize(w->st[i]);
    w->st[i] = NULL;
  }
  sqlite3_close(w->db);
  w->db = NULL;
}

void trc_wdb_abandon(trc_wdb *w) {
  if (!w) return;
  close_db(w);
  if (w->path) {
    unlink(w->path);
    remove_beside(w->path);
  }
  trc_wdb_settle(w, 1);
  trc_wdb_free(w);
}

void trc_wdb_keep(trc_wdb *w) {
  trc_wdb_settle(w, 0);
}

int trc_wdb_restore(trc_wdb *w) {
  if (!w || !w->previous) return 0;
  /* Closed first: a closing connection may still write (checkpoint). */
  close_db(w);
  trc_wdb_settle(w, 1);
  return 1;
}

void trc_wdb_settle(trc_wdb *w, int failed) {
  if (!w || !w->previous || w->settled) return;
  w->settled = 1;
  if (failed) {
    /* The failed trace's log must not be replayed into the previous one. */
    for (int i = 0; i < 2; i++)
      if (w->side[i]) unlink(w->side[i]);
    if (w->previous_wal && w->side[0]) rename(w->previous_wal, w->side[0]);
    rename(w->previous, w->path);
  } else {
    unlink(w->previous);
    if (w->previous_wal) unlink(w->previous_wal);
  }
}

/* All of buf to fd; 0, or -1 with errno set. */
static int write_all(int fd, const unsigned char *buf, size_t n) {
  while (n > 0) {
    ssize_t k = write(fd, buf, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      if (k == 0) errno = EIO;
      return -1;
    }
    buf += k;
    n -= (size_t)k;
  }
  return 0;
}

/* SQLite's memory statistics take a process-wide mutex on every allocation;
** nothing in heapreel reads them. sqlite3_config only works before SQLite
** is initialised, so in a process that already uses it (tests, a reader in
** the same process) this is a harmless SQLITE_MISUSE and stats stay on. */
static void no_memstatus(void) {
  if (!sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0)) sqlite3_initialize();
}

int trc_wdb_create(const char *path, int zlevel, uint32_t page_size, trc_wdb **out,
                   char **errmsg) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, no_memstatus);
  *out = NULL;
  struct stat sb;
  if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
    *errmsg = hr_sprintf("cannot create trace '%s': is a directory", path);
    return HR_EIO;
  }
  trc_wdb *w = hr_calloc(1, sizeof *w);
  char *tmp = hr_sprintf("%s.tmp-XXXXXX", path);
  if (w) w->path = hr_strdup(path);
  if (w) w->codec = trc_codec_new();
  if (!w || !tmp || !w->path || !w->codec) {
    hr_free(tmp);
    trc_wdb_free(w);
    *errmsg = hr_sprintf("cannot create trace '%s': out of memory", path);
    return HR_ENOMEM;
  }
  w->zlevel = zlevel;
  int fd = mkstemp(tmp);
  if (fd < 0) {
    *errmsg = hr_sprintf("cannot create trace '%s': %s", path, strerror(errno));
    hr_free(tmp);
    trc_wdb_free(w);
    return HR_EIO;
  }
  /* mkstemp makes the file private; a trace is an ordinary output file, so
  ** give it the mode a plain creat() would under the user's umask. */
  mode_t mask = umask(0);
  umask(mask);
  (void)fchmod(fd, 0666 & ~mask);
  char now[32];
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
  /* The file of SQLite's default page size as heapreel's build made it
  ** (start_time added below); another page size built now. */
  int image = page_size == 0 || page_size == trc_fresh_image_page;
  char *why = NULL;
  int rc = SQLITE_OK;
  if (image && write_all(fd, trc_fresh_image, trc_fresh_image_size) != 0) {
    why = hr_strdup(strerror(errno));
    rc = SQLITE_IOERR;
  }
  close(fd);
  if (!image) rc = trc_fresh_build(tmp, page_size, now, &why);
  if (rc != SQLITE_OK) {
    *errmsg = hr_sprintf("cannot create trace '%s': %s", path, why ? why : sqlite3_errstr(rc));
    hr_free(why);
    unlink(tmp);
    remove_beside(tmp);
    hr_free(tmp);
    trc_wdb_free(w);
    return status_of(rc);
  }
  w->side[0] = hr_sprintf("%s-wal", path);
  w->side[1] = hr_sprintf("%s-shm", path);
  if (!w->side[0] || !w->side[1]) {
    *errmsg = hr_sprintf("cannot create trace '%s': out of memory", path);
    unlink(tmp);
    hr_free(tmp);
    trc_wdb_free(w);
    return HR_ENOMEM;
  }
  /* A journal or WAL left by an earlier killed recording would be replayed
  ** into the new file: kept aside with the previous trace they belong to,
  ** then removed before the new file takes the name. */
  w->previous = keep_previous(path, &w->previous_wal);
  remove_beside(path);
  if (rename(tmp, path) != 0) {
    *errmsg = hr_sprintf("cannot create trace '%s': %s", path, strerror(errno));
    unlink(tmp);
    hr_free(tmp);
    if (w->previous) unlink(w->previous);
    trc_wdb_free(w);
    return HR_EIO;
  }
  hr_free(tmp);
  /* Reopen under the final name: SQLite names the WAL after the name the
  ** file was opened with, and a reader looks for path-wal. */
  /* One thread at a time uses the connection (opener, writer thread, closer,
  ** handed over by mutex and join), so SQLite's own locking is not needed. */
  rc = sqlite3_open_v2(path, &w->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_busy_timeout(w->db, 5000);
  if (rc == SQLITE_OK) rc = trc_fresh_pragma(w->db, sql_open_sync, NULL);
  if (rc == SQLITE_OK) rc = trc_fresh_pragma(w->db, sql_open_wal, "wal");
  for (int i = 0; i < ST_COUNT && rc == SQLITE_OK; i++)
    rc = sqlite3_prepare_v3(w->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &w->st[i], NULL);
  /* Committed now, as the rows the image holds: a trace cut short at once has it. */
  if (rc == SQLITE_OK && image) rc = trc_fresh_meta(w->st[ST_META], "start_time", now);
  if (rc != SQLITE_OK) {
    *errmsg = hr_sprintf("cannot create trace '%s': %s", path,
                         w->db ? sqlite3_errmsg(w->db) : sqlite3_errstr(rc));
    int status = status_of(rc);
    trc_wdb_abandon(w);
    return status;
  }
  *out = w;
  return HR_OK;
}

static void free_payload(trc_event *e) {
  switch (e->kind) {
  case TRC_DIM_SOURCE:
    hr_free((void *)(uintptr_t)e->f[1]);
    break;
  case TRC_DIM_META:
    hr_free((void *)(uintptr_t)e->f[0]);
    break;
  case TRC_DIM_KEYFRAME:
  case TRC_DIM_OUTPUT:
    hr_free((void *)(uintptr_t)e->f[2]);
    break;
  case TRC_DIM_ITEMS:
    trc_writer_ids_free((uint64_t *)(uintptr_t)e->f[3], (size_t)e->f[2]);
    break;
  default:
    break;
  }
}

void trc_wdb_drop(trc_event *ent, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (ent[i].kind >= TRC_DIM_FIRST) free_payload(&ent[i]);
}

static void bind_id(sqlite3_stmt *st, int col, uint64_t v) {
  sqlite3_bind_int64(st, col, (sqlite3_int64)v);
}

/* Ids of 0 mean "none" in events; the tables say so with NULL. */
static void bind_ref(sqlite3_stmt *st, int col, uint64_t v) {
  if (v) sqlite3_bind_int64(st, col, (sqlite3_int64)v);
  else sqlite3_bind_null(st, col);
}

static int run(sqlite3_stmt *st) {
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

static int store_dim(trc_wdb *w, const trc_event *e) {
  sqlite3_stmt *st;
  const uint64_t *f = e->f;
  switch (e->kind) {
  case TRC_DIM_STRING:
    st = w->st[ST_STRING];
    bind_id(st, 1, f[0]);
    sqlite3_bind_text64(st, 2, (const char *)(uintptr_t)f[1], f[2], SQLITE_STATIC, SQLITE_UTF8);
    break;
  case TRC_DIM_LOCATION:
    st = w->st[ST_LOCATION];
    bind_id(st, 1, f[0]);
    bind_id(st, 2, f[1]);
    bind_id(st, 3, f[2]);
    bind_id(st, 4, f[3]);
    break;
  case TRC_DIM_TYPE:
    st = w->st[ST_TYPE];
    bind_id(st, 1, f[0]);
    bind_id(st, 2, f[1]);
    break;
  case TRC_DIM_THREAD:
    st = w->st[ST_THREAD];
    bind_id(st, 1, f[0]);
    bind_ref(st, 2, f[1]);
    bind_id(st, 3, f[2]);
    break;
  case TRC_DIM_SOURCE:
    st = w->st[ST_SOURCE];
    bind_id(st, 1, f[0]);
    sqlite3_bind_text64(st, 2, (const char *)(uintptr_t)f[1], f[2], SQLITE_STATIC, SQLITE_UTF8);
    break;
  case TRC_DIM_META: {
    const char *key = (const char *)(uintptr_t)f[0];
    st = w->st[ST_META];
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key + strlen(key) + 1, -1, SQLITE_STATIC);
    break;
  }
  case TRC_DIM_KEYFRAME:
    st = w->st[ST_KEYFRAME];
    bind_id(st, 1, f[0]);
    bind_id(st, 2, f[1]);
    sqlite3_bind_blob64(st, 3, (const void *)(uintptr_t)f[2], f[3], SQLITE_STATIC);
    break;
  case TRC_DIM_STACK:
    st = w->st[ST_STACK];
    bind_id(st, 1, f[0]);
    bind_ref(st, 2, f[1]);
    bind_id(st, 3, f[2]);
    break;
  case TRC_DIM_OUTPUT:
    st = w->st[ST_OUTPUT];
    bind_id(st, 1, f[0]);
    bind_id(st, 2, f[1]);
    bind_id(st, 3, f[3] & 3);
    sqlite3_bind_text64(st, 4, (const char *)(uintptr_t)f[2], f[3] >> 2, SQLITE_STATIC, SQLITE_UTF8);
    break;
  default:
    return SQLITE_MISUSE;
  }
  return run(st);
}


/* A chunk row: events first..last (steps lo..hi) as blob (the codec's). */
static int store_blob(trc_wdb *w, uint64_t first, uint64_t last, uint64_t lo, uint64_t hi,
                      const uint8_t *blob, size_t len, char **errmsg) {
  sqlite3_stmt *st = w->st[ST_CHUNK];
  bind_id(st, 1, first);
  bind_id(st, 2, last);
  bind_id(st, 3, lo);
  bind_id(st, 4, hi);
  bind_id(st, 5, last - first + 1);
  sqlite3_bind_blob64(st, 6, blob, len, SQLITE_STATIC);
  sqlite3_bind_int(st, 7, TRC_CHUNK_DEFLATE);
  int rc = run(st);
  sqlite3_bind_null(st, 6);        /* the blob lives in the codec's scratch */
  return rc != SQLITE_OK ? db_fail(w, rc, errmsg) : HR_OK;
}

static int codec_fail(trc_wdb *w, int status, char **errmsg) {
  *errmsg = hr_sprintf("cannot write trace '%s': %s", w->path, trc_codec_errmsg(w->codec));
  return status;
}

/* The markers rows of the mark events among ev[0..n). Objects and frames
** get no rows (format 2): their events are the whole record. */
static int store_markers(trc_wdb *w, const trc_event *ev, size_t n) {
  int rc = SQLITE_OK;
  for (size_t i = 0; i < n && rc == SQLITE_OK; i++) {
    if (ev[i].kind != TRC_EV_MARK) continue;
    sqlite3_stmt *st = w->st[ST_MARKER];
    bind_id(st, 1, ev[i].seq);
    bind_id(st, 2, ev[i].step);
    bind_id(st, 3, ev[i].f[0]);
    rc = run(st);
  }
  return rc;
}

enum { ITEMS_CHUNK = 65536 };     /* item binds per chunk */

/* A TRC_DIM_ITEMS record as chunks of binds (payload version 3). They make
** no rows. Compressed fast: they come at the end of a run, when the program
** waits for the writer. */
static int store_items(trc_wdb *w, const trc_event *r, uint64_t *bytes, char **errmsg) {
  const uint64_t *ids = (const uint64_t *)(uintptr_t)r->f[3];
  uint64_t n = r->f[2];
  int status = HR_OK;
  for (uint64_t at = 0; at < n && status == HR_OK; at += ITEMS_CHUNK) {
    size_t m = n - at < ITEMS_CHUNK ? (size_t)(n - at) : ITEMS_CHUNK;
    const uint8_t *blob;
    size_t len;
    status = trc_codec_encode_binds(w->codec, r->step, r->f[0], TRC_SLOT_ITEM, r->f[1] + at,
                                    ids + at, m, 1, &blob, &len);
    if (status != HR_OK) return codec_fail(w, status, errmsg);
    status = store_blob(w, r->seq + at, r->seq + at + m - 1, r->step, r->step, blob, len, errmsg);
    if (status == HR_OK) *bytes += len;
  }
  return status;
}

void trc_wdb_hurry(trc_wdb *w, int on) {
  w->hurry = on;
}

/* trc_wdb_store's hook for the entries among the events: a dimension row
** now, its payload freed; a run of items ends the chunk before it. */
typedef struct store_ctx {
  trc_wdb *w;
  int rc;                          /* the first failed statement's code */
} store_ctx;

static int store_other(void *arg, const trc_event *e) {
  store_ctx *x = arg;
  if (e->kind == TRC_DIM_ITEMS) return -1;
  x->rc = store_dim(x->w, e);
  free_payload((trc_event *)e);
  return x->rc == SQLITE_OK ? 0 : HR_ESQL;
}

int trc_wdb_store(trc_wdb *w, trc_event *ent, size_t n, uint64_t *chunk_bytes,
                  char **errmsg) {
  *chunk_bytes = 0;
  int rc = sqlite3_get_autocommit(w->db) ? run(w->st[ST_BEGIN]) : SQLITE_OK;
  if (rc != SQLITE_OK) {
    trc_wdb_drop(ent, n);
    return db_fail(w, rc, errmsg);
  }
  /* One pass over the block, the only one that pays for bringing it from
  ** the producer's cache: the codec encodes the events and hands every
  ** other entry here as it meets it, for its row (the transaction makes
  ** an id defined together with the events that use it). A run of items
  ** is its own chunks, between the events before and after it. */
  store_ctx x = {w, SQLITE_OK};
  int level = w->hurry ? 1 : w->zlevel;
  int status = HR_OK;
  size_t at = 0;
  while (at < n) {
    trc_codec_span sp;
    const uint8_t *blob = NULL;
    size_t len = 0;
    status = trc_codec_encode_mixed(w->codec, ent + at, n - at, level, store_other, &x, &sp,
                                    &blob, &len);
    if (status != HR_OK) {
      status = x.rc != SQLITE_OK ? db_fail(w, x.rc, errmsg) : codec_fail(w, status, errmsg);
      at += sp.used;
      break;
    }
    if (sp.events) {
      status = store_blob(w, sp.first_seq, sp.last_seq, sp.lo_step, sp.hi_step, blob, len, errmsg);
      if (status != HR_OK) {
        at += sp.used;
        break;
      }
      *chunk_bytes += len;
      if (sp.marks && (rc = store_markers(w, ent + at, sp.used)) != SQLITE_OK) {
        status = db_fail(w, rc, errmsg);
        at += sp.used;
        break;
      }
    }
    at += sp.used;
    if (at < n) {                  /* a run of items */
      status = store_items(w, &ent[at], chunk_bytes, errmsg);
      free_payload(&ent[at]);
      at++;
      if (status != HR_OK) break;
    }
  }
  if (status != HR_OK) {
    trc_wdb_drop(ent + at, n - at);
    if (!sqlite3_get_autocommit(w->db)) run(w->st[ST_ROLLBACK]);
    *chunk_bytes = 0;
  }
  return status;
}

int trc_wdb_commit(trc_wdb *w, char **errmsg) {
  if (sqlite3_get_autocommit(w->db)) return HR_OK;
  int rc = run(w->st[ST_COMMIT]);
  if (rc == SQLITE_OK) return HR_OK;
  int status = db_fail(w, rc, errmsg);
  if (!sqlite3_get_autocommit(w->db)) run(w->st[ST_ROLLBACK]);
  return status;
}

void trc_wdb_checkpoint(trc_wdb *w) {
  sqlite3_wal_checkpoint_v2(w->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
}

int trc_wdb_finish(trc_wdb *w, int complete, char **errmsg) {
  int status = trc_wdb_commit(w, errmsg);
  if (status != HR_OK) return status;
  int rc = trc_fresh_meta(w->st[ST_META], "complete", complete ? "1" : "0");
  for (int i = 0; i < ST_COUNT; i++) {
    sqlite3_finalize(w->st[i]);
    w->st[i] = NULL;
  }
  if (rc == SQLITE_OK) rc = trc_fresh_pragma(w->db, sql_checkpoint, NULL);
  if (rc == SQLITE_OK) rc = trc_fresh_pragma(w->db, sql_out_of_wal, "off");
  return rc == SQLITE_OK ? HR_OK : db_fail(w, rc, errmsg);
}
