# threads: workers sharing a lock, a queue, a condition and thread-local data.
import queue
import threading

lock = threading.Lock()
counts = {}
local = threading.local()
q = queue.Queue()

def work(n):
    local.items = []
    for i in range(2000):
        local.items.append(str(i * n))
        with lock:
            counts[n] = counts.get(n, 0) + 1
    q.put((n, len(local.items), local.items[-1]))

threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
for t in threads: t.start()
for t in threads: t.join()
print(sorted(q.get() for _ in range(8)))
print(sorted(counts.items()))
print(threading.active_count())
