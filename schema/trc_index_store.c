/* trc_index_store.c — keep a built objects or frames index in the trace (trc_index.h). */
#include <stdio.h>
#include <string.h>

#include "hr_mem.h"
#include "hr_status.h"
#include "trc_index.h"
#include "trc_reader.h"

/* IF NOT EXISTS: a trace cached before keeps its table, refilled here. */
static const char *const sql_table[2] = {
  "CREATE TABLE IF NOT EXISTS object_index(first_id INTEGER PRIMARY KEY,"
  " last_id INTEGER NOT NULL, data BLOB NOT NULL); DELETE FROM object_index;",
  "CREATE TABLE IF NOT EXISTS frame_index(first_id INTEGER PRIMARY KEY,"
  " last_id INTEGER NOT NULL, data BLOB NOT NULL); DELETE FROM frame_index;"};
static const char *const sql_insert[2] = {
  "INSERT INTO object_index(first_id, last_id, data) VALUES(?1, ?2, ?3)",
  "INSERT INTO frame_index(first_id, last_id, data) VALUES(?1, ?2, ?3)"};
static const char sql_put_meta[] = "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)";
/* Not over a check of the relation's own, which is newer. */
static const char sql_add_meta[] = "INSERT OR IGNORE INTO meta(key, value) VALUES(?1, ?2)";
static const char sql_get_meta[] = "SELECT value FROM meta WHERE key = ?1";
static const char sql_del_meta[] = "DELETE FROM meta WHERE key = ?1";

static int put_blocks(sqlite3 *db, int rel, const trc_index_blocks *b, size_t n) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, sql_insert[rel], -1, &st, NULL);
  for (size_t i = 0; i < n && rc == SQLITE_OK; i++) {
    sqlite3_bind_int64(st, 1, (sqlite3_int64)b[i].first);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)b[i].last);
    sqlite3_bind_blob64(st, 3, b[i].data, b[i].len, SQLITE_STATIC);
    rc = sqlite3_step(st);
    rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  return rc;
}

/* sql with key (and value, when not NULL) bound, run once. */
static int meta_exec(sqlite3 *db, const char *sql, const char *key, const char *value) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  if (rc == SQLITE_OK) {
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (value) sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
  }
  sqlite3_finalize(st);
  return rc;
}

/* An older heapreel's check of both relations becomes one check each, so
** the relation not stored now keeps a check that matches its blocks (a
** malformed one is dropped: those blocks are then passed over, and rebuilt). */
static int split_old_check(sqlite3 *db, const int stored_rel[2]) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, sql_get_meta, -1, &st, NULL);
  char *both = NULL;
  if (rc == SQLITE_OK) {
    sqlite3_bind_text(st, 1, TRC_INDEX_CHECK_BOTH, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
      const char *t = (const char *)sqlite3_column_text(st, 0);
      both = hr_strdup(t ? t : "");
      rc = both ? SQLITE_DONE : SQLITE_NOMEM;
    }
    rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_OK || !both) return rc;
  for (int r = 0; r < 2 && rc == SQLITE_OK; r++) {
    if (stored_rel[r]) continue;
    char *one = trc_index_check_split(both, r);
    if (one) rc = meta_exec(db, sql_add_meta, trc_index_check_key[r], one);
    hr_free(one);
  }
  hr_free(both);
  if (rc == SQLITE_OK) rc = meta_exec(db, sql_del_meta, TRC_INDEX_CHECK_BOTH, NULL);
  return rc;
}

int trc_index_store(const char *path, const trc_index *const *xs, size_t n, int *stored,
                    uint64_t *bytes, char *why, size_t whylen) {
  *stored = 0;
  *bytes = 0;
  sqlite3 *db = NULL;
  int rc = trc_reader_open_cache_txn(path, &db);
  if (rc == SQLITE_NOMEM && db == NULL) return HR_ENOMEM;
  /* The check is taken on the chunks as this transaction sees them. */
  uint32_t crc = 0;
  uint64_t nchunks = 0;
  int status = rc == SQLITE_OK ? trc_index_chunks_crc(db, &crc, &nchunks) : HR_OK;
  int stored_rel[2] = {0, 0};
  uint64_t total = 0;
  for (size_t i = 0; i < n && rc == SQLITE_OK && status == HR_OK; i++) {
    if (!xs[i]) continue;
    int rel = trc_index_rel(xs[i]);
    trc_index_blocks *b = NULL;
    size_t nb = 0;
    char *check = NULL;
    status = trc_index_encode(xs[i], crc, nchunks, &b, &nb, &check);
    if (status == HR_OK) rc = sqlite3_exec(db, sql_table[rel], NULL, NULL, NULL);
    if (status == HR_OK && rc == SQLITE_OK) rc = put_blocks(db, rel, b, nb);
    if (status == HR_OK && rc == SQLITE_OK)
      rc = meta_exec(db, sql_put_meta, trc_index_check_key[rel], check);
    for (size_t k = 0; k < nb; k++) total += b[k].len;
    stored_rel[rel] = 1;
    trc_index_blocks_free(b, nb);
    hr_free(check);
  }
  if (rc == SQLITE_OK && status == HR_OK) rc = split_old_check(db, stored_rel);
  if (rc == SQLITE_OK && status == HR_OK) rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
  if (rc != SQLITE_OK || status != HR_OK) {
    snprintf(why, whylen, "%s",
             status == HR_ENOMEM || rc == SQLITE_NOMEM ? "out of memory"
             : db                                     ? sqlite3_errmsg(db)
                                                      : "out of memory");
    if (db) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  } else {
    *stored = stored_rel[0] + stored_rel[1];
    *bytes = total;
  }
  sqlite3_close_v2(db);
  if (status != HR_OK) return status;
  return rc == SQLITE_OK ? HR_OK : HR_EIO;
}
