# leaky_service.py — a small service that leaks three ways, with known answers:
# a cache that grows with every request, listeners whose closures stay alive,
# and a cycle. Marks "warm" (after the warm-up) and "done" (after the leaky
# phase) bound what `heapreel growth` should report; the program prints what
# it made in between and, at its end, the bytes only the cache keeps alive,
# found with gc.get_referents, for the test to compare with heapreel's answers.
import gc
import sys

import heapreel


class Node:
    def __init__(self, name):
        self.name = name
        self.peer = None


class Bus:
    def __init__(self):
        self.listeners = []

    def subscribe(self, fn):
        self.listeners.append(fn)


CACHE = {}
BUS = Bus()


def handle(n):
    # The cache keeps a key string and a payload list per request.
    key = "request-%05d" % n
    CACHE[key] = [n * 1000 + 1, n * 1000 + 2]
    return key


def listen(tag):
    def on_event(event):
        return (tag, event)
    BUS.subscribe(on_event)


def cycle():
    a = Node("a-side")
    b = Node("b-side")
    a.peer = b
    b.peer = a
    return a


for n in range(5):
    handle(n)
# Ints seen, as keys: the last one is also the loop's global, the shortest
# path to it; the other nine are held only as keys of SEEN.
SEEN = {}
for k in range(1000, 1010):  # SEEN_INTS
    SEEN[k] = True
heapreel.mark("warm")

NEW_REQUESTS = 40
NEW_LISTENERS = 12
for n in range(5, 5 + NEW_REQUESTS):
    handle(n)
for n in range(NEW_LISTENERS):
    listen("tag-%02d" % n)
LOOP = cycle()
heapreel.mark("done")

# What the leaky phase added, as the program itself sees it.
new_keys = ["request-%05d" % n for n in range(5, 5 + NEW_REQUESTS)]
lists = [CACHE[k] for k in new_keys]
ints = [x for v in lists for x in v]
stored_keys = [k for k in CACHE if k in set(new_keys)]
print("growth list %d %d" % (len(lists), sum(sys.getsizeof(v) for v in lists)))
print("growth int %d %d" % (len(ints), sum(sys.getsizeof(x) for x in ints)))
print("growth str %d %d" % (len(stored_keys), sum(sys.getsizeof(k) for k in stored_keys)))
fns = BUS.listeners[-NEW_LISTENERS:]
print("growth function %d %d" % (len(fns), sum(sys.getsizeof(f) for f in fns)))
cells = [c for f in fns for c in f.__closure__]
print("growth cell %d %d" % (len(cells), sum(sys.getsizeof(c) for c in cells)))
closures = [f.__closure__ for f in fns]
print("growth closure-tuple %d %d" % (len(closures), sum(sys.getsizeof(t) for t in closures)))
del new_keys, lists, ints, stored_keys, fns, cells, closures


def retained(root, others):
    """Bytes reachable from root and from no other root (gc.get_referents)."""
    def walk(start, stop):
        seen = {id(stop)} if stop is not None else set()
        out = {}
        todo = list(start)
        while todo:
            o = todo.pop()
            if id(o) in seen:
                continue
            seen.add(id(o))
            out[id(o)] = o
            todo.extend(gc.get_referents(o))
            # A dict whose keys are all str does not report them (they
            # cannot make a cycle), but it holds them.
            if type(o) is dict:
                todo.extend(o.keys())
        return out
    mine = walk([root], None)
    elsewhere = walk(others, root)
    return sum(sys.getsizeof(o) for i, o in mine.items() if i not in elsewhere)


# Every root but the cache: this module's other globals and everything the
# interpreter holds (the modules), without going through CACHE.
g = dict(globals())
del g["CACHE"]
others = [v for v in g.values()] + [sys.modules[m] for m in list(sys.modules) if m != "__main__"]
print("retained CACHE %d" % retained(CACHE, others))
del g, others
