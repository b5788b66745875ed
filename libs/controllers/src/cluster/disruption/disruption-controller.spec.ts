import { ClientError } from '@logbook/components';
import type { KubeObject } from '@logbook/kube';
import { makeDeployment, makeObject, makePod, makeReplicaSet } from '../../../../kube/src/testing/builders';
import { at, CAUSE, fixture } from '../testing/fixture';
import { DisruptionController } from './disruption-controller';

const T0 = '2026-01-01T00:00:00Z';
const deployment = (replicas: number) => makeDeployment('web').with('metadata.uid', 'uid-deploy').with('spec.replicas', replicas).obj();
const replicaSet = (replicas: number, owned = true) =>
  makeReplicaSet('web-abc')
    .with('metadata.uid', 'uid-rs')
    .with('spec.replicas', replicas)
    .with('metadata.ownerReferences', owned ? [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'uid-deploy', controller: true }] : undefined)
    .obj();

function pod(name: string, opts: { ready?: boolean; deleting?: boolean; labels?: Record<string, string>; owner?: { kind: string; name: string; uid: string } | null } = {}): KubeObject {
  const { ready = true, deleting = false, labels = { app: 'web' }, owner = { kind: 'ReplicaSet', name: 'web-abc', uid: 'uid-rs' } } = opts;
  return makePod(name)
    .labels(labels)
    .with('metadata.ownerReferences', owner ? [{ apiVersion: 'apps/v1', ...owner, controller: true }] : undefined)
    .with('metadata.deletionTimestamp', deleting ? T0 : undefined)
    .with('status', { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] })
    .obj();
}

const budget = (spec: Record<string, unknown>, status?: Record<string, unknown>, generation = 1) =>
  makeObject('policy/v1', 'PodDisruptionBudget', 'web', 'default')
    .with('metadata.generation', generation)
    .with('spec', { selector: { matchLabels: { app: 'web' } }, ...spec })
    .with('status', status ?? { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 })
    .obj();

const condition = (status: 'True' | 'False', reason: string, message = '', lastTransitionTime = T0, observedGeneration = 1) => ({ type: 'DisruptionAllowed', status, observedGeneration, lastTransitionTime, reason, message });

async function reconcile(objects: KubeObject[], now = T0) {
  const { ctx, client } = fixture(objects, now);
  const result = await new DisruptionController().reconcile('default/web', ctx);
  const writes = client.calls.map((c) => `${c.verb} ${c.kind}/${c.name}`);
  const status = client.calls[0] && 'object' in client.calls[0] ? client.calls[0].object.status : undefined;
  return { writes, status, result, calls: client.calls };
}

const three = [pod('web-1'), pod('web-2'), pod('web-3')];

