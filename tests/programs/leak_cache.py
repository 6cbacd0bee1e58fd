# leak_cache.py — a module-level cache that only grows: every key loaded
# stays alive in _CACHE, so the lists made on the marked line leak.
_CACHE = {}


def load(key):
    if key not in _CACHE:
        _CACHE[key] = [key] * 20  # LEAK_SITE
    return _CACHE[key]


def work():
    total = 0
    for i in range(40):
        total += len(load(i))
    return total


print(work())
