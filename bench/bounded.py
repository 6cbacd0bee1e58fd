# bounded.py — per-iteration cost of touching a list, a set and a dict of
# N elements (argv[1]); prints nanoseconds per loop iteration (argv[2]
# iterations). Run under `heapreel record` with N = 10 and N = 1,000,000:
# the recorder's work per instruction must not grow with the containers.
import sys
import time

n = int(sys.argv[1])
reps = int(sys.argv[2])
items = list(range(n))
members = set(range(n))
table = dict.fromkeys(range(n), 0)
keys = list(table)   # the dict's own key objects (an equal int made anew is another object)


def touch(items, members, table, keys, reps):
    size = len(items)
    t0 = time.perf_counter()
    for i in range(reps):
        k = i % size
        x = items[k]
        items[k] = x            # one item rebound
        items.append(x)         # one item added at the tail
        items.pop()             # and removed
        members.add(-1)         # one member added
        members.discard(-1)     # and removed
        key = keys[k]
        table[key] = i          # one value rebound
        table.pop(key)          # one entry removed
        table[key] = 0          # and added back
        for y in items:         # an iterator over the big list
            break
    return time.perf_counter() - t0


print(f"{touch(items, members, table, keys, reps) / reps * 1e9:.0f}")
