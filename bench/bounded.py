# bounded.py — what one operation on a container costs, by container size.
#
#   bounded.py N REPS
#       the mixed loop below over containers of N elements: nanoseconds
#       per iteration (bench/run.sh)
#   bounded.py N REPS OP [OP...]
#       each OP alone over containers of N entries: "OP ns" per operation
#       (OP "all": every operation below)
#   bounded.py --compare SMALL BIG REPS [OP...]
#       each OP (all by default) on containers of SMALL and of BIG entries:
#       "OP small-ns big-ns" per operation
#
# Run under `heapreel record`: the recorder's work per instruction must not
# grow with the containers the instruction touches (tests/integration/
# record_bounded.sh). Each operation is timed in the interpreter
# thread's own CPU time (time.thread_time: not the recorder's writer thread,
# not the machine's other load) with the cyclic collector off, in five
# batches of REPS / 5 operations that alternate between the two sizes, and
# keeps each size's best batch (a big size past 100 times the small one's
# cost stops at once); every container is built, and seen once by the
# recorder, before any timing.
#
# Keys: dicts and sets hold the ints BASE .. BASE + size - 1 and every
# operation computes its keys anew, so a key that finds an entry is an equal
# object, not the one stored (a small int would be the cached one at size 10
# and a fresh one at 1,000,000). The operations cycle through the same K
# keys at every size: what is compared is the work an operation does, not
# the cache misses of touching a new key of a big table each time (plain
# python has those too). Instances and module globals are named
# a0 .. a<size-1>; the module globals are those of a namespace of their own.
import gc
import sys
import time

BASE = 1 << 40
K = 8


def mixed(items, members, table, keys, reps):
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


# One function per operation kind: operations lo .. hi - 1 on container c of
# n entries; i is new to the container each time (so is every value stored).
def list_item(c, n, lo, hi):
    for i in range(lo, hi):
        c[n - 1 - i % K] = i    # a fresh int past the small ints at size 1,000,000


def list_append_pop(c, n, lo, hi):
    for i in range(lo, hi):
        c.append(i)
        c.pop()


def dict_rebind(c, n, lo, hi):
    for i in range(lo, hi):
        c[BASE + i % K] = i     # an existing key, through an equal new int


def dict_set_del(c, n, lo, hi):
    for i in range(lo, hi):
        c[-1 - i % K] = i       # a new key
        del c[-1 - i % K]       # deleted through an equal new int


def dict_pop(c, n, lo, hi):
    for i in range(lo, hi):
        c[-1 - i % K] = i
        c.pop(-1 - i % K)


def dict_update(c, n, lo, hi):
    for i in range(lo, hi):
        c.update({-1 - i % K: i, BASE + i % K: i})   # one key added, one rebound
        c.pop(-1 - i % K)


def set_add_discard(c, n, lo, hi):
    for i in range(lo, hi):
        c.add(-1 - i % K)
        c.discard(-1 - i % K)
        c.add(BASE + i % K)     # already a member, through an equal new int


def set_ior(c, n, lo, hi):
    for i in range(lo, hi):
        c |= {-1 - i % K, BASE + i % K}
        c.discard(-1 - i % K)


def inst_attr(c, n, lo, hi):
    for i in range(lo, hi):
        c.a0 = i                # an existing attribute rebound
        c.x = i                 # a new one
        del c.x


# Compiled into a namespace of its own per size: its globals are the container.
GLOBAL_SRC = """
def module_global(c, n, lo, hi):
    global a0, x
    for i in range(lo, hi):
        a0 = i                  # an existing global rebound
        x = i                   # a new one
        del x
"""

OPS = ["list_item", "list_append_pop", "dict_rebind", "dict_set_del", "dict_pop",
       "dict_update", "set_add_discard", "set_ior", "inst_attr", "module_global"]


class Thing:
    pass


made = {}


def container(kind, size):
    """The container of `kind` with `size` entries (built once), and the function."""
    if (kind, size) in made:
        return made[kind, size]
    if kind == "list":
        c = list(range(BASE, BASE + size))
    elif kind == "dict":
        c = dict.fromkeys(range(BASE, BASE + size), 0)
    elif kind == "set":
        c = set(range(BASE, BASE + size))
    elif kind == "names":
        # Built in C (a comprehension would be a million recorded steps), once
        # for both kinds below; each is filled by one update: N names set one
        # by one would be N instructions that each change the container.
        c = dict(zip(map("a{}".format, range(size)), range(size)))
    elif kind == "inst":
        c = Thing()
        vars(c).update(container("names", size))
    else:
        c = {"__builtins__": __builtins__, "__name__": f"globals{size}"}
        c.update(container("names", size))
        exec(compile(GLOBAL_SRC, __file__, "exec"), c)
    made[kind, size] = c
    return c


def compare(op, sizes, reps):
    """Best nanoseconds per operation of op at each size, batches alternating."""
    kind = "globals" if op == "module_global" else op.split("_")[0]
    fns, cs = {}, {}
    for size in sizes:
        cs[size] = container(kind, size)
        fns[size] = cs[size]["module_global"] if kind == "globals" else globals()[op]
    lo = 0
    for size in sizes:          # the recorder shadows the containers here
        fns[size](cs[size], size, lo, lo + K)
        lo += K
    batch = max(K, reps // 5)
    best = {size: None for size in sizes}
    small, big = sizes[0], sizes[-1]
    for b in range(5):
        for size in sizes:
            fn, c = fns[size], cs[size]
            t = 0.0
            for done in range(0, batch, K):
                t0 = time.thread_time()
                fn(c, size, lo, lo + K)
                t += time.thread_time() - t0
                lo += K
                # Past 100 times the small size's cost: no need to finish.
                if size == big and size != small and best[small] and \
                        t > 100 * best[small] * (done + K) / batch:
                    best[big] = t / (done + K) * batch
                    return [best[s] / batch * 1e9 for s in sizes]
            if best[size] is None or t < best[size]:
                best[size] = t
    return [best[s] / batch * 1e9 for s in sizes]


def check_ops(names):
    if names == ["all"]:
        return OPS
    for op in names:
        if op not in OPS:
            raise SystemExit(f"bounded.py: unknown operation {op!r}")
    return names or OPS


if sys.argv[1] == "--compare":
    # The cyclic collector walks every container now and then, the big ones
    # too, into whichever batch it falls: not the operation measured.
    gc.disable()
    small, big, reps = (int(a) for a in sys.argv[2:5])
    for op in check_ops(sys.argv[5:]):
        s, b = compare(op, [small, big], reps)
        print(f"{op} {s:.0f} {b:.0f}", flush=True)
elif len(sys.argv) > 3:
    gc.disable()
    n, reps = int(sys.argv[1]), int(sys.argv[2])
    for op in check_ops(sys.argv[3:]):
        print(f"{op} {compare(op, [n], reps)[0]:.0f}", flush=True)
else:
    n = int(sys.argv[1])
    reps = int(sys.argv[2])
    items = list(range(n))
    members = set(range(n))
    table = dict.fromkeys(range(n), 0)
    keys = list(table)   # the dict's own key objects
    print(f"{mixed(items, members, table, keys, reps) / reps * 1e9:.0f}")
