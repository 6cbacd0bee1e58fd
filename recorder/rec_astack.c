/* rec_astack.c — Python stacks for --detail alloc: capture, fold, intern. */
#include "rec_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/pycore_code.h"
#include "internal/pycore_frame.h"
#include "internal/pycore_pystate.h"

#include "hr_mem.h"
#include "hr_status.h"
#include "rec_astack.h"

/* What a code object is to us, cached by address. A code object that dies
** and leaves its address to another is caught by comparing its file, name
** and first line. Direct-mapped: a miss only costs a recomputation. */
typedef struct code_info {
  PyCodeObject *code;
  PyObject *file, *name;   /* borrowed, compared only */
  int first_line;
  int in_main;             /* ran in __main__'s globals: the program's own module */
  int user;
  int importer;            /* the import system's own code (<frozen importlib._bootstrap...>) */
  uint64_t file_sid, func_sid;   /* interned on the first new stack that needs them */
} code_info;
#define CODE_CACHE 4096

/* Raw stacks seen so far: two independent 64-bit hashes of the (code,
** instruction) pairs -> trace stack id. Open addressing, grows at half full.
** A code object that dies may leave its address, and its instructions'
** addresses, to a new one: each death starts a new generation, an entry of
** an older one is never an answer, and a growth drops them. */
typedef struct raw_ent {
  uint64_t h1, h2, id;     /* id: the stack id, and the generation above bit GEN_SHIFT */
} raw_ent;
#define GEN_SHIFT 40
#define ID_MASK (((uint64_t)1 << GEN_SHIFT) - 1)

/* All of it protected by the GIL. */
static struct {
  trc_writer *w;
  int depth, all_frames;
  char *stdlib[2];         /* standard library path prefixes (owned) */
  code_info *codes;        /* CODE_CACHE entries (owned) */
  raw_ent *raw;            /* owned */
  size_t nraw, capraw;
  uint64_t gen;            /* code objects died so far (mod 2^24) */
} g;

static int prefix_of(const char *s, const char *p) {
  return p != NULL && p[0] && strncmp(s, p, strlen(p)) == 0;
}

int rec_astack_file_is_user(const char *f) {
  if (g.all_frames) return 1;
  if (strncmp(f, "<frozen ", 8) == 0) return 0;
  if (strstr(f, "/site-packages/") || strstr(f, "/dist-packages/")) return 0;
  for (int i = 0; i < 2; i++)
    if (prefix_of(f, g.stdlib[i])) return 0;
  return 1;
}

/* The program's own module runs in __main__'s globals: its frames are the
** user's wherever its file is (-m json.tool, -c's "<string>"). */
static code_info *code_of(PyCodeObject *co, PyObject *globals) {
  code_info *c = &g.codes[((uintptr_t)co >> 4) & (CODE_CACHE - 1)];
  int in_main = (const void *)globals == rec_g.opt.main_globals;
  if (c->code == co && c->file == co->co_filename && c->name == co->co_qualname &&
      c->first_line == co->co_firstlineno && c->in_main == in_main)
    return c;
  c->code = co;
  c->file = co->co_filename;
  c->name = co->co_qualname;
  c->first_line = co->co_firstlineno;
  c->in_main = in_main;
  c->file_sid = c->func_sid = 0;
  /* ASCII file names (nearly all) are read in place; others may make
  ** CPython allocate their UTF-8 form, which the hooks pass through. */
  const char *file = PyUnicode_Check(co->co_filename) ? PyUnicode_AsUTF8(co->co_filename) : NULL;
  if (file == NULL) {
    PyErr_Clear();
    file = "?";
  }
  c->user = in_main || rec_astack_file_is_user(file);
  c->importer = !c->user && strncmp(file, "<frozen importlib.", 18) == 0;
  return c;
}

static inline uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
  return h * 0xff51afd7ed558ccdull;
}

