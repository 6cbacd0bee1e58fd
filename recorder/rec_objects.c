/* rec_objects.c — object identity, its records' pool, type and string ids,
** refcount candidates and frees. The slots of containers are rec_shadow.c's. */
#include "rec_internal.h"

#include <string.h>

#include "internal/pycore_dict.h"
#include "internal/pycore_object.h"
#include "structmember.h"

#include "hr_mem.h"
#include "hr_status.h"

rec_state rec_g;

/* Type cache: PyTypeObject address -> rec_type*; GIL. A type that dies and
** leaves its address to another is caught by comparing tp_name. */
typedef struct rec_type {
  const char *name;
  uint64_t id;
} rec_type;
static rec_map g_types;
/* rec_obj records come from slabs and go back to a free list, so a program
** with a million live objects costs a few hundred allocations, not a million,
** and the recording ends without a million frees; GIL. */
#define REC_SLAB_OBJS 4096
typedef struct rec_slab {
  struct rec_slab *next;
  rec_obj objs[REC_SLAB_OBJS];
} rec_slab;
static rec_slab *g_slabs;
static size_t g_slab_used;         /* records handed out from g_slabs (the newest) */
static rec_obj *g_objpool;         /* freed records, chained through op */

static rec_obj *obj_record_new(void) {
  rec_obj *o = g_objpool;
  if (o != NULL) {
    g_objpool = (rec_obj *)o->op;
    return o;
  }
  if (g_slabs == NULL || g_slab_used == REC_SLAB_OBJS) {
    rec_slab *s = hr_malloc(sizeof *s);
    if (s == NULL) return NULL;
    s->next = g_slabs;
    g_slabs = s;
    g_slab_used = 0;
  }
  return &g_slabs->objs[g_slab_used++];
}

static void obj_record_free(rec_obj *o) {
  o->id = 0;                       /* stale rec_cand / rec_sref entries see it died */
  o->op = (PyObject *)g_objpool;
  g_objpool = o;
}

/* ---- strings and types ------------------------------------------------ */

uint64_t rec_cstr_id(const char *s) {
  return trc_writer_string(rec_g.w, s, strlen(s));
}

uint64_t rec_str_id(PyObject *s) {
  if (s == NULL || !PyUnicode_Check(s)) return rec_cstr_id("?");
  Py_ssize_t n;
  const char *u = PyUnicode_AsUTF8AndSize(s, &n);
  if (u == NULL) {
    PyErr_Clear();
    return rec_cstr_id("?");
  }
  return trc_writer_string(rec_g.w, u, (size_t)n);
}

/* The type ids found last, direct-mapped by type address: every object
** the recorder meets asks for one, and a few types make most objects. An
** entry answers under the same rule as g_types (tp_name compared); GIL. */
#define TYPE_CACHE 64
static struct type_hit {
  PyTypeObject *tp;
  const char *name;
  uint64_t id;
} g_type_cache[TYPE_CACHE];

static uint64_t type_id_slow(PyTypeObject *tp);

uint64_t rec_type_id(PyTypeObject *tp) {
  struct type_hit *c = &g_type_cache[((uintptr_t)tp >> 4) & (TYPE_CACHE - 1)];
  if (c->tp == tp && c->name == tp->tp_name) return c->id;
  uint64_t id = type_id_slow(tp);
  if (id != 0) *c = (struct type_hit){tp, tp->tp_name, id};
  return id;
}

static uint64_t type_id_slow(PyTypeObject *tp) {
  uintptr_t *v = rec_map_get(&g_types, (uintptr_t)tp);
  if (v) {
    rec_type *t = (rec_type *)*v;
    if (t->name == tp->tp_name) return t->id;
  }
  rec_type *t = v ? (rec_type *)*v : hr_malloc(sizeof *t);
  if (t == NULL) return 0;
  t->name = tp->tp_name;
  const char *dot = (tp->tp_flags & Py_TPFLAGS_HEAPTYPE) ? NULL : strrchr(tp->tp_name, '.');
  t->id = trc_writer_type(rec_g.w, rec_cstr_id(dot ? dot + 1 : tp->tp_name));
  if (!v && rec_map_put(&g_types, (uintptr_t)tp, (uintptr_t)t) != HR_OK) {
    uint64_t id = t->id;
    hr_free(t);
    return id;
  }
  return t->id;
}

