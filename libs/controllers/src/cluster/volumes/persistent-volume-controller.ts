import { type CachedChange, ClientError, type Controller, type ObjectCache, type ReconcileContext, splitKey } from '@logbook/components';
import {
  BIND_COMPLETED_ANNOTATION,
  type KubeObject,
  LOCAL_PATH_PROVISIONER,
  PVC_PROTECTION_FINALIZER,
  SELECTED_NODE_ANNOTATION,
  STORAGE_PROVISIONER_ANNOTATION,
  VOLUMES_DIR_ANNOTATION,
  storageClassOf,
} from '@logbook/kube';
import { ignoreNotFound } from '../shared/ignore-not-found';
import { BOUND_BY_CONTROLLER, type VolumeView, decideClaim, decideVolume, nodeIsReady } from './binder';
import { localPathVolume } from './provision';

const CLAIM = 'PersistentVolumeClaim';
const VOLUME = 'PersistentVolume';

/** The claims a pod names in its volumes (`persistentVolumeClaim.claimName`). */
export function claimNamesOf(pod: KubeObject | undefined): string[] {
  const volumes: any[] = pod?.spec?.volumes ?? [];
  const out: string[] = [];
  for (const v of volumes) if (v?.persistentVolumeClaim?.claimName) out.push(v.persistentVolumeClaim.claimName);
  return out;
}

const finished = (pod: KubeObject | undefined) => pod?.status?.phase === 'Succeeded' || pod?.status?.phase === 'Failed';

export function volumeViewOf(cache: ObjectCache): VolumeView {
  return {
    volume: (name) => cache.get(VOLUME, undefined, name),
    volumes: () => cache.list(VOLUME),
    claim: (namespace, name) => cache.get(CLAIM, namespace, name),
    storageClass: (name) => cache.get('StorageClass', undefined, name),
    node: (name) => cache.get('Node', undefined, name),
    nodes: () => cache.list('Node'),
    podsUsing: (claim) => cache.list('Pod', claim.metadata.namespace).filter((p) => !finished(p) && claimNamesOf(p).includes(claim.metadata.name!)),
  };
}

/**
 * The PersistentVolume controller (kube's persistentvolume-binder plus the local-path
 * provisioner, docs/architecture.md "Persistent volumes"): binds each claim to a volume (a
 * pre-bound one, else the smallest that fits), provisions a local-path volume for classes of
 * logbook.io/local-path (WaitForFirstConsumer: once a pod using the claim is bound to a node;
 * Immediate: at once, on a Ready node), keeps the phases of both, releases a volume whose claim
 * is gone and deletes it when its reclaim policy says Delete, and holds a claim that a pod still
 * uses (kubernetes.io/pvc-protection). Keys: `namespace/name` for claims, `name` for volumes.
 */
export class PersistentVolumeController implements Controller {
  readonly name = 'persistentvolume-binder-controller';
  readonly eventSource = 'persistentvolume-controller';
  readonly primaryKind = CLAIM;
  readonly watches = [CLAIM, VOLUME, 'StorageClass', 'Pod', 'Node'] as const;

