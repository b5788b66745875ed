import type { KubeObject } from '@logbook/kube';
import { eventually, kubectlBinaries, randomName, useKubectl } from '@logbook/testing';
import { deploymentManifest } from '@logbook/testing';
import { type AcceptanceCluster, InvariantWatch, apiCall as call, podReady, podsWithLabels, readStream, startAcceptanceCluster } from './harness';

const NS = 'default';
const NODE = 'hollow-node-0';

const budget = (name: string, app: string, bound: string) => `
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: ${name}
  namespace: ${NS}
spec:
  ${bound}
  selector:
    matchLabels: { app: ${app} }
`;

const eviction = (pod: string) => JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod, namespace: NS } });

/**
 * Acceptance: node maintenance as SREs do it, with real kubectl. A Deployment of 3 on one hollow
 * node, a PodDisruptionBudget of minAvailable 2, a spare node: `kubectl drain` evicts within the
 * budget (kubectl retries the 429s until replacements are Ready on the spare), the node shows
 * SchedulingDisabled and takes no pod, `kubectl uncordon` gives it back.
 */
describe.each(kubectlBinaries())('drain, cordon and uncordon with a PodDisruptionBudget (%s)', (bin) => {
  let t: AcceptanceCluster;
  const app = randomName('web');
  const pdb = randomName('pdb');
  let spare: string;

  beforeAll(async () => {
    useKubectl(bin);
    t = await startAcceptanceCluster({ hollowNodes: 1, hollowHeartbeatMs: 1000 });
  }, 30_000);
  afterAll(async () => {
    await t?.close();
  });

  const appPods = () => podsWithLabels(t.cluster, NS, { app }).filter((p) => !p.metadata.deletionTimestamp);
  const healthy = () => appPods().filter(podReady);
  const getBudget = async (): Promise<KubeObject> => JSON.parse((await t.kubectl(['get', 'pdb', pdb, '-n', NS, '-o', 'json'])).stdout);

  it('drain evicts within the budget, the node takes no new pod, uncordon gives it back', async () => {
    await t.kubectl(['apply', '-f', '-'], { input: JSON.stringify(deploymentManifest(app, 3, { containers: [{ name: 'web', image: 'nginx:1.25' }] })) });
    await eventually(() => healthy().length === 3 && appPods().every((p) => p.spec.nodeName === NODE), { what: '3 Ready pods on the only node', timeoutMs: 20_000 });
    await t.kubectl(['apply', '-f', '-'], { input: budget(pdb, app, 'minAvailable: 2') });
    await eventually(async () => (await t.kubectl(['get', 'pdb', pdb, '-n', NS])).stdout.match(new RegExp(`${pdb}\\s+2\\s+N/A\\s+1\\s`)), { what: 'ALLOWED DISRUPTIONS 1', timeoutMs: 15_000 });
    spare = (await t.addHollowNodes('spare-', {})).nodeNames[0];

    let drainStarted = false;
    const watch = new InvariantWatch(t.cluster, (event, change) => {
      if (change.after?.kind !== 'Pod' && change.before?.kind !== 'Pod') return undefined;
      if (event.type === 'PodBound' && drainStarted && change.after?.spec.nodeName === NODE) return `pod ${change.after.metadata.name} bound to the cordoned node`;
      const n = healthy().length;
      return n < 2 ? `only ${n} healthy pods: the budget of minAvailable 2 was broken` : undefined;
    }).start();
    drainStarted = true;
    const drained = await t.kubectl(['drain', NODE, '--ignore-daemonsets', '--timeout=100s'], { timeoutMs: 110_000 });
    watch.stop();
    watch.assertNone();
    const output = drained.stdout + drained.stderr;
    expect(output).toContain(`node/${NODE} cordoned`);
    expect(output.match(/evicted/g)?.length).toBeGreaterThanOrEqual(3);
    // Three evictions asked at once against one allowed disruption: kubectl was told to retry.
    expect(output).toContain("Cannot evict pod as it would violate the pod's disruption budget.");
    expect(watch.checked).toBeGreaterThan(0);

    await eventually(() => healthy().length === 3 && appPods().every((p) => p.spec.nodeName === spare), { what: '3 Ready pods on the spare node', timeoutMs: 15_000 });
    const nodes = (await t.kubectl(['get', 'nodes'])).stdout;
    expect(nodes).toMatch(new RegExp(`${NODE}\\s+Ready,SchedulingDisabled\\s`));
    expect(nodes).toMatch(new RegExp(`${spare}\\s+Ready\\s`));

    await t.kubectl(['uncordon', NODE]);
    expect((await t.kubectl(['get', 'nodes'])).stdout).toMatch(new RegExp(`${NODE}\\s+Ready\\s`));
    // With the spare cordoned, new pods can only go to the uncordoned node.
    await t.kubectl(['cordon', spare]);
    await t.kubectl(['scale', 'deployment', app, '-n', NS, '--replicas=5']);
    await eventually(() => healthy().filter((p) => p.spec.nodeName === NODE).length === 2, { what: '2 new pods on the uncordoned node', timeoutMs: 15_000 });
    await t.kubectl(['uncordon', spare]);
    await t.kubectl(['scale', 'deployment', app, '-n', NS, '--replicas=3']);
    await eventually(() => appPods().length === 3 && healthy().length === 3, { what: 'back to 3 pods', timeoutMs: 15_000 });
  }, 150_000);

  it('refuses with 429 an eviction the budget does not allow, and deletes nothing', async () => {
    await t.kubectl(['patch', 'pdb', pdb, '-n', NS, '--type=merge', '-p', '{"spec":{"minAvailable":3}}']);
    await eventually(async () => {
      const b = await getBudget();
      return b.status.observedGeneration === b.metadata.generation && b.status.disruptionsAllowed === 0 && b.status.currentHealthy === 3;
    }, { what: 'the budget at 0 allowed disruptions for generation 2', timeoutMs: 15_000 });
    const victim = healthy()[0].metadata.name!;
    const refused = await t.kubectl(['create', '--raw', `/api/v1/namespaces/${NS}/pods/${victim}/eviction`, '-f', '-'], { input: eviction(victim), allowFailure: true });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("Error from server (TooManyRequests): Cannot evict pod as it would violate the pod's disruption budget.");
    const pod = t.cluster.projector.state.getByStream(`Pod/${NS}/${victim}`);
    expect(pod?.metadata.deletionTimestamp).toBeUndefined();
    expect((await getBudget()).status.disruptionsAllowed).toBe(0);
  }, 60_000);

  it('evicts once the budget allows it, with the Eviction sent as protobuf', async () => {
    await t.kubectl(['patch', 'pdb', pdb, '-n', NS, '--type=merge', '-p', '{"spec":{"minAvailable":2}}']);
    await eventually(async () => (await getBudget()).status.disruptionsAllowed === 1, { what: 'one allowed disruption', timeoutMs: 15_000 });
    const victim = healthy()[0];
    const answer = await call(t, 'POST', `/api/v1/namespaces/${NS}/pods/${victim.metadata.name}/eviction`, protobufEviction(victim.metadata.name!, 0), 'application/vnd.kubernetes.protobuf');
    expect(answer).toMatchObject({ code: 201, body: { kind: 'Status', status: 'Success' } });
    await eventually(() => !t.cluster.projector.state.getByStream(`Pod/${NS}/${victim.metadata.name}`), { what: 'the evicted pod gone', timeoutMs: 10_000 });
    const spent = (await readStream(t.cluster, `PodDisruptionBudget/${NS}/${pdb}`)).filter((e) => e.metadata.actor === 'admin' && e.type === 'PodDisruptionBudgetStatusChanged');
    expect(spent.length).toBeGreaterThan(0);
  }, 60_000);

  it('refuses bad input with 400 or 422 and writes nothing', async () => {
    const pod = healthy()[0].metadata.name!;
    const wrongName = await t.kubectl(['create', '--raw', `/api/v1/namespaces/${NS}/pods/${pod}/eviction`, '-f', '-'], { input: eviction('someone-else'), allowFailure: true });
    expect(wrongName.stderr).toContain('Error from server (BadRequest): name in URL does not match name in Eviction object');
    const wrongKind = await t.kubectl(['create', '--raw', `/api/v1/namespaces/${NS}/pods/${pod}/eviction`, '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: pod } }), allowFailure: true });
    expect(wrongKind.stderr).toContain('Error from server (BadRequest)');
    expect(t.cluster.projector.state.getByStream(`Pod/${NS}/${pod}`)?.metadata.deletionTimestamp).toBeUndefined();

    const bad = randomName('bad');
    const both = await t.kubectl(['apply', '-f', '-'], { input: budget(bad, app, 'minAvailable: 1\n  maxUnavailable: 1'), allowFailure: true });
    expect(both.code).not.toBe(0);
    expect(both.stderr).toContain(`The PodDisruptionBudget "${bad}" is invalid`);
    expect(both.stderr).toContain('minAvailable and maxUnavailable cannot be both set');
    const percent = await t.kubectl(['apply', '-f', '-'], { input: budget(bad, app, 'maxUnavailable: 150%'), allowFailure: true });
    expect(percent.stderr).toContain('spec.maxUnavailable: Invalid value: "150%": must not be greater than 100%');
    expect(await readStream(t.cluster, `PodDisruptionBudget/${NS}/${bad}`)).toEqual([]);
  }, 60_000);

  it('auth can-i answers the admin yes, by its cluster-admin binding', async () => {
    expect((await t.kubectl(['auth', 'can-i', 'create', 'pods'])).stdout).toBe('yes\n');
    expect((await t.kubectl(['auth', 'can-i', 'delete', 'nodes'])).stdout).toBe('yes\n');
    expect((await t.kubectl(['auth', 'can-i', '--list'])).stdout).toMatch(/\*\.\*\s+\[\]\s+\[\]\s+\[\*\]/);

    const path = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';
    const review = (spec: object) => Buffer.from(JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec }));
    const allowed = await call(t, 'POST', path, review({ resourceAttributes: { verb: 'delete', resource: 'nodes' } }));
    expect(allowed).toMatchObject({ code: 201, body: { status: { allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters"' } } });
    expect(await call(t, 'POST', path, review({}))).toMatchObject({ code: 422, body: { reason: 'Invalid' } });
    expect(await call(t, 'GET', path)).toMatchObject({ code: 405 });
    expect(await call(t, 'POST', path, review({ resourceAttributes: { verb: 'get', resource: 'pods' } }), 'application/json', 'wrong-token')).toMatchObject({ code: 401 });
  }, 30_000);
});

/** policy/v1 Eviction as a typed client would encode it (KUBECTL.md §10 envelope). */
function protobufEviction(name: string, gracePeriodSeconds: number): Buffer {
  const varint = (n: number): number[] => {
    const out: number[] = [];
    for (; n >= 0x80; n = Math.floor(n / 128)) out.push((n % 128) | 0x80);
    return [...out, n];
  };
  const field = (no: number, body: number[]) => [...varint(no * 8 + 2), ...varint(body.length), ...body];
  const text = (no: number, s: string) => field(no, [...Buffer.from(s)]);
  const metadata = field(1, [...text(1, name), ...text(3, NS)]);
  const deleteOptions = field(2, [...varint(1 * 8), ...varint(gracePeriodSeconds)]);
  const unknown = [...field(1, [...text(1, 'policy/v1'), ...text(2, 'Eviction')]), ...field(2, [...metadata, ...deleteOptions])];
  return Buffer.from([0x6b, 0x38, 0x73, 0x00, ...unknown]);
}
