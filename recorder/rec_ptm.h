/* rec_ptm.h — memory C extensions report with PyTraceMalloc_Track / Untrack.
**
** numpy allocates its arrays' data with malloc, outside Python's allocators,
** and reports each buffer to tracemalloc through PyTraceMalloc_Track
** (domain 389047) and PyTraceMalloc_Untrack. heapreel-record defines both
** functions and exports them (and only them) from the executable: an
** extension module's undefined symbols resolve in the global scope, the
** main program first, so its reports come here; each is passed on to
** libpython's own, so tracemalloc in the program sees what it would.
** While a recording counts them, the reported buffers add to its byte
** counts as tracemalloc adds them to its traced memory.
*/
#ifndef REC_PTM_H
#define REC_PTM_H

#include <stdint.h>

/* Count reported buffers from now on: bytes(delta) is called for each
** change (from any thread, the GIL held or not); NULL stops counting and
** forgets the buffers. */
void rec_ptm_count(void (*bytes)(int64_t delta));

#endif /* REC_PTM_H */
