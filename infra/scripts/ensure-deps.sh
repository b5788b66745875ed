#!/usr/bin/env bash
# Installs what Logbook needs on a fresh machine: npm packages (with Node 24 from the node@24
# devDependency) and a build. Idempotent: a warm checkout skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/../.."
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
