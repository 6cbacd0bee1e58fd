/* rec_freelists.c — CPython 3.11's free lists, given back to the allocator (rec_freelists.h). */
#ifndef Py_BUILD_CORE
#define Py_BUILD_CORE 1
#endif
#include "rec_freelists.h"

#include "internal/pycore_interp.h"
#include "internal/pycore_pystate.h"

/* Each list lives in the interpreter state (pycore_interp.h); an entry is
** a dead object whose memory is still the allocator's block, so freeing it
** as its deallocator would have, had the list been full, is all it takes. */

static void
drain_lists(void)
{
  PyInterpreterState *in = _PyInterpreterState_GET();
  while (in->list.numfree > 0) PyObject_GC_Del(in->list.free_list[--in->list.numfree]);
}

static void
drain_dicts(void)
{
  PyInterpreterState *in = _PyInterpreterState_GET();
  while (in->dict_state.numfree > 0)
    PyObject_GC_Del(in->dict_state.free_list[--in->dict_state.numfree]);
}

static void
drain_tuples(Py_ssize_t size)
{
  PyInterpreterState *in = _PyInterpreterState_GET();
  for (Py_ssize_t i = size ? size - 1 : 0; i < (size ? size : PyTuple_NFREELISTS); i++) {
    PyTupleObject *op;
    while ((op = in->tuple.free_list[i]) != NULL) {
      in->tuple.free_list[i] = (PyTupleObject *)op->ob_item[0];
      in->tuple.numfree[i]--;
      PyObject_GC_Del(op);
    }
  }
}

static void
drain_floats(void)
{
  PyInterpreterState *in = _PyInterpreterState_GET();
  PyFloatObject *f;
  while ((f = in->float_state.free_list) != NULL) {
    in->float_state.free_list = (PyFloatObject *)Py_TYPE(f);
    in->float_state.numfree--;
    PyObject_Free(f);
  }
}

static void
drain_slice(void)
{
  PyInterpreterState *in = _PyInterpreterState_GET();
  PySliceObject *sl = in->slice_cache;
  in->slice_cache = NULL;
  if (sl != NULL) PyObject_GC_Del(sl);
}

void
rec_freelists_freed(PyTypeObject *tp, Py_ssize_t tuple_size)
{
  if (tp == &PyList_Type) drain_lists();
  else if (tp == &PyTuple_Type) {
    if (tuple_size >= 1 && tuple_size <= PyTuple_NFREELISTS) drain_tuples(tuple_size);
  } else if (tp == &PyDict_Type) drain_dicts();
  else if (tp == &PyFloat_Type) drain_floats();
  else if (tp == &PySlice_Type) drain_slice();
}

void
rec_freelists_drain(void)
{
  drain_slice();
  drain_lists();
  drain_dicts();
  drain_tuples(0);
  drain_floats();
}
