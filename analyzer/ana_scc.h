/* ana_scc.h — strongly connected components of the reference graph.
**
** Tarjan's algorithm with an explicit stack (a linked list a million long
** must not overflow the C stack). Only components that are cycles are kept:
** more than one member, or one member that refers to itself.
*/
#ifndef ANA_SCC_H
#define ANA_SCC_H

#include <stddef.h>
#include <stdint.h>

#include "ana_state.h"

typedef struct ana_scc {
  uint64_t *ids;      /* owned: the members of every component, one after another */
  size_t *start;      /* owned: component c is ids[start[c]] .. ids[start[c + 1] - 1] */
  size_t ncomp;
} ana_scc;

/* The cycles of s among nodes (borrowed object ids; NULL for every live
** object of s), following only references between those nodes. Members of a
** component come in ascending id order, components by their smallest id.
** HR_OK or HR_ENOMEM. */
int ana_scc_find(const ana_state *s, const uint64_t *nodes, size_t n, ana_scc *out);
void ana_scc_reset(ana_scc *c);

#endif /* ANA_SCC_H */
