/* trc_index_vtab.h — `objects` and `frames` as virtual tables over the index (trc_index.h).
**
** Eponymous modules: a format 1 trace's own objects and frames tables come
** first (SQLite looks a name up in the schema before it tries a module), so
** on a 1.x trace these modules are never reached; the reader refuses a
** format 2 trace that holds a table or view under either name. The index is
** made on the first query that needs it, from the cached blocks when they
** match their check, else from the events, and kept for the connection's life.
*/
#ifndef TRC_INDEX_VTAB_H
#define TRC_INDEX_VTAB_H

#include "trc_index.h"
#include "trc_sqlite.h"

typedef struct trc_index_state trc_index_state;

/* Register the modules "objects" and "frames" on db. *state (may be NULL)
** gets the connection's index state, borrowed: it lives as long as db. */
int trc_index_register(sqlite3 *db, trc_index_state **state);
/* The index built from the events on this connection (not read from a
** cache), or NULL when none was built. Borrowed. */
const trc_index *trc_index_state_built(const trc_index_state *s);
/* Why a cached index in the trace was not used ("" when none was passed over). */
const char *trc_index_state_ignored(const trc_index_state *s);
/* fn(ctx, why) when a cached index is passed over, as it happens (once). */
void trc_index_state_on_ignored(trc_index_state *s, void (*fn)(void *ctx, const char *why),
                                void *ctx);

#endif /* TRC_INDEX_VTAB_H */
