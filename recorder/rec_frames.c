/* rec_frames.c — recorded frames: code classification, frame shadows, slot diffs. */
#include "rec_internal.h"

#include <string.h>

#include "internal/pycore_code.h"
#include "internal/pycore_frame.h"
#include "opcode.h"

#include "hr_mem.h"
#include "hr_status.h"

/* What the recorder knows about one code object. */
struct rec_code {
  PyCodeObject *code;    /* borrowed; rec_code_forget drops us when it dies */
  int user;              /* its frames are recorded */
  uint64_t file_sid, func_sid;
  uint64_t def_loc;      /* location of its first line */
  int n;                 /* co_nlocalsplus */
  uint64_t *names;       /* string id of each fast slot's name */
  uint8_t *kinds;        /* CO_FAST_* of each slot */
  int cells;             /* some slot is a cell or a free variable */
  uint64_t *locs;        /* location id by line - co_firstlineno, 0 = not yet */
  int nlocs;
};

static rec_map g_codes;      /* code address -> rec_code*; GIL */
static rec_map g_frames;     /* PyFrameObject address -> rec_frame*; GIL */
static rec_map g_globals;    /* globals dict address -> rec_obj* (REC_SH_GLOBALS); GIL */
static rec_map g_sources;    /* file string id -> 1 once its text is stored; GIL */
static char *g_stdlib[2];    /* path prefixes of the standard library (owned) */

/* Largest source file whose text goes into the trace. */
#define REC_SOURCE_MAX (16u << 20)

/* Store the text of a user file in the trace the first time one of its code
** objects runs, so `steps`, diagrams and the stepping page show the lines the
** program ran even where the file no longer exists. Files that cannot be read
** (`<string>`, `<stdin>`, removed since) are simply left out, except -c's
** code, the `<string>` run in __main__'s globals, whose text is known. */
static void source_store(const char *file, uint64_t sid, int in_main) {
  if (rec_map_get(&g_sources, sid) || rec_map_put(&g_sources, sid, 1) != HR_OK) return;
  if (in_main && rec_g.opt.command != NULL && strcmp(file, "<string>") == 0) {
    trc_writer_source(rec_g.w, sid, rec_g.opt.command, strlen(rec_g.opt.command));
    return;
  }
  FILE *fp = file[0] == '<' ? NULL : fopen(file, "rb");
  if (fp == NULL) return;
  char *text = NULL;
  size_t n = 0;
  if (fseek(fp, 0, SEEK_END) == 0) {
    long len = ftell(fp);
    if (len >= 0 && (unsigned long)len <= REC_SOURCE_MAX && fseek(fp, 0, SEEK_SET) == 0) {
      text = hr_malloc((size_t)len + 1);
      if (text) n = fread(text, 1, (size_t)len, fp);
    }
  }
  fclose(fp);
  if (text) trc_writer_source(rec_g.w, sid, text, n);
  hr_free(text);
}

static int prefix_of(const char *s, const char *p) {
  return p != NULL && p[0] && strncmp(s, p, strlen(p)) == 0;
}

static int file_is_user(const char *f) {
  if (rec_g.opt.all_frames) return 1;
  /* <frozen ...>, and <string> of code the standard library compiles and
  ** execs (namedtuple, dataclasses): no file of the program's. */
  if (f[0] == '<') return 0;
  if (strstr(f, "/site-packages/") || strstr(f, "/dist-packages/")) return 0;
  for (int i = 0; i < 2; i++)
    if (prefix_of(f, g_stdlib[i])) return 0;
  return 1;
}

