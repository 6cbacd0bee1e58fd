/* rec_internal.h — state and functions shared by the recorder's own files. */
#ifndef REC_INTERNAL_H
#define REC_INTERNAL_H

#ifndef Py_BUILD_CORE
#define Py_BUILD_CORE 1
#endif
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>

#include "rec_death.h"
#include "rec_map.h"
#include "rec_tracer.h"
#include "trc_writer.h"

/* A slot's recorded content: a borrowed pointer and the trace id it had when
** recorded (the pointer may be dead by the time the slot is diffed). */
typedef struct rec_ref {
  PyObject *op;
  uint64_t id;
} rec_ref;

#include "rec_shadow.h"

/* A tracked object. */
typedef struct rec_obj {
  uint64_t id;
  PyObject *op;          /* borrowed; the dealloc wrapper removes it in time */
  Py_ssize_t rc;         /* reference count last recorded */
  size_t size;           /* sys.getsizeof last recorded (alloc, track or resize) */
  rec_shadow *sh;        /* container slots, NULL until shadowed */
  uint64_t cgen;         /* rec_g.cgen when last made a candidate */
  uint8_t alloc;         /* 1: born while recording */
  uint8_t cont;          /* 1: a container whose slots are recorded (rec_obj_is_container) */
} rec_obj;

/* A reference to a tracked object's record, valid while o->id == id:
** records live in slabs until the recording stops, and a freed record's id
** is 0, so checking one needs no map lookup. */
typedef struct rec_cand {
  rec_obj *o;
  uint64_t id;
} rec_cand;

/* A value-stack entry as recorded before an instruction. */
typedef struct rec_sref {
  PyObject *op;
  rec_obj *o;            /* NULL when op is not tracked */
  uint64_t id;
} rec_sref;

/* Everything below is protected by the GIL, except where noted. */
typedef struct rec_state {
  trc_writer *w;         /* borrowed from rec_main */
  rec_options opt;
  int active;            /* recording and observing */
  int paused;            /* between two regions of a full recording: hooks out, but the
                         ** deaths of tracked objects still recorded (rec_region.h) */
  int detail_full;       /* steps, binds and refcounts wanted */
  uint64_t step;         /* global step counter */
  uint64_t next_obj;     /* next object id */
  uint64_t next_frame;   /* next frame id */
  uint64_t stamp;        /* full-diff generation counter */
  uint64_t frees;        /* tracked objects freed so far */
  rec_amap objs;         /* object address -> rec_obj* */
  rec_map reborn;        /* addresses where an object died while recording */
  int in_gc;             /* inside a gc run */
  int busy;              /* re-entry guard: inside the recorder's own work */
  rec_cand *cand;        /* refcount candidates of the pending instruction */
  uint64_t cgen;         /* candidate generation: one per flush */
  size_t ncand, capcand;
  PyTypeObject *probe_heap_type; /* any Python class, to learn subtype_dealloc */
  /* When set (alloc mode's end-of-run graph): the id and size an object
  ** already has, so rec_obj_see adopts it rather than numbering it anew:
  ** 1 adopt, 2 adopt as a leaf (the caller writes its references), 0 none. */
  int (*born_lookup)(PyObject *op, uint64_t *id, size_t *size);
} rec_state;

extern rec_state rec_g;

static inline void rec_emit(int kind, uint64_t a, uint64_t b, uint64_t c, uint64_t d) {
  trc_writer_append_inline(rec_g.w, kind, rec_g.step, a, b, c, d);
}

