import type { KubeObject } from '@logbook/kube';
import type { Mount } from '@logbook/runtime';

/**
 * What pod sync needs of the volume manager (libs/node-agent/src/volumes): mounts per container
 * for a pod, prepared or refreshed on every sync, and their removal with the pod. A failure
 * carries a `reason` (FailedMount, VolumeNotReady) and the pod waits in ContainerCreating.
 */
export interface PodVolumes {
  setUp(pod: KubeObject, podIP?: string): Promise<Map<string, Mount[]>>;
  tearDown(podUid: string): Promise<void>;
}