/* fr[0..n) are the user frames, innermost first, at instructions ip; imp, when not NULL, is the
** import system's code running above them: it ends the stack at its first
** line (any of its instructions gives the same stack, as the memo has it),
** so what the import machinery, the compiler and the library modules it
** runs make under a user line (caches, the compiler's node types, a
** module's functions) can be told from the program's. */
static uint64_t stack_build(_PyInterpreterFrame **fr, _Py_CODEUNIT **ip, code_info **ci, int n,
                            code_info *imp, PyCodeObject *impco) {
  uint64_t parent = 0;
  for (int i = n - 1; i >= -1; i--) {         /* outermost first */
    if (i < 0 && imp == NULL) break;
    code_info *c = i < 0 ? imp : ci[i];
    PyCodeObject *co = i < 0 ? impco : fr[i]->f_code;
    if (c->file_sid == 0) {
      c->file_sid = rec_str_id(co->co_filename);
      c->func_sid = rec_str_id(co->co_qualname);
    }
    int line = co->co_firstlineno;
    if (i >= 0) {
      int off = (int)((ip[i] - _PyCode_CODE(co)) * (int)sizeof(_Py_CODEUNIT));
      line = PyCode_Addr2Line(co, off < 0 ? 0 : off);
      if (line < 0) line = co->co_firstlineno;
    }
    uint64_t loc = trc_writer_location(g.w, c->file_sid, (uint32_t)line, c->func_sid);
    parent = trc_writer_stack(g.w, parent, loc);
    if (parent == 0) return 0;
  }
  return parent;
}

/* Whether e holds a stack of the current generation. */
static inline int raw_current(const raw_ent *e) {
  return e->id != 0 && e->id >> GEN_SHIFT == g.gen;
}

static int raw_grow(void) {
  size_t live = 0;
  for (size_t i = 0; i < g.capraw; i++) live += raw_current(&g.raw[i]);
  /* Rebuilt at most a quarter full: older generations' entries go. */
  size_t ncap = g.capraw ? g.capraw : 1024;
  while ((live + 1) * 4 > ncap) ncap *= 2;
  raw_ent *nr = hr_calloc(ncap, sizeof *nr);
  if (nr == NULL) return HR_ENOMEM;
  g.nraw = 0;
  for (size_t i = 0; i < g.capraw; i++) {
    if (!raw_current(&g.raw[i])) continue;
    g.nraw++;
    size_t j = (size_t)g.raw[i].h1 & (ncap - 1);
    while (nr[j].id) j = (j + 1) & (ncap - 1);
    nr[j] = g.raw[i];
  }
  hr_free(g.raw);
  g.raw = nr;
  g.capraw = ncap;
  return HR_OK;
}

/* The stack id depends only on the frames walked, their code, and the
** instruction of each user frame: when the innermost frames are those of
** a recent walk, the user ones at the same instructions, the id is that
** walk's (library code running under an unchanged user line hits). Only
** frames the walk visited are compared, so a deep recursion through folded
** frames is no memo. Every frame a memo names is compared before its id is
** used: a memo is a shortcut for the walk, never a guess.
** The last walk answers first; then the one kept for the current frame and
** instruction, so a loop whose allocations alternate between a few lines
** of one frame needs no walk either. */
#define MEMO_FRAMES 64
#define MEMO_WAYS 8
typedef struct memo_frame {
  _PyInterpreterFrame *f;
  PyCodeObject *code;
  uintptr_t instr;         /* prev_instr at the walk */
  uintptr_t mask;          /* ~0: compare instr; 0 for a folded frame: any instruction */
} memo_frame;
typedef struct memo {
  int n;                   /* frames visited, 0: no memo */
  int to_end;              /* the walk ran out of frames (rather than of depth) */
  uint64_t id;
  memo_frame fr[MEMO_FRAMES];
} memo;
/* The stacks of the last walks, direct-mapped by their innermost frame, and
** the one used last. Read and written by the allocation hooks of the thread
** that holds the GIL (the OBJ and MEM domains run under it); cleared at the
** start and end of a recording. */
static memo memos[MEMO_WAYS];
static memo *memo_last = &memos[0];

