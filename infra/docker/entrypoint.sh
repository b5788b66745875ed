#!/bin/sh
# The image's entry point: the first argument names the component, the rest are its flags.
#   docker run logbook:0.1.0 scheduler
#   docker run logbook:0.1.0 node-agent --address 10.0.0.7
#   docker run logbook:0.1.0 cli get pods --at -10m
#   docker run -v creds:/etc/logbook logbook:0.1.0 bootstrap --help
set -eu

usage() {
  cat <<'USAGE'
usage: <component> [flags]
components: apiserver relay scheduler controller-manager node-agent proxy cli bootstrap
Configuration is by environment variables (docs/configuration.md); docs/deployment.md shows
the compose file and the Kubernetes manifests.
USAGE
}

# /app in the image; the checkout when run from one.
root="$(cd "$(dirname "$0")/../.." && pwd)"
component="${1:-help}"
[ "$#" -gt 0 ] && shift

# Docker's `_FILE` convention: the token can come from a mounted file (a compose volume, a
# Kubernetes Secret) instead of the environment, where `docker inspect` would show it.
if [ -z "${LOGBOOK_TOKEN:-}" ] && [ -n "${LOGBOOK_TOKEN_FILE:-}" ]; then
  LOGBOOK_TOKEN="$(cat "$LOGBOOK_TOKEN_FILE")"
  export LOGBOOK_TOKEN
fi

case "$component" in
  apiserver|relay|scheduler|controller-manager|node-agent|proxy|cli)
    exec node "$root/dist/apps/$component/src/main.js" "$@"
    ;;
  bootstrap)
    exec node "$root/infra/docker/bootstrap.js" "$@"
    ;;
  help|-h|--help)
    usage
    ;;
  *)
    echo "unknown component \"$component\"" >&2
    usage >&2
    exit 64
    ;;
esac
