import { ClientError, type ReconcileContext } from '@logbook/components';
import { type KubeObject, labelSelectorFromSpec, matchesLabels } from '@logbook/kube';
import { controllerRef } from './pod-from-template';
import { controllerUid } from './pods';

/**
 * kube's PodControllerRefManager.ClaimPods for DaemonSets and StatefulSets: the pods a set
 * controls that its selector still matches, plus matching orphans it adopts; pods it controls
 * that stopped matching are released. A set being deleted adopts nothing and releases nothing.
 * Terminal pods are included (the controllers replace them).
 */
export async function claimPods(owner: KubeObject, ctx: ReconcileContext): Promise<KubeObject[]> {
  const uid = owner.metadata.uid!;
  const ns = owner.metadata.namespace;
  const selector = labelSelectorFromSpec(owner.spec?.selector);
  const deleting = !!owner.metadata.deletionTimestamp;
  const claimed: KubeObject[] = [];
  for (const pod of [...ctx.cache.controlledBy('Pod', uid), ...ctx.cache.uncontrolled('Pod', ns)]) {
    if (pod.metadata.namespace !== ns) continue;
    const matches = matchesLabels(selector, pod.metadata.labels);
    if (controllerUid(pod) === uid) {
      if (matches || deleting) claimed.push(pod);
      else await ignoreGone(ctx.client.update(withOwners(pod, (pod.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid)), ctx.cause));
    } else if (matches && !deleting && !pod.metadata.deletionTimestamp) {
      const adopted = await ignoreGone(ctx.client.update(withOwners(pod, [...(pod.metadata.ownerReferences ?? []), controllerRef(owner)]), ctx.cause));
      if (adopted) claimed.push(adopted);
    }
  }
  return claimed;
}

function withOwners(pod: KubeObject, owners: KubeObject['metadata']['ownerReferences']): KubeObject {
  const copy = structuredClone(pod);
  if (owners && owners.length) copy.metadata.ownerReferences = owners;
  else delete copy.metadata.ownerReferences;
  return copy;
}

/** A pod deleted or changed since the cache saw it is the next reconcile's business. */
async function ignoreGone(p: Promise<KubeObject>): Promise<KubeObject | undefined> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof ClientError && (err.isNotFound || err.isConflict)) return undefined;
    throw err;
  }
}
