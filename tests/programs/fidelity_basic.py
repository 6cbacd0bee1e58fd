# fidelity_basic.py — prints CPython's own view at heapreel marks; record_fidelity checks the trace.
import gc
import sys

import heapreel


def chk(*parts):
    print("CHK", *parts)


class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y


x = [1, 2, 3]
heapreel.mark("m_list")
chk("m_list", "rc", "x", sys.getrefcount(x) - 1)
chk("m_list", "addr", "x", id(x))
chk("m_list", "size", "x", sys.getsizeof(x))
chk("m_list", "items", "x", *[id(v) for v in x])
y = x
heapreel.mark("m_alias")
chk("m_alias", "rc", "x", sys.getrefcount(x) - 1)
del y
heapreel.mark("m_del_alias")
chk("m_del_alias", "rc", "x", sys.getrefcount(x) - 1)

big = 10 ** 20
s = "hello" + str(len(x))
p = Point(big, s)
d = {"a": x, "b": p}
heapreel.mark("m_objs")
chk("m_objs", "addr", "big", id(big))
chk("m_objs", "addr", "s", id(s))
chk("m_objs", "addr", "p", id(p))
chk("m_objs", "rc", "big", sys.getrefcount(big) - 1)
chk("m_objs", "rc", "p", sys.getrefcount(p) - 1)
chk("m_objs", "rc", "d", sys.getrefcount(d) - 1)
chk("m_objs", "rc", "x", sys.getrefcount(x) - 1)
chk("m_objs", "size", "p", sys.getsizeof(p))
chk("m_objs", "size", "d", sys.getsizeof(d))
chk("m_objs", "size", "big", sys.getsizeof(big))
chk("m_objs", "attrs", "p", *sorted("%s=%d" % (k, id(v)) for k, v in vars(p).items()))
chk("m_objs", "dict", "d", *sorted("%d=%d" % (id(k), id(v)) for k, v in d.items()))
chk("m_objs", "globals", *sorted(k for k in globals() if not k.startswith("__")))

x.append(p)
x[0] = s
heapreel.mark("m_mut")
chk("m_mut", "items", "x", *[id(v) for v in x])
chk("m_mut", "rc", "p", sys.getrefcount(p) - 1)
chk("m_mut", "rc", "s", sys.getrefcount(s) - 1)
chk("m_mut", "size", "x", sys.getsizeof(x))

# Sizes follow growth and shrinking (resize events).
grow = {}
for i in range(12):
    grow[i] = i
members = set()
for i in range(9):
    members.add(i)
shrink = list(range(100))
del shrink[10:]
heapreel.mark("m_sizes")
chk("m_sizes", "size", "grow", sys.getsizeof(grow))
chk("m_sizes", "size", "members", sys.getsizeof(members))
chk("m_sizes", "size", "shrink", sys.getsizeof(shrink))
chk("m_sizes", "items", "shrink", *[id(v) for v in shrink])


def outer(n):
    acc = [n]
    def inner(k):
        acc.append(k)
        heapreel.mark("m_closure")
        chk("m_closure", "rc", "acc", sys.getrefcount(acc) - 1)
        chk("m_closure", "locals", *sorted(sys._getframe().f_locals))
        return len(acc)
    inner(5)
    heapreel.mark("m_outer")
    chk("m_outer", "rc", "acc", sys.getrefcount(acc) - 1)
    chk("m_outer", "addr", "acc", id(acc))
    chk("m_outer", "locals", *sorted(sys._getframe().f_locals))
    tmp = [n, n]
    chk("m_outer", "tmpid", id(tmp))
    return acc


r = outer(7)
heapreel.mark("m_after_outer")
chk("m_after_outer", "rc", "r", sys.getrefcount(r) - 1)

victim = [object()]
heapreel.mark("m_victim")
del victim
heapreel.mark("m_victim_gone")
rebound = [1.5]
heapreel.mark("m_rebound")
rebound = None
heapreel.mark("m_rebound_gone")

a = []
b = [a]
a.append(b)
heapreel.mark("m_cycle")
del a, b
n = gc.collect()
heapreel.mark("m_collected")
chk("m_collected", "collected", n)
