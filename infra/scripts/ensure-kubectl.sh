#!/usr/bin/env bash
# Real kubectl for the end-to-end tests. Debian's kubernetes-client (v1.20) is unpacked into a
# cache outside git (no dpkg install, so it never clashes with a kubectl already on the machine);
# a kubectl on PATH (e.g. 1.32) is used as well. Prints the binaries, one per line, on stdout.
set -euo pipefail
cache="${LOGBOOK_CACHE_DIR:-$HOME/.cache/logbook}/kubectl-deb"
bin="$cache/usr/bin/kubectl"
if [ ! -x "$bin" ]; then
  echo "[setup] fetching Debian kubernetes-client (kubectl 1.20)..." >&2
  mkdir -p "$cache"
  tmp=$(mktemp -d)
  chmod 777 "$tmp"
  if ! (cd "$tmp" && apt-get download kubernetes-client >/dev/null 2>&1); then
    apt-get update -qq >&2
    (cd "$tmp" && apt-get download kubernetes-client >/dev/null 2>&1)
  fi
  dpkg-deb -x "$tmp"/kubernetes-client_*.deb "$cache"
  rm -rf "$tmp"
fi
echo "$bin"
if command -v kubectl >/dev/null 2>&1 && [ "$(readlink -f "$(command -v kubectl)")" != "$(readlink -f "$bin")" ]; then
  command -v kubectl
fi