  keysFor(change: CachedChange, cache: ObjectCache): string[] {
    const { before, after } = change;
    const obj = (after ?? before)!;
    const keys = new Set<string>();
    const unbound = (className?: string) => {
      for (const c of cache.list(CLAIM)) if (!c.spec?.volumeName && (className === undefined || storageClassOf(c) === className)) keys.add(claimKey(c));
    };
    switch (change.kind) {
      case CLAIM: {
        keys.add(claimKey(obj));
        for (const o of [before, after]) if (o?.spec?.volumeName) keys.add(o.spec.volumeName);
        if (!after) for (const pv of cache.list(VOLUME)) if (pv.spec?.claimRef?.namespace === obj.metadata.namespace && pv.spec?.claimRef?.name === obj.metadata.name) keys.add(pv.metadata.name!);
        break;
      }
      case VOLUME: {
        keys.add(obj.metadata.name!);
        for (const o of [before, after]) {
          const ref = o?.spec?.claimRef;
          if (ref?.namespace && ref.name) keys.add(`${ref.namespace}/${ref.name}`);
        }
        // A volume that became free may serve a claim that waits.
        if (after && !after.spec?.claimRef && (!before || before.spec?.claimRef || before.status?.phase !== after.status?.phase)) unbound(storageClassOf(after));
        break;
      }
      case 'StorageClass':
        unbound(obj.metadata.name);
        break;
      case 'Pod': {
        const claims = claimNamesOf(obj);
        if (claims.length === 0) break;
        const scheduled = !!after?.spec?.nodeName && !before?.spec?.nodeName;
        const leftClaims = !after || (finished(after) && !finished(before));
        if (scheduled || leftClaims) for (const name of claims) keys.add(`${obj.metadata.namespace}/${name}`);
        break;
      }
      case 'Node': {
        const dir = (n?: KubeObject) => n?.metadata.annotations?.[VOLUMES_DIR_ANNOTATION];
        const ready = (n?: KubeObject) => !!n && nodeIsReady(n);
        if (after && (dir(before) !== dir(after) || ready(before) !== ready(after))) unbound();
        break;
      }
    }
    return [...keys];
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<void> {
    const { namespace, name } = splitKey(key);
    if (namespace === undefined) return this.syncVolume(name, ctx);
    return this.syncClaim(namespace, name, ctx);
  }

  private async syncClaim(namespace: string, name: string, ctx: ReconcileContext): Promise<void> {
    let claim = ctx.cache.get(CLAIM, namespace, name);
    if (!claim) return;
    const view = volumeViewOf(ctx.cache);
    const finalizers: string[] = claim.metadata.finalizers ?? [];
    if (claim.metadata.deletionTimestamp) {
      // kubernetes.io/pvc-protection: the claim goes once no pod uses it.
      if (finalizers.includes(PVC_PROTECTION_FINALIZER) && view.podsUsing(claim).length === 0) {
        await ignoreNotFound(ctx.client.update({ ...structuredClone(claim), metadata: { ...structuredClone(claim.metadata), finalizers: finalizers.filter((f) => f !== PVC_PROTECTION_FINALIZER) } }, ctx.cause));
      }
      return;
    }
    if (!finalizers.includes(PVC_PROTECTION_FINALIZER)) {
      claim = await ctx.client.update({ ...structuredClone(claim), metadata: { ...structuredClone(claim.metadata), finalizers: [...finalizers, PVC_PROTECTION_FINALIZER] } }, ctx.cause);
    }
    const decision = decideClaim(claim, view);
    switch (decision.type) {
      case 'Nothing':
        return;
      case 'Bind':
        await this.bind(claim, decision.volume, ctx);
        return;
      case 'Pending':
        ctx.recorder.event(claim, decision.eventType, decision.reason, decision.message, ctx.cause);
        if (claim.status?.phase !== 'Pending') await ctx.client.updateStatus({ ...structuredClone(claim), status: { ...claim.status, phase: 'Pending' } }, ctx.cause);
        return;
      case 'Lost':
        ctx.recorder.event(claim, 'Warning', 'ClaimLost', decision.message, ctx.cause);
        await ctx.client.updateStatus({ ...structuredClone(claim), status: { ...claim.status, phase: 'Lost' } }, ctx.cause);
        return;
      case 'Provision': {
        const node = decision.node.metadata.name!;
        const annotations = { ...(claim.metadata.annotations ?? {}), [SELECTED_NODE_ANNOTATION]: node, [STORAGE_PROVISIONER_ANNOTATION]: LOCAL_PATH_PROVISIONER };
        if (claim.metadata.annotations?.[SELECTED_NODE_ANNOTATION] !== node || claim.metadata.annotations?.[STORAGE_PROVISIONER_ANNOTATION] !== LOCAL_PATH_PROVISIONER) {
          claim = await ctx.client.update({ ...structuredClone(claim), metadata: { ...structuredClone(claim.metadata), annotations } }, ctx.cause);
        }
        let volume: KubeObject;
        try {
          volume = await ctx.client.create(localPathVolume(claim, decision.storageClass, decision.node, decision.volumesDir), ctx.cause);
        } catch (err) {
          // An earlier attempt created it; its event brings the claim back here to bind.
          if (err instanceof ClientError && err.reason === 'AlreadyExists') return;
          ctx.recorder.event(claim, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${decision.storageClass.metadata.name}": ${(err as Error).message}`, ctx.cause);
          throw err;
        }
        ctx.recorder.event(claim, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${volume.metadata.name} using ${LOCAL_PATH_PROVISIONER} on node ${node}`, ctx.cause);
        await this.bind(claim, volume, ctx);
        return;
      }
      default: {
        const unhandled: never = decision;
        throw new Error(`unhandled decision ${(unhandled as { type: string }).type}`);
      }
    }
  }

  /** kube's bind order: the volume's claimRef, its phase, then the claim's volumeName and its status. */
  private async bind(claim: KubeObject, volume: KubeObject, ctx: ReconcileContext): Promise<void> {
    let pv = volume;
    const ref = pv.spec?.claimRef;
    if (!ref || ref.uid !== claim.metadata.uid) {
      const annotations = { ...(pv.metadata.annotations ?? {}) };
      if (!ref) annotations[BOUND_BY_CONTROLLER] = 'yes';
      const claimRef = { kind: CLAIM, apiVersion: 'v1', namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid, resourceVersion: claim.metadata.resourceVersion };
      pv = await ctx.client.update({ ...structuredClone(pv), metadata: { ...structuredClone(pv.metadata), annotations }, spec: { ...structuredClone(pv.spec), claimRef } }, ctx.cause);
    }
    if (pv.status?.phase !== 'Bound') pv = await ctx.client.updateStatus({ ...structuredClone(pv), status: { ...pv.status, phase: 'Bound' } }, ctx.cause);

    let c = claim;
    const annotations: Record<string, string> = { ...(c.metadata.annotations ?? {}) };
    if (c.spec?.volumeName !== pv.metadata.name || annotations[BIND_COMPLETED_ANNOTATION] !== 'yes') {
      annotations[BIND_COMPLETED_ANNOTATION] = 'yes';
      if (!c.spec?.volumeName) annotations[BOUND_BY_CONTROLLER] = 'yes';
      c = await ctx.client.update({ ...structuredClone(c), metadata: { ...structuredClone(c.metadata), annotations }, spec: { ...structuredClone(c.spec), volumeName: pv.metadata.name } }, ctx.cause);
    }
    const status = { ...c.status, phase: 'Bound', accessModes: pv.spec?.accessModes ?? [], capacity: pv.spec?.capacity ?? {} };
    if (JSON.stringify(status) !== JSON.stringify(c.status)) await ctx.client.updateStatus({ ...structuredClone(c), status }, ctx.cause);
  }

  private async syncVolume(name: string, ctx: ReconcileContext): Promise<void> {
    const pv = ctx.cache.get(VOLUME, undefined, name);
    if (!pv) return;
    const decision = decideVolume(pv, volumeViewOf(ctx.cache));
    const reclaiming = decision.type === 'Delete' || (decision.type === 'Phase' && (decision.phase === 'Released' || decision.phase === 'Failed'));
    if (reclaiming && (await this.claimStillExists(pv, ctx))) return;
    switch (decision.type) {
      case 'Nothing':
        return;
      case 'Phase':
        if (decision.phase === 'Failed') ctx.recorder.event(pv, 'Warning', 'VolumeFailedRecycle', decision.message ?? '', ctx.cause);
        await ctx.client.updateStatus({ ...structuredClone(pv), status: { ...pv.status, phase: decision.phase, ...(decision.message ? { message: decision.message } : {}) } }, ctx.cause);
        return;
      case 'Unbind': {
        const annotations = { ...(pv.metadata.annotations ?? {}) };
        delete annotations[BOUND_BY_CONTROLLER];
        const spec = structuredClone(pv.spec);
        delete spec.claimRef;
        const updated = await ctx.client.update({ ...structuredClone(pv), metadata: { ...structuredClone(pv.metadata), annotations }, spec }, ctx.cause);
        await ctx.client.updateStatus({ ...updated, status: { ...updated.status, phase: 'Available' } }, ctx.cause);
        return;
      }
      case 'Delete': {
        // Released first, so the volume's history shows why it went.
        if (pv.status?.phase !== 'Released') await ctx.client.updateStatus({ ...structuredClone(pv), status: { ...pv.status, phase: 'Released' } }, ctx.cause);
        await ignoreNotFound(ctx.client.delete(VOLUME, undefined, name, { ...ctx.cause, preconditions: { uid: pv.metadata.uid } }));
        return;
      }
      default: {
        const unhandled: never = decision;
        throw new Error(`unhandled decision ${(unhandled as { type: string }).type}`);
      }
    }
  }

  /**
   * The cache follows claims and volumes on different topics, so a volume can show up before its
   * claim does; before anything is released or deleted the API server has the last word (as
   * kube's controller checks the API when a claim is missing from its informer).
   */
  private async claimStillExists(pv: KubeObject, ctx: ReconcileContext): Promise<boolean> {
    const ref = pv.spec?.claimRef;
    if (!ref?.uid || !ctx.client.getObject || ctx.cache.get(CLAIM, ref.namespace, ref.name)) return false;
    const live = await ctx.client.getObject(CLAIM, ref.namespace, ref.name);
    return !!live && live.metadata.uid === ref.uid;
  }
}

const claimKey = (c: KubeObject) => `${c.metadata.namespace}/${c.metadata.name}`;
