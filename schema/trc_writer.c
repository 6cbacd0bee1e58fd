/* trc_writer.c — the trace writer: the producer's ring of blocks and the writer thread that drains it. */
#define _GNU_SOURCE /* pthread_setname_np */
#include "trc_writer.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "hr_mem.h"
#include "hr_status.h"
#include "trc_codec.h"
#include "trc_intern.h"
#include "trc_wdb.h"

#define DEFAULT_CHUNK_EVENTS 65536
#define DEFAULT_RING_BLOCKS 8
#define DEFAULT_ZLEVEL 1
#define DEFAULT_FLUSH_MS 500

/* Bits of trc_writer.attn: the one word the producer reads on every append. */
enum {
  ATTN_FLUSH = 1,      /* the writer thread saw no block for flush_ms: publish a partial one */
  ATTN_FAILED = 2      /* an error is recorded (or the writer was forked): appends become no-ops */
};

struct trc_writer {
  /* The producer's fast path (trc_writer.h): cur, cur_n, seq and attn are
  ** the producer's; cap is fixed at open; attn is lock-free (below). */
  trc_writer_head h;
  /* Producer thread only (the caller of the public functions). */
  trc_intern *strings, *locations, *types, *stacks;
  char **meta;                 /* the meta values set so far, "key\0value\0" each (owned) */
  size_t nmeta, capmeta;

  /* Fixed at open, read-only afterwards: safe from both threads. */
  uint32_t nblocks;
  trc_event *ring;             /* nblocks * cap entries, owned */
  uint32_t flush_ms;
  trc_wdb *db;                 /* used by the writer thread while it runs, by close after join */
  pthread_t thread;

  /* Protected by mu (pub is written only by the producer, so it may also
  ** read it without). Blocks are numbered from 0: blocks done..pub-1 are
  ** the writer thread's, block pub is the one the producer fills. Block k
  ** lives at ring slot where[k % nblocks]; a new block takes the slot freed
  ** last, so a writer that keeps up cycles through two or three slots and
  ** the rest of the ring is never touched: a short recording does not
  ** fault in 8 blocks' pages (25 MB, a fifth of bench_fib's added CPU). */
  pthread_mutex_t mu;
  pthread_cond_t work;         /* writer waits: pub moved, or stopping */
  pthread_cond_t space;        /* producer waits: done or committed moved */
  uint64_t pub, done;          /* blocks published / stored (or dropped) so far */
  uint64_t committed;          /* blocks whose transaction has ended (committed or failed) */
  uint32_t *fill;              /* fill[k % nblocks]: entries in published block k */
  uint32_t *where;             /* where[k % nblocks]: the ring slot of block k */
  uint32_t *spare;             /* ring slots free to fill, the last freed on top */
  uint32_t nspare;
  int stopping;
  int finishing;               /* trc_writer_finishing: compress fast from now on */
  int err;                     /* first error met, HR_OK until then */
  char *errmsg;                /* owned, its message */
  int db_busy;                 /* the writer thread is in SQLite or zlib, mu released */
  int fork_hold;               /* a fork is under way: start no database work */

  /* Set in a forked child (trc_writer_fork_child), which has no writer
  ** thread: nothing waits, and the parent's file is never touched again. */
  int forked;
  /* trc_writer_crash ran: what follows is lost, the trace never complete
  ** (should the process live on, an earlier handler having returned). */
  volatile int crashed;

  /* Lock-free: h.attn is written rarely and read relaxed; a late view only
  ** delays a flush or lets one more event into a writer that has already
  ** failed. */
  _Atomic uint64_t chunk_bytes;  /* added to by the writer thread */
};

static trc_event *slot(const trc_writer *w, uint64_t block) {
  return w->ring + (size_t)w->where[block % w->nblocks] * w->h.cap;
}

/* Give block pub a ring slot; mu held, and pub - done < nblocks, so with
** one slot per unstored block one is spare. */
static trc_event *take_slot(trc_writer *w) {
  w->where[w->pub % w->nblocks] = w->spare[--w->nspare];
  return slot(w, w->pub);
}

