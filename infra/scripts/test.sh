#!/usr/bin/env bash
# `npm test`: everything the whole suite needs on a fresh machine (npm packages, a build, real
# kubectl, the real Kafka broker from Maven Central jars), then all three jest tiers. Ends with
# the line `tests: N passed, M failed`.
set -uo pipefail
cd "$(dirname "$0")/../.."
# A set-up that fails (install, build, kubectl) still ends with the line CI reads.
setup_failed() { echo "[setup] $1 failed (see above)"; echo "tests: 0 passed, 1 failed"; exit 1; }
bash infra/scripts/ensure-deps.sh || setup_failed "installing or building"
KUBECTL_BINARIES=$(bash infra/scripts/ensure-kubectl.sh | paste -sd: -) || setup_failed "fetching kubectl"
export KUBECTL_BINARIES

export KAFKA_PORT="${KAFKA_PORT:-9092}"
export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:$KAFKA_PORT}"
started_kafka=0
if [ "${LOGBOOK_KAFKA:-}" = testcontainers ]; then
  echo "[setup] LOGBOOK_KAFKA=testcontainers: jest starts Kafka in a container (needs Docker)"
elif ! bash infra/kafka/kafka.sh status >/dev/null 2>&1; then
  bash infra/kafka/kafka.sh up || { echo "tests: 0 passed, 1 failed"; exit 1; }
  started_kafka=1
fi
cleanup() { [ "$started_kafka" = 1 ] && bash infra/kafka/kafka.sh down >/dev/null 2>&1; }
trap cleanup EXIT

mkdir -p .tmp
results=.tmp/jest-results.json
rm -f "$results"
NODE_OPTIONS=--experimental-vm-modules node_modules/.bin/jest --ci --maxWorkers=2 --json --outputFile="$results" "$@"
status=$?
node_modules/.bin/node -e '
  const fs = require("fs");
  const f = process.argv[1];
  if (!fs.existsSync(f)) { console.log("tests: 0 passed, 1 failed"); process.exit(0); }
  const r = JSON.parse(fs.readFileSync(f, "utf8"));
  const failedSuites = r.testResults.filter((s) => s.status === "failed" && s.assertionResults.length === 0).length;
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests + failedSuites} failed`);
' "$results"
exit $status
