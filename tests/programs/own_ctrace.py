# own_ctrace.py — a C trace function (PyEval_SetTrace through ctypes) takes
# the slot: the recorder cannot follow it, and the trace must say so.
import ctypes
TRACE = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p)
calls = []
def seen(obj, frame, what, arg):
    calls.append(what)
    return 0
cb = TRACE(seen)
set_trace = ctypes.pythonapi.PyEval_SetTrace
set_trace.argtypes = [TRACE, ctypes.c_void_p]
set_trace.restype = None
set_trace(cb, None)
def f(n):
    return n + 1
f(1)
set_trace(TRACE(), None)
print(len(calls) > 0)
