#!/usr/bin/env bash
# Installs what Logbook needs on a fresh machine: the Debian packages of the container runtime
# (containerd, runc, CNI plugins, the local registry and the image tools, python3-kubernetes for
# the python image), npm packages (with Node 24 from the node@24 devDependency) and a build. Idempotent: a warm checkout skips what is
# already there. Without root or apt-get it says what is missing and goes on: the process runtime
# needs none of those packages.
set -euo pipefail
cd "$(dirname "$0")/../.."

# Debian package → a file it installs (what proves it is there).
DEB_PACKAGES=(
  "containerd:/usr/bin/containerd"
  "runc:/usr/sbin/runc"
  "containernetworking-plugins:/usr/lib/cni/bridge"
  "docker-registry:/usr/bin/docker-registry"
  "skopeo:/usr/bin/skopeo"
  "umoci:/usr/bin/umoci"
  "busybox-static:/usr/bin/busybox"
  "nftables:/usr/sbin/nft"
  "iptables:/usr/sbin/iptables"
  "iproute2:/usr/sbin/ip"
  "apache2-utils:/usr/bin/htpasswd"
  # The python image (in-cluster clients, the service account acceptance): Debian's official client.
  "python3-kubernetes:/usr/lib/python3/dist-packages/kubernetes/__init__.py"
)
missing=()
for entry in "${DEB_PACKAGES[@]}"; do
  pkg="${entry%%:*}" file="${entry#*:}"
  [ -e "$file" ] || missing+=("$pkg")
done
# busybox (the dynamic one) also installs /usr/bin/busybox: the images need the static build.
if [ -e /usr/bin/busybox ] && ! dpkg -s busybox-static >/dev/null 2>&1 && ldd /usr/bin/busybox >/dev/null 2>&1; then missing+=(busybox-static); fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "[setup] installing Debian packages for containers: ${missing[*]} (apt-get)..."
    export DEBIAN_FRONTEND=noninteractive
    if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >.apt-get.log 2>&1; then
      echo "[setup] apt-get failed (last lines below; full log in .apt-get.log): container pods will not run here, process pods still do"
      tail -n 5 .apt-get.log | sed 's/^/[setup]   /'
    else
      rm -f .apt-get.log
      # Debian starts the packaged services; Logbook runs its own containerd and registry.
      # (docker-registry's would hold port 5000, the default of `logbook up --registry`.)
      for svc in containerd docker-registry; do
        [[ " ${missing[*]} " == *" $svc "* ]] || continue # only what this run installed
        if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
          systemctl disable --now "$svc" >/dev/null 2>&1 || true
        elif [ -x "/etc/init.d/$svc" ]; then
          "/etc/init.d/$svc" stop >/dev/null 2>&1 || true
        fi
      done
    fi
  else
    why="not root"; command -v apt-get >/dev/null 2>&1 || why="no apt-get"
    echo "[setup] missing Debian packages for container pods: ${missing[*]} ($why; install them with: apt-get install -y ${missing[*]}). The process runtime works without them."
  fi
fi

if [ ! -x node_modules/.bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[setup] installing npm packages (npm ci)..."
  if ! npm ci --no-audit --no-fund 2>.npm-ci.err; then
    # The registry this project installs from lacks some other platforms' optional binaries
    # (e.g. @swc/core-darwin-arm64 at @swc/core's version), so the lock cannot list them and
    # `npm ci` refuses it as out of sync. `npm install` installs the same locked versions.
    echo "[setup] npm ci refused the lock ($(grep -m1 -o 'Missing: [^ ]*' .npm-ci.err || echo 'see .npm-ci.err')); installing the locked versions with npm install"
    npm install --no-audit --no-fund
  fi
  rm -f .npm-ci.err
fi
echo "[setup] building (tsc)..."
npm run --silent build
