import { InProcessClusterClient, componentUser } from '@logbook/apiserver';
import type { KubeObject } from '@logbook/kube';
import { eventually, randomName } from '@logbook/testing';
import { type AcceptanceCluster, apiCall, readStream, startAcceptanceCluster } from './harness';

const NS = 'default';

/**
 * The eviction subresource's rules beyond drain's happy path, through the API server with the
 * real disruption controller: which pods a budget guards, what is refused and with which code.
 * Pods here are created bound to a node that does not exist (so the scheduler leaves them alone
 * and a delete is immediate), and their status is written as a kubelet would.
 */
describe('pods/<name>/eviction', () => {
  let t: AcceptanceCluster;
  let kubelet: InProcessClusterClient;

  beforeAll(async () => {
    t = await startAcceptanceCluster({});
    kubelet = new InProcessClusterClient(t.cluster.api.writer, t.cluster.projector, componentUser('system:node:test'));
  }, 30_000);
  afterAll(async () => {
    await t?.close();
  });

  const getPod = (name: string) => t.cluster.projector.state.getByStream(`Pod/${NS}/${name}`);
  const getBudget = (name: string) => t.cluster.projector.state.getByStream(`PodDisruptionBudget/${NS}/${name}`)!;

  async function pod(app: string, phase: 'Pending' | 'Running' | 'Succeeded', ready = phase === 'Running'): Promise<string> {
    const name = randomName(app);
    const created = await kubelet.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS, labels: { app } }, spec: { nodeName: 'no-such-node', containers: [{ name: 'c', image: 'x' }] } }, {});
    if (phase !== 'Pending') await kubelet.updateStatus({ ...created, status: { phase, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } }, {});
    return name;
  }

  async function budget(app: string, spec: Record<string, unknown>, expect: (status: any) => boolean): Promise<string> {
    const name = randomName('pdb');
    await kubelet.create({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace: NS }, spec: { selector: { matchLabels: { app } }, ...spec } }, {});
    await eventually(() => expect(getBudget(name).status ?? {}) && getBudget(name).status.observedGeneration === 1, { what: `budget ${name} computed`, timeoutMs: 10_000 });
    return name;
  }

  const evict = (name: string, extra: Record<string, unknown> = {}, query = '') =>
    apiCall(t, 'POST', `/api/v1/namespaces/${NS}/pods/${name}/eviction${query}`, Buffer.from(JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name }, ...extra })));
  const spends = async (pdb: string) => (await readStream(t.cluster, `PodDisruptionBudget/${NS}/${pdb}`)).filter((e) => e.metadata.actor === 'admin').length;

  it('evicts a Pending or finished pod whatever the budget says', async () => {
    const app = randomName('app');
    const pending = await pod(app, 'Pending');
    const done = await pod(app, 'Succeeded');
    const pdb = await budget(app, { minAvailable: 5 }, (s) => s.disruptionsAllowed === 0);
    expect(await evict(pending)).toMatchObject({ code: 201, body: { status: 'Success' } });
    expect(await evict(done)).toMatchObject({ code: 201 });
    expect(getPod(pending)).toBeUndefined();
    expect(getPod(done)).toBeUndefined();
    expect(await spends(pdb)).toBe(0);
  });

  it('evicts an unready pod without spending budget while the budget is met, refuses it (429) when not', async () => {
    const app = randomName('app');
    await pod(app, 'Running');
    await pod(app, 'Running');
    const unready = await pod(app, 'Running', false);
    const met = await budget(app, { minAvailable: 1 }, (s) => s.currentHealthy === 2 && s.disruptionsAllowed === 1);
    expect(await evict(unready)).toMatchObject({ code: 201 });
    expect(await spends(met)).toBe(0);

    const other = randomName('app');
    await pod(other, 'Running');
    const stuck = await pod(other, 'Running', false);
    const unmet = await budget(other, { minAvailable: 2 }, (s) => s.currentHealthy === 1 && s.desiredHealthy === 2);
    const refused = await evict(stuck);
    expect(refused).toMatchObject({ code: 429, body: { reason: 'TooManyRequests', details: { causes: [{ reason: 'DisruptionBudget', message: `The disruption budget ${unmet} needs 2 healthy pods and has 1 currently` }] } } });
    expect(getPod(stuck)).toBeDefined();
  });

  it('refuses a pod that two budgets select with 500, as Kubernetes does', async () => {
    const app = randomName('app');
    const name = await pod(app, 'Running');
    await pod(app, 'Running');
    await budget(app, { maxUnavailable: 0 }, (s) => s.currentHealthy === 2);
    await budget(app, { minAvailable: 0 }, (s) => s.currentHealthy === 2);
    expect(await evict(name)).toMatchObject({ code: 500, body: { message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.' } });
    expect(getPod(name)).toBeDefined();
  });

  it('with dryRun=All answers as it would, and writes nothing', async () => {
    const app = randomName('app');
    const name = await pod(app, 'Running');
    await pod(app, 'Running');
    const pdb = await budget(app, { minAvailable: 1 }, (s) => s.disruptionsAllowed === 1);
    const streams = [`Pod/${NS}/${name}`, `PodDisruptionBudget/${NS}/${pdb}`];
    const before = await Promise.all(streams.map((s) => readStream(t.cluster, s)));
    expect(await evict(name, { deleteOptions: { dryRun: ['All'] } })).toMatchObject({ code: 201 });
    expect(await evict(name, {}, '?dryRun=All')).toMatchObject({ code: 201 });
    expect(await evict(name, {}, '?dryRun=Some')).toMatchObject({ code: 400 });
    expect(await Promise.all(streams.map((s) => readStream(t.cluster, s)))).toEqual(before);
    expect(getPod(name)?.metadata.deletionTimestamp).toBeUndefined();
    expect(getBudget(pdb).status.disruptionsAllowed).toBe(1);
  });

  it('honours a uid precondition (409) and answers 404 for a pod that is not there', async () => {
    const app = randomName('app');
    const name = await pod(app, 'Running');
    expect(await evict(name, { deleteOptions: { preconditions: { uid: 'not-this-pod' } } })).toMatchObject({ code: 409, body: { reason: 'Conflict' } });
    expect(getPod(name)).toBeDefined();
    expect(await evict(name, { deleteOptions: { preconditions: { uid: (getPod(name) as KubeObject).metadata.uid } } })).toMatchObject({ code: 201 });
    expect(await evict('no-such-pod')).toMatchObject({ code: 404, body: { message: 'pods "no-such-pod" not found' } });
  });

  it('refuses a malformed Eviction with 400 and only POST with 405', async () => {
    const name = await pod(randomName('app'), 'Running');
    const bad = (body: string) => apiCall(t, 'POST', `/api/v1/namespaces/${NS}/pods/${name}/eviction`, Buffer.from(body));
    expect(await bad('{"kind":"Eviction","metadata":{"name":')).toMatchObject({ code: 400 });
    expect(await bad(JSON.stringify({ kind: 'Eviction', apiVersion: 'policy/v2', metadata: { name } }))).toMatchObject({ code: 400 });
    expect(await bad(JSON.stringify({ kind: 'Eviction', metadata: { name, namespace: 'elsewhere' } }))).toMatchObject({ code: 400 });
    expect(await bad(JSON.stringify({ kind: 'Eviction', metadata: { name }, deleteOptions: { propagationPolicy: 'Sideways' } }))).toMatchObject({ code: 400 });
    expect(await apiCall(t, 'GET', `/api/v1/namespaces/${NS}/pods/${name}/eviction`)).toMatchObject({ code: 405 });
    expect(getPod(name)?.metadata.deletionTimestamp).toBeUndefined();
  });
});
