/* rec_blocks.c — a full recording's allocator hooks: the program's live blocks,
** which tell an object born while recording from an older one, and the byte
** counts of its mem events. (Its functions keep the rec_alloc_ prefix.) */
#include "rec_internal.h"

#include "rec_ablock.h"
#include "rec_hooks.h"
#include "rec_ptm.h"

#include "internal/pycore_frame.h"
#include "internal/pycore_object.h"
#include "internal/pycore_pystate.h"

#include "hr_mem.h"
#include "hr_status.h"

static int g_table;               /* rec_ablock's table is this recording's; GIL */

/* Blocks handed out since recording started and the byte counts. The
** blocks live in rec_ablock's page-indexed table (a full recording never
** runs with an alloc-mode one, the table's other user): with a million live
** blocks, a hashed map costs a cache miss on every malloc and free, the
** table one leaf that the block's pool neighbours share. Only the size is
** kept in a word. The RAW domain runs without the GIL, so here the table,
** like the counts, is protected by rec_hooks_lock, not by the GIL. */
size_t rec_alloc_cur, rec_alloc_peak;      /* bytes now, highest since the last mem event */
size_t rec_alloc_last_cur = (size_t)-1;    /* bytes in the last mem event; GIL */

/* Set while the recorder itself works on this thread: the blocks it asks
** for (formatting, size queries) are its own, not the program's, so they are
** left out of the byte counts and the peak, as tracemalloc leaves out its
** own. Frees are always looked up: a program block may die meanwhile. */
_Thread_local int rec_alloc_quiet;

/* A full recording keeps no types in the block words: the bit marks a
** block the byte counts leave out (tracing_cost). */
#define UNCOUNTED REC_AB_TYPE

static void blk_add(void *p, size_t n, uint64_t uncounted) {
  rec_hooks_lock();
  uint64_t *slot = rec_ablock_add((uintptr_t)p, n);
  if (slot != NULL && uncounted) *slot |= UNCOUNTED;
  else if (slot != NULL) {
    rec_alloc_cur += n;
    if (rec_alloc_cur > rec_alloc_peak) rec_alloc_peak = rec_alloc_cur;
  }
  rec_hooks_unlock();
}

/* ---- what a full recording does in the allocator hooks (rec_hooks.h) ---- */

/* Is the block of n bytes asked for now one CPython makes only because the
** recorder traces the program? Before it calls a trace function on a frame
** it gives the frame a frame object (a plain run makes one only when the
** program asks: sys._getframe, a traceback) and, the first time for a code
** object, a line array of 2 or 4 bytes a code unit. A run without the
** recorder never has them, nor does an alloc-mode recording, which traces
** nothing: the byte counts leave them out. The frame object stays a block
** born while recording, for the objects it is one of. */
static int tracing_cost(int dom, size_t n) {
  PyThreadState *ts = _PyThreadState_GET();
  if (ts == NULL || ts->c_tracefunc == NULL || ts->cframe == NULL) return 0;
  _PyInterpreterFrame *f = ts->cframe->current_frame;
  if (f == NULL) return 0;
  PyCodeObject *co = f->f_code;
  if (dom == PYMEM_DOMAIN_MEM) {
    size_t units = (size_t)Py_SIZE(co);
    return ts->tracing && co->_co_linearray == NULL && (n == 2 * units || n == 4 * units);
  }
  return dom == PYMEM_DOMAIN_OBJ && !ts->tracing && f->frame_obj == NULL &&
         n == sizeof(PyGC_Head) + (size_t)PyFrame_Type.tp_basicsize +
                  (size_t)(co->co_nlocalsplus + co->co_stacksize) * sizeof(PyObject *);
}

static void full_got(int dom, void *p, size_t n) {
  if (!rec_alloc_quiet) blk_add(p, n, dom != PYMEM_DOMAIN_RAW && tracing_cost(dom, n));
}

/* The block's word (0: not followed), with the byte count lowered. */
static uint64_t full_lost(int dom, void *p, size_t *n) {
  rec_hooks_lock();
  uint64_t w = rec_ablock_del((uintptr_t)p, n);
  /* A block from outside the regions (rec_origin.h) goes with its stack:
  ** to the byte counts it is a block they never had. */
  if (w & REC_AB_OLD) w = 0;
  if (w && !(w & UNCOUNTED)) rec_alloc_cur -= *n;
  rec_hooks_unlock();
  return w;
}

