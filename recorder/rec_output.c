/* rec_output.c — what the program writes to sys.stdout and sys.stderr, into the trace.
**
** Every text write of a program ends in _io.TextIOWrapper.write (print,
** sys.stdout.write, tracebacks). Its method table entry, the PyMethodDef the
** type's descriptor and every bound method point to, gets our function, which
** calls the original first and then records the text when the object written
** to is sys.stdout / sys.stderr (or sys.__stdout__ / sys.__stderr__). The
** program sees the same types, objects and methods, its bytes reach the real
** streams exactly as before, and recording the text allocates nothing through
** Python's allocators (no Python object is made, none is touched).
** Writes to the streams' binary buffers (sys.stdout.buffer.write) and to the
** file descriptors (os.write) are not recorded.
**
** The same function tells rec_main's progress line, drawn on a terminal,
** about the program's text going to that terminal: before such a write the
** line is wiped, and after it whether the program left its line open (the
** progress line is drawn only on a line of its own). This needs the hook in
** both detail levels, so recording rows and watching are two users of one
** installed hook. While watching, the write methods of _io.BufferedWriter
** and _io.FileIO (sys.stderr.buffer is a FileIO in 3.11) are wrapped the
** same way for sys.stdout.buffer and sys.stderr.buffer: bytes written there
** directly, and the text layer's own flushes.
*/
#include "rec_internal.h"

#include <unistd.h>

#include "internal/pycore_interp.h"

#include "hr_mem.h"
#include "hr_status.h"
#include "rec_output.h"

static PyMethodDef *g_write_def;   /* TextIOWrapper's "write" entry; GIL */
static PyCFunction g_write_orig;   /* its original function; GIL */
static PyObject *g_names[4];       /* "stdout", "__stdout__", "stderr", "__stderr__" (owned) */
static int g_recording;            /* rec_output_start: write output rows; GIL */
static struct {
  void (*before)(void);            /* NULL: not watching */
  int streams;                     /* bit TRC_STREAM_*: its fd is the terminal */
  int mid_line;                    /* the program's last text there did not end a line */
  PyObject *buf[2];                /* sys.stdout.buffer, sys.stderr.buffer on the terminal
                                   ** (compared only; NULL: not on it) */
  PyMethodDef *bdef[2];            /* BufferedWriter's and FileIO's "write", while watching */
  PyCFunction borig[2];
} g_term;                          /* GIL */

/* Which stream self is: TRC_STREAM_STDOUT / _STDERR, or 0. */
static int stream_of(PyObject *self) {
  PyObject *sysdict = PyThreadState_Get()->interp->sysdict;
  if (sysdict == NULL) return 0;
  for (int i = 0; i < 4; i++) {
    /* PyDict_GetItem on an interned str: no allocation, no exception */
    if (g_names[i] != NULL && PyDict_GetItem(sysdict, g_names[i]) == self)
      return i < 2 ? TRC_STREAM_STDOUT : TRC_STREAM_STDERR;
  }
  return 0;
}

/* UTF-8 of s, in buf (owned by the caller when *owned), without asking
** Python to make or cache anything. Lone surrogates become U+FFFD. */
static const char *utf8_of(PyObject *s, size_t *n, char **owned) {
  *owned = NULL;
  if (PyUnicode_READY(s) < 0) {
    PyErr_Clear();
    return NULL;
  }
  if (PyUnicode_IS_ASCII(s)) {
    *n = (size_t)PyUnicode_GET_LENGTH(s);
    return (const char *)PyUnicode_DATA(s);
  }
  Py_ssize_t len = PyUnicode_GET_LENGTH(s);
  int kind = PyUnicode_KIND(s);
  const void *data = PyUnicode_DATA(s);
  char *buf = hr_malloc((size_t)len * 4 + 1), *p = buf;
  if (buf == NULL) return NULL;
  for (Py_ssize_t i = 0; i < len; i++) {
    Py_UCS4 c = PyUnicode_READ(kind, data, i);
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x80) {
      *p++ = (char)c;
    } else if (c < 0x800) {
      *p++ = (char)(0xc0 | (c >> 6));
      *p++ = (char)(0x80 | (c & 0x3f));
    } else if (c < 0x10000) {
      *p++ = (char)(0xe0 | (c >> 12));
      *p++ = (char)(0x80 | ((c >> 6) & 0x3f));
      *p++ = (char)(0x80 | (c & 0x3f));
    } else {
      *p++ = (char)(0xf0 | (c >> 18));
      *p++ = (char)(0x80 | ((c >> 12) & 0x3f));
      *p++ = (char)(0x80 | ((c >> 6) & 0x3f));
      *p++ = (char)(0x80 | (c & 0x3f));
    }
  }
  *n = (size_t)(p - buf);
  *owned = buf;
  return buf;
}

static PyObject *output_write(PyObject *self, PyObject *arg) {
  int term = g_term.before != NULL && PyUnicode_Check(arg) &&
             (g_term.streams & (1 << stream_of(self)));
  if (term) g_term.before();
  PyObject *r = g_write_orig(self, arg);
  if (term) {
    /* A failed write may have sent part of the text: assume an open line. */
    Py_ssize_t len = PyUnicode_READY(arg) == 0 ? PyUnicode_GET_LENGTH(arg) : -1;
    if (r == NULL || len < 0) g_term.mid_line = 1;
    else if (len > 0) g_term.mid_line = PyUnicode_READ_CHAR(arg, len - 1) != '\n';
  }
  if (r == NULL || !g_recording || !rec_g.active || rec_g.busy || !PyUnicode_Check(arg)) return r;
  int stream = stream_of(self);
  if (stream == 0) return r;
  size_t n = 0;
  char *owned;
  const char *text = utf8_of(arg, &n, &owned);
  if (text != NULL && n > 0) trc_writer_output(rec_g.w, rec_g.step, stream, text, n);
  hr_free(owned);
  return r;
}

