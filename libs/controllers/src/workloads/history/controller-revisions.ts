import { ClientError, type ReconcileContext } from '@logbook/components';
import type { KubeObject } from '@logbook/kube';
import { controllerRef } from '../pod-from-template';
import { safeHash } from '../pod-template';
import { canonical } from '../replicaset-status';

/**
 * ControllerRevisions (apps/v1), the history of DaemonSets and StatefulSets: one per distinct
 * pod template, owned by the set, holding the strategic merge patch that puts the template
 * back — `kubectl rollout undo` sends exactly that patch, `rollout history` lists them.
 */
export const CONTROLLER_REVISION_HASH = 'controller-revision-hash';

/** kube's getPatch: `{"spec":{"template":{…,"$patch":"replace"}}}`. */
export function revisionData(owner: KubeObject): Record<string, unknown> {
  return { spec: { template: { ...structuredClone(owner.spec?.template ?? {}), $patch: 'replace' } } };
}

/** The template a revision puts back (its data without the directive). */
export function templateOfRevision(revision: KubeObject): any {
  const { $patch: _directive, ...template } = revision.data?.spec?.template ?? {};
  return template;
}

export function revisionHash(data: unknown, collisionCount = 0): string {
  return safeHash(canonical(data) + (collisionCount ? `#${collisionCount}` : ''));
}

export const sameData = (a: KubeObject, data: unknown): boolean => canonical(a.data) === canonical(data);

/** Oldest first: by revision, then by name (kube's SortControllerRevisions). */
export function sortRevisions(revisions: readonly KubeObject[]): KubeObject[] {
  return [...revisions].sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0) || (a.metadata.name! < b.metadata.name! ? -1 : 1));
}

export const maxRevision = (revisions: readonly KubeObject[]): number => revisions.reduce((m, r) => Math.max(m, r.revision ?? 0), 0);

function newRevision(owner: KubeObject, data: Record<string, unknown>, revision: number, hash: string): KubeObject {
  // Named `<owner>-<hash>`, labelled like the pods so `rollout history` finds it by the selector.
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: `${owner.metadata.name!.slice(0, 223)}-${hash}`,
      namespace: owner.metadata.namespace,
      labels: { ...(owner.spec?.template?.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH]: hash },
      ...(owner.metadata.annotations ? { annotations: { ...owner.metadata.annotations } } : {}),
      ownerReferences: [controllerRef(owner)],
    },
    data,
    revision,
  };
}

export interface UpdateRevision {
  readonly revision: KubeObject;
  /** status.collisionCount after any hash collision was stepped over. */
  readonly collisionCount: number;
}

/**
 * The revision of the owner's current template (kube's getStatefulSetRevisions and the
 * DaemonSet controller's constructHistory): the newest equal one if it is already the latest;
 * an older equal one raised to the next revision number (a rollback); or a new one. A name
 * taken by a different template is a hash collision: collisionCount goes up and we retry.
 */
export async function ensureUpdateRevision(owner: KubeObject, owned: readonly KubeObject[], ctx: ReconcileContext): Promise<UpdateRevision> {
  const revisions = sortRevisions(owned);
  const data = revisionData(owner);
  const equal = revisions.filter((r) => sameData(r, data));
  let collisionCount: number = owner.status?.collisionCount ?? 0;
  const latest = revisions[revisions.length - 1];
  const found = equal[equal.length - 1];
  if (found && found === latest) return { revision: found, collisionCount };
  const next = maxRevision(revisions) + 1;
  if (found) return { revision: await ctx.client.update({ ...structuredClone(found), revision: next }, ctx.cause), collisionCount };
  for (;;) {
    const hash = revisionHash(data, collisionCount);
    const wanted = newRevision(owner, data, next, hash);
    try {
      return { revision: await ctx.client.create(wanted, ctx.cause), collisionCount };
    } catch (err) {
      if (!(err instanceof ClientError && err.reason === 'AlreadyExists')) throw err;
      const existing = (await ctx.client.getObject?.('ControllerRevision', owner.metadata.namespace, wanted.metadata.name!)) ?? ctx.cache.get('ControllerRevision', owner.metadata.namespace, wanted.metadata.name!);
      const ours = existing?.metadata.ownerReferences?.some((r) => r.controller && r.uid === owner.metadata.uid);
      // Our own create that the cache has not shown yet: the same revision, not a collision.
      if (existing && ours && sameData(existing, data)) return { revision: existing, collisionCount };
      collisionCount++;
    }
  }
}

/**
 * Deletes the oldest revisions beyond revisionHistoryLimit, never one still in use (`live`:
 * the current and update revisions, and every revision a pod still runs).
 */
export async function truncateHistory(owner: KubeObject, revisions: readonly KubeObject[], live: ReadonlySet<string>, ctx: ReconcileContext): Promise<void> {
  const limit: number = owner.spec?.revisionHistoryLimit ?? 10;
  const old = sortRevisions(revisions).filter((r) => !live.has(r.metadata.name!));
  for (const r of old.slice(0, Math.max(0, old.length - limit))) {
    try {
      await ctx.client.delete('ControllerRevision', r.metadata.namespace, r.metadata.name!, { ...ctx.cause, preconditions: { uid: r.metadata.uid } });
    } catch (err) {
      if (!(err instanceof ClientError && (err.isNotFound || err.isConflict))) throw err;
    }
  }
}
