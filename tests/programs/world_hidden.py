# What a recorder could do behind the program's back, each printed as the
# program sees it: call a class's own __sizeof__, keep a namespace alive.
import gc, sys, types

class Sized:
    calls = 0
    def __sizeof__(self):
        Sized.calls += 1
        return 100

s = Sized()
t = [Sized() for _ in range(3)]
print("__sizeof__ calls", Sized.calls, sys.getsizeof(s) > 0, Sized.calls)

# An exec namespace in a cycle (the function's globals are the dict).
d = {}
exec("def f(): pass\n", d)
gc.collect()
del d
print("collected", gc.collect())

# A module's dict in a cycle, with a finalizer in it.
destroyed = []
m = types.ModuleType("hidden")
m.destroyed = destroyed
exec("class A:\n    def __del__(self):\n        destroyed.append(1)\na = A()\n", vars(m))
del m
gc.collect()
print("finalized", destroyed)
