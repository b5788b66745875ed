import { type KubeObject, applyDefaults } from '@logbook/kube';
import { makeObject, makeStatefulSet } from '../../../../kube/src/testing/builders';
import { CONTROLLER_REVISION_HASH } from '../history/controller-revisions';
import { Harness } from '../testing/harness';
import { StatefulSetController } from './statefulset-controller';

function statefulSet(replicas: number, extra: Record<string, unknown> = {}): KubeObject {
  const b = makeStatefulSet('web').replicas(replicas).with('metadata.uid', 'sts-uid').with('metadata.generation', 1).with('metadata.creationTimestamp', '2024-01-01T00:00:00Z').with('spec.serviceName', 'web');
  for (const [k, v] of Object.entries(extra)) b.with(k, v);
  return applyDefaults(b.obj()); // as the API server stores it
}

const sts = (h: Harness) => h.get('StatefulSet', 'web')!;
const names = (h: Harness) => h.cache.list('Pod').filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name!).sort();
const isReady = (p: KubeObject) => (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
const revisionOf = (h: Harness, name: string) => h.get('Pod', name)?.metadata.labels?.[CONTROLLER_REVISION_HASH];

/** kubectl's StatefulSetStatusViewer, to assert what `kubectl rollout status sts/web` would print. */
function rolloutStatus(s: KubeObject): { done: boolean; message: string } {
  const st = s.status ?? {};
  if (!st.observedGeneration || (s.metadata.generation ?? 0) > st.observedGeneration) return { done: false, message: 'Waiting for statefulset spec update to be observed...' };
  const want = s.spec.replicas;
  if ((st.readyReplicas ?? 0) < want) return { done: false, message: `Waiting for ${want - (st.readyReplicas ?? 0)} pods to be ready...` };
  const ru = s.spec.updateStrategy?.rollingUpdate;
  if (s.spec.updateStrategy?.type === 'RollingUpdate' && ru) {
    if (ru.partition !== undefined && (st.updatedReplicas ?? 0) < want - ru.partition) {
      return { done: false, message: `Waiting for partitioned roll out to finish: ${st.updatedReplicas ?? 0} out of ${want - ru.partition} new pods have been updated...` };
    }
    return { done: true, message: `partitioned roll out complete: ${st.updatedReplicas ?? 0} new pods have been updated...` };
  }
  if (st.updateRevision !== st.currentRevision) return { done: false, message: `waiting for statefulset rolling update to complete ${st.updatedReplicas ?? 0} pods at revision ${st.updateRevision}...` };
  return { done: true, message: `statefulset rolling update complete ${st.currentReplicas ?? 0} pods at revision ${st.currentRevision}...` };
}

/** Watches every change: pod creations and deletions in order, and creations before their predecessors were ready. */
function record(h: Harness) {
  const log: string[] = [];
  const early: string[] = [];
  const seen = new Map(h.cache.list('Pod').map((p) => [p.metadata.name!, p.metadata.uid!]));
  h.check = () => {
    const now = new Map(h.cache.list('Pod').map((p) => [p.metadata.name!, p.metadata.uid!]));
    for (const [name, uid] of now) {
      if (seen.get(name) === uid) continue;
      log.push(`+${name}`);
      const ordinal = Number(name.slice('web-'.length));
      for (let i = 0; i < ordinal; i++) {
        const pred = h.get('Pod', `web-${i}`);
        if (h.get('StatefulSet', 'web')!.spec.podManagementPolicy === 'OrderedReady' && (!pred || !isReady(pred) || pred.status?.phase !== 'Running')) early.push(`${name} before web-${i} was Running and Ready`);
      }
    }
    for (const [name, uid] of seen) if (now.get(name) !== uid) log.push(`-${name}`);
    seen.clear();
    for (const [k, v] of now) seen.set(k, v);
  };
  return { log, early };
}

async function start(set: KubeObject): Promise<Harness> {
  const h = new Harness([new StatefulSetController()], [set]);
  h.enqueueAll('StatefulSet');
  await h.settle();
  return h;
}

/** Readies one pod per step until `done` says so. */
async function stepUntil(h: Harness, done: () => boolean, perStep = 1): Promise<void> {
  for (let i = 0; i < 100; i++) {
    await h.settle();
    if (done()) return;
    h.advance(1000);
    h.markReady(perStep);
  }
  throw new Error(`did not converge: ${JSON.stringify(sts(h).status)}`);
}

function edit(h: Harness, change: (spec: any) => void): void {
  const cur = structuredClone(sts(h));
  change(cur.spec);
  cur.metadata.generation = (cur.metadata.generation ?? 1) + 1;
  h.client.put(cur);
}

describe('StatefulSetController', () => {
  describe('with OrderedReady pod management', () => {
    it('creates web-0, web-1, web-2 one at a time, each after its predecessors are Running and Ready', async () => {
      const h = new Harness([new StatefulSetController()], [statefulSet(3)]);
      const { log, early } = record(h);
      h.enqueueAll('StatefulSet');
      await h.settle();
      expect(names(h)).toEqual(['web-0']);
      await stepUntil(h, () => rolloutStatus(sts(h)).done);
      expect(log).toEqual(['+web-0', '+web-1', '+web-2']);
      expect(early).toEqual([]);
      expect(h.events.lines()).toEqual([0, 1, 2].map((i) => `Normal SuccessfulCreate create Pod web-${i} in StatefulSet web successful`));
      expect(rolloutStatus(sts(h)).message).toBe('partitioned roll out complete: 3 new pods have been updated...');
    });

    it('gives each pod its identity: name, labels, hostname, subdomain, claim volumes', async () => {
      const claim = { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } };
      const h = await start(statefulSet(1, { 'spec.volumeClaimTemplates': [claim] }));
      const pod = h.get('Pod', 'web-0')!;
      const revision = h.cache.list('ControllerRevision')[0];
      expect(revision).toMatchObject({ metadata: { name: expect.stringMatching(/^web-[a-z0-9]+$/), ownerReferences: [{ kind: 'StatefulSet', uid: 'sts-uid', controller: true }] }, revision: 1 });
      expect(pod.metadata.labels).toEqual({ app: 'web', 'statefulset.kubernetes.io/pod-name': 'web-0', 'apps.kubernetes.io/pod-index': '0', [CONTROLLER_REVISION_HASH]: revision.metadata.name });
      expect(pod.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'sts-uid', controller: true, blockOwnerDeletion: true }]);
      expect(pod.spec).toMatchObject({ hostname: 'web-0', subdomain: 'web', volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data-web-0' } }] });
      expect(h.client.causes.every((c) => c.correlationId === 'req-1')).toBe(true);
    });

    it('scales down from the highest ordinal, one pod at a time', async () => {
      const h = await start(statefulSet(4));
      await stepUntil(h, () => sts(h).status?.readyReplicas === 4);
      const { log } = record(h);
      edit(h, (spec) => (spec.replicas = 1));
      await stepUntil(h, () => names(h).length === 1);
      expect(log).toEqual(['-web-3', '-web-2', '-web-1']);
      expect(sts(h).status).toMatchObject({ replicas: 1, readyReplicas: 1, observedGeneration: 2 });
    });

    it('waits for an unready pod before creating the next, and scales down the first unhealthy one', async () => {
      const h = await start(statefulSet(3));
      h.markReady(1);
      await h.settle();
      expect(names(h)).toEqual(['web-0', 'web-1']);
      await h.settle();
      expect(names(h)).toEqual(['web-0', 'web-1']); // web-1 is not ready: nothing more
      edit(h, (spec) => (spec.replicas = 1));
      await h.settle();
      expect(names(h)).toEqual(['web-0']);
    });

    it('re-creates a pod that finished, under the same name', async () => {
      const h = await start(statefulSet(1));
      h.markReady();
      await h.settle();
      const before = h.get('Pod', 'web-0')!;
      h.client.put({ ...before, status: { phase: 'Failed' } });
      await h.settle();
      expect(h.get('Pod', 'web-0')!.metadata.uid).not.toBe(before.metadata.uid);
      expect(h.get('Pod', 'web-0')!.status.phase).toBe('Pending');
    });
  });

  describe('with Parallel pod management', () => {
    it('creates and deletes every pod at once', async () => {
      const h = await start(statefulSet(3, { 'spec.podManagementPolicy': 'Parallel' }));
      expect(names(h)).toEqual(['web-0', 'web-1', 'web-2']);
      edit(h, (spec) => (spec.replicas = 0));
      await h.settle();
      expect(names(h)).toEqual([]);
    });
  });

  describe('when the template changes', () => {
    it('replaces pods from the highest ordinal down, each after the previous is ready again', async () => {
      const h = await start(statefulSet(3));
      await stepUntil(h, () => sts(h).status?.readyReplicas === 3);
      const oldRevision = sts(h).status.currentRevision;
      const { log } = record(h);
      edit(h, (spec) => (spec.template.spec.containers[0].image = 'nginx:1.26'));
      await h.settle();
      const newRevision = sts(h).status.updateRevision;
      expect(newRevision).not.toBe(oldRevision);
      expect(sts(h).status).toMatchObject({ currentRevision: oldRevision, updateRevision: newRevision });
      await stepUntil(h, () => sts(h).status.currentRevision === newRevision && sts(h).status.readyReplicas === 3);
      expect(log).toEqual(['-web-2', '+web-2', '-web-1', '+web-1', '-web-0', '+web-0']);
      expect(['web-0', 'web-1', 'web-2'].map((n) => revisionOf(h, n))).toEqual([newRevision, newRevision, newRevision]);
      expect(h.get('Pod', 'web-0')!.spec.containers[0].image).toBe('nginx:1.26');
      expect(sts(h).status).toMatchObject({ replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, availableReplicas: 3, collisionCount: 0 });
      expect(h.cache.list('ControllerRevision').map((r) => r.revision).sort()).toEqual([1, 2]);
    });

    it('updates only ordinals at or above the partition, and re-creates lower ones at the current revision', async () => {
      const h = await start(statefulSet(3, { 'spec.updateStrategy': { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }));
      await stepUntil(h, () => sts(h).status?.readyReplicas === 3);
      const oldRevision = sts(h).status.currentRevision;
      edit(h, (spec) => (spec.template.spec.containers[0].image = 'nginx:1.26'));
      await stepUntil(h, () => rolloutStatus(sts(h)).done);
      const { updateRevision } = sts(h).status;
      expect(['web-0', 'web-1', 'web-2'].map((n) => revisionOf(h, n))).toEqual([oldRevision, oldRevision, updateRevision]);
      expect(rolloutStatus(sts(h)).message).toBe('partitioned roll out complete: 1 new pods have been updated...');
      expect(sts(h).status).toMatchObject({ currentRevision: oldRevision, currentReplicas: 2, updatedReplicas: 1 });

      await h.client.delete('Pod', 'default', 'web-0', {});
      await h.settle();
      expect(revisionOf(h, 'web-0')).toBe(oldRevision);
    });

    it('with OnDelete replaces nothing until a pod is deleted, which comes back at the new revision', async () => {
      const h = await start(statefulSet(2, { 'spec.updateStrategy': { type: 'OnDelete' } }));
      await stepUntil(h, () => sts(h).status?.readyReplicas === 2);
      const oldRevision = sts(h).status.currentRevision;
      edit(h, (spec) => (spec.template.spec.containers[0].image = 'nginx:1.26'));
      await stepUntil(h, () => sts(h).status.observedGeneration === 2);
      expect(['web-0', 'web-1'].map((n) => revisionOf(h, n))).toEqual([oldRevision, oldRevision]);
      await h.client.delete('Pod', 'default', 'web-1', {});
      await h.settle();
      expect(revisionOf(h, 'web-1')).toBe(sts(h).status.updateRevision);
      expect(sts(h).status).toMatchObject({ currentRevision: oldRevision, updatedReplicas: 1 });
    });

    it('rolls back to an earlier template by raising its revision', async () => {
      const h = await start(statefulSet(1));
      await stepUntil(h, () => sts(h).status?.readyReplicas === 1);
      const original = structuredClone(sts(h).spec.template);
      const first = sts(h).status.currentRevision;
      edit(h, (spec) => (spec.template.spec.containers[0].image = 'nginx:1.26'));
      await stepUntil(h, () => sts(h).status.currentRevision !== first && sts(h).status.readyReplicas === 1);
      edit(h, (spec) => (spec.template = original));
      await stepUntil(h, () => sts(h).status.currentRevision === first && sts(h).status.readyReplicas === 1);
      expect(h.cache.list('ControllerRevision').map((r) => [r.metadata.name === first, r.revision]).sort()).toEqual([
        [false, 2],
        [true, 3],
      ]);
    });
  });

  describe('with volumeClaimTemplates', () => {
    const template = { metadata: { name: 'data', labels: { tier: 'db' } }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } };
    const claims = (h: Harness) => h.cache.list('PersistentVolumeClaim').filter((c) => !c.metadata.deletionTimestamp).map((c) => c.metadata.name!).sort();

    it('creates each pod\'s claim before the pod, labelled with the template and the selector, and keeps it across pod deletion and scale down', async () => {
      const h = new Harness([new StatefulSetController()], [statefulSet(2, { 'spec.volumeClaimTemplates': [template] })]);
      const order: string[] = [];
      h.check = () => {
        for (const o of [...h.cache.list('PersistentVolumeClaim'), ...h.cache.list('Pod')]) if (!order.includes(`${o.kind}/${o.metadata.name}`)) order.push(`${o.kind}/${o.metadata.name}`);
      };
      h.enqueueAll('StatefulSet');
      await stepUntil(h, () => sts(h).status?.readyReplicas === 2);
      expect(order).toEqual(['PersistentVolumeClaim/data-web-0', 'Pod/web-0', 'PersistentVolumeClaim/data-web-1', 'Pod/web-1']);
      const claim = h.get('PersistentVolumeClaim', 'data-web-0')!;
      expect(claim.metadata.labels).toEqual({ tier: 'db', app: 'web' });
      expect(claim.metadata.ownerReferences).toBeUndefined(); // Retain: the claim outlives the set
      expect(claim.spec).toMatchObject(template.spec);
      expect(h.events.lines()).toContain('Normal SuccessfulCreate create Claim data-web-0 Pod web-0 in StatefulSet web success');

      await h.client.delete('Pod', 'default', 'web-0', {});
      await stepUntil(h, () => sts(h).status?.readyReplicas === 2);
      expect(h.get('PersistentVolumeClaim', 'data-web-0')!.metadata.uid).toBe(claim.metadata.uid); // the same claim, not a new one
      edit(h, (spec) => (spec.replicas = 1));
      await stepUntil(h, () => names(h).length === 1);
      expect(claims(h)).toEqual(['data-web-0', 'data-web-1']);
      expect(h.client.of('delete', 'PersistentVolumeClaim')).toEqual([]);
    });

    it('with WhenDeleted=Delete the set owns the claims; with WhenScaled=Delete a scaled-away pod takes its claim', async () => {
      const h = await start(statefulSet(2, { 'spec.volumeClaimTemplates': [template], 'spec.persistentVolumeClaimRetentionPolicy': { whenDeleted: 'Delete', whenScaled: 'Delete' } }));
      await stepUntil(h, () => sts(h).status?.readyReplicas === 2);
      expect(h.get('PersistentVolumeClaim', 'data-web-1')!.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'sts-uid' }]);
      const doomed = h.get('Pod', 'web-1')!;
      edit(h, (spec) => (spec.replicas = 1));
      await stepUntil(h, () => names(h).length === 1);
      expect(h.get('PersistentVolumeClaim', 'data-web-1')!.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Pod', name: 'web-1', uid: doomed.metadata.uid }]);
      expect(h.get('PersistentVolumeClaim', 'data-web-0')!.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'sts-uid' }]);
    });

    it('holds a pod back while its claim is being deleted, and creates both once the claim is gone', async () => {
      const deleting = applyDefaults(makeObject('v1', 'PersistentVolumeClaim', 'data-web-0', 'default').with('metadata.deletionTimestamp', '2024-01-01T00:00:00Z').with('spec', template.spec).obj());
      const h = new Harness([new StatefulSetController()], [statefulSet(1, { 'spec.volumeClaimTemplates': [template] }), deleting]);
      h.enqueueAll('StatefulSet');
      await expect(h.settle()).rejects.toThrow('pvc data-web-0 is being deleted');
      expect(h.events.lines()).toContain('Warning FailedCreate create Pod web-0 in StatefulSet web failed error: pvc data-web-0 is being deleted');
      expect(names(h)).toEqual([]);
      await h.client.delete('PersistentVolumeClaim', 'default', 'data-web-0', {});
      await h.settle();
      expect([claims(h), names(h)]).toEqual([['data-web-0'], ['web-0']]);
    });
  });

  it('maps pods and revisions to their StatefulSet, and orphans to the sets that select them', async () => {
    const h = await start(statefulSet(1));
    const c = h.controllers[0];
    const pod = h.get('Pod', 'web-0')!;
    expect(c.keysFor({ kind: 'Pod', after: pod }, h.cache)).toEqual(['default/web']);
    expect(c.keysFor({ kind: 'Pod', after: { ...pod, metadata: { ...pod.metadata, ownerReferences: undefined } } }, h.cache)).toEqual(['default/web']);
    expect(c.keysFor({ kind: 'ControllerRevision', after: h.cache.list('ControllerRevision')[0] }, h.cache)).toEqual(['default/web']);
  });
});
