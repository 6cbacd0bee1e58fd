# values_names.py — functions, classes, modules and builtins whose recorded
# value must be CPython's own name for them: record_names.sh takes `heapreel
# state` at the last line and compares with the lines printed here
# (`__qualname__` and the parameters, `__name__` for a module).
import gc
import inspect


def add_item(lst, item):
    lst.append(item)


def shapes(a, b=1, /, c=2, *args, d, e=3, **kw):
    return a


def kwonly(x, *, y):
    return x


def make_counter():
    count = 0

    def increment():
        nonlocal count
        count += 1
        return count
    return increment


class Node:
    class Inner:
        pass

    def __init__(self, value):
        self.value = value

    def greet(self, other, *rest):
        return other


def naïve(ünï):
    return ünï


square = lambda x: x * x
counter = make_counter()
node = Node(1)
greet = node.greet
init = Node.__init__
inner = Node.Inner
module = gc
show = print
append = [].append
fromkeys = dict.fromkeys
builtin_type = dict
code = add_item.__code__
accent = naïve


def expected(v):
    """CPython's name for v, in the trace's value format (FORMAT.md, value)."""
    if inspect.ismodule(v):
        return v.__name__
    if inspect.iscode(v):
        return v.co_qualname
    if inspect.isfunction(v) or inspect.ismethod(v):
        sig = inspect.signature(v)
        plain = sig.replace(parameters=[p.replace(default=p.empty, annotation=p.empty)
                                        for p in sig.parameters.values()],
                            return_annotation=sig.empty)
        return v.__qualname__ + str(plain)
    return v.__qualname__


for name in ['add_item', 'shapes', 'kwonly', 'make_counter', 'square', 'counter', 'Node',
             'greet', 'init', 'inner', 'module', 'show', 'append', 'fromkeys',
             'builtin_type', 'code', 'accent']:
    print(name + '\t' + expected(globals()[name]))
end = 0
