# alloc_widget_closures.py — 30 Widgets kept alive only through 30 closures
# (a function's closure cell holds each Widget; a module list holds the
# functions). Prints what CPython says: the cells and the Widgets alive.
import gc
import sys


class Widget:
    def __init__(self, n):
        self.n = n
        self.buf = bytearray(256)


def make(n):
    w = Widget(n)  # WIDGET_SITE

    def show():
        return w.n

    return show


handlers = [make(i) for i in range(30)]
print("cells", len({id(f.__closure__[0]) for f in handlers}))
print("widgets", sum(type(o) is Widget for o in gc.get_objects()))
print("cell refcount", sys.getrefcount(handlers[0].__closure__[0]) - 1)