static inline memo *memo_way(_PyInterpreterFrame *top) {
  uintptr_t k = (uintptr_t)top ^ ((uintptr_t)top->prev_instr >> 1);
  return &memos[(k ^ (k >> 7)) & (MEMO_WAYS - 1)];
}

static inline int memo_hit(const memo *m, _PyInterpreterFrame *f) {
  const memo_frame *e = m->fr, *end = e + m->n;
  if (e == end) return 0;
  for (; e < end; e++, f = f->previous) {
    if (f != e->f) return 0;
    if (((uintptr_t)f->f_code ^ (uintptr_t)e->code) |
        (((uintptr_t)f->prev_instr ^ e->instr) & e->mask))
      return 0;
  }
  return !m->to_end || f == NULL;
}

static uint64_t stack_intern(uint64_t h1, uint64_t h2, _PyInterpreterFrame **fr, _Py_CODEUNIT **ip,
                             code_info **ci, int n, code_info *imp, PyCodeObject *impco) {
  if (g.capraw == 0 && raw_grow() != HR_OK) return 0;
  size_t mask = g.capraw - 1, j = (size_t)h1 & mask;
  for (; g.raw[j].id; j = (j + 1) & mask)
    if (g.raw[j].h1 == h1 && g.raw[j].h2 == h2 && raw_current(&g.raw[j])) return g.raw[j].id & ID_MASK;
  uint64_t id = stack_build(fr, ip, ci, n, imp, impco);
  if (id == 0) return 0;
  if ((g.nraw + 1) * 2 > g.capraw) {
    if (raw_grow() != HR_OK) return id;
    mask = g.capraw - 1;
    for (j = (size_t)h1 & mask; g.raw[j].id; j = (j + 1) & mask) {}
  }
  g.raw[j] = (raw_ent){h1, h2, id | g.gen << GEN_SHIFT};
  g.nraw++;
  return id;
}

/* The walk, out of line: its frame arrays would make every call, memo hits
** included, pay for a large stack frame. It fills memo m. */
static __attribute__((noinline)) uint64_t stack_walk(_PyInterpreterFrame *top, memo *m) {
  _PyInterpreterFrame *fr[REC_ASTACK_MAX_DEPTH];
  _Py_CODEUNIT *ip[REC_ASTACK_MAX_DEPTH];   /* the instruction each user frame is at */
  code_info *ci[REC_ASTACK_MAX_DEPTH];
  int n = 0, walked = 0;
  code_info *imp = NULL;       /* the import system's code above every user frame */
  PyCodeObject *impco = NULL;
  uint64_t h1 = 0x243F6A8885A308D3ull, h2 = 0x13198A2E03707344ull;
  /* The walk is bounded: deep recursion through folded frames costs at most
  ** 1024 steps per allocation. */
  _PyInterpreterFrame *f = top;
  for (; f && n < g.depth && walked < 1024; f = f->previous, walked++) {
    memo_frame *e = walked < MEMO_FRAMES ? &m->fr[walked] : NULL;
    if (e) *e = (memo_frame){f, f->f_code, (uintptr_t)f->prev_instr, ~(uintptr_t)0};
    _Py_CODEUNIT *at = f->prev_instr;
    if (_PyFrame_IsIncomplete(f)) {
      /* A function's prologue (MAKE_CELL, COPY_FREE_VARS) runs before its
      ** first line: what it makes, the cells its closures will hold, is
      ** its first line's, as a full trace has it, not the caller's (in a
      ** thread started on it there is no caller of the program's). */
      PyCodeObject *co = f->f_code;
      int first = co->_co_firsttraceable + 1 < Py_SIZE(co) ? co->_co_firsttraceable + 1
                                                           : co->_co_firsttraceable;
      at = _PyCode_CODE(co) + first;
    }
    code_info *c = code_of(f->f_code, f->f_globals);
    if (!c->user) {
      if (e) e->mask = 0;
      /* The import system anywhere above the program's frames: its own code,
      ** or a library module's body it runs (a user module's body is the
      ** program's, and ends the search). */
      if (n == 0 && imp == NULL && c->importer) {
        imp = c;
        impco = f->f_code;
        h1 = mix(h1, (uint64_t)(uintptr_t)impco);
        h2 = mix(h2 ^ 0x2545F491u, (uint64_t)(uintptr_t)impco);
      }
      continue;
    }
    fr[n] = f;
    ip[n] = at;
    ci[n] = c;
    n++;
    h1 = mix(h1, (uint64_t)(uintptr_t)f->f_code);
    h1 = mix(h1, (uint64_t)(uintptr_t)at);
    h2 = mix(h2 ^ 0x5bd1e995u, (uint64_t)(uintptr_t)at);
    h2 = mix(h2, (uint64_t)(uintptr_t)f->f_code);
  }
  uint64_t id = n ? stack_intern(h1, h2, fr, ip, ci, n, imp, impco) : 0;
  m->n = walked <= MEMO_FRAMES && walked > 0 ? walked : 0;
  m->to_end = f == NULL;
  m->id = id;
  memo_last = m;
  return id;
}

