/* ana_diff.h — what changed between two steps: objects allocated and freed,
** slots bound and unbound (rebindings and returning frames included), from
** the state before step A to the state before step B.
*/
#ifndef ANA_DIFF_H
#define ANA_DIFF_H

#include <stddef.h>
#include <stdint.h>

#include "ana_trace.h"

enum ana_diff_kind { ANA_DIFF_ALLOC = 1, ANA_DIFF_FREE, ANA_DIFF_BIND, ANA_DIFF_UNBIND };

typedef struct ana_diff_item {
  int kind;              /* enum ana_diff_kind */
  uint64_t seq, step, location;
  uint64_t object;
  uint64_t type, size;   /* alloc, free */
  int by_gc;             /* free */
  uint64_t holder;       /* bind, unbind: frame or object id per slot_kind */
  int slot_kind;
  uint64_t slot_arg;
} ana_diff_item;

typedef struct ana_diff {
  uint64_t from, to;     /* steps */
  ana_diff_item *items;  /* owned, in event order */
  size_t n;
} ana_diff;

/* Compare before step `from` with before step `to` (from <= to). */
int ana_diff_compute(ana_trace *t, uint64_t from, uint64_t to, ana_diff *d);
void ana_diff_reset(ana_diff *d);

#endif /* ANA_DIFF_H */
