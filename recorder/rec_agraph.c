/* rec_agraph.c — the heap's reference graph when an alloc-mode recording ends. */
#include "rec_agraph.h"

#include <string.h>

#include "internal/pycore_gc.h"
#include "internal/pycore_object.h"

#include "hr_mem.h"
#include "hr_status.h"
#include "rec_ablock.h"
#include "rec_astack.h"

typedef struct seq_obj {
  PyObject *op;          /* borrowed: the hooks are off, nothing runs meanwhile */
  uint64_t id;
  size_t size;           /* block size, from its alloc event */
} seq_obj;

/* Protected by the GIL; lives for one rec_agraph_write. */
static struct {
  int (*type_ok)(PyTypeObject *tp);
  seq_obj *seqs;         /* exact lists and tuples, written here */
  uint64_t *ids;         /* scratch: a run of their items' ids (seq_items_write) */
  size_t capids;
  struct kcache { PyTypeObject *tp; int cont; } kinds[256];   /* container types, direct-mapped */
  size_t nseq, capseq;
} g;

/* The object id in block word slot s (may be NULL) when its object header
** sits pre bytes into the block, else 0. */
static inline uint64_t slot_id(const uint64_t *s, size_t pre) {
  return s != NULL && rec_ab_off(*s) == pre ? rec_ab_id(*s) : 0;
}

/* The id and size of the block object at op, 0 when op is no such object. */
static uint64_t born_id(PyObject *op, size_t *size) {
  size_t pre = _PyType_PreHeaderSize(Py_TYPE(op));
  uintptr_t p = (uintptr_t)op - pre;
  uint64_t *s = rec_ablock_find(p);
  uint64_t id = slot_id(s, pre);
  if (id && size) *size = rec_ablock_size(p, *s);
  return id;
}

/* A live exact int or str: the commonest scalars, passed over by the sort
** (a dead one sits on no free list of ours but has a count of 0). */
static inline int live_scalar(PyObject *op) {
  PyTypeObject *tp = Py_TYPE(op);
  return (tp == &PyLong_Type || tp == &PyUnicode_Type) && Py_REFCNT(op) > 0;
}

/* rec_objects.c asks here before it gives an object a new id: lists and
** tuples are adopted as leaves, their items are written here. */
static int born_lookup(PyObject *op, uint64_t *id, size_t *size) {
  if ((*id = born_id(op, size)) == 0) return 0;
  return PyList_CheckExact(op) || PyTuple_CheckExact(op) ? 2 : 1;
}

static int seq_push(PyObject *op, uint64_t id, size_t size) {
  if (g.nseq == g.capseq) {
    seq_obj *ns = hr_grow(g.seqs, &g.capseq, g.nseq + 1, sizeof *ns, 256);
    if (ns == NULL) return HR_ENOMEM;
    g.seqs = ns;
  }
  g.seqs[g.nseq++] = (seq_obj){op, id, size};
  return HR_OK;
}

/* The object's block of `size` bytes is not what sys.getsizeof says at the
** end (an int from a fixed-size block, a bytearray's or a set's buffer, a
** str's cached UTF-8): a resize event, so the end-of-run sizes are the ones
** a full trace has. */
static inline void size_at_end(PyObject *op, uint64_t id, size_t size) {
  size_t now = rec_obj_size(op);
  if (now != size) rec_emit(TRC_EV_RESIZE, id, now, 0, 0);
}

/* The same for a live str (an int's alloc event has its size already): a
** compact ASCII one with no other representation is its block. */
static inline void scalar_size_at_end(PyObject *op, uintptr_t p, uint64_t w) {
  if (Py_IS_TYPE(op, &PyLong_Type) ||
      (PyUnicode_IS_COMPACT_ASCII(op) && ((PyASCIIObject *)op)->wstr == NULL))
    return;
  size_t now = rec_obj_size(op);
  if (now != rec_ablock_size(p, w)) rec_emit(TRC_EV_RESIZE, rec_ab_id(w), now, 0, 0);
}

