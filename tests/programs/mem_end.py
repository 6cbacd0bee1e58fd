# mem_end.py — keeps a mix of small and large objects alive to the end. Run
# under `python3.11 -X tracemalloc` it prints the bytes it added to what
# tracemalloc traces (now minus at its start); record_mem.sh compares that with
# the recorder's last mem event minus its mem at the mark "base".
import tracemalloc

try:
    import heapreel
    mark = heapreel.mark
except ImportError:
    def mark(label):
        pass

base = tracemalloc.get_traced_memory()[0] if tracemalloc.is_tracing() else 0
mark("base")

records = [{"name": "item%d" % i, "value": i * 1000, "tags": [i, i + 1]} for i in range(20000)]
numbers = list(range(100000, 150000))
texts = ["%05d" % i * 20 for i in range(3000)]
blob = bytearray(1_000_000)
index = {r["name"]: r for r in records}
del records[::2]

if tracemalloc.is_tracing():
    print("tracemalloc_current", tracemalloc.get_traced_memory()[0] - base)
print(len(records), len(numbers), len(texts), len(blob), len(index))