/* Keep the first error (msg owned, may be NULL) and turn appends off. */
static void set_error(trc_writer *w, int status, char *msg) {
  pthread_mutex_lock(&w->mu);
  if (w->err == HR_OK) {
    w->err = status;
    w->errmsg = msg;
    msg = NULL;
  }
  pthread_mutex_unlock(&w->mu);
  hr_free(msg);
  atomic_fetch_or_explicit(&w->h.attn, ATTN_FAILED, memory_order_relaxed);
}

static void set_enomem(trc_writer *w, const char *what) {
  set_error(w, HR_ENOMEM, hr_sprintf("out of memory %s", what));
}

/* Hand the current block to the writer thread; with `next`, wait for a free
** block to fill (back-pressure), otherwise leave cur unset (closing). A
** full block wakes a writer thread that has caught up only when a second
** one waits too (`now`, or once the program is finishing: at once, as the
** close will wait for it): each wake is a system call for the program and,
** on a virtual machine, an interrupt to another CPU, a tenth of a
** millisecond at times; the flush timer still bounds the delay. */
static void publish(trc_writer *w, int next, int now) {
  if (w->forked) {               /* no thread to drain the ring: drop the block */
    w->h.cur_n = 0;
    return;
  }
  if (atomic_load_explicit(&w->h.attn, memory_order_relaxed) & ATTN_FLUSH)
    atomic_fetch_and_explicit(&w->h.attn, ~(unsigned)ATTN_FLUSH, memory_order_relaxed);
  pthread_mutex_lock(&w->mu);
  if (w->h.cur_n > 0) {
    w->fill[w->pub % w->nblocks] = w->h.cur_n;
    w->pub++;
    w->h.cur_n = 0;              /* now, so trc_writer_crash never publishes it twice */
    if (now || w->finishing || w->pub - w->done >= 2) pthread_cond_signal(&w->work);
  }
  if (next) {
    /* About to wait for the writer thread: it must be awake (a ring of one block). */
    if (w->pub - w->done >= w->nblocks) pthread_cond_signal(&w->work);
    while (w->pub - w->done >= w->nblocks) pthread_cond_wait(&w->space, &w->mu);
  } else {
    w->stopping = 1;
    pthread_cond_signal(&w->work);
  }
  w->h.cur = next ? take_slot(w) : NULL;
  w->h.cur_n = 0;
  pthread_mutex_unlock(&w->mu);
}

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Store one block; returns whether a transaction is left open. */
static int writer_store(trc_writer *w, uint64_t block, uint32_t n, int failed, int in_txn) {
  /* After a failure blocks are still taken, so the producer never waits
  ** forever; their payloads are freed unstored. Blocks stored before the
  ** failure stay in the open transaction and are committed as usual. */
  if (failed) {
    trc_wdb_drop(slot(w, block), n);
    return in_txn;
  }
  uint64_t bytes = 0;
  char *msg = NULL;
  int status = trc_wdb_store(w->db, slot(w, block), n, &bytes, &msg);
  if (status != HR_OK) {
    set_error(w, status, msg);
    return 0;
  }
  atomic_fetch_add_explicit(&w->chunk_bytes, bytes, memory_order_relaxed);
  return 1;
}