static void full_moved(int dom, void *old, uint64_t had, size_t old_n, void *p, size_t n) {
  /* A block of the program's stays the program's, even grown by the recorder. */
  if (had || !rec_alloc_quiet) blk_add(p, n, had & UNCOUNTED);
}

static void full_kept(int dom, void *old, uint64_t had, size_t old_n) {
  blk_add(old, old_n, had & UNCOUNTED);
}

static const rec_hook_ops k_full_ops = {NULL, full_got, full_lost, NULL, full_moved, full_kept};
REC_HOOKS_DEFINE(k_full_hooks, k_full_ops);

/* Set by rec_origin.c while it keeps the table between regions: a region
** then starts with the blocks made outside (REC_AB_OLD) and ends forgetting
** only its own. */
int rec_alloc_keep_old;

int rec_alloc_prepare(void) {
  if (rec_alloc_keep_old && g_table) {
    /* The table is there: its words from outside the regions stay. */
  } else if (rec_ablock_init() != HR_OK) {
    return HR_ENOMEM;
  }
  /* A region counts the blocks handed out since it began (the table is new,
  ** or holds only blocks from outside the regions, which are not counted). */
  rec_alloc_cur = rec_alloc_peak = 0;
  rec_alloc_last_cur = (size_t)-1;
  g_table = 1;
  return HR_OK;
}

/* Bytes an extension reported (rec_ptm.c), counted as tracemalloc counts them. */
static void full_ext_bytes(int64_t delta) {
  rec_hooks_lock();
  rec_alloc_cur += (size_t)delta;
  if (rec_alloc_cur > rec_alloc_peak) rec_alloc_peak = rec_alloc_cur;
  rec_hooks_unlock();
}

int rec_alloc_start(void) {
  int rc = rec_hooks_install(&k_full_hooks);
  rec_ptm_count(full_ext_bytes);
  return rc;
}

void rec_alloc_stop(void) {
  if (rec_hooks_installed() && !rec_hooks_alive() && rec_g.w != NULL)
    trc_writer_meta(rec_g.w, "trace_gap",
                    "the allocator hooks were taken out of the chain while recording (the "
                    "program stopped a tracemalloc started before the recorder): the byte "
                    "counts after that are short");
  rec_hooks_remove();
  rec_ptm_count(NULL);
  if (g_table) {
    rec_hooks_lock();
    if (rec_alloc_keep_old) {
      rec_ablock_keep_only(REC_AB_OLD);
    } else {
      rec_ablock_fini();
      g_table = 0;
    }
    rec_hooks_unlock();
  }
}

int rec_alloc_table_open(void) {
  if (g_table) return HR_OK;
  if (rec_ablock_init() != HR_OK) return HR_ENOMEM;
  g_table = 1;
  return HR_OK;
}

void rec_alloc_table_close(void) {
  rec_alloc_keep_old = 0;
  if (!g_table) return;
  rec_hooks_lock();
  rec_ablock_fini();
  rec_hooks_unlock();
  g_table = 0;
}

int rec_alloc_born_site(PyObject *op, uint64_t *site) {
  PyTypeObject *tp = Py_TYPE(op);
  uintptr_t block = (uintptr_t)op - _PyType_PreHeaderSize(tp);
  *site = 0;
  if (!g_table) return 0;          /* an alloc-mode recording: the table is not ours */
  rec_hooks_lock();
  uint64_t *s = rec_ablock_find(block);
  uint64_t w = s != NULL ? *s : 0;
  if (w == 0 && block != (uintptr_t)op) {
    s = rec_ablock_find((uintptr_t)op);
    w = s != NULL ? *s : 0;
  }
  rec_hooks_unlock();
  /* A block from outside the regions: made before, with that stack. */
  if (w & REC_AB_OLD) {
    *site = rec_ab_id(w);
    return 0;
  }
  return w != 0;
}

int rec_alloc_born(PyObject *op) {
  uint64_t site;
  return rec_alloc_born_site(op, &site);
}

/* rec_alloc_emit_mem past its unlocked peek (rec_internal.h). */
void rec_alloc_emit_mem_now(int force) {
  rec_hooks_lock();
  size_t peak = rec_alloc_peak, cur = rec_alloc_cur;
  if (cur == rec_alloc_last_cur && (force ? peak == cur : peak - cur < REC_MEM_SLACK)) {
    rec_hooks_unlock();
    return;
  }
  rec_alloc_peak = rec_alloc_cur;
  rec_hooks_unlock();
  rec_alloc_last_cur = cur;
  rec_emit(TRC_EV_MEM, cur, peak, 0, 0);
}
