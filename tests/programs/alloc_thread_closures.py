# alloc_thread_closures.py — 30 Widgets kept alive only through the cells of
# 30 closures, each made in a thread of its own (no frame of the program's
# below the function that makes the cell). Prints what CPython says.
import gc
import threading


class Widget:
    def __init__(self, n):
        self.n = n
        self.buf = bytearray(1024)


handlers = []


def make(n):
    w = Widget(n)  # FIRST_LINE

    def show():
        return w.n

    handlers.append(show)


threads = [threading.Thread(target=make, args=(i,)) for i in range(30)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("cells", len({id(f.__closure__[0]) for f in handlers}))
print("widgets", sum(type(o) is Widget for o in gc.get_objects()))
