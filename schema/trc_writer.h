/* trc_writer.h — the trace writer: events in, one SQLite trace file out.
**
** Interpreter-neutral: nothing here knows CPython. One producer thread calls
** the functions below (the caller serialises if it has several threads); they
** only store into a bounded ring of blocks. A writer thread encodes each full
** block into a chunk (trc_codec), compresses it and inserts it, committing as
** it goes, so a killed process leaves a file that opens and holds every chunk
** committed before the kill, marked incomplete. The producer waits only when
** every block is full (back-pressure); no event is ever dropped silently.
**
** Dimension records (strings, locations, types, threads, source text, meta,
** keyframes) travel through the same ring, so the file is always consistent:
** every id an event uses is defined in the same transaction or an earlier one.
*/
#ifndef TRC_WRITER_H
#define TRC_WRITER_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "trc_event.h"

typedef struct trc_writer trc_writer;

/* The producer's end of the ring, the first member of every trc_writer, so
** that trc_writer_append_inline needs no call while the block has room.
** Only the writer's own code writes it; others only call the functions. */
typedef struct trc_writer_head {
  trc_event *cur;              /* the block being filled */
  uint32_t cur_n;              /* entries used in cur */
  uint32_t cap;                /* entries per block, fixed at open */
  uint64_t seq;                /* last sequence number handed out */
  _Atomic unsigned attn;       /* nonzero: the next append must take the slow path */
} trc_writer_head;

typedef struct trc_writer_options {
  uint32_t chunk_events;   /* events per chunk (block); 0 = default 65536 */
  uint32_t ring_blocks;    /* blocks in the ring; 0 = default 8 */
  int zlevel;              /* zlib level; 0 = default 1 */
  uint32_t flush_ms;       /* commit at least this often when events trickle; 0 = default 500 */
  uint32_t page_size;      /* SQLite page size of the new file; 0 = SQLite's default (4096) */
} trc_writer_options;

/* Create the trace at path (an existing file is replaced only once the new
** one is ready: it is built under a temporary name beside it and renamed;
** trc_target_check says what may be replaced). A trace that was at path is
** kept aside under a hidden name, "<dir>/.<name>.previous", until the new
** one is closed: a recording that fails puts it back, so a full disk never
** costs the trace of an earlier run. A recording killed with SIGKILL leaves
** its own trace at path, incomplete, and the previous one under that name.
** opt is borrowed, NULL for defaults. On failure *errmsg (owned, may be NULL)
** says why, and nothing is left at path. */
int trc_writer_open(const char *path, const trc_writer_options *opt,
                    trc_writer **out, char **errmsg);

/* Append one event; returns its sequence number (dense, from 1), or 0 when
** the writer has failed (trc_writer_close then reports why). */
uint64_t trc_writer_append(trc_writer *w, int kind, uint64_t step,
                           uint64_t a, uint64_t b, uint64_t c, uint64_t d);

/* Store one event into a ring entry. */
static inline void trc_writer_fill(trc_event *e, uint64_t seq, int kind, uint64_t step,
                                   uint64_t a, uint64_t b, uint64_t c, uint64_t d) {
  e->seq = seq;
  e->step = step;
  e->f[0] = a;
  e->f[1] = b;
  e->f[2] = c;
  e->f[3] = d;
  e->kind = (uint8_t)kind;
}

/* Fill the current block's next event (the caller checked there is room);
** returns its sequence number. Shared by both append paths. */
static inline uint64_t trc_writer_put(trc_writer_head *h, int kind, uint64_t step,
                                      uint64_t a, uint64_t b, uint64_t c, uint64_t d) {
  trc_writer_fill(&h->cur[h->cur_n++], ++h->seq, kind, step, a, b, c, d);
  return h->seq;
}

