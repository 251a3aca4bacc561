#!/usr/bin/env bash
# Fan-out: `true` on HOSTS simulated hosts (default 2000), CONCURRENCY at once (default 64) on both sides, as
# hosts (processes) per second:
#   platflow     a durable run of bench/fanout.plat: bash on every host, the script on its stdin, its output and
#                exit read back, every host's result journaled
#   spawn bash   bench/spawn.c, the posix_spawn ceiling for the same program: CONCURRENCY threads each starting
#                `bash -c true` with /dev/null for stdio and waiting for it; nothing read, nothing recorded
#   spawn pipes  the same with what a runner must add: the script written to a stdin pipe, stdout and stderr read
#   spawn true   the machine's bare ceiling: /bin/true, which starts without bash's own start-up
# Ratio = platflow rate / spawn rate (target >= 0.5 of the same program's ceiling). RUNS rounds (default 5) in
# rotating order, medians. Then Ansible (ANSIBLE_HOSTS, default 500, 0 skips it) and platflow's peak memory at
# 2,000, 10,000 and 20,000 hosts (flat: the result keeps no per-host output). Never fails on a number.
set -euo pipefail
cd "$(dirname "$0")/.."
hosts=${HOSTS:-2000}; ahosts=${ANSIBLE_HOSTS:-500}; conc=${CONCURRENCY:-64}; runs=${RUNS:-5}
swift build -c release --product platflow >/dev/null
plat=$PWD/.build/release/platflow
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cc -O2 -pthread -o "$work/spawn" bench/spawn.c
cp bench/fanout.plat "$work/"
now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

cd "$work"
declare -A rates
phases=(platflow "spawn bash" "spawn pipes" "spawn true")
for r in $(seq "$runs"); do
  for k in "${!phases[@]}"; do
    phase=${phases[$(( (k + r) % ${#phases[@]} ))]}
    case $phase in
      platflow)
        rm -f "$work/f.db"*
        t0=$(now); "$plat" run fanout.plat -q --db "$work/f.db" -p hosts="$hosts" -p throttle="$conc" >/dev/null 2>&1; t1=$(now)
        rate=$(echo "$hosts / ($t1 - $t0)" | bc -l) ;;
      "spawn bash") rate=$(./spawn "$hosts" "$conc" -- bash -c true | awk '{print $2}') ;;
      "spawn pipes") rate=$(./spawn "$hosts" "$conc" --pipes -- bash -s -- | awk '{print $2}') ;;
      "spawn true") rate=$(./spawn "$hosts" "$conc" -- true | awk '{print $2}') ;;
    esac
    rates[$phase]="${rates[$phase]:-} $rate"
  done
done
med() { tr ' ' '\n' <<< "${rates[$1]}" | grep . | median; }
p=$(med platflow); sb=$(med "spawn bash"); sp=$(med "spawn pipes"); st=$(med "spawn true")

ansible_rate=""
if [ "$ahosts" -gt 0 ] && ! command -v ansible >/dev/null; then pip install --quiet ansible-core >/dev/null 2>&1 || true; fi
if [ "$ahosts" -gt 0 ] && command -v ansible >/dev/null; then
  { echo "[all]"; for i in $(seq "$ahosts"); do echo "h$i ansible_connection=local ansible_python_interpreter=$(command -v python3)"; done; } > inv.ini
  t0=$(now); ANSIBLE_HOST_KEY_CHECKING=False ansible all -i inv.ini -m command -a true -f "$conc" >/dev/null 2>&1 || true; t1=$(now)
  ansible_rate=$(echo "$ahosts / ($t1 - $t0)" | bc -l)
fi

rss() { /usr/bin/time -f %M "$plat" run fanout.plat -q --db "$work/m$1.db" -p hosts="$1" -p throttle="$conc" 2>&1 >/dev/null | tail -1; }
rss2k=$(rss 2000); rss10k=$(rss 10000); rss20k=$(rss 20000)

echo "fan-out: $hosts hosts, $conc at once on every side; median of $runs rounds; $(nproc) CPUs"
printf '%-46s %12s\n' measurement value
printf '%-46s %12.2f\n' "ratio platflow / spawn bash (target >= 0.5)" "$(echo "$p / $sb" | bc -l)"
printf '%-46s %9.0f /s\n' "platflow sh on $hosts hosts (journaled)" "$p"
printf '%-46s %9.0f /s\n' "spawn bash -c true (the ceiling)" "$sb"
printf '%-46s %9.0f /s   platflow / this: %.2f\n' "spawn bash -s, script and output over pipes" "$sp" "$(echo "$p / $sp" | bc -l)"
printf '%-46s %9.0f /s   platflow / this: %.2f\n' "spawn /bin/true (no bash)" "$st" "$(echo "$p / $st" | bc -l)"
for phase in "${phases[@]}"; do printf '  %-14s%s\n' "$phase:" "${rates[$phase]}"; done
if [ -n "$ansible_rate" ]; then
  printf '%-46s %9.1f /s   platflow / this: %.1fx\n' "ansible -f $conc on $ahosts hosts" "$ansible_rate" "$(echo "$p / $ansible_rate" | bc -l)"
elif [ "$ahosts" -gt 0 ]; then
  echo "ansible: not installed and pip could not install ansible-core"
fi
printf '%-46s %9d KB\n' "peak memory, 2,000 hosts" "$rss2k"
printf '%-46s %9d KB\n' "peak memory, 10,000 hosts" "$rss10k"
printf '%-46s %9d KB\n' "peak memory, 20,000 hosts" "$rss20k"
printf '%-46s %9d B\n' "growth per host, 2,000 -> 10,000" "$(( (rss10k - rss2k) * 1024 / 8000 ))"
printf '%-46s %9d B\n' "growth per host, 10,000 -> 20,000" "$(( (rss20k - rss10k) * 1024 / 10000 ))"
