/* rec_ahooks.c — alloc mode's allocator hooks: blocks, births, frees, bytes (rec_ahooks.h). */
#include "rec_ahooks.h"

#include <link.h>
#include <string.h>

#include "internal/pycore_interp.h"
#include "internal/pycore_object.h"
#include "internal/pycore_pystate.h"

#include "hr_mem.h"
#include "hr_status.h"
#include "rec_ablock.h"
#include "rec_allocmode.h"
#include "rec_astack.h"
#include "rec_freelists.h"
#include "rec_hooks.h"
#include "rec_ptm.h"

/* ---- state ---------------------------------------------------------------- */

#define EXC_QUEUE 64

/* Protected by the GIL, except the RAW domain's map (raw, under
** rec_hooks_lock) and the byte counters, which are updated atomically. The MEM and OBJ blocks
** are in rec_ablock.h's table. */
static struct {
  int on;                  /* begun and not halted */
  rec_map raw;             /* RAW domain block -> size; rec_hooks_lock */
  int64_t cur;             /* MEM and OBJ bytes now (GIL) */
  int64_t cur_raw;         /* RAW bytes now (atomic: RAW calls come without the GIL) */
  int64_t hi;              /* highest total since the last mem event (relaxed atomic) */
  int64_t last_cur;        /* bytes in the last mem event */
  int64_t last_hi;         /* highest bytes a mem event has reported */
  uintptr_t pend;          /* the OBJ block handed out last, not looked at yet */
  uint64_t *pend_slot;     /* its word: no block is added or removed before resolve */
  uint64_t pend_stack;
  int pend_gc;             /* the collector was running when it was handed out */
  const int *collecting;   /* the interpreter's gc.collecting */
  uintptr_t held;          /* a block handed out just before a collection began */
  uint64_t held_stack;     /* (its header is written once the collection is over) */
  uint64_t site;           /* stack of the last site event */
  rec_map types;           /* type objects known to be types -> 1 */
  struct tcache { PyTypeObject *tp; uint64_t tid; } tcache[256];  /* known types, direct-mapped */
  int segs_stale;          /* a module was made: shared objects may have been loaded */
  struct seg { uintptr_t lo, hi; } *segs;   /* writable segments of loaded objects */
  size_t nsegs;
  uint64_t exc_id[EXC_QUEUE];  /* exceptions made, waiting for their event */
  uintptr_t exc_op[EXC_QUEUE];  /* each held by a reference */
  int nexc, exc_queued;
  uintptr_t gc_head0;      /* the collector's generation 0 list head */
  PyThreadState *last_ts;  /* the thread that allocated last, and its id */
  uint64_t last_tid;
  rec_map threads;         /* thread id -> 1 registered, 2 named */
  int threads_queued;      /* a pending call will name new threads */
  int unhooked;            /* the hooks were found out of the allocator chain */
} g;

/* ---- byte counts and mem events ------------------------------------------------ */

/* Bytes of a MEM or OBJ block (the GIL held): no atomic read-modify-write. */
static inline void bytes_add(int64_t n) {
  int64_t mine = g.cur + n;              /* only GIL holders write it */
  __atomic_store_n(&g.cur, mine, __ATOMIC_RELAXED);
  int64_t now = mine + __atomic_load_n(&g.cur_raw, __ATOMIC_RELAXED);
  if (now > __atomic_load_n(&g.hi, __ATOMIC_RELAXED)) __atomic_store_n(&g.hi, now, __ATOMIC_RELAXED);
}

/* Bytes of a RAW block, from any thread. A high water mark raced by two
** threads may come out a little low, never higher than was true. */
static inline void bytes_add_raw(int64_t n) {
  int64_t now = __atomic_add_fetch(&g.cur_raw, n, __ATOMIC_RELAXED) +
                __atomic_load_n(&g.cur, __ATOMIC_RELAXED);
  if (now > __atomic_load_n(&g.hi, __ATOMIC_RELAXED)) __atomic_store_n(&g.hi, now, __ATOMIC_RELAXED);
}

/* Bytes an extension reported (rec_ptm.c), from any thread, like RAW's. */
static void bytes_ext(int64_t n) {
  bytes_add_raw(n);
}

