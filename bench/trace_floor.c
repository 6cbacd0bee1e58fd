/* trace_floor.c — the cost CPython 3.11's own tracing puts on a program,
** with no recorder behind it: a C trace function (PyEval_SetTrace) that
** asks for 'opcode' events in the frames of one file, as heapreel-record
** does for the program's own code, and does nothing with any event.
** bench/run.sh's `floor` column runs a script under it (trace_floor_run.py):
** what a recording adds beyond that is the recorder's own work. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define Py_BUILD_CORE 1
#include "internal/pycore_frame.h"

static PyObject *g_file;   /* the program's file name (owned); GIL */

static int floor_trace(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg) {
  (void)obj;
  (void)arg;
  if (what == PyTrace_CALL &&
      PyUnicode_Compare(frame->f_frame->f_code->co_filename, g_file) == 0)
    frame->f_trace_opcodes = 1;
  return 0;
}

/* start(file): trace from the caller's frame on. */
static PyObject *floor_start(PyObject *self, PyObject *file) {
  (void)self;
  if (!PyUnicode_Check(file)) {
    PyErr_SetString(PyExc_TypeError, "start() wants the program's file name");
    return NULL;
  }
  Py_INCREF(file);
  Py_XSETREF(g_file, file);
  PyEval_SetTrace(floor_trace, NULL);
  Py_RETURN_NONE;
}

static PyMethodDef floor_methods[] = {
    {"start", floor_start, METH_O, "trace the frames of FILE's code, doing nothing"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef floor_module = {PyModuleDef_HEAD_INIT, "trace_floor", NULL, -1,
                                          floor_methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit_trace_floor(void) { return PyModule_Create(&floor_module); }
