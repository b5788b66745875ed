import type { ReconcileContext } from '@logbook/components';
import { ClientError } from '@logbook/components';
import type { KubeObject } from '@logbook/kube';
import { getCondition, newCondition, PROGRESSING, Reason, setCondition } from './conditions';
import {
  REVISION,
  byCreation,
  maxRevision,
  maxSurge,
  replicasAnnotationsNeedUpdate,
  replicasOf,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
} from './deployment-util';
import { controllerRef } from './pod-from-template';
import { POD_TEMPLATE_HASH, podTemplateHash, templatesEqualIgnoringHash } from './pod-template';
import { controllerUid, isPodActive, isPodReady, isPodTerminated, podAvailability, timestamp } from './pods';

/**
 * One reconcile of one Deployment: its ReplicaSets as this reconcile has left them (updated
 * in place from the API's answers, since the cache will only catch up later), their pods
 * from the cache, and the status being built, written once at the end.
 */
export class DeploymentSync {
  readonly now: Date;
  readonly nowText: string;
  /** Working copy of the status; compared with the cached one before writing. */
  readonly status: any;
  rss: KubeObject[];
  /** The revision the Deployment's annotation should carry, once known. */
  revision?: string;
  /** Earliest time (ms from now) a ready pod becomes available. */
  availableInMs?: number;
  private readonly pods = new Map<string, KubeObject[]>();

  constructor(
    readonly d: KubeObject,
    readonly ctx: ReconcileContext,
  ) {
    this.now = ctx.now();
    this.nowText = timestamp(this.now);
    this.status = structuredClone(d.status ?? {});
    const ns = d.metadata.namespace;
    this.rss = ctx.cache
      .controlledBy('ReplicaSet', d.metadata.uid!)
      .filter((rs) => rs.metadata.namespace === ns)
      .sort(byCreation);
    for (const rs of this.rss) {
      const uid = rs.metadata.uid!;
      this.pods.set(uid, ctx.cache.controlledBy('Pod', uid).filter((pod) => pod.metadata.namespace === ns));
    }
  }

  get replicas(): number {
    return replicasOf(this.d);
  }

  podsOf(rs: KubeObject): KubeObject[] {
    return this.pods.get(rs.metadata.uid!) ?? [];
  }

  /** Active pods: what the RS's own status.replicas counts. */
  actual(rs: KubeObject): number {
    return this.podsOf(rs).filter(isPodActive).length;
  }

  ready(rs: KubeObject): number {
    return this.podsOf(rs).filter((p) => isPodActive(p) && isPodReady(p)).length;
  }

  /** Available active pods (uncapped, as the RS's status.availableReplicas counts them). */
  availableActual(rs: KubeObject): number {
    let n = 0;
    for (const pod of this.podsOf(rs)) {
      if (!isPodActive(pod)) continue;
      const a = podAvailability(pod, this.d.spec?.minReadySeconds ?? 0, this.now);
      if (a.available) n++;
      else if (a.becomesAvailableInMs !== undefined) this.availableInMs = Math.min(this.availableInMs ?? Infinity, a.becomesAvailableInMs);
    }
    return n;
  }

  /**
   * Available pods that will survive: an RS scaled below its pod count deletes the unavailable
   * ones first, so no more than spec.replicas of them can be counted on. Fresher than the RS's
   * status and never optimistic about a scale-down still in flight.
   */
  available(rs: KubeObject): number {
    return Math.min(replicasOf(rs), this.availableActual(rs));
  }

  /** Pods the RS has or will have, including terminating ones: what counts against maxSurge. */
  footprint(rs: KubeObject): number {
    return Math.max(replicasOf(rs), this.podsOf(rs).filter((p) => !isPodTerminated(p)).length);
  }

  /** kube's FindNewReplicaSet: the oldest owned RS whose template equals the Deployment's. */
  findNew(): KubeObject | undefined {
    return this.rss.find((rs) => templatesEqualIgnoringHash(rs.spec?.template, this.d.spec?.template));
  }

  oldOf(newRS: KubeObject | undefined): KubeObject[] {
    return this.rss.filter((rs) => rs !== newRS);
  }

  /**
   * kube's getNewReplicaSet: sync the existing new RS's annotations (a rollback gets revision
   * max+1), or create `<name>-<hash>` when asked to. Records the revision for the Deployment.
   */
  async newReplicaSet(create: boolean): Promise<KubeObject | undefined> {
    const existing = this.findNew();
    const olds = this.oldOf(existing);
    const newRevision = maxRevision(olds) + 1;
    if (existing) {
      const copy = structuredClone(existing);
      const annotationsChanged = setNewReplicaSetAnnotations(this.d, copy, newRevision, true);
      const minReady = this.d.spec?.minReadySeconds ?? 0;
      const minReadyChanged = (copy.spec?.minReadySeconds ?? 0) !== minReady;
      let rs = existing;
      if (annotationsChanged || minReadyChanged) {
        copy.spec.minReadySeconds = minReady;
        rs = this.replace(existing, await this.ctx.client.update(copy, this.ctx.cause));
      }
      this.revision = rs.metadata.annotations?.[REVISION];
      if (this.hasProgressDeadline() && !getCondition(this.status, PROGRESSING)) {
        setCondition(this.status, newCondition(PROGRESSING, 'True', Reason.FoundNewReplicaSet, `Found new replica set "${rs.metadata.name}"`, this.nowText));
      }
      return rs;
    }
    if (!create) return undefined;
    return this.createNew(olds, newRevision);
  }

