#!/usr/bin/env bash
# What confining simulated hosts costs: `true` on HOSTS simulated hosts (default 500, 64 at once) with each
# script under bubblewrap (the default where bwrap works) vs the same run with PLATFLOW_CONFINE=off, timed as
# whole processes by farm-bench, pair by pair. Prints farm-bench's figures with the confined/unconfined ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
hosts=${HOSTS:-500}
command -v bwrap >/dev/null || { echo "confinement bench: bwrap is not installed (scripts/setup.sh installs it)" >&2; exit 1; }
swift build -c release --product platflow >/dev/null
plat=$PWD/.build/release/platflow
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cp bench/fanout.plat "$work/"
# One run each, on a fresh database (no run replays another's journal).
for mode in confined unconfined; do
  confine=on; [ "$mode" = unconfined ] && confine=off
  cat > "$work/$mode.sh" <<SCRIPT
cd "$work" && rm -rf "$work/$mode.db"* .platflow/hosts
PLATFLOW_CONFINE=$confine exec "$plat" run fanout.plat -q --db "$work/$mode.db" -p hosts=$hosts
SCRIPT
done
echo "A: $hosts simulated hosts confined by bubblewrap; B: the same with PLATFLOW_CONFINE=off"
farm-bench -n 5 --timeout 900 --vs "sh $work/unconfined.sh" -- sh "$work/confined.sh"
