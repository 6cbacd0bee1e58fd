# tracemalloc started before the recorder (PYTHONTRACEMALLOC=1) and stopped
# while it records puts back the allocators it saved, which unhooks the
# recorder: the blocks it lists are then freed behind its back.
import tracemalloc
keep = [object() for _ in range(300000)]
table = {i: str(i) for i in range(100000)}
tracemalloc.stop()
del keep, table
after = [bytearray(100) for _ in range(20000)]
print("done", len(after))
