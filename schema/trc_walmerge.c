/* trc_walmerge.c — fold a write-ahead log left beside a trace into it.
**
** The recorder writes through SQLite's WAL and, at its close, checkpoints it
** and switches back to a rollback journal, so a finished trace is one file.
** A recording killed with kill -9 leaves 'x.heapreel-wal' (and -shm) beside
** it: the WAL holds the last committed chunks, and a copy of the .heapreel
** alone silently loses them. So the first open of such a trace, when the
** file and its directory can be written, checkpoints the WAL into the file
** and switches the file to a rollback journal, which removes the side files.
** It runs nothing from the file: a separate connection with the reader's
** defensive settings, one bound meta lookup, two fixed pragmas.
*/
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hr_mem.h"
#include "hr_status.h"
#include "trc_reader.h"

static const char sql_complete[] = "SELECT value FROM meta WHERE key = 'complete'";

static int exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

/* Whether path, its directory and its -shm (when there) can be written. */
static int writable(const char *path, const char *shm) {
  if (access(path, W_OK) != 0) return 0;
  if (exists(shm) && access(shm, W_OK) != 0) return 0;
  char *copy = hr_strdup(path);
  if (!copy) return 0;
  int ok = access(dirname(copy), W_OK) == 0;
  hr_free(copy);
  return ok;
}

/* Whether meta 'complete' is "1" on db; -1 when it cannot be read. */
static int is_complete(sqlite3 *db) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, sql_complete, -1, &st, NULL) != SQLITE_OK) return -1;
  int rc = sqlite3_step(st), done = -1;
  if (rc == SQLITE_ROW) {
    const unsigned char *v = sqlite3_column_text(st, 0);
    done = v && strcmp((const char *)v, "1") == 0;
  } else if (rc == SQLITE_DONE) {
    done = 0;
  }
  sqlite3_finalize(st);
  return done;
}

/* Checkpoint and switch to a rollback journal; 1 when the WAL is gone. A
** recording still running holds the database open, so the switch fails
** (SQLITE_BUSY) and the file is left as it is. A finished recording's log
** is merged too: a copy taken, or a kill that came, before its closing
** checkpoint ended leaves one, and the file alone then lacks pages.
** *complete gets whether the recording had finished. */
static int merge(const char *path, int *complete) {
  sqlite3 *db = NULL;
  char *name = strncmp(path, "file:", 5) == 0 ? hr_sprintf("./%s", path) : hr_strdup(path);
  if (!name) return 0;
  int rc = sqlite3_open_v2(name, &db, SQLITE_OPEN_READWRITE, NULL);
  hr_free(name);
  if (rc == SQLITE_OK) rc = trc_reader_harden(db);
  int merged = 0;
  if (rc == SQLITE_OK && !sqlite3_db_readonly(db, "main") && (*complete = is_complete(db)) >= 0 &&
      sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL) == SQLITE_OK) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "PRAGMA journal_mode = DELETE", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
      const unsigned char *mode = sqlite3_column_text(st, 0);
      merged = mode && strcmp((const char *)mode, "delete") == 0;
    }
    sqlite3_finalize(st);
  }
  sqlite3_close_v2(db);
  return merged;
}

int trc_wal_merge(const char *path, char **note) {
  *note = NULL;
  char *wal = hr_sprintf("%s-wal", path), *shm = hr_sprintf("%s-shm", path);
  int complete = 0;
  if (wal && shm && exists(wal) && writable(path, shm) && merge(path, &complete) && !exists(wal))
    *note = complete ? hr_sprintf("merged the write-ahead log left beside '%s' into it", path)
                     : hr_sprintf("merged the killed recording's write-ahead log into '%s'", path);
  hr_free(wal);
  hr_free(shm);
  return HR_OK;
}
