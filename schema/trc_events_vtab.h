/* trc_events_vtab.h — the `events` virtual table over a trace's chunks. */
#ifndef TRC_EVENTS_VTAB_H
#define TRC_EVENTS_VTAB_H

#include "trc_sqlite.h"

/* Register the eponymous module "events" on db (borrowed). */
int trc_events_register(sqlite3 *db);

#endif /* TRC_EVENTS_VTAB_H */
