#!/bin/bash
# analyzer_import_noise.sh — `leaks` on a program that imports a one-line
# module of its own (tests/programs/import_noise.py): what the import system
# and the compiler made and keep to themselves is not a leak, and a global of
# another module than __main__ is named with its module; in an alloc and a
# full trace, against what the program printed.
set -u

. "$(dirname "$0")/../tools/test_env.sh" && test_env analyzer_import_noise

prog=import_noise.py
site=$(line_of $prog REGISTRY_SITE)
record_or_die "$TMP/alloc.heapreel" --detail alloc "$PROGS/$prog"
grep -qx "registry 1 list" "$TMP/rec.out" && grep -qx "refcount item 1" "$TMP/rec.out" \
  || fail "the program's own view differs: $(cat "$TMP/rec.out")"
record_or_die "$TMP/full.heapreel" "$PROGS/$prog"

for m in alloc full; do
  run 0 leaks --json "$TMP/$m.heapreel"
  json_check "$m: the list made on line $site is held by global 'import_noise_helper._registry'" \
    'any(g["type"] == "list" and g["line"] == int(a[0]) and g["count"] == 1 and g["retention"] == ["global '"'"'import_noise_helper._registry'"'"'", "item[0]"] for g in j["groups"])' "$site"
  json_check "$m: nothing made on the import line is held by references the trace does not show" \
    'not any(g["line"] == int(a[0]) for g in j["unreached"] + j["cyclic_garbage"])' "$(line_of $prog '^import import_noise_helper')"
  json_check "$m: no leak group of types, weakrefs or FileFinder caches at the import line" \
    'not any(g["type"] in ("type", "weakref", "ReferenceType", "set") and g["line"] == int(a[0]) for g in j["groups"] + j["unreached"])' "$(line_of $prog '^import import_noise_helper')"
done
run 0 leaks --json "$TMP/alloc.heapreel"
json_check "alloc: what the import system keeps is counted apart, not dropped silently" \
  'j["import_system"]["count"] > 100 and j["import_system"]["bytes"] > 0'
run 0 leaks "$TMP/alloc.heapreel"
grep -q "^not counted: [0-9]* objects, [0-9]* bytes the import system made and no root reaches" "$TMP/out" \
  && ok "alloc text says what it left out" || fail "alloc text: $(tail -c 400 "$TMP/out")"
grep -q "held by: global '__spec__'" "$TMP/out" && fail "a helper's global is shown as __main__'s"
exit $((failures > 0))
