#!/usr/bin/env bash
# The CMDB against SQLite itself, in one script (release build):
#   import of N hosts from CSV into a new CMDB (validation, unique IPs, IP index, full-text index, change
#     events, one transaction), timed as a whole process like sqlite3 (start, schema, import, commit, exit)
#     vs sqlite3's own `.import` of the same file into a plain table              (target: ratio >= 0.5)
#     and vs sqlite3 doing only the writes such an import makes, on one thread
#   import of N more hosts into that CMDB (the search index updated in place: no target, shown for honesty)
#   lookup by an indexed field (hostname) and by IP through the CMDB (filter parsed, host records built)
#     vs the same lookups in raw SQL on the plain table with indexes              (target: ratio >= 0.5)
#   a full-text query and a dynamic group evaluation (times)
#   peak memory (max RSS) of the import at N and at 3N hosts: streaming means it does not grow with the file
# RUNS times each (default 5: this kind of machine is noisy), the median shown. Never fails on a number.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${N:-100000}; q=${Q:-5000}; runs=${RUNS:-5}
command -v sqlite3 >/dev/null || { echo "needs the sqlite3 command (apt install sqlite3)"; exit 2; }
swift build -c release --product platflow-bench >/dev/null
b=.build/release/platflow-bench
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
"$b" cmdb-gen "$n" "$dir/hosts.csv"
"$b" cmdb-gen "$((3 * n))" "$dir/hosts3.csv"
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now() { date +%s.%N; }

sq=(); ours=(); rss=()
for _ in $(seq "$runs"); do
  rm -f "$dir/plain.db"
  t0=$(now); sqlite3 "$dir/plain.db" ".import --csv $dir/hosts.csv hosts"; t1=$(now)
  sq+=("$(echo "$t1 - $t0" | bc -l)")
  rm -f "$dir/cmdb.db"*
  t0=$(now); read -r _ _ _ r < <("$b" cmdb-import "$dir/hosts.csv" "$dir/cmdb.db" | head -1); t1=$(now)
  ours+=("$(echo "$t1 - $t0" | bc -l)"); rss+=("$r")
done
sq_t=$(printf '%s\n' "${sq[@]}" | median); our_t=$(printf '%s\n' "${ours[@]}" | median); our_rss=$(printf '%s\n' "${rss[@]}" | median)
rm -f "$dir/big.db"*
read -r _ big_t _ big_rss < <("$b" cmdb-import "$dir/hosts3.csv" "$dir/big.db" | head -1)
rm -f "$dir/big.db"*

# N more hosts into a CMDB that has N: the general path (every row looked up, the index updated in place).
"$b" cmdb-gen "$n" "$dir/more.csv" "$n"
more=()
for _ in $(seq "$runs"); do
  rm -f "$dir/more.db"*
  "$b" cmdb-import "$dir/hosts.csv" "$dir/more.db" >/dev/null
  read -r _ v _ _ < <("$b" cmdb-import "$dir/more.csv" "$dir/more.db" --add | head -1)
  more+=("$v")
done
more_t=$(printf '%s\n' "${more[@]}" | median)
rm -f "$dir/more.db"*

