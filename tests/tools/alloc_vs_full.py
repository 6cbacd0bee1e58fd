"""alloc_vs_full.py FULL.json ALLOC.json FULL_PEAK.json ALLOC_PEAK.json PROGRAM_DIR [KINDS]

The leaks and peak of a full and an alloc trace of the same program, as
`heapreel leaks --json` and `peak --json` print them: the leak groups the
program's own files allocated (file, line, type, count, bytes) and the
peak (within 1 %) must agree. KINDS (comma-separated, default all three)
names which of leaks' lists count: groups, cyclic_garbage, unreached; a
peak (or leaks) of '-' is not compared. MIN_COUNT (default 1): groups of fewer objects
in both traces are left out. Prints each difference; exits 1 on any."""
import json
import sys

full, alloc, fpeak, apeak = (json.load(open(p)) if p != "-" else None for p in sys.argv[1:5])
prog_dir = sys.argv[5]
kinds = sys.argv[6].split(",") if len(sys.argv) > 6 else ["groups", "cyclic_garbage", "unreached"]
min_count = int(sys.argv[7]) if len(sys.argv) > 7 else 1


def groups(j):
    out = {}
    for key in kinds:
        for g in j[key]:
            if not (g["file"] or "").startswith(prog_dir):
                continue
            # A function's code object is the compiler's, made before the
            # first line: an alloc trace leaves it out, a full trace counts
            # it at the def line once a path reaches it (function -> __code__).
            if g["type"] == "code":
                continue
            k = (g["file"][len(prog_dir):], g["line"], g["type"])
            c, b = out.get(k, (0, 0))
            out[k] = (c + g["count"], b + g["bytes"])
    return out


f, a = (groups(full), groups(alloc)) if full and alloc else ({}, {})
bad = []
for k in sorted(set(f) | set(a), key=str):
    if max(f.get(k, (0, 0))[0], a.get(k, (0, 0))[0]) < min_count:
        continue
    if f.get(k) != a.get(k):
        bad.append(f"  {k[0]}:{k[1]} {k[2]}: full {f.get(k)}, alloc {a.get(k)}")
fp = fpeak["peak_bytes"] if fpeak else 0
ap = apeak["peak_bytes"] if apeak else 0
if fpeak and apeak and abs(fp - ap) > fp / 100:
    bad.append(f"  peak: full {fp}, alloc {ap} ({(ap - fp) * 100 / fp:+.2f} %)")
if bad:
    print("differ:\n" + "\n".join(bad))
    sys.exit(1)
print(f"{len(f)} groups and the peak ({fp} / {ap}) agree")