#ifdef REC_ASTACK_VERIFY
/* A check build (-DREC_ASTACK_VERIFY): every memo answer is walked again
** and must be the walk's own. */
static uint64_t memo_checked(memo *m, _PyInterpreterFrame *top) {
  static memo scratch;
  memo *last = memo_last;
  uint64_t id = stack_walk(top, &scratch);
  memo_last = last;
  if (id != m->id) {
    fprintf(stderr, "heapreel: stack memo gave %llu, the walk %llu\n", (unsigned long long)m->id,
            (unsigned long long)id);
    abort();
  }
  return m->id;
}
#else
#define memo_checked(m, top) ((m)->id)
#endif

uint64_t rec_astack_of(PyThreadState *ts) {
  if (ts == NULL || ts->cframe == NULL) return 0;
  _PyInterpreterFrame *top = ts->cframe->current_frame;
  memo *m = memo_last;
  if (m->n && top == m->fr[0].f && memo_hit(m, top)) return memo_checked(m, top);
  if (top == NULL) return stack_walk(top, m);
  m = memo_way(top);
  if (m->n && top == m->fr[0].f && memo_hit(m, top)) {
    memo_last = m;
    return memo_checked(m, top);
  }
  return stack_walk(top, m);
}

uint64_t rec_astack_now(void) {
  return rec_astack_of(_PyThreadState_GET());
}

void rec_astack_code_gone(void) {
  for (int i = 0; i < MEMO_WAYS; i++) memos[i].n = 0;
  g.gen = (g.gen + 1) & ((1u << 24) - 1);
}

int rec_astack_init(trc_writer *w, int depth, int all_frames) {
  rec_astack_fini();
  g.w = w;
  g.depth = depth < 1 ? 1 : depth > REC_ASTACK_MAX_DEPTH ? REC_ASTACK_MAX_DEPTH : depth;
  g.all_frames = all_frames;
  g.codes = hr_calloc(CODE_CACHE, sizeof *g.codes);
  if (g.codes == NULL) return HR_ENOMEM;
  PyObject *bp = PySys_GetObject("base_prefix"), *p = PySys_GetObject("prefix");
  const char *b = bp && PyUnicode_Check(bp) ? PyUnicode_AsUTF8(bp) : NULL;
  const char *q = p && PyUnicode_Check(p) ? PyUnicode_AsUTF8(p) : NULL;
  g.stdlib[0] = b ? hr_sprintf("%s/lib/python%d.%d/", b, PY_MAJOR_VERSION, PY_MINOR_VERSION) : NULL;
  g.stdlib[1] = q ? hr_sprintf("%s/lib/python%d.%d/", q, PY_MAJOR_VERSION, PY_MINOR_VERSION) : NULL;
  PyErr_Clear();
  return HR_OK;
}

void rec_astack_fini(void) {
  hr_free(g.codes);
  hr_free(g.raw);
  hr_free(g.stdlib[0]);
  hr_free(g.stdlib[1]);
  memset(&g, 0, sizeof g);
  memset(memos, 0, sizeof memos);
  memo_last = &memos[0];
}
