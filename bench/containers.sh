#!/usr/bin/env bash
# The container runtime against podman itself, in one script (release build):
#   start N replicas (default 50) of one Deployment on a one-node local cluster and remove them:
#     `platflow app install --manifests` + `platflow app uninstall`
#     vs a shell loop of the same podman commands (pod create + run, then pod rm), 8 at a time as platflow does
#   roll them to a new image (maxSurge 10, maxUnavailable 0: batches of 10):
#     install + upgrade --image + uninstall vs the same loops with a rolling phase (start the new pod, remove the old)
# platflow checks what runs, plans, places, checks images and waits for each pod to run; the peer does none of that.
# Target: peer time / platflow time >= 0.8 (platflow adds little on top of podman). Timed with bench/lib/paired.py
# (whole processes, RUNS pairs, default 3, medians). Then platflow's own peak memory installing N and
# MEMORY_REPLICAS (default 500, 0 skips it) replicas. Never fails on a number.
set -euo pipefail
# Whole-process timing, pair by pair (bench/lib/paired.py).
paired="python3 $(cd "$(dirname "$0")" && pwd)/lib/paired.py"
cd "$(dirname "$0")/.."
root=$(pwd)

# The peer: `containers.sh peer start|roll|stop DIR N IMAGE`
if [ "${1:-}" = peer ]; then
  what=$2; dir=$3; n=$4; image=${5:-localhost/base:1}
  conf=$dir/node/containers.conf
  p="podman --root $dir/node/storage --runroot $dir/node/run --tmpdir $dir/node/tmp"
  export CONTAINERS_CONF=$conf P="$p"
  start_one() {  # NAME REPLICA IMAGE
    $P pod create --name "$1" --label platflow.app=peer --label platflow.replica="$2" >/dev/null
    $P run -d --name "$1-main" --pod "$1" --label platflow.app=peer --label platflow.replica="$2" "$3" sh -c 'exec sleep 100000' >/dev/null
  }
  export -f start_one
  case $what in
    start) seq 0 $((n - 1)) | xargs -P 8 -I{} bash -c 'start_one peer-{}-a {} '"$image" ;;
    roll)
      for b in $(seq 0 10 $((n - 1))); do
        seq "$b" $((b + 9 < n - 1 ? b + 9 : n - 1)) | xargs -P 8 -I{} bash -c 'start_one peer-{}-b {} localhost/base:2'
        seq "$b" $((b + 9 < n - 1 ? b + 9 : n - 1)) | xargs -P 8 -I{} bash -c '$P pod rm -f -t 0 peer-{}-a >/dev/null'
      done ;;
    stop) $P pod ps --format '{{.Name}}' | xargs -r -P 8 -n 1 $P pod rm -f -t 0 >/dev/null ;;
  esac
  exit 0
fi

n=${N:-50}; runs=${RUNS:-3}
command -v podman >/dev/null || { echo "needs podman, runc, catatonit and busybox-static (scripts/setup.sh)"; exit 2; }
swift build -c release --product platflow >/dev/null
pf=$root/.build/release/platflow
dir=$(mktemp -d /tmp/pfbench.XXXX)
# Pods first (both storages), then the storages, then the folders: removing a storage under running pods leaks them.
cleanup() {
  cd /
  for d in "$dir/nodes/bench-n1" "$dir-peer/node"; do
    [ -f "$d/containers.conf" ] || continue
    CONTAINERS_CONF=$d/containers.conf podman --root "$d/storage" --runroot "$d/run" --tmpdir "$d/tmp" pod rm -a -f -t 0 >/dev/null 2>&1 || true
    CONTAINERS_CONF=$d/containers.conf podman --root "$d/storage" --runroot "$d/run" --tmpdir "$d/tmp" system reset --force >/dev/null 2>&1 || true
  done
  rm -rf "$dir" "$dir-peer"
}
trap cleanup EXIT
export PLATFLOW_DB=$dir/platflow.db

