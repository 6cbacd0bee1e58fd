/* rec_module.c — the built-in `heapreel` module: what a recorded program can call. */
#ifndef Py_BUILD_CORE
#define Py_BUILD_CORE 1   /* the interpreter's atexit list (rec_module_at_exit) */
#endif
#include <string.h>
#include <sys/stat.h>

#include "rec_allocmode.h"
#include "rec_module.h"
#include "rec_region.h"
#include "rec_tracer.h"

#include "internal/pycore_interp.h"
#include "internal/pycore_pystate.h"

PyDoc_STRVAR(mark_doc,
"mark(label)\n"
"--\n"
"\n"
"Record a mark event labelled `label` (a str) at the current step, so the\n"
"analyzer can find this point of the run by name (--mark LABEL).");

static PyObject *rec_module_mark(PyObject *self, PyObject *args, PyObject *kwargs) {
  static char *kwlist[] = {"label", NULL};
  PyObject *label;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O:mark", kwlist, &label))
    return NULL;
  if (!PyUnicode_Check(label)) {
    PyErr_Format(PyExc_TypeError, "mark() argument 'label' must be str, not %.200s",
                 Py_TYPE(label)->tp_name);
    return NULL;
  }
  Py_ssize_t n;
  const char *s = PyUnicode_AsUTF8AndSize(label, &n);
  if (s == NULL) return NULL;
  /* The tracer takes a C string: a NUL inside would silently cut the label. */
  if (memchr(s, '\0', (size_t)n) != NULL) {
    PyErr_SetString(PyExc_ValueError, "mark() label contains a null character");
    return NULL;
  }
  if (rec_allocmode_on()) rec_allocmode_mark(s);
  else if (rec_region_on()) rec_region_mark(s);
  else rec_tracer_mark(s);
  Py_RETURN_NONE;
}

PyDoc_STRVAR(start_doc,
"start()\n"
"--\n"
"\n"
"Start recording here, when the recording was started with --start-paused\n"
"or waits for --start-at-mark (a no-op while recording). A full recording\n"
"can have several regions; an alloc one only one.");

PyDoc_STRVAR(stop_doc,
"stop()\n"
"--\n"
"\n"
"Stop recording here, when the recording was started with --start-paused or\n"
"--start-at-mark (otherwise a no-op): the region ends with the objects it saw\n"
"that are still alive, and their references. The program then runs untraced\n"
"until the next start() (full detail), or to its end (alloc detail).");

/* Without --start-paused or --start-at-mark the whole run is one region:
** start() and stop() do nothing, so a program marked up for regions can be
** recorded in full from end to end. */
static PyObject *rec_module_start(PyObject *self, PyObject *unused) {
  int rc = rec_allocmode_on() ? rec_allocmode_region_start() : rec_region_on() ? rec_region_start() : 0;
  if (rc < 0) return NULL;
  Py_RETURN_NONE;
}

static PyObject *rec_module_stop(PyObject *self, PyObject *unused) {
  int rc = rec_allocmode_on() ? rec_allocmode_region_stop() : rec_region_on() ? rec_region_stop() : 0;
  if (rc < 0) return NULL;
  Py_RETURN_NONE;
}

static PyMethodDef rec_module_methods[] = {
  {"mark", (PyCFunction)(void (*)(void))rec_module_mark, METH_VARARGS | METH_KEYWORDS, mark_doc},
  {"start", rec_module_start, METH_NOARGS, start_doc},
  {"stop", rec_module_stop, METH_NOARGS, stop_doc},
  {NULL, NULL, 0, NULL}
};

PyDoc_STRVAR(module_doc,
"heapreel — talk to the recorder from inside a recorded program.\n"
"\n"
"Only present while the program runs under `heapreel record`.");

static struct PyModuleDef rec_module_def = {
  PyModuleDef_HEAD_INIT,
  .m_name = "heapreel",
  .m_doc = module_doc,
  .m_size = 0,
  .m_methods = rec_module_methods,
};

/* The first sys.path entry holding the pure-Python heapreel package (a new
** reference to "<entry>/heapreel"), or NULL without an exception when none
** does. The built-in module shadows that package; taking its directory as
** its own __path__ lets `heapreel.pytest_plugin` and `heapreel.reader` be
** imported under the recorder as they are under a plain python3.11. */
static PyObject *package_dir(void) {
  PyObject *path = PySys_GetObject("path");   /* borrowed */
  if (path == NULL || !PyList_Check(path)) return NULL;
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(path); i++) {
    PyObject *e = PyList_GET_ITEM(path, i);
    if (!PyUnicode_Check(e)) continue;
    const char *s = PyUnicode_AsUTF8(e);
    if (s == NULL) {
      PyErr_Clear();
      continue;
    }
    char buf[4096];
    int n = snprintf(buf, sizeof buf, "%s/heapreel/__init__.py", *s ? s : ".");
    struct stat st;
    if (n <= 0 || (size_t)n >= sizeof buf || stat(buf, &st) != 0 || !S_ISREG(st.st_mode)) continue;
    buf[n - strlen("/__init__.py")] = '\0';
    PyObject *dir = PyUnicode_DecodeFSDefault(buf);
    if (dir == NULL) PyErr_Clear();
    return dir;
  }
  return NULL;
}

PyObject *rec_module_init(void) {
  PyObject *m = PyModule_Create(&rec_module_def);
  if (m == NULL) return NULL;
  PyObject *dir = package_dir();
  PyObject *list = PyList_New(dir ? 1 : 0);
  if (list == NULL || PyModule_AddObject(m, "__path__", list) < 0) {
    Py_XDECREF(dir);
    Py_XDECREF(list);
    Py_DECREF(m);
    return NULL;
  }
  if (dir) PyList_SET_ITEM(list, 0, dir);
  return m;
}

int rec_module_at_exit(PyMethodDef *def) {
  /* What atexit.register appends (Modules/atexitmodule.c), without
  ** importing atexit: an import would add the module to sys.modules, and
  ** removing it again leaves a cycle for the program's gc.collect(). */
  struct atexit_state *st = &_PyInterpreterState_GET()->atexit;
  if (st->ncallbacks >= st->callback_len) {
    int len = st->callback_len + 16;
    atexit_callback **r = PyMem_Realloc(st->callbacks, sizeof *r * (size_t)len);
    if (r == NULL) {
      PyErr_NoMemory();
      return -1;
    }
    st->callbacks = r;
    st->callback_len = len;
  }
  atexit_callback *cb = PyMem_Malloc(sizeof *cb);
  PyObject *fn = cb ? PyCFunction_New(def, NULL) : NULL;
  PyObject *args = fn ? PyTuple_New(0) : NULL;
  if (args == NULL) {
    Py_XDECREF(fn);
    PyMem_Free(cb);
    if (!PyErr_Occurred()) PyErr_NoMemory();
    return -1;
  }
  cb->func = fn;
  cb->args = args;
  cb->kwargs = NULL;
  st->callbacks[st->ncallbacks++] = cb;
  return 0;
}
