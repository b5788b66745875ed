import { type CachedChange, type Controller, type ReconcileContext, type ReconcileResult, keyOf, splitKey } from '@logbook/components';
import { type KubeObject, type OwnerReference, resourceByKind } from '@logbook/kube';
import { ignoreNotFound } from '../shared/ignore-not-found';
import { DependencyIndex } from './dependency-index';

/** The served kinds that can own or be owned; the collectors watch all of them. */
export const GC_KINDS: readonly string[] = ['Deployment', 'ReplicaSet', 'Pod', 'Job', 'Service', 'Endpoints', 'EndpointSlice', 'ConfigMap', 'Secret', 'DaemonSet', 'StatefulSet', 'ControllerRevision', 'CronJob', 'PersistentVolumeClaim', 'PersistentVolume'];
export const FOREGROUND_FINALIZER = 'foregroundDeletion';
export const ORPHAN_FINALIZER = 'orphan';

export interface GarbageCollectorOptions {
  /**
   * How long an owner must stay missing from the cache before its dependents go. The cache
   * reads one topic per kind, so a new pod's event can arrive before its new ReplicaSet's;
   * a second look after this delay tells a late owner from a deleted one. Default 1 s.
   */
  readonly confirmAbsenceMs?: number;
}

/**
 * The garbage collector, one controller per kind of object (a Controller has one primary kind,
 * and work is split by its topic's partitions), all sharing one dependency index. Each
 * reconciles an object in both of its roles, keyed by the object itself:
 *  - as a dependent: every owner gone → delete it (background); some gone → drop those refs;
 *    owners in foreground deletion → delete it so they can finish.
 *  - as an owner being deleted: `orphan` → strip its ownerReferences from the dependents,
 *    then drop the finalizer; `foregroundDeletion` → drop the finalizer once no dependent
 *    with blockOwnerDeletion remains.
 * Keying by the dependent keeps a reconcile O(its owners); an owner's deletion fans out to
 * its dependents' keys through the index.
 */
export class GarbageCollector implements Controller {
  readonly name: string;
  readonly watches = GC_KINDS;
  private readonly confirmMs: number;
  /** Dependent uid → when its owners were first seen missing. */
  private readonly suspects = new Map<string, number>();

  constructor(
    readonly primaryKind: string,
    private readonly index: DependencyIndex,
    options: GarbageCollectorOptions = {},
  ) {
    this.name = `garbage-collector-${primaryKind.toLowerCase()}`;
    this.confirmMs = options.confirmAbsenceMs ?? 1000;
  }

  keysFor(change: CachedChange): string[] {
    this.index.observe(change);
    const { before, after } = change;
    const obj = (after ?? before)!;
    const keys = new Set<string>();
    if (change.kind === this.primaryKind && after && (refsChanged(before, after) || deletionChanged(before, after))) keys.add(keyOf(after));
    // An owner gone or being deleted: its dependents of our kind have work.
    if (!after || after.metadata.deletionTimestamp) {
      for (const d of this.index.dependentsOf(obj.metadata.uid)) if (d.kind === this.primaryKind) keys.add(d.namespace ? `${d.namespace}/${d.name}` : d.name);
    }
    // A dependent gone or released: an owner of our kind may be waiting for it.
    const kept = new Set((after?.metadata.ownerReferences ?? []).map((r) => r.uid));
    for (const r of before?.metadata.ownerReferences ?? []) {
      if (r.kind === this.primaryKind && !kept.has(r.uid)) keys.add(ownerKey(r, obj));
    }
    return [...keys];
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    this.index.ensureBuilt(ctx.cache);
    const { namespace, name } = splitKey(key);
    const obj = ctx.cache.get(this.primaryKind, namespace, name);
    if (!obj) return;
    if (obj.metadata.deletionTimestamp) {
      const finalizers = obj.metadata.finalizers ?? [];
      if (finalizers.includes(ORPHAN_FINALIZER)) await this.orphan(obj, ctx);
      else if (finalizers.includes(FOREGROUND_FINALIZER)) await this.finishForeground(obj, ctx);
      return;
    }
    return this.checkOwners(obj, ctx);
  }