static inline int64_t bytes_now(void) {
  return g.cur + __atomic_load_n(&g.cur_raw, __ATOMIC_RELAXED);
}

static void mem_emit(void) {
  int64_t cur = bytes_now();
  int64_t hi = __atomic_load_n(&g.hi, __ATOMIC_RELAXED);
  if (hi < cur) hi = cur;
  if (cur == g.last_cur && hi == cur) return;
  rec_emit(TRC_EV_MEM, (uint64_t)(cur < 0 ? 0 : cur), (uint64_t)(hi < 0 ? 0 : hi), 0, 0);
  g.last_cur = cur;
  if (hi > g.last_hi) g.last_hi = hi;
  __atomic_store_n(&g.hi, cur, __ATOMIC_RELAXED);
}

/* Memory is about to fall: when it stands at a new high, say so first, so
** the peak is placed just before the first free after it. Small gains over
** the last reported high wait for the next one (a growing heap that frees as
** it goes would otherwise make a mem event per free). */
static inline void mem_before_drop(void) {
  int64_t hi = __atomic_load_n(&g.hi, __ATOMIC_RELAXED);
  if (hi > g.last_hi + g.last_hi / 1024 + 4096) mem_emit();
}

/* The drained free lists' blocks a plain run would hold (rec_freelists.h):
** a drop (a full collection cleared the lists) says the high first. */
static void bytes_freelists(int64_t n, int drop) {
  if (drop) mem_before_drop();
  bytes_add(n);
}

/* At a site change: keep the memory curve when it moved noticeably. */
static inline void mem_on_site(void) {
  int64_t cur = bytes_now(), d = cur - g.last_cur;
  if (d < 0) d = -d;
  if (d > (int64_t)(256 << 10) + g.last_cur / 64) mem_emit();
}

/* ---- types ------------------------------------------------------------------------ */

static int segs_cb(struct dl_phdr_info *info, size_t sz, void *unused) {
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W)) continue;
    struct seg *ns = hr_realloc(g.segs, (g.nsegs + 1) * sizeof *ns);
    if (ns == NULL) return 1;
    g.segs = ns;
    g.segs[g.nsegs].lo = info->dlpi_addr + ph->p_vaddr;
    g.segs[g.nsegs].hi = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
    g.nsegs++;
  }
  return 0;
}

static void segs_load(void) {
  g.nsegs = 0;
  dl_iterate_phdr(segs_cb, NULL);
  g.segs_stale = 0;
}

static int in_segs(uintptr_t p, size_t n) {
  for (size_t i = 0; i < g.nsegs; i++)
    if (p >= g.segs[i].lo && p < g.segs[i].hi && n <= g.segs[i].hi - p) return 1;  /* p + n may wrap */
  return 0;
}

/* Is tp a type object? Heap types are learnt as they are made (their block
** is an object of a metatype) and static types from object's subclasses at
** the start; a static type of an extension loaded later is checked in place,
** reading it only when it lies inside a loaded object's writable segment. */
static inline struct tcache *tcache_of(PyTypeObject *tp) {
  return &g.tcache[((uintptr_t)tp >> 6) & 255];
}

static __attribute__((noinline)) int type_known_slow(PyTypeObject *tp, struct tcache *tc) {
  if (tp == NULL || ((uintptr_t)tp & 7) != 0) return 0;
  if (rec_map_get(&g.types, (uintptr_t)tp)) {
    tc->tp = tp;
    tc->tid = 0;
    return 1;
  }
  if (!in_segs((uintptr_t)tp, sizeof *tp)) {
    if (!g.segs_stale) return 0;
    segs_load();
    if (!in_segs((uintptr_t)tp, sizeof *tp)) return 0;
  }
  /* Its type must be a metatype, not any known type: a compiler block that
  ** points at one of the static one-byte bytes objects has bytes there. */
  PyTypeObject *meta = ((PyObject *)tp)->ob_type;
  if (meta == NULL) return 0;       /* rec_map's keys are never 0 */
  if (meta != &PyType_Type &&
      !(rec_map_get(&g.types, (uintptr_t)meta) && (meta->tp_flags & Py_TPFLAGS_TYPE_SUBCLASS)))
    return 0;
  if (!(tp->tp_flags & Py_TPFLAGS_READY) || tp->tp_name == NULL) return 0;
  rec_map_put(&g.types, (uintptr_t)tp, 1);
  tc->tp = tp;
  tc->tid = 0;
  return 1;
}

