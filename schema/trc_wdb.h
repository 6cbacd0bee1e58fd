/* trc_wdb.h — the trace writer's SQLite side: creating the file, storing blocks, finishing it.
**
** Private to the writer. A block is an array of ring entries: events
** (kind 1..TRC_EV_KIND_MAX, seq already assigned) interleaved with dimension
** entries (kind >= TRC_DIM_FIRST) that carry interned strings, locations and
** the other small records in their fields. Everything here runs on one thread
** at a time: the opener, then the writer thread, then the closer.
*/
#ifndef TRC_WDB_H
#define TRC_WDB_H

#include <stddef.h>
#include <stdint.h>

#include "trc_event.h"

/* Dimension entries and the meaning of their fields. "owned" payloads are
** hr_malloc'd by the producer and freed by trc_wdb_store / trc_wdb_drop;
** string bytes belong to the producer's intern table and outlive the thread. */
enum trc_dim_kind {
  TRC_DIM_FIRST = 64,
  TRC_DIM_STRING = 64,     /* id, bytes (const char *, borrowed), length */
  TRC_DIM_LOCATION = 65,   /* id, file sid, line, function sid */
  TRC_DIM_TYPE = 66,       /* id, name sid */
  TRC_DIM_THREAD = 67,     /* thread id, name sid, native id */
  TRC_DIM_SOURCE = 68,     /* file sid, text (owned), length */
  TRC_DIM_META = 69,       /* "key\0value\0" (owned) */
  TRC_DIM_KEYFRAME = 70,   /* step, seq, data (owned), length */
  TRC_DIM_STACK = 71,      /* id, parent stack id (0: none), location id */
  TRC_DIM_OUTPUT = 72,     /* seq, step, text (owned), length * 4 + stream */
  /* Binds of a run of sequence items, expanded here into n events (seq
  ** and step are the first one's): holder, first index, n, ids (owned). */
  TRC_DIM_ITEMS = 73
};

typedef struct trc_wdb trc_wdb;

/* Build the trace under a temporary name beside path, rename it over path and
** reopen it in WAL mode. A trace already at path (and its -wal) is kept
** aside under a hidden name, "<dir>/.<name>.previous", until trc_wdb_keep
** or trc_wdb_restore says which of the two stays. On failure path is as it
** was and *errmsg (owned) says why. */
int trc_wdb_create(const char *path, int zlevel, uint32_t page_size, trc_wdb **out,
                   char **errmsg);

/* Store one block inside the open transaction (begun here if none is):
** dimension rows, the events as one chunk and the markers rows of its
** mark events. Events are compacted to the front of ent in
** place. Every owned payload in the block is freed, whatever happens. On
** failure the transaction is rolled back. *chunk_bytes gets the compressed
** size written. */
int trc_wdb_store(trc_wdb *db, trc_event *ent, size_t n, uint64_t *chunk_bytes,
                  char **errmsg);

/* While on, blocks are compressed at zlib level 1 whatever the trace's level:
** the writer is behind and the producer about to wait for room. */
void trc_wdb_hurry(trc_wdb *db, int on);

/* Commit the open transaction, if any. */
int trc_wdb_commit(trc_wdb *db, char **errmsg);

/* Copy what the WAL holds into the file now, without waiting for anything,
** so the checkpoint at finish has little left to copy. A failure is not
** one: finish checkpoints anyway. */
void trc_wdb_checkpoint(trc_wdb *db);

/* Free the owned payloads of a block that will not be stored. */
void trc_wdb_drop(trc_event *ent, size_t n);

/* Record meta complete, checkpoint, and return the file to a single
** self-contained file (journal_mode DELETE). */
int trc_wdb_finish(trc_wdb *db, int complete, char **errmsg);

/* The new trace stays at path: the previous one kept aside is removed. */
void trc_wdb_keep(trc_wdb *db);

/* The new trace failed: close the connection and put the previous trace
** back at path. Returns 1 when there was one (db must then only be freed),
** 0 when there was none (nothing done). */
int trc_wdb_restore(trc_wdb *db);

/* trc_wdb_keep (failed 0) or the file half of trc_wdb_restore (failed 1)
** without closing or allocating anything: unlink and rename only, for a
** process about to die of a signal. Runs once; later calls do nothing. */
void trc_wdb_settle(trc_wdb *db, int failed);

/* Close the connection, delete the file (the recording never started), put
** a previous trace back, and free db; NULL is a no-op. */
void trc_wdb_abandon(trc_wdb *db);

/* Close the connection and free db; NULL is a no-op. */
void trc_wdb_free(trc_wdb *db);

#endif /* TRC_WDB_H */