/* code: is it recorded? globals: the frame's or function's, or NULL when
** the code is known already. The program's own module runs in __main__'s
** globals: its frames are recorded wherever its file is (a script in the
** standard library, -m json.tool, -m pytest's __main__, -c's "<string>"). */
static rec_code *code_get(PyCodeObject *co, PyObject *globals) {
  uintptr_t *v = rec_map_get(&g_codes, (uintptr_t)co);
  if (v) return (rec_code *)*v;
  rec_code *cc = hr_calloc(1, sizeof *cc);
  if (cc == NULL) return NULL;
  cc->code = co;
  const char *file = PyUnicode_AsUTF8(co->co_filename);
  if (file == NULL) {
    PyErr_Clear();
    file = "?";
  }
  int in_main = globals != NULL && (const void *)globals == rec_g.opt.main_globals;
  cc->user = in_main || file_is_user(file);
  if (cc->user) {
    cc->file_sid = rec_cstr_id(file);
    source_store(file, cc->file_sid, in_main);
    cc->func_sid = rec_str_id(co->co_qualname);
    cc->def_loc = trc_writer_location(rec_g.w, cc->file_sid, (uint32_t)co->co_firstlineno,
                                      cc->func_sid);
    cc->n = co->co_nlocalsplus;
    cc->names = hr_calloc((size_t)cc->n + 1, sizeof *cc->names);
    cc->kinds = hr_calloc((size_t)cc->n + 1, 1);
    if (cc->names == NULL || cc->kinds == NULL) {
      hr_free(cc->names);
      hr_free(cc->kinds);
      hr_free(cc);
      return NULL;
    }
    const char *kinds = PyBytes_AS_STRING(co->co_localspluskinds);
    for (int i = 0; i < cc->n; i++) {
      cc->names[i] = rec_str_id(PyTuple_GET_ITEM(co->co_localsplusnames, i));
      cc->kinds[i] = (uint8_t)kinds[i];
      if (kinds[i] & (CO_FAST_CELL | CO_FAST_FREE)) cc->cells = 1;
    }
  }
  if (rec_map_put(&g_codes, (uintptr_t)co, (uintptr_t)cc) != HR_OK) {
    hr_free(cc->names);
    hr_free(cc->kinds);
    hr_free(cc);
    return NULL;
  }
  rec_dealloc_wrap(&PyCode_Type);
  return cc;
}

static void code_free(rec_code *cc) {
  hr_free(cc->names);
  hr_free(cc->kinds);
  hr_free(cc->locs);
  hr_free(cc);
}

void rec_code_forget(PyObject *code) {
  uintptr_t v;
  if (rec_map_del(&g_codes, (uintptr_t)code, &v)) code_free((rec_code *)v);
}

int rec_code_is_user(PyCodeObject *co, PyObject *globals) {
  rec_code *cc = code_get(co, globals);
  return cc != NULL && cc->user;
}

