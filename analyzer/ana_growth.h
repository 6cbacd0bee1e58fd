/* ana_growth.h — what the heap gained and lost between two points of a run,
** by type, by allocation site or by allocation traceback, as tracemalloc's
** Snapshot.compare_to and objgraph's show_growth answer it.
**
** The heap at each point is the set of live objects the program allocated
** (objects that existed before the trace saw them are left out): a group's
** count and bytes at B minus those at A, so an object made and freed in
** between does not show, and an object alive at both points that grew (a
** list or dict resized) shows by its bytes. Works on full and alloc traces:
** both hold every allocation, free and resize, and the site of each.
*/
#ifndef ANA_GROWTH_H
#define ANA_GROWTH_H

#include <stddef.h>
#include <stdint.h>

#include "ana_heap.h"
#include "ana_point.h"
#include "ana_trace.h"

enum ana_growth_by { ANA_GROWTH_TYPE = 1, ANA_GROWTH_SITE, ANA_GROWTH_TRACEBACK };

typedef struct ana_growth_row {
  uint64_t type;
  uint32_t site;         /* by site: a site at the row's line; by traceback: the site; 0 by type */
  uint64_t location;     /* by site / traceback: the allocating line (0: unknown) */
  uint64_t count, bytes; /* at B */
  uint64_t count_a, bytes_a;   /* at A */
  uint64_t count_new, bytes_new;   /* allocated after A and alive at B */
  uint64_t count_gone, bytes_gone; /* alive at A and freed by B */
} ana_growth_row;

typedef struct ana_growth {
  ana_heap *heap;        /* owned: the heap at B (its sites name the rows') */
  int by;                /* enum ana_growth_by */
  ana_growth_row *rows;  /* owned: groups that changed, biggest byte growth first */
  size_t nrows;
  uint64_t count_a, bytes_a, count_b, bytes_b;
} ana_growth;

static inline int64_t ana_growth_count_diff(const ana_growth_row *r) {
  return (int64_t)r->count - (int64_t)r->count_a;
}
static inline int64_t ana_growth_bytes_diff(const ana_growth_row *r) {
  return (int64_t)r->bytes - (int64_t)r->bytes_a;
}

/* Compare the heap at a with the heap at b (a before or at b). */
int ana_growth_compute(ana_trace *t, const ana_point *a, const ana_point *b, int by, ana_growth *out);
void ana_growth_reset(ana_growth *g);

#endif /* ANA_GROWTH_H */