/* sys.stdout.buffer.write, sys.stderr.buffer.write on the terminal. An
** exception of the write stays as it is; the bytes are read in place. */
static PyObject *buffer_write(int which, PyObject *self, PyObject *arg) {
  int term = g_term.before != NULL && self != NULL &&
             (self == g_term.buf[0] || self == g_term.buf[1]);
  if (term) g_term.before();
  PyObject *r = g_term.borig[which](self, arg);
  if (term) {
    Py_buffer view;
    if (r == NULL) {
      g_term.mid_line = 1;          /* part of it may have gone out */
    } else if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) {
      PyErr_Clear();
      g_term.mid_line = 1;
    } else {
      if (view.len > 0) g_term.mid_line = ((const char *)view.buf)[view.len - 1] != '\n';
      PyBuffer_Release(&view);
    }
  }
  return r;
}

static PyObject *buffered_write(PyObject *self, PyObject *arg) {
  return buffer_write(0, self, arg);
}

static PyObject *fileio_write(PyObject *self, PyObject *arg) {
  return buffer_write(1, self, arg);
}

/* The "write" entry of one of _io's static types, when it is METH_O as in
** 3.11; NULL otherwise (PyErr cleared). */
static PyMethodDef *io_write_def(const char *type) {
  /* _io is imported at start-up: looked up, not imported again. */
  PyObject *name = PyUnicode_FromString("_io");
  PyObject *io = name ? PyImport_GetModule(name) : NULL;
  Py_XDECREF(name);
  PyObject *tp = io ? PyObject_GetAttrString(io, type) : NULL;
  Py_XDECREF(io);
  PyMethodDef *def = NULL;
  if (tp != NULL && PyType_Check(tp)) {
    PyObject *d = PyDict_GetItemString(((PyTypeObject *)tp)->tp_dict, "write");  /* borrowed */
    if (d != NULL && PyObject_TypeCheck(d, &PyMethodDescr_Type)) def = ((PyMethodDescrObject *)d)->d_method;
  }
  Py_XDECREF(tp);   /* a static type: it outlives us */
  if (def != NULL && (def->ml_flags & (METH_O | METH_VARARGS | METH_FASTCALL | METH_NOARGS)) != METH_O)
    def = NULL;      /* not the 3.11 layout we know */
  PyErr_Clear();
  return def;
}

/* Point TextIOWrapper.write at output_write, once for both users. */
static int hook_install(void) {
  if (g_write_def != NULL) return HR_OK;
  static const char *const names[4] = {"stdout", "__stdout__", "stderr", "__stderr__"};
  for (int i = 0; i < 4; i++)
    if (g_names[i] == NULL && (g_names[i] = PyUnicode_InternFromString(names[i])) == NULL)
      return HR_EPYTHON;
  PyMethodDef *def = io_write_def("TextIOWrapper");
  if (def == NULL) return HR_EPYTHON;   /* record no output */
  g_write_def = def;
  g_write_orig = def->ml_meth;
  def->ml_meth = output_write;
  return HR_OK;
}

static void hook_release(void) {
  if (g_recording || g_term.before != NULL) return;
  if (g_write_def != NULL) g_write_def->ml_meth = g_write_orig;
  g_write_def = NULL;
}

int rec_output_start(void) {
  int rc = hook_install();
  if (rc == HR_OK) g_recording = 1;
  return rc;
}

void rec_output_stop(void) {
  g_recording = 0;
  hook_release();
}

int rec_output_watch_terminal(void (*before)(void)) {
  g_term.streams = (isatty(STDOUT_FILENO) ? 1 << TRC_STREAM_STDOUT : 0) |
                   (isatty(STDERR_FILENO) ? 1 << TRC_STREAM_STDERR : 0);
  g_term.mid_line = 0;
  int rc = hook_install();
  if (rc != HR_OK) {
    PyErr_Clear();
    return rc;
  }
  for (int i = 0; i < 2; i++) {
    g_term.buf[i] = NULL;
    if (!(g_term.streams & (1 << (i ? TRC_STREAM_STDERR : TRC_STREAM_STDOUT)))) continue;
    PyObject *f = PySys_GetObject(i ? "stderr" : "stdout");       /* borrowed */
    PyObject *b = f ? PyObject_GetAttrString(f, "buffer") : NULL;
    g_term.buf[i] = b;   /* compared only: the stream keeps it */
    Py_XDECREF(b);
    PyErr_Clear();
  }
  /* Without the binary layer the text layer is still watched. */
  static const char *const types[2] = {"BufferedWriter", "FileIO"};
  static const PyCFunction hooks[2] = {buffered_write, fileio_write};
  for (int i = 0; i < 2; i++) {
    if (g_term.bdef[i] != NULL || (g_term.bdef[i] = io_write_def(types[i])) == NULL) continue;
    g_term.borig[i] = g_term.bdef[i]->ml_meth;
    g_term.bdef[i]->ml_meth = hooks[i];
  }
  g_term.before = before;
  return HR_OK;
}

void rec_output_unwatch_terminal(void) {
  g_term.before = NULL;
  for (int i = 0; i < 2; i++) {
    if (g_term.bdef[i] != NULL) g_term.bdef[i]->ml_meth = g_term.borig[i];
    g_term.bdef[i] = NULL;
  }
  hook_release();
}

int rec_output_terminal_mid_line(void) {
  return g_term.mid_line;
}