/* rec_objects.c */
int rec_objects_init(void);
void rec_objects_fini(void);
/* The records found last, direct-mapped by address. An entry answers only
** while its record is alive (id != 0) and still for that address: a freed
** record has id 0, and a reused one another address. Reset with the slabs. */
#define REC_FIND_CACHE 1024
#define REC_FIND_SLOT(op) (((uintptr_t)(op) >> 4) & (REC_FIND_CACHE - 1))
/* The last records found, direct-mapped by address; written and read by the
** recorder's hooks and trace function under the GIL, emptied at the end. */
extern rec_obj *rec_find_cache[REC_FIND_CACHE];
rec_obj *rec_obj_find_slow(PyObject *op);
/* op's record when the find cache holds it, else NULL. */
static inline rec_obj *rec_obj_cached(PyObject *op) {
  rec_obj *o = rec_find_cache[REC_FIND_SLOT(op)];
  return o != NULL && o->op == op && o->id != 0 ? o : NULL;
}
static inline rec_obj *rec_obj_find(PyObject *op) {
  rec_obj *o = rec_obj_cached(op);
  return o != NULL ? o : rec_obj_find_slow(op);
}
rec_obj *rec_obj_see(PyObject *op);          /* track when new; NULL on failure */
rec_obj *rec_cell_see(PyObject *cell, uint64_t name); /* rec_obj_see, a new cell named `name` */
uint64_t rec_obj_id(PyObject *op);           /* id, tracking when new; 0 for NULL */
rec_obj *rec_obj_adopt(PyObject *op, uint64_t id, size_t size); /* alloc event written elsewhere */
/* What sys.getsizeof(op) says, without running a class's own __sizeof__
** (such an object gets its basic size). */
size_t rec_obj_size(PyObject *op);
/* sys.getsizeof of an exact int. */
static inline size_t rec_int_size(PyObject *op) {
  Py_ssize_t n = Py_SIZE(op);   /* 0 has one digit's room */
  n = n < 0 ? -n : n;
  return offsetof(PyLongObject, ob_digit) + (size_t)(n ? n : 1) * sizeof(digit);
}
void rec_cand_add(PyObject *op, uint64_t id);  /* check op's count if it is still that object */
/* Check o's count after this instruction. */
static inline void rec_cand_obj(rec_obj *o) {
  extern void rec_cand_push(rec_obj *o);
  if (o->cgen != rec_g.cgen) rec_cand_push(o);
}
void rec_cand_flush_all(void);
/* Record the counts of the candidates and start a new generation. Most
** instruction boundaries have none: no call then. */
static inline void rec_cand_flush(void) {
  if (rec_g.ncand != 0) rec_cand_flush_all();
  else rec_g.cgen++;
}
void rec_rc_record(rec_obj *o);              /* emit o's refcount change since last recorded */
/* Check o's count now, at an instruction boundary where nothing is in flux:
** a value-stack entry costs a compare, not a candidate push and a flush.
** Recording is idempotent, so an object checked twice emits once. */
static inline void rec_rc_check(rec_obj *o) {
  if (Py_REFCNT(o->op) != o->rc) rec_rc_record(o);
}
uint64_t rec_type_id(PyTypeObject *tp);
uint64_t rec_str_id(PyObject *s);            /* id of a str object's text */
uint64_t rec_cstr_id(const char *s);
void rec_objects_end(void);                  /* end of main: fill the graph */

/* rec_values.c */
uint64_t rec_value_id(PyObject *op);         /* string id of op's short value, 0: none */
int rec_value_int(PyObject *op, int64_t *v); /* 1: op is an exact int that fits, in *v */

/* rec_frames.c */
typedef struct rec_code rec_code;
typedef struct rec_frame rec_frame;

/* One recording thread. */
typedef struct rec_thread {
  PyThreadState *ts;
  uint64_t tid;
  rec_frame *cur;        /* innermost recorded frame running on it */
  rec_frame *pending;    /* frame whose instruction is in flight, or NULL */
  int op, oparg;         /* that instruction */
  int entered;           /* a recorded frame was entered during it */
  rec_sref *before;      /* its value stack before it ran */
  int nbefore, capbefore;
  uint64_t last_step;    /* the last step it ran */
} rec_thread;

/* One recorded frame (alive, or a suspended generator's). */
struct rec_frame {
  uint64_t id;
  PyFrameObject *fo;     /* borrowed; rec_frame_forget drops us when it dies */
  rec_code *cc;
  rec_frame *parent;     /* the calling recorded frame while running */
  rec_thread *th;
  rec_ref *slots;        /* fast locals, cells and free variables as recorded */
  int n;
  int cells;             /* some slot is a cell or a free variable (its code's) */
  uint64_t epoch;        /* rec_g.frees when the slots were last diffed */
  rec_obj *glob;         /* globals shadow (kind REC_SH_GLOBALS), shared */
  rec_obj *names;        /* a class body's namespace shadow (REC_SH_NAMES), owned */
  int last_line;         /* line of the previous step, and its location id (0: none) */
  uint64_t last_loc;
};
int rec_frames_init(void);
void rec_frames_fini(void);
int rec_code_is_user(PyCodeObject *co, PyObject *globals);
rec_frame *rec_frame_enter(rec_thread *th, PyFrameObject *f);
rec_frame *rec_frame_find(PyFrameObject *f);
void rec_frame_leave(rec_frame *fr, PyObject *retval, int suspended);
uint64_t rec_frame_loc_new(rec_frame *fr, int line);   /* rec_frame_loc's other lines */
/* The location id of line in fr's code. Inline: every step asks, and most
** stay on the previous step's line. */
static inline uint64_t rec_frame_loc(rec_frame *fr, int line) {
  if (fr->last_loc != 0 && fr->last_line == line) return fr->last_loc;
  return rec_frame_loc_new(fr, line);
}
void rec_frame_diff(rec_frame *fr, int op, int oparg);
void rec_frames_end(void);                   /* end of main: bind every slot */
/* A region ends: the recorded frames stay as they are (their ids and slots
** as last recorded), their f_trace_opcodes the program's again. */
void rec_frames_pause(void);
/* A return event for each recorded frame that has finished since (its
** object outlived it); the others go on. */
void rec_frames_reap(void);
/* A region starts: f, running on th, as the trace knows it (its slots
** compared anew), or entered with a call event when the trace does not. */
rec_frame *rec_frame_rejoin(rec_thread *th, PyFrameObject *f);
void rec_code_forget(PyObject *code);
void rec_frame_forget(PyObject *frame);
void rec_frames_globals_died(PyObject *dict);  /* a dict dies: drop its globals shadow */
int rec_frames_user_call(PyObject *callable);  /* a call that runs recorded code */

