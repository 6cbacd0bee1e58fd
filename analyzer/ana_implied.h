/* ana_implied.h — references a trace implies without recording them.
**
** The recorder binds a function's closure cells to the function itself
** (`closure[i]`), not through the tuple that holds them, and records no
** edge from a function to its code object nor from a code object to the
** code objects in its constants. Without those edges a leak report puts the
** closure tuples and code objects of live functions among the objects held
** by references the trace does not show. Each is implied by recorded facts:
**   - a function's `__closure__` is the tuple whose items are, in order,
**     the cells of its closure[i] slots;
**   - a function's `__code__` is the code object whose recorded value (its
**     qualified name) is the function's value up to its parameter list;
**   - a code object `f.<locals>.g` is in the constants of the code `f`.
** They are added to a heap as TRC_SLOT_OTHER slots labelled `__closure__`,
** `__code__` and `co_consts` (ANA_SLOT_IMPLIED in ana_view.h).
*/
#ifndef ANA_IMPLIED_H
#define ANA_IMPLIED_H

#include "ana_heap.h"
#include "ana_trace.h"

/* Add the implied slots to h's live objects. *added (may be NULL) gets how
** many. HR_OK or HR_ENOMEM. */
int ana_implied_add(ana_trace *t, ana_heap *h, size_t *added);

#endif /* ANA_IMPLIED_H */
