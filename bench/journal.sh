#!/usr/bin/env bash
# The durable engine against raw SQLite, in one script (release build, WAL, synchronous=FULL both sides):
#   journaled effects/s (a plan of N now() calls, each journaled)  vs  raw single-row commits/s   (target >= 0.8)
#   resume of a run with M finished entries: time to reach its first new effect, per entry
#   peak memory (max RSS) of each phase, each in its own process
# RUNS times each (default 3), the median shown. Never fails on a number.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${N:-20000}; m=${M:-10000}; runs=${RUNS:-3}
swift build -c release --product platflow-bench >/dev/null
b=.build/release/platflow-bench
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
measure() { # name count -> "median_value median_rss"
  local vals=() rss=()
  for _ in $(seq "$runs"); do
    read -r _ v _ r < <("$b" "$1" "$2")
    vals+=("$v"); rss+=("$r")
  done
  echo "$(printf '%s\n' "${vals[@]}" | median) $(printf '%s\n' "${rss[@]}" | median)"
}
read -r raw raw_rss < <(measure journal-raw "$n")
read -r eff eff_rss < <(measure journal-effects "$n")
read -r res res_rss < <(measure journal-resume "$m")
printf '%-44s %14s %12s\n' measurement value "peak memory"
printf '%-44s %10.0f /s %9d KB\n' "raw SQLite single-row commits (N=$n)" "$raw" "$raw_rss"
printf '%-44s %10.0f /s %9d KB\n' "journaled now() effects (N=$n)" "$eff" "$eff_rss"
printf '%-44s %12.2f\n' "ratio journaled/raw (target >= 0.8)" "$(echo "$eff / $raw" | bc -l)"
printf '%-44s %9.1f us %9d KB\n' "resume: replay per finished entry (M=$m)" "$res" "$res_rss"
