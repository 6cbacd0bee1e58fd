/* hr_synth.c — writes the synthetic trace described in hr_synth.h. */
#include "hr_synth.h"

#include <string.h>

#include "ana_keyframe.h"
#include "ana_state.h"
#include "hr_mem.h"
#include "hr_status.h"
#include "trc_writer.h"

static const char source_text[] =
  "x = [1, 2]\n"
  "y = x\n"
  "def f(a):\n"
  "    b = [a]\n"
  "    return b\n"
  "heapreel.mark(\"mid\")\n"
  "z = f(x)\n"
  "del x\n"
  "y = None; junk = {}; junk['self'] = junk; del junk\n"
  "z = None\n"
  "gc.collect()\n";

typedef struct synth {
  trc_writer *w;
  const hr_synth_options *opt;
  ana_state *st;           /* the state so far, for keyframes */
  uint64_t file, mod_func, f_func, line_loc[12], f_loc;
  uint64_t s_x, s_y, s_z, s_f, s_a, s_b, s_junk;
  uint64_t t_int, t_list, t_func, t_none, t_dict;
  uint64_t step;
  int err;
} synth;

static uint64_t str(synth *s, const char *text) {
  return trc_writer_string(s->w, text, strlen(text));
}

static void ev(synth *s, int kind, uint64_t a, uint64_t b, uint64_t c, uint64_t d) {
  uint64_t seq = trc_writer_append(s->w, kind, s->step, a, b, c, d);
  if (!seq) {
    s->err = HR_EIO;
    return;
  }
  trc_event e = {seq, s->step, {a, b, c, d}, (uint8_t)kind};
  if (ana_state_apply(s->st, &e)) s->err = HR_ENOMEM;
}

static void mark(synth *s, const char *label) {
  uint64_t seq = trc_writer_mark(s->w, s->step, label);
  trc_event e = {seq, s->step, {0, 0, 0, 0}, TRC_EV_MARK};
  if (!seq) s->err = HR_EIO;
  else ana_state_apply(s->st, &e);
}

/* Open step n at line `line` of frame `frame`, with a keyframe before it
** when asked: the snapshot holds every event before the step event. */
static void step(synth *s, uint64_t n, uint64_t frame, int line) {
  s->step = n;
  if (s->opt->keyframe_every && n % s->opt->keyframe_every == 0) {
    uint8_t *data = NULL;
    size_t len = 0;
    if (s->opt->bad_keyframe_step == (int)n) {
      static const uint8_t junk[] = {9, 0x78, 0x01, 0xde, 0xad};
      trc_writer_keyframe(s->w, n, trc_writer_events(s->w), junk, sizeof junk);
    } else if (ana_keyframe_encode(s->st, &data, &len) == HR_OK) {
      trc_writer_keyframe(s->w, n, trc_writer_events(s->w), data, len);
      hr_free(data);
    } else {
      s->err = HR_ENOMEM;
    }
  }
  ev(s, TRC_EV_STEP, frame, s->line_loc[line], 90, 0);
}

static void intern_all(synth *s) {
  s->file = str(s, "synth.py");
  s->mod_func = str(s, "<module>");
  s->f_func = str(s, "f");
  for (int l = 1; l <= 11; l++)
    s->line_loc[l] = trc_writer_location(s->w, s->file, (uint32_t)l,
                                         l == 4 || l == 5 ? s->f_func : s->mod_func);
  s->f_loc = trc_writer_location(s->w, s->file, 3, s->f_func);
  s->s_x = str(s, "x");
  s->s_y = str(s, "y");
  s->s_z = str(s, "z");
  s->s_f = str(s, "f");
  s->s_a = str(s, "a");
  s->s_b = str(s, "b");
  s->s_junk = str(s, "self");
  s->t_int = trc_writer_type(s->w, str(s, "int"));
  s->t_list = trc_writer_type(s->w, str(s, "list"));
  s->t_func = trc_writer_type(s->w, str(s, "function"));
  s->t_none = trc_writer_type(s->w, str(s, "NoneType"));
  s->t_dict = trc_writer_type(s->w, str(s, "dict"));
  trc_writer_source(s->w, s->file, source_text, sizeof source_text - 1);
  trc_writer_thread(s->w, 1, str(s, "MainThread"), 4242);
  trc_writer_meta(s->w, "program", "synth.py");
  trc_writer_meta(s->w, "argv", "[\"synth.py\", \"--fast\"]");
  trc_writer_meta(s->w, "python_version", "3.11.2");
  trc_writer_meta(s->w, "duration_s", "0.25");
  trc_writer_meta(s->w, "detail", "full");
}