/* ---- candidates ----------------------------------------------------------- */

void rec_cand_push(rec_obj *o) {
  if (rec_g.ncand == rec_g.capcand) {
    size_t ncap = rec_g.capcand ? rec_g.capcand * 2 : 256;
    rec_cand *nc = hr_realloc(rec_g.cand, ncap * sizeof *nc);
    if (nc == NULL) return;
    rec_g.cand = nc;
    rec_g.capcand = ncap;
  }
  o->cgen = rec_g.cgen;
  rec_g.cand[rec_g.ncand].o = o;
  rec_g.cand[rec_g.ncand].id = o->id;
  rec_g.ncand++;
}

void rec_cand_add(PyObject *op, uint64_t id) {
  if (op == NULL || id == 0) return;
  rec_obj *o = rec_obj_find(op);
  if (o != NULL && o->id == id) rec_cand_obj(o);
}

/* Units of change recorded one by one before one event jumps to the count. */
#define REC_RC_UNITS 64

/* A change of several units: one event per unit, up to REC_RC_UNITS. */
static __attribute__((noinline)) void rc_record_units(rec_obj *o, Py_ssize_t now) {
  Py_ssize_t d = now - o->rc;
  int kind = d > 0 ? TRC_EV_INCREF : TRC_EV_DECREF;
  Py_ssize_t step = d > 0 ? 1 : -1, units = d > 0 ? d : -d;
  Py_ssize_t c = o->rc;
  for (Py_ssize_t k = 1; k < units && k < REC_RC_UNITS; k++) {
    c += step;
    rec_emit(kind, o->id, (uint64_t)c, 0, 0);
  }
  rec_emit(kind, o->id, (uint64_t)now, 0, 0);
  o->rc = now;
}

void rec_rc_record(rec_obj *o) {
  Py_ssize_t now = Py_REFCNT(o->op);
  Py_ssize_t d = now - o->rc;
  /* Most changes are of one unit: one event, and no loop to set up. */
  if (d == 1 || d == -1) {
    rec_emit(d > 0 ? TRC_EV_INCREF : TRC_EV_DECREF, o->id, (uint64_t)now, 0, 0);
    o->rc = now;
  } else if (d != 0) {
    rc_record_units(o, now);
  }
}

void rec_cand_flush_all(void) {
  /* Entries may be appended while flushing (tracking emits nothing here,
  ** but keep the loop bound live anyway). */
  for (size_t i = 0; i < rec_g.ncand; i++) {
    rec_obj *o = rec_g.cand[i].o;
    if (o->id == rec_g.cand[i].id) rec_rc_record(o);   /* else it died meanwhile */
  }
  rec_g.ncand = 0;
  rec_g.cgen++;
}

/* ---- identity ---------------------------------------------------------------- */

rec_obj *rec_find_cache[REC_FIND_CACHE];

rec_obj *rec_obj_find_slow(PyObject *op) {
  uintptr_t *v = rec_amap_get(&rec_g.objs, (uintptr_t)op);
  if (v == NULL) return NULL;
  rec_obj *o = (rec_obj *)*v;
  rec_find_cache[REC_FIND_SLOT(op)] = o;
  return o;
}

