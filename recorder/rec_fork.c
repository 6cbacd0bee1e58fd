/* rec_fork.c — a recorded program that forks: the child stops recording, or follows into a trace of its own. */
#include "rec_internal.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "hr_mem.h"
#include "hr_status.h"
#include "rec_allocmode.h"
#include "rec_region.h"
#include "rec_astack.h"
#include "rec_fork.h"
#include "rec_hooks.h"
#include "trc_target.h"

/* Written by the main thread with the GIL (start, the child callback) and
** read by the fork handlers, which run in the thread calling fork(): the
** one holding the GIL when the program forks through os.fork. */
static struct {
  const rec_fork_host *host;
  trc_writer *w;           /* this process's trace writer (borrowed; the parent's, inert, in a child) */
  char *trace;             /* its absolute path (owned) */
  int follow;              /* --follow-fork */
  pid_t pid;               /* the process recording into trace */
  int child;               /* set inside fork() in the child; the callback has not run yet */
} g;

/* ---- inside fork() -------------------------------------------------------------------------- */

/* Locks are taken in this order and given back the other way: the writers
** first (prepare may wait for a writer thread to leave SQLite, and other
** threads may meanwhile still allocate), the allocator hooks' spinlock
** last (held for no more than the fork itself). */
static void fork_prepare(void) {
  trc_writer_fork_prepare();
  rec_hooks_lock();
}

static void fork_parent(void) {
  rec_hooks_unlock();
  trc_writer_fork_parent();
}

/* One thread, inside fork(): nothing here may wait or call into Python.
** The hooks' lock was taken by this very thread in prepare. */
static void fork_child(void) {
  rec_hooks_unlock();
  trc_writer_fork_child();
  g.child = 1;
  if (g.host && g.host->child_now) g.host->child_now();
}

/* ---- in the child, with the GIL ------------------------------------------------------------------ */

/* "<dir>/<stem>.<pid>.heapreel" beside trace ("<dir>/<stem>.heapreel",
** or any other name, which keeps all of it as the stem). Owned. */
static char *child_path(const char *trace, pid_t pid) {
  static const char ext[] = ".heapreel";
  size_t n = strlen(trace), e = sizeof ext - 1;
  size_t b = n;
  while (b > 0 && trace[b - 1] != '/') b--;
  if (n - b > e && strcmp(trace + n - e, ext) == 0) n -= e;
  return hr_sprintf("%.*s.%ld%s", (int)n, trace, (long)pid, ext);
}

static void note(const char *what, const char *path, const char *why) {
  fprintf(stderr, "heapreel: cannot %s '%s': %s\n", what, path ? path : "", why ? why : "unknown error");
}

/* The child's own trace, an alloc recording from now on. Returns the
** writer or NULL (a message printed: the child runs on unrecorded). */
static trc_writer *follow_open(const rec_options *popt, uint64_t fork_step, uint64_t fork_event,
                               pid_t ppid, char **path_out) {
  pid_t me = getpid();
  char *path = child_path(g.trace, me);
  trc_writer_options wopt = {0};
  rec_allocmode_writer_options(&wopt);
  trc_writer *w = NULL;
  char *err = NULL;
  if (path == NULL) {
    note("record a forked child", g.trace, "out of memory");
    return NULL;
  }
  /* The child's name is made up: what is there must be a trace to replace. */
  if (trc_target_check(path, NULL, 0, &err) != HR_OK ||
      trc_writer_open(path, &wopt, &w, &err) != HR_OK) {
    fprintf(stderr, "heapreel: %s\n", err ? err : "cannot create trace");
    hr_free(err);
    hr_free(path);
    return NULL;
  }
  char buf[64];
  /* The parent's facts (argv, program, python_version, ...), then the child's. */
  trc_writer_meta_copy(w, g.w);
  trc_writer_meta(w, "detail", "alloc");
  trc_writer_meta(w, "parent_trace", g.trace);
  snprintf(buf, sizeof buf, "%ld", (long)ppid);
  trc_writer_meta(w, "parent_pid", buf);
  snprintf(buf, sizeof buf, "%ld", (long)me);
  trc_writer_meta(w, "pid", buf);
  snprintf(buf, sizeof buf, "%llu", (unsigned long long)fork_step);
  trc_writer_meta(w, "fork_step", buf);
  snprintf(buf, sizeof buf, "%llu", (unsigned long long)fork_event);
  trc_writer_meta(w, "fork_event", buf);
  rec_options opt = *popt;
  opt.detail = REC_DETAIL_ALLOC;
  opt.start_mark = NULL;            /* the parent was recording: so is the child, from the fork */
  opt.paused = 0;
  snprintf(buf, sizeof buf, "%d", opt.stack_depth > 0 ? opt.stack_depth : REC_ASTACK_DEFAULT_DEPTH);
  trc_writer_meta(w, "stack_depth", buf);
  int status = trc_writer_sync(w);    /* a child killed early still says what it is */
  if (status == HR_OK) status = rec_allocmode_start(w, &opt, &err);
  if (status != HR_OK) {
    rec_allocmode_stop();
    char *werr = NULL;
    trc_writer_discard(w, &werr);
    note("record a forked child into", path, werr ? werr : err ? err : hr_status_str(status));
    hr_free(werr);
    hr_free(err);
    hr_free(path);
    return NULL;
  }
  *path_out = path;
  return w;
}

/* os._exit in a process that records into its own trace (the main one, or
** a followed child): the trace is finished first, as at any other end of
** the program. The posix module's
** method entry, which the os._exit function object points to, gets our
** function (in this process only): the program sees the same object. */
static _PyCFunctionFastWithKeywords g_exit_orig;   /* set at install; GIL */

