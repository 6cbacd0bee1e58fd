/* ana_garbage.h — the objects only the cyclic collector can free now.
**
** Decided over every reference the state holds, as CPython's collector
** decides it: an object is kept alive by something outside the recorded
** graph when its reference count is more than the recorded references to it
** (the value stack, a C structure, a frame's own cell), or when its count is
** unknown, static, or it existed before the program. Those objects, and
** every frame's slots, are roots; what no walk from them over every slot
** of every object reaches is garbage: cycles and what they hold. Nothing
** here depends on what a diagram draws.
*/
#ifndef ANA_GARBAGE_H
#define ANA_GARBAGE_H

#include "ana_map.h"
#include "ana_state.h"

/* Fill out (empty, caller's) with id -> (void *)1 for every garbage object
** of s. HR_OK or HR_ENOMEM. */
int ana_garbage_find(const ana_state *s, ana_map *out);

#endif /* ANA_GARBAGE_H */