  private async createNew(olds: KubeObject[], newRevision: number): Promise<KubeObject> {
    const d = this.d;
    const template = structuredClone(d.spec?.template ?? {});
    const hash = podTemplateHash(template, this.status.collisionCount);
    template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash } };
    const selector = structuredClone(d.spec?.selector ?? {});
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash };
    const rs: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: `${d.metadata.name}-${hash}`, namespace: d.metadata.namespace, labels: { ...template.metadata.labels }, ownerReferences: [controllerRef(d)] },
      spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
    };
    rs.spec.replicas = this.newReplicasFor(rs, [...olds, rs]);
    setNewReplicaSetAnnotations(d, rs, newRevision, false);
    let created: KubeObject;
    try {
      created = await this.ctx.client.create(rs, this.ctx.cause);
    } catch (err) {
      if (err instanceof ClientError && err.code === 409) {
        // Either our cache has not seen an RS we made (the retry finds it) or another template
        // hashed to the same name: kube bumps collisionCount so the next hash differs.
        const clash = this.ctx.cache.get('ReplicaSet', d.metadata.namespace, rs.metadata.name!);
        if (clash && !(controllerUid(clash) === d.metadata.uid && templatesEqualIgnoringHash(clash.spec?.template, d.spec?.template))) {
          this.status.collisionCount = (this.status.collisionCount ?? 0) + 1;
          await this.ctx.client.updateStatus({ ...structuredClone(d), status: this.status }, this.ctx.cause);
        }
      } else {
        const message = `Failed to create new replica set "${rs.metadata.name}": ${(err as Error).message}`;
        this.ctx.recorder.event(d, 'Warning', Reason.FailedCreate, message, this.ctx.cause);
        if (this.hasProgressDeadline()) {
          setCondition(this.status, newCondition(PROGRESSING, 'False', Reason.FailedCreate, message, this.nowText));
          await this.ctx.client.updateStatus({ ...structuredClone(d), status: this.status }, this.ctx.cause).catch(() => undefined);
        }
      }
      throw err;
    }
    const replicas = replicasOf(created);
    if (replicas > 0) this.ctx.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata.name} from 0 to ${replicas}`, this.ctx.cause);
    this.rss.push(created);
    this.revision = String(newRevision);
    if (this.hasProgressDeadline()) {
      setCondition(this.status, newCondition(PROGRESSING, 'True', Reason.NewReplicaSetCreated, `Created new replica set "${created.metadata.name}"`, this.nowText));
    }
    return created;
  }

  /** kube's NewRSNewReplicas, counting pods still around as well as spec.replicas. */
  newReplicasFor(newRS: KubeObject, all: KubeObject[]): number {
    if (this.d.spec?.strategy?.type === 'Recreate') return this.replicas;
    const current = all.reduce((n, rs) => n + this.footprint(rs), 0);
    const maxTotal = this.replicas + maxSurge(this.d);
    if (current >= maxTotal) return replicasOf(newRS);
    const up = Math.min(maxTotal - current, this.replicas - replicasOf(newRS));
    return replicasOf(newRS) + Math.max(0, up);
  }

  /** kube's scaleReplicaSet: spec.replicas and the desired/max annotations. True when resized. */
  async scale(rs: KubeObject, to: number): Promise<boolean> {
    const desired = this.replicas;
    const max = desired + maxSurge(this.d);
    const resize = replicasOf(rs) !== to;
    if (!resize && !replicasAnnotationsNeedUpdate(rs, desired, max)) return false;
    const copy = structuredClone(rs);
    copy.spec.replicas = to;
    setReplicasAnnotations(copy, desired, max);
    const from = replicasOf(rs);
    this.ctx.log.debug({ deployment: this.d.metadata.name, replicaSet: rs.metadata.name, from, to }, 'scaling replica set');
    this.replace(rs, await this.ctx.client.update(copy, this.ctx.cause));
    if (resize) {
      this.ctx.recorder.event(this.d, 'Normal', 'ScalingReplicaSet', `Scaled ${to > from ? 'up' : 'down'} replica set ${rs.metadata.name} from ${from} to ${to}`, this.ctx.cause);
    }
    return resize;
  }

  hasProgressDeadline(): boolean {
    const s = this.d.spec?.progressDeadlineSeconds;
    return s !== undefined && s !== null && s < 2147483647;
  }

  private replace(old: KubeObject, next: KubeObject): KubeObject {
    const i = this.rss.indexOf(old);
    if (i >= 0) this.rss[i] = next;
    return next;
  }

  /** Looks a working copy up again (after `scale` replaced it). */
  current(rs: KubeObject): KubeObject {
    return this.rss.find((x) => x.metadata.uid === rs.metadata.uid) ?? rs;
  }
}
