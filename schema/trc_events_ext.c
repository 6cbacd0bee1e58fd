/* trc_events_ext.c — `events`, `objects` and `frames` as a loadable SQLite extension (heapreel_events.so). */
#include "trc_sqlite.h"

SQLITE_EXTENSION_INIT1

#include "trc_events_vtab.h"
#include "trc_index_vtab.h"

/* The name SQLite derives from the file name heapreel_events.so, so
** `.load heapreel_events` and load_extension(path) need no entry point. */
__attribute__((visibility("default")))
int sqlite3_heapreelevents_init(sqlite3 *db, char **errmsg, const sqlite3_api_routines *api) {
  SQLITE_EXTENSION_INIT2(api);
  int rc = trc_events_register(db);
  if (rc == SQLITE_OK) rc = trc_index_register(db, NULL);
  if (rc != SQLITE_OK && errmsg)
    *errmsg = sqlite3_mprintf("cannot register the events, objects and frames tables: %s",
                              sqlite3_errstr(rc));
  return rc;
}
