/* rec_allocmode.c — `record --detail alloc`: its regions and its API (rec_allocmode.h). */
#include "rec_internal.h"

#include <string.h>

#include "hr_mem.h"
#include "hr_status.h"
#include "rec_ablock.h"
#include "rec_agraph.h"
#include "rec_ahooks.h"
#include "rec_allocmode.h"
#include "rec_astack.h"

enum { ST_OFF = 0, ST_PAUSED, ST_RECORDING, ST_DONE };

/* Protected by the GIL. */
static struct {
  int state;
  char *start_mark;        /* owned */
} g;

/* ---- regions ------------------------------------------------------------------------------ */

static void region_begin(void) {
  g.state = ST_RECORDING;
  rec_ahooks_begin();
}

/* Stop the hooks; the live object blocks stay in the table. */
static void region_halt(void) {
  if (g.state != ST_RECORDING) return;
  rec_ahooks_halt();
}

/* The live objects and their outgoing references, as a full recording ends. */
static void snapshot(void) {
  /* Blocks freed while the hooks were out of the chain are still listed:
  ** the graph would read dead memory. The trace says what is missing. */
  if (rec_ahooks_unhooked())
    trc_writer_meta(rec_g.w, "trace_gap",
                    "the allocator hooks were taken out of the chain while recording (the "
                    "program stopped a tracemalloc started before the recorder): frees after "
                    "that were not seen, and the end-of-run graph was not written");
  else
    rec_agraph_write(rec_ahooks_type_known);
  rec_ablock_fini();
}

static void teardown(void) {
  rec_ahooks_reset(0);
  rec_dealloc_unwrap_all();
  rec_objects_fini();
  rec_astack_fini();
  rec_ablock_fini();
  rec_g.active = 0;
}

/* ---- the API -------------------------------------------------------------------------------- */

int rec_allocmode_on(void) {
  return g.state != ST_OFF;
}

int rec_allocmode_start(trc_writer *w, const rec_options *opt, char **errmsg) {
  if (errmsg) *errmsg = NULL;
  memset(&rec_g, 0, sizeof rec_g);
  rec_g.w = w;
  rec_g.opt = *opt;
  rec_g.detail_full = 0;
  rec_g.next_obj = 1;
  rec_g.next_frame = 1;
  int depth = opt->stack_depth > 0 ? opt->stack_depth : REC_ASTACK_DEFAULT_DEPTH;
  g.start_mark = opt->start_mark ? hr_strdup(opt->start_mark) : NULL;
  if (rec_astack_init(w, depth, opt->all_frames) != HR_OK || rec_ablock_init() != HR_OK ||
      (opt->start_mark && g.start_mark == NULL)) {
    if (errmsg) *errmsg = hr_strdup("out of memory");
    return HR_ENOMEM;
  }
  /* As a full recording starts: the collector's generations begin empty,
  ** so it runs when it would in a full trace of the same program. */
  PyGC_Collect();
  rec_ahooks_init();
  g.state = ST_PAUSED;
  if (!opt->start_mark && !opt->paused) region_begin();
  return HR_OK;
}

void rec_allocmode_mark(const char *label) {
  if (g.state == ST_PAUSED && g.start_mark && strcmp(label, g.start_mark) == 0) region_begin();
  if (g.state != ST_RECORDING) return;
  rec_ahooks_settle();
  trc_writer_mark(rec_g.w, rec_g.step, label);
}

int rec_allocmode_region_start(void) {
  if (g.state == ST_DONE) {
    PyErr_SetString(PyExc_RuntimeError, "heapreel: the recorded region has already ended");
    return -1;
  }
  if (g.state == ST_PAUSED) region_begin();
  return 0;
}

int rec_allocmode_region_stop(void) {
  if (g.state == ST_RECORDING) {
    region_halt();
    snapshot();
    trc_writer_mark(rec_g.w, rec_g.step, "stop");
    teardown();
  }
  if (g.state != ST_OFF) g.state = ST_DONE;
  return 0;
}

static void unhandled_exception(void) {
  PyObject *v = PySys_GetObject("last_value");          /* borrowed */
  if (v == NULL || v == Py_None) return;
  PyObject *s = PyObject_Str(v);
  uint64_t msid = s ? rec_str_id(s) : rec_cstr_id("");
  Py_XDECREF(s);
  PyErr_Clear();
  rec_obj *o = rec_obj_find(v);
  rec_emit(TRC_EV_EXCEPTION, rec_cstr_id(_PyType_Name(Py_TYPE(v))), msid, TRC_EXC_UNHANDLED,
           o ? o->id : 0);
}

void rec_allocmode_end_of_main(void) {
  if (g.state == ST_RECORDING) {
    trc_writer_finishing(rec_g.w);
    region_halt();
    snapshot();
    unhandled_exception();
    trc_writer_mark(rec_g.w, rec_g.step, "end");
  }
  rec_allocmode_stop();
}

int rec_allocmode_recording(void) {
  return g.state == ST_RECORDING;
}

void rec_allocmode_fork_child(void) {
  if (g.state == ST_OFF) return;
  if (g.state == ST_RECORDING) region_halt();   /* its events go to the inert writer */
  teardown();
  hr_free(g.start_mark);
  g.start_mark = NULL;
  /* As before any start: a recording started in this child counts its own blocks. */
  rec_ahooks_reset(1);
  g.state = ST_OFF;
}

void rec_allocmode_writer_options(trc_writer_options *o) {
  /* zlib's fastest level, as a full trace's: on the stdlib-heavy benchmark
  ** level 6 cost 15 ms of CPU more in the writer (135 against 120 ms, plain
  ** python 45 ms) for a file 5 % smaller; the append loop's trace is 98 kB,
  ** not 58 kB, still half heaptrack's.
  ** 1 KiB pages: at 4 KiB the twenty tables take 74 kB empty, more than
  ** a whole alloc trace of a small program. */
  o->page_size = 1024;
  o->zlevel = 1;
  /* A quarter of the default block: the ring (8 blocks of 56-byte events)
  ** is 7 MB, not 29 MB, of fresh pages the program's first million events
  ** fault in one by one; zlib's 32 kB window makes the chunks as small. */
  o->chunk_events = 16384;
}

void rec_allocmode_stop(void) {
  if (g.state == ST_OFF) return;
  /* The region never began: the trace is empty, say so (the exit status stays the program's). */
  if (g.state == ST_PAUSED) {
    if (g.start_mark)
      fprintf(stderr, "heapreel: warning: mark '%s' was never reached: nothing was recorded\n",
              g.start_mark);
    else
      fputs("heapreel: warning: heapreel.start() was never called: nothing was recorded\n", stderr);
  }
  teardown();
  hr_free(g.start_mark);
  g.start_mark = NULL;
  g.state = ST_OFF;
}