enum { MOD = 1, FN = 2 };                 /* frame ids */
enum { ONE = 1, TWO = 2, X = 3, F = 4, B = 5, NONE = 6, JUNK = 7 };  /* object ids */

static void program_start(synth *s) {
  s->step = 0;
  ev(s, TRC_EV_CALL, MOD, s->line_loc[1], 0, 1);
  /* 1: x = [1, 2] */
  step(s, 1, MOD, 1);
  ev(s, TRC_EV_TRACK, ONE, s->t_int, 28, 0x9000);
  ev(s, TRC_EV_TRACK, TWO, s->t_int, 28, 0x9020);
  ev(s, TRC_EV_ALLOC, X, s->t_list, 72, 0x1000);
  ev(s, TRC_EV_BIND, X, TRC_SLOT_ITEM, 0, ONE);
  ev(s, TRC_EV_BIND, X, TRC_SLOT_ITEM, 1, TWO);
  ev(s, TRC_EV_INCREF, ONE, 101, 0, 0);
  ev(s, TRC_EV_INCREF, TWO, 61, 0, 0);
  ev(s, TRC_EV_BIND, MOD, TRC_SLOT_GLOBAL, s->s_x, X);
  ev(s, TRC_EV_MEM, 1000, 1000, 0, 0);
  /* 2: y = x */
  step(s, 2, MOD, 2);
  ev(s, TRC_EV_BIND, MOD, TRC_SLOT_GLOBAL, s->s_y, X);
  ev(s, TRC_EV_INCREF, X, 2, 0, 0);
  /* 3: def f(a): ... */
  step(s, 3, MOD, 3);
  ev(s, TRC_EV_ALLOC, F, s->t_func, 144, 0x3000);
  ev(s, TRC_EV_BIND, MOD, TRC_SLOT_GLOBAL, s->s_f, F);
  ev(s, TRC_EV_MEM, 1200, 1300, 0, 0);
  /* 4: heapreel.mark("mid") */
  step(s, 4, MOD, 6);
  mark(s, "mid");
}

static void program_call(synth *s) {
  /* 5: z = f(x) — the call */
  step(s, 5, MOD, 7);
  ev(s, TRC_EV_CALL, FN, s->f_loc, MOD, 1);
  ev(s, TRC_EV_BIND, FN, TRC_SLOT_LOCAL, s->s_a, X);
  ev(s, TRC_EV_INCREF, X, 3, 0, 0);
  /* 6: b = [a] */
  step(s, 6, FN, 4);
  ev(s, TRC_EV_ALLOC, B, s->t_list, 64, 0x2000);
  ev(s, TRC_EV_BIND, B, TRC_SLOT_ITEM, 0, X);
  ev(s, TRC_EV_INCREF, X, 4, 0, 0);
  ev(s, TRC_EV_BIND, FN, TRC_SLOT_LOCAL, s->s_b, B);
  ev(s, TRC_EV_MEM, 3000, 5000, 0, 0);
  /* 7: return b */
  step(s, 7, FN, 5);
  ev(s, TRC_EV_UNBIND, FN, TRC_SLOT_LOCAL, s->s_a, X);
  ev(s, TRC_EV_DECREF, X, 3, 0, 0);
  ev(s, TRC_EV_UNBIND, FN, TRC_SLOT_LOCAL, s->s_b, B);
  ev(s, TRC_EV_RETURN, FN, B, 0, 0);
  /* 8: z = f(x) — the store after the return */
  step(s, 8, MOD, 7);
  ev(s, TRC_EV_BIND, MOD, TRC_SLOT_GLOBAL, s->s_z, B);
  ev(s, TRC_EV_MEM, 2500, 2600, 0, 0);
}