static inline int type_known(PyTypeObject *tp) {
  struct tcache *tc = tcache_of(tp);
  if (tc->tp == tp && tp != NULL) return 1;
  return type_known_slow(tp, tc);
}

static void types_learn(PyTypeObject *tp, int depth) {
  if (depth > 64 || rec_map_put(&g.types, (uintptr_t)tp, 1) != HR_OK) return;
  /* type.__subclasses__(tp): tp.__subclasses__() on `type` itself finds the
  ** unbound method, so the metaclasses (ABCMeta, EnumType) and every class
  ** they made before recording would stay unknown, and their instances unborn. */
  PyObject *subs = PyObject_CallMethod((PyObject *)&PyType_Type, "__subclasses__", "O", (PyObject *)tp);
  if (subs == NULL) {
    PyErr_Clear();
    return;
  }
  for (Py_ssize_t i = 0; PyList_Check(subs) && i < PyList_GET_SIZE(subs); i++) {
    PyTypeObject *s = (PyTypeObject *)PyList_GET_ITEM(subs, i);
    if (!rec_map_get(&g.types, (uintptr_t)s)) types_learn(s, depth + 1);
  }
  Py_DECREF(subs);
}

/* ---- exceptions --------------------------------------------------------------------- */

/* An exception's message as str() would give it, when that needs no Python
** code: BaseException's own __init__ and __str__, and no argument or one
** str. Then args is final by the time the block is looked at (the next
** allocator call after the object was set up). */
static int exc_message_now(PyObject *op, uint64_t *msid) {
  static PyTypeObject *base;
  if (base == NULL) base = (PyTypeObject *)PyExc_BaseException;
  PyTypeObject *tp = Py_TYPE(op);
  PyObject *args = ((PyBaseExceptionObject *)op)->args;
  if (tp->tp_str != base->tp_str || tp->tp_init != base->tp_init || args == NULL ||
      !PyTuple_CheckExact(args) || PyTuple_GET_SIZE(args) > 1)
    return 0;
  if (PyTuple_GET_SIZE(args) == 0) {
    *msid = rec_cstr_id("");
    return 1;
  }
  PyObject *a = PyTuple_GET_ITEM(args, 0);
  if (!PyUnicode_CheckExact(a)) return 0;
  *msid = rec_str_id(a);
  return *msid != 0;
}

/* A pending call (run by the interpreter between instructions, with the
** GIL) turns the other exceptions into events: their message needs str(),
** which must not run inside an allocator. Each queued exception is held by
** a reference until then, so one the program drops at once is not missed. */
static int exc_flush(void *unused) {
  g.exc_queued = 0;
  int n = g.nexc;
  g.nexc = 0;
  int rec = g.on;
  PyObject *et, *ev, *tb;
  PyErr_Fetch(&et, &ev, &tb);
  int reent = rec_hooks_reent;
  rec_hooks_reent = 0;
  for (int i = 0; i < n; i++) {
    PyObject *op = (PyObject *)g.exc_op[i];
    if (rec) {
      uint64_t tsid = rec_cstr_id(_PyType_Name(Py_TYPE(op)));
      /* args NULL: a constructor that failed half way; str() would crash. */
      PyObject *s = ((PyBaseExceptionObject *)op)->args ? PyObject_Str(op) : NULL;
      uint64_t msid = s ? rec_str_id(s) : rec_cstr_id("");
      Py_XDECREF(s);
      PyErr_Clear();
      rec_emit(TRC_EV_EXCEPTION, tsid, msid, TRC_EXC_RAISED, g.exc_id[i]);
    }
    Py_DECREF(op);
  }
  rec_hooks_reent = reent;
  PyErr_Restore(et, ev, tb);
  return 0;
}

