/* ana_finished.h — the main module's globals after its frame returned.
**
** The recorder ends a frame with its return event and the replay drops it,
** but a module's globals live on in the module: at the end mark, after the
** main script's frame returned, a user expects the final globals and what
** they reach, as Python Tutor shows the final state. This puts that frame
** back into a replayed state, marked finished, with its global slots as they
** were when it returned and as later binds and unbinds on them changed them
** (the rule ana_heap's kept globals follow for leaks).
*/
#ifndef ANA_FINISHED_H
#define ANA_FINISHED_H

#include <stdint.h>

#include "ana_state.h"
#include "ana_trace.h"

/* s (borrowed) holds the events up to seq. When the main script's module
** frame returned at or before seq, add it to s with finished = 1 and only its
** global slots; otherwise leave s alone. HR_OK, HR_ENOMEM, or a read error
** (kept on t). */
int ana_finished_add_main(ana_trace *t, ana_state *s, uint64_t seq);

#endif /* ANA_FINISHED_H */
