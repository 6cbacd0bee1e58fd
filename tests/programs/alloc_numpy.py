# numpy's array data is malloc'd outside Python's allocators and reported
# through PyTraceMalloc_Track. Recorded (--start-at-mark compute), the
# recording counts from the mark; run plainly, the program measures itself
# with tracemalloc started at the same point and prints its peak: both count
# what was allocated from there on.
import sys

import numpy as np

try:
    import heapreel
except ImportError:
    heapreel = None

if heapreel is not None:
    heapreel.mark("compute")
else:
    import tracemalloc
    tracemalloc.start()
x = np.arange(1_000_000, dtype=np.float64)
y = np.sqrt(x) * 2 + np.sin(x)
if heapreel is None:
    print(tracemalloc.get_traced_memory()[1])