static void *writer_main(void *arg) {
  trc_writer *w = arg;
  /* Named, so top -H and perf tell it from the thread it records. */
  pthread_setname_np(pthread_self(), "heapreel-writer");
  uint64_t last = now_ms();      /* last block or flush request, for the flush timer */
  uint64_t txn_start = 0;
  int in_txn = 0;
  pthread_mutex_lock(&w->mu);
  for (;;) {
    if (w->fork_hold) {          /* trc_writer_fork_prepare: SQLite stays idle until the fork */
      pthread_cond_wait(&w->work, &w->mu);
      continue;
    }
    if (w->done < w->pub) {
      uint64_t block = w->done;
      uint32_t n = w->fill[block % w->nblocks];
      int failed = w->err != HR_OK;
      /* Half the ring or more waiting (a burst: a million-item list's
      ** end-of-run graph, a loaded machine): compress fast until it drains,
      ** rather than make the program wait. */
      int finishing = w->finishing;
      trc_wdb_hurry(w->db, finishing || w->pub - w->done >= (w->nblocks + 1) / 2);
      w->db_busy = 1;
      pthread_mutex_unlock(&w->mu);
      if (!in_txn) txn_start = now_ms();
      in_txn = writer_store(w, block, n, failed, in_txn);
      pthread_mutex_lock(&w->mu);
      w->spare[w->nspare++] = w->where[block % w->nblocks];
      w->done++;                 /* the block's memory is free again */
      int more = w->done < w->pub;
      pthread_cond_broadcast(&w->space);
      pthread_mutex_unlock(&w->mu);
      last = now_ms();
      /* Commit when caught up; while blocks queue up (a burst of allocations
      ** makes many rows per block), let one transaction take several, up to
      ** flush_ms, so pages written to the WAL are not rewritten per block. */
      if (in_txn && (!more || last - txn_start >= w->flush_ms)) {
        char *msg = NULL;
        int status = trc_wdb_commit(w->db, &msg);
        if (status != HR_OK) set_error(w, status, msg);
        in_txn = 0;
        /* Caught up after the program's end: the file's pages are copied
        ** while it finalises, not after. */
        if (!more && finishing && status == HR_OK) trc_wdb_checkpoint(w->db);
      }
      pthread_mutex_lock(&w->mu);
      w->db_busy = 0;
      if (!in_txn) w->committed = block + 1;
      if (!in_txn || w->fork_hold) pthread_cond_broadcast(&w->space);
      continue;
    }
    if (w->stopping) break;
    uint64_t deadline = last + w->flush_ms;
    struct timespec ts = {(time_t)(deadline / 1000), (long)(deadline % 1000) * 1000000L};
    if (pthread_cond_timedwait(&w->work, &w->mu, &ts) == ETIMEDOUT && w->done == w->pub) {
      atomic_fetch_or_explicit(&w->h.attn, ATTN_FLUSH, memory_order_relaxed);
      last = now_ms();
    }
  }
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

/* ---- fork ------------------------------------------------------------------------------- */

/* The open writers, for the fork handlers (a child must find every writer
** it inherits, to make it inert). */
static struct {
  pthread_mutex_t mu;          /* protects list and n; held from prepare to parent/child */
  trc_writer **list;
  size_t n, cap;
} g_open = {.mu = PTHREAD_MUTEX_INITIALIZER};

static int registry_add(trc_writer *w) {
  pthread_mutex_lock(&g_open.mu);
  trc_writer **l = hr_grow(g_open.list, &g_open.cap, g_open.n + 1, sizeof *l, 4);
  if (l) {
    g_open.list = l;
    g_open.list[g_open.n++] = w;
  }
  pthread_mutex_unlock(&g_open.mu);
  return l ? HR_OK : HR_ENOMEM;
}

static void registry_remove(trc_writer *w) {
  pthread_mutex_lock(&g_open.mu);
  for (size_t i = 0; i < g_open.n; i++)
    if (g_open.list[i] == w) {
      g_open.list[i] = g_open.list[--g_open.n];
      break;
    }
  pthread_mutex_unlock(&g_open.mu);
}

void trc_writer_fork_prepare(void) {
  pthread_mutex_lock(&g_open.mu);
  for (size_t i = 0; i < g_open.n; i++) {
    trc_writer *w = g_open.list[i];
    pthread_mutex_lock(&w->mu);
    if (w->forked) continue;
    /* SQLite's and zlib's own state must not be copied half-way through a
    ** call: a child that opens a trace of its own would find SQLite's
    ** global mutexes held by a thread it does not have. */
    w->fork_hold = 1;
    while (w->db_busy) pthread_cond_wait(&w->space, &w->mu);
  }
}

void trc_writer_fork_parent(void) {
  for (size_t i = 0; i < g_open.n; i++) {
    trc_writer *w = g_open.list[i];
    w->fork_hold = 0;
    pthread_cond_signal(&w->work);
    pthread_mutex_unlock(&w->mu);
  }
  pthread_mutex_unlock(&g_open.mu);
}

/* The child has no writer thread and inherits the locks as prepare left
** them (held by this thread): they are made anew, not unlocked, as the
** conditions may count waiters that do not exist here. */
static void sync_reinit(trc_writer *w) {
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&w->work, &ca);
  pthread_condattr_destroy(&ca);
  pthread_cond_init(&w->space, NULL);
  pthread_mutex_init(&w->mu, NULL);
}

