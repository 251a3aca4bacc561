#!/usr/bin/env bash
# Benchmarks the interpreter against CPython (and Lua 5.4 when installed) on the same six programs.
# Builds release, runs every program RUNS times per runtime (whole-process wall time), prints the median of
# each and the ratio platflow/python3 (below 1.0 means platflow is faster). Never fails on a number.
#   bench/run.sh            # RUNS=5 by default
#   RUNS=9 bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-5}
swift build -c release >/dev/null
plat=.build/release/platflow
command -v python3 >/dev/null || { echo "python3 is needed for the comparison" >&2; exit 2; }
lua=$(command -v lua5.4 || true)

# Median wall time in seconds of `runs` runs of a command, checking it prints the expected answer.
median() {
  local expect=$1; shift
  local times=()
  for _ in $(seq "$runs"); do
    local start end out
    start=$(date +%s.%N)
    out=$("$@")
    end=$(date +%s.%N)
    if [ "$out" != "$expect" ]; then echo "wrong answer from $*: $out (expected $expect)" >&2; exit 1; fi
    times+=("$(echo "$end - $start" | bc -l)")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m}'
}

printf '%-8s %10s %10s %8s' program platflow python3 ratio
[ -n "$lua" ] && printf ' %10s' lua5.4
printf '\n'
for b in fib loop list map concat join; do
  expect=$(python3 bench/$b.py)
  p=$(median "$expect" "$plat" run bench/$b.plat)
  y=$(median "$expect" python3 bench/$b.py)
  printf '%-8s %9ss %9ss %8.2f' "$b" "$p" "$y" "$(echo "$p / $y" | bc -l)"
  if [ -n "$lua" ]; then printf ' %9ss' "$(median "$expect" "$lua" bench/$b.lua)"; fi
  printf '\n'
done
[ -n "$lua" ] || echo "(install lua5.4 with apt-get to add a Lua column)"
