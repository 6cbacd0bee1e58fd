# Objects of every allocator path: short and long strings (str, f-strings,
# repr, hex, repetition), ints, floats, tuples, lists, dicts. Each kind is
# kept in its own list, so the program can say how many of each it holds.
import sys

N = 2000
strs = [str(i) for i in range(N)]
fstr = [f"k{i}" for i in range(N)]
reprs = [repr(i * 1.5) for i in range(N)]
hexes = [hex(i * 7919) for i in range(N)]
reps = ["x" * (i % 50 + 2) for i in range(N)]
longs = [f"{i:>60}" for i in range(N)]
ints = [i * 1_000_003 for i in range(N)]
floats = [i / 3 for i in range(N)]
tuples = [(i, -i) for i in range(N)]
lists = [[i] for i in range(N)]
dicts = [{"a": i} for i in range(N)]
for i in range(N):            # born, dead at once: reuse of free lists and blocks
    t = (i, i + 1)
    f = i * 0.5
    s = f"t{i}"
print(N)
