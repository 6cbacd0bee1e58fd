/* rec_shadow.c — the recorded slots of containers, and their diffs.
**
** Leans on CPython 3.11's internals (pycore_dict.h, setobject.h), read, never
** written, and only under the GIL:
**  - a dict's ma_version_tag changes with every change of the dict and is
**    unique among all dicts, so an equal tag means an unchanged dict;
**  - a combined dict table (ma_values NULL) keeps its entries in dk_entries
**    in insertion order, indexed from dk_indices (1, 2, 4 or 8-byte signed
**    slots by table size); a deleted entry keeps its index with a NULL key;
**    dict_probe walks dictobject.c's probe sequence (perturb shift 5);
**  - a set's table is open-addressed: set_probe walks setobject.c's
**    set_lookkey sequence (runs of 9 linear probes, then perturb shift 5);
**    a deleted slot holds a dummy key with hash -1, which no key has;
**  - an instance's attributes live in its managed dict (values array, or a
**    dict), or at tp_dictoffset, and in its __slots__ members;
**  - a function's free variables' names come last in co_localsplusnames.
** Probes compare pointers, or keys that are exact str or int (whose
** comparison runs no code of the program's); any other key makes them
** give up, and the container is read whole, as it always could be. */
#include "rec_internal.h"

#include <stdlib.h>
#include <string.h>

#include "internal/pycore_dict.h"
#include "internal/pycore_frame.h"
#include "internal/pycore_object.h"
#include "opcode.h"
#include "structmember.h"

#include "hr_mem.h"
#include "hr_status.h"

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

void
rec_shadow_free(rec_shadow *sh)
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

void
rec_shadow_drop(rec_obj *o)
{
  rec_shadow *sh = o->sh;
  for (Py_ssize_t i = 0; i < sh->n; i++) rec_cand_add(sh->items[i].op, sh->items[i].id);
  for (size_t i = 0; i < sh->np; i++) {
    if (sh->kind == REC_SH_DICT || sh->kind == REC_SH_SET) rec_cand_add(sh->pairs[i].key.op, sh->pairs[i].key.id);
    rec_cand_add(sh->pairs[i].val.op, sh->pairs[i].val.id);
  }
  rec_shadow_free(sh);
  o->sh = NULL;
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

