#!/usr/bin/env bash
# demo.sh — the main job: record a course example, show a moment of it, draw it, summarise it.
# Usage: tools/demo.sh BUILD_DIR   (./build.sh demo calls it)
set -euo pipefail
build=$1
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/demo-out
mkdir -p "$out"
heapreel=$build/heapreel
trace=$out/aliasing.heapreel

echo "== heapreel record traces/aliasing.py"
"$heapreel" record -o "$trace" "$root/traces/aliasing.py"
echo
echo "== heapreel state --line 5 (just before 'print(a)': a and b share one list)"
"$heapreel" state "$trace" --line 5
echo
echo "== heapreel render: the diagram at line 5, and a page that steps through the run"
"$heapreel" render "$trace" --line 5 -o "$out/aliasing-line5.png"
"$heapreel" render "$trace" --line 5 -o "$out/aliasing-line5.svg"
"$heapreel" render "$trace" --html "$out/aliasing.html"
echo "wrote $out/aliasing-line5.png, $out/aliasing-line5.svg and $out/aliasing.html"
echo
echo "== heapreel summary"
"$heapreel" summary "$trace"
echo
echo "== heapreel sql: the reference count of every list over time"
"$heapreel" sql "$trace" "SELECT e.step, e.kind, e.object, e.refcount
  FROM events e JOIN objects o ON o.id = e.object
  JOIN types t ON t.id = o.type JOIN strings s ON s.id = t.name
  WHERE s.text = 'list' AND e.kind IN ('incref', 'decref', 'free') ORDER BY e.seq LIMIT 12"
echo
echo "the trace is $trace; try: $heapreel history $trace a@5"
