import type { KubeObject } from '@logbook/kube';
import { scaledValue } from '../deployment-util';
import { CONTROLLER_REVISION_HASH } from '../history/controller-revisions';
import { isPodAvailable, isPodReady, podAvailability } from '../pods';
import { nodeShouldRunDaemonPod, targetNodeOf } from './daemon-pods';

/**
 * The pure part of the DaemonSet controller (pkg/controller/daemon): which nodes need a pod,
 * which pods must go, the rolling update's next step, and the status. No I/O, no clock.
 */
export interface DaemonSetPlan {
  /** Nodes to create a daemon pod on. */
  readonly createOn: string[];
  /** Pods to delete (duplicates, pods on nodes that should not run them, old revisions). */
  readonly remove: KubeObject[];
  /** Failed pods to replace, each subject to a per-node back-off (kube's failedPodsBackoff). */
  readonly failed: { readonly node: string; readonly pod: KubeObject }[];
}

const byName = (a: { metadata: { name?: string } }, b: { metadata: { name?: string } }) => (a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0);

/** kube's podByCreationTimestampAndPhase: running before pending, then oldest first. */
function oldestFirst(a: KubeObject, b: KubeObject): number {
  const running = (p: KubeObject) => (p.status?.phase === 'Running' ? 0 : 1);
  const t = (p: KubeObject) => Date.parse(p.metadata.creationTimestamp ?? '') || 0;
  return running(a) - running(b) || t(a) - t(b) || byName(a, b);
}

/** Daemon pods by the node they are for; terminal pods already being deleted are nobody's business. */
export function podsByNode(pods: readonly KubeObject[]): Map<string, KubeObject[]> {
  const map = new Map<string, KubeObject[]>();
  for (const pod of [...pods].sort(byName)) {
    const phase = pod.status?.phase;
    if ((phase === 'Succeeded' || phase === 'Failed') && pod.metadata.deletionTimestamp) continue;
    const node = targetNodeOf(pod);
    if (!node) continue;
    map.set(node, [...(map.get(node) ?? []), pod]);
  }
  return map;
}

export const allowsSurge = (ds: KubeObject): boolean => isRollingUpdate(ds) && scaledValue(ds.spec?.updateStrategy?.rollingUpdate?.maxSurge, 1, true) > 0;
export const isRollingUpdate = (ds: KubeObject): boolean => (ds.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
const isNew = (pod: KubeObject, hash: string) => pod.metadata.labels?.[CONTROLLER_REVISION_HASH] === hash;

/** kube's manage: one pod on every node that should run one, none elsewhere. */
export function manage(ds: KubeObject, nodes: readonly KubeObject[], pods: readonly KubeObject[], hash: string): DaemonSetPlan {
  const byNode = podsByNode(pods);
  const plan: DaemonSetPlan = { createOn: [], remove: [], failed: [] };
  const surge = allowsSurge(ds);
  for (const node of [...nodes].sort(byName)) {
    const name = node.metadata.name!;
    const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
    const here = byNode.get(name) ?? [];
    if (shouldRun && here.length === 0) {
      plan.createOn.push(name);
    } else if (shouldContinueRunning) {
      const running: KubeObject[] = [];
      for (const pod of here) {
        if (pod.metadata.deletionTimestamp) continue;
        if (pod.status?.phase === 'Failed') plan.failed.push({ node: name, pod });
        else if (pod.status?.phase === 'Succeeded') plan.remove.push(pod);
        else running.push(pod);
      }
      plan.remove.push(...(surge ? extraSurgePods(running, hash) : running.sort(oldestFirst).slice(1)));
    } else {
      plan.remove.push(...here.filter((p) => !p.metadata.deletionTimestamp));
    }
  }
  // Pods for nodes that no longer exist: kube's pod GC deletes those; Logbook has none, so the owner does.
  const known = new Set(nodes.map((n) => n.metadata.name!));
  for (const [node, here] of byNode) if (!known.has(node)) plan.remove.push(...here.filter((p) => !p.metadata.deletionTimestamp));
  return plan;
}

/**
 * While surging a node may hold one old and one new pod: the old one goes once the new one is
 * ready, or at once when it is not ready itself; any other duplicates go (kube's manage).
 */
function extraSurgePods(running: KubeObject[], hash: string): KubeObject[] {
  if (running.length < 2) return [];
  const out: KubeObject[] = [];
  let oldestNew: KubeObject | undefined;
  let oldestOld: KubeObject | undefined;
  for (const pod of running.sort(oldestFirst)) {
    if (isNew(pod, hash) && !oldestNew) oldestNew = pod;
    else if (!isNew(pod, hash) && !oldestOld) oldestOld = pod;
    else out.push(pod);
  }
  if (oldestNew && oldestOld && (!isPodReady(oldestOld) || isPodReady(oldestNew))) out.push(oldestOld);
  return out;
}

/** kube's findUpdatedPodsOnNode: at most one new and one old pod, else the node is manage's to fix. */
function splitNode(pods: readonly KubeObject[], hash: string): { newPod?: KubeObject; oldPod?: KubeObject; ok: boolean } {
  let newPod: KubeObject | undefined;
  let oldPod: KubeObject | undefined;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    if (isNew(pod, hash)) {
      if (newPod) return { ok: false };
      newPod = pod;
    } else {
      if (oldPod) return { ok: false };
      oldPod = pod;
    }
  }
  return { newPod, oldPod, ok: true };
}