/* rec_blocks.c (functions rec_alloc_*) */
int rec_alloc_prepare(void);                 /* the block table; HR_OK or HR_ENOMEM */
int rec_alloc_start(void);                   /* install the allocator hooks */
void rec_alloc_stop(void);
int rec_alloc_born(PyObject *op);            /* block handed out while recording */
/* rec_alloc_born, and for an object made outside the regions the stack id
** its block was made with (rec_origin.h; 0: unknown) in *site. */
int rec_alloc_born_site(PyObject *op, uint64_t *site);
/* rec_origin.c's hold on the table: kept between regions (keep_old), made
** before the first one (open), given up at the end (close). */
extern int rec_alloc_keep_old;
int rec_alloc_table_open(void);
void rec_alloc_table_close(void);
void rec_alloc_emit_mem_now(int force);
/* Bytes now and the highest since the last mem event (rec_hooks_lock), and
** the bytes that event said (GIL). */
extern size_t rec_alloc_cur, rec_alloc_peak, rec_alloc_last_cur;
/* A transient rise of fewer bytes than this, with the count back where the
** last mem event left it, waits for the next mem event: the peak it carries
** is kept (so the highest count ever reached is exact), only its step may
** come later. CPython itself makes such blips while it is traced (a bound
** method object for each C method call it reports). */
#define REC_MEM_SLACK 1024
/* A mem event when the byte counts moved; force: even for a small carried
** peak. Inline: every step asks, and most change no count, which an
** unlocked peek tells. */
static inline void rec_alloc_emit_mem(int force) {
  size_t cur = __atomic_load_n(&rec_alloc_cur, __ATOMIC_RELAXED);
  if (cur == rec_alloc_last_cur &&
      __atomic_load_n(&rec_alloc_peak, __ATOMIC_RELAXED) - cur < REC_MEM_SLACK && !force)
    return;
  rec_alloc_emit_mem_now(force);
}
extern _Thread_local int rec_alloc_quiet;    /* the recorder's own blocks: not counted */
/* rec_gc.c */
int rec_gc_start(void);
void rec_gc_stop(void);

/* rec_tracer.c: a recorded thread runs another C trace function (a gap) */
void rec_tracer_slot_lost(PyThreadState *ts);
rec_thread *rec_tracer_thread(PyThreadState *ts);  /* ts's record, made (thread event) when new */

/* rec_chain.c: the program's sys.settrace behind the recorder's trace function */
int rec_chain_start(Py_tracefunc recorder);  /* patch sys.settrace; HR_OK or HR_EPYTHON */
void rec_chain_stop(void);
/* ts's trace slot: func and obj, as _PyEval_SetTrace sets them, no audit event */
void rec_chain_set_slot(PyThreadState *ts, Py_tracefunc func, PyObject *obj);
/* Hand ts's slot to the program: its function through CPython's trampoline. */
void rec_chain_release(PyThreadState *ts);
/* The recorder's function into ts's slot, the program's own (a Python
** function through the trampoline, or a C extension's) kept behind it. */
void rec_chain_take(PyThreadState *ts, Py_tracefunc recorder);
/* f's f_trace_opcodes, set while the recorder was not watching, is the program's. */
void rec_chain_adopt_opcodes(PyFrameObject *f);
/* Give event `what` to the program's trace function: a C extension's as it
** is, a Python one (self, ts's c_traceobj) as CPython's trampoline would;
** -1 with an exception when it raised. */
int rec_chain_call(PyThreadState *ts, PyObject *self, PyFrameObject *frame, int what,
                   PyObject *arg);
int rec_chain_has_cfunc(PyThreadState *ts);
extern size_t rec_chain_ncfuncs;                 /* threads running a C extension's function */
/* Whether ts runs a trace function of the program's. */
static inline int rec_chain_has(PyThreadState *ts) {
  return ts->c_traceobj != NULL || (rec_chain_ncfuncs != 0 && rec_chain_has_cfunc(ts));
}
int rec_chain_program_opcodes(PyFrameObject *f);  /* the program set f.f_trace_opcodes */
void rec_chain_frame_new(PyFrameObject *f);       /* f starts its code: the program's flag off */

/* rec_output.c */
int rec_output_start(void);                  /* record writes to sys.stdout / sys.stderr */
void rec_output_stop(void);

#endif /* REC_INTERNAL_H */
