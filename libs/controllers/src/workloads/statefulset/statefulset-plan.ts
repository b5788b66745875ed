import type { KubeObject } from '@logbook/kube';
import { podAvailability } from '../pods';
import {
  identityLabels,
  identityMatches,
  isFinished,
  isHealthy,
  isRunningAndAvailable,
  isRunningAndReady,
  isTerminating,
  ordinalOf,
  replicasOf,
  revisionOfPod,
  startOrdinal,
  statefulPod,
} from './stateful-pods';

/**
 * The pure part of the StatefulSet controller (kube's defaultStatefulSetControl.updateStatefulSet):
 * one step towards `replicas` pods named `<set>-<ordinal>` at the right revision. With
 * OrderedReady a step does one thing and waits: create the lowest missing pod once every
 * lower one is Running and Ready, delete the highest surplus pod, replace the highest pod of an
 * old revision. Parallel does every create and delete at once.
 */
export interface RevisionRef {
  readonly name: string;
  /** The pod template this revision stands for. */
  readonly template: any;
}

export interface StatefulSetPlan {
  readonly create: KubeObject[];
  readonly remove: KubeObject[];
  /** Pods whose identity labels must be put back. */
  readonly relabel: KubeObject[];
}

export interface StatefulSetStatus {
  observedGeneration?: number;
  replicas: number;
  readyReplicas: number;
  currentReplicas: number;
  updatedReplicas: number;
  availableReplicas: number;
  currentRevision: string;
  updateRevision: string;
  collisionCount: number;
}

export interface Planned {
  readonly plan: StatefulSetPlan;
  readonly status: StatefulSetStatus;
  /** When a Ready pod becomes available (minReadySeconds): look again then. */
  readonly nextAvailableInMs?: number;
}

export function planStatefulSet(set: KubeObject, pods: readonly KubeObject[], current: RevisionRef, update: RevisionRef, collisionCount: number, now: Date): Planned {
  const minReady: number = set.spec?.minReadySeconds ?? 0;
  const healthy = (p: KubeObject | undefined) => !!p && isHealthy(p, minReady, now);
  const start = startOrdinal(set);
  const count = replicasOf(set);
  const replicas: (KubeObject | undefined)[] = new Array(count).fill(undefined);
  const condemned: KubeObject[] = [];
  for (const pod of pods) {
    const ord = ordinalOf(set, pod);
    if (ord >= start && ord < start + count) replicas[ord - start] = pod;
    else if (ord >= 0) condemned.push(pod);
  }
  condemned.sort((a, b) => ordinalOf(set, b) - ordinalOf(set, a)); // highest first
  const firstUnhealthy = replicas.find((p) => !healthy(p)) ?? [...condemned].reverse().find((p) => !healthy(p));

  const plan: StatefulSetPlan = { create: [], remove: [], relabel: [] };
  const status = statusOf(set, [...replicas.filter((p): p is KubeObject => !!p), ...condemned], current, update, collisionCount, now);
  const done = (): Planned => ({ plan, status: status.status, nextAvailableInMs: status.nextAvailableInMs });
  if (set.metadata.deletionTimestamp) return done();
  const monotonic = set.spec?.podManagementPolicy !== 'Parallel';

  // Each replica in ordinal order; in OrderedReady mode the first one that is not done stops the step.
  for (let i = 0; i < count; i++) {
    const ord = start + i;
    const pod = replicas[i];
    let blocked = false;
    if (pod && isFinished(pod)) {
      // A pod that ran to completion is deleted and comes back under the same name.
      if (!isTerminating(pod)) plan.remove.push(pod);
      blocked = true;
    } else if (!pod) {
      plan.create.push(newVersionedPod(set, current, update, ord));
      blocked = monotonic;
    } else if (monotonic && (isTerminating(pod) || !isRunningAndReady(pod) || !isRunningAndAvailable(pod, minReady, now))) {
      blocked = true;
    } else if (!identityMatches(set, pod, ord)) {
      plan.relabel.push({ ...pod, metadata: { ...pod.metadata, labels: { ...(pod.metadata.labels ?? {}), ...identityLabels(set, ord) } } });
    }
    if (blocked && monotonic) return done();
  }

  // Surplus pods, highest ordinal first; OrderedReady deletes one, and only while every lower pod is healthy.
  for (const pod of condemned) {
    if (isTerminating(pod)) {
      if (monotonic) return done();
      continue;
    }
    if (monotonic && !healthy(pod) && pod !== firstUnhealthy) return done();
    plan.remove.push(pod);
    if (monotonic) return done();
  }

  if ((set.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'OnDelete') return done();
  // Rolling update: the highest pod not at the update revision goes; its replacement is created at
  // the update revision next time. Pods below the partition keep the current revision.
  const partition: number = set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
  for (let target = count - 1; target >= partition; target--) {
    const pod = replicas[target];
    if (pod && revisionOfPod(pod) !== update.name && !isTerminating(pod)) {
      plan.remove.push(pod);
      status.status.currentReplicas = Math.max(0, status.status.currentReplicas - (revisionOfPod(pod) === current.name ? 1 : 0));
      return done();
    }
    if (!healthy(pod)) return done();
  }
  return done();
}

/** kube's newVersionedStatefulSetPod: below the partition a pod is (re)created at the current revision. */
function newVersionedPod(set: KubeObject, current: RevisionRef, update: RevisionRef, ordinal: number): KubeObject {
  const rolling = (set.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
  const ru = set.spec?.updateStrategy?.rollingUpdate;
  const atCurrent = (rolling && !ru && ordinal < (set.status?.currentReplicas ?? 0)) || (ru && ordinal < (ru.partition ?? 0));
  const rev = atCurrent ? current : update;
  return statefulPod(set, rev.template, ordinal, rev.name);
}

/** kube's updateStatus + completeRollingUpdate over the pods that exist. */
function statusOf(set: KubeObject, pods: readonly KubeObject[], current: RevisionRef, update: RevisionRef, collisionCount: number, now: Date): { status: StatefulSetStatus; nextAvailableInMs?: number } {
  const minReady: number = set.spec?.minReadySeconds ?? 0;
  const s: StatefulSetStatus = {
    observedGeneration: set.metadata.generation,
    replicas: 0,
    readyReplicas: 0,
    currentReplicas: 0,
    updatedReplicas: 0,
    availableReplicas: 0,
    currentRevision: current.name,
    updateRevision: update.name,
    collisionCount,
  };
  let nextAvailableInMs: number | undefined;
  for (const pod of pods) {
    s.replicas++;
    if (isRunningAndReady(pod)) {
      s.readyReplicas++;
      const a = podAvailability(pod, minReady, now);
      if (a.available) s.availableReplicas++;
      else if (a.becomesAvailableInMs !== undefined) nextAvailableInMs = Math.min(nextAvailableInMs ?? Infinity, a.becomesAvailableInMs);
    }
    if (!isTerminating(pod)) {
      if (revisionOfPod(pod) === current.name) s.currentReplicas++;
      if (revisionOfPod(pod) === update.name) s.updatedReplicas++;
    }
  }
  // A finished rolling update makes the update revision current.
  if ((set.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' && s.updatedReplicas === s.replicas && s.readyReplicas === s.replicas) {
    s.currentReplicas = s.updatedReplicas;
    s.currentRevision = s.updateRevision;
  }
  return { status: s, nextAvailableInMs };
}