/* sys.getsizeof of the commonest exact builtins, computed as their
** __sizeof__ does (plus the GC header getsizeof adds) without the method
** lookup and call; 0 for anything else. */
static size_t obj_size_fast(PyObject *op) {
  PyTypeObject *tp = Py_TYPE(op);
  if (tp == &PyLong_Type) return rec_int_size(op);
  if (tp == &PyList_Type)
    return sizeof(PyListObject) + (size_t)((PyListObject *)op)->allocated * sizeof(PyObject *) +
           _PyType_PreHeaderSize(tp);
  if (tp == &PyFloat_Type) return sizeof(PyFloatObject);
  if (tp == &PyTuple_Type)
    return (size_t)tp->tp_basicsize + (size_t)Py_SIZE(op) * (size_t)tp->tp_itemsize +
           _PyType_PreHeaderSize(tp);
  if (tp == &PyUnicode_Type && PyUnicode_IS_COMPACT_ASCII(op) &&
      ((PyASCIIObject *)op)->wstr == NULL)
    return sizeof(PyASCIIObject) + (size_t)PyUnicode_GET_LENGTH(op) + 1;
  if (tp == &PyDict_Type)
    return (size_t)_PyDict_SizeOf((PyDictObject *)op) + _PyType_PreHeaderSize(tp);
  return 0;
}

/* sys.getsizeof calls __sizeof__: a class's own (Python code, a mock that
** records the call) must not run for the recorder (test_descr, test_httplib).
** Those objects get their basic size, as a class without one would. */
static int sizeof_is_builtin(PyTypeObject *tp) {
  static PyObject *name;   /* interned once; GIL */
  if (name == NULL && (name = PyUnicode_InternFromString("__sizeof__")) == NULL) {
    PyErr_Clear();
    return 0;
  }
  PyObject *m = _PyType_Lookup(tp, name);   /* borrowed; no code runs */
  return m != NULL && Py_IS_TYPE(m, &PyMethodDescr_Type);
}

size_t rec_obj_size(PyObject *op) {
  size_t fast = obj_size_fast(op);
  if (fast) return fast;
  PyTypeObject *tp = Py_TYPE(op);
  if (!sizeof_is_builtin(tp))
    return (size_t)tp->tp_basicsize + (tp->tp_itemsize ? (size_t)Py_ABS(Py_SIZE(op)) * (size_t)tp->tp_itemsize : 0) +
           _PyType_PreHeaderSize(tp);
  PyObject *et, *ev, *tb;
  PyErr_Fetch(&et, &ev, &tb);
  size_t n = _PySys_GetSizeOf(op);
  if (n == (size_t)-1) {
    PyErr_Clear();
    n = (size_t)Py_TYPE(op)->tp_basicsize;
  }
  PyErr_Restore(et, ev, tb);
  return n;
}

/* Classes born while recording have their attributes recorded; older ones
** (builtins, the standard library's) stay leaves. */
static int class_is_recorded(PyObject *op) {
  return PyType_Check(op) && (((PyTypeObject *)op)->tp_flags & Py_TPFLAGS_HEAPTYPE);
}

/* A cell is named after the variable it holds (co_cellvars, co_freevars):
** the name is known where the cell is first met, in a frame's slots or a
** function's closure, and nowhere else. */
static uint64_t g_cell_name;

rec_obj *rec_cell_see(PyObject *cell, uint64_t name) {
  g_cell_name = name;
  rec_obj *o = rec_obj_see(cell);
  g_cell_name = 0;
  return o;
}