static void exc_made(PyObject *op, uint64_t id) {
  uint64_t msid;
  if (exc_message_now(op, &msid)) {
    rec_emit(TRC_EV_EXCEPTION, rec_cstr_id(_PyType_Name(Py_TYPE(op))), msid, TRC_EXC_RAISED, id);
    return;
  }
  if (g.nexc == EXC_QUEUE || Py_REFCNT(op) <= 0) {
    /* A burst the pending call has not caught up with, or an exception
    ** dying before any other allocation: the type at least. */
    rec_emit(TRC_EV_EXCEPTION, rec_cstr_id(_PyType_Name(Py_TYPE(op))), rec_cstr_id(""),
             TRC_EXC_RAISED, id);
    return;
  }
  Py_INCREF(op);
  g.exc_op[g.nexc] = (uintptr_t)op;
  g.exc_id[g.nexc] = id;
  g.nexc++;
  if (!g.exc_queued && Py_AddPendingCall(exc_flush, NULL) == 0) g.exc_queued = 1;
}

/* ---- threads ------------------------------------------------------------------- */

/* Names for the threads registered unnamed, from threading's table of live
** threads: a pending call, since it reads Python objects. */
static int threads_name(void *unused) {
  g.threads_queued = 0;
  if (!rec_allocmode_on()) return 0;
  PyObject *et, *ev, *tb;
  PyErr_Fetch(&et, &ev, &tb);
  int reent = rec_hooks_reent;
  rec_hooks_reent = 1;       /* nothing here is the program's */
  PyObject *mods = PyImport_GetModuleDict();                      /* borrowed */
  PyObject *mod = mods ? PyDict_GetItemString(mods, "threading") : NULL;  /* borrowed */
  PyObject *active = mod ? PyObject_GetAttrString(mod, "_active") : NULL;
  Py_ssize_t pos = 0;
  PyObject *k, *v;
  while (active && PyDict_Check(active) && PyDict_Next(active, &pos, &k, &v)) {
    uint64_t tid = PyLong_Check(k) ? PyLong_AsUnsignedLongLong(k) : 0;
    uintptr_t *st = tid ? rec_map_get(&g.threads, (uintptr_t)tid) : NULL;
    if (st == NULL || *st == 2) continue;
    PyObject *name = PyObject_GetAttrString(v, "name");
    PyObject *native = PyObject_GetAttrString(v, "native_id");
    if (name && PyUnicode_Check(name)) {
      uint64_t nid = native && PyLong_Check(native) ? PyLong_AsUnsignedLongLong(native) : 0;
      trc_writer_thread(rec_g.w, tid, rec_str_id(name), nid);
      *st = 2;
    }
    Py_XDECREF(name);
    Py_XDECREF(native);
    PyErr_Clear();
  }
  Py_XDECREF(active);
  PyErr_Clear();
  rec_hooks_reent = reent;
  PyErr_Restore(et, ev, tb);
  return 0;
}

static __attribute__((noinline)) void thread_new(PyThreadState *ts) {
  g.last_ts = ts;
  g.last_tid = (uint64_t)ts->thread_id;
  if (g.last_tid == 0 || rec_map_get(&g.threads, (uintptr_t)g.last_tid)) return;
  if (rec_map_put(&g.threads, (uintptr_t)g.last_tid, 1) != HR_OK) return;
  trc_writer_thread(rec_g.w, g.last_tid, rec_cstr_id("Thread"), (uint64_t)ts->native_thread_id);
  if (!g.threads_queued && Py_AddPendingCall(threads_name, NULL) == 0) g.threads_queued = 1;
}

/* The allocating thread (ts, borrowed) is in the threads table (named later). */
static inline void thread_seen(PyThreadState *ts) {
  if (ts != NULL && (ts != g.last_ts || (uint64_t)ts->thread_id != g.last_tid)) thread_new(ts);
}

/* ---- object blocks --------------------------------------------------------------- */

/* Block b of n bytes holds an object at offset off: a header with a
** plausible count and a known type whose pre-header puts the object there. */
static inline __attribute__((always_inline)) int object_at(uintptr_t b, size_t n, size_t off) {
  PyObject *op = (PyObject *)(b + off);
  /* 0: an object already being deallocated, with no hook call since its
  ** block was handed out; it is still born, and dies at its block's free.
  ** Negative counts fail the unsigned test too. */
  if ((uint64_t)op->ob_refcnt > ((uint64_t)1 << 40)) return 0;
  PyTypeObject *tp = op->ob_type;
  /* A zeroed or misaligned word (a GC header not linked yet, or no
  ** object at all) is no type: no call for it. */
  if (tp == NULL || ((uintptr_t)tp & 7) != 0) return 0;
  struct tcache *tc = tcache_of(tp);
  if (tc->tp != tp && !type_known_slow(tp, tc)) return 0;
  /* An exact str is compact: a header and its characters, often less
  ** than tp_basicsize (the size of a legacy string). */
  size_t need = tp == &PyUnicode_Type ? sizeof(PyASCIIObject) + 1 : (size_t)tp->tp_basicsize;
  return _PyType_PreHeaderSize(tp) == off && need + off <= n;
}

