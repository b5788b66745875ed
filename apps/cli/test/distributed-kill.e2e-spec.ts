import { join } from 'node:path';
import { streamJsonLines, type LineStream } from '@logbook/client';
import { deploymentManifest, eventually, makeTmpDir, randomName, rolledOut } from '@logbook/testing';
import { describeWithKafka } from '../../../libs/bus/src/testing/kafka-for-tests';
import { alive, removeLeftoverSandboxes } from '../../../libs/cluster/src/acceptance/workload-kit';
import { consumerLag, startDistributed, type DistributedProcess } from './distributed.test-kit';

const REPLICAS = 20;
const MAX_SURGE = 5;
const VICTIMS = ['scheduler-1', 'controller-manager-1', 'node-agent-1'];

/**
 * Acceptance (issue 7): SIGKILL one scheduler, one controller manager and one node agent of
 * `logbook up --distributed` during a rollout of 20 real pods (sleep processes on the two node
 * agents). The supervisor restarts the killed processes, as a user would expect; the test checks
 * the kills happened (the old pids are gone, new ones took their names) and that the cluster
 * got it right anyway.
 */
describeWithKafka('logbook up --distributed survives SIGKILLs during a rollout', () => {
  const dir = makeTmpDir('logbook-distributed-kill-');
  const prefix = `${randomName('dk')}.`;
  const node = randomName('box');
  const app = randomName('roll');
  let cluster: DistributedProcess;
  let watch: LineStream | undefined;

  beforeAll(async () => {
    cluster = await startDistributed(dir.path, prefix, ['--node-name', node]);
  }, 300_000);

  afterAll(async () => {
    watch?.close();
    await cluster?.api('DELETE', `/apis/apps/v1/namespaces/default/deployments/${app}`).catch(() => undefined);
    await cluster?.stop();
    for (const n of [1, 2]) await removeLeftoverSandboxes(join(dir.path, 'nodes', `${node}-${n}`));
    dir.remove();
  }, 120_000);

  const deployment = (image: string) =>
    deploymentManifest(
      app,
      REPLICAS,
      { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image, command: ['/bin/sleep', '3600'], resources: { requests: { cpu: '10m' } } }] },
      { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: MAX_SURGE, maxUnavailable: 5 } } },
    );

  const rolledOutTo = async (image: string) => rolledOut((await cluster.api('GET', `/apis/apps/v1/namespaces/default/deployments/${app}`)).body, image, REPLICAS);

  it(`completes a rollout of ${REPLICAS} replicas; no pod bound twice; never more than replicas + maxSurge pods; lag back to zero`, async () => {
    expect((await cluster.api('POST', '/apis/apps/v1/namespaces/default/deployments', deployment('busybox:1'))).status).toBe(201);
    await eventually(() => rolledOutTo('busybox:1'), { timeoutMs: 120_000, intervalMs: 500, what: 'the first rollout' });

    // Every change to the Deployment's pods, as a watch delivers it: the live (not terminating)
    // pods are what the Deployment controller bounds by replicas + maxSurge.
    const live = new Map<string, any>();
    const seen = new Set<string>();
    let maxLive = 0;
    let firstNew: (() => void) | undefined;
    const firstNewPod = new Promise<void>((r) => (firstNew = r));
    watch = streamJsonLines({ server: cluster.url, token: cluster.adminToken, insecure: true, namespace: 'default' }, `/api/v1/namespaces/default/pods?watch=true&labelSelector=app%3D${app}`, (e) => {
      const pod = e.object;
      if (e.type === 'BOOKMARK') return;
      seen.add(pod.metadata.name);
      if (e.type === 'DELETED' || pod.metadata.deletionTimestamp) live.delete(pod.metadata.name);
      else live.set(pod.metadata.name, pod);
      maxLive = Math.max(maxLive, live.size);
      if (pod.spec.containers[0].image === 'busybox:2') firstNew?.();
    });
    await eventually(() => live.size === REPLICAS, { what: 'the watch to list the pods' });

    expect((await cluster.api('PATCH', `/apis/apps/v1/namespaces/default/deployments/${app}`, { spec: { template: { spec: { containers: [{ name: 'main', image: 'busybox:2' }] } } } }, 'application/strategic-merge-patch+json')).status).toBe(200);
    await firstNewPod;
    const before = cluster.pids().components;
    for (const name of VICTIMS) process.kill(before[name].pid!, 'SIGKILL');

    // The kills happened: the old processes are gone and the supervisor started new ones.
    await eventually(() => VICTIMS.every((name) => !alive(before[name].pid!)), { what: 'the killed processes to be gone' });
    await eventually(
      () => {
        const now = cluster.pids().components;
        return VICTIMS.every((name) => now[name].pid !== null && now[name].pid !== before[name].pid && now[name].restarts === before[name].restarts + 1);
      },
      { timeoutMs: 30_000, intervalMs: 250, what: 'the supervisor to restart the killed processes' },
    );
    expect(cluster.output()).toMatch(/!!! scheduler-1 \(pid \d+\) DIED: killed by SIGKILL/);

    await eventually(() => rolledOutTo('busybox:2'), { timeoutMs: 180_000, intervalMs: 500, what: 'the rollout to finish after the kills' });
    const pods: any[] = (await cluster.api('GET', `/api/v1/namespaces/default/pods?labelSelector=app%3D${app}`)).body.items.filter((p: any) => !p.metadata.deletionTimestamp);
    expect(pods).toHaveLength(REPLICAS);
    expect(pods.every((p) => p.spec.containers[0].image === 'busybox:2' && p.status.phase === 'Running')).toBe(true);
    expect(maxLive).toBeLessThanOrEqual(REPLICAS + MAX_SURGE);

    // No pod was bound twice: one PodBound at most in every pod's history, exactly one for the pods that run.
    const running = new Set(pods.map((p) => p.metadata.name));
    expect(seen.size).toBeGreaterThan(REPLICAS);
    const boundCount = new Map<string, number>();
    for (const name of seen) {
      const history: any[] = (await cluster.api('GET', `/apis/logbook.io/v1/history?kind=pod&namespace=default&name=${name}`)).body.items;
      const bound = history.filter((e) => e.type === 'PodBound');
      boundCount.set(name, bound.length);
      for (const e of bound) expect(e.actor).toBe('system:kube-scheduler');
    }
    expect([...boundCount].filter(([, n]) => n > 1)).toEqual([]);
    expect([...running].filter((name) => boundCount.get(name) !== 1)).toEqual([]);

    // Consumer lag returns to zero in every group that has members. Exactly the two killed
    // ControllerHost processes (scheduler-1, controller-manager-1) leave their cache group behind
    // without members: it is named by a random instance id, and the replacement bootstraps from a
    // list and reads under a new one (docs/operations.md, "Distributed mode"). The killed node
    // agent's group is named by its node and taken over by its replacement.
    await eventually(
      async () => {
        const groups = await consumerLag(prefix);
        const abandoned = groups.filter((g) => g.state === 'Empty');
        expect(abandoned.map((g) => g.groupId.slice(prefix.length).replace(/[0-9a-f]{8}$/, '<id>'))).toEqual(['logbook-cache-<id>', 'logbook-cache-<id>']);
        const active = groups.filter((g) => g.state !== 'Empty');
        expect(active.length).toBeGreaterThan(10);
        expect(active.filter((g) => g.state !== 'Stable' || g.lag !== 0)).toEqual([]);
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 1_000, what: 'every consumer group with members to have no lag' },
    );
  }, 480_000);
});
