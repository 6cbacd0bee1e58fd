/* ana_leaks.h — what the program allocated and still held when its main
** script ended, grouped by allocation site and type, with a retention path.
**
** Roots are the live frames' slots and the globals of module frames that
** returned (ana_heap.h). An object alive at the end that no root reaches is
** either cyclic garbage (in a reference cycle, or held only by one: the
** collector would free it) or held by references the trace does not show
** (interpreter internals, C extensions); the two are reported apart.
*/
#ifndef ANA_LEAKS_H
#define ANA_LEAKS_H

#include <stddef.h>
#include <stdint.h>

#include "ana_heap.h"
#include "ana_trace.h"

typedef struct ana_leak_group {
  uint32_t site;       /* ana_heap site id, 0 when unknown */
  uint64_t type;
  uint64_t count, bytes;
  uint64_t example;    /* a member with a shortest retention path (or the smallest id) */
  uint64_t in_cycle;   /* members that are themselves in a cycle */
} ana_leak_group;

typedef struct ana_leaks {
  ana_heap *heap;      /* owned: the heap at the end */
  ana_root *roots;     /* owned */
  size_t nroots;
  ana_map reach;       /* object id -> ana_reach * (ana_heap_reach) */
  ana_leak_group *groups;     /* owned: reached from a root, biggest bytes first */
  size_t ngroups;
  ana_leak_group *garbage;    /* owned: unreachable, in or held by a cycle */
  size_t ngarbage;
  ana_leak_group *unreached;  /* owned: unreachable, held by something the trace does not show */
  size_t nunreached;
  uint64_t end_seq;
  int end_is_mark;
  uint64_t count, bytes;      /* everything alive that the program allocated */
  uint64_t import_count, import_bytes; /* left out: made by the import system, no root
                                 reaches them (alloc traces) */
} ana_leaks;

/* Fill *out from t (borrowed, must outlive *out). */
int ana_leaks_compute(ana_trace *t, ana_leaks *out);
void ana_leaks_reset(ana_leaks *l);

/* Group objects (borrowed ids, live in h) by site and type into a new array
** (owned), biggest bytes first; reach (may be NULL) picks each group's example. */
int ana_leaks_group(const ana_heap *h, const ana_map *reach, const uint64_t *ids, size_t n,
                    const ana_map *cyclic, ana_leak_group **out, size_t *nout);

#endif /* ANA_LEAKS_H */
