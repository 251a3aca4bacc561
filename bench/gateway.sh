#!/usr/bin/env bash
# The gateway's data plane against nginx configured by hand, in one script (release build):
#   requests/s through the configuration platflow renders (method dispatch, raw-path check, internal location,
#     header changes, timeouts) vs the same nginx with a hand-written minimal configuration for the same routes,
#     both proxying to one fast backend (a third nginx answering 200), wrk from Debian, the runs alternated
#                                                                             (target: ratio >= 0.9)
#   publishing N resources end to end (render, nginx -t, reload, probe of the new release id) vs `nginx -t`
#     alone on the rendered configuration, each as a whole process (farm-bench), ratio printed
# RUNS times each (default 5), the median shown. Never fails on a number.
set -euo pipefail
trap 'echo "bench/gateway.sh: failed at line $LINENO" >&2' ERR
cd "$(dirname "$0")/.."
n=${N:-1000}; runs=${RUNS:-5}; secs=${SECS:-5}; conns=${CONNS:-32}
command -v wrk >/dev/null || { echo "needs wrk (apt install wrk; scripts/setup.sh installs it)"; exit 2; }
nginx=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx" ] || { echo "needs nginx (scripts/setup.sh installs it)"; exit 2; }
swift build -c release --product platflow >/dev/null
p=$PWD/.build/release/platflow
dir=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
stop() { for pf in "$dir"/*/nginx.pid; do [ -f "$pf" ] && kill -QUIT "$(cat "$pf")" 2>/dev/null || true; done; }
trap 'stop; rm -rf "$dir"' EXIT
export PLATFLOW_DB=$dir/platflow.db

# A minimal nginx under a prefix of its own: main file around an http body.
minimal() { # PREFIX PORT BODY
  mkdir -p "$1/logs" "$1/tmp"
  cat > "$1/nginx.conf" <<EOF
worker_processes 1;
pid $1/nginx.pid;
error_log $1/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $1/tmp/body; proxy_temp_path $1/tmp/proxy; fastcgi_temp_path $1/tmp/fastcgi;
    uwsgi_temp_path $1/tmp/uwsgi; scgi_temp_path $1/tmp/scgi;
    $3
}
EOF
  "$nginx" -p "$1/" -e "$1/logs/error.log" -c "$1/nginx.conf"
}

# The backend: nginx answering 200 with a small body.
bport=$(free_port)
minimal "$dir/backend" "$bport" "server { listen 127.0.0.1:$bport; default_type application/json; location / { return 200 '{\"ok\":true}'; } }"

# The routes: what the gateway and the hand-written configuration both serve.
cat > "$dir/bench.yaml" <<EOF
name: bench
stages:
  test: {class: test, backends: ["http://127.0.0.1:$bport"]}
resources:
  list_orders: {method: GET, path: /orders, backend_path: /api/orders}
  create_order: {method: POST, path: /orders, backend_path: /api/orders}
  get_order: {method: GET, path: "/orders/{id}", backend_path: "/api/orders/{id}"}
  order_lines: {method: GET, path: "/shops/{shop}/orders/{id}/lines", backend_path: "/api/{shop}/orders/{id}/lines"}
  ping: {method: GET, path: /ping}
EOF
"$p" gateway import "$dir/bench.yaml" >/dev/null
"$p" gateway version create bench 1.0.0 >/dev/null
gport=$(free_port)
"$p" gateway serve --prefix "$dir/gw" --port "$gport" >/dev/null 2>&1 &
for _ in $(seq 300); do curl -s "http://127.0.0.1:$gport/__platflow/health" >/dev/null 2>&1 && break; sleep 0.1; done
curl -s "http://127.0.0.1:$gport/__platflow/health" >/dev/null || { echo "gateway serve did not start on $gport"; exit 1; }
"$p" gateway publish bench 1.0.0 --stage test --prefix "$dir/gw" >/dev/null
hport=$(free_port)
minimal "$dir/hand" "$hport" "upstream backend { server 127.0.0.1:$bport; }
    server {
        listen 127.0.0.1:$hport;
        # The same protocol to the backend as the rendered configuration, so the ratio is the gateway's own cost.
        proxy_http_version 1.1;
        proxy_set_header Connection \"\";
        location = /orders { proxy_pass http://backend/api/orders\$is_args\$args; }
        location ~ ^/orders/([^/]+)\$ { proxy_pass http://backend/api/orders/\$1\$is_args\$args; }
        location ~ ^/shops/([^/]+)/orders/([^/]+)/lines\$ { proxy_pass http://backend/api/\$1/orders/\$2/lines\$is_args\$args; }
        location = /ping { proxy_pass http://backend/ping\$is_args\$args; }
    }"
sleep 0.5
path=/shops/s1/orders/42/lines
[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: test.bench' "http://127.0.0.1:$gport$path")" = 200 ] || { echo "the gateway does not answer $path"; exit 1; }
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$hport$path")" = 200 ] || { echo "the hand-written nginx does not answer $path"; exit 1; }

rps() { wrk -t2 -c"$conns" -d"${secs}s" "$@" | awk '/Requests\/sec/ {print $2}'; }
ours=(); hand=(); ratios=()
for i in $(seq "$runs"); do
  # Which goes first alternates, so a machine speeding up or slowing down favours neither.
  if [ $((i % 2)) -eq 1 ]; then
    a=$(rps -H 'Host: test.bench' "http://127.0.0.1:$gport$path"); b=$(rps "http://127.0.0.1:$hport$path")
  else
    b=$(rps "http://127.0.0.1:$hport$path"); a=$(rps -H 'Host: test.bench' "http://127.0.0.1:$gport$path")
  fi
  ours+=("$a"); hand+=("$b"); ratios+=("$(echo "$a / $b" | bc -l)")
done
printf 'requests/s on %s, %s connections, %ss x %s runs (medians)\n' "$path" "$conns" "$secs" "$runs"
printf '  rendered gateway configuration  %10.0f\n' "$(printf '%s\n' "${ours[@]}" | median)"
printf '  hand-written minimal nginx      %10.0f\n' "$(printf '%s\n' "${hand[@]}" | median)"
printf '  ratio (target >= 0.9)           %10.2f\n' "$(printf '%s\n' "${ratios[@]}" | median)"

# Publishing N resources end to end against nginx -t on the same configuration.
{
  echo "name: many"
  echo "stages:"
  echo "  test: {class: test, backends: [\"http://127.0.0.1:$bport\"]}"
  echo "resources:"
  for i in $(seq "$n"); do echo "  r$i: {method: GET, path: \"/r$i/{id}\", backend_path: \"/api/r$i/{id}\"}"; done
} > "$dir/many.yaml"
"$p" gateway import "$dir/many.yaml" >/dev/null
"$p" gateway version create many 1.0.0 >/dev/null
"$p" gateway publish many 1.0.0 --stage test --prefix "$dir/gw" >/dev/null
[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: test.many' "http://127.0.0.1:$gport/r$n/7")" = 200 ] || { echo "resource r$n is not served"; exit 1; }
echo
echo "publishing $n resources (render, nginx -t, reload, probe) vs nginx -t alone on that configuration:"
farm-bench -n "$runs" --timeout 600 --vs "$nginx -t -q -p $dir/gw/ -e $dir/gw/logs/error.log -c $dir/gw/nginx.conf" -- \
  "$p" gateway publish many 1.0.0 --stage test --prefix "$dir/gw"
