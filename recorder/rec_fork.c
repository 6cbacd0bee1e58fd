/* rec_fork.c — a recorded program that forks: the child stops recording at the fork. */
#include "rec_internal.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "hr_mem.h"
#include "hr_status.h"
#include "rec_allocmode.h"
#include "rec_fork.h"
#include "rec_hooks.h"

/* Written by the main thread with the GIL (start, the child callback) and
** read by the fork handlers, which run in the thread calling fork(): the
** one holding the GIL when the program forks through os.fork. */
static struct {
  const rec_fork_host *host;
  pid_t pid;               /* the process recording into trace */
  int child;               /* set inside fork() in the child; the callback has not run yet */
} g;

/* ---- inside fork() -------------------------------------------------------------------------- */

/* Locks are taken in this order and given back the other way: the writers
** first (prepare may wait for a writer thread to leave SQLite, and other
** threads may meanwhile still allocate), the allocator hooks' spinlock
** last (held for no more than the fork itself). */
static void
fork_prepare(void)
{
  trc_writer_fork_prepare();
  rec_hooks_lock();
}

static void
fork_parent(void)
{
  rec_hooks_unlock();
  trc_writer_fork_parent();
}

/* One thread, inside fork(): nothing here may wait or call into Python.
** The hooks' lock was taken by this very thread in prepare. */
static void
fork_child(void)
{
  rec_hooks_unlock();
  trc_writer_fork_child();
  g.child = 1;
  if (g.host && g.host->child_now) g.host->child_now();
}

/* ---- in the child, with the GIL ------------------------------------------------------------------ */

/* CPython's after_in_child: the interpreter is whole again (one thread, the
** GIL re-made and held), before the child runs any more of the program. */
static PyObject *
after_fork_child(PyObject *self, PyObject *unused)
{
  if (!g.child) Py_RETURN_NONE;
  g.child = 0;
  g.pid = getpid();
  PyObject *et, *ev, *tb;
  PyErr_Fetch(&et, &ev, &tb);
  /* The parent's recorder, quietly: its writer is inert here. */
  if (rec_allocmode_on()) rec_allocmode_fork_child();
  else rec_tracer_stop();
  PyErr_Clear();
  PyErr_Restore(et, ev, tb);
  if (g.host && g.host->child_trace) g.host->child_trace(NULL, NULL);
  Py_RETURN_NONE;
}

static PyMethodDef g_after_def = {"_heapreel_after_fork_child", after_fork_child, METH_NOARGS,
                                  NULL};

/* posix.register_at_fork(after_in_child=...): posix is built in and always
** imported, and the interpreter's list of callbacks is not readable from
** Python, so the program's world does not change. */
static int
register_after_fork(void)
{
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

int
rec_fork_start(const rec_fork_host *host, char **errmsg)
{
  static int atfork;
  if (errmsg) *errmsg = NULL;
  if (!atfork) {
    int rc = pthread_atfork(fork_prepare, fork_parent, fork_child);
    if (rc != 0) {
      if (errmsg) *errmsg = hr_sprintf("cannot install the fork handlers: %s", strerror(rc));
      return HR_ENOMEM;
    }
    atfork = 1;
  }
  if (register_after_fork() != HR_OK) {
    if (errmsg) *errmsg = hr_strdup("cannot install the fork handlers");
    return HR_EPYTHON;
  }
  g.host = host;
  g.pid = getpid();
  return HR_OK;
}

int
rec_fork_foreign(void)
{
  return g.pid != 0 && getpid() != g.pid;
}
