/* rec_astack.h — Python stacks for --detail alloc: captured inside the
** allocator hooks, interned once, folded as full recordings fold frames.
**
** A stack is the innermost `depth` frames of user code (standard-library and
** site-packages frames are folded into the user line that called them, unless
** --all-frames), each at the line it is running. Capturing walks the
** interpreter frames of the current thread and hashes (code, instruction)
** pairs: no Python API, no allocation, no lock. Only a stack seen for the
** first time costs more: its lines are computed and it is interned into the
** trace's stacks table (trc_writer_stack), as a chain of (caller, location).
** All functions run with the GIL held.
*/
#ifndef REC_ASTACK_H
#define REC_ASTACK_H

#include <stdint.h>

#include "trc_writer.h"

#define REC_ASTACK_DEFAULT_DEPTH 8
#define REC_ASTACK_MAX_DEPTH 128

/* Prepare for a recording into w (borrowed) with the user-code rules of
** all_frames; depth frames per stack (1..REC_ASTACK_MAX_DEPTH). HR_OK or HR_ENOMEM. */
int rec_astack_init(trc_writer *w, int depth, int all_frames);
void rec_astack_fini(void);

/* The trace's stack id of the current thread's Python stack now, 0 when no
** user frame is running (or when out of memory). */
uint64_t rec_astack_now(void);
/* The same for thread state ts (borrowed; the caller's, NULL for none). */
struct _ts;
uint64_t rec_astack_of(struct _ts *ts);

/* A code object died: stacks remembered by code and instruction address
** are no longer trusted (a new code object may take the address). */
void rec_astack_code_gone(void);

/* 1 when file (borrowed) is the user's own code under the recording's rules. */
int rec_astack_file_is_user(const char *file);

#endif /* REC_ASTACK_H */
