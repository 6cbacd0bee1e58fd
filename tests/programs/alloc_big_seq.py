# alloc_big_seq.py — long lists and tuples alive at the end, whose items an
# alloc trace's end-of-run graph must bind exactly as CPython holds them:
# objects made while recording, objects older than it (None, small ints,
# builtins no one named before, each first met here), repeats, runs split
# by those older ones, and more items than one array of ids holds. Prints
# CPython's view: each sequence's id() and its items'.
import builtins
import json
import sys

made = [i * 7919 for i in range(70000)]           # fresh ints, neighbours in memory
old = [v for v in vars(builtins).values() if callable(v)]
mixed = []
for i in range(6000):
    if i % 500 == 7:
        mixed.append(None)                        # older than the recording
    elif i % 10 == 3 and i < 2000:
        mixed.append(old[(i // 10) % len(old)])   # older, and never named before
    elif i % 3 == 0:
        mixed.append(made[i])                     # shared with `made`
    else:
        mixed.append(str(i) * 2)
frozen = tuple(float(i) for i in range(1500))
small = list(range(10))                           # short: stored one by one

view = {name: {"addr": id(seq), "items": [id(x) for x in seq]}
        for name, seq in (("made", made), ("mixed", mixed), ("frozen", frozen), ("small", small))}
json.dump(view, sys.stdout)
