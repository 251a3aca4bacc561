#!/usr/bin/env bash
# Release pipelines, part 1: sorting 100,000 semantic versions. The same deterministic list (releases,
# alpha/beta/rc and numeric pre-releases, build metadata; bench/semver/generate.py) is written to a file, then
# sorted by `platflow semver sort --file FILE` (release build) and by Python's `semver` package
# (`sorted(vs, key=semver.Version.parse)`, bench/semver/sort.py), installed from PyPI into .build/bench-venv.
# Both are timed as whole processes (start-up, reading the file, parsing, sorting, writing to /dev/null), RUNS
# runs each in alternating order, medians; the outputs must be identical (same precedence, both sorts stable).
# Ratio = Python's time / platflow's time (above 1: platflow is faster). Target: faster. Never fails on a number.
#   N=100000 RUNS=5 bench/release.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N="${N:-100000}"
RUNS="${RUNS:-5}"
swift build -c release --product platflow >/dev/null
if [ ! -x .build/bench-venv/bin/python ]; then
  python3 -m venv .build/bench-venv
fi
.build/bench-venv/bin/python -c "import semver" 2>/dev/null || .build/bench-venv/bin/pip install -q semver
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 bench/semver/generate.py "$N" > "$work/versions.txt"

.build/release/platflow semver sort --file "$work/versions.txt" > "$work/platflow.out"
.build/bench-venv/bin/python bench/semver/sort.py "$work/versions.txt" > "$work/python.out"
if ! cmp -s "$work/platflow.out" "$work/python.out"; then
  echo "the two sorts disagree:" >&2
  diff "$work/platflow.out" "$work/python.out" | head -10 >&2
  exit 1
fi

seconds() { # prints the wall seconds of one run of the command
  local start end
  start=$(date +%s.%N)
  "$@" > /dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

: > "$work/p.times"; : > "$work/q.times"
for _ in $(seq "$RUNS"); do
  seconds .build/release/platflow semver sort --file "$work/versions.txt" >> "$work/p.times"
  seconds .build/bench-venv/bin/python bench/semver/sort.py "$work/versions.txt" >> "$work/q.times"
done
p=$(median < "$work/p.times")
q=$(median < "$work/q.times")
semver_version=$(.build/bench-venv/bin/python -c "import semver; print(semver.__version__)")
printf 'sort %s versions: platflow %.3f s, Python semver %s %.3f s (medians of %s, whole process)\n' \
  "$N" "$p" "$semver_version" "$q" "$RUNS"
printf 'ratio (Python / platflow): %.1f (target: above 1)\n' "$(echo "$q / $p" | bc -l)"
