# An object lives as long as something refers to it; del removes a name, not an object.
import gc

class Node:
    def __init__(self, name):
        self.name = name
        self.next = None

first = Node("first")
alias = first
del first            # the node lives on: alias still refers to it
alias = None         # the last reference goes: the node is freed here

a = Node("a")
b = Node("b")
a.next = b
b.next = a           # a cycle: a and b refer to each other
del a, b             # unreachable, but still alive until the collector runs
gc.collect()         # the cyclic collector frees both
print("done")
