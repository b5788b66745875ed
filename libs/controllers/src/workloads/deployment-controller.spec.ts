import { type KubeObject, applyDefaults } from '@logbook/kube';
import { makeDeployment } from '../../../kube/src/testing/builders';
import { DeploymentController } from './deployment-controller';
import { ReplicaSetController } from './replicaset-controller';
import { Harness } from './testing/harness';
import { kubectlRolloutStatus } from './testing/rollout-status';
import { podTemplateHash } from './pod-template';

const REVISION = 'deployment.kubernetes.io/revision';

function deployment(replicas: number, strategy?: object, extra: Record<string, unknown> = {}): KubeObject {
  const b = makeDeployment('web').replicas(replicas).with('metadata.uid', 'd-uid').with('metadata.generation', 1).with('metadata.creationTimestamp', '2024-01-01T00:00:00Z');
  if (strategy) b.with('spec.strategy', strategy);
  for (const [k, v] of Object.entries(extra)) b.with(k, v);
  // As the API server stores it.
  return applyDefaults(b.obj());
}

const activePods = (h: Harness) => h.cache.list('Pod').filter((p) => !p.metadata.deletionTimestamp);
const isReady = (p: KubeObject) => (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
const ownedRSs = (h: Harness) => h.cache.list('ReplicaSet').sort((a, b) => Number(a.metadata.annotations?.[REVISION]) - Number(b.metadata.annotations?.[REVISION]));
const d = (h: Harness) => h.get('Deployment', 'web')!;

/** Changes the spec the way an API write would: generation bumps. */
function edit(h: Harness, change: (spec: any) => void): void {
  const cur = structuredClone(d(h));
  change(cur.spec);
  cur.metadata.generation = (cur.metadata.generation ?? 1) + 1;
  h.client.put(cur);
}

async function start(dep: KubeObject): Promise<Harness> {
  const h = new Harness([new DeploymentController(), new ReplicaSetController()], [dep]);
  h.enqueueAll('Deployment');
  await h.settle();
  return h;
}

/** Rolls to completion, readying `perStep` pods at a time; returns the steps it took. */
async function rollToCompletion(h: Harness, perStep = 1): Promise<number> {
  for (let step = 0; step < 500; step++) {
    await h.settle();
    if (kubectlRolloutStatus(d(h)).done) return step;
    h.advance(1000);
    h.markReady(perStep);
  }
  throw new Error(`rollout did not finish: ${kubectlRolloutStatus(d(h)).message}`);
}

describe('DeploymentController', () => {
  it('creates a ReplicaSet named by the template hash, with revision 1, and reports status', async () => {
    const h = await start(deployment(3));
    const [rs] = ownedRSs(h);
    const hash = podTemplateHash(d(h).spec.template);
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    expect(rs.metadata.name).toBe(`web-${hash}`);
    expect(rs.metadata.labels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs.spec.selector).toEqual({ matchLabels: { app: 'web', 'pod-template-hash': hash } });
    expect(rs.spec.template.metadata.labels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd-uid', controller: true, blockOwnerDeletion: true }]);
    expect(rs.metadata.annotations).toEqual({ [REVISION]: '1', 'deployment.kubernetes.io/desired-replicas': '3', 'deployment.kubernetes.io/max-replicas': '4' });
    expect(rs.spec.replicas).toBe(3);
    expect(d(h).metadata.annotations?.[REVISION]).toBe('1');
    expect(d(h).metadata.generation).toBe(1); // the annotation write does not touch spec
    expect(activePods(h)).toHaveLength(3);
    const status = d(h).status;
    expect(status).toMatchObject({ observedGeneration: 1, replicas: 3, updatedReplicas: 3, readyReplicas: 0, availableReplicas: 0, unavailableReplicas: 3 });
    const first = h.client.of('updateStatus', 'Deployment')[0] as { obj: KubeObject };
    expect(first.obj.status.conditions).toEqual([
      expect.objectContaining({ type: 'Progressing', status: 'True', reason: 'NewReplicaSetCreated', message: `Created new replica set "web-${hash}"` }),
      expect.objectContaining({ type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable' }),
    ]);
    // Pods appearing are progress: the condition's reason and lastUpdateTime move on.
    expect(status.conditions).toContainEqual(expect.objectContaining({ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' }));
    expect(kubectlRolloutStatus(d(h)).message).toBe('Waiting for deployment "web" rollout to finish: 0 of 3 updated replicas are available...');

    await rollToCompletion(h, 3);
    expect(kubectlRolloutStatus(d(h)).message).toBe('deployment "web" successfully rolled out');
    expect(d(h).status.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "web-${hash}" has successfully progressed.` }),
        expect.objectContaining({ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' }),
      ]),
    );
    expect(h.client.causes.every((c) => c.correlationId === 'req-1')).toBe(true);
  });

  it.each([
    { replicas: 10, strategy: { maxSurge: 2, maxUnavailable: 1 }, perStep: 1 },
    { replicas: 10, strategy: { maxSurge: '25%', maxUnavailable: '25%' }, perStep: 2 },
    { replicas: 4, strategy: { maxSurge: 0, maxUnavailable: 1 }, perStep: 1 },
    { replicas: 5, strategy: { maxSurge: 1, maxUnavailable: 0 }, perStep: 1 },
    { replicas: 3, strategy: { maxSurge: '0%', maxUnavailable: '10%' }, perStep: 3 },
  ])('rolls an image change within maxSurge/maxUnavailable at every step: $replicas replicas, $strategy', async ({ replicas, strategy, perStep }) => {
    const h = await start(deployment(replicas, { type: 'RollingUpdate', rollingUpdate: strategy }));
    await rollToCompletion(h, replicas);
    const surge = typeof strategy.maxSurge === 'number' ? strategy.maxSurge : Math.ceil((parseInt(strategy.maxSurge) * replicas) / 100);
    let unavailable = typeof strategy.maxUnavailable === 'number' ? strategy.maxUnavailable : Math.floor((parseInt(strategy.maxUnavailable) * replicas) / 100);
    if (surge === 0 && unavailable === 0) unavailable = 1;
    let maxPods = 0;
    let minReady = Infinity;
    h.check = () => {
      const pods = activePods(h);
      maxPods = Math.max(maxPods, pods.length);
      minReady = Math.min(minReady, pods.filter(isReady).length);
    };

    edit(h, (spec) => (spec.template.spec.containers[0].image = 'nginx:1.26'));
    const steps = await rollToCompletion(h, perStep);

    expect(maxPods).toBeLessThanOrEqual(replicas + surge);
    expect(minReady).toBeGreaterThanOrEqual(replicas - unavailable);
    expect(steps).toBeGreaterThan(0);
    const [old, cur] = ownedRSs(h);
    expect(old.spec.replicas).toBe(0);
    expect(cur.spec.replicas).toBe(replicas);
    expect(cur.metadata.annotations?.[REVISION]).toBe('2');
    expect(d(h).metadata.annotations?.[REVISION]).toBe('2');
    expect(activePods(h).every((p) => p.spec.containers[0].image === 'nginx:1.26')).toBe(true);
    expect(d(h).status).toMatchObject({ replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas, unavailableReplicas: 0 });
  });

  it('rollout undo (the old template back, as kubectl patches it) reuses the old ReplicaSet with revision max+1', async () => {
    const h = await start(deployment(3));
    await rollToCompletion(h, 3);
    edit(h, (spec) => (spec.template.spec.containers[0].image = 'nginx:1.26'));
    await rollToCompletion(h, 3);
    const [first] = ownedRSs(h);

    // kubectl rollout undo: the RS template minus pod-template-hash, as it serialises it.
    const undone = structuredClone(first.spec.template);
    delete undone.metadata.labels['pod-template-hash'];
    undone.metadata.creationTimestamp = null;
    edit(h, (spec) => (spec.template = undone));
    await rollToCompletion(h, 3);

    const rss = h.cache.list('ReplicaSet');
    expect(rss).toHaveLength(2);
    const back = h.get('ReplicaSet', first.metadata.name!)!;
    expect(back.metadata.annotations?.[REVISION]).toBe('3');
    expect(back.metadata.annotations?.['deployment.kubernetes.io/revision-history']).toBe('1');
    expect(back.spec.replicas).toBe(3);
    expect(d(h).metadata.annotations?.[REVISION]).toBe('3');
    expect(activePods(h).every((p) => p.spec.containers[0].image === 'nginx:1.25')).toBe(true);
  });

  it('copies change-cause onto the new ReplicaSet', async () => {
    const h = await start(deployment(1, undefined, { 'metadata.annotations': { 'kubernetes.io/change-cause': 'first' } }));
    expect(ownedRSs(h)[0].metadata.annotations?.['kubernetes.io/change-cause']).toBe('first');
  });

  it('Recreate: old pods are all gone before the new ReplicaSet exists', async () => {
    const h = await start(deployment(3, { type: 'Recreate' }));
    await rollToCompletion(h, 3);
    let mixed = false;
    h.check = () => {
      const images = new Set(activePods(h).map((p) => p.spec.containers[0].image));
      if (images.size > 1) mixed = true;
    };
    edit(h, (spec) => (spec.template.spec.containers[0].image = 'nginx:1.26'));
    await h.settle();
    const [old, cur] = ownedRSs(h);
    expect(old.spec.replicas).toBe(0);
    expect(cur.spec.replicas).toBe(3);
    await rollToCompletion(h, 3);
    expect(mixed).toBe(false);
    expect(d(h).metadata.annotations?.[REVISION]).toBe('2');
  });

  it('paused: a template change makes no new ReplicaSet, scaling still applies, and resume rolls', async () => {
    const h = await start(deployment(2));
    await rollToCompletion(h, 2);
    edit(h, (spec) => {
      spec.paused = true;
      spec.template.spec.containers[0].image = 'nginx:1.26';
    });
    await h.settle();
    expect(ownedRSs(h)).toHaveLength(1);
    expect(d(h).status.conditions).toContainEqual(expect.objectContaining({ type: 'Progressing', status: 'Unknown', reason: 'DeploymentPaused' }));

    edit(h, (spec) => (spec.replicas = 4));
    await h.settle();
    expect(ownedRSs(h)[0].spec.replicas).toBe(4);
    expect(ownedRSs(h)[0].metadata.annotations?.['deployment.kubernetes.io/desired-replicas']).toBe('4');

    edit(h, (spec) => (spec.paused = false));
    await rollToCompletion(h, 4);
    expect(ownedRSs(h)).toHaveLength(2);
    expect(ownedRSs(h)[1].spec.replicas).toBe(4);
  });

  it('scales a settled Deployment up and down through its ReplicaSet', async () => {
    const h = await start(deployment(3));
    await rollToCompletion(h, 3);
    edit(h, (spec) => (spec.replicas = 6));
    await rollToCompletion(h, 6);
    expect(activePods(h)).toHaveLength(6);
    edit(h, (spec) => (spec.replicas = 1));
    await rollToCompletion(h, 1);
    expect(activePods(h)).toHaveLength(1);
    expect(ownedRSs(h)).toHaveLength(1);
  });

  it('records ScalingReplicaSet on the Deployment and SuccessfulCreate / SuccessfulDelete on its ReplicaSet', async () => {
    const h = await start(deployment(2));
    await rollToCompletion(h, 2);
    edit(h, (spec) => (spec.replicas = 1));
    await rollToCompletion(h, 1);
    const rs = ownedRSs(h)[0].metadata.name!;
    const lines = h.events.events.map((e) => `${e.involvedObject.kind}/${e.involvedObject.name} ${e.type} ${e.reason} ${e.message}`);
    const deleted = h.events.events.find((e) => e.reason === 'SuccessfulDelete')!.message.replace('Deleted pod: ', '');
    expect(lines.filter((l) => !l.includes('SuccessfulCreate'))).toEqual([
      `Deployment/web Normal ScalingReplicaSet Scaled up replica set ${rs} from 0 to 2`,
      `Deployment/web Normal ScalingReplicaSet Scaled down replica set ${rs} from 2 to 1`,
      `ReplicaSet/${rs} Normal SuccessfulDelete Deleted pod: ${deleted}`,
    ]);
    expect(lines.filter((l) => l.includes('SuccessfulCreate'))).toEqual([expect.stringMatching(new RegExp(`^ReplicaSet/${rs} Normal SuccessfulCreate Created pod: ${rs}-`)), expect.anything()]);
  });

  it('keeps revisionHistoryLimit old ReplicaSets, deleting the oldest revisions', async () => {
    const h = await start(deployment(1, undefined, { 'spec.revisionHistoryLimit': 1 }));
    for (const image of ['nginx:1.26', 'nginx:1.27', 'nginx:1.28']) {
      edit(h, (spec) => (spec.template.spec.containers[0].image = image));
      await rollToCompletion(h, 1);
      await h.settle();
    }
    const revisions = ownedRSs(h).map((rs) => rs.metadata.annotations?.[REVISION]);
    expect(revisions).toEqual(['3', '4']);
  });

  it('reports ProgressDeadlineExceeded when no progress is made within progressDeadlineSeconds', async () => {
    const h = new Harness([new DeploymentController(), new ReplicaSetController()], [deployment(2, undefined, { 'spec.progressDeadlineSeconds': 60 })]);
    const controller = h.controllers[0];
    await controller.reconcile('default/web', h.ctx());
    await h.settle();
    const result = await controller.reconcile('default/web', h.ctx());
    expect(result).toEqual({ requeueAfterMs: 61_000 });
    h.advance(61_000);
    await controller.reconcile('default/web', h.ctx());
    expect(d(h).status.conditions).toContainEqual(expect.objectContaining({ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }));
    expect(kubectlRolloutStatus(d(h)).message).toBe('deployment "web" exceeded its progress deadline');
  });

  it('maps ReplicaSet and pod changes to the owning Deployment', async () => {
    const h = await start(deployment(1));
    const c = new DeploymentController();
    const rs = ownedRSs(h)[0];
    const pod = activePods(h)[0];
    expect(c.keysFor({ kind: 'ReplicaSet', after: rs })).toEqual(['default/web']);
    expect(c.keysFor({ kind: 'Pod', after: pod }, h.cache)).toEqual(['default/web']);
    expect(c.keysFor({ kind: 'Pod', before: pod, after: { ...pod, spec: { ...pod.spec, nodeName: 'elsewhere' } } }, h.cache)).toEqual([]);
  });

  it('counts pods an old ReplicaSet has not deleted yet against maxSurge', async () => {
    const h = await start(deployment(3, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }));
    await rollToCompletion(h, 3);
    const [old] = ownedRSs(h);
    // The old RS was scaled to 2 but its controller has not deleted the pod yet.
    h.client.put({ ...old, spec: { ...old.spec, replicas: 2 } });
    edit(h, (spec) => (spec.template.spec.containers[0].image = 'nginx:1.26'));
    await h.controllers[0].reconcile('default/web', h.ctx());
    const created = ownedRSs(h)[1];
    expect(created.spec.replicas).toBe(1);
    await h.controllers[0].reconcile('default/web', h.ctx());
    expect(h.get('ReplicaSet', created.metadata.name!)!.spec.replicas).toBe(1); // 3 old pods + 1 = replicas + maxSurge
  });

  it('scales proportionally across ReplicaSets during a rollout', async () => {
    const h = await start(deployment(10, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } }));
    await rollToCompletion(h, 10);
    edit(h, (spec) => (spec.template.spec.containers[0].image = 'nginx:1.26'));
    await h.settle();
    const [oldBefore, newBefore] = ownedRSs(h).map((rs) => rs.spec.replicas);
    expect(oldBefore + newBefore).toBe(13);
    edit(h, (spec) => (spec.replicas = 20));
    await h.controllers[0].reconcile('default/web', h.ctx());
    const [oldAfter, newAfter] = ownedRSs(h).map((rs) => rs.spec.replicas);
    expect(oldAfter).toBeGreaterThan(oldBefore);
    expect(newAfter).toBeGreaterThan(newBefore);
    expect(oldAfter + newAfter).toBe(20 + 3);
    await rollToCompletion(h, 5);
    expect(ownedRSs(h).map((rs) => rs.spec.replicas)).toEqual([0, 20]);
  });

  it('does not write when nothing changed', async () => {
    const h = await start(deployment(2));
    await rollToCompletion(h, 2);
    h.client.clear();
    await h.controllers[0].reconcile('default/web', h.ctx());
    expect(h.client.writes).toEqual([]);
  });
});
