/* rec_death.c — the recorder's one death hook: wrapped tp_dealloc slots, for both detail levels.
**
** Stock CPython 3.11 has no hook on deallocation, and the allocator does not
** see objects that go back to a free list, so the recorder replaces the
** tp_dealloc of the types it meets with rec_dealloc. Three things make that
** fragile, and this file answers each:
**
** - PyType_Ready copies tp_dealloc from the base when a type has none
**   (_datetime's date copies object's), so types made while recording can
**   hold rec_dealloc without being wrapped, and keep it after the recording
**   gives the originals back. The original is therefore found by walking the
**   object's type and its bases to the first type in g_orig, not by
**   comparing tp_dealloc, and g_orig lives as long as the process.
** - Heap types die. type's own deallocator stays wrapped for good, so a dying
**   type leaves g_orig and the lookup cache before another type can take its
**   address; wrapped types are not kept alive by the recorder.
** - CPython's trashcan (Py_TRASHCAN_BEGIN) bounds the C recursion of nested
**   containers' deallocators, but only when tp_dealloc is the function
**   itself: behind a wrapper, freeing a 100,000-deep list overflows the C
**   stack. rec_dealloc does the trashcan's work: past REC_DEATH_UNWIND
**   nested deallocations on a thread, an object is set aside (untracked by
**   the collector, as the trashcan does) and deallocated once the outermost
**   deallocation returns, still inside the same instruction.
*/
#include "rec_death.h"

#include <string.h>

#include "hr_mem.h"
#include "hr_status.h"
#include "rec_map.h"

/* Nested deallocations on one thread before objects are set aside: the
** trashcan's own limit (PyTrash_UNWIND_LEVEL). */
#define REC_DEATH_UNWIND 50

static const rec_death_ops *g_ops;       /* what the detail level does; GIL */
static void (*g_also_freed)(PyTypeObject *, Py_ssize_t);   /* rec_death_also_freed; GIL */
/* subtype_dealloc, the tp_dealloc every class made by a class statement
** has, learned from the first such type wrapped: the chain of a subclass
** instance's deallocation passes through it once per base. Written once
** while wrapping; GIL. */
static destructor g_subtype_dealloc;
/* Original tp_dealloc of every type ever wrapped and still alive: type
** address -> destructor; GIL. */
static rec_map g_orig;
static PyTypeObject **g_wrapped;         /* types whose tp_dealloc is rec_dealloc now; GIL */
static size_t g_nwrapped, g_capwrapped; /* g_wrapped's length and room; GIL */

/* The last lookups, direct-mapped by the type the walk started from; GIL.
** An entry goes when its type dies (type's deallocator is always wrapped);
** tp_name is compared as well, for a type that died unseen. */
#define REC_DEATH_CACHE 64
static struct death_cache {
  PyTypeObject *start;
  const char *name;                      /* start->tp_name when filled */
  PyTypeObject *wrapped;                 /* the type in g_orig the walk found */
  destructor orig;
} g_cache[REC_DEATH_CACHE];

/* A deallocation in progress on this thread: the object and the wrapped type
** whose original deallocator runs (a subtype's original re-enters through
** its base's slot with the same object). */
typedef struct death_run {
  PyObject *op;
  PyTypeObject *tp;
} death_run;

/* An object set aside past the unwind depth. */
typedef struct death_later {
  PyObject *op;
  PyTypeObject *tp;
  destructor orig;
  int tracked;                           /* untracked by us: track again before orig */
  PyTypeObject *held;                    /* its heap type, kept alive until then (owned) */
} death_later;

/* In-progress entries a thread keeps without an allocation: deeper nesting
** (past REC_DEATH_UNWIND objects, each some bases deep) takes heap memory,
** given back when the thread's outermost deallocation returns. */
#define REC_DEATH_RUNS 256

/* Per thread: only the thread holding the GIL runs deallocators, but a
** deallocator may let the GIL go (a file's close) and another thread's
** deallocations then nest on their own stack. */
static _Thread_local struct {
  death_run fixed[REC_DEATH_RUNS];
  death_run *runs;                       /* fixed, or owned when it outgrew it */
  size_t nruns, capruns;
  int depth;                             /* objects whose deallocation runs */
  death_later *later;                    /* owned, grows */
  size_t nlater, caplater;
  int draining;
} t_death;