/* The object block b of n bytes holds, or NULL: the first offset a
** pre-header can put it at that fits. */
static inline __attribute__((always_inline)) PyObject *block_object(uintptr_t b, size_t n) {
  enum { GC = sizeof(PyGC_Head), DICT = GC + 2 * sizeof(PyObject *) };
  if (n < sizeof(PyObject)) return NULL;
  /* The GC object tracked last: its header's next link is generation 0's
  ** list head, a static address that passes for a count. */
  if ((uintptr_t)((PyObject *)b)->ob_refcnt != g.gc_head0 && object_at(b, n, 0))
    return (PyObject *)b;
  if (n < GC + sizeof(PyObject)) return NULL;
  if (object_at(b, n, GC)) return (PyObject *)(b + GC);
  if (n < DICT + sizeof(PyObject)) return NULL;
  if (object_at(b, n, DICT)) return (PyObject *)(b + DICT);
  return NULL;
}

static __attribute__((noinline)) PyObject *block_object_call(uintptr_t b, size_t n) {
  return block_object(b, n);
}

/* The allocation site changed: a site event (and the memory curve). */
static __attribute__((noinline)) void site_changed(uint64_t stack) {
  /* The first site: what start-up reached (compiling the script) is said
  ** at step 0, where `peak` leaves it, as in a full trace. */
  if (rec_g.step == 0) mem_emit();
  else mem_on_site();
  rec_g.step++;
  rec_emit(TRC_EV_SITE, stack, 0, 0, 0);
  g.site = stack;
}

/* The type id of tp, not in the type cache yet. */
static __attribute__((noinline)) uint64_t type_id_slow(PyTypeObject *tp, struct tcache *tc) {
  uint64_t tid = rec_type_id(tp);
  if (tc->tp == tp) tc->tid = tid;
  return tid;
}

/* The new object is a type, a module or an exception. */
static __attribute__((noinline)) void born_special(PyTypeObject *tp, PyObject *op, uint64_t id) {
  if (tp->tp_flags & Py_TPFLAGS_TYPE_SUBCLASS) rec_map_put(&g.types, (uintptr_t)op, 1);
  else if (tp == &PyModule_Type) g.segs_stale = 1;
  else exc_made(op, id);
}

/* Block p (word *slot, n bytes) holds op, born with the given stack. The
** common case (same site, a cached type, an ordinary object) stays here;
** the rest is out of line. */
static inline void object_born(uintptr_t p, uint64_t *slot, size_t n, PyObject *op,
                               uint64_t stack) {
  PyTypeObject *tp = Py_TYPE(op);
  uint64_t id = rec_g.next_obj++;
  uint64_t w = *slot | ((id << REC_AB_ID_SHIFT) & REC_AB_ID_MASK) |
               ((uint64_t)(((uintptr_t)op - p) / 16) << REC_AB_OFF_SHIFT);
  unsigned long fl = tp->tp_flags;
  if (fl & Py_TPFLAGS_TYPE_SUBCLASS) w |= REC_AB_TYPE;
  *slot = w;
  if (stack != g.site) site_changed(stack);
  struct tcache *tc = tcache_of(tp);
  uint64_t tid = tc->tp == tp && tc->tid ? tc->tid : type_id_slow(tp, tc);
  /* An int's size is what sys.getsizeof says, as a full trace has it: most
  ** come from fixed 32-byte blocks. Its digits are set by now and it never
  ** changes, so the end of the run need not say it again for every one. */
  size_t sz = n;
  if (tp == &PyLong_Type) sz = rec_int_size(op);
  rec_emit(TRC_EV_ALLOC, id, tid, sz, (uint64_t)(uintptr_t)op);
  if (rec_freelists_held) rec_freelists_born(tp, op);
  if ((fl & (Py_TPFLAGS_TYPE_SUBCLASS | Py_TPFLAGS_BASE_EXC_SUBCLASS)) || tp == &PyModule_Type)
    born_special(tp, op, id);
}

