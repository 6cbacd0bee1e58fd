/* trc_fresh.c — a new trace file's first contents (trc_fresh.h). */
#include "trc_fresh.h"

#include <stdio.h>

#include "hr_mem.h"
#include "trc_event.h"
#include "trc_schema.h"

const char trc_fresh_meta_sql[] = "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)";

int trc_fresh_pragma(sqlite3 *db, const char *sql, const char *want) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  if (rc != SQLITE_OK) return rc;
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    const char *got = (const char *)sqlite3_column_text(st, 0);
    rc = !want || (got && sqlite3_stricmp(got, want) == 0) ? SQLITE_OK : SQLITE_ERROR;
  } else if (rc == SQLITE_DONE) {
    rc = want ? SQLITE_ERROR : SQLITE_OK;
  }
  sqlite3_finalize(st);
  return rc;
}

int trc_fresh_meta(sqlite3_stmt *st, const char *key, const char *value) {
  sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int trc_fresh_build(const char *path, uint32_t page_size, const char *start_time, char **why) {
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
  /* A file nobody can see yet needs no fsync, nor a journal: a crash or a
  ** failure leaves only the temporary, which is removed. */
  if (rc == SQLITE_OK) rc = sqlite3_exec(db, "PRAGMA synchronous=OFF", NULL, NULL, NULL);
  if (rc == SQLITE_OK) rc = trc_fresh_pragma(db, "PRAGMA journal_mode=OFF", "off");
  /* Only a file without tables takes a page size (a power of two, 512..65536). */
  if (rc == SQLITE_OK && page_size) {
    char pragma[48];
    snprintf(pragma, sizeof pragma, "PRAGMA page_size=%u", (unsigned)page_size);
    rc = sqlite3_exec(db, pragma, NULL, NULL, NULL);
  }
  if (rc == SQLITE_OK) rc = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_exec(db, trc_schema_sql, NULL, NULL, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(db, trc_fresh_meta_sql, -1, &st, NULL);
  char major[24], minor[24];
  snprintf(major, sizeof major, "%d", TRC_VERSION_MAJOR);
  snprintf(minor, sizeof minor, "%d", TRC_VERSION_MINOR);
  if (rc == SQLITE_OK) rc = trc_fresh_meta(st, "format_major", major);
  if (rc == SQLITE_OK) rc = trc_fresh_meta(st, "format_minor", minor);
  if (rc == SQLITE_OK) rc = trc_fresh_meta(st, "complete", "0");
  if (rc == SQLITE_OK && start_time) rc = trc_fresh_meta(st, "start_time", start_time);
  sqlite3_finalize(st);
  if (rc == SQLITE_OK) rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
  /* The file says WAL from the start (two header bytes, written without a
  ** journal), so the connection under the final name finds it so and
  ** writes nothing to switch. */
  if (rc == SQLITE_OK) rc = trc_fresh_pragma(db, "PRAGMA journal_mode=WAL", "wal");
  if (rc != SQLITE_OK)
    *why = hr_strdup(db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  if (sqlite3_close(db) != SQLITE_OK && rc == SQLITE_OK) rc = SQLITE_ERROR;
  return rc;
}