# One node for platflow (its storage beside the database), one for the peer; both get the busybox base image.
mkdir -p "$dir/img/bin" && cp /bin/busybox "$dir/img/bin/" && for a in sh sleep; do ln -s busybox "$dir/img/bin/$a"; done
tar -C "$dir/img" -cf "$dir/base.tar" .
"$pf" cluster create bench >/dev/null
"$pf" node add n1 --cpus 64 --memory 64Gi >/dev/null
nodedir=$dir/nodes/bench-n1
for d in "$nodedir" "$dir-peer/node"; do
  mkdir -p "$d"; cp "$nodedir/containers.conf" "$d/containers.conf" 2>/dev/null || true
  CONTAINERS_CONF=$d/containers.conf podman --root "$d/storage" --runroot "$d/run" --tmpdir "$d/tmp" import -q "$dir/base.tar" localhost/base:1 >/dev/null
  CONTAINERS_CONF=$d/containers.conf podman --root "$d/storage" --runroot "$d/run" --tmpdir "$d/tmp" tag localhost/base:1 localhost/base:2
done
cat > "$dir/m.yaml" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: $n
  strategy:
    rollingUpdate:
      maxSurge: 10
      maxUnavailable: 0
  template:
    spec:
      containers:
        - name: main
          image: localhost/base:1
          command: ["sh", "-c"]
          args: ["exec sleep 100000"]
YAML
peer="$root/bench/containers.sh peer"
echo "== start $n replicas and remove them (platflow vs a shell loop of the same podman commands)"
$paired -n "$runs" --warmup 0 --timeout 3000 \
  --vs "sh -c '$peer start $dir-peer $n && $peer stop $dir-peer $n'" \
  -- sh -c "$pf app install b --manifests $dir/m.yaml -q >/dev/null && $pf app uninstall b -q >/dev/null"
echo "== start $n, roll them to a new image in batches of 10, remove them"
$paired -n "$runs" --warmup 0 --timeout 3000 \
  --vs "sh -c '$peer start $dir-peer $n && $peer roll $dir-peer $n && $peer stop $dir-peer $n'" \
  -- sh -c "$pf app install b --manifests $dir/m.yaml -q >/dev/null && $pf app upgrade b --image localhost/base:2 -q >/dev/null && $pf app uninstall b -q >/dev/null"
echo "(ratio printed is platflow/peer in time: the target peer/platflow >= 0.8 means a ratio <= 1.25)"

# Peak memory of the platflow process itself (its VmHWM, read from /proc while it runs: the paired figures above
# count the largest process of the whole tree, a podman), for an install and an uninstall of N and of
# MEMORY_REPLICAS (default 500; 0 skips it) replicas. It should not grow with the replicas beyond the listings.
own_peak() {  # COMMAND...: runs it; prints its own peak resident memory in KiB
  "$@" >/dev/null & local pid=$! hwm=0 v
  while kill -0 "$pid" 2>/dev/null; do
    v=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
    if [ -n "$v" ] && [ "$v" -gt "$hwm" ]; then hwm=$v; fi
    sleep 0.05
  done
  wait "$pid"
  echo "$hwm"
}
mem_n=${MEMORY_REPLICAS:-500}
echo "== peak memory of platflow itself: install + uninstall of $n and of $mem_n replicas"
for m in $n $mem_n; do
  [ "$m" -gt 0 ] || continue
  sed "s/^  replicas: .*/  replicas: $m/" "$dir/m.yaml" > "$dir/m$m.yaml"
  t0=$(date +%s)
  in=$(own_peak "$pf" app install mem --manifests "$dir/m$m.yaml" -q)
  out=$(own_peak "$pf" app uninstall mem -q)
  awk -v m="$m" -v a="$in" -v b="$out" -v t=$(( $(date +%s) - t0 )) \
    'BEGIN { printf "  %4d replicas: install %6.1f MiB, uninstall %6.1f MiB (%d s)\n", m, a / 1024, b / 1024, t }'
done
