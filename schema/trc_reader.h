/* trc_reader.h — open a trace for analysis, safely.
**
** Traces come from elsewhere: the reader opens them read-only with SQLite's
** defensive settings (SQLITE_DBCONFIG_DEFENSIVE, no trusted schema, no
** triggers or views run with privileges, no extension loading), checks that
** the file is a heapreel trace of a known major version with every table in
** place, and registers the `events`, `objects` and `frames` virtual tables
** on the connection (the last two stand in for the tables of format 1).
*/
#ifndef TRC_READER_H
#define TRC_READER_H

#include <stdint.h>

#include "trc_event.h"
#include "trc_scan.h"
#include "trc_sqlite.h"

typedef struct trc_reader trc_reader;

/* On failure *errmsg (owned) is one line saying why, e.g.
** "not a heapreel trace" or "trace version 7.0 is not supported (this heapreel reads 1.x and 2.x)". */
int trc_reader_open(const char *path, trc_reader **out, char **errmsg);
void trc_reader_free(trc_reader *r);                 /* NULL is a no-op */
/* Apply the defensive settings the reader uses to another connection on a
** trace (nothing in the file runs with privileges, no extension loading). */
int trc_reader_harden(sqlite3 *db);

/* Open the trace at path for writing a cache into it (keyframes, the
** objects index): read-write, hardened as a reader, waiting up to 2 s for
** another writer, inside BEGIN IMMEDIATE. A SQLite result code; *db is set
** (NULL when out of memory) and the caller closes it either way. */
int trc_reader_open_cache_txn(const char *path, sqlite3 **db);
/* A 'path-wal' left by a killed recording (or an interrupted checkpoint) merged into the file, once, when the file
** and directory can be written (trc_walmerge.c); *note gets an owned line to
** show when it was done, else NULL. */
int trc_wal_merge(const char *path, char **note);
/* A line to show the user about the open (the WAL merged, or a WAL that must
** stay beside the file), or NULL; borrowed. */
const char *trc_reader_note(trc_reader *r);

sqlite3 *trc_reader_db(trc_reader *r);               /* borrowed */
/* A meta value (borrowed, valid while the reader lives) or NULL. */
const char *trc_reader_meta(trc_reader *r, const char *key);
/* The trace's format_major: 1 (objects and frames are tables in the file)
** or 2 (they are the virtual tables of trc_index_vtab.h). */
int trc_reader_format_major(trc_reader *r);
/* The connection's objects / frames index state (borrowed). */
struct trc_index_state *trc_reader_index(trc_reader *r);
/* 1 when the recording finished, 0 when it was cut short. */
int trc_reader_complete(trc_reader *r);
/* Highest sequence number and step in the trace (0 for an empty trace). */
uint64_t trc_reader_last_seq(trc_reader *r);
uint64_t trc_reader_last_step(trc_reader *r);

/* Interned string by id (borrowed, valid while the reader lives) or NULL. */
const char *trc_reader_string(trc_reader *r, uint64_t sid);

#endif /* TRC_READER_H */
