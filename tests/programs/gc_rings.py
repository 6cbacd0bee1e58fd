# gc_rings.py — rings of three nodes dropped at once: only the cyclic
# collector frees them, in the gc.collect() below.
import gc

gc.disable()


class Node:
    def __init__(self, name):
        self.name = name
        self.next = None


def make_ring():
    a = Node("a")
    b = Node("b")
    c = Node("c")
    a.next = b
    b.next = c
    c.next = a  # CLOSES_RING


for _ in range(5):
    make_ring()
print(gc.collect())
