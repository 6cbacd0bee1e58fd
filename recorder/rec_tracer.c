/* rec_tracer.c — the recorder's core: trace function, steps, instruction effects. */
/* The opcode tables are private to libpython3.11.so; the static archive
** has them already (CMakeLists.txt). */
#ifndef HR_STATIC_PYTHON
#define NEED_OPCODE_TABLES 1
#endif
#include "rec_internal.h"

#include <string.h>

#include "internal/pycore_frame.h"
#include "internal/pycore_opcode.h"
#include "internal/pycore_pystate.h"
#include "opcode.h"

#include "hr_mem.h"
#include "hr_status.h"
#include "rec_freelists.h"

static rec_map g_threads;          /* PyThreadState address -> rec_thread*; GIL */
static rec_thread *g_last_thread;  /* the one the previous event came from; GIL */
static int g_open;                 /* a full recording is set up (running or paused); GIL */
/* The last exception recorded, so an exception unwinding through several
** frames is one exception event: its object (borrowed, compared only, never
** dereferenced), its trace id and its type and message string ids. Written
** and read by the trace function only; GIL. */
static PyObject *g_last_exc;
static uint64_t g_last_exc_id;
static uint64_t g_last_exc_type, g_last_exc_msg;

/* ---- threads --------------------------------------------------------------- */

static rec_thread *thread_get(PyThreadState *ts) {
  if (g_last_thread && g_last_thread->ts == ts) return g_last_thread;
  uintptr_t *v = rec_map_get(&g_threads, (uintptr_t)ts);
  if (v) return g_last_thread = (rec_thread *)*v;
  rec_thread *th = hr_calloc(1, sizeof *th);
  if (th == NULL || rec_map_put(&g_threads, (uintptr_t)ts, (uintptr_t)th) != HR_OK) {
    hr_free(th);
    return NULL;
  }
  th->ts = ts;
  th->tid = (uint64_t)ts->thread_id;
  int main = ts == PyInterpreterState_ThreadHead(ts->interp) && ts->next == NULL;
  trc_writer_thread(rec_g.w, th->tid, rec_cstr_id(main ? "MainThread" : "Thread"),
                    (uint64_t)ts->native_thread_id);
  return th;
}

/* ---- instruction effects ------------------------------------------------------- */

/* Whether stack entry k held an object before the instruction (it may be
** gone now: the instruction consumed it). */
static inline int peek_held(rec_thread *th, int k) {
  return k >= 1 && k <= th->nbefore && th->before[th->nbefore - k].op != NULL;
}

/* Stack entry k as it was before the instruction, if that object is still
** alive: a temporary the instruction dropped (a bound method, a key just
** deleted) may be freed memory now, so it is NULL. */
static inline PyObject *peek(rec_thread *th, int k) {
  if (k < 1 || k > th->nbefore) return NULL;
  rec_sref *r = &th->before[th->nbefore - k];
  return r->o != NULL && r->o->id == r->id ? r->op : NULL;
}

/* The container at depth k, if it is still the object recorded there. */
static rec_obj *peek_obj(rec_thread *th, int k) {
  if (k < 1 || k > th->nbefore) return NULL;
  rec_sref *r = &th->before[th->nbefore - k];
  if (r->o == NULL) return NULL;
  return r->o->id == r->id && r->o->cont ? r->o : NULL;
}

static int name_in(const char *name, const char *const *set) {
  for (; *set; set++)
    if (strcmp(name, *set) == 0) return 1;
  return 0;
}

static const char *const k_readonly_builtins[] = {
  "len", "print", "isinstance", "issubclass", "id", "repr", "hash", "type", "getattr",
  "hasattr", "sum", "min", "max", "sorted", "any", "all", "abs", "round", "format",
  "callable", "iter", "ascii", "chr", "ord", "divmod", "pow", "bin", "hex", "oct", NULL};
static const char *const k_readonly_methods[] = {
  "get", "keys", "items", "values", "copy", "count", "index", "__contains__",
  "__getitem__", "__len__", "issubset", "issuperset", "isdisjoint", "union",
  "intersection", "difference", "symmetric_difference", "__sizeof__", NULL};

/* How a call of a builtin changes its self, beyond "anything" (FULL). */
enum { CALL_ANY = 0, CALL_TAIL, CALL_KEY };

