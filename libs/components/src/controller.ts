import type { Registry } from 'prom-client';
import type { KubeObject } from '@logbook/kube';
import type { Cause, ClusterClient } from './cluster-client.port';
import type { CachedChange, ObjectCache } from './object-cache';
import type { EventRecorder } from './events/event-recorder';

export interface ComponentLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  /** pino's: lets a hot path skip building a debug line nobody reads. Absent means every level is on. */
  isLevelEnabled?(level: string): boolean;
}

export interface ReconcileContext {
  /** Read-only view of the watched kinds; never mutate what it returns. */
  readonly cache: ObjectCache;
  readonly client: ClusterClient;
  /** The event that last queued this key, to carry into every write (causation). */
  readonly cause: Cause;
  readonly now: () => Date;
  readonly log: ComponentLogger;
  /** Kubernetes Events about the objects it handles (`source.component` is the controller's eventSource). */
  readonly recorder: EventRecorder;
}

/** `{ requeueAfterMs }` asks to be called again later (e.g. a deadline or a back-off expiring). */
export type ReconcileResult = void | { readonly requeueAfterMs: number };

/**
 * A level-triggered controller (after kubernetes/sample-controller): an event only queues keys;
 * `reconcile(key)` reads the cache, computes what should exist, and writes the difference
 * through the client. Keys are `namespace/name` (or `name` for cluster-scoped primaries).
 */
export interface Controller {
  readonly name: string;
  /** Work is split between replicas by the partitions of this kind's topic. */
  readonly primaryKind: string;
  /** Every kind the controller reads; their changes reach keysFor. Includes primaryKind. */
  readonly watches: readonly string[];
  /** The primary keys a change concerns (e.g. a pod → its owning ReplicaSet); the cache is already updated. */
  keysFor(change: CachedChange, cache: ObjectCache): string[];
  reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult>;
  /** Concurrent reconciles of different keys (default 2). */
  readonly workers?: number;
  /** `source.component` of the Events it records (`default-scheduler`, `deployment-controller`, …); default its name. */
  readonly eventSource?: string;
  /** Registers the controller's own metrics (the scheduler's attempts); the host calls it once. */
  instrument?(registry: Registry): void;
}

/** `namespace/name` or `name`. */
export function keyOf(obj: KubeObject): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name!;
}

export function splitKey(key: string): { namespace?: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/** The key of an object's controlling owner of the given kind, if it has one. */
export function controllerOwnerKey(obj: KubeObject | undefined, ownerKind: string): string | undefined {
  const ref = obj?.metadata.ownerReferences?.find((r) => r.controller && r.kind === ownerKind);
  if (!ref || !obj) return undefined;
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${ref.name}` : ref.name;
}
