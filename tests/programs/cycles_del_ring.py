# cycles_del_ring.py — rings of Cells freed by gc.collect(), the second time
# together with an object that has a __del__ (a finalizer runs Python code
# inside the collector's run), and a self-referencing dict alive at the end.
# Prints what CPython says: each gc.collect()'s count, the referents.
import gc
import sys

gc.disable()


class Cell:
    def __init__(self):
        self.left = None
        self.right = None


def chain(n):
    cells = [Cell() for _ in range(n)]
    for i in range(n):
        cells[i].right = cells[(i + 1) % n]
        cells[i].left = cells[i - 1]  # CLOSES_RING
    return cells[0]


class Fin:
    def __init__(self):
        self.me = self  # CLOSES_FIN

    def __del__(self):
        pass


first = chain(4)
print("ring referents", sorted(type(r).__name__ for r in gc.get_referents(first.__dict__)))
del first
print("collected", gc.collect())
first = chain(4)
f = Fin()
del first, f
print("collected", gc.collect())
keep = {}
keep["me"] = keep  # CLOSES_KEEP
print("keep referents", [r is keep for r in gc.get_referents(keep)])
print("refcount keep", sys.getrefcount(keep) - 1)
