/* rec_origin.h — where the objects a region finds were made: outside the
** regions of a full recording, the object allocator's blocks and the Python
** stack each was handed out with, as tracemalloc keeps them.
**
** Between regions (and before the first) a small allocator hook runs: each
** block of the OBJ domain (every Python object's) gets the stack id of the
** current thread's Python stack (rec_astack.h: the innermost --stack-depth
** user frames, library frames folded into the user line that called them
** even under --all-frames, interned in the trace's stacks table) in its rec_ablock.h
** word, marked REC_AB_OLD; a freed block's word goes. No event is written.
** The free lists of list, tuple, dict, float and slice are emptied after
** each deallocation of their type, as alloc mode does, so an object they
** would have handed out again is born through the allocator with its own
** stack. Inside a region the full recording's hooks keep the same table
** (rec_blocks.c): a block made outside and freed inside loses its stack, a
** block the region made is forgotten when it ends. When the region meets an
** object it does not know, rec_alloc_born_site gives the stack its block
** was made with, and a site event before its track event says it
** (FORMAT.md, "Full traces in regions").
** All functions take the GIL.
*/
#ifndef REC_ORIGIN_H
#define REC_ORIGIN_H

#include "rec_tracer.h"
#include "trc_writer.h"

/* Set up for a region recording into w (borrowed) with opt's stack depth
** and user-code rules, and start watching. HR_OK or HR_ENOMEM (then nothing
** is watched and regions find their older objects without a site). */
int rec_origin_open(trc_writer *w, const rec_options *opt);

/* A region starts (the full recording's hooks are in): stop watching. */
void rec_origin_pause(void);

/* A region ended (its hooks are out): watch again. */
void rec_origin_resume(void);

/* Everything out, the table freed. Idempotent. */
void rec_origin_close(void);

#endif /* REC_ORIGIN_H */
