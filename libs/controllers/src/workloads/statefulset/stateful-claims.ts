import type { KubeObject } from '@logbook/kube';
import { podName } from './stateful-pods';

/**
 * A StatefulSet's PersistentVolumeClaims (kube's stateful_set_utils getPersistentVolumeClaims and
 * the StatefulSetAutoDeletePVC owner references): one per volumeClaimTemplate and ordinal, named
 * `<template>-<set>-<ordinal>`, labelled with the template's labels and the set's selector.
 */
export const claimName = (template: any, set: KubeObject, ordinal: number): string => `${template?.metadata?.name}-${podName(set, ordinal)}`;

export const claimTemplates = (set: KubeObject): any[] => (Array.isArray(set.spec?.volumeClaimTemplates) ? set.spec.volumeClaimTemplates.filter((t: any) => t?.metadata?.name) : []);

export interface ClaimRetention {
  readonly whenDeleted: 'Retain' | 'Delete';
  readonly whenScaled: 'Retain' | 'Delete';
}

export function claimRetention(set: KubeObject): ClaimRetention {
  const p = set.spec?.persistentVolumeClaimRetentionPolicy ?? {};
  return { whenDeleted: p.whenDeleted === 'Delete' ? 'Delete' : 'Retain', whenScaled: p.whenScaled === 'Delete' ? 'Delete' : 'Retain' };
}

const refTo = (o: KubeObject) => ({ apiVersion: o.apiVersion ?? 'v1', kind: o.kind, name: o.metadata.name!, uid: o.metadata.uid! });

/** The claims a pod of this ordinal needs; WhenDeleted=Delete makes the set their owner (the garbage collector deletes them with it). */
export function statefulClaims(set: KubeObject, ordinal: number): KubeObject[] {
  const selector: Record<string, string> = set.spec?.selector?.matchLabels ?? {};
  const owned = claimRetention(set).whenDeleted === 'Delete';
  return claimTemplates(set).map((t) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: claimName(t, set, ordinal),
      namespace: set.metadata.namespace,
      labels: { ...(t.metadata.labels ?? {}), ...selector },
      ...(t.metadata.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
      ...(owned ? { ownerReferences: [{ ...refTo({ ...set, apiVersion: 'apps/v1' }) }] } : {}),
    },
    spec: structuredClone(t.spec ?? {}),
  }));
}

/**
 * The owner references a claim should have once its pod is condemned by a scale down with
 * WhenScaled=Delete: the pod's (so the claim goes with it), and no longer the set's.
 */
export function scaledDownOwners(claim: KubeObject, set: KubeObject, pod: KubeObject): KubeObject['metadata']['ownerReferences'] {
  const refs = (claim.metadata.ownerReferences ?? []).filter((r: any) => r.uid !== set.metadata.uid && r.uid !== pod.metadata.uid);
  return [...refs, refTo({ ...pod, apiVersion: 'v1', kind: 'Pod' })];
}
