/* ana_dom.h — retained size: what an object alone keeps alive.
**
** The dominator tree of a heap's reference graph, rooted at one pseudo-root
** that refers to every root (frames' slots, kept module globals), to every
** object the program did not allocate (the interpreter holds those: a small
** int in a cached list is not the list's to free), and to each object no
** root reaches that nothing else unreachable reaches first (the "unknown
** holder": interpreter internals, C extensions). Object d dominates o when
** every path from the pseudo-root to o passes through d; o's retained size
** is the bytes of the objects it dominates, itself included: what freeing
** the references to o would free. Computed with the iterative algorithm of
** Cooper, Harvey and Kennedy ("A Simple, Fast Dominance Algorithm", 2001)
** over the graph in reverse postorder.
*/
#ifndef ANA_DOM_H
#define ANA_DOM_H

#include <stddef.h>
#include <stdint.h>

#include "ana_heap.h"
#include "ana_map.h"

typedef struct ana_dom {
  size_t n;            /* nodes: 0 is the pseudo-root, then live objects */
  uint64_t *ids;       /* owned: node -> object id (ids[0] = 0) */
  uint32_t *idom;      /* owned: node -> its immediate dominator's node */
  uint64_t *bytes;     /* owned: node -> retained bytes */
  uint64_t *count;     /* owned: node -> retained objects */
  ana_map index;       /* object id -> node */
} ana_dom;

/* Build over h's live objects with roots (borrowed). HR_OK or HR_ENOMEM. */
int ana_dom_build(const ana_heap *h, const ana_root *roots, size_t nroots, ana_dom *d);
void ana_dom_reset(ana_dom *d);

/* An object's retained bytes (and objects, when count is not NULL); 0 when not live. */
uint64_t ana_dom_retained(const ana_dom *d, uint64_t obj, uint64_t *count);
/* The object that immediately dominates obj; 0 for the pseudo-root or when not live. */
uint64_t ana_dom_idom(const ana_dom *d, uint64_t obj);

#endif /* ANA_DOM_H */
