#!/usr/bin/env bash
# Fan-out: `true` on HOSTS simulated hosts (default 2000), CONCURRENCY at once (default 64) on both sides, as
# hosts (processes) per second. Every side is a whole process timed by bench/lib/paired.py, pair by pair (A B A B
# ..., RUNS counted pairs, default 5), so a change in the machine's load moves both sides of a pair alike:
#   platflow     a durable run of bench/fanout.plat: bash on every host, the script on its stdin, its output and
#                exit read back, every host's result journaled
#   spawn bash   bench/spawn.c, the posix_spawn ceiling for the same program: CONCURRENCY threads each starting
#                `bash -c true` with /dev/null for stdio and waiting for it; nothing read, nothing recorded
#   spawn pipes  the same with what a runner must add: the script written to a stdin pipe, stdout and stderr read
#   spawn true   the machine's bare ceiling: /bin/true, which starts without bash's own start-up
# Confinement: simulated hosts' scripts run under bubblewrap by default (docs/safety.md). The spawners start bash
# unconfined, so the rows above run platflow unconfined too (PLATFLOW_CONFINE=off); the confined row then puts
# platflow's default (confined) against the same spawner starting `bwrap ... bash -c true` with the mounts
# platflow gives a host, on CHOSTS hosts (default 200; bubblewrap costs about 20 ms of CPU a host here; 0 skips).
# Ratio = spawner's time / platflow's time, the median of the pairs (= platflow's rate / the spawner's rate;
# target >= 0.5 of the same program's ceiling). Then Ansible (ANSIBLE_HOSTS, default 500, 0 skips it) and
# platflow's peak memory at 2,000, 10,000 and 20,000 hosts (flat: the result keeps no per-host output).
# Never fails on a number.
set -euo pipefail
paired="python3 $(cd "$(dirname "$0")" && pwd)/lib/paired.py"
cd "$(dirname "$0")/.."
hosts=${HOSTS:-2000}; chosts=${CHOSTS:-200}; ahosts=${ANSIBLE_HOSTS:-500}; conc=${CONCURRENCY:-64}; runs=${RUNS:-5}
swift build -c release --product platflow >/dev/null
plat=$PWD/.build/release/platflow
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cc -O2 -pthread -o "$work/spawn" bench/spawn.c
cp bench/fanout.plat "$work/"
cd "$work"

# platflow as one command: a fresh database every run (no run replays another's journal).
cat > platflow.sh <<SCRIPT
cd "$work" && rm -f "$work/f.db"*
exec "$plat" run fanout.plat -q --db "$work/f.db" -p hosts="\$1" -p throttle=$conc
SCRIPT

# pair LABEL SPAWNER_ARGS... : the spawner (A) against platflow (B) on $n hosts, with confinement $confine; sets
# ratio (median of the pairs' A/B wall times), ratio_cpu, prate and srate (hosts per second, median wall times).
pair() {
  local label=$1 out a b
  shift
  out=$($paired -n "$runs" --timeout 1800 --vs "env PLATFLOW_CONFINE=$confine sh $work/platflow.sh $n" -- "$@")
  echo "$out" > "pair-$label.txt"
  ratio=$(awk '/wall ratio/ {print $4}' <<< "$out"); ratio_cpu=$(awk '/cpu ratio/ {print $4}' <<< "$out")
  a=$(awk '/^A: exit/ {s=1} s && /wall s/ {print $4; exit}' <<< "$out")
  b=$(awk '/^B: exit/ {s=1} s && /wall s/ {print $4; exit}' <<< "$out")
  srate=$(echo "$n / $a" | bc -l); prate=$(echo "$n / $b" | bc -l)
}

n=$hosts; confine=off
pair 1-bash ./spawn "$n" "$conc" -- bash -c true; r_bash=$ratio; c_bash=$ratio_cpu; p_bash=$prate; s_bash=$srate
pair 2-pipes ./spawn "$n" "$conc" --pipes -- bash -s --; r_pipes=$ratio; c_pipes=$ratio_cpu; p_pipes=$prate; s_pipes=$srate
pair 3-true ./spawn "$n" "$conc" -- true; r_true=$ratio; c_true=$ratio_cpu; p_true=$prate; s_true=$srate

