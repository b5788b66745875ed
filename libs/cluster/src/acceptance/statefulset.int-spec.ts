import type { KubeObject } from '@logbook/kube';
import { eventually, kubectlBinaries, useKubectl } from '@logbook/testing';
import { type AcceptanceCluster, InvariantWatch, podReady, startAcceptanceCluster } from './harness';

const NS = 'default';

const statefulSet = (image: string) => `
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: web, namespace: ${NS} }
spec:
  replicas: 3
  serviceName: web
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
      - name: nginx
        image: ${image}
  volumeClaimTemplates:
  - metadata: { name: data }
    spec: { accessModes: [ReadWriteOnce], resources: { requests: { storage: 1Gi } } }
`;

const runningAndReady = (p: KubeObject | undefined) => !!p && !p.metadata.deletionTimestamp && p.status?.phase === 'Running' && podReady(p);

/** Acceptance: a StatefulSet on hollow nodes, driven by real kubectl (both versions). */
describe.each(kubectlBinaries())('StatefulSet on hollow nodes (%s)', (bin) => {
  let t: AcceptanceCluster;
  const pod = (ordinal: number) => t.cluster.projector.state.get('Pod', NS, `web-${ordinal}`);
  const revision = (p: KubeObject | undefined) => p?.metadata.labels?.['controller-revision-hash'];

  /**
   * Records pod creations and deletions of web-N in log order, and checks OrderedReady at each:
   * a pod is created only when every lower ordinal is Running and Ready; a pod is deleted (scale
   * down or update) only when no higher ordinal is missing, terminating or unready.
   */
  const ordered = (updateRevision?: () => string | undefined) => {
    const log: string[] = [];
    const watch = new InvariantWatch(t.cluster, (event, { before, after }) => {
      const obj = after ?? before;
      if (obj?.kind !== 'Pod' || obj.metadata.labels?.app !== 'web') return undefined;
      const ordinal = Number(obj.metadata.name!.slice('web-'.length));
      const replicas = t.cluster.projector.state.get('StatefulSet', NS, 'web')?.spec.replicas ?? 0;
      if (event.type === 'PodCreated') {
        log.push(`+${obj.metadata.name}`);
        for (let i = 0; i < ordinal; i++) if (!runningAndReady(pod(i))) return `web-${ordinal} created while web-${i} was not Running and Ready`;
      }
      if (event.type === 'ObjectDeleted') {
        log.push(`-${obj.metadata.name}`);
        for (let i = ordinal + 1; i < replicas; i++) {
          if (!runningAndReady(pod(i)) || (updateRevision && revision(pod(i)) !== updateRevision())) return `web-${ordinal} deleted while web-${i} was not Running, Ready and updated`;
        }
        for (let i = Math.max(ordinal + 1, replicas); i < 10; i++) if (pod(i)) return `web-${ordinal} deleted while surplus web-${i} still existed`;
      }
      return undefined;
    }).start();
    return { log, watch };
  };

  beforeAll(async () => {
    useKubectl(bin);
    t = await startAcceptanceCluster({ hollowNodes: 0 });
    await t.addHollowNodes('worker-', { count: 3 });
  }, 30_000);
  afterAll(async () => {
    await t?.close();
  });

  it('comes up in order web-0, web-1, web-2, each after the previous is Running and Ready', async () => {
    const { log, watch } = ordered();
    try {
      await t.kubectl(['apply', '-f', '-'], { input: statefulSet('nginx:1.25') });
      const status = await t.kubectl(['rollout', 'status', 'sts/web', '-n', NS, '--timeout=30s'], { timeoutMs: 40_000 });
      expect(status.stdout).toContain('partitioned roll out complete: 3 new pods have been updated...');
    } finally {
      watch.stop();
    }
    watch.assertNone();
    expect(log).toEqual(['+web-0', '+web-1', '+web-2']);
    // The log agrees: creation positions are in ordinal order.
    const created = await Promise.all([0, 1, 2].map(async (i) => (await t.cluster.store.readStream(`Pod/${NS}/web-${i}`)).find((e) => e.type === 'PodCreated')!.position));
    expect([...created].sort((a, b) => a - b)).toEqual(created);

    const p = pod(1)!;
    expect(p.metadata.labels).toMatchObject({ 'statefulset.kubernetes.io/pod-name': 'web-1', 'apps.kubernetes.io/pod-index': '1', 'controller-revision-hash': expect.stringMatching(/^web-/) });
    expect(p.spec).toMatchObject({ hostname: 'web-1', subdomain: 'web' });
    // Beside ServiceAccount admission's kube-api-access-* token volume.
    expect(p.spec.volumes.filter((v: any) => !v.name.startsWith('kube-api-access-'))).toEqual([{ name: 'data', persistentVolumeClaim: { claimName: 'data-web-1' } }]);
    const table = await t.kubectl(['get', 'sts', '-n', NS]);
    expect(table.stdout).toMatch(/^NAME\s+READY\s+AGE\nweb\s+3\/3\s+\d+s\n$/);
  }, 60_000);

  it('rolls an update out from the highest ordinal down; rollout history and undo work', async () => {
    const before = t.cluster.projector.state.get('StatefulSet', NS, 'web')!.status.currentRevision;
    const updateRevision = () => t.cluster.projector.state.get('StatefulSet', NS, 'web')?.status?.updateRevision;
    const { log, watch } = ordered(updateRevision);
    try {
      await t.kubectl(['apply', '-f', '-'], { input: statefulSet('nginx:1.26') });
      await eventually(() => updateRevision() !== before && updateRevision(), { timeoutMs: 10_000, what: 'a new update revision' });
      await t.kubectl(['rollout', 'status', 'sts/web', '-n', NS, '--timeout=30s'], { timeoutMs: 40_000 });
      await eventually(() => [0, 1, 2].every((i) => runningAndReady(pod(i)) && revision(pod(i)) === updateRevision()), { timeoutMs: 20_000, what: 'every pod at the new revision' });
    } finally {
      watch.stop();
    }
    watch.assertNone();
    expect(log).toEqual(['-web-2', '+web-2', '-web-1', '+web-1', '-web-0', '+web-0']);
    const sts = t.cluster.projector.state.get('StatefulSet', NS, 'web')!;
    expect(sts.status).toMatchObject({ replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, availableReplicas: 3, currentRevision: updateRevision() });

    expect((await t.kubectl(['rollout', 'history', 'sts/web', '-n', NS])).stdout).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
    await t.kubectl(['rollout', 'undo', 'sts/web', '-n', NS]);
    await eventually(() => [0, 1, 2].every((i) => runningAndReady(pod(i)) && pod(i)!.spec.containers[0].image === 'nginx:1.25'), { timeoutMs: 30_000, what: 'nginx:1.25 back on every pod' });
  }, 90_000);

  it('scales down in reverse ordinal order, one pod at a time', async () => {
    const { log, watch } = ordered();
    try {
      await t.kubectl(['scale', 'sts/web', '--replicas=1', '-n', NS]);
      await eventually(() => !pod(1) && !pod(2) && runningAndReady(pod(0)), { timeoutMs: 20_000, what: 'web-1 and web-2 gone' });
    } finally {
      watch.stop();
    }
    watch.assertNone();
    expect(log).toEqual(['-web-2', '-web-1']);
    await eventually(async () => /^web\s+1\/1\s/m.test((await t.kubectl(['get', 'sts', 'web', '-n', NS])).stdout), { timeoutMs: 10_000, what: 'READY 1/1' });
  }, 60_000);
});
