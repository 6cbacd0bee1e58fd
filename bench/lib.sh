# lib.sh — sourced by bench/run.sh and bench/bench_analyzer.sh: arithmetic,
# medians, one measured run, and the header that says where a run was made.

bench_py=/usr/bin/python3.11
bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# median: the median of the numbers on stdin, one a line ("nan" for none).
median() { sort -g | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]; else print "nan"}'; }
# calc EXPR: awk's arithmetic.
calc() { awk "BEGIN { print $1 }"; }

# measure LIMIT CMD...: one run; prints "wall cpu maxrss_kb status"
# (bench/measure.py: CPU is user + system from wait4, status "timeout" past
# LIMIT seconds). The command's stderr goes to $work/stderr.
measure() {
  local limit=$1; shift
  "$bench_py" "$bench_dir/measure.py" "$limit" "$@" 2>"$work/stderr"
}

# load_average: the 1, 5 and 15 minute load averages.
load_average() { cut -d' ' -f1-3 /proc/loadavg; }

# machine_header COMMAND BUILD: when, where and how a run was made, so that
# its tables can be pasted as they are.
machine_header() {
  local command=$1 build=$2 src commit=""
  src=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$build/CMakeCache.txt" 2>/dev/null)
  [ -n "$src" ] && commit=$(git -C "$src" log -1 --format='%h %s' 2>/dev/null)
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
    "$(awk '/MemTotal/ {printf "%.1f GB", $2 / 1048576}' /proc/meminfo), load average $(load_average)"
  echo "- build: $build ($(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt" 2>/dev/null)${commit:+, $commit})"
  echo "- command: $command"
}