rec_obj *rec_obj_see(PyObject *op) {
  if (op == NULL) return NULL;
  rec_obj *o = rec_obj_cached(op);
  if (o != NULL) return o;
  if (rec_g.born_lookup) {
    if ((o = rec_obj_find_slow(op)) != NULL) return o;
    uint64_t born;
    size_t born_size;
    int how = rec_g.born_lookup(op, &born, &born_size);
    if (how) {
      if ((o = rec_obj_adopt(op, born, born_size)) != NULL && how == 2) o->cont = 0;
      return o;
    }
  }
  /* The cache missed: one probe finds the record or makes its entry. */
  int created;
  uintptr_t *slot = rec_amap_slot(&rec_g.objs, (uintptr_t)op, &created);
  if (slot == NULL) return NULL;
  if (!created) return rec_find_cache[REC_FIND_SLOT(op)] = (rec_obj *)*slot;
  if ((o = obj_record_new()) == NULL) {
    rec_amap_del(&rec_g.objs, (uintptr_t)op, NULL);
    return NULL;
  }
  *slot = (uintptr_t)o;
  rec_find_cache[REC_FIND_SLOT(op)] = o;
  memset(o, 0, sizeof *o);
  o->op = op;
  o->id = rec_g.next_obj++;
  o->rc = Py_REFCNT(op);
  rec_dealloc_wrap(Py_TYPE(op));
  uint64_t site;
  o->alloc = rec_alloc_born_site(op, &site) || rec_map_get(&rec_g.reborn, (uintptr_t)op) != NULL;
  o->cont = (uint8_t)(rec_obj_is_container(op) || (o->alloc && class_is_recorded(op)));
  o->size = rec_obj_size(op);
  /* Made outside the regions where the allocator hook saw it (rec_origin.h):
  ** the stack, right before its track event. */
  if (!o->alloc && site) rec_emit(TRC_EV_SITE, site, 0, 0, 0);
  rec_emit(o->alloc ? TRC_EV_ALLOC : TRC_EV_TRACK, o->id, rec_type_id(Py_TYPE(op)),
           o->size, (uint64_t)(uintptr_t)op);
  /* Scalars and the named objects (functions, classes, modules) have a value;
  ** rec_value_id says no at once to every other type (rec_values.c). An int
  ** that fits 64 bits carries itself: no text to format or intern. */
  int64_t iv;
  if (rec_value_int(op, &iv)) {
    rec_emit(TRC_EV_INTVALUE, o->id, (uint64_t)iv, 0, 0);
  } else {
    uint64_t value = g_cell_name && PyCell_Check(op) ? g_cell_name : rec_value_id(op);
    if (value) rec_emit(TRC_EV_VALUE, o->id, value, 0, 0);
  }
  /* An alloc says the object holds one reference (FORMAT.md): only another
  ** count, or a tracked object's unknown one, needs an event. */
  if (rec_g.detail_full && (!o->alloc || o->rc != 1))
    rec_emit(TRC_EV_INCREF, o->id, (uint64_t)o->rc, 0, 0);
  return o;
}

rec_obj *rec_obj_adopt(PyObject *op, uint64_t id, size_t size) {
  /* An object whose alloc event another producer (rec_ahooks.c) wrote:
  ** tracked from now under that id, with no event of its own. */
  rec_obj *o = obj_record_new();
  if (o == NULL) return NULL;
  memset(o, 0, sizeof *o);
  o->op = op;
  o->id = id;
  o->rc = Py_REFCNT(op);
  o->alloc = 1;
  o->size = size;
  o->cont = (uint8_t)rec_obj_is_container(op);
  if (rec_amap_put(&rec_g.objs, (uintptr_t)op, (uintptr_t)o) != HR_OK) {
    obj_record_free(o);
    return NULL;
  }
  rec_dealloc_wrap(Py_TYPE(op));
  return o;
}

uint64_t rec_obj_id(PyObject *op) {
  rec_obj *o = rec_obj_see(op);
  return o ? o->id : 0;
}

static void obj_died(PyObject *op) {
  /* Between two regions only the record goes: nothing else is watched. */
  if (!rec_g.active && !rec_g.paused) return;
  uintptr_t v;
  int born = 0;
  if (rec_amap_del(&rec_g.objs, (uintptr_t)op, &v)) {
    rec_obj *o = (rec_obj *)v;
    born = o->alloc;
    rec_emit(TRC_EV_FREE, o->id, rec_g.in_gc ? TRC_FREE_GC : 0, 0, 0);
    rec_g.frees++;
    if (o->sh && !rec_g.active) rec_shadow_free(o->sh);   /* between regions: no candidates */
    else if (o->sh) rec_shadow_drop(o);   /* its referents each lose a reference */
    obj_record_free(o);
  }
  /* An object born while recording left its address known already (its
  ** block is still counted, or the address is in reborn): an object that a
  ** free list hands out there later is born too. */
  if (!born && rec_g.active) rec_map_put(&rec_g.reborn, (uintptr_t)op, 1);
  PyTypeObject *tp = Py_TYPE(op);
  if (tp == &PyCode_Type) rec_code_forget(op);
  else if (tp == &PyFrame_Type) rec_frame_forget(op);
  else if (PyDict_Check(op)) rec_frames_globals_died(op);
}

