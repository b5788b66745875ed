import type { KubeObject } from '@logbook/kube';
import type { NodeInfo } from './node-info';
import type { Status } from './status';

/** Decides whether a pod may run on a node. Pure; the logic lives in an exported predicate. */
export interface FilterPlugin {
  readonly name: string;
  /**
   * Once per cycle before any node (kube's PreFilter): a failure fails the pod on every node with
   * that reason, e.g. `persistentvolumeclaim "data" not found`.
   */
  preFilter?(pod: KubeObject): Status;
  filter(pod: KubeObject, nodeInfo: NodeInfo): Status;
}

/** Read access to the scheduler's cache for plugins that look beyond nodes and pods (claims, volumes). */
export interface ObjectLister {
  get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined;
  list(kind: string, namespace?: string): KubeObject[];
}

/** What a plugin factory is given (kube's framework.Handle); the lister is undefined until the cache is there. */
export interface PluginHandle {
  readonly lister: () => ObjectLister | undefined;
}

export const NO_HANDLE: PluginHandle = { lister: () => undefined };

/**
 * Ranks a feasible node, already normalised to 0..100 across `all` (the feasible nodes of this
 * scheduling cycle, the same array for every call of the cycle so plugins may memoise on it).
 */
export interface ScorePlugin {
  readonly name: string;
  score(pod: KubeObject, nodeInfo: NodeInfo, all: readonly NodeInfo[]): number;
}

/** The plugins one scheduling cycle runs, in order, and the weight of each score. */
export interface Profile {
  readonly filters: readonly FilterPlugin[];
  readonly scores: readonly { readonly plugin: ScorePlugin; readonly weight: number }[];
}

export const MAX_NODE_SCORE = 100;

/**
 * Memoises a per-cycle computation (e.g. the maximum raw score across feasible nodes, which
 * normalisation needs) on the identity of the cycle's node array and pod.
 */
export function perCycle<T>(memo: WeakMap<readonly NodeInfo[], { pod: KubeObject; value: T }>, pod: KubeObject, all: readonly NodeInfo[], compute: () => T): T {
  const hit = memo.get(all);
  if (hit && hit.pod === pod) return hit.value;
  const value = compute();
  memo.set(all, { pod, value });
  return value;
}
