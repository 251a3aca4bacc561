#!/bin/sh
# Test-only: runs podman where containers cannot start as things are (a chroot whose / is not a mount point,
# so image layers fail to unpack, and whose /sys/fs/cgroup is empty, so runc finds no cgroup). One long-lived
# mount namespace is made on first use (a `sleep` keeps it; its pid in /run/platflow-podman-ns.pid): there / is
# bind-mounted onto a folder (a mount point, then chrooted into) and cgroup v1 hierarchies are mounted. Every
# podman call enters that same namespace, so what one call mounts (a pod's network namespace) the next sees.
# The product never uses this: it runs `podman` (or PLATFLOW_PODMAN) directly.
set -e
self=/run/platflow-podman-root
pidfile=/run/platflow-podman-ns.pid
alive() { [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null && [ -e "/proc/$(cat "$pidfile")/root$self/bin" ]; }
if ! alive; then
  mkdir -p "$self"
  ready=$(mktemp)
  unshare -m --propagation unchanged sh -c '
    self="$1"; ready="$2"
    mount --rbind / "$self"
    mount --make-rprivate "$self" 2>/dev/null || true
    if ! grep -q " cgroup " /proc/self/mountinfo; then
      mount -t tmpfs cgroup_root "$self/sys/fs/cgroup"
      for c in $(awk "NR > 1 && \$4 == 1 { print \$1 }" /proc/cgroups); do
        mkdir -p "$self/sys/fs/cgroup/$c"
        mount -t cgroup -o "$c" cgroup "$self/sys/fs/cgroup/$c" 2>/dev/null || rmdir "$self/sys/fs/cgroup/$c"
      done
    fi
    echo ok > "$ready"
    exec sleep 2147483647
  ' sh "$self" "$ready" </dev/null >/dev/null 2>&1 &
  echo $! > "$pidfile"
  i=0; while [ ! -s "$ready" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
  rm -f "$ready"
fi
exec nsenter -t "$(cat "$pidfile")" -m -r chroot "$self" sh -c 'cd "$1" 2>/dev/null || cd /; shift; exec podman "$@"' sh "$(pwd)" "$@"