describe('DisruptionController.reconcile', () => {
  describe('when the budget is new and its pods are Ready', () => {
    it('minAvailable 2 of 3: one disruption allowed, DisruptionAllowed True', async () => {
      const { writes, status, calls } = await reconcile([budget({ minAvailable: 2 }), deployment(3), replicaSet(3), ...three]);
      expect(writes).toEqual(['updateStatus PodDisruptionBudget/web']);
      expect(status).toEqual({ observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, conditions: [condition('True', 'SufficientPods')] });
      expect(calls[0]).toMatchObject({ cause: CAUSE });
    });

    it('maxUnavailable 50% of a Deployment of 3: 50% rounds up to 2, so 1 must stay healthy', async () => {
      const { status } = await reconcile([budget({ maxUnavailable: '50%' }), deployment(3), replicaSet(3), ...three]);
      expect(status).toMatchObject({ disruptionsAllowed: 2, currentHealthy: 3, desiredHealthy: 1, expectedPods: 3 });
    });

    it('minAvailable 50% counts against the Deployment\u2019s replicas, not a rollout\u2019s surge pods', async () => {
      const { status } = await reconcile([budget({ minAvailable: '50%' }), deployment(3), replicaSet(4), ...three, pod('web-4')]);
      expect(status).toMatchObject({ disruptionsAllowed: 2, currentHealthy: 4, desiredHealthy: 2, expectedPods: 3 });
    });

    it('a standalone ReplicaSet is its own scale', async () => {
      const { status } = await reconcile([budget({ maxUnavailable: 1 }), replicaSet(3, false), ...three]);
      expect(status).toMatchObject({ disruptionsAllowed: 1, desiredHealthy: 2, expectedPods: 3 });
    });
  });

  describe('when some pods are not healthy', () => {
    it('counts neither unready nor terminating pods, nor pods of other labels', async () => {
      const pods = [pod('web-1'), pod('web-2', { ready: false }), pod('web-3', { deleting: true }), pod('db-1', { labels: { app: 'db' } })];
      const { status } = await reconcile([budget({ minAvailable: 2 }), deployment(3), replicaSet(3), ...pods]);
      expect(status).toEqual({ observedGeneration: 1, disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 2, expectedPods: 3, conditions: [condition('False', 'InsufficientPods')] });
    });

    it('allows nothing while no pod is selected', async () => {
      const { status } = await reconcile([budget({ minAvailable: 0 })]);
      expect(status).toMatchObject({ disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
    });
  });

  describe('when an eviction has spent a disruption', () => {
    const spent = (disruptedPods: Record<string, string>) => budget({ minAvailable: 2 }, { observedGeneration: 1, disruptionsAllowed: 0, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptedPods, conditions: [condition('False', 'InsufficientPods')] });

    it('leaves the evicted pod out while it still stands, keeps the entry and asks to recheck when it expires', async () => {
      const now = at(T0, 30);
      const { status, result } = await reconcile([spent({ 'web-1': T0 }), deployment(3), replicaSet(3), ...three], now);
      expect(status).toMatchObject({ disruptionsAllowed: 0, currentHealthy: 2, disruptedPods: { 'web-1': T0 } });
      expect(result).toEqual({ requeueAfterMs: 90_000 });
    });

    it('drops the entry once the pod is seen terminating', async () => {
      const { status } = await reconcile([spent({ 'web-1': T0 }), deployment(3), replicaSet(3), pod('web-1', { deleting: true }), pod('web-2'), pod('web-3')], at(T0, 5));
      expect(status).toMatchObject({ disruptionsAllowed: 0, currentHealthy: 2 });
      expect(status).not.toHaveProperty('disruptedPods');
    });

    it('counts the pod again when it was not deleted within two minutes', async () => {
      const { status, result } = await reconcile([spent({ 'web-1': T0 }), deployment(3), replicaSet(3), ...three], at(T0, 121));
      expect(status).toMatchObject({ disruptionsAllowed: 1, currentHealthy: 3, conditions: [condition('True', 'SufficientPods', '', at(T0, 121))] });
      expect(status).not.toHaveProperty('disruptedPods');
      expect(result).toBeUndefined();
    });

    it('allows the next disruption once the replacement is Ready', async () => {
      const pods = [pod('web-2'), pod('web-3'), pod('web-4')];
      const { status } = await reconcile([spent({ 'web-1': T0 }), deployment(3), replicaSet(3), ...pods], at(T0, 10));
      expect(status).toMatchObject({ disruptionsAllowed: 1, currentHealthy: 3 });
      expect(status).not.toHaveProperty('disruptedPods');
    });
  });

  describe('when the status is current', () => {
    it('writes nothing', async () => {
      const current = { observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, conditions: [condition('True', 'SufficientPods')] };
      expect((await reconcile([budget({ minAvailable: 2 }, current), deployment(3), replicaSet(3), ...three], at(T0, 60))).writes).toEqual([]);
    });

    it('writes a changed spec\u2019s generation as observed', async () => {
      const current = { observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, conditions: [condition('True', 'SufficientPods')] };
      const { status } = await reconcile([budget({ minAvailable: 1 }, current, 2), deployment(3), replicaSet(3), ...three], at(T0, 60));
      expect(status).toMatchObject({ observedGeneration: 2, disruptionsAllowed: 2, desiredHealthy: 1, conditions: [condition('True', 'SufficientPods', '', T0, 2)] });
    });
  });

  describe('when the budget cannot be computed', () => {
    it('fails safe: a percentage over Job pods allows nothing, with SyncFailed and the reason', async () => {
      const jobPods = [pod('job-1', { owner: { kind: 'Job', name: 'job', uid: 'uid-job' } })];
      const { status } = await reconcile([budget({ maxUnavailable: '10%' }, { observedGeneration: 1, disruptionsAllowed: 3, currentHealthy: 1, desiredHealthy: 0, expectedPods: 1 }), ...jobPods]);
      expect(status).toMatchObject({ observedGeneration: 1, disruptionsAllowed: 0, conditions: [condition('False', 'SyncFailed', 'found no controllers for pod "job-1"')] });
    });

    it('an int minAvailable over the same pods needs no controller', async () => {
      const { status } = await reconcile([budget({ minAvailable: 1 }), pod('job-1', { owner: { kind: 'Job', name: 'job', uid: 'uid-job' } }), pod('lonely', { owner: null })]);
      expect(status).toMatchObject({ disruptionsAllowed: 1, currentHealthy: 2, expectedPods: 2 });
    });
  });

  describe('when the budget is gone', () => {
    it('does nothing', async () => {
      expect((await reconcile(three)).writes).toEqual([]);
    });
  });

  it('lets a conflict (an eviction wrote meanwhile) reach the host, which requeues', async () => {
    const { ctx, client } = fixture([budget({ minAvailable: 2 }), deployment(3), replicaSet(3), ...three]);
    client.failOn('updateStatus', 'web', new ClientError(409, 'Conflict', 'the object has been modified'));
    await expect(new DisruptionController().reconcile('default/web', ctx)).rejects.toMatchObject({ code: 409 });
  });
});

describe('DisruptionController.keysFor', () => {
  const controller = new DisruptionController();
  const { cache } = fixture([budget({ minAvailable: 2 }), makeObject('policy/v1', 'PodDisruptionBudget', 'pct', 'default').with('spec', { minAvailable: '50%', selector: {} }).obj()]);

  it('queues the budgets selecting a pod whose readiness changed', () => {
    expect(controller.keysFor({ kind: 'Pod', before: pod('web-1', { ready: false }), after: pod('web-1') }, cache).sort()).toEqual(['default/pct', 'default/web']);
    expect(controller.keysFor({ kind: 'Pod', before: pod('db-1', { labels: { app: 'db' }, ready: false }), after: pod('db-1', { labels: { app: 'db' } }) }, cache)).toEqual(['default/pct']);
  });

  it('ignores pod changes a budget does not count', () => {
    const restarted = makePod('web-1').labels({ app: 'web' }).obj();
    const before = { ...pod('web-1'), spec: restarted.spec };
    const after = { ...before, status: { ...before.status, containerStatuses: [{ restartCount: 1 }] } };
    expect(controller.keysFor({ kind: 'Pod', before, after }, cache)).toEqual([]);
  });

  it('queues new and deleted pods', () => {
    expect(controller.keysFor({ kind: 'Pod', after: pod('web-9') }, cache)).toContain('default/web');
    expect(controller.keysFor({ kind: 'Pod', before: pod('web-9') }, cache)).toContain('default/web');
  });

  it('queues only scale-sized budgets when a Deployment is resized', () => {
    expect(controller.keysFor({ kind: 'Deployment', before: deployment(3), after: deployment(5) }, cache)).toEqual(['default/pct']);
    expect(controller.keysFor({ kind: 'Deployment', before: deployment(3), after: { ...deployment(3), status: { readyReplicas: 2 } } }, cache)).toEqual([]);
  });
});
