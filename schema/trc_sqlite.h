/* trc_sqlite.h — include SQLite either as a library or as an extension.
**
** The files that make the `events` virtual table are compiled twice: into
** heapreel (linked with libsqlite3) and into the loadable extension
** (TRC_SQLITE_EXTENSION defined), where every sqlite3_* call goes through the
** routine table the host hands to the extension's init function.
*/
#ifndef TRC_SQLITE_H
#define TRC_SQLITE_H

#ifdef TRC_SQLITE_EXTENSION
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3
#else
#include <sqlite3.h>
#endif

#endif /* TRC_SQLITE_H */
