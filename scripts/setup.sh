#!/usr/bin/env bash
# Installs what platflow's build, tests and examples need beyond the Swift toolchain, and nothing when it is all
# there. The README's two commands and .ci/run call it; grow the list here (one place) when a module needs a new
# outside program. As root it uses apt-get; otherwise it prints the exact command to run and exits 1.
set -euo pipefail

command -v swift >/dev/null || { echo "setup: swift is not on PATH (install the Swift 6 toolchain first)" >&2; exit 1; }

need=()
have() { command -v "$1" >/dev/null 2>&1; }
# The system SQLite library and its headers (the CSQLite target), found through pkg-config.
{ have pkg-config && pkg-config --exists sqlite3; } || need+=(libsqlite3-dev pkg-config)
# The release executable links libstdc++ statically (Package.swift); its archive is in the C++ development package,
# which the toolchain's clang (or gcc) finds.
cc=$(command -v clang || command -v gcc || true)
{ [ -n "$cc" ] && [ -f "$("$cc" -print-file-name=libstdc++.a)" ]; } || need+=(libstdc++-12-dev)
# Script steps: sh/bash, python3, perl and the sqlite3 shell.
have bash || need+=(bash)
have python3 || need+=(python3)
# The YAML tests check the reader against an independent YAML 1.2 reader: Debian's ruamel.yaml for its python3
# (else they make a venv and take it from PyPI, for which Debian keeps venv apart).
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import ruamel.yaml' 2>/dev/null || need+=(python3-ruamel.yaml)
{ have python3 && python3 -c 'import ensurepip, venv' 2>/dev/null; } || need+=(python3-venv)
have perl || need+=(perl)
have sqlite3 || need+=(sqlite3)
# Remote hosts go through the OpenSSH client; the ssh tests start a real sshd on 127.0.0.1.
{ have ssh && have ssh-keygen; } || need+=(openssh-client)
{ [ -x /usr/sbin/sshd ] || have sshd; } || need+=(openssh-server)
# The gateway's data plane: stock nginx (its tests start one on 127.0.0.1).
{ [ -x /usr/sbin/nginx ] || have nginx; } || need+=(nginx)
# Plugins' Lua blocks run in nginx's Lua module (the gateway's Lua tests load it from /usr/lib/nginx/modules).
[ -f /usr/lib/nginx/modules/ngx_http_lua_module.so ] || need+=(libnginx-mod-http-lua)
# The gateway docs site's search is tested in a headless browser: Debian's chromium.
have chromium || need+=(chromium)
# The gateway's .plat client SDK (and its test) calls the gateway with curl.
have curl || need+=(curl)
# The gateway docs site's search script is tested with node (the script the browser runs); bench/gateway.sh uses wrk.
have node || need+=(nodejs)
have wrk || need+=(wrk)
# The container platform's runtime: podman with runc (crun fails on cgroups v1), catatonit (podman builds its
# pods' pause image from it), and busybox-static, from which the container tests build their base image.
have podman || need+=(podman)
{ [ -x /usr/sbin/runc ] || have runc; } || need+=(runc)
[ -x /usr/libexec/podman/catatonit ] || have catatonit || need+=(catatonit)
[ -x /bin/busybox ] || need+=(busybox-static)
# Images are pushed to a registry on loopback: Debian's docker-registry (platflow registry serve runs it).
[ -x /usr/bin/docker-registry ] || need+=(docker-registry)
# Chart tests validate rendered manifests with kubernetes-validate (PyPI, pinned by hash) in a venv of Debian's
# python3 that uses these system packages, so PyPI only supplies kubernetes-validate itself.
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import yaml, jsonschema' 2>/dev/null || need+=(python3-yaml python3-jsonschema)
# notify() posts to webhooks through the system's libcurl, loaded at its first call (the Swift toolchain's own
# FoundationNetworking needs it too, so it is usually there already).
{ ldconfig -p 2>/dev/null | grep -q 'libcurl\.so\.4 '; } || need+=(libcurl4)
# Simulated hosts run their scripts confined where bubblewrap is present (the real root read-only, the host's
# folder writable); the confinement tests and the read-only-media tests use it.
have bwrap || need+=(bubblewrap)

[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing packages: ${need[*]}" >&2
  echo "setup: run: sudo apt-get update && sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
have apt-get || { echo "setup: no apt-get here; install these packages yourself: ${need[*]}" >&2; exit 1; }
echo "setup: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
