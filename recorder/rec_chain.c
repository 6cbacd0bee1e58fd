/* rec_chain.c — the program's own sys.settrace, run behind the recorder's trace function.
**
** CPython 3.11 has one trace slot per thread (c_tracefunc, c_traceobj). The
** recorder's function stays in it for the whole recording; the program's
** Python trace function goes into c_traceobj, which is what sys.gettrace()
** returns, so the program reads back exactly what it set. sys.settrace's
** method entry gets chain_settrace: same function object, name, doc and
** audit event ("sys.settrace"); it only swaps c_traceobj. A C extension's
** trace function (PyEval_SetTrace, redirected to chain_c_settrace) is kept
** per thread beside it and gets the events as they come. The recorder's
** trace function hands each event on as 3.11's trace_trampoline
** (Python/sysmodule.c) would: 'call' to the global function, the others to
** frame.f_trace, a non-None result stored as frame.f_trace, an exception
** turning the program's tracing off (the recorder's stays) and going on in
** the traced frame.
**
** The recorder sets f_trace_opcodes on the frames it records, to see every
** instruction. The program's own view of that flag is kept here (frame
** address -> 1 when the program set it), behind a descriptor that replaces
** the member in FrameType's dict: the program reads back what it wrote and
** gets 'opcode' events only where it asked. f_trace_lines is left to the
** program (the recorder does not need 'line' events and skips them).
**
** Residual differences, documented in docs/recording.md: FrameType.__dict__
** ['f_trace_opcodes'] is a getset_descriptor, not a member_descriptor; a
** frame object first made while a trace function runs (none of its events
** seen) may show a stale True for f_trace_opcodes when a dead frame that the
** program flagged had its address.
*/
#include "rec_internal.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "frameobject.h"
#include "internal/pycore_frame.h"
#include "internal/pycore_pystate.h"

#include "hr_status.h"

static PyMethodDef *g_settrace_def;    /* sys.settrace's method entry; GIL */
static PyCFunction g_settrace_orig;    /* its function; GIL, like all below */
static Py_tracefunc g_trampoline;      /* 3.11's trace_trampoline, learned at start */
static Py_tracefunc g_recorder;        /* the recorder's trace function */
static PyObject *g_what[8];            /* "call", "exception", ... "opcode" (owned) */
static rec_map g_opcodes;              /* frame -> 1: the program set f_trace_opcodes */
static PyObject *g_member;             /* FrameType's f_trace_opcodes member (owned) */
static PyObject *g_getset;             /* our descriptor in its place (owned) */
static rec_map g_cfuncs;               /* thread state -> a C extension's trace function */
size_t rec_chain_ncfuncs;              /* its size, read on every event */
static int g_patched;                  /* PyEval_SetTrace leads to chain_c_settrace */

/* Install func and obj in ts's trace slot as _PyEval_SetTrace does, without
** its audit event: the program did not ask for this. */
void rec_chain_set_slot(PyThreadState *ts, Py_tracefunc func, PyObject *obj) {
  if (g_cfuncs.n != 0) rec_map_del(&g_cfuncs, (uintptr_t)ts, NULL);
  rec_chain_ncfuncs = g_cfuncs.n;
  PyObject *old = ts->c_traceobj;
  ts->c_tracefunc = NULL;
  ts->c_traceobj = NULL;
  _PyThreadState_UpdateTracingState(ts);
  Py_XINCREF(obj);
  Py_XDECREF(old);
  ts->c_tracefunc = func;
  ts->c_traceobj = obj;
  _PyThreadState_UpdateTracingState(ts);
}

/* The program's trace function of ts becomes cfunc (a C extension's, or
** NULL for a Python one) with obj, which sys.gettrace() returns: what
** _PyEval_SetTrace does with the slot, the recorder's function staying in
** it. Its audit event, and its refusal to be re-entered from the old
** object's finaliser (a RuntimeError; Debian's 3.11 has that check). -1 with
** an exception set when refused. */
static int g_installing;               /* a trace function is being installed; GIL */

