# peak_batch.py — batches of buffers of different sizes; memory peaks while
# the biggest batch is built. Run under `python3.11 -X tracemalloc` it prints
# tracemalloc's peak for the same program.
import tracemalloc

try:
    import heapreel
    mark = heapreel.mark
except ImportError:
    def mark(label):
        pass


def run_batch(n):
    batch = [bytes(200_000) for _ in range(n)]  # PEAK_LINE
    return sum(len(b) for b in batch)


total = 0
for n in (10, 60, 20):
    mark("batch %d" % n)
    total += run_batch(n)
mark("done")
print(total)
if tracemalloc.is_tracing():
    print("tracemalloc_peak", tracemalloc.get_traced_memory()[1])
