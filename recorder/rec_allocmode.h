/* rec_allocmode.h — `record --detail alloc`: allocations, frees, sizes and
** Python stacks from allocator hooks (rec_ahooks.h), with no trace function
** at all; this is its lifecycle: the region it records (from the start, from
** a mark, or from heapreel.start() to heapreel.stop()), marks, the end of the
** main script and a fork's child.
**
** When the main script ends (or the region stops) the live objects are handed
** to the full recorder's object tracker (rec_objects.c), which records their
** outgoing references, as a full recording does at its end. GIL held.
*/
#ifndef REC_ALLOCMODE_H
#define REC_ALLOCMODE_H

#include "rec_tracer.h"
#include "trc_writer.h"

/* Prepare an alloc-mode recording into w (borrowed). It starts now, unless
** opt->start_mark or opt->paused asks to wait. On failure *errmsg (owned). */
int rec_allocmode_start(trc_writer *w, const rec_options *opt, char **errmsg);

/* The main script ended: the snapshot of live objects and the "end" mark
** (when recording), then everything is uninstalled. Idempotent. */
void rec_allocmode_end_of_main(void);

/* Uninstall everything without a snapshot; idempotent. */
void rec_allocmode_stop(void);

/* heapreel.mark(label) (borrowed) in alloc mode; may start the region. */
void rec_allocmode_mark(const char *label);

/* heapreel.start() / heapreel.stop(). Return 0, or -1 with a Python
** exception set (a region that already ended cannot start again). */
int rec_allocmode_region_start(void);
int rec_allocmode_region_stop(void);

/* 1 while an alloc-mode recording is set up (running, paused or stopped). */
int rec_allocmode_on(void);
/* 1 while its hooks record (not paused, not stopped). */
int rec_allocmode_recording(void);

/* The writer options of an alloc trace (fields it does not set are kept). */
void rec_allocmode_writer_options(trc_writer_options *o);

/* In a fork's child (rec_fork.c): stop without a word, leaving alloc mode
** as before any start (the parent's recording goes on in the parent). */
void rec_allocmode_fork_child(void);

#endif /* REC_ALLOCMODE_H */
