/* rec_allocmode.h — `record --detail alloc`: allocations, frees, sizes and
** Python stacks from allocator hooks, with no trace function at all.
**
** The hooks wrap CPython's RAW, MEM and OBJ allocators (as tracemalloc does).
** Every block is counted for the allocator-level byte totals (mem events);
** a block handed out by the object allocator is checked, at the next hook
** call, for an object header (its type is not set when the block is handed
** out): if it holds one, an alloc event with type, block size and address
** follows a site event naming its Python stack (rec_astack.h), emitted only
** when the stack changed. The block's free is the object's free. The free
** lists of list, tuple, dict and float are emptied after each deallocation
** of their type, so their objects are born and die through the allocator.
**
** When the main script ends (or the region stops) the live objects are handed
** to the full recorder's object tracker (rec_objects.c), which records their
** outgoing references, as a full recording does at its end.
** Everything runs with the GIL held, except the RAW domain's byte counting.
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
