import type { KubeObject } from '@logbook/kube';
import { CONTROLLER_REVISION_HASH } from '../history/controller-revisions';
import { controllerRef } from '../pod-from-template';
import { isPodAvailable, isPodReady } from '../pods';

/** A StatefulSet's pods (pkg/controller/statefulset/stateful_set_utils.go): stable names and identity. */
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

export const podName = (set: KubeObject, ordinal: number): string => `${set.metadata.name}-${ordinal}`;

/** The ordinal in `<set>-<ordinal>`, or -1 when the name is not one of the set's. */
export function ordinalOf(set: KubeObject, pod: KubeObject): number {
  const prefix = `${set.metadata.name}-`;
  const name = pod.metadata.name ?? '';
  if (!name.startsWith(prefix)) return -1;
  const rest = name.slice(prefix.length);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : -1;
}

export const startOrdinal = (set: KubeObject): number => set.spec?.ordinals?.start ?? 0;
export const replicasOf = (set: KubeObject): number => set.spec?.replicas ?? 1;
export const revisionOfPod = (pod: KubeObject): string | undefined => pod.metadata.labels?.[CONTROLLER_REVISION_HASH];

export const isTerminating = (pod: KubeObject): boolean => !!pod.metadata.deletionTimestamp;
export const isFinished = (pod: KubeObject): boolean => pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded';
export const isRunningAndReady = (pod: KubeObject): boolean => pod.status?.phase === 'Running' && isPodReady(pod);
export const isRunningAndAvailable = (pod: KubeObject, minReadySeconds: number, now: Date): boolean => pod.status?.phase === 'Running' && isPodAvailable(pod, minReadySeconds, now);
export const isHealthy = (pod: KubeObject, minReadySeconds: number, now: Date): boolean => isRunningAndAvailable(pod, minReadySeconds, now) && !isTerminating(pod);

/** The labels that give a pod its identity in the set (kube's updateIdentity). */
export function identityLabels(set: KubeObject, ordinal: number): Record<string, string> {
  return { [POD_NAME_LABEL]: podName(set, ordinal), [POD_INDEX_LABEL]: String(ordinal) };
}

export const identityMatches = (set: KubeObject, pod: KubeObject, ordinal: number): boolean =>
  Object.entries(identityLabels(set, ordinal)).every(([k, v]) => pod.metadata.labels?.[k] === v);

/**
 * kube's newStatefulSetPod for `template` (the current or the update revision's), named for its
 * ordinal, with hostname/subdomain and one persistentVolumeClaim volume per claim template
 * (`<claim>-<set>-<ordinal>`, as kube names them; the controller creates those claims first).
 */
export function statefulPod(set: KubeObject, template: any, ordinal: number, revisionName: string): KubeObject {
  const meta = template?.metadata ?? {};
  const spec = structuredClone(template?.spec ?? {});
  const name = podName(set, ordinal);
  spec.hostname = name;
  if (set.spec?.serviceName) spec.subdomain = set.spec.serviceName;
  const claims: any[] = set.spec?.volumeClaimTemplates ?? [];
  if (claims.length) {
    const volumes: any[] = (spec.volumes ?? []).filter((v: any) => !claims.some((c) => c?.metadata?.name === v?.name));
    for (const c of claims) volumes.push({ name: c.metadata.name, persistentVolumeClaim: { claimName: `${c.metadata.name}-${name}` } });
    spec.volumes = volumes;
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: set.metadata.namespace,
      labels: { ...(meta.labels ?? {}), ...identityLabels(set, ordinal), [CONTROLLER_REVISION_HASH]: revisionName },
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ownerReferences: [controllerRef(set)],
    },
    spec,
  };
}
