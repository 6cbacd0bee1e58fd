/* ana_point.h — one way to name a point of a run: `step N`, a mark's label,
** `start` or `end`, for every subcommand that takes a point (state, diff,
** growth, referrers, render).
**
**   N        a step number: the state just before step N runs
**   LABEL    the first mark labelled LABEL: the state when the program
**            called heapreel.mark(LABEL) (the events before the mark)
**   mark:L   the same, for a label that looks like a number or a keyword
**   start    before the first event: an empty heap
**   end      the end of the main script (the mark "end", else the trace's
**            last event), as leaks sees it
** Marks exist in full and alloc traces; steps only in full ones.
*/
#ifndef ANA_POINT_H
#define ANA_POINT_H

#include <stdint.h>

#include "ana_trace.h"

enum ana_point_kind { ANA_POINT_STEP = 1, ANA_POINT_MARK, ANA_POINT_START, ANA_POINT_END };

typedef struct ana_point {
  int kind;          /* enum ana_point_kind */
  uint64_t seq;      /* the state at this point holds every event with seq <= seq */
  uint64_t step;     /* the step it stands before (a mark: the step it was made at); 0: none */
  char label[128];   /* what the user wrote, for messages and JSON */
} ana_point;

/* Resolve text (borrowed) on t into *p. HR_OK; HR_ENOTFOUND (no such mark),
** HR_ERANGE (no such step) or HR_EUSAGE (empty text), with a message on t. */
int ana_point_resolve(ana_trace *t, const char *text, ana_point *p);

/* Compare two points by their place in the run. */
static inline int ana_point_after(const ana_point *a, const ana_point *b) { return a->seq > b->seq; }

#endif /* ANA_POINT_H */
