# alloc_premark.py — containers made before the recorded region that hold
# objects made inside it (record_alloc.sh: --start-at-mark warm).
import heapreel

_CACHE = {}


class Registry:
    def __init__(self):
        self.groups = {"all": []}


REG = Registry()


def work(i):
    _CACHE[i] = bytes(500)  # CACHE_SITE
    return [i] * 10


heapreel.mark("warm")
keep = []
for i in range(200):
    for j in range(10):
        work(i * 10 + j)
    keep.append([x for x in range(10)])  # KEEP_SITE
    REG.groups["all"].append(bytearray(8))  # REG_SITE
print(len(_CACHE), len(keep))
