#!/usr/bin/env bash
# Distribution at the same concurrency as its peer: `platflow run bench/copy.plat` (whole process: the plan, the
# copy of every host, each host's result journaled; atomic replace, SHA-256 verified, confined to the host's
# root) against `cp` started PARALLEL at once (xargs -P), on the same files, in the same run:
#   large  one SIZE_MB file (default 200 MB) to HOSTS simulated hosts (default 20)
#   tree   a folder of FILES small files (default 10,000 in 100 folders, 256 B to 8 KB) to the same hosts
# each twice: copy's default (no fsync, like cp) against cp; sync: true (every file and folder fsynced before and
# after its rename) against cp followed by `sync` of every file and folder it wrote (the same durability).
# Ratio = peer time / platflow time (higher is better; target >= 0.8), wall clock first, then the same for CPU
# time (user + system of the whole process tree: steadier when the machine is shared). Phases run RUNS times (default 5) in
# rotating order, each from empty destinations after a `sync`; medians shown. Then platflow's peak memory as the
# hosts and the size grow. Never fails on a number.
#   SIZE_MB=200 HOSTS=20 PARALLEL=20 FILES=10000 RUNS=5 DIR=/tmp bench/copy.sh
# DIR picks the file system: by default the disk under /tmp; DIR=/dev/shm measures on tmpfs.
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb=${SIZE_MB:-200}; hosts=${HOSTS:-20}; parallel=${PARALLEL:-20}; files=${FILES:-10000}; runs=${RUNS:-5}
swift build -c release --product platflow >/dev/null
plat=$PWD/.build/release/platflow
work=$(mktemp -d "${DIR:-/tmp}/platflow-copy-bench.XXXXXX"); trap 'rm -rf "$work"' EXIT
cp bench/copy.plat "$work/"
cd "$work"

# The payloads: incompressible bytes for the large file; the tree's files are small, of varied sizes.
head -c "$((size_mb * 1000000))" /dev/urandom > large.bin
mkdir tree
perl -e '($dir, $n) = @ARGV; srand(7); for $i (0 .. $n - 1) { $d = "$dir/d" . int($i / 100);
         mkdir $d unless -d $d; open(F, ">", "$d/f$i.txt") or die; print F "x" x (256 + int(rand(7937))); close F }' \
  tree "$files"
tree_bytes=$(du -sb tree | cut -f1)
sync

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
dests() { for i in $(seq "$hosts"); do echo "$work/dest/h$i/srv"; done; }
reset() { rm -rf "$work/dest"; mkdir -p "$work/dest"; sync; }
# Each phase prints its wall seconds and its CPU seconds (user + system, the whole process tree), measured by
# /usr/bin/time around it.
timed() { /usr/bin/time -f "%e %U %S" -o "$work/time.txt" "$@" >/dev/null; awk '{print $1, $2 + $3}' "$work/time.txt"; }
run_platflow() { # SOURCE SYNC
  timed "$plat" run copy.plat -q --db "$work/run.db" -p src="$1" -p base="$work/dest" -p hosts="$hosts" \
    -p throttle="$parallel" -p sync="$2"
  rm -f "$work/run.db"*
}
run_cp() { # SOURCE SYNC: cp -r SOURCE into each host's /srv, PARALLEL at once; with SYNC, sync what it wrote
  local script='mkdir -p "$1" && cp -r "$0" "$1/"'
  [ "$2" = true ] && script="$script"' && find "$1/$(basename "$0")" -print0 | xargs -0 sync --'
  dests > "$work/dests.txt"
  timed xargs -P "$parallel" -n 1 -a "$work/dests.txt" sh -c "$script" "$1"
}

phases=("large platflow" "large cp" "large platflow-sync" "large cp-sync"
        "tree platflow" "tree cp" "tree platflow-sync" "tree cp-sync")
declare -A walls cpus
for r in $(seq "$runs"); do
  for k in "${!phases[@]}"; do
    phase=${phases[$(( (k + r) % ${#phases[@]} ))]}
    read -r what who <<< "$phase"
    src="$work/large.bin"; [ "$what" = tree ] && src="$work/tree"
    reset
    case $who in
      platflow) t=$(run_platflow "$src" false) ;;
      platflow-sync) t=$(run_platflow "$src" true) ;;
      cp) t=$(run_cp "$src" false) ;;
      cp-sync) t=$(run_cp "$src" true) ;;
    esac
    read -r wall cpu <<< "$t"
    walls[$phase]="${walls[$phase]:-} $wall"; cpus[$phase]="${cpus[$phase]:-} $cpu"
  done
done
reset

med() { tr ' ' '\n' <<< "$1" | grep . | median; }
echo "distribution, $parallel at once on both sides; median of $runs runs; $(nproc) CPUs; $(df -T "$work" | awk 'NR==2 {print $2}') under $work"
printf '%-42s %9s %9s %7s %7s\n' "wall seconds (CPU ratio: the same in CPU)" platflow peer ratio "CPU r."
for what in large tree; do
  if [ "$what" = large ]; then label="one $size_mb MB file to $hosts hosts"; bytes=$((size_mb * 1000000))
  else label="$files files ($((tree_bytes / 1000)) KB) to $hosts hosts"; bytes=$tree_bytes; fi
  for mode in "" -sync; do
    p=$(med "${walls[$what platflow$mode]}"); c=$(med "${walls[$what cp$mode]}")
    pc=$(med "${cpus[$what platflow$mode]}"); cc=$(med "${cpus[$what cp$mode]}")
    if [ -z "$mode" ]; then name="$label, vs cp -P"; else name="  sync: true, vs cp -P + sync"; fi
    printf '%-42s %8.2fs %8.2fs %7.2f %7.2f\n' "$name" "$p" "$c" "$(echo "$c / $p" | bc -l)" "$(echo "$cc / $pc" | bc -l)"
  done
  printf '%-42s %8.0f MB/s\n' "  platflow throughput (default)" "$(echo "$bytes * $hosts / $(med "${walls[$what platflow]}") / 1000000" | bc -l)"
done
for phase in "${phases[@]}"; do printf '  %-22s wall%s; cpu%s\n' "$phase:" "${walls[$phase]}" "${cpus[$phase]}"; done

# Peak memory of the whole process: more hosts, then a larger file.
rss() { # SOURCE HOSTS
  reset
  /usr/bin/time -f %M "$plat" run copy.plat -q --db "$work/m.db" -p src="$1" -p base="$work/dest" -p hosts="$2" \
    -p throttle="$parallel" 2>&1 >/dev/null | tail -1
  rm -f "$work/m.db"*
}
m20=$(rss "$work/large.bin" "$hosts"); m40=$(rss "$work/large.bin" $((hosts * 2)))
head -c "$((size_mb * 2000000))" /dev/urandom > large2.bin
m2x=$(rss "$work/large2.bin" "$hosts"); rm -f large2.bin
t20=$(rss "$work/tree" "$hosts"); t40=$(rss "$work/tree" $((hosts * 2)))
reset
printf '%-44s %9d KB\n' "peak memory, large file, $hosts hosts" "$m20"
printf '%-44s %9d KB\n' "peak memory, large file, $((hosts * 2)) hosts" "$m40"
printf '%-44s %9d KB\n' "peak memory, file of $((size_mb * 2)) MB, $hosts hosts" "$m2x"
printf '%-44s %9d KB\n' "peak memory, tree, $hosts hosts" "$t20"
printf '%-44s %9d KB\n' "peak memory, tree, $((hosts * 2)) hosts" "$t40"
