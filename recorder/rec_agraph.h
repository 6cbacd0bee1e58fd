/* rec_agraph.h — the heap's reference graph when an alloc-mode recording
** ends: live objects, their outgoing references, and the roots.
**
** The objects are the blocks of rec_ablock.h that hold one. Lists and
** tuples (most of a big heap's references) are written here directly: one
** bind event per item, the item's id read from the block table. Other
** containers go through the full recorder's object tracker (rec_objects.c),
** which asks the block table for the id of every object it meets, so an
** object keeps the id its alloc event gave it. The roots are the globals of
** __main__ and of the user's other modules, each module one frame.
** Runs with the GIL held, the allocator hooks removed.
*/
#ifndef REC_AGRAPH_H
#define REC_AGRAPH_H

#include "rec_internal.h"

/* Write the graph. type_ok says whether a block's header names a live
** type (a block whose object died on a free list fails it, or has count 0). */
void rec_agraph_write(int (*type_ok)(PyTypeObject *tp));

#endif /* REC_AGRAPH_H */
