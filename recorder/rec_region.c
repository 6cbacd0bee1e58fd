/* rec_region.c — regions of a full recording (rec_region.h). */
#include "rec_internal.h"

#include <string.h>

#include "internal/pycore_frame.h"

#include "hr_mem.h"
#include "hr_status.h"
#include "rec_origin.h"
#include "rec_region.h"

/* Protected by the GIL. */
static struct {
  int on;                  /* set up: between rec_region_open and the end */
  int recording;           /* inside a region */
  unsigned regions;        /* regions begun so far */
  char *start_mark;        /* owned; NULL: heapreel.start() begins them */
} g;

/* Deepest stack announced at a region's start; deeper (outer) frames stay
** unknown, as frames of code that is not recorded do. */
#define REC_REGION_DEPTH 4096

/* A call event for each recorded frame on the running thread's stack,
** outermost first, its slots bound: the frames as they are at the start. */
static void announce(void) {
  PyThreadState *ts = PyThreadState_Get();
  rec_thread *th = rec_tracer_thread(ts);
  if (th == NULL) return;
  PyFrameObject **stack = hr_malloc(REC_REGION_DEPTH * sizeof *stack);
  if (stack == NULL) return;
  int n = 0;
  PyFrameObject *f = PyEval_GetFrame();   /* borrowed */
  Py_XINCREF(f);
  while (f != NULL && n < REC_REGION_DEPTH) {
    stack[n++] = f;
    f = PyFrame_GetBack(f);                /* new reference */
  }
  Py_XDECREF(f);
  th->cur = NULL;
  th->pending = NULL;
  rec_frames_reap();
  for (int i = n - 1; i >= 0; i--) {
    PyFrameObject *fo = stack[i];
    rec_chain_adopt_opcodes(fo);
    if (!rec_code_is_user(fo->f_frame->f_code, fo->f_frame->f_globals)) continue;
    rec_frame *fr = rec_frame_rejoin(th, fo);
    if (fr == NULL) continue;
    rec_cand_flush();
    fo->f_trace_opcodes = 1;
    th->cur = fr;
  }
  for (int i = 0; i < n; i++) Py_DECREF(stack[i]);
  hr_free(stack);
}

static int region_begin(void) {
  char *err = NULL;
  rec_origin_pause();
  if (rec_tracer_resume(g.regions == 0, &err) != HR_OK) {
    /* The hooks are out and the objects' deaths no longer seen: the
    ** recording ends here, and the trace says why. */
    char *gap = hr_sprintf("a region could not start (%s): nothing after step %llu was recorded",
                           err ? err : "out of memory", (unsigned long long)rec_g.step);
    if (gap) trc_writer_meta(rec_g.w, "trace_gap", gap);
    PyErr_Format(PyExc_RuntimeError, "heapreel: cannot start recording: %s",
                 err ? err : "out of memory");
    hr_free(gap);
    hr_free(err);
    rec_tracer_stop();
    rec_origin_close();
    g.on = 0;
    return -1;
  }
  g.regions++;
  g.recording = 1;
  rec_g.busy = 1;
  rec_alloc_quiet = 1;
  PyObject *et, *ev, *tb;
  PyErr_Fetch(&et, &ev, &tb);
  announce();
  rec_cand_flush();
  trc_writer_mark(rec_g.w, rec_g.step, "start");
  PyErr_Clear();
  PyErr_Restore(et, ev, tb);
  rec_alloc_quiet = 0;
  rec_g.busy = 0;
  return 0;
}

int rec_region_open(trc_writer *w, const rec_options *opt, char **errmsg) {
  int rc = rec_tracer_prepare(w, opt, errmsg);
  if (rc != HR_OK) return rc;
  memset(&g, 0, sizeof g);
  if (opt->start_mark && (g.start_mark = hr_strdup(opt->start_mark)) == NULL) {
    rec_tracer_stop();
    if (errmsg) *errmsg = hr_strdup("out of memory");
    return HR_ENOMEM;
  }
  trc_writer_meta(w, "regions", "1");
  /* Without it the regions still work, their older objects without a site. */
  if (rec_origin_open(w, opt) != HR_OK) rec_origin_close();
  g.on = 1;
  return HR_OK;
}

int rec_region_on(void) {
  return g.on;
}

void rec_region_mark(const char *label) {
  if (!g.on) return;
  if (!g.recording && g.start_mark && strcmp(label, g.start_mark) == 0 &&
      region_begin() < 0) {
    PyErr_Clear();   /* the program's mark() goes on; the trace stays as it was */
    return;
  }
  trc_writer_mark(rec_g.w, rec_g.step, label);
}

int rec_region_start(void) {
  if (!g.on || g.recording) return 0;
  return region_begin();
}

int rec_region_stop(void) {
  if (!g.on || !g.recording) return 0;
  rec_tracer_pause("stop");
  g.recording = 0;
  rec_origin_resume();
  return 0;
}

static void forget(void) {
  rec_origin_close();
  hr_free(g.start_mark);
  memset(&g, 0, sizeof g);
}

void rec_region_end_of_main(void) {
  if (!g.on) return;
  if (g.recording) {
    rec_tracer_end_of_main();
  } else if (g.regions) {
    rec_tracer_end_paused();
  } else {
    /* No region began: the trace is empty, say so (the exit status stays the program's). */
    if (g.start_mark)
      fprintf(stderr, "heapreel: warning: mark '%s' was never reached: nothing was recorded\n",
              g.start_mark);
    else
      fputs("heapreel: warning: heapreel.start() was never called: nothing was recorded\n", stderr);
    rec_tracer_stop();
  }
  forget();
}

void rec_region_fork_child(void) {
  forget();
}