/* Look at block p (word *slot, NULL: none) handed out with the given stack. */
static void resolve_block(uintptr_t p, uint64_t *slot, uint64_t stack) {
  if (slot == NULL || *slot == 0 || rec_ab_id(*slot)) return;
  size_t n = rec_ablock_size(p, *slot);
  PyObject *op = block_object(p, n);
  if (op) object_born(p, slot, n, op, stack);
}

/* Look at the held block: its collection is over, or it is being freed or
** moved (then its object, if any, is whole: a collection gc.collect() began
** frees it, never the one a GC object's allocation began). Its slot is found
** again, blocks came and went since. */
static __attribute__((noinline)) void held_going(void) {
  uintptr_t h = g.held;
  g.held = 0;
  resolve_block(h, rec_ablock_find(h), g.held_stack);
}

/* Look at the block handed out last: by now its object header, if any, is
** set. Except when a collection began since: CPython 3.11 runs one inside
** _PyObject_GC_Link, after the block of a GC object is handed out and
** before its type and count are written, and the collector's own
** allocations (the gc.callbacks' info dict, finalizers) come here first.
** The block then still holds whatever its last occupant left: a header
** read now misses the object, or finds a dead one at another offset (the
** end-of-run graph then reads the live object through that wrong header).
** Such a block is held until the collection is over. Out of line: the
** hooks only test g.pend and g.held. */
static __attribute__((noinline)) void resolve_pending(void) {
  int gc_now = *g.collecting;
  if (g.held && !gc_now) held_going();
  uintptr_t p = g.pend;
  if (p == 0) return;
  g.pend = 0;
  if (gc_now && !g.pend_gc) {
    /* A block still held from the last collection (no hook ran between
    ** its end and this one's start) has its header by now. */
    if (g.held) held_going();
    g.held = p;
    g.held_stack = g.pend_stack;
    return;
  }
  resolve_block(p, g.pend_slot, g.pend_stack);
}

static inline void resolve(void) {
  if (g.pend | g.held) resolve_pending();
}

/* Block p with word w is gone. */
static void block_gone(uintptr_t p, uint64_t w) {
  uint64_t id = rec_ab_id(w);
  if (!id) return;
  rec_emit(TRC_EV_FREE, id, rec_g.in_gc ? TRC_FREE_GC : 0, 0, 0);
  if (w & REC_AB_TYPE) {
    PyTypeObject *tp = (PyTypeObject *)(p + rec_ab_off(w));
    rec_map_del(&g.types, (uintptr_t)tp, NULL);
    if (tcache_of(tp)->tp == tp) tcache_of(tp)->tp = NULL;
  }
}

/* ---- the hooks ------------------------------------------------------------------------ */

/* The hooks are made per domain (the domain a constant in each), so the
** OBJ and MEM paths carry no test of it and RAW's lock stays out of them. */
#define HOT static inline __attribute__((always_inline))

/* The OBJ block p (word *slot) was handed out now: note it, its stack and thread. */
HOT void pend_set(uintptr_t p, uint64_t *slot) {
  PyThreadState *ts = _PyThreadState_GET();
  g.pend = p;
  g.pend_slot = slot;
  g.pend_stack = rec_astack_of(ts);
  g.pend_gc = *g.collecting;
  thread_seen(ts);
}

static __attribute__((noinline)) void got_raw_block(void *p, size_t n) {
  rec_hooks_lock();
  int ok = rec_map_put(&g.raw, (uintptr_t)p, n) == HR_OK;
  rec_hooks_unlock();
  if (ok) bytes_add_raw((int64_t)n);
}

HOT void got_block(int dom, void *p, size_t n) {
  if (dom == PYMEM_DOMAIN_RAW) {
    got_raw_block(p, n);
    return;
  }
  uint64_t *slot = rec_ablock_add((uintptr_t)p, n);
  if (slot == NULL) return;
  bytes_add((int64_t)n);
  if (dom == PYMEM_DOMAIN_OBJ) pend_set((uintptr_t)p, slot);
}

