# Two lists that refer to each other stay alive after del until gc runs.
import gc

gc.disable()
a = []
b = [a]
a.append(b)
del a, b
found = gc.collect()
print("collected", found)
