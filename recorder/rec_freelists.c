/* rec_freelists.c — CPython 3.11's free lists, given back to the allocator (rec_freelists.h). */
#ifndef Py_BUILD_CORE
#define Py_BUILD_CORE 1
#endif
#include "rec_freelists.h"

#include <string.h>

#include "internal/pycore_interp.h"
#include "internal/pycore_pystate.h"

#include "rec_ablock.h"
#include "rec_hooks.h"

/* Each list lives in the interpreter state (pycore_interp.h); an entry is
** a dead object whose memory is still the allocator's block, so freeing it
** as its deallocator would have, had the list been full, is all it takes.
**
** A plain run keeps up to so many dead objects a list, their blocks still
** allocated, and tracemalloc (like a full recording) counts them. So while
** alloc mode counts (rec_freelists_count), its byte count keeps a drained
** block while the list it left would have had room for it, and lets it go
** when an object of that kind is born (CPython would have taken it off the
** list; one a list() or dict() call makes through the type's allocator
** would not have been, so the count may come out a little low, never high)
** or a full collection clears the lists. */

/* The drained free lists (list, dict, float, slice, tuples by size - 1). */
enum { FL_LIST, FL_DICT, FL_FLOAT, FL_SLICE, FL_TUPLE, FL_N = FL_TUPLE + PyTuple_NFREELISTS };
static struct { int n; int64_t unit; } flist[FL_N];   /* entries held; bytes of one */
int rec_freelists_held;                               /* entries they would hold now */
static void (*g_count)(int64_t bytes, int drop);      /* alloc mode's byte count, or NULL */

void rec_freelists_count(void (*count)(int64_t bytes, int drop)) {
  g_count = count;
}

void rec_freelists_forget(void) {
  memset(flist, 0, sizeof flist);
  rec_freelists_held = 0;
}

/* The dead object op's block is given back: its bytes when they are counted
** (a followed block, born while recording, whose free the hooks see), else 0. */
static int64_t drain_one(PyObject *op, int gc) {
  uintptr_t b = (uintptr_t)op - (gc ? sizeof(PyGC_Head) : 0);
  uint64_t *slot = g_count == NULL || rec_hooks_reent ||
                               rec_hooks_bypass[PYMEM_DOMAIN_OBJ] == REC_HOOKS_PASS
                       ? NULL
                       : rec_ablock_find(b);
  int64_t n = slot && *slot ? (int64_t)rec_ablock_size(b, *slot) : 0;
  if (gc) PyObject_GC_Del(op);
  else PyObject_Free(op);
  return n;
}

/* The drained list i held blocks of `bytes`: kept as CPython's would. */
static void fl_keep(int i, int max, int64_t bytes) {
  if (bytes == 0 || g_count == NULL || flist[i].n >= max) return;
  flist[i].n++;
  flist[i].unit = bytes;
  rec_freelists_held++;
  g_count(bytes, 0);
}

static void drain_lists(void) {
  PyInterpreterState *in = _PyInterpreterState_GET();
  while (in->list.numfree > 0)
    fl_keep(FL_LIST, PyList_MAXFREELIST, drain_one((PyObject *)in->list.free_list[--in->list.numfree], 1));
}

static void drain_dicts(void) {
  PyInterpreterState *in = _PyInterpreterState_GET();
  while (in->dict_state.numfree > 0)
    fl_keep(FL_DICT, PyDict_MAXFREELIST,
            drain_one((PyObject *)in->dict_state.free_list[--in->dict_state.numfree], 1));
}

static void drain_tuples(Py_ssize_t size) {
  PyInterpreterState *in = _PyInterpreterState_GET();
  for (Py_ssize_t i = size ? size - 1 : 0; i < (size ? size : PyTuple_NFREELISTS); i++) {
    PyTupleObject *op;
    while ((op = in->tuple.free_list[i]) != NULL) {
      in->tuple.free_list[i] = (PyTupleObject *)op->ob_item[0];
      in->tuple.numfree[i]--;
      fl_keep(FL_TUPLE + (int)i, PyTuple_MAXFREELIST, drain_one((PyObject *)op, 1));
    }
  }
}

static void drain_floats(void) {
  PyInterpreterState *in = _PyInterpreterState_GET();
  PyFloatObject *f;
  while ((f = in->float_state.free_list) != NULL) {
    in->float_state.free_list = (PyFloatObject *)Py_TYPE(f);
    in->float_state.numfree--;
    fl_keep(FL_FLOAT, PyFloat_MAXFREELIST, drain_one((PyObject *)f, 0));
  }
}

static void drain_slice(void) {
  PyInterpreterState *in = _PyInterpreterState_GET();
  PySliceObject *sl = in->slice_cache;
  in->slice_cache = NULL;
  if (sl != NULL) fl_keep(FL_SLICE, 1, drain_one((PyObject *)sl, 1));
}

/* An object the free list of slot i would have served is born: its block
** counts, the one the list would have held no more. */
static void fl_served(int i) {
  if (flist[i].n == 0 || g_count == NULL) return;
  flist[i].n--;
  rec_freelists_held--;
  g_count(-flist[i].unit, 0);
}

void rec_freelists_born(PyTypeObject *tp, PyObject *op) {
  if (tp == &PyTuple_Type) {
    Py_ssize_t k = Py_SIZE(op);
    if (k >= 1 && k <= PyTuple_NFREELISTS) fl_served(FL_TUPLE + (int)k - 1);
  } else if (tp == &PyList_Type) fl_served(FL_LIST);
  else if (tp == &PyDict_Type) fl_served(FL_DICT);
  else if (tp == &PyFloat_Type) fl_served(FL_FLOAT);
  else if (tp == &PySlice_Type) fl_served(FL_SLICE);
}

void rec_freelists_cleared(void) {
  if (g_count == NULL || rec_freelists_held == 0) return;
  int64_t bytes = 0;
  for (int i = 0; i < FL_N; i++) bytes += flist[i].n * flist[i].unit;
  rec_freelists_forget();
  g_count(-bytes, 1);
}

/* Dict key tables kept for reuse: made before the recording, one taken
** for a new dict would hold its keys uncounted, while a counted one put
** back when a dict dies stays counted, as in a plain run. */
void rec_freelists_drain_keys(void) {
  PyInterpreterState *in = _PyInterpreterState_GET();
  while (in->dict_state.keys_numfree > 0)
    PyObject_Free(in->dict_state.keys_free_list[--in->dict_state.keys_numfree]);
}

void rec_freelists_freed(PyTypeObject *tp, Py_ssize_t tuple_size) {
  if (tp == &PyList_Type) drain_lists();
  else if (tp == &PyTuple_Type) {
    if (tuple_size >= 1 && tuple_size <= PyTuple_NFREELISTS) drain_tuples(tuple_size);
  } else if (tp == &PyDict_Type) drain_dicts();
  else if (tp == &PyFloat_Type) drain_floats();
  else if (tp == &PySlice_Type) drain_slice();
}

void rec_freelists_drain(void) {
  drain_slice();
  drain_lists();
  drain_dicts();
  drain_tuples(0);
  drain_floats();
}