/* ---- lifecycle ------------------------------------------------------------------ */

int rec_objects_init(void) {
  static const rec_death_ops ops = {obj_died, NULL, NULL};
  int rc = rec_death_init();
  if (rc != HR_OK) return rc;
  rec_death_set(&ops);
  static PyTypeObject *const common[] = {
    &PyList_Type, &PyTuple_Type, &PyDict_Type, &PySet_Type, &PyFrozenSet_Type,
    &PyLong_Type, &PyFloat_Type, &PyUnicode_Type, &PyBytes_Type, &PyByteArray_Type,
    &PyCell_Type, &PyFunction_Type, &PyMethod_Type, &PyBaseObject_Type, &PyCode_Type,
    &PyFrame_Type, &PyGen_Type, &PyCoro_Type, &PyComplex_Type, &PySlice_Type,
    &PyRange_Type, &PyCFunction_Type,
  };
  for (size_t i = 0; i < sizeof common / sizeof common[0]; i++)
    if (rec_dealloc_wrap(common[i]) != HR_OK) return HR_ENOMEM;
  return HR_OK;
}

void rec_objects_end(void) {
  /* Every object born while recording and still alive gets its outgoing
  ** references recorded. Shadowing may track more objects; loop until the
  ** table stops growing (new entries are either shadowed or pre-existing).
  ** The first round brings every shadow up to date; nothing runs between
  ** rounds, so the later ones only shadow the containers met in the last. */
  for (int round = 0; round < 64; round++) {
    size_t done = 0;
    rec_obj **todo = hr_malloc((rec_g.objs.n + 1) * sizeof *todo);
    if (todo == NULL) return;
    size_t nt = 0;
    rec_amap_iter it = {0};
    uintptr_t key, val;
    while (rec_amap_next(&rec_g.objs, &it, &key, &val)) {
      rec_obj *o = (rec_obj *)val;
      if (o->alloc && o->sh == NULL && o->cont) todo[nt++] = o;
      else if (o->sh != NULL && round == 0) todo[nt++] = o;
    }
    uint64_t before = rec_g.next_obj;
    for (size_t i = 0; i < nt; i++) {
      if (todo[i]->sh == NULL) done++;
      rec_obj_diff(todo[i], REC_DIFF_FULL, NULL);
    }
    hr_free(todo);
    rec_cand_flush();
    if (done == 0 && rec_g.next_obj == before) break;
  }
}

void rec_objects_fini(void) {
  rec_death_set(NULL);
  rec_amap_iter it = {0};
  uintptr_t key, val;
  while (rec_amap_next(&rec_g.objs, &it, &key, &val)) rec_shadow_free(((rec_obj *)val)->sh);
  rec_shadow_fini();
  rec_amap_reset(&rec_g.objs);
  rec_map_reset(&rec_g.reborn);
  while (g_slabs) {
    rec_slab *n = g_slabs->next;
    hr_free(g_slabs);
    g_slabs = n;
  }
  g_slab_used = 0;
  g_objpool = NULL;
  memset(rec_find_cache, 0, sizeof rec_find_cache);
  hr_free(rec_g.cand);
  rec_g.cand = NULL;
  rec_g.ncand = rec_g.capcand = 0;
  /* Type ids are the writer's: a recording started later (a forked
  ** child's, into a trace of its own) numbers its types anew. */
  for (size_t i = 0; i < g_types.cap; i++)
    if (g_types.ent[i].key) hr_free((void *)g_types.ent[i].val);
  rec_map_reset(&g_types);
  memset(g_type_cache, 0, sizeof g_type_cache);
}
