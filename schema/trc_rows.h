/* trc_rows.h — bulk rows: an array of integer rows that SQLite reads as a table.
**
** Private to the writer. A statement run once per block
** (`INSERT INTO objects SELECT ... FROM <name>`) costs about half of what
** binding and stepping an INSERT per row does, and the objects table takes a
** row per object. The table is an eponymous virtual table registered on the
** writer's own connection only: nothing of it is stored in the trace, which
** stays plain SQLite.
*/
#ifndef TRC_ROWS_H
#define TRC_ROWS_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#define TRC_ROWS_COLS 10   /* columns c0 .. c9 */

typedef struct trc_row {
  int64_t v[TRC_ROWS_COLS];
  uint32_t nulls;          /* bit i: column i is NULL */
} trc_row;

typedef struct trc_rows {
  trc_row *row;            /* owned */
  size_t n, cap;
} trc_rows;

/* Make rows (borrowed; must outlive db) readable as the table `name`
** (a static string) with columns c0 .. c9. Returns an SQLite result code. */
int trc_rows_register(sqlite3 *db, const char *name, trc_rows *rows);

/* A new zeroed row at the end, or NULL when out of memory. */
trc_row *trc_rows_add(trc_rows *rows);

static inline void trc_rows_clear(trc_rows *rows) { rows->n = 0; }

/* Release the array (the struct itself is the caller's). */
void trc_rows_reset(trc_rows *rows);

#endif /* TRC_ROWS_H */