/* One block holding an object, other than a live int or str (sort_blocks). */
static void sort_block(uintptr_t p, uint64_t w) {
  uint64_t id = rec_ab_id(w);
  if (!id) return;
  PyObject *op = (PyObject *)(p + rec_ab_off(w));
  if (live_scalar(op)) {
    scalar_size_at_end(op, p, w);
    return;
  }
  /* Dead on a free list we do not empty: its count is 0. */
  if (Py_REFCNT(op) <= 0 || !g.type_ok(Py_TYPE(op))) {
    rec_emit(TRC_EV_FREE, id, 0, 0, 0);
    return;
  }
  size_t size = rec_ablock_size(p, w);
  if ((PyList_CheckExact(op) || PyTuple_CheckExact(op)) && seq_push(op, id, size) == HR_OK)
    return;
  /* Other containers are diffed by the object tracker; scalars wait until
  ** something refers to them (born_lookup). */
  struct kcache *k = &g.kinds[((uintptr_t)Py_TYPE(op) >> 6) & 255];
  if (k->tp != Py_TYPE(op)) {
    /* whether an object is a container depends on its type only */
    k->tp = Py_TYPE(op);
    /* A class made while recording is a heap type: its dict (methods,
    ** class attributes) is followed as a full recording follows it. */
    k->cont = rec_obj_is_container(op) || PyType_Check(op);
  }
  if (k->cont) {
    rec_obj *o = rec_obj_adopt(op, id, size);   /* its size follows its diff */
    if (o != NULL && PyType_Check(op)) o->cont = 1;
  } else {
    size_at_end(op, id, size);
  }
}

/* Every block of the table in its order: lists and tuples kept for
** seqs_write, containers adopted, the dead ones' frees written. The blocks
** holding no object and the live ints and strs (most of a big heap) are
** passed over here, without a call. */
static void sort_blocks(void) {
  rec_ablock_iter it;
  rec_ablock_iter_init(&it);
  uintptr_t page, p;
  uint64_t w;
  const uint64_t *lf;
  while ((lf = rec_ablock_next_leaf(&it, &page)) != NULL) {
    for (size_t k = 0; k < REC_AB_LEAF_WORDS; k++) {
      if ((lf[k] & REC_AB_ID_MASK) == 0) continue;        /* no block, or no object in it */
      PyObject *op = (PyObject *)(page + (k << 4) + rec_ab_off(lf[k]));
      if (live_scalar(op)) {
        scalar_size_at_end(op, page | (k << 4), lf[k]);
        continue;
      }
      sort_block(page | (k << 4), lf[k]);
    }
  }
  while (rec_ablock_next_odd(&it, &p, &w)) sort_block(p, w);
}

/* The id of a sequence's item `it` when it has one already (no event is
** needed): from the block table, through near (the leaf of the previous
** item: a loop appends what it just made), or, for an object older than the
** recording and tracked already (None, a small int, an interned str), what
** rec_obj_id would answer. 0 otherwise. last_tp and pre remember the
** previous item's type and its header offset in a block. */
static inline uint64_t item_id(PyObject *it, rec_ablock_near *near, PyTypeObject **last_tp,
                               uint64_t *pre) {
  if (Py_TYPE(it) != *last_tp) {
    *last_tp = Py_TYPE(it);
    *pre = _PyType_PreHeaderSize(*last_tp);
  }
  uint64_t id = slot_id(rec_ablock_find_near((uintptr_t)it - *pre, near), *pre);
  if (id == 0) {
    rec_obj *o = rec_obj_find(it);
    if (o != NULL) id = o->id;
  }
  return id;
}

/* The bind of item k of s, for an item item_id does not know: tracked now. */
static void item_slow(const seq_obj *s, PyObject *it, Py_ssize_t k) {
  uint64_t id = rec_obj_id(it);
  if (id) rec_emit(TRC_EV_BIND, s->id, TRC_SLOT_ITEM, (uint64_t)k, id);
}

/* Sequences at least this long hand runs of ITEMS_RUN_MIN items or more
** to the writer thread as arrays of ids (trc_writer_items): it makes their
** binds while the program finishes, instead of the program waiting for
** room in the ring. A run holds at most ITEMS_RUN_MAX ids (2 MiB): each
** handed run takes a ring block of its own, so a million items in sixteen
** runs of 64 Ki filled the ring and the program waited for the writer
** (7-43 ms at the end of bench_append.py), in four it does not. */
enum { ITEMS_HANDED = 1024, ITEMS_RUN_MIN = 256, ITEMS_RUN_MAX = 1 << 18 };

/* Consecutive items of one sequence with known ids, in g.ids. */
typedef struct items_run {
  const seq_obj *s;
  int hand;                /* the sequence is long enough to hand runs over */
  Py_ssize_t first, m;
} items_run;

