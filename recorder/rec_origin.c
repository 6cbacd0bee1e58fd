/* rec_origin.c — the stacks objects were made with outside the regions (rec_origin.h). */
#include "rec_internal.h"

#include "internal/pycore_object.h"
#include "internal/pycore_pystate.h"

#include "hr_status.h"
#include "rec_ablock.h"
#include "rec_astack.h"
#include "rec_death.h"
#include "rec_freelists.h"
#include "rec_hooks.h"
#include "rec_origin.h"

/* Protected by the GIL. */
static struct {
  int open;                /* set up: from rec_origin_open to the close */
  int watching;            /* the hooks below are the ones installed */
  size_t code_off;         /* where a code object sits in its block */
} g;

/* ---- the hooks: OBJ blocks only, with the lock rec_blocks.c's table takes ---- */

#define HOT static inline __attribute__((always_inline))

static inline uint64_t old_word(uint64_t stack) {
  return REC_AB_OLD | ((stack << REC_AB_ID_SHIFT) & REC_AB_ID_MASK);
}

HOT void o_got(int dom, void *p, size_t n) {
  if (dom != PYMEM_DOMAIN_OBJ) return;
  /* Before the lock: a stack seen for the first time is interned, which
  ** may call the allocator (passed through) and the trace writer. */
  uint64_t stack = rec_astack_of(_PyThreadState_GET());
  rec_hooks_lock();
  uint64_t *slot = rec_ablock_add((uintptr_t)p, n);
  if (slot != NULL) *slot |= old_word(stack);
  rec_hooks_unlock();
}

HOT uint64_t o_lost(int dom, void *p, size_t *n) {
  if (dom != PYMEM_DOMAIN_OBJ) return 0;
  rec_hooks_lock();
  uint64_t w = rec_ablock_del((uintptr_t)p, n);
  rec_hooks_unlock();
  return w;
}

/* A code object's block is freed: stacks remembered by code address are no
** longer trusted (rec_astack.h). Its header is whole until the free. */
HOT void o_freed(int dom, void *p, uint64_t w) {
  if (dom != PYMEM_DOMAIN_OBJ) return;
  size_t n = (size_t)(w & REC_AB_SIZE_BIG);
  if (n >= g.code_off + sizeof(PyObject) &&
      Py_IS_TYPE((PyObject *)((uintptr_t)p + g.code_off), &PyCode_Type))
    rec_astack_code_gone();
}

/* A realloc: an object resized (a tuple or a str being built) keeps the
** stack it was made with. */
HOT void o_moved(int dom, void *old, uint64_t w, size_t old_n, void *p, size_t n) {
  if (dom != PYMEM_DOMAIN_OBJ) return;
  uint64_t keep = w & REC_AB_OLD ? w & (REC_AB_OLD | REC_AB_ID_MASK)
                                 : old_word(rec_astack_of(_PyThreadState_GET()));
  rec_hooks_lock();
  uint64_t *slot = rec_ablock_add((uintptr_t)p, n);
  if (slot != NULL) *slot |= keep;
  rec_hooks_unlock();
}

HOT void o_kept(int dom, void *old, uint64_t w, size_t old_n) {
  if (dom != PYMEM_DOMAIN_OBJ) return;
  rec_hooks_lock();
  uint64_t *slot = rec_ablock_add((uintptr_t)old, old_n);
  if (slot != NULL) *slot = w;
  rec_hooks_unlock();
}

static const rec_hook_ops k_origin_ops = {NULL, o_got, o_lost, o_freed, o_moved, o_kept};
REC_HOOKS_DEFINE(k_origin_hooks, k_origin_ops);
#undef HOT

/* ---- the API ---------------------------------------------------------------------- */

int rec_origin_open(trc_writer *w, const rec_options *opt) {
  rec_origin_close();
  int depth = opt->stack_depth > 0 ? opt->stack_depth : REC_ASTACK_DEFAULT_DEPTH;
  /* The program's own frames, library ones folded into the line that called
  ** them, as alloc mode has them by default, whatever --all-frames says of
  ** the regions: a stack through a library's frames costs a walk and an
  ** interned stack per allocation site inside it, several times alloc
  ** mode's cost on a program that spends its time in a library. */
  if (rec_astack_init(w, depth, 0) != HR_OK || rec_alloc_table_open() != HR_OK) {
    rec_astack_fini();
    return HR_ENOMEM;
  }
  rec_alloc_keep_old = 1;
  g.code_off = _PyType_PreHeaderSize(&PyCode_Type);
  /* The types whose free lists would hand an object out unseen. */
  static PyTypeObject *const types[] = {&PyList_Type, &PyTuple_Type, &PyDict_Type, &PyFloat_Type,
                                         &PySlice_Type};
  int rc = rec_death_init();
  for (size_t i = 0; rc == HR_OK && i < sizeof types / sizeof types[0]; i++)
    rc = rec_dealloc_wrap(types[i]);
  if (rc != HR_OK) PyErr_Clear();   /* the free lists then hide some births */
  rec_freelists_drain_keys();
  g.open = 1;
  rec_origin_resume();
  return HR_OK;
}

void rec_origin_pause(void) {
  if (!g.watching) return;
  /* The full recording's hooks replace these as they go in; the free lists
  ** are its business inside a region. */
  g.watching = 0;
  rec_death_also_freed(NULL);
}

void rec_origin_resume(void) {
  if (!g.open || g.watching) return;
  /* Code objects may have died inside the region unseen by these hooks. */
  rec_astack_code_gone();
  /* A full region's wrapper left under the program's tracemalloc hands
  ** its calls on to these (rec_hooks_install). */
  (void)rec_hooks_install(&k_origin_hooks);
  g.watching = 1;
  rec_death_also_freed(rec_freelists_freed);
  rec_freelists_drain();
}

void rec_origin_close(void) {
  if (!g.open) return;
  rec_death_also_freed(NULL);
  if (g.watching) rec_hooks_remove();
  g.watching = 0;
  rec_alloc_table_close();
  rec_astack_fini();
  g.open = 0;
}
