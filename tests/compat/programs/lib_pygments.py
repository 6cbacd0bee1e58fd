# pygments highlights a Python file (the standard library's textwrap.py) to HTML.
# get_lexer_for_filename goes through pygments' plugin lookup (importlib.metadata).
import pygments
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_for_filename

path = "/usr/lib/python3.11/textwrap.py"
with open(path, encoding="utf-8") as f:
    source = f.read()
lexer = get_lexer_for_filename(path)
html = pygments.highlight(source, lexer, HtmlFormatter(linenos=True, full=True))
print(lexer.name, len(html))
print(html)
