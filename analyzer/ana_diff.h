/* ana_diff.h — what differs between the states at two points of a run
** (ana_point.h: steps, marks, start, end): objects new at B, objects gone
** by B, objects alive at both whose references or size changed, and the
** slots (frames' names and objects' references) bound and unbound from the
** one state to the other. What happened in between and left no trace in B
** (an object made and freed, a name bound and unbound) is not a difference.
** A rebinding is an unbind of the old object and a bind of the new one.
*/
#ifndef ANA_DIFF_H
#define ANA_DIFF_H

#include <stddef.h>
#include <stdint.h>

#include "ana_point.h"
#include "ana_trace.h"

enum ana_diff_kind { ANA_DIFF_ALLOC = 1, ANA_DIFF_FREE, ANA_DIFF_BIND, ANA_DIFF_UNBIND, ANA_DIFF_CHANGED };

typedef struct ana_diff_item {
  int kind;              /* enum ana_diff_kind: ALLOC is "new at B", FREE "gone by B" */
  uint64_t step;         /* new: the step it was allocated at (0: unknown) */
  uint64_t object;
  uint64_t type, size;   /* new, gone, changed (size at B) */
  uint64_t size_from;    /* changed: its size at A */
  uint64_t holder;       /* bind, unbind: frame or object id per slot_kind */
  int slot_kind;
  uint64_t slot_arg;
} ana_diff_item;

typedef struct ana_diff {
  uint64_t from, to;     /* seqs: the states hold events 1..from and 1..to */
  ana_diff_item *items;  /* owned: new, gone, changed by object id; then binds, by holder */
  size_t n;
} ana_diff;

/* Compare the state at a with the state at b (a not after b). */
int ana_diff_points(ana_trace *t, const ana_point *a, const ana_point *b, ana_diff *d);
/* The same between the states before step `from` and before step `to`. */
int ana_diff_compute(ana_trace *t, uint64_t from, uint64_t to, ana_diff *d);
void ana_diff_reset(ana_diff *d);

#endif /* ANA_DIFF_H */
