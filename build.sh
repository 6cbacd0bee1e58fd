#!/usr/bin/env bash
# build.sh — set up, build and run heapreel on a fresh Debian 12 machine.
#
#   ./build.sh demo    install what is missing, build, record an example, show it
#   ./build.sh test    install what is missing, build, run every test (and the
#                      same tests again under ASan + UBSan)
#   ./build.sh bench   the benchmarks (long; never part of the tests)
#   ./build.sh compat  every CPython test module that passes under python3.11,
#                      run under heapreel record in each mode (long: hours)
#   ./build.sh build   just install and build
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
JOBS=$(nproc 2>/dev/null || echo 2)

# Debian packages the build and the tests need.
PACKAGES=(cmake make gcc pkg-config libsqlite3-dev zlib1g-dev libgraphviz-dev
          graphviz python3.11 python3.11-dev libpython3.11-dev sqlite3 librsvg2-bin)
# ... and the tests only: the compatibility suite's corpus (tests/compat/):
# CPython's own test suite and real libraries doing real work; strace for
# record_fixed_cost's checks of what a recording opens and maps.
TEST_PACKAGES=(libpython3.11-testsuite python3-pygments python3-docutils python3-yaml
               python3-jinja2 python3-numpy python3-pytest strace)

install_missing() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "build.sh: installing ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
}

configure_and_build() {  # $1 build dir, rest: cmake options
  local dir=$1; shift
  cmake -S "$ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$dir" -j"$JOBS" >/dev/null
}

run_tests() {  # $1 build dir
  (cd "$1" && ctest --output-on-failure -j"$JOBS" -LE bench)
}

cmd=${1:-}
case "$cmd" in
  build)
    install_missing
    configure_and_build build
    ;;
  demo)
    install_missing
    configure_and_build build
    bash "$ROOT/tools/demo.sh" "$ROOT/build"
    ;;
  test)
    # The stepping page's test (tests/integration/render_html.sh) drives a
    # headless browser; only the tests need it.
    PACKAGES+=(chromium "${TEST_PACKAGES[@]}")
    install_missing
    configure_and_build build
    run_tests build
    echo "build.sh: the same tests under AddressSanitizer and UndefinedBehaviorSanitizer" >&2
    configure_and_build build-asan -DHEAPREEL_SANITIZE=ON
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 LSAN_OPTIONS=suppressions=$ROOT/tests/tools/lsan.supp:print_suppressions=0 \
      UBSAN_OPTIONS=print_stacktrace=1 run_tests build-asan
    ;;
  bench)
    install_missing
    configure_and_build build-release -DCMAKE_BUILD_TYPE=Release
    bash "$ROOT/bench/run.sh" "$ROOT/build-release"
    echo
    bash "$ROOT/bench/bench_analyzer.sh" "$ROOT/build-release"
    ;;
  compat)
    # Every test_* module of CPython's suite that passes under python3.11
    # within 60 s (less tests/compat/skip_modules.txt), in alloc, full and
    # --all-frames mode (the last only for modules under 5 s plain), then the
    # library cases; a table of results and CPU-time ratios, and totals.
    PACKAGES+=("${TEST_PACKAGES[@]}")
    install_missing
    configure_and_build build
    /usr/bin/python3.11 "$ROOT/tests/compat/compat.py" --heapreel "$ROOT/build/heapreel" \
      --jobs "$JOBS" --discover corpus-b
    ;;
  *)
    echo "usage: ./build.sh demo|test|bench|compat|build" >&2
    exit 2
    ;;
esac
