/* ana_threads.c — small thread numbers in order of first appearance (ana_threads.h). */
#include "ana_threads.h"

#include <string.h>

#include "hr_status.h"
#include "trc_sqlite.h"

/* Number each thread id the statement yields that has none yet. */
static int number_rows(ana_trace *t, ana_threads *th, const char *sql) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(ana_trace_db(t), sql, -1, &st, NULL) != SQLITE_OK)
    return ana_trace_fail(t, HR_ESQL, "cannot read the threads: %s",
                          sqlite3_errmsg(ana_trace_db(t)));
  int rc, status = HR_OK;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    uint64_t id = (uint64_t)sqlite3_column_int64(st, 0);
    if (!id || ana_map_get(&th->num, id)) continue;
    if (ana_map_put(&th->num, id, (void *)(uintptr_t)(th->n + 1))) {
      status = HR_ENOMEM;
      break;
    }
    th->n++;
  }
  if (status == HR_OK && rc != SQLITE_DONE)
    status = ana_trace_fail(t, HR_ESQL, "cannot read the threads: %s",
                            sqlite3_errmsg(ana_trace_db(t)));
  sqlite3_finalize(st);
  return status;
}

int ana_threads_load(ana_trace *t, ana_threads *th) {
  memset(th, 0, sizeof *th);
  ana_map_init(&th->num);
  /* The main thread first; the scan of every frame only when there are others. */
  int rc = number_rows(t, th, "SELECT thread FROM frames WHERE id = (SELECT min(id) FROM frames)");
  if (rc == HR_OK)
    rc = number_rows(t, th, "SELECT id FROM threads WHERE (SELECT count(*) FROM threads) = 1");
  if (rc == HR_OK)
    rc = number_rows(t, th, "SELECT thread FROM frames WHERE (SELECT count(*) FROM threads) > 1 "
                            "GROUP BY thread ORDER BY min(id)");
  if (rc == HR_OK) rc = number_rows(t, th, "SELECT id FROM threads ORDER BY native_id, id");
  if (rc) ana_threads_reset(th);
  return rc;
}

void ana_threads_reset(ana_threads *th) {
  ana_map_reset(&th->num);
  th->n = 0;
}

uint64_t ana_threads_number(const ana_threads *th, uint64_t thread_id) {
  return thread_id ? (uint64_t)(uintptr_t)ana_map_get(&th->num, thread_id) : 0;
}
