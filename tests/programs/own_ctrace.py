# own_ctrace.py — a C-level tracer (PyEval_SetTrace, as coverage's CTracer
# or a profiler calls it; here through ctypes): it gets the events CPython
# gives a C trace function, sys.gettrace() returns its object, and the
# recorder keeps stepping beside it.
import ctypes
import sys

TRACE = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.py_object, ctypes.py_object, ctypes.c_int,
                         ctypes.c_void_p)
NAMES = ["call", "exception", "line", "return", "c_call", "c_exception", "c_return", "opcode"]
events = []


def seen(obj, frame, what, arg):
    events.append((NAMES[what], frame.f_code.co_name, frame.f_lineno - first))
    if what == 0 and frame.f_code.co_name == "ops":
        frame.f_trace_opcodes = True
    return 0


class Token:
    pass


token = Token()
cb = TRACE(seen)
set_trace = ctypes.pythonapi.PyEval_SetTrace
set_trace.argtypes = [TRACE, ctypes.py_object]
set_trace.restype = None


def f(n):
    m = n + 1
    return m


def ops(a):
    return a * 2


first = sys._getframe().f_lineno
set_trace(cb, token); r = f(1) + ops(2); same = sys.gettrace() is token; sys.settrace(None)
print(r, same, sys.gettrace())
for e in events:
    print(e)
after = [i for i in range(3)]  # after-ctrace
print(after)