/* trc_writer_append for a producer's hot path: the same contract, inlined
** while the current block has room and nothing needs attention. */
static inline uint64_t trc_writer_append_inline(trc_writer *w, int kind, uint64_t step,
                                                uint64_t a, uint64_t b, uint64_t c,
                                                uint64_t d) {
  trc_writer_head *h = (trc_writer_head *)w;
  if ((unsigned)kind - 1u >= (unsigned)TRC_EV_KIND_MAX || h->cur_n + 1 >= h->cap ||
      atomic_load_explicit(&h->attn, memory_order_relaxed))
    return trc_writer_append(w, kind, step, a, b, c, d);
  return trc_writer_put(h, kind, step, a, b, c, d);
}

/* A run of events stored straight into the current block, for a producer
** that appends many in a row: the block's cursor lives in the run (in
** registers) until trc_writer_run_end puts it back. Between begin and end
** the producer calls nothing else of the writer's, and stores events with
** trc_writer_run_put only while trc_writer_run_room says yes: up to the
** block's last entry, which trc_writer_append publishes, and none when the
** next append must take that slow path. A flush asked for meanwhile waits
** for the producer's next ordinary append. */
typedef struct trc_writer_run {
  trc_event *e, *end;          /* the next entry; the first it may not fill */
  uint64_t seq;                /* last sequence number handed out */
} trc_writer_run;

static inline void trc_writer_run_begin(trc_writer *w, trc_writer_run *r) {
  trc_writer_head *h = (trc_writer_head *)w;
  r->e = h->cur + h->cur_n;
  r->end = atomic_load_explicit(&h->attn, memory_order_relaxed) || h->cur_n + 1 >= h->cap
               ? r->e : h->cur + h->cap - 1;
  r->seq = h->seq;
}

static inline int trc_writer_run_room(const trc_writer_run *r) { return r->e < r->end; }

static inline void trc_writer_run_put(trc_writer_run *r, int kind, uint64_t step, uint64_t a,
                                      uint64_t b, uint64_t c, uint64_t d) {
  trc_writer_fill(r->e++, ++r->seq, kind, step, a, b, c, d);
}

static inline void trc_writer_run_end(trc_writer *w, const trc_writer_run *r) {
  trc_writer_head *h = (trc_writer_head *)w;
  h->cur_n = (uint32_t)(r->e - h->cur);
  h->seq = r->seq;
}

/* Append n binds at once: holder's slot item[first + k] now refers to object
** ids[k], for k in 0..n-1, with consecutive sequence numbers; returns the
** last, or 0 when the writer has failed. ids (from trc_writer_ids_alloc(n),
** none 0) passes to the writer, whose thread makes the events: for a big
** sequence's items, which the producer then need not store one by one. */
uint64_t trc_writer_items(trc_writer *w, uint64_t step, uint64_t holder, uint64_t first,
                          uint64_t *ids, size_t n);

/* Room for n ids, for trc_writer_items; NULL when out of memory. A big
** array is mapped present at once: its fresh pages would otherwise fault in
** one by one, thousands for a long list, while the program waits. Freed by
** the writer, or by trc_writer_ids_free with the same n. */
uint64_t *trc_writer_ids_alloc(size_t n);
void trc_writer_ids_free(uint64_t *ids, size_t n);

/* Intern a string; returns its id (>= 1; equal strings give equal ids), or 0
** when out of memory. s is borrowed. */
uint64_t trc_writer_string(trc_writer *w, const char *s, size_t n);
/* Intern a code location (file and function are string ids); returns its id. */
uint64_t trc_writer_location(trc_writer *w, uint64_t file_sid, uint32_t line,
                             uint64_t func_sid);
/* Intern a type by name (a string id); returns its id. */
uint64_t trc_writer_type(trc_writer *w, uint64_t name_sid);
/* Intern a Python stack: the innermost frame's location (a location id) on
** top of its caller's stack (a stack id, 0 for none); returns its id. */
uint64_t trc_writer_stack(trc_writer *w, uint64_t parent, uint64_t location);
/* Describe a thread that events refer to by thread id. */
void trc_writer_thread(trc_writer *w, uint64_t thread_id, uint64_t name_sid,
                       uint64_t native_id);