confined=""
if [ "$chosts" -gt 0 ] && command -v bwrap >/dev/null && bwrap --ro-bind / / --dev /dev --proc /proc -- true 2>/dev/null; then
  # The mounts HostConfinement gives a simulated host: the machine read-only, the temporary folder and the
  # host's root writable, a fresh /dev and /proc; the same root for every start is enough for the ceiling.
  mkdir -p "$work/root"; tmpdir=${TMPDIR:-/tmp}; tmpdir=${tmpdir%/}
  n=$chosts; confine=on
  pair 4-confined ./spawn "$n" "$conc" -- bwrap --ro-bind / / --dev /dev --proc /proc --die-with-parent --bind "$tmpdir" "$tmpdir" \
    --chdir "$work/root" -- bash -c true
  confined="$ratio $ratio_cpu $prate $srate"
fi

ansible_rate=""
if [ "$ahosts" -gt 0 ] && ! command -v ansible >/dev/null; then pip install --quiet ansible-core >/dev/null 2>&1 || true; fi
if [ "$ahosts" -gt 0 ] && command -v ansible >/dev/null; then
  { echo "[all]"; for i in $(seq "$ahosts"); do echo "h$i ansible_connection=local ansible_python_interpreter=$(command -v python3)"; done; } > inv.ini
  t0=$(date +%s.%N); ANSIBLE_HOST_KEY_CHECKING=False ansible all -i inv.ini -m command -a true -f "$conc" >/dev/null 2>&1 || true; t1=$(date +%s.%N)
  ansible_rate=$(echo "$ahosts / ($t1 - $t0)" | bc -l)
fi

rss() { PLATFLOW_CONFINE=off /usr/bin/time -f %M "$plat" run fanout.plat -q --db "$work/m$1.db" -p hosts="$1" -p throttle="$conc" 2>&1 >/dev/null | tail -1; }
rss2k=$(rss 2000); rss10k=$(rss 10000); rss20k=$(rss 20000)

echo "fan-out: $conc at once on every side; whole processes paired (bench/lib/paired.py), median of $runs pairs; $(nproc) CPUs"
echo "confinement: OFF for the first four rows (PLATFLOW_CONFINE=off: the spawners start bash unconfined);"
echo "             ON (platflow's default, bubblewrap) in the confined row, against the spawner starting bwrap"
printf '%-52s %8s %8s %10s %10s\n' "platflow against" ratio "CPU r." "platflow" "peer"
printf '%-52s %8.2f %8.2f %8.0f/s %8.0f/s\n' "spawn bash -c true, $hosts hosts (target >= 0.5)" "$r_bash" "$c_bash" "$p_bash" "$s_bash"
printf '%-52s %8.2f %8.2f %8.0f/s %8.0f/s\n' "spawn bash -s, script and output over pipes" "$r_pipes" "$c_pipes" "$p_pipes" "$s_pipes"
printf '%-52s %8.2f %8.2f %8.0f/s %8.0f/s\n' "spawn /bin/true (no bash)" "$r_true" "$c_true" "$p_true" "$s_true"
if [ -n "$confined" ]; then
  read -r cr cc cp cs <<< "$confined"
  printf '%-52s %8.2f %8.2f %8.0f/s %8.0f/s\n' "confined: spawn bwrap ... bash -c true, $chosts hosts" "$cr" "$cc" "$cp" "$cs"
elif [ "$chosts" -gt 0 ]; then
  echo "confined row skipped: bwrap is missing or cannot make a namespace here (then platflow runs scripts unconfined too)"
fi
if [ -n "$ansible_rate" ]; then
  printf '%-52s %8.1f /s   platflow (unconfined) / this: %.1fx\n' "ansible -f $conc on $ahosts hosts" "$ansible_rate" "$(echo "$p_bash / $ansible_rate" | bc -l)"
elif [ "$ahosts" -gt 0 ]; then
  echo "ansible: not installed and pip could not install ansible-core"
fi
printf '%-52s %9d KB\n' "peak memory, 2,000 hosts" "$rss2k"
printf '%-52s %9d KB\n' "peak memory, 10,000 hosts" "$rss10k"
printf '%-52s %9d KB\n' "peak memory, 20,000 hosts" "$rss20k"
printf '%-52s %9d B\n' "growth per host, 2,000 -> 10,000" "$(( (rss10k - rss2k) * 1024 / 8000 ))"
printf '%-52s %9d B\n' "growth per host, 10,000 -> 20,000" "$(( (rss20k - rss10k) * 1024 / 10000 ))"
for f in pair-*.txt; do echo "--- $f (A: the spawner, B: platflow)"; cat "$f"; done
