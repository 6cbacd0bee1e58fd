/* ana_leakpaths.h — more about each group of a leak report: the distinct
** retention paths its members are held by, how many members share each,
** and the bytes the group alone keeps alive.
**
** Two members share a path when their retention paths (ana_heap_reach's
** shortest ones) have the same root and the same slots, where a slot's
** index or key does not count: `global 'CACHE' → key[…]` is one path for
** every key of the cache. Paths come most shared first, so the one a report
** shows is the one most of the group is held by, not the shortest.
**
** A group's retained size is the sum of its members' retained sizes
** (ana_dom.h), leaving out members another member of the group dominates;
** objects only several members hold together are not counted.
*/
#ifndef ANA_LEAKPATHS_H
#define ANA_LEAKPATHS_H

#include <stddef.h>
#include <stdint.h>

#include "ana_dom.h"
#include "ana_leaks.h"

typedef struct ana_leak_path {
  uint64_t example;    /* a member held by this path (the smallest id among the shortest) */
  uint64_t count;      /* members held by it */
} ana_leak_path;

typedef struct ana_leak_more {
  uint64_t retained;   /* bytes the group alone keeps alive */
  ana_leak_path *paths;/* owned: most shared first */
  size_t npaths;
} ana_leak_more;

typedef struct ana_leaks_more {
  ana_dom dom;         /* over l's heap and roots */
  ana_leak_more *groups;  /* owned: one per l->groups[i] */
  size_t ngroups;
} ana_leaks_more;

/* Fill *m from l (borrowed; must outlive *m). HR_OK or HR_ENOMEM. */
int ana_leaks_more_compute(ana_trace *t, const ana_leaks *l, ana_leaks_more *m);
void ana_leaks_more_reset(ana_leaks_more *m);

/* Reorder l's reachable groups (and m's entries with them) by retained
** bytes, biggest first. */
void ana_leaks_sort_retained(ana_leaks *l, ana_leaks_more *m);

#endif /* ANA_LEAKPATHS_H */
