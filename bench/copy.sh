#!/usr/bin/env bash
# Distribution: one 200 MB file to 20 simulated hosts with FileDistributor, as `copy` does by default (temp file,
# rename, SHA-256 verified, no fsync, like cp), and again as `copy(sync: true)` does (fsync of every file), against
# `cp` of the same bytes in the same run (20 x cp, one after the other), cp with a `sync` of each file (the same
# durability as sync: true) and 20 cp at once (xargs -P). Release build; RUNS runs in rotating order, medians.
# Target: >= 0.7 of cp (ratio = cp time / platflow time). Never fails on a number.
#   SIZE_MB=200 HOSTS=20 PARALLEL=20 RUNS=5 DIR=/tmp bench/copy.sh
# DIR picks the file system: by default the disk under /tmp; DIR=/dev/shm measures the engine on tmpfs, where
# fsync costs nothing and the page cache is the whole story.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product platflow-bench >/dev/null
.build/release/platflow-bench copy --size-mb "${SIZE_MB:-200}" --hosts "${HOSTS:-20}" --parallel "${PARALLEL:-20}" \
  --runs "${RUNS:-5}" --dir "${DIR:-/tmp}"
