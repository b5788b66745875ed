import type { KubeObject } from '@logbook/kube';
import { milliValue } from '@logbook/scheduling';
import { eventually, kubectlBinaries, useKubectl } from '@logbook/testing';
import { type AcceptanceCluster, InvariantWatch, podReady, podsWithLabels, readStream, startAcceptanceCluster } from './harness';

const NS = 'default';
const REPLICAS = 10;
const MAX_UNAVAILABLE = 2; // 25% of 10, rounded down
const MAX_SURGE = 3; // 25% of 10, rounded up
const SIZES: Record<string, string> = { 'small-': '2', 'medium-': '4', 'large-': '8' };

const deployment = (image: string) => `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${NS}
spec:
  replicas: ${REPLICAS}
  selector:
    matchLabels: { app: web }
  strategy:
    type: RollingUpdate
    rollingUpdate: { maxSurge: 25%, maxUnavailable: 25% }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
      - name: web
        image: ${image}
        resources:
          requests: { cpu: 500m, memory: 256Mi }
`;

/** Acceptance (issue 4): a Deployment of 10 on 3 nodes of different sizes, rolled and rolled back. */
describe.each(kubectlBinaries())('Deployment rollout on hollow nodes of different sizes (%s)', (bin) => {
  let t: AcceptanceCluster;
  const nodeNames: string[] = [];

  beforeAll(async () => {
    useKubectl(bin);
    t = await startAcceptanceCluster({ hollowNodes: 0 });
    for (const [prefix, cpu] of Object.entries(SIZES)) nodeNames.push(...(await t.addHollowNodes(prefix, { cpu, memory: '16Gi' })).nodeNames);
  }, 30_000);
  afterAll(async () => {
    await t?.close();
  });

  const webPods = () => podsWithLabels(t.cluster, NS, { app: 'web' });
  const imageOf = (pod: KubeObject) => pod.spec.containers[0].image as string;

  /** No node's bound requests ever exceed its allocatable. */
  const noOvercommit = () =>
    new InvariantWatch(t.cluster, (_event, change) => {
      const kind = (change.after ?? change.before)?.kind;
      if (kind !== 'Pod' && kind !== 'Node') return undefined;
      const used = new Map<string, { cpu: number; memory: number }>();
      for (const pod of t.cluster.projector.state.list('Pod')) {
        const node = pod.spec?.nodeName;
        if (!node || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
        const u = used.get(node) ?? { cpu: 0, memory: 0 };
        for (const c of pod.spec.containers) {
          u.cpu += milliValue(c.resources?.requests?.cpu ?? 0);
          u.memory += milliValue(c.resources?.requests?.memory ?? 0);
        }
        used.set(node, u);
      }
      for (const [name, u] of used) {
        const alloc = t.cluster.projector.state.get('Node', undefined, name)?.status?.allocatable;
        if (!alloc) return `pods bound to ${name}, which has no allocatable`;
        if (u.cpu > milliValue(alloc.cpu)) return `${name} overcommitted: ${u.cpu}m cpu requested of ${alloc.cpu}`;
        if (u.memory > milliValue(alloc.memory)) return `${name} overcommitted: memory ${u.memory / 1000} of ${alloc.memory}`;
      }
      return undefined;
    }).start();

  /** During a rollout: never fewer than replicas - maxUnavailable Ready pods, never more than replicas + maxSurge pods. */
  const rollingBounds = () =>
    new InvariantWatch(t.cluster, (_event, change) => {
      if ((change.after ?? change.before)?.kind !== 'Pod') return undefined;
      const pods = webPods();
      const ready = pods.filter((p) => podReady(p) && !p.metadata.deletionTimestamp).length;
      if (ready < REPLICAS - MAX_UNAVAILABLE) return `${ready} ready pods < ${REPLICAS - MAX_UNAVAILABLE}`;
      if (pods.length > REPLICAS + MAX_SURGE) return `${pods.length} pods > ${REPLICAS + MAX_SURGE}`;
      return undefined;
    }).start();

  const settled = (image: string) =>
    eventually(
      () => {
        const pods = webPods();
        return pods.length === REPLICAS && pods.every((p) => podReady(p) && imageOf(p) === image);
      },
      { what: `${REPLICAS} ready pods of ${image}`, timeoutMs: 20_000 },
    );

  /**
   * Each pod of the first rollout was created by the controller manager in reaction to an event of
   * its ReplicaSet, which was created in reaction to an event of the Deployment, all under the
   * correlation id of the user's apply request.
   */
  const expectCausationFromApply = async () => {
    const deployEvents = await readStream(t.cluster, `Deployment/${NS}/web`);
    const apply = deployEvents[0];
    expect(apply.metadata.actor).not.toMatch(/^system:/);
    expect(apply.metadata.correlationId).toBeTruthy();
    const pods = webPods();
    const rsNames = new Set(pods.map((p) => p.metadata.ownerReferences?.[0]?.name));
    expect(rsNames.size).toBe(1);
    const [rsName] = rsNames;
    const rsEvents = await readStream(t.cluster, `ReplicaSet/${NS}/${rsName}`);
    expect(rsEvents[0].metadata.actor).toBe('system:kube-controller-manager');
    expect(deployEvents.map((e) => e.id)).toContain(rsEvents[0].metadata.causationId);
    expect(rsEvents[0].metadata.correlationId).toBe(apply.metadata.correlationId);
    const rsEventIds = new Set(rsEvents.map((e) => e.id));
    for (const pod of pods) {
      const [created] = await readStream(t.cluster, `Pod/${NS}/${pod.metadata.name}`);
      expect(created.metadata).toMatchObject({ actor: 'system:kube-controller-manager', correlationId: apply.metadata.correlationId });
      expect(rsEventIds.has(created.metadata.causationId!)).toBe(true);
    }
  };

  it('spreads 10 replicas over all nodes without overcommitting, rolls an image change within the bounds, and rolls back', async () => {
    const capacity = noOvercommit();
    try {
      const applied = await t.kubectl(['apply', '-f', '-'], { input: deployment('nginx:1.25') });
      expect(applied.stdout).toContain('deployment.apps/web created');
      const status = await t.kubectl(['rollout', 'status', 'deployment/web', '-n', NS, '--timeout=30s'], { timeoutMs: 40_000 });
      expect(status.stdout).toContain('successfully rolled out');
      await settled('nginx:1.25');
      expect(new Set(webPods().map((p) => p.spec.nodeName))).toEqual(new Set(nodeNames));
      await expectCausationFromApply();

      // An image change rolls within maxSurge/maxUnavailable on every change of the projection.
      const bounds = rollingBounds();
      try {
        await t.kubectl(['set', 'image', 'deployment/web', 'web=nginx:1.26', '-n', NS]);
        const rolled = await t.kubectl(['rollout', 'status', 'deployment/web', '-n', NS, '--timeout=30s'], { timeoutMs: 40_000 });
        expect(rolled.stdout).toContain('successfully rolled out');
        await settled('nginx:1.26');

        // Undo returns the template to the previous image and rolls it out the same way.
        const undone = await t.kubectl(['rollout', 'undo', 'deployment/web', '-n', NS]);
        expect(undone.stdout).toContain('rolled back');
        const back = await t.kubectl(['rollout', 'status', 'deployment/web', '-n', NS, '--timeout=30s'], { timeoutMs: 40_000 });
        expect(back.stdout).toContain('successfully rolled out');
        await settled('nginx:1.25');
      } finally {
        bounds.stop();
      }
      expect(bounds.checked).toBeGreaterThan(20);
      bounds.assertNone();

      const template = JSON.parse((await t.kubectl(['get', 'deployment/web', '-n', NS, '-o', 'json'])).stdout);
      expect(template.spec.template.spec.containers[0].image).toBe('nginx:1.25');
      expect(template.metadata.annotations['deployment.kubernetes.io/revision']).toBe('3');
      const history = await t.kubectl(['rollout', 'history', 'deployment/web', '-n', NS]);
      const revisions = history.stdout
        .split('\n')
        .map((line) => /^(\d+)\s/.exec(line)?.[1])
        .filter(Boolean);
      // Revision 1 became 3 on undo, as in kube.
      expect(revisions).toEqual(['2', '3']);
      const rev2 = await t.kubectl(['rollout', 'history', 'deployment/web', '-n', NS, '--revision=2']);
      expect(rev2.stdout).toContain('nginx:1.26');
    } finally {
      capacity.stop();
    }
    expect(capacity.checked).toBeGreaterThan(50);
    capacity.assertNone();
  }, 60_000);
});
