#!/usr/bin/env bash
# Installs what Logbook needs on a fresh machine: npm packages (with Node 24 from the node@24
# devDependency) and a build. Idempotent: a warm checkout skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ ! -x node_modules/.bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[setup] installing npm packages (npm ci)..."
  npm ci --no-audit --no-fund
fi
echo "[setup] building (tsc)..."
npm run --silent build
