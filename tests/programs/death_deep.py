# Deeply nested containers freed in one instruction: CPython's trashcan
# bounds the C recursion of their deallocators; under the recorder too.
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000

x = None
for i in range(n):
    x = [x]
del x                                          # a list of lists, freed here

d = {}
for i in range(n // 10):
    d = {"k": d}
t = ()
for i in range(n // 10):
    t = (t, i)
del d, t                                       # dicts and tuples

class Node:
    pass

head = None
for i in range(n // 10):
    node = Node()
    node.next = [head]                          # instances and lists in turn
    head = node
del head, node

ring = [None]
cur = ring
for i in range(n // 10):
    cur = [cur]
ring[0] = cur                                   # a cycle through a deep chain
del ring, cur                                   # left to the collector
import gc
gc.collect()
print("freed", n)
