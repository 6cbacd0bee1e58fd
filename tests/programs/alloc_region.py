# alloc_region.py — objects made before, inside and after a recorded region
# (heapreel.start() / heapreel.stop()); only the region's may be in the trace.
import heapreel


class Before:
    pass


class Inside:
    pass


class After:
    pass


before = [Before() for _ in range(30)]
heapreel.start()
inside = [Inside() for _ in range(20)]   # REGION_SITE
kept = inside[:5]
heapreel.stop()
after = [After() for _ in range(40)]
print(len(before), len(inside), len(after))
