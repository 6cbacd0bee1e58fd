# values_basic.py — scalars whose recorded value must equal repr(): record_values.sh
# takes `heapreel state` at the last line and compares with the lines printed here.
small = 7
neg = -5
large = 2 ** 100
huge = -(3 ** 200)
pi = 3.14159
tiny = 1e-300
text = 'it\'s "q"\nnaïve ✓ \x07 a\\b\t'
long_text = 'ab' * 50
nothing = None
yes = True
raw = b"\x00\xffq'"
table = {'key': [1], 5: 'five'}
# ASCII text: the recorder copies it between quotes unless repr() escapes something.
empty = ''
sq = "it's"
dq = 'say "hi"'
both = 'it\'s "q"'
slash = 'a\\b'
delete = 'x\x7fy'
ctrl = 'tab\there'
forty = 'q' * 40
forty_one = 'q' * 40 + "'"
quote_late = 'w' * 40 + '"' + "'"


def short(v):
    """repr(v) shortened the way the trace format says (FORMAT.md, value)."""
    if isinstance(v, int) and not isinstance(v, bool):
        r = repr(v)
        digits = len(r.lstrip('-'))
        return r if digits <= 40 else r[:20 + (v < 0)] + '\u2026' + f'({digits} digits)'
    if isinstance(v, (str, bytes)) and len(v) > 40:
        r = repr(v[:40])
        return r[:-1] + '\u2026' + r[-1]
    return repr(v)


for name in ['small', 'neg', 'large', 'huge', 'pi', 'tiny', 'text', 'long_text',
             'nothing', 'yes', 'raw', 'empty', 'sq', 'dq', 'both', 'slash', 'delete', 'ctrl',
             'forty', 'forty_one', 'quote_late']:
    print(name + '\t' + short(globals()[name]))
end = 0
