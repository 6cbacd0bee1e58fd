# The program's own sys.settrace (as pdb and coverage use it): calls and lines counted, then removed.
import sys

events = {}

def tracer(frame, event, arg):
    if frame.f_code.co_filename == __file__:
        key = (event, frame.f_code.co_name)
        events[key] = events.get(key, 0) + 1
    return tracer

def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)

sys.settrace(tracer)
r = fib(12)
sys.settrace(None)
assert sys.gettrace() is None
after = fib(15)
print(r, after, sorted(events.items()))
sys.setprofile(lambda *a: None)
fib(5)
print(sys.getprofile() is not None)
sys.setprofile(None)