static inline size_t cache_slot(PyTypeObject *tp) {
  return ((uintptr_t)tp >> 4) % REC_DEATH_CACHE;
}

static destructor orig_find(PyTypeObject *start, PyTypeObject **wrapped) {
  struct death_cache *c = &g_cache[cache_slot(start)];
  if (c->start == start && c->name == start->tp_name) {
    *wrapped = c->wrapped;
    return c->orig;
  }
  for (PyTypeObject *t = start; t != NULL; t = t->tp_base) {
    uintptr_t *v = rec_map_get(&g_orig, (uintptr_t)t);
    if (v == NULL) continue;
    c->start = start;
    c->name = start->tp_name;
    c->wrapped = t;
    c->orig = (destructor)*v;
    *wrapped = t;
    return c->orig;
  }
  return NULL;
}

/* A type object is being deallocated: forget what is known of its address. */
static void type_dying(PyTypeObject *tp) {
  struct death_cache *c = &g_cache[cache_slot(tp)];
  if (c->start == tp) c->start = NULL;
  if (!rec_map_del(&g_orig, (uintptr_t)tp, NULL)) return;
  for (size_t i = 0; i < g_nwrapped; i++)
    if (g_wrapped[i] == tp) {
      g_wrapped[i] = g_wrapped[--g_nwrapped];
      break;
    }
  /* Entries that found tp in a walk started from its subtypes, dead before it. */
  for (size_t i = 0; i < REC_DEATH_CACHE; i++)
    if (g_cache[i].wrapped == tp) g_cache[i].start = NULL;
}

static void run(PyObject *op, PyTypeObject *tp, destructor orig) {
  if (t_death.runs == NULL) {
    t_death.runs = t_death.fixed;
    t_death.capruns = REC_DEATH_RUNS;
  }
  if (t_death.nruns == t_death.capruns) {
    size_t cap = t_death.capruns * 2;
    death_run *r = t_death.runs == t_death.fixed ? hr_malloc(cap * sizeof *r)
                                                 : hr_realloc(t_death.runs, cap * sizeof *r);
    if (r == NULL) Py_FatalError("heapreel: out of memory in a deallocation");
    if (t_death.runs == t_death.fixed) memcpy(r, t_death.fixed, sizeof t_death.fixed);
    t_death.runs = r;
    t_death.capruns = cap;
  }
  t_death.runs[t_death.nruns].op = op;
  t_death.runs[t_death.nruns].tp = tp;
  t_death.nruns++;
  Py_ssize_t tuple_size = tp == &PyTuple_Type ? Py_SIZE(op) : 0;
  orig(op);
  t_death.nruns--;
  if (g_ops != NULL && g_ops->freed != NULL) g_ops->freed(tp, tuple_size);
  if (g_also_freed != NULL) g_also_freed(tp, tuple_size);
}

static void set_aside(PyObject *op, PyTypeObject *tp, destructor orig) {
  if (t_death.nlater == t_death.caplater) {
    death_later *l = hr_grow(t_death.later, &t_death.caplater, t_death.nlater + 1, sizeof *l, 64);
    if (l == NULL) {
      run(op, tp, orig);                 /* deeper C recursion rather than a lost object */
      return;
    }
    t_death.later = l;
  }
  /* The collector must not meet an object whose count is zero. */
  int tracked = PyObject_GC_IsTracked(op);
  if (tracked) PyObject_GC_UnTrack(op);
  /* A class's instance comes here from subtype_dealloc, which drops its
  ** reference to the class as soon as we return: the class must outlive
  ** the object (CPython's trashcan defers all of subtype_dealloc). */
  PyTypeObject *held = NULL;
  if (Py_TYPE(op)->tp_flags & Py_TPFLAGS_HEAPTYPE) {
    held = Py_TYPE(op);
    Py_INCREF(held);
  }
  t_death.later[t_death.nlater++] = (death_later){op, tp, orig, tracked, held};
}

static void drain(void) {
  t_death.draining = 1;
  while (t_death.nlater > 0) {
    death_later l = t_death.later[--t_death.nlater];
    if (l.tracked) PyObject_GC_Track(l.op);
    t_death.depth++;
    run(l.op, l.tp, l.orig);
    Py_XDECREF(l.held);
    t_death.depth--;
  }
  t_death.draining = 0;
  hr_free(t_death.later);                /* a thread's memory is not kept for good */
  t_death.later = NULL;
  t_death.caplater = 0;
}

