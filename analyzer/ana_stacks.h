/* ana_stacks.h — the Python stacks of an alloc trace (the stacks table).
**
** An alloc trace (meta detail = alloc) names the stack of each allocation by
** a site event: a stack id whose row gives the innermost location and the
** caller's stack id. This loads the table once and reads stacks back as
** location ids, outermost first, the shape a full trace's sites have.
*/
#ifndef ANA_STACKS_H
#define ANA_STACKS_H

#include <stdint.h>

#include "ana_trace.h"

typedef struct ana_stacks ana_stacks;

/* Load t's stacks table (borrowed t); a trace without one gives an empty set.
** HR_OK, HR_ENOMEM, or HR_ECORRUPT with a message on t. */
int ana_stacks_load(ana_trace *t, ana_stacks **out);
void ana_stacks_free(ana_stacks *s);   /* NULL is a no-op */

/* The locations of stack id, outermost first, into buf (at most cap, the
** innermost ones when deeper); returns how many were written. 0 for an
** unknown id or 0. */
uint32_t ana_stacks_get(const ana_stacks *s, uint64_t id, uint64_t *buf, uint32_t cap);

/* 1 when stack id's innermost frame is the import system's: the recorder
** ends a stack so when the import machinery, the compiler or a library
** module's body it runs made the object (rec_astack.c). ana_stacks_get
** leaves that frame out unless the trace was recorded with --all-frames. */
int ana_stacks_importer(const ana_stacks *s, uint64_t id);

/* 1 when t was recorded with --detail alloc (meta detail = alloc). */
int ana_trace_is_alloc(ana_trace *t);

#endif /* ANA_STACKS_H */