/* The binds of the run so far, and an empty run: handed over, or stored
** straight into the writer's block while it has room. */
static void items_flush(items_run *r) {
  const uint64_t *ids = g.ids;
  Py_ssize_t m = r->m;
  r->m = 0;
  uint64_t *owned = r->hand && m >= ITEMS_RUN_MIN ? trc_writer_ids_alloc((size_t)m) : NULL;
  if (owned) {
    memcpy(owned, ids, (size_t)m * sizeof *owned);
    trc_writer_items(rec_g.w, rec_g.step, r->s->id, (uint64_t)r->first, owned, (size_t)m);
    return;
  }
  uint64_t sid = r->s->id, step = rec_g.step, k = (uint64_t)r->first;   /* in registers */
  trc_writer_run run;
  trc_writer_run_begin(rec_g.w, &run);
  for (Py_ssize_t j = 0; j < m; j++, k++) {
    if (trc_writer_run_room(&run)) {
      trc_writer_run_put(&run, TRC_EV_BIND, step, sid, TRC_SLOT_ITEM, k, ids[j]);
      continue;
    }
    trc_writer_run_end(rec_g.w, &run);
    rec_emit(TRC_EV_BIND, sid, TRC_SLOT_ITEM, k, ids[j]);
    trc_writer_run_begin(rec_g.w, &run);
  }
  trc_writer_run_end(rec_g.w, &run);
}

/* The list or tuple s's items as binds, in order. Their ids are gathered in
** runs, which an item tracked only now (item_slow: events of its own) or a
** NULL one ends. */
static void seq_items_write(const seq_obj *s, PyObject *const *items, Py_ssize_t n) {
  rec_ablock_near near = {UINTPTR_MAX, NULL};
  PyTypeObject *last_tp = NULL;
  uint64_t pre = 0;
  items_run r = {s, n >= ITEMS_HANDED, 0, 0};
  size_t want = n < ITEMS_RUN_MAX ? (size_t)n : ITEMS_RUN_MAX;
  /* Without room for a run, each bind is appended alone. */
  uint64_t *ids = hr_grow(g.ids, &g.capids, want, sizeof *ids, 256);
  if (ids) g.ids = ids;
  Py_ssize_t cap = ids ? (Py_ssize_t)want : 0;
  for (Py_ssize_t k = 0; k < n; k++) {
    PyObject *it = items[k];
    if (it == NULL) {
      items_flush(&r);
      continue;
    }
    uint64_t id = item_id(it, &near, &last_tp, &pre);
    if (r.m == cap && r.m) items_flush(&r);
    if (id && r.m < cap) {
      if (r.m == 0) r.first = k;
      g.ids[r.m++] = id;
      continue;
    }
    items_flush(&r);
    if (id) rec_emit(TRC_EV_BIND, s->id, TRC_SLOT_ITEM, (uint64_t)k, id);
    else item_slow(s, it, k);
  }
  items_flush(&r);
}

/* Items of the lists and tuples, and their sizes as sys.getsizeof says. */
static void seqs_write(void) {
  for (size_t i = 0; i < g.nseq; i++) {
    seq_obj *s = &g.seqs[i];
    size_t now;
    if (PyList_CheckExact(s->op)) {
      seq_items_write(s, ((PyListObject *)s->op)->ob_item, PyList_GET_SIZE(s->op));
      now = sizeof(PyListObject) + (size_t)((PyListObject *)s->op)->allocated * sizeof(PyObject *);
    } else {
      seq_items_write(s, ((PyTupleObject *)s->op)->ob_item, PyTuple_GET_SIZE(s->op));
      now = (size_t)PyTuple_Type.tp_basicsize + (size_t)PyTuple_GET_SIZE(s->op) * sizeof(PyObject *);
    }
    now += sizeof(PyGC_Head);
    if (now != s->size) rec_emit(TRC_EV_RESIZE, s->id, now, 0, 0);
  }
}

/* fn(globals, file) for __main__, then for every other module whose file is
** the user's (not the standard library's or site-packages'). */
static void user_modules_each(void (*fn)(PyObject *d, const char *file)) {
  PyObject *m = PyImport_AddModule("__main__");          /* borrowed */
  PyObject *md = m ? PyModule_GetDict(m) : NULL;
  /* -m: no script path; the module's file, as its code objects have it */
  PyObject *mf = m && rec_g.opt.script == NULL ? PyModule_GetFilenameObject(m) : NULL;
  const char *mfile = mf && PyUnicode_Check(mf) ? PyUnicode_AsUTF8(mf) : NULL;
  if (md) fn(md, rec_g.opt.script ? rec_g.opt.script : mfile ? mfile : "?");
  Py_XDECREF(mf);
  PyErr_Clear();
  PyObject *mods = PyImport_GetModuleDict();             /* borrowed */
  PyObject *snap = mods ? PyDict_Values(mods) : NULL;    /* imports may not change it */
  for (Py_ssize_t i = 0; snap && i < PyList_GET_SIZE(snap); i++) {
    PyObject *mod = PyList_GET_ITEM(snap, i);
    if (!PyModule_Check(mod) || mod == m) continue;
    PyObject *f = PyModule_GetFilenameObject(mod);
    const char *file = f && PyUnicode_Check(f) ? PyUnicode_AsUTF8(f) : NULL;
    if (file && rec_astack_file_is_user(file)) fn(PyModule_GetDict(mod), file);
    Py_XDECREF(f);
    PyErr_Clear();
  }
  Py_XDECREF(snap);
}

