# threads_numbers.py — two worker threads, the second started once the first
# runs, so their numbers are known: analyzer_threads.sh checks that `steps`
# numbers the main thread 1 and the workers 2 and 3, and that --json keeps
# each one's ident.
import threading

import heapreel

idents = []


def worker(name, go):
    idents.append((name, threading.get_ident()))
    go.wait()


go = threading.Event()
first = threading.Thread(target=worker, args=("first", go))
first.start()
while len(idents) < 1:
    pass
# Started while the first still runs: CPython reuses a joined thread's ident.
second = threading.Thread(target=worker, args=("second", go))
second.start()
while len(idents) < 2:
    pass
heapreel.mark("first_waits")
go.set()
first.join()
second.join()
print("main", threading.get_ident())
for name, ident in idents:
    print(name, ident)
