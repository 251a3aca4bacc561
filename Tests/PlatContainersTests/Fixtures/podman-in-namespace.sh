#!/bin/sh
# Test-only: runs podman where containers cannot start as things are (a chroot whose / is not a mount point
# and whose /sys/fs/cgroup is empty). It enters a private mount namespace, bind-mounts / onto itself's copy so
# the root is a mount point, mounts cgroup v1 hierarchies if none are mounted, then runs podman there.
# The product never uses this: it runs `podman` (or PLATFLOW_PODMAN) directly.
set -e
self=/run/platflow-podman-root
mkdir -p "$self"
exec unshare -m --propagation private sh -c '
  self="$1"; shift
  mount --rbind / "$self"
  if ! grep -q " cgroup " /proc/self/mountinfo; then
    mount -t tmpfs cgroup_root "$self/sys/fs/cgroup"
    for c in $(awk '"'"'NR > 1 && $4 == 1 { print $1 }'"'"' /proc/cgroups); do
      mkdir -p "$self/sys/fs/cgroup/$c"
      mount -t cgroup -o "$c" cgroup "$self/sys/fs/cgroup/$c" 2>/dev/null || rmdir "$self/sys/fs/cgroup/$c"
    done
  fi
  cd "$self/$(pwd)" 2>/dev/null || cd "$self"
  exec chroot "$self" sh -c "cd \"\$1\" 2>/dev/null; shift; exec podman \"\$@\"" sh "$(pwd | sed "s|^$self||")" "$@"
' sh "$self" "$@"