/* A module's globals as the slots of one frame that never returns: a root. */
static void module_frame(PyObject *d, const char *file) {
  uint64_t fid = rec_g.next_frame++;
  uint64_t loc = trc_writer_location(rec_g.w, rec_cstr_id(file), 1, rec_cstr_id("<module>"));
  rec_emit(TRC_EV_CALL, fid, loc, 0, (uint64_t)PyThreadState_Get()->thread_id);
  Py_ssize_t pos = 0;
  PyObject *k, *v;
  while (PyDict_Next(d, &pos, &k, &v))
    if (PyUnicode_Check(k)) rec_emit(TRC_EV_BIND, fid, TRC_SLOT_GLOBAL, rec_str_id(k), rec_obj_id(v));
}

/* ---- objects older than the recording that hold recorded ones ---------------------------- */

/* A search from the roots through containers made before the region began
** (module globals like a cache dict, the lists and instances on the way):
** the ones from which a recorded object can be reached get their references
** written, so retention paths read as on a full trace. */
enum { OLD_MAX_NODES = 1 << 20 };

static struct {
  rec_map idx;           /* object -> its index + 1 */
  rec_map skip;          /* module dicts: roots of their own, or the library's */
  PyObject **nodes;
  uint8_t *need;         /* it holds a recorded object, at once or through others */
  uint32_t (*edges)[2];  /* holder index, held index */
  size_t n, cap, ne, cape;
  size_t cur;
  int full;
} og;

static int old_skip(PyObject *op) {
  if (!_PyObject_IS_GC(op) || Py_REFCNT(op) <= 0 || PyModule_Check(op)) return 1;
  if (PyType_Check(op) && !(((PyTypeObject *)op)->tp_flags & Py_TPFLAGS_HEAPTYPE)) return 1;
  if (PyCode_Check(op) || PyFrame_Check(op)) return 1;
  return rec_map_get(&og.skip, (uintptr_t)op) != NULL;
}

/* The index of op in the search, added when new; -1 when it is not followed. */
static long old_node(PyObject *op) {
  uintptr_t *v = rec_map_get(&og.idx, (uintptr_t)op);
  if (v) return (long)*v - 1;
  if (og.full || old_skip(op)) return -1;
  if (og.n == og.cap) {
    size_t ncap = og.cap ? og.cap * 2 : 1024;
    PyObject **nn = hr_realloc(og.nodes, ncap * sizeof *nn);
    if (nn == NULL) return -1;
    og.nodes = nn;
    uint8_t *nd = hr_realloc(og.need, ncap);
    if (nd == NULL) return -1;
    og.need = nd;
    og.cap = ncap;
  }
  if (og.n >= OLD_MAX_NODES || rec_map_put(&og.idx, (uintptr_t)op, og.n + 1) != HR_OK) {
    og.full = 1;
    return -1;
  }
  og.nodes[og.n] = op;
  og.need[og.n] = 0;
  return (long)og.n++;
}

static int old_visit(PyObject *op, void *unused) {
  if (op == NULL) return 0;
  if (born_id(op, NULL)) {
    og.need[og.cur] = 1;
    return 0;
  }
  long k = old_node(op);
  if (k < 0) return 0;
  if (og.ne == og.cape) {
    uint32_t(*ne)[2] = hr_grow(og.edges, &og.cape, og.ne + 1, sizeof *ne, 1024);
    if (ne == NULL) return 0;
    og.edges = ne;
  }
  og.edges[og.ne][0] = (uint32_t)og.cur;
  og.edges[og.ne][1] = (uint32_t)k;
  og.ne++;
  return 0;
}

static void old_roots(PyObject *d, const char *unused) {
  Py_ssize_t pos = 0;
  PyObject *k, *v;
  while (PyDict_Next(d, &pos, &k, &v))
    if (!born_id(v, NULL)) old_node(v);
}

