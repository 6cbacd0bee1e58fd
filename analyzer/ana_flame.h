/* ana_flame.h — bytes by Python stack: the tree a flame graph draws.
**
** Each node is one frame (a location: file, line, function) under its
** caller; its bytes and count are those of every object allocated with the
** node's stack or a deeper one (inclusive), and self_bytes those allocated
** right there. The root (node 0) is the whole: its bytes are the sum over
** the groups it was built from, so a flame graph of peak's live groups
** totals peak's live bytes. Groups with no Python stack (made before the
** script's first line) hang under the root as one node of location 0.
*/
#ifndef ANA_FLAME_H
#define ANA_FLAME_H

#include <stddef.h>
#include <stdint.h>

#include "ana_heap.h"
#include "ana_leaks.h"

#define ANA_FLAME_NONE UINT32_MAX

typedef struct ana_flame_node {
  uint64_t location;   /* 0: the root, or allocations with no Python stack */
  uint64_t bytes, count, self_bytes;
  uint32_t parent;     /* ANA_FLAME_NONE for the root */
  uint32_t child, next;/* first child, next sibling; ANA_FLAME_NONE when none */
  uint32_t depth;      /* 0 for the root */
} ana_flame_node;

typedef struct ana_flame {
  ana_flame_node *nodes;   /* owned; nodes[0] is the root; a parent comes before its children */
  size_t n, cap;
} ana_flame;

/* An empty tree: the root alone. HR_OK or HR_ENOMEM. */
int ana_flame_init(ana_flame *f);
void ana_flame_reset(ana_flame *f);

/* Add bytes and count allocated with stack (borrowed locations, outermost
** first; depth 0: no Python stack). HR_OK or HR_ENOMEM. */
int ana_flame_add(ana_flame *f, const uint64_t *stack, uint32_t depth, uint64_t bytes,
                  uint64_t count);

/* Add n groups (borrowed) of objects live in h by their sites' stacks. */
int ana_flame_add_groups(ana_flame *f, const ana_heap *h, const ana_leak_group *g, size_t n);

#endif /* ANA_FLAME_H */
