/* rec_gc.c — the collector's runs as gc events: a callback in gc.callbacks (both detail levels). */
#include "rec_internal.h"

#include "internal/pycore_interp.h"
#include "internal/pycore_pystate.h"

#include "rec_freelists.h"
#include "rec_hooks.h"
#include "hr_status.h"

static PyObject *g_gc_cb;          /* our callable in gc.callbacks; GIL */
/* The start phase's info dict and arguments, held until the stop phase: the
** collector makes them for its callbacks before the run and drops them right
** after, so they would die inside the run and pass for its garbage. GIL. */
static PyObject *g_gc_start_args;  /* owned from start to stop phase; GIL */

static PyObject *gc_callback(PyObject *self, PyObject *args) {
  const char *phase;
  PyObject *info;
  if (!PyArg_ParseTuple(args, "sO", &phase, &info)) return NULL;
  if (rec_g.active && PyDict_Check(info)) {
    /* The lookups make and drop a str for each key: the recorder's own
    ** objects, not the program's, and at the stop phase still inside the
    ** run (they would pass for its garbage). The hooks let them through. */
    int reent = rec_hooks_reent;
    rec_hooks_reent = 1;
    PyObject *g = PyDict_GetItemString(info, "generation");
    PyObject *c = PyDict_GetItemString(info, "collected");
    uint64_t gen = g ? (uint64_t)PyLong_AsLong(g) : 0;
    uint64_t col = c ? (uint64_t)PyLong_AsLong(c) : 0;
    if (PyErr_Occurred()) PyErr_Clear();
    rec_hooks_reent = reent;
    if (phase[0] == 's' && phase[1] == 't' && phase[2] == 'a') {
      rec_emit(TRC_EV_GC, gen, TRC_GC_START, 0, 0);
      rec_g.in_gc = 1;
      Py_XSETREF(g_gc_start_args, Py_NewRef(args));
    } else {
      rec_g.in_gc = 0;
      /* The oldest generation's run emptied the free lists first. */
      if (gen == 2 && !rec_g.detail_full) rec_freelists_cleared();
      rec_emit(TRC_EV_GC, gen, TRC_GC_END, col, 0);
    }
  }
  if (!rec_g.in_gc) Py_CLEAR(g_gc_start_args);   /* freed outside the run */
  Py_RETURN_NONE;
}

static PyMethodDef g_gc_def = {"heapreel_gc_callback", gc_callback, METH_VARARGS, NULL};

int rec_gc_start(void) {
  /* gc.callbacks is the collector's own list: no import of gc (the
  ** program's sys.modules stays as python3.11 has it). */
  PyObject *cbs = _PyInterpreterState_GET()->gc.callbacks;   /* borrowed */
  if (cbs == NULL || !PyList_Check(cbs)) return HR_EPYTHON;
  g_gc_cb = PyCFunction_New(&g_gc_def, NULL);
  return g_gc_cb && PyList_Append(cbs, g_gc_cb) == 0 ? HR_OK : HR_EPYTHON;
}

void rec_gc_stop(void) {
  if (g_gc_cb == NULL) return;
  PyObject *cbs = _PyInterpreterState_GET()->gc.callbacks;   /* borrowed */
  if (cbs && PyList_Check(cbs)) {
    for (Py_ssize_t i = PyList_GET_SIZE(cbs) - 1; i >= 0; i--)
      if (PyList_GET_ITEM(cbs, i) == g_gc_cb) PySequence_DelItem(cbs, i);
  }
  PyErr_Clear();
  Py_CLEAR(g_gc_cb);
  rec_g.in_gc = 0;
  Py_CLEAR(g_gc_start_args);
}
