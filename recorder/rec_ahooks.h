/* rec_ahooks.h — alloc mode's allocator hooks: blocks, object births and
** frees, byte counts, exceptions and threads (rec_allocmode.h runs them).
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
** Everything runs with the GIL held, except the RAW domain's byte counting.
*/
#ifndef REC_AHOOKS_H
#define REC_AHOOKS_H

#include "rec_internal.h"

/* Ready to record into rec_g.w: loaded objects, the collector's list head,
** the main thread. Installs nothing. */
void rec_ahooks_init(void);

/* Install the hooks (and the free-list and type deaths, the gc callbacks). */
void rec_ahooks_begin(void);

/* The hooks come out; the live blocks stay in the table, the last mem event
** and the pending exceptions and thread names are written. No-op unless begun. */
void rec_ahooks_halt(void);

/* Bring the events up to now (the last block looked at, the byte count):
** before a mark. */
void rec_ahooks_settle(void);

/* tp is a type object the hooks know (the end-of-run graph's check). */
int rec_ahooks_type_known(PyTypeObject *tp);

/* The hooks were found out of the allocator chain while recording. */
int rec_ahooks_unhooked(void);

/* Everything back to before rec_ahooks_init; counts zeroed with counts. */
void rec_ahooks_reset(int counts);

#endif /* REC_AHOOKS_H */
