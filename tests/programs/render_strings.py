# Strings that must render as text in a diagram: markup, quotes, control
# characters, long text, non-ASCII, lone surrogates and raw bytes.
class Holder:
    pass

markup = "<b>bold</b> & <i>x</i>"
script = "</script><script>alert(1)</script>"
quotes = 'he said "hi" and \'bye\''
control = "line1\nline2\ttab\r\x00\x1b[31m"
long_text = "x" * 500
non_ascii = "héllo wörld → ✓ 日本語"
surrogate = "bad \udcff surrogate"
raw = b"\xff\xfe<>&\x00"
cdata = "]]> <!-- -->"
table = {"<key>": markup, "a&b": quotes}
h = Holder()
setattr(h, "<attr>&", script)
items = [markup, script, control, non_ascii, surrogate, raw, cdata]
print(len(items))
