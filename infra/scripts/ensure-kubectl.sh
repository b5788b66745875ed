#!/usr/bin/env bash
# Real kubectl for the end-to-end tests: Debian's kubernetes-client when none is installed.
set -euo pipefail
if command -v kubectl >/dev/null 2>&1; then exit 0; fi
echo "[setup] installing kubectl (Debian kubernetes-client)..."
if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq kubernetes-client >/dev/null
kubectl version --client 2>/dev/null | head -1 || true
