/* trc_index_vtab.h — `objects` and `frames` as virtual tables over the index (trc_index.h).
**
** Eponymous modules: a format 1 trace's own objects and frames tables come
** first (SQLite looks a name up in the schema before it tries a module), so
** on a 1.x trace these modules are never reached; the reader refuses a
** format 2 trace that holds a table or view under either name. Each
** relation's index is made on the first query of that relation, from its
** cached blocks when they match their check, else from the events, and kept
** for the connection's life: a query of frames alone never makes objects.
*/
#ifndef TRC_INDEX_VTAB_H
#define TRC_INDEX_VTAB_H

#include "trc_index.h"
#include "trc_sqlite.h"

typedef struct trc_index_state trc_index_state;

/* Register the modules "objects" and "frames" on db. *state (may be NULL)
** gets the connection's index state, borrowed: it lives as long as db. */
int trc_index_register(sqlite3 *db, trc_index_state **state);
/* The index of relation rel (enum trc_index_rel) built from the events on
** this connection (not read from a cache), or NULL when none was built. Borrowed. */
const trc_index *trc_index_state_built(const trc_index_state *s, int rel);
/* Why rel's cached index in the trace was not used ("" when none was passed over). */
const char *trc_index_state_ignored(const trc_index_state *s, int rel);
/* fn(ctx, rel, why) when a relation's cached index is passed over, as it
** happens (once per relation). */
void trc_index_state_on_ignored(trc_index_state *s,
                                void (*fn)(void *ctx, int rel, const char *why), void *ctx);

#endif /* TRC_INDEX_VTAB_H */