static void program_end(synth *s) {
  /* 9: del x */
  step(s, 9, MOD, 8);
  ev(s, TRC_EV_UNBIND, MOD, TRC_SLOT_GLOBAL, s->s_x, X);
  ev(s, TRC_EV_DECREF, X, 2, 0, 0);
  /* 10: y = None; junk = {} ... — the rebinding replaces y's old object
  ** without an unbind event, which replay must handle */
  step(s, 10, MOD, 9);
  ev(s, TRC_EV_TRACK, NONE, s->t_none, 16, 0x8000);
  ev(s, TRC_EV_BIND, MOD, TRC_SLOT_GLOBAL, s->s_y, NONE);
  ev(s, TRC_EV_DECREF, X, 1, 0, 0);
  ev(s, TRC_EV_ALLOC, JUNK, s->t_dict, 232, 0x4000);
  ev(s, TRC_EV_BIND, JUNK, TRC_SLOT_VALUE, s->s_junk, JUNK);
  ev(s, TRC_EV_INCREF, JUNK, 2, 0, 0);
  ev(s, TRC_EV_DECREF, JUNK, 1, 0, 0);
  /* 11: z = None — frees b, then x with it */
  step(s, 11, MOD, 10);
  ev(s, TRC_EV_BIND, MOD, TRC_SLOT_GLOBAL, s->s_z, NONE);
  ev(s, TRC_EV_DECREF, B, 0, 0, 0);
  ev(s, TRC_EV_UNBIND, B, TRC_SLOT_ITEM, 0, X);
  ev(s, TRC_EV_DECREF, X, 0, 0, 0);
  ev(s, TRC_EV_UNBIND, X, TRC_SLOT_ITEM, 0, ONE);
  ev(s, TRC_EV_UNBIND, X, TRC_SLOT_ITEM, 1, TWO);
  ev(s, TRC_EV_FREE, X, 0, 0, 0);
  ev(s, TRC_EV_FREE, B, 0, 0, 0);
  ev(s, TRC_EV_MEM, 2000, 2500, 0, 0);
  /* 12: gc.collect() */
  step(s, 12, MOD, 11);
  ev(s, TRC_EV_GC, 2, TRC_GC_START, 0, 0);
  ev(s, TRC_EV_FREE, JUNK, TRC_FREE_GC, 0, 0);
  ev(s, TRC_EV_GC, 2, TRC_GC_END, 1, 0);
  ev(s, TRC_EV_MEM, 1800, 2000, 0, 0);
  if (s->opt->incomplete) return;
  mark(s, "end");
  ev(s, TRC_EV_RETURN, MOD, 0, 0, 0);
  ev(s, TRC_EV_FREE, F, 0, 0, 0);
  trc_writer_meta(s->w, "exit_status", "0");
}

int hr_synth_write(const char *path, const hr_synth_options *opt, char **errmsg) {
  static const hr_synth_options defaults = {0, 0, 0, 0};
  synth s;
  memset(&s, 0, sizeof s);
  s.opt = opt ? opt : &defaults;
  trc_writer_options wo = {0};
  wo.chunk_events = s.opt->chunk_events ? s.opt->chunk_events : 7;
  *errmsg = NULL;
  s.st = ana_state_new();
  if (!s.st) return HR_ENOMEM;
  int rc = trc_writer_open(path, &wo, &s.w, errmsg);
  if (rc) {
    ana_state_free(s.st);
    return rc;
  }
  intern_all(&s);
  program_start(&s);
  program_call(&s);
  program_end(&s);
  rc = trc_writer_close(s.w, !s.opt->incomplete, errmsg);
  ana_state_free(s.st);
  if (rc == HR_OK && s.err) {
    rc = s.err;
    *errmsg = hr_strdup("cannot build the synthetic trace");
  }
  return rc;
}