static int set_program(PyThreadState *ts, Py_tracefunc cfunc, PyObject *obj) {
  if (g_installing) {
    PyErr_SetString(PyExc_RuntimeError,
                    "Cannot install a trace function while another trace function is being installed");
    return -1;
  }
  g_installing = 1;
  if (PySys_Audit("sys.settrace", NULL) < 0) {
    g_installing = 0;
    return -1;
  }
  if (cfunc == NULL) {
    if (g_cfuncs.n != 0) rec_map_del(&g_cfuncs, (uintptr_t)ts, NULL);
  } else if (rec_map_put(&g_cfuncs, (uintptr_t)ts, (uintptr_t)cfunc) != HR_OK) {
    g_installing = 0;
    PyErr_NoMemory();
    return -1;
  }
  rec_chain_ncfuncs = g_cfuncs.n;
  /* The old object goes while the slot holds none (its finaliser runs
  ** untraced by the program, as under CPython). */
  PyObject *old = ts->c_traceobj;
  ts->c_traceobj = NULL;
  Py_XINCREF(obj);
  Py_XDECREF(old);
  ts->c_traceobj = obj;
  g_installing = 0;
  return 0;
}

/* Whether the recorder wants every instruction of f. */
static int recorder_opcodes(PyFrameObject *f) {
  return g_recorder != NULL && rec_g.active && rec_g.detail_full && rec_frame_find(f) != NULL;
}

int rec_chain_program_opcodes(PyFrameObject *f) {
  return g_opcodes.n != 0 && rec_map_get(&g_opcodes, (uintptr_t)f) != NULL;
}

void rec_chain_frame_new(PyFrameObject *f) {
  if (g_opcodes.n != 0) rec_map_del(&g_opcodes, (uintptr_t)f, NULL);
}

int rec_chain_has_cfunc(PyThreadState *ts) {
  return g_cfuncs.n != 0 && rec_map_get(&g_cfuncs, (uintptr_t)ts) != NULL;
}

int rec_chain_call(PyThreadState *ts, PyObject *self, PyFrameObject *frame, int what,
                   PyObject *arg) {
  /* A C extension's function (PyEval_SetTrace) takes the event as is. */
  uintptr_t *cf = g_cfuncs.n != 0 ? rec_map_get(&g_cfuncs, (uintptr_t)ts) : NULL;
  if (cf != NULL) return ((Py_tracefunc)*cf)(self, frame, what, arg);
  if (self == NULL) return 0;
  PyObject *callback = what == PyTrace_CALL ? self : frame->f_trace;
  if (callback == NULL) return 0;
  Py_INCREF(callback);
  PyObject *result = NULL;
  /* Discard modifications of the frame's locals dict made since, as the
  ** trampoline does; then its changes go back into the fast locals. */
  if (!frame->f_fast_as_locals || PyFrame_FastToLocalsWithError(frame) >= 0) {
    PyObject *args[3] = {(PyObject *)frame, g_what[what], arg != NULL ? arg : Py_None};
    result = PyObject_Vectorcall(callback, args, 3, NULL);
    PyFrame_LocalsToFast(frame, 1);
    if (result == NULL) PyTraceBack_Here(frame);
  }
  Py_DECREF(callback);
  if (result == NULL) {
    /* The program's tracing ends here, with its audit event, as
    ** _PyEval_SetTrace(tstate, NULL, NULL) would; the recorder's goes on. */
    PyObject *et, *ev, *tb;
    PyErr_Fetch(&et, &ev, &tb);
    if (set_program(ts, NULL, NULL) < 0) PyErr_Clear();   /* the trampoline ignores it too */
    PyErr_Restore(et, ev, tb);
    Py_CLEAR(frame->f_trace);
    return -1;
  }
  if (result != Py_None) Py_XSETREF(frame->f_trace, result);
  else Py_DECREF(result);
  return 0;
}

/* sys.settrace(function) while the recorder's function holds the slot. */
static PyObject *chain_settrace(PyObject *self, PyObject *func) {
  PyThreadState *ts = PyThreadState_Get();
  if (ts->c_tracefunc != g_recorder || g_recorder == NULL || !rec_g.active) {
    if (g_recorder != NULL) rec_tracer_slot_lost(ts);
    return g_settrace_orig(self, func);
  }
  if (set_program(ts, NULL, func == Py_None ? NULL : func) < 0) return NULL;
  Py_RETURN_NONE;
}

/* ---- PyEval_SetTrace from C extensions ------------------------------------------- */

