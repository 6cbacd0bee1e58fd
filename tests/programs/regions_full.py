# regions_full.py — one function recorded in full inside a bigger run:
# heapreel.start() / heapreel.stop() around its body, called twice, with
# work before, between and after that no region may hold. At each mark
# "check1" / "check2" the program prints what it knows of its own locals
# (id, type, sys.getsizeof, references), the ground truth the state at
# that mark is checked against. Its own sys.settrace counts the lines of
# counted() inside and outside the regions: the same under the recorder as
# under python3.11. Objects made outside the regions (the lines marked
# below) are found by the regions with the lines that made them. Runs
# unchanged without the recorder (the shim's no-ops).
import json
import sys

import heapreel

counts = {}


def tracer(frame, event, arg):
    if frame.f_code.co_name == "counted" and event == "line":
        counts[frame.f_lineno] = counts.get(frame.f_lineno, 0) + 1
    return tracer


def counted(n):
    s = 0
    for i in range(n):
        s += i
    return s


class Node:
    def __init__(self, v):
        self.v = v


def outside_work(n):
    acc = []                      # OUTSIDE_LINE
    for i in range(n):
        acc.append(Node(i) if i % 2 else str(i))
    return len(acc)


def fact(v, count):
    # count: sys.getrefcount(v) as the caller saw it, its argument's reference included
    return [id(v), type(v).__name__, sys.getsizeof(v), count - 1]


def make_late(n):
    return {"late": [n] * 3}                # LATE_LINE


def work(data, k, label):
    heapreel.start()
    first = data[0]
    box = [Node(k), {"k": k}]             # BOX_LINE
    total = counted(5) + first.v
    counts_now = sys.getrefcount(data), sys.getrefcount(first), sys.getrefcount(box)
    f = {"data": fact(data, counts_now[0]), "first": fact(first, counts_now[1]),
         "box": fact(box, counts_now[2])}
    del counts_now
    heapreel.mark(label)
    print("FACTS", label, json.dumps(f))
    del f
    heapreel.stop()
    return total, box


sys.settrace(tracer)
pre = [Node(i) for i in range(8)]        # PRE_LINE: made before any region
outside_work(50)
heapreel.mark("go")
r1 = work(pre, 1, "check1")
heapreel.mark("between")
late = make_late(5)                      # LATE_CALL_LINE: made between the regions
pair = (len(late), id(late))             # PAIR_LINE: a tuple the free list would hand out
print("outside", outside_work(40), counted(3))
r2 = work(pre, 2, "check2")
outside_work(10)
sys.settrace(None)
print("counts", sorted(counts.items()))
print("results", r1[0], r2[0], sys.gettrace() is None)
