/* trc_index_store.c — keep a built objects / frames index in the trace (trc_index.h). */
#include <stdio.h>
#include <string.h>

#include "hr_mem.h"
#include "hr_status.h"
#include "trc_index.h"
#include "trc_reader.h"

/* IF NOT EXISTS: a trace cached before keeps its tables, refilled here. */
static const char sql_tables[] =
  "CREATE TABLE IF NOT EXISTS object_index(first_id INTEGER PRIMARY KEY,"
  " last_id INTEGER NOT NULL, data BLOB NOT NULL);"
  "CREATE TABLE IF NOT EXISTS frame_index(first_id INTEGER PRIMARY KEY,"
  " last_id INTEGER NOT NULL, data BLOB NOT NULL);"
  "DELETE FROM object_index; DELETE FROM frame_index;";
static const char *const sql_insert[2] = {
  "INSERT INTO object_index(first_id, last_id, data) VALUES(?1, ?2, ?3)",
  "INSERT INTO frame_index(first_id, last_id, data) VALUES(?1, ?2, ?3)"};
static const char sql_meta[] =
  "INSERT OR REPLACE INTO meta(key, value) VALUES('index_check', ?1)";

static int put_blocks(sqlite3 *db, const trc_index_blocks *b, size_t n) {
  sqlite3_stmt *st[2] = {NULL, NULL};
  int rc = SQLITE_OK;
  for (int r = 0; r < 2 && rc == SQLITE_OK; r++)
    rc = sqlite3_prepare_v2(db, sql_insert[r], -1, &st[r], NULL);
  for (size_t i = 0; i < n && rc == SQLITE_OK; i++) {
    sqlite3_stmt *s = st[b[i].rel];
    sqlite3_bind_int64(s, 1, (sqlite3_int64)b[i].first);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)b[i].last);
    sqlite3_bind_blob64(s, 3, b[i].data, b[i].len, SQLITE_STATIC);
    rc = sqlite3_step(s);
    rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    sqlite3_reset(s);
  }
  for (int r = 0; r < 2; r++) sqlite3_finalize(st[r]);
  return rc;
}

static int put_check(sqlite3 *db, const char *check) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, sql_meta, -1, &st, NULL);
  if (rc == SQLITE_OK) {
    sqlite3_bind_text(st, 1, check, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
  }
  sqlite3_finalize(st);
  return rc;
}

int trc_index_store(const char *path, const trc_index *x, int *stored, uint64_t *bytes,
                    char *why, size_t whylen) {
  *stored = 0;
  *bytes = 0;
  sqlite3 *db = NULL;
  int rc = trc_reader_open_cache_txn(path, &db);
  if (rc == SQLITE_NOMEM && db == NULL) return HR_ENOMEM;
  /* The check is taken on the chunks as this transaction sees them. */
  uint32_t crc = 0;
  uint64_t nchunks = 0;
  int status = rc == SQLITE_OK ? trc_index_chunks_crc(db, &crc, &nchunks) : HR_OK;
  trc_index_blocks *b = NULL;
  size_t nb = 0;
  char *check = NULL;
  if (rc == SQLITE_OK && status == HR_OK) status = trc_index_encode(x, crc, nchunks, &b, &nb, &check);
  if (rc == SQLITE_OK && status == HR_OK) rc = sqlite3_exec(db, sql_tables, NULL, NULL, NULL);
  if (rc == SQLITE_OK && status == HR_OK) rc = put_blocks(db, b, nb);
  if (rc == SQLITE_OK && status == HR_OK) rc = put_check(db, check);
  if (rc == SQLITE_OK && status == HR_OK) rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
  if (rc != SQLITE_OK || status != HR_OK) {
    snprintf(why, whylen, "%s",
             status == HR_ENOMEM ? "out of memory" : db ? sqlite3_errmsg(db) : "out of memory");
    if (db) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  } else {
    *stored = 1;
    for (size_t i = 0; i < nb; i++) *bytes += b[i].len;
  }
  sqlite3_close_v2(db);
  trc_index_blocks_free(b, nb);
  hr_free(check);
  if (status != HR_OK) return status;
  return rc == SQLITE_OK ? HR_OK : HR_EIO;
}