/* PyEval_SetTrace (Python/ceval.c), for a C-level tracer (coverage's
** CTracer, _testcapi, a profiler): while the recorder holds the thread's
** slot its function is kept beside the recorder's and gets every event as
** it would have (rec_chain_call); its object is what sys.gettrace()
** returns. Otherwise, or without a recorder, 3.11's own body. */
static void chain_c_settrace(Py_tracefunc func, PyObject *arg) {
  PyThreadState *ts = PyThreadState_Get();
  /* Not recording (also a forked child that stopped): the slot is anyone's. */
  if (g_recorder == NULL || !rec_g.active || ts->c_tracefunc != g_recorder || func == g_recorder) {
    if (_PyEval_SetTrace(ts, func, arg) < 0) _PyErr_WriteUnraisableMsg("in PyEval_SetTrace", NULL);
    return;
  }
  /* CPython's trampoline carries a Python function: ours emulates it. */
  Py_tracefunc cfunc = func == g_trampoline ? NULL : func;
  if (set_program(ts, cfunc, func != NULL ? arg : NULL) < 0)
    _PyErr_WriteUnraisableMsg("in PyEval_SetTrace", NULL);
}

/* Send calls of PyEval_SetTrace to chain_c_settrace: a jump written over
** its first instructions. The recorder runs inside the interpreter's own
** process and C extensions reach the function through the dynamic symbol,
** so this is the one place that sees them all. x86-64 only; elsewhere (or
** when the page cannot be made writable) an extension's tracer takes the
** slot and the trace marks the gap (rec_tracer_slot_lost). */
static void patch_c_settrace(void) {
#if defined(__x86_64__)
  if (g_patched) return;
  uint8_t *at = (uint8_t *)(void *)&PyEval_SetTrace;
  uintptr_t to = (uintptr_t)(void *)&chain_c_settrace;
  uint8_t code[12] = {0x48, 0xb8};                 /* movabs $to, %rax */
  memcpy(code + 2, &to, 8);
  code[10] = 0xff;                                 /* jmp *%rax */
  code[11] = 0xe0;
  long pg = sysconf(_SC_PAGESIZE);
  if (pg <= 0) return;
  uintptr_t lo = (uintptr_t)at & ~(uintptr_t)(pg - 1);
  uintptr_t hi = ((uintptr_t)at + sizeof code + (uintptr_t)pg - 1) & ~(uintptr_t)(pg - 1);
  if (mprotect((void *)lo, hi - lo, PROT_READ | PROT_WRITE | PROT_EXEC) != 0) return;
  memcpy(at, code, sizeof code);
  mprotect((void *)lo, hi - lo, PROT_READ | PROT_EXEC);
  __builtin___clear_cache((char *)at, (char *)at + sizeof code);
  g_patched = 1;
#endif
}

/* ---- frame.f_trace_opcodes as the program sees it ------------------------------ */

static PyObject *opcodes_get(PyObject *f, void *unused) {
  return PyBool_FromLong(rec_chain_program_opcodes((PyFrameObject *)f));
}

static int opcodes_set(PyObject *f, PyObject *v, void *unused) {
  /* The messages of a T_BOOL member (Python/structmember.c). */
  if (v == NULL) {
    PyErr_SetString(PyExc_TypeError, "can't delete numeric/char attribute");
    return -1;
  }
  if (!PyBool_Check(v)) {
    PyErr_SetString(PyExc_TypeError, "attribute value type must be bool");
    return -1;
  }
  PyFrameObject *fo = (PyFrameObject *)f;
  if (v == Py_True) {
    if (rec_map_put(&g_opcodes, (uintptr_t)f, 1) != HR_OK) {
      PyErr_NoMemory();
      return -1;
    }
    fo->f_trace_opcodes = 1;
  } else {
    rec_map_del(&g_opcodes, (uintptr_t)f, NULL);
    fo->f_trace_opcodes = (char)recorder_opcodes(fo);
  }
  return 0;
}

static PyGetSetDef g_opcodes_def = {"f_trace_opcodes", opcodes_get, opcodes_set, NULL, NULL};

static int descriptor_install(void) {
  PyObject *dict = PyFrame_Type.tp_dict;
  PyObject *m = dict ? PyDict_GetItemString(dict, "f_trace_opcodes") : NULL;  /* borrowed */
  if (m == NULL || Py_TYPE(m) != &PyMemberDescr_Type) return HR_EPYTHON;
  PyObject *d = PyDescr_NewGetSet(&PyFrame_Type, &g_opcodes_def);
  if (d == NULL) return HR_EPYTHON;
  Py_INCREF(m);
  if (PyDict_SetItemString(dict, "f_trace_opcodes", d) < 0) {
    Py_DECREF(m);
    Py_DECREF(d);
    return HR_EPYTHON;
  }
  PyType_Modified(&PyFrame_Type);
  g_member = m;
  g_getset = d;
  return HR_OK;
}

