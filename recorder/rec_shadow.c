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

static int inst_has_slots(PyTypeObject *tp) {
  for (; tp != NULL && (tp->tp_flags & Py_TPFLAGS_HEAPTYPE); tp = tp->tp_base) {
    PyMemberDef *m = ((PyHeapTypeObject *)tp)->ht_type.tp_members;
    if (m && m->name) return 1;
  }
  return 0;
}

int rec_obj_is_container(PyObject *op) {
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

void rec_shadow_free(rec_shadow *sh) {
  if (sh == NULL) return;
  hr_free(sh->items);
  hr_free(sh->pairs);
  rec_map_reset(&sh->index);
  hr_free(sh);
}

static int seq_reserve(rec_shadow *sh, Py_ssize_t n) {
  if (n <= sh->cap) return HR_OK;
  Py_ssize_t ncap = sh->cap ? sh->cap : 4;
  while (ncap < n) ncap *= 2;
  rec_ref *ni = hr_realloc(sh->items, (size_t)ncap * sizeof *ni);
  if (ni == NULL) return HR_ENOMEM;
  sh->items = ni;
  sh->cap = ncap;
  return HR_OK;
}

void rec_shadow_drop(rec_obj *o) {
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
static inline int ref_same(const rec_ref *r, PyObject *op) {
  if (r->op != op) return 0;
  if (op == NULL) return 1;
  rec_obj *o = rec_obj_find(op);
  return o != NULL && o->id == r->id;
}

static void seq_slot(rec_obj *o, int slot, Py_ssize_t i, PyObject *now) {
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

static void seq_diff(rec_obj *o, int how, Py_ssize_t at) {
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

static void pair_emit(rec_obj *o, rec_pair *p, int kind, int key_too) {
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

static void pair_remove(rec_obj *o, size_t i) {
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

static uint64_t key_id(PyObject *key, int how) {
  if (how == KEY_STR) return rec_str_id(key);
  if (how == KEY_MEMBER) return rec_cstr_id(((PyMemberDef *)key)->name);
  if (how == KEY_FUNC) {
    if (REC_FUNC_KEY_IS_CELL(key)) return (uint64_t)((uintptr_t)key >> 2);
    return rec_cstr_id(key == REC_FUNC_KEY_DEFAULTS ? "__defaults__" : "__kwdefaults__");
  }
  return rec_obj_id(key);
}

/* The slot `key` now holds val (NULL for a set element): record any change. */
static void pair_see(rec_obj *o, PyObject *key, int how, PyObject *val) {
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

static void pairs_sweep(rec_obj *o) {
  rec_shadow *sh = o->sh;
  for (size_t i = 0; i < sh->np;) {
    if (sh->pairs[i].stamp != rec_g.stamp) pair_remove(o, i);
    else i++;
  }
}

static void dict_full(rec_obj *o, PyObject *d) {
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

/* ---- finding a key in CPython 3.11's dict and set tables ---------------------- */

/* Hash of a key whose lookup runs no Python code, or -1. */
static Py_hash_t pure_hash(PyObject *k) {
  if (PyUnicode_CheckExact(k)) {
    Py_hash_t h = ((PyASCIIObject *)k)->hash;
    return h != -1 ? h : PyObject_Hash(k);
  }
  if (PyLong_CheckExact(k)) return PyObject_Hash(k);
  return -1;
}

/* Does the key ek stored in a table equal key (an exact str or int)?
** 1 yes, 0 no, -1 cannot tell without the program's code (ek is neither). */
static int key_equal(PyObject *ek, PyObject *key) {
  if (ek == key) return 1;
  if (!PyUnicode_CheckExact(ek) && !PyLong_CheckExact(ek)) return -1;
  if (Py_TYPE(ek) != Py_TYPE(key)) return 0;   /* no str equals an int */
  int eq = PyObject_RichCompareBool(ek, key, Py_EQ);
  if (eq < 0) {
    PyErr_Clear();
    return -1;
  }
  return eq;
}

enum { PROBE_NONE = -1, PROBE_UNKNOWN = -2 };

/* dictobject.c's dictkeys_get_index: slots of 1, 2, 4 or 8 bytes. */
static inline Py_ssize_t dk_get_index(const PyDictKeysObject *dk, size_t i) {
  int log2 = dk->dk_log2_size;
  if (log2 < 8) return ((const int8_t *)dk->dk_indices)[i];
  if (log2 < 16) return ((const int16_t *)dk->dk_indices)[i];
  if (log2 >= 32) return ((const int64_t *)dk->dk_indices)[i];
  return ((const int32_t *)dk->dk_indices)[i];
}

/* The entry of dict d whose key is key itself (same) or equal to it (key
** an exact str or int of hash `hash`): its index in the entries, with its
** key and value in *ek, *ev. PROBE_NONE: no such entry; PROBE_UNKNOWN: a
** split table (an instance's few shared keys), or an equal-hash key that
** is no str or int. */
static Py_ssize_t dict_probe(PyObject *d, PyObject *key, Py_hash_t hash, int same, PyObject **ek,
                             PyObject **ev) {
  PyDictObject *mp = (PyDictObject *)d;
  if (mp->ma_values != NULL) return PROBE_UNKNOWN;
  PyDictKeysObject *dk = mp->ma_keys;
  size_t mask = ((size_t)1 << dk->dk_log2_size) - 1;
  size_t perturb = (size_t)hash, i = (size_t)hash & mask;
  for (;;) {
    Py_ssize_t ix = dk_get_index(dk, i);
    if (ix == DKIX_EMPTY) return PROBE_NONE;
    if (ix >= 0) {
      PyObject *k, *v;
      Py_hash_t h;
      if (DK_IS_UNICODE(dk)) {
        PyDictUnicodeEntry *e = &DK_UNICODE_ENTRIES(dk)[ix];
        k = e->me_key;
        v = e->me_value;
        h = k != NULL ? ((PyASCIIObject *)k)->hash : -1;
      } else {
        PyDictKeyEntry *e = &DK_ENTRIES(dk)[ix];
        k = e->me_key;
        v = e->me_value;
        h = e->me_hash;
      }
      if (k != NULL && (k == key || (!same && h == hash))) {
        int eq = key_equal(k, key);
        if (eq < 0) return PROBE_UNKNOWN;
        if (eq) {
          *ek = k;
          *ev = v;
          return ix;
        }
      }
    }
    perturb >>= 5;
    i = mask & (i * 5 + perturb + 1);
  }
}

/* The slot of set s holding key itself (same) or an equal key (key an
** exact str or int of hash `hash`); NULL when none, with *unknown set when
** telling needs the program's code. */
static setentry *set_probe(PyObject *s, PyObject *key, Py_hash_t hash, int same, int *unknown) {
  PySetObject *so = (PySetObject *)s;
  size_t mask = (size_t)so->mask, perturb = (size_t)hash, i = (size_t)hash & mask;
  *unknown = 0;
  for (;;) {
    setentry *e = &so->table[i];
    int probes = i + 9 <= mask ? 9 : 0;
    do {
      if (e->hash == 0 && e->key == NULL) return NULL;
      if (e->key == key) return e;
      if (!same && e->hash == hash) {
        int eq = key_equal(e->key, key);
        if (eq < 0) {
          *unknown = 1;
          return NULL;
        }
        if (eq) return e;
      }
      e++;
    } while (probes--);
    perturb >>= 5;
    i = (i * 5 + 1 + perturb) & mask;
  }
}

/* After an instruction that may have set or deleted the one key k (alive):
** the entry holding k or an equal key is found by probing, and the shadow
** checked against the dict's size; anything else reads the whole dict. */
static void dict_key(rec_obj *o, PyObject *d, PyObject *k) {
  rec_shadow *sh = o->sh;
  Py_hash_t h = k ? pure_hash(k) : -1;
  if (h == -1) {
    PyErr_Clear();
    dict_full(o, d);
    return;
  }
  PyObject *ek = NULL, *v = NULL;
  if (dict_probe(d, k, h, 0, &ek, &v) == PROBE_UNKNOWN) {
    v = _PyDict_GetItem_KnownHash(d, k, h);
    if (v == NULL) PyErr_Clear();
    ek = v != NULL ? k : NULL;
  }
  uintptr_t *ix = rec_map_get(&sh->index, (uintptr_t)(ek != NULL ? ek : k));
  Py_ssize_t size = PyDict_GET_SIZE(d);
  int how = sh->kind == REC_SH_GLOBALS || sh->kind == REC_SH_NAMES ? KEY_STR : KEY_OBJ;
  if (ek != NULL && ix != NULL && (size_t)size == sh->np) {
    rec_g.stamp++;
    pair_see(o, ek, how, v);
  } else if (ek != NULL && ix == NULL && (size_t)size == sh->np + 1) {
    rec_g.stamp++;
    pair_see(o, ek, how, v);
  } else if (ek == NULL && ix != NULL && (size_t)size + 1 == sh->np) {
    pair_remove(o, *ix - 1);
  } else {
    dict_full(o, d);
  }
}

static void set_full(rec_obj *o) {
  rec_g.stamp++;
  Py_ssize_t pos = 0;
  PyObject *k;
  Py_hash_t h;
  while (_PySet_NextEntry(o->op, &pos, &k, &h)) pair_see(o, k, KEY_OBJ, NULL);
  pairs_sweep(o);
}

/* After a call that may have added or removed the one member k (alive). */
static void set_key(rec_obj *o, PyObject *k) {
  rec_shadow *sh = o->sh;
  Py_hash_t h = k ? pure_hash(k) : -1;
  if (h == -1) {
    PyErr_Clear();
    set_full(o);
    return;
  }
  int unknown;
  setentry *e = set_probe(o->op, k, h, 0, &unknown);
  if (unknown) {
    set_full(o);
    return;
  }
  PyObject *ek = e != NULL ? e->key : NULL;
  uintptr_t *ix = rec_map_get(&sh->index, (uintptr_t)(ek != NULL ? ek : k));
  size_t size = (size_t)PySet_GET_SIZE(o->op);
  if (ek && ix == NULL && size == sh->np + 1) pair_see(o, ek, KEY_OBJ, NULL);
  else if (!ek && ix != NULL && size + 1 == sh->np) pair_remove(o, *ix - 1);
  else if (!(ek && ix != NULL && size == sh->np) && !(!ek && ix == NULL && size == sh->np)) set_full(o);
}

static void inst_full(rec_obj *o) {
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
  int members = 0;
  for (; tp != NULL && (tp->tp_flags & Py_TPFLAGS_HEAPTYPE); tp = tp->tp_base) {
    for (PyMemberDef *m = tp->tp_members; m && m->name; m++) {
      members = 1;
      if (m->type != T_OBJECT_EX || (m->flags & READONLY)) continue;
      PyObject *v = *(PyObject **)((char *)op + m->offset);
      if (v != NULL) pair_see(o, (PyObject *)m, KEY_MEMBER, v);
    }
  }
  pairs_sweep(o);
  /* With no __slots__, its __dict__'s version tag tells whether anything changed. */
  o->sh->version = dict != NULL && PyDict_Check(dict) && !members
                 ? ((PyDictObject *)dict)->ma_version_tag : (uint64_t)-1;
}

/* The instance's own dict when it has one (a managed dict not yet made
** from its values array has none). */
static PyObject *inst_dict(PyObject *op) {
  PyTypeObject *tp = Py_TYPE(op);
  if (tp->tp_flags & Py_TPFLAGS_MANAGED_DICT) return *_PyObject_ManagedDictPointer(op);
  if (tp->tp_dictoffset == 0) return NULL;
  PyObject **dp = _PyObject_GetDictPtr(op);
  return dp ? *dp : NULL;
}

/* The str-keyed entries of dict as attr slots (instance and function
** __dict__, class __dict__). */
static void attrs_see(rec_obj *o, PyObject *dict) {
  Py_ssize_t pos = 0;
  PyObject *k, *v;
  while (PyDict_Next(dict, &pos, &k, &v))
    if (PyUnicode_Check(k)) pair_see(o, k, KEY_STR, v);
}

/* A function's references a program can see: closure[i] (its cells),
** __defaults__, __kwdefaults__ and its own attributes. */
static void func_full(rec_obj *o) {
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
static void class_full(rec_obj *o) {
  PyObject *dict = ((PyTypeObject *)o->op)->tp_dict;
  if (dict == NULL || !PyDict_Check(dict)) return;
  uint64_t ver = ((PyDictObject *)dict)->ma_version_tag;
  if (ver == o->sh->version) return;
  o->sh->version = ver;
  rec_g.stamp++;
  attrs_see(o, dict);
  pairs_sweep(o);
}

void rec_obj_shadow(rec_obj *o) {
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
static void obj_resized(rec_obj *o) {
  size_t now = rec_obj_size(o->op);
  if (now == o->size) return;
  o->size = now;
  rec_emit(TRC_EV_RESIZE, o->id, now, 0, 0);
}

/* ---- what an instruction touches ------------------------------------------------ */

/* Some instructions change a dict, set, instance or globals dict only at
** keys known before they run: d[k] = v, del d[k], d.pop(k), d.setdefault(k),
** d.update(mapping), s.add(k), s.discard(k), s.remove(k), s.update(set),
** s |= set, d |= mapping, obj.name = v, del obj.name, global and module-level
** names. Before one runs, rec_touch_before notes each key, its hash and the
** key object the container held for it then; after, the shadow is brought
** up to date from those keys alone, in the order a full diff would emit
** (entries by position, then removals). A key that is not an exact str or
** int, a shadow not in step with its container before, a size that does not
** add up after, or a note made for another instruction: the container is
** read whole, as before. */
typedef struct touch_key {
  PyObject *key;         /* the key the instruction uses */
  rec_obj *ko;           /* its record (NULL: a name of the code, alive throughout) */
  uint64_t kid;
  Py_hash_t hash;
  PyObject *held;        /* the equal key the container held before, or NULL */
  uint64_t held_id;
} touch_key;

typedef struct touch_note {
  uint64_t step;         /* rec_g.step of the instruction; 0: no note */
  rec_obj *o;            /* the shadowed container (or globals / namespace shadow) */
  uint64_t oid;
  PyObject *op;          /* the dict or set read: an instance's is its __dict__ */
  int applied;           /* the shadow is in step: later diffs of this step are no-ops */
  Py_ssize_t index;      /* a list's: the item stored to */
  size_t n, cap;
  touch_key *keys;
} touch_note;

/* The one pending note: written before an instruction and read by its
** diffs in the same step (a step of another thread in between voids it by
** changing rec_g.step); GIL. */
static touch_note g_note;

typedef struct touch_out touch_out;
static touch_out *g_outs;      /* note_apply's scratch, one per noted key; GIL */
static size_t g_outs_cap;

/* Stack entry k before the instruction, with its record. */
static PyObject *stack_at(rec_thread *th, int k, rec_obj **o) {
  *o = NULL;
  if (k < 1 || k > th->nbefore) return NULL;
  rec_sref *r = &th->before[th->nbefore - k];
  if (r->o == NULL || r->o->id != r->id) return NULL;
  *o = r->o;
  return r->op;
}

static int note_begin(rec_obj *o, PyObject *op) {
  if (o == NULL || o->sh == NULL) return 0;
  int kind = o->sh->kind;
  if (kind == REC_SH_SEQ) {
    if (!PyList_CheckExact(op)) return 0;
  } else if (kind == REC_SH_SET) {
    if (!PySet_CheckExact(op) || (size_t)PySet_GET_SIZE(op) != o->sh->np) return 0;
  } else if (kind == REC_SH_DICT || kind == REC_SH_GLOBALS || kind == REC_SH_NAMES ||
             kind == REC_SH_INST) {
    /* In step before: the dict is as the shadow last saw it. */
    if (!PyDict_CheckExact(op) || ((PyDictObject *)op)->ma_values != NULL ||
        ((PyDictObject *)op)->ma_version_tag != o->sh->version)
      return 0;
  } else {
    return 0;
  }
  g_note.o = o;
  g_note.oid = o->id;
  g_note.op = op;
  g_note.applied = 0;
  g_note.n = 0;
  g_note.step = rec_g.step;
  return 1;
}

/* Note key k (ko its record, NULL for a name of the code); 0 voids the note. */
static int note_key(PyObject *k, rec_obj *ko) {
  Py_hash_t h = k != NULL ? pure_hash(k) : -1;
  if (h == -1) {
    PyErr_Clear();
    return g_note.step = 0;
  }
  PyObject *held = NULL;
  if (PySet_CheckExact(g_note.op)) {
    int unknown;
    setentry *e = set_probe(g_note.op, k, h, 0, &unknown);
    if (unknown) return g_note.step = 0;
    held = e != NULL ? e->key : NULL;
  } else {
    PyObject *v;
    if (dict_probe(g_note.op, k, h, 0, &held, &v) == PROBE_UNKNOWN) return g_note.step = 0;
  }
  uint64_t held_id = 0;
  if (held != NULL) {
    uintptr_t *ix = rec_map_get(&g_note.o->sh->index, (uintptr_t)held);
    if (ix == NULL) return g_note.step = 0;   /* the shadow lacks it: read it whole */
    held_id = g_note.o->sh->pairs[*ix - 1].key.id;
  }
  if (g_note.n == g_note.cap) {
    size_t ncap = g_note.cap ? g_note.cap * 2 : 8;
    touch_key *nk = hr_realloc(g_note.keys, ncap * sizeof *nk);
    if (nk == NULL) return g_note.step = 0;
    g_note.keys = nk;
    g_note.cap = ncap;
  }
  touch_key *t = &g_note.keys[g_note.n++];
  t->key = k;
  t->ko = ko;
  t->kid = ko ? ko->id : 0;
  t->hash = h;
  t->held = held;
  t->held_id = held_id;
  return 1;
}

/* Note every key of c (an exact dict, set or frozenset, shadowed, so its
** keys are tracked); 0 voids the note. */
static int note_keys_of(PyObject *c) {
  Py_ssize_t pos = 0;
  PyObject *k, *v;
  Py_hash_t h;
  if (PyDict_CheckExact(c)) {
    while (PyDict_Next(c, &pos, &k, &v)) {
      rec_obj *ko = rec_obj_find(k);
      if (ko == NULL || !note_key(k, ko)) return g_note.step = 0;
    }
  } else if (PyAnySet_CheckExact(c)) {
    while (_PySet_NextEntry(c, &pos, &k, &h)) {
      rec_obj *ko = rec_obj_find(k);
      if (ko == NULL || !note_key(k, ko)) return g_note.step = 0;
    }
  } else {
    return g_note.step = 0;
  }
  return 1;
}

/* KW_NAMES before PRECALL (and its cache entry) before this CALL: keyword
** arguments. A cache entry that merely looks like one errs on the safe side. */
static int call_has_kwnames(_PyInterpreterFrame *iframe) {
  _Py_CODEUNIT *ip = iframe->prev_instr;
  _Py_CODEUNIT *first = _PyCode_CODE(iframe->f_code);
  return ip - first < 3 || _Py_OPCODE(ip[-3]) == KW_NAMES;
}

static void note_call(rec_thread *th, _PyInterpreterFrame *iframe) {
  int nargs = th->oparg;
  if (nargs < 1 || nargs > 2 || call_has_kwnames(iframe)) return;
  rec_obj *co, *so = NULL, *ao;
  int is_meth = nargs + 2 <= th->nbefore && th->before[th->nbefore - nargs - 2].op != NULL;
  PyObject *callable = stack_at(th, is_meth ? nargs + 2 : nargs + 1, &co);
  PyObject *self = NULL;
  const char *name;
  if (callable == NULL) return;
  if (Py_IS_TYPE(callable, &PyMethodDescr_Type) && is_meth) {
    PyTypeObject *owner = PyDescr_TYPE(callable);
    if (owner != &PySet_Type && owner != &PyDict_Type) return;
    name = ((PyMethodDescrObject *)callable)->d_method->ml_name;
    self = stack_at(th, nargs + 1, &so);
  } else if (PyCFunction_CheckExact(callable) && !is_meth) {
    self = PyCFunction_GET_SELF(callable);   /* a module for a builtin function */
    if (self == NULL || !(PySet_CheckExact(self) || PyDict_CheckExact(self))) return;
    name = ((PyCFunctionObject *)callable)->m_ml->ml_name;
    so = rec_obj_find(self);
  } else {
    return;
  }
  if (self == NULL || so == NULL) return;
  PyObject *arg = stack_at(th, nargs, &ao);
  if (arg == NULL) return;
  if (PySet_CheckExact(self) && nargs == 1) {
    if (strcmp(name, "add") == 0 || strcmp(name, "discard") == 0 || strcmp(name, "remove") == 0) {
      if (note_begin(so, self)) note_key(arg, ao);
    } else if (strcmp(name, "update") == 0 && PyAnySet_CheckExact(arg)) {
      if (note_begin(so, self)) note_keys_of(arg);
    }
  } else if (PyDict_CheckExact(self)) {
    if (strcmp(name, "pop") == 0 || strcmp(name, "setdefault") == 0) {
      if (note_begin(so, self)) note_key(arg, ao);
    } else if (strcmp(name, "update") == 0 && nargs == 1 && PyDict_CheckExact(arg)) {
      if (note_begin(so, self)) note_keys_of(arg);
    }
  }
}

/* obj.name = v / del obj.name through object.__setattr__ into the
** instance's own dict: no __slots__, no data descriptor of that name. */
static void note_attr(rec_thread *th, PyCodeObject *code) {
  rec_obj *o;
  PyObject *op = stack_at(th, 1, &o);
  if (op == NULL || o->sh == NULL || o->sh->kind != REC_SH_INST) return;
  if (th->oparg < 0 || th->oparg >= PyTuple_GET_SIZE(code->co_names)) return;
  PyObject *name = PyTuple_GET_ITEM(code->co_names, th->oparg);
  PyTypeObject *tp = Py_TYPE(op);
  if (tp->tp_setattro != PyObject_GenericSetAttr) return;
  PyObject *descr = _PyType_Lookup(tp, name);   /* borrowed; runs no code */
  if (descr != NULL && Py_TYPE(descr)->tp_descr_set != NULL) return;
  PyObject *dict = inst_dict(op);
  if (dict != NULL && note_begin(o, dict)) note_key(name, NULL);
}

/* STORE_GLOBAL and the like: the frame's globals (or class namespace)
** shadow, keyed by a name of the code. */
static void note_name(rec_thread *th, _PyInterpreterFrame *iframe) {
  rec_frame *fr = th->pending;
  if (fr == NULL) return;
  PyCodeObject *code = iframe->f_code;
  if (th->oparg < 0 || th->oparg >= PyTuple_GET_SIZE(code->co_names)) return;
  PyObject *name = PyTuple_GET_ITEM(code->co_names, th->oparg);
  rec_obj *target = fr->glob;
  if (th->op == STORE_NAME || th->op == DELETE_NAME) {
    if (fr->names != NULL) target = fr->names;
    else if (iframe->f_locals != iframe->f_globals) return;
  }
  if (target != NULL && note_begin(target, target->op)) note_key(name, NULL);
}

void rec_touch_before(rec_thread *th, _PyInterpreterFrame *iframe) {
  /* Its cases are rec_touch_wanted's (rec_shadow.h): add one there too. */
  g_note.step = 0;
  rec_obj *o, *ko;
  PyObject *c, *k;
  switch (th->op) {
  case STORE_SUBSCR:
  case DELETE_SUBSCR:
    c = stack_at(th, 2, &o);
    k = stack_at(th, 1, &ko);
    if (c == NULL || k == NULL) break;
    if (PyDict_CheckExact(c)) {
      if (note_begin(o, c)) note_key(k, ko);
    } else if (th->op == STORE_SUBSCR && PyList_CheckExact(c) && PyLong_CheckExact(k)) {
      /* The index, read now: an int made for it is gone afterwards. */
      Py_ssize_t i = PyLong_AsSsize_t(k);
      if (i == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        break;
      }
      if (i < 0) i += PyList_GET_SIZE(c);
      if (i >= 0 && i < PyList_GET_SIZE(c) && note_begin(o, c)) g_note.index = i;
    }
    break;
  case STORE_ATTR:
  case DELETE_ATTR:
    note_attr(th, iframe->f_code);
    break;
  case STORE_GLOBAL:
  case DELETE_GLOBAL:
  case STORE_NAME:
  case DELETE_NAME:
    note_name(th, iframe);
    break;
  case BINARY_OP:
    if (th->oparg != NB_INPLACE_OR) break;
    c = stack_at(th, 2, &o);
    k = stack_at(th, 1, &ko);
    if (c == NULL || k == NULL) break;
    if ((PySet_CheckExact(c) && PyAnySet_CheckExact(k)) || (PyDict_CheckExact(c) && PyDict_CheckExact(k)))
      if (note_begin(o, c)) note_keys_of(k);
    break;
  case CALL:
    note_call(th, iframe);
    break;
  default:
    break;
  }
}

void rec_touch_done(void) {
  g_note.step = 0;
}

void rec_shadow_fini(void) {
  hr_free(g_note.keys);
  hr_free(g_outs);
  memset(&g_note, 0, sizeof g_note);
  g_outs = NULL;
  g_outs_cap = 0;
}

/* Is a noted key object still that object? */
static inline int alive(PyObject *op, uint64_t id) {
  rec_obj *r = rec_obj_find(op);
  return r != NULL && r->id == id;
}

/* What one noted key's entry holds after the instruction. */
typedef struct touch_out {
  PyObject *now;         /* the key object held now, NULL: none */
  PyObject *val;
  Py_ssize_t pos;        /* its entry (dict) or slot (set) */
  touch_key *t;
} touch_out;

static int out_by_pos(const void *a, const void *b) {
  Py_ssize_t x = ((const touch_out *)a)->pos, y = ((const touch_out *)b)->pos;
  return (x > y) - (x < y);
}

/* The key t names is held now by which key object of the container? */
static int touch_find(touch_key *t, int set, int objkeys, touch_out *out) {
  PyObject *c = g_note.op;
  out->t = t;
  out->now = NULL;
  out->val = NULL;
  PyObject *cand[2] = {t->held, t->key};
  for (int i = 0; i < 2; i++) {
    PyObject *k = cand[i];
    if (k == NULL || (i == 1 && k == t->held)) continue;
    /* A probe compares pointers only, so a key freed meanwhile is never
    ** read; a tracked key is checked not to be another object at the same
    ** address. A str key of globals, names or attributes is named by its
    ** text, not tracked: held by the dict, or gone with no object since. */
    if (i == 0 ? objkeys && !alive(k, t->held_id) : t->ko != NULL && !alive(k, t->kid)) continue;
    if (set) {
      int unknown;
      setentry *e = set_probe(c, k, t->hash, 1, &unknown);
      if (e == NULL) continue;
      out->now = k;
      out->pos = e - ((PySetObject *)c)->table;
    } else {
      PyObject *ek, *ev;
      Py_ssize_t ix = dict_probe(c, k, t->hash, 1, &ek, &ev);
      if (ix == PROBE_UNKNOWN) return 0;
      if (ix < 0) continue;
      out->now = k;
      out->val = ev;
      out->pos = ix;
    }
    break;
  }
  return 1;
}

/* Bring o's shadow up to date from the note: 1 done, 0 read it whole. */
static int note_apply(rec_obj *o) {
  rec_shadow *sh = o->sh;
  int set = sh->kind == REC_SH_SET, objkeys = set || sh->kind == REC_SH_DICT;
  if (set ? !PySet_CheckExact(g_note.op) : ((PyDictObject *)g_note.op)->ma_values != NULL) return 0;
  if (sh->kind == REC_SH_INST && inst_dict(o->op) != g_note.op) return 0;
  if (g_note.n > g_outs_cap) {
    size_t ncap = g_note.n < 16 ? 16 : g_note.n;
    touch_out *no = hr_realloc(g_outs, ncap * sizeof *no);
    if (no == NULL) return 0;
    g_outs = no;
    g_outs_cap = ncap;
  }
  /* What each key's entry holds now; the size must add up to it. */
  size_t nout = 0, removed = 0, added = 0;
  for (size_t i = 0; i < g_note.n; i++) {
    touch_key *t = &g_note.keys[i];
    touch_out *out = &g_outs[nout];
    if (!touch_find(t, set, objkeys, out)) return 0;
    if (out->now == NULL && t->held == NULL) continue;   /* absent before and after */
    if (out->now == NULL) out->pos = PY_SSIZE_T_MAX;     /* gone: no entry to order by */
    if (t->held != NULL && out->now != t->held) removed++;
    if (out->now != NULL && out->now != t->held) added++;
    nout++;
  }
  size_t size = set ? (size_t)PySet_GET_SIZE(g_note.op) : (size_t)PyDict_GET_SIZE(g_note.op);
  if (removed > 1 || size + removed != sh->np + added) return 0;
  /* A full diff's order: entries by position, then what went. */
  qsort(g_outs, nout, sizeof *g_outs, out_by_pos);
  int how = sh->kind == REC_SH_DICT || set ? KEY_OBJ : KEY_STR;
  rec_g.stamp++;
  for (size_t i = 0; i < nout; i++)
    if (g_outs[i].now != NULL && (!set || g_outs[i].now != g_outs[i].t->held))
      pair_see(o, g_outs[i].now, how, g_outs[i].val);
  for (size_t i = 0; i < nout; i++) {
    touch_key *t = g_outs[i].t;
    if (t->held == NULL || g_outs[i].now == t->held) continue;
    uintptr_t *ix = rec_map_get(&sh->index, (uintptr_t)t->held);
    if (ix != NULL) pair_remove(o, *ix - 1);
  }
  return 1;
}

/* The note's diff of o when there is one for it: 1 done (o in step). */
static int note_diff(rec_obj *o) {
  if (g_note.step != rec_g.step || g_note.o != o || g_note.oid != o->id) return 0;
  if (g_note.applied) return 1;
  int kind = o->sh->kind;
  if (kind == REC_SH_SEQ) {
    seq_diff(o, REC_DIFF_INDEX, g_note.index);
  } else if (kind != REC_SH_SET) {
    uint64_t ver = ((PyDictObject *)g_note.op)->ma_version_tag;
    if (ver != o->sh->version && !note_apply(o)) return g_note.step = 0;
    o->sh->version = ver;
  } else if (!note_apply(o)) {
    return g_note.step = 0;
  }
  g_note.applied = 1;
  if (kind != REC_SH_GLOBALS && kind != REC_SH_NAMES) obj_resized(o);
  return 1;
}

void rec_obj_diff(rec_obj *o, int how, PyObject *arg) {
  if (o == NULL) return;
  if (o->sh == NULL) {
    rec_obj_shadow(o);
    return;
  }
  if (g_note.step != 0 && note_diff(o)) return;
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
  case REC_SH_INST: {
    PyObject *d = o->sh->version != (uint64_t)-1 ? inst_dict(o->op) : NULL;
    if (d != NULL && PyDict_Check(d) && ((PyDictObject *)d)->ma_version_tag == o->sh->version)
      return;   /* no __slots__, and its __dict__ unchanged */
    inst_full(o);
    break;
  }
  case REC_SH_FUNC:
    func_full(o);
    return;      /* a function's size never changes */
  case REC_SH_CLASS:
    class_full(o);
    return;
  }
  obj_resized(o);
}
