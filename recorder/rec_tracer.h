/* rec_tracer.h — the recorder's core: observe a running CPython 3.11
** interpreter and turn what it does into trace events.
**
** rec_main.c runs the program; this module installs the hooks (trace
** function, deallocation wrappers, allocator wrappers, gc callbacks), keeps
** the shadow state it needs (object ids, frame slots, container slots,
** reference counts) and feeds the trace writer. All functions are called with
** the GIL held.
*/
#ifndef REC_TRACER_H
#define REC_TRACER_H

#include <stdint.h>

#include "trc_writer.h"

enum rec_detail { REC_DETAIL_FULL = 0, REC_DETAIL_ALLOC = 1 };

typedef struct rec_options {
  int all_frames;          /* record standard-library and site-packages frames too */
  int detail;              /* enum rec_detail */
  const char *script;      /* the main script as given, "<string>" for -c, NULL for -m (borrowed) */
  int stack_depth;         /* alloc mode: user frames per stack (0: default) */
  const char *start_mark;  /* record from the first mark with this label (borrowed) */
  int paused;              /* record from heapreel.start() */
  const void *main_globals; /* the __main__ module's dict: code running with these globals
                            ** is the program's own, even from a standard-library file
                            ** (-m json.tool) or from -c's "<string>" (compared only) */
  const char *command;     /* -c's CODE, the source text of its "<string>" (borrowed) */
} rec_options;

/* Start recording on the initialised interpreter. w and opt are borrowed and
** must outlive the recording. On failure *errmsg (owned) says why. */
int rec_tracer_start(trc_writer *w, const rec_options *opt, char **errmsg);

/* The main script has ended (before interpreter finalisation): write the
** "end" mark with every tracked object still alive and its outgoing
** references, then stop observing. Idempotent. */
void rec_tracer_end_of_main(void);

/* Uninstall every hook; idempotent. Safe after rec_tracer_end_of_main. */
void rec_tracer_stop(void);

/* Regions of a full recording (rec_region.c drives them). prepare sets the
** recording up with nothing installed; resume installs everything (first:
** the first region, which makes the object and frame tables); pause writes
** the region's end (the graph, as at the end of main, then a mark `label`)
** and takes the hooks out but
** the deallocation wrappers, which go on recording the frees of the objects
** the trace knows. rec_tracer_stop ends it all. */
int rec_tracer_prepare(trc_writer *w, const rec_options *opt, char **errmsg);
int rec_tracer_resume(int first, char **errmsg);
void rec_tracer_pause(const char *label);
/* The end of the main script between two regions: the known objects'
** references as they are now, and the "end" mark; then everything stops. */
void rec_tracer_end_paused(void);

/* heapreel.mark(label) from the recorded program (label borrowed). */
void rec_tracer_mark(const char *label);

/* The step now running (0 before the first). */
uint64_t rec_tracer_step(void);

#endif /* REC_TRACER_H */