  private async checkOwners(obj: KubeObject, ctx: ReconcileContext): Promise<ReconcileResult> {
    const refs = obj.metadata.ownerReferences ?? [];
    const uid = obj.metadata.uid!;
    const solid: OwnerReference[] = [];
    const dangling: OwnerReference[] = [];
    const waiting: OwnerReference[] = [];
    for (const r of refs) {
      // Owners of kinds we do not watch cannot be confirmed gone: leave them be.
      if (!GC_KINDS.includes(r.kind)) {
        solid.push(r);
        continue;
      }
      const owner = ctx.cache.get(r.kind, ownerNamespace(r, obj), r.name);
      if (!owner || owner.metadata.uid !== r.uid) dangling.push(r);
      else if (owner.metadata.deletionTimestamp && owner.metadata.finalizers?.includes(FOREGROUND_FINALIZER)) waiting.push(r);
      else solid.push(r);
    }
    if (dangling.length === 0) this.suspects.delete(uid);
    if (dangling.length + waiting.length === 0) return;

    if (dangling.length > 0) {
      const nowMs = ctx.now().getTime();
      const since = this.suspects.get(uid) ?? nowMs;
      this.suspects.set(uid, since);
      if (nowMs - since < this.confirmMs) return { requeueAfterMs: since + this.confirmMs - nowMs };
      this.suspects.delete(uid);
    }

    if (solid.length > 0) {
      // Still owned: only forget the owners that are gone or going.
      const ownerReferences = solid;
      ctx.log.info({ kind: obj.kind, key: keyOf(obj), removed: [...dangling, ...waiting].map((r) => `${r.kind}/${r.name}`) }, 'removing ownerReferences to owners that are gone');
      await ignoreNotFound(ctx.client.update({ ...obj, metadata: { ...obj.metadata, ownerReferences } }, ctx.cause));
      return;
    }
    // A dependent of a foreground deletion that has dependents itself is deleted in the foreground too, so the chain waits.
    const propagationPolicy = waiting.length > 0 && this.index.dependentsOf(uid).length > 0 ? 'Foreground' : 'Background';
    ctx.log.info({ kind: obj.kind, key: keyOf(obj), owners: refs.map((r) => `${r.kind}/${r.name}`), propagationPolicy }, 'deleting dependent whose owners are gone');
    await ignoreNotFound(ctx.client.delete(obj.kind, obj.metadata.namespace, obj.metadata.name!, { ...ctx.cause, propagationPolicy, preconditions: { uid } }));
  }

  private async orphan(owner: KubeObject, ctx: ReconcileContext): Promise<void> {
    const uid = owner.metadata.uid!;
    for (const dep of this.dependents(owner, ctx)) {
      const ownerReferences = (dep.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
      const metadata: KubeObject['metadata'] = { ...dep.metadata, ownerReferences };
      if (ownerReferences.length === 0) delete metadata.ownerReferences;
      await ignoreNotFound(ctx.client.update({ ...dep, metadata }, ctx.cause));
    }
    await this.dropFinalizer(owner, ORPHAN_FINALIZER, ctx);
  }

  private async finishForeground(owner: KubeObject, ctx: ReconcileContext): Promise<void> {
    const uid = owner.metadata.uid!;
    const blocking = this.dependents(owner, ctx).filter((d) => d.metadata.ownerReferences?.some((r) => r.uid === uid && r.blockOwnerDeletion));
    // The dependents delete themselves (their keys were queued when this owner's deletion began); each one gone queues us again.
    if (blocking.length === 0) await this.dropFinalizer(owner, FOREGROUND_FINALIZER, ctx);
  }

  private dependents(owner: KubeObject, ctx: ReconcileContext): KubeObject[] {
    const uid = owner.metadata.uid!;
    return this.index
      .dependentsOf(uid)
      .map((d) => ctx.cache.get(d.kind, d.namespace, d.name))
      .filter((d): d is KubeObject => !!d && !!d.metadata.ownerReferences?.some((r) => r.uid === uid));
  }

  private async dropFinalizer(owner: KubeObject, finalizer: string, ctx: ReconcileContext): Promise<void> {
    const finalizers = (owner.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    await ignoreNotFound(ctx.client.update({ ...owner, metadata: { ...owner.metadata, finalizers } }, ctx.cause));
  }
}

/** The collectors for every GC kind, sharing one index: register all of them in one host. */
export function garbageCollectors(options: GarbageCollectorOptions = {}): GarbageCollector[] {
  const index = new DependencyIndex(GC_KINDS);
  return GC_KINDS.map((kind) => new GarbageCollector(kind, index, options));
}

function ownerNamespace(r: OwnerReference, dependent: KubeObject): string | undefined {
  return resourceByKind(r.kind)?.namespaced === false ? undefined : dependent.metadata.namespace;
}

function ownerKey(r: OwnerReference, dependent: KubeObject): string {
  const ns = ownerNamespace(r, dependent);
  return ns ? `${ns}/${r.name}` : r.name;
}

function refsChanged(before: KubeObject | undefined, after: KubeObject): boolean {
  const b = (before?.metadata.ownerReferences ?? []).map((r) => r.uid).join(',');
  const a = (after.metadata.ownerReferences ?? []).map((r) => r.uid).join(',');
  return a !== b;
}

function deletionChanged(before: KubeObject | undefined, after: KubeObject): boolean {
  if (!after.metadata.deletionTimestamp) return false;
  return !before?.metadata.deletionTimestamp || (before.metadata.finalizers ?? []).join(',') !== (after.metadata.finalizers ?? []).join(',');
}