static void old_holders_write(void) {
  memset(&og, 0, sizeof og);
  PyObject *mods = PyImport_GetModuleDict();             /* borrowed */
  PyObject *snap = mods ? PyDict_Values(mods) : NULL;
  for (Py_ssize_t i = 0; snap && i < PyList_GET_SIZE(snap); i++)
    if (PyModule_Check(PyList_GET_ITEM(snap, i)))
      rec_map_put(&og.skip, (uintptr_t)PyModule_GetDict(PyList_GET_ITEM(snap, i)), 1);
  Py_XDECREF(snap);
  user_modules_each(old_roots);
  for (og.cur = 0; og.cur < og.n; og.cur++) {
    PyObject *op = og.nodes[og.cur];
    traverseproc tr = Py_TYPE(op)->tp_traverse;
    if (tr) tr(op, old_visit, NULL);
  }
  /* A holder of a holder is one too: until nothing changes (paths are short). */
  for (int changed = 1; changed;) {
    changed = 0;
    for (size_t e = og.ne; e-- > 0;)
      if (og.need[og.edges[e][1]] && !og.need[og.edges[e][0]]) {
        og.need[og.edges[e][0]] = 1;
        changed = 1;
      }
  }
  for (size_t i = 0; i < og.n; i++)
    if (og.need[i]) rec_obj_diff(rec_obj_see(og.nodes[i]), REC_DIFF_FULL, NULL);
  rec_map_reset(&og.idx);
  rec_map_reset(&og.skip);
  hr_free(og.nodes);
  hr_free(og.need);
  hr_free(og.edges);
  memset(&og, 0, sizeof og);
}

/* Dict keys the program made get their short value, so paths read value['k']. */
static void key_values(void) {
  rec_map done = {0};
  rec_amap_iter it = {0};
  uintptr_t key, val;
  while (rec_amap_next(&rec_g.objs, &it, &key, &val)) {
    rec_obj *o = (rec_obj *)val;
    if (o->sh == NULL || o->sh->kind != REC_SH_DICT) continue;
    for (size_t k = 0; k < o->sh->np; k++) {
      rec_obj *ko = rec_obj_find(o->sh->pairs[k].key.op);
      if (ko == NULL || ko->id != o->sh->pairs[k].key.id || !ko->alloc ||
          rec_map_get(&done, (uintptr_t)ko->id))
        continue;
      uint64_t v = rec_value_id(ko->op);
      if (v) rec_emit(TRC_EV_VALUE, ko->id, v, 0, 0);
      rec_map_put(&done, (uintptr_t)ko->id, 1);   /* one value event each */
    }
  }
  rec_map_reset(&done);
}

/* The tracked objects' reference counts as CPython has them (an alloc
** says one, a track nothing) and the names of the classes, functions and
** modules the program made, so `state` and `render` at the end read as on
** a full trace. Counts of 1 after an alloc need no event. */
static void counts_and_names(void) {
  rec_amap_iter it = {0};
  uintptr_t key, val;
  while (rec_amap_next(&rec_g.objs, &it, &key, &val)) {
    rec_obj *o = (rec_obj *)val;
    Py_ssize_t rc = Py_REFCNT(o->op);
    if (!o->alloc || rc != 1) rec_emit(TRC_EV_INCREF, o->id, (uint64_t)rc, 0, 0);
    o->rc = rc;
    if (!o->alloc || !(PyType_Check(o->op) || PyFunction_Check(o->op) || PyModule_Check(o->op)))
      continue;
    uint64_t v = rec_value_id(o->op);
    if (v) rec_emit(TRC_EV_VALUE, o->id, v, 0, 0);
  }
}

void rec_agraph_write(int (*type_ok)(PyTypeObject *tp)) {
  PyObject *et, *ev, *tb;
  PyErr_Fetch(&et, &ev, &tb);
  memset(&g, 0, sizeof g);
  g.type_ok = type_ok;
  rec_g.busy = 1;
  /* The hooks are off: a collection now would free objects the table still
  ** lists. */
  int gc_was = PyGC_Disable();
  if (rec_objects_init() != HR_OK) PyErr_Clear();
  rec_g.born_lookup = born_lookup;
  sort_blocks();
  user_modules_each(module_frame);    /* the roots */
  old_holders_write();
  rec_objects_end();
  seqs_write();
  key_values();
  counts_and_names();
  rec_cand_flush();
  rec_g.born_lookup = NULL;
  if (gc_was) PyGC_Enable();
  hr_free(g.seqs);
  hr_free(g.ids);
  memset(&g, 0, sizeof g);
  PyErr_Restore(et, ev, tb);
  rec_g.busy = 0;
}