/* ---- start and stop ------------------------------------------------------------- */

int rec_chain_start(Py_tracefunc recorder) {
  static const char *const names[8] = {"call", "exception", "line", "return",
                                       "c_call", "c_exception", "c_return", "opcode"};
  for (int i = 0; i < 8; i++)
    if (g_what[i] == NULL && (g_what[i] = PyUnicode_InternFromString(names[i])) == NULL)
      return HR_EPYTHON;
  PyObject *st = PySys_GetObject("settrace");   /* borrowed */
  if (st == NULL || !PyCFunction_Check(st)) return HR_EPYTHON;
  PyMethodDef *def = ((PyCFunctionObject *)st)->m_ml;
  if ((def->ml_flags & (METH_O | METH_VARARGS | METH_FASTCALL | METH_NOARGS)) != METH_O)
    return HR_EPYTHON;   /* not the 3.11 layout we know */
  /* Learn the trampoline: sys.settrace installs it with its argument. Once:
  ** a later region must not make the program's audit hooks see a call. */
  if (g_trampoline == NULL) {
    PyThreadState *ts = PyThreadState_Get();
    Py_tracefunc was_func = ts->c_tracefunc;
    PyObject *was_obj = ts->c_traceobj;
    Py_XINCREF(was_obj);
    PyObject *r = def->ml_meth(PyCFunction_GET_SELF(st), st);
    Py_XDECREF(r);
    g_trampoline = r != NULL ? ts->c_tracefunc : NULL;
    rec_chain_set_slot(ts, was_func, was_obj);
    Py_XDECREF(was_obj);
    if (g_trampoline == NULL) return HR_EPYTHON;
  }
  if (g_member == NULL && descriptor_install() != HR_OK) return HR_EPYTHON;
  patch_c_settrace();
  g_recorder = recorder;
  g_settrace_def = def;
  g_settrace_orig = def->ml_meth;
  def->ml_meth = chain_settrace;
  return HR_OK;
}

void rec_chain_release(PyThreadState *ts) {
  if (g_recorder == NULL || ts->c_tracefunc != g_recorder) return;
  uintptr_t *cf = g_cfuncs.n != 0 ? rec_map_get(&g_cfuncs, (uintptr_t)ts) : NULL;
  Py_tracefunc func = cf != NULL ? (Py_tracefunc)*cf : ts->c_traceobj != NULL ? g_trampoline : NULL;
  PyObject *obj = ts->c_traceobj;
  Py_XINCREF(obj);
  rec_chain_set_slot(ts, func, obj);
  Py_XDECREF(obj);
}

void rec_chain_take(PyThreadState *ts, Py_tracefunc recorder) {
  Py_tracefunc was = ts->c_tracefunc;
  if (was == recorder) return;
  /* A Python function set with sys.settrace stays c_traceobj; a C
  ** extension's function goes beside the recorder's, as chain_c_settrace
  ** puts it. */
  PyObject *obj = was != NULL ? ts->c_traceobj : NULL;
  Py_XINCREF(obj);
  rec_chain_set_slot(ts, recorder, obj);
  Py_XDECREF(obj);
  if (was != NULL && was != g_trampoline && rec_map_put(&g_cfuncs, (uintptr_t)ts, (uintptr_t)was) == HR_OK)
    rec_chain_ncfuncs = g_cfuncs.n;
}

void rec_chain_adopt_opcodes(PyFrameObject *f) {
  if (f->f_trace_opcodes && !rec_chain_program_opcodes(f) && rec_map_put(&g_opcodes, (uintptr_t)f, 1) != HR_OK)
    PyErr_Clear();
}

void rec_chain_stop(void) {
  if (g_settrace_def != NULL) g_settrace_def->ml_meth = g_settrace_orig;
  g_settrace_def = NULL;
  /* The descriptor and the program's flags stay: frames the program flagged
  ** keep answering as it set them, and the real flags are its own from now. */
  g_recorder = NULL;
  rec_map_reset(&g_cfuncs);
  rec_chain_ncfuncs = 0;
}
