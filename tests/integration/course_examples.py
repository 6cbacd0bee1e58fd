# course_examples.py — instrumented copies of the course examples in traces/.
# usage: python3.11 course_examples.py TRACES_DIR OUT_DIR
#
# Each example keeps its text and its line numbers: the statements that print
# CPython's own view (ids, reference counts, f_locals, weakrefs, stack depth)
# and set heapreel marks are put on existing lines, after (or before) the
# line's own statement. Line 1, a comment in every example, becomes the
# imports. record_fidelity.py then compares each trace with what was printed;
# an .expect file beside each copy lists the frees to check.
import io
import os
import sys
import tokenize

HEAD = ("import sys, gc, weakref, traceback, heapreel; "
        "chk = lambda *p: print('CHK', *p)")
DEPTH = "sum(1 for s in traceback.extract_stack() if s.name == %r)"

# example: [(line, "after" | "before", code)], expect lines
SPECS = {
    "aliasing": ([
        (4, "after", "heapreel.mark('al4'); chk('al4', 'addr', 'a', id(a)); "
                     "chk('al4', 'addr', 'b', id(b)); chk('al4', 'items', 'a', *map(id, a)); "
                     "chk('al4', 'rc', 'a', sys.getrefcount(a) - 1)"),
        (7, "after", "heapreel.mark('al7'); chk('al7', 'addr', 'c', id(c)); "
                     "chk('al7', 'addr', 'a', id(a)); chk('al7', 'items', 'c', *map(id, c)); "
                     "chk('al7', 'rc', 'c', sys.getrefcount(c) - 1)"),
    ], []),
    "parameters": ([
        (3, "after", "heapreel.mark('pa3'); chk('pa3', 'addr', 'items', id(items)); "
                     "chk('pa3', 'addr', 'numbers', id(numbers)); chk('pa3', 'addr', 'n', id(n)); "
                     "chk('pa3', 'rc', 'items', sys.getrefcount(items) - 1); "
                     # f_locals makes a dict holding the locals: after the counts
                     "chk('pa3', 'locals', *sorted(sys._getframe().f_locals))"),
        (4, "after", "heapreel.mark('pa4'); chk('pa4', 'addr', 'n', id(n)); "
                     "chk('pa4', 'addr', 'count', id(count))"),
        (9, "after", "heapreel.mark('pa9'); chk('pa9', 'addr', 'result', id(result)); "
                     "chk('pa9', 'items', 'numbers', *map(id, numbers))"),
    ], []),
    "returns": ([
        (4, "after", "heapreel.mark('re4_%d' % x); chk('re4_%d' % x, 'addr', 'pair', id(pair)); "
                     "chk('re4_%d' % x, 'addr', 'scratch', id(scratch)); "
                     "chk('re4_%d' % x, 'tmpid', id(scratch))"),
        (7, "after", "heapreel.mark('re7'); chk('re7', 'addr', 'p', id(p)); "
                     "chk('re7', 'rc', 'p', sys.getrefcount(p) - 1)"),
        (8, "after", "heapreel.mark('re8'); chk('re8', 'addr', 'q', id(q))"),
    ], ["freedid re4_7 tmpid re7", "freedid re4_8 tmpid re8"]),
    "closures": ([
        (6, "after", "heapreel.mark('cl6_%d' % count); chk('cl6_%d' % count, 'addr', 'count', id(count)); "
                     "chk('cl6_%d' % count, 'locals', *sorted(sys._getframe().f_locals))"),
        (10, "after", "heapreel.mark('cl10'); chk('cl10', 'closure', 'counter', "
                      "*[id(c) for c in counter.__closure__]); "
                      "chk('cl10', 'cell', 'counter', 0, id(counter.__closure__[0].cell_contents))"),
        (12, "after", "heapreel.mark('cl12'); chk('cl12', 'cell', 'counter', 0, "
                      "id(counter.__closure__[0].cell_contents)); "
                      "chk('cl12', 'rc', 'counter', sys.getrefcount(counter) - 1)"),
    ], []),
    "lifetime": ([
        (10, "after", "heapreel.mark('lt10'); chk('lt10', 'rc', 'alias', sys.getrefcount(alias) - 1); "
                      "chk('lt10', 'attrs', 'alias', *sorted('%s=%d' % (k, id(v)) for k, v in vars(alias).items()))"),
        (11, "after", "heapreel.mark('lt11'); w1 = weakref.ref(alias)"),
        (12, "after", "heapreel.mark('lt12'); chk('lt11', 'dead', 'alias', 'lt12', 'nogc', int(w1() is None))"),
        (17, "after", "heapreel.mark('lt17'); wa = weakref.ref(a); wb = weakref.ref(b)"),
        (18, "after", "heapreel.mark('lt18'); chk('lt17', 'dead', 'a', 'lt18', 'nogc', int(wa() is None))"),
        (19, "after", "heapreel.mark('lt19'); chk('lt17', 'dead', 'a', 'lt19', 'gc', int(wa() is None)); "
                      "chk('lt17', 'dead', 'b', 'lt19', 'gc', int(wb() is None))"),
    ], ["freedat lt11 alias 12", "freed lt17 a lt19 gc", "freed lt17 b lt19 gc"]),
    "mutable_default": ([
        (3, "after", "heapreel.mark('md3_%d' % len(bucket)); "
                     "chk('md3_%d' % len(bucket), 'addr', 'bucket', id(bucket)); "
                     "chk('md3_%d' % len(bucket), 'items', 'bucket', *map(id, bucket))"),
        (7, "after", "heapreel.mark('md7'); chk('md7', 'items', 'add_item.__defaults__', "
                     "*map(id, add_item.__defaults__)); chk('md7', 'addr', 'first', id(first)); "
                     "chk('md7', 'addr', 'second', id(second)); "
                     "chk('md7', 'items', 'add_item.__defaults__[0]', *map(id, add_item.__defaults__[0])); "
                     "chk('md7', 'rc', 'first', sys.getrefcount(first) - 1)"),
    ], []),
    "recursion": ([
        (4, "before", "heapreel.mark('base'); chk('base', 'depth', 'factorial', %s); "
                      "chk('base', 'addr', 'n', id(n)); "
                      "chk('base', 'locals', *sorted(sys._getframe().f_locals))" % (DEPTH % "factorial")),
    ], []),
}


def code_end(line):
    """Index where a line's code ends (before a trailing comment)."""
    try:
        for tok in tokenize.generate_tokens(io.StringIO(line.lstrip()).readline):
            if tok.type == tokenize.COMMENT:
                return len(line) - len(line.lstrip()) + tok.start[1]
    except (tokenize.TokenError, IndentationError):
        pass
    return len(line.rstrip("\n"))


def main():
    src, out = sys.argv[1:3]
    for name, (edits, expect) in SPECS.items():
        lines = open(os.path.join(src, name + ".py")).read().split("\n")
        assert lines[0].startswith("#"), name
        lines[0] = HEAD + "  " + lines[0]
        for line, where, code in edits:
            text = lines[line - 1]
            ind = len(text) - len(text.lstrip())
            if where == "before":
                lines[line - 1] = text[:ind] + code + "; " + text[ind:]
            else:
                e = code_end(text)
                lines[line - 1] = text[:e].rstrip() + "; " + code + "  " + text[e:]
        with open(os.path.join(out, name + ".py"), "w") as f:
            f.write("\n".join(lines))
        with open(os.path.join(out, name + ".expect"), "w") as f:
            f.write("".join(e + "\n" for e in expect))


main()
