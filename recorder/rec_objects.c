/* rec_objects.c — object identity, container slot shadows, refcounts and frees. */
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

static rec_obj *
obj_record_new(void)
{
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

static void
obj_record_free(rec_obj *o)
{
  o->id = 0;                       /* stale rec_cand / rec_sref entries see it died */
  o->op = (PyObject *)g_objpool;
  g_objpool = o;
}


/* ---- strings and types ------------------------------------------------ */

uint64_t
rec_cstr_id(const char *s)
{
  return trc_writer_string(rec_g.w, s, strlen(s));
}

uint64_t
rec_str_id(PyObject *s)
{
  if (s == NULL || !PyUnicode_Check(s)) return rec_cstr_id("?");
  Py_ssize_t n;
  const char *u = PyUnicode_AsUTF8AndSize(s, &n);
  if (u == NULL) {
    PyErr_Clear();
    return rec_cstr_id("?");
  }
  return trc_writer_string(rec_g.w, u, (size_t)n);
}

uint64_t
rec_type_id(PyTypeObject *tp)
{
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

void
rec_cand_push(rec_obj *o)
{
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

void
rec_cand_add(PyObject *op, uint64_t id)
{
  if (op == NULL || id == 0) return;
  rec_obj *o = rec_obj_find(op);
  if (o != NULL && o->id == id) rec_cand_obj(o);
}

/* Units of change recorded one by one before one event jumps to the count. */
#define REC_RC_UNITS 64

void
rec_rc_record(rec_obj *o)
{
  Py_ssize_t now = Py_REFCNT(o->op);
  Py_ssize_t d = now - o->rc;
  if (d == 0) return;
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

void
rec_cand_flush_all(void)
{
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

rec_obj *
rec_obj_find_slow(PyObject *op)
{
  uintptr_t *v = rec_amap_get(&rec_g.objs, (uintptr_t)op);
  if (v == NULL) return NULL;
  rec_obj *o = (rec_obj *)*v;
  rec_find_cache[REC_FIND_SLOT(op)] = o;
  return o;
}

/* sys.getsizeof of the commonest exact builtins, computed as their
** __sizeof__ does (plus the GC header getsizeof adds) without the method
** lookup and call; 0 for anything else. */
static size_t
obj_size_fast(PyObject *op)
{
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
static int
sizeof_is_builtin(PyTypeObject *tp)
{
  static PyObject *name;   /* interned once; GIL */
  if (name == NULL && (name = PyUnicode_InternFromString("__sizeof__")) == NULL) {
    PyErr_Clear();
    return 0;
  }
  PyObject *m = _PyType_Lookup(tp, name);   /* borrowed; no code runs */
  return m != NULL && Py_IS_TYPE(m, &PyMethodDescr_Type);
}

size_t
rec_obj_size(PyObject *op)
{
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
static int
class_is_recorded(PyObject *op)
{
  return PyType_Check(op) && (((PyTypeObject *)op)->tp_flags & Py_TPFLAGS_HEAPTYPE);
}

/* A cell is named after the variable it holds (co_cellvars, co_freevars):
** the name is known where the cell is first met, in a frame's slots or a
** function's closure, and nowhere else. */
static uint64_t g_cell_name;

rec_obj *
rec_cell_see(PyObject *cell, uint64_t name)
{
  g_cell_name = name;
  rec_obj *o = rec_obj_see(cell);
  g_cell_name = 0;
  return o;
}

rec_obj *
rec_obj_see(PyObject *op)
{
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
  o->alloc = rec_alloc_born(op) || rec_map_get(&rec_g.reborn, (uintptr_t)op) != NULL;
  o->cont = (uint8_t)(rec_obj_is_container(op) || (o->alloc && class_is_recorded(op)));
  o->size = rec_obj_size(op);
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

rec_obj *
rec_obj_adopt(PyObject *op, uint64_t id, size_t size)
{
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

uint64_t
rec_obj_id(PyObject *op)
{
  rec_obj *o = rec_obj_see(op);
  return o ? o->id : 0;
}

static void shadow_free(rec_shadow *sh);

static void
obj_died(PyObject *op)
{
  /* Between two regions only the record goes: nothing else is watched. */
  if (!rec_g.active && !rec_g.paused) return;
  uintptr_t v;
  int born = 0;
  if (rec_amap_del(&rec_g.objs, (uintptr_t)op, &v)) {
    rec_obj *o = (rec_obj *)v;
    born = o->alloc;
    rec_emit(TRC_EV_FREE, o->id, rec_g.in_gc ? TRC_FREE_GC : 0, 0, 0);
    rec_g.frees++;
    if (o->sh && !rec_g.active) {
      shadow_free(o->sh);
    } else if (o->sh) {
      /* Its referents each lose a reference: check them after this instruction. */
      rec_shadow *sh = o->sh;
      for (Py_ssize_t i = 0; i < sh->n; i++) rec_cand_add(sh->items[i].op, sh->items[i].id);
      for (size_t i = 0; i < sh->np; i++) {
        if (sh->kind == REC_SH_DICT || sh->kind == REC_SH_SET) rec_cand_add(sh->pairs[i].key.op, sh->pairs[i].key.id);
        rec_cand_add(sh->pairs[i].val.op, sh->pairs[i].val.id);
      }
      shadow_free(sh);
    }
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

/* ---- shadows ------------------------------------------------------------------ */

static int
inst_has_slots(PyTypeObject *tp)
{
  for (; tp != NULL && (tp->tp_flags & Py_TPFLAGS_HEAPTYPE); tp = tp->tp_base) {
    PyMemberDef *m = ((PyHeapTypeObject *)tp)->ht_type.tp_members;
    if (m && m->name) return 1;
  }
  return 0;
}

int
rec_obj_is_container(PyObject *op)
{
  PyTypeObject *tp = Py_TYPE(op);
  /* The commonest leaves first: the set checks below ask PyType_IsSubtype. */
  if (tp == &PyLong_Type || tp == &PyUnicode_Type || tp == &PyFloat_Type || tp == &PyBytes_Type)
    return 0;
  if (PyList_Check(op) || PyTuple_Check(op) || PyDict_Check(op) || PyAnySet_Check(op) ||
      PyCell_Check(op) || PyFunction_Check(op))
    return 1;
  if (!(tp->tp_flags & Py_TPFLAGS_HEAPTYPE) || PyType_Check(op) || PyModule_Check(op))
    return 0;
  return (tp->tp_flags & Py_TPFLAGS_MANAGED_DICT) || tp->tp_dictoffset != 0 ||
         inst_has_slots(tp);
}

static void
shadow_free(rec_shadow *sh)
{
  if (sh == NULL) return;
  hr_free(sh->items);
  hr_free(sh->pairs);
  rec_map_reset(&sh->index);
  hr_free(sh);
}

static int
seq_reserve(rec_shadow *sh, Py_ssize_t n)
{
  if (n <= sh->cap) return HR_OK;
  Py_ssize_t ncap = sh->cap ? sh->cap : 4;
  while (ncap < n) ncap *= 2;
  rec_ref *ni = hr_realloc(sh->items, (size_t)ncap * sizeof *ni);
  if (ni == NULL) return HR_ENOMEM;
  sh->items = ni;
  sh->cap = ncap;
  return HR_OK;
}

/* Is the recorded ref still the object at op? */
static inline int
ref_same(const rec_ref *r, PyObject *op)
{
  if (r->op != op) return 0;
  if (op == NULL) return 1;
  rec_obj *o = rec_obj_find(op);
  return o != NULL && o->id == r->id;
}

static void
seq_slot(rec_obj *o, int slot, Py_ssize_t i, PyObject *now)
{
  rec_ref *r = &o->sh->items[i];
  if (ref_same(r, now)) return;
  if (r->op != NULL) {
    rec_emit(TRC_EV_UNBIND, o->id, slot, (uint64_t)i, r->id);
    rec_cand_add(r->op, r->id);
  }
  r->op = now;
  r->id = now ? rec_obj_id(now) : 0;
  if (now != NULL) {
    rec_emit(TRC_EV_BIND, o->id, slot, (uint64_t)i, r->id);
    rec_cand_add(now, r->id);
  }
}

static void
seq_diff(rec_obj *o, int how, Py_ssize_t at)
{
  rec_shadow *sh = o->sh;
  PyObject **items;
  Py_ssize_t n;
  int slot = TRC_SLOT_ITEM;
  if (sh->kind == REC_SH_CELL) {
    items = &((PyCellObject *)o->op)->ob_ref;
    n = 1;
    slot = TRC_SLOT_CONTENTS;
  } else if (PyList_Check(o->op)) {
    items = ((PyListObject *)o->op)->ob_item;
    n = PyList_GET_SIZE(o->op);
  } else {
    items = ((PyTupleObject *)o->op)->ob_item;
    n = PyTuple_GET_SIZE(o->op);
  }
  if (seq_reserve(sh, n) != HR_OK) return;
  Py_ssize_t from = 0, to = n;
  if (how == REC_DIFF_TAIL) from = n < sh->n ? n : sh->n;   /* grown or shrunk at the end */
  else if (how == REC_DIFF_INDEX && n == sh->n && at >= 0 && at < n) from = at, to = at + 1;
  for (Py_ssize_t i = sh->n; i < n; i++) sh->items[i].op = NULL, sh->items[i].id = 0;
  for (Py_ssize_t i = from; i < to; i++) seq_slot(o, slot, i, items[i]);
  for (Py_ssize_t i = n; i < sh->n; i++) seq_slot(o, slot, i, NULL);
  if (how != REC_DIFF_INDEX || n != sh->n) sh->n = n;
}

/* Keyed shadows (dict, set, instance, function, class, namespaces). */

/* A function's pairs that are not attributes of its __dict__ have keys that
** are no object's address (objects are aligned): closure[i] is keyed 4i+1,
** __defaults__ and __kwdefaults__ 3 and 7. */
#define REC_FUNC_KEY_CELL(i) ((PyObject *)(uintptr_t)(4 * (uintptr_t)(i) + 1))
#define REC_FUNC_KEY_IS_CELL(k) (((uintptr_t)(k) & 3) == 1)
#define REC_FUNC_KEY_DEFAULTS ((PyObject *)(uintptr_t)3)
#define REC_FUNC_KEY_KWDEFAULTS ((PyObject *)(uintptr_t)7)

static void
pair_emit(rec_obj *o, rec_pair *p, int kind, int key_too)
{
  rec_shadow *sh = o->sh;
  if (sh->kind == REC_SH_DICT) {
    if (key_too && kind == TRC_EV_BIND) rec_emit(kind, o->id, TRC_SLOT_KEY, p->key.id, p->key.id);
    rec_emit(kind, o->id, TRC_SLOT_VALUE, p->key.id, p->val.id);
    if (key_too && kind == TRC_EV_UNBIND) rec_emit(kind, o->id, TRC_SLOT_KEY, p->key.id, p->key.id);
    if (key_too) rec_cand_add(p->key.op, p->key.id);
    rec_cand_add(p->val.op, p->val.id);
  } else if (sh->kind == REC_SH_GLOBALS || sh->kind == REC_SH_NAMES) {
    rec_emit(kind, o->id, sh->kind == REC_SH_NAMES ? TRC_SLOT_LOCAL : TRC_SLOT_GLOBAL, p->key.id,
             p->val.id);
    rec_cand_add(p->val.op, p->val.id);
  } else if (sh->kind == REC_SH_FUNC && REC_FUNC_KEY_IS_CELL(p->key.op)) {
    rec_emit(kind, o->id, TRC_SLOT_CLOSURE, p->key.id, p->val.id);
    rec_cand_add(p->val.op, p->val.id);
  } else if (sh->kind == REC_SH_SET) {
    rec_emit(kind, o->id, TRC_SLOT_ELEMENT, 0, p->key.id);
    rec_cand_add(p->key.op, p->key.id);
  } else {
    rec_emit(kind, o->id, TRC_SLOT_ATTR, p->key.id, p->val.id);
    rec_cand_add(p->val.op, p->val.id);
  }
}

static void
pair_remove(rec_obj *o, size_t i)
{
  rec_shadow *sh = o->sh;
  pair_emit(o, &sh->pairs[i], TRC_EV_UNBIND, 1);
  rec_map_del(&sh->index, (uintptr_t)sh->pairs[i].key.op, NULL);
  sh->np--;
  if (i != sh->np) {
    sh->pairs[i] = sh->pairs[sh->np];
    rec_map_put(&sh->index, (uintptr_t)sh->pairs[i].key.op, i + 1);
  }
}

/* How a keyed slot's key is named in events: by the key object's id, by the
** text of a str key (globals, attributes), by a member descriptor's name, or
** for a function's made-up keys (REC_FUNC_KEY_*) by the closure index or the
** attribute name. The name is looked up only when the slot is new: most diffs
** find it. */
enum { KEY_OBJ = 0, KEY_STR, KEY_MEMBER, KEY_FUNC };

static uint64_t
key_id(PyObject *key, int how)
{
  if (how == KEY_STR) return rec_str_id(key);
  if (how == KEY_MEMBER) return rec_cstr_id(((PyMemberDef *)key)->name);
  if (how == KEY_FUNC) {
    if (REC_FUNC_KEY_IS_CELL(key)) return (uint64_t)((uintptr_t)key >> 2);
    return rec_cstr_id(key == REC_FUNC_KEY_DEFAULTS ? "__defaults__" : "__kwdefaults__");
  }
  return rec_obj_id(key);
}

/* The slot `key` now holds val (NULL for a set element): record any change. */
static void
pair_see(rec_obj *o, PyObject *key, int how, PyObject *val)
{
  rec_shadow *sh = o->sh;
  uintptr_t *ix = rec_map_get(&sh->index, (uintptr_t)key);
  if (ix != NULL) {
    rec_pair *p = &sh->pairs[*ix - 1];
    p->stamp = rec_g.stamp;
    if (sh->kind == REC_SH_SET || ref_same(&p->val, val)) return;
    pair_emit(o, p, TRC_EV_UNBIND, 0);
    p->val.op = val;
    p->val.id = rec_obj_id(val);
    pair_emit(o, p, TRC_EV_BIND, 0);
    return;
  }
  if (sh->np == sh->pcap) {
    size_t ncap = sh->pcap ? sh->pcap * 2 : 8;
    rec_pair *np = hr_realloc(sh->pairs, ncap * sizeof *np);
    if (np == NULL) return;
    sh->pairs = np;
    sh->pcap = ncap;
  }
  if (rec_map_put(&sh->index, (uintptr_t)key, sh->np + 1) != HR_OK) return;
  rec_pair *p = &sh->pairs[sh->np++];
  p->key.op = key;
  p->key.id = key_id(key, how);
  p->val.op = val;
  p->val.id = val ? rec_obj_id(val) : 0;
  p->stamp = rec_g.stamp;
  pair_emit(o, p, TRC_EV_BIND, 1);
}

static void
pairs_sweep(rec_obj *o)
{
  rec_shadow *sh = o->sh;
  for (size_t i = 0; i < sh->np;) {
    if (sh->pairs[i].stamp != rec_g.stamp) pair_remove(o, i);
    else i++;
  }
}

static void
dict_full(rec_obj *o, PyObject *d)
{
  rec_g.stamp++;
  Py_ssize_t pos = 0;
  PyObject *k, *v;
  int names = o->sh->kind == REC_SH_GLOBALS || o->sh->kind == REC_SH_NAMES;
  while (PyDict_Next(d, &pos, &k, &v)) {
    if (!names) pair_see(o, k, KEY_OBJ, v);
    else if (PyUnicode_Check(k)) pair_see(o, k, KEY_STR, v);
  }
  pairs_sweep(o);
}

/* Hash of a key whose lookup runs no Python code, or -1. */
static Py_hash_t
pure_hash(PyObject *k)
{
  if (PyUnicode_CheckExact(k)) {
    Py_hash_t h = ((PyASCIIObject *)k)->hash;
    return h != -1 ? h : PyObject_Hash(k);
  }
  if (PyLong_CheckExact(k)) return PyObject_Hash(k);
  return -1;
}

static void
dict_key(rec_obj *o, PyObject *d, PyObject *k)
{
  rec_shadow *sh = o->sh;
  Py_hash_t h = k ? pure_hash(k) : -1;
  if (h == -1) {
    PyErr_Clear();
    dict_full(o, d);
    return;
  }
  PyObject *v = _PyDict_GetItem_KnownHash(d, k, h);
  if (v == NULL) PyErr_Clear();
  uintptr_t *ix = rec_map_get(&sh->index, (uintptr_t)k);
  Py_ssize_t size = PyDict_GET_SIZE(d);
  int how = sh->kind == REC_SH_GLOBALS || sh->kind == REC_SH_NAMES ? KEY_STR : KEY_OBJ;
  if (v != NULL && ix != NULL && (size_t)size == sh->np) {
    rec_g.stamp++;
    pair_see(o, k, how, v);
  } else if (v != NULL && ix == NULL && (size_t)size == sh->np + 1) {
    rec_g.stamp++;
    pair_see(o, k, how, v);
  } else if (v == NULL && ix != NULL && (size_t)size + 1 == sh->np) {
    pair_remove(o, *ix - 1);
  } else {
    dict_full(o, d);
  }
}

static void
set_full(rec_obj *o)
{
  rec_g.stamp++;
  Py_ssize_t pos = 0;
  PyObject *k;
  Py_hash_t h;
  while (_PySet_NextEntry(o->op, &pos, &k, &h)) pair_see(o, k, KEY_OBJ, NULL);
  pairs_sweep(o);
}

/* After a call that may have added or removed the one member k. */
static void
set_key(rec_obj *o, PyObject *k)
{
  rec_shadow *sh = o->sh;
  Py_hash_t h = k ? pure_hash(k) : -1;
  if (h == -1) {
    PyErr_Clear();
    set_full(o);
    return;
  }
  int in = PySet_Contains(o->op, k);
  if (in < 0) {
    PyErr_Clear();
    set_full(o);
    return;
  }
  uintptr_t *ix = rec_map_get(&sh->index, (uintptr_t)k);
  size_t size = (size_t)PySet_GET_SIZE(o->op);
  if (in && ix == NULL && size == sh->np + 1) pair_see(o, k, KEY_OBJ, NULL);
  else if (!in && ix != NULL && size + 1 == sh->np) pair_remove(o, *ix - 1);
  else if (!(in && ix != NULL && size == sh->np) && !(!in && ix == NULL && size == sh->np)) set_full(o);
}

static void
inst_full(rec_obj *o)
{
  PyObject *op = o->op;
  PyTypeObject *tp = Py_TYPE(op);
  rec_g.stamp++;
  PyObject *dict = NULL;
  if (tp->tp_flags & Py_TPFLAGS_MANAGED_DICT) {
    dict = *_PyObject_ManagedDictPointer(op);
    PyDictValues *values = *_PyObject_ValuesPointer(op);
    if (dict == NULL && values != NULL) {
      PyDictKeysObject *keys = ((PyHeapTypeObject *)tp)->ht_cached_keys;
      if (keys != NULL && DK_IS_UNICODE(keys)) {
        PyDictUnicodeEntry *ent = DK_UNICODE_ENTRIES(keys);
        for (Py_ssize_t i = 0; i < keys->dk_nentries; i++) {
          PyObject *v = values->values[i];
          if (v != NULL && ent[i].me_key != NULL)
            pair_see(o, ent[i].me_key, KEY_STR, v);
        }
      }
    }
  } else if (tp->tp_dictoffset != 0) {
    PyObject **dp = _PyObject_GetDictPtr(op);
    dict = dp ? *dp : NULL;
  }
  if (dict != NULL && PyDict_Check(dict)) {
    Py_ssize_t pos = 0;
    PyObject *k, *v;
    while (PyDict_Next(dict, &pos, &k, &v))
      if (PyUnicode_Check(k)) pair_see(o, k, KEY_STR, v);
  }
  for (; tp != NULL && (tp->tp_flags & Py_TPFLAGS_HEAPTYPE); tp = tp->tp_base) {
    for (PyMemberDef *m = tp->tp_members; m && m->name; m++) {
      if (m->type != T_OBJECT_EX || (m->flags & READONLY)) continue;
      PyObject *v = *(PyObject **)((char *)op + m->offset);
      if (v != NULL) pair_see(o, (PyObject *)m, KEY_MEMBER, v);
    }
  }
  pairs_sweep(o);
}

/* The str-keyed entries of dict as attr slots (instance and function
** __dict__, class __dict__). */
static void
attrs_see(rec_obj *o, PyObject *dict)
{
  Py_ssize_t pos = 0;
  PyObject *k, *v;
  while (PyDict_Next(dict, &pos, &k, &v))
    if (PyUnicode_Check(k)) pair_see(o, k, KEY_STR, v);
}

/* A function's references a program can see: closure[i] (its cells),
** __defaults__, __kwdefaults__ and its own attributes. */
static void
func_full(rec_obj *o)
{
  PyFunctionObject *f = (PyFunctionObject *)o->op;
  rec_g.stamp++;
  PyObject *cl = f->func_closure;
  /* 3.11 keeps the free variables' names last in co_localsplusnames. */
  PyCodeObject *co = PyCode_Check(f->func_code) ? (PyCodeObject *)f->func_code : NULL;
  PyObject *names = co ? co->co_localsplusnames : NULL;
  Py_ssize_t first = co ? co->co_nlocalsplus - co->co_nfreevars : 0;
  if (cl != NULL && PyTuple_Check(cl))
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(cl); i++) {
      PyObject *cell = PyTuple_GET_ITEM(cl, i);
      if (names && PyTuple_Check(names) && first >= 0 && first + i < PyTuple_GET_SIZE(names) &&
          PyCell_Check(cell) && rec_obj_find(cell) == NULL)
        rec_cell_see(cell, rec_str_id(PyTuple_GET_ITEM(names, first + i)));
      pair_see(o, REC_FUNC_KEY_CELL(i), KEY_FUNC, cell);
    }
  if (f->func_defaults != NULL)
    pair_see(o, REC_FUNC_KEY_DEFAULTS, KEY_FUNC, f->func_defaults);
  if (f->func_kwdefaults != NULL)
    pair_see(o, REC_FUNC_KEY_KWDEFAULTS, KEY_FUNC, f->func_kwdefaults);
  if (f->func_dict != NULL && PyDict_Check(f->func_dict)) attrs_see(o, f->func_dict);
  pairs_sweep(o);
}

/* A class the program made: the entries of its own __dict__ (vars(cls)). */
static void
class_full(rec_obj *o)
{
  PyObject *dict = ((PyTypeObject *)o->op)->tp_dict;
  if (dict == NULL || !PyDict_Check(dict)) return;
  uint64_t ver = ((PyDictObject *)dict)->ma_version_tag;
  if (ver == o->sh->version) return;
  o->sh->version = ver;
  rec_g.stamp++;
  attrs_see(o, dict);
  pairs_sweep(o);
}

void
rec_obj_shadow(rec_obj *o)
{
  if (o == NULL || o->sh != NULL || !o->cont) return;
  rec_shadow *sh = hr_calloc(1, sizeof *sh);
  if (sh == NULL) return;
  PyObject *op = o->op;
  sh->kind = PyList_Check(op) || PyTuple_Check(op) ? REC_SH_SEQ
           : PyDict_Check(op) ? REC_SH_DICT
           : PyAnySet_Check(op) ? REC_SH_SET
           : PyCell_Check(op) ? REC_SH_CELL
           : PyFunction_Check(op) ? REC_SH_FUNC
           : PyType_Check(op) ? REC_SH_CLASS : REC_SH_INST;
  sh->version = (uint64_t)-1;
  o->sh = sh;
  rec_obj_diff(o, REC_DIFF_FULL, NULL);
}

/* The object was just re-read: record a size that changed since last time. */
static void
obj_resized(rec_obj *o)
{
  size_t now = rec_obj_size(o->op);
  if (now == o->size) return;
  o->size = now;
  rec_emit(TRC_EV_RESIZE, o->id, now, 0, 0);
}

void
rec_obj_diff(rec_obj *o, int how, PyObject *arg)
{
  if (o == NULL) return;
  if (o->sh == NULL) {
    rec_obj_shadow(o);
    return;
  }
  switch (o->sh->kind) {
  case REC_SH_SEQ:
  case REC_SH_CELL:
    seq_diff(o, how, how == REC_DIFF_INDEX ? (Py_ssize_t)(intptr_t)arg : 0);
    break;
  case REC_SH_DICT:
  case REC_SH_GLOBALS:
  case REC_SH_NAMES: {
    uint64_t ver = ((PyDictObject *)o->op)->ma_version_tag;
    if (ver == o->sh->version) return;   /* unchanged, size included */
    if (how == REC_DIFF_KEY) dict_key(o, o->op, arg);
    else dict_full(o, o->op);
    o->sh->version = ver;
    if (o->sh->kind != REC_SH_DICT) return;
    break;
  }
  case REC_SH_SET:
    if (how == REC_DIFF_KEY) set_key(o, arg);
    else set_full(o);
    break;
  case REC_SH_INST:
    inst_full(o);
    break;
  case REC_SH_FUNC:
    func_full(o);
    return;      /* a function's size never changes */
  case REC_SH_CLASS:
    class_full(o);
    return;
  }
  obj_resized(o);
}

/* ---- lifecycle ------------------------------------------------------------------ */

int
rec_objects_init(void)
{
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

void
rec_objects_end(void)
{
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

void
rec_objects_fini(void)
{
  rec_death_set(NULL);
  rec_amap_iter it = {0};
  uintptr_t key, val;
  while (rec_amap_next(&rec_g.objs, &it, &key, &val)) shadow_free(((rec_obj *)val)->sh);
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
}
