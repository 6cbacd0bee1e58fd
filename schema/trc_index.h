/* trc_index.h — the `objects` and `frames` relations of a format 2 trace.
**
** Format 2 writes no row per object or per frame: an object is born in its
** alloc or track event, grows in resize events and dies in its free event; a
** frame lives from its call event to its return event. The index gathers
** those into rows, in one pass over the chunks (a compact struct per
** object and per frame), sorted by id. Each relation is an index of its
** own, built and kept apart: most analyses look up a frame or a few, and a
** program's frames are a small fraction of its objects, so a frame must not
** cost the objects. An index is kept in the trace when the file can be
** written (table object_index or frame_index: zlib'd columnar blocks of
** TRC_INDEX_BLOCK rows, FORMAT.md) with its check in meta
** `object_index_check` or `frame_index_check`, and a reader uses the cached
** blocks only when they match that check and the check matches the chunks;
** otherwise it builds the index in memory. A trace kept by an older
** heapreel holds one meta `index_check` for both; it is read as such.
**
** Nothing here prints or depends on the analyzer: the virtual tables
** (trc_index_vtab.c) and the loadable extension use it as they are.
*/
#ifndef TRC_INDEX_H
#define TRC_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "trc_sqlite.h"

#define TRC_INDEX_BLOCK 4096      /* rows per cached block */

enum trc_obj_flags {
  TRC_OBJ_FREED = 1,              /* free_seq / free_step hold the free */
  TRC_OBJ_FREE_GC = 2,            /* freed by the cyclic collector */
  TRC_OBJ_PREEXISTING = 4         /* born in a track event */
};

/* One objects row. type 0: NULL. */
typedef struct trc_obj_row {
  uint64_t id, address, type, size;
  uint64_t alloc_seq, alloc_step, free_seq, free_step;
  uint8_t flags;                  /* enum trc_obj_flags */
} trc_obj_row;

/* One frames row. location / parent 0: NULL; returned 0: return_* NULL. */
typedef struct trc_frame_row {
  uint64_t id, location, parent, thread;
  uint64_t call_seq, call_step, return_seq, return_step;
  uint8_t returned;
} trc_frame_row;

enum trc_index_rel { TRC_REL_OBJECTS = 0, TRC_REL_FRAMES = 1 };
#define TRC_REL_BIT(rel) (1u << (rel))

/* Where a relation is kept: its table and its meta key (enum trc_index_rel). */
extern const char *const trc_index_table[2];
extern const char *const trc_index_check_key[2];
/* The meta key of an older heapreel's check of both relations at once. */
#define TRC_INDEX_CHECK_BOTH "index_check"

typedef struct trc_index trc_index;   /* the rows of one relation */

/* Build the relations in rels (TRC_REL_BIT of each) in one pass over every
** chunk on db: out[rel] for each, NULL for the others. On failure every
** out[] is NULL and *errmsg (owned) says why. */
int trc_index_build(sqlite3 *db, unsigned rels, trc_index *out[2], char **errmsg);
void trc_index_free(trc_index *x);   /* NULL is a no-op */
int trc_index_rel(const trc_index *x);   /* enum trc_index_rel */

/* The rows of a built index, sorted by id (borrowed); none of the other relation. */
const trc_obj_row *trc_index_objects(const trc_index *x, size_t *n);
const trc_frame_row *trc_index_frames(const trc_index *x, size_t *n);

/* The chunks' CRC, taken once for every relation checked on a connection. */
typedef struct trc_index_sum {
  int known;                      /* 0: not taken yet */
  uint32_t crc;
  uint64_t nchunks;
} trc_index_sum;

/* The cached index of relation rel on db, when one is there and its check
** matches the chunks (sum: their CRC, taken here when not known yet; may be
** NULL): *out NULL (and HR_OK) when there is none or it does not match,
** with why[] saying why when there was one. */
typedef struct trc_index_cache trc_index_cache;
int trc_index_cache_open(sqlite3 *db, int rel, trc_index_sum *sum, trc_index_cache **out,
                         char *why, size_t whylen);
void trc_index_cache_free(trc_index_cache *c);   /* NULL is a no-op */
/* The cache's blocks, by ascending ids. */
size_t trc_index_cache_nblocks(const trc_index_cache *c);
uint64_t trc_index_cache_first_id(const trc_index_cache *c, size_t k);
/* The block that may hold id: the last one starting at or below it (0
** when id is below them all). */
size_t trc_index_cache_find(const trc_index_cache *c, uint64_t id);
/* Decode block k into rows (TRC_INDEX_BLOCK of trc_obj_row or
** trc_frame_row as the relation is, the caller's), *n its rows. A block that
** does not match its check, or does not decode, gives HR_ECORRUPT with why[] set. */
int trc_index_cache_load(trc_index_cache *c, size_t k, void *rows, size_t *n, char *why,
                         size_t whylen);

/* Every block of x compressed, by ascending ids, and the text of its meta
** check (trc_index_check_key) for them against chunks (count, CRC). */
typedef struct trc_index_blocks {
  uint64_t first, last;           /* ids */
  uint8_t *data;                  /* owned */
  size_t len;
} trc_index_blocks;
int trc_index_encode(const trc_index *x, uint32_t chunks_crc, uint64_t nchunks,
                     trc_index_blocks **out, size_t *nout, char **check);
void trc_index_blocks_free(trc_index_blocks *b, size_t n);

/* Of an older heapreel's check of both relations, the check of rel alone
** (owned), or NULL when it is malformed or out of memory. */
char *trc_index_check_split(const char *both, int rel);

/* Store the indexes xs[0..n) (each its relation's, NULL ones skipped) in
** the trace at path (a connection of its own, one transaction), each with
** its check against the chunks as they are then; the other relation's
** cache is left as it is. *stored: how many were written, *bytes their
** blocks' size. HR_OK, or a status with why[] set. (trc_index_store.c: the
** reader's side only, not the extension.) */
int trc_index_store(const char *path, const trc_index *const *xs, size_t n, int *stored,
                    uint64_t *bytes, char *why, size_t whylen);

/* CRC-32 of every chunk (first_seq as 8 little-endian bytes, then data) by
** ascending first_seq: what a cache is checked against. */
int trc_index_chunks_crc(sqlite3 *db, uint32_t *crc, uint64_t *nchunks);

#endif /* TRC_INDEX_H */