static PyObject *exit_hook(PyObject *mod, PyObject *const *args, Py_ssize_t nargs,
                           PyObject *kwnames) {
  if (nargs == 1 && kwnames == NULL && PyLong_Check(args[0]) && g.w && g.pid == getpid() &&
      g.host && g.host->child_exit) {
    int overflow = 0;
    long status = PyLong_AsLongAndOverflow(args[0], &overflow);
    if (!overflow && !PyErr_Occurred()) {
      g.host->child_exit((int)status);
      g.w = NULL;                   /* closed: the original _exit ends the process now */
    }
    PyErr_Clear();
  }
  return g_exit_orig(mod, args, nargs, kwnames);
}

static void hook_exit(void) {
  PyObject *posix = PyImport_ImportModule("posix");
  PyObject *fn = posix ? PyObject_GetAttrString(posix, "_exit") : NULL;
  if (fn && PyCFunction_Check(fn) && !g_exit_orig) {
    PyMethodDef *def = ((PyCFunctionObject *)fn)->m_ml;
    if (def->ml_flags == (METH_FASTCALL | METH_KEYWORDS)) {
      g_exit_orig = (_PyCFunctionFastWithKeywords)(void (*)(void))def->ml_meth;
      def->ml_meth = (PyCFunction)(void (*)(void))exit_hook;
    }
  }
  Py_XDECREF(fn);
  Py_XDECREF(posix);
  PyErr_Clear();
}

/* CPython's after_in_child: the interpreter is whole again (one thread, the
** GIL re-made and held), before the child runs any more of the program. */
static PyObject *after_fork_child(PyObject *self, PyObject *unused) {
  if (!g.child) Py_RETURN_NONE;
  g.child = 0;
  pid_t ppid = g.pid;
  g.pid = getpid();
  int alloc = rec_allocmode_on();
  int recording = alloc ? rec_allocmode_recording() : rec_g.active;
  rec_options opt = rec_g.opt;
  uint64_t fork_step = rec_g.step;
  uint64_t fork_event = g.w ? trc_writer_events(g.w) : 0;
  PyObject *et, *ev, *tb;
  PyErr_Fetch(&et, &ev, &tb);
  /* The parent's recorder, quietly: its writer is inert here. */
  if (alloc) rec_allocmode_fork_child();
  else rec_tracer_stop();
  rec_region_fork_child();   /* a followed child records as --follow-fork says */
  trc_writer *w = NULL;
  char *path = NULL;
  if (g.follow && recording && g.w && g.trace)
    w = follow_open(&opt, fork_step, fork_event, ppid, &path);
  if (w) {
    g.w = w;
    hr_free(g.trace);
    g.trace = hr_strdup(path);
    hook_exit();
  } else {
    g.w = NULL;                     /* nothing of this process's to follow into a grandchild */
  }
  PyErr_Clear();
  PyErr_Restore(et, ev, tb);
  if (g.host && g.host->child_trace) {
    if (g.host->child_trace(w, path) != 0) g.w = NULL;
  } else {
    hr_free(path);
  }
  Py_RETURN_NONE;
}

static PyMethodDef g_after_def = {"_heapreel_after_fork_child", after_fork_child, METH_NOARGS,
                                  NULL};

/* posix.register_at_fork(after_in_child=...): posix is built in and always
** imported, and the interpreter's list of callbacks is not readable from
** Python, so the program's world does not change. */
static int register_after_fork(void) {
  PyObject *posix = PyImport_ImportModule("posix");
  PyObject *reg = posix ? PyObject_GetAttrString(posix, "register_at_fork") : NULL;
  PyObject *fn = reg ? PyCFunction_New(&g_after_def, NULL) : NULL;
  PyObject *args = fn ? PyTuple_New(0) : NULL;
  PyObject *kw = args ? Py_BuildValue("{s:O}", "after_in_child", fn) : NULL;
  PyObject *r = kw ? PyObject_Call(reg, args, kw) : NULL;
  int ok = r != NULL;
  Py_XDECREF(r);
  Py_XDECREF(kw);
  Py_XDECREF(args);
  Py_XDECREF(fn);
  Py_XDECREF(reg);
  Py_XDECREF(posix);
  if (!ok) PyErr_Clear();
  return ok ? HR_OK : HR_EPYTHON;
}

/* ---- the API ---------------------------------------------------------------------------------- */

int rec_fork_start(const rec_fork_host *host, trc_writer *w, const char *path, int follow,
                   char **errmsg) {
  static int atfork;
  if (errmsg) *errmsg = NULL;
  char cwd[PATH_MAX];
  char *abs = path[0] == '/' ? hr_strdup(path)
              : getcwd(cwd, sizeof cwd) ? hr_sprintf("%s/%s", cwd, path) : NULL;
  if (abs == NULL) {
    if (errmsg) *errmsg = hr_sprintf("cannot resolve the trace path '%s'", path);
    return HR_ENOMEM;
  }
  if (!atfork) {
    int rc = pthread_atfork(fork_prepare, fork_parent, fork_child);
    if (rc != 0) {
      hr_free(abs);
      if (errmsg) *errmsg = hr_sprintf("cannot install the fork handlers: %s", strerror(rc));
      return HR_ENOMEM;
    }
    atfork = 1;
  }
  if (register_after_fork() != HR_OK) {
    hr_free(abs);
    if (errmsg) *errmsg = hr_strdup("cannot install the fork handlers");
    return HR_EPYTHON;
  }
  g.host = host;
  g.w = w;
  hr_free(g.trace);
  g.trace = abs;
  g.follow = follow;
  g.pid = getpid();
  hook_exit();                      /* os._exit ends the main program's trace too */
  return HR_OK;
}

int rec_fork_foreign(void) {
  return g.pid != 0 && getpid() != g.pid;
}
