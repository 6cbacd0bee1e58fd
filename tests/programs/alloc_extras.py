# alloc_extras.py — what an alloc trace must get right beyond allocations:
# another user module's globals as roots, threads, exceptions that die at
# once, and the peak's place.
import threading

import alloc_helper

alloc_helper.remember(30)
keep = []


all_running = threading.Barrier(3)
done = threading.Event()


def work(n):
    keep.append([str(i) for i in range(n)])
    all_running.wait()
    done.wait()


threads = [threading.Thread(target=work, args=(2000,), name=f"worker-{k}") for k in range(2)]
for t in threads:
    t.start()
all_running.wait()
while not done.is_set():  # the main thread runs while both workers live
    done.set() if sum(len(str(i)) for i in range(100)) else None
for t in threads:
    t.join()
try:
    raise ValueError("boom " + str(len(keep)))
except ValueError:
    pass


class Custom(Exception):
    def __str__(self):
        return "custom message"


try:
    raise Custom()
except Custom:
    pass
try:
    {}["missing"]
except KeyError:
    pass
big = [bytes(1000) for _ in range(3000)]  # PEAK_SITE
del big
print(len(keep), len(alloc_helper.REGISTRY))