void trc_writer_fork_child(void) {
  for (size_t i = 0; i < g_open.n; i++) {
    trc_writer *w = g_open.list[i];
    sync_reinit(w);
    w->forked = 1;
    w->fork_hold = 0;
    w->db_busy = 0;
    w->stopping = 1;
    w->h.cur_n = 0;            /* the parent's unpublished events are the parent's to write */
    atomic_fetch_or_explicit(&w->h.attn, ATTN_FAILED, memory_order_relaxed);
  }
  pthread_mutex_init(&g_open.mu, NULL);
}

int trc_writer_forked(const trc_writer *w) { return w != NULL && w->forked; }

static void writer_free(trc_writer *w) {
  trc_intern_free(w->strings);
  trc_intern_free(w->locations);
  trc_intern_free(w->types);
  trc_intern_free(w->stacks);
  for (size_t i = 0; i < w->nmeta; i++) hr_free(w->meta[i]);
  hr_free(w->meta);
  hr_free(w->ring);
  hr_free(w->fill);
  hr_free(w->where);
  hr_free(w->spare);
  hr_free(w->errmsg);
  hr_free(w);
}

static int sync_init(trc_writer *w) {
  pthread_condattr_t ca;
  if (pthread_condattr_init(&ca) != 0) return -1;
  int rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  if (rc == 0) rc = pthread_cond_init(&w->work, &ca);
  pthread_condattr_destroy(&ca);
  if (rc != 0) return -1;
  if (pthread_cond_init(&w->space, NULL) != 0) {
    pthread_cond_destroy(&w->work);
    return -1;
  }
  if (pthread_mutex_init(&w->mu, NULL) != 0) {
    pthread_cond_destroy(&w->work);
    pthread_cond_destroy(&w->space);
    return -1;
  }
  return 0;
}

static void sync_destroy(trc_writer *w) {
  pthread_cond_destroy(&w->work);
  pthread_cond_destroy(&w->space);
  pthread_mutex_destroy(&w->mu);
}

int trc_writer_open(const char *path, const trc_writer_options *opt,
                    trc_writer **out, char **errmsg) {
  char *dummy = NULL;
  if (!errmsg) errmsg = &dummy;
  *errmsg = NULL;
  *out = NULL;
  if (!path || !*path) {
    *errmsg = hr_strdup("cannot create trace: no file name given");
    return HR_EUSAGE;
  }
  trc_writer_options o = opt ? *opt : (trc_writer_options){0};
  if (o.chunk_events == 0) o.chunk_events = DEFAULT_CHUNK_EVENTS;
  if (o.chunk_events > TRC_CHUNK_MAX_EVENTS) o.chunk_events = TRC_CHUNK_MAX_EVENTS;
  if (o.ring_blocks == 0) o.ring_blocks = DEFAULT_RING_BLOCKS;
  if (o.zlevel <= 0) o.zlevel = DEFAULT_ZLEVEL;
  if (o.zlevel > 9) o.zlevel = 9;
  if (o.flush_ms == 0) o.flush_ms = DEFAULT_FLUSH_MS;

  trc_writer *w = hr_calloc(1, sizeof *w);
  if (w) {
    w->h.cap = o.chunk_events;
    w->nblocks = o.ring_blocks;
    w->flush_ms = o.flush_ms;
    if ((size_t)w->nblocks > SIZE_MAX / sizeof(trc_event) / w->h.cap) {
      hr_free(w);
      *errmsg = hr_sprintf("cannot create trace '%s': ring of %u blocks of %u events is too large",
                           path, o.ring_blocks, o.chunk_events);
      return HR_EUSAGE;
    }
    /* Small pages, not hr_huge_alloc: measured, huge ones gained nothing on
    ** a million allocations and cost a short program ~2 ms (zeroing 2 MiB
    ** for its few events, a TLB flush to unmap). */
    w->ring = hr_malloc((size_t)w->nblocks * w->h.cap * sizeof(trc_event));
    w->fill = hr_calloc(w->nblocks, sizeof *w->fill);
    w->where = hr_calloc(w->nblocks, sizeof *w->where);
    w->spare = hr_calloc(w->nblocks, sizeof *w->spare);
    /* Slot 0 first, then 1, 2, ... as the writer falls behind. */
    for (uint32_t i = 0; w->spare && i < w->nblocks; i++) w->spare[i] = w->nblocks - 1 - i;
    w->nspare = w->nblocks;
    w->strings = trc_intern_new();
    w->locations = trc_intern_new();
    w->types = trc_intern_new();
    w->stacks = trc_intern_new();
  }
  if (!w || !w->ring || !w->fill || !w->where || !w->spare || !w->strings || !w->locations || !w->types ||
      !w->stacks) {
    if (w) writer_free(w);
    *errmsg = hr_sprintf("cannot create trace '%s': out of memory", path);
    return HR_ENOMEM;
  }
  if (sync_init(w) != 0) {
    writer_free(w);
    *errmsg = hr_sprintf("cannot create trace '%s': cannot create thread primitives", path);
    return HR_ENOMEM;
  }
  int status = trc_wdb_create(path, o.zlevel, o.page_size, &w->db, errmsg);
  if (status != HR_OK) {
    sync_destroy(w);
    writer_free(w);
    return status;
  }
  w->h.cur = take_slot(w);
  if (registry_add(w) != HR_OK) {
    *errmsg = hr_sprintf("cannot create trace '%s': out of memory", path);
    trc_wdb_abandon(w->db);
    sync_destroy(w);
    writer_free(w);
    return HR_ENOMEM;
  }
  int rc = pthread_create(&w->thread, NULL, writer_main, w);
  if (rc != 0) {
    *errmsg = hr_sprintf("cannot create trace '%s': cannot start writer thread: %s", path,
                         strerror(rc));
    registry_remove(w);
    trc_wdb_abandon(w->db);
    sync_destroy(w);
    writer_free(w);
    return HR_ENOMEM;
  }
  *out = w;
  return HR_OK;
}