static __attribute__((noinline)) uint64_t lost_raw_block(void *p, size_t *size) {
  uintptr_t n;
  rec_hooks_lock();
  int had = rec_map_del(&g.raw, (uintptr_t)p, &n);
  rec_hooks_unlock();
  if (!had) return 0;
  bytes_add_raw(-(int64_t)n);
  *size = n;
  return REC_AB_PRESENT;
}

/* Block p is going: its word (0: not followed; RAW blocks have no object)
** and size, with the byte count lowered. */
HOT uint64_t lost_block(int dom, void *p, size_t *size) {
  if (dom == PYMEM_DOMAIN_RAW) return lost_raw_block(p, size);
  if (__builtin_expect((uintptr_t)p == g.held, 0)) held_going();
  uint64_t w = rec_ablock_del((uintptr_t)p, size);
  if (!w) return 0;
  mem_before_drop();
  bytes_add(-(int64_t)*size);
  return w;
}

/* A realloc of a MEM or OBJ block (the GIL held): the old block's word w
** and size (w 0: not followed) become the new block's. */
static void realloc_moved(int dom, void *ptr, uint64_t w, size_t old_size, void *p, size_t n) {
  uint64_t *slot = rec_ablock_add((uintptr_t)p, n);
  if (slot == NULL) {
    block_gone((uintptr_t)ptr, w);
    return;
  }
  bytes_add((int64_t)n);
  uint64_t id = rec_ab_id(w);
  if (id && p == ptr) {
    /* resized in place: the same object */
    *slot |= w & (REC_AB_ID_MASK | REC_AB_TYPE | ((uint64_t)3 << REC_AB_OFF_SHIFT));
    if (n != old_size) rec_emit(TRC_EV_RESIZE, id, n, 0, 0);
  } else if (id) {
    block_gone((uintptr_t)ptr, w);           /* moved: a new block, a new object */
    PyObject *op = block_object_call((uintptr_t)p, n);
    if (op) object_born((uintptr_t)p, slot, n, op, rec_astack_now());
  } else if (ptr == NULL && dom == PYMEM_DOMAIN_OBJ) {
    pend_set((uintptr_t)p, slot);
  }
}

/* A MEM or OBJ call: the block handed out last has its header by now. */
HOT void any_enter(int dom) {
  if (dom != PYMEM_DOMAIN_RAW) resolve();
}

/* A MEM or OBJ block about to be freed (RAW blocks hold no object). */
HOT void any_freed(int dom, void *ptr, uint64_t w) {
  if (dom == PYMEM_DOMAIN_RAW) return;
  /* A code object's header is still whole until the block is freed (a
  ** realloc'd block is never one: code objects do not change size). */
  if (rec_ab_id(w) && Py_IS_TYPE((PyObject *)((uintptr_t)ptr + rec_ab_off(w)), &PyCode_Type))
    rec_astack_code_gone();
  block_gone((uintptr_t)ptr, w);
}

HOT void any_moved(int dom, void *ptr, uint64_t w, size_t old_size, void *p, size_t n) {
  if (dom == PYMEM_DOMAIN_RAW) got_block(dom, p, n);
  else realloc_moved(dom, ptr, w, old_size, p, n);
}

/* A failed realloc: the old block stays, with its word. */
HOT void any_kept(int dom, void *ptr, uint64_t w, size_t old_size) {
  if (dom == PYMEM_DOMAIN_RAW) {
    got_block(dom, ptr, old_size);
    return;
  }
  uint64_t *slot = rec_ablock_add((uintptr_t)ptr, old_size);
  if (slot) *slot = w, bytes_add((int64_t)old_size);
}

static const rec_hook_ops k_alloc_ops = {any_enter, got_block, lost_block, any_freed,
                                         any_moved, any_kept};
REC_HOOKS_DEFINE(k_alloc_hooks, k_alloc_ops);
#undef HOT

/* ---- free lists ------------------------------------------------------------------------ */

/* CPython keeps dead list, tuple, dict and float objects for reuse, and
** one slice: each is given back to the allocator once its type's
** deallocator ran (rec_freelists.c), so the next one is born through it;
** the byte count keeps what a plain run's lists would hold. */

