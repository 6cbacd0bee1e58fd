#!/bin/bash
# analyzer_review.sh — answers a user review found wrong: --line on an
# --all-frames recording, state and render after the main module returned,
# peak and summary counting only what the program made, an object's latest
# size in history, and peak --plot's scale and file type.
set -u

. "$(dirname "$0")/../tools/test_env.sh" && test_env analyzer_review

# --- --line on a recording with --all-frames (the script is not the outermost first frame)
printf 'import json\ns = json.dumps({"a": 1})\nprint(s)\n' >"$TMP/js.py"
(cd "$TMP" && "$RECORD" --all-frames -o jsall.heapreel js.py >rec.out 2>rec.err) \
  || fail "recording js.py with --all-frames failed: $(tail -c 300 "$TMP/rec.err")"
run 0 steps --json "$TMP/jsall.heapreel" --line 1
json_check "steps --line 1 finds the script's first line" \
  'j["steps"] and all(s["file"].endswith("/js.py") and s["line"] == 1 for s in j["steps"])'
run 0 state --json "$TMP/jsall.heapreel" --line 3
json_check "state --line 3 stands at js.py:3 with s bound" \
  'j["file"].endswith("/js.py") and j["line"] == 3 and any(sl["name"] == "s" and sl["object"] for f in j["frames"] for sl in f["slots"])'
run 0 render "$TMP/jsall.heapreel" --line 3 -o "$TMP/js3.svg"
[ -s "$TMP/js3.svg" ] && ok "render --line 3 draws" || fail "render --line 3 wrote nothing"

# --- state and render at the end mark, after the main module's frame returned
record_or_die "$TMP/al.heapreel" "$SRC/traces/aliasing.py"
run 0 state --json "$TMP/al.heapreel" --mark end
json_check "the end shows the finished module frame with a, b and c" \
  'len(j["frames"]) == 1 and j["frames"][0]["function"] == "<module>" and j["frames"][0]["finished"] and [s["name"] for s in j["frames"][0]["slots"]] == ["a", "b", "c"]'
json_check "a and b are one list of 4 items, c a list of 5" \
  '(fs := {s["name"]: s["object"] for s in j["frames"][0]["slots"]}) and fs["a"] == fs["b"] != fs["c"] and {o["id"]: o["value"] for o in j["objects"]}[fs["a"]] == "len 4" and {o["id"]: o["value"] for o in j["objects"]}[fs["c"]] == "len 5"'
json_check "state keeps its contract keys" \
  'has(j, "step", "file", "line", "function", "frames", "objects") and has(j["frames"][0], "id", "function", "file", "line", "slots") and all(has(o, "id", "type", "value", "refcount", "address", "size", "refs") for o in j["objects"])'
run 0 state "$TMP/al.heapreel" --mark end
grep -q "^  <module> (finished)  .*aliasing.py:9" "$TMP/out" && ok "text labels the module frame finished" \
  || fail "state text lacks '<module> (finished)': $(head -c 400 "$TMP/out")"
run 0 state --json "$TMP/al.heapreel" --step 50
json_check "before the last step the module frame still runs" 'not j["frames"][0]["finished"]'
run 0 render "$TMP/al.heapreel" --mark end -o "$TMP/end.svg"
grep -q "(finished)" "$TMP/end.svg" && grep -q ">c<" "$TMP/end.svg" && ok "render --mark end draws the finished frame's globals" \
  || fail "render --mark end lacks the finished frame"

# --- peak and summary count what the program made as leaks does ----------------------
run 0 peak --json "$TMP/al.heapreel"
json_check "peak's live-by-site has only the program's objects (no start-up str, no loader)" \
  'j["live_by_site"] and all(g["file"].endswith("/aliasing.py") and g["type"] != "SourceFileLoader" for g in j["live_by_site"])'
json_check "peak keeps its contract keys" 'has(j, "peak_bytes", "step", "file", "line", "stack", "live_by_site")'
run 0 peak "$TMP/al.heapreel"
grep -q "unknown place" "$TMP/out" && fail "peak text lists objects from an unknown place: $(head -c 500 "$TMP/out")" \
  || ok "peak text lists no object from an unknown place"
run 0 summary --json "$TMP/al.heapreel"
json_check "summary says what its alive-at-the-end count covers" \
  'j["objects_alive_at_end_scope"] == "all" and has(j, "objects_alive_at_end")'
run 0 summary "$TMP/al.heapreel"
grep -q "start-up's included; \`leaks\` counts the program's" "$TMP/out" && ok "summary text labels its alive count" \
  || fail "summary text does not say what 'alive at the end' counts: $(head -c 600 "$TMP/out")"

# --- history shows the latest size and each resize --------------------------------------
run 0 history --json "$TMP/al.heapreel" a@5
json_check "history's size is the latest (88, the 4-item list), with its resize events" \
  'j["size"] == 88 and j["alloc_size"] == 56 and any(e["kind"] == "resize" and e["size"] == 88 for e in j["events"]) and has(j, "object", "type", "alloc", "free", "events")'
run 0 history "$TMP/al.heapreel" a@5
grep -q "^object #[0-9]* list  size 88 (56 when made)" "$TMP/out" && grep -q "^resize  .*size 88" "$TMP/out" \
  && ok "history text shows size 88 and the resize" || fail "history text: $(head -c 400 "$TMP/out")"

# --- peak --plot: scaled to the highest point drawn; SVG files only ------------------------
record_or_die "$TMP/lt.heapreel" "$SRC/traces/lifetime.py"
run 0 peak "$TMP/lt.heapreel" --plot "$TMP/p.svg"
"$PY" - "$TMP/p.svg" <<'PYEOF' && ok "every plotted point lies within the chart (below its top axis)" || fail "plot draws above its top axis"
import re, sys
svg = open(sys.argv[1]).read()
top = 40  # MT, where the y axis starts
pts = [float(y) for x, y in re.findall(r"([0-9.]+),([0-9.]+)", re.search(r'class="bytes"[^>]*points="([^"]*)"', svg).group(1))]
cy = float(re.search(r'class="peak" cx="[0-9.]+" cy="([0-9.]+)"', svg).group(1))
sys.exit(0 if pts and min(pts + [cy]) >= top - 0.01 else 1)
PYEOF
grep -Eq '>peak [0-9.]+ (bytes|kB|MB|GB)' "$TMP/p.svg" && ! grep -q 'iB' "$TMP/p.svg" \
  && ok "plot sizes in SI units, as the recorder shows them" || fail "plot sizes: $(grep -o '>peak [^<(]*' "$TMP/p.svg")"
# A trace path with bytes that are not UTF-8 and a control: the title is
# escaped as the diagrams' labels are, so the SVG stays well-formed XML.
odd="$TMP/l$(printf '\377\001<')t.heapreel"
cp "$TMP/lt.heapreel" "$odd"
run 0 peak "$odd" --plot "$TMP/odd.svg"
"$PY" - "$TMP/odd.svg" <<'PYEOF' && ok "plot title of a non-UTF-8 path is well-formed XML" || fail "plot title: $(grep -a '<title>' "$TMP/odd.svg")"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
title = root.find("{http://www.w3.org/2000/svg}title").text
sys.exit(0 if "l\ufffd\\x01<t.heapreel" in title else 1)
PYEOF
run 2 peak "$TMP/lt.heapreel" --plot "$TMP/out.png"
one_line_error "--plot writes SVG only"
[ -e "$TMP/out.png" ] && fail "peak --plot out.png wrote a file" || ok "peak --plot out.png writes nothing"

[ "$failures" = 0 ] || exit 1
echo "all analyzer_review checks passed"
