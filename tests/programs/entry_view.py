# entry_view.py — prints how the interpreter set this run up for -m (as a module or a package's __main__) and for comparison with python3.11.
import sys

print(repr(sys.argv))
print(repr(sys.path[0]))
print(__name__, __spec__.name if __spec__ else None)
print(__file__)
held = [list(range(i)) for i in range(20)]
print(sum(map(len, held)))
