/* ana_region.h — the regions of a full trace recorded with --start-paused
** or --start-at-mark (meta "regions"; schema/FORMAT.md, "Regions").
**
** Such a trace holds the program's run in full detail only inside its
** regions: each opens with the recorder's mark "start" (after the call
** events of the frames then running) and closes with its mark "stop", or
** the mark "end" when the main script ended inside it. A point of the run
** is inside a region when its state (the events with seq <= its seq) is
** one the region saw: from the state at the "start" mark to the state at
** the closing mark. Steps are always inside; a mark the program made
** between two regions, `start` before the first, or `end` after the last,
** are not: between regions nothing was traced, so no state is known there.
*/
#ifndef ANA_REGION_H
#define ANA_REGION_H

#include <stddef.h>
#include <stdint.h>

#include "ana_trace.h"

typedef struct ana_region {
  uint64_t from_seq, to_seq;   /* the states with from_seq <= seq <= to_seq */
  uint64_t from_step, to_step; /* the steps it ran: from_step + 1 .. to_step */
} ana_region;

/* Whether t was recorded in regions. */
int ana_region_traced(ana_trace *t);

/* t's regions in run order into out (up to max); how many there are. */
size_t ana_region_list(ana_trace *t, ana_region *out, size_t max);

/* HR_OK when the state with every event up to seq is inside a region (or t
** has no regions); else HR_ERANGE with a one-line reason on t naming what
** (the point as the user wrote it) and the regions recorded. */
int ana_region_check(ana_trace *t, uint64_t seq, const char *what);

#endif /* ANA_REGION_H */
