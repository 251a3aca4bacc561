#!/usr/bin/env bash
# Benchmarks the interpreter against CPython started as `python3 -S -E` (no site imports, no PYTHON*
# variables: the interpreter alone), and Lua 5.4 when installed (`apt-get install lua5.4`; optional, not a
# test dependency). Each program exists in the three languages beside this script (NAME.plat, NAME.py,
# NAME.lua) and prints the same answer, which is checked before it is timed.
# Whole processes timed by bench/lib/paired.py, release build: RUNS pairs after one warm-up, platflow and
# CPython in turn (A B A B ...), Lua timed on its own after them. Prints the medians of CPU time (user + system,
# which a loaded machine disturbs far less than wall time) and the ratios platflow / python3 of CPU and of wall
# time, taken pair by pair (at or below 1.0: platflow is as fast or faster).
# `platflow run` is the durable run a user gets: the database opened (a fresh one in a temporary directory),
# the run recorded and its sources pinned, the journal at its default durability. Start-up (a one-line
# program) is on its own line. Never fails on a number.
#   bench/run.sh            # RUNS=5 by default
#   RUNS=9 bench/run.sh
#   bench/run.sh fib map    # only these programs
#   PLATFLOW_BIN=/path/to/platflow bench/run.sh   # time another build (before/after comparisons), no build
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-5}
programs=("$@")
[ ${#programs[@]} -gt 0 ] || programs=(startup fib calls loop list compr map methods strings concat format join)
if [ -n "${PLATFLOW_BIN:-}" ]; then
  plat=$(realpath "$PLATFLOW_BIN")
else
  swift build -c release --product platflow >/dev/null
  plat=$PWD/.build/release/platflow
fi
command -v python3 >/dev/null || { echo "python3 is needed for the comparison" >&2; exit 2; }
# The interpreter itself, not a wrapper script in front of it (pyenv's shims are bash scripts that cost more
# than Python's own start-up).
python=$(python3 -S -E -c 'import sys; print(sys.executable)')
lua=$(command -v lua5.4 || true)
paired="$python -S -E bench/lib/paired.py"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PLATFLOW_DB=$work/platflow.db
# platflow is timed as a copy, the way it runs once installed, like the interpreters it is compared with. Started
# from the file the linker has just written, each start cost about 0.6 ms more CPU than from a copy of the same
# bytes (2026-12-06, ext4: the kernel maps the linker's freshly written pages in smaller pieces, more page faults).
cp "$plat" "$work/platflow"
plat=$work/platflow

# Runs a command once and checks that it printed the expected answer.
check() {
  local expect=$1; shift
  "$@" >"$work/out" 2>"$work/err" </dev/null || true
  if [ "$(cat "$work/out")" != "$expect" ]; then
    echo "wrong answer from $*: $(cat "$work/out" "$work/err") (expected $expect)" >&2
    exit 1
  fi
}

# The median (second column) of a row of paired.py's output: FIGURE in section SIDE ("A:", "B:" or "A/B").
figure() { awk -v side="$2" -v name="$3" '
  /^A: exit codes/ { cur = "A:"; next }
  /^B: exit codes/ { cur = "B:"; next }
  /^A\/B/ { cur = "A/B"; next }
  cur == side && index($0, name) { print $(NF - 1); exit }' "$1"; }

printf '%-8s %9s %11s %9s %10s' program "platflow" "python3 -S" "CPU ratio" "wall ratio"
[ -z "$lua" ] || printf ' %9s %8s' lua5.4 "vs lua"
printf '   (CPU seconds, medians of %s)\n' "$runs"
for b in "${programs[@]}"; do
  expect=$("$python" -S -E "bench/$b.py")
  check "$expect" "$plat" run "bench/$b.plat"
  check "$expect" "$python" -S -E "bench/$b.py"
  [ -z "$lua" ] || check "$expect" "$lua" "bench/$b.lua"
  $paired -n "$runs" --vs "$python -S -E bench/$b.py" -- "$plat" run "bench/$b.plat" >"$work/pair"
  p=$(figure "$work/pair" "A:" "cpu s"); y=$(figure "$work/pair" "B:" "cpu s")
  cpu_ratio=$(figure "$work/pair" "A/B" "cpu ratio"); wall_ratio=$(figure "$work/pair" "A/B" "wall ratio")
  [ "$b" != startup ] || echo "-- start-up: a one-line program (platflow: a durable run)"
  printf '%-8s %8.3fs %10.3fs %9.2f %10.2f' "$b" "$p" "$y" "$cpu_ratio" "$wall_ratio"
  if [ -n "$lua" ]; then
    $paired -n "$runs" -- "$lua" "bench/$b.lua" >"$work/lua"
    l=$(figure "$work/lua" "A:" "cpu s")
    printf ' %8.3fs %8.2f' "$l" "$(echo "$p / $l" | bc -l)"
  fi
  printf '\n'
  [ "$b" != startup ] || echo "-- programs"
done
[ -n "$lua" ] || echo "(install lua5.4 with apt-get to add a Lua column)"
