#!/usr/bin/env bash
# Fan-out: `true` on HOSTS simulated hosts (default 2000) with 64 at once, as hosts per second:
#   platflow (a durable run: every host's result journaled)  vs  xargs -P 64 (the raw spawn ceiling)
#   vs Ansible (ansible-core from PyPI, local connection, forks 64, the same inventory; ANSIBLE_HOSTS, default 500;
#   0 skips it)
# Then peak memory of platflow at 2,000, 10,000 and 20,000 hosts and what each host adds (it should stay flat: the
# result value keeps no per-host output; what still grows is SQLite's page cache, up to its 2 MB bound).
# Targets: >= 0.7 of xargs, >= 10x Ansible.
set -euo pipefail
cd "$(dirname "$0")/.."
hosts=${HOSTS:-2000}; ahosts=${ANSIBLE_HOSTS:-500}
swift build -c release --product platflow >/dev/null
plat=$PWD/.build/release/platflow
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cp bench/fanout.plat "$work/"
now() { date +%s.%N; }

cd "$work"
t0=$(now); "$plat" run fanout.plat -q --db "$work/f.db" -p hosts="$hosts" >/dev/null 2>&1; t1=$(now)
plat_rate=$(echo "$hosts / ($t1 - $t0)" | bc -l)

t0=$(now); seq "$hosts" | xargs -P 64 -n 1 bash -c true; t1=$(now)
xargs_rate=$(echo "$hosts / ($t1 - $t0)" | bc -l)

ansible_rate=""
if [ "$ahosts" -gt 0 ] && ! command -v ansible >/dev/null; then pip install --quiet ansible-core >/dev/null 2>&1 || true; fi
if [ "$ahosts" -gt 0 ] && command -v ansible >/dev/null; then
  { echo "[all]"; for i in $(seq "$ahosts"); do echo "h$i ansible_connection=local ansible_python_interpreter=$(command -v python3)"; done; } > inv.ini
  t0=$(now); ANSIBLE_HOST_KEY_CHECKING=False ansible all -i inv.ini -m command -a true -f 64 >/dev/null 2>&1 || true; t1=$(now)
  ansible_rate=$(echo "$ahosts / ($t1 - $t0)" | bc -l)
fi

rss() { /usr/bin/time -f %M "$plat" run fanout.plat -q --db "$work/m$1.db" -p hosts="$1" 2>&1 >/dev/null | tail -1; }
rss2k=$(rss 2000); rss10k=$(rss 10000); rss20k=$(rss 20000)

printf '%-38s %12s\n' measurement value
printf '%-38s %9.0f /s\n' "platflow sh on $hosts hosts" "$plat_rate"
printf '%-38s %9.0f /s\n' "xargs -P 64 bash -c true" "$xargs_rate"
printf '%-38s %12.2f\n' "ratio platflow/xargs (target >= 0.7)" "$(echo "$plat_rate / $xargs_rate" | bc -l)"
if [ -n "$ansible_rate" ]; then
  printf '%-38s %9.1f /s\n' "ansible -f 64 on $ahosts hosts" "$ansible_rate"
  printf '%-38s %11.1fx\n' "platflow/ansible (target >= 10)" "$(echo "$plat_rate / $ansible_rate" | bc -l)"
elif [ "$ahosts" -gt 0 ]; then
  echo "ansible: not installed and pip could not install ansible-core"
fi
printf '%-38s %9d KB\n' "peak memory, 2,000 hosts" "$rss2k"
printf '%-38s %9d KB\n' "peak memory, 10,000 hosts" "$rss10k"
printf '%-38s %9d KB\n' "peak memory, 20,000 hosts" "$rss20k"
printf '%-38s %9d B\n' "growth per host, 2,000 -> 10,000" "$(( (rss10k - rss2k) * 1024 / 8000 ))"
printf '%-38s %9d B\n' "growth per host, 10,000 -> 20,000" "$(( (rss20k - rss10k) * 1024 / 10000 ))"