uint64_t trc_writer_append(trc_writer *w, int kind, uint64_t step,
                           uint64_t a, uint64_t b, uint64_t c, uint64_t d) {
  unsigned attn = atomic_load_explicit(&w->h.attn, memory_order_relaxed);
  if (attn & ATTN_FAILED) return 0;
  /* Kinds from TRC_DIM_FIRST up mean dimension records inside the ring. */
  if ((unsigned)kind - 1u >= (unsigned)TRC_EV_KIND_MAX) {
    set_error(w, HR_EUSAGE, hr_sprintf("event kind %d is not a heapreel event", kind));
    return 0;
  }
  uint64_t seq = trc_writer_put(&w->h, kind, step, a, b, c, d);
  if (w->h.cur_n == w->h.cap || attn) publish(w, 1, attn != 0);
  return seq;
}

/* Queue a record (seq and step are 0 but for TRC_DIM_ITEMS); `owned` (may
** be NULL) is its hr_malloc'd payload, freed here when the writer has failed
** and the record will never be stored. */
static void push_record(trc_writer *w, int kind, uint64_t seq, uint64_t step, uint64_t a,
                        uint64_t b, uint64_t c, uint64_t d, void *owned) {
  if (atomic_load_explicit(&w->h.attn, memory_order_relaxed) & ATTN_FAILED) {
    hr_free(owned);
    return;
  }
  trc_event *e = &w->h.cur[w->h.cur_n];
  *e = (trc_event){.seq = seq, .step = step, .f = {a, b, c, d}, .kind = (uint8_t)kind};
  if (++w->h.cur_n == w->h.cap) publish(w, 1, 0);
}

static void push_dim(trc_writer *w, int kind, uint64_t a, uint64_t b, uint64_t c,
                     uint64_t d, void *owned) {
  push_record(w, kind, 0, 0, a, b, c, d, owned);
}

/* Id arrays of at least this many bytes are mapped present at once. */
#define IDS_PRESENT_BYTES ((size_t)1 << 20)

uint64_t *trc_writer_ids_alloc(size_t n) {
  if (n > SIZE_MAX / sizeof(uint64_t)) return NULL;
  size_t bytes = n * sizeof(uint64_t);
  return bytes >= IDS_PRESENT_BYTES ? hr_present_alloc(bytes) : hr_malloc(bytes ? bytes : 1);
}

