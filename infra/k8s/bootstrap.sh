#!/usr/bin/env bash
# Makes the Secrets that infra/k8s mounts (docs/deployment.md, "Bootstrap"): runs the image's
# bootstrap (infra/docker/bootstrap.js, from a built checkout) for the API server's in-cluster
# names and one identity per node replica, then creates the three Secrets of
# secret.template.yaml from its files.
#   infra/k8s/bootstrap.sh [--nodes N] [--out DIR] [--dry-run]
#     --nodes    node agent replicas (logbook-node-0 … N-1)            default 2
#     --out      where the CA, the keys and the tokens are kept          default ./logbook-credentials
#     --dry-run  print the Secrets as YAML instead of applying them
# Run it again with a larger --nodes after scaling the StatefulSet: what exists is kept.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
nodes=2
out=./logbook-credentials
dry_run=0
namespace=logbook
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) nodes="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    *) echo "unknown flag $1 (see the comment at the top of $0)" >&2; exit 64 ;;
  esac
done

node_args=()
node_files=()
for ((i = 0; i < nodes; i++)); do
  node_args+=(--node "logbook-node-$i")
  node_files+=(--from-file="$out/components/tokens/node-logbook-node-$i")
done
service=logbook-apiserver
node "$root/infra/docker/bootstrap.js" --data-dir "$out/apiserver" --credentials "$out/components" \
  --san "$service" --san "$service.$namespace" --san "$service.$namespace.svc" --san "$service.$namespace.svc.cluster.local" \
  "${node_args[@]}" --server https://127.0.0.1:6443 >/dev/null

secret() { kubectl create secret generic "$1" --namespace "$namespace" --dry-run=client -o yaml "${@:2}"; }
{
  # The CA's key (pki/ca.key) stays in --out: the API server does not need it.
  secret logbook-apiserver --from-file="$out/apiserver/pki/ca.crt" --from-file="$out/apiserver/pki/apiserver.crt" \
    --from-file="$out/apiserver/pki/apiserver.key" --from-file="$out/apiserver/tokens.csv"
  echo ---
  secret logbook-credentials --from-file="$out/components/ca.crt" --from-file="$out/components/tokens/scheduler" \
    --from-file="$out/components/tokens/controller-manager" --from-file="$out/components/tokens/proxy"
  echo ---
  secret logbook-node-tokens "${node_files[@]}"
} >"$out/secrets.yaml"

if [ "$dry_run" = 1 ]; then
  cat "$out/secrets.yaml"
else
  kubectl apply -f "$root/infra/k8s/namespace.yaml"
  kubectl apply -f "$out/secrets.yaml"
  echo "Secrets applied; the admin kubeconfig is $out/components/kubeconfig (server https://127.0.0.1:6443:" >&2
  echo "  kubectl -n $namespace port-forward svc/$service 6443)" >&2
fi