/** kube's updatedDesiredNodeCounts: maxSurge and maxUnavailable over the nodes that should run a pod (rounded up). */
export function rollingBudget(ds: KubeObject, nodes: readonly KubeObject[]): { desired: number; maxSurge: number; maxUnavailable: number } {
  const desired = nodes.filter((n) => nodeShouldRunDaemonPod(n, ds).shouldRun).length;
  const ru = ds.spec?.updateStrategy?.rollingUpdate ?? {};
  const maxSurge = allowsSurge(ds) ? scaledValue(ru.maxSurge, desired, true) : 0;
  let maxUnavailable = scaledValue(ru.maxUnavailable ?? 1, desired, true);
  if (desired > 0 && maxUnavailable === 0 && maxSurge === 0) maxUnavailable = 1;
  return { desired, maxSurge, maxUnavailable };
}

/**
 * kube's rollingUpdate, one step. Without surge: delete old pods (manage then creates the new
 * ones) while at most maxUnavailable nodes lack an available pod; an old pod that is not
 * available may always go. With surge: create a new pod beside the old one on at most maxSurge
 * nodes at a time, and delete the old one once the new one is available.
 */
export function rollingUpdate(ds: KubeObject, nodes: readonly KubeObject[], pods: readonly KubeObject[], hash: string, now: Date): DaemonSetPlan {
  const { maxSurge, maxUnavailable } = rollingBudget(ds, nodes);
  const minReady: number = ds.spec?.minReadySeconds ?? 0;
  const available = (p: KubeObject) => isPodAvailable(p, minReady, now);
  const byNode = podsByNode(pods);
  for (const n of nodes) if (nodeShouldRunDaemonPod(n, ds).shouldRun && !byNode.has(n.metadata.name!)) byNode.set(n.metadata.name!, []);
  const nodeNames = [...byNode.keys()].sort();
  const plan: DaemonSetPlan = { createOn: [], remove: [], failed: [] };

  if (maxSurge === 0) {
    let unavailable = 0;
    const replace: KubeObject[] = [];
    const candidates: KubeObject[] = [];
    for (const name of nodeNames) {
      const { newPod, oldPod, ok } = splitNode(byNode.get(name)!, hash);
      if (!ok || (!newPod && !oldPod) || (newPod && oldPod)) unavailable++;
      else if (newPod) {
        if (!available(newPod)) unavailable++;
      } else if (!available(oldPod!)) {
        replace.push(oldPod!); // an old pod that is down anyway may always be replaced
        unavailable++;
      } else if (unavailable < maxUnavailable) candidates.push(oldPod!);
    }
    const room = Math.min(Math.max(0, maxUnavailable - unavailable), candidates.length);
    plan.remove.push(...replace, ...candidates.slice(0, room));
    return plan;
  }

  let surging = 0;
  const allowed: string[] = [];
  const candidates: string[] = [];
  const shouldRun = new Map(nodes.map((n) => [n.metadata.name!, nodeShouldRunDaemonPod(n, ds).shouldRun]));
  for (const name of nodeNames) {
    const { newPod, oldPod, ok } = splitNode(byNode.get(name)!, hash);
    if (!ok) {
      surging++;
      continue;
    }
    if (!oldPod) continue;
    if (!newPod) {
      if (!shouldRun.get(name)) continue;
      if (!available(oldPod)) allowed.push(name);
      else if (surging < maxSurge) candidates.push(name);
    } else if (!available(newPod)) surging++;
    else plan.remove.push(oldPod);
  }
  const room = Math.min(Math.max(0, maxSurge - surging), candidates.length);
  plan.createOn.push(...allowed, ...candidates.slice(0, room));
  return plan;
}

export interface DaemonSetStatus {
  currentNumberScheduled: number;
  numberMisscheduled: number;
  desiredNumberScheduled: number;
  numberReady: number;
  observedGeneration?: number;
  updatedNumberScheduled: number;
  numberAvailable: number;
  numberUnavailable?: number;
  collisionCount?: number;
  conditions?: unknown[];
}

/**
 * kube's updateDaemonSetStatus; `nextAvailableInMs` says when a ready pod turns available
 * (minReadySeconds), so the controller can look again then.
 */
export function daemonSetStatus(ds: KubeObject, nodes: readonly KubeObject[], pods: readonly KubeObject[], hash: string, now: Date, collisionCount: number): { status: DaemonSetStatus; nextAvailableInMs?: number } {
  const byNode = podsByNode(pods);
  const minReady: number = ds.spec?.minReadySeconds ?? 0;
  const s: DaemonSetStatus = { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0, updatedNumberScheduled: 0, numberAvailable: 0 };
  let nextAvailableInMs: number | undefined;
  for (const node of nodes) {
    const here = byNode.get(node.metadata.name!) ?? [];
    if (nodeShouldRunDaemonPod(node, ds).shouldRun) {
      s.desiredNumberScheduled++;
      if (here.length === 0) continue;
      s.currentNumberScheduled++;
      const pod = [...here].sort(oldestFirst)[0];
      if (isPodReady(pod)) {
        s.numberReady++;
        const a = podAvailability(pod, minReady, now);
        if (a.available) s.numberAvailable++;
        else if (a.becomesAvailableInMs !== undefined) nextAvailableInMs = Math.min(nextAvailableInMs ?? Infinity, a.becomesAvailableInMs);
      }
      if (isNew(pod, hash)) s.updatedNumberScheduled++;
    } else if (here.length > 0) {
      s.numberMisscheduled++;
    }
  }
  const unavailable = s.desiredNumberScheduled - s.numberAvailable;
  if (unavailable > 0) s.numberUnavailable = unavailable;
  s.observedGeneration = ds.metadata.generation;
  if (collisionCount) s.collisionCount = collisionCount;
  if (ds.status?.conditions) s.conditions = ds.status.conditions;
  return { status: s, nextAvailableInMs };
}