void trc_writer_ids_free(uint64_t *ids, size_t n) {
  if (n * sizeof(uint64_t) >= IDS_PRESENT_BYTES) hr_huge_free(ids, n * sizeof(uint64_t));
  else hr_free(ids);
}

uint64_t trc_writer_items(trc_writer *w, uint64_t step, uint64_t holder, uint64_t first,
                          uint64_t *ids, size_t n) {
  if (atomic_load_explicit(&w->h.attn, memory_order_relaxed) & ATTN_FAILED) {
    trc_writer_ids_free(ids, n);
    return 0;
  }
  if (n == 0) {
    trc_writer_ids_free(ids, n);
    return w->h.seq;
  }
  uint64_t seq = w->h.seq + 1;
  w->h.seq += n;
  push_record(w, TRC_DIM_ITEMS, seq, step, holder, first, n, (uint64_t)(uintptr_t)ids, ids);
  trc_writer_flush(w);          /* the writer thread starts on them now */
  return w->h.seq;
}

uint64_t trc_writer_string(trc_writer *w, const char *s, size_t n) {
  int fresh = 0;
  uint64_t id = trc_intern_get(w->strings, s ? s : "", s ? n : 0, &fresh);
  if (!id) {
    set_enomem(w, "interning a string");
    return 0;
  }
  if (fresh) {
    size_t len;
    const char *stored = trc_intern_key(w->strings, id, &len);
    push_dim(w, TRC_DIM_STRING, id, (uint64_t)(uintptr_t)stored, len, 0, NULL);
  }
  return id;
}

uint64_t trc_writer_location(trc_writer *w, uint64_t file_sid, uint32_t line,
                             uint64_t func_sid) {
  uint64_t key[3] = {file_sid, line, func_sid};
  int fresh = 0;
  uint64_t id = trc_intern_get(w->locations, key, sizeof key, &fresh);
  if (!id) {
    set_enomem(w, "interning a code location");
    return 0;
  }
  if (fresh) push_dim(w, TRC_DIM_LOCATION, id, file_sid, line, func_sid, NULL);
  return id;
}

uint64_t trc_writer_type(trc_writer *w, uint64_t name_sid) {
  int fresh = 0;
  uint64_t id = trc_intern_get(w->types, &name_sid, sizeof name_sid, &fresh);
  if (!id) {
    set_enomem(w, "interning a type");
    return 0;
  }
  if (fresh) push_dim(w, TRC_DIM_TYPE, id, name_sid, 0, 0, NULL);
  return id;
}

uint64_t trc_writer_stack(trc_writer *w, uint64_t parent, uint64_t location) {
  uint64_t key[2] = {parent, location};
  int fresh = 0;
  uint64_t id = trc_intern_get(w->stacks, key, sizeof key, &fresh);
  if (!id) {
    set_enomem(w, "interning a stack");
    return 0;
  }
  if (fresh) push_dim(w, TRC_DIM_STACK, id, parent, location, 0, NULL);
  return id;
}

void trc_writer_thread(trc_writer *w, uint64_t thread_id, uint64_t name_sid,
                       uint64_t native_id) {
  push_dim(w, TRC_DIM_THREAD, thread_id, name_sid, native_id, 0, NULL);
}

void trc_writer_source(trc_writer *w, uint64_t file_sid, const char *text, size_t n) {
  char *copy = hr_strndup(text ? text : "", text ? n : 0);
  if (!copy) {
    set_enomem(w, "storing a source file");
    return;
  }
  push_dim(w, TRC_DIM_SOURCE, file_sid, (uint64_t)(uintptr_t)copy, text ? n : 0, 0, copy);
}

/* Remember a meta value (kv, n bytes, borrowed), replacing its key's last. */
static int meta_keep(trc_writer *w, const char *kv, size_t n) {
  char *copy = hr_malloc(n);
  if (!copy) return HR_ENOMEM;
  memcpy(copy, kv, n);
  size_t i = 0;
  while (i < w->nmeta && strcmp(w->meta[i], kv) != 0) i++;   /* the keys */
  if (i < w->nmeta) {
    hr_free(w->meta[i]);
  } else {
    char **m = hr_grow(w->meta, &w->capmeta, w->nmeta + 1, sizeof *m, 16);
    if (!m) {
      hr_free(copy);
      return HR_ENOMEM;
    }
    w->meta = m;
    w->nmeta++;
  }
  w->meta[i] = copy;
  return HR_OK;
}

