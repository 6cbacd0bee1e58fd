# own_ctrace_raw.py — a C trace function put in the thread's slot by
# _PyEval_SetTrace, which no C extension should call and the recorder does
# not follow: the program runs as under python3.11 and the trace marks the
# gap (meta trace_gap, `heapreel summary`).
import ctypes

TRACE = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int,
                         ctypes.c_void_p)
calls = []


def seen(obj, frame, what, arg):
    calls.append(what)
    return 0


cb = TRACE(seen)
api = ctypes.pythonapi
api.PyThreadState_Get.restype = ctypes.c_void_p
api._PyEval_SetTrace.argtypes = [ctypes.c_void_p, TRACE, ctypes.c_void_p]
ts = api.PyThreadState_Get()
api._PyEval_SetTrace(ts, cb, None)


def f(n):
    return n + 1


f(1)
api._PyEval_SetTrace(ts, TRACE(), None)
print(len(calls) > 0)
