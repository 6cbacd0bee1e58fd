/* rec_region.h — regions of a full recording: `record --start-paused` with
** heapreel.start() / heapreel.stop(), and `record --start-at-mark LABEL`.
**
** Outside a region nothing is traced: no trace function, sys.settrace is the
** program's own; an allocator hook only remembers the stack each object is
** made with (rec_origin.h), for the regions' older objects, whose track
** events then follow a site event naming it. What stays as well are the
** deallocation wrappers of the types the trace has met, so an object the
** trace knows dies in it when it dies (a free event between the regions), and
** so does a frame the trace knows (a return event). A region starts with the
** frames of the running thread's stack, outermost first: a call event for
** each the trace does not know, and for all their slots bound as they are now
** (objects the trace does not know yet appearing as track events: type,
** size), then a mark "start". It ends with the graph of what it saw (as at
** the end of main) and a mark "stop"; the frames still running stay in the
** trace as they were. The meta "regions" says the trace has them.
** All functions take the GIL.
*/
#ifndef REC_REGION_H
#define REC_REGION_H

#include "rec_tracer.h"
#include "trc_writer.h"

/* Set a full recording up into w (borrowed) to wait for its first region:
** opt->start_mark or opt->paused. On failure *errmsg (owned). */
int rec_region_open(trc_writer *w, const rec_options *opt, char **errmsg);

/* 1 while a region recording is set up (running or between regions). */
int rec_region_on(void);

/* heapreel.mark(label): starts the first region at the start mark; a mark
** outside a region is written all the same (the analyzer says so). */
void rec_region_mark(const char *label);

/* heapreel.start() / heapreel.stop(): 0, or -1 with a Python exception set.
** Starting a running region, or stopping a stopped one, does nothing. */
int rec_region_start(void);
int rec_region_stop(void);

/* The main script ended: the end of the recording (and of a region running). */
void rec_region_end_of_main(void);

/* In a fork's child: forget the parent's recording without a word. */
void rec_region_fork_child(void);

#endif /* REC_REGION_H */