void trc_writer_meta(trc_writer *w, const char *key, const char *value) {
  if (!key) return;
  if (!value) value = "";
  size_t kn = strlen(key), vn = strlen(value);
  char *kv = hr_malloc(kn + vn + 2);
  if (!kv) {
    set_enomem(w, "storing a meta value");
    return;
  }
  memcpy(kv, key, kn + 1);
  memcpy(kv + kn + 1, value, vn + 1);
  if (meta_keep(w, kv, kn + vn + 2) != HR_OK) {
    hr_free(kv);
    set_enomem(w, "storing a meta value");
    return;
  }
  push_dim(w, TRC_DIM_META, (uint64_t)(uintptr_t)kv, 0, 0, 0, kv);
}

void trc_writer_meta_copy(trc_writer *to, const trc_writer *from) {
  for (size_t i = 0; i < from->nmeta; i++) {
    const char *k = from->meta[i];
    trc_writer_meta(to, k, k + strlen(k) + 1);
  }
}

void trc_writer_keyframe(trc_writer *w, uint64_t step, uint64_t seq,
                         const void *data, size_t n) {
  void *copy = hr_malloc(n);
  if (!copy) {
    set_enomem(w, "storing a keyframe");
    return;
  }
  if (n) memcpy(copy, data, n);
  push_dim(w, TRC_DIM_KEYFRAME, step, seq, (uint64_t)(uintptr_t)copy, n, copy);
}

void trc_writer_output(trc_writer *w, uint64_t step, int stream, const char *text, size_t n) {
  char *copy = hr_malloc(n + 1);
  if (!copy) {
    set_enomem(w, "storing program output");
    return;
  }
  if (n) memcpy(copy, text, n);
  copy[n] = '\0';
  push_dim(w, TRC_DIM_OUTPUT, w->h.seq, step, (uint64_t)(uintptr_t)copy,
           (uint64_t)n * 4 + ((unsigned)stream & 3), copy);
}

uint64_t trc_writer_mark(trc_writer *w, uint64_t step, const char *label) {
  uint64_t sid = trc_writer_string(w, label ? label : "", label ? strlen(label) : 0);
  if (!sid) return 0;
  uint64_t seq = trc_writer_append(w, TRC_EV_MARK, step, sid, 0, 0, 0);
  trc_writer_flush(w);
  return seq;
}

void trc_writer_flush(trc_writer *w) {
  if (w->h.cur_n > 0) publish(w, 1, 1);
}

int trc_writer_sync(trc_writer *w) {
  if (w->forked) return HR_OK;
  trc_writer_flush(w);
  pthread_mutex_lock(&w->mu);
  uint64_t target = w->pub;
  while (w->committed < target) pthread_cond_wait(&w->space, &w->mu);
  int status = w->err;
  pthread_mutex_unlock(&w->mu);
  return status;
}

void trc_writer_finishing(trc_writer *w) {
  pthread_mutex_lock(&w->mu);
  w->finishing = 1;
  if (w->done < w->pub) pthread_cond_signal(&w->work);    /* a block left waiting (publish) */
  pthread_mutex_unlock(&w->mu);
}

uint64_t trc_writer_events(const trc_writer *w) { return w->h.seq; }

uint64_t trc_writer_chunk_bytes(const trc_writer *w) {
  return atomic_load_explicit(&((trc_writer *)w)->chunk_bytes, memory_order_relaxed);
}

/* A failed recording with no trace before it: what was committed stays. */
static void complete_failed_note(char **msg) {
  char *m = hr_sprintf("%s (the trace keeps what was written before, marked incomplete)",
                       *msg ? *msg : "");
  if (!m) return;   /* out of memory: the bare message */
  hr_free(*msg);
  *msg = m;
}