static void rec_dealloc(PyObject *op) {
  PyTypeObject *start = Py_TYPE(op);
  int nested = t_death.nruns > 0 && t_death.runs[t_death.nruns - 1].op == op;
  if (nested) start = t_death.runs[t_death.nruns - 1].tp->tp_base;
  PyTypeObject *tp = NULL;
  destructor orig = orig_find(start, &tp);
  if (orig == NULL) Py_FatalError("heapreel: no original deallocator for a wrapped type");
  if (nested) {
    run(op, tp, orig);
    return;
  }
  if (Py_TYPE(op)->tp_flags & Py_TPFLAGS_TYPE_SUBCLASS) {   /* a class, whatever its metatype */
    type_dying((PyTypeObject *)op);
    if (g_ops != NULL && g_ops->type_died != NULL) g_ops->type_died((PyTypeObject *)op);
  }
  if (g_ops != NULL && g_ops->died != NULL) g_ops->died(op);
  if (t_death.depth >= REC_DEATH_UNWIND) {
    set_aside(op, tp, orig);
    return;
  }
  t_death.depth++;
  run(op, tp, orig);
  t_death.depth--;
  if (t_death.depth == 0 && t_death.nlater > 0 && !t_death.draining) drain();
  if (t_death.nruns == 0 && t_death.runs != t_death.fixed && t_death.runs != NULL) {
    hr_free(t_death.runs);
    t_death.runs = NULL;
  }
}

int rec_dealloc_wrap(PyTypeObject *tp) {
  /* Python classes share subtype_dealloc, which calls the nearest base with
  ** another tp_dealloc: wrap that base, never subtype_dealloc itself. */
  while (tp != NULL && tp->tp_dealloc == g_subtype_dealloc) tp = tp->tp_base;
  if (tp == NULL || tp->tp_dealloc == rec_dealloc || tp->tp_dealloc == NULL) return HR_OK;
  PyTypeObject **w = hr_grow(g_wrapped, &g_capwrapped, g_nwrapped + 1, sizeof *w, 64);
  if (w == NULL) return HR_ENOMEM;
  g_wrapped = w;
  if (rec_map_put(&g_orig, (uintptr_t)tp, (uintptr_t)tp->tp_dealloc) != HR_OK) return HR_ENOMEM;
  /* Walks that went past tp to a base are stale now. */
  for (size_t i = 0; i < REC_DEATH_CACHE; i++) g_cache[i].start = NULL;
  g_wrapped[g_nwrapped++] = tp;
  tp->tp_dealloc = rec_dealloc;
  return HR_OK;
}

void rec_dealloc_unwrap_all(void) {
  size_t keep = 0;
  for (size_t i = 0; i < g_nwrapped; i++) {
    PyTypeObject *tp = g_wrapped[i];
    uintptr_t *v = rec_map_get(&g_orig, (uintptr_t)tp);
    if (tp == &PyType_Type || v == NULL) {
      g_wrapped[keep++] = tp;
      continue;
    }
    tp->tp_dealloc = (destructor)*v;
  }
  g_nwrapped = keep;
  /* g_orig stays: copies of rec_dealloc and deallocations in progress on
  ** other threads still find their originals there. */
}

void rec_death_also_freed(void (*freed)(PyTypeObject *tp, Py_ssize_t tuple_size)) {
  g_also_freed = freed;
}

void rec_death_set(const rec_death_ops *ops) {
  g_ops = ops;
}

int rec_death_init(void) {
  if (g_subtype_dealloc == NULL) {
    /* Any class made by a class statement tells subtype_dealloc's address:
    ** the import system's ModuleSpec is there before any program runs, and
    ** borrowing it leaves no throwaway class for the program's collector. */
    PyObject *boot = PyDict_GetItemString(PyImport_GetModuleDict(), "_frozen_importlib");
    PyObject *spec = boot ? PyObject_GetAttrString(boot, "ModuleSpec") : NULL;
    if (spec == NULL || !PyType_Check(spec)) {
      Py_XDECREF(spec);
      return HR_EPYTHON;
    }
    g_subtype_dealloc = ((PyTypeObject *)spec)->tp_dealloc;
    Py_DECREF(spec);
  }
  return rec_dealloc_wrap(&PyType_Type);
}