int rec_frames_user_call(PyObject *callable) {
  if (PyMethod_Check(callable)) callable = PyMethod_GET_FUNCTION(callable);
  if (PyFunction_Check(callable))
    return rec_code_is_user((PyCodeObject *)PyFunction_GET_CODE(callable),
                            PyFunction_GET_GLOBALS(callable));
  if (PyType_Check(callable) && (((PyTypeObject *)callable)->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
    /* A class whose __init__ is user code records its own effects. */
    static PyObject *init_name;   /* interned once; GIL */
    if (init_name == NULL && (init_name = PyUnicode_InternFromString("__init__")) == NULL) {
      PyErr_Clear();
      return 0;
    }
    PyObject *init = _PyType_Lookup((PyTypeObject *)callable, init_name);
    return init != NULL && PyFunction_Check(init) &&
           rec_code_is_user((PyCodeObject *)PyFunction_GET_CODE(init), PyFunction_GET_GLOBALS(init));
  }
  return 0;
}

static uint64_t code_loc(rec_frame *fr, int line) {
  rec_code *cc = fr->cc;
  int i = line - cc->code->co_firstlineno;
  if (i < 0 || i >= 1 << 20)
    return trc_writer_location(rec_g.w, cc->file_sid, (uint32_t)line, cc->func_sid);
  if (i >= cc->nlocs) {
    int n = cc->nlocs ? cc->nlocs : 16;
    while (n <= i) n *= 2;
    uint64_t *nl = hr_realloc(cc->locs, (size_t)n * sizeof *nl);
    if (nl == NULL)
      return trc_writer_location(rec_g.w, cc->file_sid, (uint32_t)line, cc->func_sid);
    memset(nl + cc->nlocs, 0, (size_t)(n - cc->nlocs) * sizeof *nl);
    cc->locs = nl;
    cc->nlocs = n;
  }
  if (cc->locs[i] == 0)
    cc->locs[i] = trc_writer_location(rec_g.w, cc->file_sid, (uint32_t)line, cc->func_sid);
  return cc->locs[i];
}

uint64_t rec_frame_loc_new(rec_frame *fr, int line) {
  fr->last_loc = code_loc(fr, line);
  fr->last_line = line;
  return fr->last_loc;
}

/* ---- frames ------------------------------------------------------------------- */

static rec_obj *globals_get(PyObject *dict, uint64_t holder) {
  uintptr_t *v = rec_map_get(&g_globals, (uintptr_t)dict);
  if (v) return (rec_obj *)*v;
  rec_obj *g = hr_calloc(1, sizeof *g);
  rec_shadow *sh = hr_calloc(1, sizeof *sh);
  if (g == NULL || sh == NULL || rec_map_put(&g_globals, (uintptr_t)dict, (uintptr_t)g) != HR_OK) {
    hr_free(g);
    hr_free(sh);
    return NULL;
  }
  /* No reference: an exec namespace or a dropped module's dict dies as
  ** under python3.11 (test_gc, test_module), and the shadow with it
  ** (rec_frames_globals_died). */
  sh->kind = REC_SH_GLOBALS;
  sh->version = (uint64_t)-1;
  g->sh = sh;
  g->op = dict;
  g->id = holder;
  rec_obj_diff(g, REC_DIFF_FULL, NULL);
  return g;
}

static void globals_free(rec_obj *g) {
  rec_shadow *sh = g->sh;
  hr_free(sh->pairs);
  rec_map_reset(&sh->index);
  hr_free(sh);
  hr_free(g);
}

void rec_frames_globals_died(PyObject *dict) {
  uintptr_t v;
  if (!rec_map_del(&g_globals, (uintptr_t)dict, &v)) return;
  rec_obj *g = (rec_obj *)v;
  /* A frame holds its function, which holds its globals: no live frame
  ** should name a dead dict, but none may keep a dangling shadow either. */
  for (size_t i = 0; i < g_frames.cap; i++) {
    if (g_frames.ent[i].key == 0) continue;
    rec_frame *fr = (rec_frame *)g_frames.ent[i].val;
    if (fr->glob == g) fr->glob = NULL;
  }
  globals_free(g);
}

rec_frame *rec_frame_find(PyFrameObject *f) {
  uintptr_t *v = rec_map_get(&g_frames, (uintptr_t)f);
  return v ? (rec_frame *)*v : NULL;
}

/* A class body's namespace (f_locals that is not the globals) as the
** frame's local slots. The dict lives as long as the frame: no reference. */
static rec_obj *names_new(PyObject *dict, uint64_t holder) {
  rec_obj *n = hr_calloc(1, sizeof *n);
  rec_shadow *sh = hr_calloc(1, sizeof *sh);
  if (n == NULL || sh == NULL) {
    hr_free(n);
    hr_free(sh);
    return NULL;
  }
  sh->kind = REC_SH_NAMES;
  sh->version = (uint64_t)-1;
  n->sh = sh;
  n->op = dict;
  n->id = holder;
  rec_obj_diff(n, REC_DIFF_FULL, NULL);
  return n;
}

/* Drop the namespace shadow; unbind its slots when the frame returns. */
static void names_free(rec_obj *n, int unbind) {
  if (n == NULL) return;
  rec_shadow *sh = n->sh;
  for (size_t i = 0; unbind && i < sh->np; i++) {
    rec_emit(TRC_EV_UNBIND, n->id, TRC_SLOT_LOCAL, sh->pairs[i].key.id, sh->pairs[i].val.id);
    rec_cand_add(sh->pairs[i].val.op, sh->pairs[i].val.id);
  }
  hr_free(sh->pairs);
  rec_map_reset(&sh->index);
  hr_free(sh);
  hr_free(n);
}

/* A recorded frame and its slots are one block. Blocks for frames of up to
** REC_POOL_SLOTS slots go back to a free list, so a call-heavy program does
** not pay an allocation and a free per call; GIL. */
#define REC_POOL_SLOTS 8
static rec_frame *g_frame_pool;    /* chained through parent; GIL */

static rec_frame *frame_new(int n) {
  size_t slots = (size_t)(n < REC_POOL_SLOTS ? REC_POOL_SLOTS : n) + 1;
  rec_frame *fr = NULL;
  if (n < REC_POOL_SLOTS && g_frame_pool != NULL) {
    fr = g_frame_pool;
    g_frame_pool = fr->parent;
    memset(fr, 0, sizeof *fr + slots * sizeof(rec_ref));
  } else {
    fr = hr_calloc(1, sizeof *fr + slots * sizeof(rec_ref));
    if (fr == NULL) return NULL;
  }
  fr->slots = (rec_ref *)(fr + 1);
  return fr;
}

static void frame_free(rec_frame *fr) {
  if (fr == NULL) return;
  names_free(fr->names, 0);
  if (fr->n < REC_POOL_SLOTS) {
    fr->parent = g_frame_pool;
    g_frame_pool = fr;
  } else {
    hr_free(fr);
  }
}

rec_frame *rec_frame_enter(rec_thread *th, PyFrameObject *f) {
  _PyInterpreterFrame *iframe = f->f_frame;
  PyCodeObject *co = iframe->f_code;
  rec_code *cc = code_get(co, iframe->f_globals);
  if (cc == NULL || !cc->user) return NULL;
  rec_frame *fr = rec_frame_find(f);
  if (fr != NULL) {
    if (fr->cc == cc && _PyInterpreterFrame_LASTI(iframe) >= 0) {
      fr->parent = th->cur;          /* a generator resumed */
      fr->th = th;
      return fr;
    }
    rec_map_del(&g_frames, (uintptr_t)f, NULL);
    frame_free(fr);
  }
  fr = frame_new(cc->n);
  if (fr == NULL) return NULL;
  fr->n = cc->n;
  if (rec_map_put(&g_frames, (uintptr_t)f, (uintptr_t)fr) != HR_OK) {
    frame_free(fr);
    return NULL;
  }
  fr->id = rec_g.next_frame++;
  fr->fo = f;
  fr->cc = cc;
  fr->n = cc->n;
  fr->cells = cc->cells;
  fr->parent = th->cur;
  fr->th = th;
  fr->epoch = (uint64_t)-1;
  rec_emit(TRC_EV_CALL, fr->id, cc->def_loc, fr->parent ? fr->parent->id : 0, th->tid);
  if (rec_g.detail_full) {
    if (iframe->f_globals && PyDict_Check(iframe->f_globals))
      fr->glob = globals_get(iframe->f_globals, fr->id);
    if (!(co->co_flags & CO_OPTIMIZED) && iframe->f_locals != NULL &&
        iframe->f_locals != iframe->f_globals && PyDict_CheckExact(iframe->f_locals))
      fr->names = names_new(iframe->f_locals, fr->id);
    rec_frame_diff(fr, 0, 0);
  }
  return fr;
}

/* The object a fast slot shows the program (a cell's contents). */
static inline PyObject *slot_value(rec_frame *fr, PyObject **lp, int i, PyObject **cell) {
  PyObject *v = lp[i];
  *cell = NULL;
  if ((fr->cc->kinds[i] & (CO_FAST_CELL | CO_FAST_FREE)) && v != NULL && PyCell_Check(v)) {
    *cell = v;
    v = PyCell_GET(v);
  }
  return v;
}

static void slots_diff(rec_frame *fr) {
  _PyInterpreterFrame *iframe = fr->fo->f_frame;
  PyObject **lp = iframe->localsplus;
  int quick = fr->epoch == rec_g.frees;
  /* Most instructions bind nothing: with no cell to look into and no
  ** object freed since the last diff (so no address reused), equal
  ** pointers are the whole answer. */
  if (quick && !fr->cc->cells) {
    int i = 0;
    while (i < fr->n && lp[i] == fr->slots[i].op) i++;
    if (i == fr->n) return;
  }
  for (int i = 0; i < fr->n; i++) {
    PyObject *cell;
    PyObject *v = slot_value(fr, lp, i, &cell);
    rec_ref *r = &fr->slots[i];
    if (r->op == v) {
      if (quick || v == NULL) continue;
      rec_obj *o = rec_obj_find(v);
      if (o != NULL && o->id == r->id) continue;
    }
    int kind = cell ? TRC_SLOT_CELL : TRC_SLOT_LOCAL;
    if (r->op != NULL) {
      rec_emit(TRC_EV_UNBIND, fr->id, kind, fr->cc->names[i], r->id);
      rec_cand_add(r->op, r->id);
    }
    r->op = v;
    r->id = 0;
    if (v != NULL) {
      rec_obj *o = rec_obj_see(v);
      if (o) {
        r->id = o->id;
        rec_obj_shadow(o);
        rec_emit(TRC_EV_BIND, fr->id, kind, fr->cc->names[i], r->id);
        rec_cand_add(v, r->id);
      }
    }
    if (cell) {
      rec_obj *co = rec_cell_see(cell, fr->cc->names[i]);
      if (co) {
        rec_obj_diff(co, REC_DIFF_FULL, NULL);
        rec_cand_add(cell, co->id);
      }
    }
  }
  fr->epoch = rec_g.frees;
}

void rec_frame_diff(rec_frame *fr, int op, int oparg) {
  if (fr->n) slots_diff(fr);
  rec_obj *nm = fr->names;
  if (nm != NULL && ((PyDictObject *)nm->op)->ma_version_tag != nm->sh->version) {
    PyObject *key = NULL, *names = fr->cc->code->co_names;
    if ((op == STORE_NAME || op == DELETE_NAME) && oparg >= 0 && oparg < PyTuple_GET_SIZE(names))
      key = PyTuple_GET_ITEM(names, oparg);
    rec_obj_diff(nm, key ? REC_DIFF_KEY : REC_DIFF_FULL, key);
  }
  rec_obj *g = fr->glob;
  if (g == NULL || ((PyDictObject *)g->op)->ma_version_tag == g->sh->version) return;
  PyObject *key = NULL;
  if (op == STORE_NAME || op == STORE_GLOBAL || op == DELETE_NAME || op == DELETE_GLOBAL) {
    PyObject *names = fr->cc->code->co_names;
    if (oparg >= 0 && oparg < PyTuple_GET_SIZE(names)) key = PyTuple_GET_ITEM(names, oparg);
    /* STORE_NAME writes f_locals, which is the globals dict only at module level */
    if ((op == STORE_NAME || op == DELETE_NAME) && fr->fo->f_frame->f_locals != g->op) key = NULL;
  }
  rec_obj_diff(g, key ? REC_DIFF_KEY : REC_DIFF_FULL, key);
}

void rec_frame_leave(rec_frame *fr, PyObject *retval, int suspended) {
  rec_thread *th = fr->th;
  if (th && th->cur == fr) th->cur = fr->parent;
  if (suspended) {
    fr->parent = NULL;
    return;
  }
  if (rec_g.detail_full) {
    PyObject **lp = fr->fo->f_frame ? fr->fo->f_frame->localsplus : NULL;
    for (int i = 0; i < fr->n; i++) {
      rec_ref *r = &fr->slots[i];
      /* A cell or free slot holds the cell itself: clearing the frame drops
      ** that reference after this event, so the caller's next instruction
      ** sees the cell's count fall (a closure's cell goes back to 1). */
      PyObject *cell = NULL;
      if (lp && (fr->cc->kinds[i] & (CO_FAST_CELL | CO_FAST_FREE))) slot_value(fr, lp, i, &cell);
      if (cell) {
        rec_obj *co = rec_obj_find(cell);
        if (co) rec_cand_obj(co);
      }
      if (r->op == NULL) continue;
      int kind = (fr->cc->kinds[i] & (CO_FAST_CELL | CO_FAST_FREE)) ? TRC_SLOT_CELL : TRC_SLOT_LOCAL;
      rec_emit(TRC_EV_UNBIND, fr->id, kind, fr->cc->names[i], r->id);
      rec_cand_add(r->op, r->id);
    }
    names_free(fr->names, 1);
    fr->names = NULL;
  }
  /* The frame's reference to its function goes when the frame is cleared,
  ** after this event: the caller's next instruction sees the count drop. */
  PyObject *func = fr->fo->f_frame ? (PyObject *)fr->fo->f_frame->f_func : NULL;
  rec_obj *fo = func ? rec_obj_find(func) : NULL;
  if (fo) rec_cand_obj(fo);
  rec_emit(TRC_EV_RETURN, fr->id, retval ? rec_obj_id(retval) : 0, 0, 0);
  if (retval) rec_cand_add(retval, rec_obj_id(retval));
  rec_map_del(&g_frames, (uintptr_t)fr->fo, NULL);
  frame_free(fr);
}

void rec_frame_forget(PyObject *f) {
  uintptr_t v;
  if (!rec_map_del(&g_frames, (uintptr_t)f, &v)) return;
  rec_frame *fr = (rec_frame *)v;
  if (fr->th && fr->th->cur == fr) fr->th->cur = fr->parent;
  if (fr->th && fr->th->pending == fr) fr->th->pending = NULL;
  rec_emit(TRC_EV_RETURN, fr->id, 0, 0, 0);
  frame_free(fr);
}

void rec_frames_end(void) {
  /* Every live frame's slots, bound as they are now. */
  for (size_t i = 0; i < g_frames.cap; i++) {
    if (g_frames.ent[i].key == 0) continue;
    rec_frame *fr = (rec_frame *)g_frames.ent[i].val;
    if (fr->fo->f_frame != NULL && fr->fo->f_frame->f_code == fr->cc->code) {
      fr->epoch = (uint64_t)-1;
      if (fr->names) fr->names->sh->version = (uint64_t)-1;
      rec_frame_diff(fr, 0, 0);
    }
  }
  for (size_t i = 0; i < g_globals.cap; i++) {
    if (g_globals.ent[i].key == 0) continue;
    rec_obj_diff((rec_obj *)g_globals.ent[i].val, REC_DIFF_FULL, NULL);
  }
}

void rec_frames_pause(void) {
  for (size_t i = 0; i < g_frames.cap; i++) {
    if (g_frames.ent[i].key == 0) continue;
    rec_frame *fr = (rec_frame *)g_frames.ent[i].val;
    fr->fo->f_trace_opcodes = (char)rec_chain_program_opcodes(fr->fo);
    fr->parent = NULL;
    fr->th = NULL;
  }
}

void rec_frames_reap(void) {
  /* A frame that ran to its end unseen and whose object lives on (a
  ** traceback holds it) had its data copied into the object: it returned. */
  for (size_t i = 0; i < g_frames.cap; i++) {
    if (g_frames.ent[i].key == 0) continue;
    rec_frame *fr = (rec_frame *)g_frames.ent[i].val;
    _PyInterpreterFrame *iframe = fr->fo->f_frame;
    if (iframe != NULL && iframe->owner != FRAME_OWNED_BY_FRAME_OBJECT &&
        iframe->f_code == fr->cc->code)
      continue;
    rec_emit(TRC_EV_RETURN, fr->id, 0, 0, 0);
    rec_map_del(&g_frames, g_frames.ent[i].key, NULL);
    frame_free(fr);
    i = (size_t)-1;   /* the table moved entries: again from the start */
  }
}

rec_frame *rec_frame_rejoin(rec_thread *th, PyFrameObject *f) {
  rec_frame *fr = rec_frame_find(f);
  if (fr == NULL || fr->cc->code != f->f_frame->f_code) return rec_frame_enter(th, f);
  fr->parent = th->cur;
  fr->th = th;
  /* Every slot compared again: anything may have changed unseen. */
  fr->epoch = (uint64_t)-1;
  if (fr->names) fr->names->sh->version = (uint64_t)-1;
  if (rec_g.detail_full) rec_frame_diff(fr, 0, 0);
  return fr;
}

int rec_frames_init(void) {
  PyObject *bp = PySys_GetObject("base_prefix"), *p = PySys_GetObject("prefix");
  const char *b = bp && PyUnicode_Check(bp) ? PyUnicode_AsUTF8(bp) : NULL;
  const char *q = p && PyUnicode_Check(p) ? PyUnicode_AsUTF8(p) : NULL;
  g_stdlib[0] = b ? hr_sprintf("%s/lib/python%d.%d/", b, PY_MAJOR_VERSION, PY_MINOR_VERSION) : NULL;
  g_stdlib[1] = q ? hr_sprintf("%s/lib/python%d.%d/", q, PY_MAJOR_VERSION, PY_MINOR_VERSION) : NULL;
  PyErr_Clear();
  return HR_OK;
}

void rec_frames_fini(void) {
  for (size_t i = 0; i < g_codes.cap; i++)
    if (g_codes.ent[i].key) code_free((rec_code *)g_codes.ent[i].val);
  rec_map_reset(&g_codes);
  rec_map_reset(&g_sources);
  for (size_t i = 0; i < g_frames.cap; i++) {
    if (g_frames.ent[i].key == 0) continue;
    rec_frame *fr = (rec_frame *)g_frames.ent[i].val;
    /* The frame goes on without the recorder: its flag is the program's again. */
    fr->fo->f_trace_opcodes = (char)rec_chain_program_opcodes(fr->fo);
    frame_free(fr);
  }
  rec_map_reset(&g_frames);
  while (g_frame_pool != NULL) {
    rec_frame *next = g_frame_pool->parent;
    hr_free(g_frame_pool);
    g_frame_pool = next;
  }
  for (size_t i = 0; i < g_globals.cap; i++)
    if (g_globals.ent[i].key != 0) globals_free((rec_obj *)g_globals.ent[i].val);
  rec_map_reset(&g_globals);
  hr_free(g_stdlib[0]);
  hr_free(g_stdlib[1]);
  g_stdlib[0] = g_stdlib[1] = NULL;
}
