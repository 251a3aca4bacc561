#!/usr/bin/env bash
# Benchmarks the interpreter against CPython started as `python3 -S -E` (no site imports, no PYTHON*
# variables: the interpreter alone), and Lua 5.4 when installed (`apt-get install lua5.4`; optional, not a
# test dependency). Each program exists in the three languages beside this script (NAME.plat, NAME.py,
# NAME.lua) and prints the same answer, which is checked on every run.
# Whole-process wall time, release build, RUNS runs each after one warm-up, runtimes alternated run by run;
# prints the median of each and the ratio platflow / python3 (at or below 1.0: platflow is as fast or faster).
# `platflow run` is the durable run a user gets: the database opened (a fresh one in a temporary directory),
# the run recorded and its sources pinned, the journal at its default durability. Start-up (a one-line
# program) is on its own line. Never fails on a number.
#   bench/run.sh            # RUNS=5 by default
#   RUNS=9 bench/run.sh
#   bench/run.sh fib map    # only these programs
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-5}
programs=("$@")
[ ${#programs[@]} -gt 0 ] || programs=(startup fib loop list map concat join)
swift build -c release --product platflow >/dev/null
plat=$PWD/.build/release/platflow
command -v python3 >/dev/null || { echo "python3 is needed for the comparison" >&2; exit 2; }
# The interpreter itself, not a wrapper script in front of it (pyenv's shims are bash scripts that cost more
# than Python's own start-up).
python=$(python3 -S -E -c 'import sys; print(sys.executable)')
lua=$(command -v lua5.4 || true)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PLATFLOW_DB=$work/platflow.db

# Wall seconds of one run of a command (bash's own clock: no process is started to read it), checking that it
# printed the expected answer.
time_once() {
  local expect=$1; shift
  local start end
  start=$EPOCHREALTIME
  "$@" >"$work/out" 2>"$work/err" </dev/null
  end=$EPOCHREALTIME
  if [ "$(cat "$work/out")" != "$expect" ]; then
    echo "wrong answer from $*: $(cat "$work/out" "$work/err") (expected $expect)" >&2
    exit 1
  fi
  echo "$end - $start" | bc -l
}

median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.4f", m}'; }

header() {
  printf '%-8s %10s %12s %8s' program platflow "python3 -S" ratio
  [ -z "$lua" ] || printf ' %10s %8s' lua5.4 "vs lua"
  printf '\n'
}

header
for b in "${programs[@]}"; do
  expect=$("$python" -S -E "bench/$b.py")
  cmds=("$plat run bench/$b.plat" "$python -S -E bench/$b.py")
  [ -z "$lua" ] || cmds+=("$lua bench/$b.lua")
  # One warm-up of each (file cache, a first database), then RUNS rounds, the runtimes in turn.
  for c in "${cmds[@]}"; do time_once "$expect" $c >/dev/null; done
  : >"$work/t0"; : >"$work/t1"; : >"$work/t2"
  for _ in $(seq "$runs"); do
    for i in "${!cmds[@]}"; do time_once "$expect" ${cmds[$i]} >>"$work/t$i"; done
  done
  p=$(median <"$work/t0"); y=$(median <"$work/t1")
  [ "$b" != startup ] || echo "-- start-up: a one-line program (platflow: a durable run)"
  printf '%-8s %9ss %11ss %8.2f' "$b" "$p" "$y" "$(echo "$p / $y" | bc -l)"
  if [ -n "$lua" ]; then
    l=$(median <"$work/t2")
    printf ' %9ss %8.2f' "$l" "$(echo "$p / $l" | bc -l)"
  fi
  printf '\n'
  [ "$b" != startup ] || echo "-- programs"
done
[ -n "$lua" ] || echo "(install lua5.4 with apt-get to add a Lua column)"
