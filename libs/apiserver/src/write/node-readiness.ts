import { type KubeObject, streamName } from '@logbook/kube';
import type { ClusterState } from '@logbook/projections';

/**
 * Whether the node a pod is bound to reports Ready=True (the input graceful pod deletion needs;
 * see decide.ts). Undefined for anything but a bound pod.
 */
export function podNodeReady(state: ClusterState, obj: KubeObject | undefined): boolean | undefined {
  const nodeName = obj?.kind === 'Pod' ? obj.spec?.nodeName : undefined;
  if (!nodeName) return undefined;
  const node = state.getByStream(streamName('Node', undefined, nodeName));
  return node?.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') ?? false;
}
