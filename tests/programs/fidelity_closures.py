# fidelity_closures.py — functions' closures and defaults, class bodies and
# class attributes, __slots__ instances: CPython's view at heapreel marks.
import sys

import heapreel


def chk(*parts):
    print("CHK", *parts)


def cells(f):
    return [id(c) for c in f.__closure__]


def make_counter(start, step=1, *, label="n"):
    count = [start]
    def bump():
        count[0] += step
        return count[0]
    return bump


counter = make_counter(10, 5)
counter()
heapreel.mark("m_counter")
chk("m_counter", "closure", "counter", *cells(counter))
chk("m_counter", "cell", "counter", 0, id(counter.__closure__[0].cell_contents))
chk("m_counter", "cell", "counter", 1, id(counter.__closure__[1].cell_contents))
chk("m_counter", "rc", "counter", sys.getrefcount(counter) - 1)
# make_counter's frame held the cells too: they drop back to 1 when it returns
chk("m_counter", "cellrc", "counter", 0, sys.getrefcount(counter.__closure__[0]) - 1)
chk("m_counter", "cellrc", "counter", 1, sys.getrefcount(counter.__closure__[1]) - 1)
chk("m_counter", "attrs", "make_counter",
    "__defaults__=%d" % id(make_counter.__defaults__),
    "__kwdefaults__=%d" % id(make_counter.__kwdefaults__))
chk("m_counter", "items", "make_counter.__defaults__", *[id(v) for v in make_counter.__defaults__])


def remember(x, seen=[]):
    seen.append(x)
    return len(seen)


remember(1)
remember(2)
remember.tag = "memo"
heapreel.mark("m_default")
chk("m_default", "attrs", "remember",
    *sorted(["__defaults__=%d" % id(remember.__defaults__), "tag=%d" % id(remember.tag)]))
chk("m_default", "items", "remember.__defaults__", *[id(v) for v in remember.__defaults__])
chk("m_default", "items", "remember.__defaults__[0]", *[id(v) for v in remember.__defaults__[0]])


class Shape:
    sides = 0
    names = ["shape"]
    heapreel.mark("m_body")
    chk("m_body", "locals", *sorted(sys._getframe().f_locals))
    chk("m_body", "addr", "names", id(names))

    def area(self):
        return 0


Shape.kind = "abstract"
heapreel.mark("m_class")
chk("m_class", "attrs", "Shape", *sorted("%s=%d" % (k, id(v)) for k, v in vars(Shape).items()))


class Pair:
    __slots__ = ("left", "right")

    def __init__(self, left, right):
        self.left = left
        self.right = right


pr = Pair([1], "r")
pr.left = (2, 3)
heapreel.mark("m_slots")
chk("m_slots", "attrs", "pr", "left=%d" % id(pr.left), "right=%d" % id(pr.right))
chk("m_slots", "rc", "pr", sys.getrefcount(pr) - 1)
chk("m_slots", "size", "pr", sys.getsizeof(pr))
