import { type CachedChange, type Controller, type ObjectCache, type ReconcileContext, type ReconcileResult, splitKey } from '@logbook/components';
import { RESOURCES } from '@logbook/kube';
import { ignoreNotFound } from '../shared/ignore-not-found';

export const NAMESPACE_FINALIZER = 'kubernetes';
const NAMESPACED_KINDS: readonly string[] = RESOURCES.filter((r) => r.namespaced).map((r) => r.kind);

export interface NamespaceControllerOptions {
  /**
   * How long after its deletion a namespace's contents start to go. `kubectl delete -f`
   * deletes a namespace and then the objects of the same file inside it, one by one, and
   * counts a NotFound as an error; Kubernetes' namespace controller is slow enough for that
   * to work, and this quiet period keeps it working. Default 1 s.
   */
  readonly startDelayMs?: number;
  /** How often a namespace whose objects are still going is looked at again. Default 1 s. */
  readonly recheckMs?: number;
}

/**
 * The namespace controller: a Terminating namespace (deletionTimestamp, and the `kubernetes`
 * spec finalizer holding it) has everything in it deleted; once the cache shows it empty, the
 * finalizer is removed and the API server deletes the namespace. Objects held by finalizers
 * of their own are waited for, not deleted again.
 */
export class NamespaceController implements Controller {
  readonly name = 'namespace-controller';
  readonly primaryKind = 'Namespace';
  readonly watches = ['Namespace', ...NAMESPACED_KINDS];
  private readonly startDelayMs: number;
  private readonly recheckMs: number;

  constructor(options: NamespaceControllerOptions = {}) {
    this.startDelayMs = options.startDelayMs ?? 1000;
    this.recheckMs = options.recheckMs ?? 1000;
  }

  keysFor(change: CachedChange, cache?: ObjectCache): string[] {
    const obj = (change.after ?? change.before)!;
    if (change.kind === 'Namespace') return [obj.metadata.name!];
    // Only arrivals and departures matter: an object created in a Terminating namespace, or the last one gone.
    if (change.before && change.after) return [];
    const ns = obj.metadata.namespace;
    if (!ns) return [];
    // Objects coming and going in a live namespace (every pod, every Kubernetes Event) are none of its business.
    if (cache && !cache.get('Namespace', undefined, ns)?.metadata.deletionTimestamp) return [];
    return [ns];
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const name = splitKey(key).name;
    const ns = ctx.cache.get('Namespace', undefined, name);
    if (!ns?.metadata.deletionTimestamp) return;
    const finalizers: string[] = ns.spec?.finalizers ?? [];
    if (!finalizers.includes(NAMESPACE_FINALIZER)) return;

    const startAt = Date.parse(ns.metadata.deletionTimestamp) + this.startDelayMs;
    const nowMs = ctx.now().getTime();
    if (nowMs < startAt) return { requeueAfterMs: startAt - nowMs };

    let remaining = 0;
    for (const kind of NAMESPACED_KINDS) {
      for (const obj of ctx.cache.list(kind, name)) {
        remaining++;
        if (obj.metadata.deletionTimestamp) continue; // its finalizers decide when it goes
        await ignoreNotFound(ctx.client.delete(kind, name, obj.metadata.name!, { ...ctx.cause, propagationPolicy: 'Background', preconditions: { uid: obj.metadata.uid } }));
      }
    }
    if (remaining > 0) return { requeueAfterMs: this.recheckMs };

    ctx.log.info({ namespace: name }, 'namespace is empty; removing its finalizer');
    await ignoreNotFound(ctx.client.update({ ...ns, spec: { ...ns.spec, finalizers: finalizers.filter((f) => f !== NAMESPACE_FINALIZER) } }, ctx.cause));
  }
}
