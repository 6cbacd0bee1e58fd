# own_settrace.py — a program with its own sys.settrace / sys.setprofile: the
# events it collects, what it reads back and what its tracers change are as
# under python3.11, and the recorder keeps stepping after settrace(None).
import sys

events = []

def local(frame, event, arg):
    events.append((event, frame.f_code.co_name, frame.f_lineno - first))
    return local

def tracer(frame, event, arg):
    events.append((event, frame.f_code.co_name, frame.f_lineno - first))
    if frame.f_code.co_name == "ops":
        frame.f_trace_opcodes = True
    return local

def square(n):
    s = n * n
    return s

def ops(a):
    return a + 1

def gen():
    yield 1
    yield 2

def boom():
    raise ValueError("x")

first = sys._getframe().f_lineno
print(sys.gettrace())
sys.settrace(tracer)
print(sys.gettrace() is tracer)
total = square(3) + ops(1)
for v in gen():
    total += v
try:
    boom()
except ValueError:
    pass
print(sys._getframe().f_trace_opcodes, sys._getframe().f_trace_lines)
sys.settrace(None)
print(sys.gettrace())
for e in events:
    print(e)
after = []  # after-settrace
for i in range(3):
    after.append(i * i)
print(total, after)

# ---- setprofile, a tracer that raises, a jump, f_trace_lines, locals, f_trace_opcodes
ev = []
def prof(frame, event, arg):
    ev.append((event, getattr(arg, "__name__", None) if event.startswith("c_") else frame.f_code.co_name))
def f(x):
    return len([x]) + x
sys.setprofile(prof)
f(1)
sys.setprofile(None)
print(ev)
print(sys.getprofile())

# a tracer that raises: tracing stops, the error lands in the traced frame
def bad(frame, event, arg):
    if event == "line":
        raise KeyError("tracer")
    return bad
def g():
    a = 1
    return a
sys.settrace(bad)
try:
    g()
except KeyError as e:
    print("caught", e, sys.gettrace())
# jump: skip a line
def jumper(frame, event, arg):
    if event == "line" and frame.f_code.co_name == "h" and frame.f_lineno == hl + 2:
        frame.f_lineno = hl + 3
    return jumper
def h():
    out = []
    out.append(1)
    out.append(2)
    return out
hl = h.__code__.co_firstlineno
sys.settrace(jumper)
r = h()
sys.settrace(None)
print(r)
# f_trace_lines off: only call/return
ev2 = []
def nolines(frame, event, arg):
    frame.f_trace_lines = False
    ev2.append(event)
    return lambda fr, e, a: ev2.append(e)
sys.settrace(nolines)
g()
sys.settrace(None)
print(ev2)
# locals changed by a tracer go back to the frame
def setter(frame, event, arg):
    if event == "line" and frame.f_code.co_name == "k" and frame.f_lineno == kl + 2:
        frame.f_locals["v"] = 42
    return setter
def k():
    v = 1
    return v
kl = k.__code__.co_firstlineno
sys.settrace(setter)
print(k())
sys.settrace(None)
fr = sys._getframe()
print(fr.f_trace_opcodes, fr.f_trace_lines, fr.f_trace)
fr.f_trace_opcodes = True
print(fr.f_trace_opcodes)
fr.f_trace_opcodes = False
print(fr.f_trace_opcodes)
try:
    fr.f_trace_opcodes = 1
except TypeError as e:
    print(e)
try:
    del fr.f_trace_opcodes
except TypeError as e:
    print(e)
print(type(sys.settrace), sys.settrace.__name__, sys.settrace.__doc__[:30], sys.settrace.__self__ is sys)

# ---- a tracer raising at each kind of event; f_trace_opcodes on a generator
def raiser(kind):
    def t(frame, event, arg):
        if event == kind and frame.f_code.co_name == "g":
            raise KeyError(kind)
        frame.f_trace_opcodes = True
        return t
    return t
def g():
    a = 1
    b = a + 1
    return b
for kind in ("call", "line", "opcode", "return"):
    sys.settrace(raiser(kind))
    try:
        print(kind, g())
    except KeyError as e:
        print(kind, "raised", e, sys.gettrace())
    sys.settrace(None)
def gen():
    yield 1
    yield 2
evs = []
def t2(frame, event, arg):
    evs.append((event, frame.f_code.co_name, frame.f_trace_opcodes))
    if event == "call" and frame.f_code.co_name == "gen":
        frame.f_trace_opcodes = True
    return t2
sys.settrace(t2)
x = list(gen())
sys.settrace(None)
print(x, len(evs), sum(1 for e in evs if e[0] == "opcode"))
print(evs[:6])
import threading
print(threading.gettrace())

# ---- settrace re-entered from the old function's finaliser: refused
def foo(*args):
    return None


def bar(*args):
    return None


class Old:
    def __call__(self, *args):
        return None

    def __del__(self):
        sys.settrace(bar)


raised = []
hook = sys.unraisablehook
sys.unraisablehook = lambda u: raised.append((type(u.exc_value).__name__, str(u.exc_value)))
sys.settrace(Old())
sys.settrace(foo)
sys.unraisablehook = hook
print(raised, sys.gettrace() is foo)
sys.settrace(None)
