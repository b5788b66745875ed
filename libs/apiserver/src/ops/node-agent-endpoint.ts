import { type KubeObject } from '@logbook/kube';

/**
 * Where a node's agent serves its read-only port, as kube-apiserver finds the kubelet: the
 * node's InternalIP and `status.daemonEndpoints.kubeletEndpoint.Port`. Undefined for hollow
 * nodes (no agent process behind them) and nodes that never reported an endpoint.
 */
export function nodeAgentEndpoint(node: KubeObject | undefined): { host: string; port: number } | undefined {
  const host = node?.status?.addresses?.find((a: any) => a.type === 'InternalIP')?.address;
  const port = node?.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  if (!host || !port || node?.metadata.labels?.['node.logbook.io/hollow'] === 'true') return undefined;
  return { host, port };
}
