# regions_pygments.py — a big real program with one call recorded in full.
#
# pygments highlights 2,000 lines of the standard library's argparse.py to
# HTML; then one call, tokenize() of a 40-line function of it, runs between
# heapreel.start() and heapreel.stop(). Under `heapreel record --all-frames
# --start-paused` only that call is traced, pygments' own frames included;
# the rest runs untraced. At the mark "inside" the program prints what it
# knows of tokenize()'s locals (id, type, sys.getsizeof, references): the
# state at that mark must say the same. Without the recorder (python3.11
# with python/ on PYTHONPATH) heapreel's calls are no-ops.
import json
import sys

import heapreel
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

PATH = "/usr/lib/python3.11/argparse.py"
with open(PATH, encoding="utf-8") as f:
    lines = f.readlines()[:2000]
source = "".join(lines)
lexer = PythonLexer()
formatter = HtmlFormatter(linenos=True)


def tokenize(code):
    tokens = list(lexer.get_tokens(code))
    kinds = {}
    for kind, text in tokens:
        kinds[kind] = kinds.get(kind, 0) + 1
    counts = sys.getrefcount(code), sys.getrefcount(tokens), sys.getrefcount(kinds)
    facts = {name: [id(v), type(v).__name__, sys.getsizeof(v), c - 1]
             for name, v, c in (("code", code, counts[0]), ("tokens", tokens, counts[1]),
                                ("kinds", kinds, counts[2]))}
    del counts
    heapreel.mark("inside")
    print("FACTS", json.dumps(facts))
    return len(tokens), len(kinds)


html = highlight(source, lexer, formatter)          # the whole file, untraced
snippet = "".join(lines[1200:1240])
heapreel.start()
result = tokenize(snippet)
heapreel.stop()
html2 = highlight(source[: len(source) // 2], lexer, formatter)   # untraced again
print(len(lines), len(html), len(html2), result)