/* Methods whose effect on their own container is bounded: the tail of a
** list, or the one key (first argument) of a set or dict. Diffing just that
** keeps a loop over a big container's methods as cheap as over a small one. */
static int call_bounded(PyObject *owner, const char *name, int nargs) {
  if (owner == (PyObject *)&PyList_Type) {
    if (strcmp(name, "append") == 0 || strcmp(name, "extend") == 0) return CALL_TAIL;
    if (strcmp(name, "pop") == 0 && nargs == 0) return CALL_TAIL;
  } else if (owner == (PyObject *)&PySet_Type) {
    if (nargs == 1 && (strcmp(name, "add") == 0 || strcmp(name, "discard") == 0 ||
                       strcmp(name, "remove") == 0))
      return CALL_KEY;
  } else if (owner == (PyObject *)&PyDict_Type) {
    if (nargs >= 1 && nargs <= 2 && (strcmp(name, "pop") == 0 || strcmp(name, "setdefault") == 0))
      return CALL_KEY;
  }
  return CALL_ANY;
}

/* A call of a builtin that leaves its arguments alone; *how says what a
** call that does change its self changes (CALL_*). */
static int call_is_readonly(PyObject *callable, int nargs, PyObject **self, int *how) {
  *how = CALL_ANY;
  const char *name = NULL;
  PyObject *owner = NULL;
  if (PyObject_TypeCheck(callable, &PyMethodDescr_Type)) {
    name = ((PyMethodDescrObject *)callable)->d_method->ml_name;
    owner = (PyObject *)PyDescr_TYPE(callable);
  } else if (PyCFunction_Check(callable)) {
    name = ((PyCFunctionObject *)callable)->m_ml->ml_name;
    owner = PyCFunction_GET_SELF(callable);
    if (owner && !PyModule_Check(owner)) {
      *self = owner;
      owner = (PyObject *)Py_TYPE(owner);
    } else if (owner && PyModule_Check(owner)) {
      const char *mn = PyModule_GetName(owner);
      if (mn == NULL) PyErr_Clear();
      return mn && strcmp(mn, "builtins") == 0 && name_in(name, k_readonly_builtins);
    }
  } else if (PyType_Check(callable) && !(((PyTypeObject *)callable)->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
    return 1;   /* constructing a builtin type: list(x), dict(x), str(x) ... */
  }
  if (name == NULL) return 0;
  if ((*how = call_bounded(owner, name, nargs)) != CALL_ANY) return 0;
  return name_in(name, k_readonly_methods);
}

static void call_effects(rec_thread *th) {
  int nargs = th->oparg;
  int is_meth = peek_held(th, nargs + 2);
  int at = is_meth ? nargs + 2 : nargs + 1;
  int total = nargs + is_meth;
  if (!peek_held(th, at)) return;
  /* A callable the call dropped (a temporary) cannot be asked what it was:
  ** every argument is diffed. */
  PyObject *callable = peek(th, at);
  PyObject *bound_self = NULL;
  int how = CALL_ANY;
  if (callable != NULL) {
    if (rec_frames_user_call(callable)) return;
    if (call_is_readonly(callable, nargs, &bound_self, &how)) return;
  }
  if (how != CALL_ANY) {
    PyObject *self = is_meth ? peek(th, total) : bound_self;
    rec_obj *o = self ? rec_obj_find(self) : NULL;
    if (o == NULL) return;
    PyObject *first = peek(th, nargs);
    if (how == CALL_TAIL) rec_obj_diff(o, REC_DIFF_TAIL, NULL);
    else if (first != NULL) rec_obj_diff(o, REC_DIFF_KEY, first);
    else rec_obj_diff(o, REC_DIFF_FULL, NULL);
    return;
  }
  if (bound_self) {
    rec_obj *o = rec_obj_find(bound_self);
    if (o && o->cont) rec_obj_diff(o, REC_DIFF_FULL, NULL);
  }
  for (int k = total; k >= 1; k--) {
    rec_obj *o = peek_obj(th, k);
    if (o) rec_obj_diff(o, REC_DIFF_FULL, NULL);
  }
}

/* Diff the containers the pending instruction may have changed. */
static void container_effects(rec_thread *th) {
  rec_obj *o;
  switch (th->op) {
  case STORE_SUBSCR:
  case DELETE_SUBSCR: {
    if ((o = peek_obj(th, 2)) == NULL) break;
    PyObject *key = peek(th, 1);
    if (PyList_Check(o->op) && th->op == STORE_SUBSCR && key && PyLong_CheckExact(key)) {
      Py_ssize_t i = PyLong_AsSsize_t(key);
      if (i == -1 && PyErr_Occurred()) PyErr_Clear();
      if (i < 0) i += PyList_GET_SIZE(o->op);
      rec_obj_diff(o, REC_DIFF_INDEX, (PyObject *)(intptr_t)i);
    } else if (PyDict_Check(o->op) && key != NULL) {
      rec_obj_diff(o, REC_DIFF_KEY, key);
    } else {
      rec_obj_diff(o, REC_DIFF_FULL, NULL);
    }
    break;
  }
  case STORE_ATTR:
  case DELETE_ATTR:
    if ((o = peek_obj(th, 1))) rec_obj_diff(o, REC_DIFF_FULL, NULL);
    break;
  case LIST_APPEND:
  case LIST_EXTEND:
    if ((o = peek_obj(th, th->oparg + 1))) rec_obj_diff(o, REC_DIFF_TAIL, NULL);
    break;
  case SET_ADD:
  case SET_UPDATE:
  case DICT_UPDATE:
  case DICT_MERGE:
    if ((o = peek_obj(th, th->oparg + 1))) rec_obj_diff(o, REC_DIFF_FULL, NULL);
    break;
  case MAP_ADD:
    if ((o = peek_obj(th, th->oparg + 2))) {
      PyObject *key = peek(th, 2);
      rec_obj_diff(o, key != NULL ? REC_DIFF_KEY : REC_DIFF_FULL, key);
    }
    break;
  case BINARY_OP:
    if (th->oparg >= NB_INPLACE_ADD && (o = peek_obj(th, 2)))
      rec_obj_diff(o, PyList_Check(o->op) && th->oparg == NB_INPLACE_ADD ? REC_DIFF_TAIL
                                                                         : REC_DIFF_FULL, NULL);
    break;
  case CALL:
    call_effects(th);
    break;
  default:
    break;
  }
}

/* rec_frame_diff would find nothing: the answer for most instructions,
** which bind nothing. With no cell to look into and no object freed since
** the last diff (so no address reused), equal pointers in every fast slot
** are the slots' whole answer; the namespaces' dicts tell by their
** versions. Inline, so a step that binds nothing costs no call. */
static inline int frame_unchanged(const rec_frame *fr) {
  if (fr->n) {
    if (fr->epoch != rec_g.frees || fr->cells) return 0;
    PyObject **lp = fr->fo->f_frame->localsplus;
    for (int i = 0; i < fr->n; i++)
      if (lp[i] != fr->slots[i].op) return 0;
  }
  const rec_obj *d = fr->names;
  if (d != NULL && ((PyDictObject *)d->op)->ma_version_tag != d->sh->version) return 0;
  d = fr->glob;
  return d == NULL || ((PyDictObject *)d->op)->ma_version_tag == d->sh->version;
}

/* The pending instruction of th has finished: record what it changed. With
** `now` (at the next instruction, where every count is settled) the stack it
** consumed is checked at once; otherwise (a call or return in between) its
** entries wait, as candidates, for the next boundary. */
static void finish(rec_thread *th, int now) {
  rec_frame *fr = th->pending;
  if (fr == NULL) return;
  th->pending = NULL;
  if (!frame_unchanged(fr)) rec_frame_diff(fr, th->op, th->oparg);
  if (!th->entered && th->op >= 0) container_effects(th);
  /* What the diffs found first, then the stack the instruction consumed:
  ** the order a single flush of both would give. */
  if (now) {
    rec_cand_flush();
    for (int i = 0; i < th->nbefore; i++) {
      rec_sref *r = &th->before[i];
      if (r->o != NULL && r->o->id == r->id) rec_rc_check(r->o);
    }
  } else {
    for (int i = 0; i < th->nbefore; i++) {
      rec_sref *r = &th->before[i];
      if (r->o != NULL && r->o->id == r->id) rec_cand_obj(r->o);
    }
  }
  th->nbefore = 0;
  rec_touch_done();
}

/* Record the value stack of fr now (after its previous instruction). */
static void snapshot(rec_thread *th, _PyInterpreterFrame *iframe) {
  th->nbefore = 0;
  int base = iframe->f_code->co_nlocalsplus;
  int top = iframe->stacktop;
  if (top < base || top > base + iframe->f_code->co_stacksize) return;
  int n = top - base;
  if (n > th->capbefore) {
    rec_sref *nb = hr_realloc(th->before, (size_t)n * sizeof *nb);
    if (nb == NULL) return;
    memset(nb + th->capbefore, 0, (size_t)(n - th->capbefore) * sizeof *nb);
    th->before = nb;
    th->capbefore = n;
  }
  for (int i = 0; i < n; i++) {
    PyObject *v = iframe->localsplus[base + i];
    rec_sref *r = &th->before[i];
    /* Most entries are where the previous snapshot saw them: a record that
    ** is still alive under the same id is still that object, no lookup. */
    if (v != NULL && r->op == v && r->o != NULL && r->o->id == r->id) {
      rec_rc_check(r->o);
      continue;
    }
    /* Moved on the stack: the find cache knows most such objects. */
    rec_obj *o = v ? rec_obj_cached(v) : NULL;
    if (v != NULL && o == NULL) o = rec_obj_see(v);
    if (o != NULL && o->sh == NULL && o->cont) rec_obj_shadow(o);
    th->before[i].op = o ? v : NULL;
    th->before[i].o = o;
    th->before[i].id = o ? o->id : 0;
    if (o) {
      rec_cand_flush();   /* its slots' objects, found by the shadow, first */
      rec_rc_check(o);
    }
  }
  th->nbefore = n;
}

static void on_opcode(rec_thread *th, PyFrameObject *frame) {
  rec_frame *fr = th->cur && th->cur->fo == frame ? th->cur : rec_frame_find(frame);
  if (fr == NULL) return;
  th->cur = fr;
  finish(th, 1);
  _PyInterpreterFrame *iframe = frame->f_frame;
  snapshot(th, iframe);
  rec_cand_flush();
  rec_alloc_emit_mem(0);
  _Py_CODEUNIT *ip = iframe->prev_instr;
  int op = _PyOpcode_Deopt[_Py_OPCODE(*ip)];
  int oparg = _Py_OPARG(*ip);
  if (ip > _PyCode_CODE(iframe->f_code) && _PyOpcode_Deopt[_Py_OPCODE(ip[-1])] == EXTENDED_ARG)
    oparg |= _Py_OPARG(ip[-1]) << 8;
  int line = frame->f_lineno ? frame->f_lineno : PyFrame_GetLineNumber(frame);
  th->last_step = ++rec_g.step;
  rec_emit(TRC_EV_STEP, fr->id, rec_frame_loc(fr, line), (uint64_t)op, 0);
  th->pending = fr;
  th->op = op;
  th->oparg = oparg;
  th->entered = 0;
  /* The keys it will touch, as they are now. */
  if (rec_touch_wanted(op)) rec_touch_before(th, iframe);
  else rec_touch_done();
}

static void on_exception(rec_frame *fr, PyObject *arg) {
  if (!PyTuple_Check(arg) || PyTuple_GET_SIZE(arg) < 2) return;
  PyObject *type = PyTuple_GET_ITEM(arg, 0), *value = PyTuple_GET_ITEM(arg, 1);
  if (value == g_last_exc && value != Py_None) {
    rec_obj *o = rec_obj_find(value);
    if (o && o->id == g_last_exc_id) return;     /* the same exception unwinding */
  }
  uint64_t tsid = rec_cstr_id(PyType_Check(type) ? _PyType_Name((PyTypeObject *)type) : "?");
  uint64_t msid = 0;
  PyObject *s = value ? PyObject_Str(value) : NULL;
  if (s) {
    msid = rec_str_id(s);
    Py_DECREF(s);
  } else {
    PyErr_Clear();
    msid = rec_cstr_id("");
  }
  uint64_t oid = value && value != Py_None ? rec_obj_id(value) : 0;
  rec_emit(TRC_EV_EXCEPTION, tsid, msid, TRC_EXC_RAISED, oid);
  g_last_exc = value;
  g_last_exc_id = oid;
  g_last_exc_type = tsid;
  g_last_exc_msg = msid;
}

/* The recorder's part of one trace event. */
static void record_event(PyThreadState *ts, PyFrameObject *frame, int what, PyObject *arg) {
  if (!rec_g.active || rec_g.busy) return;
  rec_g.busy = 1;
  rec_alloc_quiet = 1;
  /* An instruction boundary rarely has an exception set: save and restore
  ** one only when there is one (an error of ours is cleared either way). */
  PyObject *et = NULL, *ev = NULL, *tb = NULL;
  int had_exc = ts->curexc_type != NULL;
  if (had_exc) PyErr_Fetch(&et, &ev, &tb);
  rec_thread *th = g_last_thread && g_last_thread->ts == ts ? g_last_thread : thread_get(ts);
  if (th == NULL) goto out;
  switch (what) {
  case PyTrace_OPCODE:
    on_opcode(th, frame);
    break;
  case PyTrace_CALL: {
    /* A frame starting its code (not a generator resumed) starts with the
    ** program's f_trace_opcodes off, as a new frame object has it. */
    _Py_CODEUNIT *ip = frame->f_frame->prev_instr;
    if (_PyOpcode_Deopt[_Py_OPCODE(*ip)] == RESUME && _Py_OPARG(*ip) == 0)
      rec_chain_frame_new(frame);
    char program = (char)rec_chain_program_opcodes(frame);
    frame->f_trace_opcodes = program;
    if (!rec_code_is_user(frame->f_frame->f_code, frame->f_frame->f_globals)) break;
    if (th->pending) {
      th->entered = 1;
      finish(th, 0);
      rec_cand_flush();
    }
    rec_frame *fr = rec_frame_enter(th, frame);
    if (fr == NULL) break;
    rec_cand_flush();
    frame->f_trace_opcodes = rec_g.detail_full ? 1 : program;
    th->cur = fr;
    break;
  }
  case PyTrace_RETURN: {
    rec_frame *fr = th->cur && th->cur->fo == frame ? th->cur : rec_frame_find(frame);
    if (fr == NULL) break;
    if (th->pending == fr) finish(th, 0);
    _Py_CODEUNIT *ip = frame->f_frame->prev_instr;
    int suspended = arg != NULL && _PyOpcode_Deopt[_Py_OPCODE(*ip)] == YIELD_VALUE;
    if (arg == NULL && fr->parent == NULL && g_last_exc_type)
      rec_emit(TRC_EV_EXCEPTION, g_last_exc_type, g_last_exc_msg, TRC_EXC_UNHANDLED,
               g_last_exc_id);
    rec_frame *parent = fr->parent;
    rec_frame_leave(fr, arg, suspended);
    /* No flush: the frame's references go only when it is cleared, after
    ** this event; the caller's next instruction checks the candidates. */
    th->cur = parent;
    /* The caller's instruction goes on (its result is pushed next). */
    th->pending = parent;
    th->op = -1;
    th->nbefore = 0;
    th->entered = 1;
    break;
  }
  case PyTrace_EXCEPTION: {
    rec_frame *fr = rec_frame_find(frame);
    if (fr && arg) on_exception(fr, arg);
    break;
  }
  default:
    break;
  }
out:
  if (had_exc || ts->curexc_type != NULL) PyErr_Restore(et, ev, tb);
  rec_alloc_quiet = 0;
  rec_g.busy = 0;
}

/* rec_trace for a thread whose program runs a trace function of its own
** (obj, or a C extension's): each event goes to it as CPython would give
** it, around the recorder's part. */
static int __attribute__((noinline))
trace_chained(PyThreadState *ts, PyObject *obj, PyFrameObject *frame, int what, PyObject *arg) {
  int program = obj != NULL || rec_chain_has(ts);
  if (what == PyTrace_LINE) return program ? rec_chain_call(ts, obj, frame, what, arg) : 0;
  if (program) {
    /* The program sees an instruction before the recorder steps it, and a
    ** return before the recorder closes the frame (it may change locals). */
    if (what == PyTrace_OPCODE && rec_chain_program_opcodes(frame) &&
        rec_chain_call(ts, obj, frame, what, arg) < 0)
      return -1;   /* the instruction does not run: the error is raised */
    if (what == PyTrace_RETURN) {
      int rc = rec_chain_call(ts, obj, frame, what, arg);
      record_event(ts, frame, what, arg);
      return rc;
    }
  }
  record_event(ts, frame, what, arg);
  /* Read again: the recorder's work may have run code (an exception's str). */
  if ((what == PyTrace_CALL || what == PyTrace_EXCEPTION) && rec_chain_has(ts))
    return rec_chain_call(ts, ts->c_traceobj, frame, what, arg);
  return 0;
}

/* The trace function, for the whole recording. obj is the program's own
** trace function (sys.settrace; rec_chain.c), NULL when it has none. The
** commonest events, an instruction or a line of a program that traces
** nothing itself, take the shortest path: every step comes here. */
static int rec_trace(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg) {
  PyThreadState *ts = _PyThreadState_GET();   /* never NULL in a trace function */
  if (obj != NULL || rec_chain_has(ts) || (what != PyTrace_OPCODE && what != PyTrace_LINE))
    return trace_chained(ts, obj, frame, what, arg);
  /* 'line' events are the program's alone: f_trace_lines is its flag. */
  if (what == PyTrace_OPCODE) record_event(ts, frame, what, arg);
  return 0;
}

/* ---- new threads ------------------------------------------------------------------ */

/* _thread.start_new_thread (threading binds it at its import) gets
** thread_start in its method entries: the same function object starts the
** thread with thread_boot, which installs the recorder's trace function in
** the new thread before calling the program's function. Nothing is
** imported and threading.settrace stays the program's. */
static PyMethodDef *g_start_defs[2];   /* "start_new_thread", "start_new"; GIL */
static PyCFunction g_start_orig;       /* _thread.start_new_thread's function; GIL */
static PyObject *g_boot;               /* thread_boot as a function (owned, kept); GIL */

static PyObject *thread_boot(PyObject *self, PyObject *a) {
  PyObject *func = PyTuple_GET_ITEM(a, 0), *args = PyTuple_GET_ITEM(a, 1);
  PyObject *kwargs = PyTuple_GET_ITEM(a, 2);
  PyThreadState *ts = PyThreadState_Get();
  if (rec_g.active && ts->c_tracefunc == NULL) rec_chain_set_slot(ts, rec_trace, NULL);
  PyObject *r = PyObject_Call(func, args, kwargs == Py_None ? NULL : kwargs);
  /* What _thread's thread_run does with the function's outcome. */
  if (r == NULL) {
    if (PyErr_ExceptionMatches(PyExc_SystemExit)) PyErr_Clear();
    else _PyErr_WriteUnraisableMsg("in thread started by", func);
  }
  Py_XDECREF(r);
  Py_RETURN_NONE;
}
static PyMethodDef g_boot_def = {"start_new_thread", thread_boot, METH_VARARGS, NULL};

static PyObject *thread_start(PyObject *self, PyObject *fargs) {
  PyObject *func, *args, *kwargs = NULL;
  /* Anything the original would refuse goes to it, for its own error; so
  ** do threads of a subinterpreter (the recorder follows the main one). */
  if (!rec_g.active || rec_g.busy || PyInterpreterState_Get() != PyInterpreterState_Main() ||
      !PyTuple_Check(fargs) ||
      !PyArg_UnpackTuple(fargs, "start_new_thread", 2, 3, &func, &args, &kwargs) ||
      !PyCallable_Check(func) || !PyTuple_Check(args) || (kwargs && !PyDict_Check(kwargs))) {
    PyErr_Clear();
    return g_start_orig(self, fargs);
  }
  rec_g.busy = 1;
  rec_alloc_quiet = 1;
  PyObject *boot = PyTuple_Pack(3, func, args, kwargs ? kwargs : Py_None);
  PyObject *a = boot ? PyTuple_Pack(2, g_boot, boot) : NULL;
  Py_XDECREF(boot);
  rec_alloc_quiet = 0;
  rec_g.busy = 0;
  if (a == NULL) return NULL;
  PyObject *r = g_start_orig(self, a);
  Py_DECREF(a);
  return r;
}

static void thread_hook_install(void) {
  PyObject *name = PyUnicode_FromString("_thread");
  PyObject *mod = name ? PyImport_GetModule(name) : NULL;   /* imported at start-up */
  Py_XDECREF(name);
  if (mod == NULL) {
    PyErr_Clear();
    return;
  }
  if (g_boot == NULL) g_boot = PyCFunction_NewEx(&g_boot_def, NULL, NULL);
  static const char *const names[2] = {"start_new_thread", "start_new"};
  for (int i = 0; i < 2 && g_boot != NULL; i++) {
    PyObject *fn = PyObject_GetAttrString(mod, names[i]);
    if (fn != NULL && PyCFunction_Check(fn)) {
      PyMethodDef *def = ((PyCFunctionObject *)fn)->m_ml;
      if ((def->ml_flags & (METH_VARARGS | METH_KEYWORDS | METH_FASTCALL | METH_O | METH_NOARGS)) ==
              METH_VARARGS &&
          (g_start_orig == NULL || def->ml_meth == g_start_orig)) {
        g_start_orig = def->ml_meth;
        g_start_defs[i] = def;
        def->ml_meth = thread_start;
      }
    }
    Py_XDECREF(fn);
  }
  Py_DECREF(mod);
  PyErr_Clear();
}

static void thread_hook_remove(void) {
  for (int i = 0; i < 2; i++) {
    if (g_start_defs[i] != NULL) g_start_defs[i]->ml_meth = g_start_orig;
    g_start_defs[i] = NULL;
  }
}

/* A thread the recorder traced runs another C trace function now (put
** there by _PyEval_SetTrace, or by PyEval_SetTrace where rec_chain.c cannot
** redirect it): its steps from here are not recorded. The trace says so
** (meta trace_gap; `heapreel summary` shows it). */
void rec_tracer_slot_lost(PyThreadState *ts) {
  static int said;
  uintptr_t *v = rec_map_get(&g_threads, (uintptr_t)ts);
  if (said || !rec_g.active || v == NULL) return;
  said = 1;
  rec_thread *th = (rec_thread *)*v;
  char buf[240];
  snprintf(buf, sizeof buf,
           "another C trace function took the recorder's place in thread %llu: "
           "its steps after step %llu were not recorded",
           (unsigned long long)th->tid, (unsigned long long)th->last_step);
  trc_writer_meta(rec_g.w, "trace_gap", buf);
}

/* ---- the API ------------------------------------------------------------------ */

/* The recorder's state for a recording into w, with nothing installed. */
static int state_init(trc_writer *w, const rec_options *opt, char **errmsg) {
  if (errmsg) *errmsg = NULL;
  if (w == NULL || opt == NULL) {
    if (errmsg) *errmsg = hr_strdup("no trace writer or options");
    return HR_EUSAGE;
  }
  if (rec_g.active) {
    if (errmsg) *errmsg = hr_strdup("the recorder is already running");
    return HR_EUSAGE;
  }
  memset(&rec_g, 0, sizeof rec_g);
  rec_g.w = w;
  rec_g.opt = *opt;
  rec_g.detail_full = opt->detail == REC_DETAIL_FULL;
  rec_g.next_obj = 1;
  rec_g.next_frame = 1;
  g_open = 1;
  return HR_OK;
}

/* Every hook in, the current thread traced. first: the object and frame
** tables are made now (a later region keeps the ones it had). */
static int hooks_on(int first, char **errmsg) {
  int rc = first ? rec_objects_init() : HR_OK;
  if (rc == HR_OK && first) rc = rec_frames_init();
  if (rc == HR_OK) rc = rec_gc_start();
  if (rc == HR_OK) rc = rec_alloc_prepare();
  if (rc == HR_OK) rc = rec_chain_start(rec_trace);
  if (rc != HR_OK) {
    PyErr_Clear();
    if (errmsg) *errmsg = hr_strdup("cannot install the recorder's hooks");
    rec_chain_stop();
    rec_alloc_stop();
    rec_gc_stop();
    rec_dealloc_unwrap_all();
    return rc;
  }
  thread_hook_install();
  thread_get(PyThreadState_Get());
  if (rec_output_start() != HR_OK) PyErr_Clear();   /* the run goes on without output rows */
  rec_alloc_start();
  rec_g.active = 1;
  rec_chain_take(PyThreadState_Get(), rec_trace);
  return HR_OK;
}

int rec_tracer_start(trc_writer *w, const rec_options *opt, char **errmsg) {
  int rc = state_init(w, opt, errmsg);
  if (rc != HR_OK) return rc;
  /* A full collection empties the free lists, so objects handed out from
  ** them later were born while recording. */
  PyGC_Collect();
  return hooks_on(1, errmsg);
}

int rec_tracer_prepare(trc_writer *w, const rec_options *opt, char **errmsg) {
  return state_init(w, opt, errmsg);
}

int rec_tracer_resume(int first, char **errmsg) {
  if (errmsg) *errmsg = NULL;
  if (rec_g.active || !g_open) return HR_OK;
  /* No collection here: it would run the program's finalisers at a time
  ** of the recorder's choosing. Emptying the free lists is enough for the
  ** objects the region hands out to be seen born. */
  rec_freelists_drain();
  rec_map_reset(&rec_g.reborn);   /* addresses freed unseen since may hold anything */
  rec_g.paused = 0;
  return hooks_on(first, errmsg);
}

rec_thread *rec_tracer_thread(PyThreadState *ts) {
  return thread_get(ts);
}

static void finish_all_threads(void) {
  for (size_t i = 0; i < g_threads.cap; i++) {
    if (g_threads.ent[i].key == 0) continue;
    rec_thread *th = (rec_thread *)g_threads.ent[i].val;
    if (th->pending && th->pending->fo->f_frame) finish(th, 0);
    th->pending = NULL;
  }
  rec_cand_flush();
}

/* Finish every thread's pending instruction and write the reference graph
** the leak and cycle analyses need, complete at mark label: live frames'
** slots, then objects born while recording. At the end of main and at the
** end of each region. The caller has set busy and quiet and saved the
** program's exception. */
static void write_graph(const char *label) {
  finish_all_threads();
  /* A recorded thread whose slot another C trace function took. */
  PyThreadState *me = PyThreadState_Get();
  for (PyThreadState *ts = PyInterpreterState_ThreadHead(me->interp); ts; ts = PyThreadState_Next(ts))
    if (ts->c_tracefunc != rec_trace) rec_tracer_slot_lost(ts);
  rec_frames_end();
  rec_objects_end();
  rec_cand_flush();
  rec_alloc_emit_mem(1);
  trc_writer_mark(rec_g.w, rec_g.step, label);
}

void rec_tracer_end_of_main(void) {
  if (!rec_g.active) return;
  rec_g.busy = 1;
  rec_alloc_quiet = 1;
  PyObject *et, *ev, *tb;
  PyErr_Fetch(&et, &ev, &tb);
  write_graph("end");
  PyErr_Restore(et, ev, tb);
  rec_alloc_quiet = 0;
  rec_g.busy = 0;
  rec_tracer_stop();
}

/* Every hook out, each thread's slot back to the program. */
static void hooks_off(void) {
  rec_g.active = 0;
  PyThreadState *me = PyThreadState_Get();
  /* Each thread's slot goes back to the program: its own trace function,
  ** through CPython's trampoline, or none. */
  for (PyThreadState *ts = PyInterpreterState_ThreadHead(me->interp); ts; ts = PyThreadState_Next(ts))
    rec_chain_release(ts);
  rec_chain_stop();
  thread_hook_remove();
  rec_output_stop();
  rec_gc_stop();
  rec_alloc_stop();
}

void rec_tracer_pause(const char *label) {
  if (!rec_g.active) return;
  rec_g.busy = 1;
  rec_alloc_quiet = 1;
  PyObject *et, *ev, *tb;
  PyErr_Fetch(&et, &ev, &tb);
  write_graph(label);  /* the graph at the region's last point */
  rec_frames_pause();
  hooks_off();
  rec_g.paused = 1;
  for (size_t i = 0; i < g_threads.cap; i++) {
    if (g_threads.ent[i].key == 0) continue;
    rec_thread *th = (rec_thread *)g_threads.ent[i].val;
    th->cur = th->pending = NULL;
    th->nbefore = 0;
  }
  PyErr_Restore(et, ev, tb);
  rec_alloc_quiet = 0;
  rec_g.busy = 0;
}

void rec_tracer_end_paused(void) {
  if (!g_open || rec_g.active) return;
  rec_g.busy = 1;
  rec_alloc_quiet = 1;
  PyObject *et, *ev, *tb;
  PyErr_Fetch(&et, &ev, &tb);
  rec_frames_reap();
  rec_objects_end();
  rec_cand_flush();
  trc_writer_mark(rec_g.w, rec_g.step, "end");
  PyErr_Restore(et, ev, tb);
  rec_alloc_quiet = 0;
  rec_g.busy = 0;
  rec_tracer_stop();
}

void rec_tracer_stop(void) {
  if (!g_open) return;
  g_open = 0;
  if (rec_g.active) hooks_off();
  rec_g.paused = 0;
  rec_dealloc_unwrap_all();
  rec_objects_fini();
  rec_frames_fini();
  for (size_t i = 0; i < g_threads.cap; i++) {
    if (g_threads.ent[i].key == 0) continue;
    rec_thread *th = (rec_thread *)g_threads.ent[i].val;
    hr_free(th->before);
    hr_free(th);
  }
  rec_map_reset(&g_threads);
  g_last_thread = NULL;
}

void rec_tracer_mark(const char *label) {
  if (!rec_g.active) return;
  trc_writer_mark(rec_g.w, rec_g.step, label ? label : "");
}

uint64_t rec_tracer_step(void) {
  return rec_g.step;
}
