# own_trace.py — the standard library's trace module, counting and tracing.
import sys, trace

def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)

t = trace.Trace(count=1, trace=0, countfuncs=0)
r = t.runfunc(fib, 6)
print("fib", r)
counts = t.results().counts
for (fn, line), n in sorted(counts.items()):
    if fn == __file__:
        print(line, n)
t2 = trace.Trace(count=0, trace=1)
t2.runfunc(fib, 2)
done = [i for i in range(3)]  # after-trace
print(done)
