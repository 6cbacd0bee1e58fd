# Strings that must stay text in the stepping page: printed, written to
# stderr, held in variables and written in the source itself.
import sys

script = "</script><script>alert(1)</script>"
markup = '<img src=x onerror="alert(2)"> & <!-- --> \u2028 \u2029'
print(script)
print(markup)
sys.stderr.write("<b>to stderr</b>\n")
names = {"<key>": script}
print("done")
