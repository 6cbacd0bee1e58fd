/* ana_refs.h — who holds an object at a point of the run: the objects and
** roots that refer to it, every distinct path from a root to it (up to a
** depth and a count), and what it alone keeps alive (ana_dom.h), as
** objgraph's find_backref_chain and show_backrefs answer it.
**
** The heap is rebuilt with ana_heap (kept module globals included) and the
** references the trace implies added (ana_implied.h). A path is simple: no
** object twice. Paths are found by a depth-first walk up the referrers,
** shortest first among equals is not promised; the walk stops at max_paths
** paths or after a budget of steps, and says so (truncated).
*/
#ifndef ANA_REFS_H
#define ANA_REFS_H

#include <stddef.h>
#include <stdint.h>

#include "ana_dom.h"
#include "ana_heap.h"
#include "ana_trace.h"

/* One reference: a root (root_index < nroots, holder 0) or a holder object's slot. */
typedef struct ana_ref {
  uint64_t holder;     /* object id; 0 for a root */
  size_t root;         /* index into roots when holder is 0 */
  uint8_t kind;        /* slot kind */
  uint64_t arg;        /* slot argument */
} ana_ref;

typedef struct ana_refs {
  ana_heap *heap;      /* owned: the heap at the point */
  ana_root *roots;     /* owned */
  size_t nroots;
  ana_dom dom;
  uint64_t obj;
  ana_ref *direct;     /* owned: what refers to obj, roots first */
  size_t ndirect;
  ana_ref *hops;       /* owned: every path's hops, root first, back to back */
  size_t *path_start;  /* owned: path i is hops[path_start[i] .. path_start[i + 1]) */
  size_t npaths;
  int truncated;       /* 1: more paths than max_paths, or the walk ran out of budget */
  uint64_t retained_bytes, retained_count;
} ana_refs;

/* Who holds obj in the state holding events 1..seq. max_depth bounds a
** path's hops, max_paths their number. HR_ENOTFOUND when obj is not live. */
int ana_refs_compute(ana_trace *t, uint64_t seq, uint64_t obj, uint32_t max_depth,
                     size_t max_paths, ana_refs *out);
void ana_refs_reset(ana_refs *r);

#endif /* ANA_REFS_H */
