#!/usr/bin/env bash
# Pushing an artifact: `platflow artifact push` of one SIZE_MB file (default 1024: 1 GB of random bytes), which
# hashes while it copies into the store, fsyncs, renames and records the version, against `sha256sum FILE` then
# `cp FILE DEST` of the same file (the two passes a script would make), and against that plus `sync DEST` (the
# same durability as the push). Release build; RUNS runs (default 5) in alternating order, medians; each push goes
# to an empty store and each cp to a new name, so neither side finds its work done.
# Target: >= 0.8 (ratio = (sha256sum + cp) time / push time). Never fails on a number.
#   SIZE_MB=1024 RUNS=5 DIR=/tmp bench/release-push.sh
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product platflow >/dev/null
bin="$PWD/.build/release/platflow"
size_mb="${SIZE_MB:-1024}"
runs="${RUNS:-5}"
work="$(mktemp -d "${DIR:-/tmp}/platflow-push-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
head -c "$((size_mb * 1024 * 1024))" /dev/urandom > "$work/artifact.bin"
cat "$work/artifact.bin" > /dev/null   # both sides read the source from the page cache

now() { date +%s.%N; }
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

push_times=(); cp_times=(); sync_times=()
for i in $(seq 1 "$runs"); do
    rm -rf "$work/store" "$work/db" "$work"/copy-*
    mkdir -p "$work/db"
    t0=$(now)
    "$bin" artifact push bench "1.0.$i" "$work/artifact.bin" --db "$work/db/platflow.db" --store "$work/store" >/dev/null
    t1=$(now)
    sha256sum "$work/artifact.bin" >/dev/null
    cp "$work/artifact.bin" "$work/copy-$i"
    t2=$(now)
    rm -f "$work/copy-$i"
    t3=$(now)
    sha256sum "$work/artifact.bin" >/dev/null
    cp "$work/artifact.bin" "$work/copy-s$i"
    sync "$work/copy-s$i"
    t4=$(now)
    push_times+=("$(echo "$t1 - $t0" | bc -l)")
    cp_times+=("$(echo "$t2 - $t1" | bc -l)")
    sync_times+=("$(echo "$t4 - $t3" | bc -l)")
done

push=$(printf '%s\n' "${push_times[@]}" | median)
cpt=$(printf '%s\n' "${cp_times[@]}" | median)
synct=$(printf '%s\n' "${sync_times[@]}" | median)
printf 'artifact push of %d MB, median of %d runs (%s)\n' "$size_mb" "$runs" "${DIR:-/tmp}"
printf '  %-28s %8.3f s  %8.1f MB/s\n' "platflow artifact push" "$push" "$(echo "$size_mb / $push" | bc -l)"
printf '  %-28s %8.3f s  %8.1f MB/s   ratio %.2f\n' "sha256sum + cp" "$cpt" "$(echo "$size_mb / $cpt" | bc -l)" "$(echo "$cpt / $push" | bc -l)"
printf '  %-28s %8.3f s  %8.1f MB/s   ratio %.2f\n' "sha256sum + cp + sync" "$synct" "$(echo "$size_mb / $synct" | bc -l)" "$(echo "$synct / $push" | bc -l)"
echo "ratio = baseline time / push time; target >= 0.8 against sha256sum + cp"
