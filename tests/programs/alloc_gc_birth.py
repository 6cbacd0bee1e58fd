# alloc_gc_birth.py — objects whose allocation starts a collection (record_alloc.sh).
# CPython 3.11 collects inside the allocation of a GC object, after its block
# is handed out and before its header is written. With a threshold of 1 every
# few allocations do: each Node below, and in the second loop each tuple,
# whose block a dead Node left just before (same size class), still holding
# that Node's header 16 bytes further on than the tuple's own.
import gc


class Node:
    pass


gc.set_threshold(1)
nodes = []
for i in range(300):
    nodes.append(Node())  # NODE_SITE
pairs, other = [], []
for i in range(300):
    n = Node()
    del n
    other.append((i, i, i, i))  # another size class
    pairs.append((Node, i))  # PAIR_SITE
gc.set_threshold(700)
print(len(nodes), len(pairs))