# sqlite3 itself doing only the import's writes, on one thread, from the plain table already loaded (no parsing,
# checking or binding): the host rows, two IP-index rows a host, the search documents (built beforehand, not
# timed) and their index, one event a host, one transaction, the rollback journal as the import uses it.
sqlite3 "$dir/cmdb.db" .schema | grep -v sqlite_sequence > "$dir/schema.sql"
floors=()
for _ in $(seq "$runs"); do
  rm -f "$dir/floor.db"*
  sqlite3 "$dir/floor.db" < "$dir/schema.sql"
  sqlite3 "$dir/floor.db" "ATTACH '$dir/plain.db' AS p; CREATE TABLE docs AS SELECT rowid * 2 AS r, concat(hostname, ' ', os_type, ' ', os_name, ' ', os_version, ' ', cloud_vendor, ' ', instance_id, ' ', region, ' ', zone, ' ', city, ' ', operator, ' ', bak_operator, ' ', state, ' ', comment) AS doc FROM p.hosts;" 2>/dev/null \
    || sqlite3 "$dir/floor.db" "ATTACH '$dir/plain.db' AS p; CREATE TABLE docs AS SELECT rowid * 2 AS r, hostname || ' ' || os_type || ' ' || os_name || ' ' || os_version || ' ' || cloud_vendor || ' ' || instance_id || ' ' || region || ' ' || zone || ' ' || city || ' ' || operator || ' ' || bak_operator || ' ' || state || ' ' || comment AS doc FROM p.hosts;"
  t0=$(now)
  sqlite3 "$dir/floor.db" "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536; ATTACH '$dir/plain.db' AS p; BEGIN;
    INSERT INTO cmdb_hosts (inner_ip, outer_ip, cloud_area, hostname, os_type, os_name, os_version, cpu, mem, disk, cloud_vendor, instance_id, region, zone, city, sla, operator, bak_operator, state, comment, created_at, updated_at)
      SELECT inner_ip, outer_ip, cloud_area, hostname, os_type, os_name, os_version, cpu, mem, disk, cloud_vendor, instance_id, region, zone, city, sla, operator, bak_operator, state, comment, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z' FROM p.hosts;
    INSERT INTO cmdb_host_ips SELECT zeroblob(12) || CAST(inner_ip AS BLOB), 0, 0, id, 1, 1 FROM cmdb_hosts;
    INSERT INTO cmdb_host_ips SELECT zeroblob(12) || CAST(outer_ip AS BLOB), 0, id * 2, id, 0, 1 FROM cmdb_hosts;
    INSERT INTO cmdb_fts (rowid, doc) SELECT r, doc FROM docs;
    INSERT INTO cmdb_events (resource, ref, kind, before, after, who, at) SELECT 'host', CAST(id AS TEXT), 'create', NULL, NULL, 'bench', 0 FROM cmdb_hosts;
    COMMIT;"
  t1=$(now)
  floors+=("$(echo "$t1 - $t0" | bc -l)")
done
floor_t=$(printf '%s\n' "${floors[@]}" | median)
rm -f "$dir/floor.db"*

sqlite3 "$dir/plain.db" "CREATE INDEX plain_hostname ON hosts(hostname); CREATE INDEX plain_ip ON hosts(inner_ip);"
declare -A med
for _ in $(seq "$runs"); do
  while read -r name value _ _; do med[$name]+="$value "; done < <("$b" cmdb-query "$dir/cmdb.db" "$dir/plain.db" "$q")
done
m() { printf '%s\n' ${med[$1]} | median; }

printf '%-58s %12s %12s\n' measurement value "peak memory"
printf '%-58s %10.3f s\n' "sqlite3 .import into a plain table (N=$n)" "$sq_t"
printf '%-58s %10.3f s %9d KB\n' "cmdb import (N=$n)" "$our_t" "$our_rss"
printf '%-58s %12.2f\n' "ratio sqlite3/cmdb speed (target >= 0.5)" "$(echo "$sq_t / $our_t" | bc -l)"
printf '%-58s %10.3f s\n' "sqlite3 doing only the import's writes, one thread" "$floor_t"
printf '%-58s %12.2f\n' "ratio that/cmdb (above 1: the second core pays)" "$(echo "$floor_t / $our_t" | bc -l)"
printf '%-58s %10.3f s %9d KB\n' "cmdb import (N=$((3 * n)): memory must not grow)" "$big_t" "$big_rss"
printf '%-58s %10.3f s\n' "cmdb import of N more hosts into a CMDB of N (in place)" "$more_t"
printf '%-58s %9.2f us\n' "lookup by hostname, raw SQL" "$(m raw-query-hostname)"
printf '%-58s %9.2f us\n' "lookup by hostname, cmdb hosts --where" "$(m cmdb-query-hostname)"
printf '%-58s %12.2f\n' "ratio raw/cmdb (target >= 0.5)" "$(echo "$(m raw-query-hostname) / $(m cmdb-query-hostname)" | bc -l)"
printf '%-58s %9.2f us\n' "lookup by IP, raw SQL" "$(m raw-query-ip)"
printf '%-58s %9.2f us\n' "lookup by IP, cmdb ip" "$(m cmdb-query-ip)"
printf '%-58s %12.2f\n' "ratio raw/cmdb (target >= 0.5)" "$(echo "$(m raw-query-ip) / $(m cmdb-query-ip)" | bc -l)"
printf '%-58s %9.2f ms\n' "full-text search \"nginx shanghai\", top 20" "$(m cmdb-search)"
printf '%-58s %9.2f ms   (%d hosts)\n' "dynamic group (city, sla, cpu; one variable overridden)" "$(m cmdb-group)" "$(m cmdb-group-hosts)"