/* Store the text of a source file (borrowed) so a trace is self-contained. */
void trc_writer_source(trc_writer *w, uint64_t file_sid, const char *text,
                       size_t n);
/* Set a run fact in the meta table (both borrowed). */
void trc_writer_meta(trc_writer *w, const char *key, const char *value);
/* Set on `to` every meta value set on `from` so far (a forked child's trace
** starts with its parent's facts). */
void trc_writer_meta_copy(trc_writer *to, const trc_writer *from);
/* Store a keyframe: an opaque state snapshot (borrowed) valid at the start of
** `step`, after event seq `seq`. */
void trc_writer_keyframe(trc_writer *w, uint64_t step, uint64_t seq,
                         const void *data, size_t n);

/* Record text (borrowed, n bytes of UTF-8) the program wrote to its stream
** (TRC_STREAM_STDOUT or TRC_STREAM_STDERR) during `step`, after the events
** appended so far: a row of the output table. */
void trc_writer_output(trc_writer *w, uint64_t step, int stream, const char *text, size_t n);

/* Append a mark event labelled `label` (borrowed) and hand the block to the
** writer thread; returns the mark's sequence number. */
uint64_t trc_writer_mark(trc_writer *w, uint64_t step, const char *label);

/* Hand the current partial block to the writer thread without waiting. */
void trc_writer_flush(trc_writer *w);
/* Flush and wait until everything appended so far is committed. */
int trc_writer_sync(trc_writer *w);
/* The recording is ending: what is appended from now on (and the blocks
** still waiting) is compressed fast, since the program will wait for it at
** close rather than run alongside it. */
void trc_writer_finishing(trc_writer *w);

/* Events appended so far, and bytes of compressed chunk data written. */
uint64_t trc_writer_events(const trc_writer *w);
uint64_t trc_writer_chunk_bytes(const trc_writer *w);

/* Fork safety, for a process that may fork while writers are open: call
** these from pthread_atfork's prepare, parent and child handlers. Prepare
** waits until no writer thread is inside SQLite or zlib and holds every
** writer's lock across the fork. In the child, which has no writer threads,
** every writer inherited becomes inert: appends and records are dropped,
** nothing blocks, and trc_writer_close frees only the memory, leaving the
** parent's file and SQLite handle untouched (SQLite forbids using a
** connection across fork). Writers opened in the child are ordinary. */
void trc_writer_fork_prepare(void);
void trc_writer_fork_parent(void);
void trc_writer_fork_child(void);
/* 1 when w was inherited across a fork (inert), else 0. */
int trc_writer_forked(const trc_writer *w);

/* Finish: commit everything, record meta complete = `complete` (1 normally),
** leave a single self-contained file and free the writer. Returns HR_OK or the
** first error met during the whole recording, with *errmsg (owned) set, one
** line that also says what is left at the path: the trace that was there
** before, put back, or when there was none, this one as far as it got.
** trc_writer_close(NULL, ...) returns HR_OK. */
int trc_writer_close(trc_writer *w, int complete, char **errmsg);

/* The recording never started: stop, delete the new file and put back the
** trace that was at the path, if any. Returns the writer's first error, if
** any (*errmsg owned). */
int trc_writer_discard(trc_writer *w, char **errmsg);

/* The process is dying of a fatal signal (or must end now): hand the block
** being filled to the writer thread, wait up to timeout_ms for it to commit
** everything, then leave the new trace at the path (incomplete) or, if the
** writer had failed, the previous one. Only lock-free steps, a trylock and
** a condition signal, unlink and rename: meant for a signal handler, where
** the crashing thread may hold the writer's lock (then the blocks already
** handed over are all that is committed). Appends stop for good. */
void trc_writer_crash(trc_writer *w, unsigned timeout_ms);

#endif /* TRC_WRITER_H */
