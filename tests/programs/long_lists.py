# A long run for the stepping page: about 30,000 steps of loops that build
# lists, drop them and build them again, with a few marks along the way.
try:
    import heapreel
except ImportError:
    heapreel = None


def build(n):
    out = []
    for i in range(n):
        out.append(i * 2)
    return out


total = 0
for round_no in range(102):
    items = build(24)
    total += items[-1]
    del items
    if round_no % 40 == 0 and heapreel:
        heapreel.mark(f"round {round_no}")
print("total", total)
