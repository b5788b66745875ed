#!/usr/bin/env bash
# `npm start`: install, build and start the embedded cluster in the foreground (Ctrl-C stops it).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash infra/scripts/ensure-deps.sh
exec node_modules/.bin/node bin/logbook.js up "$@"