/* The start of close and discard: the writer thread handed its last block
** and ended, its status in *status and its message (owned) in *msg.
** Returns 0 when w was a forked child's copy, already freed: the parent's
** file and its SQLite handle belong to the parent, and a connection must not
** be used across fork, not even to close it (a close checkpoints the log and
** may remove it), so it stays unfreed. */
static int writer_stop(trc_writer *w, int *status, char **msg) {
  registry_remove(w);
  if (w->forked) {
    writer_free(w);
    return 0;
  }
  publish(w, 0, 1);
  pthread_join(w->thread, NULL);
  /* The thread has ended: everything after is the caller's alone. */
  *status = w->err;
  *msg = w->errmsg;
  w->errmsg = NULL;
  return 1;
}

int trc_writer_close(trc_writer *w, int complete, char **errmsg) {
  char *dummy = NULL;
  if (!errmsg) errmsg = &dummy;
  *errmsg = NULL;
  int status;
  char *msg;
  if (!w || !writer_stop(w, &status, &msg)) return HR_OK;
  char *finish_msg = NULL;
  int finish = trc_wdb_finish(w->db, complete && status == HR_OK && !w->crashed, &finish_msg);
  if (status == HR_OK && finish != HR_OK) {
    status = finish;
    msg = finish_msg;
    finish_msg = NULL;
  }
  hr_free(finish_msg);
  if (status != HR_OK && !msg) msg = hr_strdup(hr_status_str(status));
  /* A failed recording gives the path back to the trace that was there. */
  if (status == HR_OK) {
    trc_wdb_keep(w->db);
  } else if (trc_wdb_restore(w->db)) {
    char *m = hr_sprintf("%s (the trace that was there is kept as it was)", msg ? msg : "");
    if (m) {
      hr_free(msg);
      msg = m;
    }
  } else {
    complete_failed_note(&msg);
  }
  trc_wdb_free(w->db);
  sync_destroy(w);
  writer_free(w);
  if (errmsg != &dummy) *errmsg = msg;
  else hr_free(msg);
  return status;
}

int trc_writer_discard(trc_writer *w, char **errmsg) {
  char *dummy = NULL;
  if (!errmsg) errmsg = &dummy;
  *errmsg = NULL;
  int status;
  char *msg;
  if (!w || !writer_stop(w, &status, &msg)) return HR_OK;
  trc_wdb_abandon(w->db);
  sync_destroy(w);
  writer_free(w);
  if (errmsg != &dummy) *errmsg = msg;
  else hr_free(msg);
  return status;
}

/* Sleep about 1 ms; nanosleep is async-signal-safe. */
static void crash_nap(void) {
  struct timespec ts = {0, 1000000L};
  nanosleep(&ts, NULL);
}

void trc_writer_crash(trc_writer *w, unsigned timeout_ms) {
  if (!w || w->forked) return;
  int failed;
  w->crashed = 1;
  /* The writer thread itself crashed: nobody is left to store anything. */
  if (!pthread_equal(pthread_self(), w->thread)) {
    /* A thread that crashed inside publish holds mu: then the blocks
    ** already handed over are all there is. */
    if (pthread_mutex_trylock(&w->mu) == 0) {
      /* No append from now on: the block being filled goes to the writer. */
      atomic_fetch_or_explicit(&w->h.attn, ATTN_FAILED, memory_order_relaxed);
      if (w->h.cur && w->h.cur_n > 0 && w->pub - w->done < w->nblocks) {
        w->fill[w->pub % w->nblocks] = w->h.cur_n;
        w->pub++;
        w->h.cur_n = 0;
      }
      w->stopping = 1;
      pthread_cond_signal(&w->work);
      pthread_mutex_unlock(&w->mu);
    }
    uint64_t target = __atomic_load_n(&w->pub, __ATOMIC_ACQUIRE);
    for (unsigned i = 0; i < timeout_ms; i++) {
      if (__atomic_load_n(&w->committed, __ATOMIC_ACQUIRE) >= target &&
          !__atomic_load_n(&w->db_busy, __ATOMIC_ACQUIRE))
        break;
      crash_nap();
    }
  }
  failed = __atomic_load_n(&w->err, __ATOMIC_ACQUIRE) != HR_OK;
  trc_wdb_settle(w->db, failed);
}