/* A type dies: its address leaves the known types, so an object later
** made there is not taken for one. */
static void type_died(PyTypeObject *tp) {
  rec_map_del(&g.types, (uintptr_t)tp, NULL);
  struct tcache *tc = tcache_of(tp);
  if (tc->tp == tp) tc->tp = NULL;
}

/* While paused the known types are kept up to date all the same. */
static const rec_death_ops k_paused_ops = {NULL, NULL, type_died};

static int freelists_wrap(void) {
  static const rec_death_ops ops = {NULL, rec_freelists_freed, type_died};
  static PyTypeObject *const types[] = {&PyList_Type, &PyTuple_Type, &PyDict_Type, &PyFloat_Type,
                                         &PySlice_Type};
  rec_freelists_drain_keys();
  rec_freelists_drain();
  int rc = rec_death_init();
  for (size_t i = 0; rc == HR_OK && i < sizeof types / sizeof types[0]; i++)
    rc = rec_dealloc_wrap(types[i]);
  rec_death_set(&ops);
  return rc;
}

static void freelists_unwrap(void) {
  rec_freelists_count(NULL);
  rec_death_set(&k_paused_ops);
  rec_dealloc_unwrap_all();
}

/* ---- begin, halt, reset ---------------------------------------------------------------- */

void rec_ahooks_init(void) {
  segs_load();
  g.gc_head0 = (uintptr_t)_PyInterpreterState_GET()->gc.generation0;
  g.collecting = &_PyInterpreterState_GET()->gc.collecting;
  g.pend = g.held = 0;
  PyThreadState *ts = PyThreadState_Get();
  trc_writer_thread(rec_g.w, (uint64_t)ts->thread_id, rec_cstr_id("MainThread"),
                    (uint64_t)ts->native_thread_id);
  rec_map_put(&g.threads, (uintptr_t)ts->thread_id, 2);
  g.last_cur = 0;
}

void rec_ahooks_begin(void) {
  types_learn(&PyBaseObject_Type, 0);   /* classes made while paused */
  rec_freelists_count(bytes_freelists);
  if (freelists_wrap() != HR_OK) PyErr_Clear();   /* the free lists then hide some births */
  if (rec_gc_start() != HR_OK) PyErr_Clear();
  rec_g.active = 1;
  g.on = 1;
  rec_hooks_install(&k_alloc_hooks);
  rec_ptm_count(bytes_ext);
}

void rec_ahooks_halt(void) {
  if (!g.on) return;
  /* With the hooks still on, so the frees of the exceptions it lets go are seen. */
  if (g.nexc) exc_flush(NULL);
  g.on = 0;
  threads_name(NULL);
  rec_hooks_reent = 1;
  resolve();
  rec_hooks_reent = 0;
  if (!rec_hooks_alive()) g.unhooked = 1;
  rec_hooks_remove();
  rec_ptm_count(NULL);
  freelists_unwrap();
  rec_gc_stop();
  mem_emit();
}

void rec_ahooks_settle(void) {
  rec_hooks_reent = 1;
  resolve();
  rec_hooks_reent = 0;
  mem_emit();
}

int rec_ahooks_type_known(PyTypeObject *tp) {
  return type_known(tp);
}

int rec_ahooks_unhooked(void) {
  return g.unhooked;
}

void rec_ahooks_reset(int counts) {
  g.on = 0;
  rec_hooks_remove();
  rec_ptm_count(NULL);
  g.unhooked = 0;
  freelists_unwrap();
  rec_gc_stop();
  rec_hooks_lock();
  rec_map_reset(&g.raw);
  rec_hooks_unlock();
  rec_map_reset(&g.types);
  memset(g.tcache, 0, sizeof g.tcache);
  rec_freelists_forget();
  rec_map_reset(&g.threads);
  g.last_ts = NULL;
  g.last_tid = 0;
  hr_free(g.segs);
  g.segs = NULL;
  g.nsegs = 0;
  if (!counts) return;
  g.cur = g.cur_raw = g.hi = g.last_cur = g.last_hi = 0;
  g.pend = 0;
  g.pend_slot = NULL;
  g.pend_stack = g.site = 0;
}
